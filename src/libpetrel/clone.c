/* clone3 and pidfds. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>

#include "clone.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

pid_t petrel_clone(unsigned long flags, int *pidfd, const int *cgroup_fd, struct petrel_error **err)
{
	int fd = -1;
	struct clone_args_v2 args = {
		.flags = flags | (pidfd ? CLONE_PIDFD : 0),
		.pidfd = (uint64_t)(uintptr_t)&fd,
		/* A sibling (CLONE_PARENT) inherits the caller's exit signal;
		 * clone3 refuses one given with it. */
		.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD,
	};
	if (cgroup_fd && *cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)*cgroup_fd;
	}
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS && !(args.flags & CLONE_INTO_CGROUP)) {
		/* Before Linux 5.3: clone() with the same flags. */
		pid = syscall(SYS_clone, (unsigned long)args.flags | SIGCHLD, 0, &fd, 0, 0);
	}
	if (pid < 0)
		return petrel_error_errno(err, "clone (flags 0x%lx)", flags);
	if (pid > 0 && pidfd)
		*pidfd = fd;
	return (pid_t)pid;
}

int petrel_pidfd_open(pid_t pid, struct petrel_error **err)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return petrel_error_errno(err, "pidfd_open %d", pid);
	return fd;
}

int petrel_pidfd_signal(int pidfd, int sig, struct petrel_error **err)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return petrel_error_errno(err, "send signal %d", sig);
	return 0;
}

int petrel_pidfd_wait_exit(int pidfd, int timeout_ms, struct petrel_error **err)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r > 0)
			return 0;
		if (r == 0)
			return petrel_error_set(err, ETIMEDOUT, "process did not exit");
		if (errno != EINTR)
			return petrel_error_errno(err, "wait for process");
	}
}
