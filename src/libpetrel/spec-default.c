/* `petrel spec`: the default bundle configuration, equivalent to runc's, and
 * its rootless variant. The template is plain C data; the document written is
 * a deep copy made by libocispec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cleanup.h"
#include "spec-default.h"

#define S(x) ((char *)(x))
#define STRV(...) ((char *[]){__VA_ARGS__}), (sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

static char *default_caps[] = {S("CAP_AUDIT_WRITE"), S("CAP_KILL"), S("CAP_NET_BIND_SERVICE")};
#define N_DEFAULT_CAPS (sizeof(default_caps) / sizeof(default_caps[0]))

static struct oci_capabilities capabilities = {
	.bounding = default_caps,
	.bounding_len = N_DEFAULT_CAPS,
	.effective = default_caps,
	.effective_len = N_DEFAULT_CAPS,
	.permitted = default_caps,
	.permitted_len = N_DEFAULT_CAPS,
};

static struct oci_rlimit rlimits[] = {
	{.type = S("RLIMIT_NOFILE"),
	 .hard = 1024,
	 .has_hard = true,
	 .soft = 1024,
	 .has_soft = true},
};

static struct oci_user user = {.uid = 0, .has_uid = true, .gid = 0, .has_gid = true};

static struct oci_process process = {
	.terminal = true,
	.has_terminal = true,
	.user = &user,
	.args = STRV(S("sh")),
	.env = STRV(S("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
		    S("TERM=xterm")),
	.cwd = S("/"),
	.capabilities = &capabilities,
	.rlimits = rlimits,
	.rlimits_len = sizeof(rlimits) / sizeof(rlimits[0]),
	.no_new_privileges = true,
	.has_no_new_privileges = true,
};

static struct oci_root root = {.path = S("rootfs"), .readonly = true, .has_readonly = true};

static struct oci_mount mounts[] = {
	{.destination = S("/proc"), .type = S("proc"), .source = S("proc")},
	{.destination = S("/dev"),
	 .type = S("tmpfs"),
	 .source = S("tmpfs"),
	 .options = STRV(S("nosuid"), S("strictatime"), S("mode=755"), S("size=65536k"))},
	{.destination = S("/dev/pts"),
	 .type = S("devpts"),
	 .source = S("devpts"),
	 .options = STRV(S("nosuid"), S("noexec"), S("newinstance"), S("ptmxmode=0666"),
			 S("mode=0620"), S("gid=5"))},
	{.destination = S("/dev/shm"),
	 .type = S("tmpfs"),
	 .source = S("shm"),
	 .options = STRV(S("nosuid"), S("noexec"), S("nodev"), S("mode=1777"), S("size=65536k"))},
	{.destination = S("/dev/mqueue"),
	 .type = S("mqueue"),
	 .source = S("mqueue"),
	 .options = STRV(S("nosuid"), S("noexec"), S("nodev"))},
	{.destination = S("/sys"),
	 .type = S("sysfs"),
	 .source = S("sysfs"),
	 .options = STRV(S("nosuid"), S("noexec"), S("nodev"), S("ro"))},
	{.destination = S("/sys/fs/cgroup"),
	 .type = S("cgroup"),
	 .source = S("cgroup"),
	 .options = STRV(S("nosuid"), S("noexec"), S("nodev"), S("relatime"), S("ro"))},
};

static struct oci_device_cgroup deny_all_devices[] = {
	{.allow = false, .has_allow = true, .access = S("rwm")},
};

static struct oci_resources resources = {
	.devices = deny_all_devices,
	.devices_len = 1,
};

static struct oci_namespace namespaces[] = {
	{.type = S("pid")}, {.type = S("network")}, {.type = S("ipc")},
	{.type = S("uts")}, {.type = S("mount")},
};

static struct oci_linux linux_config = {
	.resources = &resources,
	.namespaces = namespaces,
	.namespaces_len = sizeof(namespaces) / sizeof(namespaces[0]),
	.masked_paths =
		STRV(S("/proc/acpi"), S("/proc/asound"), S("/proc/kcore"), S("/proc/keys"),
		     S("/proc/latency_stats"), S("/proc/timer_list"), S("/proc/timer_stats"),
		     S("/proc/sched_debug"), S("/sys/firmware"), S("/proc/scsi")),
	.readonly_paths = STRV(S("/proc/bus"), S("/proc/fs"), S("/proc/irq"), S("/proc/sys"),
			       S("/proc/sysrq-trigger")),
};

static struct oci_spec default_spec = {
	.oci_version = S(OCI_SPEC_VERSION),
	.process = &process,
	.root = &root,
	.hostname = S("petrel"),
	.mounts = mounts,
	.mounts_len = sizeof(mounts) / sizeof(mounts[0]),
	.linux = &linux_config,
};

static bool host_is_cgroup2(void)
{
	struct statfs sfs;
	return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* The rootless variant, as runc makes it: no network namespace, a user
 * namespace mapping root to the caller, /sys bind-mounted (sysfs cannot be
 * mounted without owning the network namespace), no uid=/gid= mount options
 * and no cgroup resources. */
