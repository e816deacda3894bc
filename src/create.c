/* `petrel create`: sets up a container from a bundle, leaving its process
 * waiting for `petrel start`. */
#include "libpetrel/bundle.h"
#include "libpetrel/container-id.h"
#include "libpetrel/container.h"
#include "petrel.h"

static struct {
	const char *bundle;
	const char *console_socket;
	const char *pid_file;
	bool no_pivot;
	bool no_new_keyring;
	bool no_subreaper;
	int preserve_fds;
} opts;

static const struct petrel_option create_options[] = {
	{"bundle", 'b', PETREL_OPT_STRING, &opts.bundle, "DIR",
	 "path to the bundle directory (default: the current directory)"},
	{"console-socket", 0, PETREL_OPT_STRING, &opts.console_socket, "PATH",
	 "AF_UNIX socket that receives the master fd of the container's terminal"},
	{"pid-file", 0, PETREL_OPT_STRING, &opts.pid_file, "FILE",
	 "write the container process's pid to FILE"},
	{"no-pivot", 0, PETREL_OPT_BOOL, &opts.no_pivot, NULL,
	 "do not use pivot_root to enter the root filesystem (for a ramdisk root)"},
	{"no-new-keyring", 0, PETREL_OPT_BOOL, &opts.no_new_keyring, NULL,
	 "keep the caller's session keyring instead of creating a new one"},
	{"no-subreaper", 0, PETREL_OPT_BOOL, &opts.no_subreaper, NULL,
	 "accepted for compatibility; create never acts as a subreaper"},
	{"preserve-fds", 0, PETREL_OPT_INT, &opts.preserve_fds, "N",
	 "pass N more file descriptors, after stdio and $LISTEN_FDS, to the container"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_create(const struct petrel_global *global, int argc, char **argv,
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
	return petrel_create(&o, err);
}

const struct petrel_command petrel_command_create = {
	.name = "create",
	.usage = "<container-id>",
	.summary = "set up a container, ready for start",
	.description =
		"   Sets up a container from the bundle's config.json: namespaces, cgroups,\n"
		"   mounts and the root filesystem are prepared and the container's process\n"
		"   is created, but it stops before running the program given in\n"
		"   process.args. `petrel start` lets it go on. The container id names the\n"
		"   container in every later command and must be unique on this host (under\n"
		"   --root).\n\n"
		"   When process.terminal is true, --console-socket is required: the master\n"
		"   end of the new terminal is sent over that socket to whoever listens.",
	.options = create_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_create,
};
