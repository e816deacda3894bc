/* oci-check's Linux checks (config.md hostname and domainname, config-linux.md): namespaces,
 * id mappings, time offsets, devices, cgroup limits, sysctl, seccomp mode and personality,
 * read through /proc and the filesystem. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "libpetrel/cleanup.h"
#include "check.h"

/* --------------------------------------------------- config.md: hostname, domainname */

void check_hostname(const struct oci_spec *spec)
{
	struct utsname u;
	if (spec->hostname == NULL) {
		check_skip(NOT_SET);
		return;
	}
	uname(&u);
	check_is_str(u.nodename, spec->hostname, "%s", spec->hostname);
}

void check_domainname(const struct oci_spec *spec)
{
	struct utsname u;
	if (spec->domainname == NULL) {
		check_skip(NOT_SET);
		return;
	}
	uname(&u);
	check_is_str(u.domainname, spec->domainname, "%s", spec->domainname);
}

/* ------------------------------------------------------ config-linux.md: namespaces */

static const struct {
	const char *type; /* as in config.json */
	const char *file; /* in /proc/self/ns */
} namespace_files[] = {
	{"pid", "pid"}, {"network", "net"}, {"mount", "mnt"},     {"ipc", "ipc"},
	{"uts", "uts"}, {"user", "user"},   {"cgroup", "cgroup"}, {"time", "time"},
};

/* In its own cgroup namespace the process sees itself at the root of every hierarchy. */
static void cgroup_namespace_problems(struct problems *p)
{
	cleanup_free char *text = read_text("/proc/self/cgroup");
	if (text == NULL) {
		problem(p, "read /proc/self/cgroup: %s", strerror(errno));
		return;
	}
	for (char *l = text, *n; next_line(&l, &n); l = n) {
		char *path = strchr(l, ':');
		path = path ? strchr(path + 1, ':') : NULL;
		if (path && strcmp(path + 1, "/") != 0)
			problem(p, "/proc/self/cgroup shows %s, expected the namespace root /", l);
	}
}

void check_namespaces(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->namespaces == NULL || l->namespaces_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < l->namespaces_len; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];
		const char *file = NULL;
		struct problems p = {0};
		for (size_t j = 0; j < ARRAY_SIZE(namespace_files); j++)
			if (strcmp(namespace_files[j].type, ns->type) == 0)
				file = namespace_files[j].file;
		if (file == NULL) {
			check_ok(false, "%s is not a namespace type", ns->type);
			continue;
		}
		char path[64], target[128];
		snprintf(path, sizeof(path), "/proc/self/ns/%s", file);
		if (readlink(path, target, sizeof(target)) < 0)
			problem(&p, "readlink %s: %s", path, strerror(errno));
		if (strcmp(ns->type, "cgroup") == 0)
			cgroup_namespace_problems(&p);
		check_problems(&p, "%s%s%s", ns->type, ns->path ? " joined from " : "",
			       ns->path ? ns->path : "");
	}
}

static bool has_namespace(const struct oci_spec *spec, const char *type)
{
	const struct oci_linux *l = spec->linux;
	for (size_t i = 0; l && l->namespaces && i < l->namespaces_len; i++)
		if (strcmp(l->namespaces[i].type, type) == 0)
			return true;
	return false;
}

static int compare_mapping(const void *a, const void *b)
{
	const struct oci_id_mapping *x = a, *y = b;
	return x->container_id < y->container_id ? -1 : x->container_id > y->container_id;
}

