/* Container state under --root: one directory per container holding
 * state.json (written atomically) and exec.fifo (present while the container
 * is created and not yet started). Every command that changes a container
 * holds an flock on its directory, so concurrent commands on one id
 * serialize instead of corrupting or losing state. */
#ifndef PETREL_STATE_H
#define PETREL_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "libocispec/ocispec.h"

enum petrel_status {
	PETREL_STATUS_CREATING,
	PETREL_STATUS_CREATED,
	PETREL_STATUS_RUNNING,
	PETREL_STATUS_PAUSED,
	PETREL_STATUS_STOPPED,
};

const char *petrel_status_name(enum petrel_status status);

#define PETREL_EXEC_FIFO "exec.fifo"

/* An open container directory, locked. */
struct petrel_container {
	char *id;
	int root_fd;                    /* the --root directory */
	int dir_fd;                     /* <root>/<id>, holding the lock */
	struct oci_petrel_state *state; /* NULL while being created */
};

/* Creates <root>/<id> (and root itself, 0700, when missing) and locks it;
 * an existing id is an error `container "x" already exists`. */
int petrel_container_new(const char *root, const char *id, struct petrel_container **out,
			 struct petrel_error **err);
/* Opens an existing container and loads its state.json; with exclusive,
 * locks it first (for changes; readers need no lock). A missing id, or one whose creation did
 * not finish, is `container "x" does not exist`. */
int petrel_container_open(const char *root, const char *id, bool exclusive,
			  struct petrel_container **out, struct petrel_error **err);
/* Writes state.json atomically (temporary file + rename). */
int petrel_container_save(struct petrel_container *c, struct petrel_error **err);
/* Removes the container's directory and everything in it; the container
 * stays locked (and unusable) until freed. */
int petrel_container_remove(struct petrel_container *c, struct petrel_error **err);
void petrel_container_free(struct petrel_container *c);

static inline void petrel_container_freep(struct petrel_container **c)
{
	petrel_container_free(*c);
}
#define cleanup_container __attribute__((cleanup(petrel_container_freep)))

/* The container's status now: stopped when its init is gone (or a zombie,
 * or its pid was reused: the start time differs), created while exec.fifo
 * exists, running otherwise. */
enum petrel_status petrel_container_status(struct petrel_container *c);

/* Start time (clock ticks since boot, /proc/<pid>/stat field 22) of pid, 0
 * when the process does not exist. With zombie set, also reports a zombie. */
unsigned long long petrel_process_start_time(pid_t pid, bool *zombie);

/* The ids under root, sorted; *n set. An absent root is an empty list. */
int petrel_container_list(const char *root, char ***ids, size_t *n, struct petrel_error **err);

/* The spec's state document for `state`, hooks and `list`. pid 0 when
 * stopped, as runc reports it. */
int petrel_container_oci_state(struct petrel_container *c, enum petrel_status status,
			       struct oci_state **out, struct petrel_error **err);
/* The same, serialized (compact), for a hook's stdin. */
int petrel_container_state_json(struct petrel_container *c, enum petrel_status status, char **out,
				struct petrel_error **err);

/* Writes pid to path atomically (as runc: the absolute pid, no newline). */
int petrel_write_pid_file(const char *path, pid_t pid, struct petrel_error **err);

#endif
