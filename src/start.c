/* `petrel start`: runs the program of a created container. */
#include "libpetrel/container-id.h"
#include "libpetrel/container.h"
#include "petrel.h"

static const struct petrel_option start_options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_start(const struct petrel_global *global, int argc, char **argv,
			 struct petrel_error **err)
{
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	return petrel_start(global->root, argv[0], err);
}

const struct petrel_command petrel_command_start = {
	.name = "start",
	.usage = "<container-id>",
	.summary = "run the program of a created container",
	.description =
		"   Lets a container made by `petrel create` go on to run the program in its\n"
		"   config.json (process.args). The container must be in the \"created\"\n"
		"   state; afterwards it is \"running\". petrel returns at once and does not\n"
		"   wait for the program.",
	.options = start_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_start,
};
