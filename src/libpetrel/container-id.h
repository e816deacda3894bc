/* The rule every command applies to a container id before using it as a
 * directory name under --root. */
#ifndef PETREL_CONTAINER_ID_H
#define PETREL_CONTAINER_ID_H

#include "error.h"

#define PETREL_CONTAINER_ID_MAX 255 /* the longest name a directory entry can have */

/* An id is 1 to PETREL_CONTAINER_ID_MAX characters of [A-Za-z0-9_+.-] and is
 * neither "." nor "..". Returns 0, or -1 with *err set. */
int petrel_validate_container_id(const char *id, struct petrel_error **err);

#endif
