/* `petrel ps`: lists the processes running inside a container. */
#include "flag-checks.h"
#include "libpetrel/container-id.h"
#include "petrel.h"

static struct {
	const char *format;
} opts = {
	.format = "table",
};

static const struct petrel_option ps_options[] = {
	{"format", 'f', PETREL_OPT_STRING, &opts.format, "table|json",
	 "output format: ps(1)'s table or a JSON array of pids (default: table)"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_ps(const struct petrel_global *global, int argc, char **argv,
		      struct petrel_error **err)
{
	static const char *const formats[] = {"table", "json", NULL};
	if (petrel_check_flag_choice("format", opts.format, formats, err) < 0)
		return -1;
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	return petrel_command_pending("ps", err);
}

const struct petrel_command petrel_command_ps = {
	.name = "ps",
	.usage = "<container-id> [ps options]",
	.summary = "show the processes of a container",
	.description = "   Shows the processes in the container's cgroup. In table format petrel\n"
		       "   runs ps(1) on the host with the arguments that follow the container id\n"
		       "   (-ef when there are none) and keeps the lines of the container's\n"
		       "   processes; in json format it prints their pids as a JSON array.\n"
		       "   Flags for petrel go before the container id, everything after it is\n"
		       "   passed to ps.",
	.options = ps_options,
	.args_mode = PETREL_ARGS_STOP_AT_FIRST,
	.min_args = 1,
	.max_args = -1,
	.run = command_ps,
};
