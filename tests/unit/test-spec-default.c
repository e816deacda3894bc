/* Unit tests of the default spec (`petrel spec`), the features document and
 * bundle loading: what they produce parses back through libocispec to the
 * same document, and the rootless variant is what runc makes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libpetrel/bundle.h"
#include "libpetrel/features.h"
#include "libpetrel/spec-default.h"
#include "tap.h"

static char *to_json(const struct oci_spec *spec)
{
	char *json = NULL, *err = NULL;
	if (oci_spec_generate(spec, true, &json, NULL, &err) < 0) {
		printf("# generate: %s\n", err);
		free(err);
	}
	return json;
}

static bool has_namespace(const struct oci_spec *spec, const char *type)
{
	for (size_t i = 0; i < spec->linux->namespaces_len; i++)
		if (strcmp(spec->linux->namespaces[i].type, type) == 0)
			return true;
	return false;
}

static const struct oci_mount *find_mount(const struct oci_spec *spec, const char *dest)
{
	for (size_t i = 0; i < spec->mounts_len; i++)
		if (strcmp(spec->mounts[i].destination, dest) == 0)
			return &spec->mounts[i];
	return NULL;
}

static void test_default_spec_round_trips(void)
{
	struct oci_spec *spec = NULL, *again = NULL;
	struct petrel_error *err = NULL;
	tap_ok(petrel_spec_default(false, &spec, &err) == 0, "default_spec_builds");
	char *json = to_json(spec);
	char *why = NULL;
	tap_ok(json && oci_spec_parse_data(json, strlen(json), "config.json", &again, &why) == 0,
	       "default_spec_parses_back %s", why ? why : "");
	char *json2 = again ? to_json(again) : NULL;
	tap_is_str(json2, json, "default_spec_parse_then_generate_is_identical");
	tap_ok(spec->process->terminal && strcmp(spec->process->args[0], "sh") == 0,
	       "default_spec_runs_sh_on_a_terminal");
	tap_ok(spec->root->readonly && strcmp(spec->root->path, "rootfs") == 0,
	       "default_spec_root_is_readonly_rootfs");
	tap_ok(spec->process->capabilities->bounding_len == 3 &&
		       spec->process->capabilities->inheritable == NULL,
	       "default_spec_has_three_caps_and_no_inheritable_set");
	tap_ok(has_namespace(spec, "network") && has_namespace(spec, "pid") &&
		       has_namespace(spec, "mount") && !has_namespace(spec, "user"),
	       "default_spec_namespaces");
	tap_ok(spec->linux->masked_paths_len == 10 && spec->linux->readonly_paths_len == 5,
	       "default_spec_masked_and_readonly_paths");
	const struct oci_mount *sys = find_mount(spec, "/sys");
	tap_is_str(sys ? sys->type : NULL, "sysfs", "default_spec_mounts_sysfs");
	free(json);
	free(json2);
	free(why);
	oci_spec_free(spec);
	oci_spec_free(again);
	petrel_error_free(err);
}

static void test_rootless_spec(void)
{
	struct oci_spec *spec = NULL;
	struct petrel_error *err = NULL;
	tap_ok(petrel_spec_default(true, &spec, &err) == 0, "rootless_spec_builds");
	if (spec == NULL)
		return;
	tap_ok(has_namespace(spec, "user") && !has_namespace(spec, "network"),
	       "rootless_spec_has_user_namespace_and_no_network_namespace");
	tap_ok(spec->linux->uid_mappings_len == 1 &&
		       spec->linux->uid_mappings[0].host_id == geteuid() &&
		       spec->linux->uid_mappings[0].container_id == 0 &&
		       spec->linux->uid_mappings[0].size == 1 && spec->linux->gid_mappings_len == 1,
	       "rootless_spec_maps_root_to_the_caller");
	const struct oci_mount *sys = find_mount(spec, "/sys");
	tap_ok(sys && strcmp(sys->type, "none") == 0 && strcmp(sys->options[0], "rbind") == 0,
	       "rootless_spec_binds_sys");
	const struct oci_mount *pts = find_mount(spec, "/dev/pts");
	bool gid_option = false;
	for (size_t i = 0; pts && i < pts->options_len; i++)
		gid_option |= strncmp(pts->options[i], "gid=", 4) == 0;
	tap_ok(pts && !gid_option, "rootless_spec_drops_gid_mount_options");
	tap_ok(spec->linux->resources == NULL, "rootless_spec_has_no_resources");
	oci_spec_free(spec);
	petrel_error_free(err);
}

static void test_spec_write(void)
{
	char dir[] = "/tmp/petrel-unit-XXXXXX";
	struct petrel_error *err = NULL;
	if (!tap_ok(mkdtemp(dir) != NULL, "spec_write_tempdir"))
		return;
	tap_ok(petrel_spec_write(dir, false, &err) == 0, "spec_write_creates_config");
	char path[256];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	struct oci_spec *spec = NULL;
	char *why = NULL;
	tap_ok(oci_spec_parse_file(path, "config.json", &spec, &why) == 0,
	       "spec_write_output_parses %s", why ? why : "");
	oci_spec_free(spec);
	free(why);

	struct stat before, after;
	stat(path, &before);
	tap_ok(petrel_spec_write(dir, false, &err) < 0, "spec_write_refuses_to_overwrite_config");
	tap_contains(err ? petrel_error_message(err) : NULL, "exists",
		     "spec_write_overwrite_error_says_exists");
	stat(path, &after);
	tap_ok(before.st_size == after.st_size && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
	       "spec_write_leaves_existing_config_untouched");

	struct petrel_bundle *bundle = NULL;
	petrel_error_free(err);
	err = NULL;
	tap_ok(petrel_bundle_load(dir, &bundle, &err) == 0 && bundle->path[0] == '/',
	       "bundle_load_reads_default_spec_with_absolute_path");
	petrel_bundle_free(bundle);
	unlink(path);
	rmdir(dir);
	petrel_error_free(err);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ssize_t n = write(fd, text, strlen(text));
		(void)n;
		close(fd);
	}
}

static void test_bundle_validation(void)
{
	static const struct {
		const char *name, *json, *error;
	} cases[] = {
		{"bundle_requires_root",
		 "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]}}",
		 "config.json: .root: required"},
		{"bundle_requires_process", "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}",
		 "config.json: .process: required"},
		{"bundle_requires_args",
		 "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/"
		 "\",\"args\":[]}}",
		 "config.json: .process.args: must not be empty"},
		{"bundle_requires_absolute_cwd",
		 "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"x\","
		 "\"args\":[\"a\"]}}",
		 "config.json: .process.cwd: must be an absolute path"},
		{"bundle_rejects_unknown_namespace",
		 "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/"
		 "\",\"args\":[\"a\"]},"
		 "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"bogus\"}]}}",
		 "config.json: .linux.namespaces[1].type: unknown namespace type \"bogus\""},
		{"bundle_rejects_duplicate_namespace",
		 "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/"
		 "\",\"args\":[\"a\"]},"
		 "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}}",
		 "config.json: .linux.namespaces[1]: namespace \"pid\" is listed twice"},
		{"bundle_rejects_major_version_2", "{\"ociVersion\":\"2.0.0\"}",
		 "config.json: .ociVersion: unsupported major version"},
		{"bundle_reports_type_errors_with_path",
		 "{\"ociVersion\":\"1.0.0\",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"x\"}}"
		 "}}",
		 "config.json: .linux.resources.memory.limit: expected integer, got string"},
	};
	char dir[] = "/tmp/petrel-unit-XXXXXX";
	if (mkdtemp(dir) == NULL)
		return;
	char path[256];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct petrel_bundle *bundle = NULL;
		struct petrel_error *err = NULL;
		write_file(path, cases[i].json);
		int r = petrel_bundle_load(dir, &bundle, &err);
		tap_ok(r < 0 && bundle == NULL, "%s_fails", cases[i].name);
		tap_contains(err ? petrel_error_message(err) : NULL, cases[i].error, "%s",
			     cases[i].name);
		petrel_error_free(err);
	}
	unlink(path);
	struct petrel_bundle *bundle = NULL;
	struct petrel_error *err = NULL;
	tap_ok(petrel_bundle_load(dir, &bundle, &err) < 0 && err->errnum == ENOENT,
	       "bundle_without_config_fails_with_enoent");
	petrel_error_free(err);
	rmdir(dir);
}

static void test_features(void)
{
	char *json = NULL;
	struct petrel_error *err = NULL;
	tap_ok(petrel_features_json(&json, &err) == 0, "features_document_builds");
	struct oci_features *f = NULL;
	char *why = NULL;
	tap_ok(json && oci_features_parse_data(json, strlen(json), "features", &f, &why) == 0,
	       "features_document_parses_back");
	tap_ok(f && strcmp(f->oci_version_min, "1.0.0") == 0 &&
		       strncmp(f->oci_version_max, "1.", 2) == 0,
	       "features_document_states_version_range");
	tap_ok(f && f->linux && f->linux->seccomp && f->linux->seccomp->has_enabled,
	       "features_document_says_whether_seccomp_is_enabled");
	tap_ok(f && oci_string_map_get(f->annotations, "io.github.seccomp.libseccomp.version"),
	       "features_document_names_libseccomp_version");
	oci_features_free(f);
	free(json);
	free(why);
	petrel_error_free(err);
}

int main(void)
{
	test_default_spec_round_trips();
	test_rootless_spec();
	test_spec_write();
	test_bundle_validation();
	test_features();
	return tap_done();
}
