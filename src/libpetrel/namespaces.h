/* Namespaces: the spec's types and their clone flags, the plan of which to
 * create and which to join (by path, opened before anything is cloned so a
 * bad path fails early), joining them in the right order, and writing the
 * user-namespace id maps and time offsets. */
#ifndef PETREL_NAMESPACES_H
#define PETREL_NAMESPACES_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "libocispec/ocispec.h"

#define PETREL_NS_COUNT 8

struct petrel_ns_plan {
	int new_flags;                 /* CLONE_NEW* to create */
	int join_fds[PETREL_NS_COUNT]; /* by type index; -1 when not joined */
	int join_flags;                /* CLONE_NEW* of the joined ones */
};

/* "pid" -> CLONE_NEWPID, 0 when unknown. */
int petrel_ns_flag(const char *type);
/* CLONE_NEWPID -> "pid" (the /proc/<pid>/ns/ name). */
const char *petrel_ns_proc_name(int flag);
/* The spec's names of every namespace type petrel supports, for `features`. */
extern const char *const petrel_ns_types[PETREL_NS_COUNT];

/* Resolves linux.namespaces into a plan, opening the paths to join. */
int petrel_ns_plan(const struct oci_linux *lx, struct petrel_ns_plan *plan,
		   struct petrel_error **err);
void petrel_ns_plan_release(struct petrel_ns_plan *plan);
/* Joins the planned namespaces: the user namespace first (so the others are
 * joined with its privileges), then the rest; closes the fds. */
int petrel_ns_join(struct petrel_ns_plan *plan, struct petrel_error **err);

/* Writes /proc/<pid>/uid_map and gid_map from the config's mappings. */
int petrel_ns_write_id_maps(pid_t pid, const struct oci_linux *lx, struct petrel_error **err);
/* Writes linux.timeOffsets to /proc/self/timens_offsets (after
 * unshare(CLONE_NEWTIME), before any process enters the namespace). */
int petrel_ns_write_time_offsets(const struct oci_linux *lx, struct petrel_error **err);
/* Brings up the loopback interface of a new network namespace, as runc and
 * crun do (a container without networking still has a working lo). */
int petrel_ns_loopback_up(struct petrel_error **err);

#endif
