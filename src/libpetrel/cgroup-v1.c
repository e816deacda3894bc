/* Writes linux.resources into the v1 hierarchies this host binds, one
 * controller after another in runc's order (cpuset, devices, memory, cpu,
 * pids, blkio, hugetlb, net_cls, net_prio, rdma). The kernel checks each
 * write against the values already there, so some pairs (memory and
 * memory+swap, CFS period and quota, RT period and runtime) are written in
 * the order that lets both succeed, as runc does. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-devices.h"
#include "cgroup-internal.h"
#include "cgroup-translate.h"
#include "cleanup.h"
#include "log.h"

/* Hands an error kept aside back to the caller; returns -1. */
static int pass_error(struct petrel_error **err, struct petrel_error **kept)
{
	if (err) {
		petrel_error_free(*err);
		*err = steal_ptr(kept);
	} else {
		petrel_error_free(steal_ptr(kept));
	}
	return -1;
}

static void drop_error(struct petrel_error **kept)
{
	petrel_error_free(steal_ptr(kept));
}

static int error_errno(const struct petrel_error *e)
{
	return e ? e->errnum : 0;
}

static bool file_exists(const char *dir, const char *file)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return false;
	return access(path, F_OK) == 0;
}

/* The container's directory for a controller v1 enforces here, in *dir;
 * NULL when v1 does not own the controller (v2 does, or nothing does:
 * petrel_cgroup_check_available() reported that before). */
static int v1_dir(const struct petrel_cgroup *cg, const struct petrel_cgroup_layout *layout,
		  const char *controller, const char **dir, struct petrel_error **err)
{
	*dir = NULL;
	if (petrel_cgroup_owner(layout, controller) != PETREL_OWNER_V1)
		return 0;
	*dir = petrel_cgroup_dir_for(cg, controller);
	if (*dir == NULL)
		return petrel_error_set(err, 0, "the container's cgroup has no %s directory",
					controller);
	return 0;
}

/* ---------------------------------------------------------------- cpuset */

/* A cpuset hierarchy mounted with noprefix names its files "cpus", "mems". */
static const char *cpuset_file(const char *dir, const char *name)
{
	static const char *const prefixed[] = {"cpuset.cpus", "cpuset.mems"};
	const char *file = strcmp(name, "cpus") == 0 ? prefixed[0] : prefixed[1];

	if (!file_exists(dir, file) && file_exists(dir, name))
		return name;
	return file;
}

static int apply_cpuset(const char *dir, const struct oci_cpu *c, struct petrel_error **err)
{
	if (c->cpus && c->cpus[0] &&
	    petrel_cgroup_write(dir, cpuset_file(dir, "cpus"), c->cpus, err) < 0)
		return -1;
	if (c->mems && c->mems[0] &&
	    petrel_cgroup_write(dir, cpuset_file(dir, "mems"), c->mems, err) < 0)
		return -1;
	return 0;
}

/* --------------------------------------------------------------- devices */

/* Replaces the cgroup's device list: deny everything, then each rule in
 * order (the kernel keeps exceptions; a later rule overrides). */
