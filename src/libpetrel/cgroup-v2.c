/* The cgroup v2 resource writer: every part of linux.resources whose
 * controller the v2 hierarchy enforces on this host, written into the
 * container's v2 directory with the values converted as runc converts them
 * (cgroup-translate.c), and the device rules as an eBPF program. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup-translate.h"
#include "cleanup.h"
#include "log.h"

struct v2_writer {
	const struct petrel_cgroup_layout *layout;
	const char *dir; /* the container's v2 directory */
	bool update;
};

static bool v2_owns(const struct v2_writer *w, const char *controller)
{
	return petrel_cgroup_owner(w->layout, controller) == PETREL_OWNER_V2;
}

/* Hands an error kept in a local variable (to look at its errno first) to
 * the caller. */
static int pass_error(struct petrel_error **err, struct petrel_error **local)
{
	if (err) {
		petrel_error_free(*err);
		*err = steal_ptr(local);
	}
	return -1;
}

/* petrel_cgroup_write(), where a missing file sets *missing instead of
 * failing: files that exist only with some kernel features (swap
 * accounting, BFQ, hugetlb reservations). */
static int write_if_present(const char *dir, const char *file, const char *value, bool *missing,
			    struct petrel_error **err)
{
	cleanup_error struct petrel_error *local = NULL;

	*missing = false;
	if (petrel_cgroup_write(dir, file, value, &local) == 0)
		return 0;
	if (local && local->errnum == ENOENT) {
		*missing = true;
		return 0;
	}
	return pass_error(err, &local);
}

/* ----------------------------------------------------------------- memory */

int petrel_cgroup_v2_current_memory_limit(const char *dir, int64_t *limit,
					  struct petrel_error **err)
{
	uint64_t value;

	if (petrel_cgroup_read_u64(dir, "memory.max", &value, err) < 0)
		return -1;
	*limit = value > INT64_MAX ? -1 : (int64_t)value;
	return 0;
}

int petrel_cgroup_v2_current_swap_total(const char *dir, int64_t *total, struct petrel_error **err)
{
	cleanup_error struct petrel_error *local = NULL;
	uint64_t swap_max;
	int64_t memory_max;

	*total = 0;
	if (petrel_cgroup_read_u64(dir, "memory.swap.max", &swap_max, &local) < 0)
		return local && local->errnum == ENOENT ? 0 : pass_error(err, &local);
	if (petrel_cgroup_v2_current_memory_limit(dir, &memory_max, err) < 0)
		return -1;
	*total = petrel_cgroup_v2_swap_total(memory_max,
					     swap_max > INT64_MAX ? -1 : (int64_t)swap_max);
	return 0;
}

int petrel_cgroup_v2_memory_pair(const char *dir, const struct oci_memory *m, int64_t *limit,
				 int64_t *total, struct petrel_error **err)
{
	*limit = m->has_limit ? m->limit : 0;
	*total = m->has_swap ? m->swap : 0;
	if (m->has_limit == m->has_swap)
		return 0;
	if (m->has_swap) {
		if (*total <= 0)
			return 0;
		if (petrel_cgroup_v2_current_memory_limit(dir, limit, err) < 0)
			return -1;
	} else {
		if (*limit <= 0)
			return 0;
		if (petrel_cgroup_v2_current_swap_total(dir, total, err) < 0)
			return -1;
		if (*total <= 0)
			return 0;
	}
	char value[PETREL_CGROUP_VALUE_MAX];
	const char *why = NULL;
	if (petrel_cgroup_v2_swap_max(*total, *limit, value, &why) >= 0)
		return 1;
	if (m->has_limit)
		return petrel_error_set(err, 0,
					"memory.limit %" PRId64 " with the container's memory+swap "
					"total %" PRId64 " (give memory.swap too): %s",
					*limit, *total, why);
	return petrel_error_set(err, 0, "memory.swap %" PRId64 " with memory.limit %" PRId64 ": %s",
				*total, *limit, why);
}

