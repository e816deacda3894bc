/* `petrel checkpoint`: saves a running container to disk with CRIU. */
#include "criu-flags.h"
#include "libpetrel/container-id.h"

static struct petrel_criu_flags flags;
static struct {
	const char *parent_path;
	bool leave_running;
	int status_fd;
	const char *page_server;
	bool pre_dump;
} opts = {
	.status_fd = -1,
};

static const struct petrel_option checkpoint_options[] = {
	PETREL_CRIU_FLAG_OPTIONS(flags),
	{"parent-path", 0, PETREL_OPT_STRING, &opts.parent_path, "DIR",
	 "images of a previous pre-dump, relative to the image path"},
	{"leave-running", 0, PETREL_OPT_BOOL, &opts.leave_running, NULL,
	 "keep the container running after the checkpoint"},
	{"status-fd", 0, PETREL_OPT_INT, &opts.status_fd, "FD",
	 "with --lazy-pages, CRIU writes a NUL byte to FD once the pages can be served"},
	{"page-server", 0, PETREL_OPT_STRING, &opts.page_server, "ADDRESS:PORT",
	 "send memory pages to a CRIU page server instead of the image directory"},
	{"pre-dump", 0, PETREL_OPT_BOOL, &opts.pre_dump, NULL,
	 "copy only memory, keeping the container running, for a later --parent-path"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_checkpoint(const struct petrel_global *global, int argc, char **argv,
			      struct petrel_error **err)
{
	int ret = petrel_criu_flags_check(argv[0], &flags, err);
	if (ret == 0) {
		struct petrel_criu_options o = petrel_criu_options_from(global, &flags);
		o.parent_path = opts.parent_path;
		o.leave_running = opts.leave_running;
		o.status_fd = opts.status_fd;
		o.page_server = opts.page_server;
		o.pre_dump = opts.pre_dump;
		ret = petrel_checkpoint(global->root, argv[0], &o, err);
	}
	petrel_strlist_clear(&flags.empty_ns);
	return ret;
}

const struct petrel_command petrel_command_checkpoint = {
	.name = "checkpoint",
	.usage = "<container-id>",
	.summary = "save a running container to disk with CRIU",
	.description = "   Uses CRIU to save the complete state of a running container, its\n"
		       "   processes, memory, open files and (with the flags) sockets, into an\n"
		       "   image directory, and then stops it unless --leave-running is given.\n"
		       "   `petrel restore` brings the container back from those images, here or\n"
		       "   on another host. With --pre-dump only memory is copied so that a later\n"
		       "   checkpoint with --parent-path has less to write.",
	.options = checkpoint_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_checkpoint,
};
