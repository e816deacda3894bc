/* `petrel kill`: sends a signal to a container's process. */
#include "libpetrel/container-id.h"
#include "libpetrel/signals.h"
#include "libpetrel/container.h"
#include "petrel.h"

static struct {
	bool all;
} opts;

static const struct petrel_option kill_options[] = {
	{"all", 'a', PETREL_OPT_BOOL, &opts.all, NULL,
	 "send the signal to every process in the container's cgroup"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_kill(const struct petrel_global *global, int argc, char **argv,
			struct petrel_error **err)
{
	int signum;
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	if (petrel_parse_signal(argc > 1 ? argv[1] : "SIGTERM", &signum, err) < 0)
		return -1;
	return petrel_kill(global->root, argv[0], signum, opts.all, err);
}

const struct petrel_command petrel_command_kill = {
	.name = "kill",
	.usage = "<container-id> [signal]",
	.summary = "send a signal (SIGTERM by default) to a container's process",
	.description =
		"   Sends a signal to the container's main process, SIGTERM unless another\n"
		"   is named. The signal is a name, with or without \"SIG\" and in any case\n"
		"   (KILL, SIGKILL, sigkill), RTMIN+n or RTMAX-n, or a number.\n\n"
		"   With --all every process in the container's cgroup gets the signal,\n"
		"   not just the main one.\n\n"
		"   EXAMPLE:\n"
		"      petrel kill web1 KILL",
	.options = kill_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 2,
	.run = command_kill,
};
