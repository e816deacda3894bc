/* oci-check's shared interface: the check table's entry, the TAP API every check reports
 * through (check-tap.c), the helpers that read /proc (check-tap.c too), and the check
 * functions of checks-fs.c, checks-process.c and checks-linux.c that the table lists. */
#ifndef OCI_CHECK_CHECK_H
#define OCI_CHECK_CHECK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libocispec/ocispec.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NOT_SET "not set in config.json"

/* ------------------------------------------------------------------ the TAP API */

struct check {
	const char *section; /* the runtime spec section, the unit of --only */
	const char *name;    /* the config field, prefix of every result line */
	void (*run)(const struct oci_spec *spec);
};

/* The driver's side: results are counted per check and in all. */
void check_begin(const struct check *c);
int check_result_count(void);
int check_plan(void);
void check_print_sanitized(const char *s);

/* A `#` diagnostic line; call it after the result it explains. */
__attribute__((format(printf, 1, 2))) void check_diag(const char *fmt, ...);
/* One result, `ok N - <check name>: <detail>`. */
__attribute__((format(printf, 2, 3))) bool check_ok(bool cond, const char *fmt, ...);
/* A result that was not checked, with the reason: `ok N - <check name> # SKIP <reason>`. */
__attribute__((format(printf, 1, 2))) void check_skip(const char *fmt, ...);
__attribute__((format(printf, 3, 4))) bool check_is_str(const char *got, const char *want,
							const char *fmt, ...);
__attribute__((format(printf, 3, 4))) bool check_is_int(int64_t got, int64_t want, const char *fmt,
							...);

/* The reasons one result fails, gathered while looking at several properties of one object
 * (a mount, a device) and printed as diagnostics under its single result line. */
struct problems {
	char text[4096];
	size_t len;
	int count;
};

__attribute__((format(printf, 2, 3))) void problem(struct problems *p, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) bool check_problems(const struct problems *p, const char *fmt,
							  ...);

/* ------------------------------------------------------------- reading /proc */

/* The whole of a small file, NUL-terminated, its length (without the NUL) in *len; NULL with
 * errno set. */
char *read_bytes(const char *path, size_t *len);
char *read_text(const char *path);
char *trim(char *s);
/* Splits a buffer into lines in place: `for (char *l = buf, *n; next_line(&l, &n); l = n)`. */
bool next_line(char **line, char **next);
/* The value of `field` in /proc/self/status, malloc'd; NULL with errno set. */
char *status_field(const char *field);
/* Collapses runs of whitespace to one space and trims, so that sysctl values written with
 * spaces compare equal to the kernel's tab-separated ones. */
void normalize_space(char *s);
bool list_has(const char *list, const char *item);
bool strv_has(char **v, size_t len, const char *item);

/* One line of /proc/self/mountinfo, pointing into the table's buffer. */
struct mount_entry {
	char *root;
	char *mount_point;
	char *mount_options; /* per mount: ro, nosuid, ... */
	char *optional;      /* propagation tags: shared:N master:N unbindable */
	char *fstype;
	char *source;
	char *super_options;
};

struct mount_table {
	char *text;
	struct mount_entry *entries;
	size_t len;
};

void mount_table_free(struct mount_table *t);
#define cleanup_mount_table __attribute__((cleanup(mount_table_free)))
int mount_table_read(struct mount_table *t);
/* The mount visible at `path`: the last one mounted there. */
const struct mount_entry *mount_at(const struct mount_table *t, const char *path);
/* Paths in the config may go through symlinks inside the rootfs; the kernel shows the target. */
const char *resolve(const char *path, char buf[PATH_MAX]);

/* -------------------------------------------------------------------- the checks */

/* checks-fs.c */
void check_root_readonly(const struct oci_spec *spec);
void check_mounts(const struct oci_spec *spec);
void check_rootfs_propagation(const struct oci_spec *spec);
void check_masked_paths(const struct oci_spec *spec);
void check_readonly_paths(const struct oci_spec *spec);

/* checks-process.c */
void check_process_terminal(const struct oci_spec *spec);
void check_process_console_size(const struct oci_spec *spec);
void check_process_user_uid(const struct oci_spec *spec);
void check_process_user_gid(const struct oci_spec *spec);
void check_process_user_umask(const struct oci_spec *spec);
void check_process_user_additional_gids(const struct oci_spec *spec);
void check_process_cwd(const struct oci_spec *spec);
void check_process_env(const struct oci_spec *spec);
void check_process_args(const struct oci_spec *spec);
void check_capabilities_bounding(const struct oci_spec *spec);
void check_capabilities_effective(const struct oci_spec *spec);
void check_capabilities_permitted(const struct oci_spec *spec);
void check_capabilities_inheritable(const struct oci_spec *spec);
void check_capabilities_ambient(const struct oci_spec *spec);
void check_process_rlimits(const struct oci_spec *spec);
void check_process_no_new_privileges(const struct oci_spec *spec);
void check_process_oom_score_adj(const struct oci_spec *spec);
void check_process_scheduler(const struct oci_spec *spec);
void check_process_io_priority(const struct oci_spec *spec);

/* checks-linux.c */
void check_hostname(const struct oci_spec *spec);
void check_domainname(const struct oci_spec *spec);
void check_namespaces(const struct oci_spec *spec);
void check_uid_mappings(const struct oci_spec *spec);
void check_gid_mappings(const struct oci_spec *spec);
void check_time_offsets(const struct oci_spec *spec);
void check_devices(const struct oci_spec *spec);
void check_default_devices(const struct oci_spec *spec);
void check_memory_limit(const struct oci_spec *spec);
void check_pids_limit(const struct oci_spec *spec);
void check_sysctl(const struct oci_spec *spec);
void check_seccomp(const struct oci_spec *spec);
void check_personality(const struct oci_spec *spec);

#endif