/* memory.checkBeforeUpdate: refuse a limit the cgroup already uses more
 * than, as runc does (best effort: no usage, no check). */
static int check_memory_usage(const char *dir, int64_t limit, int64_t swap,
			      struct petrel_error **err)
{
	cleanup_error struct petrel_error *ignored = NULL;
	uint64_t usage;

	if (petrel_cgroup_read_u64(dir, "memory.current", &usage, &ignored) < 0)
		return 0;
	if (swap > 0 && (uint64_t)swap <= usage)
		return petrel_error_set(err, 0,
					"rejecting memory+swap limit %" PRId64 " <= usage %" PRIu64,
					swap, usage);
	if (limit > 0 && (uint64_t)limit <= usage)
		return petrel_error_set(err, 0,
					"rejecting memory limit %" PRId64 " <= usage %" PRIu64,
					limit, usage);
	return 0;
}

static int apply_memory(const struct v2_writer *w, const struct oci_memory *m,
			struct petrel_error **err)
{
	char value[PETREL_CGROUP_VALUE_MAX];
	int64_t limit = m->has_limit ? m->limit : 0;
	int64_t swap = m->has_swap ? m->swap : 0;
	const char *why = NULL;
	bool missing;

	if (m->has_kernel || m->has_kernel_tcp)
		petrel_warn("kernel memory settings are ignored: cgroup v2 has no separate "
			    "kernel memory limit");
	if (m->has_swappiness)
		petrel_debug("memory.swappiness is ignored on cgroup v2");
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		petrel_debug("memory.disableOOMKiller is ignored on cgroup v2");

	if (m->has_check_before_update && m->check_before_update &&
	    check_memory_usage(w->dir, limit, swap, err) < 0)
		return -1;

	/* An update that gives one of the limit and the memory+swap total
	 * keeps the other the cgroup has. An unlimited limit is runc's "both
	 * unlimited" instead. */
	int64_t swap_base = limit;
	if (w->update && petrel_cgroup_v2_memory_pair(w->dir, m, &swap_base, &swap, err) < 0)
		return -1;

	int r = petrel_cgroup_v2_swap_max(swap, swap_base, value, &why);
	if (r < 0)
		return petrel_error_set(err, 0,
					"memory.swap %" PRId64 " with memory.limit %" PRId64 ": %s",
					swap, swap_base, why);
	if (r > 0) {
		if (write_if_present(w->dir, "memory.swap.max", value, &missing, err) < 0)
			return -1;
		/* No swap accounting: "max" and "0" ask for what there is. */
		if (missing && strcmp(value, "max") != 0 && strcmp(value, "0") != 0)
			return petrel_error_set(
				err, ENOENT,
				"write \"%s\" to %s/memory.swap.max: swap accounting "
				"is not enabled",
				value, w->dir);
	}
	if (petrel_cgroup_v2_memory_value(limit, value) &&
	    petrel_cgroup_write(w->dir, "memory.max", value, err) < 0)
		return -1;
	if (m->has_reservation && petrel_cgroup_v2_memory_value(m->reservation, value) &&
	    petrel_cgroup_write(w->dir, "memory.low", value, err) < 0)
		return -1;
	return 0;
}

/* -------------------------------------------------------------------- cpu */

/* The quota and period now in cpu.max ("max 100000"): an update that gives
 * one of them keeps the other. */
static int current_cpu_max(const char *dir, int64_t *quota, uint64_t *period,
			   struct petrel_error **err)
{
	cleanup_free char *text = NULL;
	char q[32];

	if (petrel_cgroup_read(dir, "cpu.max", &text, err) < 0)
		return -1;
	if (sscanf(text, "%31s %" SCNu64, q, period) != 2)
		return petrel_error_set(err, 0, "%s/cpu.max: cannot parse \"%s\"", dir, text);
	*quota = strcmp(q, "max") == 0 ? -1 : strtoll(q, NULL, 10);
	return 0;
}

