/* linux.sysctl. Keys use dots ("net.ipv4.ip_forward") or slashes; either
 * way they name a file under /proc/sys, never outside it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
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

int petrel_sysctl_validate(const struct oci_linux *lx, struct petrel_error **err)
{
	const struct oci_string_map *map = lx ? lx->sysctl : NULL;
	for (size_t i = 0; map && i < map->len; i++)
		if (!valid_key(map->keys[i]))
			return petrel_error_set(err, 0,
						"config.json: .linux.sysctl[\"%s\"]: invalid key",
						map->keys[i]);
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
