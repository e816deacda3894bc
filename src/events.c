/* `petrel events`: streams a container's events and resource statistics. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libpetrel/container-id.h"
#include "libpetrel/events.h"
#include "petrel.h"

static struct {
	const char *interval;
	bool stats;
} opts = {
	.interval = "5s",
};

static const struct petrel_option events_options[] = {
	{"interval", 0, PETREL_OPT_STRING, &opts.interval, "DURATION",
	 "how often to collect statistics, e.g. 500ms, 10s, 1m30s (default: 5s)"},
	{"stats", 0, PETREL_OPT_BOOL, &opts.stats, NULL,
	 "print the container's statistics once and exit"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static const struct {
	const char *name;
	long double ns;
} duration_units[] = {
	{"ns", 1},   {"us", 1e3}, {"\u00b5s", 1e3}, {"\u03bcs", 1e3},
	{"ms", 1e6}, {"s", 1e9},  {"m", 60e9},      {"h", 3600e9},
};

/* Parses a duration the way the Go flag package spells it, a sequence of
 * decimal numbers each with a unit ("1m30s", "1.5h", "300ms"), into
 * nanoseconds. Returns false when the text is not such a duration. */
static bool parse_duration(const char *s, long double *ns)
{
	long double total = 0;
	bool negative = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return true;
	}
	if (*s == '\0')
		return false;
	while (*s) {
		char number[64];
		size_t digits = strspn(s, "0123456789"), fraction = 0, len = digits;
		if (s[len] == '.') {
			fraction = strspn(s + len + 1, "0123456789");
			len += 1 + fraction;
		}
		if (digits == 0 && fraction == 0)
			return false; /* no number, or a lone "." */
		if (len >= sizeof(number))
			return false;
		memcpy(number, s, len);
		number[len] = '\0';
		s += len;
		size_t unit_len = strcspn(s, "0123456789.");
		size_t i;
		for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
			if (strlen(duration_units[i].name) == unit_len &&
			    strncmp(s, duration_units[i].name, unit_len) == 0)
				break;
		if (i == sizeof(duration_units) / sizeof(duration_units[0]))
			return false; /* a missing or unknown unit */
		total += strtold(number, NULL) * duration_units[i].ns;
		s += unit_len;
	}
	if (total > 9223372036854775807.0L) /* Go's time.Duration is an int64 */
		return false;
	*ns = negative ? -total : total;
	return true;
}

static int command_events(const struct petrel_global *global, int argc, char **argv,
			  struct petrel_error **err)
{
	long double interval_ns;
	if (!parse_duration(opts.interval, &interval_ns))
		return petrel_error_set(err, 0,
					"invalid value \"%s\" for flag --interval "
					"(a duration such as 5s, 500ms or 1m30s)",
					opts.interval);
	/* Go keeps whole nanoseconds: "0.5ns" is 0. */
	uint64_t interval = interval_ns > 0 ? (uint64_t)interval_ns : 0;
	if (interval == 0)
		return petrel_error_set(err, 0, "--interval must be greater than 0");
	if (petrel_validate_container_id(argv[0], err) < 0 ||
	    petrel_events(global->root, argv[0], opts.stats, interval, err) < 0)
		return -1;
	return 0;
}

const struct petrel_command petrel_command_events = {
	.name = "events",
	.usage = "<container-id>",
	.summary = "stream a container's OOM events and resource usage",
	.description = "   Prints, one JSON object a line, what happens to the container: out of\n"
		       "   memory events as they occur and, every --interval, its resource usage\n"
		       "   (CPU, memory, pids, block I/O, huge pages). It runs until the\n"
		       "   container stops. With --stats it prints the usage once and exits.",
	.options = events_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_events,
};