static int make_rootless(struct oci_spec *spec, struct petrel_error **err)
{
	struct oci_linux *lx = spec->linux;
	size_t kept = 0;
	for (size_t i = 0; i < lx->namespaces_len; i++) {
		struct oci_namespace *ns = &lx->namespaces[i];
		if (strcmp(ns->type, "network") == 0 || strcmp(ns->type, "user") == 0) {
			free(ns->type);
			free(ns->path);
			continue;
		}
		lx->namespaces[kept++] = *ns;
	}
	struct oci_namespace *grown = realloc(lx->namespaces, (kept + 1) * sizeof(*grown));
	if (grown == NULL)
		return petrel_error_set(err, ENOMEM, "rootless spec");
	lx->namespaces = grown;
	lx->namespaces[kept].type = strdup("user");
	lx->namespaces[kept].path = NULL;
	lx->namespaces_len = kept + 1;

	struct oci_id_mapping *uids = calloc(1, sizeof(*uids));
	struct oci_id_mapping *gids = calloc(1, sizeof(*gids));
	if (uids == NULL || gids == NULL || lx->namespaces[kept].type == NULL) {
		free(uids);
		free(gids);
		return petrel_error_set(err, ENOMEM, "rootless spec");
	}
	*uids = (struct oci_id_mapping){0, true, geteuid(), true, 1, true};
	*gids = (struct oci_id_mapping){0, true, getegid(), true, 1, true};
	lx->uid_mappings = uids;
	lx->uid_mappings_len = 1;
	lx->gid_mappings = gids;
	lx->gid_mappings_len = 1;

	for (size_t i = 0; i < spec->mounts_len; i++) {
		struct oci_mount *m = &spec->mounts[i];
		if (strcmp(m->destination, "/sys") == 0) {
			static char *sys_options[] = {S("rbind"), S("nosuid"), S("noexec"),
						      S("nodev"), S("ro")};
			struct oci_mount sys = {
				.destination = S("/sys"),
				.type = S("none"),
				.source = S("/sys"),
				.options = sys_options,
				.options_len = sizeof(sys_options) / sizeof(sys_options[0]),
			};
			struct oci_mount *copy = ocispec_dup(&oci_type_mount, &sys);
			if (copy == NULL)
				return petrel_error_set(err, ENOMEM, "rootless spec");
			free(m->destination);
			free(m->type);
			free(m->source);
			for (size_t k = 0; k < m->options_len; k++)
				free(m->options[k]);
			free(m->options);
			*m = *copy;
			free(copy);
			continue;
		}
		size_t keep = 0;
		for (size_t k = 0; k < m->options_len; k++) {
			if (strncmp(m->options[k], "uid=", 4) == 0 ||
			    strncmp(m->options[k], "gid=", 4) == 0)
				free(m->options[k]);
			else
				m->options[keep++] = m->options[k];
		}
		m->options_len = keep;
	}
	ocispec_free(&oci_type_resources, lx->resources);
	lx->resources = NULL;
	return 0;
}

int petrel_spec_default(bool rootless, struct oci_spec **out, struct petrel_error **err)
{
	struct oci_spec *spec = ocispec_dup(&oci_type_spec, &default_spec);
	if (spec == NULL)
		return petrel_error_set(err, ENOMEM, "default spec");
	/* As runc does: a cgroup namespace where the host is on cgroup v2. */
	if (host_is_cgroup2()) {
		struct oci_linux *lx = spec->linux;
		struct oci_namespace *ns =
			realloc(lx->namespaces, (lx->namespaces_len + 1) * sizeof(*ns));
		if (ns == NULL) {
			oci_spec_free(spec);
			return petrel_error_set(err, ENOMEM, "default spec");
		}
		lx->namespaces = ns;
		ns[lx->namespaces_len] = (struct oci_namespace){.type = strdup("cgroup")};
		lx->namespaces_len++;
		if (ns[lx->namespaces_len - 1].type == NULL) {
			oci_spec_free(spec);
			return petrel_error_set(err, ENOMEM, "default spec");
		}
	}
	if (rootless && make_rootless(spec, err) < 0) {
		oci_spec_free(spec);
		return -1;
	}
	*out = spec;
	return 0;
}

int petrel_spec_write(const char *bundle, bool rootless, struct petrel_error **err)
{
	struct oci_spec *spec = NULL;
	if (petrel_spec_default(rootless, &spec, err) < 0)
		return -1;
	char *json = NULL, *why = NULL;
	size_t len = 0;
	int r = oci_spec_generate(spec, true, &json, &len, &why);
	oci_spec_free(spec);
	if (r < 0)
		return petrel_error_take(err, 0, why);
	cleanup_free char *text = json;

	cleanup_close int dirfd = open(bundle ? bundle : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return petrel_error_errno(err, "open bundle \"%s\"", bundle ? bundle : ".");
	/* O_EXCL: an existing config.json is never overwritten. */
	cleanup_close int fd = openat(dirfd, "config.json",
				      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == EEXIST)
		return petrel_error_set(err, 0, "File %s/config.json exists. Remove it first",
					bundle ? bundle : ".");
	if (fd < 0)
		return petrel_error_errno(err, "create %s/config.json", bundle ? bundle : ".");
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			unlinkat(dirfd, "config.json", 0);
			return petrel_error_set(err, saved, "write %s/config.json",
						bundle ? bundle : ".");
		}
		done += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1) {
		int saved = errno;
		unlinkat(dirfd, "config.json", 0);
		return petrel_error_set(err, saved, "write %s/config.json", bundle ? bundle : ".");
	}
	return 0;
}
