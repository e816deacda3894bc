/* The cgroup interface: the host's layout (from mountinfo), which hierarchy
 * owns a controller, cgroupfs file helpers, the state record, and dispatch
 * to the driver a container was created with. The "none" driver is here
 * too: it makes nothing and knows no processes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "log.h"

/* ----------------------------------------------------------------- layout */

/* Mount options of a v1 cgroup mount that are not controllers. */
static bool is_v1_mount_flag(const char *opt)
{
	static const char *const flags[] = {"rw",
					    "ro",
					    "xattr",
					    "noprefix",
					    "clone_children",
					    "cpuset_v2_mode",
					    "favordynmods",
					    "nofavordynmods"};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(opt, flags[i]) == 0)
			return true;
	return strncmp(opt, "release_agent=", 14) == 0;
}

/* "rw,cpu,cpuacct" -> "cpu,cpuacct" (malloc'd). */
static char *v1_controllers(const char *super_opts)
{
	cleanup_free char *copy = strdup(super_opts);
	char *out = calloc(1, strlen(super_opts) + 1), *save = NULL;
	if (copy == NULL || out == NULL) {
		free(out);
		return NULL;
	}
	for (char *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		if (is_v1_mount_flag(opt))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, opt);
	}
	return out;
}

static bool has_hierarchy(const struct petrel_cgroup_layout *l, const char *controllers, bool v2)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->hierarchies[i].v2 == v2 &&
		    (v2 || strcmp(l->hierarchies[i].controllers, controllers) == 0))
			return true;
	return false;
}

static int add_hierarchy(struct petrel_cgroup_layout *l, const char *mount, const char *root,
			 char *controllers, bool v2)
{
	struct petrel_cgroup_hierarchy *more =
		realloc(l->hierarchies, (l->n + 1) * sizeof(*l->hierarchies));
	if (more == NULL) {
		free(controllers);
		return -1;
	}
	l->hierarchies = more;
	l->hierarchies[l->n] = (struct petrel_cgroup_hierarchy){
		.mount = strdup(mount),
		.root = strdup(root),
		.controllers = controllers,
		.v2 = v2,
	};
	if (l->hierarchies[l->n].mount == NULL || l->hierarchies[l->n].root == NULL)
		return -1;
	l->n++;
	return 0;
}

/* Octal escapes of mountinfo ("\040" for a space), decoded in place. */
static void unescape_mountinfo(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

static int read_layout(struct petrel_cgroup_layout *l, struct petrel_error **err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return petrel_error_errno(err, "cgroup: open /proc/self/mountinfo");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	struct petrel_cgroup_layout v2 = {0};
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mount opts [optional...] - fstype source super */
		char *sep = strstr(line, " - ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		char *fields[5], *save = NULL, *p = line;
		int n = 0;
		for (; n < 5 && (fields[n] = strtok_r(p, " ", &save)) != NULL; n++)
			p = NULL;
		if (n < 5)
			continue;
		char *fstype = strtok_r(sep + 3, " ", &save);
		char *source = strtok_r(NULL, " ", &save);
		char *super = strtok_r(NULL, " \n", &save);
		if (fstype == NULL || source == NULL || super == NULL)
			continue;
		unescape_mountinfo(fields[3]);
		unescape_mountinfo(fields[4]);
		if (strcmp(fstype, "cgroup2") == 0) {
			if (!has_hierarchy(&v2, "", true) &&
			    add_hierarchy(&v2, fields[4], fields[3], strdup(""), true) < 0)
				goto oom;
		} else if (strcmp(fstype, "cgroup") == 0) {
			char *controllers = v1_controllers(super);
			if (controllers == NULL)
				goto oom;
			if (has_hierarchy(l, controllers, false)) {
				free(controllers);
				continue;
			}
			if (add_hierarchy(l, fields[4], fields[3], controllers, false) < 0)
				goto oom;
		}
	}
	bool v1_controller = false;
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->hierarchies[i].controllers, "name=", 5) != 0)
			v1_controller = true;
	if (v2.n) {
		if (add_hierarchy(l, v2.hierarchies[0].mount, v2.hierarchies[0].root, strdup(""),
				  true) < 0)
			goto oom;
		char path[4096];
		snprintf(path, sizeof(path), "%s/cgroup.controllers", v2.hierarchies[0].mount);
		cleanup_fclose FILE *c = fopen(path, "re");
		char buf[512] = "";
		if (c && fgets(buf, sizeof(buf), c))
			buf[strcspn(buf, "\n")] = '\0';
		l->v2_controllers = strdup(buf);
	}
	for (size_t i = 0; i < v2.n; i++) {
		free(v2.hierarchies[i].mount);
		free(v2.hierarchies[i].root);
		free(v2.hierarchies[i].controllers);
	}
	free(v2.hierarchies);
	if (v2.n && !v1_controller) {
		/* A v1 "name=systemd" beside a v2 root is still a v2 host. */
		l->mode = PETREL_CGROUP_V2;
		for (size_t i = 0; i + 1 < l->n; i++) {
			free(l->hierarchies[i].mount);
			free(l->hierarchies[i].root);
			free(l->hierarchies[i].controllers);
		}
		l->hierarchies[0] = l->hierarchies[l->n - 1];
		l->n = 1;
	} else if (v2.n) {
		l->mode = PETREL_CGROUP_HYBRID;
	} else {
		l->mode = l->n ? PETREL_CGROUP_V1 : PETREL_CGROUP_NONE;
	}
	return 0;
