/* petrel's helper programs: small executables linked with the libraries the
 * static petrel binary leaves out (petrel-criu with libcriu, petrel-systemd
 * with libsystemd). Finding one, and running it with fds of petrel's. */
#ifndef PETREL_HELPER_EXEC_H
#define PETREL_HELPER_EXEC_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The path of helper `name`: $env when set (it must be executable), else
 * `name` next to the petrel binary (a build tree; for a sealed copy of petrel,
 * next to the argv[0] it was started as), else PETREL_PKGLIBEXECDIR/name.
 * ENOENT when none is there; the message says where it looked. (malloc'd) */
int petrel_helper_find(const char *name, const char *env, char **path, struct petrel_error **err);

/* The directory petrel was run from, NULL when unknown. (malloc'd) */
char *petrel_helper_petrel_dir(void);

/* What a helper's child does between fork and exec (it may fail with *err,
 * which the parent then reports). */
typedef int (*petrel_helper_setup_fn)(void *data, struct petrel_error **err);

/* Forks and execs argv[0] with argv. The fds in keep[] stay open in it (they
 * lose O_CLOEXEC), every other fd above 2 is closed; the signal mask and
 * dispositions are reset. setup (may be NULL) runs in the child first. The
 * child's pid is returned once it has exec'd; an exec or setup failure is
 * *err, the child reaped. */
pid_t petrel_helper_spawn(char *const argv[], const int *keep, size_t n_keep,
			  petrel_helper_setup_fn setup, void *data, struct petrel_error **err);

/* Waits for a helper; its exit status (128+N when killed by signal N). */
int petrel_helper_wait(pid_t pid, struct petrel_error **err);

#endif
