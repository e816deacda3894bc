/* linux.sysctl: writing each key under /proc/sys inside the container. */
#ifndef PETREL_SYSCTL_H
#define PETREL_SYSCTL_H

#include "error.h"
#include "libocispec/ocispec.h"

/* Checks the keys (no "..", no "/" components) and that each belongs to a
 * namespace the container has of its own (ns_flags: CLONE_NEW* new or
 * joined), as runc does: net.* needs a network namespace, the IPC keys an
 * IPC namespace, kernel.hostname/domainname a UTS namespace; any other key
 * would change the host and is refused. Done before anything is made. */
int petrel_sysctl_validate(const struct oci_linux *lx, int ns_flags, struct petrel_error **err);
/* Writes every key, after pivot_root into the container's /proc. */
int petrel_sysctl_apply(const struct oci_linux *lx, struct petrel_error **err);

#endif
