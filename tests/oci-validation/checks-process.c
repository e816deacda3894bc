/* oci-check's process checks (config.md process): user and groups, cwd, env, args,
 * capabilities, rlimits, noNewPrivileges, oomScoreAdj, scheduler, ioPriority and the terminal,
 * as the process itself sees them. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "libpetrel/cleanup.h"
#include "check.h"

/* ----------------------------------------------------------- config.md: process */

void check_process_terminal(const struct oci_spec *spec)
{
	struct stat console, in;
	if (spec->process == NULL || !spec->process->has_terminal) {
		check_skip(NOT_SET);
		return;
	}
	if (!spec->process->terminal) {
		check_skip("terminal is false: whatever stdio the caller passed is allowed");
		return;
	}
	bool tty = isatty(0) && isatty(1) && isatty(2);
	check_ok(tty, "stdin, stdout and stderr are a terminal");
	bool same = stat("/dev/console", &console) == 0 && fstat(0, &in) == 0 &&
		    S_ISCHR(console.st_mode) && console.st_rdev == in.st_rdev;
	check_ok(same, "/dev/console is the terminal on stdin");
}

void check_process_console_size(const struct oci_spec *spec)
{
	struct winsize ws;
	const struct oci_process *p = spec->process;
	if (p == NULL || p->console_size == NULL) {
		check_skip(NOT_SET);
		return;
	}
	if (!p->terminal) {
		check_skip("terminal is false: consoleSize does not apply");
		return;
	}
	if (ioctl(1, TIOCGWINSZ, &ws) < 0) {
		check_ok(false, "TIOCGWINSZ on stdout: %s", strerror(errno));
		return;
	}
	check_is_int(ws.ws_row, p->console_size->height, "height %u", p->console_size->height);
	check_is_int(ws.ws_col, p->console_size->width, "width %u", p->console_size->width);
}

void check_process_user_uid(const struct oci_spec *spec)
{
	uid_t r, e, s;
	const struct oci_user *u = spec->process ? spec->process->user : NULL;
	if (u == NULL || !u->has_uid) {
		check_skip(NOT_SET);
		return;
	}
	getresuid(&r, &e, &s);
	if (!check_ok(r == u->uid && e == u->uid && s == u->uid,
		      "real, effective and saved uid are %u", u->uid))
		check_diag("got: real %u effective %u saved %u", r, e, s);
}

void check_process_user_gid(const struct oci_spec *spec)
{
	gid_t r, e, s;
	const struct oci_user *u = spec->process ? spec->process->user : NULL;
	if (u == NULL || !u->has_gid) {
		check_skip(NOT_SET);
		return;
	}
	getresgid(&r, &e, &s);
	if (!check_ok(r == u->gid && e == u->gid && s == u->gid,
		      "real, effective and saved gid are %u", u->gid))
		check_diag("got: real %u effective %u saved %u", r, e, s);
}

/* The supplementary groups are exactly additionalGids; the primary gid may appear too, since
 * the kernel allows it in either place. */
