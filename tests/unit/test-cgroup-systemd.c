/* The systemd driver's pure conversions: cgroupsPath to unit and slice, slice
 * expansion, the resources as unit properties (v1 and v2 names, shares to
 * CPUWeight, quota and period to CPUQuotaPerSecUSec, cpuset lists to
 * bitmasks), the device rules as DevicePolicy/DeviceAllow, and
 * org.systemd.property.* annotations in GVariant text. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "libpetrel/cgroup-systemd.h"
#include "tap.h"

/* ------------------------------------------------------------ unit names */

static void check_path(const char *path, const char *id, const char *unit, const char *slice,
		       bool is_slice)
{
	struct petrel_sd_unit u;
	struct petrel_error *err = NULL;
	if (!tap_ok(petrel_sd_parse_cgroups_path(path, id, &u, &err) == 0, "cgroupsPath \"%s\"",
		    path ? path : "(none)")) {
		printf("#   %s\n", petrel_error_message(err));
		petrel_error_free(err);
		return;
	}
	tap_is_str(u.unit, unit, "cgroupsPath \"%s\" -> unit %s", path ? path : "(none)", unit);
	tap_is_str(u.slice, slice, "cgroupsPath \"%s\" -> slice %s", path ? path : "(none)", slice);
	tap_ok(u.is_slice == is_slice, "cgroupsPath \"%s\" %s a slice", path ? path : "(none)",
	       is_slice ? "makes" : "does not make");
	petrel_sd_unit_release(&u);
}

static void check_path_error(const char *path, const char *id, const char *needle)
{
	struct petrel_sd_unit u;
	struct petrel_error *err = NULL;
	tap_ok(petrel_sd_parse_cgroups_path(path, id, &u, &err) < 0, "cgroupsPath \"%s\" refused",
	       path ? path : "(none)");
	tap_contains(err ? petrel_error_message(err) : NULL, needle, "... saying \"%s\"", needle);
	petrel_error_free(err);
}

static void cgroups_paths(void)
{
	check_path(NULL, "abc", "petrel-abc.scope", "system.slice", false);
	check_path("", "abc", "petrel-abc.scope", "system.slice", false);
	check_path("system.slice:petrel:abc", "x", "petrel-abc.scope", "system.slice", false);
	check_path(":runc:abc", "x", "runc-abc.scope", "system.slice", false);
	check_path("machine.slice:docker:0123", "x", "docker-0123.scope", "machine.slice", false);
	check_path("kubepods-besteffort.slice:crio:c1", "x", "crio-c1.scope",
		   "kubepods-besteffort.slice", false);
	check_path("system.slice:ignored:test-a.slice", "x", "test-a.slice", "system.slice", true);
	check_path("-.slice:p:n", "x", "p-n.scope", "-.slice", false);

	check_path_error("system.slice", "x", "slice:prefix:name");
	check_path_error("a:b:c:d", "x", "slice:prefix:name");
	check_path_error("system:petrel:x", "x", "invalid slice name \"system\"");
	check_path_error("a--b.slice:p:n", "x", "invalid slice name");
	check_path_error("a/b.slice:p:n", "x", "invalid slice name");
	check_path_error("system.slice:petrel:", "x", "the name part is empty");
	check_path_error(NULL, "a+b", "systemd allows only");
	check_path_error("system.slice:p:bad--.slice", "x", "invalid slice name \"bad--.slice\"");
}

static void expand_slices(void)
{
	static const char *const good[][2] = {
		{"system.slice", "/system.slice"},
		{"a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice"},
		{"user-1000.slice", "/user.slice/user-1000.slice"},
		{"-.slice", ""},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *out = NULL;
		struct petrel_error *err = NULL;
		tap_ok(petrel_sd_expand_slice(good[i][0], &out, &err) == 0, "expand %s",
		       good[i][0]);
		tap_is_str(out, good[i][1], "expand %s -> \"%s\"", good[i][0], good[i][1]);
		free(out);
		petrel_error_free(err);
	}
	static const char *const bad[] = {"-a.slice",  "a-.slice", "a--b.slice", ".slice",
					  "a/b.slice", "foo",      "a.scope",    "a b.slice"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		struct petrel_error *err = NULL;
		tap_ok(petrel_sd_expand_slice(bad[i], &out, &err) < 0 && out == NULL,
		       "slice \"%s\" refused", bad[i]);
		petrel_error_free(err);
	}
}

