/* Finding and running petrel's helper programs (helper-exec.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "helper-exec.h"

#ifndef PETREL_PKGLIBEXECDIR
#define PETREL_PKGLIBEXECDIR "/usr/local/libexec/petrel"
#endif

/* A sealed copy of petrel (exe-protect.c) has no path of its own: the
 * argv[0] it was started as stands for it. */
static bool path_from_argv0(char path[PATH_MAX])
{
	cleanup_fclose FILE *f = fopen("/proc/self/cmdline", "re");
	char arg0[PATH_MAX];
	size_t len = f ? fread(arg0, 1, sizeof(arg0) - 1, f) : 0;
	arg0[len] = '\0';
	return strchr(arg0, '/') != NULL && realpath(arg0, path) != NULL;
}

char *petrel_helper_petrel_dir(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n > 0)
		path[n] = '\0';
	bool own = n > 0 && path[0] == '/' && strncmp(path, "/memfd:", 7) != 0 &&
		   strstr(path, " (deleted)") == NULL;
	if (!own && !path_from_argv0(path))
		return NULL;
	*strrchr(path, '/') = '\0';
	return strdup(path[0] ? path : "/");
}

static char *executable_at(const char *dir, const char *name)
{
	char *path;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	if (access(path, X_OK) == 0)
		return path;
	free(path);
	return NULL;
}

int petrel_helper_find(const char *name, const char *env, char **path, struct petrel_error **err)
{
	const char *given = env ? getenv(env) : NULL;
	if (given && *given) {
		if (access(given, X_OK) < 0)
			return petrel_error_errno(err, "$%s \"%s\"", env, given);
		*path = strdup(given);
		return *path ? 0 : petrel_error_set(err, ENOMEM, "%s", name);
	}
	cleanup_free char *dir = petrel_helper_petrel_dir();
	*path = dir ? executable_at(dir, name) : NULL;
	if (*path == NULL)
		*path = executable_at(PETREL_PKGLIBEXECDIR, name);
	if (*path)
		return 0;
	return petrel_error_set(err, ENOENT,
				"the helper %s is not installed (looked next to petrel%s%s and in "
				"%s%s%s)",
				name, dir ? " in " : "", dir ? dir : "", PETREL_PKGLIBEXECDIR,
				env ? "; $" : "", env ? env : "");
}

/* In the child: fds above 2 that are not kept are closed; kept ones lose
 * O_CLOEXEC. */
static void close_other_fds(const int *keep, size_t n_keep, int report_fd)
{
	for (size_t i = 0; i < n_keep; i++)
		fcntl(keep[i], F_SETFD, 0);
	int lowest = 3;
	for (;;) {
		int next = -1;
		for (size_t i = 0; i < n_keep; i++)
			if (keep[i] >= lowest && (next < 0 || keep[i] < next))
				next = keep[i];
		if (report_fd >= lowest && (next < 0 || report_fd < next))
			next = report_fd;
		if (next < 0) {
			syscall(SYS_close_range, lowest, ~0U, 0);
			return;
		}
		if (next > lowest)
			syscall(SYS_close_range, lowest, next - 1, 0);
		lowest = next + 1;
	}
}

pid_t petrel_helper_spawn(char *const argv[], const int *keep, size_t n_keep,
			  petrel_helper_setup_fn setup, void *data, struct petrel_error **err)
{
	/* The child's failure comes back as errno + text; a successful exec
	 * closes the pipe (O_CLOEXEC) without a word. */
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return petrel_error_errno(err, "run %s: pipe", argv[0]);
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return petrel_error_errno(err, "run %s: fork", argv[0]);
	}
	if (pid == 0) {
		struct petrel_error *e = NULL;
		close(pipefd[0]);
		sigset_t none;
		sigemptyset(&none);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (setup == NULL || setup(data, &e) == 0) {
			close_other_fds(keep, n_keep, pipefd[1]);
			execv(argv[0], argv);
			petrel_error_errno(&e, "run %s", argv[0]);
		}
		int errnum = e ? e->errnum : 0;
		const char *msg = e && e->msg ? e->msg : "";
		if (write(pipefd[1], &errnum, sizeof(errnum)) == sizeof(errnum) &&
		    write(pipefd[1], msg, strlen(msg)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pipefd[1]);
	int errnum = 0;
	char msg[1024];
	ssize_t n = read(pipefd[0], &errnum, sizeof(errnum));
	ssize_t m = n == sizeof(errnum) ? read(pipefd[0], msg, sizeof(msg) - 1) : 0;
	close(pipefd[0]);
	if (n <= 0)
		return pid;
	msg[m > 0 ? m : 0] = '\0';
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return petrel_error_set(err, errnum, "%s", msg[0] ? msg : "helper setup failed");
}

int petrel_helper_wait(pid_t pid, struct petrel_error **err)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return petrel_error_errno(err, "wait for helper %d", (int)pid);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
