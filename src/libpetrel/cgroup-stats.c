/* A container's cgroup statistics for `events`, read from wherever each
 * controller lives (v1 or v2 files) into runc's event types, and the OOM
 * notifications: an eventfd on memory.oom_control (v1) or inotify on
 * memory.events (v2). A file this kernel lacks leaves its values unset. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cleanup.h"
#include "util.h"

#define NSEC_PER_USEC 1000ull
#define NSEC_PER_SEC 1000000000ull

/* ------------------------------------------------------------ file helpers */

/* A controller's directory and the kind of hierarchy it is in. */
struct ctl_dir {
	const char *path;
	bool v2;
};

static bool controller_dir(const struct petrel_cgroup *cg, const char *controller,
			   struct ctl_dir *out)
{
	const char *path = petrel_cgroup_dir_for(cg, controller);
	if (path == NULL)
		return false;
	const char *v2 = petrel_cgroup_v2_dir(cg);
	out->path = path;
	out->v2 = v2 != NULL && strcmp(path, v2) == 0;
	return true;
}

static bool controller_v1(const struct petrel_cgroup *cg, const char *controller,
			  struct ctl_dir *out)
{
	return controller_dir(cg, controller, out) && !out->v2;
}

/* dir/file whole: 1 when read, 0 when this kernel does not have it (or
 * PSI is off: EOPNOTSUPP), -1 on any other error. */
static int read_optional(const char *dir, const char *file, char **out, struct petrel_error **err)
{
	struct petrel_error *e = NULL;
	*out = NULL;
	if (petrel_cgroup_read(dir, file, out, &e) == 0)
		return 1;
	if (e && (e->errnum == ENOENT || e->errnum == EOPNOTSUPP)) {
		petrel_error_free(e);
		return 0;
	}
	if (err)
		*err = e;
	else
		petrel_error_free(e);
	return -1;
}

/* A number as runc reads one: "max" is UINT64_MAX, a negative value 0. */
static bool parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	if (strcmp(s, "max") == 0) {
		*out = UINT64_MAX;
		return true;
	}
	errno = 0;
	if (*s == '-') {
		(void)strtoll(s, &end, 10);
		if (end == s || *end != '\0')
			return false;
		*out = 0;
		return true;
	}
	if (!isdigit((unsigned char)*s))
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end != '\0')
		return false;
	*out = v;
	return true;
}

static int parse_error(const char *dir, const char *file, const char *text,
		       struct petrel_error **err)
{
	return petrel_error_set(err, 0, "%s/%s: cannot parse \"%s\"", dir, file, text);
}

/* One number: 1 when read (*value set), 0 when the file is absent. */
static int read_u64(const char *dir, const char *file, uint64_t *value, struct petrel_error **err)
{
	cleanup_free char *text = NULL;
	int r = read_optional(dir, file, &text, err);
	if (r <= 0)
		return r;
	char *s = text + strspn(text, " \t\n");
	s[strcspn(s, " \t\n")] = '\0';
	if (!parse_u64(s, value))
		return parse_error(dir, file, text, err);
	return 1;
}

/* The next "key value" line of a flat keyed file, split in place; false at
 * the end. *value is the rest of the line after the key and its blanks. */
static bool next_line(char **cursor, char **key, char **value)
{
	while (**cursor == '\n')
		(*cursor)++;
	if (**cursor == '\0')
		return false;
	char *line = *cursor, *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	size_t n = strcspn(line, " \t");
	*key = line;
	*value = line + n + strspn(line + n, " \t");
	line[n] = '\0';
	return true;
}

/* The value of key in a flat keyed file (memory.events, cpu.stat): 1 when
 * found, 0 when the file or the key is absent. */
static int read_keyed(const char *dir, const char *file, const char *key, uint64_t *value,
		      struct petrel_error **err)
{
	cleanup_free char *text = NULL;
	int r = read_optional(dir, file, &text, err);
	if (r <= 0)
		return r;
	char *cursor = text, *k, *v;
	while (next_line(&cursor, &k, &v))
		if (strcmp(k, key) == 0)
			return parse_u64(v, value) ? 1 : parse_error(dir, file, v, err);
	return 0;
}

static void *new_zeroed(size_t n, size_t size, struct petrel_error **err)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL)
		petrel_error_set(err, ENOMEM, "statistics");
	return p;
}

/* Numbers separated by blanks ("1 2 3 ") into a malloc'd array; NULL (and
 * *n 0) when there are none, as runc omits an empty list. */
static int parse_list(const char *dir, const char *file, char *text, uint64_t **out, size_t *n,
		      struct petrel_error **err)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (char *save = NULL, *tok = strtok_r(text, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		uint64_t v;
		if (!parse_u64(tok, &v)) {
			free(*out);
			*out = NULL;
			*n = 0;
			return parse_error(dir, file, tok, err);
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			uint64_t *bigger = realloc(*out, cap * sizeof(**out));
			if (bigger == NULL) {
				free(*out);
				*out = NULL;
				*n = 0;
				return petrel_error_set(err, ENOMEM, "statistics");
			}
			*out = bigger;
		}
		(*out)[(*n)++] = v;
	}
	return 0;
}

#define SET(obj, field, v) ((obj)->field = (v), (obj)->has_##field = true)
/* For runc's omitempty numbers: a zero is left out. */
#define SET_NONZERO(obj, field, v)                                                                 \
	do {                                                                                       \
		uint64_t set_v_ = (v);                                                             \
		if (set_v_ != 0)                                                                   \
			SET(obj, field, set_v_);                                                   \
	} while (0)

