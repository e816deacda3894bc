/* `petrel ps`: lists the processes running inside a container. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flag-checks.h"
#include "libpetrel/cleanup.h"
#include "libpetrel/container-id.h"
#include "libpetrel/container.h"
#include "petrel.h"

extern char **environ;

static struct {
	const char *format;
} opts = {
	.format = "table",
};

static const struct petrel_option ps_options[] = {
	{"format", 'f', PETREL_OPT_STRING, &opts.format, "table|json",
	 "output format: ps(1)'s table or a JSON array of pids (default: table)"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Runs ps(1) with args (-ef without) and prints its header and the lines of
 * the container's processes, found by the PID column. */
static int print_table(int argc, char **args, const pid_t *pids, size_t n,
		       struct petrel_error **err)
{
	char *argv[argc + 3];
	argv[0] = (char *)"ps";
	if (argc == 0)
		argv[argc++ + 1] = (char *)"-ef";
	else
		memcpy(argv + 1, args, (size_t)argc * sizeof(char *));
	argv[argc + 1] = NULL;
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return petrel_error_errno(err, "ps: pipe");
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
	pid_t child;
	int r = posix_spawnp(&child, "ps", &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(out[1]);
	if (r != 0) {
		close(out[0]);
		errno = r;
		return petrel_error_errno(err, "ps: run ps");
	}
	cleanup_fclose FILE *f = fdopen(out[0], "r");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	int column = -1, status;
	for (bool header = true; getline(&line, &cap, f) > 0; header = false) {
		if (header) {
			/* The PID column's position among the header's words. */
			int i = 0;
			for (char *w = line; *w; i++) {
				w += strspn(w, " \t");
				size_t len = strcspn(w, " \t\n");
				if (len == 3 && strncmp(w, "PID", 3) == 0)
					column = i;
				w += len;
				if (*w == '\n')
					break;
			}
			if (column < 0)
				break;
			fputs(line, stdout);
			continue;
		}
		char *w = line;
		for (int i = 0; i < column && *w; i++) {
			w += strspn(w, " \t");
			w += strcspn(w, " \t\n");
		}
		if (has_pid(pids, n, strtol(w, NULL, 10)))
			fputs(line, stdout);
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (column < 0)
		return petrel_error_set(err, 0, "ps: no PID column in the output of ps");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return petrel_error_set(err, 0, "ps: ps exited with status %d",
					WIFEXITED(status) ? WEXITSTATUS(status)
							  : 128 + WTERMSIG(status));
	return 0;
}

static int command_ps(const struct petrel_global *global, int argc, char **argv,
		      struct petrel_error **err)
{
	static const char *const formats[] = {"table", "json", NULL};
	if (petrel_check_flag_choice("format", opts.format, formats, err) < 0)
		return -1;
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	if (petrel_pids(global->root, argv[0], &pids, &n, err) < 0)
		return -1;
	if (strcmp(opts.format, "json") == 0) {
		/* A JSON array of numbers, as runc prints it: null (Go's
		 * nil slice) when there is no process. */
		if (n == 0) {
			printf("null\n");
			return 0;
		}
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", pids[i]);
		printf("]\n");
		return 0;
	}
	/* `ps ID -- -o pid,comm`: the -- only ends petrel's flags. */
	int skip = argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;
	return print_table(argc - skip, argv + skip, pids, n, err);
}

const struct petrel_command petrel_command_ps = {
	.name = "ps",
	.usage = "<container-id> [ps options]",
	.summary = "show the processes of a container",
	.description = "   Shows the processes in the container's cgroup. In table format petrel\n"
		       "   runs ps(1) on the host with the arguments that follow the container id\n"
		       "   (-ef when there are none) and keeps the lines of the container's\n"
		       "   processes; in json format it prints their pids as a JSON array.\n"
		       "   Flags for petrel go before the container id, everything after it is\n"
		       "   passed to ps.",
	.options = ps_options,
	.args_mode = PETREL_ARGS_STOP_AT_FIRST,
	.min_args = 1,
	.max_args = -1,
	.run = command_ps,
};
