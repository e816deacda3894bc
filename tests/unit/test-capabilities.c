/* Unit tests of the capability name table, resolving process.capabilities to
 * masks, and applying the five sets around a uid switch. The applying tests
 * change the process's credentials, so each runs in a fork()ed child that
 * checks /proc/self/status and reports through its exit status. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libpetrel/capabilities.h"
#include "libpetrel/log.h"
#include "tap.h"

#define BIT(cap) (UINT64_C(1) << (cap))

static char log_path[] = "/tmp/petrel-test-caps-log-XXXXXX";

/* What the logger wrote since the last call (and forgets it). */
static char *take_log(void)
{
	static char buf[8192];
	int fd = open(log_path, O_RDWR | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0) {
		if (ftruncate(fd, 0) < 0)
			buf[0] = '\0';
		close(fd);
	}
	return buf;
}

static struct oci_process *parse_process(const char *json)
{
	struct oci_process *p = NULL;
	char *why = NULL;
	if (oci_process_parse_data(json, strlen(json), "process.json", &p, &why) < 0) {
		printf("# parse: %s\n", why);
		free(why);
	}
	return p;
}

static void test_name_table(void)
{
	tap_ok(petrel_cap_count == 41, "cap_table_has_41_names (got %d)", petrel_cap_count);
	tap_is_str(petrel_cap_name(0), "CAP_CHOWN", "cap_name_0_is_chown");
	tap_is_str(petrel_cap_name(21), "CAP_SYS_ADMIN", "cap_name_21_is_sys_admin");
	tap_is_str(petrel_cap_name(40), "CAP_CHECKPOINT_RESTORE",
		   "cap_name_40_is_checkpoint_restore");
	tap_ok(petrel_cap_name(41) == NULL && petrel_cap_name(-1) == NULL,
	       "cap_name_out_of_table_is_null");

	/* libcap's own table is an independent source of the numbers. */
	int mismatches = 0, compared = 0;
	for (int cap = 0; cap < petrel_cap_count; cap++) {
		char *lc = cap_to_name((cap_value_t)cap);
		if (lc == NULL || isdigit((unsigned char)lc[0])) { /* libcap older than the cap */
			cap_free(lc);
			continue;
		}
		for (char *c = lc; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		if (petrel_cap_name(cap) == NULL || strcmp(lc, petrel_cap_name(cap)) != 0) {
			printf("# %d: libcap %s, petrel %s\n", cap, lc, petrel_cap_name(cap));
			mismatches++;
		}
		compared++;
		cap_free(lc);
	}
	tap_ok(mismatches == 0 && compared >= 38, "cap_numbers_agree_with_libcap (%d compared)",
	       compared);

	int round_trip_failures = 0;
	for (int cap = 0; cap < petrel_cap_count; cap++)
		if (petrel_cap_from_name(petrel_cap_names[cap], NULL) != cap)
			round_trip_failures++;
	tap_ok(round_trip_failures == 0, "cap_every_name_round_trips");
}

static void test_from_name(void)
{
	struct petrel_error *err = NULL;
	tap_ok(petrel_cap_from_name("CAP_SYS_ADMIN", NULL) == 21, "cap_from_name_exact");
	tap_ok(petrel_cap_from_name("cap_net_raw", NULL) == 13,
	       "cap_from_name_is_case_insensitive");
	tap_ok(petrel_cap_from_name("Net_Bind_Service", NULL) == 10,
	       "cap_from_name_without_prefix");
	tap_ok(petrel_cap_from_name("CAP_FOO", &err) == -1, "cap_from_name_refuses_unknown");
	tap_is_str(err ? petrel_error_message(err) : NULL, "unknown capability \"CAP_FOO\"",
		   "cap_from_name_unknown_message");
	petrel_error_free(err);
	tap_ok(petrel_cap_from_name("", NULL) == -1 && petrel_cap_from_name("CAP_", NULL) == -1 &&
		       petrel_cap_from_name(" CAP_KILL", NULL) == -1 &&
		       petrel_cap_from_name("CAP_CAP_KILL", NULL) == -1,
	       "cap_from_name_refuses_empty_and_malformed");
}

static void test_cap_last(void)
{
	int want = -1;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f == NULL || fscanf(f, "%d", &want) != 1)
		want = -1;
	if (f)
		fclose(f);
	int last = petrel_cap_last();
	tap_ok(last == want, "cap_last_reads_the_kernel (got %d, want %d)", last, want);
	errno = 0;
	tap_ok(prctl(PR_CAPBSET_READ, (unsigned long)last + 1, 0, 0, 0) < 0 && errno == EINVAL &&
		       prctl(PR_CAPBSET_READ, (unsigned long)last, 0, 0, 0) >= 0,
	       "cap_last_is_the_last_cap_the_kernel_accepts");
}