/* ------------------------------------------------------------------- PSI */

static int parse_psi_line(char *values, struct oci_event_psi_data *d)
{
	for (char *save = NULL, *tok = strtok_r(values, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '='), *end = NULL;
		if (eq == NULL)
			return -1;
		*eq++ = '\0';
		errno = 0;
		if (strcmp(tok, "total") == 0) {
			if (!parse_u64(eq, &d->total))
				return -1;
			continue;
		}
		double v = strtod(eq, &end);
		if (errno || end == eq || *end != '\0')
			return -1;
		if (strcmp(tok, "avg10") == 0)
			d->avg10 = v;
		else if (strcmp(tok, "avg60") == 0)
			d->avg60 = v;
		else if (strcmp(tok, "avg300") == 0)
			d->avg300 = v;
	}
	d->has_avg10 = d->has_avg60 = d->has_avg300 = d->has_total = true;
	return 0;
}

static bool psi_data_zero(const struct oci_event_psi_data *d)
{
	return d->avg10 == 0 && d->avg60 == 0 && d->avg300 == 0 && d->total == 0;
}

/* <controller>.pressure (v2 only): "some" and "full" lines of averages and a
 * total; a line that is all zero is left out, as runc does. */
static int read_psi(const char *dir, const char *file, struct oci_event_psi_stats **out,
		    struct petrel_error **err)
{
	cleanup_free char *text = NULL;
	int r = read_optional(dir, file, &text, err);
	if (r <= 0)
		return r;
	struct oci_event_psi_stats *psi = new_zeroed(1, sizeof(*psi), err);
	if (psi == NULL)
		return -1;
	*out = psi;
	char *cursor = text, *key, *values;
	while (next_line(&cursor, &key, &values)) {
		struct oci_event_psi_data **slot = strcmp(key, "some") == 0   ? &psi->some
						   : strcmp(key, "full") == 0 ? &psi->full
									      : NULL;
		if (slot == NULL || *slot)
			continue;
		struct oci_event_psi_data d = {0};
		if (parse_psi_line(values, &d) < 0)
			return parse_error(dir, file, values, err);
		if (psi_data_zero(&d))
			continue;
		if ((*slot = new_zeroed(1, sizeof(**slot), err)) == NULL)
			return -1;
		**slot = d;
	}
	return 0;
}

/* ------------------------------------------------------------------- CPU */

/* cpuacct.usage_all: "cpu user system" then one line per CPU. */
static int read_usage_all(const char *dir, struct oci_event_cpu_usage *u, struct petrel_error **err)
{
	static const char file[] = "cpuacct.usage_all";
	cleanup_free char *text = NULL;
	int r = read_optional(dir, file, &text, err);
	if (r <= 0)
		return r;
	char *cursor = text, *key, *rest;
	if (!next_line(&cursor, &key, &rest) || strcmp(key, "cpu") != 0)
		return parse_error(dir, file, text, err);
	size_t cap = 0, n = 0;
	while (next_line(&cursor, &key, &rest)) {
		uint64_t user, kernel;
		char *sys = rest + strcspn(rest, " ");
		if (*sys)
			*sys++ = '\0';
		sys[strcspn(sys, " ")] = '\0';
		if (!parse_u64(rest, &user) || !parse_u64(sys, &kernel))
			return parse_error(dir, file, rest, err);
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			uint64_t *k = realloc(u->percpu_kernel, cap * sizeof(*k));
			if (k)
				u->percpu_kernel = k;
			uint64_t *us = k ? realloc(u->percpu_user, cap * sizeof(*us)) : NULL;
			if (us)
				u->percpu_user = us;
			if (k == NULL || us == NULL)
				return petrel_error_set(err, ENOMEM, "statistics");
		}
		u->percpu_kernel[n] = kernel;
		u->percpu_user[n] = user;
		u->percpu_kernel_len = u->percpu_user_len = ++n;
	}
	return 0;
}

/* cpuacct (v1): the total and per-CPU usage in ns, the user and system
 * split in clock ticks. */
static int cpu_usage_v1(const char *dir, struct oci_event_cpu_usage *u, struct petrel_error **err)
{
	uint64_t v;
	cleanup_free char *text = NULL;
	int r = read_optional(dir, "cpuacct.stat", &text, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		long ticks = sysconf(_SC_CLK_TCK);
		char *cursor = text, *key, *value;
		if (ticks <= 0)
			ticks = 100;
		while (next_line(&cursor, &key, &value)) {
			if (!parse_u64(value, &v))
				return parse_error(dir, "cpuacct.stat", value, err);
			v = v * NSEC_PER_SEC / (uint64_t)ticks;
			if (strcmp(key, "user") == 0)
				SET(u, user, v);
			else if (strcmp(key, "system") == 0)
				SET(u, kernel, v);
		}
	}
	if ((r = read_u64(dir, "cpuacct.usage", &v, err)) < 0)
		return -1;
	if (r > 0)
		SET_NONZERO(u, total, v);
	free(text);
	text = NULL;
	if ((r = read_optional(dir, "cpuacct.usage_percpu", &text, err)) < 0)
		return -1;
	if (r > 0 &&
	    parse_list(dir, "cpuacct.usage_percpu", text, &u->percpu, &u->percpu_len, err) < 0)
		return -1;
	return read_usage_all(dir, u, err);
}

