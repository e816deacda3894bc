/* `petrel restore`: recreates a container from CRIU checkpoint images. */
#include "flag-checks.h"
#include "libpetrel/container-id.h"
#include "petrel.h"

static struct {
	const char *console_socket;
	const char *image_path;
	const char *work_path;
	bool tcp_established;
	bool ext_unix_sk;
	bool shell_job;
	bool file_locks;
	const char *manage_cgroups_mode;
	const char *bundle;
	bool detach;
	const char *pid_file;
	bool no_subreaper;
	bool no_pivot;
	struct petrel_strlist empty_ns;
	bool auto_dedup;
	bool lazy_pages;
	const char *lsm_profile;
	const char *lsm_mount_context;
} opts;

static const struct petrel_option restore_options[] = {
	{"console-socket", 0, PETREL_OPT_STRING, &opts.console_socket, "PATH",
	 "AF_UNIX socket that receives the master fd of the container's terminal"},
	{"image-path", 0, PETREL_OPT_STRING, &opts.image_path, "DIR",
	 "where the checkpoint images are (default: ./checkpoint)"},
	{"work-path", 0, PETREL_OPT_STRING, &opts.work_path, "DIR",
	 "where CRIU writes its log and work files (default: the image path)"},
	{"tcp-established", 0, PETREL_OPT_BOOL, &opts.tcp_established, NULL,
	 "restore established TCP connections"},
	{"ext-unix-sk", 0, PETREL_OPT_BOOL, &opts.ext_unix_sk, NULL,
	 "allow unix sockets connected to the outside of the container"},
	{"shell-job", 0, PETREL_OPT_BOOL, &opts.shell_job, NULL,
	 "the container was checkpointed as a shell job"},
	{"file-locks", 0, PETREL_OPT_BOOL, &opts.file_locks, NULL, "restore file locks"},
	{"manage-cgroups-mode", 0, PETREL_OPT_STRING, &opts.manage_cgroups_mode,
	 "soft|full|strict|ignore", "how CRIU handles the container's cgroups (default: soft)"},
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
	{"empty-ns", 0, PETREL_OPT_LIST, &opts.empty_ns, "NAMESPACE",
	 "this namespace type was checkpointed as empty, e.g. network (repeatable)"},
	{"auto-dedup", 0, PETREL_OPT_BOOL, &opts.auto_dedup, NULL,
	 "free the image pages as they are restored"},
	{"lazy-pages", 0, PETREL_OPT_BOOL, &opts.lazy_pages, NULL,
	 "fetch memory pages on demand from a CRIU page server"},
	{"lsm-profile", 0, PETREL_OPT_STRING, &opts.lsm_profile, "TYPE:LABEL",
	 "restore under this LSM profile, e.g. apparmor:name or selinux:label"},
	{"lsm-mount-context", 0, PETREL_OPT_STRING, &opts.lsm_mount_context, "CONTEXT",
	 "SELinux mount context for the restored mounts"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_restore(const struct petrel_global *global, int argc, char **argv,
			   struct petrel_error **err)
{
	static const char *const cgroup_modes[] = {"soft", "full", "strict", "ignore", NULL};
	int ret = petrel_validate_container_id(argv[0], err);
	if (ret == 0 && opts.manage_cgroups_mode)
		ret = petrel_check_flag_choice("manage-cgroups-mode", opts.manage_cgroups_mode,
					       cgroup_modes, err);
	if (ret == 0)
		ret = petrel_command_pending("restore", err);
	petrel_strlist_clear(&opts.empty_ns);
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