static int apply_devices(const char *dir, const struct oci_resources *r, struct petrel_error **err)
{
	cleanup_free struct petrel_device_rule *rules = NULL;
	size_t n = 0;
	char line[PETREL_DEVICE_RULE_LINE_MAX];

	if (petrel_cgroup_device_rules(r, &rules, &n, err) < 0)
		return -1;
	if (petrel_cgroup_write(dir, "devices.deny", "a", err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		petrel_device_rule_line(&rules[i], line);
		if (petrel_cgroup_write(dir, rules[i].allow ? "devices.allow" : "devices.deny",
					line, err) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- memory */

static int set_memory_limit(const char *dir, int64_t limit, struct petrel_error **err)
{
	cleanup_error struct petrel_error *kept = NULL;
	uint64_t usage = 0, peak = 0;

	if (limit == 0)
		return 0;
	if (petrel_cgroup_writef(dir, "memory.limit_in_bytes", &kept, "%" PRId64, limit) == 0)
		return 0;
	if (error_errno(kept) != EBUSY)
		return pass_error(err, &kept);
	/* EBUSY: the kernel could not reclaim down to the new limit. */
	if (petrel_cgroup_read_u64(dir, "memory.usage_in_bytes", &usage, err) < 0 ||
	    petrel_cgroup_read_u64(dir, "memory.max_usage_in_bytes", &peak, err) < 0)
		return -1;
	return petrel_error_set_quiet(err, EBUSY,
				      "unable to set memory limit to %" PRId64
				      " (current usage: %" PRIu64 ", peak usage: %" PRIu64 ")",
				      limit, usage, peak);
}

static int set_memory_swap(const char *dir, int64_t swap, struct petrel_error **err)
{
	if (swap == 0)
		return 0;
	return petrel_cgroup_writef(dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap);
}

/* memory.limit_in_bytes may never exceed memory.memsw.limit_in_bytes, so
 * raising both writes memsw first and lowering both writes memory first. */
static int set_memory_and_swap(const char *dir, int64_t limit, int64_t swap,
			       struct petrel_error **err)
{
	/* Unlimited memory without a word on swap: unlimited swap too. */
	if (limit == -1 && swap == 0 && file_exists(dir, "memory.memsw.limit_in_bytes"))
		swap = -1;

	if (limit != 0 && swap != 0) {
		uint64_t current = 0;
		if (petrel_cgroup_read_u64(dir, "memory.limit_in_bytes", &current, err) < 0)
			return -1;
		if (swap == -1 || current < (uint64_t)swap) {
			if (set_memory_swap(dir, swap, err) < 0)
				return -1;
			return set_memory_limit(dir, limit, err);
		}
	}
	if (set_memory_limit(dir, limit, err) < 0)
		return -1;
	return set_memory_swap(dir, swap, err);
}

/* checkBeforeUpdate: refuse a limit at or below what the cgroup uses now
 * rather than have the kernel reclaim (or OOM-kill) to reach it. Best
 * effort, as in runc: unreadable usage lets the update through. */
static int check_memory_usage(const char *dir, int64_t limit, int64_t swap,
			      struct petrel_error **err)
{
	cleanup_error struct petrel_error *ignored = NULL;
	uint64_t usage = 0, swap_usage = 0;

	if (limit <= 0 && swap <= 0)
		return 0;
	if (petrel_cgroup_read_u64(dir, "memory.usage_in_bytes", &usage, &ignored) < 0)
		return 0;
	if (swap > 0) {
		/* memsw counts memory plus swap, as the OCI swap value does. */
		if (petrel_cgroup_read_u64(dir, "memory.memsw.usage_in_bytes", &swap_usage,
					   &ignored) < 0)
			swap_usage = usage;
		if ((uint64_t)swap <= swap_usage)
			return petrel_error_set(
				err, 0, "rejecting memory+swap limit %" PRId64 " <= usage %" PRIu64,
				swap, swap_usage);
	}
	if (limit > 0 && (uint64_t)limit <= usage)
		return petrel_error_set(err, 0,
					"rejecting memory limit %" PRId64 " <= usage %" PRIu64,
					limit, usage);
	return 0;
}

static int apply_memory(const char *dir, const struct oci_memory *m, bool update,
			struct petrel_error **err)
{
	int64_t limit = m->has_limit ? m->limit : 0;
	int64_t swap = m->has_swap ? m->swap : 0;

	if (update && m->has_check_before_update && m->check_before_update &&
	    check_memory_usage(dir, limit, swap, err) < 0)
		return -1;
	if (set_memory_and_swap(dir, limit, swap, err) < 0)
		return -1;

	if (m->has_reservation && m->reservation != 0 &&
	    petrel_cgroup_writef(dir, "memory.soft_limit_in_bytes", err, "%" PRId64,
				 m->reservation) < 0)
		return -1;

	/* Kernel memory limits are gone from cgroup v2 and, since Linux 6.1,
	 * refused by v1; runc ignores them. */
	if (m->has_kernel)
		petrel_warn("linux.resources.memory.kernel is ignored: kernel memory limits are "
			    "obsolete");
	if (m->has_kernel_tcp && m->kernel_tcp != 0) {
		if (file_exists(dir, "memory.kmem.tcp.limit_in_bytes")) {
			if (petrel_cgroup_writef(dir, "memory.kmem.tcp.limit_in_bytes", err,
						 "%" PRId64, m->kernel_tcp) < 0)
				return -1;
		} else {
			petrel_warn("linux.resources.memory.kernelTCP is ignored: this kernel has "
				    "no memory.kmem.tcp.limit_in_bytes");
		}
	}

	if (m->has_disable_oom_killer && m->disable_oom_killer &&
	    petrel_cgroup_write(dir, "memory.oom_control", "1", err) < 0)
		return -1;
	if (m->has_use_hierarchy &&
	    petrel_cgroup_write(dir, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", err) < 0)
		return -1;

	/* -1 read into an unsigned field means "leave it" (runc's reading). */
	if (m->has_swappiness && m->swappiness != UINT64_MAX) {
		if (m->swappiness > 100)
			return petrel_error_set(err, 0,
						"invalid memory swappiness value: %" PRIu64
						" (valid range is 0-100)",
						m->swappiness);
		if (petrel_cgroup_writef(dir, "memory.swappiness", err, "%" PRIu64, m->swappiness) <
		    0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------- cpu */

/* Writes a value whose partner is written next: an EINVAL now may only
 * mean the partner's current value forbids it, so the caller retries after
 * writing the partner. *retry says so; other errors (or EINVAL with no
 * partner coming) fail. ENOENT fails too unless absent_ok (the file does
 * not exist on older kernels), which warns and skips. */
static int write_before_partner(const char *dir, const char *file, const char *value,
				bool partner_follows, bool absent_ok, bool *retry,
				struct petrel_error **err)
{
	cleanup_error struct petrel_error *kept = NULL;

	*retry = false;
	if (petrel_cgroup_write(dir, file, value, &kept) == 0)
		return 0;
	if (absent_ok && error_errno(kept) == ENOENT) {
		petrel_warn("%s/%s does not exist: the value %s is ignored", dir, file, value);
		return 0;
	}
	if (error_errno(kept) != EINVAL || !partner_follows)
		return pass_error(err, &kept);
	drop_error(&kept);
	*retry = true;
	return 0;
}

static int set_cpu_shares(const char *dir, uint64_t shares, struct petrel_error **err)
{
	uint64_t got = 0;

	if (petrel_cgroup_writef(dir, "cpu.shares", err, "%" PRIu64, shares) < 0 ||
	    petrel_cgroup_read_u64(dir, "cpu.shares", &got, err) < 0)
		return -1;
	/* The kernel clamps to [2, 262144] without failing the write. */
	if (shares > got)
		return petrel_error_set(err, 0, "the maximum allowed cpu-shares is %" PRIu64, got);
	if (shares < got)
		return petrel_error_set(err, 0, "the minimum allowed cpu-shares is %" PRIu64, got);
	return 0;
}

static int set_cpu_rt(const char *dir, const struct oci_cpu *c, struct petrel_error **err)
{
	uint64_t period = c->has_realtime_period ? c->realtime_period : 0;
	int64_t runtime = c->has_realtime_runtime ? c->realtime_runtime : 0;
	char value[24];
	bool retry = false;

	snprintf(value, sizeof(value), "%" PRIu64, period);
	if (period != 0 && write_before_partner(dir, "cpu.rt_period_us", value, runtime != 0, false,
						&retry, err) < 0)
		return -1;
	if (runtime != 0) {
		if (petrel_cgroup_writef(dir, "cpu.rt_runtime_us", err, "%" PRId64, runtime) < 0)
			return -1;
		if (retry && petrel_cgroup_write(dir, "cpu.rt_period_us", value, err) < 0)
			return -1;
	}
	return 0;
}

static int apply_cpu(const char *dir, const struct oci_cpu *c, struct petrel_error **err)
{
	uint64_t period = c->has_period ? c->period : 0;
	int64_t quota = c->has_quota ? c->quota : 0;
	char period_value[24], burst_value[24];
	bool period_retry = false, burst_retry = false;

	if (c->has_shares && c->shares != 0 && set_cpu_shares(dir, c->shares, err) < 0)
		return -1;

	/* The quota must fit the period and the burst the quota: the first
	 * write may be refused until the quota is written. */
	snprintf(period_value, sizeof(period_value), "%" PRIu64, period);
	if (period != 0 && write_before_partner(dir, "cpu.cfs_period_us", period_value, quota != 0,
						false, &period_retry, err) < 0)
		return -1;
	snprintf(burst_value, sizeof(burst_value), "%" PRIu64, c->burst);
	if (c->has_burst && write_before_partner(dir, "cpu.cfs_burst_us", burst_value, quota != 0,
						 true, &burst_retry, err) < 0)
		return -1;
	if (quota != 0) {
		if (petrel_cgroup_writef(dir, "cpu.cfs_quota_us", err, "%" PRId64, quota) < 0)
			return -1;
		if (period_retry &&
		    petrel_cgroup_write(dir, "cpu.cfs_period_us", period_value, err) < 0)
			return -1;
		if (burst_retry &&
		    petrel_cgroup_write(dir, "cpu.cfs_burst_us", burst_value, err) < 0)
			return -1;
	}

	if (c->has_idle && petrel_cgroup_writef(dir, "cpu.idle", err, "%" PRId64, c->idle) < 0)
		return -1;
	return set_cpu_rt(dir, c, err);
}

static bool cpu_wanted(const struct oci_cpu *c)
{
	return c && ((c->has_shares && c->shares != 0) || (c->has_period && c->period != 0) ||
		     (c->has_quota && c->quota != 0) || c->has_burst || c->has_idle ||
		     (c->has_realtime_period && c->realtime_period != 0) ||
		     (c->has_realtime_runtime && c->realtime_runtime != 0));
}

/* ------------------------------------------------------------------ pids */

static int apply_pids(const char *dir, const struct oci_pids *p, struct petrel_error **err)
{
	/* As runc on both versions and both drivers: 0 is written as 1, a
	 * negative limit as "max". */
	char value[PETREL_CGROUP_VALUE_MAX];
	petrel_cgroup_pids_max(p->limit, value);
	return petrel_cgroup_write(dir, "pids.max", value, err);
}

/* ----------------------------------------------------------------- blkio */

/* The proportional-weight files: CFQ's, or BFQ's under their own names. */
struct blkio_weight_files {
	const char *weight, *weight_device;
};

static struct blkio_weight_files blkio_weight_files(const char *dir)
{
	if (file_exists(dir, "blkio.weight"))
		return (struct blkio_weight_files){"blkio.weight", "blkio.weight_device"};
	return (struct blkio_weight_files){"blkio.bfq.weight", "blkio.bfq.weight_device"};
}

static int check_weight_file(const char *dir, const char *file, const char *field,
			     struct petrel_error **err)
{
	if (file_exists(dir, file))
		return 0;
	return petrel_error_set_quiet(err, ENOENT,
				      "linux.resources.blockIO.%s: %s/%s does not exist (the "
				      "disks' I/O scheduler has no weights)",
				      field, dir, file);
}

static int write_throttle(const char *dir, const char *file, const struct oci_throttle_device *t,
			  size_t n, struct petrel_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (petrel_cgroup_writef(dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64,
					 t[i].major, t[i].minor, t[i].rate) < 0)
			return -1;
	return 0;
}

static int apply_blkio(const char *dir, const struct oci_block_io *b, struct petrel_error **err)
{
	struct blkio_weight_files files = blkio_weight_files(dir);

	if (b->has_weight && b->weight != 0) {
		if (check_weight_file(dir, files.weight, "weight", err) < 0 ||
		    petrel_cgroup_writef(dir, files.weight, err, "%" PRIu16, b->weight) < 0)
			return -1;
	}
	if (b->has_leaf_weight && b->leaf_weight != 0 &&
	    petrel_cgroup_writef(dir, "blkio.leaf_weight", err, "%" PRIu16, b->leaf_weight) < 0)
		return -1;
	for (size_t i = 0; i < b->weight_device_len; i++) {
		const struct oci_weight_device *w = &b->weight_device[i];
		if (w->has_weight && w->weight != 0) {
			if (check_weight_file(dir, files.weight_device, "weightDevice", err) < 0 ||
			    petrel_cgroup_writef(dir, files.weight_device, err,
						 "%" PRId64 ":%" PRId64 " %" PRIu16, w->major,
						 w->minor, w->weight) < 0)
				return -1;
		}
		if (w->has_leaf_weight && w->leaf_weight != 0 &&
		    petrel_cgroup_writef(dir, "blkio.leaf_weight_device", err,
					 "%" PRId64 ":%" PRId64 " %" PRIu16, w->major, w->minor,
					 w->leaf_weight) < 0)
			return -1;
	}
	if (write_throttle(dir, "blkio.throttle.read_bps_device", b->throttle_read_bps_device,
			   b->throttle_read_bps_device_len, err) < 0 ||
	    write_throttle(dir, "blkio.throttle.write_bps_device", b->throttle_write_bps_device,
			   b->throttle_write_bps_device_len, err) < 0 ||
	    write_throttle(dir, "blkio.throttle.read_iops_device", b->throttle_read_iops_device,
			   b->throttle_read_iops_device_len, err) < 0 ||
	    write_throttle(dir, "blkio.throttle.write_iops_device", b->throttle_write_iops_device,
			   b->throttle_write_iops_device_len, err) < 0)
		return -1;
	return 0;
}

/* --------------------------------------------------------------- hugetlb */

/* "2MB", "1GB": the size becomes part of a file name. */
static bool valid_page_size(const char *size)
{
	if (size == NULL || size[0] == '\0')
		return false;
	for (const char *p = size; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= 'a' && *p <= 'z')))
			return false;
	return true;
}

static int apply_hugetlb(const char *dir, const struct oci_hugepage_limit *h, size_t n,
			 struct petrel_error **err)
{
	bool rsvd = true;
	char file[96];

	for (size_t i = 0; i < n; i++) {
		if (!valid_page_size(h[i].page_size) || strlen(h[i].page_size) > 32)
			return petrel_error_set(err, 0,
						"linux.resources.hugepageLimits[%zu]: invalid page "
						"size \"%s\"",
						i, h[i].page_size ? h[i].page_size : "");
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", h[i].page_size);
		if (petrel_cgroup_writef(dir, file, err, "%" PRIu64, h[i].limit) < 0)
			return -1;
		if (!rsvd)
			continue;
		/* Reservations are limited too where the kernel has them (5.7). */
		cleanup_error struct petrel_error *kept = NULL;
		snprintf(file, sizeof(file), "hugetlb.%s.rsvd.limit_in_bytes", h[i].page_size);
		if (petrel_cgroup_writef(dir, file, &kept, "%" PRIu64, h[i].limit) < 0) {
			if (error_errno(kept) != ENOENT)
				return pass_error(err, &kept);
			rsvd = false;
		}
	}
	return 0;
}

/* --------------------------------------------------- net_cls, net_prio, rdma */

static int apply_net_prio(const char *dir, const struct oci_network *net, struct petrel_error **err)
{
	for (size_t i = 0; i < net->priorities_len; i++)
		if (petrel_cgroup_writef(dir, "net_prio.ifpriomap", err, "%s %" PRIu32,
					 net->priorities[i].name, net->priorities[i].priority) < 0)
			return -1;
	return 0;
}

static int apply_rdma(const char *dir, const struct oci_resources *r, struct petrel_error **err)
{
	for (size_t i = 0; i < r->rdma_len; i++) {
		const struct oci_rdma *l = &r->rdma[i];
		char handles[32] = "", objects[32] = "";

		if (!l->has_hca_handles && !l->has_hca_objects)
			continue;
		if (l->has_hca_handles)
			snprintf(handles, sizeof(handles), " hca_handle=%" PRIu32, l->hca_handles);
		if (l->has_hca_objects)
			snprintf(objects, sizeof(objects), " hca_object=%" PRIu32, l->hca_objects);
		if (petrel_cgroup_writef(dir, "rdma.max", err, "%s%s%s", r->rdma_keys[i], handles,
					 objects) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ apply */

static bool throttles_wanted(const struct oci_block_io *b)
{
	return b->throttle_read_bps_device_len || b->throttle_write_bps_device_len ||
	       b->throttle_read_iops_device_len || b->throttle_write_iops_device_len;
}

static int apply_devices_rootless_aware(const char *dir, const struct petrel_cgroup_config *config,
					const struct oci_resources *r, struct petrel_error **err)
{
	cleanup_error struct petrel_error *kept = NULL;

	if (apply_devices(dir, r, &kept) == 0)
		return 0;
	/* A rootless runtime is not expected to manage device access (runc
	 * ignores these errors too); the user namespace still guards mknod. */
	if (config && config->rootless) {
		petrel_warn("device cgroup rules not applied: %s", petrel_error_message(kept));
		return 0;
	}
	return pass_error(err, &kept);
}

static bool blkio_wanted(const struct oci_block_io *b)
{
	return b && ((b->has_weight && b->weight) || (b->has_leaf_weight && b->leaf_weight) ||
		     b->weight_device_len || throttles_wanted(b));
}

int petrel_cgroup_v1_apply(const struct petrel_cgroup *cg, const struct oci_resources *r,
			   const struct petrel_cgroup_config *config, bool update,
			   struct petrel_error **err)
{
	const struct petrel_cgroup_layout *layout = NULL;
	const struct oci_cpu *cpu = r ? r->cpu : NULL;
	const struct oci_network *net = r ? r->network : NULL;
	const char *dir = NULL;

	if (petrel_cgroup_layout(&layout, err) < 0)
		return -1;

	/* Each step looks its directory up only when it has something to
	 * write; dir is NULL when v1 does not own the controller. */
	if (cpu && ((cpu->cpus && cpu->cpus[0]) || (cpu->mems && cpu->mems[0]))) {
		if (v1_dir(cg, layout, "cpuset", &dir, err) < 0 ||
		    (dir && apply_cpuset(dir, cpu, err) < 0))
			return -1;
	}
	/* create always confines devices, with or without resources; update
	 * replaces the rules only when it brings some. */
	if (!update || (r && r->devices)) {
		if (v1_dir(cg, layout, "devices", &dir, err) < 0 ||
		    (dir && apply_devices_rootless_aware(dir, config, r, err) < 0))
			return -1;
	}
	if (r == NULL)
		return 0;
	if (r->memory) {
		if (v1_dir(cg, layout, "memory", &dir, err) < 0 ||
		    (dir && apply_memory(dir, r->memory, update, err) < 0))
			return -1;
	}
	if (cpu_wanted(cpu)) {
		if (v1_dir(cg, layout, "cpu", &dir, err) < 0 ||
		    (dir && apply_cpu(dir, cpu, err) < 0))
			return -1;
	}
	if (r->pids && r->pids->has_limit) {
		if (v1_dir(cg, layout, "pids", &dir, err) < 0 ||
		    (dir && apply_pids(dir, r->pids, err) < 0))
			return -1;
	}
	if (blkio_wanted(r->block_io)) {
		if (v1_dir(cg, layout, "blkio", &dir, err) < 0 ||
		    (dir && apply_blkio(dir, r->block_io, err) < 0))
			return -1;
	}
	if (r->hugepage_limits_len) {
		if (v1_dir(cg, layout, "hugetlb", &dir, err) < 0 ||
		    (dir &&
		     apply_hugetlb(dir, r->hugepage_limits, r->hugepage_limits_len, err) < 0))
			return -1;
	}
	if (net && net->has_class_id && net->class_id != 0) {
		if (v1_dir(cg, layout, "net_cls", &dir, err) < 0 ||
		    (dir && petrel_cgroup_writef(dir, "net_cls.classid", err, "%" PRIu32,
						 net->class_id) < 0))
			return -1;
	}
	if (net && net->priorities_len) {
		if (v1_dir(cg, layout, "net_prio", &dir, err) < 0 ||
		    (dir && apply_net_prio(dir, net, err) < 0))
			return -1;
	}
	if (r->rdma_len) {
		if (v1_dir(cg, layout, "rdma", &dir, err) < 0 ||
		    (dir && apply_rdma(dir, r, err) < 0))
			return -1;
	}
	return 0;
}
