/* "cgroup" and "cgroup2" mounts: what of the cgroup hierarchies the container
 * sees. With a cgroup namespace, new cgroup filesystems; without one, the
 * init's own cgroup directories bound from the host (a new mount would show
 * the host's whole tree), under a tmpfs on cgroup v1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mounts.h"

/* One hierarchy the init belongs to, from /proc/self/cgroup, and where the
 * host has it mounted. */
struct cgroup_hierarchy {
	char *controllers; /* "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
	char *path;        /* the init's cgroup in it */
	char *host_dir;    /* that cgroup's directory on the host, NULL if not mounted */
	char *dir_name;    /* the name it gets under the destination: "cpu,cpuacct" */
};

static bool has_every_controller(const char *super_options, const char *controllers)
{
	cleanup_free char *want = strdup(controllers);
	char *save = NULL;
	if (want == NULL)
		return false;
	for (char *c = strtok_r(want, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(c);
		const char *p = super_options;
		bool found = false;
		while (!found && (p = strstr(p, c)) != NULL) {
			found = (p == super_options || p[-1] == ',') &&
				(p[n] == ',' || p[n] == '\0');
			p += n;
		}
		if (!found)
			return false;
	}
	return true;
}

static int find_host_dir(const struct petrel_mountinfo *mi, void *data, struct petrel_error **err)
{
	struct cgroup_hierarchy *h = data;
	bool v2 = h->controllers[0] == '\0';
	if (strcmp(mi->fstype, v2 ? "cgroup2" : "cgroup") != 0 ||
	    strncmp(mi->mount_point, "/sys/fs/cgroup", 14) != 0 ||
	    (!v2 && !has_every_controller(mi->super_options, h->controllers)))
		return 0;
	const char *base = strrchr(mi->mount_point, '/') + 1;
	if (h->dir_name == NULL && (h->dir_name = strdup(base)) == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup mounts");
	/* In a cgroup namespace, the roots of the host's mounts show as
	 * "/.."; the init's cgroup is then reachable only by a new mount. */
	size_t root_len = strcmp(mi->root, "/") == 0 ? 0 : strlen(mi->root);
	cleanup_free char *clean = petrel_path_clean(h->path);
	if (clean == NULL || strcmp(clean, h->path) != 0)
		return 0; /* "/../x": outside the namespace, or not a plain path */
	if (strncmp(h->path, mi->root, root_len) != 0 ||
	    (h->path[root_len] != '/' && h->path[root_len] != '\0'))
		return 0;
	if (asprintf(&h->host_dir, "%s%s", mi->mount_point, h->path + root_len) < 0) {
		h->host_dir = NULL;
		return petrel_error_set(err, ENOMEM, "cgroup mounts");
	}
	return 1;
}

static void free_hierarchies(struct cgroup_hierarchy *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].controllers);
		free(h[i].path);
		free(h[i].host_dir);
		free(h[i].dir_name);
	}
	free(h);
}

static int read_hierarchies(struct cgroup_hierarchy **out, size_t *out_len,
			    struct petrel_error **err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
	if (f == NULL)
		return petrel_error_errno(err, "open /proc/self/cgroup");
	cleanup_free char *line = NULL;
	size_t cap = 0, n = 0;
	struct cgroup_hierarchy *h = NULL;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *rest = strchr(line, ':'), *path = rest ? strchr(rest + 1, ':') : NULL;
		if (path == NULL)
			continue;
		*path++ = '\0';
		struct cgroup_hierarchy *grown = realloc(h, (n + 1) * sizeof(*h));
		if (grown == NULL)
			break;
		h = grown;
		h[n] = (struct cgroup_hierarchy){strdup(rest + 1), strdup(path), NULL, NULL};
		if (h[n++].path == NULL || h[n - 1].controllers == NULL)
			break;
		int r = petrel_mountinfo_foreach(find_host_dir, &h[n - 1], err);
		if (r < 0) {
			free_hierarchies(h, n);
			return -1;
		}
	}
	if (!feof(f)) {
		free_hierarchies(h, n);
		return petrel_error_set(err, ENOMEM, "read /proc/self/cgroup");
	}
	*out = h;
	*out_len = n;
	return 0;
}

/* Under the tmpfs at tmp_fd, one directory per hierarchy: the init's own
 * cgroup bound from the host, or with a cgroup namespace a new mount of the
 * hierarchy; "cpu" and "cpuacct" link to "cpu,cpuacct". */
