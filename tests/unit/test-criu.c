/* Unit tests for checkpoint/restore on petrel's side (criu.c): how the
 * options, config.json's mounts and namespaces and the cgroup map onto the
 * petrel-criu command line, CRIU's log quoted on failure, and finding the
 * helper. Nothing here runs CRIU. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libocispec/ocispec.h"
#include "libpetrel/criu.h"
#include "libpetrel/error.h"
#include "libpetrel/helper-exec.h"
#include "tap.h"

/* The argv as one line, words separated by single spaces. */
static char *joined(const struct petrel_argv *a)
{
	size_t len = 1;
	for (size_t i = 0; i < a->n; i++)
		len += strlen(a->v[i]) + 1;
	char *s = calloc(1, len);
	for (size_t i = 0; s && i < a->n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, a->v[i]);
	}
	return s;
}

static char *spec_json(void)
{
	return strdup(
		"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
		"\"process\":{\"terminal\":true,\"cwd\":\"/\",\"args\":[\"sh\"]},"
		"\"mounts\":["
		"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		"{\"destination\":\"/data/\",\"type\":\"bind\",\"source\":\"data\"},"
		"{\"destination\":\"/etc/hosts\",\"source\":\"/srv/hosts\",\"options\":[\"rbind\","
		"\"ro\"]},"
		"{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],"
		"\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"/proc/acpi/\"],"
		"\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229},"
		"{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3}],"
		"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}");
}

static struct oci_spec *load_spec(void)
{
	char *json = spec_json(), *why = NULL;
	struct oci_spec *spec = NULL;
	if (oci_spec_parse_data(json, strlen(json), "config.json", &spec, &why) < 0)
		printf("# %s\n", why ? why : "parse failed");
	free(why);
	free(json);
	return spec;
}

static void checkpoint_args(const struct oci_spec *spec)
{
	const char *cgroup_mounts[] = {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/a/c1"};
	const char *externals[] = {"net[4026532000]:extRootNetNS"};
	struct petrel_criu_options o = {
		.image_path = "/ck/img",
		.work_path = "/ck/work",
		.parent_path = "../pre",
		.leave_running = true,
		.tcp_established = true,
		.ext_unix_sk = true,
		.shell_job = true,
		.file_locks = true,
		.auto_dedup = true,
		.manage_cgroups_mode = "full",
		.status_fd = -1,
		.page_server = "192.0.2.1:27",
		.criu_path = "/opt/criu",
	};
	struct petrel_criu_target t = {
		.spec = spec,
		.bundle = "/b",
		.pid = 4242,
		.root = "/b/rootfs",
		.freeze_cgroup = "/sys/fs/cgroup/freezer/a/c1",
		.cgroup_mounts = cgroup_mounts,
		.cgroup_mounts_len = 1,
		.externals = externals,
		.externals_len = 1,
		.orphan_pts_master = true,
		.report_fd = 7,
	};
	struct petrel_argv a = {0};
	struct petrel_error *err = NULL;
	int r = petrel_criu_args("/x/petrel-criu", false, &o, &t, &a, &err);
	tap_ok(r == 0, "checkpoint_args_build: %s", err ? petrel_error_message(err) : "ok");
	petrel_error_free(err);
	char *s = joined(&a);
	tap_contains(s, "/x/petrel-criu dump --report-fd=7 --images /ck/img --log dump.log",
		     "checkpoint_args_start_with_action_report_fd_images_and_log");
	tap_contains(s, "--manage-cgroups-mode full", "checkpoint_passes_manage_cgroups_mode");
	tap_contains(s, "--work /ck/work", "checkpoint_passes_work_path");
	tap_contains(s, "--criu /opt/criu", "checkpoint_passes_global_criu_path");
	tap_contains(s, "--root /b/rootfs", "checkpoint_passes_rootfs_as_root");
	tap_contains(s,
		     "--tcp-established --ext-unix-sk --shell-job --file-locks --auto-dedup "
		     "--orphan-pts-master --leave-running --track-mem",
		     "checkpoint_passes_every_boolean_flag");
	tap_contains(s, "--pid=4242", "checkpoint_passes_init_pid");
	tap_contains(s, "--parent ../pre", "checkpoint_passes_parent_path");
	tap_contains(s, "--freeze-cgroup /sys/fs/cgroup/freezer/a/c1",
		     "checkpoint_freezes_through_container_cgroup");
	tap_contains(s, "--page-server 192.0.2.1:27", "checkpoint_passes_page_server");
	tap_contains(s, "--external net[4026532000]:extRootNetNS",
		     "checkpoint_declares_joined_netns_external");
	tap_contains(s, "--ext-mount /data:/data", "checkpoint_declares_bind_mount_by_destination");
	tap_contains(s, "--ext-mount /etc/hosts:/etc/hosts", "checkpoint_declares_rbind_mount");
	tap_ok(strstr(s, "/proc:") == NULL && strstr(s, "--ext-mount /tmp") == NULL,
	       "checkpoint_leaves_proc_and_tmpfs_to_criu");
	tap_contains(s, "--ext-mount /proc/kcore:/proc/kcore", "checkpoint_declares_masked_file");
	tap_ok(strstr(s, "/proc/acpi") == NULL, "checkpoint_leaves_masked_directory_to_criu");
	tap_contains(s, "--ext-mount /dev/null:/dev/null", "checkpoint_declares_default_devices");
	tap_contains(s, "--ext-mount /dev/fuse:/dev/fuse", "checkpoint_declares_config_devices");
	tap_ok(strstr(strstr(s, "/dev/null:") + 1, "/dev/null:/dev/null") == NULL,
	       "checkpoint_declares_each_device_once");
	tap_contains(s, "--ext-mount /sys/fs/cgroup/memory:/sys/fs/cgroup/memory",
		     "checkpoint_declares_bound_cgroup_dirs");
	tap_ok(strstr(s, "--inherit-fd") == NULL && strstr(s, "--cg-root") == NULL,
	       "checkpoint_has_no_restore_flags");
	free(s);
	petrel_argv_release(&a);

	/* A pre-dump copies memory only. */
	struct petrel_criu_options pre = {.pre_dump = true, .status_fd = -1};
	err = NULL;
	r = petrel_criu_args("h", false, &pre, &t, &a, &err);
	s = joined(&a);
	tap_ok(r == 0, "pre_dump_args_build");
	tap_contains(s, "h pre-dump --report-fd=7 --images checkpoint",
		     "pre_dump_action_and_default_image_path");
	tap_contains(s, "--manage-cgroups-mode soft", "manage_cgroups_mode_defaults_to_soft");
	tap_contains(s, "--track-mem", "pre_dump_tracks_memory");
	tap_ok(strstr(s, "--ext-mount") == NULL && strstr(s, "--leave-running") == NULL,
	       "pre_dump_declares_no_mounts");
	free(s);
	petrel_argv_release(&a);
	petrel_error_free(err);
}

static void restore_args(const struct oci_spec *spec)
{
	const char *cgroup_mounts[] = {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/a/c2"};
	const char *roots[] = {"memory:/a/c2", ":/c2"};
	const char *inherit[] = {"1:pipe:[99]", "5:extRootNetNS"};
	const char *join[] = {"uts:/run/netns/uts1"};
	struct petrel_criu_options o = {
		.tcp_established = true,
		.file_locks = true,
		.manage_cgroups_mode = "ignore",
		.status_fd = -1,
		.lsm_profile = "apparmor:p",
		.lsm_mount_context = "ctx",
		.leave_running = true,
	};
	struct petrel_criu_target t = {
		.spec = spec,
		.bundle = "/b",
		.root = "/run/petrel/c2/criu-root",
		.cgroup_mounts = cgroup_mounts,
		.cgroup_mounts_len = 1,
		.cg_roots = roots,
		.cg_roots_len = 2,
		.inherit_fds = inherit,
		.inherit_fds_len = 2,
		.join_ns = join,
		.join_ns_len = 1,
		.orphan_pts_master = true,
		.report_fd = 3,
	};
	struct petrel_argv a = {0};
	struct petrel_error *err = NULL;
	int r = petrel_criu_args("h", true, &o, &t, &a, &err);
	tap_ok(r == 0, "restore_args_build: %s", err ? petrel_error_message(err) : "ok");
	petrel_error_free(err);
	char *s = joined(&a);
	tap_contains(s, "h restore --report-fd=3 --images checkpoint --log restore.log",
		     "restore_args_start_with_action_and_restore_log");
	tap_contains(s, "--manage-cgroups-mode ignore", "restore_passes_manage_cgroups_mode");
	tap_contains(s, "--root /run/petrel/c2/criu-root", "restore_roots_criu_at_bound_rootfs");
	tap_contains(s, "--tcp-established --file-locks --orphan-pts-master",
		     "restore_passes_boolean_flags_and_asks_for_pty_master");
	tap_ok(strstr(s, "--leave-running") == NULL && strstr(s, "--pid") == NULL &&
		       strstr(s, "--track-mem") == NULL,
	       "restore_has_no_dump_flags");
	tap_contains(s, "--lsm-profile apparmor:p --lsm-mount-context ctx",
		     "restore_passes_lsm_options");
	tap_contains(s, "--inherit-fd 1:pipe:[99] --inherit-fd 5:extRootNetNS",
		     "restore_inherits_stdio_pipes_and_joined_netns");
	tap_contains(s, "--join-ns uts:/run/netns/uts1", "restore_joins_uts_by_path");
	tap_contains(s, "--cg-root memory:/a/c2 --cg-root :/c2", "restore_maps_cgroup_roots");
	tap_contains(s, "--ext-mount /data:/b/data", "restore_binds_relative_source_from_bundle");
	tap_contains(s, "--ext-mount /etc/hosts:/srv/hosts", "restore_binds_absolute_source");
	tap_contains(s, "--ext-mount /proc/kcore:/dev/null", "restore_masks_file_with_dev_null");
	tap_contains(s, "--ext-mount /dev/fuse:/dev/fuse", "restore_binds_host_devices");
	tap_contains(s, "--ext-mount /sys/fs/cgroup/memory:/sys/fs/cgroup/memory/a/c2",
		     "restore_binds_new_cgroup_dir");
	free(s);
	petrel_argv_release(&a);
}

static void rejected(const struct oci_spec *spec, const struct petrel_criu_options *o, bool restore,
		     const char *want, const char *name)
{
	struct petrel_criu_target t = {.spec = spec, .bundle = "/b", .report_fd = 3};
	struct petrel_argv a = {0};
	struct petrel_error *err = NULL;
	int r = petrel_criu_args("h", restore, o, &t, &a, &err);
	tap_ok(r < 0, "%s", name);
	tap_contains(err ? petrel_error_message(err) : NULL, want, "%s_message", name);
	petrel_error_free(err);
	petrel_argv_release(&a);
}

static void rejections(const struct oci_spec *spec)
{
	const char *ns[] = {"network"};
	rejected(spec, &(struct petrel_criu_options){.lazy_pages = true, .status_fd = -1}, false,
		 "--lazy-pages is not supported", "lazy_pages_is_refused_clearly");
	rejected(spec,
		 &(struct petrel_criu_options){.empty_ns = ns, .empty_ns_len = 1, .status_fd = -1},
		 true, "--empty-ns is not supported", "empty_ns_is_refused_clearly");
	rejected(spec, &(struct petrel_criu_options){.status_fd = 5}, false,
		 "--status-fd needs --lazy-pages", "status_fd_needs_lazy_pages");
	rejected(spec, &(struct petrel_criu_options){.page_server = "nohost", .status_fd = -1},
		 false, "expected ADDRESS:PORT", "page_server_needs_a_port");
	rejected(spec, &(struct petrel_criu_options){.parent_path = "/abs", .status_fd = -1}, false,
		 "must be relative", "parent_path_must_be_relative");
	rejected(spec, &(struct petrel_criu_options){.manage_cgroups_mode = "x", .status_fd = -1},
		 false, "invalid --manage-cgroups-mode", "bad_cgroups_mode_is_refused");

	char *json = strdup("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"},"
			    "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
			    "\"mounts\":[{\"destination\":\"/a:b\",\"type\":\"bind\","
			    "\"source\":\"/x\"}]}");
	struct oci_spec *colon = NULL;
	char *why = NULL;
	if (oci_spec_parse_data(json, strlen(json), "config.json", &colon, &why) < 0)
		printf("# %s\n", why);
	free(why);
	free(json);
	if (colon)
		rejected(colon, &(struct petrel_criu_options){.status_fd = -1}, false,
			 "has a colon", "mount_point_with_colon_is_refused");
	oci_spec_free(colon);
}

static void log_quote(void)
{
	char path[] = "/tmp/petrel-test-criu.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		tap_ok(false, "log_file");
		return;
	}
	fputs("(00.000001) Version: 3.17.1\n"
	      "(00.001000) Error (criu/cr-restore.c:1234): Can't open inventory\n"
	      "(00.002000) Error (criu/util.c:12): Something went wrong\n"
	      "(00.003000) Unlock network\n"
	      "(00.004000) Error (criu/cr-dump.c:2053): Dumping FAILED.\n\n",
	      f);
	fclose(f);
	char *line = petrel_criu_log_errors(path);
	tap_is_str(line,
		   "(00.001000) Error (criu/cr-restore.c:1234): Can't open inventory ... "
		   "(00.002000) Error (criu/util.c:12): Something went wrong",
		   "log_quote_takes_the_first_and_the_last_error_line_before_the_closing_one");
	free(line);
	f = fopen(path, "w");
	fputs("(00.1) Error (criu/files.c:1): the cause\n(00.2) Error (criu/cr-dump.c:2): "
	      "Dumping FAILED.\n",
	      f);
	fclose(f);
	line = petrel_criu_log_errors(path);
	tap_is_str(line, "(00.1) Error (criu/files.c:1): the cause",
		   "log_quote_of_one_error_takes_it_alone");
	free(line);
	f = fopen(path, "w");
	fputs("(00.1) one\n(00.2) the end\n\n", f);
	fclose(f);
	line = petrel_criu_log_errors(path);
	tap_is_str(line, "(00.2) the end", "log_quote_without_error_takes_last_line");
	free(line);
	unlink(path);
	tap_ok(petrel_criu_log_errors(path) == NULL, "log_quote_of_missing_log_is_null");
}

static void helper_lookup(void)
{
	char *path = NULL;
	struct petrel_error *err = NULL;
	setenv(PETREL_CRIU_HELPER_ENV, "/nonexistent/petrel-criu", 1);
	int r = petrel_helper_find(PETREL_CRIU_HELPER, PETREL_CRIU_HELPER_ENV, &path, &err);
	tap_ok(r < 0, "helper_env_naming_a_missing_file_fails");
	tap_contains(err ? petrel_error_message(err) : NULL,
		     "$PETREL_CRIU_HELPER \"/nonexistent/petrel-criu\": No such file",
		     "helper_env_error_names_the_variable");
	petrel_error_free(err);
	err = NULL;
	setenv(PETREL_CRIU_HELPER_ENV, "/bin/true", 1);
	r = petrel_helper_find(PETREL_CRIU_HELPER, PETREL_CRIU_HELPER_ENV, &path, &err);
	tap_ok(r == 0 && path && strcmp(path, "/bin/true") == 0, "helper_env_is_used_first");
	free(path);
	petrel_error_free(err);
	err = NULL;
	path = NULL;
	unsetenv(PETREL_CRIU_HELPER_ENV);
	/* This test's binary has no petrel-criu next to it. */
	r = petrel_helper_find("petrel-no-such-helper", PETREL_CRIU_HELPER_ENV, &path, &err);
	tap_ok(r < 0 && err && err->errnum == ENOENT, "missing_helper_is_enoent");
	tap_contains(err ? petrel_error_message(err) : NULL,
		     "the helper petrel-no-such-helper is not installed (looked next to petrel in",
		     "missing_helper_error_says_where_it_looked");
	petrel_error_free(err);
}

int main(void)
{
	struct oci_spec *spec = load_spec();
	tap_ok(spec != NULL, "spec_parses");
	if (spec) {
		checkpoint_args(spec);
		restore_args(spec);
		rejections(spec);
	}
	oci_spec_free(spec);
	log_quote();
	helper_lookup();
	return tap_done();
}