static void test_resolve(void)
{
	struct petrel_caps caps = {.bounding = 42, .set = true};
	struct petrel_error *err = NULL;
	tap_ok(petrel_caps_resolve(NULL, &caps, &err) == 0 && !caps.set && caps.bounding == 0,
	       "resolve_without_capabilities_is_unset");

	struct oci_process *p = parse_process(
		"{\"cwd\":\"/\",\"capabilities\":{"
		"\"bounding\":[\"CAP_KILL\",\"cap_chown\",\"NET_BIND_SERVICE\"],"
		"\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\",\"CAP_CHOWN\"],"
		"\"inheritable\":[\"CAP_NET_BIND_SERVICE\"],\"ambient\":[\"CAP_NET_BIND_SERVICE\"]}"
		"}");
	tap_ok(p && petrel_caps_resolve(p->capabilities, &caps, &err) == 0 && caps.set &&
		       caps.bounding == (BIT(5) | BIT(0) | BIT(10)) && caps.effective == BIT(5) &&
		       caps.permitted == (BIT(5) | BIT(0)) && caps.inheritable == BIT(10) &&
		       caps.ambient == BIT(10),
	       "resolve_makes_the_five_masks");
	oci_process_free(p);

	p = parse_process("{\"cwd\":\"/\",\"capabilities\":{}}");
	caps = (struct petrel_caps){.bounding = 1};
	tap_ok(p && petrel_caps_resolve(p->capabilities, &caps, NULL) == 0 && caps.set &&
		       caps.bounding == 0 && caps.permitted == 0,
	       "resolve_empty_capabilities_object_keeps_nothing");
	oci_process_free(p);

	p = parse_process("{\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_KILL\"],"
			  "\"inheritable\":[\"CAP_KILL\",\"CAP_FOO\"]}}");
	take_log();
	tap_ok(p && petrel_caps_resolve(p->capabilities, &caps, &err) == 0 &&
		       caps.bounding == BIT(5) && caps.inheritable == BIT(5),
	       "resolve_leaves_an_unknown_name_out");
	tap_contains(take_log(),
		     "unknown capability \\\"CAP_FOO\\\" in .process.capabilities.inheritable; "
		     "ignoring it",
		     "resolve_warns_about_an_unknown_name_naming_the_set");
	oci_process_free(p);

	/* A kernel whose last capability is CAP_AUDIT_READ (37). */
	take_log();
	p = parse_process("{\"cwd\":\"/\",\"capabilities\":{"
			  "\"bounding\":[\"CAP_KILL\",\"CAP_BPF\",\"CAP_AUDIT_READ\"]}}");
	tap_ok(p && petrel_caps_resolve_for(p->capabilities, 37, &caps, &err) == 0 &&
		       caps.bounding == (BIT(5) | BIT(37)),
	       "resolve_skips_caps_newer_than_the_kernel");
	tap_contains(take_log(), "CAP_BPF\\\" in .process.capabilities.bounding is not supported",
		     "resolve_warns_about_caps_newer_than_the_kernel");
	oci_process_free(p);
}

/* ------------------------------------------------------ in a child process */

/* The hex mask of a Cap* line of /proc/self/status. */
static uint64_t status_mask(const char *field)
{
	char line[256];
	uint64_t mask = UINT64_MAX;
	FILE *f = fopen("/proc/self/status", "re");
	size_t n = strlen(field);
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			mask = strtoull(line + n + 1, NULL, 16);
	if (f)
		fclose(f);
	return mask;
}

