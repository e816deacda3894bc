/* linux.sysctl: writing each key under /proc/sys inside the container. */
#ifndef PETREL_SYSCTL_H
#define PETREL_SYSCTL_H

#include "error.h"
#include "libocispec/ocispec.h"

/* Checks the keys (no "..", no "/" components); done before anything is made. */
int petrel_sysctl_validate(const struct oci_linux *lx, struct petrel_error **err);
/* Writes every key, after pivot_root into the container's /proc. */
int petrel_sysctl_apply(const struct oci_linux *lx, struct petrel_error **err);

#endif
