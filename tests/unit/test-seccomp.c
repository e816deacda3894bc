/* Unit tests for seccomp.c and seccomp-cache.c: profile errors that name the
 * field, compiled filters installed in forked children (every action, errno
 * values, argument conditions with the OR expansion and 64-bit values, the
 * ENOSYS fallback, a notify listener), the listener message, and the cache
 * (key, hit, miss, invalid entries, eviction). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <seccomp.h>

#include "libpetrel/log.h"
#include "libpetrel/seccomp-internal.h"
#include "libpetrel/seccomp.h"
#include "tap.h"

static char dir[] = "/tmp/petrel-test-seccomp.XXXXXX";

static char *path_in_dir(const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static struct oci_seccomp *parse(const char *json)
{
	void *out = NULL;
	char *why = NULL;
	if (ocispec_parse_data(&oci_type_seccomp, json, strlen(json), "profile", &out, &why) < 0) {
		printf("# bad test profile: %s\n", why);
		abort();
	}
	return out;
}

static void free_profile(struct oci_seccomp *p)
{
	ocispec_free(&oci_type_seccomp, p);
}

/* Prepares json (no cache); the error message, or NULL on success. */
static char *prepare_error(const char *json, const struct oci_string_map *annotations)
{
	struct oci_seccomp *p = parse(json);
	struct petrel_seccomp *s = NULL;
	struct petrel_error *err = NULL;
	char *msg = NULL;
	if (petrel_seccomp_prepare(p, annotations, NULL, &s, &err) < 0)
		msg = strdup(petrel_error_message(err));
	petrel_error_free(err);
	petrel_seccomp_free(s);
	free_profile(p);
	return msg;
}

static struct petrel_seccomp *prepare(const char *json, const char *cache_dir)
{
	struct oci_seccomp *p = parse(json);
	struct petrel_seccomp *s = NULL;
	struct petrel_error *err = NULL;
	if (petrel_seccomp_prepare(p, NULL, cache_dir, &s, &err) < 0) {
		printf("# prepare: %s\n", petrel_error_message(err));
		s = NULL;
	}
	petrel_error_free(err);
	free_profile(p);
	return s;
}

static void check_error(const char *name, const char *json, const char *want)
{
	char *msg = prepare_error(json, NULL);
	tap_contains(msg, want, "%s", name);
	free(msg);
}

