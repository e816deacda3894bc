/* What the command files share: the global flags and the command table
 * entry each src/<command>.c defines. */
#ifndef PETREL_PETREL_H
#define PETREL_PETREL_H

#include <stdbool.h>

#include "libpetrel/error.h"
#include "options.h"

#define PETREL_DEFAULT_ROOT "/run/petrel"

/* The global flags, given before the command. */
struct petrel_global {
	const char *root;
	const char *log_path;
	const char *log_format;
	const char *criu;
	const char *rootless;
	bool debug;
	bool systemd_cgroup;
};

struct petrel_command {
	const char *name;
	const char *usage;   /* arguments after "petrel <name> [command options]" */
	const char *summary; /* one line for `petrel --help` */
	const char *description;
	const struct petrel_option *options;
	enum petrel_args_mode args_mode;
	int min_args, max_args; /* max_args -1: any number */
	/* It puts a process into a container: petrel then runs from a sealed
	 * copy of itself (exe-protect.h). */
	bool enters_container;
	/* Runs with the positional arguments; returns the exit status (>= 0) or
	 * -1 with *err set. */
	int (*run)(const struct petrel_global *global, int argc, char **argv,
		   struct petrel_error **err);
};

#define PETREL_DECLARE_COMMAND(name) extern const struct petrel_command petrel_command_##name;
PETREL_DECLARE_COMMAND(create)
PETREL_DECLARE_COMMAND(start)
PETREL_DECLARE_COMMAND(state)
PETREL_DECLARE_COMMAND(kill)
PETREL_DECLARE_COMMAND(delete)
PETREL_DECLARE_COMMAND(run)
PETREL_DECLARE_COMMAND(exec)
PETREL_DECLARE_COMMAND(ps)
PETREL_DECLARE_COMMAND(list)
PETREL_DECLARE_COMMAND(pause)
PETREL_DECLARE_COMMAND(resume)
PETREL_DECLARE_COMMAND(update)
PETREL_DECLARE_COMMAND(events)
PETREL_DECLARE_COMMAND(spec)
PETREL_DECLARE_COMMAND(features)
PETREL_DECLARE_COMMAND(checkpoint)
PETREL_DECLARE_COMMAND(restore)
#undef PETREL_DECLARE_COMMAND

#endif
