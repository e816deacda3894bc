/* The container process's own attributes, applied by the init to itself
 * before execve: rlimits, oomScoreAdj, personality, scheduler, ioPriority,
 * CPU affinity, LSM labels, user and groups, umask, cwd, and the lookup of
 * the executable and its environment inside the container's root. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>
#include <linux/openat2.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"
#include "passwd.h"
#include "process.h"

struct name_value {
	const char *name;
	int value;
};

static const struct name_value rlimit_names[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

/* The kernel's values (include/uapi/linux/sched.h); SCHED_ISO is reserved
 * and refused by mainline kernels, which sched_setattr then reports. */
static const struct name_value sched_policies[] = {
	{"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
	{"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};
#define POLICY_FIFO 1
#define POLICY_RR 2
#define POLICY_DEADLINE 6

static const struct name_value sched_flags[] = {
	{"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
	{"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
	{"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
	{"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

/* include/uapi/linux/ioprio.h */
static const struct name_value ioprio_classes[] = {
	{"IOPRIO_CLASS_RT", 1},
	{"IOPRIO_CLASS_BE", 2},
	{"IOPRIO_CLASS_IDLE", 3},
};
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* The spec's personality domains; it defines no flags. */
static const struct name_value personality_domains[] = {
	{"LINUX", PER_LINUX},
	{"LINUX32", PER_LINUX32},
};

static int lookup(const struct name_value *table, size_t len, const char *name)
{
	for (size_t i = 0; name && i < len; i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].value;
	return -1;
}
#define LOOKUP(table, name) lookup(table, ARRAY_LEN(table), name)

int petrel_rlimit_from_name(const char *name, struct petrel_error **err)
{
	int resource = LOOKUP(rlimit_names, name);
	if (resource < 0)
		return petrel_error_set(err, 0, "unknown rlimit type \"%s\"", name ? name : "");
	return resource;
}

const char *petrel_rlimit_name(int resource)
{
	for (size_t i = 0; i < ARRAY_LEN(rlimit_names); i++)
		if (rlimit_names[i].value == resource)
			return rlimit_names[i].name;
	return NULL;
}

/* ---------------------------------------------------------------- CPU lists */

/* One decimal CPU number at *p; advances *p past it. */
static bool parse_cpu_number(const char **p, unsigned long *cpu)
{
	char *end = NULL;
	if (**p < '0' || **p > '9')
		return false;
	errno = 0;
	*cpu = strtoul(*p, &end, 10);
	if (errno != 0)
		return false;
	*p = end;
	return true;
}

int petrel_parse_cpu_list(const char *list, cpu_set_t *set, struct petrel_error **err)
{
	const char *p = list;
	CPU_ZERO(set);
	if (list == NULL || *list == '\0')
		return petrel_error_set(err, 0, "invalid CPU list \"\": the list is empty");
	for (;;) {
		const char *item = p;
		unsigned long first, last;
		if (!parse_cpu_number(&p, &first))
			return petrel_error_set(err, 0,
						"invalid CPU list \"%s\": \"%.*s\" is not a CPU "
						"number or range",
						list, (int)strcspn(item, ","), item);
		last = first;
		if (*p == '-') {
			p++;
			if (!parse_cpu_number(&p, &last))
				return petrel_error_set(
					err, 0,
					"invalid CPU list \"%s\": \"%.*s\" is not a "
					"CPU range",
					list, (int)strcspn(item, ","), item);
			if (last < first)
				return petrel_error_set(err, 0,
							"invalid CPU list \"%s\": range %lu-%lu is "
							"reversed",
							list, first, last);
		}
		if (*p != ',' && *p != '\0')
			return petrel_error_set(err, 0,
						"invalid CPU list \"%s\": \"%.*s\" is not a CPU "
						"number or range",
						list, (int)strcspn(item, ","), item);
		if (last >= CPU_SETSIZE)
			return petrel_error_set(err, 0,
						"invalid CPU list \"%s\": CPU %lu is above the "
						"highest supported CPU (%d)",
						list, last, CPU_SETSIZE - 1);
		for (unsigned long cpu = first; cpu <= last; cpu++)
			CPU_SET(cpu, set);
		if (*p == '\0')
			return 0;
		p++; /* the comma; an empty item after it fails above */
	}
}

/* ---------------------------------------------------------------- validation */

static int validate_rlimits(const struct oci_process *process, struct petrel_error **err)
{
	for (size_t i = 0; i < process->rlimits_len; i++) {
		const struct oci_rlimit *rl = &process->rlimits[i];
		if (petrel_rlimit_from_name(rl->type, NULL) < 0)
			return petrel_error_set(err, 0,
						".process.rlimits[%zu].type: unknown rlimit type "
						"\"%s\"",
						i, rl->type);
		for (size_t k = 0; k < i; k++)
			if (strcmp(process->rlimits[k].type, rl->type) == 0)
				return petrel_error_set(
					err, 0,
					".process.rlimits[%zu]: duplicate rlimit "
					"type \"%s\" (also at .process.rlimits[%zu])",
					i, rl->type, k);
		if (rl->soft > rl->hard)
			return petrel_error_set(err, 0,
						".process.rlimits[%zu]: %s soft limit %" PRIu64
						" is greater than its hard limit %" PRIu64,
						i, rl->type, rl->soft, rl->hard);
	}
	return 0;
}

static int validate_scheduler(const struct oci_scheduler *s, struct petrel_error **err)
{
	int policy = LOOKUP(sched_policies, s->policy);
	if (policy < 0)
		return petrel_error_set(
			err, 0, ".process.scheduler.policy: unknown scheduling policy \"%s\"",
			s->policy);
	for (size_t i = 0; i < s->flags_len; i++)
		if (LOOKUP(sched_flags, s->flags[i]) < 0)
			return petrel_error_set(err, 0,
						".process.scheduler.flags[%zu]: unknown scheduling "
						"flag \"%s\"",
						i, s->flags[i]);
	if (s->has_nice && (s->nice < -20 || s->nice > 19))
		return petrel_error_set(
			err, 0, ".process.scheduler.nice: %" PRId32 " is out of range (-20 to 19)",
			s->nice);
	if (s->has_priority && (s->priority < 0 || s->priority > 99))
		return petrel_error_set(err, 0,
					".process.scheduler.priority: %" PRId32
					" is out of range (0 to 99)",
					s->priority);
	return 0;
}

static int validate_io_priority(const struct oci_io_priority *io, struct petrel_error **err)
{
	if (LOOKUP(ioprio_classes, io->class) < 0)
		return petrel_error_set(
			err, 0,
			".process.ioPriority.class: unknown I/O priority class \"%s\" "
			"(IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)",
			io->class);
	if (io->has_priority && (io->priority < 0 || io->priority > 7))
		return petrel_error_set(err, 0,
					".process.ioPriority.priority: %" PRId32
					" is out of range (0 to 7)",
					io->priority);
	return 0;
}

static int validate_personality(const struct oci_personality *pers, struct petrel_error **err)
{
	if (LOOKUP(personality_domains, pers->domain) < 0)
		return petrel_error_set(err, 0,
					".linux.personality.domain: unknown personality domain "
					"\"%s\" (LINUX or LINUX32)",
					pers->domain);
	if (pers->flags_len > 0)
		return petrel_error_set(err, 0,
					".linux.personality.flags: unsupported personality flag "
					"\"%s\" (the spec defines none)",
					pers->flags[0]);
	return 0;
}

static int validate_cpu_list(const char *list, const char *field, struct petrel_error **err)
{
	cpu_set_t set;
	if (list == NULL || *list == '\0') /* empty: the affinity is left alone */
		return 0;
	if (petrel_parse_cpu_list(list, &set, err) < 0)
		return petrel_error_prefix(err, ".process.execCPUAffinity.%s", field);
	return 0;
}

/* (uid_t)-1 would make setresuid() leave the ids alone: the process would
 * stay root. */
static int validate_ids(const struct oci_user *user, struct petrel_error **err)
{
	if ((uid_t)user->uid == (uid_t)-1)
		return petrel_error_set(err, 0, ".process.user.uid: %" PRIu32 " is not a valid uid",
					user->uid);
	if ((gid_t)user->gid == (gid_t)-1)
		return petrel_error_set(err, 0, ".process.user.gid: %" PRIu32 " is not a valid gid",
					user->gid);
	return 0;
}

int petrel_process_validate(const struct oci_process *process, const struct oci_linux *lx,
			    struct petrel_error **err)
{
	if (lx != NULL && lx->personality != NULL && validate_personality(lx->personality, err) < 0)
		return -1;
	if (process == NULL)
		return 0;
	if (validate_rlimits(process, err) < 0)
		return -1;
	if (process->scheduler != NULL && validate_scheduler(process->scheduler, err) < 0)
		return -1;
	if (process->io_priority != NULL && validate_io_priority(process->io_priority, err) < 0)
		return -1;
	if (process->has_oom_score_adj &&
	    (process->oom_score_adj < -1000 || process->oom_score_adj > 1000))
		return petrel_error_set(
			err, 0, ".process.oomScoreAdj: %" PRId32 " is out of range (-1000 to 1000)",
			process->oom_score_adj);
	if (process->user != NULL && validate_ids(process->user, err) < 0)
		return -1;
	if (process->user != NULL && process->user->has_umask && process->user->umask > 0777)
		return petrel_error_set(err, 0, ".process.user.umask: %#" PRIo32 " is not a mode",
					process->user->umask);
	const struct oci_cpu_affinity *aff = process->exec_cpu_affinity;
	if (aff != NULL && (validate_cpu_list(aff->initial, "initial", err) < 0 ||
			    validate_cpu_list(aff->final, "final", err) < 0))
		return -1;
	return 0;
}

/* ---------------------------------------------------------- applying, in order */

static const char *format_rlim(uint64_t value, char *buf, size_t size)
{
	if (value == (uint64_t)RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, size, "%" PRIu64, value);
	return buf;
}

int petrel_process_set_rlimits(const struct oci_process *process, struct petrel_error **err)
{
	int resources[ARRAY_LEN(rlimit_names)];
	if (process->rlimits_len > ARRAY_LEN(resources))
		return petrel_error_set(err, 0, ".process.rlimits: more entries than rlimit types");
	/* All names first, so that a bad one changes nothing. */
	for (size_t i = 0; i < process->rlimits_len; i++) {
		resources[i] = petrel_rlimit_from_name(process->rlimits[i].type, err);
		if (resources[i] < 0)
			return -1;
	}
	for (size_t i = 0; i < process->rlimits_len; i++) {
		const struct oci_rlimit *rl = &process->rlimits[i];
		struct rlimit lim = {.rlim_cur = rl->soft, .rlim_max = rl->hard};
		char soft[32], hard[32];
		if (setrlimit((__rlimit_resource_t)resources[i], &lim) < 0)
			return petrel_error_errno(err, "setrlimit %s (soft %s, hard %s)", rl->type,
						  format_rlim(rl->soft, soft, sizeof(soft)),
						  format_rlim(rl->hard, hard, sizeof(hard)));
	}
	return 0;
}

/* Writes all of data to a /proc file, as one write as the kernel expects. */
static int write_proc_file(const char *path, const char *data, size_t len)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, len);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int petrel_process_set_oom_score_adj(const struct oci_process *process, struct petrel_error **err)
{
	char buf[16];
	if (!process->has_oom_score_adj)
		return 0;
	int len = snprintf(buf, sizeof(buf), "%" PRId32, process->oom_score_adj);
	if (write_proc_file("/proc/self/oom_score_adj", buf, (size_t)len) < 0)
		return petrel_error_errno(err, "write oomScoreAdj %s to /proc/self/oom_score_adj",
					  buf);
	return 0;
}

int petrel_process_set_personality(const struct oci_personality *pers, struct petrel_error **err)
{
	if (pers == NULL)
		return 0;
	if (validate_personality(pers, err) < 0)
		return -1;
	int domain = LOOKUP(personality_domains, pers->domain);
	if (personality((unsigned long)domain) < 0)
		return petrel_error_errno(err, "set personality %s", pers->domain);
	return 0;
}

/* struct sched_attr of include/uapi/linux/sched/types.h; libc has no
 * sched_setattr() wrapper. The util_min/util_max fields (size 56) are zero:
 * the spec has no values for them. */
struct petrel_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};
_Static_assert(sizeof(struct petrel_sched_attr) == 56, "struct sched_attr VER1");

int petrel_process_set_scheduler(const struct oci_process *process, struct petrel_error **err)
{
	const struct oci_scheduler *s = process->scheduler;
	if (s == NULL)
		return 0;
	if (validate_scheduler(s, err) < 0)
		return -1;
	struct petrel_sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = (uint32_t)LOOKUP(sched_policies, s->policy),
		.sched_nice = s->has_nice ? s->nice : 0,
		.sched_priority = s->has_priority ? (uint32_t)s->priority : 0,
		.sched_runtime = s->has_runtime ? s->runtime : 0,
		.sched_deadline = s->has_deadline ? s->deadline : 0,
		.sched_period = s->has_period ? s->period : 0,
	};
	for (size_t i = 0; i < s->flags_len; i++)
		attr.sched_flags |= (uint64_t)LOOKUP(sched_flags, s->flags[i]);
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
		if (attr.sched_policy == POLICY_DEADLINE)
			return petrel_error_errno(err,
						  "sched_setattr (policy %s, flags %#" PRIx64
						  ", runtime %" PRIu64 ", deadline %" PRIu64
						  ", period %" PRIu64 ")",
						  s->policy, attr.sched_flags, attr.sched_runtime,
						  attr.sched_deadline, attr.sched_period);
		return petrel_error_errno(err,
					  "sched_setattr (policy %s, nice %" PRId32
					  ", priority %" PRIu32 ", flags %#" PRIx64 ")",
					  s->policy, attr.sched_nice, attr.sched_priority,
					  attr.sched_flags);
	}
	return 0;
}

int petrel_process_set_io_priority(const struct oci_process *process, struct petrel_error **err)
{
	const struct oci_io_priority *io = process->io_priority;
	if (io == NULL)
		return 0;
	if (validate_io_priority(io, err) < 0)
		return -1;
	int prio = io->has_priority ? io->priority : 0;
	int value = LOOKUP(ioprio_classes, io->class) << IOPRIO_CLASS_SHIFT | prio;
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
		return petrel_error_errno(err, "ioprio_set (class %s, priority %d)", io->class,
					  prio);
	return 0;
}

int petrel_process_set_cpu_affinity(const char *cpus, struct petrel_error **err)
{
	cpu_set_t set;
	if (cpus == NULL || *cpus == '\0')
		return 0;
	if (petrel_parse_cpu_list(cpus, &set, err) < 0)
		return -1;
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return petrel_error_errno(err, "set the CPU affinity to \"%s\"", cpus);
	return 0;
}

/* ------------------------------------------------------------------- LSMs */

/* Reads the start of a small file; false when it cannot be read. */
static bool read_small_file(const char *path, char *buf, size_t size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return true;
}

bool petrel_apparmor_enabled(void)
{
	char buf[8];
	if (read_small_file("/sys/module/apparmor/parameters/enabled", buf, sizeof(buf)))
		return buf[0] == 'Y';
	/* No sysfs in the container: AppArmor's own attr file answers only
	 * when AppArmor is active. */
	return read_small_file("/proc/self/attr/apparmor/current", buf, sizeof(buf));
}

/* selinuxfs is only registered when SELinux is enabled at boot, and the
 * attr files only answer when an LSM backs them. */
bool petrel_selinux_enabled(void)
{
	char buf[256];
	cleanup_fclose FILE *f = fopen("/proc/filesystems", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	bool found = false;
	while (f != NULL && !found && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		const char *name = strrchr(line, '\t');
		found = strcmp(name ? name + 1 : line, "selinuxfs") == 0;
	}
	return found && read_small_file("/proc/self/attr/current", buf, sizeof(buf));
}

int petrel_process_set_lsm_labels(const struct oci_process *process, struct petrel_error **err)
{
	const char *profile = process->apparmor_profile, *label = process->selinux_label;
	bool want_apparmor = profile != NULL && *profile != '\0';
	bool want_selinux = label != NULL && *label != '\0';
	/* Both checked before either is armed. */
	if (want_apparmor && !petrel_apparmor_enabled())
		return petrel_error_set(err, 0,
					"apparmor profile \"%s\" requested but AppArmor is not "
					"enabled on this host",
					profile);
	if (want_selinux && !petrel_selinux_enabled())
		return petrel_error_set(err, 0,
					"selinux label \"%s\" requested but SELinux is not enabled "
					"on this host",
					label);
	if (want_apparmor) {
		cleanup_free char *cmd = NULL;
		const char *path = "/proc/self/attr/apparmor/exec";
		int len = asprintf(&cmd, "exec %s", profile);
		if (len < 0)
			return petrel_error_errno(err, "set AppArmor profile \"%s\"", profile);
		int r = write_proc_file(path, cmd, (size_t)len);
		if (r < 0 && errno == ENOENT) { /* kernels before 5.8 */
			path = "/proc/self/attr/exec";
			r = write_proc_file(path, cmd, (size_t)len);
		}
		if (r < 0)
			return petrel_error_errno(err, "set AppArmor profile \"%s\": write %s",
						  profile, path);
	}
	if (want_selinux && write_proc_file("/proc/self/attr/exec", label, strlen(label)) < 0)
		return petrel_error_errno(
			err, "set SELinux label \"%s\": write /proc/self/attr/exec", label);
	return 0;
}

/* ------------------------------------------------------------ user and cwd */

int petrel_process_set_user(const struct oci_user *user, bool setgroups_allowed,
			    struct petrel_error **err)
{
	uid_t uid = user ? user->uid : 0;
	gid_t gid = user ? user->gid : 0;
	size_t ngroups = user ? user->additional_gids_len : 0;
	if (user != NULL && validate_ids(user, err) < 0)
		return -1;
	if (ngroups > 0 && !setgroups_allowed)
		return petrel_error_set(err, 0,
					".process.user.additionalGids cannot be set: setgroups is "
					"denied in this user namespace");
	/* With no additionalGids this still clears the groups the init
	 * inherited from the runtime. */
	if (setgroups_allowed && setgroups(ngroups, ngroups ? user->additional_gids : NULL) < 0)
		return petrel_error_errno(err, "setgroups (%zu additionalGids)", ngroups);
	if (setresgid(gid, gid, gid) < 0)
		return petrel_error_errno(err, "setresgid %u", (unsigned)gid);
	if (setresuid(uid, uid, uid) < 0)
		return petrel_error_errno(err, "setresuid %u", (unsigned)uid);
	return 0;
}

void petrel_process_set_umask(const struct oci_user *user)
{
	umask(user != NULL && user->has_umask ? (mode_t)(user->umask & 0777) : 0022);
}

int petrel_process_open_cwd(const struct oci_process *process, struct petrel_error **err)
{
	const char *cwd = process->cwd ? process->cwd : "/";
	/* Resolved inside the root, magic links refused: a cwd such as
	 * /proc/self/fd/3 would otherwise lead to a directory fd of petrel's on
	 * the host (CVE-2024-21626). */
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return petrel_error_errno(err, "open /");
	int fd = (int)syscall(SYS_openat2, root, cwd, &how, sizeof(how));
	if (fd < 0)
		return petrel_error_errno(err, "chdir to cwd (\"%s\") set in config.json failed",
					  cwd);
	return fd;
}

int petrel_process_chdir(const struct oci_process *process, struct petrel_error **err)
{
	cleanup_close int fd = petrel_process_open_cwd(process, err);
	if (fd < 0)
		return -1;
	if (fchdir(fd) < 0)
		return petrel_error_errno(err, "chdir to cwd (\"%s\") set in config.json failed",
					  process->cwd ? process->cwd : "/");
	return 0;
}

/* -------------------------------------------------------------------- fds */

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Without close_range() (an old kernel, or a seccomp profile that does not
 * know it and answers ENOSYS): every open fd from `first` on, one by one. */
static int mark_cloexec_one_by_one(unsigned first, struct petrel_error **err)
{
	cleanup_closedir DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return petrel_error_errno(err, "close_range, then open /proc/self/fd");
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || e->d_name[0] == '.' || fd < (long)first || fd == dirfd(d))
			continue;
		int flags = fcntl((int)fd, F_GETFD);
		if (flags >= 0 && fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC) < 0)
			return petrel_error_errno(err, "mark fd %ld close-on-exec", fd);
	}
	return 0;
}

int petrel_process_cloexec_from(unsigned first, struct petrel_error **err)
{
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return mark_cloexec_one_by_one(first, err);
	return 0;
}

/* ------------------------------------------------ executable and environment */

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The value of the last NAME= entry of env, or NULL. */
static const char *env_lookup(char **env, size_t len, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = len; i-- > 0;)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* An executable file for the current ids; errno says why not. */
static bool is_executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return false;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return false;
	}
	/* The real ids equal the effective ones once the user is set, and a
	 * plain access() is the old system call every seccomp profile allows
	 * (glibc makes AT_EACCESS a faccessat2(), which a profile may refuse). */
	return access(path, X_OK) == 0;
}