/* cpu.stat: v1 has the throttling numbers (time in ns), v2 usage too (in
 * µs). */
static int cpu_stat(const char *dir, bool v2, struct oci_event_cpu_usage *u,
		    struct oci_event_throttling *t, struct petrel_error **err)
{
	cleanup_free char *text = NULL;
	int r = read_optional(dir, "cpu.stat", &text, err);
	if (r <= 0)
		return r;
	char *cursor = text, *key, *value;
	while (next_line(&cursor, &key, &value)) {
		uint64_t v;
		if (!parse_u64(value, &v))
			return parse_error(dir, "cpu.stat", value, err);
		if (strcmp(key, "nr_periods") == 0)
			SET_NONZERO(t, periods, v);
		else if (strcmp(key, "nr_throttled") == 0)
			SET_NONZERO(t, throttled_periods, v);
		else if (!v2 && strcmp(key, "throttled_time") == 0)
			SET_NONZERO(t, throttled_time, v);
		else if (v2 && strcmp(key, "throttled_usec") == 0)
			SET_NONZERO(t, throttled_time, v * NSEC_PER_USEC);
		else if (v2 && strcmp(key, "usage_usec") == 0)
			SET_NONZERO(u, total, v * NSEC_PER_USEC);
		else if (v2 && strcmp(key, "user_usec") == 0)
			SET(u, user, v * NSEC_PER_USEC);
		else if (v2 && strcmp(key, "system_usec") == 0)
			SET(u, kernel, v * NSEC_PER_USEC);
	}
	return 0;
}

static int stats_cpu(const struct petrel_cgroup *cg, struct oci_event_cpu *cpu,
		     struct petrel_error **err)
{
	struct ctl_dir acct = {0}, sched = {0};
	bool v1_acct = controller_v1(cg, "cpuacct", &acct);
	bool v1_cpu = controller_v1(cg, "cpu", &sched);
	const char *v2 = petrel_cgroup_v2_dir(cg);
	struct oci_event_cpu_usage *u = cpu->usage;
	if (v1_acct && cpu_usage_v1(acct.path, u, err) < 0)
		return -1;
	if (v1_cpu && cpu_stat(sched.path, false, u, cpu->throttling, err) < 0)
		return -1;
	/* cpu.stat is in every v2 directory, the cpu controller enabled or not. */
	if (!v1_acct && !v1_cpu && v2) {
		if (cpu_stat(v2, true, u, cpu->throttling, err) < 0 ||
		    read_psi(v2, "cpu.pressure", &cpu->psi, err) < 0)
			return -1;
	}
	/* runc leaves out an all-zero usage or throttling (omitzero). */
	if (u->total == 0 && u->percpu_len == 0 && u->percpu_kernel_len == 0 &&
	    u->percpu_user_len == 0 && u->kernel == 0 && u->user == 0) {
		ocispec_free(&oci_type_event_cpu_usage, cpu->usage);
		cpu->usage = NULL;
	}
	const struct oci_event_throttling *t = cpu->throttling;
	if (!t->has_periods && !t->has_throttled_periods && !t->has_throttled_time) {
		ocispec_free(&oci_type_event_throttling, cpu->throttling);
		cpu->throttling = NULL;
	}
	return 0;
}

/* ---------------------------------------------------------------- cpuset */

/* "0-2,4" into [0,1,2,4]. */
static int parse_cpu_list(const char *dir, const char *file, char *text, uint32_t **out, size_t *n,
			  struct petrel_error **err)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (char *save = NULL, *tok = strtok_r(text, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save)) {
		char *end = NULL;
		errno = 0;
		unsigned long from = strtoul(tok, &end, 10), to = from;
		if (*end == '-')
			to = strtoul(end + 1, &end, 10);
		if (errno || *end != '\0' || !isdigit((unsigned char)*tok) || from > to ||
		    to > UINT16_MAX)
			return parse_error(dir, file, tok, err);
		for (unsigned long i = from; i <= to; i++) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				uint32_t *bigger = realloc(*out, cap * sizeof(**out));
				if (bigger == NULL)
					return petrel_error_set(err, ENOMEM, "statistics");
				*out = bigger;
			}
			(*out)[(*n)++] = (uint32_t)i;
		}
	}
	return 0;
}

