/* Unit tests of the container's device cgroup rules (their order, the
 * defaults every container gets, wildcards, no rules for linux.devices,
 * and the errors for invalid linux.resources.devices entries) and of the
 * rules' v1 text form. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libpetrel/cgroup-devices.h"
#include "libpetrel/cgroup-internal.h"
#include "tap.h"

/* The lines a v1 cgroup would get, "allow c 1:3 rwm" or "deny a *:* rwm",
 * one a line. */
static char *rules_text(const struct petrel_device_rule *rules, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	char line[PETREL_DEVICE_RULE_LINE_MAX];

	for (size_t i = 0; i < n; i++) {
		petrel_device_rule_line(&rules[i], line);
		fprintf(f, "%s %s\n", rules[i].allow ? "allow" : "deny", line);
	}
	fclose(f);
	return text;
}

static const char defaults_text[] = "allow c *:* m\n"
				    "allow b *:* m\n"
				    "allow c 1:3 rwm\n"
				    "allow c 1:5 rwm\n"
				    "allow c 1:7 rwm\n"
				    "allow c 1:8 rwm\n"
				    "allow c 1:9 rwm\n"
				    "allow c 5:0 rwm\n"
				    "allow c 5:1 rwm\n"
				    "allow c 5:2 rwm\n"
				    "allow c 136:* rwm\n"
				    "allow c 10:200 rwm\n";

/* Parses a config whose "linux" object is linux_json. */
static struct oci_spec *spec_with_linux(const char *linux_json)
{
	struct oci_spec *spec = NULL;
	char *why = NULL, *json = NULL;

	if (asprintf(&json, "{\"ociVersion\": \"1.2.0\", \"linux\": %s}", linux_json) < 0)
		abort();
	if (oci_spec_parse_data(json, strlen(json), "config.json", &spec, &why) < 0) {
		printf("# parse: %s\n", why);
		free(why);
	}
	free(json);
	return spec;
}

/* The rules for a config's linux object as text, or the error message. */
static char *rules_for(const char *linux_json)
{
	struct oci_spec *spec = spec_with_linux(linux_json);
	struct petrel_device_rule *rules = NULL;
	struct petrel_error *err = NULL;
	size_t n = 0;
	char *text;

	if (spec == NULL || spec->linux == NULL)
		return strdup("(config did not parse)");
	if (petrel_cgroup_device_rules(spec->linux->resources, &rules, &n, &err) < 0) {
		text = strdup(petrel_error_message(err));
		petrel_error_free(err);
	} else {
		text = rules_text(rules, n);
	}
	free(rules);
	oci_spec_free(spec);
	return text;
}

