/* `petrel resume`: thaws a paused container. */
#include "libpetrel/container-id.h"
#include "libpetrel/container.h"
#include "petrel.h"

static const struct petrel_option resume_options[] = {
	{NULL, 0, 0, NULL, NULL, NULL},
};

static int command_resume(const struct petrel_global *global, int argc, char **argv,
			  struct petrel_error **err)
{
	if (petrel_validate_container_id(argv[0], err) < 0)
		return -1;
	return petrel_resume(global->root, argv[0], err);
}

const struct petrel_command petrel_command_resume = {
	.name = "resume",
	.usage = "<container-id>",
	.summary = "thaw a paused container",
	.description =
		"   Thaws the processes of a container frozen by `petrel pause`; they carry\n"
		"   on where they stopped and the container is \"running\" again.",
	.options = resume_options,
	.args_mode = PETREL_ARGS_INTERMIXED,
	.min_args = 1,
	.max_args = 1,
	.run = command_resume,
};
