/* The cgroupfs driver: petrel makes the container's directories itself, in
 * every v1 hierarchy and in the v2 one (pure v1, pure v2 and hybrid hosts
 * alike), and writes the resources with cgroup-v1.c and cgroup-v2.c.
 *
 * cgroupsPath as runc reads it: absolute from the hierarchy's root, relative
 * under petrel's own cgroup in that hierarchy; absent, a cgroup named after
 * the container under petrel's own. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "log.h"

/* How long freeze and destroy wait for the kernel. */
#define WAIT_MS 10000

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The same controllers, whatever their order ("cpu,cpuacct"). */
static bool same_controllers(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	for (const char *p = a; *p;) {
		size_t len = strcspn(p, ",");
		bool found = false;
		for (const char *q = b; *q;) {
			size_t l = strcspn(q, ",");
			if (l == len && strncmp(p, q, len) == 0)
				found = true;
			q += l + (q[l] == ',');
		}
		if (!found)
			return false;
		na++;
		p += len + (p[len] == ',');
	}
	for (const char *q = b; *q; nb++) {
		size_t l = strcspn(q, ",");
		q += l + (q[l] == ',');
	}
	return na == nb;
}

/* Whether the comma-separated list holds name. */
static bool same_or_listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

/* The cgroup of process pid (0: petrel itself) in hierarchy h, relative to
 * h's mount (malloc'd, "" for the mount's root). */
static int proc_cgroup(pid_t pid, const struct petrel_cgroup_hierarchy *h, char **out,
		       struct petrel_error **err)
{
	char file[64] = "/proc/self/cgroup";
	if (pid > 0)
		snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	cleanup_fclose FILE *f = fopen(file, "re");
	if (f == NULL)
		return petrel_error_errno(err, "cgroup: open %s", file);
	cleanup_free char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		const char *controllers = c1 + 1, *path = c2 + 1;
		if (h->v2 ? (strcmp(line, "0:") != 0 || *controllers)
			  : !same_controllers(controllers, h->controllers))
			continue;
		/* Relative to what is mounted (a cgroup namespace's root). */
		size_t root_len = strcmp(h->root, "/") == 0 ? 0 : strlen(h->root);
		if (root_len && strncmp(path, h->root, root_len) == 0)
			path += root_len;
		while (*path == '/')
			path++;
		*out = strdup(path);
		if (*out == NULL)
			return petrel_error_set(err, ENOMEM, "cgroup");
		return 0;
	}
	return petrel_error_set(err, ENOENT, "cgroup: no line for the \"%s\" hierarchy in %s",
				h->v2 ? "unified" : h->controllers, file);
}

/* The container's directory in hierarchy h. */
static int container_dir(const struct petrel_cgroup_hierarchy *h, const char *id,
			 const char *cgroups_path, char **out, struct petrel_error **err)
{
	const char *p = cgroups_path && *cgroups_path ? cgroups_path : id;
	cleanup_free char *own = NULL;
	if (p[0] != '/' && proc_cgroup(0, h, &own, err) < 0)
		return -1;
	while (*p == '/')
		p++;
	int r = own && *own ? asprintf(out, "%s/%s/%s", h->mount, own, p)
			    : asprintf(out, "%s/%s", h->mount, p);
	if (r < 0) {
		*out = NULL;
		return petrel_error_set(err, ENOMEM, "cgroup");
	}
	/* Trailing slashes and doubled ones go. */
	char *w = *out;
	for (const char *s = *out; *s; s++)
		if (!(*s == '/' && (s[1] == '/' || s[1] == '\0')))
			*w++ = *s;
	*w = '\0';
	return 0;
}

static int check_cgroups_path(const char *path, struct petrel_error **err)
{
	if (path == NULL)
		return 0;
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");
		if ((len == 2 && strncmp(p, "..", 2) == 0) || (len == 1 && *p == '.'))
			return petrel_error_set(
				err, EINVAL,
				"config.json: .linux.cgroupsPath: \"%s\": \".\" and "
				"\"..\" are not allowed",
				path);
		p += len;
		p += strspn(p, "/");
	}
	return 0;
}