/* The kernel may list the extents sorted, so both sides are compared sorted. */
static void check_id_mappings(const struct oci_spec *spec, const struct oci_id_mapping *want,
			      size_t want_len, const char *file)
{
	if (want == NULL) {
		check_skip(NOT_SET);
		return;
	}
	if (!has_namespace(spec, "user")) {
		check_skip("no user namespace in linux.namespaces");
		return;
	}
	cleanup_free char *text = read_text(file);
	if (text == NULL) {
		check_ok(false, "read %s: %s", file, strerror(errno));
		return;
	}
	struct oci_id_mapping got[340], sorted_want[340];
	size_t got_len = 0;
	for (char *l = text, *n; next_line(&l, &n) && got_len < ARRAY_SIZE(got); l = n) {
		unsigned int c, h, s;
		if (sscanf(l, "%u %u %u", &c, &h, &s) == 3)
			got[got_len++] =
				(struct oci_id_mapping){.container_id = c, .host_id = h, .size = s};
	}
	size_t n_want = want_len < ARRAY_SIZE(sorted_want) ? want_len : ARRAY_SIZE(sorted_want);
	memcpy(sorted_want, want, n_want * sizeof(*want));
	qsort(got, got_len, sizeof(*got), compare_mapping);
	qsort(sorted_want, n_want, sizeof(*sorted_want), compare_mapping);
	struct problems p = {0};
	if (got_len != n_want)
		problem(&p, "%s has %zu lines, expected %zu", file, got_len, n_want);
	for (size_t i = 0; i < got_len && i < n_want; i++) {
		const struct oci_id_mapping *g = &got[i], *w = &sorted_want[i];
		if (g->container_id != w->container_id || g->host_id != w->host_id ||
		    g->size != w->size)
			problem(&p, "got %u %u %u, expected %u %u %u", g->container_id, g->host_id,
				g->size, w->container_id, w->host_id, w->size);
	}
	check_problems(&p, "%s equals the %zu mappings", file, want_len);
}

void check_uid_mappings(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	check_id_mappings(spec, l ? l->uid_mappings : NULL, l ? l->uid_mappings_len : 0,
			  "/proc/self/uid_map");
}

void check_gid_mappings(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	check_id_mappings(spec, l ? l->gid_mappings : NULL, l ? l->gid_mappings_len : 0,
			  "/proc/self/gid_map");
}

void check_time_offsets(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->time_offsets == NULL || l->time_offsets_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *text = read_text("/proc/self/timens_offsets");
	if (text == NULL) {
		check_ok(false, "read /proc/self/timens_offsets: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < l->time_offsets_len; i++) {
		const struct oci_time_offset *want = &l->time_offsets[i];
		const char *clock = l->time_offsets_keys[i];
		bool found = false;
		long long secs = 0;
		unsigned long nsecs = 0;
		cleanup_free char *copy = strdup(text);
		for (char *line = copy, *n; copy && next_line(&line, &n) && !found; line = n) {
			char name[32];
			found = sscanf(line, "%31s %lld %lu", name, &secs, &nsecs) == 3 &&
				strcmp(name, clock) == 0;
		}
		bool same = found && secs == want->secs && nsecs == want->nanosecs;
		if (check_ok(same, "%s %" PRId64 "s %" PRIu32 "ns", clock, want->secs,
			     want->nanosecs))
			continue;
		if (found)
			check_diag("got: %llds %luns", secs, nsecs);
		else
			check_diag("/proc/self/timens_offsets has no %s line", clock);
	}
}

/* ---------------------------------------------------------- config-linux.md: devices */

static void device_problems(struct problems *p, const char *path, const struct stat *st,
			    const char *type, bool has_numbers, int64_t major_nr, int64_t minor_nr)
{
	bool type_ok = (strcmp(type, "c") == 0 || strcmp(type, "u") == 0) ? S_ISCHR(st->st_mode)
		       : strcmp(type, "b") == 0                           ? S_ISBLK(st->st_mode)
		       : strcmp(type, "p") == 0                           ? S_ISFIFO(st->st_mode)
									  : false;
	if (!type_ok)
		problem(p, "%s is not of type %s (mode %o)", path, type, st->st_mode);
	if (has_numbers && (major(st->st_rdev) != major_nr || minor(st->st_rdev) != minor_nr))
		problem(p, "device number: got %u:%u, expected %" PRId64 ":%" PRId64,
			major(st->st_rdev), minor(st->st_rdev), major_nr, minor_nr);
}

void check_devices(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->devices == NULL || l->devices_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < l->devices_len; i++) {
		const struct oci_device *d = &l->devices[i];
		struct problems p = {0};
		struct stat st;
		if (stat(d->path, &st) < 0) {
			problem(&p, "stat %s: %s", d->path, strerror(errno));
		} else {
			device_problems(&p, d->path, &st, d->type, strcmp(d->type, "p") != 0,
					d->major, d->minor);
			if (d->has_file_mode && (st.st_mode & 07777) != (d->file_mode & 07777))
				problem(&p, "mode: got %04o, expected %04o", st.st_mode & 07777,
					d->file_mode & 07777);
			if (d->has_uid && st.st_uid != d->uid)
				problem(&p, "uid: got %u, expected %u", st.st_uid, d->uid);
			if (d->has_gid && st.st_gid != d->gid)
				problem(&p, "gid: got %u, expected %u", st.st_gid, d->gid);
		}
		if (strcmp(d->type, "p") == 0)
			check_problems(&p, "%s p", d->path);
		else
			check_problems(&p, "%s %s %" PRId64 ":%" PRId64, d->path, d->type, d->major,
				       d->minor);
	}
}

