/* `petrel delete`: removes a container and what it holds on the host. */
#include "libpetrel/container-id.h"
#include "libpetrel/container.h"
#include "petrel.h"

static struct {
	bool force;
} opts;

static const struct petrel_option delete_options[] = {
	{"force", 'f', PETREL_OPT_BOOL, &opts.force, NULL,
	 "kill the container with SIGKILL first if it is still running"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_delete(const struct petrel_global *global, int argc, char **argv,
			  struct petrel_error **err)
{
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	return petrel_delete(global->root, argv[0], opts.force, err);
}

const struct petrel_command petrel_command_delete = {
	.name = "delete",
	.usage = "<container-id>",
	.summary = "remove a container and what it holds on the host",
	.description = "   Removes a container that is stopped or was only created: its state\n"
		       "   directory, its cgroup, and anything else petrel set up for it on the\n"
		       "   host, running the poststop hooks. A running or paused container is\n"
		       "   refused unless --force is given, which kills it first.",
	.options = delete_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_delete,
};