void check_process_user_additional_gids(const struct oci_spec *spec)
{
	const struct oci_user *u = spec->process ? spec->process->user : NULL;
	struct problems p = {0};
	if (u == NULL || u->additional_gids == NULL) {
		check_skip(NOT_SET);
		return;
	}
	int n = getgroups(0, NULL);
	cleanup_free gid_t *groups = n > 0 ? calloc((size_t)n, sizeof(*groups)) : NULL;
	if (n > 0)
		n = groups ? getgroups(n, groups) : -1;
	if (n < 0) {
		check_ok(false, "getgroups: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < u->additional_gids_len; i++) {
		bool found = false;
		for (int j = 0; j < n; j++)
			found |= groups[j] == u->additional_gids[i];
		if (!found)
			problem(&p, "missing group %u", u->additional_gids[i]);
	}
	for (int j = 0; j < n; j++) {
		bool listed = u->has_gid && groups[j] == u->gid;
		for (size_t i = 0; i < u->additional_gids_len; i++)
			listed |= groups[j] == u->additional_gids[i];
		if (!listed)
			problem(&p, "unexpected group %u", groups[j]);
	}
	check_problems(&p, "supplementary groups are the %zu listed", u->additional_gids_len);
}

void check_process_user_umask(const struct oci_spec *spec)
{
	const struct oci_user *u = spec->process ? spec->process->user : NULL;
	if (u == NULL || !u->has_umask) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *got = status_field("Umask");
	if (got == NULL) {
		check_ok(false, "read Umask from /proc/self/status: %s", strerror(errno));
		return;
	}
	unsigned long mask = strtoul(got, NULL, 8);
	if (!check_ok(mask == u->umask, "umask %04o", u->umask))
		check_diag("got: %04lo", mask);
}

void check_process_cwd(const struct oci_spec *spec)
{
	char want_buf[PATH_MAX], got[PATH_MAX];
	if (spec->process == NULL || spec->process->cwd == NULL) {
		check_skip(NOT_SET);
		return;
	}
	const char *want = resolve(spec->process->cwd, want_buf);
	if (getcwd(got, sizeof(got)) == NULL) {
		check_ok(false, "getcwd: %s", strerror(errno));
		return;
	}
	check_is_str(got, want, "%s", spec->process->cwd);
}

void check_process_env(const struct oci_spec *spec)
{
	const struct oci_process *p = spec->process;
	if (p == NULL || p->env == NULL || p->env_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < p->env_len; i++) {
		const char *entry = p->env[i];
		const char *eq = strchr(entry, '=');
		bool found = false;
		for (char **e = environ; *e && !found; e++)
			found = strcmp(*e, entry) == 0;
		if (check_ok(found, "%s", entry) || eq == NULL)
			continue;
		cleanup_free char *name = strndup(entry, (size_t)(eq - entry));
		const char *value = name ? getenv(name) : NULL;
		check_diag("got: %s%s%s", name ? name : "", value ? "=" : " is not set",
			   value ? value : "");
	}
}

/* Only when args[0] names this checker is it the container's process; otherwise the config
 * describes some other program and there is nothing to compare. */
void check_process_args(const struct oci_spec *spec)
{
	const struct oci_process *p = spec->process;
	if (p == NULL || p->args == NULL || p->args_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	size_t len = 0, argc = 0;
	char *argv[256];
	cleanup_free char *cmdline = read_bytes("/proc/self/cmdline", &len);
	for (size_t off = 0; cmdline && off < len && argc < ARRAY_SIZE(argv); argc++) {
		argv[argc] = cmdline + off;
		off += strlen(argv[argc]) + 1;
	}
	if (argc == 0) {
		check_ok(false, "read /proc/self/cmdline: %s", strerror(errno));
		return;
	}
	const char *want0 = strrchr(p->args[0], '/'), *got0 = strrchr(argv[0], '/');
	want0 = want0 ? want0 + 1 : p->args[0];
	got0 = got0 ? got0 + 1 : argv[0];
	if (strcmp(want0, got0) != 0) {
		check_skip("process.args starts %s, not this checker (%s)", p->args[0], argv[0]);
		return;
	}
	struct problems pr = {0};
	if (argc != p->args_len)
		problem(&pr, "got %zu arguments, expected %zu", argc, p->args_len);
	for (size_t i = 0; i < argc && i < p->args_len; i++)
		if (strcmp(argv[i], p->args[i]) != 0)
			problem(&pr, "argv[%zu]: got %s, expected %s", i, argv[i], p->args[i]);
	check_problems(&pr, "argv is the %zu args", p->args_len);
}

/* Capability numbers from the kernel header, so the table cannot drift from it. */
#define CAP(n) [CAP_##n] = "CAP_" #n
static const char *const capability_names[] = {
	CAP(CHOWN),
	CAP(DAC_OVERRIDE),
	CAP(DAC_READ_SEARCH),
	CAP(FOWNER),
	CAP(FSETID),
	CAP(KILL),
	CAP(SETGID),
	CAP(SETUID),
	CAP(SETPCAP),
	CAP(LINUX_IMMUTABLE),
	CAP(NET_BIND_SERVICE),
	CAP(NET_BROADCAST),
	CAP(NET_ADMIN),
	CAP(NET_RAW),
	CAP(IPC_LOCK),
	CAP(IPC_OWNER),
	CAP(SYS_MODULE),
	CAP(SYS_RAWIO),
	CAP(SYS_CHROOT),
	CAP(SYS_PTRACE),
	CAP(SYS_PACCT),
	CAP(SYS_ADMIN),
	CAP(SYS_BOOT),
	CAP(SYS_NICE),
	CAP(SYS_RESOURCE),
	CAP(SYS_TIME),
	CAP(SYS_TTY_CONFIG),
	CAP(MKNOD),
	CAP(LEASE),
	CAP(AUDIT_WRITE),
	CAP(AUDIT_CONTROL),
	CAP(SETFCAP),
	CAP(MAC_OVERRIDE),
	CAP(MAC_ADMIN),
	CAP(SYSLOG),
	CAP(WAKE_ALARM),
	CAP(BLOCK_SUSPEND),
	CAP(AUDIT_READ),
	CAP(PERFMON),
	CAP(BPF),
	CAP(CHECKPOINT_RESTORE),
};
#undef CAP

static int capability_number(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(capability_names); i++)
		if (capability_names[i] && strcmp(capability_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* Capabilities the kernel does not know cannot be held, so only bits up to cap_last_cap (and
 * up to the last one this table names) are compared. */
static unsigned int last_comparable_capability(void)
{
	unsigned int last = ARRAY_SIZE(capability_names) - 1;
	cleanup_free char *text = read_text("/proc/sys/kernel/cap_last_cap");
	if (text) {
		unsigned long kernel_last = strtoul(text, NULL, 10);
		if (kernel_last < last)
			last = (unsigned int)kernel_last;
	}
	return last;
}

static void append_capabilities(struct problems *p, const char *label, uint64_t set)
{
	char names[2048] = "";
	size_t len = 0;
	for (unsigned int i = 0; i < 64; i++) {
		if (!(set & (UINT64_C(1) << i)))
			continue;
		const char *name = i < ARRAY_SIZE(capability_names) ? capability_names[i] : NULL;
		len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
					"%s%s", len ? " " : "", name ? name : "?");
	}
	if (set)
		problem(p, "%s: %s", label, names);
}

static void check_capability_set(char **names, size_t len, const char *status_name)
{
	if (names == NULL) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *hex = status_field(status_name);
	if (hex == NULL) {
		check_ok(false, "read %s from /proc/self/status: %s", status_name, strerror(errno));
		return;
	}
	unsigned int last = last_comparable_capability();
	uint64_t mask = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
	uint64_t got = strtoull(hex, NULL, 16) & mask, want = 0;
	char ignored[1024] = "";
	size_t ignored_len = 0;
	for (size_t i = 0; i < len; i++) {
		int n = capability_number(names[i]);
		if (n >= 0 && (unsigned int)n <= last) {
			want |= UINT64_C(1) << n;
			continue;
		}
		ignored_len += (size_t)snprintf(
			ignored + ignored_len,
			ignored_len < sizeof(ignored) ? sizeof(ignored) - ignored_len : 0, " %s",
			names[i]);
	}
	struct problems p = {0};
	append_capabilities(&p, "missing", want & ~got);
	append_capabilities(&p, "unexpected", got & ~want);
	check_problems(&p, "%s equals the %zu listed", status_name, len);
	if (ignored_len)
		check_diag("ignored (unknown to the kernel or to oci-check):%s", ignored);
}

#define CAPABILITY_CHECK(set, status_name)                                                         \
	void check_capabilities_##set(const struct oci_spec *spec)                                 \
	{                                                                                          \
		const struct oci_capabilities *c =                                                 \
			spec->process ? spec->process->capabilities : NULL;                        \
		check_capability_set(c ? c->set : NULL, c ? c->set##_len : 0, status_name);        \
	}
CAPABILITY_CHECK(bounding, "CapBnd")
CAPABILITY_CHECK(effective, "CapEff")
CAPABILITY_CHECK(permitted, "CapPrm")
CAPABILITY_CHECK(inheritable, "CapInh")
CAPABILITY_CHECK(ambient, "CapAmb")
#undef CAPABILITY_CHECK

/* Indexed by resource number, like the capability names. */
#define RLIMIT(n) [RLIMIT_##n] = "RLIMIT_" #n
static const char *const rlimit_names[] = {
	RLIMIT(AS),     RLIMIT(CORE),   RLIMIT(CPU),        RLIMIT(DATA),
	RLIMIT(FSIZE),  RLIMIT(LOCKS),  RLIMIT(MEMLOCK),    RLIMIT(MSGQUEUE),
	RLIMIT(NICE),   RLIMIT(NOFILE), RLIMIT(NPROC),      RLIMIT(RSS),
	RLIMIT(RTPRIO), RLIMIT(RTTIME), RLIMIT(SIGPENDING), RLIMIT(STACK),
};
#undef RLIMIT

void check_process_rlimits(const struct oci_spec *spec)
{
	const struct oci_process *p = spec->process;
	if (p == NULL || p->rlimits == NULL || p->rlimits_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < p->rlimits_len; i++) {
		const struct oci_rlimit *want = &p->rlimits[i];
		int resource = -1;
		struct rlimit got;
		for (size_t j = 0; j < ARRAY_SIZE(rlimit_names); j++)
			if (rlimit_names[j] && strcmp(rlimit_names[j], want->type) == 0)
				resource = (int)j;
		if (resource < 0) {
			check_ok(false, "%s is not a Linux rlimit", want->type);
			continue;
		}
		if (getrlimit(resource, &got) < 0) {
			check_ok(false, "%s: getrlimit: %s", want->type, strerror(errno));
			continue;
		}
		bool same = got.rlim_cur == want->soft && got.rlim_max == want->hard;
		if (!check_ok(same, "%s soft %" PRIu64 " hard %" PRIu64, want->type, want->soft,
			      want->hard))
			check_diag("got: soft %llu hard %llu", (unsigned long long)got.rlim_cur,
				   (unsigned long long)got.rlim_max);
	}
}

void check_process_no_new_privileges(const struct oci_spec *spec)
{
	if (spec->process == NULL || !spec->process->has_no_new_privileges) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *got = status_field("NoNewPrivs");
	if (got == NULL) {
		check_ok(false, "read NoNewPrivs from /proc/self/status: %s", strerror(errno));
		return;
	}
	check_is_str(got, spec->process->no_new_privileges ? "1" : "0", "NoNewPrivs is %s",
		     spec->process->no_new_privileges ? "set" : "clear");
}

void check_process_oom_score_adj(const struct oci_spec *spec)
{
	if (spec->process == NULL || !spec->process->has_oom_score_adj) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *got = read_text("/proc/self/oom_score_adj");
	if (got == NULL) {
		check_ok(false, "read /proc/self/oom_score_adj: %s", strerror(errno));
		return;
	}
	check_is_int(strtol(got, NULL, 10), spec->process->oom_score_adj, "%d",
		     spec->process->oom_score_adj);
}

static const struct {
	const char *name;
	int policy;
} scheduler_policies[] = {
	{"SCHED_OTHER", SCHED_OTHER},       {"SCHED_FIFO", SCHED_FIFO}, {"SCHED_RR", SCHED_RR},
	{"SCHED_BATCH", SCHED_BATCH},       {"SCHED_ISO", 4},           {"SCHED_IDLE", SCHED_IDLE},
	{"SCHED_DEADLINE", SCHED_DEADLINE},
};

void check_process_scheduler(const struct oci_spec *spec)
{
	const struct oci_scheduler *s = spec->process ? spec->process->scheduler : NULL;
	struct problems p = {0};
	struct sched_param param;
	if (s == NULL) {
		check_skip(NOT_SET);
		return;
	}
	int want = -1;
	for (size_t i = 0; i < ARRAY_SIZE(scheduler_policies); i++)
		if (strcmp(scheduler_policies[i].name, s->policy) == 0)
			want = scheduler_policies[i].policy;
	int got = sched_getscheduler(0);
	if (want < 0)
		problem(&p, "unknown policy %s", s->policy);
	else if (got < 0)
		problem(&p, "sched_getscheduler: %s", strerror(errno));
	else if ((got & ~SCHED_RESET_ON_FORK) != want)
		problem(&p, "policy: got %d, expected %d", got & ~SCHED_RESET_ON_FORK, want);
	if (s->has_nice) {
		errno = 0;
		int nice = getpriority(PRIO_PROCESS, 0);
		if (errno)
			problem(&p, "getpriority: %s", strerror(errno));
		else if (nice != s->nice)
			problem(&p, "nice: got %d, expected %d", nice, s->nice);
	}
	if (s->has_priority) {
		if (sched_getparam(0, &param) < 0)
			problem(&p, "sched_getparam: %s", strerror(errno));
		else if (param.sched_priority != s->priority)
			problem(&p, "priority: got %d, expected %d", param.sched_priority,
				s->priority);
	}
	check_problems(&p, "%s", s->policy);
}

void check_process_io_priority(const struct oci_spec *spec)
{
	static const char *const classes[] = {"IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT",
					      "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
	const struct oci_io_priority *io = spec->process ? spec->process->io_priority : NULL;
	if (io == NULL) {
		check_skip(NOT_SET);
		return;
	}
	long value = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	if (value < 0) {
		check_ok(false, "ioprio_get: %s", strerror(errno));
		return;
	}
	long cls = value >> 13, data = value & 0x1fff;
	const char *got = cls < (long)ARRAY_SIZE(classes) ? classes[cls] : "unknown class";
	struct problems p = {0};
	if (strcmp(got, io->class) != 0)
		problem(&p, "class: got %s, expected %s", got, io->class);
	if (io->has_priority && data != io->priority)
		problem(&p, "priority: got %ld, expected %d", data, io->priority);
	check_problems(&p, "%s priority %d", io->class, io->priority);
}
