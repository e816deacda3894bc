/* `petrel checkpoint`: saves a running container to disk with CRIU. */
#include "flag-checks.h"
#include "libpetrel/container-id.h"
#include "petrel.h"

static struct {
	const char *image_path;
	const char *work_path;
	const char *parent_path;
	bool leave_running;
	bool tcp_established;
	bool ext_unix_sk;
	bool shell_job;
	bool lazy_pages;
	int status_fd;
	const char *page_server;
	bool file_locks;
	bool pre_dump;
	const char *manage_cgroups_mode;
	struct petrel_strlist empty_ns;
	bool auto_dedup;
} opts = {
	.status_fd = -1,
};

static const struct petrel_option checkpoint_options[] = {
	{"image-path", 0, PETREL_OPT_STRING, &opts.image_path, "DIR",
	 "where to write the checkpoint images (default: ./checkpoint)"},
	{"work-path", 0, PETREL_OPT_STRING, &opts.work_path, "DIR",
	 "where CRIU writes its log and work files (default: the image path)"},
	{"parent-path", 0, PETREL_OPT_STRING, &opts.parent_path, "DIR",
	 "images of a previous pre-dump, relative to the image path"},
	{"leave-running", 0, PETREL_OPT_BOOL, &opts.leave_running, NULL,
	 "keep the container running after the checkpoint"},
	{"tcp-established", 0, PETREL_OPT_BOOL, &opts.tcp_established, NULL,
	 "checkpoint established TCP connections"},
	{"ext-unix-sk", 0, PETREL_OPT_BOOL, &opts.ext_unix_sk, NULL,
	 "allow unix sockets connected to the outside of the container"},
	{"shell-job", 0, PETREL_OPT_BOOL, &opts.shell_job, NULL,
	 "the container runs on the caller's terminal (a shell job)"},
	{"lazy-pages", 0, PETREL_OPT_BOOL, &opts.lazy_pages, NULL,
	 "leave memory pages to be fetched on demand at restore time"},
	{"status-fd", 0, PETREL_OPT_INT, &opts.status_fd, "FD",
	 "with --lazy-pages, CRIU writes a NUL byte to FD once the pages can be served"},
	{"page-server", 0, PETREL_OPT_STRING, &opts.page_server, "ADDRESS:PORT",
	 "send memory pages to a CRIU page server instead of the image directory"},
	{"file-locks", 0, PETREL_OPT_BOOL, &opts.file_locks, NULL, "checkpoint file locks"},
	{"pre-dump", 0, PETREL_OPT_BOOL, &opts.pre_dump, NULL,
	 "copy only memory, keeping the container running, for a later --parent-path"},
	{"manage-cgroups-mode", 0, PETREL_OPT_STRING, &opts.manage_cgroups_mode,
	 "soft|full|strict|ignore", "how CRIU handles the container's cgroups (default: soft)"},
	{"empty-ns", 0, PETREL_OPT_LIST, &opts.empty_ns, "NAMESPACE",
	 "checkpoint this namespace type as empty, e.g. network (repeatable)"},
	{"auto-dedup", 0, PETREL_OPT_BOOL, &opts.auto_dedup, NULL,
	 "remove from the parent images the pages that this dump replaces"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_checkpoint(const struct petrel_global *global, int argc, char **argv,
			      struct petrel_error **err)
{
	static const char *const cgroup_modes[] = {"soft", "full", "strict", "ignore", NULL};
	int ret = petrel_validate_container_id(argv[0], err);
	if (ret == 0 && opts.manage_cgroups_mode)
		ret = petrel_check_flag_choice("manage-cgroups-mode", opts.manage_cgroups_mode,
					       cgroup_modes, err);
	if (ret == 0)
		ret = petrel_command_pending("checkpoint", err);
	petrel_strlist_clear(&opts.empty_ns);
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
