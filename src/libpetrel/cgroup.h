/* A container's cgroup, whichever driver made it. Nothing outside cgroup*.c
 * knows which driver runs: create and enter it, apply and update
 * linux.resources, freeze and thaw it, list and signal its processes, read
 * its statistics, and destroy it. The driver and the directories are
 * recorded in the container's state (struct oci_petrel_cgroup_state), so
 * every later command works on what create made.
 *
 * Drivers: "cgroupfs" (cgroup-fs.c: writes cgroupfs directly, on pure v1,
 * pure v2 and hybrid hosts), "systemd" (a transient scope over sd-bus) and
 * "none" (no cgroup: a rootless petrel without a delegated cgroup, or a
 * container recorded before petrel had cgroups). */
#ifndef PETREL_CGROUP_H
#define PETREL_CGROUP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "libocispec/ocispec.h"

/* The host's cgroup layout. */
enum petrel_cgroup_mode {
	PETREL_CGROUP_V1,     /* only v1 hierarchies */
	PETREL_CGROUP_V2,     /* cgroup2 at the root of the cgroup mount */
	PETREL_CGROUP_HYBRID, /* v1 controllers plus a cgroup2 mount (e.g. .../unified) */
	PETREL_CGROUP_NONE,   /* no cgroup filesystem */
};

struct petrel_cgroup_hierarchy {
	char *mount;       /* "/sys/fs/cgroup/memory", "/sys/fs/cgroup" */
	char *root;        /* the cgroup mounted there ("/" unless in a cgroup namespace) */
	char *controllers; /* v1: "cpu,cpuacct", "name=systemd"; v2: "" */
	bool v2;
};

struct petrel_cgroup_layout {
	enum petrel_cgroup_mode mode;
	struct petrel_cgroup_hierarchy *hierarchies; /* v1 ones first, the v2 one last */
	size_t n;
	char *v2_controllers; /* the v2 root's cgroup.controllers, space-separated, or NULL */
};

/* Reads /proc/self/mountinfo (cached for the life of the process). */
int petrel_cgroup_layout(const struct petrel_cgroup_layout **out, struct petrel_error **err);

/* Which hierarchy enforces a controller ("memory", "cpu", "io" or "blkio",
 * "hugetlb", ...): the v1 one that has it bound, else the v2 one when its
 * cgroup.controllers lists it (the v2 name: "io" for "blkio"). */
enum petrel_cgroup_owner { PETREL_OWNER_NONE, PETREL_OWNER_V1, PETREL_OWNER_V2 };

/* One directory of the container's cgroup, in one hierarchy. */
struct petrel_cgroup_dir {
	char *controllers;  /* as struct petrel_cgroup_hierarchy; "" for v2 */
	char *path;         /* absolute: "/sys/fs/cgroup/memory/a/b" */
	char *created_from; /* the first directory of path petrel made, or NULL */
	bool v2;
};

struct petrel_cgroup_driver;

struct petrel_cgroup {
	const struct petrel_cgroup_driver *driver;
	char *id;                       /* the container's id */
	char *unit;                     /* systemd: the scope's name, else NULL */
	struct petrel_cgroup_dir *dirs; /* v1 ones first, the v2 one last */
	size_t n;
	int v2_fd; /* O_PATH|O_DIRECTORY fd of the v2 dir for CLONE_INTO_CGROUP, or -1 */
};

/* What create passes. */
struct petrel_cgroup_config {
	const char *id;
	const char *cgroups_path;                 /* linux.cgroupsPath, or NULL */
	const struct oci_resources *resources;    /* or NULL */
	const struct oci_linux *linux;            /* for the device rules (linux.devices) */
	const struct oci_string_map *annotations; /* or NULL */
	bool systemd;                             /* --systemd-cgroup */
	bool rootless;                            /* euid != 0 */
};

/* Makes the container's cgroup (every directory, resources applied, not yet
 * holding any process) and opens v2_fd. On failure nothing is left behind. */
int petrel_cgroup_create(const struct petrel_cgroup_config *config, struct petrel_cgroup **out,
			 struct petrel_error **err);

/* Moves pid into the container's cgroup, in every hierarchy the clone did
 * not already put it in (born_in_v2: it was cloned with CLONE_INTO_CGROUP
 * into its v2 directory: v2_fd, or the one petrel_cgroup_sub_check gave).
 * sub is runc's `exec --cgroup` arguments, one a line: a single "path", or
 * "controller[,controller]:path" lines (v1 hierarchies; the others stay in
 * the container's cgroup), paths relative to the container's cgroup; or
 * NULL. */
