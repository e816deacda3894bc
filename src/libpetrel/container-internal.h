/* Shared between container.c and run.c: a container that create made, with
 * the handles `run` keeps to wait for it. */
#ifndef PETREL_CONTAINER_INTERNAL_H
#define PETREL_CONTAINER_INTERNAL_H

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

#endif
