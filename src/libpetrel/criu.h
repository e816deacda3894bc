/* Checkpoint and restore through CRIU. petrel is linked statically and
 * libcriu has no static archive, so the libcriu calls are made by a helper,
 * petrel-criu (src/petrel-criu.c), that petrel runs with everything it
 * needs on its command line: the options, the external mounts and
 * namespaces of the container, its cgroup. petrel keeps the container side:
 * the state, the restored container's cgroup and root, the terminal. */
#ifndef PETREL_CRIU_H
#define PETREL_CRIU_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "argv.h"
#include "container.h"
#include "error.h"
#include "libocispec/ocispec.h"

#define PETREL_CRIU_HELPER "petrel-criu"
#define PETREL_CRIU_HELPER_ENV "PETREL_CRIU_HELPER"
#define PETREL_CRIU_DUMP_LOG "dump.log"
#define PETREL_CRIU_RESTORE_LOG "restore.log"
/* In the image directory: what fds 0-2 of the init were at checkpoint time
 * (readlink of /proc/PID/fd/N, one a line), so that restore can connect the
 * pipes among them to its own stdio. */
#define PETREL_CRIU_STDIO_FILE "petrel-stdio"
/* The keys runc and crun give CRIU for a network or pid namespace joined by
 * path: images stay interchangeable. */
#define PETREL_CRIU_EXT_NETNS "extRootNetNS"
#define PETREL_CRIU_EXT_PIDNS "extRootPidNS"

/* The command-line options of checkpoint and restore. */
struct petrel_criu_options {
	const char *image_path; /* NULL: ./checkpoint */
	const char *work_path;  /* NULL: the image path */
	const char *parent_path;
	bool leave_running;
	bool tcp_established;
	bool ext_unix_sk;
	bool shell_job;
	bool file_locks;
	bool pre_dump;
	bool auto_dedup;
	bool lazy_pages;
	const char *manage_cgroups_mode; /* NULL: soft */
	const char *const *empty_ns;
	size_t empty_ns_len;
	int status_fd; /* -1: none */
	const char *page_server;
	const char *lsm_profile;
	const char *lsm_mount_context;
	const char *criu_path; /* the global --criu: the criu binary */
};

int petrel_checkpoint(const char *root, const char *id, const struct petrel_criu_options *o,
		      struct petrel_error **err);
/* Restores into a new container made from the bundle (co: the id, bundle,
 * pid file, console socket, no-pivot). Detached, returns 0 once it runs; in
 * the foreground, like petrel_run(): the restored init's exit status. */
int petrel_restore(const struct petrel_create_options *co, const struct petrel_criu_options *o,
		   bool detach, bool no_subreaper, struct petrel_error **err);

/* Whether this petrel can checkpoint: built with CRIU, the helper found,
 * and CRIU answering through it. *version gets CRIU's ("3.17.1"), or *err
 * why not. (version malloc'd) */
int petrel_criu_version(const char *criu_path, char **version, struct petrel_error **err);

/* ------------------------------------------- pure parts, for the tests */

/* What petrel works out about the container for the helper's command line:
 * its init's pid (checkpoint), the root CRIU sees, and the cgroup. */
struct petrel_criu_target {
	const struct oci_spec *spec;
	const char *bundle; /* for relative mount sources */
	pid_t pid;          /* checkpoint */
	/* checkpoint: "/proc/PID/root", where masked paths are looked at (a
	 * masked file is a bind of /dev/null, a masked directory a tmpfs that
	 * CRIU saves); NULL: every masked path is taken for a file. */
	const char *proc_root;
	const char *root; /* the rootfs (checkpoint), its bind mount (restore) */
	const char *freeze_cgroup;
	/* Host cgroup directories bound into the container (cgroup v1 without
	 * a cgroup namespace): "/sys/fs/cgroup/NAME" in the container, the
	 * directory on the host. */
	const char *const *cgroup_mounts; /* pairs: key, host dir */
	size_t cgroup_mounts_len;         /* pairs */
	const char *const *cg_roots;      /* "CTRL:PATH" (CTRL "" for all) */
	size_t cg_roots_len;
	const char *const *externals; /* "net[INODE]:extRootNetNS" */
	size_t externals_len;
	const char *const *inherit_fds; /* "FD:KEY" */
	size_t inherit_fds_len;
	const char *const *join_ns; /* "ipc:PATH" */
	size_t join_ns_len;
	bool orphan_pts_master;
	int report_fd;
};

/* `petrel-criu dump|pre-dump|restore ...` for the options and target:
 * argv[0] stays the caller's (helper path). Checks what the helper cannot
 * do (--lazy-pages, --empty-ns and --status-fd need a newer libcriu) and a
 * bad --page-server. */
int petrel_criu_args(const char *helper, bool restore, const struct petrel_criu_options *o,
		     const struct petrel_criu_target *t, struct petrel_argv *a,
		     struct petrel_error **err);

/* The external mounts of a config: "KEY:VALUE" words for --ext-mount. KEY is
 * the mount point inside the container; VALUE the same key at checkpoint
 * time, the host path to bind at restore time. Bind mounts (relative sources
 * against bundle), masked paths that are files (binds of /dev/null), the
 * devices bound from the host, host cgroup directories. */
int petrel_criu_ext_mounts(const struct petrel_criu_target *t, bool restore, struct petrel_argv *a,
			   struct petrel_error **err);

/* What a CRIU log says went wrong: its first error line ("Error
 * (criu/...): ...", usually the cause) and, when there is another, its last
 * one joined with " ... " (what gave up), not counting the closing
 * "Dumping FAILED." after another error; without an error line its last
 * non-empty line; NULL when the file is missing or empty. (malloc'd) */
char *petrel_criu_log_errors(const char *path);

#endif
