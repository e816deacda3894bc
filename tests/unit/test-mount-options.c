/* Unit tests of the mount option table (src/libpetrel/mounts.c): every option
 * of the runtime spec's Linux mount options list is known, and each option
 * lands where it belongs: mount(2) flags, propagation, recursive attributes
 * for mount_setattr(2), or filesystem data. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libpetrel/mounts.h"
#include "tap.h"

/* The option names of config.md's "Linux mount options" table. */
static const char *spec_options[] = {
	"async",          "atime",      "bind",         "defaults",    "dev",
	"diratime",       "dirsync",    "exec",         "iversion",    "lazytime",
	"loud",           "mand",       "noatime",      "nodev",       "nodiratime",
	"noexec",         "noiversion", "nolazytime",   "nomand",      "norelatime",
	"nostrictatime",  "nosuid",     "nosymfollow",  "private",     "ratime",
	"rbind",          "rdev",       "rdiratime",    "relatime",    "remount",
	"rexec",          "rnoatime",   "rnodiratime",  "rnoexec",     "rnorelatime",
	"rnostrictatime", "rnosuid",    "rnosymfollow", "ro",          "rprivate",
	"rrelatime",      "rro",        "rrw",          "rshared",     "rslave",
	"rstrictatime",   "rsuid",      "rsymfollow",   "runbindable", "rw",
	"shared",         "silent",     "slave",        "strictatime", "suid",
	"symfollow",      "sync",       "tmpcopyup",    "unbindable",  "idmap",
	"ridmap",
};

/* Parses a comma-separated list (a test convenience: real options come as
 * an array, and may contain commas of their own). */
static int parse(const char *list, struct petrel_mount_options *o, char **error)
{
	char *copy = strdup(list), *save = NULL, *v[64];
	size_t n = 0;
	for (char *t = strtok_r(copy, ",", &save); t && n < 64; t = strtok_r(NULL, ",", &save))
		v[n++] = t;
	struct petrel_error *err = NULL;
	int r = petrel_mount_options_parse(v, n, o, &err);
	if (error)
		*error = r < 0 ? strdup(petrel_error_message(err)) : NULL;
	petrel_error_free(err);
	free(copy);
	return r;
}

static void test_every_spec_option_is_known(void)
{
	size_t unknown = 0;
	for (size_t i = 0; i < sizeof(spec_options) / sizeof(spec_options[0]); i++) {
		struct petrel_mount_options o;
		char *v[] = {(char *)spec_options[i]};
		if (petrel_mount_options_parse(v, 1, &o, NULL) < 0 || o.data != NULL) {
			printf("# not in the table: %s\n", spec_options[i]);
			unknown++;
		}
		petrel_mount_options_release(&o);
	}
	tap_ok(unknown == 0, "every_spec_mount_option_is_in_the_table");
}

static void test_flags_and_data_combine(void)
{
	struct petrel_mount_options o;
	parse("ro,nosuid,mode=755,size=1m", &o, NULL);
	tap_ok(o.flags == (MS_RDONLY | MS_NOSUID), "ro_nosuid_become_mount_flags");
	tap_is_str(o.data, "mode=755,size=1m", "filesystem_options_become_data_in_order");
	tap_ok(o.propagation_len == 0 && o.rec_set == 0 && o.rec_clr == 0,
	       "plain_options_set_no_propagation_or_recursive_attributes");
	petrel_mount_options_release(&o);

	parse("nosuid,strictatime,mode=755,size=65536k", &o, NULL);
	tap_ok(o.flags == (MS_NOSUID | MS_STRICTATIME), "strictatime_is_a_mount_flag");
	tap_is_str(o.data, "mode=755,size=65536k", "tmpfs_data_of_the_default_dev_mount");
	petrel_mount_options_release(&o);

	parse("nosuid,nodev,noexec", &o, NULL);
	tap_ok(o.data == NULL, "no_filesystem_options_means_no_data");
	petrel_mount_options_release(&o);
}

static void test_unknown_options_are_data(void)
{
	struct petrel_mount_options o;
	parse("nofoo,foo,newinstance,ptmxmode=0666,gid=5", &o, NULL);
	tap_is_str(o.data, "nofoo,foo,newinstance,ptmxmode=0666,gid=5",
		   "unknown_options_are_passed_as_filesystem_data");
	tap_ok(o.flags == 0, "unknown_options_set_no_flags");
	petrel_mount_options_release(&o);

	char *v[] = {(char *)"context=\"a,b\""};
	petrel_mount_options_parse(v, 1, &o, NULL);
	tap_is_str(o.data, "context=\"a,b\"", "an_option_with_a_comma_is_passed_as_is");
	petrel_mount_options_release(&o);

	char *empty[] = {(char *)"ro", (char *)""};
	struct petrel_error *err = NULL;
	int r = petrel_mount_options_parse(empty, 2, &o, &err);
	tap_ok(r < 0, "an_empty_option_is_refused");
	tap_contains(err ? petrel_error_message(err) : NULL, "options[1]: empty mount option",
		     "the_empty_option_error_names_its_index");
	petrel_error_free(err);
}

