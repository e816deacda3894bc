/* The systemd driver: the container's cgroup is a transient scope (or
 * slice) unit that systemd makes, with the resources as unit properties;
 * what systemd cannot express is written to the delegated cgroup directly.
 * Once the unit exists its directories are recorded like the cgroupfs
 * driver's, so freezing, listing, signalling and statistics are the cgroupfs
 * driver's.
 *
 * petrel is linked statically and libsystemd is not, so the D-Bus calls are
 * made by a small helper, petrel-systemd (src/petrel-systemd.c), run with
 * the unit and its properties on its command line. A scope is made with its
 * first process, so create only works the unit out; the init, cloned
 * outside, waits until petrel_cgroup_enter() has started the scope with its
 * pid. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-info.h"
#include "cgroup-internal.h"
#include "cgroup-systemd.h"
#include "cgroup-translate.h"
#include "cleanup.h"
#include "helper-exec.h"
#include "log.h"

#define HELPER_NAME "petrel-systemd"
#define HELPER_ENV "PETREL_SYSTEMD_HELPER"
#define SYSTEM_BUS "/run/dbus/system_bus_socket"
#define SYSTEMD_PRIVATE "/run/systemd/private"
/* How long systemd may take over a job, as runc waits. */
#define JOB_TIMEOUT_MS "30000"

/* What create worked out, for enter to start the unit with the init's pid
 * (one petrel process creates one container). */
static struct {
	const struct petrel_cgroup *cg;
	struct petrel_cgroup_config config;
	struct oci_resources resources; /* config's, with the quota systemd rounded */
	struct oci_cpu cpu;
	struct petrel_sd_unit unit;
	struct petrel_sd_props props;
	bool started;
} pending;

/* ------------------------------------------------------------ the helper */

static int find_helper(char **out, struct petrel_error **err)
{
	if (petrel_helper_find(HELPER_NAME, HELPER_ENV, out, err) < 0)
		return petrel_error_prefix(err, "--systemd-cgroup");
	return 0;
}

static char *read_all(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	char *buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		return NULL;
	ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
	size_t len = n > 0 ? (size_t)n : 0;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	return buf;
}

/* In the helper's child: stdin from /dev/null, stdout and stderr into the
 * memfds petrel reads. */
static int redirect_stdio(void *data, struct petrel_error **err)
{
	const int *fds = data;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(fds[0], STDOUT_FILENO) < 0 ||
	    dup2(fds[1], STDERR_FILENO) < 0)
		return petrel_error_errno(err, "redirect the helper's stdio");
	return 0;
}

/* Runs the helper (argv[0] its path) and gives its stdout; its stderr, the
 * D-Bus error's name and message, is the error when it fails. */
static int run_helper(char *const argv[], char **out, struct petrel_error **err)
{
	size_t len = 1;
	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	cleanup_free char *line = malloc(len);
	if (line) {
		*line = '\0';
		for (size_t i = 0; argv[i]; i++)
			strcat(strcat(line, i ? " " : ""), argv[i]);
		petrel_debug("systemd: %s", line);
	}
	cleanup_close int out_fd = memfd_create("petrel-systemd-stdout", MFD_CLOEXEC);
	cleanup_close int err_fd = memfd_create("petrel-systemd-stderr", MFD_CLOEXEC);
	if (out_fd < 0 || err_fd < 0)
		return petrel_error_errno(err, "--systemd-cgroup: memfd_create");
	int fds[2] = {out_fd, err_fd};
	pid_t pid = petrel_helper_spawn(argv, NULL, 0, redirect_stdio, fds, err);
	if (pid < 0)
		return petrel_error_prefix(err, "--systemd-cgroup");
	int status = petrel_helper_wait(pid, err);
	if (status < 0)
		return petrel_error_prefix(err, "--systemd-cgroup");
	cleanup_free char *stdout_text = read_all(out_fd);
	cleanup_free char *stderr_text = read_all(err_fd);
	if (status != 0) {
		if (stderr_text && *stderr_text)
			return petrel_error_set(err, 0, "systemd: %s", stderr_text);
		return petrel_error_set(err, 0, "systemd: %s failed with exit status %d", argv[0],
					status);
	}
	if (out) {
		if (stdout_text == NULL)
			return petrel_error_set(err, ENOMEM, "systemd helper output");
		*out = steal_ptr(&stdout_text);
	}
	return 0;
}

