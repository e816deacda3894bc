/* The container's filesystem view, built by the init inside its new mount
 * namespace: root propagation, the rootfs bind, config.json's mounts, /dev
 * and its devices, pivot_root (or chroot with --no-pivot), then masked and
 * readonly paths and the read-only root. Every path inside the rootfs is
 * resolved with openat2(RESOLVE_IN_ROOT) so a hostile rootfs cannot redirect
 * a mount onto the host. */
#ifndef PETREL_ROOTFS_H
#define PETREL_ROOTFS_H

#include <stdbool.h>

#include "error.h"
#include "libocispec/ocispec.h"

struct petrel_rootfs {
	const struct oci_spec *spec;
	const char *bundle; /* absolute bundle path; root.path is relative to it */
	char *rootfs;       /* absolute, resolved root path (filled by prepare) */
	bool no_pivot;      /* --no-pivot: move the rootfs onto / and chroot */
	bool in_user_ns;    /* devices are bind-mounted from the host, not mknod'ed */
	/* Added for cgroup mounts: the init has its own cgroup namespace, so a
	 * "cgroup" mount is a new cgroup filesystem; without one, the init's own
	 * cgroup directories are bound from the host instead (a new mount would
	 * show the host's whole tree). */
	bool cgroup_ns;
	int rootfs_fd; /* O_PATH fd of the rootfs after prepare, -1 before */
	/* Idmapped bind mounts made by petrel on the host side, by index of
	 * config.json's mounts (-1: none), for a container in a user namespace
	 * of its own, where the init cannot idmap a host filesystem. NULL:
	 * none. */
	const int *idmapped_trees;
};

/* Before pivot_root: makes the mount namespace's propagation right (private
 * or as linux.rootfsPropagation says), bind-mounts the rootfs onto itself,
 * mounts config.json's mounts in order, creates /dev's default devices,
 * linux.devices, and the /dev symlinks (fd, stdin, stdout, stderr, core,
 * ptmx). */
int petrel_rootfs_prepare(struct petrel_rootfs *r, struct petrel_error **err);
/* pivot_root into the rootfs (or move + chroot), leaving / as the new root
 * and cwd. */
int petrel_rootfs_pivot(struct petrel_rootfs *r, struct petrel_error **err);
/* After pivot_root: masked paths, readonly paths, root.readonly, and the
 * rootfs propagation of the final root. */
int petrel_rootfs_finalize(struct petrel_rootfs *r, struct petrel_error **err);
void petrel_rootfs_release(struct petrel_rootfs *r);

#endif