static void test_later_options_win(void)
{
	struct petrel_mount_options o;
	parse("ro,rw", &o, NULL);
	tap_ok(!(o.flags & MS_RDONLY) && (o.cleared & MS_RDONLY), "rw_after_ro_clears_and_records");
	petrel_mount_options_release(&o);
	parse("rw,ro", &o, NULL);
	tap_ok((o.flags & MS_RDONLY) && !(o.cleared & MS_RDONLY), "ro_after_rw_sets_read_only");
	petrel_mount_options_release(&o);
	parse("noatime,strictatime", &o, NULL);
	tap_ok(o.flags == MS_STRICTATIME, "the_last_atime_mode_wins");
	petrel_mount_options_release(&o);
	parse("suid,dev,exec,async,nomand,loud,symfollow,atime", &o, NULL);
	tap_ok(o.flags == 0 && o.cleared == (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS |
					     MS_MANDLOCK | MS_SILENT | MS_NOSYMFOLLOW | MS_NOATIME),
	       "negative_options_are_recorded_as_cleared");
	petrel_mount_options_release(&o);
	parse("sync,dirsync,remount,mand,lazytime,silent,iversion,nosymfollow,nodiratime", &o,
	      NULL);
	tap_ok(o.flags == (MS_SYNCHRONOUS | MS_DIRSYNC | MS_REMOUNT | MS_MANDLOCK | MS_LAZYTIME |
			   MS_SILENT | MS_I_VERSION | MS_NOSYMFOLLOW | MS_NODIRATIME),
	       "superblock_and_other_flags_map_to_their_ms_flags");
	petrel_mount_options_release(&o);
	parse("defaults", &o, NULL);
	tap_ok(o.flags == 0 && o.cleared == 0 && o.data == NULL, "defaults_changes_nothing");
	petrel_mount_options_release(&o);
}

static void test_bind_and_propagation(void)
{
	struct petrel_mount_options o;
	parse("rbind,ro", &o, NULL);
	tap_ok(o.flags == (MS_BIND | MS_REC | MS_RDONLY), "rbind_is_a_recursive_bind");
	petrel_mount_options_release(&o);
	parse("bind", &o, NULL);
	tap_ok(o.flags == MS_BIND, "bind_is_not_recursive");
	petrel_mount_options_release(&o);

	parse("rshared,private,runbindable,slave,rslave,shared,unbindable,rprivate", &o, NULL);
	unsigned long want[] = {MS_SHARED | MS_REC, MS_PRIVATE,         MS_UNBINDABLE | MS_REC,
				MS_SLAVE,           MS_SLAVE | MS_REC,  MS_SHARED,
				MS_UNBINDABLE,      MS_PRIVATE | MS_REC};
	bool same = o.propagation_len == 8;
	for (size_t i = 0; same && i < 8; i++)
		same = o.propagation[i] == want[i];
	tap_ok(same, "propagation_options_are_kept_in_order");
	tap_ok(o.flags == 0, "propagation_is_not_mixed_into_the_mount_flags");
	petrel_mount_options_release(&o);

	struct oci_mount m = {.destination = (char *)"/x", .type = (char *)"none"};
	char *opts[] = {(char *)"rbind"};
	m.options = opts;
	m.options_len = 1;
	tap_ok(petrel_mount_is_bind(&m), "an_rbind_option_makes_a_bind_mount");
	m.options_len = 0;
	tap_ok(!petrel_mount_is_bind(&m), "type_none_without_bind_is_not_a_bind_mount");
	m.type = (char *)"bind";
	tap_ok(petrel_mount_is_bind(&m), "type_bind_is_a_bind_mount");
}