/* v1 cpuset: a new cgroup starts with no CPUs and no memory nodes; it gets
 * its parent's. */
static int inherit_cpuset(const char *dir, struct petrel_error **err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	cleanup_free char *parent = strdup(dir);
	if (parent == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup");
	*strrchr(parent, '/') = '\0';
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *value = NULL, *mine = NULL;
		if (petrel_cgroup_read(dir, files[i], &mine, err) < 0)
			return -1;
		if (*mine)
			continue;
		if (petrel_cgroup_read(parent, files[i], &value, err) < 0 ||
		    petrel_cgroup_write(dir, files[i], *value ? value : "\n", err) < 0)
			return -1;
	}
	return 0;
}

/* Whether the resources ask for a v2 controller (so that failing to enable
 * it is an error, not a debug line). */
static bool wants_controller(const struct oci_resources *r, const char *name)
{
	if (r == NULL)
		return false;
	if (strcmp(name, "memory") == 0)
		return r->memory != NULL;
	if (strcmp(name, "cpu") == 0)
		return r->cpu && (r->cpu->has_shares || r->cpu->has_quota || r->cpu->has_period ||
				  r->cpu->has_burst || r->cpu->has_idle);
	if (strcmp(name, "cpuset") == 0)
		return r->cpu && (r->cpu->cpus || r->cpu->mems);
	if (strcmp(name, "pids") == 0)
		return r->pids != NULL;
	if (strcmp(name, "io") == 0)
		return r->block_io != NULL;
	if (strcmp(name, "hugetlb") == 0)
		return r->hugepage_limits_len > 0;
	if (strcmp(name, "rdma") == 0)
		return r->rdma_len > 0;
	size_t len = strlen(name);
	for (size_t i = 0; r->unified && i < r->unified->len; i++)
		if (strncmp(r->unified->keys[i], name, len) == 0 && r->unified->keys[i][len] == '.')
			return true;
	return false;
}