static void test_profile_errors(void)
{
	check_error("unknown_action_names_the_rule",
		    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		    "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		    "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		    "{\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		    "{\"names\":[\"getgid\"],\"action\":\"SCMP_ACT_FOO\"}]}",
		    ".linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"");
	check_error("unknown_default_action_is_an_error", "{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
		    ".linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"");
	check_error("unknown_operator_names_the_argument",
		    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpid\"],"
		    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,"
		    "\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_FOO\"}]}]}",
		    ".linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_FOO\"");
	check_error("argument_index_above_5_is_an_error",
		    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpid\"],"
		    "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":1,"
		    "\"op\":\"SCMP_CMP_EQ\"}]}]}",
		    ".linux.seccomp.syscalls[0].args[0].index: 6 is not a system call argument");
	check_error("unknown_architecture_is_an_error",
		    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\","
		    "\"SCMP_ARCH_FOO\"]}",
		    ".linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_FOO\"");
	check_error(
		"unknown_flag_is_an_error",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_FOO\"]}",
		".linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"");
	check_error("errno_for_an_action_without_one_is_an_error",
		    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"getpid\"],"
		    "\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]}",
		    ".linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_ALLOW takes no errno value");
	check_error("default_errno_for_kill_is_an_error",
		    "{\"defaultAction\":\"SCMP_ACT_KILL\",\"defaultErrnoRet\":1}",
		    ".linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL takes no errno value");
	check_error("errno_above_65535_is_an_error",
		    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpid\"],"
		    "\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":70000}]}",
		    ".linux.seccomp.syscalls[0].errnoRet: 70000 is out of range");
	check_error("rule_without_names_is_an_error",
		    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
		    "\"action\":\"SCMP_ACT_ERRNO\"}]}",
		    ".linux.seccomp.syscalls[0].names: must name at least one system call");
	check_error("notify_needs_a_listener_path",
		    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getpid\"],"
		    "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		    ".linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY needs");
	check_error(
		"notify_on_write_is_refused",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\",\"syscalls\":["
		"{\"names\":[\"getpid\",\"write\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		".linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for write");
	check_error("notify_as_default_is_refused",
		    "{\"defaultAction\":\"SCMP_ACT_NOTIFY\",\"listenerPath\":\"/x\"}",
		    ".linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
	check_error("listener_metadata_without_path_is_an_error",
		    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"m\"}",
		    ".linux.seccomp.listenerMetadata: set without listenerPath");
}

static void test_unknown_syscalls(void)
{
	const char *json = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
			   "[\"getpid\",\"no_such_call\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
	struct oci_string_map *ann = NULL;
	if (oci_string_map_set(&ann, "run.oci.seccomp_fail_unknown_syscall", "1") < 0)
		abort();
	char *msg = prepare_error(json, ann);
	tap_contains(msg,
		     ".linux.seccomp.syscalls[0].names[1]: unknown system call \"no_such_call\"",
		     "unknown_syscall_fails_with_the_annotation");
	free(msg);
	oci_string_map_free(ann);

	/* Without it, a warning in the log. */
	char *log = path_in_dir("log");
	struct petrel_error *err = NULL;
	petrel_log_init(log, PETREL_LOG_TEXT, false, &err);
	msg = prepare_error(json, NULL);
	tap_ok(msg == NULL, "unknown_syscall_is_skipped_without_the_annotation");
	free(msg);
	char buf[4096] = "";
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	/* The log quotes the message: look for the parts between quotes. */
	tap_ok(strstr(buf, "level=warning") &&
		       strstr(buf, ".linux.seccomp.syscalls[0].names[1]: unknown system call") &&
		       strstr(buf, "no_such_call"),
	       "unknown_syscall_is_a_warning");
	petrel_error_free(err);
	free(log);
}

/* ------------------------------------------------------- filters in children */

#define MAX_OUTCOMES 16
struct outcome {
	long ret;
	int err;
};
static struct outcome outcomes[MAX_OUTCOMES];
static int n_outcomes;
static volatile sig_atomic_t sigsys_nr = -1;

static void call(long nr, unsigned long a0, unsigned long a1)
{
	errno = 0;
	long r = syscall(nr, a0, a1, 0, 0, 0, 0);
	outcomes[n_outcomes].ret = r;
	outcomes[n_outcomes].err = r < 0 ? errno : 0;
	n_outcomes++;
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	sigsys_nr = si->si_syscall;
}

/* Installs s in a forked child (with no_new_privs), runs probe there and
 * brings back its outcomes; *status is the child's wait status. Nothing in
 * the child after the install but the probe's system calls, write and
 * _exit. */
static bool run_filtered(const struct petrel_seccomp *s, void (*probe)(void), int *status)
{
	int pipefd[2];
	if (s == NULL || pipe2(pipefd, O_CLOEXEC) < 0)
		return false;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
		sigaction(SIGSYS, &sa, NULL);
		int listener = -1;
		struct petrel_error *err = NULL;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    petrel_seccomp_install(s, &listener, &err) < 0)
			_exit(3);
		n_outcomes = 0;
		probe();
		outcomes[MAX_OUTCOMES - 1].ret = sigsys_nr;
		ssize_t unused = write(pipefd[1], outcomes, sizeof(outcomes));
		(void)unused;
		_exit(0);
	}
	close(pipefd[1]);
	memset(outcomes, 0, sizeof(outcomes));
	ssize_t n = read(pipefd[0], outcomes, sizeof(outcomes));
	close(pipefd[0]);
	waitpid(pid, status, 0);
	return n == (ssize_t)sizeof(outcomes);
}

static bool outcome_is(int i, int want_errno, const char *what)
{
	bool ok = want_errno ? outcomes[i].ret == -1 && outcomes[i].err == want_errno
			     : outcomes[i].ret >= 0;
	if (!ok)
		printf("#   %s: ret %ld errno %d, expected %s %d\n", what, outcomes[i].ret,
		       outcomes[i].err, want_errno ? "errno" : "success", want_errno);
	return ok;
}

static void probe_errno_profile(void)
{
	call(SYS_getpid, 0, 0);               /* 0: ERRNO(EXDEV) */
	call(SYS_getuid, 0, 0);               /* 1: not named, below the max: EPERM */
	call(SYS_getrandom, 0, 0);            /* 2: not named, above the max: ENOSYS */
	call(SYS_personality, 0xffffffff, 0); /* 3: allowed by its argument */
	call(SYS_personality, 8, 0);          /* 4: denied by default */
	call(SYS_getppid, 0, 0);              /* 5: allowed */
}

static void test_errno_and_enosys(void)
{
	const char *json =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		"{\"names\":[\"write\",\"exit_group\",\"exit\",\"rt_sigreturn\",\"getppid\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18},"
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
		"\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]}]}";
	/* The fallback applies to calls numbered above every named one. */
	bool above = SYS_getrandom > SYS_write && SYS_getrandom > SYS_exit_group &&
		     SYS_getrandom > SYS_exit && SYS_getrandom > SYS_rt_sigreturn &&
		     SYS_getrandom > SYS_getppid && SYS_getrandom > SYS_getpid &&
		     SYS_getrandom > SYS_personality && SYS_getuid < SYS_exit_group;
	struct petrel_seccomp *s = prepare(json, NULL);
	int status = 0;
	bool ran = run_filtered(s, probe_errno_profile, &status);
	tap_ok(ran && outcome_is(0, EXDEV, "getpid"), "errno_rule_returns_its_errno");
	tap_ok(ran && outcome_is(1, EPERM, "getuid"), "default_errno_below_the_highest_named_call");
	if (above)
		tap_ok(ran && outcome_is(2, ENOSYS, "getrandom"),
		       "enosys_for_calls_newer_than_the_profile");
	else
		tap_ok(true, "enosys_for_calls_newer_than_the_profile # SKIP numbering differs");
	tap_ok(ran && outcome_is(3, 0, "personality(0xffffffff)"),
	       "argument_condition_allows_its_value");
	tap_ok(ran && outcome_is(4, EPERM, "personality(8)"),
	       "argument_condition_denies_other_values");
	tap_ok(ran && outcome_is(5, 0, "getppid"), "allow_rule_allows");
	petrel_seccomp_free(s);

	/* With ENOSYS as the default errno there is nothing to add. */
	s = prepare("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
		    "\"syscalls\":[{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
		    NULL);
	struct petrel_seccomp *t =
		prepare("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			"[{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
			NULL);
	tap_ok(s && t && t->bpf_len > s->bpf_len, "enosys_prefix_only_when_the_default_differs");
	petrel_seccomp_free(s);
	petrel_seccomp_free(t);
}

static void probe_actions(void)
{
	call(SYS_getpid, 0, 0);  /* 0: ERRNO(EXDEV) */
	call(SYS_getppid, 0, 0); /* 1: ERRNO(ENOTTY) */
	call(SYS_getuid, 0, 0);  /* 2: TRACE without a tracer: ENOSYS */
	call(SYS_getgid, 0, 0);  /* 3: LOG: allowed */
	call(SYS_geteuid, 0, 0); /* 4: ERRNO, default EPERM */
	call(SYS_getpgid, 0, 0); /* 5: TRAP */
}

static void probe_kill_process(void)
{
	call(SYS_getsid, 0, 0);
}

static void test_actions(void)
{
	const char *json =
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18},"
		"{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":25},"
		"{\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":7},"
		"{\"names\":[\"getgid\"],\"action\":\"SCMP_ACT_LOG\"},"
		"{\"names\":[\"geteuid\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		"{\"names\":[\"getpgid\"],\"action\":\"SCMP_ACT_TRAP\"},"
		"{\"names\":[\"getsid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}";
	struct petrel_seccomp *s = prepare(json, NULL);
	int status = 0;
	bool ran = run_filtered(s, probe_actions, &status);
	tap_ok(ran && outcome_is(0, EXDEV, "getpid") && outcome_is(1, ENOTTY, "getppid"),
	       "rules_keep_their_own_errno_values");
	tap_ok(ran && outcome_is(2, ENOSYS, "getuid"), "trace_without_tracer_fails_with_enosys");
	tap_ok(ran && outcome_is(3, 0, "getgid"), "log_allows");
	tap_ok(ran && outcome_is(4, EPERM, "geteuid"), "errno_defaults_to_eperm");
	tap_ok(ran && outcomes[MAX_OUTCOMES - 1].ret == SYS_getpgid, "trap_raises_sigsys");
	ran = run_filtered(s, probe_kill_process, &status);
	tap_ok(!ran && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	       "kill_process_kills_with_sigsys");
	petrel_seccomp_free(s);
}

static void probe_conditions(void)
{
	call(SYS_personality, 8, 0);                /* 0: arg0 == 8: denied */
	call(SYS_personality, 9, 0);                /* 1: arg0 == 9: denied */
	call(SYS_personality, 0xffffffff, 0);       /* 2: neither: allowed */
	call(SYS_getppid, 1, 2);                    /* 3: arg0 == 1 && arg1 == 2 */
	call(SYS_getppid, 1, 3);                    /* 4: only arg0 matches */
	call(SYS_getuid, 0x100000000UL, 0);         /* 5: == 2^32 */
	call(SYS_getuid, 0, 0);                     /* 6: low half equal only */
	call(SYS_getgid, 0xab000000000000ffUL, 0);  /* 7: masked high byte 0xab */
	call(SYS_getgid, 0xac000000000000ffUL, 0);  /* 8: 0xac */
	call(SYS_geteuid, 0xffffffffffffffffUL, 0); /* 9: >= 2^64 - 1 */
	call(SYS_geteuid, 0xfffffffffffffffeUL, 0); /* 10 */
	call(SYS_getegid, 0x7fffffffffffffffUL, 0); /* 11: > 2^32 and < 2^63 */
	call(SYS_getegid, 0x8000000000000000UL, 0); /* 12 */
}

static void test_conditions(void)
{
	const char *json =
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
		"\"args\":[{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":0,\"value\":9,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
		"\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":1,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"getuid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
		"\"args\":[{\"index\":0,\"value\":4294967296,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"getgid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
		"\"args\":[{\"index\":0,\"value\":18374686479671623680,"
		"\"valueTwo\":12321848580485677056,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
		"{\"names\":[\"geteuid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
		"\"args\":[{\"index\":0,\"value\":18446744073709551615,\"op\":\"SCMP_CMP_GE\"}]},"
		"{\"names\":[\"getegid\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":18,"
		"\"args\":[{\"index\":0,\"value\":4294967296,\"op\":\"SCMP_CMP_GT\"},"
		"{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}";
	struct petrel_seccomp *s = prepare(json, NULL);
	int status = 0;
	bool ran = run_filtered(s, probe_conditions, &status);
	tap_ok(ran && outcome_is(0, EXDEV, "personality(8)") &&
		       outcome_is(1, EXDEV, "personality(9)") &&
		       outcome_is(2, 0, "personality(0xffffffff)"),
	       "repeated_argument_index_is_an_or");
	tap_ok(ran && outcome_is(3, EXDEV, "getppid(1, 2)") && outcome_is(4, 0, "getppid(1, 3)"),
	       "conditions_on_different_arguments_are_anded");
	tap_ok(ran && outcome_is(5, EXDEV, "getuid(2^32)") && outcome_is(6, 0, "getuid(0)"),
	       "eq_compares_all_64_bits");
	tap_ok(ran && outcome_is(7, EXDEV, "getgid(0xab..ff)") &&
		       outcome_is(8, 0, "getgid(0xac..ff)"),
	       "masked_eq_uses_value_as_mask_and_value_two");
	tap_ok(ran && outcome_is(9, EXDEV, "geteuid(2^64-1)") &&
		       outcome_is(10, 0, "geteuid(2^64-2)"),
	       "ge_with_the_largest_64_bit_value");
	tap_ok(ran && outcome_is(11, EXDEV, "getegid(2^63-1)") &&
		       outcome_is(12, EXDEV, "getegid(2^63)"),
	       "gt_is_unsigned_64_bit");
	petrel_seccomp_free(s);
}

/* A notify filter: the test takes the listener out of the child with
 * pidfd_getfd(), as petrel does, and answers the call. */
static void test_notify(void)
{
	const char *json =
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\","
		"\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}";
	struct petrel_seccomp *s = prepare(json, NULL);
	int to_test[2], result[2];
	if (s == NULL || pipe2(to_test, O_CLOEXEC) < 0 || pipe2(result, O_CLOEXEC) < 0)
		abort();
	tap_ok(s->notify, "notify_profile_is_marked_notify");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int listener = -1;
		struct petrel_error *err = NULL;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    petrel_seccomp_install(s, &listener, &err) < 0)
			_exit(3);
		ssize_t unused = write(to_test[1], &listener, sizeof(listener));
		errno = 0;
		long r = syscall(SYS_getppid);
		int e[2] = {(int)r, errno};
		unused = write(result[1], e, sizeof(e));
		(void)unused;
		_exit(0);
	}
	close(to_test[1]);
	close(result[1]);
	int child_fd = -1, got[2] = {0, 0};
	bool have_fd = read(to_test[0], &child_fd, sizeof(child_fd)) == sizeof(child_fd);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int listener =
		have_fd && pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, child_fd, 0) : -1;
	tap_ok(child_fd >= 0 && listener >= 0, "notify_install_returns_a_listener");
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	bool received = listener >= 0 && ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0;
	tap_ok(received && req.data.nr == SYS_getppid, "notify_listener_receives_the_call");
	if (received) {
		struct seccomp_notif_resp resp = {.id = req.id, .error = -EXDEV};
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	bool answered = read(result[0], got, sizeof(got)) == sizeof(got);
	tap_ok(answered && got[0] == -1 && got[1] == EXDEV, "notify_answer_reaches_the_caller");
	if (!answered)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (listener >= 0)
		close(listener);
	if (pidfd >= 0)
		close(pidfd);
	close(to_test[0]);
	close(result[0]);
	petrel_seccomp_free(s);
}

