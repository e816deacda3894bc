/* `exec`: one more process in an existing container. It starts from the
 * container's process (or a process JSON), changed by runc's exec flags, and
 * joins the container's namespaces, cgroup, root, labels, capabilities and
 * seccomp filter, in the order the init applies them. */
#ifndef PETREL_EXEC_H
#define PETREL_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct petrel_exec_options {
	const char *root;
	const char *id;
	/* --process FILE: the whole process; the process flags below (up to
	 * process_label) are then not used. */
	const char *process_file;
	char *const *args; /* the command and its arguments, NULL-terminated */
	const char *cwd;
	const char *const *env; /* KEY=VALUE, NULL-terminated, or NULL */
	bool tty;
	bool has_uid, has_gid; /* --user UID[:GID] */
	uint32_t uid, gid;
	const uint32_t *additional_gids;
	size_t additional_gids_len;
	const char *const *caps; /* NULL-terminated, or NULL */
	int no_new_privs;        /* --no-new-privs: 1 or 0 over the container's; -1 not given */
	const char *apparmor;
	const char *process_label;
	/* How it runs. */
	bool detach;
	const char *pid_file;
	const char *pidfd_socket; /* gets a pidfd of the process once it runs */
	const char *console_socket;
	int preserve_fds;
	const char *const *cgroups; /* --cgroup [CONTROLLERS:]PATH, NULL-terminated, or NULL */
	bool ignore_paused;
};

/* Runs the process. With detach, returns 0 once it has exec'd (its pid in
 * pid_file). In the foreground, relays its terminal, forwards signals, and
 * returns its exit status (128+N when killed by signal N). -1 with *err when
 * it could not be started. */
int petrel_exec(const struct petrel_exec_options *o, struct petrel_error **err);

#endif