static int stats_cpuset(const struct petrel_cgroup *cg, struct oci_event_cpuset *cs,
			struct petrel_error **err)
{
	static const struct {
		const char *file;
		size_t offset;
	} flags[] = {
		{"cpuset.cpu_exclusive", offsetof(struct oci_event_cpuset, cpu_exclusive)},
		{"cpuset.mem_hardwall", offsetof(struct oci_event_cpuset, mem_hardwall)},
		{"cpuset.mem_exclusive", offsetof(struct oci_event_cpuset, mem_exclusive)},
		{"cpuset.memory_migrate", offsetof(struct oci_event_cpuset, memory_migrate)},
		{"cpuset.memory_spread_page",
		 offsetof(struct oci_event_cpuset, memory_spread_page)},
		{"cpuset.memory_spread_slab",
		 offsetof(struct oci_event_cpuset, memory_spread_slab)},
		{"cpuset.memory_pressure", offsetof(struct oci_event_cpuset, memory_pressure)},
		{"cpuset.sched_load_balance",
		 offsetof(struct oci_event_cpuset, sched_load_balance)},
	};
	/* runc prints these numbers even where it reads no cpuset (v2). */
	cs->has_cpu_exclusive = cs->has_mem_hardwall = cs->has_mem_exclusive = true;
	cs->has_memory_migrate = cs->has_memory_spread_page = cs->has_memory_spread_slab = true;
	cs->has_memory_pressure = cs->has_sched_load_balance = true;
	cs->has_sched_relax_domain_level = true;
	struct ctl_dir d = {0};
	if (!controller_v1(cg, "cpuset", &d))
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(flags); i++)
		if (read_u64(d.path, flags[i].file, (uint64_t *)((char *)cs + flags[i].offset),
			     err) < 0)
			return -1;
	cleanup_free char *text = NULL;
	int r = read_optional(d.path, "cpuset.sched_relax_domain_level", &text, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		char *end = NULL;
		errno = 0;
		long long level = strtoll(text, &end, 10);
		if (errno || end == text || *end != '\0')
			return parse_error(d.path, "cpuset.sched_relax_domain_level", text, err);
		cs->sched_relax_domain_level = level;
	}
	static const char *const lists[] = {"cpuset.cpus", "cpuset.mems"};
	for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
		free(text);
		text = NULL;
		if ((r = read_optional(d.path, lists[i], &text, err)) < 0)
			return -1;
		if (r > 0 && parse_cpu_list(d.path, lists[i], text, i ? &cs->mems : &cs->cpus,
					    i ? &cs->mems_len : &cs->cpus_len, err) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- memory */

/* One usage record; runc leaves out one that is all zero (omitzero), and
 * in it a zero usage or max (omitempty), never the limit or failcnt. */
static int memory_entry(uint64_t usage, uint64_t max, uint64_t limit, uint64_t failcnt,
			struct oci_event_memory_entry **out, struct petrel_error **err)
{
	*out = NULL;
	if (usage == 0 && max == 0 && limit == 0 && failcnt == 0)
		return 0;
	struct oci_event_memory_entry *e = new_zeroed(1, sizeof(*e), err);
	if (e == NULL)
		return -1;
	SET(e, limit, limit);
	SET_NONZERO(e, usage, usage);
	SET_NONZERO(e, max, max);
	SET(e, failcnt, failcnt);
	*out = e;
	return 0;
}

/* v1 memory.<name>.{usage_in_bytes,max_usage_in_bytes,failcnt,limit_in_bytes}
 * ("memory." alone for name ""). A counter the kernel lacks (no swap
 * accounting) is no record. */
static int memory_entry_v1(const char *dir, const char *name, struct oci_event_memory_entry **out,
			   struct petrel_error **err)
{
	static const char *const suffixes[] = {"usage_in_bytes", "max_usage_in_bytes", "failcnt",
					       "limit_in_bytes"};
	uint64_t v[4] = {0};
	*out = NULL;
	for (size_t i = 0; i < ARRAY_LEN(suffixes); i++) {
		char file[64];
		snprintf(file, sizeof(file), "memory.%s%s%s", name, *name ? "." : "", suffixes[i]);
		int r = read_u64(dir, file, &v[i], err);
		if (r < 0)
			return -1;
		if (r == 0 && i == 0)
			return 0;
	}
	return memory_entry(v[0], v[1], v[3], v[2], out, err);
}

struct raw_entry {
	char *key;
	uint64_t value;
};

static int compare_raw(const void *a, const void *b)
{
	return strcmp(((const struct raw_entry *)a)->key, ((const struct raw_entry *)b)->key);
}

/* memory.stat as it is, sorted by key as Go writes a map; *cache is the
 * value of cache_key. 0 when the file is absent. */
static int memory_raw(const char *dir, const char *cache_key, struct oci_event_memory *m,
		      struct petrel_error **err)
{
	cleanup_free char *text = NULL;
	int r = read_optional(dir, "memory.stat", &text, err);
	if (r <= 0)
		return r;
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	cleanup_free struct raw_entry *entries = new_zeroed(lines, sizeof(*entries), err);
	if (entries == NULL)
		return -1;
	size_t n = 0;
	char *cursor = text, *key, *value;
	while (n < lines && next_line(&cursor, &key, &value)) {
		if (!parse_u64(value, &entries[n].value))
			return parse_error(dir, "memory.stat", value, err);
		entries[n++].key = key;
	}
	qsort(entries, n, sizeof(*entries), compare_raw);
	m->raw = new_zeroed(n, sizeof(*m->raw), err);
	m->raw_keys = m->raw ? new_zeroed(n, sizeof(*m->raw_keys), err) : NULL;
	if (m->raw_keys == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((m->raw_keys[i] = strdup(entries[i].key)) == NULL)
			return petrel_error_set(err, ENOMEM, "statistics");
		m->raw[i] = entries[i].value;
		m->raw_len = i + 1;
		if (strcmp(entries[i].key, cache_key) == 0)
			SET_NONZERO(m, cache, entries[i].value);
	}
	if (n == 0) { /* runc leaves out an empty map */
		free(m->raw);
		free(m->raw_keys);
		m->raw = NULL;
		m->raw_keys = NULL;
	}
	return 1;
}

static int memory_v1(const char *dir, struct oci_event_memory *m, struct petrel_error **err)
{
	int r = memory_raw(dir, "cache", m, err);
	if (r <= 0) /* runc reads nothing more without memory.stat */
		return r;
	if (memory_entry_v1(dir, "", &m->usage, err) < 0 ||
	    memory_entry_v1(dir, "memsw", &m->swap, err) < 0 ||
	    memory_entry_v1(dir, "kmem", &m->kernel, err) < 0 ||
	    memory_entry_v1(dir, "kmem.tcp", &m->kernel_tcp, err) < 0)
		return -1;
	return 0;
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* v2: memory.current/max/peak; swap is runc's memory+swap record (swap.max
 * plus memory.max as the limit, unless swap is unlimited). */
static int memory_v2(const char *dir, struct oci_event_memory *m, struct petrel_error **err)
{
	uint64_t usage = 0, limit = 0, peak = 0, swap = 0, swap_limit = 0;
	int r = memory_raw(dir, "file", m, err);
	if (r <= 0)
		return r;
	if ((r = read_u64(dir, "memory.current", &usage, err)) <= 0)
		return r;
	if (read_u64(dir, "memory.max", &limit, err) < 0 ||
	    read_u64(dir, "memory.peak", &peak, err) < 0)
		return -1;
	if ((r = read_u64(dir, "memory.swap.current", &swap, err)) < 0)
		return -1;
	if (r > 0 && read_u64(dir, "memory.swap.max", &swap_limit, err) < 0)
		return -1;
	if (swap_limit != UINT64_MAX)
		swap_limit = add_saturating(swap_limit, limit);
	if (memory_entry(usage, peak, limit, 0, &m->usage, err) < 0 ||
	    memory_entry(add_saturating(usage, swap), 0, swap_limit, 0, &m->swap, err) < 0)
		return -1;
	return read_psi(dir, "memory.pressure", &m->psi, err);
}

/* ------------------------------------------------------------------ pids */

static int stats_pids(const struct petrel_cgroup *cg, struct oci_event_pids *p,
		      struct petrel_error **err)
{
	struct ctl_dir d = {0};
	uint64_t current = 0, max = 0;
	if (controller_dir(cg, "pids", &d)) {
		int r = read_u64(d.path, "pids.current", &current, err);
		if (r <= 0)
			return r;
		if (read_u64(d.path, "pids.max", &max, err) < 0)
			return -1;
	} else {
		/* A pure v2 cgroup without the pids controller: count its
		 * processes, as runc does. */
		const struct petrel_cgroup_layout *layout = NULL;
		const char *v2 = petrel_cgroup_v2_dir(cg);
		if (v2 == NULL || petrel_cgroup_layout(&layout, err) < 0)
			return v2 == NULL ? 0 : -1;
		if (layout->mode != PETREL_CGROUP_V2)
			return 0;
		cleanup_free char *procs = NULL;
		int r = read_optional(v2, "cgroup.procs", &procs, err);
		if (r <= 0)
			return r;
		for (char *s = procs; *s; s++)
			current += *s == '\n';
		current += *procs != '\0'; /* the last line lost its newline */
	}
	SET_NONZERO(p, current, current);
	SET_NONZERO(p, limit, max == UINT64_MAX ? 0 : max);
	return 0;
}

/* ----------------------------------------------------------------- blkio */

static int append_blkio(struct oci_event_blkio_entry **list, size_t *n, uint64_t major,
			uint64_t minor, const char *op, uint64_t value, struct petrel_error **err)
{
	struct oci_event_blkio_entry *bigger = realloc(*list, (*n + 1) * sizeof(**list));
	if (bigger == NULL)
		return petrel_error_set(err, ENOMEM, "statistics");
	*list = bigger;
	struct oci_event_blkio_entry *e = memset(&bigger[(*n)++], 0, sizeof(*e));
	SET_NONZERO(e, major, major);
	SET_NONZERO(e, minor, minor);
	SET_NONZERO(e, value, value);
	if (op && *op && (e->op = strdup(op)) == NULL)
		return petrel_error_set(err, ENOMEM, "statistics");
	return 0;
}

/* A v1 blkio file: "MAJ:MIN [Op] value" lines and a "Total N" line that is
 * skipped. 1 when it has entries, 0 when it is absent or has none. */
static int blkio_file(const char *dir, const char *file, struct oci_event_blkio_entry **list,
		      size_t *n, struct petrel_error **err)
{
	cleanup_free char *text = NULL;
	int r = read_optional(dir, file, &text, err);
	if (r <= 0)
		return r;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *fields[5];
		size_t nf = 0;
		for (char *fsave = NULL, *f = strtok_r(line, " :", &fsave); f && nf < 5;
		     f = strtok_r(NULL, " :", &fsave))
			fields[nf++] = f;
		if (nf == 2 && strcmp(fields[0], "Total") == 0)
			continue;
		uint64_t major, minor, value;
		if ((nf != 3 && nf != 4) || !parse_u64(fields[0], &major) ||
		    !parse_u64(fields[1], &minor) || !parse_u64(fields[nf - 1], &value))
			return parse_error(dir, file, line, err);
		if (append_blkio(list, n, major, minor, nf == 4 ? fields[2] : NULL, value, err) < 0)
			return -1;
	}
	return *n > 0;
}

