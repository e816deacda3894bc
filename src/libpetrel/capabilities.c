/* Capabilities: the CAP_* name table, resolving process.capabilities to bit
 * masks at create time, and applying the five sets in the container's init
 * around its switch to the container's user. Raw prctl/capset, no libcap. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capabilities.h"
#include "cleanup.h"
#include "log.h"

/* The numbers are the kernel ABI (include/uapi/linux/capability.h); they are
 * written out so that petrel knows every name even when built against older
 * headers. */
const char *const petrel_cap_names[] = {
	[0] = "CAP_CHOWN",
	[1] = "CAP_DAC_OVERRIDE",
	[2] = "CAP_DAC_READ_SEARCH",
	[3] = "CAP_FOWNER",
	[4] = "CAP_FSETID",
	[5] = "CAP_KILL",
	[6] = "CAP_SETGID",
	[7] = "CAP_SETUID",
	[8] = "CAP_SETPCAP",
	[9] = "CAP_LINUX_IMMUTABLE",
	[10] = "CAP_NET_BIND_SERVICE",
	[11] = "CAP_NET_BROADCAST",
	[12] = "CAP_NET_ADMIN",
	[13] = "CAP_NET_RAW",
	[14] = "CAP_IPC_LOCK",
	[15] = "CAP_IPC_OWNER",
	[16] = "CAP_SYS_MODULE",
	[17] = "CAP_SYS_RAWIO",
	[18] = "CAP_SYS_CHROOT",
	[19] = "CAP_SYS_PTRACE",
	[20] = "CAP_SYS_PACCT",
	[21] = "CAP_SYS_ADMIN",
	[22] = "CAP_SYS_BOOT",
	[23] = "CAP_SYS_NICE",
	[24] = "CAP_SYS_RESOURCE",
	[25] = "CAP_SYS_TIME",
	[26] = "CAP_SYS_TTY_CONFIG",
	[27] = "CAP_MKNOD",
	[28] = "CAP_LEASE",
	[29] = "CAP_AUDIT_WRITE",
	[30] = "CAP_AUDIT_CONTROL",
	[31] = "CAP_SETFCAP",
	[32] = "CAP_MAC_OVERRIDE",
	[33] = "CAP_MAC_ADMIN",
	[34] = "CAP_SYSLOG",
	[35] = "CAP_WAKE_ALARM",
	[36] = "CAP_BLOCK_SUSPEND",
	[37] = "CAP_AUDIT_READ",
	[38] = "CAP_PERFMON",
	[39] = "CAP_BPF",
	[40] = "CAP_CHECKPOINT_RESTORE",
};
const int petrel_cap_count = sizeof(petrel_cap_names) / sizeof(petrel_cap_names[0]);

/* When the headers know them, the numbers above must agree. */
_Static_assert(CAP_SYS_ADMIN == 21 && CAP_SETFCAP == 31 && CAP_AUDIT_READ == 37, "cap numbers");
#ifdef CAP_CHECKPOINT_RESTORE
_Static_assert(CAP_CHECKPOINT_RESTORE == 40 && CAP_BPF == 39 && CAP_PERFMON == 38, "cap numbers");
#endif

#define CAP_BIT(cap) (UINT64_C(1) << (cap))

int petrel_cap_from_name(const char *name, struct petrel_error **err)
{
	const char *bare = name;
	if (name == NULL || *name == '\0')
		return petrel_error_set(err, 0, "empty capability name");
	if (strncasecmp(bare, "CAP_", 4) == 0)
		bare += 4;
	for (int cap = 0; cap < petrel_cap_count; cap++) {
		if (strcasecmp(bare, petrel_cap_names[cap] + 4) == 0)
			return cap;
	}
	return petrel_error_set(err, 0, "unknown capability \"%s\"", name);
}

const char *petrel_cap_name(int cap)
{
	if (cap < 0 || cap >= petrel_cap_count)
		return NULL;
	return petrel_cap_names[cap];
}

/* When /proc/sys is not readable, the bounding set answers: reading a
 * capability the kernel does not know fails with EINVAL. */
