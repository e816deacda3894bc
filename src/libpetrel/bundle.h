/* An OCI bundle: its absolute path and its config.json, loaded through
 * libocispec and checked for what the runtime needs before it starts. */
#ifndef PETREL_BUNDLE_H
#define PETREL_BUNDLE_H

#include "error.h"
#include "libocispec/ocispec.h"

struct petrel_bundle {
	char *path; /* absolute */
	struct oci_spec *spec;
};

/* Loads <dir>/config.json (dir NULL: the current directory) and validates it.
 * Errors name the file and the JSON path of what is wrong. */
int petrel_bundle_load(const char *dir, struct petrel_bundle **out, struct petrel_error **err);
void petrel_bundle_free(struct petrel_bundle *bundle);

static inline void petrel_bundle_freep(struct petrel_bundle **b)
{
	petrel_bundle_free(*b);
}
#define cleanup_bundle __attribute__((cleanup(petrel_bundle_freep)))

#endif
