/* The flag parser shared by the global flags and every command. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

static const struct petrel_option *find_option(const struct petrel_option *opts, const char *name,
					       size_t len)
{
	for (const struct petrel_option *o = opts; o->name; o++) {
		if (len == 1 && o->short_name == name[0])
			return o;
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	}
	return NULL;
}

static int parse_bool(const char *value, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(value, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int store_value(const struct petrel_option *o, const char *value, struct petrel_error **err)
{
	switch (o->type) {
	case PETREL_OPT_BOOL:
	case PETREL_OPT_TRIBOOL: {
		bool b;
		if (parse_bool(value, &b) < 0)
			return petrel_error_set(err, 0,
						"invalid boolean value \"%s\" for flag --%s", value,
						o->name);
		if (o->type == PETREL_OPT_BOOL)
			*(bool *)o->target = b;
		else
			*(int *)o->target = b;
		return 0;
	}
	case PETREL_OPT_STRING:
		*(const char **)o->target = value;
		return 0;
	case PETREL_OPT_INT: {
		char *end = NULL;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < 0 || v > INT_MAX)
			return petrel_error_set(err, 0, "invalid value \"%s\" for flag --%s", value,
						o->name);
		*(int *)o->target = (int)v;
		return 0;
	}
	case PETREL_OPT_LIST: {
		struct petrel_strlist *list = o->target;
		const char **items = realloc(list->items, (list->len + 1) * sizeof(*items));
		if (items == NULL)
			return petrel_error_set(err, ENOMEM, "flag --%s", o->name);
		items[list->len++] = value;
		list->items = items;
		return 0;
	}
	}
	return petrel_error_set(err, 0, "internal error: flag --%s has no type", o->name);
}

int petrel_parse_options(const struct petrel_option *opts, enum petrel_args_mode mode, int argc,
			 char **argv, int *nargs, bool *help, struct petrel_error **err)
{
	int npos = 0;
	bool flags_done = false;
	*help = false;
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];
		if (flags_done || arg[0] != '-' || arg[1] == '\0') {
			argv[npos++] = arg;
			if (mode == PETREL_ARGS_STOP_AT_FIRST)
				flags_done = true;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			flags_done = true;
			continue;
		}
		const char *name = arg + (arg[1] == '-' ? 2 : 1);
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		if ((len == 1 && name[0] == 'h') || (len == 4 && strncmp(name, "help", 4) == 0)) {
			*help = true;
			continue;
		}
		const struct petrel_option *o = find_option(opts, name, len);
		if (o == NULL)
			return petrel_error_set(err, 0, "flag provided but not defined: -%.*s",
						(int)len, name);
		const char *value = eq ? eq + 1 : NULL;
		if (value == NULL &&
		    (o->type == PETREL_OPT_BOOL || o->type == PETREL_OPT_TRIBOOL)) {
			value = "true";
		} else if (value == NULL) {
			if (i + 1 >= argc)
				return petrel_error_set(err, 0, "flag needs an argument: -%s",
							o->name);
			value = argv[++i];
		}
		if (store_value(o, value, err) < 0)
			return -1;
	}
	*nargs = npos;
	return 0;
}

void petrel_print_options(FILE *out, const struct petrel_option *opts)
{
	for (const struct petrel_option *o = opts; o->name; o++) {
		char flag[96];
		int n = snprintf(flag, sizeof(flag), "--%s%s%s%s%s", o->name,
				 o->short_name ? ", -" : "",
				 o->short_name ? (char[]){o->short_name, '\0'} : "",
				 o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
		if (n < 28)
			fprintf(out, "   %-28s %s\n", flag, o->help);
		else
			fprintf(out, "   %s\n   %-28s %s\n", flag, "", o->help);
	}
	fprintf(out, "   %-28s %s\n", "--help, -h", "show help");
}

void petrel_strlist_clear(struct petrel_strlist *list)
{
	free(list->items);
	list->items = NULL;
	list->len = 0;
}
