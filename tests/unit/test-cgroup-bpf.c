/* The cgroup v2 device program on this host: attach rules to a test cgroup
 * below our own v2 cgroup, move a forked child (only the child) into it, and
 * check which devices the child may open and mknod; then replace the rules
 * and check again. Needs root and a cgroup2 mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libpetrel/cgroup-internal.h"
#include "libpetrel/cleanup.h"
#include "tap.h"

/* The cgroup2 mount point, or NULL. */
static char *cgroup2_mount(void)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *found = NULL;
	size_t size = 0;

	while (f && found == NULL && getline(&line, &size, f) > 0) {
		char mnt[4096];
		const char *sep = strstr(line, " - ");
		if (sep && strncmp(sep + 3, "cgroup2 ", 8) == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			found = strdup(mnt);
	}
	free(line);
	return found;
}

/* Our own cgroup in the v2 hierarchy: the path of the "0::" line. */
static char *own_v2_cgroup(void)
{
	cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL, *found = NULL;
	size_t size = 0;

	while (f && found == NULL && getline(&line, &size, f) > 0)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			found = strdup(line + 3);
		}
	free(line);
	return found;
}

/* One thing the child tries: open path with flags, or mknod a char device
 * major:minor in a scratch directory. */
struct probe {
	const char *name;
	const char *path;
	int flags;
	bool mknod;
	unsigned major, minor;
	int want; /* 0 or the errno */
};

static const char *scratch_dir;

static int try_probe(const struct probe *p)
{
	if (p->mknod) {
		char node[4096];
		snprintf(node, sizeof(node), "%s/node", scratch_dir);
		unlink(node);
		if (mknod(node, S_IFCHR | 0600, makedev(p->major, p->minor)) < 0)
			return errno;
		unlink(node);
		return 0;
	}
	int fd = open(p->path, p->flags | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* Forks a child, moves it into the cgroup dir, runs the probes there and
 * reports each against its expectation. */
static void probe_in_cgroup(const char *dir, const char *phase, const struct probe *probes,
			    size_t n)
{
	int sync_pipe[2], result_pipe[2];
	int results[32] = {0};

	if (pipe2(sync_pipe, O_CLOEXEC) < 0 || pipe2(result_pipe, O_CLOEXEC) < 0) {
		tap_ok(false, "%s: pipes: %s", phase, strerror(errno));
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char go;
		close(sync_pipe[1]);
		close(result_pipe[0]);
		if (read(sync_pipe[0], &go, 1) != 1)
			_exit(2);
		for (size_t i = 0; i < n; i++)
			results[i] = try_probe(&probes[i]);
		_exit(write(result_pipe[1], results, n * sizeof(int)) == (ssize_t)(n * sizeof(int))
			      ? 0
			      : 3);
	}
	close(sync_pipe[0]);
	close(result_pipe[1]);

	char procs[4096], pidstr[32];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	bool moved = fd >= 0 && write(fd, pidstr, strlen(pidstr)) == (ssize_t)strlen(pidstr);
	int move_errno = errno;
	if (fd >= 0)
		close(fd);
	tap_ok(moved, "%s: child moved into %s%s%s", phase, dir, moved ? "" : ": ",
	       moved ? "" : strerror(move_errno));

	/* Even when the move failed, release the child (in our cgroup its
	 * probes say nothing; only the status is read). */
	if (write(sync_pipe[1], "g", 1) != 1)
		tap_ok(false, "%s: start child", phase);
	close(sync_pipe[1]);
	ssize_t got = read(result_pipe[0], results, n * sizeof(int));
	close(result_pipe[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!moved)
		return;
	tap_ok(got == (ssize_t)(n * sizeof(int)) && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "%s: child ran the probes", phase);
	for (size_t i = 0; i < n && got == (ssize_t)(n * sizeof(int)); i++)
		if (!tap_ok(results[i] == probes[i].want, "%s: %s %s", phase, probes[i].name,
			    probes[i].want ? strerror(probes[i].want) : "works"))
			printf("#   got: %s\n", results[i] ? strerror(results[i]) : "success");
}

/* How many device programs are attached to the cgroup itself. */
static int attached_count(const char *dir)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint32_t ids[64];
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)fd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = 64;
	if (fd < 0 || syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) < 0)
		return -1;
	return (int)attr.query.prog_cnt;
}

static bool apply_rules(const char *dir, const struct petrel_device_rule *rules, size_t n,
			const char *what)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_error struct petrel_error *err = NULL;
	bool ok = fd >= 0 && petrel_cgroup_devices_bpf_apply(fd, rules, n, &err) == 0;

	if (!tap_ok(ok, "%s", what))
		printf("#   %s\n", err ? petrel_error_message(err) : strerror(errno));
	return ok;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Allow-list: deny everything, then some access to null and zero; a rule
 * for a device number above INT32_MAX must load and match nothing. */
