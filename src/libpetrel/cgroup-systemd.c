/* The systemd driver: the container's cgroup is a transient scope unit
 * made over D-Bus; what systemd cannot express is written to the delegated
 * cgroup directly. Once the scope exists its directories are ordinary
 * cgroupfs ones, so freezing, listing, signalling and statistics are the
 * cgroupfs driver's.
 *
 * The sd-bus client (StartTransientUnit and friends) is issue 8: until it
 * lands, --systemd-cgroup fails with a clear error rather than silently
 * falling back to cgroupfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>

#include "cgroup-internal.h"

#define SYSTEM_BUS "/run/dbus/system_bus_socket"

static int systemd_create(const struct petrel_cgroup_config *config, struct petrel_cgroup *cg,
			  struct petrel_error **err)
{
	(void)config, (void)cg;
	if (access(SYSTEM_BUS, F_OK) < 0 && access("/run/systemd/private", F_OK) < 0)
		return petrel_error_errno(
			err,
			"--systemd-cgroup: cannot reach systemd: no system bus at "
			"%s",
			SYSTEM_BUS);
	return petrel_error_set(err, ENOTSUP,
				"--systemd-cgroup: this petrel has no systemd cgroup driver; run "
				"without --systemd-cgroup to use cgroupfs");
}

static int systemd_update(const struct petrel_cgroup *cg, const struct oci_resources *r,
			  struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.update(cg, r, err);
}

static int systemd_enter(const struct petrel_cgroup *cg, pid_t pid, bool born_in_v2,
			 const char *sub, struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.enter(cg, pid, born_in_v2, sub, err);
}

static int systemd_enter_self(const struct petrel_cgroup *cg, bool born_in_v2, const char *sub,
			      struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.enter_self(cg, born_in_v2, sub, err);
}

static int systemd_freeze(const struct petrel_cgroup *cg, bool frozen, struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.freeze(cg, frozen, err);
}

static bool systemd_is_frozen(const struct petrel_cgroup *cg)
{
	return petrel_cgroup_driver_fs.is_frozen(cg);
}

static int systemd_pids(const struct petrel_cgroup *cg, pid_t **pids, size_t *n,
			struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.pids(cg, pids, n, err);
}

static int systemd_kill_all(const struct petrel_cgroup *cg, int signum, struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.kill_all(cg, signum, err);
}

static int systemd_destroy(const struct petrel_cgroup *cg, struct petrel_error **err)
{
	return petrel_cgroup_driver_fs.destroy(cg, err);
}

const struct petrel_cgroup_driver petrel_cgroup_driver_systemd = {
	.name = "systemd",
	.create = systemd_create,
	.enter = systemd_enter,
	.enter_self = systemd_enter_self,
	.update = systemd_update,
	.freeze = systemd_freeze,
	.is_frozen = systemd_is_frozen,
	.pids = systemd_pids,
	.kill_all = systemd_kill_all,
	.destroy = systemd_destroy,
};