/* v2: the controllers the host has, enabled for the children of dir. */
static int enable_controllers(const char *dir, const char *available, const struct oci_resources *r,
			      struct petrel_error **err)
{
	if (available == NULL || *available == '\0')
		return 0;
	cleanup_free char *all = malloc(2 * strlen(available) + 2);
	if (all == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup");
	char *w = all;
	for (const char *p = available; *p;) {
		size_t len = strcspn(p, " ");
		w += sprintf(w, "%s+%.*s", w == all ? "" : " ", (int)len, p);
		p += len + strspn(p + len, " ");
	}
	if (petrel_cgroup_write(dir, "cgroup.subtree_control", all, NULL) == 0)
		return 0;
	/* One at a time: some may be refused (a threaded subtree, processes in
	 * dir); only those the resources need must work. */
	for (const char *p = available; *p;) {
		size_t len = strcspn(p, " ");
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		p += len + strspn(p + len, " ");
		struct petrel_error *e = NULL;
		if (petrel_cgroup_writef(dir, "cgroup.subtree_control", &e, "+%s", name) < 0) {
			if (wants_controller(r, name)) {
				*err = e;
				return petrel_error_prefix(err, "cgroup: enable controller \"%s\"",
							   name);
			}
			petrel_debug("cgroup: %s", petrel_error_message(e));
			petrel_error_free(e);
		}
	}
	return 0;
}

int petrel_cgroup_make_dir(const struct petrel_cgroup_hierarchy *h, const char *available_v2,
			   const struct oci_resources *r, struct petrel_cgroup_dir *dir,
			   struct petrel_error **err)
{
	size_t mount_len = strlen(h->mount);
	bool cpuset = !h->v2 && same_or_listed(h->controllers, "cpuset");
	cleanup_free char *path = strdup(dir->path);
	if (path == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup");
	for (char *p = path + mount_len; p && *p;) {
		char *next = strchr(p + 1, '/');
		if (h->v2 && available_v2) {
			/* The parent of this component passes its controllers on. */
			*p = '\0';
			int r2 = enable_controllers(path, available_v2, r, err);
			*p = '/';
			if (r2 < 0)
				return -1;
		}
		if (next)
			*next = '\0';
		if (mkdir(path, 0755) == 0) {
			if (dir->created_from == NULL && !(dir->created_from = strdup(path)))
				return petrel_error_set(err, ENOMEM, "cgroup");
			if (cpuset && inherit_cpuset(path, err) < 0)
				return -1;
		} else if (errno != EEXIST) {
			return petrel_error_errno(err, "cgroup: create %s", path);
		}
		if (next)
			*next = '/';
		p = next;
	}
	return 0;
}

/* Removes dir and every directory below it (children first). */
static int remove_tree(const char *dir, struct petrel_error **err)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return errno == ENOENT ? 0 : petrel_error_errno(err, "cgroup: open %s", dir);
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		cleanup_free char *sub = NULL;
		if (asprintf(&sub, "%s/%s", dir, e->d_name) < 0) {
			sub = NULL;
			r = petrel_error_set(err, ENOMEM, "cgroup");
			break;
		}
		if (remove_tree(sub, err) < 0) {
			r = -1;
			break;
		}
	}
	closedir(d);
	if (r < 0)
		return -1;
	/* A process that just died may still be counted for a moment. */
	for (int i = 0; rmdir(dir) < 0; i++) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || i * 10 >= WAIT_MS)
			return petrel_error_errno(err, "cgroup: remove %s", dir);
		sleep_ms(i < 10 ? 1 : 10);
	}
	return 0;
}

/* The parents petrel made, up to created_from, while they are empty. */
static void remove_parents(const struct petrel_cgroup_dir *dir)
{
	size_t stop = strlen(dir->created_from);
	cleanup_free char *path = strdup(dir->path);
	if (path == NULL)
		return;
	for (char *slash; (slash = strrchr(path, '/')) != NULL;) {
		*slash = '\0';
		if (strlen(path) < stop || rmdir(path) < 0)
			return;
	}
}

static int remove_dirs(const struct petrel_cgroup *cg, struct petrel_error **err);

/* A cgroup that existed before is only taken while no process is in it:
 * two containers with the same cgroupsPath (or the same id under different
 * --root directories) must not share one. */
static int check_unused(const char *dir, struct petrel_error **err)
{
	cleanup_free char *procs = NULL;
	if (petrel_cgroup_read(dir, "cgroup.procs", &procs, err) < 0)
		return -1;
	if (*procs)
		return petrel_error_set(err, EBUSY,
					"cgroup %s is in use by other processes (another "
					"container's?)",
					dir);
	return 0;
}