/* --------------------------------------------------------- cpu and cpuset */

static void cpu_quota(void)
{
	static const struct {
		int64_t quota;
		uint64_t period, per_sec;
		int64_t rounded;
	} cases[] = {
		{50000, 100000, 500000, 50000},
		{50000, 0, 500000, 50000},
		{150000, 50000, 3000000, 150000},
		/* 123450 us per second is 12.345%: rounded up to 13%. */
		{12345, 100000, 130000, 13000},
		{1, 100000, 10000, 1000},
		{-1, 100000, UINT64_MAX, -1},
		{0, 100000, UINT64_MAX, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t rounded = 7;
		uint64_t got =
			petrel_sd_cpu_quota_per_sec(cases[i].quota, cases[i].period, &rounded);
		if (!tap_ok(got == cases[i].per_sec && rounded == cases[i].rounded,
			    "quota %" PRId64 " period %" PRIu64 " -> CPUQuotaPerSecUSec %" PRIu64
			    ", quota %" PRId64,
			    cases[i].quota, cases[i].period, cases[i].per_sec, cases[i].rounded))
			printf("#   got %" PRIu64 ", quota %" PRId64 "\n", got, rounded);
	}
}

static void check_bits(const char *list, const uint8_t *want, size_t want_len)
{
	uint8_t *bits = NULL;
	size_t len = 0;
	struct petrel_error *err = NULL;
	int r = petrel_sd_cpuset_bits(list, &bits, &len, &err);
	bool same = r == 0 && len == want_len && memcmp(bits, want, len) == 0;
	if (!tap_ok(same, "cpuset \"%s\" -> %zu bytes", list, want_len)) {
		printf("#   got r=%d len=%zu:", r, len);
		for (size_t i = 0; r == 0 && i < len; i++)
			printf(" %02x", bits[i]);
		printf("\n");
	}
	free(bits);
	petrel_error_free(err);
}

static void cpuset_bits(void)
{
	check_bits("0", (const uint8_t[]){0x01}, 1);
	check_bits("0-3", (const uint8_t[]){0x0f}, 1);
	check_bits("1,3-5", (const uint8_t[]){0x3a}, 1);
	check_bits("8", (const uint8_t[]){0x00, 0x01}, 2);
	check_bits("0-9", (const uint8_t[]){0xff, 0x03}, 2);
	check_bits(" 2 , 4 ", (const uint8_t[]){0x14}, 1);
	check_bits("0,,1", (const uint8_t[]){0x03}, 1);
	check_bits("63", (const uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0x80}, 8);
	static const char *const bad[] = {"", "3-1", "a", "1-", "-1", "9000", "1 2", ","};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *bits = NULL;
		size_t len = 0;
		struct petrel_error *err = NULL;
		tap_ok(petrel_sd_cpuset_bits(bad[i], &bits, &len, &err) < 0,
		       "cpuset \"%s\" refused", bad[i]);
		free(bits);
		petrel_error_free(err);
	}
}

/* ------------------------------------------------------------- resources */

static char *resource_text(const char *json, bool v2, bool update)
{
	struct petrel_error *err = NULL;
	struct oci_resources *r = NULL;
	char *msg = NULL;
	if (oci_resources_parse_data(json, strlen(json), "resources", &r, &msg) < 0) {
		printf("#   parse: %s\n", msg);
		free(msg);
		return NULL;
	}
	struct petrel_sd_props p = {0};
	char *text = NULL;
	if (petrel_sd_resource_props(r, v2, update, &p, &err) == 0)
		text = petrel_sd_props_text(&p);
	else if (asprintf(&text, "error: %s", petrel_error_message(err)) < 0)
		text = NULL;
	petrel_error_free(err);
	petrel_sd_props_release(&p);
	oci_resources_free(r);
	return text;
}

static void check_resources(const char *json, bool v2, bool update, const char *want,
			    const char *name)
{
	char *text = resource_text(json, v2, update);
	tap_is_str(text, want, "%s", name);
	free(text);
}

