/* `petrel create`: sets up a container from a bundle, leaving its process
 * waiting for `petrel start`. */
#include "libpetrel/container-id.h"
#include "create-flags.h"

static struct petrel_create_flags flags;
static bool no_subreaper;

static const struct petrel_option create_options[] = {
	PETREL_CREATE_FLAG_OPTIONS(flags),
	{"no-subreaper", 0, PETREL_OPT_BOOL, &no_subreaper, NULL,
	 "accepted for compatibility; create never acts as a subreaper"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_create(const struct petrel_global *global, int argc, char **argv,
			  struct petrel_error **err)
{
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	struct petrel_create_options o = petrel_create_options_from(global, argv[0], &flags);
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
	.enters_container = true,
	.run = command_create,
};
