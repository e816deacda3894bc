/* `petrel update`: changes the resource limits of a running container. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpetrel/cleanup.h"
#include "libpetrel/container-id.h"
#include "libpetrel/container.h"
#include "petrel.h"

static struct {
	const char *resources;
	const char *blkio_weight;
	const char *cpu_period;
	const char *cpu_quota;
	const char *cpu_burst;
	const char *cpu_share;
	const char *cpu_shares;
	const char *cpu_rt_period;
	const char *cpu_rt_runtime;
	const char *cpuset_cpus;
	const char *cpuset_mems;
	const char *memory;
	const char *memory_reservation;
	const char *memory_swap;
	const char *pids_limit;
	const char *kernel_memory;
	const char *kernel_memory_tcp;
	const char *cpu_idle;
	const char *l3_cache_schema;
	const char *mem_bw_schema;
} opts;

static const struct petrel_option update_options[] = {
	{"resources", 'r', PETREL_OPT_STRING, &opts.resources, "FILE",
	 "read limits (runtime-spec linux.resources JSON) from FILE, - for stdin"},
	{"blkio-weight", 0, PETREL_OPT_STRING, &opts.blkio_weight, "N",
	 "relative block I/O weight, 10 to 1000"},
	{"cpu-period", 0, PETREL_OPT_STRING, &opts.cpu_period, "USEC",
	 "CPU CFS period in microseconds"},
	{"cpu-quota", 0, PETREL_OPT_STRING, &opts.cpu_quota, "USEC",
	 "CPU time in microseconds the container may use each period (-1: no limit)"},
	{"cpu-burst", 0, PETREL_OPT_STRING, &opts.cpu_burst, "USEC",
	 "CPU time in microseconds the container may borrow beyond its quota"},
	{"cpu-share", 0, PETREL_OPT_STRING, &opts.cpu_share, "N", "relative CPU shares"},
	{"cpu-shares", 0, PETREL_OPT_STRING, &opts.cpu_shares, "N", "same as --cpu-share"},
	{"cpu-rt-period", 0, PETREL_OPT_STRING, &opts.cpu_rt_period, "USEC",
	 "real-time scheduling period in microseconds"},
	{"cpu-rt-runtime", 0, PETREL_OPT_STRING, &opts.cpu_rt_runtime, "USEC",
	 "real-time CPU time in microseconds the container may use each period"},
	{"cpuset-cpus", 0, PETREL_OPT_STRING, &opts.cpuset_cpus, "LIST",
	 "CPUs the container may run on, e.g. 0-3,6"},
	{"cpuset-mems", 0, PETREL_OPT_STRING, &opts.cpuset_mems, "LIST",
	 "memory nodes the container may allocate from, e.g. 0,1"},
	{"memory", 0, PETREL_OPT_STRING, &opts.memory, "BYTES",
	 "memory limit, with an optional unit: 512m, 2g (-1: no limit)"},
	{"memory-reservation", 0, PETREL_OPT_STRING, &opts.memory_reservation, "BYTES",
	 "memory soft limit, with an optional unit"},
	{"memory-swap", 0, PETREL_OPT_STRING, &opts.memory_swap, "BYTES",
	 "memory plus swap limit, with an optional unit (-1: unlimited swap)"},
	{"pids-limit", 0, PETREL_OPT_STRING, &opts.pids_limit, "N",
	 "maximum number of processes (-1: no limit)"},
	{"kernel-memory", 0, PETREL_OPT_STRING, &opts.kernel_memory, "BYTES",
	 "obsolete: ignored with a warning, as runc ignores it"},
	{"kernel-memory-tcp", 0, PETREL_OPT_STRING, &opts.kernel_memory_tcp, "BYTES",
	 "obsolete: ignored with a warning, as runc ignores it"},
	{"cpu-idle", 0, PETREL_OPT_STRING, &opts.cpu_idle, "0|1",
	 "1 gives the container the SCHED_IDLE weight"},
	{"l3-cache-schema", 0, PETREL_OPT_STRING, &opts.l3_cache_schema, "SCHEMA",
	 "Intel RDT L3 cache allocation schema, e.g. L3:0=ff"},
	{"mem-bw-schema", 0, PETREL_OPT_STRING, &opts.mem_bw_schema, "SCHEMA",
	 "Intel RDT memory bandwidth schema, e.g. MB:0=50"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

enum value_kind {
	VALUE_UINT16,
	VALUE_UINT64,
	VALUE_INT64,
	VALUE_BYTES, /* a size with an optional binary unit, or -1 */
};

