/* Shared by the cgroup*.c files only: the driver table, the resource writers
 * for v1 and v2 files, the device rules, and small cgroupfs file helpers. */
#ifndef PETREL_CGROUP_INTERNAL_H
#define PETREL_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

struct petrel_cgroup_driver {
	const char *name; /* recorded in the state: "cgroupfs", "systemd", "none" */
	/* Fills cg->dirs (and cg->unit) and applies the resources. */
	int (*create)(const struct petrel_cgroup_config *config, struct petrel_cgroup *cg,
		      struct petrel_error **err);
	int (*enter)(const struct petrel_cgroup *cg, pid_t pid, bool born_in_v2, const char *sub,
		     struct petrel_error **err);
	int (*enter_self)(const struct petrel_cgroup *cg, bool born_in_v2, const char *sub,
			  struct petrel_error **err);
	int (*update)(const struct petrel_cgroup *cg, const struct oci_resources *r,
		      struct petrel_error **err);
	int (*freeze)(const struct petrel_cgroup *cg, bool frozen, struct petrel_error **err);
	bool (*is_frozen)(const struct petrel_cgroup *cg);
	int (*pids)(const struct petrel_cgroup *cg, pid_t **pids, size_t *n,
		    struct petrel_error **err);
	int (*kill_all)(const struct petrel_cgroup *cg, int signum, struct petrel_error **err);
	int (*destroy)(const struct petrel_cgroup *cg, struct petrel_error **err);
};

extern const struct petrel_cgroup_driver petrel_cgroup_driver_fs;      /* cgroup-fs.c */
extern const struct petrel_cgroup_driver petrel_cgroup_driver_none;    /* cgroup.c */
extern const struct petrel_cgroup_driver petrel_cgroup_driver_systemd; /* cgroup-systemd.c */

/* One directory record in cg per hierarchy of layout, with its v2 flag and
 * controllers (cg->n of them; the paths are the driver's to fill in). */
int petrel_cgroup_dirs_new(struct petrel_cgroup *cg, const struct petrel_cgroup_layout *layout,
			   struct petrel_error **err);

/* cgroup-fs.c: makes every missing directory of dir->path below h's mount,
 * recording the first one made in dir->created_from; a new v1 cpuset gets
 * its parent's CPUs and memory nodes. On v2, with available_v2 (the root's
 * cgroup.controllers), each parent first passes on the controllers r
 * needs (an error if one of those cannot be enabled). */
int petrel_cgroup_make_dir(const struct petrel_cgroup_hierarchy *h, const char *available_v2,
			   const struct oci_resources *r, struct petrel_cgroup_dir *dir,
			   struct petrel_error **err);

/* ------------------------------------------------------------- ownership */

/* Which hierarchy enforces `controller` on this host (see cgroup.h). v1
 * names are accepted for v2 ("blkio" means "io"); "freezer" is owned by v2
 * whenever there is a v2 hierarchy and no v1 freezer (cgroup.freeze is in
 * the v2 core); "devices" likewise (an eBPF program needs no controller). */
enum petrel_cgroup_owner petrel_cgroup_owner(const struct petrel_cgroup_layout *layout,
					     const char *controller);
/* The container's directory for `controller`: the v1 dir whose hierarchy
 * binds it, or the v2 dir when v2 owns it; NULL when neither. */
const char *petrel_cgroup_dir_for(const struct petrel_cgroup *cg, const char *controller);
/* The container's v2 directory, or NULL. */
const char *petrel_cgroup_v2_dir(const struct petrel_cgroup *cg);

/* ------------------------------------------------------------ file access */

/* Writes value to dir/file. The error names both: `write "5" to
 * /sys/fs/cgroup/pids/a/pids.max: Invalid argument`. */
int petrel_cgroup_write(const char *dir, const char *file, const char *value,
			struct petrel_error **err);
