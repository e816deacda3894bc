/* Namespace plans, joins, id maps and time offsets. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "cleanup.h"
#include "namespaces.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *type, *proc_name;
	int flag;
} namespaces[PETREL_NS_COUNT] = {
	/* The user namespace comes first: joining it first gives the
	 * privileges to join the others it owns. */
	{"user", "user", CLONE_NEWUSER},       {"pid", "pid", CLONE_NEWPID},
	{"network", "net", CLONE_NEWNET},      {"ipc", "ipc", CLONE_NEWIPC},
	{"uts", "uts", CLONE_NEWUTS},          {"mount", "mnt", CLONE_NEWNS},
	{"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};

const char *const petrel_ns_types[PETREL_NS_COUNT] = {"cgroup", "ipc",  "mount", "network",
						      "pid",    "time", "user",  "uts"};

static int ns_index(const char *type)
{
	for (int i = 0; i < PETREL_NS_COUNT; i++)
		if (strcmp(namespaces[i].type, type) == 0)
			return i;
	return -1;
}

int petrel_ns_flag(const char *type)
{
	int i = ns_index(type);
	return i < 0 ? 0 : namespaces[i].flag;
}

const char *petrel_ns_proc_name(int flag)
{
	for (int i = 0; i < PETREL_NS_COUNT; i++)
		if (namespaces[i].flag == flag)
			return namespaces[i].proc_name;
	return NULL;
}

void petrel_ns_plan_release(struct petrel_ns_plan *plan)
{
	for (int i = 0; i < PETREL_NS_COUNT; i++) {
		if (plan->join_fds[i] >= 0)
			close(plan->join_fds[i]);
		plan->join_fds[i] = -1;
	}
}

int petrel_ns_plan(const struct oci_linux *lx, struct petrel_ns_plan *plan,
		   struct petrel_error **err)
{
	plan->new_flags = plan->join_flags = 0;
	for (int i = 0; i < PETREL_NS_COUNT; i++)
		plan->join_fds[i] = -1;
	for (size_t k = 0; lx && k < lx->namespaces_len; k++) {
		const struct oci_namespace *ns = &lx->namespaces[k];
		int i = ns_index(ns->type);
		if (i < 0) {
			petrel_ns_plan_release(plan);
			return petrel_error_set(err, 0, "unknown namespace type \"%s\"", ns->type);
		}
		if (ns->path == NULL || ns->path[0] == '\0') {
			plan->new_flags |= namespaces[i].flag;
			continue;
		}
		int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int saved = errno;
			petrel_ns_plan_release(plan);
			return petrel_error_set(err, saved, "open %s namespace \"%s\"", ns->type,
						ns->path);
		}
		/* A path to something else fails here, naming it, rather than
		 * as a bare EINVAL from setns() in the init. */
		int type = ioctl(fd, NS_GET_NSTYPE);
		if (type != namespaces[i].flag) {
			close(fd);
			petrel_ns_plan_release(plan);
			return petrel_error_set(err, 0, "\"%s\" is not a %s namespace", ns->path,
						ns->type);
		}
		plan->join_fds[i] = fd;
		plan->join_flags |= namespaces[i].flag;
	}
	return 0;
}

int petrel_ns_join(struct petrel_ns_plan *plan, struct petrel_error **err)
{
	for (int i = 0; i < PETREL_NS_COUNT; i++) {
		if (plan->join_fds[i] < 0)
			continue;
		if (setns(plan->join_fds[i], namespaces[i].flag) < 0)
			return petrel_error_errno(err, "join %s namespace", namespaces[i].type);
		close(plan->join_fds[i]);
		plan->join_fds[i] = -1;
	}
	return 0;
}

static int write_proc_file(pid_t pid, const char *name, const char *data, size_t len,
			   struct petrel_error **err)
{
	char path[64];
	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	else
		snprintf(path, sizeof(path), "/proc/self/%s", name);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return petrel_error_errno(err, "open %s", path);
	if (write(fd, data, len) != (ssize_t)len)
		return petrel_error_errno(err, "write %s", path);
	return 0;
}

static int write_map(pid_t pid, const char *name, const struct oci_id_mapping *map, size_t n,
		     struct petrel_error **err)
{
	char buf[4096];
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", map[i].container_id,
				 map[i].host_id, map[i].size);
		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return petrel_error_set(err, E2BIG, "%s: too many mappings", name);
		len += (size_t)w;
	}
	if (len == 0)
		return 0;
	return write_proc_file(pid, name, buf, len, err);
}

int petrel_ns_write_id_maps(pid_t pid, const struct oci_linux *lx, struct petrel_error **err)
{
	if (write_map(pid, "uid_map", lx->uid_mappings, lx->uid_mappings_len, err) < 0)
		return -1;
	return write_map(pid, "gid_map", lx->gid_mappings, lx->gid_mappings_len, err);
}

int petrel_ns_write_time_offsets(const struct oci_linux *lx, struct petrel_error **err)
{
	char buf[256];
	size_t len = 0;
	for (size_t i = 0; lx && i < lx->time_offsets_len; i++) {
		const char *clock = lx->time_offsets_keys[i];
		if (strcmp(clock, "monotonic") != 0 && strcmp(clock, "boottime") != 0)
			return petrel_error_set(err, 0,
						"linux.timeOffsets: unknown clock \"%s\" "
						"(monotonic or boottime)",
						clock);
		const struct oci_time_offset *o = &lx->time_offsets[i];
		int w = snprintf(buf + len, sizeof(buf) - len, "%s %lld %u\n", clock,
				 (long long)o->secs, o->nanosecs);
		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return petrel_error_set(err, E2BIG, "linux.timeOffsets");
		len += (size_t)w;
	}
	if (len == 0)
		return 0;
	return write_proc_file(0, "timens_offsets", buf, len, err);
}

int petrel_ns_loopback_up(struct petrel_error **err)
{
	cleanup_close int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {.ifr_name = "lo"};
	if (sock < 0)
		return petrel_error_errno(err, "bring up lo: socket");
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return petrel_error_errno(err, "bring up lo: read its flags");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return petrel_error_errno(err, "bring up lo");
	return 0;
}
