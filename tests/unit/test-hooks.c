/* Unit tests for petrel_hooks_run(): stdin, argv and env exactly as given,
 * failure messages (exit status, signal, timeout, exec errors), no leaked
 * fds, and no SIGPIPE for the caller when a hook ignores its stdin. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libpetrel/error.h"
#include "libpetrel/hooks.h"
#include "tap.h"

static char dir[] = "/tmp/petrel-test-hooks.XXXXXX";

static const char *state_json = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\","
				"\"pid\":42,\"bundle\":\"/b\"}";

static char *path_in_dir(const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	int c;
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static char *write_script(const char *name, const char *body, mode_t mode)
{
	char *p = path_in_dir(name);
	FILE *f = fopen(p, "we");
	if (f == NULL)
		abort();
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(p, mode);
	return p;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A hook running `sh -c SCRIPT` with extra arguments after the script. */
static struct oci_hook sh_hook(char **args, size_t n)
{
	return (struct oci_hook){.path = (char *)"/bin/sh", .args = args, .args_len = n};
}

static int run_one(const char *kind, struct oci_hook *h, const char *state,
		   struct petrel_error **err)
{
	return petrel_hooks_run(kind, h, 1, state, err);
}

static void test_success_and_order(void)
{
	char *out = path_in_dir("order.out");
	char *script;
	if (asprintf(&script, "echo \"$1\" >> '%s'", out) < 0)
		abort();
	char *a1[] = {"sh", "-c", script, "sh", "first"};
	char *a2[] = {"sh", "-c", script, "sh", "second"};
	struct oci_hook hooks[] = {sh_hook(a1, 5), sh_hook(a2, 5)};
	struct petrel_error *err = NULL;
	int r = petrel_hooks_run("prestart", hooks, 2, state_json, &err);
	tap_ok(r == 0, "hooks_run_succeeds_when_every_hook_exits_zero%s%s", err ? ": " : "",
	       err ? petrel_error_message(err) : "");
	char *got = read_file(out);
	tap_is_str(got, "first\nsecond\n", "hooks_run_runs_hooks_in_order");
	tap_ok(petrel_hooks_run("prestart", NULL, 0, state_json, &err) == 0,
	       "hooks_run_accepts_an_empty_list");
	free(got);
	free(script);
	free(out);
	petrel_error_free(err);
}

static void test_stops_at_first_failure(void)
{
	char *marker = path_in_dir("after-failure.out");
	char *touch;
	if (asprintf(&touch, "touch '%s'", marker) < 0)
		abort();
	char *a1[] = {"sh", "-c", "exit 0"};
	char *a2[] = {"sh", "-c", "exit 1"};
	char *a3[] = {"sh", "-c", touch};
	struct oci_hook hooks[] = {sh_hook(a1, 3), sh_hook(a2, 3), sh_hook(a3, 3)};
	struct petrel_error *err = NULL;
	int r = petrel_hooks_run("poststart", hooks, 3, state_json, &err);
	tap_ok(r < 0 && access(marker, F_OK) < 0, "hooks_run_stops_at_the_first_failing_hook");
	free(touch);
	free(marker);
	petrel_error_free(err);
}

static void test_stdin(void)
{
	char *out = path_in_dir("stdin.out");
	char *a[] = {"sh", "-c", "cat > \"$1\"", "sh", out};
	struct oci_hook h = sh_hook(a, 5);
	struct petrel_error *err = NULL;
	int r = run_one("createRuntime", &h, state_json, &err);
	char *got = read_file(out);
	tap_ok(r == 0, "hook_reading_stdin_succeeds");
	tap_is_str(got, state_json, "hook_stdin_is_the_state_json");
	free(got);

	/* Larger than a pipe buffer: the feed has to go on while the hook
	 * reads. */
	size_t big_len = 300 * 1024;
	char *big = malloc(big_len + 1);
	for (size_t i = 0; i < big_len; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len] = '\0';
	r = run_one("createRuntime", &h, big, &err);
	got = read_file(out);
	tap_ok(r == 0 && got && strcmp(got, big) == 0,
	       "hook_stdin_carries_a_state_larger_than_a_pipe_buffer (got %zu bytes)",
	       got ? strlen(got) : 0);
	free(got);
	free(big);

	r = run_one("createRuntime", &h, NULL, &err);
	got = read_file(out);
	tap_is_str(got, "", "hook_stdin_is_empty_without_state");
	free(got);
	free(out);
	petrel_error_free(err);
}