static int apply_cpu(const struct v2_writer *w, const struct oci_cpu *c, struct petrel_error **err)
{
	char value[PETREL_CGROUP_VALUE_MAX];

	/* runc ignores these on v2; a real-time budget that is silently not
	 * given would break the workload that asked for it, so fail as crun. */
	if ((c->has_realtime_runtime && c->realtime_runtime != 0) ||
	    (c->has_realtime_period && c->realtime_period != 0))
		return petrel_error_set(err, 0,
					"cpu.realtimeRuntime and cpu.realtimePeriod are not "
					"supported on cgroup v2");

	if (c->has_idle) {
		if (!petrel_cgroup_v2_cpu_idle(c->idle, value))
			return petrel_error_set(err, 0, "cpu.idle must be 0 or 1, not %" PRId64,
						c->idle);
		if (petrel_cgroup_write(w->dir, "cpu.idle", value, err) < 0)
			return -1;
	}

	if (c->has_shares && c->shares != 0 &&
	    petrel_cgroup_writef(w->dir, "cpu.weight", err, "%" PRIu64,
				 petrel_cgroup_shares_to_weight(c->shares)) < 0)
		return -1;

	bool cpu_max = c->has_quota || c->has_period;
	bool burst_after_max = false;
	if (c->has_burst) {
		cleanup_error struct petrel_error *local = NULL;
		if (petrel_cgroup_writef(w->dir, "cpu.max.burst", &local, "%" PRIu64, c->burst) <
		    0) {
			/* A burst above the current quota is refused until the
			 * new quota is in. */
			if (!(cpu_max && local && local->errnum == EINVAL))
				return pass_error(err, &local);
			burst_after_max = true;
		}
	}

	if (cpu_max) {
		int64_t quota = c->has_quota ? c->quota : 0;
		uint64_t period = c->has_period ? c->period : 0;
		if (w->update && c->has_quota != c->has_period) {
			int64_t cur_quota = 0;
			uint64_t cur_period = 0;
			if (current_cpu_max(w->dir, &cur_quota, &cur_period, err) < 0)
				return -1;
			if (!c->has_quota)
				quota = cur_quota;
			else
				period = cur_period;
		}
		if (petrel_cgroup_v2_cpu_max(quota, period, value) &&
		    petrel_cgroup_write(w->dir, "cpu.max", value, err) < 0)
			return -1;
	}
	if (burst_after_max &&
	    petrel_cgroup_writef(w->dir, "cpu.max.burst", err, "%" PRIu64, c->burst) < 0)
		return -1;
	return 0;
}

static int apply_cpuset(const struct v2_writer *w, const struct oci_cpu *c,
			struct petrel_error **err)
{
	if (c->cpus && c->cpus[0] && petrel_cgroup_write(w->dir, "cpuset.cpus", c->cpus, err) < 0)
		return -1;
	if (c->mems && c->mems[0] && petrel_cgroup_write(w->dir, "cpuset.mems", c->mems, err) < 0)
		return -1;
	return 0;
}

/* --------------------------------------------------------------------- io */

/* io.bfq.weight takes per-device lines since kernel 5.4 (it then reads
 * "default 100" and a line per device, before only the number). */
static bool bfq_per_device(const char *dir)
{
	cleanup_error struct petrel_error *ignored = NULL;
	cleanup_free char *text = NULL;

	return petrel_cgroup_read(dir, "io.bfq.weight", &text, &ignored) == 0 &&
	       strncmp(text, "default", 7) == 0;
}

static int apply_io_weights(const struct v2_writer *w, const struct oci_block_io *b,
			    struct petrel_error **err)
{
	char value[PETREL_CGROUP_VALUE_MAX];
	bool missing = false;

	if (b->has_leaf_weight && b->leaf_weight != 0)
		petrel_debug("blockIO.leafWeight is ignored on cgroup v2");

