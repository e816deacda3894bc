/* Container state on disk: the per-container directory, its lock, the
 * atomically written state.json, and the status derived from the init
 * process and exec.fifo. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "passwd.h"
#include "cgroup.h"
#include "state.h"

#define STATE_FILE "state.json"

static const char *const status_names[] = {
	[PETREL_STATUS_CREATING] = "creating", [PETREL_STATUS_CREATED] = "created",
	[PETREL_STATUS_RUNNING] = "running",   [PETREL_STATUS_PAUSED] = "paused",
	[PETREL_STATUS_STOPPED] = "stopped",
};

const char *petrel_status_name(enum petrel_status status)
{
	return status_names[status];
}

/* mkdir -p: engines name a --root whose parents may not exist yet
 * (containerd's shim passes /run/containerd/runc/<namespace>). */
static int make_dirs(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	char parent[PATH_MAX];
	if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	char *slash = strrchr(parent, '/');
	if (slash == NULL || slash == parent)
		return -1;
	*slash = '\0';
	if (make_dirs(parent, mode) < 0)
		return -1;
	return mkdir(path, mode) == 0 || errno == EEXIST ? 0 : -1;
}

static int open_root(const char *root, bool create, struct petrel_error **err)
{
	if (create && make_dirs(root, 0700) < 0)
		return petrel_error_errno(err, "create state directory \"%s\"", root);
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return petrel_error_errno(err, "open state directory \"%s\"", root);
	return fd;
}

