/* The commands that act on a container through its cgroup: pause, resume,
 * ps and update. */
#define _GNU_SOURCE
#include <errno.h>

#include "cgroup.h"
#include "container.h"
#include "log.h"
#include "state.h"

/* Opens the container (locked when it is to change) and its cgroup. */
static int open_with_cgroup(const char *root, const char *id, bool exclusive,
			    struct petrel_container **c, struct petrel_cgroup **cg,
			    struct petrel_error **err)
{
	if (petrel_container_open(root, id, exclusive, c, err) < 0)
		return -1;
	if (petrel_cgroup_from_state(id, (*c)->state->cgroup, cg, err) < 0) {
		petrel_container_free(*c);
		*c = NULL;
		return -1;
	}
	return 0;
}

int petrel_pause(const char *root, const char *id, struct petrel_error **err)
{
	cleanup_container struct petrel_container *c = NULL;
	cleanup_cgroup struct petrel_cgroup *cg = NULL;
	if (open_with_cgroup(root, id, true, &c, &cg, err) < 0)
		return -1;
	enum petrel_status status = petrel_container_status(c);
	if (status != PETREL_STATUS_RUNNING && status != PETREL_STATUS_CREATED)
		return petrel_error_set(err, 0, "container %s is not running (status: %s)", id,
					petrel_status_name(status));
	return petrel_cgroup_freeze(cg, true, err);
}

int petrel_resume(const char *root, const char *id, struct petrel_error **err)
{
	cleanup_container struct petrel_container *c = NULL;
	cleanup_cgroup struct petrel_cgroup *cg = NULL;
	if (open_with_cgroup(root, id, true, &c, &cg, err) < 0)
		return -1;
	if (petrel_container_status(c) != PETREL_STATUS_PAUSED && !petrel_cgroup_is_frozen(cg))
		return petrel_error_set(err, 0, "container %s is not paused", id);
	return petrel_cgroup_freeze(cg, false, err);
}

int petrel_pids(const char *root, const char *id, pid_t **pids, size_t *n,
		struct petrel_error **err)
{
	cleanup_container struct petrel_container *c = NULL;
	cleanup_cgroup struct petrel_cgroup *cg = NULL;
	if (open_with_cgroup(root, id, false, &c, &cg, err) < 0)
		return -1;
	return petrel_cgroup_pids(cg, pids, n, err);
}

int petrel_update(const char *root, const char *id, const struct oci_resources *r,
		  struct petrel_error **err)
{
	cleanup_container struct petrel_container *c = NULL;
	cleanup_cgroup struct petrel_cgroup *cg = NULL;
	if (open_with_cgroup(root, id, true, &c, &cg, err) < 0)
		return -1;
	if (petrel_container_status(c) == PETREL_STATUS_STOPPED)
		return petrel_error_set(err, 0, "container %s is not running", id);
	if (r->memory == NULL || (!r->memory->has_kernel && !r->memory->has_kernel_tcp))
		return petrel_cgroup_update(cg, r, err);

	/* As runc (>= 1.1) updates: kernel memory limits are obsolete, and
	 * are dropped with a warning rather than written. */
	petrel_warn("kernel memory settings are ignored and will be removed");
	struct oci_memory memory = *r->memory;
	struct oci_resources without_kernel = *r;
	memory.has_kernel = memory.has_kernel_tcp = false;
	without_kernel.memory = &memory;
	return petrel_cgroup_update(cg, &without_kernel, err);
}
