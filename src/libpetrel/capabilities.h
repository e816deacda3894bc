/* Capabilities: the CAP_* name table and applying process.capabilities (all
 * five sets) in the container's init, in the order the spec and the kernel
 * need around the switch to the container's user. */
#ifndef PETREL_CAPABILITIES_H
#define PETREL_CAPABILITIES_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "libocispec/ocispec.h"

/* "CAP_SYS_ADMIN" (case-insensitive, the CAP_ prefix optional as in runc's
 * exec --cap) -> 21. -1 with *err when unknown. */
int petrel_cap_from_name(const char *name, struct petrel_error **err);
/* 21 -> "CAP_SYS_ADMIN"; NULL when out of the table. */
const char *petrel_cap_name(int cap);
/* The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap). */
int petrel_cap_last(void);

/* The five sets as bit masks, resolved from names before anything changes,
 * so that an unknown name is an error at create time:
 * `unknown capability "CAP_FOO" in .process.capabilities.bounding`.
 * Known capabilities above the kernel's last one are left out with a warning
 * (as runc does). caps NULL (no process.capabilities) gives set = false. */
struct petrel_caps {
	uint64_t bounding, effective, permitted, inheritable, ambient;
	bool set; /* process.capabilities was given */
};
int petrel_caps_resolve(const struct oci_capabilities *caps, struct petrel_caps *out,
			struct petrel_error **err);
/* The same against a given last capability instead of the running kernel's
 * (for tests). */
int petrel_caps_resolve_for(const struct oci_capabilities *caps, int last_cap,
			    struct petrel_caps *out, struct petrel_error **err);

/* Both are no-ops when caps->set is false: the process keeps what it has.
 *
 * Before the uid/gid switch: drop from the bounding set what is not in
 * caps->bounding and set PR_SET_KEEPCAPS so the permitted set survives the
 * setresuid(). */
int petrel_caps_prepare(const struct petrel_caps *caps, struct petrel_error **err);
/* After the switch: set effective/permitted/inheritable exactly as given
 * (inheritable is never filled from bounding: CVE-2022-27650), then clear the
 * ambient set and raise the ambient ones; clears KEEPCAPS. What the kernel
 * cannot grant (not held by the runtime, effective outside permitted, ambient
 * outside permitted and inheritable) is left out with a warning, as the spec
 * asks. */
int petrel_caps_apply(const struct petrel_caps *caps, struct petrel_error **err);

/* The names of every capability petrel knows, for `features`. */
extern const char *const petrel_cap_names[];
extern const int petrel_cap_count;

#endif
