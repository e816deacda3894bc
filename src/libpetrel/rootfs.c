/* The container's filesystem view, in the order the init builds it: the
 * propagation that keeps its mounts from the host, the rootfs bound onto
 * itself, config.json's mounts, /dev, pivot_root, then masked and readonly
 * paths, the read-only root and the rootfs propagation. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "devices.h"
#include "log.h"
#include "mounts.h"
#include "rootfs.h"

static const struct oci_linux *linux_of(const struct petrel_rootfs *r)
{
	return r->spec ? r->spec->linux : NULL;
}

/* root.path, absolute or relative to the bundle, must be a directory. */
static int resolve_rootfs(struct petrel_rootfs *r, struct petrel_error **err)
{
	const struct oci_root *root = r->spec ? r->spec->root : NULL;
	if (root == NULL || root->path == NULL || root->path[0] == '\0')
		return petrel_error_set(err, 0, "root.path is missing");
	cleanup_free char *path = NULL;
	if (root->path[0] == '/')
		path = strdup(root->path);
	else if (r->bundle == NULL)
		return petrel_error_set(
			err, 0, "root.path \"%s\" is relative, and there is no bundle", root->path);
	else if (asprintf(&path, "%s/%s", r->bundle, root->path) < 0)
		path = NULL;
	if (path == NULL)
		return petrel_error_set(err, ENOMEM, "rootfs");
	char resolved[PATH_MAX];
	struct stat st;
	if (realpath(path, resolved) == NULL || stat(resolved, &st) < 0)
		return petrel_error_errno(err, "rootfs \"%s\"", path);
	if (!S_ISDIR(st.st_mode))
		return petrel_error_set(err, ENOTDIR, "rootfs \"%s\"", path);
	free(r->rootfs);
	r->rootfs = strdup(resolved);
	if (r->rootfs == NULL)
		return petrel_error_set(err, ENOMEM, "rootfs");
	return 0;
}

/* linux.rootfsPropagation as MS_* flags; 0 when absent. */
static int rootfs_propagation(const struct petrel_rootfs *r, unsigned long *out,
			      struct petrel_error **err)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} values[] = {
		{"shared", MS_SHARED},
		{"slave", MS_SLAVE},
		{"private", MS_PRIVATE},
		{"unbindable", MS_UNBINDABLE},
		{"rshared", MS_SHARED | MS_REC},
		{"rslave", MS_SLAVE | MS_REC},
		{"rprivate", MS_PRIVATE | MS_REC},
		{"runbindable", MS_UNBINDABLE | MS_REC},
	};
	const struct oci_linux *lx = linux_of(r);
	*out = 0;
	if (lx == NULL || lx->rootfs_propagation == NULL || lx->rootfs_propagation[0] == '\0')
		return 0;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		if (strcmp(values[i].name, lx->rootfs_propagation) == 0) {
			*out = values[i].flags;
			return 0;
		}
	}
	return petrel_error_set(err, 0, ".linux.rootfsPropagation: unknown value \"%s\"",
				lx->rootfs_propagation);
}

static int find_mount_point(const struct petrel_mountinfo *m, void *data, struct petrel_error **err)
{
	struct {
		int id;
		char *mount_point;
		bool shared;
	} *want = data;
	if (m->id != want->id)
		return 0;
	want->shared = strstr(m->optional, "shared:") != NULL;
	want->mount_point = strdup(m->mount_point);
	return want->mount_point ? 1 : petrel_error_set(err, ENOMEM, "mountinfo");
}

/* The mount the rootfs bind will sit on must not be shared: pivot_root
 * refuses that, and the bind would reach its peers on the host. */
static int unshare_rootfs_parent(const char *rootfs, struct petrel_error **err)
{
	cleanup_close int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	uint64_t id;
	if (fd < 0)
		return petrel_error_errno(err, "open rootfs \"%s\"", rootfs);
	if (petrel_mount_id(fd, &id, err) < 0)
		return petrel_error_prefix(err, "rootfs \"%s\"", rootfs);
	struct {
		int id;
		char *mount_point;
		bool shared;
	} want = {(int)id, NULL, false};
	if (petrel_mountinfo_foreach(find_mount_point, &want, err) < 0)
		return -1;
	cleanup_free char *mount_point = want.mount_point;
	if (mount_point == NULL || !want.shared)
		return 0;
	if (mount(NULL, mount_point, NULL, MS_SLAVE, NULL) < 0)
		return petrel_error_errno(err, "make \"%s\" a slave mount", mount_point);
	return 0;
}

/* Nothing mounted from here on may propagate to the host. Recursively slave
 * (the runtime default: host mounts still appear) or private; for a shared
 * rootfs propagation only "/" and the rootfs's parent stop being shared, so
 * that a bind with "rshared" can still join its source's peers on the host,
 * as such binds mean to. */
