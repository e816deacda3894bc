/* The container's device nodes and /dev's symlinks: mknod(2) inside the
 * rootfs, or a bind of the host's node onto an empty file where mknod is not
 * permitted. Existing files are checked, never followed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "devices.h"
#include "log.h"
#include "mounts.h"

struct device {
	const char *path;
	mode_t type; /* S_IFCHR, S_IFBLK or S_IFIFO */
	dev_t rdev;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

static const struct {
	const char *path;
	unsigned int major, minor;
} default_devices[] = {
	{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
	{"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static const char *type_name(mode_t type)
{
	return type == S_IFBLK ? "block" : type == S_IFIFO ? "fifo" : "character";
}

static bool is_device(const struct stat *st, const struct device *d)
{
	return (st->st_mode & S_IFMT) == d->type && (d->type == S_IFIFO || st->st_rdev == d->rdev);
}

static int device_error(struct petrel_error **err, int errnum, const struct device *d,
			const char *what)
{
	return petrel_error_set(err, errnum, "device \"%s\" (%s %u:%u): %s", d->path,
				type_name(d->type), major(d->rdev), minor(d->rdev), what);
}

/* Owner and mode of the node just made (mknod applies the umask). */
static int set_owner_and_mode(int parent, const char *name, const struct device *d,
			      struct petrel_error **err)
{
	cleanup_close int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return device_error(err, errno, d, "open");
	if (!is_device(&st, d))
		return device_error(err, 0, d, "replaced while being made");
	char path[PETREL_PROC_FD_PATH_SIZE];
	petrel_proc_fd_path(fd, path);
	if (fchownat(fd, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
		return device_error(err, errno, d, "chown");
	if (chmod(path, d->mode) < 0)
		return device_error(err, errno, d, "chmod");
	return 0;
}

/* The host's node at the same path, bound onto an empty file; mode and owner
 * stay the host's. */
static int bind_host_device(int parent, const char *name, const struct device *d, bool exists,
			    struct petrel_error **err)
{
	cleanup_close int host_fd = open(d->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (host_fd < 0 || fstat(host_fd, &st) < 0)
		return device_error(err, errno, d, "open the host's node to bind it");
	if (!is_device(&st, d))
		return device_error(err, 0, d, "the host's node is another device");
	if (!exists) {
		int fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				0);
		if (fd < 0)
			return device_error(err, errno, d, "create the bind target");
		close(fd);
	}
	cleanup_close int target = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return device_error(err, errno, d, "open the bind target");
	cleanup_close int tree =
		petrel_open_tree(host_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return device_error(err, errno, d, "bind the host's node");
	if (petrel_move_mount(tree, "", target, "",
			      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return device_error(err, errno, d, "bind the host's node");
	return 0;
}

static int create_device(int rootfs_fd, const struct device *d, bool bind,
			 struct petrel_error **err)
{
	cleanup_free char *path = petrel_path_clean(d->path);
	if (path == NULL)
		return device_error(err, ENOMEM, d, "path");
	char *slash = strrchr(path, '/');
	if (slash[1] == '\0')
		return device_error(err, 0, d, "the path names no file");
	*slash = '\0';
	const char *name = slash + 1, *dir = path[0] ? path : "/";
	cleanup_close int parent = -1;
	if (petrel_open_or_create_in_root(rootfs_fd, dir, PETREL_PATH_DIR, &parent, err) < 0)
		return petrel_error_prefix(err, "device \"%s\"", d->path);

	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (is_device(&st, d))
			return bind ? 0 : set_owner_and_mode(parent, name, d, err);
		/* An empty regular file is a bind target (from an earlier
		 * container on the same rootfs); anything else is not ours. */
		if (!(bind && d->type != S_IFIFO && S_ISREG(st.st_mode) && st.st_size == 0))
			return device_error(err, EEXIST, d, "another file is at this path");
		return bind_host_device(parent, name, d, true, err);
	}
	if (errno != ENOENT)
		return device_error(err, errno, d, "stat");
	if (!bind || d->type == S_IFIFO) {
		if (mknodat(parent, name, d->type | 0600, d->rdev) == 0)
			return set_owner_and_mode(parent, name, d, err);
		if (errno != EPERM || d->type == S_IFIFO)
			return device_error(err, errno, d, "mknod");
		petrel_debug("mknod \"%s\": not permitted, binding the host's node", d->path);
	}
	return bind_host_device(parent, name, d, false, err);
}

int petrel_devices_create_defaults(int rootfs_fd, const struct oci_linux *lx, bool bind,
				   struct petrel_error **err)
{
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
		bool listed = false;
		for (size_t k = 0; lx != NULL && k < lx->devices_len && !listed; k++) {
			cleanup_free char *p = petrel_path_clean(lx->devices[k].path);
			listed = p != NULL && strcmp(p, default_devices[i].path) == 0;
		}
		if (listed)
			continue;
		struct device d = {
			.path = default_devices[i].path,
			.type = S_IFCHR,
			.rdev = makedev(default_devices[i].major, default_devices[i].minor),
			.mode = 0666,
		};
		if (create_device(rootfs_fd, &d, bind, err) < 0)
			return -1;
	}
	return 0;
}

/* A linux.devices entry as a struct device, validated. */
static int device_from_config(const struct oci_device *c, struct device *d,
			      struct petrel_error **err)
{
	if (c->path == NULL || c->path[0] != '/')
		return petrel_error_set(err, 0, "path \"%s\" is not absolute",
					c->path ? c->path : "");
	if (c->type == NULL || strlen(c->type) != 1 || strchr("cubp", c->type[0]) == NULL)
		return petrel_error_set(err, 0, "type \"%s\" is not one of c, u, b, p",
					c->type ? c->type : "");
	char t = c->type[0];
	*d = (struct device){
		.path = c->path,
		.type = t == 'b'   ? S_IFBLK
			: t == 'p' ? S_IFIFO
				   : S_IFCHR,
		/* fileMode is optional in the spec; 0666 is what runc uses */
		.mode = c->has_file_mode ? c->file_mode & 07777 : 0666,
		.uid = c->has_uid ? c->uid : 0,
		.gid = c->has_gid ? c->gid : 0,
	};
	if (t == 'p')
		return 0;
	if (!c->has_major || !c->has_minor)
		return petrel_error_set(err, 0, "major and minor are required for type %c", t);
	/* the kernel's dev_t: 12 bits of major, 20 of minor */
	if (c->major < 0 || c->major > 0xfff || c->minor < 0 || c->minor > 0xfffff)
		return petrel_error_set(err, 0, "device number %lld:%lld is out of range",
					(long long)c->major, (long long)c->minor);
	d->rdev = makedev((unsigned int)c->major, (unsigned int)c->minor);
	return 0;
}

int petrel_devices_create_config(int rootfs_fd, const struct oci_linux *lx, bool bind,
				 struct petrel_error **err)
{
	for (size_t i = 0; lx != NULL && i < lx->devices_len; i++) {
		struct device d;
		if (device_from_config(&lx->devices[i], &d, err) < 0 ||
		    create_device(rootfs_fd, &d, bind, err) < 0)
			return petrel_error_prefix(err, ".linux.devices[%zu]", i);
	}
	return 0;
}

int petrel_devices_create_symlinks(int rootfs_fd, struct petrel_error **err)
{
	static const struct {
		const char *name, *target;
	} links[] = {
		{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
		{"ptmx", "pts/ptmx"},          {"core", "/proc/kcore"},
	};
	cleanup_close int dev = -1;
	if (petrel_open_or_create_in_root(rootfs_fd, "/dev", PETREL_PATH_DIR, &dev, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		const char *name = links[i].name;
		if (strcmp(name, "core") == 0 && access("/proc/kcore", F_OK) < 0)
			continue;
		if (symlinkat(links[i].target, dev, name) == 0)
			continue;
		if (errno != EEXIST)
			return petrel_error_errno(err, "symlink /dev/%s -> %s", name,
						  links[i].target);
		/* A ptmx node from the image would open another devpts
		 * instance than the container's: the link replaces it. */
		struct stat st;
		if (strcmp(name, "ptmx") == 0 &&
		    fstatat(dev, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
			if (unlinkat(dev, name, 0) < 0 || symlinkat(links[i].target, dev, name) < 0)
				return petrel_error_errno(err, "replace /dev/ptmx with a symlink");
		}
	}
	return 0;
}

int petrel_devices_open_null(int root_fd, int *out_fd, struct petrel_error **err)
{
	int fd = petrel_openat2(root_fd, "/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC,
				PETREL_RESOLVE_IN_ROOTFS);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return petrel_error_set(err, e, "open /dev/null in the container");
	}
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) {
		close(fd);
		return petrel_error_set(err, 0,
					"/dev/null in the container is not the null device "
					"(character 1:3)");
	}
	*out_fd = fd;
	return 0;
}
