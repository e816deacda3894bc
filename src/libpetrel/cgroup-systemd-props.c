/* The systemd driver's pure conversions: the unit a cgroupsPath names (as
 * runc names it), and the unit properties petrel asks systemd for, as words
 * for the petrel-systemd helper: linux.resources (runc's choice of
 * properties, for v1 and v2), the device rules, and the
 * org.systemd.property.* annotations in GVariant text. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-systemd.h"
#include "cgroup-translate.h"
#include "cleanup.h"

#define ANNOTATION_PREFIX "org.systemd.property."
#define DEFAULT_SLICE "system.slice"
#define DEFAULT_PREFIX "petrel"
#define UNIT_NAME_MAX 255
#define CPU_PERIOD_DEFAULT 100000

/* ------------------------------------------------------------ unit names */

/* The characters systemd allows in a unit name (unit_name_is_valid). */
static bool unit_chars_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isascii((unsigned char)s[i]) ||
		    !(isalnum((unsigned char)s[i]) || strchr(":-_.\\", s[i])))
			return false;
	return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int petrel_sd_expand_slice(const char *slice, char **out, struct petrel_error **err)
{
	size_t len = strlen(slice), base = len - strlen(".slice");
	bool valid = len > strlen(".slice") && has_suffix(slice, ".slice") && !strchr(slice, '/') &&
		     len <= UNIT_NAME_MAX && unit_chars_valid(slice, len);
	if (valid && base == 1 && slice[0] == '-') {
		*out = strdup("");
		return *out ? 0 : petrel_error_set(err, ENOMEM, "slice");
	}
	/* Each dash-separated prefix is a slice of its own, nested. */
	cleanup_free char *path = valid ? malloc(len * len + 1) : NULL;
	if (valid && path == NULL)
		return petrel_error_set(err, ENOMEM, "slice");
	char *w = path;
	for (size_t i = 0; valid && i <= base; i++) {
		if (i < base && slice[i] != '-')
			continue;
		/* A component is never empty: no leading, trailing or double dash. */
		if (i == 0 || slice[i - 1] == '-' || (i < base && i + 1 == base))
			valid = false;
		else
			w += sprintf(w, "/%.*s.slice", (int)i, slice);
	}
	if (!valid)
		return petrel_error_set_quiet(err, EINVAL, "invalid slice name \"%s\"", slice);
	*out = steal_ptr(&path);
	return 0;
}

void petrel_sd_unit_release(struct petrel_sd_unit *u)
{
	free(u->unit);
	free(u->slice);
	*u = (struct petrel_sd_unit){0};
}