int petrel_process_find_executable(const struct oci_process *process, char **path,
				   struct petrel_error **err)
{
	const char *name = process->args_len > 0 ? process->args[0] : "";
	struct stat st;
	if (strchr(name, '/') != NULL) {
		if (stat(name, &st) < 0)
			return petrel_error_errno(err, "exec: \"%s\": stat %s", name, name);
		if (!is_executable(name))
			return petrel_error_errno(err, "exec: \"%s\"", name);
		*path = strdup(name);
		return *path ? 0 : petrel_error_errno(err, "exec: \"%s\"", name);
	}
	const char *search = env_lookup(process->env, process->env_len, "PATH");
	if (search == NULL)
		search = DEFAULT_PATH;
	/* An empty PATH searches nothing; an empty entry in one (also a
	 * leading or trailing ':') means the current directory, as for execvp. */
	for (const char *p = search; *name != '\0' && *search != '\0';) {
		size_t dirlen = strcspn(p, ":");
		const char *dir = dirlen > 0 ? p : ".";
		cleanup_free char *candidate = NULL;
		if (asprintf(&candidate, "%.*s/%s", dirlen > 0 ? (int)dirlen : 1, dir, name) < 0)
			return petrel_error_errno(err, "exec: \"%s\"", name);
		if (is_executable(candidate)) {
			*path = steal_ptr(&candidate);
			return 0;
		}
		if (p[dirlen] == '\0')
			break;
		p += dirlen + 1;
	}
	return petrel_error_set(err, 0, "exec: \"%s\": executable file not found in $PATH", name);
}