static int fs_create(const struct petrel_cgroup_config *config, struct petrel_cgroup *cg,
		     struct petrel_error **err)
{
	const struct petrel_cgroup_layout *layout;
	if (petrel_cgroup_layout(&layout, err) < 0 ||
	    check_cgroups_path(config->cgroups_path, err) < 0)
		return -1;
	if (config->resources && petrel_cgroup_check_available(layout, config->resources, err) < 0)
		return -1;
	if (petrel_cgroup_dirs_new(cg, layout, err) < 0)
		goto fail;
	for (size_t i = 0; i < cg->n; i++) {
		const struct petrel_cgroup_hierarchy *h = &layout->hierarchies[i];
		struct petrel_cgroup_dir *dir = &cg->dirs[i];
		if (container_dir(h, config->id, config->cgroups_path, &dir->path, err) < 0 ||
		    petrel_cgroup_make_dir(h, layout->v2_controllers, config->resources, dir, err) <
			    0 ||
		    (dir->created_from == NULL && check_unused(dir->path, err) < 0))
			goto fail;
		if (h->v2) {
			cg->v2_fd = open(dir->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (cg->v2_fd < 0) {
				petrel_error_errno(err, "cgroup: open %s", dir->path);
				goto fail;
			}
		}
	}
	if (config->resources &&
	    (petrel_cgroup_v1_apply(cg, config->resources, config, false, err) < 0 ||
	     petrel_cgroup_v2_apply(cg, config->resources, config, false, err) < 0))
		goto fail;
	/* Without resources.devices the device rules still apply: the
	 * defaults and linux.devices. */
	if (!config->resources) {
		struct oci_resources none = {0};
		if (petrel_cgroup_v1_apply(cg, &none, config, false, err) < 0 ||
		    petrel_cgroup_v2_apply(cg, &none, config, false, err) < 0)
			goto fail;
	}
	return 0;
fail:
	/* No process of the container's is in it yet: nothing to kill. */
	remove_dirs(cg, NULL);
	return -1;
}

/* A --cgroup path: relative, not empty, without "." or ".." components. */
static int check_sub_path(const char *value, const char *path, struct petrel_error **err)
{
	if (*path == '\0' || *path == '/' || check_cgroups_path(path, NULL) < 0)
		return petrel_error_set(err, EINVAL,
					"--cgroup \"%s\": a relative path without \"..\" is needed",
					value);
	return 0;
}

/* Whether the container's cgroup has a v1 directory (else `exec --cgroup`
 * takes only a path: v2 has one hierarchy). */
static bool has_v1(const struct petrel_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->dirs[i].v2)
			return true;
	return false;
}

/* runc's `exec --cgroup` values, one a line (see petrel_cgroup_enter):
 * the path below cg->dirs[i] the process goes to (malloc'd), or NULL for
 * dirs[i] itself. Every line is checked whatever i is: relative paths
 * without "..", controllers some v1 hierarchy has, one path a hierarchy
 * ("cpu:a" and "cpuacct:b" with cpu,cpuacct mounted together is an error).
 * A v2 directory gets only a path given without controllers; on a host
 * without v1 hierarchies, values with controllers name no directory (as
 * runc, which ignores them there). */
static int sub_for(const struct petrel_cgroup *cg, size_t i, const char *sub, char **path,
		   struct petrel_error **err)
{
	*path = NULL;
	if (sub == NULL)
		return 0;
	cleanup_free char *lines = strdup(sub);
	if (lines == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup");
	bool v1 = has_v1(cg);
	const char *chosen = NULL, *chosen_by = NULL;
	for (char *value = lines, *next; value; value = next) {
		next = strchr(value, '\n');
		if (next)
			*next++ = '\0';
		char *colon = strchr(value, ':');
		const char *p = colon ? colon + 1 : value;
		if (check_sub_path(value, p, err) < 0)
			return -1;
		if (colon == NULL) {
			chosen = p;
			continue;
		}
		if (!v1)
			continue;
		*colon = '\0';
		for (char *c = value, *more; c; c = more) {
			more = strchr(c, ',');
			if (more)
				*more++ = '\0';
			size_t k = 0;
			while (k < cg->n &&
			       (cg->dirs[k].v2 || !same_or_listed(cg->dirs[k].controllers, c)))
				k++;
			if (k == cg->n)
				return petrel_error_set(
					err, 0,
					"--cgroup: unknown controller \"%s\" (no "
					"cgroup v1 hierarchy of the container has it)",
					c);
			if (k != i)
				continue;
			if (chosen && strcmp(chosen, p) != 0)
				return petrel_error_set(
					err, 0,
					"--cgroup: \"%s\" and \"%s\" share the "
					"hierarchy \"%s\", which cannot hold the "
					"process in two sub-cgroups (\"%s\" and \"%s\")",
					chosen_by ? chosen_by : "", c, cg->dirs[k].controllers,
					chosen, p);
			chosen = p;
			chosen_by = c;
		}
	}
	if (chosen && !(*path = strdup(chosen)))
		return petrel_error_set(err, ENOMEM, "cgroup");
	return 0;
}

int petrel_cgroup_sub_check(const struct petrel_cgroup *cg, const char *sub, char **v2_dir,
			    struct petrel_error **err)
{
	*v2_dir = NULL;
	if (sub == NULL)
		return 0;
	if (cg->n == 0)
		return petrel_error_set(err, ENOTSUP, "container \"%s\" has no cgroup", cg->id);
	if (!has_v1(cg) && strchr(sub, ':'))
		petrel_warn("--cgroup: a value with controllers names no directory on cgroup v2 "
			    "(one hierarchy): the process stays in the container's cgroup");
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *path = NULL;
		if (sub_for(cg, i, sub, &path, err) < 0)
			return -1;
		if (!cg->dirs[i].v2 || path == NULL || *v2_dir)
			continue;
		if (asprintf(v2_dir, "%s/%s", cg->dirs[i].path, path) < 0) {
			*v2_dir = NULL;
			return petrel_error_set(err, ENOMEM, "cgroup");
		}
	}
	return 0;
}

