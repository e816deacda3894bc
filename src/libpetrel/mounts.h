/* config.json's mount entries: the option table, one entry mounted onto an
 * fd resolved inside the rootfs, and the path helpers that resolve and create
 * paths inside the rootfs without ever leaving it. Also the raw syscalls of
 * the new mount API, which older C libraries do not wrap. */
#ifndef PETREL_MOUNTS_H
#define PETREL_MOUNTS_H

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "libocispec/ocispec.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#define PETREL_FSOPEN_CLOEXEC 0x00000001
#define PETREL_FSMOUNT_CLOEXEC 0x00000001
#define PETREL_FSCONFIG_SET_STRING 1
#define PETREL_FSCONFIG_CMD_CREATE 6

/* struct mount_attr under petrel's name, so that no C library's (or
 * <linux/mount.h>'s) definition can clash with it. */
struct petrel_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

static inline int petrel_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {.flags = flags, .resolve = resolve};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static inline int petrel_open_tree(int dirfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

static inline int petrel_move_mount(int from_dirfd, const char *from_path, int to_dirfd,
				    const char *to_path, unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}

static inline int petrel_mount_setattr(int dirfd, const char *path, unsigned int flags,
				       struct petrel_mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(*attr));
}

static inline int petrel_fsopen(const char *fstype, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fstype, flags);
}