static void rule_line_formats_wildcards(void)
{
	char line[PETREL_DEVICE_RULE_LINE_MAX];
	struct petrel_device_rule all = {
		.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"};
	struct petrel_device_rule null = {
		.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"};
	struct petrel_device_rule pts = {
		.allow = true, .type = 'c', .major = 136, .minor = -1, .access = "rw"};
	struct petrel_device_rule big = {.allow = true,
					 .type = 'b',
					 .major = 4294967295,
					 .minor = 4294967295,
					 .access = "m"};

	petrel_device_rule_line(&all, line);
	tap_is_str(line, "a *:* rwm", "rule_line: deny-all is \"a *:* rwm\"");
	petrel_device_rule_line(&null, line);
	tap_is_str(line, "c 1:3 rwm", "rule_line: a device is \"c 1:3 rwm\"");
	petrel_device_rule_line(&pts, line);
	tap_is_str(line, "c 136:* rw", "rule_line: a wildcard minor prints as *");
	petrel_device_rule_line(&big, line);
	tap_is_str(line, "b 4294967295:4294967295 m", "rule_line: the largest numbers fit");
}

static void rules_without_config_are_deny_all_then_defaults(void)
{
	struct petrel_device_rule *rules = NULL;
	struct petrel_error *err = NULL;
	size_t n = 0;
	char *want = NULL;

	tap_ok(petrel_cgroup_device_rules(NULL, &rules, &n, &err) == 0,
	       "rules: no config, no resources: succeeds");
	tap_ok(n == 13, "rules: deny-all plus 12 defaults (got %zu)", n);
	tap_ok(n > 0 && !rules[0].allow && rules[0].type == 'a' && rules[0].major == -1 &&
		       rules[0].minor == -1 && strcmp(rules[0].access, "rwm") == 0,
	       "rules: the first rule denies everything");
	if (asprintf(&want, "deny a *:* rwm\n%s", defaults_text) < 0)
		abort();
	char *got = rules_text(rules, n);
	tap_is_str(got, want, "rules: the defaults follow in order");
	free(got);
	free(want);
	free(rules);
}

static void resources_rules_come_before_the_defaults(void)
{
	char *want = NULL;
	char *got = rules_for("{\"resources\": {\"devices\": ["
			      "{\"allow\": false},"
			      "{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, "
			      "\"access\": \"rw\"},"
			      "{\"allow\": true, \"type\": \"b\", \"major\": 8},"
			      "{\"allow\": false, \"type\": \"a\", \"minor\": 3, \"access\": \"m\"}"
			      "]}}");

	if (asprintf(&want,
		     "deny a *:* rwm\n"
		     "deny a *:* rwm\n"
		     "allow c 10:229 rw\n"
		     "allow b 8:* rwm\n"
		     "deny a *:3 m\n"
		     "%s",
		     defaults_text) < 0)
		abort();
	tap_is_str(
		got, want,
		"rules: resources.devices in order, absent type/major/minor/access are a/*/*/rwm");
	free(got);
	free(want);
}

static void linux_devices_get_no_rule(void)
{
	char *want = NULL;
	char *got = rules_for(
		"{\"resources\": {\"devices\": [{\"allow\": false, \"type\": \"c\", "
		"\"major\": 1, \"minor\": 3}]},"
		"\"devices\": ["
		"{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229},"
		"{\"path\": \"/dev/sda\", \"type\": \"b\", \"major\": 8, \"minor\": 0}"
		"]}");

	if (asprintf(&want, "deny a *:* rwm\ndeny c 1:3 rwm\n%s", defaults_text) < 0)
		abort();
	tap_is_str(got, want, "rules: linux.devices get no rule of their own (as runc)");
	free(got);
	free(want);
}

static void empty_resources_devices_give_the_defaults(void)
{
	char *want = NULL;
	char *got = rules_for("{\"resources\": {\"devices\": []}}");

	if (asprintf(&want, "deny a *:* rwm\n%s", defaults_text) < 0)
		abort();
	tap_is_str(got, want, "rules: an empty resources.devices gives deny-all and the defaults");
	free(got);
	free(want);
}

static void invalid_entries_are_errors_naming_the_entry(void)
{
	static const struct {
		const char *linux_json, *message, *name;
	} cases[] = {
		{"{\"resources\": {\"devices\": [{\"allow\": true}, {\"allow\": true, \"type\": "
		 "\"x\"}]}}",
		 ".linux.resources.devices[1]: type \"x\" is not one of a, b, c", "a bad type"},
		{"{\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"cb\"}]}}",
		 ".linux.resources.devices[0]: type \"cb\"", "a two-letter type"},
		{"{\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}",
		 ".linux.resources.devices[0]: access \"rwx\" is not a combination of r, w, m",
		 "a letter outside rwm"},
		{"{\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rr\"}]}}",
		 ".linux.resources.devices[0]: access \"rr\"", "a repeated letter"},
		{"{\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"\"}]}}",
		 ".linux.resources.devices[0]: access \"\"", "an empty access"},
		{"{\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwmr\"}]}}",
		 ".linux.resources.devices[0]: access \"rwmr\"", "a four-letter access"},
		{"{\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": "
		 "-2}]}}",
		 ".linux.resources.devices[0]: major and minor must be -1 (any) or 0 to 4294967295",
		 "a negative major other than -1"},
		{"{\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"c\", \"minor\": "
		 "4294967296}]}}",
		 ".linux.resources.devices[0]: major and minor", "a minor above 32 bits"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = rules_for(cases[i].linux_json);
		tap_contains(got, cases[i].message, "rules: %s is an error naming the entry",
			     cases[i].name);
		free(got);
	}
}

static void valid_access_combinations_are_kept(void)
{
	static const char *const accesses[] = {"r", "w", "m", "rw", "mr", "wmr", "rwm"};

	for (size_t i = 0; i < sizeof(accesses) / sizeof(accesses[0]); i++) {
		char *json = NULL, *want = NULL;
		if (asprintf(&json,
			     "{\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"c\", "
			     "\"major\": 1, \"minor\": 3, \"access\": \"%s\"}]}}",
			     accesses[i]) < 0 ||
		    asprintf(&want, "allow c 1:3 %s\n", accesses[i]) < 0)
			abort();
		char *got = rules_for(json);
		tap_contains(got, want, "rules: access \"%s\" is kept", accesses[i]);
		free(got);
		free(json);
		free(want);
	}
}

int main(void)
{
	rule_line_formats_wildcards();
	rules_without_config_are_deny_all_then_defaults();
	resources_rules_come_before_the_defaults();
	linux_devices_get_no_rule();
	empty_resources_devices_give_the_defaults();
	invalid_entries_are_errors_naming_the_entry();
	valid_access_combinations_are_kept();
	return tap_done();
}
