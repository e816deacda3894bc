/* `petrel list`: lists the containers under --root. */
#include "flag-checks.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libpetrel/container.h"
#include "petrel.h"

static struct {
	const char *format;
	bool quiet;
} opts = {
	.format = "table",
};

static const struct petrel_option list_options[] = {
	{"format", 'f', PETREL_OPT_STRING, &opts.format, "table|json",
	 "output format (default: table)"},
	{"quiet", 'q', PETREL_OPT_BOOL, &opts.quiet, NULL, "print only the container ids"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

static void print_table(struct oci_state **states, size_t n)
{
	printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
	       "OWNER");
	for (size_t i = 0; i < n; i++)
		printf("%-12s %-8d %-10s %-40s %-30s %s\n", states[i]->id, states[i]->pid,
		       states[i]->status, states[i]->bundle,
		       states[i]->created ? states[i]->created : "",
		       states[i]->owner ? states[i]->owner : "");
}

static int command_list(const struct petrel_global *global, int argc, char **argv,
			struct petrel_error **err)
{
	static const char *const formats[] = {"table", "json", NULL};
	if (petrel_check_flag_choice("format", opts.format, formats, err) < 0)
		return -1;
	struct oci_state **states = NULL;
	size_t n = 0;
	if (petrel_list(global->root, &states, &n, err) < 0)
		return -1;
	int r = 0;
	if (opts.quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", states[i]->id);
	} else if (strcmp(opts.format, "json") == 0) {
		/* A JSON array of state documents, as runc prints (null when empty). */
		fputs(n ? "[" : "null", stdout);
		for (size_t i = 0; i < n && r == 0; i++) {
			char *json = NULL, *why = NULL;
			r = oci_state_generate(states[i], false, &json, NULL, &why);
			if (r < 0) {
				petrel_error_take(err, 0, why);
				break;
			}
			printf("%s%s", i ? "," : "", json);
			free(json);
		}
		fputs(n ? "]\n" : "\n", stdout);
	} else {
		print_table(states, n);
	}
	for (size_t i = 0; i < n; i++)
		oci_state_free(states[i]);
	free(states);
	return r;
}

const struct petrel_command petrel_command_list = {
	.name = "list",
	.usage = "",
	.summary = "list the containers under --root",
	.description =
		"   Lists every container whose state lives under the --root directory:\n"
		"   its id, the pid of its process, its status, its bundle, when it was\n"
		"   created and who owns it. --format json prints the same as a JSON array;\n"
		"   --quiet prints only the ids, one a line.",
	.options = list_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 0,
	.max_args = 0,
	.run = command_list,
};
