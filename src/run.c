/* `petrel run`: creates and starts a container in one step. */
#include "libpetrel/bundle.h"
#include "libpetrel/container-id.h"
#include "libpetrel/container.h"
#include "petrel.h"

static struct {
	const char *bundle;
	const char *console_socket;
	const char *pid_file;
	bool detach;
	bool keep;
	bool no_subreaper;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
} opts;

static const struct petrel_option run_options[] = {
	{"bundle", 'b', PETREL_OPT_STRING, &opts.bundle, "DIR",
	 "path to the bundle directory (default: the current directory)"},
	{"console-socket", 0, PETREL_OPT_STRING, &opts.console_socket, "PATH",
	 "AF_UNIX socket that receives the master fd of the container's terminal"},
	{"detach", 'd', PETREL_OPT_BOOL, &opts.detach, NULL,
	 "return once the container is started instead of waiting for it"},
	{"keep", 0, PETREL_OPT_BOOL, &opts.keep, NULL,
	 "keep the container's state after it exits (delete it later)"},
	{"pid-file", 0, PETREL_OPT_STRING, &opts.pid_file, "FILE",
	 "write the container process's pid to FILE"},
	{"no-subreaper", 0, PETREL_OPT_BOOL, &opts.no_subreaper, NULL,
	 "do not make petrel a subreaper of the container's processes"},
	{"no-pivot", 0, PETREL_OPT_BOOL, &opts.no_pivot, NULL,
	 "do not use pivot_root to enter the root filesystem (for a ramdisk root)"},
	{"no-new-keyring", 0, PETREL_OPT_BOOL, &opts.no_new_keyring, NULL,
	 "keep the caller's session keyring instead of creating a new one"},
	{"preserve-fds", 0, PETREL_OPT_INT, &opts.preserve_fds, "N",
	 "pass N more file descriptors, after stdio and $LISTEN_FDS, to the container"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_run(const struct petrel_global *global, int argc, char **argv,
		       struct petrel_error **err)
{
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	struct petrel_create_options o = {
		.root = global->root,
		.id = argv[0],
		.bundle = opts.bundle,
		.pid_file = opts.pid_file,
		.console_socket = opts.console_socket,
		.no_pivot = opts.no_pivot,
		.no_new_keyring = opts.no_new_keyring,
		.preserve_fds = opts.preserve_fds,
	};
	return petrel_run(&o, opts.detach, opts.keep, opts.no_subreaper, err);
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
	.run = command_run,
};