oom:
	return petrel_error_set(err, ENOMEM, "cgroup: layout");
}

int petrel_cgroup_layout(const struct petrel_cgroup_layout **out, struct petrel_error **err)
{
	static struct petrel_cgroup_layout layout;
	static bool done;
	if (!done) {
		if (read_layout(&layout, err) < 0)
			return -1;
		done = true;
	}
	*out = &layout;
	return 0;
}

/* Whether a comma- or space-separated list holds name. */
static bool list_has(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ", ");
		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p += n;
		p += strspn(p, ", ");
	}
	return false;
}

static const char *v2_name(const char *controller)
{
	return strcmp(controller, "blkio") == 0 ? "io" : controller;
}

static const char *v1_name(const char *controller)
{
	return strcmp(controller, "io") == 0 ? "blkio" : controller;
}

enum petrel_cgroup_owner petrel_cgroup_owner(const struct petrel_cgroup_layout *layout,
					     const char *controller)
{
	bool v2 = false;
	for (size_t i = 0; i < layout->n; i++) {
		const struct petrel_cgroup_hierarchy *h = &layout->hierarchies[i];
		if (h->v2)
			v2 = true;
		else if (list_has(h->controllers, v1_name(controller)))
			return PETREL_OWNER_V1;
	}
	if (!v2)
		return PETREL_OWNER_NONE;
	/* In the v2 core, not controllers. */
	if (strcmp(controller, "freezer") == 0 || strcmp(controller, "devices") == 0)
		return PETREL_OWNER_V2;
	return list_has(layout->v2_controllers, v2_name(controller)) ? PETREL_OWNER_V2
								     : PETREL_OWNER_NONE;
}

const char *petrel_cgroup_v2_dir(const struct petrel_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++)
		if (cg->dirs[i].v2)
			return cg->dirs[i].path;
	return NULL;
}

const char *petrel_cgroup_dir_for(const struct petrel_cgroup *cg, const char *controller)
{
	const struct petrel_cgroup_layout *layout;
	if (petrel_cgroup_layout(&layout, NULL) < 0)
		return NULL;
	switch (petrel_cgroup_owner(layout, controller)) {
	case PETREL_OWNER_V1:
		for (size_t i = 0; i < cg->n; i++)
			if (!cg->dirs[i].v2 &&
			    list_has(cg->dirs[i].controllers, v1_name(controller)))
				return cg->dirs[i].path;
		return NULL;
	case PETREL_OWNER_V2:
		return petrel_cgroup_v2_dir(cg);
	default:
		return NULL;
	}
}

/* ------------------------------------------------------------ file access */