static void test_args_and_env(void)
{
	char *out = path_in_dir("argv.out");
	char *envout = path_in_dir("env.out");
	char *script;
	/* /proc/$$/cmdline and environ are exactly what execve() received. */
	if (asprintf(&script,
		     "tr '\\0' '\\n' < /proc/$$/cmdline > '%s'; tr '\\0' '\\n' < /proc/$$/environ "
		     "> '%s'",
		     out, envout) < 0)
		abort();
	char *args[] = {"custom-argv0", "-c", script, "name", "a b", ""};
	char *env[] = {"FOO=bar", "EMPTY=", "SPACES=x y z"};
	struct oci_hook h = sh_hook(args, 6);
	h.env = env;
	h.env_len = 3;
	struct petrel_error *err = NULL;
	int r = run_one("createContainer", &h, state_json, &err);
	tap_ok(r == 0, "hook_with_args_and_env_succeeds");
	char *want_argv;
	if (asprintf(&want_argv, "custom-argv0\n-c\n%s\nname\na b\n\n", script) < 0)
		abort();
	char *got = read_file(out);
	tap_is_str(got, want_argv, "hook_argv_is_args_verbatim_including_argv0");
	free(got);
	got = read_file(envout);
	tap_is_str(got, "FOO=bar\nEMPTY=\nSPACES=x y z\n", "hook_env_is_exactly_the_given_env");
	free(got);

	/* Without env the environment is empty, not petrel's. */
	setenv("PETREL_TEST_LEAK", "1", 1);
	h.env = NULL;
	h.env_len = 0;
	r = run_one("createContainer", &h, state_json, &err);
	got = read_file(envout);
	tap_is_str(r == 0 ? got : "(hook failed)", "",
		   "hook_without_env_gets_an_empty_environment");
	free(got);

	/* Without args, argv is {path}. /bin/sh with no arguments reads its
	 * commands from stdin, which is the "state" here. */
	char *commands;
	if (asprintf(&commands, "tr '\\0' '\\n' < /proc/$$/cmdline > '%s'\n", out) < 0)
		abort();
	struct oci_hook bare = {.path = (char *)"/bin/sh"};
	r = run_one("createContainer", &bare, commands, &err);
	got = read_file(out);
	tap_is_str(r == 0 ? got : "(hook failed)", "/bin/sh\n", "hook_without_args_gets_argv_path");
	free(got);
	free(commands);
	free(want_argv);
	free(script);
	free(out);
	free(envout);
	petrel_error_free(err);
}

static void test_failures(void)
{
	struct petrel_error *err = NULL;
	char *fail = write_script("fail.sh", "exit 3", 0755);
	struct oci_hook h = {.path = fail};
	int r = run_one("createRuntime", &h, state_json, &err);
	char *want;
	if (asprintf(&want, "createRuntime hook \"%s\": exit status 3", fail) < 0)
		abort();
	tap_is_str(r < 0 ? petrel_error_message(err) : "(succeeded)", want,
		   "hook_exit_status_is_reported");
	free(want);

	char *killed = write_script("killed.sh", "kill -9 $$", 0755);
	h.path = killed;
	r = run_one("poststop", &h, state_json, &err);
	if (asprintf(&want, "poststop hook \"%s\": killed by signal 9", killed) < 0)
		abort();
	tap_is_str(r < 0 ? petrel_error_message(err) : "(succeeded)", want,
		   "hook_killed_by_a_signal_is_reported");
	free(want);

	char *missing = path_in_dir("does-not-exist");
	h.path = missing;
	r = run_one("prestart", &h, state_json, &err);
	if (asprintf(&want, "prestart hook \"%s\": exec: No such file or directory", missing) < 0)
		abort();
	tap_is_str(r < 0 ? petrel_error_message(err) : "(succeeded)", want,
		   "missing_hook_reports_exec_enoent");
	tap_ok(r < 0 && err->errnum == ENOENT, "missing_hook_error_carries_enoent");
	free(want);

	char *noexec = write_script("noexec.sh", "exit 0", 0644);
	h.path = noexec;
	r = run_one("startContainer", &h, state_json, &err);
	if (asprintf(&want, "startContainer hook \"%s\": exec: Permission denied", noexec) < 0)
		abort();
	tap_is_str(r < 0 ? petrel_error_message(err) : "(succeeded)", want,
		   "non_executable_hook_reports_exec_eacces");
	free(want);

	free(fail);
	free(killed);
	free(missing);
	free(noexec);
	petrel_error_free(err);
}

