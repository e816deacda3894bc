/* linux.sysctl. Keys use dots ("net.ipv4.ip_forward") or slashes; either
 * way they name a file under /proc/sys, never outside it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"
#include "sysctl.h"

static int key_to_path(const char *key, char *path, size_t size)
{
	int n = snprintf(path, size, "/proc/sys/%s", key);
	if (n < 0 || (size_t)n >= size)
		return -1;
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	return 0;
}

static bool valid_key(const char *key)
{
	if (*key == '\0' || *key == '.' || *key == '/')
		return false;
	if (strstr(key, "..") || strstr(key, "//") || strstr(key, "./") || strstr(key, "/."))
		return false;
	size_t len = strlen(key);
	return key[len - 1] != '.' && key[len - 1] != '/';
}

/* The IPC namespace's sysctls (besides fs.mqueue.*). */
static const char *const ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
				       "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
				       "kernel.shmmni", "kernel.shm_rmid_forced"};

/* The namespace a key belongs to, 0 when none: keys are compared with
 * dots, whichever separator the config used. */
static int key_namespace(const char *key)
{
	char dotted[256];
	snprintf(dotted, sizeof(dotted), "%s", key);
	for (char *p = dotted; *p; p++)
		if (*p == '/')
			*p = '.';
	if (strncmp(dotted, "net.", 4) == 0)
		return CLONE_NEWNET;
	if (strncmp(dotted, "fs.mqueue.", 10) == 0)
		return CLONE_NEWIPC;
	for (size_t i = 0; i < ARRAY_LEN(ipc_keys); i++)
		if (strcmp(dotted, ipc_keys[i]) == 0)
			return CLONE_NEWIPC;
	if (strcmp(dotted, "kernel.hostname") == 0 || strcmp(dotted, "kernel.domainname") == 0)
		return CLONE_NEWUTS;
	return 0;
}

int petrel_sysctl_validate(const struct oci_linux *lx, int ns_flags, struct petrel_error **err)
{
	const struct oci_string_map *map = lx ? lx->sysctl : NULL;
	for (size_t i = 0; map && i < map->len; i++) {
		const char *key = map->keys[i];
		if (!valid_key(key))
			return petrel_error_set(
				err, 0, "config.json: .linux.sysctl[\"%s\"]: invalid key", key);
		int ns = key_namespace(key);
		if (ns == 0)
			return petrel_error_set(err, 0,
						"config.json: .linux.sysctl[\"%s\"]: not in a "
						"namespace of the container's own",
						key);
		if (!(ns_flags & ns))
			return petrel_error_set(err, 0,
						"config.json: .linux.sysctl[\"%s\"]: needs a %s "
						"namespace of the container's own",
						key,
						ns == CLONE_NEWNET   ? "network"
						: ns == CLONE_NEWIPC ? "IPC"
								     : "UTS");
	}
	return 0;
}

int petrel_sysctl_apply(const struct oci_linux *lx, struct petrel_error **err)
{
	const struct oci_string_map *map = lx ? lx->sysctl : NULL;
	for (size_t i = 0; map && i < map->len; i++) {
		char path[512];
		if (key_to_path(map->keys[i], path, sizeof(path)) < 0)
			return petrel_error_set(err, ENAMETOOLONG, "sysctl \"%s\"", map->keys[i]);
		cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return petrel_error_errno(err, "sysctl \"%s\"", map->keys[i]);
		const char *v = map->values[i];
		if (write(fd, v, strlen(v)) != (ssize_t)strlen(v))
			return petrel_error_errno(err, "sysctl \"%s\" = \"%s\"", map->keys[i], v);
	}
	return 0;
}