static int probe_cap_last(void)
{
	int cap = 0;
	while (cap < 63 && prctl(PR_CAPBSET_READ, (unsigned long)cap + 1, 0, 0, 0) >= 0)
		cap++;
	return cap;
}

int petrel_cap_last(void)
{
	static int last = -1;
	char buf[32];
	if (last >= 0)
		return last;
	cleanup_close int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n > 0) {
		char *end = NULL;
		buf[n] = '\0';
		long v = strtol(buf, &end, 10);
		if (end != buf && (*end == '\n' || *end == '\0') && v >= 0 && v < 64)
			last = (int)v;
	}
	if (last < 0)
		last = probe_cap_last();
	return last;
}

/* One set's names to a mask. Names petrel or the kernel does not know are
 * left out with a warning: the spec asks runtimes to warn about values that
 * cannot be mapped to the kernel and not to fail on capabilities that cannot
 * be granted (runc does the same; a newer engine may name a capability
 * newer than petrel). */
static int resolve_set(char **names, size_t len, const char *set, int last_cap, uint64_t *mask,
		       struct petrel_error **err)
{
	*mask = 0;
	for (size_t i = 0; i < len; i++) {
		int cap = petrel_cap_from_name(names[i], NULL);
		if (cap < 0) {
			petrel_warn("unknown capability \"%s\" in .process.capabilities.%s; "
				    "ignoring it",
				    names[i], set);
			continue;
		}
		if (cap > last_cap) {
			petrel_warn(
				"capability \"%s\" in .process.capabilities.%s is not supported "
				"by this kernel (its last capability is %s); ignoring it",
				names[i], set, petrel_cap_name(last_cap) ?: "unknown");
			continue;
		}
		*mask |= CAP_BIT(cap);
	}
	return 0;
}

int petrel_caps_resolve_for(const struct oci_capabilities *caps, int last_cap,
			    struct petrel_caps *out, struct petrel_error **err)
{
	struct petrel_caps res = {.set = caps != NULL};
	if (caps != NULL && (resolve_set(caps->bounding, caps->bounding_len, "bounding", last_cap,
					 &res.bounding, err) < 0 ||
			     resolve_set(caps->effective, caps->effective_len, "effective",
					 last_cap, &res.effective, err) < 0 ||
			     resolve_set(caps->permitted, caps->permitted_len, "permitted",
					 last_cap, &res.permitted, err) < 0 ||
			     resolve_set(caps->inheritable, caps->inheritable_len, "inheritable",
					 last_cap, &res.inheritable, err) < 0 ||
			     resolve_set(caps->ambient, caps->ambient_len, "ambient", last_cap,
					 &res.ambient, err) < 0))
		return -1;
	*out = res;
	return 0;
}

int petrel_caps_resolve(const struct oci_capabilities *caps, struct petrel_caps *out,
			struct petrel_error **err)
{
	return petrel_caps_resolve_for(caps, petrel_cap_last(), out, err);
}

int petrel_caps_prepare(const struct petrel_caps *caps, struct petrel_error **err)
{
	if (!caps->set)
		return 0;
	int last = petrel_cap_last();
	for (int cap = 0; cap <= last; cap++) {
		if (caps->bounding & CAP_BIT(cap))
			continue;
		/* Already out of the bounding set: nothing to drop, and no need
		 * for CAP_SETPCAP (so an unprivileged caller can drop nothing). */
		int in_set = prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0);
		if (in_set == 0 || (in_set < 0 && errno == EINVAL))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0)
			return petrel_error_errno(err, "drop %s from the bounding set",
						  petrel_cap_name(cap) ?: "capability");
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return petrel_error_errno(err, "prctl(PR_SET_KEEPCAPS, 1)");
	return 0;
}

struct cap_triple {
	uint64_t effective, permitted, inheritable;
};