static void probe_nothing(void)
{
	call(SYS_getppid, 0, 0);
}

/* The flags go to seccomp(2) as the kernel wants them combined. */
static void test_flags(void)
{
	struct petrel_seccomp *s = prepare(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\","
		"\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\",\"SECCOMP_FILTER_FLAG_TSYNC\","
		"\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],\"syscalls\":[{\"names\":[\"getpid\"],"
		"\"action\":\"SCMP_ACT_ERRNO\"}]}",
		NULL);
	tap_ok(s && (s->flags & SECCOMP_FILTER_FLAG_LOG) &&
		       (s->flags & SECCOMP_FILTER_FLAG_SPEC_ALLOW) &&
		       !(s->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV),
	       "flags_kept_and_wait_killable_recv_dropped_without_notify");
	int status = 0;
	tap_ok(run_filtered(s, probe_nothing, &status) && outcome_is(0, 0, "getppid"),
	       "filter_with_flags_installs");
	petrel_seccomp_free(s);
	s = prepare("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\","
		    "\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\","
		    "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"],\"syscalls\":[{\"names\":"
		    "[\"getpid\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		    NULL);
	tap_ok(s && (s->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) &&
		       (!(s->flags & SECCOMP_FILTER_FLAG_TSYNC) ||
			(s->flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH)),
	       "tsync_with_a_listener_gets_tsync_esrch");
	tap_ok(run_filtered(s, probe_nothing, &status) && outcome_is(0, 0, "getppid"),
	       "notify_filter_with_flags_installs");
	petrel_seccomp_free(s);
}