static struct petrel_container *container_alloc(const char *id)
{
	struct petrel_container *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->id = strdup(id);
	c->root_fd = c->dir_fd = -1;
	if (c->id == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void petrel_container_free(struct petrel_container *c)
{
	if (c == NULL)
		return;
	if (c->dir_fd >= 0)
		close(c->dir_fd);
	if (c->root_fd >= 0)
		close(c->root_fd);
	oci_petrel_state_free(c->state);
	free(c->id);
	free(c);
}

static int lock_dir(int fd, const char *id, struct petrel_error **err)
{
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return petrel_error_errno(err, "lock container \"%s\"", id);
	}
	return 0;
}

/* An existing directory whose create died before state.json: nobody holds
 * its lock (a running create does) and it has no state.json. Removes it and
 * returns true; false for a live or complete container. */
static bool remove_if_stale(struct petrel_container *c)
{
	int fd = openat(c->root_fd, c->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	bool stale = flock(fd, LOCK_EX | LOCK_NB) == 0 &&
		     faccessat(fd, STATE_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
	if (stale) {
		int own = c->dir_fd;
		c->dir_fd = fd;
		stale = petrel_container_remove(c, NULL) == 0;
		c->dir_fd = own;
	}
	close(fd);
	return stale;
}

int petrel_container_new(const char *root, const char *id, struct petrel_container **out,
			 struct petrel_error **err)
{
	struct petrel_container *c = container_alloc(id);
	if (c == NULL)
		return petrel_error_set(err, ENOMEM, "container \"%s\"", id);
	c->root_fd = open_root(root, true, err);
	if (c->root_fd < 0)
		goto fail;
	/* The directory is made and locked under a private name, then renamed
	 * into place: a container's directory is never visible unlocked before
	 * its state.json exists, so one found unlocked without it is stale. */
	char tmp[32];
	snprintf(tmp, sizeof(tmp), ".new.%d", getpid());
	if (mkdirat(c->root_fd, tmp, 0711) < 0) {
		petrel_error_errno(err, "create container directory \"%s/%s\"", root, tmp);
		goto fail;
	}
	c->dir_fd = openat(c->root_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	/* 0711 whatever the caller's umask: the container's process, as its
	 * own user, opens exec.fifo in here. */
	if (c->dir_fd < 0 || fchmod(c->dir_fd, 0711) < 0) {
		petrel_error_errno(err, "open container directory \"%s/%s\"", root, tmp);
		unlinkat(c->root_fd, tmp, AT_REMOVEDIR);
		goto fail;
	}
	if (lock_dir(c->dir_fd, id, err) < 0) {
		unlinkat(c->root_fd, tmp, AT_REMOVEDIR);
		goto fail;
	}
	int moved = renameat2(c->root_fd, tmp, c->root_fd, id, RENAME_NOREPLACE);
	int why = moved < 0 ? errno : 0;
	if (why == EEXIST && remove_if_stale(c)) {
		moved = renameat2(c->root_fd, tmp, c->root_fd, id, RENAME_NOREPLACE);
		why = moved < 0 ? errno : 0;
	}
	if (moved < 0) {
		unlinkat(c->root_fd, tmp, AT_REMOVEDIR);
		if (why == EEXIST)
			petrel_error_set(err, 0, "container \"%s\" already exists", id);
		else
			petrel_error_set(err, why, "create container directory \"%s/%s\"", root,
					 id);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	petrel_container_free(c);
	return -1;
}

static int load_state(struct petrel_container *c, struct petrel_error **err)
{
	cleanup_close int fd = openat(c->dir_fd, STATE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return petrel_error_set_quiet(err, ENOENT, "container \"%s\" does not exist",
					      c->id);
	if (fd < 0)
		return petrel_error_errno(err, "container \"%s\": open %s", c->id, STATE_FILE);
	char *why = NULL;
	if (oci_petrel_state_parse_fd(fd, STATE_FILE, &c->state, &why) < 0) {
		petrel_error_take(err, 0, why);
		return petrel_error_prefix(err, "container \"%s\"", c->id);
	}
	return 0;
}

int petrel_container_open(const char *root, const char *id, bool exclusive,
			  struct petrel_container **out, struct petrel_error **err)
{
	struct petrel_container *c = container_alloc(id);
	if (c == NULL)
		return petrel_error_set(err, ENOMEM, "container \"%s\"", id);
	c->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->root_fd < 0 && errno == ENOENT) {
		petrel_error_set_quiet(err, ENOENT, "container \"%s\" does not exist", id);
		goto fail;
	}
	if (c->root_fd < 0) {
		petrel_error_errno(err, "open state directory \"%s\"", root);
		goto fail;
	}
	c->dir_fd = openat(c->root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (c->dir_fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			petrel_error_set_quiet(err, ENOENT, "container \"%s\" does not exist", id);
		else
			petrel_error_errno(err, "open container \"%s\"", id);
		goto fail;
	}
	/* Readers take no lock: state.json is replaced atomically, so they
	 * see a whole document, and a hook of the container may ask for its
	 * state while the command that runs the hook holds the lock. */
	if (exclusive && lock_dir(c->dir_fd, id, err) < 0)
		goto fail;
	/* A container deleted while this waited for the lock is gone. */
	struct stat st;
	if (fstat(c->dir_fd, &st) < 0 || st.st_nlink == 0) {
		petrel_error_set_quiet(err, ENOENT, "container \"%s\" does not exist", id);
		goto fail;
	}
	if (load_state(c, err) < 0) {
		/* The creator holds the lock until state.json exists: with the
		 * lock and no state.json, a create died half-way. Its leftovers
		 * go, so that the id can be used again. */
		if (exclusive && (*err)->errnum == ENOENT)
			petrel_container_remove(c, NULL);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	petrel_container_free(c);
	return -1;
}

/* Writes data to <dir_fd>/name through a temporary file and rename(), so a
 * reader sees the old or the new content, never a mix. */
static int write_atomically(int dir_fd, const char *name, const char *data, size_t len,
			    struct petrel_error **err)
{
	char tmp[NAME_MAX + 32];
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, getpid());
	cleanup_close int fd =
		openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return petrel_error_errno(err, "create %s", tmp);
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			unlinkat(dir_fd, tmp, 0);
			return petrel_error_set(err, saved, "write %s", name);
		}
		done += (size_t)n;
	}
	if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
		int saved = errno;
		unlinkat(dir_fd, tmp, 0);
		return petrel_error_set(err, saved, "rename %s", name);
	}
	return 0;
}

int petrel_container_save(struct petrel_container *c, struct petrel_error **err)
{
	char *json = NULL, *why = NULL;
	size_t len = 0;
	if (oci_petrel_state_generate(c->state, false, &json, &len, &why) < 0)
		return petrel_error_take(err, 0, why);
	int r = write_atomically(c->dir_fd, STATE_FILE, json, len, err);
	free(json);
	return r;
}

int petrel_write_pid_file(const char *path, pid_t pid, struct petrel_error **err)
{
	cleanup_free char *copy = strdup(path);
	if (copy == NULL)
		return petrel_error_set(err, ENOMEM, "pid file");
	char *slash = strrchr(copy, '/');
	const char *dir = ".", *name = copy;
	if (slash == copy) {
		dir = "/";
		name = copy + 1;
	} else if (slash) {
		*slash = '\0';
		dir = copy;
		name = slash + 1;
	}
	cleanup_close int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return petrel_error_errno(err, "pid file \"%s\"", path);
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%d", pid);
	if (write_atomically(dir_fd, name, buf, (size_t)n, err) < 0)
		return petrel_error_prefix(err, "pid file \"%s\"", path);
	return 0;
}

int petrel_container_remove(struct petrel_container *c, struct petrel_error **err)
{
	cleanup_closedir DIR *d = NULL;
	int fd = openat(c->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		d = fdopendir(fd);
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return petrel_error_errno(err, "container \"%s\": read directory", c->id);
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(c->dir_fd, e->d_name, e->d_type == DT_DIR ? AT_REMOVEDIR : 0) < 0 &&
		    errno != ENOENT)
			return petrel_error_errno(err, "container \"%s\": remove %s", c->id,
						  e->d_name);
	}
	if (unlinkat(c->root_fd, c->id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return petrel_error_errno(err, "container \"%s\": remove directory", c->id);
	return 0;
}

unsigned long long petrel_process_start_time(pid_t pid, bool *zombie)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields resume
	 * after the last ')'. */
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return 0;
	p += 2;
	if (zombie)
		*zombie = *p == 'Z' || *p == 'X';
	/* p is at field 3 (state); the start time is field 22. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

enum petrel_status petrel_container_status(struct petrel_container *c)
{
	if (c->state == NULL)
		return PETREL_STATUS_CREATING;
	bool zombie = false;
	unsigned long long start = petrel_process_start_time(c->state->init_pid, &zombie);
	if (start == 0 || zombie || start != c->state->init_start_time)
		return PETREL_STATUS_STOPPED;
	if (faccessat(c->dir_fd, PETREL_EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return PETREL_STATUS_CREATED;
	cleanup_cgroup struct petrel_cgroup *cg = NULL;
	if (c->state->cgroup && petrel_cgroup_from_state(c->id, c->state->cgroup, &cg, NULL) == 0 &&
	    petrel_cgroup_is_frozen(cg))
		return PETREL_STATUS_PAUSED;
	return PETREL_STATUS_RUNNING;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int petrel_container_list(const char *root, char ***ids, size_t *n, struct petrel_error **err)
{
	*ids = NULL;
	*n = 0;
	cleanup_closedir DIR *d = opendir(root);
	if (d == NULL && errno == ENOENT)
		return 0;
	if (d == NULL)
		return petrel_error_errno(err, "open state directory \"%s\"", root);
	size_t len = 0, cap = 0;
	char **list = NULL;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (e->d_name[0] == '.' ||
		    (e->d_type != DT_DIR &&
		     (e->d_type != DT_UNKNOWN ||
		      fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		      !S_ISDIR(st.st_mode))))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			char **bigger = realloc(list, cap * sizeof(*list));
			if (bigger == NULL)
				goto nomem;
			list = bigger;
		}
		if ((list[len] = strdup(e->d_name)) == NULL)
			goto nomem;
		len++;
	}
	if (len > 1)
		qsort(list, len, sizeof(*list), compare_names);
	*ids = list;
	*n = len;
	return 0;
nomem:
	for (size_t i = 0; i < len; i++)
		free(list[i]);
	free(list);
	return petrel_error_set(err, ENOMEM, "list containers");
}

int petrel_container_oci_state(struct petrel_container *c, enum petrel_status status,
			       struct oci_state **out, struct petrel_error **err)
{
	const struct oci_petrel_state *s = c->state;
	struct oci_state view = {
		.oci_version = s->oci_version ? s->oci_version : (char *)OCI_SPEC_VERSION,
		.id = s->id,
		.pid = status == PETREL_STATUS_STOPPED ? 0 : s->init_pid,
		.has_pid = true,
		.status = (char *)petrel_status_name(status),
		.bundle = s->bundle,
		.rootfs = s->rootfs,
		.created = s->created,
		.annotations = s->annotations,
	};
	/* The owner is the user who owns the state, as runc reports it. */
	char uid_name[16];
	uid_t owner = s->has_owner_uid ? s->owner_uid : 0;
	cleanup_free char *name = petrel_passwd_lookup("/etc/passwd", owner, PETREL_PASSWD_NAME);
	snprintf(uid_name, sizeof(uid_name), "%u", owner);
	view.owner = name ? name : uid_name;
	*out = ocispec_dup(&oci_type_state, &view);
	if (*out == NULL)
		return petrel_error_set(err, ENOMEM, "state of \"%s\"", c->id);
	return 0;
}

int petrel_container_state_json(struct petrel_container *c, enum petrel_status status, char **out,
				struct petrel_error **err)
{
	struct oci_state *state = NULL;
	if (petrel_container_oci_state(c, status, &state, err) < 0)
		return -1;
	char *why = NULL;
	int r = oci_state_generate(state, false, out, NULL, &why);
	oci_state_free(state);
	if (r < 0)
		return petrel_error_take(err, 0, why);
	return 0;
}
