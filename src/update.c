/* `petrel update`: changes the resource limits of a running container. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "libpetrel/container-id.h"
#include "petrel.h"

static struct {
	const char *resources;
	const char *blkio_weight;
	const char *cpu_period;
	const char *cpu_quota;
	const char *cpu_burst;
	const char *cpu_share;
	const char *cpu_rt_period;
	const char *cpu_rt_runtime;
	const char *cpuset_cpus;
	const char *cpuset_mems;
	const char *memory;
	const char *memory_reservation;
	const char *memory_swap;
	const char *pids_limit;
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
	 "maximum number of processes (-1 or 0: no limit)"},
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
	{"cpu-rt-period", &opts.cpu_rt_period, VALUE_UINT64},
	{"cpu-rt-runtime", &opts.cpu_rt_runtime, VALUE_INT64},
	{"memory", &opts.memory, VALUE_BYTES},
	{"memory-reservation", &opts.memory_reservation, VALUE_BYTES},
	{"memory-swap", &opts.memory_swap, VALUE_BYTES},
	{"pids-limit", &opts.pids_limit, VALUE_INT64},
};

static bool parse_unsigned(const char *s, uint64_t max)
{
	char *end = NULL;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && v <= max;
}

static bool parse_signed(const char *s)
{
	char *end = NULL;
	if (*s != '-' && (*s < '0' || *s > '9'))
		return false;
	errno = 0;
	(void)strtoll(s, &end, 10);
	return errno == 0 && end != s && *end == '\0';
}

/* "1024", "512k", "1.5g", "2 GiB", "64MB": binary units, as docker and runc
 * read memory sizes. */
static bool parse_bytes(const char *s)
{
	if (strcmp(s, "-1") == 0)
		return true;
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
	return strtold(s, NULL) * scale <= (long double)INT64_MAX;
}

static int check_numeric_flags(struct petrel_error **err)
{
	for (size_t i = 0; i < sizeof(numeric_flags) / sizeof(numeric_flags[0]); i++) {
		const char *value = *numeric_flags[i].value;
		bool valid = true;
		const char *expected = "";
		if (value == NULL)
			continue;
		switch (numeric_flags[i].kind) {
		case VALUE_UINT16:
			valid = parse_unsigned(value, UINT16_MAX);
			expected = "an integer from 0 to 65535";
			break;
		case VALUE_UINT64:
			valid = parse_unsigned(value, UINT64_MAX);
			expected = "a non-negative integer";
			break;
		case VALUE_INT64:
			valid = parse_signed(value);
			expected = "an integer";
			break;
		case VALUE_BYTES:
			valid = parse_bytes(value);
			expected = "a size such as 512m or 2g, or -1";
			break;
		}
		if (!valid)
			return petrel_error_set(err, 0, "invalid value \"%s\" for flag --%s (%s)",
						value, numeric_flags[i].flag, expected);
	}
	return 0;
}

static int command_update(const struct petrel_global *global, int argc, char **argv,
			  struct petrel_error **err)
{
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	if (check_numeric_flags(err) < 0)
		return -1;
	return petrel_command_pending("update", err);
}

const struct petrel_command petrel_command_update = {
	.name = "update",
	.usage = "<container-id>",
	.summary = "change a container's resource limits",
	.description = "   Changes the cgroup limits of a created, running or paused container\n"
		       "   without restarting it: CPU shares, quota and sets, memory and swap,\n"
		       "   block I/O weight, the number of processes and the Intel RDT schemas.\n"
		       "   Limits come from the flags, or from a JSON file in the runtime-spec\n"
		       "   linux.resources format given with --resources (- reads stdin), for\n"
		       "   example:\n\n"
		       "      {\"memory\": {\"limit\": 536870912}, \"cpu\": {\"shares\": 512},\n"
		       "       \"pids\": {\"limit\": 100}}\n\n"
		       "   Flags given together with --resources override its values. Limits not\n"
		       "   mentioned stay as they are.",
	.options = update_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_update,
};