	/* BFQ takes the v1 range as it is; io.weight (no BFQ) its own. */
	if (b->has_weight && b->weight != 0) {
		snprintf(value, sizeof(value), "%" PRIu16, b->weight);
		if (write_if_present(w->dir, "io.bfq.weight", value, &missing, err) < 0)
			return -1;
		if (missing &&
		    petrel_cgroup_writef(w->dir, "io.weight", err, "%" PRIu64,
					 petrel_cgroup_blkio_weight_to_io_weight(b->weight)) < 0)
			return -1;
	}

	bool bfq = b->weight_device_len > 0 && bfq_per_device(w->dir);
	for (size_t i = 0; i < b->weight_device_len; i++) {
		const struct oci_weight_device *d = &b->weight_device[i];
		if (d->has_leaf_weight && d->leaf_weight != 0)
			petrel_debug("blockIO.weightDevice[%zu].leafWeight is ignored on cgroup v2",
				     i);
		if (!d->has_weight || d->weight == 0)
			continue;
		uint64_t weight =
			bfq ? d->weight : petrel_cgroup_blkio_weight_to_io_weight(d->weight);
		if (!petrel_cgroup_v2_device_weight_line(d->major, d->minor, weight, value))
			return petrel_error_set(err, 0,
						"blockIO.weightDevice[%zu]: invalid device %" PRId64
						":%" PRId64,
						i, d->major, d->minor);
		if (petrel_cgroup_write(w->dir, bfq ? "io.bfq.weight" : "io.weight", value, err) <
		    0)
			return -1;
	}
	return 0;
}

/* Adds one throttle*Device entry to the per-device io.max limits. */
static struct petrel_io_max *io_max_device(struct petrel_io_max *devs, size_t *n, int64_t major,
					   int64_t minor)
{
	for (size_t i = 0; i < *n; i++)
		if (devs[i].major == major && devs[i].minor == minor)
			return &devs[i];
	devs[*n] = (struct petrel_io_max){.major = major, .minor = minor};
	return &devs[(*n)++];
}

static int apply_io_max(const struct v2_writer *w, const struct oci_block_io *b,
			struct petrel_error **err)
{
	const struct oci_throttle_device *lists[PETREL_IO_LIMITS] = {
		b->throttle_read_bps_device, b->throttle_write_bps_device,
		b->throttle_read_iops_device, b->throttle_write_iops_device};
	const size_t lens[PETREL_IO_LIMITS] = {
		b->throttle_read_bps_device_len, b->throttle_write_bps_device_len,
		b->throttle_read_iops_device_len, b->throttle_write_iops_device_len};
	size_t total = 0, n = 0;

	for (int k = 0; k < PETREL_IO_LIMITS; k++)
		total += lens[k];
	if (total == 0)
		return 0;

	cleanup_free struct petrel_io_max *devs = calloc(total, sizeof(*devs));
	if (devs == NULL)
		return petrel_error_errno(err, "io.max");
	for (int k = 0; k < PETREL_IO_LIMITS; k++)
		for (size_t i = 0; i < lens[k]; i++) {
			struct petrel_io_max *d =
				io_max_device(devs, &n, lists[k][i].major, lists[k][i].minor);
			d->has[k] = true;
			d->rate[k] = lists[k][i].rate;
		}

