/* Pure conversions of linux.resources values, which the runtime spec words in
 * cgroup v1 terms, into the values cgroup v2 files take, the way runc (>= 1.2)
 * and crun (>= 1.14) convert them. No I/O: the v2 writer (cgroup-v2.c) and
 * the unit tests call these. */
#ifndef PETREL_CGROUP_TRANSLATE_H
#define PETREL_CGROUP_TRANSLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any value these functions format (the longest is an io.max line
 * with four 20-digit rates). */
#define PETREL_CGROUP_VALUE_MAX 192

/* cpu.shares (v1, 2..262144, default 1024) -> cpu.weight (v2, 1..10000,
 * default 100). 0 means unset and gives 0 (write nothing). The mapping is
 * runc's and crun's current one: with l = log2(shares), weight =
 * ceil(10^((l^2 + 125 l) / 612 - 7/34)), a quadratic in l through the three
 * points 2 -> 1, 1024 -> 100 and 262144 -> 10000; shares below 2 give 1 and
 * above 262144 give 10000. (runc before 1.2 used the linear
 * 1 + (shares - 2) * 9999 / 262142, which maps 1024 to 39.) */
uint64_t petrel_cgroup_shares_to_weight(uint64_t shares);

/* blkio.weight (v1, 10..1000) -> io.weight (v2, 1..10000), linearly:
 * 1 + (weight - 10) * 9999 / 990, so 10 -> 1, 500 -> 4950, 1000 -> 10000.
 * 0 means unset and gives 0. Values below 10 give 1 and values above 1000
 * are converted on the same line (the kernel rejects what exceeds 10000).
 * Not used for io.bfq.weight, which takes the v1 range unchanged. */
uint64_t petrel_cgroup_blkio_weight_to_io_weight(uint64_t weight);

/* A memory limit (memory.max from memory.limit, memory.low from
 * memory.reservation): -1 is "max", any other non-zero value is written as
 * the number. Returns false for 0, which runc treats as unset: write
 * nothing. */
bool petrel_cgroup_v2_memory_value(int64_t value, char buf[PETREL_CGROUP_VALUE_MAX]);

/* memory.swap.max from the spec's memory.swap, which is memory plus swap
 * (v1's memsw), and memory.limit; pass 0 for a value not given. Rules, in
 * runc's order:
 *   limit -1 and swap 0 (unset): "max" (unlimited memory means unlimited
 *     swap too, as on v1);
 *   swap -1: "max"; swap 0: nothing to write;
 *   limit -1: swap is written as given;
 *   limit 0 (not given) with a swap: error, the swap part is unknown;
 *   swap < limit, or a negative limit other than -1: error;
 *   else swap - limit, which is "0" when swap == limit (no swap at all).
 * Returns 1 with the value in buf, 0 when there is nothing to write, or -1
 * with *why a static message. */
int petrel_cgroup_v2_swap_max(int64_t swap, int64_t limit, char buf[PETREL_CGROUP_VALUE_MAX],
			      const char **why);

/* The memory+swap total a v2 cgroup was given, from its memory.max and
 * memory.swap.max (-1 for "max"), for an update that gives a new
 * memory.limit but no swap: runc keeps the total it saved at create (or at
 * the last update) and writes swap.max = total - new limit. The files hold
 * the same record: memory.max + swap.max when both are numbers; swap.max
 * alone under an unlimited memory.max (runc writes a total as is there);
 * 0 (none: leave swap.max alone) when swap.max is "max", which is both
 * what an unlimited total and a never-set one leave behind, and what a new
 * limit keeps either way. Pass the result to petrel_cgroup_v2_swap_max()
 * with the new limit. */
int64_t petrel_cgroup_v2_swap_total(int64_t memory_max, int64_t swap_max);

/* cpu.max ("$QUOTA $PERIOD") from cpu.quota and cpu.period (0 for a value
 * not given): a quota <= 0 is "max", a period of 0 the kernel's default
 * 100000: (50000, 0) -> "50000 100000", (-1, 0) -> "max 100000", (0, 20000)
 * -> "max 20000". Returns false when both are 0: nothing to write. */
bool petrel_cgroup_v2_cpu_max(int64_t quota, uint64_t period, char buf[PETREL_CGROUP_VALUE_MAX]);

/* cpu.idle from cpu.idle: "0" or "1". Returns false, with buf empty, for
 * any other value (the kernel takes only these two). */
bool petrel_cgroup_v2_cpu_idle(int64_t idle, char buf[PETREL_CGROUP_VALUE_MAX]);

/* pids.max from pids.limit, as runc writes it on both versions: a positive
 * limit as the number, 0 as "1" (systemd cannot express 0, and a cgroup
 * that holds its init can fork nothing either way), a negative one as
 * "max". */
void petrel_cgroup_pids_max(int64_t limit, char buf[PETREL_CGROUP_VALUE_MAX]);

/* The hugetlb limit file for a page size of hugepageLimits[].pageSize
 * ("2MB", "1GB", "64KB"): "hugetlb.2MB.max", or with rsvd the reservation
 * limit "hugetlb.2MB.rsvd.max" (kernel 5.7), which runc sets to the same
 * value. Returns -1 when the page size is empty, longer than 16 bytes or not
 * letters and digits (it must not name another file), else 0. */
int petrel_cgroup_v2_hugetlb_file(const char *page_size, bool rsvd, char *buf, size_t size);

/* The four io.max limits of one device; a limit not given is left out of
 * the line (the kernel keeps its current value). */
enum petrel_io_limit { PETREL_IO_RBPS, PETREL_IO_WBPS, PETREL_IO_RIOPS, PETREL_IO_WIOPS };
#define PETREL_IO_LIMITS 4
struct petrel_io_max {
	int64_t major, minor;
	bool has[PETREL_IO_LIMITS];
	uint64_t rate[PETREL_IO_LIMITS];
};

/* One io.max line, "8:0 rbps=1048576 wiops=max": the throttle*Device rates
 * of one device. A rate of 0, which on v1 removes the limit, is written as
 * "max" (the v2 way to remove it; the kernel rejects 0). Returns false when
 * no limit is given or a device number is negative. */
bool petrel_cgroup_v2_io_max_line(const struct petrel_io_max *dev,
				  char buf[PETREL_CGROUP_VALUE_MAX]);

/* A per-device weight line, "8:0 500", for io.bfq.weight (weight as given)
 * or io.weight (converted with petrel_cgroup_blkio_weight_to_io_weight).
 * Returns false for a negative device number or a weight of 0. */
bool petrel_cgroup_v2_device_weight_line(int64_t major, int64_t minor, uint64_t weight,
					 char buf[PETREL_CGROUP_VALUE_MAX]);

/* rdma.max line, "mlx4_0 hca_handle=2 hca_object=2000", with the limits
 * given. Returns -1 when the device name is empty or holds a space or a
 * newline, 0 when neither limit is given (nothing to write), else 1. */
int petrel_cgroup_v2_rdma_line(const char *device, const uint32_t *hca_handles,
			       const uint32_t *hca_objects, char *buf, size_t size);

/* True when name may be used as a file of the container's v2 directory
 * from a linux.resources.unified key: not empty, no '/', not "." or "..". */
bool petrel_cgroup_v2_unified_key_valid(const char *name);

#endif