static void resources(void)
{
	const char *full = "{\"memory\": {\"limit\": 1048576, \"reservation\": 524288, "
			   "\"swap\": 2097152}, \"cpu\": {\"shares\": 1024, \"quota\": 50000, "
			   "\"period\": 100000, \"cpus\": \"0-1\", \"mems\": \"0\"}, "
			   "\"pids\": {\"limit\": 10}, \"blockIO\": {\"weight\": 500, "
			   "\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 1000}]}}";
	check_resources(full, true, false,
			"MemoryMax=t:1048576; MemoryLow=t:524288; MemorySwapMax=t:1048576; "
			"CPUWeight=t:100; CPUQuotaPeriodUSec=t:100000; "
			"CPUQuotaPerSecUSec=t:500000; AllowedCPUs=ay:1,3; "
			"AllowedMemoryNodes=ay:1,1; TasksMax=t:10; IOWeight=t:4950; "
			"IODeviceWeight=a(st):1,/dev/block/8:0,10000",
			"v2: every resource systemd has a property for");
	check_resources(full, false, false,
			"MemoryLimit=t:1048576; CPUShares=t:1024; CPUQuotaPeriodUSec=t:100000; "
			"CPUQuotaPerSecUSec=t:500000; AllowedCPUs=ay:1,3; "
			"AllowedMemoryNodes=ay:1,1; TasksMax=t:10; BlockIOWeight=t:500; "
			"BlockIODeviceWeight=a(st):1,/dev/block/8:0,1000",
			"v1: runc's v1 property names");
	check_resources("{\"cpu\": {\"shares\": 2}}", true, false, "CPUWeight=t:1",
			"shares 2 -> CPUWeight 1");
	check_resources("{\"cpu\": {\"shares\": 262144}}", true, false, "CPUWeight=t:10000",
			"shares 262144 -> CPUWeight 10000");
	check_resources("{\"cpu\": {\"quota\": 12345}}", true, false, "CPUQuotaPerSecUSec=t:130000",
			"a quota without a period: 100 ms, rounded");
	check_resources("{\"cpu\": {\"quota\": -1, \"period\": 50000}}", true, false,
			"CPUQuotaPeriodUSec=t:50000; CPUQuotaPerSecUSec=t:18446744073709551615",
			"quota -1: infinity");
	check_resources("{\"cpu\": {\"quota\": 20000}}", true, true, "",
			"update: a quota without its period is left to the direct write");
	check_resources("{\"cpu\": {\"quota\": 20000, \"period\": 100000}}", true, true,
			"CPUQuotaPeriodUSec=t:100000; CPUQuotaPerSecUSec=t:200000",
			"update: quota and period");
	check_resources("{\"pids\": {\"limit\": 0}}", true, false, "TasksMax=t:1",
			"pids 0 -> TasksMax 1");
	check_resources("{\"pids\": {\"limit\": -1}}", true, false,
			"TasksMax=t:18446744073709551615", "pids -1 -> infinity");
	check_resources("{\"memory\": {\"limit\": -1}}", true, false,
			"MemoryMax=t:18446744073709551615; "
			"MemorySwapMax=t:18446744073709551615",
			"memory -1: memory and swap unlimited");
	check_resources("{\"memory\": {\"limit\": 1000, \"swap\": 1000}}", true, false,
			"MemoryMax=t:1000; MemorySwapMax=t:0", "swap == limit: no swap");
	check_resources("{\"memory\": {\"swap\": 5000}}", true, true, "",
			"update: swap alone is left to the direct write");
	check_resources("{\"unified\": {\"memory.high\": \"max\", \"memory.min\": \" 4096\\n\", "
			"\"pids.max\": \"0\", \"cpu.max\": \"max 50000\", \"cpu.weight\": "
			"\"200\", \"cpuset.cpus\": \"1\", \"io.max\": \"8:0 rbps=1\"}}",
			true, false,
			"MemoryHigh=t:18446744073709551615; MemoryMin=t:4096; TasksMax=t:1; "
			"CPUQuotaPeriodUSec=t:50000; CPUQuotaPerSecUSec=t:18446744073709551615; "
			"CPUWeight=t:200; AllowedCPUs=ay:1,2",
			"unified keys systemd knows; others only written directly");
	check_resources("{\"unified\": {\"memory.high\": \"lots\"}}", true, false,
			"error: unified resource \"memory.high\": invalid value \"lots\"",
			"an invalid unified value");
	check_resources("{\"cpu\": {\"cpus\": \"2-1\"}}", true, false,
			"error: cpu.cpus: invalid cpuset list \"2-1\"", "an invalid cpuset");
	check_resources("{\"unified\": {\"memory.high\": \"5\"}}", false, false, "",
			"v1: no unified properties");
}

/* ---------------------------------------------------------------- devices */