/* v1: runc takes the first group whose first file has entries: the bfq
 * debug files, bfq, cfq, then the throttle ones (recursive, then not). */
static int blkio_v1(const char *dir, struct oci_event_blkio *b, struct petrel_error **err)
{
#define SLOT(field)                                                                                \
	offsetof(struct oci_event_blkio, field), offsetof(struct oci_event_blkio, field##_len)
	struct source {
		const char *file;
		size_t list, len;
	};
	static const struct source bfq_debug[] = {
		{"blkio.bfq.sectors_recursive", SLOT(sectors_recursive)},
		{"blkio.bfq.io_service_time_recursive", SLOT(io_service_time_recursive)},
		{"blkio.bfq.io_wait_time_recursive", SLOT(io_wait_time_recursive)},
		{"blkio.bfq.io_merged_recursive", SLOT(io_merged_recursive)},
		{"blkio.bfq.io_queued_recursive", SLOT(io_queue_recursive)},
		{"blkio.bfq.time_recursive", SLOT(io_time_recursive)},
		{"blkio.bfq.io_serviced_recursive", SLOT(io_serviced_recursive)},
		{"blkio.bfq.io_service_bytes_recursive", SLOT(io_service_bytes_recursive)},
		{NULL, 0, 0},
	};
	static const struct source bfq[] = {
		{"blkio.bfq.io_serviced_recursive", SLOT(io_serviced_recursive)},
		{"blkio.bfq.io_service_bytes_recursive", SLOT(io_service_bytes_recursive)},
		{NULL, 0, 0},
	};
	static const struct source cfq[] = {
		{"blkio.sectors_recursive", SLOT(sectors_recursive)},
		{"blkio.io_service_time_recursive", SLOT(io_service_time_recursive)},
		{"blkio.io_wait_time_recursive", SLOT(io_wait_time_recursive)},
		{"blkio.io_merged_recursive", SLOT(io_merged_recursive)},
		{"blkio.io_queued_recursive", SLOT(io_queue_recursive)},
		{"blkio.time_recursive", SLOT(io_time_recursive)},
		{"blkio.io_serviced_recursive", SLOT(io_serviced_recursive)},
		{"blkio.io_service_bytes_recursive", SLOT(io_service_bytes_recursive)},
		{NULL, 0, 0},
	};
	static const struct source throttle_recursive[] = {
		{"blkio.throttle.io_serviced_recursive", SLOT(io_serviced_recursive)},
		{"blkio.throttle.io_service_bytes_recursive", SLOT(io_service_bytes_recursive)},
		{NULL, 0, 0},
	};
	static const struct source throttle[] = {
		{"blkio.throttle.io_serviced", SLOT(io_serviced_recursive)},
		{"blkio.throttle.io_service_bytes", SLOT(io_service_bytes_recursive)},
		{NULL, 0, 0},
	};
#undef SLOT
	static const struct source *const groups[] = {bfq_debug, bfq, cfq, throttle_recursive,
						      throttle};
	for (size_t g = 0; g < ARRAY_LEN(groups); g++) {
		for (const struct source *s = groups[g]; s->file; s++) {
			struct oci_event_blkio_entry **list = (void *)((char *)b + s->list);
			size_t *len = (size_t *)((char *)b + s->len);
			int r = blkio_file(dir, s->file, list, len, err);
			if (r < 0)
				return -1;
			/* The group is not there: try the next; a later file
			 * of a group that is there ends the search too. */
			if (r == 0 && s == groups[g])
				break;
			if (r == 0 || s[1].file == NULL)
				return 0;
		}
	}
	return 0;
}

/* v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." lines. */
static int blkio_v2(const char *dir, struct oci_event_blkio *b, struct petrel_error **err)
{
	cleanup_free char *text = NULL;
	int r = read_optional(dir, "io.stat", &text, err);
	if (r < 0)
		return -1;
	char *cursor = text ? text : (char *)"", *device, *items;
	while (r > 0 && next_line(&cursor, &device, &items)) {
		unsigned long long major, minor;
		char tail;
		if (sscanf(device, "%llu:%llu%c", &major, &minor, &tail) != 2)
			continue;
		for (char *save = NULL, *item = strtok_r(items, " ", &save); item;
		     item = strtok_r(NULL, " ", &save)) {
			char *eq = strchr(item, '=');
			uint64_t value;
			if (eq == NULL)
				continue;
			*eq++ = '\0';
			struct oci_event_blkio_entry **list = NULL;
			size_t *len = NULL;
			const char *op = item[0] == 'r' ? "Read" : "Write";
			if (strcmp(item, "rbytes") == 0 || strcmp(item, "wbytes") == 0) {
				list = &b->io_service_bytes_recursive;
				len = &b->io_service_bytes_recursive_len;
			} else if (strcmp(item, "rios") == 0 || strcmp(item, "wios") == 0) {
				list = &b->io_serviced_recursive;
				len = &b->io_serviced_recursive_len;
			} else {
				continue; /* runc's events do not show the others */
			}
			if (!parse_u64(eq, &value))
				return parse_error(dir, "io.stat", eq, err);
			if (append_blkio(list, len, major, minor, op, value, err) < 0)
				return -1;
		}
	}
	return read_psi(dir, "io.pressure", &b->psi, err);
}

/* --------------------------------------------------------------- hugetlb */

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The host's huge page sizes in the kernel's cgroup file names ("2MB",
 * "1GB"), sorted as Go writes the keys of a map. */
static int huge_page_sizes(char ***out, size_t *n, struct petrel_error **err)
{
	*out = NULL;
	*n = 0;
	cleanup_closedir DIR *d = opendir("/sys/kernel/mm/hugepages");
	if (d == NULL)
		return errno == ENOENT ? 0
				       : petrel_error_errno(err, "open /sys/kernel/mm/hugepages");
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		unsigned long kb;
		char unit[4];
		if (sscanf(e->d_name, "hugepages-%lu%3s", &kb, unit) != 2 || strcmp(unit, "kB"))
			continue;
		char name[32];
		if (kb >= 1ul << 20)
			snprintf(name, sizeof(name), "%luGB", kb >> 20);
		else if (kb >= 1ul << 10)
			snprintf(name, sizeof(name), "%luMB", kb >> 10);
		else
			snprintf(name, sizeof(name), "%luKB", kb);
		char **bigger = realloc(*out, (*n + 2) * sizeof(char *));
		if (bigger == NULL)
			return petrel_error_set(err, ENOMEM, "statistics");
		*out = bigger;
		if ((bigger[*n] = strdup(name)) == NULL)
			return petrel_error_set(err, ENOMEM, "statistics");
		bigger[++*n] = NULL;
	}
	if (*n > 1)
		qsort(*out, *n, sizeof(char *), compare_names);
	return 0;
}