	/* One line per device with all its limits: the kernel keeps the
	 * limits a line does not name. */
	for (size_t i = 0; i < n; i++) {
		char line[PETREL_CGROUP_VALUE_MAX];
		if (!petrel_cgroup_v2_io_max_line(&devs[i], line))
			return petrel_error_set(
				err, 0, "blockIO throttle: invalid device %" PRId64 ":%" PRId64,
				devs[i].major, devs[i].minor);
		if (petrel_cgroup_write(w->dir, "io.max", line, err) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- hugetlb */

static int apply_hugetlb(const struct v2_writer *w, const struct oci_resources *r,
			 struct petrel_error **err)
{
	bool no_rsvd = false;

	for (size_t i = 0; i < r->hugepage_limits_len; i++) {
		const struct oci_hugepage_limit *h = &r->hugepage_limits[i];
		char file[64], value[PETREL_CGROUP_VALUE_MAX];

		if (petrel_cgroup_v2_hugetlb_file(h->page_size, false, file, sizeof(file)) < 0)
			return petrel_error_set(
				err, 0,
				"hugepageLimits[%zu]: pageSize \"%s\" is not a page "
				"size such as 2MB",
				i, h->page_size ? h->page_size : "");
		snprintf(value, sizeof(value), "%" PRIu64, h->limit);
		if (petrel_cgroup_write(w->dir, file, value, err) < 0)
			return -1;
		/* The reservation limit (kernel 5.7) gets the same value, so
		 * that reserved but unfaulted pages count too. */
		if (no_rsvd)
			continue;
		petrel_cgroup_v2_hugetlb_file(h->page_size, true, file, sizeof(file));
		if (write_if_present(w->dir, file, value, &no_rsvd, err) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------- rdma */

static int apply_rdma(const struct v2_writer *w, const struct oci_resources *r,
		      struct petrel_error **err)
{
	for (size_t i = 0; i < r->rdma_len; i++) {
		const struct oci_rdma *d = &r->rdma[i];
		char line[PETREL_CGROUP_VALUE_MAX];
		int n = petrel_cgroup_v2_rdma_line(
			r->rdma_keys[i], d->has_hca_handles ? &d->hca_handles : NULL,
			d->has_hca_objects ? &d->hca_objects : NULL, line, sizeof(line));
		if (n < 0)
			return petrel_error_set(err, 0, "rdma: invalid device name \"%s\"",
						r->rdma_keys[i]);
		if (n > 0 && petrel_cgroup_write(w->dir, "rdma.max", line, err) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- unified */

/* A unified key that could not be written: say whether its controller is
 * missing, as runc does, before the errno. */
static int unified_error(const struct v2_writer *w, const char *key, struct petrel_error **local,
			 struct petrel_error **err)
{
	int errnum = *local ? (*local)->errnum : 0;

	if (errnum == ENOENT || errnum == EPERM || errnum == EACCES) {
		const char *dot = strchr(key, '.');
		if (dot == NULL)
			return petrel_error_set_quiet(err, errnum,
						      "unified resource \"%s\" must be in the form "
						      "CONTROLLER.PARAMETER",
						      key);
		cleanup_error struct petrel_error *ignored = NULL;
		cleanup_free char *controllers = NULL;
		cleanup_free char *name = strndup(key, (size_t)(dot - key));
		if (name && strcmp(name, "cgroup") != 0 &&
		    petrel_cgroup_read(w->dir, "cgroup.controllers", &controllers, &ignored) == 0) {
			bool found = false;
			char *save = NULL;
			for (char *c = strtok_r(controllers, " ", &save); c && !found;
			     c = strtok_r(NULL, " ", &save))
				found = strcmp(c, name) == 0;
			if (!found)
				return petrel_error_set_quiet(
					err, errnum,
					"unified resource \"%s\" can't be set: "
					"controller \"%s\" not available",
					key, name);
		}
	}
	pass_error(err, local);
	return petrel_error_prefix(err, "unified resource \"%s\"", key);
}

/* Each key is a file of the container's v2 directory; a value of several
 * lines is written a line at a time (io.max, rdma.max take one device per
 * write). Written last: unified overrides the values above. */
static int apply_unified(const struct v2_writer *w, const struct oci_string_map *u,
			 struct petrel_error **err)
{
	for (size_t i = 0; i < u->len; i++) {
		const char *key = u->keys[i];
		if (!petrel_cgroup_v2_unified_key_valid(key))
			return petrel_error_set(
				err, 0,
				"unified resource \"%s\" must be a file name of the "
				"container's cgroup (no slashes, not . or ..)",
				key);
		cleanup_free char *value = strdup(u->values[i] ? u->values[i] : "");
		if (value == NULL)
			return petrel_error_errno(err, "unified resource \"%s\"", key);
		char *save = NULL;
		for (char *line = strtok_r(value, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			cleanup_error struct petrel_error *local = NULL;
			if (petrel_cgroup_write(w->dir, key, line, &local) < 0)
				return unified_error(w, key, &local, err);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- devices */

static int apply_devices(const struct v2_writer *w, const struct oci_resources *r,
			 const struct petrel_cgroup_config *config, struct petrel_error **err)
{
	cleanup_free struct petrel_device_rule *rules = NULL;
	size_t n = 0;

	if (petrel_cgroup_device_rules(r, &rules, &n, err) < 0)
		return -1;

	cleanup_close int fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return petrel_error_errno(err, "devices: open %s", w->dir);
	return petrel_cgroup_devices_bpf_apply(fd, rules, n, err);
}

/* ------------------------------------------------------------------ apply */

int petrel_cgroup_v2_apply(const struct petrel_cgroup *cg, const struct oci_resources *r,
			   const struct petrel_cgroup_config *config, bool update,
			   struct petrel_error **err)
{
	struct v2_writer w = {.dir = petrel_cgroup_v2_dir(cg), .update = update};

	if (w.dir == NULL) {
		if (r && r->unified && r->unified->len > 0)
			return petrel_error_set(err, 0,
						"linux.resources.unified needs cgroup v2, and the "
						"container has no cgroup v2 directory");
		return 0;
	}
	if (petrel_cgroup_layout(&w.layout, err) < 0)
		return -1;

	if (r && r->pids && r->pids->has_limit && v2_owns(&w, "pids")) {
		char value[PETREL_CGROUP_VALUE_MAX];
		petrel_cgroup_pids_max(r->pids->limit, value);
		if (petrel_cgroup_write(w.dir, "pids.max", value, err) < 0)
			return -1;
	}
	if (r && r->memory && v2_owns(&w, "memory") && apply_memory(&w, r->memory, err) < 0)
		return -1;
	if (r && r->block_io && v2_owns(&w, "io") &&
	    (apply_io_weights(&w, r->block_io, err) < 0 || apply_io_max(&w, r->block_io, err) < 0))
		return -1;
	if (r && r->cpu && v2_owns(&w, "cpu") && apply_cpu(&w, r->cpu, err) < 0)
		return -1;

	/* create: always (the default rules); update: when it has rules. */
	if (v2_owns(&w, "devices") && (!update || (r && r->devices_len > 0))) {
		cleanup_error struct petrel_error *local = NULL;
		if (apply_devices(&w, r, config, &local) < 0) {
			/* As runc: a rootless container may rarely load eBPF,
			 * and it can neither mknod nor reach host devices. */
			if (!(config ? config->rootless : geteuid() != 0))
				return pass_error(err, &local);
			petrel_warn("%s (ignored: rootless container)",
				    petrel_error_message(local));
		}
	}

	if (r && r->cpu && v2_owns(&w, "cpuset") && apply_cpuset(&w, r->cpu, err) < 0)
		return -1;
	if (r && r->hugepage_limits_len > 0 && v2_owns(&w, "hugetlb") &&
	    apply_hugetlb(&w, r, err) < 0)
		return -1;
	if (r && r->rdma_len > 0 && v2_owns(&w, "rdma") && apply_rdma(&w, r, err) < 0)
		return -1;

	/* cgroup v2 has no net_cls or net_prio; runc ignores them there. */
	if (r && r->network && r->network->has_class_id &&
	    petrel_cgroup_owner(w.layout, "net_cls") != PETREL_OWNER_V1)
		petrel_debug("network.classID is ignored: no net_cls controller on cgroup v2");
	if (r && r->network && r->network->priorities_len > 0 &&
	    petrel_cgroup_owner(w.layout, "net_prio") != PETREL_OWNER_V1)
		petrel_debug("network.priorities are ignored: no net_prio controller on cgroup v2");

	if (r && r->unified && apply_unified(&w, r->unified, err) < 0)
		return -1;
	return 0;
}
