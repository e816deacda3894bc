/* The flags `create` and `run` share, and the library's create options made
 * from them. */
#ifndef PETREL_CREATE_FLAGS_H
#define PETREL_CREATE_FLAGS_H

#include "libpetrel/container.h"
#include "petrel.h"

struct petrel_create_flags {
	const char *bundle;
	const char *console_socket;
	const char *pid_file;
	const char *pidfd_socket;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
};

/* Option table entries for the shared flags, stored into `f`. */
#define PETREL_CREATE_FLAG_OPTIONS(f)                                                              \
	{"bundle",    'b',   PETREL_OPT_STRING,                                                    \
	 &(f).bundle, "DIR", "path to the bundle directory (default: the current directory)"},     \
		{"console-socket",                                                                 \
		 0,                                                                                \
		 PETREL_OPT_STRING,                                                                \
		 &(f).console_socket,                                                              \
		 "PATH",                                                                           \
		 "AF_UNIX socket that receives the master fd of the container's terminal"},        \
		{"pid-file",    0,      PETREL_OPT_STRING,                                         \
		 &(f).pid_file, "FILE", "write the container process's pid to FILE"},              \
		{"pidfd-socket",                                                                   \
		 0,                                                                                \
		 PETREL_OPT_STRING,                                                                \
		 &(f).pidfd_socket,                                                                \
		 "PATH",                                                                           \
		 "AF_UNIX socket that receives a pidfd of the container's process"},               \
		{"no-pivot",                                                                       \
		 0,                                                                                \
		 PETREL_OPT_BOOL,                                                                  \
		 &(f).no_pivot,                                                                    \
		 NULL,                                                                             \
		 "do not use pivot_root to enter the root filesystem (for a ramdisk root)"},       \
		{"no-new-keyring",                                                                 \
		 0,                                                                                \
		 PETREL_OPT_BOOL,                                                                  \
		 &(f).no_new_keyring,                                                              \
		 NULL,                                                                             \
		 "keep the caller's session keyring instead of creating a new one"},               \
	{                                                                                          \
		"preserve-fds", 0, PETREL_OPT_INT, &(f).preserve_fds, "N",                         \
			"pass N more file descriptors, after stdio and $LISTEN_FDS, to the "       \
			"container"                                                                \
	}

static inline struct petrel_create_options
petrel_create_options_from(const struct petrel_global *global, const char *id,
			   const struct petrel_create_flags *f)
{
	return (struct petrel_create_options){
		.root = global->root,
		.id = id,
		.bundle = f->bundle,
		.pid_file = f->pid_file,
		.console_socket = f->console_socket,
		.pidfd_socket = f->pidfd_socket,
		.no_pivot = f->no_pivot,
		.no_new_keyring = f->no_new_keyring,
		.preserve_fds = f->preserve_fds,
		.systemd_cgroup = global->systemd_cgroup,
	};
}

#endif