static void test_timeout(void)
{
	struct petrel_error *err = NULL;
	char *a[] = {"sh", "-c", "exec sleep 10"};
	struct oci_hook h = sh_hook(a, 3);
	h.timeout = 1;
	h.has_timeout = true;
	double start = now();
	int r = run_one("prestart", &h, state_json, &err);
	double took = now() - start;
	tap_is_str(r < 0 ? petrel_error_message(err) : "(succeeded)",
		   "prestart hook \"/bin/sh\": timed out after 1 seconds",
		   "hook_timeout_is_reported");
	tap_ok(took >= 0.9 && took < 2.5, "hook_timeout_kills_the_hook_at_the_deadline (%.2f s)",
	       took);

	/* A hook that neither reads its stdin nor exits: the write of a state
	 * bigger than the pipe must not hold us past the deadline. */
	size_t big_len = 100 * 1024;
	char *big = malloc(big_len + 1);
	memset(big, 'x', big_len);
	big[big_len] = '\0';
	start = now();
	r = run_one("prestart", &h, big, &err);
	took = now() - start;
	tap_ok(r < 0 && took < 2.5,
	       "hook_timeout_holds_while_the_state_does_not_fit_the_pipe (%.2f s)", took);

	/* A timeout that is not reached changes nothing. */
	char *quick[] = {"sh", "-c", "exit 0"};
	struct oci_hook q = sh_hook(quick, 3);
	q.timeout = 5;
	q.has_timeout = true;
	tap_ok(run_one("prestart", &q, state_json, &err) == 0, "hook_within_its_timeout_succeeds");
	free(big);
	petrel_error_free(err);
}

/* The caller must survive a hook that exits without reading a state bigger
 * than the pipe buffer, and be left with neither SIGPIPE pending nor its
 * signal mask changed. Run in a child so a SIGPIPE death is observable. */
static void test_no_sigpipe(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		size_t big_len = 100 * 1024;
		char *big = malloc(big_len + 1);
		memset(big, 'x', big_len);
		big[big_len] = '\0';
		struct oci_hook h = {.path = (char *)"/bin/true"};
		sigset_t before, after, pending;
		sigprocmask(SIG_SETMASK, NULL, &before);
		struct petrel_error *err = NULL;
		int r = petrel_hooks_run("poststart", &h, 1, big, &err);
		sigprocmask(SIG_SETMASK, NULL, &after);
		sigpending(&pending);
		if (r < 0)
			_exit(2);
		if (sigismember(&pending, SIGPIPE))
			_exit(3);
		if (sigismember(&after, SIGPIPE) != sigismember(&before, SIGPIPE))
			_exit(4);
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "hook_not_reading_stdin_does_not_sigpipe_the_caller (%s %d)",
	       WIFSIGNALED(status) ? "signal" : "exit",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static void test_no_leaked_fds(void)
{
	int fd = open("/dev/null", O_RDONLY); /* deliberately inheritable */
	int r = dup2(fd, 42);
	close(fd);
	tap_ok(r == 42 && fcntl(42, F_GETFD) == 0, "test_fd_42_is_open_and_inheritable");
	char *a[] = {"sh", "-c",
		     "test -e /proc/$$/fd/42 && exit 7; test -e /proc/$$/fd/2 || exit 8"};
	struct oci_hook h = sh_hook(a, 3);
	struct petrel_error *err = NULL;
	r = run_one("createRuntime", &h, state_json, &err);
	tap_ok(r == 0, "hook_inherits_only_stdio_fds%s%s", err ? ": " : "",
	       err ? petrel_error_message(err) : "");
	close(42);
	petrel_error_free(err);
}

int main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_success_and_order();
	test_stops_at_first_failure();
	test_stdin();
	test_args_and_env();
	test_failures();
	test_timeout();
	test_no_sigpipe();
	test_no_leaked_fds();

	tap_remove_tree(dir);
	return tap_done();
}