int petrel_cgroup_write(const char *dir, const char *file, const char *value,
			struct petrel_error **err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return petrel_error_errno(err, "write \"%s\" to %s", value, path);
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	if (n < 0)
		return petrel_error_errno(err, "write \"%s\" to %s", value, path);
	if ((size_t)n != len)
		return petrel_error_set(err, EIO, "write \"%s\" to %s: short write", value, path);
	return 0;
}

int petrel_cgroup_writef(const char *dir, const char *file, struct petrel_error **err,
			 const char *fmt, ...)
{
	cleanup_free char *value = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (r < 0) {
		value = NULL;
		return petrel_error_set(err, ENOMEM, "cgroup: write %s", file);
	}
	return petrel_cgroup_write(dir, file, value, err);
}

int petrel_cgroup_read(const char *dir, const char *file, char **out, struct petrel_error **err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return petrel_error_errno(err, "read %s", path);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	if (buf == NULL)
		return petrel_error_set(err, ENOMEM, "read %s", path);
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return petrel_error_errno(err, "read %s", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			char *more = realloc(buf, cap * 2 + 1);
			if (more == NULL) {
				free(buf);
				return petrel_error_set(err, ENOMEM, "read %s", path);
			}
			buf = more;
			cap *= 2;
		}
	}
	while (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int petrel_cgroup_read_u64(const char *dir, const char *file, uint64_t *out,
			   struct petrel_error **err)
{
	cleanup_free char *text = NULL;
	if (petrel_cgroup_read(dir, file, &text, err) < 0)
		return -1;
	if (strcmp(text, "max") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n'))
		return petrel_error_set(err, EINVAL, "read %s/%s: not a number: \"%s\"", dir, file,
					text);
	*out = v;
	return 0;
}

/* ------------------------------------------------------------ state record */

static const struct petrel_cgroup_driver *driver_named(const char *name)
{
	if (strcmp(name, petrel_cgroup_driver_fs.name) == 0)
		return &petrel_cgroup_driver_fs;
	if (strcmp(name, petrel_cgroup_driver_systemd.name) == 0)
		return &petrel_cgroup_driver_systemd;
	if (strcmp(name, petrel_cgroup_driver_none.name) == 0)
		return &petrel_cgroup_driver_none;
	return NULL;
}

int petrel_cgroup_to_state(const struct petrel_cgroup *cg, struct oci_petrel_cgroup_state **out,
			   struct petrel_error **err)
{
	struct oci_petrel_cgroup_dir *dirs = calloc(cg->n ? cg->n : 1, sizeof(*dirs));
	if (dirs == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup state");
	for (size_t i = 0; i < cg->n; i++) {
		dirs[i].controllers = cg->dirs[i].v2 ? (char *)"" : cg->dirs[i].controllers;
		dirs[i].path = cg->dirs[i].path;
		dirs[i].created_from = cg->dirs[i].created_from;
	}
	struct oci_petrel_cgroup_state s = {
		.driver = (char *)cg->driver->name,
		.unit = cg->unit,
		.dirs = dirs,
		.dirs_len = cg->n,
	};
	*out = ocispec_dup(&oci_type_petrel_cgroup_state, &s);
	free(dirs);
	if (*out == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup state");
	return 0;
}

static struct petrel_cgroup *cgroup_new(const char *id, const struct petrel_cgroup_driver *d)
{
	struct petrel_cgroup *cg = calloc(1, sizeof(*cg));
	if (cg == NULL)
		return NULL;
	cg->driver = d;
	cg->v2_fd = -1;
	cg->id = strdup(id);
	if (cg->id == NULL) {
		free(cg);
		return NULL;
	}
	return cg;
}

int petrel_cgroup_from_state(const char *id, const struct oci_petrel_cgroup_state *s,
			     struct petrel_cgroup **out, struct petrel_error **err)
{
	const struct petrel_cgroup_driver *d =
		s ? driver_named(s->driver) : &petrel_cgroup_driver_none;
	if (d == NULL)
		return petrel_error_set(err, EINVAL,
					"container \"%s\": unknown cgroup driver \"%s\"", id,
					s->driver);
	cleanup_cgroup struct petrel_cgroup *cg = cgroup_new(id, d);
	if (cg == NULL ||
	    (s && s->dirs_len && !(cg->dirs = calloc(s->dirs_len, sizeof(*cg->dirs)))))
		return petrel_error_set(err, ENOMEM, "cgroup state");
	if (s && s->unit && !(cg->unit = strdup(s->unit)))
		return petrel_error_set(err, ENOMEM, "cgroup state");
	for (size_t i = 0; s && i < s->dirs_len; i++) {
		struct petrel_cgroup_dir *dir = &cg->dirs[i];
		dir->v2 = s->dirs[i].controllers[0] == '\0';
		dir->controllers = strdup(s->dirs[i].controllers);
		dir->path = strdup(s->dirs[i].path);
		dir->created_from =
			s->dirs[i].created_from ? strdup(s->dirs[i].created_from) : NULL;
		cg->n++;
		if (!dir->controllers || !dir->path ||
		    (s->dirs[i].created_from && !dir->created_from))
			return petrel_error_set(err, ENOMEM, "cgroup state");
		if (dir->v2 && cg->v2_fd < 0)
			cg->v2_fd = open(dir->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	*out = steal_ptr(&cg);
	return 0;
}

int petrel_cgroup_dirs_new(struct petrel_cgroup *cg, const struct petrel_cgroup_layout *layout,
			   struct petrel_error **err)
{
	cg->dirs = calloc(layout->n ? layout->n : 1, sizeof(*cg->dirs));
	if (cg->dirs == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup");
	for (size_t i = 0; i < layout->n; i++) {
		struct petrel_cgroup_dir *dir = &cg->dirs[cg->n++];
		dir->v2 = layout->hierarchies[i].v2;
		dir->controllers = strdup(layout->hierarchies[i].controllers);
		if (dir->controllers == NULL)
			return petrel_error_set(err, ENOMEM, "cgroup");
	}
	return 0;
}

void petrel_cgroup_free(struct petrel_cgroup *cg)
{
	if (cg == NULL)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->dirs[i].controllers);
		free(cg->dirs[i].path);
		free(cg->dirs[i].created_from);
	}
	free(cg->dirs);
	free(cg->unit);
	free(cg->id);
	if (cg->v2_fd >= 0)
		close(cg->v2_fd);
	free(cg);
}

/* --------------------------------------------------------------- dispatch */

int petrel_cgroup_create(const struct petrel_cgroup_config *config, struct petrel_cgroup **out,
			 struct petrel_error **err)
{
	const struct petrel_cgroup_layout *layout;
	if (petrel_cgroup_layout(&layout, err) < 0)
		return -1;
	const struct petrel_cgroup_driver *d = &petrel_cgroup_driver_fs;
	if (config->systemd)
		d = &petrel_cgroup_driver_systemd;
	else if (layout->mode == PETREL_CGROUP_NONE) {
		if (config->resources || config->cgroups_path)
			return petrel_error_set(err, ENOENT,
						"cgroup: no cgroup filesystem is mounted");
		d = &petrel_cgroup_driver_none;
	}
	cleanup_cgroup struct petrel_cgroup *cg = cgroup_new(config->id, d);
	if (cg == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup");
	if (d->create(config, cg, err) < 0) {
		/* Without root and without a delegated cgroup, a container that
		 * asks for no cgroup settings runs without one, as runc's
		 * rootless mode does. */
		bool denied = *err && ((*err)->errnum == EACCES || (*err)->errnum == EPERM ||
				       (*err)->errnum == EROFS);
		if (!(config->rootless && denied && !config->resources && !config->cgroups_path))
			return -1;
		petrel_debug("cgroup: %s; running without one", petrel_error_message(*err));
		petrel_error_free(*err);
		*err = NULL;
		petrel_cgroup_free(cg);
		cg = cgroup_new(config->id, &petrel_cgroup_driver_none);
		if (cg == NULL)
			return petrel_error_set(err, ENOMEM, "cgroup");
	}
	*out = steal_ptr(&cg);
	return 0;
}

int petrel_cgroup_enter(const struct petrel_cgroup *cg, pid_t pid, bool born_in_v2, const char *sub,
			struct petrel_error **err)
{
	return cg->driver->enter(cg, pid, born_in_v2, sub, err);
}

int petrel_cgroup_enter_self(const struct petrel_cgroup *cg, bool born_in_v2, const char *sub,
			     struct petrel_error **err)
{
	return cg->driver->enter_self(cg, born_in_v2, sub, err);
}

bool petrel_cgroup_born_complete(const struct petrel_cgroup *cg)
{
	if (cg->driver == &petrel_cgroup_driver_none)
		return true;
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->dirs[i].v2)
			return false;
	return cg->v2_fd >= 0;
}

int petrel_cgroup_update(const struct petrel_cgroup *cg, const struct oci_resources *r,
			 struct petrel_error **err)
{
	return cg->driver->update(cg, r, err);
}

int petrel_cgroup_freeze(const struct petrel_cgroup *cg, bool frozen, struct petrel_error **err)
{
	return cg->driver->freeze(cg, frozen, err);
}

bool petrel_cgroup_is_frozen(const struct petrel_cgroup *cg)
{
	return cg->driver->is_frozen(cg);
}

int petrel_cgroup_pids(const struct petrel_cgroup *cg, pid_t **pids, size_t *n,
		       struct petrel_error **err)
{
	return cg->driver->pids(cg, pids, n, err);
}

int petrel_cgroup_kill_all(const struct petrel_cgroup *cg, int signum, struct petrel_error **err)
{
	return cg->driver->kill_all(cg, signum, err);
}

int petrel_cgroup_destroy(const struct petrel_cgroup *cg, struct petrel_error **err)
{
	return cg->driver->destroy(cg, err);
}

/* ------------------------------------------------------------ none driver */

static int none_create(const struct petrel_cgroup_config *config, struct petrel_cgroup *cg,
		       struct petrel_error **err)
{
	(void)config, (void)cg, (void)err;
	return 0;
}

static int none_enter(const struct petrel_cgroup *cg, pid_t pid, bool born_in_v2, const char *sub,
		      struct petrel_error **err)
{
	(void)pid, (void)born_in_v2;
	if (sub)
		return petrel_error_set(err, ENOTSUP, "container \"%s\" has no cgroup", cg->id);
	return 0;
}

static int none_enter_self(const struct petrel_cgroup *cg, bool born_in_v2, const char *sub,
			   struct petrel_error **err)
{
	return none_enter(cg, 0, born_in_v2, sub, err);
}

static int none_unsupported(const struct petrel_cgroup *cg, struct petrel_error **err)
{
	return petrel_error_set(err, ENOTSUP, "container \"%s\" has no cgroup", cg->id);
}

static int none_update(const struct petrel_cgroup *cg, const struct oci_resources *r,
		       struct petrel_error **err)
{
	(void)r;
	return none_unsupported(cg, err);
}

static int none_freeze(const struct petrel_cgroup *cg, bool frozen, struct petrel_error **err)
{
	(void)frozen;
	return none_unsupported(cg, err);
}

static bool none_is_frozen(const struct petrel_cgroup *cg)
{
	(void)cg;
	return false;
}

static int none_pids(const struct petrel_cgroup *cg, pid_t **pids, size_t *n,
		     struct petrel_error **err)
{
	(void)pids, (void)n;
	return none_unsupported(cg, err);
}

static int none_kill_all(const struct petrel_cgroup *cg, int signum, struct petrel_error **err)
{
	(void)signum;
	return none_unsupported(cg, err);
}

static int none_destroy(const struct petrel_cgroup *cg, struct petrel_error **err)
{
	(void)cg, (void)err;
	return 0;
}

const struct petrel_cgroup_driver petrel_cgroup_driver_none = {
	.name = "none",
	.create = none_create,
	.enter = none_enter,
	.enter_self = none_enter_self,
	.update = none_update,
	.freeze = none_freeze,
	.is_frozen = none_is_frozen,
	.pids = none_pids,
	.kill_all = none_kill_all,
	.destroy = none_destroy,
};