int petrel_cgroup_v2_dir_of(pid_t pid, char **out, struct petrel_error **err)
{
	*out = NULL;
	const struct petrel_cgroup_layout *layout;
	if (petrel_cgroup_layout(&layout, err) < 0)
		return -1;
	for (size_t i = 0; i < layout->n; i++) {
		const struct petrel_cgroup_hierarchy *h = &layout->hierarchies[i];
		cleanup_free char *rel = NULL;
		if (!h->v2)
			continue;
		if (proc_cgroup(pid, h, &rel, err) < 0)
			return -1;
		if (asprintf(out, "%s%s%s", h->mount, *rel ? "/" : "", rel) < 0) {
			*out = NULL;
			return petrel_error_set(err, ENOMEM, "cgroup");
		}
		return 0;
	}
	return petrel_error_set(err, ENOENT, "cgroup: this host has no cgroup v2 hierarchy");
}

int petrel_cgroup_enter_v2_dir_self(const char *dir, struct petrel_error **err)
{
	return petrel_cgroup_write(dir, "cgroup.procs", "0", err);
}

/* Moves pid (0: the calling thread, by itself) into the container's
 * cgroup: see petrel_cgroup_enter_self() for why v1 takes `tasks` then. */
static int move(const struct petrel_cgroup *cg, pid_t pid, bool born_in_v2, const char *sub,
		struct petrel_error **err)
{
	for (size_t i = 0; i < cg->n; i++) {
		const struct petrel_cgroup_dir *dir = &cg->dirs[i];
		cleanup_free char *sub_path = NULL;
		if (sub_for(cg, i, sub, &sub_path, err) < 0)
			return -1;
		if (dir->v2 && born_in_v2)
			continue;
		cleanup_free char *target = NULL;
		if (sub_path && asprintf(&target, "%s/%s", dir->path, sub_path) < 0) {
			target = NULL;
			return petrel_error_set(err, ENOMEM, "cgroup");
		}
		if (target && access(target, F_OK) < 0)
			return petrel_error_errno(err, "--cgroup: %s", target);
		const char *file = pid == 0 && !dir->v2 ? "tasks" : "cgroup.procs";
		if (petrel_cgroup_writef(target ? target : dir->path, file, err, "%d", pid) < 0)
			return -1;
	}
	return 0;
}

static int fs_enter(const struct petrel_cgroup *cg, pid_t pid, bool born_in_v2, const char *sub,
		    struct petrel_error **err)
{
	return move(cg, pid, born_in_v2, sub, err);
}

static int fs_enter_self(const struct petrel_cgroup *cg, bool born_in_v2, const char *sub,
			 struct petrel_error **err)
{
	return move(cg, 0, born_in_v2, sub, err);
}