/* The devices every container has whatever the config says (config-linux.md "Default
 * Devices"); /dev/ptmx may be a symlink to pts/ptmx, which stat follows. */
void check_default_devices(const struct oci_spec *spec)
{
	static const struct {
		const char *path;
		int major, minor;
	} defaults[] = {
		{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
		{"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
		{"/dev/ptmx", 5, 2},
	};
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		struct problems p = {0};
		struct stat st;
		if (stat(defaults[i].path, &st) < 0)
			problem(&p, "stat %s: %s", defaults[i].path, strerror(errno));
		else
			device_problems(&p, defaults[i].path, &st, "c", true, defaults[i].major,
					defaults[i].minor);
		check_problems(&p, "%s c %d:%d", defaults[i].path, defaults[i].major,
			       defaults[i].minor);
	}
}

/* -------------------------------------------------- config-linux.md: control groups */

/* Finds `file` of the process's own cgroup for `controller` through the cgroup mounts of its
 * mount namespace: the process's cgroup path taken relative to each mount's root. With a
 * cgroup namespace, or a runtime that mounts the container's cgroup at /sys/fs/cgroup, that is
 * the mount point itself. 0, or -1 with `why` saying what is not visible. */
static int find_cgroup_file(const char *controller, const char *v1_file, const char *v2_file,
			    char *out, size_t size, char *why, size_t why_size)
{
	cleanup_free char *cgroups = read_text("/proc/self/cgroup");
	if (cgroups == NULL) {
		snprintf(why, why_size, "read /proc/self/cgroup: %s", strerror(errno));
		return -1;
	}
	char v1_path[PATH_MAX] = "", v2_path[PATH_MAX] = "";
	for (char *l = cgroups, *n; next_line(&l, &n); l = n) {
		char *controllers = strchr(l, ':');
		char *path = controllers ? strchr(controllers + 1, ':') : NULL;
		if (path == NULL)
			continue;
		*path++ = '\0';
		controllers++;
		if (strcmp(l, "0") == 0 && *controllers == '\0')
			snprintf(v2_path, sizeof(v2_path), "%s", path);
		else if (list_has(controllers, controller))
			snprintf(v1_path, sizeof(v1_path), "%s", path);
	}
	bool v1 = *v1_path != '\0';
	const char *own = v1 ? v1_path : v2_path;
	if (*own == '\0') {
		snprintf(why, why_size, "the process is in no %s cgroup", controller);
		return -1;
	}
	cleanup_mount_table struct mount_table t = {0};
	if (mount_table_read(&t) < 0) {
		snprintf(why, why_size, "read /proc/self/mountinfo: %s", strerror(errno));
		return -1;
	}
	for (size_t i = t.len; i-- > 0;) {
		const struct mount_entry *e = &t.entries[i];
		if (v1 ? strcmp(e->fstype, "cgroup") != 0 || !list_has(e->super_options, controller)
		       : strcmp(e->fstype, "cgroup2") != 0)
			continue;
		size_t root_len = strcmp(e->root, "/") == 0 ? 0 : strlen(e->root);
		if (strncmp(own, e->root, root_len) != 0 || (own[root_len] && own[root_len] != '/'))
			continue;
		const char *rel = own + root_len;
		snprintf(out, size, "%s%s/%s", strcmp(e->mount_point, "/") ? e->mount_point : "",
			 strcmp(rel, "/") ? rel : "", v1 ? v1_file : v2_file);
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(why, why_size, "%s of the process's cgroup %s is not visible inside",
		 v1 ? v1_file : v2_file, own);
	return -1;
}

/* -1 is unlimited: "max" on cgroup v2, the page counter's maximum on v1. The kernel keeps
 * memory limits in pages, so a limit reads back rounded down to the page size. */
static void check_cgroup_value(const char *controller, const char *v1_file, const char *v2_file,
			       int64_t want, bool in_pages)
{
	char path[PATH_MAX], why[PATH_MAX + 128];
	if (find_cgroup_file(controller, v1_file, v2_file, path, sizeof(path), why, sizeof(why)) <
	    0) {
		check_skip("%s", why);
		return;
	}
	cleanup_free char *text = read_text(path);
	if (text == NULL) {
		check_ok(false, "read %s: %s", path, strerror(errno));
		return;
	}
	char *got = trim(text);
	int64_t page = in_pages ? sysconf(_SC_PAGESIZE) : 1;
	bool same;
	if (want < 0) {
		same = strcmp(got, "max") == 0 ||
		       (in_pages && strtoll(got, NULL, 10) == INT64_MAX / page * page);
	} else {
		long long value = strtoll(got, NULL, 10);
		same = strcmp(got, "max") != 0 && (value == want || value == want / page * page);
	}
	if (!check_ok(same, "%s is %" PRId64, path, want))
		check_diag("got: %s", got);
}

void check_memory_limit(const struct oci_spec *spec)
{
	const struct oci_resources *r = spec->linux ? spec->linux->resources : NULL;
	if (r == NULL || r->memory == NULL || !r->memory->has_limit) {
		check_skip(NOT_SET);
		return;
	}
	check_cgroup_value("memory", "memory.limit_in_bytes", "memory.max", r->memory->limit, true);
}

void check_pids_limit(const struct oci_spec *spec)
{
	const struct oci_resources *r = spec->linux ? spec->linux->resources : NULL;
	if (r == NULL || r->pids == NULL || !r->pids->has_limit) {
		check_skip(NOT_SET);
		return;
	}
	check_cgroup_value("pids", "pids.max", "pids.max", r->pids->limit, false);
}

/* ----------------------------------------------------------- config-linux.md: sysctl */

/* sysctl(8) notation: dots separate levels, and a slash stands for a dot inside a name
 * (net.ipv4.conf.eth0/100.forwarding). */
void check_sysctl(const struct oci_spec *spec)
{
	const struct oci_string_map *m = spec->linux ? spec->linux->sysctl : NULL;
	if (m == NULL || m->len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < m->len; i++) {
		char path[PATH_MAX];
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", m->keys[i]);
		for (char *c = path + strlen("/proc/sys/"); n > 0 && *c; c++)
			*c = *c == '.' ? '/' : *c == '/' ? '.' : *c;
		cleanup_free char *got = read_text(path);
		cleanup_free char *want = strdup(m->values[i]);
		if (got == NULL) {
			check_ok(false, "%s: read %s: %s", m->keys[i], path, strerror(errno));
			continue;
		}
		normalize_space(got);
		if (want)
			normalize_space(want);
		check_is_str(got, want, "%s = %s", m->keys[i], m->values[i]);
	}
}

/* ---------------------------------------------------------- config-linux.md: seccomp */

void check_seccomp(const struct oci_spec *spec)
{
	if (spec->linux == NULL || spec->linux->seccomp == NULL) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *got = status_field("Seccomp");
	if (got == NULL) {
		check_ok(false, "read Seccomp from /proc/self/status: %s", strerror(errno));
		return;
	}
	check_is_str(got, "2", "the process runs in seccomp filter mode");
}

/* ------------------------------------------------------ config-linux.md: personality */

void check_personality(const struct oci_spec *spec)
{
	const struct oci_personality *p = spec->linux ? spec->linux->personality : NULL;
	if (p == NULL) {
		check_skip(NOT_SET);
		return;
	}
	int persona = personality(0xffffffff);
	int want = strcmp(p->domain, "LINUX") == 0     ? PER_LINUX
		   : strcmp(p->domain, "LINUX32") == 0 ? PER_LINUX32
						       : -1;
	if (want < 0) {
		check_ok(false, "%s is not a personality domain", p->domain);
		return;
	}
	if (!check_ok(persona >= 0 && (persona & PER_MASK) == want, "domain %s", p->domain))
		check_diag("got: persona 0x%x", (unsigned int)persona);
}
