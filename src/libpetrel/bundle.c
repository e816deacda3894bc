/* Loading a bundle: its absolute path and config.json, parsed by libocispec
 * and checked for what a runtime needs before it creates anything. Every
 * message names config.json and the JSON path of the offending value. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "cleanup.h"

#define CONFIG_NAME "config.json"

static const char *const namespace_types[] = {"pid", "network", "mount",  "ipc",
					      "uts", "user",    "cgroup", "time"};

static int invalid(struct petrel_error **err, const char *path, const char *what)
{
	return petrel_error_set(err, 0, "%s: %s: %s", CONFIG_NAME, path, what);
}

static bool known_namespace(const char *type)
{
	for (size_t i = 0; i < sizeof(namespace_types) / sizeof(namespace_types[0]); i++)
		if (strcmp(type, namespace_types[i]) == 0)
			return true;
	return false;
}

static int validate_namespaces(const struct oci_linux *lx, struct petrel_error **err)
{
	for (size_t i = 0; lx && i < lx->namespaces_len; i++) {
		const char *type = lx->namespaces[i].type;
		if (!known_namespace(type))
			return petrel_error_set(
				err, 0,
				"%s: .linux.namespaces[%zu].type: unknown namespace "
				"type \"%s\"",
				CONFIG_NAME, i, type);
		for (size_t k = 0; k < i; k++)
			if (strcmp(lx->namespaces[k].type, type) == 0)
				return petrel_error_set(err, 0,
							"%s: .linux.namespaces[%zu]: namespace "
							"\"%s\" is listed twice",
							CONFIG_NAME, i, type);
		const char *path = lx->namespaces[i].path;
		if (path && *path && path[0] != '/')
			return petrel_error_set(err, 0,
						"%s: .linux.namespaces[%zu].path: \"%s\" is not "
						"an absolute path",
						CONFIG_NAME, i, path);
	}
	return 0;
}

/* What the spec requires of a configuration that is to be created. */
static int validate_spec(const struct oci_spec *spec, struct petrel_error **err)
{
	if (spec->root == NULL)
		return invalid(err, ".root", "required for Linux containers");
	if (spec->root->path[0] == '\0')
		return invalid(err, ".root.path", "must not be empty");
	if (spec->process == NULL)
		return invalid(err, ".process", "required to create a container");
	if (spec->process->args == NULL || spec->process->args_len == 0)
		return invalid(err, ".process.args", "must not be empty");
	if (spec->process->cwd[0] != '/')
		return invalid(err, ".process.cwd", "must be an absolute path");
	for (size_t i = 0; i < spec->mounts_len; i++)
		if (spec->mounts[i].destination[0] == '\0')
			return petrel_error_set(err, 0,
						"%s: .mounts[%zu].destination: must not be empty",
						CONFIG_NAME, i);
	return validate_namespaces(spec->linux, err);
}

int petrel_bundle_load(const char *dir, struct petrel_bundle **out, struct petrel_error **err)
{
	if (dir == NULL || *dir == '\0')
		dir = ".";
	cleanup_free char *path = realpath(dir, NULL);
	if (path == NULL)
		return petrel_error_errno(err, "bundle \"%s\"", dir);
	cleanup_close int dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return petrel_error_errno(err, "bundle \"%s\"", path);
	cleanup_close int fd = openat(dirfd, CONFIG_NAME, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return petrel_error_errno(err, "bundle \"%s\": open %s", path, CONFIG_NAME);

	struct oci_spec *spec = NULL;
	char *why = NULL;
	if (oci_spec_parse_fd(fd, CONFIG_NAME, &spec, &why) < 0)
		return petrel_error_take(err, 0, why);
	if (validate_spec(spec, err) < 0) {
		oci_spec_free(spec);
		return -1;
	}
	struct petrel_bundle *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		oci_spec_free(spec);
		return petrel_error_set(err, ENOMEM, "bundle");
	}
	b->path = steal_ptr(&path);
	b->spec = spec;
	*out = b;
	return 0;
}

void petrel_bundle_free(struct petrel_bundle *bundle)
{
	if (bundle == NULL)
		return;
	free(bundle->path);
	oci_spec_free(bundle->spec);
	free(bundle);
}