#define CHECK(cond) TAP_CHILD_CHECK(cond)

static int resolve_json(const char *json, struct petrel_caps *caps)
{
	struct petrel_error *err = NULL;
	struct oci_process *p = parse_process(json);
	int r = p ? petrel_caps_resolve(p->capabilities, caps, &err) : -1;
	if (err)
		printf("#   child: %s\n", petrel_error_message(err));
	petrel_error_free(err);
	oci_process_free(p);
	return r;
}

static int report(int r, struct petrel_error **err)
{
	if (r < 0)
		printf("#   child: %s\n", *err ? petrel_error_message(*err) : "?");
	petrel_error_free(*err);
	*err = NULL;
	return r;
}

/* The init's sequence: prepare, switch to uid/gid 1000, apply. */
static int switch_user_with(const struct petrel_caps *caps)
{
	struct petrel_error *err = NULL;
	if (report(petrel_caps_prepare(caps, &err), &err) < 0)
		return -1;
	if (setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0)
		return -1;
	err = NULL;
	return report(petrel_caps_apply(caps, &err), &err);
}

static int child_applies_all_five_sets(void)
{
	struct petrel_caps caps;
	CHECK(resolve_json("{\"cwd\":\"/\",\"capabilities\":{"
			   "\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\",\"CAP_NET_BIND_SERVICE\"],"
			   "\"permitted\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
			   "\"effective\":[\"CAP_KILL\"],"
			   "\"inheritable\":[\"CAP_NET_BIND_SERVICE\"],"
			   "\"ambient\":[\"CAP_NET_BIND_SERVICE\"]}}",
			   &caps) == 0);
	CHECK(switch_user_with(&caps) == 0);
	CHECK(getuid() == 1000);
	CHECK(status_mask("CapBnd") == (BIT(0) | BIT(5) | BIT(10)));
	CHECK(status_mask("CapPrm") == (BIT(5) | BIT(10)));
	CHECK(status_mask("CapEff") == BIT(5));
	CHECK(status_mask("CapInh") == BIT(10));
	CHECK(status_mask("CapAmb") == BIT(10));
	CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0);
	/* Across execve the ambient capability becomes permitted and effective
	 * for uid 1000. */
	execl("/bin/sh", "sh", "-c",
	      "grep -q '^CapEff:.0000000000000400$' /proc/self/status && "
	      "grep -q '^CapPrm:.0000000000000400$' /proc/self/status",
	      (char *)NULL);
	return 2;
}

static int child_leaves_inheritable_empty(void)
{
	struct petrel_caps caps;
	/* Ambient without inheritable cannot be raised: a warning, no error. */
	CHECK(resolve_json("{\"cwd\":\"/\",\"capabilities\":{"
			   "\"bounding\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
			   "\"permitted\":[\"CAP_NET_BIND_SERVICE\"],"
			   "\"effective\":[\"CAP_NET_BIND_SERVICE\",\"CAP_KILL\"],"
			   "\"ambient\":[\"CAP_NET_BIND_SERVICE\"]}}",
			   &caps) == 0);
	take_log();
	CHECK(switch_user_with(&caps) == 0);
	CHECK(status_mask("CapInh") == 0);
	CHECK(status_mask("CapAmb") == 0);
	CHECK(status_mask("CapPrm") == BIT(10));
	CHECK(status_mask("CapEff") == BIT(10));
	const char *log = take_log();
	CHECK(strstr(log, "cannot raise ambient CAP_NET_BIND_SERVICE") != NULL);
	CHECK(strstr(log, "cannot grant CAP_KILL in the effective set") != NULL);
	return 0;
}

/* One prepare+apply as uid 0 (no switch), from a process document. */
static int apply_json(const char *json)
{
	struct petrel_caps caps;
	struct petrel_error *err = NULL;
	if (resolve_json(json, &caps) < 0 || report(petrel_caps_prepare(&caps, &err), &err) < 0)
		return -1;
	return report(petrel_caps_apply(&caps, &err), &err);
}

#define CAPS_JSON(perm, eff, inh)                                                                  \
	"{\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\","               \
	"\"CAP_SETPCAP\",\"CAP_NET_RAW\"],\"permitted\":[" perm "],\"effective\":[" eff "],"       \
	"\"inheritable\":[" inh "]}}"

