/* `petrel features`: the runtime-spec features document. It is truthful: it
 * lists only what this build implements, and each piece of the runtime adds
 * its entries here as it lands (hooks, mount options, namespaces,
 * capabilities, cgroup drivers, seccomp actions/operators/archs/flags). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "build-info.h"
#include "capabilities.h"
#include "criu.h"
#include "features.h"
#include "log.h"
#include "mounts.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"

#define S(x) ((char *)(x))

static struct oci_features_enabled disabled = {.enabled = false, .has_enabled = true};
/* The labels are applied where the host runs the LSM (set in petrel_features). */
static struct oci_features_enabled apparmor = {.has_enabled = true};
static struct oci_features_enabled selinux = {.has_enabled = true};

/* cgroupfs on v1, v2 and hybrid hosts; the systemd driver (system
 * manager only) when petrel-systemd is built (libsystemd). */
static struct oci_features_cgroup cgroup = {
	.v1 = true,
	.has_v1 = true,
	.v2 = true,
	.has_v2 = true,
	.systemd = PETREL_HAS_SYSTEMD,
	.has_systemd = true,
	.systemd_user = false,
	.has_systemd_user = true,
	.rdma = true,
	.has_rdma = true,
};

/* The lists are filled in by petrel_features(): seccomp.c's tables, and the
 * flags this kernel supports. */
static struct oci_features_seccomp seccomp = {
	.enabled = true,
	.has_enabled = true,
};

static struct oci_features_intel_rdt intel_rdt = {.enabled = false, .has_enabled = true};

/* Idmapped mounts (idmap, ridmap) are made with mount_setattr(). */
static struct oci_features_enabled enabled = {.enabled = true, .has_enabled = true};
static struct oci_features_mount_extensions mount_extensions = {.idmap = &enabled};

/* Every hook kind is run (hooks.c, container.c, init.c). */
static char *hooks[] = {S("prestart"),       S("createRuntime"), S("createContainer"),
			S("startContainer"), S("poststart"),     S("poststop")};

static struct oci_features_linux features_linux = {
	.namespaces = (char **)petrel_ns_types,
	.namespaces_len = PETREL_NS_COUNT,
	.capabilities = (char **)petrel_cap_names,
	.cgroup = &cgroup,
	.seccomp = &seccomp,
	.apparmor = &apparmor,
	.selinux = &selinux,
	.intel_rdt = &intel_rdt,
	.mount_extensions = &mount_extensions,
	.net_devices = &disabled,
};

static struct oci_features features = {
	.oci_version_min = S(OCI_SPEC_VERSION_MIN),
	.oci_version_max = S(OCI_SPEC_VERSION_MAX),
	.hooks = hooks,
	.hooks_len = sizeof(hooks) / sizeof(hooks[0]),
	.linux = &features_linux,
};

static size_t strv_len(const char *const *v)
{
	size_t n = 0;
	while (v[n])
		n++;
	return n;
}

static void set_list(char ***list, size_t *len, const char *const *v)
{
	*list = (char **)v;
	*len = strv_len(v);
}

/* runc's annotation says whether checkpoint/restore works: built with
 * CRIU, petrel-criu found, and CRIU answering through it. */
static bool checkpoint_enabled(void)
{
	char *version = NULL;
	struct petrel_error *err = NULL;
	int r = petrel_criu_version(NULL, &version, &err);
	if (r < 0)
		petrel_debug("features: checkpoint: %s", petrel_error_message(err));
	petrel_error_free(err);
	free(version);
	return r == 0;
}

int petrel_features(struct oci_features **out, struct petrel_error **err)
{
	features_linux.capabilities_len = (size_t)petrel_cap_count;
	apparmor.enabled = petrel_apparmor_enabled();
	selinux.enabled = petrel_selinux_enabled();
	const char **supported = petrel_seccomp_supported_flags();
	if (supported == NULL)
		return petrel_error_set(err, ENOMEM, "features");
	set_list(&seccomp.actions, &seccomp.actions_len, petrel_seccomp_actions);
	set_list(&seccomp.operators, &seccomp.operators_len, petrel_seccomp_operators);
	set_list(&seccomp.archs, &seccomp.archs_len, petrel_seccomp_archs);
	set_list(&seccomp.known_flags, &seccomp.known_flags_len, petrel_seccomp_known_flags);
	set_list(&seccomp.supported_flags, &seccomp.supported_flags_len, supported);
	size_t n_options = petrel_mount_option_count();
	const char **options = calloc(n_options + 1, sizeof(char *));
	if (options == NULL) {
		free(supported);
		return petrel_error_set(err, ENOMEM, "features");
	}
	for (size_t i = 0; i < n_options; i++)
		options[i] = petrel_mount_option_name(i);
	set_list(&features.mount_options, &features.mount_options_len, options);
	struct oci_features *copy = ocispec_dup(&oci_type_features, &features);
	seccomp.supported_flags = NULL;
	features.mount_options = NULL;
	free(supported);
	free(options);
	if (copy == NULL)
		return petrel_error_set(err, ENOMEM, "features");
	char libseccomp[32];
	const struct scmp_version *v = seccomp_version();
	snprintf(libseccomp, sizeof(libseccomp), "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0,
		 v ? v->micro : 0);
	if (oci_string_map_set(&copy->annotations, "io.github.seccomp.libseccomp.version",
			       libseccomp) < 0 ||
	    oci_string_map_set(&copy->annotations, "org.petrel.version", PACKAGE_VERSION) < 0 ||
	    oci_string_map_set(&copy->annotations, "org.petrel.commit", PETREL_COMMIT) < 0 ||
	    oci_string_map_set(&copy->annotations, "org.opencontainers.runc.checkpoint.enabled",
			       checkpoint_enabled() ? "true" : "false") < 0) {
		oci_features_free(copy);
		return petrel_error_set(err, ENOMEM, "features");
	}
	*out = copy;
	return 0;
}

int petrel_features_json(char **out, struct petrel_error **err)
{
	struct oci_features *f = NULL;
	if (petrel_features(&f, err) < 0)
		return -1;
	char *why = NULL;
	int r = oci_features_generate(f, true, out, NULL, &why);
	oci_features_free(f);
	if (r < 0)
		return petrel_error_take(err, 0, why);
	return 0;
}
