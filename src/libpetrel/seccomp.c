/* linux.seccomp: the profile checked and translated with libseccomp into a
 * BPF program (with an ENOSYS prefix for system calls newer than the
 * profile), installed by the init with seccomp(2) alone, and the notify
 * listener handed to listenerPath. The tables `features` lists live here. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <seccomp.h>

#include "cleanup.h"
#include "log.h"
#include "seccomp-internal.h"
#include "seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define PROFILE "config.json: .linux.seccomp"
#define FAIL_UNKNOWN_ANNOTATION "run.oci.seccomp_fail_unknown_syscall"
/* x32 system calls reach the filter as AUDIT_ARCH_X86_64 with this bit set. */
#define X32_SYSCALL_BIT 0x40000000U

/* ------------------------------------------------------------------ tables */

/* name, value, whether errnoRet applies. SCMP_ACT_KILL is libseccomp's
 * alias of KILL_THREAD. */
#define SECCOMP_ACTIONS(X)                                                                         \
	X("SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false)                                            \
	X("SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false)                                   \
	X("SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false)                                     \
	X("SCMP_ACT_TRAP", SCMP_ACT_TRAP, false)                                                   \
	X("SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true)                                               \
	X("SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true)                                               \
	X("SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false)                                                 \
	X("SCMP_ACT_LOG", SCMP_ACT_LOG, false)                                                     \
	X("SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false)

#define SECCOMP_OPERATORS(X)                                                                       \
	X("SCMP_CMP_NE", SCMP_CMP_NE)                                                              \
	X("SCMP_CMP_LT", SCMP_CMP_LT)                                                              \
	X("SCMP_CMP_LE", SCMP_CMP_LE)                                                              \
	X("SCMP_CMP_EQ", SCMP_CMP_EQ)                                                              \
	X("SCMP_CMP_GE", SCMP_CMP_GE)                                                              \
	X("SCMP_CMP_GT", SCMP_CMP_GT)                                                              \
	X("SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ)

/* The architectures of libseccomp 2.6 that this libseccomp knows. */
#ifdef SCMP_ARCH_LOONGARCH64
#define ARCH_LOONGARCH64(X) X("SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64)
#else
#define ARCH_LOONGARCH64(X)
#endif
#ifdef SCMP_ARCH_M68K
#define ARCH_M68K(X) X("SCMP_ARCH_M68K", SCMP_ARCH_M68K)
#else
#define ARCH_M68K(X)
#endif
#ifdef SCMP_ARCH_SH
#define ARCH_SH(X) X("SCMP_ARCH_SH", SCMP_ARCH_SH) X("SCMP_ARCH_SHEB", SCMP_ARCH_SHEB)
#else
#define ARCH_SH(X)
#endif
#define SECCOMP_ARCHS(X)                                                                           \
	X("SCMP_ARCH_X86", SCMP_ARCH_X86)                                                          \
	X("SCMP_ARCH_X86_64", SCMP_ARCH_X86_64)                                                    \
	X("SCMP_ARCH_X32", SCMP_ARCH_X32)                                                          \
	X("SCMP_ARCH_ARM", SCMP_ARCH_ARM)                                                          \
	X("SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64)                                                  \
	X("SCMP_ARCH_MIPS", SCMP_ARCH_MIPS)                                                        \
	X("SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64)                                                    \
	X("SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32)                                              \
	X("SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL)                                                    \
	X("SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64)                                                \
	X("SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32)                                          \
	X("SCMP_ARCH_PPC", SCMP_ARCH_PPC)                                                          \
	X("SCMP_ARCH_PPC64", SCMP_ARCH_PPC64)                                                      \
	X("SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE)                                                  \
	X("SCMP_ARCH_S390", SCMP_ARCH_S390)                                                        \
	X("SCMP_ARCH_S390X", SCMP_ARCH_S390X)                                                      \
	X("SCMP_ARCH_PARISC", SCMP_ARCH_PARISC)                                                    \
	X("SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64)                                                \
	X("SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64)                                                  \
	ARCH_LOONGARCH64(X) ARCH_M68K(X) ARCH_SH(X)

#define SECCOMP_FLAGS(X)                                                                           \
	X("SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC)                                  \
	X("SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG)                                      \
	X("SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW)                        \
	X("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)

#define NAME_OF(name, ...) name,
#define VALUE_OF(name, value, ...) value,

const char *const petrel_seccomp_actions[] = {SECCOMP_ACTIONS(NAME_OF) NULL};
const char *const petrel_seccomp_operators[] = {SECCOMP_OPERATORS(NAME_OF) NULL};
const char *const petrel_seccomp_archs[] = {SECCOMP_ARCHS(NAME_OF) NULL};
const char *const petrel_seccomp_known_flags[] = {SECCOMP_FLAGS(NAME_OF) NULL};

static const uint32_t action_values[] = {SECCOMP_ACTIONS(VALUE_OF)};
#define TAKES_ERRNO(name, value, takes_errno) takes_errno,
static const bool action_takes_errno[] = {SECCOMP_ACTIONS(TAKES_ERRNO)};
static const enum scmp_compare operator_values[] = {SECCOMP_OPERATORS(VALUE_OF)};
static const uint32_t arch_values[] = {SECCOMP_ARCHS(VALUE_OF)};
static const unsigned long flag_values[] = {SECCOMP_FLAGS(VALUE_OF)};

static int index_of(const char *const *names, const char *name)
{
	for (int i = 0; names[i]; i++) {
		if (strcmp(names[i], name) == 0)
			return i;
	}
	return -1;
}

/* A profile error: the message names the field, from .linux.seccomp on. */
static int profile_error(struct petrel_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int profile_error(struct petrel_error **err, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	return petrel_error_take(err, 0, msg);
}

/* seccomp(SECCOMP_SET_MODE_FILTER) fails with EFAULT on the NULL program
 * only once it accepted the flags. */
static bool kernel_supports_flag(unsigned long flag)
{
	unsigned long probe = flag;
	if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		probe |= SECCOMP_FILTER_FLAG_NEW_LISTENER; /* meaningless alone */
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, probe, NULL) < 0 && errno == EFAULT;
}

const char **petrel_seccomp_supported_flags(void)
{
	size_t n = sizeof(flag_values) / sizeof(flag_values[0]), len = 0;
	const char **out = calloc(n + 1, sizeof(*out));
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (kernel_supports_flag(flag_values[i]))
			out[len++] = petrel_seccomp_known_flags[i];
	}
	return out;
}

/* ------------------------------------------------------------ the profile */

/* What checking the profile learns, for the compilation and the install. */
struct profile_info {
	uint32_t default_action;
	unsigned int flags;
	bool notify;
};

/* One syscalls[] entry, checked. */
struct rule {
	uint32_t action;
	struct scmp_arg_cmp *conds;
	size_t n_conds;
	/* An argument is named more than once: each condition is a rule of its
	 * own (OR), as runc and crun do, where ANDing them would most often
	 * match nothing (arg0 == 1 && arg0 == 2) and libseccomp refuses it. */
	bool separate;
};

static int parse_action(const char *name, bool has_errno, uint32_t errno_ret, const char *path,
			const char *action_field, const char *errno_field, uint32_t *out,
			struct petrel_error **err)
{
	int i = index_of(petrel_seccomp_actions, name);
	if (i < 0)
		return profile_error(err, "%s.%s: unknown action \"%s\"", path, action_field, name);
	if (has_errno && !action_takes_errno[i])
		return profile_error(err, "%s.%s: %s takes no errno value", path, errno_field,
				     name);
	if (has_errno && errno_ret > 0xffff)
		return profile_error(err, "%s.%s: %u is out of range (0-65535)", path, errno_field,
				     errno_ret);
	/* An errno is what a syscall returns negated: the kernel's range. */
	if (has_errno && errno_ret >= 4095 && strcmp(name, "SCMP_ACT_ERRNO") == 0)
		return profile_error(err, "%s.%s: errno %u is out of range (0-4094)", path,
				     errno_field, errno_ret);
	*out = action_values[i];
	if (action_takes_errno[i])
		*out |= has_errno ? errno_ret : EPERM;
	return 0;
}

static int parse_rule(const struct oci_syscall *sc, const char *path, struct rule *r,
		      struct petrel_error **err)
{
	if (parse_action(sc->action, sc->has_errno_ret, sc->errno_ret, path, "action", "errnoRet",
			 &r->action, err) < 0)
		return -1;
	if (sc->names_len == 0)
		return profile_error(err, "%s.names: must name at least one system call", path);
	r->n_conds = sc->args_len;
	r->conds = calloc(sc->args_len ? sc->args_len : 1, sizeof(*r->conds));
	if (r->conds == NULL)
		return petrel_error_set(err, ENOMEM, "seccomp");
	unsigned int seen = 0;
	for (size_t i = 0; i < sc->args_len; i++) {
		const struct oci_seccomp_arg *a = &sc->args[i];
		if (a->index > 5)
			return profile_error(err,
					     "%s.args[%zu].index: %u is not a system call argument "
					     "(0-5)",
					     path, i, a->index);
		int op = index_of(petrel_seccomp_operators, a->op);
		if (op < 0)
			return profile_error(err, "%s.args[%zu].op: unknown operator \"%s\"", path,
					     i, a->op);
		/* MASKED_EQ: (arg & value) == valueTwo, as libseccomp's datum_a
		 * and datum_b. */
		r->conds[i] = (struct scmp_arg_cmp){
			.arg = a->index,
			.op = operator_values[op],
			.datum_a = a->value,
			.datum_b = a->has_value_two ? a->value_two : 0,
		};
		if (seen & (1U << a->index))
			r->separate = true;
		seen |= 1U << a->index;
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, int nr, const struct rule *r, const char *path,
		    const char *name, struct petrel_error **err)
{
	int rc = 0;
	if (!r->separate) {
		rc = seccomp_rule_add_array(ctx, r->action, nr, (unsigned int)r->n_conds, r->conds);
	} else {
		for (size_t i = 0; i < r->n_conds && rc == 0; i++)
			rc = seccomp_rule_add_array(ctx, r->action, nr, 1, &r->conds[i]);
	}
	if (rc < 0)
		return profile_error(err, "%s: add rule for \"%s\": %s", path, name, strerror(-rc));
	return 0;
}

static int check_archs(const struct oci_seccomp *p, scmp_filter_ctx ctx, struct petrel_error **err)
{
	for (size_t i = 0; i < p->architectures_len; i++) {
		int a = index_of(petrel_seccomp_archs, p->architectures[i]);
		if (a < 0)
			return profile_error(err,
					     "%s.architectures[%zu]: unknown architecture \"%s\"",
					     PROFILE, i, p->architectures[i]);
		int rc = ctx ? seccomp_arch_add(ctx, arch_values[a]) : 0;
		if (rc < 0 && rc != -EEXIST)
			return profile_error(err, "%s.architectures[%zu]: add \"%s\": %s", PROFILE,
					     i, p->architectures[i], strerror(-rc));
	}
	return 0;
}

static int check_flags(const struct oci_seccomp *p, struct profile_info *info,
		       struct petrel_error **err)
{
	for (size_t i = 0; i < p->flags_len; i++) {
		int f = index_of(petrel_seccomp_known_flags, p->flags[i]);
		if (f < 0)
			return profile_error(err, "%s.flags[%zu]: unknown flag \"%s\"", PROFILE, i,
					     p->flags[i]);
		if (!kernel_supports_flag(flag_values[f])) {
			/* TSYNC only spares threads: the init has none when it
			 * installs the filter, so runc ignores it; so does petrel
			 * where the kernel lacks it. */
			if (flag_values[f] == SECCOMP_FILTER_FLAG_TSYNC)
				continue;
			return profile_error(err,
					     "%s.flags[%zu]: %s is not supported by this kernel",
					     PROFILE, i, p->flags[i]);
		}
		info->flags |= (unsigned int)flag_values[f];
	}
	return 0;
}

/* The flags that depend on notify: the kernel refuses a listener with TSYNC
 * unless TSYNC_ESRCH is set too, and WAIT_KILLABLE_RECV without a listener. */
static void settle_flags(struct profile_info *info)
{
	if (info->notify && (info->flags & SECCOMP_FILTER_FLAG_TSYNC)) {
		if (kernel_supports_flag(SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
			info->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
		else
			info->flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_TSYNC;
	}
	if (!info->notify)
		info->flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
}

static int check_notify(const struct oci_seccomp *p, const struct oci_syscall *sc, const char *path,
			struct petrel_error **err)
{
	if (p->listener_path == NULL || *p->listener_path == '\0')
		return profile_error(err, "%s: SCMP_ACT_NOTIFY needs .linux.seccomp.listenerPath",
				     path);
	/* The init reports the listener to petrel with write(): notifying it
	 * would wait for an agent that cannot have the listener yet. */
	for (size_t i = 0; i < sc->names_len; i++) {
		if (strcmp(sc->names[i], "write") == 0)
			return profile_error(err,
					     "%s.names[%zu]: SCMP_ACT_NOTIFY cannot be used for "
					     "write",
					     path, i);
	}
	return 0;
}

/* Walks the profile: checks everything and, with ctx, adds the architectures
 * and rules to it. Unknown syscall names are reported when ctx is NULL (the
 * checking pass), once. */
static int walk_profile(const struct oci_seccomp *p, const struct oci_string_map *annotations,
			scmp_filter_ctx ctx, struct profile_info *info, struct petrel_error **err)
{
	bool fail_unknown = oci_string_map_get(annotations, FAIL_UNKNOWN_ANNOTATION) != NULL;
	*info = (struct profile_info){0};
	if (parse_action(p->default_action, p->has_default_errno_ret, p->default_errno_ret, PROFILE,
			 "defaultAction", "defaultErrnoRet", &info->default_action, err) < 0)
		return -1;
	if (info->default_action == SCMP_ACT_NOTIFY)
		return profile_error(err, "%s.defaultAction: SCMP_ACT_NOTIFY cannot be the default",
				     PROFILE);
	if (p->listener_metadata && !p->listener_path)
		return profile_error(err, "%s.listenerMetadata: set without listenerPath", PROFILE);
	/* The flags are the kernel's business, not the program's. */
	if (check_archs(p, ctx, err) < 0 || (ctx == NULL && check_flags(p, info, err) < 0))
		return -1;
	for (size_t i = 0; i < p->syscalls_len; i++) {
		const struct oci_syscall *sc = &p->syscalls[i];
		char path[96];
		snprintf(path, sizeof(path), "%s.syscalls[%zu]", PROFILE, i);
		struct rule r = {0};
		int rc = parse_rule(sc, path, &r, err);
		if (rc == 0 && r.action == SCMP_ACT_NOTIFY) {
			info->notify = true;
			rc = check_notify(p, sc, path, err);
		}
		for (size_t j = 0; rc == 0 && j < sc->names_len; j++) {
			int nr = seccomp_syscall_resolve_name(sc->names[j]);
			if (nr == __NR_SCMP_ERROR) {
				if (fail_unknown)
					rc = profile_error(err,
							   "%s.names[%zu]: unknown system call "
							   "\"%s\" (annotation %s)",
							   path, j, sc->names[j],
							   FAIL_UNKNOWN_ANNOTATION);
				else if (ctx == NULL)
					petrel_warn("%s.names[%zu]: unknown system call \"%s\" "
						    "ignored",
						    path, j, sc->names[j]);
				continue;
			}
			/* Redundant with the default: libseccomp refuses it, and
			 * runc and crun skip it too. */
			if (ctx && r.action != info->default_action)
				rc = add_rule(ctx, nr, &r, path, sc->names[j], err);
		}
		free(r.conds);
		if (rc < 0)
			return -1;
	}
	if (ctx == NULL)
		settle_flags(info);
	return 0;
}

/* ----------------------------------------------------------- compilation */

static int export_program(scmp_filter_ctx ctx, struct petrel_seccomp *s, struct petrel_error **err)
{
	cleanup_close int fd = memfd_create("petrel-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return petrel_error_errno(err, "seccomp: memfd_create");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return petrel_error_set(err, -rc, "seccomp: export the filter");
	struct stat st;
	if (fstat(fd, &st) < 0)
		return petrel_error_errno(err, "seccomp: export the filter");
	size_t size = (size_t)st.st_size;
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return petrel_error_set(err, 0, "seccomp: libseccomp exported %zu bytes", size);
	cleanup_free void *buf = malloc(size);
	if (buf == NULL)
		return petrel_error_set(err, ENOMEM, "seccomp");
	for (size_t done = 0; done < size;) {
		ssize_t n = pread(fd, (char *)buf + done, size - done, (off_t)done);
		if (n <= 0)
			return petrel_error_set(err, n < 0 ? errno : EIO,
						"seccomp: read the exported filter");
		done += (size_t)n;
	}
	s->bpf = steal_ptr(&buf);
	s->bpf_len = size / sizeof(struct sock_filter);
	return 0;
}

/* The ENOSYS prefix: for each architecture of the filter, a system call
 * numbered above the highest one the profile names returns ENOSYS instead of
 * the default errno, so that a program probing a newer call (clone3, openat2)
 * falls back to the old one, as it would on an older kernel; everything else
 * goes on to libseccomp's program. Jumps to the two exits are written as
 * these markers and resolved once the prefix is complete. */
#define TO_ENOSYS 0xfe
#define TO_FILTER 0xff
#define STUB_MAX 160

struct stub {
	struct sock_filter insn[STUB_MAX];
	size_t len;
};

static void emit(struct stub *st, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (st->len < STUB_MAX)
		st->insn[st->len++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

static void emit_load(struct stub *st, uint32_t offset)
{
	emit(st, BPF_LD | BPF_W | BPF_ABS, offset, 0, 0);
}

/* The highest number the profile names on arch, or -1. */
static int64_t highest_named(const struct oci_seccomp *p, uint32_t arch)
{
	int64_t max = -1;
	for (size_t i = 0; i < p->syscalls_len; i++) {
		for (size_t j = 0; j < p->syscalls[i].names_len; j++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, p->syscalls[i].names[j]);
			if (nr >= 0 && nr > max)
				max = nr;
		}
	}
	return max;
}

/* nr above max: ENOSYS, else the filter; no max: the filter. */
static void emit_above(struct stub *st, int64_t max)
{
	if (max < 0)
		emit(st, BPF_JMP | BPF_JA, TO_FILTER, 0, 0);
	else
		emit(st, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, TO_ENOSYS, TO_FILTER);
}

/* x86_64 and x32 share the audit arch; the x32 bit tells them apart. Calls
 * of the one not in the filter are left to libseccomp, which treats them as
 * a foreign architecture. */
static void emit_x86_64(struct stub *st, const struct oci_seccomp *p, bool x86_64, bool x32)
{
	int64_t max = x86_64 ? highest_named(p, SCMP_ARCH_X86_64) : -1;
	int64_t max32 = x32 ? highest_named(p, SCMP_ARCH_X32) : -1;
	if (max < 0 && max32 < 0)
		return;
	emit_load(st, offsetof(struct seccomp_data, arch));
	emit(st, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4);
	emit_load(st, offsetof(struct seccomp_data, nr));
	emit(st, BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 1, 0);
	emit_above(st, max);
	emit_above(st, max32);
}

static void emit_arch(struct stub *st, const struct oci_seccomp *p, uint32_t arch)
{
	int64_t max = highest_named(p, arch);
	if (max < 0)
		return;
	emit_load(st, offsetof(struct seccomp_data, arch));
	emit(st, BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 2);
	emit_load(st, offsetof(struct seccomp_data, nr));
	emit_above(st, max);
}

static uint32_t listed_arch(const struct oci_seccomp *p, size_t i)
{
	return arch_values[index_of(petrel_seccomp_archs, p->architectures[i])];
}

static int prepend_enosys(const struct oci_seccomp *p, struct petrel_seccomp *s,
			  struct petrel_error **err)
{
	struct stub st = {.len = 0};
	uint32_t native = seccomp_arch_native();
	bool x32 = native == SCMP_ARCH_X32, x86_64 = native == SCMP_ARCH_X86_64;
	for (size_t i = 0; i < p->architectures_len; i++) {
		x32 |= listed_arch(p, i) == SCMP_ARCH_X32;
		x86_64 |= listed_arch(p, i) == SCMP_ARCH_X86_64;
	}
	/* Each architecture of the filter once: the x86 pair, the native one,
	 * the listed ones. */
	emit_x86_64(&st, p, x86_64, x32);
	if (native != SCMP_ARCH_X86_64 && native != SCMP_ARCH_X32)
		emit_arch(&st, p, native);
	for (size_t i = 0; i < p->architectures_len; i++) {
		uint32_t a = listed_arch(p, i);
		bool seen = a == native || a == SCMP_ARCH_X86_64 || a == SCMP_ARCH_X32;
		for (size_t j = 0; j < i && !seen; j++)
			seen = listed_arch(p, j) == a;
		if (!seen)
			emit_arch(&st, p, a);
	}
	if (st.len == 0)
		return 0;
	emit(&st, BPF_JMP | BPF_JA, 1, 0, 0); /* no architecture matched */
	size_t enosys = st.len, filter = st.len + 1;
	emit(&st, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS, 0, 0);
	if (st.len == STUB_MAX || enosys > 250)
		return petrel_error_set(err, 0, "seccomp: too many architectures");
	for (size_t i = 0; i < enosys; i++) {
		struct sock_filter *f = &st.insn[i];
		if (f->code == (BPF_JMP | BPF_JA)) {
			if (f->k == TO_FILTER)
				f->k = (uint32_t)(filter - i - 1);
		} else if (BPF_CLASS(f->code) == BPF_JMP) {
			if (f->jt == TO_ENOSYS || f->jt == TO_FILTER)
				f->jt = (uint8_t)((f->jt == TO_ENOSYS ? enosys : filter) - i - 1);
			if (f->jf == TO_ENOSYS || f->jf == TO_FILTER)
				f->jf = (uint8_t)((f->jf == TO_ENOSYS ? enosys : filter) - i - 1);
		}
	}
	struct sock_filter *prog = malloc((st.len + s->bpf_len) * sizeof(*prog));
	if (prog == NULL)
		return petrel_error_set(err, ENOMEM, "seccomp");
	memcpy(prog, st.insn, st.len * sizeof(*prog));
	memcpy(prog + st.len, s->bpf, s->bpf_len * sizeof(*prog));
	free(s->bpf);
	s->bpf = prog;
	s->bpf_len += st.len;
	return 0;
}

static int compile(const struct oci_seccomp *p, const struct oci_string_map *annotations,
		   const struct profile_info *info, struct petrel_seccomp *s,
		   struct petrel_error **err)
{
	struct profile_info again;
	scmp_filter_ctx ctx = seccomp_init(info->default_action);
	if (ctx == NULL)
		return profile_error(err, "%s.defaultAction: libseccomp refuses %s", PROFILE,
				     p->default_action);
	int r = walk_profile(p, annotations, ctx, &again, err);
	if (r == 0)
		r = export_program(ctx, s, err);
	seccomp_release(ctx);
	if (r < 0)
		return -1;
	uint32_t action = info->default_action & SECCOMP_RET_ACTION_FULL;
	if (action == SECCOMP_RET_ERRNO && (info->default_action & SECCOMP_RET_DATA) != ENOSYS &&
	    prepend_enosys(p, s, err) < 0)
		return -1;
	if (s->bpf_len > BPF_MAXINSNS)
		return petrel_error_set(err, 0,
					"seccomp: the filter has %zu instructions, more than the "
					"kernel's %d",
					s->bpf_len, BPF_MAXINSNS);
	return 0;
}

int petrel_seccomp_prepare(const struct oci_seccomp *seccomp,
			   const struct oci_string_map *annotations, const char *cache_dir,
			   struct petrel_seccomp **out, struct petrel_error **err)
{
	*out = NULL;
	if (seccomp == NULL)
		return 0;
	struct profile_info info;
	if (walk_profile(seccomp, annotations, NULL, &info, err) < 0)
		return -1;
	cleanup_seccomp struct petrel_seccomp *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return petrel_error_set(err, ENOMEM, "seccomp");
	s->flags = info.flags;
	s->notify = info.notify;
	if (info.notify) {
		s->listener_path = strdup(seccomp->listener_path);
		if (seccomp->listener_metadata)
			s->listener_metadata = strdup(seccomp->listener_metadata);
		if (s->listener_path == NULL ||
		    (seccomp->listener_metadata && s->listener_metadata == NULL))
			return petrel_error_set(err, ENOMEM, "seccomp");
	}
	cleanup_free char *key = NULL;
	if (cache_dir) {
		key = petrel_seccomp_cache_key(seccomp, err);
		if (key == NULL)
			return -1;
		if (petrel_seccomp_cache_lookup(cache_dir, key, s)) {
			*out = steal_ptr(&s);
			return 0;
		}
	}
	if (compile(seccomp, annotations, &info, s, err) < 0)
		return -1;
	if (key)
		petrel_seccomp_cache_store(cache_dir, key, s, PETREL_SECCOMP_CACHE_MAX);
	*out = steal_ptr(&s);
	return 0;
}

void petrel_seccomp_free(struct petrel_seccomp *s)
{
	if (s == NULL)
		return;
	free(s->bpf);
	free(s->listener_path);
	free(s->listener_metadata);
	free(s);
}

/* ------------------------------------------------------- install, notify */

int petrel_seccomp_install(const struct petrel_seccomp *s, int *listener_fd,
			   struct petrel_error **err)
{
	*listener_fd = -1;
	struct sock_fprog prog = {.len = (unsigned short)s->bpf_len, .filter = s->bpf};
	unsigned int flags = s->flags;
	if (s->notify)
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (fd < 0) {
		if (errno == EACCES)
			return petrel_error_errno(err, "install seccomp filter (without "
						       "noNewPrivileges it needs CAP_SYS_ADMIN)");
		return petrel_error_errno(err, "install seccomp filter");
	}
	if (s->notify)
		*listener_fd = (int)fd;
	return 0;
}

static int connect_listener(const char *path, struct petrel_error **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path))
		return petrel_error_set(err, ENAMETOOLONG, "connect to \"%s\"", path);
	strcpy(addr.sun_path, path);
	cleanup_close int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return petrel_error_errno(err, "socket");
	while (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EINTR)
			return petrel_error_errno(err, "connect to \"%s\"", path);
	}
	return steal_fd(&sock);
}

int petrel_seccomp_send_listener(const struct petrel_seccomp *s, int listener_fd,
				 const struct oci_state *state, struct petrel_error **err)
{
	char *fds[] = {(char *)"seccompFd", NULL};
	struct oci_container_process_state cps = {
		.oci_version = (char *)OCI_SPEC_VERSION,
		.fds = fds,
		.fds_len = 1,
		.pid = state->pid,
		.has_pid = true,
		.metadata = s->listener_metadata,
		.state = (struct oci_state *)state,
	};
	cleanup_free char *json = NULL;
	size_t len = 0;
	char *why = NULL;
	if (oci_container_process_state_generate(&cps, false, &json, &len, &why) < 0)
		return petrel_error_take(err, 0, why);
	cleanup_close int sock = connect_listener(s->listener_path, err);
	if (sock < 0)
		return petrel_error_prefix(err, "seccomp: send the listener");
	/* The fd travels with the first bytes; the rest follows plainly. */
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct iovec iov = {.iov_base = json, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &listener_fd, sizeof(int));
	ssize_t n;
	while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0) {
		if (errno != EINTR)
			return petrel_error_errno(err, "seccomp: send the listener to \"%s\"",
						  s->listener_path);
	}
	for (size_t done = (size_t)n; done < len; done += (size_t)n) {
		n = send(sock, json + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0)
			return petrel_error_errno(err, "seccomp: send the state to \"%s\"",
						  s->listener_path);
	}
	return 0;
}