int petrel_sd_parse_cgroups_path(const char *path, const char *id, struct petrel_sd_unit *out,
				 struct petrel_error **err)
{
	*out = (struct petrel_sd_unit){0};
	cleanup_free char *copy = NULL;
	const char *slice, *prefix, *name;
	if (path == NULL || *path == '\0') {
		slice = "";
		prefix = DEFAULT_PREFIX;
		name = id;
	} else {
		copy = strdup(path);
		if (copy == NULL)
			return petrel_error_set(err, ENOMEM, "cgroupsPath");
		char *c1 = strchr(copy, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL || strchr(c2 + 1, ':'))
			return petrel_error_set_quiet(
				err, EINVAL,
				"config.json: .linux.cgroupsPath \"%s\": the systemd "
				"cgroup driver expects \"slice:prefix:name\"",
				path);
		*c1 = *c2 = '\0';
		slice = copy;
		prefix = c1 + 1;
		name = c2 + 1;
	}
	if (*name == '\0')
		return petrel_error_set_quiet(
			err, EINVAL,
			"config.json: .linux.cgroupsPath \"%s\": the name part is "
			"empty",
			path);
	out->slice = strdup(*slice ? slice : DEFAULT_SLICE);
	out->is_slice = has_suffix(name, ".slice");
	if (out->is_slice)
		out->unit = strdup(name);
	else if (asprintf(&out->unit, "%s-%s.scope", prefix, name) < 0)
		out->unit = NULL;
	if (out->slice == NULL || out->unit == NULL) {
		petrel_sd_unit_release(out);
		return petrel_error_set(err, ENOMEM, "cgroupsPath");
	}
	/* Only checked here: the paths are systemd's to make. */
	cleanup_free char *slice_path = NULL, *unit_path = NULL;
	if (petrel_sd_expand_slice(out->slice, &slice_path, err) < 0 ||
	    (out->is_slice && petrel_sd_expand_slice(out->unit, &unit_path, err) < 0)) {
		petrel_sd_unit_release(out);
		return petrel_error_prefix(err, "config.json: .linux.cgroupsPath");
	}
	size_t len = strlen(out->unit);
	if (len > UNIT_NAME_MAX || !unit_chars_valid(out->unit, len)) {
		petrel_error_set_quiet(
			err, EINVAL,
			"systemd unit name \"%s\" (from the container id or "
			".linux.cgroupsPath): systemd allows only letters, digits and "
			"\":-_.\\\" in at most %d characters",
			out->unit, UNIT_NAME_MAX);
		petrel_sd_unit_release(out);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ properties */

void petrel_sd_props_release(struct petrel_sd_props *p)
{
	petrel_argv_release(&p->words);
}

int petrel_sd_props_add(struct petrel_sd_props *p, const char *name, const char *sig, size_t count,
			const char *const *words)
{
	if (petrel_argv_add(&p->words, "-p") < 0 || petrel_argv_add(&p->words, name) < 0 ||
	    petrel_argv_add(&p->words, sig) < 0)
		return -1;
	for (size_t i = 0; i < count; i++)
		if (petrel_argv_add(&p->words, words[i]) < 0)
			return -1;
	return 0;
}

int petrel_sd_props_u64(struct petrel_sd_props *p, const char *name, uint64_t value)
{
	char word[24];
	snprintf(word, sizeof(word), "%" PRIu64, value);
	const char *words[] = {word};
	return petrel_sd_props_add(p, name, "t", 1, words);
}

int petrel_sd_props_bool(struct petrel_sd_props *p, const char *name, bool value)
{
	const char *words[] = {value ? "true" : "false"};
	return petrel_sd_props_add(p, name, "b", 1, words);
}

int petrel_sd_props_str(struct petrel_sd_props *p, const char *name, const char *value)
{
	const char *words[] = {value};
	return petrel_sd_props_add(p, name, "s", 1, words);
}

char *petrel_sd_props_text(const struct petrel_sd_props *p)
{
	size_t len = 1;
	for (size_t i = 0; i < p->words.n; i++)
		len += strlen(p->words.v[i]) + 2;
	char *out = malloc(len), *w = out;
	if (out == NULL)
		return NULL;
	*w = '\0';
	for (size_t i = 0; i < p->words.n; i++) {
		if (strcmp(p->words.v[i], "-p") == 0 && i + 2 < p->words.n) {
			w += sprintf(w, "%s%s=%s:", w == out ? "" : "; ", p->words.v[i + 1],
				     p->words.v[i + 2]);
			i += 2;
			continue;
		}
		w += sprintf(w, "%s%s", w > out && w[-1] == ':' ? "" : ",", p->words.v[i]);
	}
	return out;
}

static int props_bytes(struct petrel_sd_props *p, const char *name, const uint8_t *bytes,
		       size_t len)
{
	cleanup_free char *words = malloc((len + 1) * 24);
	cleanup_free const char **v = calloc(len + 1, sizeof(*v));
	if (words == NULL || v == NULL)
		return -1;
	sprintf(words, "%zu", len);
	v[0] = words;
	for (size_t i = 0; i < len; i++) {
		char *w = words + (i + 1) * 24;
		sprintf(w, "%u", bytes[i]);
		v[i + 1] = w;
	}
	return petrel_sd_props_add(p, name, "ay", len + 1, v);
}

/* ------------------------------------------------------------ conversions */

uint64_t petrel_sd_cpu_quota_per_sec(int64_t quota, uint64_t period, int64_t *rounded)
{
	*rounded = quota;
	if (quota <= 0)
		return UINT64_MAX;
	if (period == 0)
		period = CPU_PERIOD_DEFAULT;
	uint64_t per_sec = (uint64_t)quota * 1000000 / period;
	if (per_sec % 10000) {
		per_sec = (per_sec / 10000 + 1) * 10000;
		*rounded = (int64_t)(per_sec * period / 1000000);
	}
	return per_sec;
}

int petrel_sd_cpuset_bits(const char *list, uint8_t **bits, size_t *len, struct petrel_error **err)
{
	size_t n = 0;
	cleanup_free uint8_t *out = NULL;
	for (const char *p = list; *p;) {
		p += strspn(p, " \t\n,");
		if (*p == '\0')
			break;
		char *end;
		errno = 0;
		unsigned long first = strtoul(p, &end, 10), last = first;
		if (end == p || !isdigit((unsigned char)*p))
			goto invalid;
		if (*end == '-') {
			const char *q = end + 1;
			last = strtoul(q, &end, 10);
			if (end == q || !isdigit((unsigned char)*q))
				goto invalid;
		}
		/* CPU numbers are below the kernel's NR_CPUS maximum (8192). */
		if (errno || first > last || last >= 8192)
			goto invalid;
		p = end + strspn(end, " \t\n");
		if (*p && *p != ',')
			goto invalid;
		if (last / 8 + 1 > n) {
			uint8_t *more = realloc(out, last / 8 + 1);
			if (more == NULL)
				return petrel_error_set(err, ENOMEM, "cpuset");
			memset(more + n, 0, last / 8 + 1 - n);
			out = more;
			n = last / 8 + 1;
		}
		for (unsigned long i = first; i <= last; i++)
			out[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	if (n == 0)
		goto invalid;
	*bits = steal_ptr(&out);
	*len = n;
	return 0;
invalid:
	return petrel_error_set_quiet(err, EINVAL, "invalid cpuset list \"%s\"", list);
}

/* ------------------------------------------------------------- resources */

static int add_cpu_quota(struct petrel_sd_props *p, int64_t quota, uint64_t period)
{
	int64_t rounded;
	if (period != 0 && petrel_sd_props_u64(p, "CPUQuotaPeriodUSec", period) < 0)
		return -1;
	if (quota == 0 && period == 0)
		return 0;
	return petrel_sd_props_u64(p, "CPUQuotaPerSecUSec",
				   petrel_sd_cpu_quota_per_sec(quota, period, &rounded));
}

static int add_cpuset(struct petrel_sd_props *p, const char *name, const char *list,
		      const char *field, struct petrel_error **err)
{
	cleanup_free uint8_t *bits = NULL;
	size_t len;
	if (list == NULL || *list == '\0')
		return 0;
	if (petrel_sd_cpuset_bits(list, &bits, &len, err) < 0)
		return petrel_error_prefix(err, "%s", field);
	if (props_bytes(p, name, bits, len) < 0)
		return petrel_error_set(err, ENOMEM, "systemd properties");
	return 0;
}

/* A memory or pids value: -1 (or any negative) is infinity. */
static uint64_t limit_value(int64_t v)
{
	return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* TasksMax: systemd takes no 0, and a cgroup holding its init can fork
 * nothing either way (as petrel_cgroup_pids_max()). */
static uint64_t tasks_max(int64_t limit)
{
	return limit < 0 ? UINT64_MAX : limit == 0 ? 1 : (uint64_t)limit;
}

static int add_memory(struct petrel_sd_props *p, const struct oci_memory *m, bool v2, bool update)
{
	if (m->has_limit && m->limit != 0 &&
	    petrel_sd_props_u64(p, v2 ? "MemoryMax" : "MemoryLimit", limit_value(m->limit)) < 0)
		return -1;
	if (!v2)
		return 0;
	if (m->has_reservation && m->reservation != 0 &&
	    petrel_sd_props_u64(p, "MemoryLow", limit_value(m->reservation)) < 0)
		return -1;
	/* An update with the swap total alone needs the limit the cgroup
	 * has: the direct write works it out. Invalid pairs are reported by
	 * the direct write too. */
	if ((!m->has_swap && !m->has_limit) || (update && m->has_swap && !m->has_limit))
		return 0;
	char value[PETREL_CGROUP_VALUE_MAX];
	const char *why;
	if (petrel_cgroup_v2_swap_max(m->has_swap ? m->swap : 0, m->has_limit ? m->limit : 0, value,
				      &why) != 1)
		return 0;
	return petrel_sd_props_u64(p, "MemorySwapMax",
				   strcmp(value, "max") == 0 ? UINT64_MAX
							     : strtoull(value, NULL, 10));
}

static int add_cpu(struct petrel_sd_props *p, const struct oci_cpu *c, bool v2, bool update,
		   struct petrel_error **err)
{
	if (c->has_shares && c->shares != 0 &&
	    petrel_sd_props_u64(p, v2 ? "CPUWeight" : "CPUShares",
				v2 ? petrel_cgroup_shares_to_weight(c->shares) : c->shares) < 0)
		goto oom;
	/* An update with one of quota and period keeps the other, which only
	 * the cgroup knows: left to the direct write. */
	if ((c->has_quota || c->has_period) && !(update && c->has_quota != c->has_period) &&
	    add_cpu_quota(p, c->has_quota ? c->quota : 0, c->has_period ? c->period : 0) < 0)
		goto oom;
	if (add_cpuset(p, "AllowedCPUs", c->cpus, "cpu.cpus", err) < 0 ||
	    add_cpuset(p, "AllowedMemoryNodes", c->mems, "cpu.mems", err) < 0)
		return -1;
	return 0;
oom:
	return petrel_error_set(err, ENOMEM, "systemd properties");
}

static int add_block_io(struct petrel_sd_props *p, const struct oci_block_io *b, bool v2)
{
	if (b->has_weight && b->weight != 0 &&
	    petrel_sd_props_u64(p, v2 ? "IOWeight" : "BlockIOWeight",
				v2 ? petrel_cgroup_blkio_weight_to_io_weight(b->weight)
				   : b->weight) < 0)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < b->weight_device_len; i++)
		n += b->weight_device[i].has_weight && b->weight_device[i].weight != 0 &&
		     b->weight_device[i].major >= 0 && b->weight_device[i].minor >= 0;
	if (n == 0)
		return 0;
	cleanup_free char *words = malloc((2 * n + 1) * 64);
	cleanup_free const char **v = calloc(2 * n + 1, sizeof(*v));
	if (words == NULL || v == NULL)
		return -1;
	size_t k = 0;
	v[k] = words;
	sprintf(words, "%zu", n);
	for (size_t i = 0; i < b->weight_device_len; i++) {
		const struct oci_weight_device *d = &b->weight_device[i];
		if (!d->has_weight || d->weight == 0 || d->major < 0 || d->minor < 0)
			continue;
		char *path = words + (++k) * 64, *weight = words + (++k) * 64;
		sprintf(path, "/dev/block/%" PRId64 ":%" PRId64, d->major, d->minor);
		sprintf(weight, "%" PRIu64,
			v2 ? petrel_cgroup_blkio_weight_to_io_weight(d->weight) : d->weight);
		v[k - 1] = path;
		v[k] = weight;
	}
	return petrel_sd_props_add(p, v2 ? "IODeviceWeight" : "BlockIODeviceWeight", "a(st)", k + 1,
				   v);
}

static int parse_u64_or_max(const char *key, const char *value, uint64_t *out,
			    struct petrel_error **err)
{
	if (strcmp(value, "max") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	*out = strtoull(value, &end, 10);
	if (errno || end == value || *end || !isdigit((unsigned char)*value))
		return petrel_error_set_quiet(
			err, EINVAL, "unified resource \"%s\": invalid value \"%s\"", key, value);
	return 0;
}

/* The unified keys systemd has a property for, as runc converts them. */
static int add_unified(struct petrel_sd_props *p, const char *key, const char *raw,
		       struct petrel_error **err)
{
	static const char *const memory[][2] = {
		{"memory.high", "MemoryHigh"},        {"memory.low", "MemoryLow"},
		{"memory.min", "MemoryMin"},          {"memory.max", "MemoryMax"},
		{"memory.swap.max", "MemorySwapMax"},
	};
	cleanup_free char *value = strdup(raw ? raw : "");
	if (value == NULL)
		return petrel_error_set(err, ENOMEM, "systemd properties");
	/* The kernel ignores whitespace around a value. */
	char *v = value + strspn(value, " \t\n");
	for (size_t len = strlen(v); len && isspace((unsigned char)v[len - 1]); len--)
		v[len - 1] = '\0';
	uint64_t n;
	for (size_t i = 0; i < sizeof(memory) / sizeof(memory[0]); i++)
		if (strcmp(key, memory[i][0]) == 0)
			return parse_u64_or_max(key, v, &n, err) < 0 ? -1
			       : petrel_sd_props_u64(p, memory[i][1], n) < 0
				       ? petrel_error_set(err, ENOMEM, "systemd properties")
				       : 0;
	if (strcmp(key, "pids.max") == 0) {
		if (parse_u64_or_max(key, v, &n, err) < 0)
			return -1;
		return petrel_sd_props_u64(p, "TasksMax", n == 0 ? 1 : n) < 0
			       ? petrel_error_set(err, ENOMEM, "systemd properties")
			       : 0;
	}
	if (strcmp(key, "cpu.weight") == 0) {
		if (parse_u64_or_max(key, v, &n, err) < 0)
			return -1;
		if (n == UINT64_MAX)
			return petrel_error_set_quiet(
				err, EINVAL, "unified resource \"%s\": invalid value \"%s\"", key,
				v);
		return petrel_sd_props_u64(p, "CPUWeight", n) < 0
			       ? petrel_error_set(err, ENOMEM, "systemd properties")
			       : 0;
	}
	if (strcmp(key, "cpu.max") == 0) {
		char quota[32] = "";
		uint64_t period = CPU_PERIOD_DEFAULT;
		int fields = sscanf(v, "%31s %" SCNu64, quota, &period);
		int64_t q = 0;
		if (fields < 1 ||
		    (strcmp(quota, "max") != 0 && (sscanf(quota, "%" SCNd64, &q) != 1 || q <= 0)))
			return petrel_error_set_quiet(
				err, EINVAL, "unified resource \"%s\": invalid value \"%s\"", key,
				v);
		return add_cpu_quota(p, q, period) < 0
			       ? petrel_error_set(err, ENOMEM, "systemd properties")
			       : 0;
	}
	if (strcmp(key, "cpuset.cpus") == 0)
		return add_cpuset(p, "AllowedCPUs", v, "unified resource \"cpuset.cpus\"", err);
	if (strcmp(key, "cpuset.mems") == 0)
		return add_cpuset(p, "AllowedMemoryNodes", v, "unified resource \"cpuset.mems\"",
				  err);
	/* Anything else is only written directly. */
	return 0;
}

int petrel_sd_resource_props(const struct oci_resources *r, bool v2, bool update,
			     struct petrel_sd_props *p, struct petrel_error **err)
{
	if (r == NULL)
		return 0;
	if (r->memory && add_memory(p, r->memory, v2, update) < 0)
		goto oom;
	if (r->cpu && add_cpu(p, r->cpu, v2, update, err) < 0)
		return -1;
	if (r->pids && r->pids->has_limit &&
	    petrel_sd_props_u64(p, "TasksMax", tasks_max(r->pids->limit)) < 0)
		goto oom;
	if (r->block_io && add_block_io(p, r->block_io, v2) < 0)
		goto oom;
	for (size_t i = 0; v2 && r->unified && i < r->unified->len; i++)
		if (add_unified(p, r->unified->keys[i], r->unified->values[i], err) < 0)
			return -1;
	return 0;
oom:
	return petrel_error_set(err, ENOMEM, "systemd properties");
}

/* --------------------------------------------------------------- devices */

enum { ACCESS_R = 1, ACCESS_W = 2, ACCESS_M = 4, ACCESS_ALL = 7 };

static int access_bits(const char *access)
{
	return (strchr(access, 'r') ? ACCESS_R : 0) | (strchr(access, 'w') ? ACCESS_W : 0) |
	       (strchr(access, 'm') ? ACCESS_M : 0);
}

struct allowed {
	char type; /* 'a', 'b', 'c' */
	int64_t major, minor;
	int access;
};

/* Whether a deny rule takes in every device of an allowed entry. */
static bool covers(const struct petrel_device_rule *deny, const struct allowed *a)
{
	return (deny->type == 'a' || deny->type == a->type) &&
	       (deny->major < 0 || deny->major == a->major) &&
	       (deny->minor < 0 || deny->minor == a->minor);
}

/* "char-*", "block-8", "/dev/char/1:3" for one device type of an entry. */
static void device_path(char type, const struct allowed *a, char *buf, size_t size)
{
	const char *group = type == 'b' ? "block" : "char";
	/* systemd has no "any major, this minor": allow the type. */
	if (a->major < 0)
		snprintf(buf, size, "%s-*", group);
	else if (a->minor < 0)
		snprintf(buf, size, "%s-%" PRId64, group, a->major);
	else
		snprintf(buf, size, "/dev/%s/%" PRId64 ":%" PRId64, group, a->major, a->minor);
}

static int device_allow_list(struct petrel_sd_props *p, const struct allowed *list, size_t n)
{
	/* Each entry gives one or two (path, access) pairs. */
	cleanup_free char *words = malloc((4 * n + 1) * 64);
	cleanup_free const char **v = calloc(4 * n + 1, sizeof(*v));
	if (words == NULL || v == NULL)
		return -1;
	size_t k = 1, pairs = 0;
	for (size_t i = 0; i < n; i++) {
		for (const char *t = list[i].type == 'a' ? "cb" : (char[]){list[i].type, 0}; *t;
		     t++) {
			char *path = words + k * 64, *access = words + (k + 1) * 64;
			device_path(*t, &list[i], path, 64);
			char *w = access;
			if (list[i].access & ACCESS_R)
				*w++ = 'r';
			if (list[i].access & ACCESS_W)
				*w++ = 'w';
			if (list[i].access & ACCESS_M)
				*w++ = 'm';
			*w = '\0';
			v[k] = path;
			v[k + 1] = access;
			k += 2;
			pairs++;
		}
	}
	sprintf(words, "%zu", pairs);
	v[0] = words;
	return petrel_sd_props_add(p, "DeviceAllow", "a(ss)", k, v);
}

int petrel_sd_device_props(const struct petrel_device_rule *rules, size_t n,
			   struct petrel_sd_props *p, struct petrel_error **err)
{
	cleanup_free struct allowed *list = calloc(n ? n : 1, sizeof(*list));
	if (list == NULL)
		return petrel_error_set(err, ENOMEM, "systemd properties");
	size_t len = 0;
	bool allow_all = true; /* the kernel's default, until a rule says otherwise */
	for (size_t i = 0; i < n; i++) {
		const struct petrel_device_rule *r = &rules[i];
		int access = access_bits(r->access);
		if (r->type == 'a' && r->major < 0 && r->minor < 0 && access == ACCESS_ALL) {
			allow_all = r->allow;
			len = 0;
		} else if (allow_all) {
			/* systemd has no deny list: allowing all is the superset. */
		} else if (r->allow) {
			list[len++] = (struct allowed){r->type, r->major, r->minor, access};
		} else {
			size_t kept = 0;
			for (size_t j = 0; j < len; j++) {
				if (covers(r, &list[j]))
					list[j].access &= ~access;
				if (list[j].access)
					list[kept++] = list[j];
			}
			len = kept;
		}
	}
	/* An empty DeviceAllow first: it clears what the unit had. */
	if (petrel_sd_props_add(p, "DeviceAllow", "a(ss)", 1, (const char *[]){"0"}) < 0 ||
	    petrel_sd_props_str(p, "DevicePolicy", allow_all ? "auto" : "strict") < 0 ||
	    (!allow_all && len && device_allow_list(p, list, len) < 0))
		return petrel_error_set(err, ENOMEM, "systemd properties");
	return 0;
}

/* ------------------------------------------------------------ annotations */

/* A parsed GVariant value: its D-Bus signature and the helper's words. */
struct gvalue {
	char sig[3]; /* "t", "as" */
	char **words;
	size_t n;
};

static void gvalue_release(struct gvalue *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->words[i]);
	free(v->words);
}

static int gvalue_push(struct gvalue *v, const char *word)
{
	char **more = realloc(v->words, (v->n + 1) * sizeof(*more));
	if (more == NULL)
		return -1;
	v->words = more;
	v->words[v->n] = strdup(word);
	if (v->words[v->n] == NULL)
		return -1;
	v->n++;
	return 0;
}

static const struct {
	const char *keyword;
	char type;
} gvariant_types[] = {
	{"boolean", 'b'}, {"byte", 'y'},   {"int16", 'n'},      {"uint16", 'q'},
	{"int32", 'i'},   {"uint32", 'u'}, {"int64", 'x'},      {"uint64", 't'},
	{"double", 'd'},  {"string", 's'}, {"objectpath", 'o'}, {"signature", 'g'},
};

static bool is_numeric_type(char t)
{
	return t && strchr("ynqiuxtd", t) != NULL;
}

static void skip_spaces(const char **s)
{
	while (isspace((unsigned char)**s))
		(*s)++;
}

/* A type annotation, "uint64 " or "@t ": sets *type (0 when there is none). */
static int parse_type_annotation(const char **s, char *type, bool *array)
{
	*type = 0;
	*array = false;
	if (**s == '@') {
		const char *t = *s + 1;
		if (*t == 'a') {
			*array = true;
			t++;
		}
		if (*t == '\0' || strchr("bynqiuxtdsog", *t) == NULL)
			return -1;
		*type = *t;
		*s = t + 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(gvariant_types) / sizeof(gvariant_types[0]); i++) {
		size_t len = strlen(gvariant_types[i].keyword);
		if (strncmp(*s, gvariant_types[i].keyword, len) == 0 &&
		    isspace((unsigned char)(*s)[len])) {
			*type = gvariant_types[i].type;
			*s += len;
			return 0;
		}
	}
	return 0;
}

/* A number of type t (0: int32, or double with a point or exponent) into
 * word. */
static int parse_number(const char **s, char *t, char word[48])
{
	const char *start = *s;
	size_t len = strspn(start, "+-0123456789.eE");
	if (len == 0 || len >= 40)
		return -1;
	char text[48];
	memcpy(text, start, len);
	text[len] = '\0';
	if (*t == 0)
		*t = strpbrk(text, ".eE") ? 'd' : 'i';
	char *end;
	errno = 0;
	if (*t == 'd') {
		double d = strtod(text, &end);
		if (errno || *end || !isfinite(d))
			return -1;
		snprintf(word, 48, "%.17g", d);
	} else if (strchr("ytqu", *t)) {
		if (text[0] == '-')
			return -1;
		unsigned long long v = strtoull(text, &end, 10);
		uint64_t max = *t == 'y'   ? UINT8_MAX
			       : *t == 'q' ? UINT16_MAX
			       : *t == 'u' ? UINT32_MAX
					   : UINT64_MAX;
		if (errno || *end || v > max)
			return -1;
		snprintf(word, 48, "%llu", v);
	} else if (strchr("nix", *t)) {
		long long v = strtoll(text, &end, 10);
		int64_t lim = *t == 'n' ? INT16_MAX : *t == 'i' ? INT32_MAX : INT64_MAX;
		if (errno || *end || v > lim || v < -lim - 1)
			return -1;
		snprintf(word, 48, "%lld", v);
	} else {
		return -1;
	}
	*s += len;
	return 0;
}

/* A quoted string, '...' or "...", with backslash escapes. */
static int parse_string(const char **s, char **out)
{
	char quote = **s;
	const char *p = *s + 1;
	char *buf = malloc(strlen(p) + 1), *w = buf;
	if (buf == NULL)
		return -1;
	for (; *p && *p != quote; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			*w++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		} else {
			*w++ = *p;
		}
	}
	if (*p != quote) {
		free(buf);
		return -1;
	}
	*w = '\0';
	*s = p + 1;
	*out = buf;
	return 0;
}

/* One basic value; *type is the type it must have, or 0 to take the one
 * the text has. */
static int parse_basic(const char **s, char *type, struct gvalue *v)
{
	char annotated;
	bool array;
	skip_spaces(s);
	if (parse_type_annotation(s, &annotated, &array) < 0 || array)
		return -1;
	if (annotated) {
		if (*type && *type != annotated)
			return -1;
		*type = annotated;
		skip_spaces(s);
	}
	if (**s == '\'' || **s == '"') {
		if (*type && !strchr("sog", *type))
			return -1;
		if (*type == 0)
			*type = 's';
		cleanup_free char *str = NULL;
		return parse_string(s, &str) < 0 || gvalue_push(v, str) < 0 ? -1 : 0;
	}
	if (strncmp(*s, "true", 4) == 0 || strncmp(*s, "false", 5) == 0) {
		if (*type && *type != 'b')
			return -1;
		*type = 'b';
		bool t = **s == 't';
		*s += t ? 4 : 5;
		return gvalue_push(v, t ? "true" : "false");
	}
	if (*type && !is_numeric_type(*type))
		return -1;
	char word[48];
	return parse_number(s, type, word) < 0 || gvalue_push(v, word) < 0 ? -1 : 0;
}

/* A whole annotation value: a basic value or an array of them. */
static int parse_gvariant(const char *text, struct gvalue *v)
{
	const char *s = text;
	char type = 0;
	bool array = false;
	skip_spaces(&s);
	const char *before = s;
	if (parse_type_annotation(&s, &type, &array) < 0)
		return -1;
	skip_spaces(&s);
	if (*s == '[') {
		if (type && !array && before[0] == '@')
			return -1;
		s++;
		if (gvalue_push(v, "0") < 0)
			return -1;
		skip_spaces(&s);
		size_t count = 0;
		if (*s != ']') {
			for (;;) {
				if (parse_basic(&s, &type, v) < 0)
					return -1;
				count++;
				skip_spaces(&s);
				if (*s == ']')
					break;
				if (*s++ != ',')
					return -1;
			}
		}
		s++;
		/* An empty array has no element type unless it was given. */
		if (type == 0)
			return -1;
		char n[24];
		snprintf(n, sizeof(n), "%zu", count);
		free(v->words[0]);
		v->words[0] = strdup(n);
		if (v->words[0] == NULL)
			return -1;
		v->sig[0] = 'a';
		v->sig[1] = type;
	} else {
		/* "@as" before a basic value, or a keyword type given twice. */
		if (array)
			return -1;
		s = before;
		if (parse_basic(&s, &type, v) < 0)
			return -1;
		v->sig[0] = type;
	}
	skip_spaces(&s);
	return *s == '\0' ? 0 : -1;
}

static bool property_name_valid(const char *name)
{
	if (strlen(name) < 3)
		return false;
	for (const char *p = name; *p; p++)
		if (!isascii((unsigned char)*p) || !isalpha((unsigned char)*p))
			return false;
	return true;
}

int petrel_sd_annotation_prop(const char *name, const char *value, struct petrel_sd_props *p,
			      struct petrel_error **err)
{
	if (!property_name_valid(name))
		return petrel_error_set_quiet(err, EINVAL,
					      "annotation " ANNOTATION_PREFIX
					      "%s: the property name must "
					      "be at least 3 ASCII letters",
					      name);
	struct gvalue v = {0};
	if (parse_gvariant(value ? value : "", &v) < 0) {
		gvalue_release(&v);
		return petrel_error_set_quiet(
			err, EINVAL,
			"annotation " ANNOTATION_PREFIX "%s: \"%s\" is not a value "
			"petrel understands in GVariant text format (true, 'text', "
			"uint64 123, ['a', 'b'])",
			name, value ? value : "");
	}
	/* TimeoutStopSec (as documented) is TimeoutStopUSec on the bus. */
	size_t len = strlen(name);
	cleanup_free char *usec_name = NULL;
	if (len > 3 && strcmp(name + len - 3, "Sec") == 0 &&
	    islower((unsigned char)name[len - 4])) {
		if (v.sig[1] || !is_numeric_type(v.sig[0])) {
			gvalue_release(&v);
			return petrel_error_set_quiet(err, EINVAL,
						      "annotation " ANNOTATION_PREFIX
						      "%s: a number of "
						      "seconds is needed, not \"%s\"",
						      name, value);
		}
		double seconds = strtod(v.words[0], NULL);
		if (seconds < 0 || seconds * 1e6 >= 18446744073709551616.0) {
			gvalue_release(&v);
			return petrel_error_set_quiet(err, ERANGE,
						      "annotation " ANNOTATION_PREFIX
						      "%s: \"%s\" is out "
						      "of range",
						      name, value);
		}
		char word[24];
		/* Whole seconds stay exact beyond a double's 53 bits. */
		if (v.sig[0] == 'd')
			snprintf(word, sizeof(word), "%" PRIu64, (uint64_t)(seconds * 1e6));
		else
			snprintf(word, sizeof(word), "%" PRIu64,
				 (uint64_t)strtoull(v.words[0], NULL, 10) * 1000000);
		free(v.words[0]);
		v.words[0] = strdup(word);
		strcpy(v.sig, "t");
		if (asprintf(&usec_name, "%.*sUSec", (int)(len - 3), name) < 0)
			usec_name = NULL;
		if (v.words[0] == NULL || usec_name == NULL) {
			gvalue_release(&v);
			return petrel_error_set(err, ENOMEM, "systemd properties");
		}
	}
	int r = petrel_sd_props_add(p, usec_name ? usec_name : name, v.sig, v.n,
				    (const char *const *)v.words);
	gvalue_release(&v);
	return r < 0 ? petrel_error_set(err, ENOMEM, "systemd properties") : 0;
}

int petrel_sd_annotation_props(const struct oci_string_map *annotations, struct petrel_sd_props *p,
			       struct petrel_error **err)
{
	size_t prefix = strlen(ANNOTATION_PREFIX);
	for (size_t i = 0; annotations && i < annotations->len; i++)
		if (strncmp(annotations->keys[i], ANNOTATION_PREFIX, prefix) == 0 &&
		    petrel_sd_annotation_prop(annotations->keys[i] + prefix, annotations->values[i],
					      p, err) < 0)
			return petrel_error_prefix(err, "config.json");
	return 0;
}
