/* `petrel state`: prints a container's state as JSON. */
#include "libpetrel/container-id.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libpetrel/container.h"
#include "petrel.h"

static const struct petrel_option state_options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_state(const struct petrel_global *global, int argc, char **argv,
			 struct petrel_error **err)
{
	struct oci_state *state = NULL;
	char *json = NULL, *why = NULL;
	if (petrel_validate_container_id(argv[0], err) < 0 ||
	    petrel_state(global->root, argv[0], &state, err) < 0)
		return -1;
	int r = oci_state_generate(state, true, &json, NULL, &why);
	oci_state_free(state);
	if (r < 0)
		return petrel_error_take(err, 0, why);
	printf("%s\n", json);
	free(json);
	return 0;
}

const struct petrel_command petrel_command_state = {
	.name = "state",
	.usage = "<container-id>",
	.summary = "print a container's state as JSON",
	.description = "   Prints the runtime-spec state of the container as JSON: its id, status\n"
		       "   (created, running, paused or stopped), the pid of its process, the\n"
		       "   bundle path, its annotations, and when it was created.",
	.options = state_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_state,
};
