/* `petrel exec`: runs another process inside an existing container. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libpetrel/container-id.h"
#include "libpetrel/exec.h"
#include "libpetrel/log.h"
#include "petrel.h"

static struct {
	const char *console_socket;
	const char *pid_file;
	const char *pidfd_socket;
	const char *process;
	const char *cwd;
	struct petrel_strlist env;
	bool tty;
	const char *user;
	struct petrel_strlist additional_gids;
	struct petrel_strlist caps;
	int no_new_privs; /* -1 when not given */
	const char *apparmor;
	const char *process_label;
	bool detach;
	int preserve_fds;
	struct petrel_strlist cgroups;
	bool ignore_paused;
} opts = {.no_new_privs = -1};

static const struct petrel_option exec_options[] = {
	{"console-socket", 0, PETREL_OPT_STRING, &opts.console_socket, "PATH",
	 "AF_UNIX socket that receives the master fd of the process's terminal"},
	{"pid-file", 0, PETREL_OPT_STRING, &opts.pid_file, "FILE",
	 "write the new process's pid to FILE"},
	{"pidfd-socket", 0, PETREL_OPT_STRING, &opts.pidfd_socket, "PATH",
	 "AF_UNIX socket that receives a pidfd of the new process"},
	{"process", 'p', PETREL_OPT_STRING, &opts.process, "FILE",
	 "run the runtime-spec process object in FILE (other process flags are ignored)"},
	{"cwd", 0, PETREL_OPT_STRING, &opts.cwd, "DIR", "working directory inside the container"},
	{"env", 'e', PETREL_OPT_LIST, &opts.env, "KEY=VALUE",
	 "set an environment variable (repeatable)"},
	{"tty", 't', PETREL_OPT_BOOL, &opts.tty, NULL, "give the process a terminal"},
	{"user", 'u', PETREL_OPT_STRING, &opts.user, "UID[:GID]",
	 "run as this numeric user and group"},
	{"additional-gids", 'g', PETREL_OPT_LIST, &opts.additional_gids, "GID",
	 "add a supplementary group (repeatable)"},
	{"cap", 'c', PETREL_OPT_LIST, &opts.caps, "CAP",
	 "add a capability, e.g. CAP_NET_ADMIN (repeatable)"},
	{"no-new-privs", 0, PETREL_OPT_TRIBOOL, &opts.no_new_privs, NULL,
	 "set no_new_privs so the process cannot gain privileges (=false clears the "
	 "container's setting)"},
	{"apparmor", 0, PETREL_OPT_STRING, &opts.apparmor, "PROFILE",
	 "AppArmor profile to run the process under"},
	{"process-label", 0, PETREL_OPT_STRING, &opts.process_label, "LABEL",
	 "SELinux label to run the process with"},
	{"detach", 'd', PETREL_OPT_BOOL, &opts.detach, NULL,
	 "return once the process is started instead of waiting for it"},
	{"preserve-fds", 0, PETREL_OPT_INT, &opts.preserve_fds, "N",
	 "pass N more file descriptors, after stdio (3 to 3+N-1), to the process"},
	{"cgroup", 0, PETREL_OPT_LIST, &opts.cgroups, "[CONTROLLERS:]PATH",
	 "run in this sub-cgroup of the container, e.g. pids,memory:sub (repeatable)"},
	{"ignore-paused", 0, PETREL_OPT_BOOL, &opts.ignore_paused, NULL,
	 "allow exec into a paused container"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

/* A uid or gid: a decimal number below 2^32 - 1 ((uid_t)-1 means "unset"). */
static bool parse_id(const char *s, size_t len, uint32_t *id)
{
	char buf[16];
	char *end = NULL;
	if (len == 0 || len >= sizeof(buf) || strspn(s, "0123456789") < len)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '\0' || v >= UINT32_MAX)
		return false;
	*id = (uint32_t)v;
	return true;
}

/* The flags that describe the process (not used with --process), parsed
 * into o; gids has room for every --additional-gids. */
static int check_process_flags(int argc, struct petrel_exec_options *o, uint32_t *gids,
			       struct petrel_error **err)
{
	if (opts.process != NULL)
		return 0;
	if (argc < 2)
		return petrel_error_set(err, 0,
					"no command to run: give it after the container id, "
					"or give --process");
	if (opts.user) {
		const char *colon = strchr(opts.user, ':');
		size_t uid_len = colon ? (size_t)(colon - opts.user) : strlen(opts.user);
		o->has_uid = parse_id(opts.user, uid_len, &o->uid);
		o->has_gid = colon && parse_id(colon + 1, strlen(colon + 1), &o->gid);
		if (!o->has_uid || (colon && !o->has_gid))
			return petrel_error_set(err, 0,
						"invalid value \"%s\" for flag --user "
						"(UID or UID:GID, numeric)",
						opts.user);
	}
	for (size_t i = 0; i < opts.additional_gids.len; i++) {
		const char *gid = opts.additional_gids.items[i];
		if (!parse_id(gid, strlen(gid), &gids[i]))
			return petrel_error_set(err, 0,
						"invalid value \"%s\" for flag --additional-gids "
						"(a group id from 0 to 4294967294)",
						gid);
	}
	o->additional_gids = gids;
	o->additional_gids_len = opts.additional_gids.len;
	if (opts.tty && opts.detach && opts.console_socket == NULL)
		return petrel_error_set(err, 0, "--tty with --detach needs --console-socket");
	if (opts.console_socket && !opts.tty)
		return petrel_error_set(err, 0, "--console-socket needs --tty");
	return 0;
}

/* --additional-gids values that are not integers at all are a command line
 * petrel does not understand (exit status 1, as runc's flag parser); an
 * integer that is no gid is refused later, as a process error. */
static int check_gid_syntax(struct petrel_error **err)
{
	for (size_t i = 0; i < opts.additional_gids.len; i++) {
		const char *gid = opts.additional_gids.items[i];
		const char *digits = gid + (*gid == '-');
		if (*digits == '\0' || strspn(digits, "0123456789") != strlen(digits))
			return petrel_error_set(err, 0,
						"invalid value \"%s\" for flag --additional-gids: "
						"not an integer",
						gid);
	}
	return 0;
}

/* A list flag as the NULL-terminated array the library takes. */
static const char *const *strv(const struct petrel_strlist *list, const char **buf)
{
	if (list->len == 0)
		return NULL;
	memcpy(buf, list->items, list->len * sizeof(char *));
	buf[list->len] = NULL;
	return buf;
}

static int run_exec(const struct petrel_global *global, int argc, char **argv,
		    struct petrel_error **err)
{
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	const char *env[opts.env.len + 1], *caps[opts.caps.len + 1], *cgroups[opts.cgroups.len + 1];
	uint32_t gids[opts.additional_gids.len + 1];
	/* The parser left its positional arguments first, not NULL-terminated. */
	char *args[argc];
	memcpy(args, argv + 1, (size_t)(argc - 1) * sizeof(char *));
	args[argc - 1] = NULL;
	struct petrel_exec_options o = {
		.root = global->root,
		.id = argv[0],
		.process_file = opts.process,
		.args = opts.process ? NULL : args,
		.cwd = opts.cwd,
		.env = strv(&opts.env, env),
		.tty = opts.tty,
		.caps = strv(&opts.caps, caps),
		.no_new_privs = opts.no_new_privs,
		.apparmor = opts.apparmor,
		.process_label = opts.process_label,
		.detach = opts.detach,
		.pid_file = opts.pid_file,
		.pidfd_socket = opts.pidfd_socket,
		.console_socket = opts.console_socket,
		.preserve_fds = opts.preserve_fds,
		.cgroups = strv(&opts.cgroups, cgroups),
		.ignore_paused = opts.ignore_paused,
	};
	if (opts.process == NULL && check_gid_syntax(err) < 0)
		return -1;
	int status = check_process_flags(argc, &o, gids, err);
	if (status == 0)
		status = petrel_exec(&o, err);
	if (status >= 0)
		return status;
	/* As runc: 255 when the process could not be started or its flags
	 * describe no valid process (a command line that is not understood
	 * stays 1). */
	petrel_error_prefix(err, "exec");
	petrel_log_error(petrel_error_message(*err));
	petrel_error_free(*err);
	*err = NULL;
	return 255;
}

static int command_exec(const struct petrel_global *global, int argc, char **argv,
			struct petrel_error **err)
{
	int ret = run_exec(global, argc, argv, err);
	petrel_strlist_clear(&opts.env);
	petrel_strlist_clear(&opts.additional_gids);
	petrel_strlist_clear(&opts.caps);
	petrel_strlist_clear(&opts.cgroups);
	return ret;
}

const struct petrel_command petrel_command_exec = {
	.name = "exec",
	.usage = "<container-id> <command> [args...]  or  --process FILE <container-id>",
	.summary = "run another process inside a container",
	.description =
		"   Starts another process in a running container: it joins the\n"
		"   container's namespaces and cgroup and gets the container's security\n"
		"   settings unless flags change them. Everything after the container id\n"
		"   is the command and its own arguments, so petrel's flags go before the\n"
		"   id. Instead of a command line, --process can name a JSON file holding a\n"
		"   complete runtime-spec process object.\n\n"
		"   Unless --detach is given petrel waits for the process and exits with\n"
		"   its exit status.\n\n"
		"   EXAMPLE:\n"
		"      petrel exec -t web1 sh -c 'ps aux'",
	.options = exec_options,
	.args_mode = PETREL_ARGS_STOP_AT_FIRST,
	.min_args = 1,
	.max_args = -1,
	.enters_container = true,
	.run = command_exec,
};
