/* Creating processes with clone3: new namespaces at birth, a pidfd for
 * race-free signalling and waiting, and (later) CLONE_INTO_CGROUP. */
#ifndef PETREL_CLONE_H
#define PETREL_CLONE_H

#include <sys/types.h>

#include "error.h"

/* Like fork() with clone flags: returns the child's pid in the parent and 0
 * in the child. When pidfd is not NULL it receives a pidfd (O_CLOEXEC) of
 * the child. cgroup_fd >= 0 puts the child into that cgroup at birth. */
pid_t petrel_clone(unsigned long flags, int *pidfd, const int *cgroup_fd,
		   struct petrel_error **err);

/* pidfd_open(pid), or -1 with *err. */
int petrel_pidfd_open(pid_t pid, struct petrel_error **err);
/* Sends a signal through a pidfd. */
int petrel_pidfd_signal(int pidfd, int sig, struct petrel_error **err);
/* Waits up to timeout_ms (-1: forever) for the process to exit; 0 when it
 * did, -1 with ETIMEDOUT otherwise. */
int petrel_pidfd_wait_exit(int pidfd, int timeout_ms, struct petrel_error **err);

#endif
