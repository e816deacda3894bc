/* Conversions of v1-worded linux.resources values into cgroup v2 file
 * values (see cgroup-translate.h for each rule and where it comes from).
 * Pure functions: no I/O, no allocation. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-translate.h"

#define SHARES_MIN 2
#define SHARES_MAX 262144
#define WEIGHT_MIN 1
#define WEIGHT_MAX 10000
#define CPU_PERIOD_DEFAULT 100000

uint64_t petrel_cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares <= SHARES_MIN)
		return WEIGHT_MIN;
	if (shares >= SHARES_MAX)
		return WEIGHT_MAX;

	/* log10(weight) as a parabola in log2(shares) through (1, 0),
	 * (10, 2) and (18, 4): both range ends and both defaults. The
	 * arithmetic is runc's and crun's, in double, so that the rounding
	 * up gives the same integer. */
	double l = log2((double)shares);
	double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
	return (uint64_t)ceil(pow(10, exponent));
}

uint64_t petrel_cgroup_blkio_weight_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		return 1;
	return 1 + (weight - 10) * 9999 / 990;
}

bool petrel_cgroup_v2_memory_value(int64_t value, char buf[PETREL_CGROUP_VALUE_MAX])
{
	if (value == 0) {
		buf[0] = '\0';
		return false;
	}
	if (value == -1)
		snprintf(buf, PETREL_CGROUP_VALUE_MAX, "max");
	else
		snprintf(buf, PETREL_CGROUP_VALUE_MAX, "%" PRId64, value);
	return true;
}

int petrel_cgroup_v2_swap_max(int64_t swap, int64_t limit, char buf[PETREL_CGROUP_VALUE_MAX],
			      const char **why)
{
	buf[0] = '\0';
	if (swap < -1) {
		*why = "invalid memory+swap limit (swap): must be -1 (unlimited) or positive";
		return -1;
	}
	if ((limit == -1 && swap == 0) || swap == -1) {
		snprintf(buf, PETREL_CGROUP_VALUE_MAX, "max");
		return 1;
	}
	if (swap == 0)
		return 0;
	if (limit == -1) {
		snprintf(buf, PETREL_CGROUP_VALUE_MAX, "%" PRId64, swap);
		return 1;
	}
	if (limit == 0) {
		*why = "cannot set a swap limit without a memory limit";
		return -1;
	}
	if (limit < 0) {
		*why = "invalid memory limit: must be -1 (unlimited) or positive";
		return -1;
	}
	if (swap < limit) {
		*why = "memory+swap limit (swap) must be at least the memory limit";
		return -1;
	}
	snprintf(buf, PETREL_CGROUP_VALUE_MAX, "%" PRId64, swap - limit);
	return 1;
}

int64_t petrel_cgroup_v2_swap_total(int64_t memory_max, int64_t swap_max)
{
	if (swap_max < 0)
		return 0;
	if (memory_max < 0)
		return swap_max;
	if (swap_max > INT64_MAX - memory_max)
		return -1;
	return memory_max + swap_max;
}

bool petrel_cgroup_v2_cpu_max(int64_t quota, uint64_t period, char buf[PETREL_CGROUP_VALUE_MAX])
{
	buf[0] = '\0';
	if (quota == 0 && period == 0)
		return false;
	if (period == 0)
		period = CPU_PERIOD_DEFAULT;
	if (quota > 0)
		snprintf(buf, PETREL_CGROUP_VALUE_MAX, "%" PRId64 " %" PRIu64, quota, period);
	else
		snprintf(buf, PETREL_CGROUP_VALUE_MAX, "max %" PRIu64, period);
	return true;
}

bool petrel_cgroup_v2_cpu_idle(int64_t idle, char buf[PETREL_CGROUP_VALUE_MAX])
{
	buf[0] = '\0';
	if (idle != 0 && idle != 1)
		return false;
	snprintf(buf, PETREL_CGROUP_VALUE_MAX, "%" PRId64, idle);
	return true;
}

void petrel_cgroup_pids_max(int64_t limit, char buf[PETREL_CGROUP_VALUE_MAX])
{
	if (limit > 0)
		snprintf(buf, PETREL_CGROUP_VALUE_MAX, "%" PRId64, limit);
	else if (limit == 0)
		snprintf(buf, PETREL_CGROUP_VALUE_MAX, "1");
	else
		snprintf(buf, PETREL_CGROUP_VALUE_MAX, "max");
}

int petrel_cgroup_v2_hugetlb_file(const char *page_size, bool rsvd, char *buf, size_t size)
{
	size_t len = page_size ? strlen(page_size) : 0;

	if (size > 0)
		buf[0] = '\0';
	if (len == 0 || len > 16)
		return -1;
	for (const char *p = page_size; *p; p++)
		if (!isalnum((unsigned char)*p))
			return -1;
	int n = snprintf(buf, size, "hugetlb.%s.%smax", page_size, rsvd ? "rsvd." : "");
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

static const char *const io_limit_names[PETREL_IO_LIMITS] = {"rbps", "wbps", "riops", "wiops"};

bool petrel_cgroup_v2_io_max_line(const struct petrel_io_max *dev,
				  char buf[PETREL_CGROUP_VALUE_MAX])
{
	size_t len = 0;
	bool any = false;

	buf[0] = '\0';
	if (dev->major < 0 || dev->minor < 0)
		return false;
	len = (size_t)snprintf(buf, PETREL_CGROUP_VALUE_MAX, "%" PRId64 ":%" PRId64, dev->major,
			       dev->minor);
	for (int i = 0; i < PETREL_IO_LIMITS; i++) {
		if (!dev->has[i])
			continue;
		any = true;
		if (dev->rate[i] == 0)
			len += (size_t)snprintf(buf + len, PETREL_CGROUP_VALUE_MAX - len, " %s=max",
						io_limit_names[i]);
		else
			len += (size_t)snprintf(buf + len, PETREL_CGROUP_VALUE_MAX - len,
						" %s=%" PRIu64, io_limit_names[i], dev->rate[i]);
	}
	if (!any)
		buf[0] = '\0';
	return any;
}

bool petrel_cgroup_v2_device_weight_line(int64_t major, int64_t minor, uint64_t weight,
					 char buf[PETREL_CGROUP_VALUE_MAX])
{
	buf[0] = '\0';
	if (major < 0 || minor < 0 || weight == 0)
		return false;
	snprintf(buf, PETREL_CGROUP_VALUE_MAX, "%" PRId64 ":%" PRId64 " %" PRIu64, major, minor,
		 weight);
	return true;
}

int petrel_cgroup_v2_rdma_line(const char *device, const uint32_t *hca_handles,
			       const uint32_t *hca_objects, char *buf, size_t size)
{
	if (size > 0)
		buf[0] = '\0';
	if (device == NULL || device[0] == '\0' || strpbrk(device, " \t\n") != NULL)
		return -1;
	if (hca_handles == NULL && hca_objects == NULL)
		return 0;

	char handles[32] = "", objects[32] = "";
	if (hca_handles)
		snprintf(handles, sizeof(handles), " hca_handle=%" PRIu32, *hca_handles);
	if (hca_objects)
		snprintf(objects, sizeof(objects), " hca_object=%" PRIu32, *hca_objects);
	int n = snprintf(buf, size, "%s%s%s", device, handles, objects);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return 1;
}

bool petrel_cgroup_v2_unified_key_valid(const char *name)
{
	return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}
