/* Protection of the petrel binary against a container that would overwrite
 * it through /proc/<pid>/exe (CVE-2019-5736): the commands that enter a
 * container run from a sealed in-memory copy of petrel, never from the
 * writable host inode. */
#ifndef PETREL_EXE_PROTECT_H
#define PETREL_EXE_PROTECT_H

#include "error.h"

/* Returns 0 when petrel already runs from a sealed copy. Otherwise copies
 * the binary into a sealed memfd and re-executes it with the same argv and
 * environment (does not return on success). */
int petrel_run_from_sealed_copy(char **argv, char **envp, struct petrel_error **err);

#endif