/* What the kernel would refuse is left out with a warning, not an error. */
static int child_warns_about_caps_it_cannot_grant(void)
{
	CHECK(apply_json(CAPS_JSON("\"CAP_CHOWN\",\"CAP_SETPCAP\"", "\"CAP_CHOWN\",\"CAP_SETPCAP\"",
				   "")) == 0);
	CHECK(status_mask("CapPrm") == (BIT(0) | BIT(8)) && status_mask("CapInh") == 0);
	/* With CAP_SETPCAP effective, inheritable may take CAP_KILL from the
	 * bounding set although it is not permitted. */
	CHECK(apply_json(CAPS_JSON("\"CAP_CHOWN\",\"CAP_SETPCAP\"", "\"CAP_CHOWN\"",
				   "\"CAP_KILL\"")) == 0);
	CHECK(status_mask("CapInh") == BIT(5) && status_mask("CapEff") == BIT(0));
	/* Without it: CAP_NET_RAW is neither permitted nor inheritable, and
	 * CAP_KILL, once out of permitted, cannot come back. */
	take_log();
	CHECK(apply_json(CAPS_JSON("\"CAP_CHOWN\",\"CAP_KILL\"", "\"CAP_CHOWN\",\"CAP_KILL\"",
				   "\"CAP_KILL\",\"CAP_NET_RAW\"")) == 0);
	CHECK(status_mask("CapPrm") == BIT(0) && status_mask("CapEff") == BIT(0));
	CHECK(status_mask("CapInh") == BIT(5));
	CHECK(status_mask("CapBnd") == (BIT(0) | BIT(5) | BIT(8) | BIT(13)));
	const char *log = take_log();
	CHECK(strstr(log, "cannot grant CAP_KILL in the permitted set") != NULL);
	CHECK(strstr(log, "cannot grant CAP_KILL in the effective set") != NULL);
	CHECK(strstr(log, "cannot grant CAP_NET_RAW in the inheritable set") != NULL);
	return 0;
}

static int child_without_capabilities_changes_nothing(void)
{
	struct petrel_caps caps;
	struct petrel_error *err = NULL;
	uint64_t bnd = status_mask("CapBnd"), prm = status_mask("CapPrm");
	CHECK(petrel_caps_resolve(NULL, &caps, NULL) == 0);
	CHECK(report(petrel_caps_prepare(&caps, &err), &err) == 0);
	err = NULL;
	CHECK(report(petrel_caps_apply(&caps, &err), &err) == 0);
	CHECK(status_mask("CapBnd") == bnd && status_mask("CapPrm") == prm);
	CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0);
	return 0;
}

static void test_apply(void)
{
	if (geteuid() != 0 || prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) != 1) {
		for (int i = 0; i < 4; i++)
			tap_ok(true, "caps_apply_%d # SKIP needs root with CAP_SETPCAP", i);
		return;
	}
	tap_ok(tap_in_child(child_applies_all_five_sets),
	       "caps_apply_sets_all_five_sets_across_setuid");
	tap_ok(tap_in_child(child_leaves_inheritable_empty),
	       "caps_apply_never_fills_inheritable_and_skips_impossible_ambient");
	tap_ok(tap_in_child(child_warns_about_caps_it_cannot_grant),
	       "caps_apply_warns_about_caps_it_cannot_grant");
	tap_ok(tap_in_child(child_without_capabilities_changes_nothing),
	       "caps_without_capabilities_are_a_no_op");
}

int main(void)
{
	int fd = mkstemp(log_path);
	struct petrel_error *err = NULL;
	if (fd < 0 || petrel_log_init(log_path, PETREL_LOG_TEXT, false, &err) < 0) {
		printf("Bail out! cannot open a log file\n");
		return 1;
	}
	/* Children read it back after switching to uid 1000. */
	if (fchmod(fd, 0666) < 0)
		printf("# fchmod %s failed\n", log_path);
	close(fd);
	test_name_table();
	test_from_name();
	test_cap_last();
	test_resolve();
	test_apply();
	unlink(log_path);
	return tap_done();
}