int petrel_cgroup_enter(const struct petrel_cgroup *cg, pid_t pid, bool born_in_v2, const char *sub,
			struct petrel_error **err);

/* The same for the calling process, which must be single-threaded and still
 * privileged over the host's cgroupfs (no new user namespace yet). On v1 it
 * writes "0" to each directory's `tasks`: a thread moving itself skips the
 * kernel's global cgroup_threadgroup_rwsem write lock and its RCU grace
 * period, which costs about 10 ms per move through cgroup.procs. */
int petrel_cgroup_enter_self(const struct petrel_cgroup *cg, bool born_in_v2, const char *sub,
			     struct petrel_error **err);

/* `exec --cgroup`: checks sub (as petrel_cgroup_enter takes it) against
 * the container's cgroup: known controllers, one path a hierarchy, relative
 * paths without "..". *v2_dir (malloc'd) is the v2 directory the process is
 * to be born in, or NULL for the container's own. */
int petrel_cgroup_sub_check(const struct petrel_cgroup *cg, const char *sub, char **v2_dir,
			    struct petrel_error **err);

/* The v2 directory process pid is in (malloc'd, absolute), from the "0::"
 * line of /proc/PID/cgroup: where exec puts its process when the
 * container's cgroup cannot take it (runc's fallback to the init's). */
int petrel_cgroup_v2_dir_of(pid_t pid, char **out, struct petrel_error **err);
/* Moves the calling process into the v2 directory dir. */
int petrel_cgroup_enter_v2_dir_self(const char *dir, struct petrel_error **err);

/* True when a process cloned into v2_fd is in all of the container's cgroup
 * (pure v2): then create need not wait for petrel_cgroup_enter(). */
bool petrel_cgroup_born_complete(const struct petrel_cgroup *cg);

/* Writes linux.resources (update: only the values given; the device rules
 * are replaced when the update has any). */
int petrel_cgroup_update(const struct petrel_cgroup *cg, const struct oci_resources *r,
			 struct petrel_error **err);

/* Freezes (waits until every process is frozen) or thaws. */
int petrel_cgroup_freeze(const struct petrel_cgroup *cg, bool frozen, struct petrel_error **err);
/* True when the cgroup is frozen (for `state`: paused). */
bool petrel_cgroup_is_frozen(const struct petrel_cgroup *cg);

/* The pids in the container's cgroup (malloc'd, sorted). */
int petrel_cgroup_pids(const struct petrel_cgroup *cg, pid_t **pids, size_t *n,
		       struct petrel_error **err);
/* Signals every process in the cgroup (cgroup.kill on v2 for SIGKILL); a
 * frozen cgroup is thawed after the signal is queued, so SIGKILL works on a
 * paused container. */
int petrel_cgroup_kill_all(const struct petrel_cgroup *cg, int signum, struct petrel_error **err);

/* Kills what is left, waits for the cgroup to empty, and removes the
 * directories petrel created (never one it did not). */
int petrel_cgroup_destroy(const struct petrel_cgroup *cg, struct petrel_error **err);

/* State record <-> struct petrel_cgroup. A NULL record (a container from
 * before cgroups) gives the "none" driver. */
int petrel_cgroup_to_state(const struct petrel_cgroup *cg, struct oci_petrel_cgroup_state **out,
			   struct petrel_error **err);
int petrel_cgroup_from_state(const char *id, const struct oci_petrel_cgroup_state *s,
			     struct petrel_cgroup **out, struct petrel_error **err);

void petrel_cgroup_free(struct petrel_cgroup *cg);
static inline void petrel_cgroup_freep(struct petrel_cgroup **cg)
{
	petrel_cgroup_free(*cg);
}
#define cleanup_cgroup __attribute__((cleanup(petrel_cgroup_freep)))

/* Statistics for `events`, runc's types (libcontainer/cgroups/stats.go as
 * `runc events` prints them). Values absent on this host stay 0. */
struct oci_event_stats;
int petrel_cgroup_stats(const struct petrel_cgroup *cg, struct oci_event_stats **out,
			struct petrel_error **err);
/* An fd that becomes readable when the cgroup hits an OOM kill (v1:
 * eventfd on memory.oom_control; v2: inotify on memory.events), and the
 * function that says, after it became readable, how many OOM kills there
 * were since the last call. */
int petrel_cgroup_oom_fd(const struct petrel_cgroup *cg, struct petrel_error **err);
int petrel_cgroup_oom_events(const struct petrel_cgroup *cg, int fd, uint64_t *count,
			     struct petrel_error **err);

#endif
