/* `petrel pause`: freezes every process of a container. */
#include "libpetrel/container-id.h"
#include "libpetrel/container.h"
#include "petrel.h"

static const struct petrel_option pause_options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_pause(const struct petrel_global *global, int argc, char **argv,
			 struct petrel_error **err)
{
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	return petrel_pause(global->root, argv[0], err);
}

const struct petrel_command petrel_command_pause = {
	.name = "pause",
	.usage = "<container-id>",
	.summary = "freeze every process of a container",
	.description = "   Freezes all the processes of a running container through the cgroup\n"
		       "   freezer, so they use no CPU until `petrel resume`. The container's\n"
		       "   state becomes \"paused\".",
	.options = pause_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_pause,
};
