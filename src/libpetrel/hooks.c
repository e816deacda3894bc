/* OCI hooks: one child per hook with the state JSON on its stdin, its args
 * and env exactly as the spec gives them, a deadline enforced through a
 * pidfd, and exec failures carried back from the child over a CLOEXEC pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "hooks.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* When pidfd_open() is missing (Linux < 5.3) the wait falls back to polling
 * waitpid() at this interval. */
#define FALLBACK_POLL_MS 10

static int sys_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

static int sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
#ifdef SYS_close_range
	return (int)syscall(SYS_close_range, first, last, flags);
#else
	(void)first;
	(void)last;
	(void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Moves a pipe end above 2, so that a caller running with a closed stdin or
 * stdout cannot have it land on a descriptor the child is about to replace. */
static int fd_above_stdio(int fd)
{
	if (fd > 2)
		return fd;
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int saved = errno;
	close(fd);
	errno = saved;
	return moved;
}

static int make_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fds[0] = fd_above_stdio(fds[0]);
	fds[1] = fd_above_stdio(fds[1]);
	if (fds[0] < 0 || fds[1] < 0) {
		int saved = errno;
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		errno = saved;
		return -1;
	}
	return 0;
}

/* Marks every fd from 3 up CLOEXEC (so the errno pipe stays usable until
 * execve succeeds), falling back to closing all but `keep` on older kernels.
 * Runs in the forked child: async-signal-safe calls only. */