static const struct petrel_device_rule allow_list[] = {
	{.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
	{.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rw"},
	{.allow = true, .type = 'c', .major = 1, .minor = 5, .access = "r"},
	{.allow = true, .type = 'c', .major = 4294967295, .minor = 4294967295, .access = "rwm"},
	{.allow = true, .type = 'b', .major = 1, .minor = -1, .access = "rwm"},
};

static const struct probe allow_list_probes[] = {
	{"open /dev/null rw", "/dev/null", O_RDWR, false, 0, 0, 0},
	{"open /dev/zero r", "/dev/zero", O_RDONLY, false, 0, 0, 0},
	{"open /dev/zero w", "/dev/zero", O_WRONLY, false, 0, 0, EPERM},
	{"open /dev/full r", "/dev/full", O_RDONLY, false, 0, 0, EPERM},
	{"open /dev/urandom r", "/dev/urandom", O_RDONLY, false, 0, 0, EPERM},
	{"mknod c 1:3 (no m)", NULL, 0, true, 1, 3, EPERM},
};

/* Deny-list, last match wins: allow everything, take writes to null away,
 * deny full and then give reads back. */
static const struct petrel_device_rule deny_list[] = {
	{.allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
	{.allow = false, .type = 'c', .major = 1, .minor = 3, .access = "w"},
	{.allow = false, .type = 'c', .major = 1, .minor = 7, .access = "rwm"},
	{.allow = true, .type = 'c', .major = 1, .minor = 7, .access = "r"},
};

static const struct probe deny_list_probes[] = {
	{"open /dev/null r", "/dev/null", O_RDONLY, false, 0, 0, 0},
	{"open /dev/null rw (w denied)", "/dev/null", O_RDWR, false, 0, 0, EPERM},
	{"open /dev/zero w", "/dev/zero", O_WRONLY, false, 0, 0, 0},
	{"open /dev/full r (allowed last)", "/dev/full", O_RDONLY, false, 0, 0, 0},
	{"open /dev/full w", "/dev/full", O_WRONLY, false, 0, 0, EPERM},
	{"mknod c 1:3 (m still allowed)", NULL, 0, true, 1, 3, 0},
	{"mknod c 1:7 (denied)", NULL, 0, true, 1, 7, EPERM},
};

int main(void)
{
	cleanup_free char *mount = NULL, *own = NULL;
	char dir[4096], scratch[] = "/tmp/petrel-unit-bpf-XXXXXX";

	if (geteuid() != 0) {
		printf("# not root: the test attaches eBPF programs to a cgroup\n");
		tap_ok(true, "cgroup device eBPF program # SKIP not root");
		return tap_done();
	}
	mount = cgroup2_mount();
	own = own_v2_cgroup();
	if (mount == NULL || own == NULL) {
		printf("# no cgroup2 mount (or no 0:: line in /proc/self/cgroup)\n");
		tap_ok(true, "cgroup device eBPF program # SKIP no cgroup2 mount");
		return tap_done();
	}

	snprintf(dir, sizeof(dir), "%s%s/petrel-unit-bpf-%d", mount, strcmp(own, "/") ? own : "",
		 (int)getpid());
	if (!tap_ok(mkdir(dir, 0755) == 0, "create test cgroup %s", dir)) {
		printf("#   %s\n", strerror(errno));
		return tap_done();
	}
	if (!tap_ok(mkdtemp(scratch) != NULL, "scratch directory for mknod"))
		goto out_cgroup;
	scratch_dir = scratch;

	if (apply_rules(dir, allow_list, N(allow_list), "attach an allow-list program")) {
		tap_ok(attached_count(dir) == 1, "one program attached");
		probe_in_cgroup(dir, "allow-list", allow_list_probes, N(allow_list_probes));
	}
	if (apply_rules(dir, deny_list, N(deny_list), "replace it with a deny-list program")) {
		tap_ok(attached_count(dir) == 1, "still one program attached after the replace");
		probe_in_cgroup(dir, "deny-list", deny_list_probes, N(deny_list_probes));
	}

	/* A third program, while two are attached: both old ones go. */
	{
		cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cleanup_close int extra = -1;
		/* A second program attached behind petrel's back. */
		static const struct bpf_insn allow_all[] = {
			{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1},
			{.code = BPF_JMP | BPF_EXIT},
		};
		union bpf_attr attr;
		memset(&attr, 0, sizeof(attr));
		attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
		attr.insns = (uint64_t)(uintptr_t)allow_all;
		attr.insn_cnt = 2;
		attr.license = (uint64_t)(uintptr_t) "GPL";
		extra = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		memset(&attr, 0, sizeof(attr));
		attr.target_fd = (uint32_t)fd;
		attr.attach_bpf_fd = (uint32_t)extra;
		attr.attach_type = BPF_CGROUP_DEVICE;
		attr.attach_flags = BPF_F_ALLOW_MULTI;
		bool attached =
			extra >= 0 && syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) == 0;
		tap_ok(attached && attached_count(dir) == 2, "a second program attached by hand");
		if (apply_rules(dir, allow_list, N(allow_list), "apply with two programs attached"))
			tap_ok(attached_count(dir) == 1, "both old programs detached");
	}

	/* No rule denies all; an allow-all rule last leaves the earlier
	 * rules unreachable, which the verifier would refuse if compiled. */
	{
		static const struct petrel_device_rule last_allows[] = {
			{.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
			{.allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm"},
			{.allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
		};
		apply_rules(dir, allow_list, 0, "an empty rule list loads");
		apply_rules(dir, last_allows, N(last_allows), "an allow-all rule last loads");
		tap_ok(attached_count(dir) == 1, "one program attached");
	}

	/* Errors name the step. */
	{
		cleanup_close int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		cleanup_error struct petrel_error *err = NULL;
		int r = petrel_cgroup_devices_bpf_apply(fd, allow_list, N(allow_list), &err);
		tap_ok(r < 0, "a directory that is no cgroup fails");
		tap_contains(err ? petrel_error_message(err) : NULL,
			     "devices: ", "the error names the step");
	}

	rmdir(scratch);
out_cgroup:
	tap_ok(rmdir(dir) == 0, "remove the test cgroup");
	return tap_done();
}