/* Runs `petrel-systemd COMMAND --unit UNIT [--timeout-ms N] [PROPS...]`. */
static int helper(const char *command, const char *unit, const struct petrel_sd_props *props,
		  char **out, struct petrel_error **err)
{
	cleanup_free char *path = NULL;
	if (find_helper(&path, err) < 0)
		return -1;
	size_t n = props ? props->words.n : 0;
	cleanup_free char **argv = calloc(n + 8, sizeof(*argv));
	if (argv == NULL)
		return petrel_error_set(err, ENOMEM, "systemd helper");
	size_t k = 0;
	argv[k++] = path;
	argv[k++] = (char *)command;
	argv[k++] = (char *)"--unit";
	argv[k++] = (char *)unit;
	argv[k++] = (char *)"--timeout-ms";
	argv[k++] = (char *)JOB_TIMEOUT_MS;
	for (size_t i = 0; i < n; i++)
		argv[k++] = props->words.v[i];
	argv[k] = NULL;
	return run_helper(argv, out, err);
}

/* ---------------------------------------------------------- the unit's dirs */

/* Whether two comma-separated controller lists hold the same names. */
static bool same_set(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	for (const char *p = a; *p; na++) {
		size_t len = strcspn(p, ",");
		bool found = false;
		for (const char *q = b; *q && !found;) {
			size_t l = strcspn(q, ",");
			found = l == len && strncmp(p, q, len) == 0;
			q += l + (q[l] == ',');
		}
		if (!found)
			return false;
		p += len + (p[len] == ',');
	}
	for (const char *q = b; *q; nb++)
		q += strcspn(q, ",") + (q[strcspn(q, ",")] == ',');
	return na == nb;
}

/* The pid's cgroup in hierarchy h as /proc/PID/cgroup gives it (malloc'd),
 * or NULL. */
static char *pid_cgroup(pid_t pid, const struct petrel_cgroup_hierarchy *h)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	cleanup_fclose FILE *f = fopen(path, "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while (f && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			continue;
		*c2 = '\0';
		if (h->v2 ? (strcmp(line, "0:") == 0 && c1[1] == '\0')
			  : (strcmp(line, "0:") != 0 && same_set(c1 + 1, h->controllers)))
			return strdup(c2 + 1);
	}
	return NULL;
}

/* control_group (the unit's ControlGroup, as systemd sees the tree) in
 * hierarchy h: relative to what is mounted there. */
static const char *below_root(const struct petrel_cgroup_hierarchy *h, const char *control_group)
{
	size_t len = strlen(h->root);
	if (strcmp(h->root, "/") != 0 && strncmp(control_group, h->root, len) == 0 &&
	    (control_group[len] == '/' || control_group[len] == '\0'))
		return control_group + len;
	return control_group;
}

/* Records the unit's directory in every hierarchy, makes those systemd did
 * not, and moves pid into each one it is not in yet. */
static int record_dirs(struct petrel_cgroup *cg, const char *control_group, pid_t pid,
		       struct petrel_error **err)
{
	const struct petrel_cgroup_layout *layout;
	if (petrel_cgroup_layout(&layout, err) < 0)
		return -1;
	if (petrel_cgroup_dirs_new(cg, layout, err) < 0)
		return -1;
	for (size_t i = 0; i < cg->n; i++) {
		const struct petrel_cgroup_hierarchy *h = &layout->hierarchies[i];
		struct petrel_cgroup_dir *dir = &cg->dirs[i];
		const char *rel = below_root(h, control_group);
		if (asprintf(&dir->path, "%s%s%s", h->mount, *rel == '/' ? "" : "/", rel) < 0) {
			dir->path = NULL;
			return petrel_error_set(err, ENOMEM, "cgroup");
		}
		if (access(dir->path, F_OK) < 0 &&
		    petrel_cgroup_make_dir(h, NULL, NULL, dir, err) < 0)
			return -1;
		cleanup_free char *now = pid_cgroup(pid, h);
		if ((now == NULL || strcmp(below_root(h, now), rel) != 0) &&
		    petrel_cgroup_writef(dir->path, "cgroup.procs", err, "%d", pid) < 0)
			return -1;
	}
	return 0;
}

/* Whether the resources need a v2 controller (systemd enables those of the
 * unit's properties, not hugetlb, rdma or misc). */
