/* The v1-to-v2 value conversions: cpu shares to cpu.weight (the values runc
 * and crun compute), blkio weights, the swap rules, cpu.max, pids.max,
 * hugetlb file names, io.max and rdma.max lines, unified key names. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "libpetrel/cgroup-translate.h"
#include "tap.h"

static void shares_to_weight(void)
{
	/* shares, weight: runc's test table and values glibc's log2/pow give
	 * for crun's formula. */
	static const uint64_t cases[][2] = {
		{0, 0},          {1, 1},           {2, 1},
		{3, 2},          {4, 2},           {512, 59},
		{1024, 100},     {2048, 174},      {10000, 627},
		{100000, 4340},  {262143, 10000},  {262144, 10000},
		{262145, 10000}, {1000000, 10000}, {UINT64_MAX, 10000},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = petrel_cgroup_shares_to_weight(cases[i][0]);
		if (!tap_ok(got == cases[i][1], "shares %" PRIu64 " -> weight %" PRIu64,
			    cases[i][0], cases[i][1]))
			printf("#   got %" PRIu64 "\n", got);
	}

	/* Monotonic and within 1..10000 over the whole v1 range. */
	uint64_t prev = 0, bad = 0;
	for (uint64_t s = 2; s <= 262144; s++) {
		uint64_t w = petrel_cgroup_shares_to_weight(s);
		if (w < prev || w < 1 || w > 10000) {
			if (bad++ == 0)
				printf("#   shares %" PRIu64 " -> %" PRIu64 " after %" PRIu64 "\n",
				       s, w, prev);
		}
		prev = w;
	}
	tap_ok(bad == 0, "shares -> weight is monotonic in 1..10000 for shares 2..262144");
}