static const struct {
	const char *flag;
	const char **value;
	enum value_kind kind;
} numeric_flags[] = {
	{"blkio-weight", &opts.blkio_weight, VALUE_UINT16},
	{"cpu-period", &opts.cpu_period, VALUE_UINT64},
	{"cpu-quota", &opts.cpu_quota, VALUE_INT64},
	{"cpu-burst", &opts.cpu_burst, VALUE_UINT64},
	{"cpu-share", &opts.cpu_share, VALUE_UINT64},
	{"cpu-shares", &opts.cpu_shares, VALUE_UINT64},
	{"cpu-rt-period", &opts.cpu_rt_period, VALUE_UINT64},
	{"cpu-rt-runtime", &opts.cpu_rt_runtime, VALUE_INT64},
	{"memory", &opts.memory, VALUE_BYTES},
	{"memory-reservation", &opts.memory_reservation, VALUE_BYTES},
	{"memory-swap", &opts.memory_swap, VALUE_BYTES},
	{"pids-limit", &opts.pids_limit, VALUE_INT64},
	{"kernel-memory", &opts.kernel_memory, VALUE_BYTES},
	{"kernel-memory-tcp", &opts.kernel_memory_tcp, VALUE_BYTES},
	{"cpu-idle", &opts.cpu_idle, VALUE_INT64},
};

static bool parse_unsigned(const char *s, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	*out = v;
	return errno == 0 && *end == '\0' && v <= max;
}

static bool parse_signed(const char *s, int64_t *out)
{
	char *end = NULL;
	if (*s != '-' && (*s < '0' || *s > '9'))
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0';
}

/* "1024", "512k", "1.5g", "2 GiB", "64MB": binary units, as docker and runc
 * read memory sizes. */
static bool parse_bytes(const char *s, int64_t *out)
{
	if (strcmp(s, "-1") == 0) {
		*out = -1;
		return true;
	}
	size_t digits = strspn(s, "0123456789"), len = digits;
	if (digits == 0)
		return false;
	if (s[len] == '.') {
		size_t fraction = strspn(s + len + 1, "0123456789");
		if (fraction == 0)
			return false;
		len += 1 + fraction;
	}
	const char *unit = s + len;
	if (*unit == ' ')
		unit++;
	long double scale = 1;
	const char *u = strchr("kmgtp", tolower((unsigned char)unit[0]));
	if (unit[0] != '\0' && u != NULL) {
		for (const char *p = "kmgtp"; p <= u; p++)
			scale *= 1024;
		unit++;
	}
	if (*unit == 'i' || *unit == 'I')
		unit++;
	if (*unit == 'b' || *unit == 'B')
		unit++;
	if (*unit != '\0')
		return false;
	long double v = strtold(s, NULL) * scale;
	*out = (int64_t)v;
	return v <= (long double)INT64_MAX;
}

/* A flag's value, checked: as int64 (signed kinds) or uint64. */
struct flag_value {
	int64_t i;
	uint64_t u;
};

static int parse_flag(size_t i, struct flag_value *v, struct petrel_error **err)
{
	const char *value = *numeric_flags[i].value;
	bool valid = true;
	const char *expected = "";
	switch (numeric_flags[i].kind) {
	case VALUE_UINT16:
		valid = parse_unsigned(value, UINT16_MAX, &v->u);
		expected = "an integer from 0 to 65535";
		break;
	case VALUE_UINT64:
		valid = parse_unsigned(value, UINT64_MAX, &v->u);
		expected = "a non-negative integer";
		break;
	case VALUE_INT64:
		valid = parse_signed(value, &v->i);
		expected = "an integer";
		break;
	case VALUE_BYTES:
		valid = parse_bytes(value, &v->i);
		expected = "a size such as 512m or 2g, or -1";
		break;
	}
	if (!valid)
		return petrel_error_set(err, 0, "invalid value \"%s\" for flag --%s (%s)", value,
					numeric_flags[i].flag, expected);
	return 0;
}

#define SET(obj, field, value)                                                                     \
	do {                                                                                       \
		(obj)->field = (value);                                                            \
		(obj)->has_##field = true;                                                         \
	} while (0)

/* Puts the flag's value into r (whose memory, cpu, pids and blockIO objects
 * exist). */
static void set_flag(struct oci_resources *r, const char *flag, struct flag_value v)
{
	if (strcmp(flag, "blkio-weight") == 0)
		SET(r->block_io, weight, (uint16_t)v.u);
	else if (strcmp(flag, "cpu-period") == 0)
		SET(r->cpu, period, v.u);
	else if (strcmp(flag, "cpu-quota") == 0)
		SET(r->cpu, quota, v.i);
	else if (strcmp(flag, "cpu-burst") == 0)
		SET(r->cpu, burst, v.u);
	else if (strcmp(flag, "cpu-share") == 0 || strcmp(flag, "cpu-shares") == 0)
		SET(r->cpu, shares, v.u);
	else if (strcmp(flag, "cpu-rt-period") == 0)
		SET(r->cpu, realtime_period, v.u);
	else if (strcmp(flag, "cpu-rt-runtime") == 0)
		SET(r->cpu, realtime_runtime, v.i);
	else if (strcmp(flag, "cpu-idle") == 0)
		SET(r->cpu, idle, v.i);
	else if (strcmp(flag, "memory") == 0)
		SET(r->memory, limit, v.i);
	else if (strcmp(flag, "memory-reservation") == 0)
		SET(r->memory, reservation, v.i);
	else if (strcmp(flag, "memory-swap") == 0)
		SET(r->memory, swap, v.i);
	else if (strcmp(flag, "kernel-memory") == 0)
		SET(r->memory, kernel, v.i);
	else if (strcmp(flag, "kernel-memory-tcp") == 0)
		SET(r->memory, kernel_tcp, v.i);
	else if (strcmp(flag, "pids-limit") == 0)
		SET(r->pids, limit, v.i);
}