static bool wants_v2_controller(const struct oci_resources *r, const char *name)
{
	if (r == NULL)
		return false;
	if (strcmp(name, "hugetlb") == 0 && r->hugepage_limits_len > 0)
		return true;
	if (strcmp(name, "rdma") == 0 && r->rdma_len > 0)
		return true;
	if (strcmp(name, "cpuset") == 0 && r->cpu && (r->cpu->cpus || r->cpu->mems))
		return true;
	if (strcmp(name, "io") == 0 && r->block_io)
		return true;
	size_t len = strlen(name);
	for (size_t i = 0; r->unified && i < r->unified->len; i++)
		if (strncmp(r->unified->keys[i], name, len) == 0 && r->unified->keys[i][len] == '.')
			return true;
	return false;
}

/* v2: the controllers the resources need that the unit's directory does
 * not have, enabled down the path from the root, as runc does after
 * starting the unit. */
static int enable_v2_controllers(const struct petrel_cgroup *cg, const struct oci_resources *r,
				 struct petrel_error **err)
{
	const struct petrel_cgroup_layout *layout;
	const char *dir = petrel_cgroup_v2_dir(cg);
	if (dir == NULL || r == NULL || petrel_cgroup_layout(&layout, err) < 0 ||
	    layout->v2_controllers == NULL)
		return dir == NULL || r == NULL ? 0 : -1;
	const char *mount = layout->hierarchies[layout->n - 1].mount;
	cleanup_free char *have = NULL;
	if (petrel_cgroup_read(dir, "cgroup.controllers", &have, err) < 0)
		return -1;
	cleanup_free char *available = strdup(layout->v2_controllers);
	if (available == NULL)
		return petrel_error_set(err, ENOMEM, "cgroup");
	char *save = NULL;
	for (char *name = strtok_r(available, " ", &save); name;
	     name = strtok_r(NULL, " ", &save)) {
		char padded[80], list[1024];
		snprintf(padded, sizeof(padded), " %s ", name);
		snprintf(list, sizeof(list), " %s ", have);
		if (strstr(list, padded) || !wants_v2_controller(r, name))
			continue;
		cleanup_free char *path = strdup(dir);
		if (path == NULL)
			return petrel_error_set(err, ENOMEM, "cgroup");
		for (char *p = path + strlen(mount); p;) {
			char *next = strchr(p + 1, '/');
			char saved = *p;
			*p = '\0';
			int w = petrel_cgroup_writef(*path ? path : "/", "cgroup.subtree_control",
						     err, "+%s", name);
			*p = saved;
			if (w < 0)
				return petrel_error_prefix(err, "cgroup: enable controller \"%s\"",
							   name);
			p = next;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- driver */

static bool systemd_v2(void);

/* The resources with the CPU quota systemd rounds to whole percents, so that
 * the direct write agrees with the unit (as runc does). */
static const struct oci_resources *
with_rounded_quota(const struct oci_resources *r, struct oci_resources *copy, struct oci_cpu *cpu)
{
	if (r == NULL || r->cpu == NULL || !r->cpu->has_quota || r->cpu->quota <= 0)
		return r;
	if (r != copy)
		*copy = *r;
	if (r->cpu != cpu)
		*cpu = *r->cpu;
	petrel_sd_cpu_quota_per_sec(cpu->quota, cpu->has_period ? cpu->period : 0, &cpu->quota);
	copy->cpu = cpu;
	return copy;
}

/* An update of the quota or the period alone: the other from the cgroup,
 * as CPUQuotaPerSecUSec needs both. */
static const struct oci_resources *with_current_quota(const struct petrel_cgroup *cg,
						      const struct oci_resources *r,
						      struct oci_resources *copy,
						      struct oci_cpu *cpu)
{
	const char *dir = petrel_cgroup_dir_for(cg, "cpu");
	if (r->cpu == NULL || r->cpu->has_quota == r->cpu->has_period || dir == NULL)
		return r;
	int64_t quota = -1;
	uint64_t period = 0;
	if (systemd_v2()) {
		cleanup_free char *max = NULL;
		char q[32];
		if (petrel_cgroup_read(dir, "cpu.max", &max, NULL) < 0 ||
		    sscanf(max, "%31s %" SCNu64, q, &period) != 2)
			return r;
		quota = strcmp(q, "max") == 0 ? -1 : strtoll(q, NULL, 10);
	} else {
		cleanup_free char *q = NULL;
		if (petrel_cgroup_read(dir, "cpu.cfs_quota_us", &q, NULL) < 0 ||
		    petrel_cgroup_read_u64(dir, "cpu.cfs_period_us", &period, NULL) < 0)
			return r;
		quota = strtoll(q, NULL, 10);
	}
	*copy = *r;
	*cpu = *r->cpu;
	if (!cpu->has_quota)
		cpu->quota = quota;
	if (!cpu->has_period)
		cpu->period = period;
	cpu->has_quota = cpu->has_period = true;
	copy->cpu = cpu;
	return copy;
}

static bool systemd_v2(void)
{
	const struct petrel_cgroup_layout *layout;
	return petrel_cgroup_layout(&layout, NULL) == 0 && layout->mode == PETREL_CGROUP_V2;
}

static int systemd_create(const struct petrel_cgroup_config *config, struct petrel_cgroup *cg,
			  struct petrel_error **err)
{
	const struct petrel_cgroup_layout *layout;
	cleanup_free char *path = NULL;
	if (!PETREL_HAS_SYSTEMD)
		return petrel_error_set_quiet(
			err, ENOTSUP,
			"--systemd-cgroup: this petrel was built without the systemd "
			"cgroup driver (configure --disable-systemd); run without "
			"--systemd-cgroup to use cgroupfs");
	if (config->rootless)
		return petrel_error_set_quiet(
			err, ENOTSUP,
			"--systemd-cgroup: a non-root user's systemd (the user "
			"manager) is not supported; run as root or without "
			"--systemd-cgroup");
	if (petrel_cgroup_layout(&layout, err) < 0 || find_helper(&path, err) < 0)
		return -1;
	if (layout->mode == PETREL_CGROUP_NONE)
		return petrel_error_set_quiet(err, ENOENT,
					      "--systemd-cgroup: no cgroup filesystem is mounted");
	if (config->resources && petrel_cgroup_check_available(layout, config->resources, err) < 0)
		return -1;
	if (access(SYSTEMD_PRIVATE, F_OK) < 0 && access(SYSTEM_BUS, F_OK) < 0)
		return petrel_error_errno(
			err,
			"--systemd-cgroup: cannot reach systemd: no system bus at "
			"%s (is systemd running as PID 1?)",
			SYSTEM_BUS);

	petrel_sd_unit_release(&pending.unit);
	petrel_sd_props_release(&pending.props);
	pending.cg = NULL;
	pending.started = false;
	if (petrel_sd_parse_cgroups_path(config->cgroups_path, config->id, &pending.unit, err) < 0)
		return -1;
	struct petrel_sd_props *p = &pending.props;
	bool v2 = layout->mode == PETREL_CGROUP_V2;
	cleanup_free char *description = NULL;
	cleanup_free struct petrel_device_rule *rules = NULL;
	size_t n_rules = 0;
	if (asprintf(&description, "petrel container %s", config->id) < 0) {
		description = NULL;
		goto oom;
	}
	if (petrel_sd_props_str(p, "Description", description) < 0)
		goto oom;
	if (pending.unit.is_slice) {
		/* A slice's parent follows from its name; Wants= orders it. */
		const char *wants[] = {"1", pending.unit.slice};
		if (petrel_sd_props_add(p, "Wants", "as", 2, wants) < 0)
			goto oom;
	} else if (petrel_sd_props_str(p, "Slice", pending.unit.slice) < 0 ||
		   petrel_sd_props_bool(p, "Delegate", true) < 0) {
		goto oom;
	}
	if (petrel_sd_props_bool(p, "DefaultDependencies", false) < 0 ||
	    petrel_sd_props_bool(p, "MemoryAccounting", true) < 0 ||
	    petrel_sd_props_bool(p, "CPUAccounting", true) < 0 ||
	    petrel_sd_props_bool(p, v2 ? "IOAccounting" : "BlockIOAccounting", true) < 0 ||
	    petrel_sd_props_bool(p, "TasksAccounting", true) < 0)
		goto oom;
	if (petrel_sd_resource_props(config->resources, v2, false, p, err) < 0 ||
	    petrel_cgroup_device_rules(config->resources, &rules, &n_rules, err) < 0 ||
	    petrel_sd_device_props(rules, n_rules, p, err) < 0 ||
	    petrel_sd_annotation_props(config->annotations, p, err) < 0)
		return petrel_error_prefix(err, "--systemd-cgroup");

	pending.config = *config;
	pending.config.resources =
		with_rounded_quota(config->resources, &pending.resources, &pending.cpu);
	pending.cg = cg;
	cg->unit = strdup(pending.unit.unit);
	if (cg->unit == NULL)
		goto oom;
	return 0;
oom:
	return petrel_error_set(err, ENOMEM, "systemd properties");
}

/* Starts the unit with pid in it and records its directories. */
static int start_unit(struct petrel_cgroup *cg, pid_t pid, struct petrel_error **err)
{
	struct petrel_sd_props *p = &pending.props;
	char pid_word[16];
	snprintf(pid_word, sizeof(pid_word), "%d", pid);
	const char *pids[] = {"1", pid_word};
	size_t before = p->words.n;
	if (!pending.unit.is_slice && petrel_sd_props_add(p, "PIDs", "au", 2, pids) < 0)
		return petrel_error_set(err, ENOMEM, "systemd properties");
	cleanup_free char *control_group = NULL;
	/* From here on destroy asks systemd to stop the unit, whatever part of
	 * the start went through. */
	pending.started = true;
	int r = helper("start-unit", cg->unit, p, &control_group, err);
	petrel_argv_truncate(&p->words, before);
	if (r < 0)
		return petrel_error_prefix(err, "--systemd-cgroup: start unit %s", cg->unit);
	if (*control_group != '/')
		return petrel_error_set(err, EPROTO,
					"--systemd-cgroup: unit %s has no cgroup (systemd says "
					"\"%s\")",
					cg->unit, control_group);
	const struct oci_resources *r_apply = pending.config.resources;
	struct oci_resources none = {0};
	if (record_dirs(cg, control_group, pid, err) < 0 ||
	    enable_v2_controllers(cg, r_apply, err) < 0)
		return -1;
	const char *v2 = petrel_cgroup_v2_dir(cg);
	if (v2) {
		cg->v2_fd = open(v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->v2_fd < 0)
			return petrel_error_errno(err, "cgroup: open %s", v2);
	}
	/* What systemd has no property for, and the device rules exactly. */
	if (petrel_cgroup_v1_apply(cg, r_apply ? r_apply : &none, &pending.config, false, err) <
		    0 ||
	    petrel_cgroup_v2_apply(cg, r_apply ? r_apply : &none, &pending.config, false, err) < 0)
		return -1;
	return 0;
}

static int systemd_enter(const struct petrel_cgroup *cg, pid_t pid, bool born_in_v2,
			 const char *sub, struct petrel_error **err)
{
	if (cg->n > 0)
		return petrel_cgroup_driver_fs.enter(cg, pid, born_in_v2, sub, err);
	if (pending.cg != cg || pending.started)
		return petrel_error_set(err, EINVAL,
					"container \"%s\": its systemd unit %s has no "
					"cgroup recorded",
					cg->id, cg->unit ? cg->unit : "");
	/* The first process makes the unit: the cgroup (not const to its
	 * owner, create) is completed here. */
	return start_unit((struct petrel_cgroup *)cg, pid, err);
}

static int systemd_enter_self(const struct petrel_cgroup *cg, bool born_in_v2, const char *sub,
			      struct petrel_error **err)
{
	/* A unit is made with a pid petrel gives systemd, never by a process
	 * moving itself. */
	if (cg->n == 0)
		return petrel_error_set(err, EINVAL,
					"container \"%s\": its systemd unit is not started yet",
					cg->id);
	return petrel_cgroup_driver_fs.enter_self(cg, born_in_v2, sub, err);
}

/* memory.checkBeforeUpdate, before systemd gets the new limit (which it
 * would enforce at once). */
static int check_memory_usage(const struct petrel_cgroup *cg, const struct oci_memory *m,
			      struct petrel_error **err)
{
	const char *dir = petrel_cgroup_dir_for(cg, "memory");
	uint64_t usage;
	if (!m->has_check_before_update || !m->check_before_update || dir == NULL ||
	    petrel_cgroup_read_u64(dir, systemd_v2() ? "memory.current" : "memory.usage_in_bytes",
				   &usage, NULL) < 0)
		return 0;
	if (m->has_limit && m->limit > 0 && (uint64_t)m->limit <= usage)
		return petrel_error_set(err, 0,
					"rejecting memory limit %" PRId64 " <= usage %" PRIu64,
					m->limit, usage);
	return 0;
}

/* On v2 the unit's MemorySwapMax is swap alone, worked out from a limit
 * and a memory+swap total: an update that gives one of the two gets the
 * other from the cgroup as the cgroupfs driver does
 * (petrel_cgroup_v2_memory_pair), before systemd changes anything, so that
 * MemorySwapMax and the direct write agree and a pair that does not fit is
 * refused with nothing changed. A new total over an unlimited memory.max
 * is left to the direct write. */
static int with_memory_pair(const struct petrel_cgroup *cg, const struct oci_resources **r,
			    struct oci_resources *copy, struct oci_memory *mem,
			    struct petrel_error **err)
{
	const struct oci_memory *m = (*r)->memory;
	const char *dir = petrel_cgroup_v2_dir(cg);
	int64_t limit, total;
	if (!systemd_v2() || m == NULL || dir == NULL)
		return 0;
	int kept = petrel_cgroup_v2_memory_pair(dir, m, &limit, &total, err);
	if (kept <= 0 || limit <= 0)
		return kept < 0 ? -1 : 0;
	*mem = *m;
	mem->has_limit = mem->has_swap = true;
	mem->limit = limit;
	mem->swap = total;
	*copy = **r;
	copy->memory = mem;
	*r = copy;
	return 0;
}

static int systemd_update(const struct petrel_cgroup *cg, const struct oci_resources *r,
			  struct petrel_error **err)
{
	struct petrel_sd_props props = {0};
	cleanup_free struct petrel_device_rule *rules = NULL;
	size_t n_rules = 0;
	const struct petrel_cgroup_layout *layout;
	int ret = -1;
	struct oci_resources copy, kept;
	struct oci_cpu cpu;
	struct oci_memory mem;
	if (cg->unit == NULL)
		return petrel_cgroup_driver_fs.update(cg, r, err);
	if (petrel_cgroup_layout(&layout, err) < 0 ||
	    petrel_cgroup_check_available(layout, r, err) < 0 ||
	    (r->memory && check_memory_usage(cg, r->memory, err) < 0) ||
	    with_memory_pair(cg, &r, &kept, &mem, err) < 0)
		goto out;
	r = with_current_quota(cg, r, &copy, &cpu);
	if (petrel_sd_resource_props(r, systemd_v2(), true, &props, err) < 0)
		goto out;
	if (r->devices_len > 0 && (petrel_cgroup_device_rules(r, &rules, &n_rules, err) < 0 ||
				   petrel_sd_device_props(rules, n_rules, &props, err) < 0))
		goto out;
	if (props.words.n > 0 && helper("set-properties", cg->unit, &props, NULL, err) < 0) {
		petrel_error_prefix(err, "update unit %s", cg->unit);
		goto out;
	}
	ret = petrel_cgroup_driver_fs.update(cg, with_rounded_quota(r, &copy, &cpu), err);
out:
	petrel_sd_props_release(&props);
	return ret;
}

static int systemd_freeze(const struct petrel_cgroup *cg, bool frozen, struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.freeze(cg, frozen, err);
}

static bool systemd_is_frozen(const struct petrel_cgroup *cg)
{
	return petrel_cgroup_driver_fs.is_frozen(cg);
}

static int systemd_pids(const struct petrel_cgroup *cg, pid_t **pids, size_t *n,
			struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.pids(cg, pids, n, err);
}

static int systemd_kill_all(const struct petrel_cgroup *cg, int signum, struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.kill_all(cg, signum, err);
}

/* Empties the cgroup first (SIGKILL: a stop job would wait for the init,
 * which ignores SIGTERM, for TimeoutStopSec), then stops the unit and resets
 * it if it failed, so that its name can be used again. */
static int systemd_destroy(const struct petrel_cgroup *cg, struct petrel_error **err)
{
	if (pending.cg == cg && !pending.started)
		return 0; /* create failed before the unit was started */
	int r = petrel_cgroup_driver_fs.destroy(cg, err);
	if (cg->unit == NULL)
		return r;
	cleanup_error struct petrel_error *stop = NULL;
	if (helper("stop-unit", cg->unit, NULL, NULL, &stop) < 0) {
		if (r == 0) {
			*err = steal_ptr(&stop);
			return petrel_error_prefix(err, "stop unit %s", cg->unit);
		}
		petrel_warn("stop unit %s: %s", cg->unit, petrel_error_message(stop));
	}
	return r;
}

const struct petrel_cgroup_driver petrel_cgroup_driver_systemd = {
	.name = "systemd",
	.create = systemd_create,
	.enter = systemd_enter,
	.enter_self = systemd_enter_self,
	.update = systemd_update,
	.freeze = systemd_freeze,
	.is_frozen = systemd_is_frozen,
	.pids = systemd_pids,
	.kill_all = systemd_kill_all,
	.destroy = systemd_destroy,
};
