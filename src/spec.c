/* `petrel spec`: writes a default config.json into a bundle directory. */
#include "libpetrel/spec-default.h"
#include "petrel.h"

static struct {
	const char *bundle;
	bool rootless;
} opts;

static const struct petrel_option spec_options[] = {
	{"bundle", 'b', PETREL_OPT_STRING, &opts.bundle, "DIR",
	 "directory to write config.json into (default: the current directory)"},
	{"rootless", 0, PETREL_OPT_BOOL, &opts.rootless, NULL,
	 "write a spec for a container started by an unprivileged user"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_spec(const struct petrel_global *global, int argc, char **argv,
			struct petrel_error **err)
{
	if (petrel_spec_write(opts.bundle ? opts.bundle : ".", opts.rootless, err) < 0)
		return -1;
	return 0;
}

const struct petrel_command petrel_command_spec = {
	.name = "spec",
	.usage = "",
	.summary = "write a default config.json into a bundle",
	.description =
		"   Writes a starting-point config.json into the bundle directory: a container\n"
		"   running `sh` on a terminal, with the usual mounts, masked and read-only\n"
		"   paths, a default capability set and its own namespaces. Edit it to point\n"
		"   root.path at your root filesystem and process.args at your program.\n"
		"   An existing config.json is never overwritten.\n\n"
		"   With --rootless the spec suits an unprivileged user: it adds a user\n"
		"   namespace mapping the caller's uid and gid to root, and leaves out what\n"
		"   such a user cannot set up (cgroup limits, mknod'ed devices).",
	.options = spec_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 0,
	.max_args = 0,
	.run = command_spec,
};