/* A string flag into a string field. */
static int set_string(char **field, const char *value, struct petrel_error **err)
{
	if (value == NULL)
		return 0;
	free(*field);
	*field = strdup(value);
	return *field ? 0 : petrel_error_set(err, ENOMEM, "update");
}

static void *new_object(void **field, size_t size)
{
	if (*field == NULL)
		*field = calloc(1, size);
	return *field;
}

static int read_all(int fd, char **out, size_t *len, struct petrel_error **err)
{
	size_t cap = 4096;
	char *buf = malloc(cap);
	*len = 0;
	for (;;) {
		if (buf == NULL)
			return petrel_error_set(err, ENOMEM, "read stdin");
		ssize_t n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return petrel_error_errno(err, "read resources from stdin");
		}
		if (n == 0)
			break;
		*len += (size_t)n;
		if (*len == cap) {
			char *more = realloc(buf, cap *= 2);
			if (more == NULL)
				free(buf);
			buf = more;
		}
	}
	*out = buf;
	return 0;
}

/* The resources: from --resources (a file, or - for stdin) alone, as runc
 * ignores every other flag then; else from the flags. */
static int build_resources(struct oci_resources **out, struct petrel_error **err)
{
	char *why = NULL;
	struct oci_resources *r = NULL;
	if (opts.resources && strcmp(opts.resources, "-") == 0) {
		/* A pipe, as containerd gives it: read whole first. */
		cleanup_free char *data = NULL;
		size_t len = 0;
		if (read_all(STDIN_FILENO, &data, &len, err) < 0)
			return -1;
		if (oci_resources_parse_data(data, len, "resources (stdin)", out, &why) < 0)
			return petrel_error_take(err, 0, why);
		return 0;
	}
	if (opts.resources) {
		if (oci_resources_parse_file(opts.resources, NULL, out, &why) < 0)
			return petrel_error_take(err, 0, why);
		return 0;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return petrel_error_set(err, ENOMEM, "update");
	*out = r;
	bool any_flag = opts.cpuset_cpus || opts.cpuset_mems;
	for (size_t i = 0; i < sizeof(numeric_flags) / sizeof(numeric_flags[0]); i++)
		any_flag |= *numeric_flags[i].value != NULL;
	if (!any_flag)
		return 0;
	if (!new_object((void **)&r->memory, sizeof(*r->memory)) ||
	    !new_object((void **)&r->cpu, sizeof(*r->cpu)) ||
	    !new_object((void **)&r->pids, sizeof(*r->pids)) ||
	    !new_object((void **)&r->block_io, sizeof(*r->block_io)))
		return petrel_error_set(err, ENOMEM, "update");
	for (size_t i = 0; i < sizeof(numeric_flags) / sizeof(numeric_flags[0]); i++) {
		struct flag_value v = {0};
		if (*numeric_flags[i].value == NULL)
			continue;
		if (parse_flag(i, &v, err) < 0)
			return -1;
		set_flag(r, numeric_flags[i].flag, v);
	}
	return set_string(&r->cpu->cpus, opts.cpuset_cpus, err) < 0 ||
			       set_string(&r->cpu->mems, opts.cpuset_mems, err) < 0
		       ? -1
		       : 0;
}

static int command_update(const struct petrel_global *global, int argc, char **argv,
			  struct petrel_error **err)
{
	(void)argc;
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	for (size_t i = 0;
	     opts.resources == NULL && i < sizeof(numeric_flags) / sizeof(numeric_flags[0]); i++) {
		struct flag_value v;
		if (*numeric_flags[i].value && parse_flag(i, &v, err) < 0)
			return -1;
	}
	if (opts.l3_cache_schema || opts.mem_bw_schema)
		return petrel_error_set(err, ENOTSUP,
					"--l3-cache-schema/--mem-bw-schema: Intel RDT is not "
					"supported by petrel");
	struct oci_resources *r = NULL;
	int ret = build_resources(&r, err);
	if (ret == 0)
		ret = petrel_update(global->root, argv[0], r, err);
	oci_resources_free(r);
	return ret;
}

const struct petrel_command petrel_command_update = {
	.name = "update",
	.usage = "<container-id>",
	.summary = "change a container's resource limits",
	.description = "   Changes the cgroup limits of a created, running or paused container\n"
		       "   without restarting it: CPU shares, quota and sets, memory and swap,\n"
		       "   block I/O weight and the number of processes.\n"
		       "   Limits come from the flags, or from a JSON file in the runtime-spec\n"
		       "   linux.resources format given with --resources (- reads stdin), for\n"
		       "   example:\n\n"
		       "      {\"memory\": {\"limit\": 536870912}, \"cpu\": {\"shares\": 512},\n"
		       "       \"pids\": {\"limit\": 100}}\n\n"
		       "   With --resources the other limit flags are ignored, as runc ignores\n"
		       "   them. Limits not mentioned stay as they are.",
	.options = update_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_update,
};
