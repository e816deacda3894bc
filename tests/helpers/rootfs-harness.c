/* rootfs-harness: builds a container's filesystem from a bundle with petrel's
 * rootfs module, the way the container init does, then runs the config's
 * process in it. For the rootfs integration tests; needs root.
 *
 *   rootfs-harness [--no-pivot] [--userns] [--cgroupns] [--debug] BUNDLE
 *
 * It unshares the mount, PID and IPC namespaces (after a user namespace
 * mapping every id to itself with --userns, where mknod and sysfs are not
 * permitted) and forks the init, which calls petrel_rootfs_prepare(), _pivot()
 * and _finalize() and execs process.args[0] (an absolute path) with
 * process.env. Exits with the process's status; 125 when the setup failed
 * (its error on stderr), 126 for a harness error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libocispec/ocispec.h"
#include "libpetrel/error.h"
#include "libpetrel/log.h"
#include "libpetrel/rootfs.h"

struct options {
	bool no_pivot, userns, cgroupns;
	const char *bundle;
};

static int die(const char *what)
{
	fprintf(stderr, "rootfs-harness: %s: %s\n", what, strerror(errno));
	return 126;
}

static int wait_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void container_init(const struct options *opt, const struct oci_spec *spec)
{
	struct petrel_rootfs r = {
		.spec = spec,
		.bundle = opt->bundle,
		.no_pivot = opt->no_pivot,
		.in_user_ns = opt->userns,
		.cgroup_ns = opt->cgroupns,
		.rootfs_fd = -1,
	};
	struct petrel_error *err = NULL;
	if (petrel_rootfs_prepare(&r, &err) < 0 || petrel_rootfs_pivot(&r, &err) < 0 ||
	    petrel_rootfs_finalize(&r, &err) < 0) {
		fprintf(stderr, "rootfs-harness: %s\n", petrel_error_message(err));
		_exit(125);
	}
	petrel_rootfs_release(&r);
	const struct oci_process *p = spec->process;
	if (p == NULL || p->args_len == 0) {
		fprintf(stderr, "rootfs-harness: process.args is empty\n");
		_exit(126);
	}
	if (p->cwd && chdir(p->cwd) < 0)
		_exit(die("chdir"));
	/* libocispec's string arrays are counted, not NULL-terminated */
	char **argv = calloc(p->args_len + 1, sizeof(char *));
	char **envp = calloc(p->env_len + 1, sizeof(char *));
	if (argv == NULL || envp == NULL)
		_exit(die("calloc"));
	memcpy(argv, p->args, p->args_len * sizeof(char *));
	if (p->env_len)
		memcpy(envp, p->env, p->env_len * sizeof(char *));
	execve(argv[0], argv, envp);
	_exit(die(argv[0]));
}

/* New mount, PID (and IPC) namespaces; the init is the first process of the
 * PID namespace. */
static int run_container(const struct options *opt, const struct oci_spec *spec)
{
	int flags =
		CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | (opt->cgroupns ? CLONE_NEWCGROUP : 0);
	if (unshare(flags) < 0)
		return die("unshare");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0)
		container_init(opt, spec);
	return wait_status(pid);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A child unshares a user namespace; the parent maps every id to itself. */
static int run_in_user_namespace(const struct options *opt, const struct oci_spec *spec)
{
	int ready[2], go[2];
	char c = 0;
	if (pipe(ready) < 0 || pipe(go) < 0)
		return die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		return die("fork");
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		if (unshare(CLONE_NEWUSER) < 0)
			_exit(die("unshare(CLONE_NEWUSER)"));
		if (write(ready[1], "1", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(die("sync"));
		_exit(run_container(opt, spec));
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1)
		return wait_status(pid);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (write_file(path, "0 0 4294967295\n") < 0)
		return die(path);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if (write_file(path, "0 0 4294967295\n") < 0)
		return die(path);
	if (write(go[1], "1", 1) != 1)
		return die("sync");
	return wait_status(pid);
}

int main(int argc, char **argv)
{
	struct options opt = {0};
	bool debug = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-pivot") == 0)
			opt.no_pivot = true;
		else if (strcmp(argv[i], "--userns") == 0)
			opt.userns = true;
		else if (strcmp(argv[i], "--cgroupns") == 0)
			opt.cgroupns = true;
		else if (strcmp(argv[i], "--debug") == 0)
			debug = true;
		else if (argv[i][0] != '-' && opt.bundle == NULL)
			opt.bundle = argv[i];
		else
			opt.bundle = NULL, i = argc;
	}
	if (opt.bundle == NULL) {
		fprintf(stderr, "usage: rootfs-harness [--no-pivot] [--userns] [--cgroupns] "
				"[--debug] BUNDLE\n");
		return 126;
	}
	char bundle[PATH_MAX], config[PATH_MAX + 16];
	if (realpath(opt.bundle, bundle) == NULL)
		return die(opt.bundle);
	opt.bundle = bundle;
	snprintf(config, sizeof(config), "%s/config.json", bundle);
	struct oci_spec *spec = NULL;
	char *msg = NULL;
	if (oci_spec_parse_file(config, "config.json", &spec, &msg) < 0) {
		fprintf(stderr, "rootfs-harness: %s\n", msg);
		free(msg);
		return 126;
	}
	petrel_log_init(NULL, PETREL_LOG_TEXT, debug, NULL);
	int status = opt.userns ? run_in_user_namespace(&opt, spec) : run_container(&opt, spec);
	oci_spec_free(spec);
	return status;
}
