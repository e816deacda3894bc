/* oci-check's filesystem checks (config.md root and mounts, config-linux.md rootfs
 * propagation, masked and read-only paths): what the process sees through
 * /proc/self/mountinfo, statvfs and stat. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include "libpetrel/cleanup.h"
#include "check.h"

/* -------------------------------------------------------------- config.md: root */

void check_root_readonly(const struct oci_spec *spec)
{
	struct statvfs sv;
	if (spec->root == NULL || !spec->root->has_readonly) {
		check_skip(NOT_SET);
		return;
	}
	if (statvfs("/", &sv) < 0) {
		check_ok(false, "statvfs /: %s", strerror(errno));
		return;
	}
	if (spec->root->readonly) {
		check_ok(sv.f_flag & ST_RDONLY, "/ is read-only");
		return;
	}
	/* false: the runtime must not have made the root mount read-only; the per-mount flags
	 * say that even when the filesystem underneath is read-only itself. */
	cleanup_mount_table struct mount_table t = {0};
	if (mount_table_read(&t) < 0) {
		check_ok(false, "read /proc/self/mountinfo: %s", strerror(errno));
		return;
	}
	const struct mount_entry *root = mount_at(&t, "/");
	if (!check_ok(root && list_has(root->mount_options, "rw"), "/ is mounted read-write"))
		check_diag("mount options: %s",
			   root ? root->mount_options : "(/ is no mount point)");
}

/* ------------------------------------------------------------ config.md: mounts */

static const struct {
	const char *option;
	unsigned long flag;
} mount_flag_options[] = {
	{"ro", ST_RDONLY},     {"nosuid", ST_NOSUID},   {"nodev", ST_NODEV},
	{"noexec", ST_NOEXEC}, {"noatime", ST_NOATIME}, {"nodiratime", ST_NODIRATIME},
};

static bool mount_is_bind(const struct oci_mount *m)
{
	return (m->type && (strcmp(m->type, "bind") == 0 || strcmp(m->type, "none") == 0)) ||
	       strv_has(m->options, m->options_len, "bind") ||
	       strv_has(m->options, m->options_len, "rbind");
}

/* A `cgroup` mount is cgroup2 on a unified host and a tmpfs of v1 hierarchies on a legacy one. */
static bool mount_type_matches(const char *want, const char *got)
{
	if (strcmp(want, got) == 0)
		return true;
	return strcmp(want, "cgroup") == 0 &&
	       (strcmp(got, "cgroup2") == 0 || strcmp(got, "tmpfs") == 0);
}

static void check_one_mount(const struct mount_table *t, const struct oci_mount *m)
{
	char buf[PATH_MAX];
	const char *path = resolve(m->destination, buf);
	const struct mount_entry *e = mount_at(t, path);
	struct problems p = {0};
	struct statvfs sv;

	if (e == NULL) {
		problem(&p, "%s is not a mount point", path);
	} else if (!mount_is_bind(m) && m->type && !mount_type_matches(m->type, e->fstype)) {
		problem(&p, "type: got %s, expected %s", e->fstype, m->type);
	}
	if (e && statvfs(path, &sv) < 0) {
		problem(&p, "statvfs %s: %s", path, strerror(errno));
	} else if (e) {
		for (size_t i = 0; i < ARRAY_SIZE(mount_flag_options); i++) {
			const char *opt = mount_flag_options[i].option;
			if (strv_has(m->options, m->options_len, opt) &&
			    !(sv.f_flag & mount_flag_options[i].flag))
				problem(&p, "option %s is not in effect (mount options %s)", opt,
					e->mount_options);
		}
	}
	check_problems(&p, "%s (%s)", m->destination, m->type ? m->type : "no type");
}