static void test_send_listener(void)
{
	char *sock_path = path_in_dir("agent.sock");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv < 0 || bind(srv, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(srv, 1) < 0)
		abort();
	struct petrel_seccomp s = {.notify = true,
				   .listener_path = sock_path,
				   .listener_metadata = (char *)"meta data"};
	struct oci_state state = {.oci_version = (char *)"1.2.1",
				  .id = (char *)"c1",
				  .status = (char *)"creating",
				  .pid = 4242,
				  .has_pid = true,
				  .bundle = (char *)"/b"};
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	struct petrel_error *err = NULL;
	int r = petrel_seccomp_send_listener(&s, p[0], &state, &err);
	tap_ok(r == 0, "send_listener_succeeds%s%s", r ? ": " : "",
	       r ? petrel_error_message(err) : "");
	int conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	char buf[4096] = "";
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf)};
	ssize_t n = conn >= 0 ? recvmsg(conn, &mh, MSG_CMSG_CLOEXEC) : -1;
	int fd = -1;
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	struct stat st;
	tap_ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode),
	       "send_listener_passes_the_fd");
	for (ssize_t m = n; m > 0 && n<(ssize_t)sizeof(buf) - 1; n += m> 0 ? m : 0)
		m = read(conn, buf + n, sizeof(buf) - 1 - (size_t)n);
	buf[n > 0 ? n : 0] = '\0';
	tap_contains(buf, "\"fds\":[\"seccompFd\"]", "send_listener_names_the_fd");
	tap_contains(buf, "\"pid\":4242", "send_listener_sends_the_pid");
	tap_contains(buf, "\"metadata\":\"meta data\"", "send_listener_sends_the_metadata");
	tap_contains(buf, "\"state\":{\"ociVersion\":\"1.2.1\",\"id\":\"c1\"",
		     "send_listener_sends_the_state");
	if (fd >= 0)
		close(fd);
	if (conn >= 0)
		close(conn);
	close(srv);
	close(p[0]);
	close(p[1]);
	petrel_error_free(err);

	unlink(sock_path);
	r = petrel_seccomp_send_listener(&s, 0, &state, &err);
	tap_ok(r < 0 && strstr(petrel_error_message(err), sock_path),
	       "send_listener_to_a_missing_socket_is_an_error");
	petrel_error_free(err);
	free(sock_path);
}

