/* Shared between container.c, run.c, exec.c and criu.c: a container that create
 * made, with the handles `run` keeps to wait for it, and the foreground wait
 * of `run` and `exec`. */
#ifndef PETREL_CONTAINER_INTERNAL_H
#define PETREL_CONTAINER_INTERNAL_H

#include <signal.h>
#include <sys/types.h>

#include "bundle.h"
#include "container.h"
#include "state.h"

struct petrel_created {
	struct petrel_bundle *bundle;
	struct petrel_container *container; /* locked */
	pid_t pid;                          /* the init */
	int pidfd;                          /* of the init */
	int pty_master;                     /* in the foreground without a console socket */
};

/* create; with foreground, a terminal without a console socket is allowed
 * and its master comes back in cr->pty_master. */
int petrel_create_container(const struct petrel_create_options *o, bool foreground,
			    struct petrel_created *cr, struct petrel_error **err);
void petrel_created_release(struct petrel_created *cr);
int petrel_start_locked(struct petrel_container *c, struct petrel_error **err);
int petrel_delete_locked(struct petrel_container *c, bool force, struct petrel_error **err);

/* restore (criu.c): the container without its init, the cgroup made;
 * then the restored init recorded (cr->pid set by the caller); or, on
 * failure, everything undone. */
struct petrel_cgroup;
int petrel_restore_prepare(const struct petrel_create_options *o, bool foreground,
			   struct petrel_created *cr, struct petrel_cgroup **cg,
			   struct petrel_error **err);
int petrel_restore_finish(struct petrel_created *cr, const struct petrel_cgroup *cg,
			  const char *pid_file, struct petrel_error **err);
void petrel_restore_abort(struct petrel_created *cr, struct petrel_cgroup *cg);

/* The foreground of `run` and `exec` (run.c). The signals petrel passes on
 * to the process it waits for: the caller blocks them before the process
 * exists, so that none is lost. */
void petrel_forwarded_signals(sigset_t *set);
/* Before a foreground process exists: *forward is filled, those signals
 * blocked (the old mask in *old), and petrel made a child subreaper unless
 * no_subreaper. */
int petrel_foreground_prepare(bool no_subreaper, sigset_t *forward, sigset_t *old,
			      struct petrel_error **err);
/* Stays with the process pid (petrel's child; pidfd its pidfd): relays the
 * pty master (-1: none) to petrel's stdio with petrel's terminal in raw mode,
 * forwards the signals of *forward (blocked by the caller), reaps it and
 * returns its exit status (128+N when killed by signal N), or -1 with *err. */
int petrel_foreground_wait(pid_t pid, int pidfd, int master, const sigset_t *forward,
			   struct petrel_error **err);
/* The end of a foreground run or restore of cr: petrel_foreground_wait(),
 * then cr released, the container deleted unless keep, and the signal mask
 * restored; the process's exit status, or -1 with *err. */
int petrel_foreground_finish(struct petrel_created *cr, const char *root, const char *id, bool keep,
			     const sigset_t *forward, const sigset_t *old,
			     struct petrel_error **err);
/* Discards the forwarded signals still pending (they came for a process
 * that is gone, and would otherwise stop petrel) and restores *old. */
void petrel_forwarded_signals_restore(const sigset_t *forward, const sigset_t *old);

#endif
