/* `petrel features`: prints what this build of petrel implements. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "libpetrel/cleanup.h"
#include "libpetrel/features.h"
#include "petrel.h"

static const struct petrel_option features_options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_features(const struct petrel_global *global, int argc, char **argv,
			    struct petrel_error **err)
{
	cleanup_free char *json = NULL;
	if (petrel_features_json(&json, err) < 0)
		return -1;
	if (puts(json) == EOF || fflush(stdout) == EOF)
		return petrel_error_errno(err, "write to stdout");
	return 0;
}

const struct petrel_command petrel_command_features = {
	.name = "features",
	.usage = "",
	.summary = "print what this build of petrel supports, as JSON",
	.description =
		"   Prints, as JSON in the runtime-spec features format, what this build of\n"
		"   petrel supports: the range of spec versions, hooks, mount options,\n"
		"   namespaces, capabilities, cgroup and seccomp support, and so on. Callers\n"
		"   such as container engines read it to find out what they may ask for.",
	.options = features_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 0,
	.max_args = 0,
	.run = command_features,
};
