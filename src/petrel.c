/* petrel's entry point: the global flags, --version and --help, and the
 * dispatch to one src/<command>.c per command. Errors are printed here, once:
 * `petrel: <command>: <what failed>: <why>`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libocispec/ocispec.h"
#include "libpetrel/build-info.h"
#include "libpetrel/criu.h"
#include "libpetrel/exe-protect.h"
#include "libpetrel/log.h"
#include "petrel.h"

static const struct petrel_command *const commands[] = {
	&petrel_command_checkpoint, &petrel_command_create,  &petrel_command_delete,
	&petrel_command_events,     &petrel_command_exec,    &petrel_command_features,
	&petrel_command_kill,       &petrel_command_list,    &petrel_command_pause,
	&petrel_command_ps,         &petrel_command_restore, &petrel_command_resume,
	&petrel_command_run,        &petrel_command_spec,    &petrel_command_start,
	&petrel_command_state,      &petrel_command_update,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static struct petrel_global global = {
	.root = PETREL_DEFAULT_ROOT,
	.log_format = "text",
};
static bool show_version;

static const struct petrel_option global_options[] = {
	{"root", 0, PETREL_OPT_STRING, &global.root, "DIR",
	 "root directory for storage of container state (default: " PETREL_DEFAULT_ROOT ")"},
	{"log", 0, PETREL_OPT_STRING, &global.log_path, "FILE", "log file (default: stderr)"},
	{"log-format", 0, PETREL_OPT_STRING, &global.log_format, "text|json",
	 "log format (default: text)"},
	{"debug", 0, PETREL_OPT_BOOL, &global.debug, NULL, "enable debug logging"},
	{"systemd-cgroup", 0, PETREL_OPT_BOOL, &global.systemd_cgroup, NULL,
	 "use systemd to manage cgroups (cgroupsPath as \"slice:prefix:name\")"},
	{"rootless", 0, PETREL_OPT_STRING, &global.rootless, "true|false|auto",
	 "ignore cgroup permission errors (default: auto)"},
	{"criu", 0, PETREL_OPT_STRING, &global.criu, "PATH",
	 "path to the criu binary (accepted for runc compatibility; petrel uses libcriu)"},
	{"version", 'v', PETREL_OPT_BOOL, &show_version, NULL, "print the version"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static void print_version(void)
{
	unsigned maj = 0, min = 0, mic = 0;
	const struct scmp_version *v = seccomp_version();
	if (v) {
		maj = v->major;
		min = v->minor;
		mic = v->micro;
	}
	printf("petrel version %s\ncommit: %s\nspec: %s\nlibseccomp: %u.%u.%u\n%s\n",
	       PACKAGE_VERSION, PETREL_COMMIT, OCI_SPEC_VERSION, maj, min, mic,
	       PETREL_BUILD_FEATURES);
	/* Checkpoint/restore needs the helper and CRIU on this host too. */
	char *criu = NULL;
	struct petrel_error *err = NULL;
	if (petrel_criu_version(global.criu, &criu, &err) == 0)
		printf("criu: %s\n", criu);
	else
		printf("criu: unavailable: %s\n", petrel_error_message(err));
	free(criu);
	petrel_error_free(err);
}

