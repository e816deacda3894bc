/* The container's device nodes: the spec's default devices, linux.devices,
 * and /dev's symlinks. A node is made with mknod(2), or, where that is not
 * permitted (a user namespace), the host's node is bind-mounted onto an empty
 * file. Every path is resolved inside the rootfs. */
#ifndef PETREL_DEVICES_H
#define PETREL_DEVICES_H

#include <stdbool.h>

#include "error.h"
#include "libocispec/ocispec.h"

/* /dev/null, zero, full, random, urandom and tty (0666, root), except those
 * linux.devices (lx may be NULL) lists itself. bind: bind the host's nodes
 * instead of calling mknod. */
int petrel_devices_create_defaults(int rootfs_fd, const struct oci_linux *lx, bool bind,
				   struct petrel_error **err);
/* linux.devices in order; an existing file at a device's path must already
 * be that device. */
int petrel_devices_create_config(int rootfs_fd, const struct oci_linux *lx, bool bind,
				 struct petrel_error **err);
/* /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr -> /proc/self/fd/..., /dev/ptmx
 * -> pts/ptmx, and /dev/core -> /proc/kcore when the host has a kcore. */
int petrel_devices_create_symlinks(int rootfs_fd, struct petrel_error **err);
/* O_PATH fd of /dev/null inside root_fd, checked to be the character device
 * 1:3 (so that masking with it hides rather than exposes). */
int petrel_devices_open_null(int root_fd, int *out_fd, struct petrel_error **err);

#endif
