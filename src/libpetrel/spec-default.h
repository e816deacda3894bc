/* The default config.json that `petrel spec` writes: runc's equivalent
 * (terminal `sh`, the default mounts, masked and readonly paths, the default
 * capability set and namespaces), or its rootless variant. */
#ifndef PETREL_SPEC_DEFAULT_H
#define PETREL_SPEC_DEFAULT_H

#include <stdbool.h>

#include "error.h"
#include "libocispec/ocispec.h"

int petrel_spec_default(bool rootless, struct oci_spec **out, struct petrel_error **err);
/* Writes the default spec to <bundle>/config.json; an existing file is an
 * error and is left alone. */
int petrel_spec_write(const char *bundle, bool rootless, struct petrel_error **err);

#endif
