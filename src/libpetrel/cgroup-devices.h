/* The text form of a device cgroup rule, as the v1 devices.allow and
 * devices.deny files take it ("c 1:3 rwm", "a *:* rwm"). Kept apart from
 * cgroup-internal.h so the unit test can check it. */
#ifndef PETREL_CGROUP_DEVICES_H
#define PETREL_CGROUP_DEVICES_H

#include <stddef.h>

#include "cgroup-internal.h"

/* Room for the longest line: a type, two 64-bit numbers, "rwm". */
#define PETREL_DEVICE_RULE_LINE_MAX 64

/* Formats rule into buf; -1 (a wildcard) prints as "*". */
void petrel_device_rule_line(const struct petrel_device_rule *rule,
			     char buf[PETREL_DEVICE_RULE_LINE_MAX]);

#endif
