/* Command-line flags with the semantics of runc's (Go flag / urfave cli):
 * `-name` and `--name`, `--name=value` or `--name value`, booleans as `--name`
 * or `--name=true|false`, `--` ends the flags. */
#ifndef PETREL_OPTIONS_H
#define PETREL_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "libpetrel/error.h"

enum petrel_option_type {
	PETREL_OPT_BOOL,   /* bool *target */
	PETREL_OPT_STRING, /* const char **target */
	PETREL_OPT_INT,    /* int *target, decimal, >= 0 */
	PETREL_OPT_LIST,   /* struct petrel_strlist *target, repeatable */
	/* int *target: a boolean whose absence matters, left as it was (e.g.
	 * -1) unless given; then 1 or 0. */
	PETREL_OPT_TRIBOOL,
};

struct petrel_strlist {
	const char **items;
	size_t len;
};

struct petrel_option {
	const char *name; /* long name, without dashes */
	char short_name;  /* 0 when there is none */
	enum petrel_option_type type;
	void *target;
	const char *arg_name; /* for help: "DIR"; NULL for booleans */
	const char *help;
};

/* How positional arguments mix with flags. */
enum petrel_args_mode {
	/* Flags may follow positional arguments (urfave cli reorders them). */
	PETREL_ARGS_INTERMIXED,
	/* The first positional argument ends the flags (exec: the command's own
	 * flags follow the container id). */
	PETREL_ARGS_STOP_AT_FIRST,
};

/* Parses argv[0..argc) against opts (terminated by an entry with name NULL).
 * Positional arguments are moved, in order, to the front of argv and their
 * count stored in *nargs. *help is set when -h/--help was given. */
int petrel_parse_options(const struct petrel_option *opts, enum petrel_args_mode mode, int argc,
			 char **argv, int *nargs, bool *help, struct petrel_error **err);

/* Prints the option table as help text. */
void petrel_print_options(FILE *out, const struct petrel_option *opts);

/* Frees what PETREL_OPT_LIST targets collected. */
void petrel_strlist_clear(struct petrel_strlist *list);

#endif