static void test_recursive_attributes(void)
{
	struct petrel_mount_options o;
	parse("rro,rnosuid,rnodev,rnoexec,rnodiratime,rnosymfollow", &o, NULL);
	tap_ok(o.rec_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			     MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW) &&
		       o.rec_clr == 0,
	       "recursive_options_set_mount_attributes");
	tap_ok(o.flags == 0 && o.data == NULL, "recursive_options_are_not_mount_flags_or_data");
	petrel_mount_options_release(&o);

	parse("rrw,rsuid,rdev,rexec,rdiratime,rsymfollow", &o, NULL);
	tap_ok(o.rec_clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			     MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW) &&
		       o.rec_set == 0,
	       "negative_recursive_options_clear_mount_attributes");
	petrel_mount_options_release(&o);

	parse("rro,rrw", &o, NULL);
	tap_ok(o.rec_set == 0 && o.rec_clr == MOUNT_ATTR_RDONLY, "rrw_after_rro_wins");
	petrel_mount_options_release(&o);

	parse("rnoatime", &o, NULL);
	tap_ok(o.rec_set == MOUNT_ATTR_NOATIME && o.rec_clr == MOUNT_ATTR__ATIME,
	       "rnoatime_clears_the_whole_atime_field_as_mount_setattr_requires");
	petrel_mount_options_release(&o);
	parse("rnoatime,rstrictatime", &o, NULL);
	tap_ok(o.rec_set == MOUNT_ATTR_STRICTATIME && o.rec_clr == MOUNT_ATTR__ATIME,
	       "the_last_recursive_atime_mode_wins");
	petrel_mount_options_release(&o);
	parse("rstrictatime,rrelatime", &o, NULL);
	tap_ok(o.rec_set == MOUNT_ATTR_RELATIME && o.rec_clr == MOUNT_ATTR__ATIME,
	       "rrelatime_selects_relatime");
	petrel_mount_options_release(&o);
	parse("rnoatime,ratime", &o, NULL);
	tap_ok(o.rec_set == MOUNT_ATTR_RELATIME && o.rec_clr == MOUNT_ATTR__ATIME,
	       "ratime_selects_the_kernel_default_relatime");
	petrel_mount_options_release(&o);
	parse("rnorelatime", &o, NULL);
	tap_ok(o.rec_set == MOUNT_ATTR_STRICTATIME && o.rec_clr == MOUNT_ATTR__ATIME,
	       "rnorelatime_selects_strictatime");
	petrel_mount_options_release(&o);
}

static void test_special_options(void)
{
	struct petrel_mount_options o;
	parse("rbind,idmap", &o, NULL);
	tap_ok(o.idmap && !o.idmap_recursive && o.data == NULL, "idmap_is_not_passed_to_mount");
	petrel_mount_options_release(&o);
	parse("rbind,ridmap", &o, NULL);
	tap_ok(o.idmap && o.idmap_recursive, "ridmap_is_a_recursive_idmap");
	petrel_mount_options_release(&o);
	parse("tmpcopyup,mode=755", &o, NULL);
	tap_ok(o.tmpcopyup, "tmpcopyup_is_recognised");
	tap_is_str(o.data, "mode=755", "tmpcopyup_is_not_passed_to_mount");
	petrel_mount_options_release(&o);
}

static void test_per_mount_attributes(void)
{
	struct petrel_mount_options o;
	uint64_t set, clr;
	parse("ro,nosuid,nodev,noexec,nodiratime,nosymfollow,noatime", &o, NULL);
	petrel_mount_options_attr(&o, &set, &clr);
	tap_ok(set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
		       MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW |
		       MOUNT_ATTR_NOATIME) &&
		       clr == MOUNT_ATTR__ATIME,
	       "bind_flags_become_mount_attributes");
	petrel_mount_options_release(&o);

	parse("rw,suid,dev,exec,diratime,symfollow", &o, NULL);
	petrel_mount_options_attr(&o, &set, &clr);
	tap_ok(set == 0 &&
		       clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			       MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW),
	       "explicitly_cleared_flags_are_cleared_attributes");
	petrel_mount_options_release(&o);

	parse("ro", &o, NULL);
	petrel_mount_options_attr(&o, &set, &clr);
	tap_ok(set == MOUNT_ATTR_RDONLY && clr == 0,
	       "unnamed_attributes_are_left_alone_so_locked_flags_survive");
	petrel_mount_options_release(&o);

	parse("strictatime", &o, NULL);
	petrel_mount_options_attr(&o, &set, &clr);
	tap_ok(set == MOUNT_ATTR_STRICTATIME && clr == MOUNT_ATTR__ATIME,
	       "strictatime_selects_the_atime_mode");
	petrel_mount_options_release(&o);

	parse("atime,sync,dirsync,lazytime,iversion,silent,mand", &o, NULL);
	petrel_mount_options_attr(&o, &set, &clr);
	tap_ok(set == 0 && clr == 0, "superblock_flags_and_atime_have_no_bind_attribute");
	petrel_mount_options_release(&o);
}

static void test_path_clean(void)
{
	static const char *cases[][2] = {
		{"a/./b/../c", "/a/c"},
		{"/../../etc", "/etc"},
		{"", "/"},
		{"//x//", "/x"},
		{"/a/..", "/"},
		{"/proc/kcore", "/proc/kcore"},
		{"..", "/"},
		{"/a/b/../../..", "/"},
		{"/a/.../b", "/a/.../b"},
		{"./.", "/"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = petrel_path_clean(cases[i][0]);
		tap_is_str(got, cases[i][1], "path_clean(\"%s\")", cases[i][0]);
		free(got);
	}
}

int main(void)
{
	test_every_spec_option_is_known();
	test_flags_and_data_combine();
	test_unknown_options_are_data();
	test_later_options_win();
	test_bind_and_propagation();
	test_recursive_attributes();
	test_special_options();
	test_per_mount_attributes();
	test_path_clean();
	return tap_done();
}