static int fs_update(const struct petrel_cgroup *cg, const struct oci_resources *r,
		     struct petrel_error **err)
{
	const struct petrel_cgroup_layout *layout;
	if (petrel_cgroup_layout(&layout, err) < 0 ||
	    petrel_cgroup_check_available(layout, r, err) < 0 ||
	    petrel_cgroup_v1_apply(cg, r, NULL, true, err) < 0 ||
	    petrel_cgroup_v2_apply(cg, r, NULL, true, err) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------- freezing */

static bool v1_freezer(const struct petrel_cgroup *cg, const char **dir)
{
	const struct petrel_cgroup_layout *layout;
	*dir = petrel_cgroup_dir_for(cg, "freezer");
	return petrel_cgroup_layout(&layout, NULL) == 0 &&
	       petrel_cgroup_owner(layout, "freezer") == PETREL_OWNER_V1;
}

/* v2: whether cgroup.events says "frozen 1". */
static bool v2_frozen(const char *dir)
{
	cleanup_free char *events = NULL;
	if (petrel_cgroup_read(dir, "cgroup.events", &events, NULL) < 0)
		return false;
	const char *f = strstr(events, "frozen ");
	return f && f[7] == '1';
}

static int fs_freeze(const struct petrel_cgroup *cg, bool frozen, struct petrel_error **err)
{
	const char *dir;
	bool v1 = v1_freezer(cg, &dir);
	if (dir == NULL)
		return petrel_error_set(err, ENOTSUP, "container \"%s\": no freezer cgroup",
					cg->id);
	const char *want = v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0");
	if (petrel_cgroup_write(dir, v1 ? "freezer.state" : "cgroup.freeze", want, err) < 0)
		return -1;
	for (int waited = 0;; waited += 1) {
		if (v1) {
			cleanup_free char *state = NULL;
			if (petrel_cgroup_read(dir, "freezer.state", &state, err) < 0)
				return -1;
			if (strcmp(state, want) == 0)
				return 0;
			/* A task that was forking may need the request again. */
			if (waited % 10 == 9 &&
			    petrel_cgroup_write(dir, "freezer.state", want, err) < 0)
				return -1;
		} else if (v2_frozen(dir) == frozen) {
			return 0;
		}
		if (waited >= WAIT_MS)
			break;
		sleep_ms(1);
	}
	if (frozen)
		petrel_cgroup_write(dir, v1 ? "freezer.state" : "cgroup.freeze",
				    v1 ? "THAWED" : "0", NULL);
	return petrel_error_set(err, ETIMEDOUT, "container \"%s\": %s did not finish in %d ms",
				cg->id, frozen ? "freezing" : "thawing", WAIT_MS);
}

static bool fs_is_frozen(const struct petrel_cgroup *cg)
{
	const char *dir;
	bool v1 = v1_freezer(cg, &dir);
	if (dir == NULL)
		return false;
	cleanup_free char *state = NULL;
	if (petrel_cgroup_read(dir, v1 ? "freezer.state" : "cgroup.freeze", &state, NULL) < 0)
		return false;
	return strcmp(state, v1 ? "FROZEN" : "1") == 0;
}

/* --------------------------------------------------------------- processes */

/* Where every process of the container is listed: the v2 dir, else a v1
 * one (pids, or any). */
static const char *tracking_dir(const struct petrel_cgroup *cg)
{
	const char *dir = petrel_cgroup_v2_dir(cg);
	if (dir == NULL)
		dir = petrel_cgroup_dir_for(cg, "pids");
	if (dir == NULL && cg->n)
		dir = cg->dirs[0].path;
	return dir;
}

struct pid_list {
	pid_t *pids;
	size_t n, cap;
};

/* A cgroup removed while it is read (ENODEV once removed, ENOENT after):
 * systemd removes a scope's cgroup as soon as it is empty. */
static bool cgroup_gone(struct petrel_error **err)
{
	if (*err == NULL || ((*err)->errnum != ENODEV && (*err)->errnum != ENOENT))
		return false;
	petrel_error_free(*err);
	*err = NULL;
	return true;
}

/* The pids in dir and its descendants; none for a cgroup that is gone. */
static int collect_pids(const char *dir, struct pid_list *l, struct petrel_error **err)
{
	cleanup_free char *procs = NULL;
	if (petrel_cgroup_read(dir, "cgroup.procs", &procs, err) < 0)
		return cgroup_gone(err) ? 0 : -1;
	for (char *p = procs; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 16;
			pid_t *more = realloc(l->pids, cap * sizeof(*more));
			if (more == NULL)
				return petrel_error_set(err, ENOMEM, "cgroup: pids");
			l->pids = more;
			l->cap = cap;
		}
		l->pids[l->n++] = (pid_t)pid;
		p = end + strspn(end, "\n");
	}
	cleanup_closedir DIR *d = opendir(dir);
	if (d == NULL) {
		petrel_error_errno(err, "cgroup: open %s", dir);
		return cgroup_gone(err) ? 0 : -1;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		cleanup_free char *sub = NULL;
		if (asprintf(&sub, "%s/%s", dir, e->d_name) < 0) {
			sub = NULL;
			return petrel_error_set(err, ENOMEM, "cgroup: pids");
		}
		if (collect_pids(sub, l, err) < 0)
			return -1;
	}
	return 0;
}

static int compare_pids(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

static int fs_pids(const struct petrel_cgroup *cg, pid_t **pids, size_t *n,
		   struct petrel_error **err)
{
	const char *dir = tracking_dir(cg);
	struct pid_list l = {0};
	if (dir == NULL)
		return petrel_error_set(err, ENOTSUP, "container \"%s\" has no cgroup", cg->id);
	if (collect_pids(dir, &l, err) < 0) {
		free(l.pids);
		return -1;
	}
	if (l.n)
		qsort(l.pids, l.n, sizeof(*l.pids), compare_pids);
	size_t out = 0;
	for (size_t i = 0; i < l.n; i++)
		if (out == 0 || l.pids[out - 1] != l.pids[i])
			l.pids[out++] = l.pids[i];
	*pids = l.pids;
	*n = out;
	return 0;
}

static int fs_kill_all(const struct petrel_cgroup *cg, int signum, struct petrel_error **err)
{
	const char *v2 = petrel_cgroup_v2_dir(cg);
	if (signum == SIGKILL && v2 && petrel_cgroup_write(v2, "cgroup.kill", "1", NULL) == 0)
		return 0;
	/* Frozen, no process can fork away from the signal. */
	bool was_frozen = fs_is_frozen(cg);
	bool froze = !was_frozen && fs_freeze(cg, true, NULL) == 0;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int r = fs_pids(cg, &pids, &n, err);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (kill(pids[i], signum) < 0 && errno != ESRCH)
			r = petrel_error_errno(err, "kill %d", pids[i]);
	/* A frozen process dies only once thawed. */
	if (froze || (was_frozen && signum == SIGKILL))
		fs_freeze(cg, false, NULL);
	return r;
}

static int wait_empty(const struct petrel_cgroup *cg, struct petrel_error **err)
{
	for (int waited = 0;; waited++) {
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;
		if (fs_pids(cg, &pids, &n, err) < 0)
			return -1;
		if (n == 0)
			return 0;
		if (waited == 0 || waited % 100 == 0)
			fs_kill_all(cg, SIGKILL, NULL);
		if (waited >= WAIT_MS)
			return petrel_error_set(err, EBUSY,
						"container \"%s\": %zu processes are left in its "
						"cgroup",
						cg->id, n);
		sleep_ms(1);
	}
}

/* Removes the directories petrel made (never one it did not). */
static int remove_dirs(const struct petrel_cgroup *cg, struct petrel_error **err)
{
	int r = 0;
	for (size_t i = 0; i < cg->n; i++) {
		const struct petrel_cgroup_dir *dir = &cg->dirs[i];
		if (dir->path == NULL || dir->created_from == NULL)
			continue;
		if (remove_tree(dir->path, r < 0 ? NULL : err) < 0) {
			r = -1;
			continue;
		}
		remove_parents(dir);
	}
	return r;
}

static int fs_destroy(const struct petrel_cgroup *cg, struct petrel_error **err)
{
	int r = 0;
	if (tracking_dir(cg) && access(tracking_dir(cg), F_OK) == 0 && wait_empty(cg, err) < 0)
		r = -1;
	if (remove_dirs(cg, r < 0 ? NULL : err) < 0)
		r = -1;
	return r;
}

/* ------------------------------------------------------------ availability */

static int need(const struct petrel_cgroup_layout *layout, bool asked, const char *controller,
		const char *field, struct petrel_error **err)
{
	if (!asked || petrel_cgroup_owner(layout, controller) != PETREL_OWNER_NONE)
		return 0;
	return petrel_error_set(err, ENOTSUP,
				"config.json: .linux.resources.%s: the cgroup controller \"%s\" is "
				"not available on this host",
				field, controller);
}

int petrel_cgroup_check_available(const struct petrel_cgroup_layout *layout,
				  const struct oci_resources *r, struct petrel_error **err)
{
	const struct oci_memory *m = r->memory;
	const struct oci_cpu *c = r->cpu;
	bool v2 = layout->mode == PETREL_CGROUP_V2 || layout->mode == PETREL_CGROUP_HYBRID;
	/* Pure v2 has no net_cls or net_prio, and runc ignores both there
	 * (the v2 writer logs it); v1 and hybrid hosts need the controller. */
	bool want_net = layout->mode != PETREL_CGROUP_V2 && r->network;
	if (need(layout,
		 m && (m->has_limit || m->has_reservation || m->has_swap || m->has_kernel ||
		       m->has_kernel_tcp || m->has_swappiness || m->has_disable_oom_killer ||
		       m->has_use_hierarchy),
		 "memory", "memory", err) < 0 ||
	    need(layout,
		 c && (c->has_shares || c->has_quota || c->has_burst || c->has_period ||
		       c->has_realtime_runtime || c->has_realtime_period || c->has_idle),
		 "cpu", "cpu", err) < 0 ||
	    need(layout, c && (c->cpus || c->mems), "cpuset", "cpu", err) < 0 ||
	    need(layout, r->pids && r->pids->has_limit, "pids", "pids", err) < 0 ||
	    need(layout, r->block_io != NULL, "blkio", "blockIO", err) < 0 ||
	    need(layout, r->hugepage_limits_len > 0, "hugetlb", "hugepageLimits", err) < 0 ||
	    need(layout, want_net && r->network->has_class_id, "net_cls", "network", err) < 0 ||
	    need(layout, want_net && r->network->priorities_len, "net_prio", "network", err) < 0 ||
	    need(layout, r->rdma_len > 0, "rdma", "rdma", err) < 0 ||
	    need(layout, r->devices_len > 0, "devices", "devices", err) < 0)
		return -1;
	if (r->unified && r->unified->len && !v2)
		return petrel_error_set(
			err, ENOTSUP,
			"config.json: .linux.resources.unified: needs cgroup v2, and "
			"this host has only cgroup v1");
	return 0;
}

const struct petrel_cgroup_driver petrel_cgroup_driver_fs = {
	.name = "cgroupfs",
	.create = fs_create,
	.enter = fs_enter,
	.enter_self = fs_enter_self,
	.update = fs_update,
	.freeze = fs_freeze,
	.is_frozen = fs_is_frozen,
	.pids = fs_pids,
	.kill_all = fs_kill_all,
	.destroy = fs_destroy,
};