char *petrel_passwd_home(const char *passwd, uid_t uid)
{
	return petrel_passwd_lookup(passwd, uid, PETREL_PASSWD_HOME);
}

char **petrel_process_environ(const struct oci_process *process)
{
	size_t n = process->env_len;
	cleanup_free char *home = NULL;
	size_t extra = 0;
	if (env_lookup(process->env, n, "HOME") == NULL) {
		uid_t uid = process->user ? process->user->uid : 0;
		home = petrel_passwd_home("/etc/passwd", uid);
		extra = strlen("HOME=") + strlen(home ? home : "/") + 1;
	}
	/* One block: the array, then the HOME entry if one is added, so that
	 * freeing the array frees everything this function made. */
	char **env = malloc((n + 2) * sizeof(char *) + extra);
	if (env == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		env[i] = process->env[i];
	if (extra > 0) {
		env[n] = (char *)(env + n + 2);
		snprintf(env[n], extra, "HOME=%s", home ? home : "/");
		n++;
	}
	env[n] = NULL;
	return env;
}

int petrel_process_reset_signals(struct petrel_error **err)
{
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return petrel_error_errno(err, "reset signal mask");
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	return 0;
}

int petrel_process_join_session_keyring(const char *name, struct petrel_error **err)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0) {
		/* Keyrings may be unavailable (ENOSYS) or not namespaced for this
		 * user (EDQUOT, EACCES); runc goes on in that case too. */
		if (errno == ENOSYS || errno == EDQUOT || errno == EACCES || errno == EPERM) {
			petrel_debug("session keyring: %s", strerror(errno));
			return 0;
		}
		return petrel_error_errno(err, "join session keyring");
	}
	return 0;
}
