/* `exec --cgroup` values checked against a container's cgroup
 * (petrel_cgroup_sub_check): per-controller paths on v1 hierarchies, one
 * path a hierarchy where controllers share one (cpu,cpuacct), unknown
 * controllers, bad paths, and the v2 directory a process is born in. The
 * cgroups here are made up: nothing is read from the host. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "libpetrel/cgroup.h"
#include "libpetrel/error.h"
#include "tap.h"

static struct petrel_cgroup_dir v1_dirs[] = {
	{.controllers = "cpu,cpuacct", .path = "/cg/cpu,cpuacct/ct"},
	{.controllers = "memory", .path = "/cg/memory/ct"},
	{.controllers = "", .path = "/cg/unified/ct", .v2 = true},
};
static struct petrel_cgroup_dir v2_dirs[] = {
	{.controllers = "", .path = "/cg/ct", .v2 = true},
};
static struct petrel_cgroup hybrid = {.id = "ct", .dirs = v1_dirs, .n = 3, .v2_fd = -1};
static struct petrel_cgroup pure_v2 = {.id = "ct", .dirs = v2_dirs, .n = 1, .v2_fd = -1};
static struct petrel_cgroup none = {.id = "ct", .n = 0, .v2_fd = -1};

/* The check of sub against cg: "" when it passes (and *v2 gets the born-in
 * directory, or NULL), else the error's message. */
static const char *check(struct petrel_cgroup *cg, const char *sub, char **v2)
{
	static char msg[512];
	struct petrel_error *err = NULL;
	*v2 = NULL;
	if (petrel_cgroup_sub_check(cg, sub, v2, &err) == 0)
		return "";
	snprintf(msg, sizeof(msg), "%s", petrel_error_message(err));
	petrel_error_free(err);
	return msg;
}

int main(void)
{
	char *v2;

	tap_is_str(check(&hybrid, NULL, &v2), "", "no --cgroup passes");
	tap_ok(v2 == NULL, "no --cgroup: born in the container's own v2 directory");

	tap_is_str(check(&hybrid, "cpu:a\nmemory:b", &v2), "",
		   "different paths for controllers of different hierarchies");
	tap_ok(v2 == NULL, "controller paths leave the hybrid v2 directory alone");
	free(v2);

	tap_is_str(check(&hybrid, "cpu,cpuacct:a", &v2), "",
		   "one path for both controllers of one hierarchy");
	free(v2);
	tap_is_str(check(&hybrid, "cpu:a\ncpuacct:a", &v2), "",
		   "the same path twice for one hierarchy");
	free(v2);
	tap_contains(check(&hybrid, "cpu:a\ncpuacct:b", &v2), "share the hierarchy \"cpu,cpuacct\"",
		     "two paths for one hierarchy are an error naming it");
	free(v2);

	tap_contains(check(&hybrid, "foo:a", &v2), "unknown controller \"foo\"",
		     "an unknown controller is an error naming it");
	free(v2);
	tap_contains(check(&hybrid, "cpu,bogus:a", &v2), "unknown controller \"bogus\"",
		     "an unknown controller in a list is an error");
	free(v2);

	tap_is_str(check(&hybrid, "sub", &v2), "", "a plain path on a hybrid host");
	tap_is_str(v2 ? v2 : "(null)", "/cg/unified/ct/sub",
		   "a plain path names the v2 sub-cgroup too");
	free(v2);

	static const char *const bad[] = {"..", "a/../..", "/abs", "", "cpu:", "cpu:../x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tap_contains(check(&hybrid, bad[i], &v2), "a relative path without \"..\"",
			     "bad path \"%s\" refused", bad[i]);
		free(v2);
	}

	tap_is_str(check(&pure_v2, "sub", &v2), "", "a plain path on pure v2");
	tap_is_str(v2 ? v2 : "(null)", "/cg/ct/sub", "pure v2: born in the sub-cgroup");
	free(v2);
	tap_is_str(check(&pure_v2, "memory:sub", &v2), "", "pure v2: a value with controllers");
	tap_ok(v2 == NULL, "pure v2: a value with controllers names no directory (as runc)");
	free(v2);

	tap_contains(check(&none, "sub", &v2), "has no cgroup",
		     "a container without a cgroup takes no --cgroup");
	free(v2);
	return tap_done();
}