/* One page size: v1 hugetlb.<size>[.rsvd].{usage_in_bytes,max_usage_in_bytes,
 * failcnt}; v2 hugetlb.<size>[.rsvd].current and the "max" count of
 * hugetlb.<size>.events. runc reads the reservation counters where the
 * kernel has them. 0 when the size has no files. */
static int hugetlb_size(const struct ctl_dir *d, const char *size, struct oci_event_hugetlb *h,
			struct petrel_error **err)
{
	char file[96];
	uint64_t usage = 0, max = 0, failcnt = 0;
	int r = 0;
	for (int rsvd = 1; rsvd >= 0 && r == 0; rsvd--) {
		snprintf(file, sizeof(file), "hugetlb.%s%s.%s", size, rsvd ? ".rsvd" : "",
			 d->v2 ? "current" : "usage_in_bytes");
		if ((r = read_u64(d->path, file, &usage, err)) < 0)
			return -1;
		if (r > 0 && !d->v2) {
			snprintf(file, sizeof(file), "hugetlb.%s%s.max_usage_in_bytes", size,
				 rsvd ? ".rsvd" : "");
			if (read_u64(d->path, file, &max, err) < 0)
				return -1;
			snprintf(file, sizeof(file), "hugetlb.%s%s.failcnt", size,
				 rsvd ? ".rsvd" : "");
			if (read_u64(d->path, file, &failcnt, err) < 0)
				return -1;
		}
	}
	if (r == 0)
		return 0;
	if (d->v2) {
		snprintf(file, sizeof(file), "hugetlb.%s.events", size);
		if (read_keyed(d->path, file, "max", &failcnt, err) < 0)
			return -1;
	}
	SET_NONZERO(h, usage, usage);
	SET_NONZERO(h, max, max);
	SET(h, failcnt, failcnt);
	return 1;
}