static int cap_get(struct cap_triple *t, struct petrel_error **err)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {{0}};
	if (syscall(SYS_capget, &hdr, data) < 0)
		return petrel_error_errno(err, "capget");
	t->effective = data[0].effective | (uint64_t)data[1].effective << 32;
	t->permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
	t->inheritable = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
	return 0;
}

static int cap_set(const struct cap_triple *t, struct petrel_error **err)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
		{(uint32_t)t->effective, (uint32_t)t->permitted, (uint32_t)t->inheritable},
		{(uint32_t)(t->effective >> 32), (uint32_t)(t->permitted >> 32),
		 (uint32_t)(t->inheritable >> 32)},
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		return petrel_error_errno(err,
					  "capset (effective %#" PRIx64 ", permitted %#" PRIx64
					  ", inheritable %#" PRIx64 ")",
					  t->effective, t->permitted, t->inheritable);
	return 0;
}

/* Leaves out of *want the capabilities of `set` not in `allowed`, warning for
 * each: they cannot be granted (the spec asks for a warning, not a failure). */
static void keep_grantable(uint64_t *want, uint64_t allowed, const char *set, const char *why)
{
	uint64_t lost = *want & ~allowed;
	for (int cap = 0; lost != 0 && cap < 64; cap++) {
		if (lost & CAP_BIT(cap))
			petrel_warn("cannot grant %s in the %s set: %s",
				    petrel_cap_name(cap) ?: "?", set, why);
	}
	*want &= allowed;
}

static uint64_t bounding_set(void)
{
	uint64_t mask = 0;
	for (int cap = 0; cap <= petrel_cap_last(); cap++) {
		if (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) > 0)
			mask |= CAP_BIT(cap);
	}
	return mask;
}

int petrel_caps_apply(const struct petrel_caps *caps, struct petrel_error **err)
{
	struct cap_triple now = {0}, want;
	if (!caps->set)
		return 0;
	if (cap_get(&now, err) < 0)
		return -1;
	/* The kernel refuses a capset that raises a permitted capability, an
	 * effective one outside the new permitted set, or an inheritable one
	 * outside the old inheritable set plus the bounding set (and, without
	 * CAP_SETPCAP, plus the old permitted set). Inheritable is only what the
	 * config lists, never filled in from the bounding set (CVE-2022-27650). */
	want.permitted = caps->permitted;
	keep_grantable(&want.permitted, now.permitted, "permitted", "the runtime does not hold it");
	want.effective = caps->effective;
	keep_grantable(&want.effective, want.permitted, "effective", "it is not permitted");
	uint64_t raisable = bounding_set();
	if (!(now.effective & CAP_BIT(8))) /* CAP_SETPCAP */
		raisable &= now.permitted;
	want.inheritable = caps->inheritable;
	keep_grantable(&want.inheritable, now.inheritable | raisable, "inheritable",
		       "the runtime does not hold it or it is not in the bounding set");
	if (cap_set(&want, err) < 0)
		return -1;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		if (errno != EINVAL)
			return petrel_error_errno(err, "clear the ambient capabilities");
		if (caps->ambient != 0)
			petrel_warn("this kernel has no ambient capabilities; ignoring "
				    ".process.capabilities.ambient");
	} else {
		for (int cap = 0; cap < 64; cap++) {
			if (!(caps->ambient & CAP_BIT(cap)))
				continue;
			/* An ambient capability must be permitted and inheritable. */
			if ((want.permitted & want.inheritable & CAP_BIT(cap)) == 0) {
				petrel_warn("cannot raise ambient %s: it is not in both the "
					    "permitted and the inheritable set",
					    petrel_cap_name(cap) ?: "?");
				continue;
			}
			if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) <
			    0) {
				/* EPERM: securebits forbid ambient raising. */
				if (errno != EPERM)
					return petrel_error_errno(err, "raise ambient %s",
								  petrel_cap_name(cap) ?: "?");
				petrel_warn("cannot raise ambient %s: %s",
					    petrel_cap_name(cap) ?: "?", strerror(errno));
			}
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return petrel_error_errno(err, "prctl(PR_SET_KEEPCAPS, 0)");
	return 0;
}
