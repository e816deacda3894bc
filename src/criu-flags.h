/* The flags `checkpoint` and `restore` share (runc's), and the library's
 * CRIU options made from them. */
#ifndef PETREL_CRIU_FLAGS_H
#define PETREL_CRIU_FLAGS_H

#include "flag-checks.h"
#include "libpetrel/container-id.h"
#include "libpetrel/criu.h"
#include "petrel.h"

struct petrel_criu_flags {
	const char *image_path;
	const char *work_path;
	bool tcp_established;
	bool ext_unix_sk;
	bool shell_job;
	bool file_locks;
	const char *manage_cgroups_mode;
	struct petrel_strlist empty_ns;
	bool auto_dedup;
	bool lazy_pages;
};

/* Option table entries for the shared flags, stored into `f`. */
#define PETREL_CRIU_FLAG_OPTIONS(f)                                                                  \
	{"image-path",    0,     PETREL_OPT_STRING,                                                  \
	 &(f).image_path, "DIR", "the checkpoint images' directory (default: ./checkpoint)"},        \
		{"work-path",                                                                        \
		 0,                                                                                  \
		 PETREL_OPT_STRING,                                                                  \
		 &(f).work_path,                                                                     \
		 "DIR",                                                                              \
		 "where CRIU writes its log and work files (default: the image path)"},              \
		{"tcp-established",                                                                  \
		 0,                                                                                  \
		 PETREL_OPT_BOOL,                                                                    \
		 &(f).tcp_established,                                                               \
		 NULL,                                                                               \
		 "established TCP connections are checkpointed and restored"},                       \
		{"ext-unix-sk",                                                                      \
		 0,                                                                                  \
		 PETREL_OPT_BOOL,                                                                    \
		 &(f).ext_unix_sk,                                                                   \
		 NULL,                                                                               \
		 "allow unix sockets connected to the outside of the container"},                    \
		{"shell-job",    0,    PETREL_OPT_BOOL,                                              \
		 &(f).shell_job, NULL, "the container runs on the caller's terminal (a shell job)"}, \
		{"file-locks",    0,    PETREL_OPT_BOOL,                                             \
		 &(f).file_locks, NULL, "file locks are checkpointed and restored"},                 \
		{"manage-cgroups-mode",                                                              \
		 0,                                                                                  \
		 PETREL_OPT_STRING,                                                                  \
		 &(f).manage_cgroups_mode,                                                           \
		 "soft|full|strict|ignore",                                                          \
		 "how CRIU handles the container's cgroups (default: soft)"},                        \
		{"empty-ns",                                                                         \
		 0,                                                                                  \
		 PETREL_OPT_LIST,                                                                    \
		 &(f).empty_ns,                                                                      \
		 "NAMESPACE",                                                                        \
		 "this namespace type is checkpointed empty, e.g. network (repeatable)"},            \
		{"auto-dedup",                                                                       \
		 0,                                                                                  \
		 PETREL_OPT_BOOL,                                                                    \
		 &(f).auto_dedup,                                                                    \
		 NULL,                                                                               \
		 "checkpoint: remove from the parent images what this dump rewrites; restore: "      \
		 "free the image pages as they are restored"},                                       \
	{                                                                                            \
		"lazy-pages", 0, PETREL_OPT_BOOL, &(f).lazy_pages, NULL,                             \
			"memory pages are fetched on demand at restore time"                         \
	}

/* The container id and the values of the shared flags. */
static inline int petrel_criu_flags_check(const char *id, const struct petrel_criu_flags *f,
					  struct petrel_error **err)
{
	static const char *const cgroup_modes[] = {"soft", "full", "strict", "ignore", NULL};
	if (petrel_validate_container_id(id, err) < 0)
		return -1;
	if (f->manage_cgroups_mode &&
	    petrel_check_flag_choice("manage-cgroups-mode", f->manage_cgroups_mode, cgroup_modes,
				     err) < 0)
		return -1;
	return 0;
}

static inline struct petrel_criu_options
petrel_criu_options_from(const struct petrel_global *global, const struct petrel_criu_flags *f)
{
	return (struct petrel_criu_options){
		.image_path = f->image_path,
		.work_path = f->work_path,
		.tcp_established = f->tcp_established,
		.ext_unix_sk = f->ext_unix_sk,
		.shell_job = f->shell_job,
		.file_locks = f->file_locks,
		.manage_cgroups_mode = f->manage_cgroups_mode,
		.empty_ns = f->empty_ns.items,
		.empty_ns_len = f->empty_ns.len,
		.auto_dedup = f->auto_dedup,
		.lazy_pages = f->lazy_pages,
		.status_fd = -1,
		.criu_path = global->criu,
	};
}

#endif
