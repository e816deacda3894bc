/* What the parent hands to the container's init, which starts as a clone of
 * the parent (no re-exec): the parsed config and the fds it needs. */
#ifndef PETREL_INIT_H
#define PETREL_INIT_H

#include <stdbool.h>

#include "capabilities.h"
#include "cgroup.h"
#include "libocispec/ocispec.h"
#include "namespaces.h"
#include "seccomp.h"

struct petrel_init {
	const struct oci_spec *spec;
	const char *id;
	const char *bundle;
	int sync_fd;        /* the init's end of the sync socketpair */
	int state_dir_fd;   /* O_PATH fd of the container's state directory */
	int console_fd;     /* connected --console-socket, or -1 */
	bool pty_to_parent; /* send the pty master to petrel (run in the foreground) */
	bool no_pivot;
	bool no_new_keyring;
	int pass_fds;   /* fds 3..3+pass_fds-1 go to the process */
	int listen_fds; /* of which the first listen_fds are $LISTEN_FDS */
	bool stage1;    /* namespaces are joined/unshared here, not by clone */
	/* The init's cgroup: it moves itself in (join_cgroup) as its first
	 * step, or petrel moves it after the clone (wait_cgroup: it waits for
	 * that) when a new user namespace leaves it no rights over the host's
	 * cgroupfs. Only then does it make its cgroup namespace, so that the
	 * namespace's root is the container's cgroup. */
	const struct petrel_cgroup *cgroup;
	bool born_in_v2; /* cloned into its v2 cgroup */
	bool join_cgroup;
	bool wait_cgroup;
	bool unshare_cgroupns;
	struct petrel_ns_plan *plan;
	struct petrel_caps caps;
	int host_pid;                         /* the init's pid as petrel sees it */
	int cwd_fd;                           /* process.cwd, resolved inside the root */
	const struct petrel_seccomp *seccomp; /* compiled linux.seccomp, or NULL */
	const int *idmapped_trees;            /* see struct petrel_rootfs */
};

/* Runs the init: namespaces, rootfs, process setup, wait for start, execve.
 * Never returns; errors go to the parent (before "ready") or to `start`
 * through exec.fifo (after), then the init exits. */
__attribute__((noreturn)) void petrel_init_main(struct petrel_init *init);

#endif