static void blkio_weights(void)
{
	static const uint64_t cases[][2] = {
		{0, 0}, {10, 1}, {100, 910}, {500, 4950}, {1000, 10000}, {5, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = petrel_cgroup_blkio_weight_to_io_weight(cases[i][0]);
		if (!tap_ok(got == cases[i][1], "blkio weight %" PRIu64 " -> io.weight %" PRIu64,
			    cases[i][0], cases[i][1]))
			printf("#   got %" PRIu64 "\n", got);
	}

	char buf[PETREL_CGROUP_VALUE_MAX];
	tap_ok(petrel_cgroup_v2_device_weight_line(8, 0, 500, buf), "device weight line");
	tap_is_str(buf, "8:0 500", "device weight line text");
	tap_ok(!petrel_cgroup_v2_device_weight_line(8, 0, 0, buf), "device weight 0: no line");
	tap_ok(!petrel_cgroup_v2_device_weight_line(-1, 0, 10, buf), "negative major: no line");
}

static void swap_case(int64_t swap, int64_t limit, int want_r, const char *want)
{
	char buf[PETREL_CGROUP_VALUE_MAX];
	const char *why = NULL;
	int r = petrel_cgroup_v2_swap_max(swap, limit, buf, &why);

	if (want_r < 0) {
		if (!tap_ok(r < 0 && why != NULL, "swap %" PRId64 " limit %" PRId64 ": an error",
			    swap, limit))
			printf("#   got %d \"%s\"\n", r, buf);
		else
			printf("#   %s\n", why);
	} else if (want_r == 0) {
		tap_ok(r == 0 && buf[0] == '\0',
		       "swap %" PRId64 " limit %" PRId64 ": nothing written", swap, limit);
	} else {
		tap_ok(r == 1, "swap %" PRId64 " limit %" PRId64 ": written", swap, limit);
		tap_is_str(buf, want, "swap %" PRId64 " limit %" PRId64 " -> memory.swap.max %s",
			   swap, limit, want ? want : "");
	}
}

static void swap_rules(void)
{
	swap_case(0, 0, 0, NULL);    /* nothing given */
	swap_case(0, 1000, 0, NULL); /* only a limit: swap left alone */
	swap_case(0, -1, 1, "max");  /* unlimited memory, swap unset */
	swap_case(-1, 0, 1, "max");  /* unlimited swap */
	swap_case(-1, -1, 1, "max");
	swap_case(-1, 1000, 1, "max");
	swap_case(1000, 1000, 1, "0");  /* swap == limit: no swap */
	swap_case(500, 200, 1, "300");  /* the swap part of the total */
	swap_case(2000, -1, 1, "2000"); /* unlimited memory: as given */
	swap_case(300, 400, -1, NULL);  /* total below the limit */
	swap_case(1000, 0, -1, NULL);   /* no memory limit to subtract */
	swap_case(-2, 0, -1, NULL);     /* nonsense swap */
	swap_case(1000, -5, -1, NULL);  /* nonsense limit */
}

/* update with a new memory.limit and no swap: the total the cgroup holds
 * (memory.max, memory.swap.max; -1 is "max") is kept, and swap.max follows
 * the new limit, as runc's update does from its saved config. */
static void kept_swap_total(int64_t memory_max, int64_t swap_max, int64_t new_limit,
			    int64_t want_total, int want_r, const char *want)
{
	char buf[PETREL_CGROUP_VALUE_MAX];
	const char *why = NULL;
	int64_t total = petrel_cgroup_v2_swap_total(memory_max, swap_max);

	tap_ok(total == want_total,
	       "memory.max %" PRId64 " swap.max %" PRId64 ": total %" PRId64 " (want %" PRId64 ")",
	       memory_max, swap_max, total, want_total);
	int r = petrel_cgroup_v2_swap_max(total, new_limit, buf, &why);
	tap_ok(r == want_r, "total %" PRId64 ", new limit %" PRId64 ": result %d (want %d)", total,
	       new_limit, r, want_r);
	if (want_r > 0)
		tap_is_str(buf, want, "total %" PRId64 ", new limit %" PRId64 " -> swap.max %s",
			   total, new_limit, want ? want : "");
}

static void swap_total_kept_on_update(void)
{
	/* created with limit 100 and swap (total) 300: swap.max 200 */
	kept_swap_total(100, 200, 150, 300, 1, "150"); /* raise the limit */
	kept_swap_total(100, 200, 50, 300, 1, "250");  /* lower it */
	kept_swap_total(100, 200, 300, 300, 1, "0");   /* limit == total */
	kept_swap_total(100, 200, 301, 300, -1, NULL); /* above the total */
	kept_swap_total(100, 0, 100, 100, 1, "0");     /* swap == limit at create */
	/* swap.max "max": never set, or an unlimited total; left alone */
	kept_swap_total(100, -1, 200, 0, 0, NULL);
	kept_swap_total(-1, -1, 200, 0, 0, NULL);
	/* unlimited memory with a total: runc wrote the total as swap.max */
	kept_swap_total(-1, 400, 100, 400, 1, "300");
	kept_swap_total(-1, 400, 500, 400, -1, NULL);
	tap_ok(petrel_cgroup_v2_swap_total(INT64_MAX, 1) == -1, "an overflowing total is max");
}

static void memory_values(void)
{
	char buf[PETREL_CGROUP_VALUE_MAX];

	tap_ok(!petrel_cgroup_v2_memory_value(0, buf), "memory value 0: nothing written");
	tap_ok(petrel_cgroup_v2_memory_value(-1, buf), "memory value -1 written");
	tap_is_str(buf, "max", "memory value -1 is max");
	petrel_cgroup_v2_memory_value(104857600, buf);
	tap_is_str(buf, "104857600", "memory value as the number");
}

static void cpu_values(void)
{
	char buf[PETREL_CGROUP_VALUE_MAX];

	tap_ok(!petrel_cgroup_v2_cpu_max(0, 0, buf), "cpu.max: nothing given, nothing written");
	petrel_cgroup_v2_cpu_max(50000, 0, buf);
	tap_is_str(buf, "50000 100000", "cpu.max: quota, default period");
	petrel_cgroup_v2_cpu_max(-1, 0, buf);
	tap_is_str(buf, "max 100000", "cpu.max: quota -1");
	petrel_cgroup_v2_cpu_max(0, 20000, buf);
	tap_is_str(buf, "max 20000", "cpu.max: only a period");
	petrel_cgroup_v2_cpu_max(25000, 50000, buf);
	tap_is_str(buf, "25000 50000", "cpu.max: both");

	tap_ok(petrel_cgroup_v2_cpu_idle(1, buf), "cpu.idle 1");
	tap_is_str(buf, "1", "cpu.idle 1 text");
	tap_ok(petrel_cgroup_v2_cpu_idle(0, buf), "cpu.idle 0");
	tap_ok(!petrel_cgroup_v2_cpu_idle(2, buf), "cpu.idle 2 refused");

	petrel_cgroup_pids_max(100, buf);
	tap_is_str(buf, "100", "pids.max 100");
	petrel_cgroup_pids_max(0, buf);
	tap_is_str(buf, "1", "pids.max 0 -> 1 (as runc)");
	petrel_cgroup_pids_max(-1, buf);
	tap_is_str(buf, "max", "pids.max -1 -> max");
}

static void hugetlb_names(void)
{
	char buf[64];

	tap_ok(petrel_cgroup_v2_hugetlb_file("2MB", false, buf, sizeof(buf)) == 0, "hugetlb 2MB");
	tap_is_str(buf, "hugetlb.2MB.max", "hugetlb limit file");
	petrel_cgroup_v2_hugetlb_file("1GB", true, buf, sizeof(buf));
	tap_is_str(buf, "hugetlb.1GB.rsvd.max", "hugetlb reservation file");
	tap_ok(petrel_cgroup_v2_hugetlb_file("../x", false, buf, sizeof(buf)) < 0,
	       "page size with a slash refused");
	tap_ok(petrel_cgroup_v2_hugetlb_file("2MB.rsvd", false, buf, sizeof(buf)) < 0,
	       "page size with a dot refused");
	tap_ok(petrel_cgroup_v2_hugetlb_file("", false, buf, sizeof(buf)) < 0,
	       "empty page size refused");
	tap_ok(petrel_cgroup_v2_hugetlb_file("2MB", true, buf, 8) < 0,
	       "too small a buffer refused");
}

static void io_max_lines(void)
{
	char buf[PETREL_CGROUP_VALUE_MAX];
	struct petrel_io_max dev = {.major = 8, .minor = 16};

	tap_ok(!petrel_cgroup_v2_io_max_line(&dev, buf), "io.max: no limit, no line");
	dev.has[PETREL_IO_RBPS] = true;
	dev.rate[PETREL_IO_RBPS] = 1048576;
	dev.has[PETREL_IO_WIOPS] = true;
	dev.rate[PETREL_IO_WIOPS] = 0;
	tap_ok(petrel_cgroup_v2_io_max_line(&dev, buf), "io.max line");
	tap_is_str(buf, "8:16 rbps=1048576 wiops=max", "io.max: given limits, 0 is max");
	dev.has[PETREL_IO_WBPS] = dev.has[PETREL_IO_RIOPS] = true;
	dev.rate[PETREL_IO_WBPS] = UINT64_MAX - 1;
	dev.rate[PETREL_IO_RIOPS] = 300;
	dev.rate[PETREL_IO_WIOPS] = 400;
	petrel_cgroup_v2_io_max_line(&dev, buf);
	tap_is_str(buf, "8:16 rbps=1048576 wbps=18446744073709551614 riops=300 wiops=400",
		   "io.max: all four limits");
}

static void rdma_and_unified(void)
{
	char buf[PETREL_CGROUP_VALUE_MAX];
	uint32_t handles = 2, objects = 2000;

	tap_ok(petrel_cgroup_v2_rdma_line("mlx4_0", &handles, &objects, buf, sizeof(buf)) == 1,
	       "rdma line");
	tap_is_str(buf, "mlx4_0 hca_handle=2 hca_object=2000", "rdma line text");
	petrel_cgroup_v2_rdma_line("mlx4_0", NULL, &objects, buf, sizeof(buf));
	tap_is_str(buf, "mlx4_0 hca_object=2000", "rdma line with one limit");
	tap_ok(petrel_cgroup_v2_rdma_line("mlx4_0", NULL, NULL, buf, sizeof(buf)) == 0,
	       "rdma: no limit, nothing to write");
	tap_ok(petrel_cgroup_v2_rdma_line("a b", &handles, NULL, buf, sizeof(buf)) < 0,
	       "rdma device with a space refused");

	tap_ok(petrel_cgroup_v2_unified_key_valid("memory.high"), "unified key memory.high");
	tap_ok(!petrel_cgroup_v2_unified_key_valid("../memory.high"), "unified key with / refused");
	tap_ok(!petrel_cgroup_v2_unified_key_valid(".."), "unified key .. refused");
	tap_ok(!petrel_cgroup_v2_unified_key_valid(""), "empty unified key refused");
}

int main(void)
{
	shares_to_weight();
	blkio_weights();
	swap_rules();
	swap_total_kept_on_update();
	memory_values();
	cpu_values();
	hugetlb_names();
	io_max_lines();
	rdma_and_unified();
	return tap_done();
}