int petrel_cgroup_writef(const char *dir, const char *file, struct petrel_error **err,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reads dir/file whole (malloc'd, trailing newline removed). */
int petrel_cgroup_read(const char *dir, const char *file, char **out, struct petrel_error **err);
/* A single number; "max" reads as UINT64_MAX. */
int petrel_cgroup_read_u64(const char *dir, const char *file, uint64_t *out,
			   struct petrel_error **err);

/* -------------------------------------------------------------- resources */

/* Write the parts of r whose controller this hierarchy kind owns (see
 * petrel_cgroup_owner) into the container's dirs. update: a later `update`
 * (values not given stay as they are). Errors name the file and the value.
 * cgroup-v1.c and cgroup-v2.c. */
int petrel_cgroup_v1_apply(const struct petrel_cgroup *cg, const struct oci_resources *r,
			   const struct petrel_cgroup_config *config, bool update,
			   struct petrel_error **err);
int petrel_cgroup_v2_apply(const struct petrel_cgroup *cg, const struct oci_resources *r,
			   const struct petrel_cgroup_config *config, bool update,
			   struct petrel_error **err);
/* memory.max of the v2 cgroup dir as a number for the swap arithmetic:
 * "max" is -1. (cgroup-v2.c) */
int petrel_cgroup_v2_current_memory_limit(const char *dir, int64_t *limit,
					  struct petrel_error **err);
/* The memory+swap total the v2 cgroup dir holds (memory.max +
 * memory.swap.max, see petrel_cgroup_v2_swap_total); 0 without swap
 * accounting or with unlimited swap. (cgroup-v2.c) */
int petrel_cgroup_v2_current_swap_total(const char *dir, int64_t *total, struct petrel_error **err);
/* An update on v2, where swap.max is swap alone, that gives one of
 * memory.limit and memory.swap (the memory+swap total): the other as dir
 * holds it (runc takes it from its saved config), so that a new limit
 * keeps the total and a new total keeps the limit. 1 with *limit and
 * *total both set and checked (a pair that does not fit is an error); 0
 * when there is nothing to keep (both or neither given, a new limit of 0
 * or less or a new total of 0 or less, no swap accounting or unlimited
 * swap for a new limit), *limit and *total then as m gives them (0 when
 * absent). Read before anything changes. (cgroup-v2.c) */
int petrel_cgroup_v2_memory_pair(const char *dir, const struct oci_memory *m, int64_t *limit,
				 int64_t *total, struct petrel_error **err);
/* An error naming the first part of r that no hierarchy of this host can
 * enforce ("cgroup controller \"rdma\" is not available on this host"), or
 * 0. unified keys need a v2 hierarchy. (cgroup-fs.c) */
int petrel_cgroup_check_available(const struct petrel_cgroup_layout *layout,
				  const struct oci_resources *r, struct petrel_error **err);

/* ---------------------------------------------------------------- devices */

/* One device cgroup rule. type 'a' (all), 'b' or 'c'; major/minor -1 for
 * any; access a subset of "rwm". */
struct petrel_device_rule {
	bool allow;
	char type;
	int64_t major, minor;
	char access[4];
};

/* The container's device rules, in order, the last matching rule deciding:
 * deny everything, then resources.devices, then the devices every container
 * gets (null, zero, full, random, urandom, tty, console, ptmx, pts, tun,
 * and mknod of any). linux.devices get no rule (as with runc): access to
 * them is what resources.devices allows. r may be NULL. (cgroup-devices.c) */
int petrel_cgroup_device_rules(const struct oci_resources *r, struct petrel_device_rule **rules,
			       size_t *n, struct petrel_error **err);
/* v2: builds a BPF_PROG_TYPE_CGROUP_DEVICE program from the rules and
 * attaches it to the cgroup (dir fd), replacing the one petrel attached
 * before (BPF_F_ALLOW_MULTI with BPF_F_REPLACE, or detach + attach).
 * (cgroup-devices-bpf.c) */
int petrel_cgroup_devices_bpf_apply(int cgroup_fd, const struct petrel_device_rule *rules, size_t n,
				    struct petrel_error **err);

#endif
