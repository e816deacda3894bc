/* The container's device cgroup rules, one ordered list for both kinds of
 * enforcement (v1 devices.allow/deny lines, a v2 eBPF program): deny all,
 * then linux.resources.devices, then the devices every container gets. As
 * with runc, linux.devices get no rule of their own: the node is made, and
 * access to it is what linux.resources.devices allows. Also the rules' v1
 * text form. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-devices.h"
#include "cgroup-internal.h"
#include "cleanup.h"

/* Mknod of anything (the device files themselves are still denied), then
 * the devices the runtime puts in every container's /dev. */
static const struct petrel_device_rule default_rules[] = {
	{.allow = true, .type = 'c', .major = -1, .minor = -1, .access = "m"},
	{.allow = true, .type = 'b', .major = -1, .minor = -1, .access = "m"},
	{.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},    /* null */
	{.allow = true, .type = 'c', .major = 1, .minor = 5, .access = "rwm"},    /* zero */
	{.allow = true, .type = 'c', .major = 1, .minor = 7, .access = "rwm"},    /* full */
	{.allow = true, .type = 'c', .major = 1, .minor = 8, .access = "rwm"},    /* random */
	{.allow = true, .type = 'c', .major = 1, .minor = 9, .access = "rwm"},    /* urandom */
	{.allow = true, .type = 'c', .major = 5, .minor = 0, .access = "rwm"},    /* tty */
	{.allow = true, .type = 'c', .major = 5, .minor = 1, .access = "rwm"},    /* console */
	{.allow = true, .type = 'c', .major = 5, .minor = 2, .access = "rwm"},    /* ptmx */
	{.allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rwm"}, /* pts/N */
	{.allow = true, .type = 'c', .major = 10, .minor = 200, .access = "rwm"}, /* net/tun */
};
#define N_DEFAULT_RULES (sizeof(default_rules) / sizeof(default_rules[0]))

/* -1 is the wildcard; the kernel reads device numbers as 32-bit. */
static bool valid_device_number(int64_t n)
{
	return n >= -1 && n <= (int64_t)UINT32_MAX;
}

/* A non-empty subset of "rwm", each letter at most once. */
static bool valid_access(const char *access)
{
	if (access[0] == '\0' || strlen(access) > 3)
		return false;
	for (const char *p = access; *p; p++)
		if (strchr("rwm", *p) == NULL || strchr(p + 1, *p) != NULL)
			return false;
	return true;
}

static int resources_rule(const struct oci_device_cgroup *d, size_t i,
			  struct petrel_device_rule *rule, struct petrel_error **err)
{
	const char *type = d->type ? d->type : "a";
	const char *access = d->access ? d->access : "rwm";

	if (strlen(type) != 1 || strchr("abc", type[0]) == NULL)
		return petrel_error_set(err, 0,
					".linux.resources.devices[%zu]: type \"%s\" is not one of "
					"a, b, c",
					i, type);
	if (!valid_access(access))
		return petrel_error_set(err, 0,
					".linux.resources.devices[%zu]: access \"%s\" is not a "
					"combination of r, w, m",
					i, access);
	if ((d->has_major && !valid_device_number(d->major)) ||
	    (d->has_minor && !valid_device_number(d->minor)))
		return petrel_error_set(err, 0,
					".linux.resources.devices[%zu]: major and minor must be "
					"-1 (any) or 0 to %" PRIu32,
					i, UINT32_MAX);

	*rule = (struct petrel_device_rule){
		.allow = d->allow,
		.type = type[0],
		.major = d->has_major ? d->major : -1,
		.minor = d->has_minor ? d->minor : -1,
	};
	memcpy(rule->access, access, strlen(access) + 1); /* at most "rwm" */
	return 0;
}

int petrel_cgroup_device_rules(const struct oci_resources *r, struct petrel_device_rule **rules,
			       size_t *n, struct petrel_error **err)
{
	size_t n_resources = r ? r->devices_len : 0;
	cleanup_free struct petrel_device_rule *out =
		calloc(1 + n_resources + N_DEFAULT_RULES, sizeof(*out));
	size_t len = 0;

	if (out == NULL)
		return petrel_error_errno(err, "device cgroup rules");

	out[len++] = (struct petrel_device_rule){
		.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"};

	for (size_t i = 0; i < n_resources; i++)
		if (resources_rule(&r->devices[i], i, &out[len++], err) < 0)
			return -1;

	memcpy(&out[len], default_rules, sizeof(default_rules));
	len += N_DEFAULT_RULES;

	*rules = steal_ptr(&out);
	*n = len;
	return 0;
}

static void format_device_number(int64_t n, char *buf, size_t size)
{
	if (n < 0)
		snprintf(buf, size, "*");
	else
		snprintf(buf, size, "%" PRId64, n);
}

void petrel_device_rule_line(const struct petrel_device_rule *rule,
			     char buf[PETREL_DEVICE_RULE_LINE_MAX])
{
	char major[24], minor[24];

	format_device_number(rule->major, major, sizeof(major));
	format_device_number(rule->minor, minor, sizeof(minor));
	snprintf(buf, PETREL_DEVICE_RULE_LINE_MAX, "%c %s:%s %s", rule->type, major, minor,
		 rule->access);
}
