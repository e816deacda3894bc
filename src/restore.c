/* `petrel restore`: recreates a container from CRIU checkpoint images. */
#include "create-flags.h"
#include "criu-flags.h"
#include "libpetrel/container-id.h"

static struct petrel_criu_flags flags;
static struct {
	const char *console_socket;
	const char *bundle;
	bool detach;
	const char *pid_file;
	bool no_subreaper;
	bool no_pivot;
	const char *lsm_profile;
	const char *lsm_mount_context;
} opts;

static const struct petrel_option restore_options[] = {
	PETREL_CRIU_FLAG_OPTIONS(flags),
	{"console-socket", 0, PETREL_OPT_STRING, &opts.console_socket, "PATH",
	 "AF_UNIX socket that receives the master fd of the container's terminal"},
	{"bundle", 'b', PETREL_OPT_STRING, &opts.bundle, "DIR",
	 "path to the bundle directory (default: the current directory)"},
	{"detach", 'd', PETREL_OPT_BOOL, &opts.detach, NULL,
	 "return once the container is restored instead of waiting for it"},
	{"pid-file", 0, PETREL_OPT_STRING, &opts.pid_file, "FILE",
	 "write the restored process's pid to FILE"},
	{"no-subreaper", 0, PETREL_OPT_BOOL, &opts.no_subreaper, NULL,
	 "do not make petrel a subreaper of the container's processes"},
	{"no-pivot", 0, PETREL_OPT_BOOL, &opts.no_pivot, NULL,
	 "do not use pivot_root to enter the root filesystem (for a ramdisk root)"},
	{"lsm-profile", 0, PETREL_OPT_STRING, &opts.lsm_profile, "TYPE:LABEL",
	 "restore under this LSM profile, e.g. apparmor:name or selinux:label"},
	{"lsm-mount-context", 0, PETREL_OPT_STRING, &opts.lsm_mount_context, "CONTEXT",
	 "SELinux mount context for the restored mounts"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_restore(const struct petrel_global *global, int argc, char **argv,
			   struct petrel_error **err)
{
	int ret = petrel_criu_flags_check(argv[0], &flags, err);
	if (ret == 0) {
		struct petrel_criu_options o = petrel_criu_options_from(global, &flags);
		o.lsm_profile = opts.lsm_profile;
		o.lsm_mount_context = opts.lsm_mount_context;
		struct petrel_create_flags cf = {
			.bundle = opts.bundle,
			.console_socket = opts.console_socket,
			.pid_file = opts.pid_file,
			.no_pivot = opts.no_pivot,
		};
		struct petrel_create_options co = petrel_create_options_from(global, argv[0], &cf);
		ret = petrel_restore(&co, &o, opts.detach, opts.no_subreaper, err);
	}
	petrel_strlist_clear(&flags.empty_ns);
	return ret;
}

const struct petrel_command petrel_command_restore = {
	.name = "restore",
	.usage = "<container-id>",
	.summary = "bring a container back from a checkpoint",
	.description = "   Recreates a container from the images `petrel checkpoint` wrote, using\n"
		       "   the bundle's config.json for what the images do not hold. The restored\n"
		       "   processes carry on from where they were checkpointed. Unless --detach\n"
		       "   is given petrel waits for the container like `petrel run` does.",
	.options = restore_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_restore,
};