static int set_host_propagation(struct petrel_rootfs *r, unsigned long wanted,
				struct petrel_error **err)
{
	unsigned long flags = MS_SLAVE | MS_REC;
	if (wanted & MS_SHARED)
		flags = MS_SLAVE;
	else if (wanted & (MS_PRIVATE | MS_UNBINDABLE))
		flags = MS_PRIVATE | MS_REC;
	if (mount(NULL, "/", NULL, flags, NULL) < 0)
		return petrel_error_errno(err, "make / %s%s", flags & MS_REC ? "r" : "",
					  flags & MS_PRIVATE ? "private" : "slave");
	return unshare_rootfs_parent(r->rootfs, err);
}

/* pivot_root needs the new root to be a mount: the rootfs is bound onto
 * itself (with its submounts); the O_PATH fd of that bind is rootfs_fd. */
static int bind_rootfs(struct petrel_rootfs *r, struct petrel_error **err)
{
	cleanup_close int dir = open(r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return petrel_error_errno(err, "open rootfs \"%s\"", r->rootfs);
	cleanup_close int tree = petrel_open_tree(
		dir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0 || petrel_move_mount(tree, "", dir, "",
					  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return petrel_error_errno(err, "bind rootfs \"%s\" onto itself", r->rootfs);
	if (r->rootfs_fd >= 0)
		close(r->rootfs_fd);
	r->rootfs_fd = steal_fd(&tree);
	return 0;
}

static int mount_config_mounts(struct petrel_rootfs *r, struct petrel_error **err)
{
	const struct petrel_mount_context ctx = {
		.rootfs_fd = r->rootfs_fd,
		.bundle = r->bundle,
		.in_user_ns = r->in_user_ns,
		.cgroup_ns = r->cgroup_ns,
		.lx = linux_of(r),
		.mounts = r->spec->mounts,
		.idmapped_trees = r->idmapped_trees,
	};
	for (size_t i = 0; i < r->spec->mounts_len; i++)
		if (petrel_mount_entry(&ctx, &r->spec->mounts[i], i, err) < 0)
			return -1;
	return 0;
}

/* /dev bound from the host is the host's: no node is made in it. */
static bool dev_is_bind_mount(const struct oci_spec *spec)
{
	for (size_t i = 0; i < spec->mounts_len; i++) {
		cleanup_free char *dest = petrel_path_clean(spec->mounts[i].destination ?: "");
		if (dest && strcmp(dest, "/dev") == 0 && petrel_mount_is_bind(&spec->mounts[i]))
			return true;
	}
	return false;
}

static int create_devices(struct petrel_rootfs *r, struct petrel_error **err)
{
	if (dev_is_bind_mount(r->spec)) {
		petrel_debug("/dev is a bind mount: no device nodes or /dev symlinks are made");
		return 0;
	}
	const struct oci_linux *lx = linux_of(r);
	if (petrel_devices_create_defaults(r->rootfs_fd, lx, r->in_user_ns, err) < 0 ||
	    petrel_devices_create_config(r->rootfs_fd, lx, r->in_user_ns, err) < 0 ||
	    petrel_devices_create_symlinks(r->rootfs_fd, err) < 0)
		return -1;
	return 0;
}

int petrel_rootfs_prepare(struct petrel_rootfs *r, struct petrel_error **err)
{
	unsigned long propagation;
	if (r->spec == NULL)
		return petrel_error_set(err, 0, "rootfs: no spec");
	if (resolve_rootfs(r, err) < 0 || rootfs_propagation(r, &propagation, err) < 0 ||
	    set_host_propagation(r, propagation, err) < 0 || bind_rootfs(r, err) < 0 ||
	    mount_config_mounts(r, err) < 0 || create_devices(r, err) < 0)
		return -1;
	return 0;
}

int petrel_rootfs_pivot(struct petrel_rootfs *r, struct petrel_error **err)
{
	if (r->rootfs_fd < 0)
		return petrel_error_set(err, 0, "pivot: the rootfs is not prepared");
	cleanup_close int old_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (old_root < 0)
		return petrel_error_errno(err, "open /");
	if (fchdir(r->rootfs_fd) < 0)
		return petrel_error_errno(err, "chdir to rootfs \"%s\"", r->rootfs);
	if (r->no_pivot) {
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return petrel_error_errno(err, "move rootfs \"%s\" onto /", r->rootfs);
		if (chroot(".") < 0)
			return petrel_error_errno(err, "chroot to rootfs \"%s\"", r->rootfs);
	} else {
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return petrel_error_errno(err, "pivot_root to rootfs \"%s\"", r->rootfs);
		/* The old root now sits on "."; its mounts become slaves so that
		 * detaching them is not propagated to peers on the host. */
		struct petrel_mount_attr slave = {.propagation = MS_SLAVE};
		if (petrel_mount_setattr(old_root, "", AT_EMPTY_PATH | AT_RECURSIVE, &slave) < 0)
			return petrel_error_errno(err, "make the old root a slave");
		if (umount2(".", MNT_DETACH) < 0)
			return petrel_error_errno(err, "detach the old root");
	}
	if (chdir("/") < 0)
		return petrel_error_errno(err, "chdir /");
	return 0;
}

/* ----------------------------------------------------------- finalize */

/* Opens a masked or readonly path inside the new root; 1 when missing. */
static int open_path(const struct petrel_rootfs *r, const char *what, const char *path, int *fd,
		     struct petrel_error **err)
{
	*fd = petrel_openat2(r->rootfs_fd, path, O_PATH | O_CLOEXEC, PETREL_RESOLVE_IN_ROOTFS);
	if (*fd >= 0)
		return 0;
	if (errno == ENOENT)
		return 1;
	return petrel_error_errno(err, "%s \"%s\"", what, path);
}

/* An empty read-only tmpfs over a masked directory. */
static int mask_directory(int target, const char *path, struct petrel_error **err)
{
	cleanup_close int fs = petrel_fsopen("tmpfs", PETREL_FSOPEN_CLOEXEC);
	if (fs < 0 || petrel_fsconfig(fs, PETREL_FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
	    petrel_fsconfig(fs, PETREL_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return petrel_error_errno(err, "masked path \"%s\": create a tmpfs", path);
	cleanup_close int mnt = petrel_fsmount(fs, PETREL_FSMOUNT_CLOEXEC,
					       MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						       MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0 || petrel_move_mount(mnt, "", target, "",
					 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return petrel_error_errno(err, "masked path \"%s\": mount a tmpfs", path);
	return 0;
}

static int mask_paths(struct petrel_rootfs *r, struct petrel_error **err)
{
	const struct oci_linux *lx = linux_of(r);
	cleanup_close int null_fd = -1;
	for (size_t i = 0; lx != NULL && i < lx->masked_paths_len; i++) {
		const char *path = lx->masked_paths[i];
		cleanup_close int target = -1;
		struct stat st;
		int found = open_path(r, "masked path", path, &target, err);
		if (found < 0)
			return -1;
		if (found > 0)
			continue;
		if (fstat(target, &st) < 0)
			return petrel_error_errno(err, "masked path \"%s\"", path);
		if (S_ISDIR(st.st_mode)) {
			if (mask_directory(target, path, err) < 0)
				return -1;
			continue;
		}
		if (null_fd < 0 && petrel_devices_open_null(r->rootfs_fd, &null_fd, err) < 0)
			return petrel_error_prefix(err, "masked path \"%s\"", path);
		cleanup_close int tree = petrel_open_tree(
			null_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
		if (tree < 0 ||
		    petrel_move_mount(tree, "", target, "",
				      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return petrel_error_errno(err, "masked path \"%s\": bind /dev/null", path);
	}
	return 0;
}

/* Each readonly path is bound onto itself (with its submounts, which stay as
 * they are) and the bind made read-only. mount_setattr only adds the flag,
 * so the flags the kernel locks on the source are kept as they were. */
static int make_paths_readonly(struct petrel_rootfs *r, struct petrel_error **err)
{
	const struct oci_linux *lx = linux_of(r);
	for (size_t i = 0; lx != NULL && i < lx->readonly_paths_len; i++) {
		const char *path = lx->readonly_paths[i];
		cleanup_close int target = -1;
		int found = open_path(r, "readonly path", path, &target, err);
		if (found < 0)
			return -1;
		if (found > 0)
			continue;
		cleanup_close int tree = petrel_open_tree(target, "",
							  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
								  AT_RECURSIVE | AT_EMPTY_PATH);
		struct petrel_mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
		if (tree < 0 || petrel_mount_setattr(tree, "", AT_EMPTY_PATH, &ro) < 0 ||
		    petrel_move_mount(tree, "", target, "",
				      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return petrel_error_errno(err, "readonly path \"%s\"", path);
	}
	return 0;
}

int petrel_rootfs_finalize(struct petrel_rootfs *r, struct petrel_error **err)
{
	unsigned long propagation;
	if (r->rootfs_fd < 0)
		return petrel_error_set(err, 0, "finalize: the rootfs is not prepared");
	if (rootfs_propagation(r, &propagation, err) < 0 || mask_paths(r, err) < 0 ||
	    make_paths_readonly(r, err) < 0)
		return -1;
	if (r->spec->root && r->spec->root->readonly) {
		struct petrel_mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
		if (petrel_mount_setattr(r->rootfs_fd, "", AT_EMPTY_PATH, &ro) < 0)
			return petrel_error_errno(err, "make the root read-only");
	}
	if (propagation != 0) {
		struct petrel_mount_attr attr = {.propagation =
							 propagation & ~(unsigned long)MS_REC};
		unsigned int flags = AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0);
		if (petrel_mount_setattr(r->rootfs_fd, "", flags, &attr) < 0)
			return petrel_error_errno(err, "set the rootfs propagation \"%s\"",
						  linux_of(r)->rootfs_propagation);
	}
	return 0;
}

void petrel_rootfs_release(struct petrel_rootfs *r)
{
	if (r->rootfs_fd >= 0)
		close(r->rootfs_fd);
	r->rootfs_fd = -1;
	free(r->rootfs);
	r->rootfs = NULL;
}
