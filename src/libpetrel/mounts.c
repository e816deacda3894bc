/* config.json's mounts: the spec's option table, paths resolved and created
 * inside the rootfs with openat2(RESOLVE_IN_ROOT), and one entry mounted onto
 * such an fd (mount(2) through /proc/self/fd/N for filesystems, a cloned tree
 * moved with move_mount(2) for binds), idmapped and cgroup mounts included. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mounts.h"

/* ------------------------------------------------------------ options */

enum option_kind {
	OPT_NOTHING, /* accepted, no effect ("defaults") */
	OPT_SET,     /* sets an MS_* flag */
	OPT_CLEAR,   /* clears an MS_* flag */
	OPT_ATIME,   /* selects the atime mode (last one wins) */
	OPT_PROPAGATION,
	OPT_REC_SET,   /* sets a MOUNT_ATTR_* recursively */
	OPT_REC_CLEAR, /* clears a MOUNT_ATTR_* recursively */
	OPT_REC_ATIME, /* selects the atime mode recursively */
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_TMPCOPYUP,
};

struct mount_option {
	const char *name;
	enum option_kind kind;
	unsigned long value;
};

/* Every option of the runtime spec's "Linux mount options" table. */
static const struct mount_option mount_options[] = {
	{"defaults", OPT_NOTHING, 0},
	{"ro", OPT_SET, MS_RDONLY},
	{"rw", OPT_CLEAR, MS_RDONLY},
	{"nosuid", OPT_SET, MS_NOSUID},
	{"suid", OPT_CLEAR, MS_NOSUID},
	{"nodev", OPT_SET, MS_NODEV},
	{"dev", OPT_CLEAR, MS_NODEV},
	{"noexec", OPT_SET, MS_NOEXEC},
	{"exec", OPT_CLEAR, MS_NOEXEC},
	{"sync", OPT_SET, MS_SYNCHRONOUS},
	{"async", OPT_CLEAR, MS_SYNCHRONOUS},
	{"dirsync", OPT_SET, MS_DIRSYNC},
	{"remount", OPT_SET, MS_REMOUNT},
	{"mand", OPT_SET, MS_MANDLOCK},
	{"nomand", OPT_CLEAR, MS_MANDLOCK},
	{"atime", OPT_CLEAR, MS_NOATIME},
	{"noatime", OPT_ATIME, MS_NOATIME},
	{"diratime", OPT_CLEAR, MS_NODIRATIME},
	{"nodiratime", OPT_SET, MS_NODIRATIME},
	{"relatime", OPT_ATIME, MS_RELATIME},
	{"norelatime", OPT_CLEAR, MS_RELATIME},
	{"strictatime", OPT_ATIME, MS_STRICTATIME},
	{"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
	{"lazytime", OPT_SET, MS_LAZYTIME},
	{"nolazytime", OPT_CLEAR, MS_LAZYTIME},
	{"silent", OPT_SET, MS_SILENT},
	{"loud", OPT_CLEAR, MS_SILENT},
	{"iversion", OPT_SET, MS_I_VERSION},
	{"noiversion", OPT_CLEAR, MS_I_VERSION},
	{"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
	{"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
	{"bind", OPT_SET, MS_BIND},
	{"rbind", OPT_SET, MS_BIND | MS_REC},
	{"shared", OPT_PROPAGATION, MS_SHARED},
	{"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
	{"slave", OPT_PROPAGATION, MS_SLAVE},
	{"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
	{"private", OPT_PROPAGATION, MS_PRIVATE},
	{"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
	{"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
	{"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},
	{"rro", OPT_REC_SET, MOUNT_ATTR_RDONLY},
	{"rrw", OPT_REC_CLEAR, MOUNT_ATTR_RDONLY},
	{"rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID},
	{"rsuid", OPT_REC_CLEAR, MOUNT_ATTR_NOSUID},
	{"rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV},
	{"rdev", OPT_REC_CLEAR, MOUNT_ATTR_NODEV},
	{"rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC},
	{"rexec", OPT_REC_CLEAR, MOUNT_ATTR_NOEXEC},
	{"rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME},
	{"rdiratime", OPT_REC_CLEAR, MOUNT_ATTR_NODIRATIME},
	{"rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW},
	{"rsymfollow", OPT_REC_CLEAR, MOUNT_ATTR_NOSYMFOLLOW},
	{"rrelatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
	{"rnoatime", OPT_REC_ATIME, MOUNT_ATTR_NOATIME},
	{"rstrictatime", OPT_REC_ATIME, MOUNT_ATTR_STRICTATIME},
	/* The atime mode is one value, not flags: turning one mode off picks
	 * another. "atime" and "nostrictatime" mean the kernel's default,
	 * relatime; "norelatime" means always updating, strictatime. */
	{"ratime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
	{"rnostrictatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
	{"rnorelatime", OPT_REC_ATIME, MOUNT_ATTR_STRICTATIME},
	{"idmap", OPT_IDMAP, 0},
	{"ridmap", OPT_RIDMAP, 0},
	{"tmpcopyup", OPT_TMPCOPYUP, 0},
};

static const struct mount_option *find_option(const char *name)
{
	for (size_t i = 0; i < sizeof(mount_options) / sizeof(mount_options[0]); i++)
		if (strcmp(mount_options[i].name, name) == 0)
			return &mount_options[i];
	return NULL;
}

static int append_data(char **data, const char *option)
{
	char *joined = NULL;
	if (*data == NULL)
		joined = strdup(option);
	else if (asprintf(&joined, "%s,%s", *data, option) < 0)
		joined = NULL;
	if (joined == NULL)
		return -1;
	free(*data);
	*data = joined;
	return 0;
}

static void apply_option(struct petrel_mount_options *o, const struct mount_option *opt)
{
	const unsigned long atime_flags = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
	switch (opt->kind) {
	case OPT_NOTHING:
		break;
	case OPT_SET:
		o->flags |= opt->value;
		o->cleared &= ~opt->value;
		break;
	case OPT_CLEAR:
		o->flags &= ~opt->value;
		o->cleared |= opt->value;
		break;
	case OPT_ATIME:
		o->flags = (o->flags & ~atime_flags) | opt->value;
		o->cleared &= ~opt->value;
		break;
	case OPT_PROPAGATION:
		o->propagation[o->propagation_len++] = opt->value;
		break;
	case OPT_REC_SET:
		o->rec_set |= opt->value;
		o->rec_clr &= ~opt->value;
		break;
	case OPT_REC_CLEAR:
		o->rec_clr |= opt->value;
		o->rec_set &= ~opt->value;
		break;
	case OPT_REC_ATIME:
		/* mount_setattr(2) changes the atime mode only when all of
		 * MOUNT_ATTR__ATIME is in attr_clr. */
		o->rec_clr |= MOUNT_ATTR__ATIME;
		o->rec_set = (o->rec_set & ~(uint64_t)MOUNT_ATTR__ATIME) | opt->value;
		break;
	case OPT_IDMAP:
	case OPT_RIDMAP:
		o->idmap = true;
		o->idmap_recursive = opt->kind == OPT_RIDMAP;
		break;
	case OPT_TMPCOPYUP:
		o->tmpcopyup = true;
		break;
	}
}

int petrel_mount_options_parse(char *const *options, size_t len, struct petrel_mount_options *out,
			       struct petrel_error **err)
{
	*out = (struct petrel_mount_options){0};
	if (len > 0) {
		out->propagation = calloc(len, sizeof(*out->propagation));
		if (out->propagation == NULL)
			return petrel_error_set(err, ENOMEM, "mount options");
	}
	for (size_t i = 0; i < len; i++) {
		if (options[i] == NULL || options[i][0] == '\0') {
			petrel_mount_options_release(out);
			return petrel_error_set(err, 0, "options[%zu]: empty mount option", i);
		}
		const struct mount_option *opt = find_option(options[i]);
		if (opt != NULL) {
			apply_option(out, opt);
		} else if (append_data(&out->data, options[i]) < 0) {
			/* As the spec says, anything else is filesystem data. */
			petrel_mount_options_release(out);
			return petrel_error_set(err, ENOMEM, "mount options");
		}
	}
	return 0;
}

void petrel_mount_options_release(struct petrel_mount_options *o)
{
	free(o->propagation);
	free(o->data);
	*o = (struct petrel_mount_options){0};
}

void petrel_mount_options_attr(const struct petrel_mount_options *o, uint64_t *set, uint64_t *clr)
{
	static const struct {
		unsigned long flag;
		uint64_t attr;
	} per_mount[] = {
		{MS_RDONLY, MOUNT_ATTR_RDONLY},         {MS_NOSUID, MOUNT_ATTR_NOSUID},
		{MS_NODEV, MOUNT_ATTR_NODEV},           {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
		{MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
	};
	*set = *clr = 0;
	for (size_t i = 0; i < sizeof(per_mount) / sizeof(per_mount[0]); i++) {
		if (o->flags & per_mount[i].flag)
			*set |= per_mount[i].attr;
		else if (o->cleared & per_mount[i].flag)
			*clr |= per_mount[i].attr;
	}
	/* Only an explicit mode changes the atime of a bind; "atime" and
	 * friends leave the source's, as a MS_REMOUNT|MS_BIND without atime
	 * flags would. */
	if (o->flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
		*clr |= MOUNT_ATTR__ATIME;
		if (o->flags & MS_NOATIME)
			*set |= MOUNT_ATTR_NOATIME;
		else if (o->flags & MS_STRICTATIME)
			*set |= MOUNT_ATTR_STRICTATIME;
	}
}

/* -------------------------------------------------------------- paths */

char *petrel_path_clean(const char *path)
{
	size_t o = 0;
	char *out = malloc(strlen(path) + 2);
	if (out == NULL)
		return NULL;
	for (const char *p = path; *p != '\0';) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (!(n == 1 && p[0] == '.')) {
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = end;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

void petrel_proc_fd_path(int fd, char buf[PETREL_PROC_FD_PATH_SIZE])
{
	snprintf(buf, PETREL_PROC_FD_PATH_SIZE, "/proc/self/fd/%d", fd);
}

#define MAX_SYMLINKS 40

/* The component `name` of prefix is a dangling symlink in dir: *redirect is
 * where it points, with the rest of the path (from `rest`) appended. */
static int follow_dangling(int dir, const char *name, const char *prefix, const char *rest,
			   char **redirect, struct petrel_error **err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dir, name, target, sizeof(target) - 1);
	if (n < 0)
		return petrel_error_errno(err, "read the symlink \"%s\" in the rootfs", prefix);
	target[n] = '\0';
	cleanup_free char *joined = NULL;
	int parent_len = (int)(strlen(prefix) - strlen(name));
	if (asprintf(&joined, "%.*s%s%s", target[0] == '/' ? 0 : parent_len, prefix, target, rest) <
	    0)
		return petrel_error_set(err, ENOMEM, "resolve \"%s\"", prefix);
	*redirect = petrel_path_clean(joined);
	if (*redirect == NULL)
		return petrel_error_set(err, ENOMEM, "resolve \"%s\"", prefix);
	return 0;
}

/* Creates what is missing of path (clean, absolute) component by component;
 * each step is opened again with RESOLVE_IN_ROOT, so a symlink anywhere on
 * the way resolves inside the root. Stops with *redirect set at a dangling
 * symlink. */
static int create_missing(int root_fd, const char *path, enum petrel_path_kind kind,
			  char **redirect, struct petrel_error **err)
{
	cleanup_close int parent = -1; /* -1: the root itself */
	for (const char *p = path + 1; *p != '\0';) {
		const char *end = strchrnul(p, '/');
		cleanup_free char *prefix = strndup(path, (size_t)(end - path));
		cleanup_free char *name = strndup(p, (size_t)(end - p));
		if (prefix == NULL || name == NULL)
			return petrel_error_set(err, ENOMEM, "create \"%s\"", path);
		int fd = petrel_openat2(root_fd, prefix, O_PATH | O_CLOEXEC,
					PETREL_RESOLVE_IN_ROOTFS);
		if (fd < 0) {
			if (errno != ENOENT)
				return petrel_error_errno(err, "open \"%s\" in the rootfs", prefix);
			int dir = parent >= 0 ? parent : root_fd;
			struct stat st;
			if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				return follow_dangling(dir, name, prefix, end, redirect, err);
			int r;
			if (*end == '\0' && kind == PETREL_PATH_FILE) {
				r = openat(dir, name,
					   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					   0644);
				if (r >= 0)
					close(r);
			} else {
				r = mkdirat(dir, name, 0755);
			}
			if (r < 0 && errno != EEXIST)
				return petrel_error_errno(err, "create \"%s\" in the rootfs",
							  prefix);
			fd = petrel_openat2(root_fd, prefix, O_PATH | O_CLOEXEC,
					    PETREL_RESOLVE_IN_ROOTFS);
			if (fd < 0)
				return petrel_error_errno(err, "open \"%s\" in the rootfs", prefix);
		}
		if (parent >= 0)
			close(parent);
		parent = fd;
		p = *end == '\0' ? end : end + 1;
	}
	return 0;
}

int petrel_open_or_create_in_root(int root_fd, const char *path, enum petrel_path_kind kind,
				  int *out_fd, struct petrel_error **err)
{
	cleanup_free char *work = petrel_path_clean(path);
	if (work == NULL)
		return petrel_error_set(err, ENOMEM, "open \"%s\"", path);
	for (int round = 0; round <= MAX_SYMLINKS; round++) {
		int fd =
			petrel_openat2(root_fd, work, O_PATH | O_CLOEXEC, PETREL_RESOLVE_IN_ROOTFS);
		if (fd >= 0) {
			*out_fd = fd;
			return 0;
		}
		if (errno != ENOENT)
			return petrel_error_errno(err, "open \"%s\" in the rootfs", path);
		char *redirect = NULL;
		if (create_missing(root_fd, work, kind, &redirect, err) < 0)
			return -1;
		if (redirect != NULL) {
			free(work);
			work = redirect;
		}
	}
	return petrel_error_set(err, ELOOP, "create \"%s\" in the rootfs", path);
}

/* ---------------------------------------------------------- mountinfo */

static void unescape_octal(char *s)
{
	char *w = s;
	for (char *r = s; *r != '\0';) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

int petrel_mountinfo_foreach(int (*fn)(const struct petrel_mountinfo *m, void *data,
				       struct petrel_error **err),
			     void *data, struct petrel_error **err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return petrel_error_errno(err, "open /proc/self/mountinfo");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *right = strstr(line, " - ");
		if (right == NULL)
			continue;
		*right = '\0';
		right += 3;
		char *field[6], *left = line;
		int n = 0;
		while (n < 6 && (field[n] = strsep(&left, " ")) != NULL)
			n++;
		if (n < 6)
			continue;
		struct petrel_mountinfo m = {
			.id = atoi(field[0]),
			.root = field[3],
			.mount_point = field[4],
			.optional = left ? left : "",
		};
		char *fstype = strsep(&right, " "), *source = strsep(&right, " ");
		if (source == NULL)
			continue;
		m.fstype = fstype;
		m.source = source;
		m.super_options = right ? right : "";
		unescape_octal(field[3]);
		unescape_octal(field[4]);
		unescape_octal(source);
		int r = fn(&m, data, err);
		if (r != 0)
			return r;
	}
	return 0;
}

int petrel_mount_id(int fd, uint64_t *id, struct petrel_error **err)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
		return petrel_error_errno(err, "statx");
	if (!(stx.stx_mask & STATX_MNT_ID))
		return petrel_error_set(err, ENOSYS, "statx: no mount id");
	*id = stx.stx_mnt_id;
	return 0;
}

/* ----------------------------------------------------------- one entry */

static char *join_options(const struct oci_mount *m)
{
	char *joined = NULL;
	for (size_t i = 0; i < m->options_len; i++)
		if (append_data(&joined, m->options[i]) < 0)
			break;
	return joined;
}

/* The error of a mount entry: `mount "proc" on "/proc" (type proc): <step>`;
 * an EINVAL shows the options, the usual culprit. */
int petrel_mount_error(struct petrel_error **err, int errnum, const struct oci_mount *m,
		       const char *step)
{
	cleanup_free char *options = join_options(m);
	bool show = errnum == EINVAL && options != NULL;
	return petrel_error_set(err, errnum, "mount \"%s\" on \"%s\" (type %s%s%s%s)%s%s",
				m->source ? m->source : "none", m->destination,
				m->type ? m->type : "none", show ? ", options \"" : "",
				show ? options : "", show ? "\"" : "", step ? ": " : "",
				step ? step : "");
}

bool petrel_mount_is_bind(const struct oci_mount *m)
{
	if (m->type != NULL && strcmp(m->type, "bind") == 0)
		return true;
	for (size_t i = 0; i < m->options_len; i++)
		if (strcmp(m->options[i], "bind") == 0 || strcmp(m->options[i], "rbind") == 0)
			return true;
	return false;
}

static int write_id_map(const char *proc_pid, const char *file, const struct oci_id_mapping *map,
			size_t len, struct petrel_error **err)
{
	char path[64];
	cleanup_free char *text = NULL;
	size_t size = 0;
	cleanup_fclose FILE *buf = open_memstream(&text, &size);
	if (buf == NULL)
		return petrel_error_errno(err, "idmap");
	for (size_t i = 0; i < len; i++)
		fprintf(buf, "%u %u %u\n", map[i].container_id, map[i].host_id, map[i].size);
	if (fclose(buf) != 0) {
		buf = NULL;
		return petrel_error_errno(err, "idmap");
	}
	buf = NULL;
	snprintf(path, sizeof(path), "/proc/%s/%s", proc_pid, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, size) != (ssize_t)size)
		return petrel_error_errno(err, "write %s \"%s\"", file, text);
	return 0;
}

/* A user namespace holding the idmapped mount's mappings: a child unshares
 * it and waits while its maps are written and the namespace is opened. The
 * child names itself as /proc knows it: /proc may belong to another PID
 * namespace than fork()'s return value. */
static int open_idmap_userns(const struct oci_id_mapping *uids, size_t uids_len,
			     const struct oci_id_mapping *gids, size_t gids_len, int *out,
			     struct petrel_error **err)
{
	int ready[2], hold[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return petrel_error_errno(err, "pipe");
	if (pipe2(hold, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return petrel_error_errno(err, "pipe");
	}
	pid_t pid = fork();
	int fork_errno = errno;
	if (pid == 0) {
		char self[24] = "";
		ssize_t n = -1;
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWUSER) == 0)
			n = readlink("/proc/self", self, sizeof(self) - 1);
		if (n > 0 && write(ready[1], self, (size_t)n) == n) {
			close(ready[1]);
			while (read(hold[0], self, 1) < 0 && errno == EINTR)
				;
		}
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	char self[24] = "";
	ssize_t n = -1;
	int r = -1;
	if (pid > 0)
		while ((n = read(ready[0], self, sizeof(self) - 1)) < 0 && errno == EINTR)
			;
	if (pid < 0)
		petrel_error_set(err, fork_errno, "fork");
	else if (n <= 0 || strspn(self, "0123456789") != (size_t)n)
		petrel_error_set(err, 0, "create a user namespace for the idmapped mount");
	else if (write_id_map(self, "uid_map", uids, uids_len, err) == 0 &&
		 write_id_map(self, "gid_map", gids, gids_len, err) == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%s/ns/user", self);
		*out = open(path, O_RDONLY | O_CLOEXEC);
		r = *out < 0 ? petrel_error_errno(err, "open %s", path) : 0;
	}
	close(ready[0]);
	close(hold[1]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return r;
}

static int set_idmap(const struct petrel_mount_context *ctx, const struct oci_mount *m,
		     const struct petrel_mount_options *o, int tree, struct petrel_error **err)
{
	const struct oci_id_mapping *uids = m->uid_mappings, *gids = m->gid_mappings;
	size_t uids_len = m->uid_mappings_len, gids_len = m->gid_mappings_len;
	if (uids == NULL && gids == NULL && ctx->lx != NULL) {
		uids = ctx->lx->uid_mappings;
		uids_len = ctx->lx->uid_mappings_len;
		gids = ctx->lx->gid_mappings;
		gids_len = ctx->lx->gid_mappings_len;
	}
	if (uids == NULL || gids == NULL || uids_len == 0 || gids_len == 0)
		return petrel_mount_error(
			err, 0, m,
			"idmap needs uidMappings and gidMappings, on the mount or the container");
	if (ctx->in_user_ns)
		return petrel_mount_error(err, ENOTSUP, m,
					  "idmapped mounts are made by petrel before the user "
					  "namespace; this one was not");
	cleanup_close int userns = -1;
	if (open_idmap_userns(uids, uids_len, gids, gids_len, &userns, err) < 0)
		return petrel_error_prefix(err, "mount \"%s\" on \"%s\"", m->source,
					   m->destination);
	struct petrel_mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP,
					 .userns_fd = (uint64_t)userns};
	unsigned int flags = AT_EMPTY_PATH | (o->idmap_recursive ? AT_RECURSIVE : 0);
	if (petrel_mount_setattr(tree, "", flags, &attr) < 0)
		return petrel_mount_error(err, errno, m, "idmap");
	return 0;
}

/* Per-mount attributes (on mnt_fd alone, or its whole tree) and the r-options
 * (always its whole tree). */
int petrel_mount_set_attributes(const struct oci_mount *m, const struct petrel_mount_options *o,
				int mnt_fd, bool per_mount_recursive, struct petrel_error **err)
{
	struct petrel_mount_attr attr = {0};
	petrel_mount_options_attr(o, &attr.attr_set, &attr.attr_clr);
	unsigned int flags = AT_EMPTY_PATH | (per_mount_recursive ? AT_RECURSIVE : 0);
	if ((attr.attr_set || attr.attr_clr) && petrel_mount_setattr(mnt_fd, "", flags, &attr) < 0)
		return petrel_mount_error(err, errno, m, "set the mount flags");
	attr = (struct petrel_mount_attr){.attr_set = o->rec_set, .attr_clr = o->rec_clr};
	if ((attr.attr_set || attr.attr_clr) &&
	    petrel_mount_setattr(mnt_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
		return petrel_mount_error(err, errno, m, "set the recursive mount attributes");
	return 0;
}

int petrel_mount_set_propagation(const struct oci_mount *m, const struct petrel_mount_options *o,
				 int mnt_fd, struct petrel_error **err)
{
	for (size_t i = 0; i < o->propagation_len; i++) {
		unsigned long p = o->propagation[i];
		struct petrel_mount_attr attr = {.propagation = p & ~(unsigned long)MS_REC};
		unsigned int flags = AT_EMPTY_PATH | ((p & MS_REC) ? AT_RECURSIVE : 0);
		if (petrel_mount_setattr(mnt_fd, "", flags, &attr) < 0)
			return petrel_mount_error(err, errno, m, "set the propagation");
	}
	return 0;
}

/* A bind: the tree at source_fd is cloned (with its submounts for rbind),
 * idmapped and given its attributes while still detached, then moved onto
 * target_fd. The flags are set with mount_setattr(2), which changes only what
 * the options name: the flags the kernel locked on the source stay as they
 * are, where a MS_REMOUNT would have to repeat them. */
int petrel_mount_bind_onto(const struct petrel_mount_context *ctx, const struct oci_mount *m,
			   const struct petrel_mount_options *o, int source_fd, int target_fd,
			   bool attrs_recursive, struct petrel_error **err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
	if (o->flags & MS_REC)
		flags |= AT_RECURSIVE;
	/* An idmapped tree petrel made on the host side is used as it is. */
	int premade = -1;
	if (o->idmap && ctx->idmapped_trees && ctx->mounts && m >= ctx->mounts)
		premade = ctx->idmapped_trees[m - ctx->mounts];
	cleanup_close int tree = premade >= 0 ? premade : petrel_open_tree(source_fd, "", flags);
	if (tree < 0)
		return petrel_mount_error(err, errno, m, NULL);
	if (o->idmap && premade < 0 && set_idmap(ctx, m, o, tree, err) < 0)
		return -1;
	if (petrel_mount_set_attributes(m, o, tree, attrs_recursive, err) < 0)
		return -1;
	if (petrel_move_mount(tree, "", target_fd, "",
			      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return petrel_mount_error(err, errno, m, NULL);
	return petrel_mount_set_propagation(m, o, tree, err);
}

static char *source_path(const char *bundle, const char *source)
{
	char *path = NULL;
	if (source[0] == '/' || bundle == NULL)
		return strdup(source);
	if (asprintf(&path, "%s/%s", bundle, source) < 0)
		return NULL;
	return path;
}

static int mount_bind_entry(const struct petrel_mount_context *ctx, const struct oci_mount *m,
			    const struct petrel_mount_options *o, const char *dest,
			    struct petrel_error **err)
{
	if (m->source == NULL || m->source[0] == '\0')
		return petrel_mount_error(err, 0, m, "a bind mount needs a source");
	if (o->data != NULL) {
		/* A bind has no filesystem to take data. Options with a value
		 * ("mode=755") are ignored, as runc ignores them; a bare word
		 * unknown to the table is most likely a misspelt flag ("noexce")
		 * and would otherwise be dropped without a word. */
		cleanup_free char *data = strdup(o->data);
		if (data == NULL)
			return petrel_mount_error(err, ENOMEM, m, NULL);
		for (char *p = data, *opt; (opt = strsep(&p, ",")) != NULL;) {
			if (strchr(opt, '=')) {
				petrel_debug("mount on \"%s\": bind mount ignores \"%s\"",
					     m->destination, opt);
				continue;
			}
			cleanup_free char *step = NULL;
			if (asprintf(
				    &step,
				    "unknown option \"%s\" (a bind mount takes no filesystem data)",
				    opt) < 0)
				step = NULL;
			return petrel_mount_error(err, 0, m, step ? step : "unknown option");
		}
	}
	cleanup_free char *source = source_path(ctx->bundle, m->source);
	if (source == NULL)
		return petrel_mount_error(err, ENOMEM, m, NULL);
	cleanup_close int source_fd = open(source, O_PATH | O_CLOEXEC);
	struct stat st;
	if (source_fd < 0 || fstat(source_fd, &st) < 0)
		return petrel_mount_error(err, errno, m, "open the source");
	cleanup_close int target_fd = -1;
	enum petrel_path_kind kind = S_ISDIR(st.st_mode) ? PETREL_PATH_DIR : PETREL_PATH_FILE;
	if (o->flags & MS_REMOUNT) {
		/* "bind,remount": new flags for what is already mounted there. */
		target_fd = petrel_openat2(ctx->rootfs_fd, dest, O_PATH | O_CLOEXEC,
					   PETREL_RESOLVE_IN_ROOTFS);
		if (target_fd < 0)
			return petrel_mount_error(err, errno, m, NULL);
		if (petrel_mount_set_attributes(m, o, target_fd, false, err) < 0)
			return -1;
		return petrel_mount_set_propagation(m, o, target_fd, err);
	}
	if (petrel_open_or_create_in_root(ctx->rootfs_fd, dest, kind, &target_fd, err) < 0)
		return petrel_error_prefix(err, "mount \"%s\" on \"%s\"", m->source,
					   m->destination);
	return petrel_mount_bind_onto(ctx, m, o, source_fd, target_fd, false, err);
}

/* After mount(2) onto the fd of dest, that fd still names the directory
 * underneath; the new mount is found by resolving dest again, and checked to
 * be another mount than the one under it. */
static int open_new_mount(int rootfs_fd, const char *dest, int under_fd, const struct oci_mount *m,
			  int *out, struct petrel_error **err)
{
	uint64_t under_id, id;
	if (petrel_mount_id(under_fd, &under_id, err) < 0)
		return petrel_error_prefix(err, "mount on \"%s\"", m->destination);
	int fd = petrel_openat2(rootfs_fd, dest, O_PATH | O_CLOEXEC, PETREL_RESOLVE_IN_ROOTFS);
	if (fd < 0)
		return petrel_mount_error(err, errno, m, "open the new mount");
	if (petrel_mount_id(fd, &id, err) < 0) {
		close(fd);
		return petrel_error_prefix(err, "mount on \"%s\"", m->destination);
	}
	if (id == under_id) {
		close(fd);
		return petrel_mount_error(err, 0, m, "the new mount is not at the destination");
	}
	*out = fd;
	return 0;
}

/* tmpcopyup: what the directory held before the tmpfs covered it, copied
 * into the tmpfs with modes and owners. */
static int copy_tree(int src, int dst, const char *where, int depth, struct petrel_error **err)
{
	if (depth > 64)
		return petrel_error_set(err, ELOOP, "tmpcopyup \"%s\"", where);
	int dir_fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_closedir DIR *dir = dir_fd >= 0 ? fdopendir(dir_fd) : NULL;
	if (dir == NULL) {
		if (dir_fd >= 0)
			close(dir_fd);
		return petrel_error_errno(err, "tmpcopyup \"%s\"", where);
	}
	for (struct dirent *e; (e = readdir(dir)) != NULL;) {
		const char *name = e->d_name;
		struct stat st;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return petrel_error_errno(err, "tmpcopyup \"%s/%s\"", where, name);
		int r = 0;
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(dst, name, 0700) < 0)
				return petrel_error_errno(err, "tmpcopyup \"%s/%s\"", where, name);
			cleanup_close int s =
				openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			cleanup_close int d =
				openat(dst, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s < 0 || d < 0)
				return petrel_error_errno(err, "tmpcopyup \"%s/%s\"", where, name);
			if (copy_tree(s, d, where, depth + 1, err) < 0)
				return -1;
		} else if (S_ISREG(st.st_mode)) {
			cleanup_close int s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			cleanup_close int d =
				openat(dst, name,
				       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			char buf[65536];
			ssize_t n = 0;
			r = s < 0 || d < 0 ? -1 : 0;
			while (r == 0 && (n = read(s, buf, sizeof(buf))) > 0)
				r = write(d, buf, (size_t)n) == n ? 0 : -1;
			if (n < 0)
				r = -1;
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
			r = n < 0 ? -1 : 0;
			if (r == 0) {
				target[n] = '\0';
				r = symlinkat(target, dst, name);
			}
		} else {
			r = mknodat(dst, name, st.st_mode, st.st_rdev);
		}
		if (r == 0)
			r = fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
		if (r == 0 && !S_ISLNK(st.st_mode))
			r = fchmodat(dst, name, st.st_mode & 07777, 0);
		if (r < 0)
			return petrel_error_errno(err, "tmpcopyup \"%s/%s\"", where, name);
	}
	return 0;
}

/* The host's filesystem, bound, where a user namespace may not mount its
 * own: sysfs needs the network namespace's owner, mqueue the IPC one's. */
static int bind_host_instead(const struct petrel_mount_context *ctx, const struct oci_mount *m,
			     const struct petrel_mount_options *o, int target_fd, const char *host,
			     struct petrel_error **err)
{
	petrel_debug("mount %s on \"%s\": not permitted in this user namespace, binding the "
		     "host's %s instead",
		     m->type, m->destination, host);
	cleanup_close int source_fd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (source_fd < 0)
		return petrel_mount_error(err, errno, m, "open the host's instance");
	struct petrel_mount_options bind = *o;
	bind.flags |= MS_BIND | MS_REC;
	return petrel_mount_bind_onto(ctx, m, &bind, source_fd, target_fd, true, err);
}

int petrel_mount_filesystem(const struct petrel_mount_context *ctx, const struct oci_mount *m,
			    const struct petrel_mount_options *o, const char *dest,
			    const char *type, struct petrel_error **err)
{
	cleanup_close int target_fd = -1;
	if (o->flags & MS_REMOUNT) {
		target_fd = petrel_openat2(ctx->rootfs_fd, dest, O_PATH | O_CLOEXEC,
					   PETREL_RESOLVE_IN_ROOTFS);
		if (target_fd < 0)
			return petrel_mount_error(err, errno, m, NULL);
	} else if (petrel_open_or_create_in_root(ctx->rootfs_fd, dest, PETREL_PATH_DIR, &target_fd,
						 err) < 0) {
		return petrel_error_prefix(err, "mount \"%s\" on \"%s\"",
					   m->source ? m->source : type, m->destination);
	}
	cleanup_close int old_content = -1;
	unsigned long flags = o->flags;
	if (o->tmpcopyup) {
		old_content = openat(target_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (old_content < 0)
			return petrel_mount_error(err, errno, m, "tmpcopyup");
		flags &= ~(unsigned long)MS_RDONLY; /* until the copy is done */
	}
	char target[PETREL_PROC_FD_PATH_SIZE];
	petrel_proc_fd_path(target_fd, target);
	const char *source = m->source && m->source[0] ? m->source : type;
	if (mount(source, target, type, flags, o->data) < 0) {
		int e = errno;
		if (e == EPERM && ctx->in_user_ns && strcmp(type, "sysfs") == 0)
			return bind_host_instead(ctx, m, o, target_fd, "/sys", err);
		if (e == EPERM && ctx->in_user_ns && strcmp(type, "mqueue") == 0)
			return bind_host_instead(ctx, m, o, target_fd, "/dev/mqueue", err);
		return petrel_mount_error(err, e, m, NULL);
	}
	if (o->propagation_len == 0 && o->rec_set == 0 && o->rec_clr == 0 && !o->tmpcopyup)
		return 0;
	cleanup_close int mnt_fd = -1;
	if (o->flags & MS_REMOUNT)
		mnt_fd = steal_fd(&target_fd);
	else if (open_new_mount(ctx->rootfs_fd, dest, target_fd, m, &mnt_fd, err) < 0)
		return -1;
	if (o->tmpcopyup) {
		if (copy_tree(old_content, mnt_fd, m->destination, 0, err) < 0)
			return petrel_error_prefix(err, "mount on \"%s\"", m->destination);
		struct petrel_mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
		if ((o->flags & MS_RDONLY) &&
		    petrel_mount_setattr(mnt_fd, "", AT_EMPTY_PATH, &ro) < 0)
			return petrel_mount_error(err, errno, m, "make read-only");
	}
	struct petrel_mount_options rec_only = *o;
	rec_only.flags = rec_only.cleared = 0;
	if (petrel_mount_set_attributes(m, &rec_only, mnt_fd, false, err) < 0)
		return -1;
	return petrel_mount_set_propagation(m, o, mnt_fd, err);
}

/* ---------------------------------------------------------------- entry */

int petrel_mount_entry(const struct petrel_mount_context *ctx, const struct oci_mount *m,
		       size_t index, struct petrel_error **err)
{
	if (m->destination == NULL || m->destination[0] == '\0')
		return petrel_error_set(err, 0, ".mounts[%zu]: the destination is empty", index);
	struct petrel_mount_options o;
	if (petrel_mount_options_parse(m->options, m->options_len, &o, err) < 0)
		return petrel_error_prefix(err, ".mounts[%zu]", index);
	cleanup_free char *dest = petrel_path_clean(m->destination);
	bool bind = petrel_mount_is_bind(m);
	int r = -1;
	if ((m->uid_mappings_len > 0 || m->gid_mappings_len > 0) && !o.idmap)
		o.idmap = true; /* mappings without "idmap": the spec's SHOULD, not a MUST */
	if (dest == NULL)
		petrel_error_set(err, ENOMEM, ".mounts[%zu]", index);
	else if (strcmp(dest, "/") == 0)
		petrel_error_set(err, 0, ".mounts[%zu]: a mount on \"/\" would hide the rootfs",
				 index);
	else if (o.idmap && !bind)
		petrel_error_set(err, 0, ".mounts[%zu]: idmap and ridmap need a bind mount", index);
	else if (o.tmpcopyup && (bind || m->type == NULL || strcmp(m->type, "tmpfs") != 0))
		petrel_error_set(err, 0, ".mounts[%zu]: tmpcopyup needs a tmpfs mount", index);
	else if (!bind && (m->type == NULL || m->type[0] == '\0'))
		petrel_error_set(err, 0, ".mounts[%zu]: the type is missing", index);
	else if (bind)
		r = mount_bind_entry(ctx, m, &o, dest, err);
	else if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)
		r = petrel_mount_cgroup(ctx, m, &o, dest, err);
	else
		r = petrel_mount_filesystem(ctx, m, &o, dest, m->type, err);
	petrel_mount_options_release(&o);
	return r;
}

size_t petrel_mount_option_count(void)
{
	return sizeof(mount_options) / sizeof(mount_options[0]);
}

const char *petrel_mount_option_name(size_t i)
{
	return i < petrel_mount_option_count() ? mount_options[i].name : NULL;
}

int petrel_mount_prepare_idmapped(const struct oci_spec *spec, const char *bundle, int **trees,
				  struct petrel_error **err)
{
	*trees = NULL;
	int *fds = NULL;
	const struct petrel_mount_context ctx = {.bundle = bundle, .lx = spec->linux};
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const struct oci_mount *m = &spec->mounts[i];
		struct petrel_mount_options o = {0};
		if (!petrel_mount_is_bind(m) ||
		    petrel_mount_options_parse(m->options, m->options_len, &o, NULL) < 0)
			continue;
		bool idmap = o.idmap || m->uid_mappings_len > 0 || m->gid_mappings_len > 0;
		if (!idmap || m->source == NULL) {
			petrel_mount_options_release(&o);
			continue;
		}
		if (fds == NULL) {
			fds = malloc(spec->mounts_len * sizeof(int));
			if (fds == NULL) {
				petrel_mount_options_release(&o);
				return petrel_error_set(err, ENOMEM, "idmapped mounts");
			}
			for (size_t k = 0; k < spec->mounts_len; k++)
				fds[k] = -1;
			*trees = fds;
		}
		cleanup_free char *source = source_path(bundle, m->source);
		cleanup_close int source_fd = source ? open(source, O_PATH | O_CLOEXEC) : -1;
		unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
		if (o.flags & MS_REC)
			flags |= AT_RECURSIVE;
		int tree = source_fd < 0 ? -1 : petrel_open_tree(source_fd, "", flags);
		int r = tree < 0 ? petrel_mount_error(err, errno, m, "open the source") : 0;
		if (r == 0)
			r = set_idmap(&ctx, m, &o, tree, err);
		petrel_mount_options_release(&o);
		if (r < 0) {
			if (tree >= 0)
				close(tree);
			petrel_mount_release_idmapped(spec, fds);
			*trees = NULL;
			return -1;
		}
		fds[i] = tree;
	}
	return 0;
}

void petrel_mount_release_idmapped(const struct oci_spec *spec, int *trees)
{
	for (size_t i = 0; trees && i < spec->mounts_len; i++)
		if (trees[i] >= 0)
			close(trees[i]);
	free(trees);
}