static void check_devices(const struct petrel_device_rule *rules, size_t n, const char *want,
			  const char *name)
{
	struct petrel_sd_props p = {0};
	struct petrel_error *err = NULL;
	char *text = NULL;
	if (petrel_sd_device_props(rules, n, &p, &err) == 0)
		text = petrel_sd_props_text(&p);
	tap_is_str(text, want, "%s", name);
	free(text);
	petrel_error_free(err);
	petrel_sd_props_release(&p);
}

#define RULE(allow, type, major, minor, access)                                                    \
	{                                                                                          \
		allow, type, major, minor, access                                                  \
	}

static void devices(void)
{
	struct petrel_device_rule *rules = NULL;
	size_t n = 0;
	struct petrel_error *err = NULL;
	tap_ok(petrel_cgroup_device_rules(NULL, &rules, &n, &err) == 0, "the default rules");
	check_devices(rules, n,
		      "DeviceAllow=a(ss):0; DevicePolicy=s:strict; "
		      "DeviceAllow=a(ss):12,char-*,m,block-*,m,/dev/char/1:3,rwm,"
		      "/dev/char/1:5,rwm,/dev/char/1:7,rwm,/dev/char/1:8,rwm,/dev/char/1:9,rwm,"
		      "/dev/char/5:0,rwm,/dev/char/5:1,rwm,/dev/char/5:2,rwm,char-136,rwm,"
		      "/dev/char/10:200,rwm",
		      "the default rules as an allow list");
	free(rules);
	petrel_error_free(err);

	const struct petrel_device_rule all[] = {
		RULE(false, 'a', -1, -1, "rwm"),
		RULE(true, 'a', -1, -1, "rwm"),
	};
	check_devices(all, 2, "DeviceAllow=a(ss):0; DevicePolicy=s:auto",
		      "allow everything: DevicePolicy auto");

	const struct petrel_device_rule narrowed[] = {
		RULE(false, 'a', -1, -1, "rwm"), RULE(true, 'c', 1, 3, "rwm"),
		RULE(true, 'b', 8, -1, "rw"),    RULE(false, 'c', 1, 3, "w"),
		RULE(false, 'b', -1, -1, "rwm"), RULE(true, 'a', 7, -1, "r"),
	};
	check_devices(narrowed, 6,
		      "DeviceAllow=a(ss):0; DevicePolicy=s:strict; "
		      "DeviceAllow=a(ss):3,/dev/char/1:3,rm,char-7,r,block-7,r",
		      "a deny takes access away; a deny of a whole type removes entries");

	const struct petrel_device_rule wider[] = {
		RULE(false, 'a', -1, -1, "rwm"),
		RULE(true, 'c', -1, -1, "rwm"),
		RULE(false, 'c', 1, 3, "rwm"),
		RULE(true, 'c', -1, 5, "r"),
	};
	check_devices(wider, 4,
		      "DeviceAllow=a(ss):0; DevicePolicy=s:strict; "
		      "DeviceAllow=a(ss):2,char-*,rwm,char-*,r",
		      "what systemd cannot say is allowed more widely, never less");

	const struct petrel_device_rule none[] = {RULE(false, 'a', -1, -1, "rwm")};
	check_devices(none, 1, "DeviceAllow=a(ss):0; DevicePolicy=s:strict", "deny everything");
}

/* ------------------------------------------------------------ annotations */

static void check_annotation(const char *name, const char *value, const char *want)
{
	struct petrel_sd_props p = {0};
	struct petrel_error *err = NULL;
	char *text = NULL;
	if (petrel_sd_annotation_prop(name, value, &p, &err) == 0)
		text = petrel_sd_props_text(&p);
	else
		text = NULL;
	if (want)
		tap_is_str(text, want, "annotation %s=%s", name, value);
	else
		tap_ok(text == NULL && err != NULL, "annotation %s=%s refused", name, value);
	free(text);
	petrel_error_free(err);
	petrel_sd_props_release(&p);
}

