/* oci-check: petrel's conformance checker. It runs as the container's process, loads the
 * bundle's config.json through libocispec and verifies from inside, through /proc and the
 * filesystem only, that the process and what it sees match the config. Output is TAP.
 * Checks are a table ordered by the runtime spec's sections; adding one is writing a function
 * (checks-*.c) and a table line (see README.md). This file owns the table, the options and the
 * run loop; the TAP API is check-tap.c. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libocispec/ocispec.h"
#include "libpetrel/cleanup.h"
#include "check.h"

/* ------------------------------------------------------------------- the table */

/* In the order of the spec's documents and sections: config.md, then config-linux.md. */
static const struct check checks[] = {
	{"root", "root.readonly", check_root_readonly},
	{"mounts", "mounts", check_mounts},
	{"process", "process.terminal", check_process_terminal},
	{"process", "process.consoleSize", check_process_console_size},
	{"process", "process.user.uid", check_process_user_uid},
	{"process", "process.user.gid", check_process_user_gid},
	{"process", "process.user.umask", check_process_user_umask},
	{"process", "process.user.additionalGids", check_process_user_additional_gids},
	{"process", "process.cwd", check_process_cwd},
	{"process", "process.env", check_process_env},
	{"process", "process.args", check_process_args},
	{"process", "process.capabilities.bounding", check_capabilities_bounding},
	{"process", "process.capabilities.effective", check_capabilities_effective},
	{"process", "process.capabilities.permitted", check_capabilities_permitted},
	{"process", "process.capabilities.inheritable", check_capabilities_inheritable},
	{"process", "process.capabilities.ambient", check_capabilities_ambient},
	{"process", "process.rlimits", check_process_rlimits},
	{"process", "process.noNewPrivileges", check_process_no_new_privileges},
	{"process", "process.oomScoreAdj", check_process_oom_score_adj},
	{"process", "process.scheduler", check_process_scheduler},
	{"process", "process.ioPriority", check_process_io_priority},
	{"hostname", "hostname", check_hostname},
	{"domainname", "domainname", check_domainname},
	{"namespaces", "linux.namespaces", check_namespaces},
	{"user-namespace-mappings", "linux.uidMappings", check_uid_mappings},
	{"user-namespace-mappings", "linux.gidMappings", check_gid_mappings},
	{"time-offsets", "linux.timeOffsets", check_time_offsets},
	{"devices", "linux.devices", check_devices},
	{"devices", "default-devices", check_default_devices},
	{"cgroups", "linux.resources.memory.limit", check_memory_limit},
	{"cgroups", "linux.resources.pids.limit", check_pids_limit},
	{"sysctl", "linux.sysctl", check_sysctl},
	{"seccomp", "linux.seccomp", check_seccomp},
	{"rootfs-propagation", "linux.rootfsPropagation", check_rootfs_propagation},
	{"masked-paths", "linux.maskedPaths", check_masked_paths},
	{"readonly-paths", "linux.readonlyPaths", check_readonly_paths},
	{"personality", "linux.personality", check_personality},
};

/* ------------------------------------------------------------------------ main */

static bool selected(const struct check *c, char **only, size_t n_only)
{
	if (n_only == 0)
		return true;
	for (size_t i = 0; i < n_only; i++)
		if (strcmp(only[i], c->section) == 0 || strcmp(only[i], c->name) == 0)
			return true;
	return false;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: oci-check [--config PATH] [--only SECTION[,SECTION]...] [--list]\n"
		     "Verifies from inside that this process matches config.json; prints TAP.\n"
		     "The config is PATH, else $OCI_CHECK_CONFIG, else /config.json.\n"
		     "--only takes section or check names as --list shows them.\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"config", required_argument, NULL, 'c'},
		{"only", required_argument, NULL, 'o'},
		{"list", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = getenv("OCI_CHECK_CONFIG");
	char *only[ARRAY_SIZE(checks)];
	size_t n_only = 0;
	cleanup_free char *only_text = NULL;
	bool list = false;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt_long(argc, argv, "c:o:lh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			free(only_text);
			only_text = strdup(optarg);
			n_only = 0;
			for (char *p = only_text, *s; p && (s = strsep(&p, ","));) {
				if (n_only == ARRAY_SIZE(only)) {
					fprintf(stderr, "oci-check: --only: too many names\n");
					return 2;
				}
				only[n_only++] = s;
			}
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < n_only; i++) {
		bool known = false;
		for (size_t j = 0; j < ARRAY_SIZE(checks); j++)
			known |= strcmp(only[i], checks[j].section) == 0 ||
				 strcmp(only[i], checks[j].name) == 0;
		if (!known) {
			fprintf(stderr, "oci-check: --only: no section or check is named \"%s\"\n",
				only[i]);
			return 2;
		}
	}
	if (list) {
		for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
			if (selected(&checks[i], only, n_only))
				printf("%-24s %s\n", checks[i].section, checks[i].name);
		return 0;
	}
	if (config == NULL || *config == '\0')
		config = "/config.json";

	struct oci_spec *spec = NULL;
	cleanup_free char *err = NULL;
	if (oci_spec_parse_file(config, NULL, &spec, &err) < 0) {
		printf("not ok 1 - load config: ");
		check_print_sanitized(err ? err : "out of memory");
		printf("\n1..1\n");
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		if (!selected(&checks[i], only, n_only))
			continue;
		check_begin(&checks[i]);
		checks[i].run(spec);
		/* Every check reports, if only a skip; silence would read as coverage. */
		if (check_result_count() == 0)
			check_ok(false, "oci-check bug: the check reported nothing");
	}
	int status = check_plan();
	oci_spec_free(spec);
	return status;
}