void check_mounts(const struct oci_spec *spec)
{
	cleanup_mount_table struct mount_table t = {0};
	if (spec->mounts == NULL || spec->mounts_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	if (mount_table_read(&t) < 0) {
		check_ok(false, "read /proc/self/mountinfo: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const struct oci_mount *m = &spec->mounts[i];
		bool shadowed = false;
		for (size_t j = i + 1; j < spec->mounts_len; j++)
			shadowed |= strcmp(spec->mounts[j].destination, m->destination) == 0;
		if (shadowed)
			check_skip("%s: mounts[%zu] is covered by a later mount on the same path",
				   m->destination, i);
		else
			check_one_mount(&t, m);
	}
}

/* ------------------------------------------- config-linux.md: rootfs mount propagation */

void check_rootfs_propagation(const struct oci_spec *spec)
{
	const char *want = spec->linux ? spec->linux->rootfs_propagation : NULL;
	if (want == NULL) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_mount_table struct mount_table t = {0};
	if (mount_table_read(&t) < 0) {
		check_ok(false, "read /proc/self/mountinfo: %s", strerror(errno));
		return;
	}
	const struct mount_entry *root = mount_at(&t, "/");
	const char *tags = root ? root->optional : "";
	bool shared = strstr(tags, "shared:") != NULL, slave = strstr(tags, "master:") != NULL;
	bool unbindable = strstr(tags, "unbindable") != NULL;
	const char *kind = want[0] == 'r' ? want + 1 : want; /* rshared is shared on / */
	bool same = strcmp(kind, "shared") == 0       ? shared
		    : strcmp(kind, "slave") == 0      ? slave
		    : strcmp(kind, "private") == 0    ? !shared && !slave && !unbindable
		    : strcmp(kind, "unbindable") == 0 ? unbindable
						      : false;
	if (!check_ok(same, "/ is %s", want))
		check_diag("propagation fields of /: %s", *tags ? tags : "(none: private)");
}

/* ------------------------------------------------ config-linux.md: masked, readonly paths */

/* Masked is: absent, /dev/null bound over a file, or an empty read-only directory (a tmpfs
 * mounted read-only over it). */
void check_masked_paths(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->masked_paths == NULL || l->masked_paths_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < l->masked_paths_len; i++) {
		const char *path = l->masked_paths[i];
		struct stat st;
		struct statvfs sv;
		if (stat(path, &st) < 0) {
			if (!check_ok(errno == ENOENT, "%s does not exist", path))
				check_diag("stat: %s", strerror(errno));
			continue;
		}
		if (S_ISCHR(st.st_mode)) {
			if (!check_ok(major(st.st_rdev) == 1 && minor(st.st_rdev) == 3,
				      "%s is /dev/null", path))
				check_diag("got: character device %u:%u", major(st.st_rdev),
					   minor(st.st_rdev));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			/* An empty directory has only . and .. as links on tmpfs; list it to be
			 * sure on any filesystem. */
			cleanup_closedir DIR *d = opendir(path);
			struct dirent *de;
			size_t entries = 0;
			while (d && (de = readdir(d)))
				entries += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
			bool ro = statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY);
			if (!check_ok(d && entries == 0 && ro, "%s is an empty read-only directory",
				      path))
				check_diag("got: %zu entries, %s", entries,
					   ro ? "read-only" : "writable");
			continue;
		}
		check_ok(false, "%s is masked", path);
		check_diag("got: a %s, neither /dev/null nor an empty read-only directory",
			   S_ISREG(st.st_mode) ? "regular file" : "file of another type");
	}
}

void check_readonly_paths(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->readonly_paths == NULL || l->readonly_paths_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < l->readonly_paths_len; i++) {
		const char *path = l->readonly_paths[i];
		struct statvfs sv;
		if (statvfs(path, &sv) < 0) {
			/* Runtimes skip paths the rootfs lacks; there is nothing to write to. */
			if (!check_ok(errno == ENOENT, "%s does not exist", path))
				check_diag("statvfs: %s", strerror(errno));
			continue;
		}
		check_ok(sv.f_flag & ST_RDONLY, "%s is read-only", path);
	}
}