/* hugetlb is always an object, {} where there is nothing to show. */
static int stats_hugetlb(const struct petrel_cgroup *cg, struct oci_event_stats *st,
			 struct petrel_error **err)
{
	cleanup_strv char **sizes = NULL;
	size_t n = 0;
	struct ctl_dir d = {0};
	bool present = controller_dir(cg, "hugetlb", &d);
	if (present && huge_page_sizes(&sizes, &n, err) < 0)
		return -1;
	st->hugetlb = new_zeroed(n, sizeof(*st->hugetlb), err);
	st->hugetlb_keys = st->hugetlb ? new_zeroed(n, sizeof(char *), err) : NULL;
	if (st->hugetlb_keys == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct oci_event_hugetlb *h = &st->hugetlb[st->hugetlb_len];
		int r = hugetlb_size(&d, sizes[i], h, err);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		if ((st->hugetlb_keys[st->hugetlb_len] = strdup(sizes[i])) == NULL)
			return petrel_error_set(err, ENOMEM, "statistics");
		st->hugetlb_len++;
	}
	return 0;
}

/* ------------------------------------------------------------ statistics */

static void event_stats_free(struct oci_event_stats **st)
{
	ocispec_free(&oci_type_event_stats, *st);
}

int petrel_cgroup_stats(const struct petrel_cgroup *cg, struct oci_event_stats **out,
			struct petrel_error **err)
{
	__attribute__((cleanup(event_stats_free))) struct oci_event_stats *st =
		new_zeroed(1, sizeof(*st), err);
	if (st == NULL)
		return -1;
	/* runc always prints these objects, empty or not. */
	if ((st->cpu = new_zeroed(1, sizeof(*st->cpu), err)) == NULL ||
	    (st->cpu->usage = new_zeroed(1, sizeof(*st->cpu->usage), err)) == NULL ||
	    (st->cpu->throttling = new_zeroed(1, sizeof(*st->cpu->throttling), err)) == NULL ||
	    (st->cpuset = new_zeroed(1, sizeof(*st->cpuset), err)) == NULL ||
	    (st->memory = new_zeroed(1, sizeof(*st->memory), err)) == NULL ||
	    (st->pids = new_zeroed(1, sizeof(*st->pids), err)) == NULL ||
	    (st->blkio = new_zeroed(1, sizeof(*st->blkio), err)) == NULL ||
	    (st->intel_rdt = new_zeroed(1, sizeof(*st->intel_rdt), err)) == NULL)
		return -1;
	struct ctl_dir d = {0};
	if (stats_cpu(cg, st->cpu, err) < 0 || stats_cpuset(cg, st->cpuset, err) < 0)
		goto fail;
	if (controller_dir(cg, "memory", &d) &&
	    (d.v2 ? memory_v2(d.path, st->memory, err) : memory_v1(d.path, st->memory, err)) < 0)
		goto fail;
	if (stats_pids(cg, st->pids, err) < 0)
		goto fail;
	if (controller_dir(cg, "blkio", &d) &&
	    (d.v2 ? blkio_v2(d.path, st->blkio, err) : blkio_v1(d.path, st->blkio, err)) < 0)
		goto fail;
	if (stats_hugetlb(cg, st, err) < 0)
		goto fail;
	/* network_interfaces: runc lists only interfaces its own network
	 * setup made, which an OCI bundle never has; the event printer
	 * (events.c) writes runc's null for it. */
	*out = steal_ptr(&st);
	return 0;
fail:
	return petrel_error_prefix(err, "cgroup statistics");
}