/* ------------------------------------------------------------------ cache */

static const char *profile_a = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
			       "[\"write\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";

static char *key_of(const char *json)
{
	struct oci_seccomp *p = parse(json);
	char *key = petrel_seccomp_cache_key(p, NULL);
	free_profile(p);
	return key;
}

static void test_cache_key(void)
{
	char *a = key_of(profile_a), *a2 = key_of(profile_a);
	char *listener = key_of("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"/l\","
				"\"listenerMetadata\":\"m\",\"syscalls\":[{\"names\":"
				"[\"write\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	char *b = key_of("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
			 "[\"write\",\"exit\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	tap_ok(a && a2 && strcmp(a, a2) == 0, "cache_key_is_stable");
	tap_ok(a && listener && strcmp(a, listener) == 0, "cache_key_ignores_the_listener");
	tap_ok(a && b && strcmp(a, b) != 0, "cache_key_follows_the_profile");
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	uname(&u);
	char want[512];
	snprintf(want, sizeof(want), "libseccomp %u.%u.%u; kernel %s; machine %s", v->major,
		 v->minor, v->micro, u.release, u.machine);
	tap_contains(a, want, "cache_key_names_the_versions");
	char name[32], name_b[32];
	petrel_seccomp_cache_name(a, name);
	petrel_seccomp_cache_name(b, name_b);
	tap_ok(strlen(name) == 20 && strcmp(name + 16, ".bpf") == 0 && strcmp(name, name_b) != 0,
	       "cache_name_is_the_hash");
	tap_ok(petrel_seccomp_hash("", 0) == 0xcbf29ce484222325ULL &&
		       petrel_seccomp_hash("a", 1) == 0xaf63dc4c8601ec8cULL,
	       "hash_is_fnv1a_64");
	free(a);
	free(a2);
	free(listener);
	free(b);
}

static bool same_program(const struct petrel_seccomp *x, const struct petrel_seccomp *y)
{
	return x && y && x->bpf_len == y->bpf_len &&
	       memcmp(x->bpf, y->bpf, x->bpf_len * sizeof(struct sock_filter)) == 0;
}

static int entry_count(const char *cache)
{
	DIR *d = opendir(cache);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		n += strlen(e->d_name) == 20 && strstr(e->d_name, ".bpf") != NULL;
	if (d)
		closedir(d);
	return n;
}

static void test_cache_hit_and_miss(void)
{
	char *cache = path_in_dir("cache");
	char *key = key_of(profile_a);
	char name[32];
	petrel_seccomp_cache_name(key, name);
	struct petrel_seccomp *plain = prepare(profile_a, NULL);

	/* Miss: compiled and stored. */
	struct petrel_seccomp *s = prepare(profile_a, cache);
	tap_ok(same_program(s, plain), "cache_miss_compiles");
	int dfd = open(cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	tap_ok(dfd >= 0 && fstat(dfd, &st) == 0 && (st.st_mode & 0777) == 0700,
	       "cache_dir_is_created_private");
	struct petrel_seccomp stored = {0};
	tap_ok(petrel_seccomp_read_entry(dfd, name, key, &stored, NULL) == 0 &&
		       same_program(&stored, plain),
	       "cache_miss_stores_the_program");
	free(stored.bpf);
	petrel_seccomp_free(s);

	/* Hit: whatever the entry holds is used, so plant a marker program. */
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct petrel_seccomp marker = {.bpf = &allow, .bpf_len = 1};
	petrel_seccomp_write_entry(dfd, name, key, &marker, NULL);
	s = prepare(profile_a, cache);
	tap_ok(s && s->bpf_len == 1, "cache_hit_uses_the_entry");
	petrel_seccomp_free(s);

	/* Another key under the same name (a hash collision): not used, and
	 * replaced. */
	petrel_seccomp_write_entry(dfd, name, "some other profile", &marker, NULL);
	s = prepare(profile_a, cache);
	tap_ok(same_program(s, plain), "cache_entry_with_another_key_is_ignored");
	memset(&stored, 0, sizeof(stored));
	tap_ok(petrel_seccomp_read_entry(dfd, name, key, &stored, NULL) == 0 &&
		       same_program(&stored, plain),
	       "cache_entry_with_another_key_is_replaced");
	free(stored.bpf);
	petrel_seccomp_free(s);

	/* Malformed entries: truncated program, bad header. */
	const char *bad[] = {"petrel-seccomp-bpf 1\nkey 3\nabc\nflags 0 notify 0 insns 2\n1234567",
			     "garbage", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = openat(dfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC);
		ssize_t unused = write(fd, bad[i], strlen(bad[i]));
		(void)unused;
		close(fd);
		s = prepare(profile_a, cache);
		memset(&stored, 0, sizeof(stored));
		tap_ok(same_program(s, plain) &&
			       petrel_seccomp_read_entry(dfd, name, key, &stored, NULL) == 0 &&
			       same_program(&stored, plain),
		       "malformed_cache_entry_%zu_is_ignored_and_replaced", i);
		free(stored.bpf);
		petrel_seccomp_free(s);
	}
	/* The program one instruction short of its header's count. */
	petrel_seccomp_write_entry(dfd, name, key, plain, NULL);
	char *entry = NULL;
	if (asprintf(&entry, "%s/%s", cache, name) < 0)
		abort();
	memset(&stored, 0, sizeof(stored));
	tap_ok(stat(entry, &st) == 0 && truncate(entry, st.st_size - 8) == 0 &&
		       petrel_seccomp_read_entry(dfd, name, key, &stored, NULL) < 0,
	       "cache_entry_with_a_short_program_is_invalid");
	free(stored.bpf);
	free(entry);

	/* Hits mark the entry used. */
	s = prepare(profile_a, cache); /* rewrites the entry */
	petrel_seccomp_free(s);
	struct timespec old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
	utimensat(dfd, name, old, 0);
	s = prepare(profile_a, cache);
	tap_ok(fstatat(dfd, name, &st, 0) == 0 && st.st_mtime > 1000, "cache_hit_marks_the_entry");
	petrel_seccomp_free(s);

	/* A cache directory others may write is not trusted. */
	char *open_cache = path_in_dir("open-cache");
	mkdir(open_cache, 0777);
	chmod(open_cache, 0777);
	s = prepare(profile_a, open_cache);
	tap_ok(same_program(s, plain) && entry_count(open_cache) == 0,
	       "cache_writable_by_others_is_not_used");
	petrel_seccomp_free(s);
	free(open_cache);

	close(dfd);
	petrel_seccomp_free(plain);
	free(key);
	free(cache);
}

static void touch(int dfd, const char *name, time_t mtime)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	struct timespec t[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
	utimensat(dfd, name, t, 0);
}

static void test_cache_eviction(void)
{
	char *cache = path_in_dir("evict");
	mkdir(cache, 0700);
	int dfd = open(cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	time_t now = time(NULL);
	char name[32];
	for (int i = 0; i < 70; i++) {
		snprintf(name, sizeof(name), "%016x.bpf", i);
		touch(dfd, name, now - 10000 + i);
	}
	touch(dfd, "README", now - 100000);
	touch(dfd, ".0000000000000000.bpf.tmp.1.2", now - 100000);
	touch(dfd, ".0000000000000001.bpf.tmp.1.2", now);
	petrel_seccomp_cache_evict(dfd, PETREL_SECCOMP_CACHE_MAX);
	tap_ok(entry_count(cache) == PETREL_SECCOMP_CACHE_MAX, "eviction_keeps_the_bound");
	bool oldest_gone = true, newest_kept = true;
	for (int i = 0; i < 70; i++) {
		snprintf(name, sizeof(name), "%016x.bpf", i);
		bool exists = faccessat(dfd, name, F_OK, 0) == 0;
		if (i < 6 && exists)
			oldest_gone = false;
		if (i >= 6 && !exists)
			newest_kept = false;
	}
	tap_ok(oldest_gone && newest_kept, "eviction_removes_the_oldest");
	tap_ok(faccessat(dfd, "README", F_OK, 0) == 0, "eviction_leaves_other_files");
	tap_ok(faccessat(dfd, ".0000000000000000.bpf.tmp.1.2", F_OK, 0) < 0 &&
		       faccessat(dfd, ".0000000000000001.bpf.tmp.1.2", F_OK, 0) == 0,
	       "eviction_removes_stale_temporary_files");

	/* A store past the bound evicts and keeps the new entry. */
	struct petrel_seccomp *s = prepare(profile_a, cache);
	char *key = key_of(profile_a);
	petrel_seccomp_cache_name(key, name);
	tap_ok(s && entry_count(cache) == PETREL_SECCOMP_CACHE_MAX &&
		       faccessat(dfd, name, F_OK, 0) == 0 &&
		       faccessat(dfd, "0000000000000006.bpf", F_OK, 0) < 0,
	       "store_evicts_the_oldest");
	petrel_seccomp_free(s);
	free(key);
	close(dfd);
	free(cache);
}

static void test_save_load(void)
{
	struct petrel_seccomp *s = prepare(profile_a, NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s == NULL || dfd < 0)
		abort();
	s->flags = 2;
	s->notify = true;
	struct petrel_seccomp *back = NULL;
	tap_ok(petrel_seccomp_save(s, dfd, PETREL_SECCOMP_STATE_FILE, NULL) == 0 &&
		       petrel_seccomp_load(dfd, PETREL_SECCOMP_STATE_FILE, &back, NULL) == 0 &&
		       same_program(s, back) && back->flags == 2 && back->notify,
	       "state_file_round_trip");
	petrel_seccomp_free(back);
	petrel_seccomp_free(s);
	close(dfd);
}

static void test_features(void)
{
	const char **supported = petrel_seccomp_supported_flags();
	bool known = supported != NULL;
	for (size_t i = 0; known && supported[i]; i++) {
		bool found = false;
		for (size_t j = 0; petrel_seccomp_known_flags[j]; j++)
			found |= strcmp(supported[i], petrel_seccomp_known_flags[j]) == 0;
		known &= found;
	}
	tap_ok(known, "supported_flags_are_known_flags");
	free(supported);
	size_t n = 0;
	while (petrel_seccomp_actions[n])
		n++;
	tap_ok(n == 9 && strcmp(petrel_seccomp_actions[n - 1], "SCMP_ACT_NOTIFY") == 0,
	       "features_list_every_action");
	n = 0;
	while (petrel_seccomp_operators[n])
		n++;
	tap_ok(n == 7, "features_list_every_operator");
}

int main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_profile_errors();
	test_unknown_syscalls();
	test_errno_and_enosys();
	test_actions();
	test_conditions();
	test_notify();
	test_flags();
	test_send_listener();
	test_cache_key();
	test_cache_hit_and_miss();
	test_cache_eviction();
	test_save_load();
	test_features();
	tap_remove_tree(dir);
	return tap_done();
}