static void annotations(void)
{
	check_annotation("TimeoutStopUSec", "uint64 123456789", "TimeoutStopUSec=t:123456789");
	check_annotation("CollectMode", "'inactive-or-failed'", "CollectMode=s:inactive-or-failed");
	check_annotation("CollectMode", "\"it's \\\"x\\\"\"", "CollectMode=s:it's \"x\"");
	check_annotation("TimeoutStopSec", "456", "TimeoutStopUSec=t:456000000");
	check_annotation("TimeoutStopSec", "1.5", "TimeoutStopUSec=t:1500000");
	check_annotation("TimeoutStopSec", "byte 234", "TimeoutStopUSec=t:234000000");
	check_annotation("TimeoutStopSec", "uint16 234", "TimeoutStopUSec=t:234000000");
	check_annotation("RuntimeMaxSec", "uint64 18446744073709",
			 "RuntimeMaxUSec=t:18446744073709000000");
	check_annotation("DefaultDependencies", "true", "DefaultDependencies=b:true");
	check_annotation("Delegate", " false ", "Delegate=b:false");
	check_annotation("Wants", "['a.service', \"b.service\"]", "Wants=as:2,a.service,b.service");
	check_annotation("Wants", "@as []", "Wants=as:0");
	check_annotation("Nice", "-5", "Nice=i:-5");
	check_annotation("CPUWeight", "@t 5", "CPUWeight=t:5");
	check_annotation("LimitNOFILE", "uint32 5", "LimitNOFILE=u:5");
	check_annotation("SomeDouble", "double 2", "SomeDouble=d:2");
	check_annotation("AllowedCPUs", "[byte 1, 2]", "AllowedCPUs=ay:2,1,2");
	check_annotation("Sizes", "[uint64 1, 2]", "Sizes=at:2,1,2");

	check_annotation("Ab", "true", NULL);
	check_annotation("Bad1", "true", NULL);
	check_annotation("Foo", "uint64 -1", NULL);
	check_annotation("Foo", "[]", NULL);
	check_annotation("Foo", "'unterminated", NULL);
	check_annotation("Foo", "int32 9999999999", NULL);
	check_annotation("Foo", "byte 256", NULL);
	check_annotation("Foo", "truely", NULL);
	check_annotation("Foo", "['a', 1]", NULL);
	check_annotation("Foo", "@s ['a']", NULL);
	check_annotation("Foo", "", NULL);
	check_annotation("TimeoutStopSec", "'five'", NULL);
	check_annotation("TimeoutStopSec", "-1", NULL);

	/* Only the org.systemd.property. keys of a map. */
	char *keys[] = {(char *)"org.systemd.property.CollectMode", (char *)"other.Thing",
			(char *)"org.systemd.property.TimeoutStopSec"};
	char *values[] = {(char *)"'inactive-or-failed'", (char *)"x", (char *)"2"};
	struct oci_string_map map = {.keys = keys, .values = values, .len = 3};
	struct petrel_sd_props p = {0};
	struct petrel_error *err = NULL;
	tap_ok(petrel_sd_annotation_props(&map, &p, &err) == 0, "annotation map");
	char *text = petrel_sd_props_text(&p);
	tap_is_str(text, "CollectMode=s:inactive-or-failed; TimeoutStopUSec=t:2000000",
		   "only org.systemd.property.* keys");
	free(text);
	petrel_sd_props_release(&p);
	values[0] = (char *)"nonsense here";
	tap_ok(petrel_sd_annotation_props(&map, &p, &err) < 0, "a bad annotation fails");
	tap_contains(err ? petrel_error_message(err) : NULL, "org.systemd.property.CollectMode",
		     "... naming it");
	petrel_error_free(err);
	petrel_sd_props_release(&p);
}

static void helper_words(void)
{
	struct petrel_sd_props p = {0};
	const char *pids[] = {"1", "42"};
	tap_ok(petrel_sd_props_u64(&p, "MemoryMax", 5) == 0 &&
		       petrel_sd_props_bool(&p, "Delegate", true) == 0 &&
		       petrel_sd_props_str(&p, "Slice", "system.slice") == 0 &&
		       petrel_sd_props_add(&p, "PIDs", "au", 2, pids) == 0,
	       "properties added");
	char joined[256] = "";
	for (size_t i = 0; i < p.words.n; i++)
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 i ? " " : "", p.words.v[i]);
	tap_is_str(joined,
		   "-p MemoryMax t 5 -p Delegate b true -p Slice s system.slice -p PIDs au 1 42",
		   "the helper's words");
	tap_ok(p.words.v[p.words.n] == NULL, "NULL-terminated");
	petrel_sd_props_release(&p);
}

int main(void)
{
	cgroups_paths();
	expand_slices();
	cpu_quota();
	cpuset_bits();
	resources();
	devices();
	annotations();
	helper_words();
	return tap_done();
}
