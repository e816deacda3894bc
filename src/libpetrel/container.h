/* The container lifecycle as the commands use it: create, start, run, kill,
 * delete, state, list. Each function does the whole operation under the
 * container's lock and cleans up everything it made when it fails. */
#ifndef PETREL_CONTAINER_H
#define PETREL_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "libocispec/ocispec.h"

struct petrel_create_options {
	const char *root;
	const char *id;
	const char *bundle; /* NULL: the current directory */
	const char *pid_file;
	const char *console_socket;
	const char *pidfd_socket; /* --pidfd-socket: gets a pidfd of the init */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	bool systemd_cgroup; /* --systemd-cgroup */
};

int petrel_create(const struct petrel_create_options *o, struct petrel_error **err);
int petrel_start(const char *root, const char *id, struct petrel_error **err);
/* create + start. Detached, returns 0 once the process runs. In the
 * foreground, forwards signals, relays the terminal, waits, deletes the
 * container unless keep, and returns the process's exit status (128+N when
 * killed by signal N). */
int petrel_run(const struct petrel_create_options *o, bool detach, bool keep, bool no_subreaper,
	       struct petrel_error **err);
int petrel_kill(const char *root, const char *id, int signum, bool all, struct petrel_error **err);
int petrel_delete(const char *root, const char *id, bool force, struct petrel_error **err);
/* The state document of one container. */
int petrel_state(const char *root, const char *id, struct oci_state **out,
		 struct petrel_error **err);
/* The states of all containers under root, sorted by id; containers that
 * vanish while listed are left out. */
int petrel_list(const char *root, struct oci_state ***out, size_t *n, struct petrel_error **err);

/* Through the container's cgroup (container-cgroup.c). pause waits until
 * every process is frozen; pids are sorted host pids; update writes only
 * the values r gives. */
int petrel_pause(const char *root, const char *id, struct petrel_error **err);
int petrel_resume(const char *root, const char *id, struct petrel_error **err);
int petrel_pids(const char *root, const char *id, pid_t **pids, size_t *n,
		struct petrel_error **err);
int petrel_update(const char *root, const char *id, const struct oci_resources *r,
		  struct petrel_error **err);

#endif
