/* `petrel run`: creates and starts a container in one step. */
#include "libpetrel/container-id.h"
#include "create-flags.h"

static struct petrel_create_flags flags;
static bool detach, keep, no_subreaper;

static const struct petrel_option run_options[] = {
	PETREL_CREATE_FLAG_OPTIONS(flags),
	{"detach", 'd', PETREL_OPT_BOOL, &detach, NULL,
	 "return once the container is started instead of waiting for it"},
	{"keep", 0, PETREL_OPT_BOOL, &keep, NULL,
	 "keep the container's state after it exits (delete it later)"},
	{"no-subreaper", 0, PETREL_OPT_BOOL, &no_subreaper, NULL,
	 "do not make petrel a subreaper of the container's processes"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_run(const struct petrel_global *global, int argc, char **argv,
		       struct petrel_error **err)
{
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	struct petrel_create_options o = petrel_create_options_from(global, argv[0], &flags);
	return petrel_run(&o, detach, keep, no_subreaper, err);
}

const struct petrel_command petrel_command_run = {
	.name = "run",
	.usage = "<container-id>",
	.summary = "create and start a container, and wait for it",
	.description = "   Does `create` and `start` in one go: sets up the container from the\n"
		       "   bundle's config.json and runs its process. Unless --detach is given,\n"
		       "   petrel stays in the foreground, forwards signals to the container,\n"
		       "   waits for the process to exit, deletes the container (unless --keep)\n"
		       "   and exits with the process's exit status.",
	.options = run_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.enters_container = true,
	.run = command_run,
};