static inline int petrel_fsconfig(int fd, unsigned int cmd, const char *key, const void *value,
				  int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int petrel_fsmount(int fd, unsigned int flags, unsigned int attr_flags)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

/* Resolution used for every path inside the rootfs: "/" and ".." stop at the
 * rootfs, absolute symlinks are taken relative to it, /proc magic links are
 * refused. */
#define PETREL_RESOLVE_IN_ROOTFS (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* ------------------------------------------------------------ options */

/* What a mount's "options" ask for, sorted by where each goes. */
struct petrel_mount_options {
	unsigned long flags;        /* MS_* for mount(2), propagation excluded */
	unsigned long cleared;      /* MS_* an option turned off: "rw", "suid", "exec"... */
	unsigned long *propagation; /* MS_SHARED, MS_SLAVE|MS_REC, ... in the order given */
	size_t propagation_len;
	uint64_t rec_set, rec_clr; /* MOUNT_ATTR_* of the r-options, for AT_RECURSIVE */
	char *data;                /* the rest, comma-joined for mount(2)'s data; NULL if none */
	bool idmap;                /* "idmap" or "ridmap" */
	bool idmap_recursive;      /* "ridmap" */
	bool tmpcopyup;
};

/* Sorts options (the spec's Linux mount options table; anything else is
 * filesystem data). Fails only on an empty option or out of memory. */
int petrel_mount_options_parse(char *const *options, size_t len, struct petrel_mount_options *out,
			       struct petrel_error **err);
void petrel_mount_options_release(struct petrel_mount_options *o);
/* The per-mount attributes the MS_* flags (set and cleared) ask for, as
 * mount_setattr(2) takes them: ro, nosuid, nodev, noexec, the atime mode,
 * nodiratime, nosymfollow. Superblock flags (sync, dirsync, mand, lazytime,
 * iversion, silent) have no per-mount form and are left out. An attribute
 * no option names is left alone, so the flags the kernel locks on mounts
 * inherited from a more privileged namespace are kept. */
void petrel_mount_options_attr(const struct petrel_mount_options *o, uint64_t *set, uint64_t *clr);

/* -------------------------------------------------------------- paths */

/* The lexically clean absolute form of path: "a/./b/../c" -> "/a/c"; ".."
 * stops at "/". malloc'd, NULL when out of memory. */
char *petrel_path_clean(const char *path);

enum petrel_path_kind { PETREL_PATH_DIR, PETREL_PATH_FILE };

/* O_PATH fd of path inside the directory root_fd, as the container will see
 * it. A missing path is created: missing parents as directories (0755), the
 * last component as kind says (a directory, or an empty 0644 file). A
 * dangling symlink on the way is followed inside the root, as the kernel
 * would follow it there. Nothing outside root_fd is ever touched. */
int petrel_open_or_create_in_root(int root_fd, const char *path, enum petrel_path_kind kind,
				  int *out_fd, struct petrel_error **err);

/* "/proc/self/fd/N": the path mount(2) is given to act on an fd. */
#define PETREL_PROC_FD_PATH_SIZE 32
void petrel_proc_fd_path(int fd, char buf[PETREL_PROC_FD_PATH_SIZE]);

/* One line of /proc/self/mountinfo; strings are unescaped. */
struct petrel_mountinfo {
	int id;
	const char *root;
	const char *mount_point;
	const char *optional; /* "shared:1 master:2", "" when none */
	const char *fstype;
	const char *source;
	const char *super_options;
};
/* Calls fn for each mount until it returns non-zero; returns that value (a
 * negative value means fn set *err), 0 at the end. */
int petrel_mountinfo_foreach(int (*fn)(const struct petrel_mountinfo *m, void *data,
				       struct petrel_error **err),
			     void *data, struct petrel_error **err);
/* The mount id of the mount fd is on (statx STATX_MNT_ID). */
int petrel_mount_id(int fd, uint64_t *id, struct petrel_error **err);

/* -------------------------------------------------------------- entries */

struct petrel_mount_context {
	int rootfs_fd;
	const char *bundle;             /* relative bind sources are relative to it */
	bool in_user_ns;                /* sysfs/mqueue fall back to binds of the host's */
	bool cgroup_ns;                 /* cgroup filesystems may be mounted, not bound */
	const struct oci_linux *lx;     /* the container's id mappings for idmap; may be NULL */
	const struct oci_mount *mounts; /* config.json's mounts, to index the trees below */
	const int *idmapped_trees;      /* see struct petrel_rootfs; may be NULL */
};

/* On the host side, before the container's user namespace exists: a
 * detached, idmapped clone of the source of every idmap/ridmap bind mount
 * (*trees: one fd per mount of spec, -1 where none; NULL when no mount is
 * idmapped). The init moves them into place. */
int petrel_mount_prepare_idmapped(const struct oci_spec *spec, const char *bundle, int **trees,
				  struct petrel_error **err);
void petrel_mount_release_idmapped(const struct oci_spec *spec, int *trees);

/* True when the entry is a bind mount: "bind"/"rbind" in options, or type
 * "bind". */
bool petrel_mount_is_bind(const struct oci_mount *m);
/* Mounts config.json's .mounts[index] inside the rootfs. Errors name the
 * mount: `mount "proc" on "/proc" (type proc): Permission denied`. */
int petrel_mount_entry(const struct petrel_mount_context *ctx, const struct oci_mount *m,
		       size_t index, struct petrel_error **err);

/* ------------------------------------------ between mounts*.c only */

/* The error of a mount entry: `mount "proc" on "/proc" (type proc): <step>`;
 * an EINVAL shows the options, the usual culprit. Returns -1. */
int petrel_mount_error(struct petrel_error **err, int errnum, const struct oci_mount *m,
		       const char *step);
/* A bind: the tree at source_fd (with its submounts if o has MS_REC) cloned,
 * idmapped and given o's attributes (per-mount ones on the whole tree if
 * attrs_recursive) while detached, moved onto target_fd, then given o's
 * propagation. */
int petrel_mount_bind_onto(const struct petrel_mount_context *ctx, const struct oci_mount *m,
			   const struct petrel_mount_options *o, int source_fd, int target_fd,
			   bool attrs_recursive, struct petrel_error **err);
/* A new filesystem of type on dest (created inside the rootfs if missing),
 * mounted with mount(2) through /proc/self/fd. */
int petrel_mount_filesystem(const struct petrel_mount_context *ctx, const struct oci_mount *m,
			    const struct petrel_mount_options *o, const char *dest,
			    const char *type, struct petrel_error **err);
/* o's per-mount attributes on the mount at mnt_fd (or its whole tree), and
 * its r-options on the whole tree. */
int petrel_mount_set_attributes(const struct oci_mount *m, const struct petrel_mount_options *o,
				int mnt_fd, bool per_mount_recursive, struct petrel_error **err);
int petrel_mount_set_propagation(const struct oci_mount *m, const struct petrel_mount_options *o,
				 int mnt_fd, struct petrel_error **err);
/* mounts-cgroup.c: a "cgroup" or "cgroup2" entry on dest. */
int petrel_mount_cgroup(const struct petrel_mount_context *ctx, const struct oci_mount *m,
			const struct petrel_mount_options *o, const char *dest,
			struct petrel_error **err);

/* The mount options petrel knows, for `features`. */
size_t petrel_mount_option_count(void);
const char *petrel_mount_option_name(size_t i);

#endif