static void print_main_help(FILE *out)
{
	fprintf(out,
		"petrel - an OCI runtime-spec compliant, runc-compatible container runtime\n\n"
		"USAGE:\n   petrel [global options] command [command options] [arguments...]\n\n"
		"COMMANDS:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "   %-12s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\nGLOBAL OPTIONS:\n");
	petrel_print_options(out, global_options);
}

static void print_command_help(FILE *out, const struct petrel_command *cmd)
{
	fprintf(out, "NAME:\n   petrel %s - %s\n\nUSAGE:\n   petrel %s [command options] %s\n",
		cmd->name, cmd->summary, cmd->name, cmd->usage);
	if (cmd->description)
		fprintf(out, "\nDESCRIPTION:\n%s\n", cmd->description);
	fprintf(out, "\nOPTIONS:\n");
	petrel_print_options(out, cmd->options);
}

static const struct petrel_command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int check_arg_count(const struct petrel_command *cmd, int nargs, struct petrel_error **err)
{
	if (cmd->min_args == cmd->max_args && nargs != cmd->min_args)
		return petrel_error_set(err, 0, "\"%s\" requires exactly %d argument(s)", cmd->name,
					cmd->min_args);
	if (nargs < cmd->min_args)
		return petrel_error_set(err, 0, "\"%s\" requires a minimum of %d argument(s)",
					cmd->name, cmd->min_args);
	if (cmd->max_args >= 0 && nargs > cmd->max_args)
		return petrel_error_set(err, 0, "\"%s\" requires a maximum of %d argument(s)",
					cmd->name, cmd->max_args);
	return 0;
}

static int fail(const char *context, struct petrel_error *err)
{
	if (context)
		petrel_error_prefix(&err, "%s", context);
	petrel_log_error(petrel_error_message(err));
	petrel_error_free(err);
	return 1;
}

int main(int argc, char **argv, char **envp)
{
	struct petrel_error *err = NULL;
	int nargs = 0;
	bool help = false;
	/* fds 0-2 are always open, so that none of petrel's own fds (a sync
	 * socket, a console socket) takes their number and is later replaced
	 * by the container's stdio. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return 1;
	/* The parsers reorder argv; a re-exec needs it as it came. */
	char *original_argv[argc + 1];
	memcpy(original_argv, argv, (size_t)(argc + 1) * sizeof(char *));

	/* The global flags end at the command name. */
	if (petrel_parse_options(global_options, PETREL_ARGS_STOP_AT_FIRST, argc - 1, argv + 1,
				 &nargs, &help, &err) < 0) {
		fail(NULL, err);
		fprintf(stderr, "Run 'petrel --help' for usage.\n");
		return 2;
	}
	if (show_version) {
		print_version();
		return 0;
	}
	if (help || nargs == 0) {
		print_main_help(help ? stdout : stderr);
		return help ? 0 : 2;
	}

	enum petrel_log_format format = PETREL_LOG_TEXT;
	if (strcmp(global.log_format, "json") == 0)
		format = PETREL_LOG_JSON;
	else if (strcmp(global.log_format, "text") != 0) {
		petrel_error_set(&err, 0, "invalid log format \"%s\" (text or json)",
				 global.log_format);
		return fail(NULL, err);
	}
	if (petrel_log_init(global.log_path, format, global.debug, &err) < 0)
		return fail(NULL, err);

	const struct petrel_command *cmd = find_command(argv[1]);
	if (cmd == NULL) {
		petrel_error_set(&err, 0, "no such command \"%s\" (see 'petrel --help')", argv[1]);
		fail(NULL, err);
		return 2;
	}
	/* The parser moved the command name and everything after it, in order,
	 * to argv[1..nargs]. */
	int cmd_argc = nargs - 1;
	char **cmd_argv = argv + 2;
	if (petrel_parse_options(cmd->options, cmd->args_mode, cmd_argc, cmd_argv, &nargs, &help,
				 &err) < 0) {
		fail(cmd->name, err);
		return 2;
	}
	if (help) {
		print_command_help(stdout, cmd);
		return 0;
	}
	if (check_arg_count(cmd, nargs, &err) < 0) {
		fail(cmd->name, err);
		print_command_help(stderr, cmd);
		return 1;
	}
	if (cmd->enters_container && petrel_run_from_sealed_copy(original_argv, envp, &err) < 0)
		return fail(cmd->name, err);
	petrel_debug("%s: starting", cmd->name);
	int status = cmd->run(&global, nargs, cmd_argv, &err);
	if (status < 0)
		return fail(cmd->name, err);
	return status;
}