/* ------------------------------------------------------------------- OOM */

/* v2 counts kills in memory.events; an inotify fd only says the file
 * changed. The count last seen, per fd handed out. */
static struct {
	int fd; /* -1: free */
	uint64_t kills;
} oom_counts[8] = {[0 ... 7] = {-1, 0}};

static uint64_t *oom_count_slot(int fd, bool create)
{
	for (size_t i = 0; i < ARRAY_LEN(oom_counts); i++)
		if (oom_counts[i].fd == fd)
			return &oom_counts[i].kills;
	for (size_t i = 0; create && i < ARRAY_LEN(oom_counts); i++)
		if (oom_counts[i].fd < 0) {
			oom_counts[i].fd = fd;
			return &oom_counts[i].kills;
		}
	return NULL;
}

static int memory_dir(const struct petrel_cgroup *cg, struct ctl_dir *d, struct petrel_error **err)
{
	if (!controller_dir(cg, "memory", d))
		return petrel_error_set(err, 0, "the container has no memory cgroup");
	return 0;
}

/* v1: an eventfd that memory.oom_control signals on every OOM (and once
 * when the cgroup is removed), registered through cgroup.event_control. */
static int oom_fd_v1(const char *dir, struct petrel_error **err)
{
	cleanup_close int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return petrel_error_errno(err, "eventfd");
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/memory.oom_control", dir) < 0)
		return petrel_error_set(err, ENOMEM, "OOM notification");
	/* The kernel needs the file only while registering. */
	cleanup_close int cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		return petrel_error_errno(err, "open %s", path);
	if (petrel_cgroup_writef(dir, "cgroup.event_control", err, "%d %d", efd, cfd) < 0)
		return -1;
	return steal_fd(&efd);
}

static int oom_fd_v2(const char *dir, struct petrel_error **err)
{
	cleanup_close int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (fd < 0)
		return petrel_error_errno(err, "inotify_init1");
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/memory.events", dir) < 0)
		return petrel_error_set(err, ENOMEM, "OOM notification");
	if (inotify_add_watch(fd, path, IN_MODIFY) < 0)
		return petrel_error_errno(err, "watch %s", path);
	uint64_t kills = 0;
	if (read_keyed(dir, "memory.events", "oom_kill", &kills, err) < 0)
		return -1;
	uint64_t *slot = oom_count_slot(fd, true);
	if (slot == NULL)
		return petrel_error_set(err, EMFILE, "OOM notification: too many watches");
	*slot = kills;
	return steal_fd(&fd);
}

int petrel_cgroup_oom_fd(const struct petrel_cgroup *cg, struct petrel_error **err)
{
	struct ctl_dir d = {0};
	int fd = memory_dir(cg, &d, err) < 0 ? -1
		 : d.v2                      ? oom_fd_v2(d.path, err)
					     : oom_fd_v1(d.path, err);
	if (fd < 0)
		return petrel_error_prefix(err, "OOM notification");
	return fd;
}

/* v1: each signal of the eventfd is an OOM, as runc counts them, except
 * the one that says the cgroup went away. */
static int oom_events_v1(const char *dir, int fd, uint64_t *count, struct petrel_error **err)
{
	uint64_t n = 0;
	*count = 0;
	if (read(fd, &n, sizeof(n)) != sizeof(n)) {
		if (errno == EAGAIN)
			return 0;
		return petrel_error_errno(err, "read OOM eventfd");
	}
	cleanup_free char *control = NULL;
	if (asprintf(&control, "%s/cgroup.event_control", dir) < 0)
		return petrel_error_set(err, ENOMEM, "OOM notification");
	if (access(control, F_OK) < 0 && errno == ENOENT)
		n--;
	*count = n;
	return 0;
}

/* v2: the growth of memory.events' oom_kill since the last look. */
static int oom_events_v2(const char *dir, int fd, uint64_t *count, struct petrel_error **err)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	*count = 0;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	uint64_t *last = oom_count_slot(fd, true), kills = 0;
	int r = read_keyed(dir, "memory.events", "oom_kill", &kills, err);
	if (r < 0)
		return -1;
	if (r == 0 || last == NULL) /* the cgroup is gone */
		return 0;
	if (kills > *last)
		*count = kills - *last;
	*last = kills;
	return 0;
}

int petrel_cgroup_oom_events(const struct petrel_cgroup *cg, int fd, uint64_t *count,
			     struct petrel_error **err)
{
	struct ctl_dir d = {0};
	*count = 0;
	if (memory_dir(cg, &d, err) < 0 || (d.v2 ? oom_events_v2(d.path, fd, count, err)
						 : oom_events_v1(d.path, fd, count, err)) < 0)
		return petrel_error_prefix(err, "OOM notification");
	return 0;
}