static int mount_cgroup_hierarchy(const struct petrel_mount_context *ctx, const struct oci_mount *m,
				  const struct petrel_mount_options *o, int tmp_fd,
				  const struct cgroup_hierarchy *h, struct petrel_error **err)
{
	if (mkdirat(tmp_fd, h->dir_name, 0755) < 0 && errno != EEXIST)
		return petrel_mount_error(err, errno, m, "create the hierarchy's directory");
	cleanup_close int dir_fd =
		openat(tmp_fd, h->dir_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir_fd < 0)
		return petrel_mount_error(err, errno, m, "open the hierarchy's directory");
	bool v2 = h->controllers[0] == '\0';
	if (ctx->cgroup_ns) {
		char target[PETREL_PROC_FD_PATH_SIZE];
		cleanup_free char *data = NULL;
		petrel_proc_fd_path(dir_fd, target);
		if (!v2 &&
		    asprintf(&data, "%s%s", strncmp(h->controllers, "name=", 5) ? "" : "none,",
			     h->controllers) < 0)
			return petrel_mount_error(err, ENOMEM, m, NULL);
		if (mount("cgroup", target, v2 ? "cgroup2" : "cgroup", o->flags, data) < 0)
			return petrel_mount_error(err, errno, m, h->dir_name);
	} else {
		cleanup_close int host_fd = open(h->host_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (host_fd < 0)
			return petrel_mount_error(err, errno, m, h->host_dir);
		struct petrel_mount_options bind = *o;
		bind.flags = (bind.flags | MS_BIND) & ~(unsigned long)MS_REC;
		bind.propagation_len = 0;
		bind.rec_set = bind.rec_clr = 0;
		if (petrel_mount_bind_onto(ctx, m, &bind, host_fd, dir_fd, false, err) < 0)
			return -1;
	}
	if (strchr(h->controllers, ',') == NULL || strncmp(h->controllers, "name=", 5) == 0)
		return 0;
	cleanup_free char *names = strdup(h->controllers);
	char *save = NULL;
	if (names == NULL)
		return petrel_mount_error(err, ENOMEM, m, NULL);
	for (char *c = strtok_r(names, ",", &save); c; c = strtok_r(NULL, ",", &save))
		if (strcmp(c, h->dir_name) != 0 && symlinkat(h->dir_name, tmp_fd, c) < 0 &&
		    errno != EEXIST)
			return petrel_mount_error(err, errno, m, "link a controller");
	return 0;
}

/* cgroup v1 (or hybrid): a tmpfs holding one directory per hierarchy. */
static int mount_cgroup_v1(const struct petrel_mount_context *ctx, const struct oci_mount *m,
			   const struct petrel_mount_options *o, const char *dest,
			   struct petrel_error **err)
{
	struct cgroup_hierarchy *h = NULL;
	size_t n = 0;
	if (read_hierarchies(&h, &n, err) < 0)
		return petrel_error_prefix(err, "mount cgroup on \"%s\"", m->destination);
	struct petrel_mount_options tmpfs = {.flags = o->flags & ~(unsigned long)MS_RDONLY,
					     .data = (char *)"mode=755"};
	int r = petrel_mount_filesystem(ctx, m, &tmpfs, dest, "tmpfs", err);
	cleanup_close int tmp_fd = -1;
	if (r == 0) {
		/* the tmpfs is fresh: the path now resolves to its root */
		tmp_fd = petrel_openat2(ctx->rootfs_fd, dest, O_PATH | O_DIRECTORY | O_CLOEXEC,
					PETREL_RESOLVE_IN_ROOTFS);
		r = tmp_fd < 0 ? petrel_mount_error(err, errno, m, "open the new mount") : 0;
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (h[i].dir_name == NULL || (!ctx->cgroup_ns && h[i].host_dir == NULL)) {
			petrel_debug(
				"cgroup hierarchy \"%s\" (%s) is not visible under /sys/fs/cgroup",
				h[i].controllers, h[i].path);
			continue;
		}
		r = mount_cgroup_hierarchy(ctx, m, o, tmp_fd, &h[i], err);
	}
	free_hierarchies(h, n);
	if (r < 0)
		return -1;
	struct petrel_mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
	if ((o->flags & MS_RDONLY) && petrel_mount_setattr(tmp_fd, "", AT_EMPTY_PATH, &ro) < 0)
		return petrel_mount_error(err, errno, m, "make read-only");
	struct petrel_mount_options rec_only = *o;
	rec_only.flags = rec_only.cleared = 0;
	if (petrel_mount_set_attributes(m, &rec_only, tmp_fd, false, err) < 0)
		return -1;
	return petrel_mount_set_propagation(m, o, tmp_fd, err);
}

/* "cgroup" and "cgroup2". Without a cgroup namespace a new cgroup mount would
 * show the host's whole tree, so the init's own cgroup is bound instead. */
int petrel_mount_cgroup(const struct petrel_mount_context *ctx, const struct oci_mount *m,
			const struct petrel_mount_options *o, const char *dest,
			struct petrel_error **err)
{
	struct statfs sfs;
	bool unified = statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
	if (!unified && strcmp(m->type, "cgroup2") != 0)
		return mount_cgroup_v1(ctx, m, o, dest, err);
	if (ctx->cgroup_ns)
		return petrel_mount_filesystem(ctx, m, o, dest, "cgroup2", err);
	/* cgroup2 on a v1 or hybrid host is bound from the host's cgroup2
	 * mount too (/sys/fs/cgroup/unified), as on a unified host. */
	struct cgroup_hierarchy *h = NULL;
	size_t n = 0;
	if (read_hierarchies(&h, &n, err) < 0)
		return petrel_error_prefix(err, "mount cgroup on \"%s\"", m->destination);
	int r = 1;
	for (size_t i = 0; r > 0 && i < n; i++) {
		if (h[i].controllers[0] != '\0' || h[i].host_dir == NULL)
			continue;
		cleanup_close int source_fd = open(h[i].host_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		cleanup_close int target_fd = -1;
		struct petrel_mount_options bind = *o;
		bind.flags |= MS_BIND;
		if (source_fd < 0)
			r = petrel_mount_error(err, errno, m, h[i].host_dir);
		else if (petrel_open_or_create_in_root(ctx->rootfs_fd, dest, PETREL_PATH_DIR,
						       &target_fd, err) < 0)
			r = petrel_error_prefix(err, "mount cgroup on \"%s\"", m->destination);
		else
			r = petrel_mount_bind_onto(ctx, m, &bind, source_fd, target_fd, false, err);
	}
	free_hierarchies(h, n);
	if (r > 0 && !unified) {
		/* No cgroup2 mount on the host to bind from. */
		petrel_debug("mount cgroup2 on \"%s\": the host does not mount cgroup2 under "
			     "/sys/fs/cgroup, mounting a new one",
			     m->destination);
		return petrel_mount_filesystem(ctx, m, o, dest, "cgroup2", err);
	}
	if (r > 0)
		return petrel_mount_error(err, ENOENT, m, "find the init's cgroup2 directory");
	return r;
}