static void close_inherited_fds(int keep)
{
	if (sys_close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	if ((keep == 3 || sys_close_range(3, (unsigned int)keep - 1, 0) == 0) &&
	    sys_close_range((unsigned int)keep + 1, ~0U, 0) == 0)
		return;
	struct rlimit rl;
	int max = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (int fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/* The hook's side of the fork: never returns. */
static void __attribute__((noreturn))
exec_hook(const char *path, char *const argv[], char *const envp[], int stdin_fd, int errno_fd)
{
	sigset_t none;
	int e;

	/* The caller may block signals for its own event loop, or ignore
	 * SIGPIPE; the hook starts with the defaults. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);

	if (dup2(stdin_fd, STDIN_FILENO) < 0)
		goto fail;
	close_inherited_fds(errno_fd);
	execve(path, argv, envp);
fail:
	e = errno;
	while (write(errno_fd, &e, sizeof(e)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/* Reads the errno the child sends when execve fails: 0 when it succeeded
 * (the pipe closed on exec). */
static int read_exec_errno(int fd)
{
	int e = 0;
	ssize_t r;
	do
		r = read(fd, &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)sizeof(e) ? e : 0;
}

/* Writes what the pipe takes now without raising SIGPIPE: the signal is
 * blocked around the write and a SIGPIPE it raised is consumed, unless one
 * was already pending for the caller before (then it is left alone). */
static ssize_t write_nosigpipe(int fd, const char *buf, size_t len)
{
	sigset_t pipe_set, old, pending;
	bool was_pending;
	ssize_t r;
	int saved;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	r = write(fd, buf, len);
	saved = errno;
	/* Not only on EPIPE: a write that partly succeeded before the reader
	 * left returns a count and still raises the signal. */
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE)) {
		struct timespec zero = {0, 0};
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return r;
}

struct hook_child {
	pid_t pid;
	int pidfd;    /* -1 without pidfd_open() */
	int stdin_fd; /* write end, -1 once everything was written */
	const char *data;
	size_t len, written;
};

/* Feeds stdin while it can be written; closes it once all is written or the
 * hook stopped reading (EPIPE: a hook need not read its stdin). */
static void feed_stdin(struct hook_child *c)
{
	while (c->stdin_fd >= 0) {
		if (c->written == c->len) {
			close(c->stdin_fd);
			c->stdin_fd = -1;
			break;
		}
		ssize_t r = write_nosigpipe(c->stdin_fd, c->data + c->written, c->len - c->written);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0) {
			close(c->stdin_fd);
			c->stdin_fd = -1;
			break;
		}
		c->written += (size_t)r;
	}
}

/* Waits for the hook to exit while feeding its stdin. Returns 1 when it
 * exited (status in *status), 0 when the deadline passed first (the child is
 * still running), -1 on error. deadline < 0 means none. */
static int wait_hook(struct hook_child *c, int64_t deadline, int *status)
{
	for (;;) {
		feed_stdin(c);

		pid_t r = waitpid(c->pid, status, WNOHANG);
		if (r == c->pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;

		int timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return 0;
			timeout = left > INT_MAX ? INT_MAX : (int)left;
		}
		if (c->pidfd < 0 && (timeout < 0 || timeout > FALLBACK_POLL_MS))
			timeout = FALLBACK_POLL_MS;

		struct pollfd fds[2];
		nfds_t n = 0;
		if (c->pidfd >= 0)
			fds[n++] = (struct pollfd){.fd = c->pidfd, .events = POLLIN};
		if (c->stdin_fd >= 0)
			fds[n++] = (struct pollfd){.fd = c->stdin_fd, .events = POLLOUT};
		if (poll(fds, n, timeout) < 0 && errno != EINTR)
			return -1;
	}
}

/* argv/envp as NULL-terminated pointer arrays, built before the fork so the
 * child allocates nothing. */
static char **string_vector(char *const *items, size_t len)
{
	char **v = calloc(len + 1, sizeof(char *));
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		v[i] = items[i];
	return v;
}

static int run_hook(const char *kind, const struct oci_hook *hook, const char *state_json,
		    struct petrel_error **err)
{
	const char *path = hook->path;
	cleanup_free char **argv = NULL;
	cleanup_free char **envp = NULL;
	cleanup_close int stdin_r = -1, stdin_w = -1, errno_r = -1, errno_w = -1, pidfd = -1;
	int fds[2];

	if (path == NULL || path[0] == '\0')
		return petrel_error_set(err, EINVAL, "%s hook: no path", kind);

	/* args has execv()'s argv semantics: args[0] is what the hook sees
	 * as its name. Without args, the path alone. */
	if (hook->args && hook->args_len > 0) {
		argv = string_vector(hook->args, hook->args_len);
	} else {
		char *only = (char *)path;
		argv = string_vector(&only, 1);
	}
	envp = string_vector(hook->env, hook->env ? hook->env_len : 0);
	if (argv == NULL || envp == NULL)
		return petrel_error_set(err, ENOMEM, "%s hook \"%s\"", kind, path);

	if (make_pipe(fds) < 0)
		return petrel_error_errno(err, "%s hook \"%s\": pipe", kind, path);
	stdin_r = fds[0];
	stdin_w = fds[1];
	if (make_pipe(fds) < 0)
		return petrel_error_errno(err, "%s hook \"%s\": pipe", kind, path);
	errno_r = fds[0];
	errno_w = fds[1];

	pid_t pid = fork();
	if (pid < 0)
		return petrel_error_errno(err, "%s hook \"%s\": fork", kind, path);
	if (pid == 0)
		exec_hook(path, argv, envp, stdin_r, errno_w);

	/* From here on the child must be reaped on every path. */
	int64_t deadline = -1;
	if (hook->has_timeout && hook->timeout > 0)
		deadline = now_ms() + (hook->timeout > INT64_MAX / 2000 ? INT64_MAX / 2
									: hook->timeout * 1000);
	close(steal_fd(&stdin_r));
	close(steal_fd(&errno_w));
	pidfd = sys_pidfd_open(pid);

	int status = 0;
	int exec_errno = read_exec_errno(errno_r);
	if (exec_errno) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return petrel_error_set(err, exec_errno, "%s hook \"%s\": exec", kind, path);
	}

	if (fcntl(stdin_w, F_SETFL, O_NONBLOCK) < 0) {
		/* Unlikely; without it a hook that never reads could block us
		 * past the deadline, so give up on stdin instead. */
		close(steal_fd(&stdin_w));
	}
	struct hook_child child = {
		.pid = pid,
		.pidfd = pidfd,
		.stdin_fd = steal_fd(&stdin_w),
		.data = state_json ? state_json : "",
		.len = state_json ? strlen(state_json) : 0,
	};
	int r = wait_hook(&child, deadline, &status);
	if (child.stdin_fd >= 0)
		close(child.stdin_fd);
	if (r <= 0) {
		int saved = errno;
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (r < 0)
			return petrel_error_set(err, saved, "%s hook \"%s\": wait", kind, path);
		return petrel_error_set(err, 0, "%s hook \"%s\": timed out after %lld seconds",
					kind, path, (long long)hook->timeout);
	}

	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return petrel_error_set(err, 0, "%s hook \"%s\": exit status %d", kind, path,
					WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return petrel_error_set(err, 0, "%s hook \"%s\": killed by signal %d", kind, path,
					WTERMSIG(status));
	return 0;
}

int petrel_hooks_run(const char *kind, const struct oci_hook *hooks, size_t n,
		     const char *state_json, struct petrel_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (run_hook(kind, &hooks[i], state_json, err) < 0)
			return -1;
	return 0;
}
