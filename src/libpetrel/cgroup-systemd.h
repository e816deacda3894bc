/* The pure half of the systemd cgroup driver (cgroup-systemd-props.c): the
 * unit a cgroupsPath names, and the unit properties for linux.resources, the
 * device rules and org.systemd.property.* annotations, as the argv words the
 * petrel-systemd helper turns into D-Bus values. No I/O: the driver
 * (cgroup-systemd.c) and the unit tests call these. */
#ifndef PETREL_CGROUP_SYSTEMD_H
#define PETREL_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "argv.h"
#include "cgroup-internal.h"
#include "error.h"
#include "libocispec/ocispec.h"

/* The unit of a container: a scope in a slice, or (a name ending in
 * ".slice") a slice of its own. */
struct petrel_sd_unit {
	char *unit;  /* "petrel-ID.scope" */
	char *slice; /* the parent slice: "system.slice" */
	bool is_slice;
};

/* runc's cgroupsPath for systemd, "slice:prefix:name": the unit is
 * "prefix-name.scope" in "slice" (empty: system.slice), or "name" itself
 * when it ends in ".slice". A NULL or empty path is ":petrel:ID". Names are
 * checked as systemd checks them, so that a bad one fails before anything
 * is made. */
int petrel_sd_parse_cgroups_path(const char *path, const char *id, struct petrel_sd_unit *out,
				 struct petrel_error **err);
void petrel_sd_unit_release(struct petrel_sd_unit *u);

/* A slice's cgroup below systemd's root, as systemd nests slices by their
 * dashes: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice", "-.slice" ->
 * "". (malloc'd) */
int petrel_sd_expand_slice(const char *slice, char **out, struct petrel_error **err);

/* Unit properties as the helper's arguments: each is "-p NAME SIGNATURE
 * VALUE...", where the values follow the D-Bus signature: one word per
 * basic value (booleans "true"/"false", numbers in decimal), an array's
 * element count before its elements, a struct's fields in order. */
struct petrel_sd_props {
	struct petrel_argv words;
};
void petrel_sd_props_release(struct petrel_sd_props *p);
/* Appends one property: count words after the signature. */
int petrel_sd_props_add(struct petrel_sd_props *p, const char *name, const char *sig, size_t count,
			const char *const *words);
int petrel_sd_props_u64(struct petrel_sd_props *p, const char *name, uint64_t value);
int petrel_sd_props_bool(struct petrel_sd_props *p, const char *name, bool value);
int petrel_sd_props_str(struct petrel_sd_props *p, const char *name, const char *value);
/* The properties as one line, "Name=SIG:word,word; ...", for debug logs
 * and the tests (malloc'd, NULL without memory). */
char *petrel_sd_props_text(const struct petrel_sd_props *p);

/* CPUQuotaPerSecUSec for cpu.quota and cpu.period (0 for a period not
 * given: the kernel's 100000), as runc computes it: quota * 1000000 /
 * period, rounded up to a multiple of 10000 (systemd keeps the quota as a
 * whole percentage); a quota <= 0 is UINT64_MAX ("infinity"). *rounded gets
 * the quota that matches the rounded value, for the direct write to agree
 * with systemd. */
uint64_t petrel_sd_cpu_quota_per_sec(int64_t quota, uint64_t period, int64_t *rounded);

/* A cpuset list ("0-3,8") as systemd's AllowedCPUs / AllowedMemoryNodes
 * bitmask: bit j of byte i is CPU 8i+j, no trailing zero bytes. (bits
 * malloc'd) */
int petrel_sd_cpuset_bits(const char *list, uint8_t **bits, size_t *len, struct petrel_error **err);

/* The properties for linux.resources: v2 when systemd's hierarchy is cgroup
 * v2 (MemoryMax, CPUWeight, IOWeight...), else the v1 names (MemoryLimit,
 * CPUShares, BlockIOWeight). update: only what an update gives, leaving out
 * what needs a value the cgroup already has (a quota without its period).
 * What systemd cannot express is left to the direct writes. */
int petrel_sd_resource_props(const struct oci_resources *r, bool v2, bool update,
			     struct petrel_sd_props *p, struct petrel_error **err);

/* DevicePolicy and DeviceAllow for the container's device rules (the first
 * one denies everything): an allow list as systemd takes it ("char-*",
 * "char-136", "/dev/char/1:3"). Where systemd cannot say what a rule says
 * (a deny narrower than an earlier allow) the list allows more, never less:
 * petrel's own device program, written directly, enforces the rules
 * exactly. */
int petrel_sd_device_props(const struct petrel_device_rule *rules, size_t n,
			   struct petrel_sd_props *p, struct petrel_error **err);

/* One org.systemd.property.NAME annotation: NAME (letters only) and its
 * value in GVariant text format as runc and crun read it: true, false,
 * 'string', "string", typed numbers ("uint64 123", "@t 123", "int32 5"),
 * plain numbers (int32, or double with a point), arrays ("['a', 'b']",
 * "@as []"). A NAME ending in a lowercase letter and "Sec" is set as
 * NAMEUSec, its number of seconds in microseconds (TimeoutStopSec=5 is
 * TimeoutStopUSec=5000000). */
int petrel_sd_annotation_prop(const char *name, const char *value, struct petrel_sd_props *p,
			      struct petrel_error **err);
/* Every org.systemd.property.* annotation of the map (NULL: none). */
int petrel_sd_annotation_props(const struct oci_string_map *annotations, struct petrel_sd_props *p,
			       struct petrel_error **err);

#endif
