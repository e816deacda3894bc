/* The runtime-spec features document of `petrel features`: only what this
 * build of petrel implements. */
#ifndef PETREL_FEATURES_H
#define PETREL_FEATURES_H

#include "error.h"
#include "libocispec/ocispec.h"

int petrel_features(struct oci_features **out, struct petrel_error **err);
/* The document as indented JSON, NUL-terminated. */
int petrel_features_json(char **out, struct petrel_error **err);

#endif
