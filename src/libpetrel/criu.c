/* Checkpoint and restore on petrel's side (criu.h): the helper's command
 * line worked out from the options, config.json and the container's cgroup
 * and namespaces; the container's state around the dump; the container a
 * restore fills; CRIU's log quoted when it fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build-info.h"
#include "bundle.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "cleanup.h"
#include "clone.h"
#include "container-internal.h"
#include "criu.h"
#include "helper-exec.h"
#include "log.h"
#include "mounts.h"
#include "namespaces.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"

#define DEFAULT_IMAGE_PATH "checkpoint"
/* Where restore binds the rootfs for CRIU, in the container's directory
 * and in the helper's own mount namespace only. */
#define CRIU_ROOT_DIR "criu-root"
/* How long checkpoint waits for the dumped init to be gone. */
#define EXIT_WAIT_MS 10000

/* ------------------------------------------------------- external mounts */

static int ext_mount(struct petrel_argv *a, const char *key, const char *value,
		     struct petrel_error **err)
{
	/* The helper splits KEY:VALUE at the first colon. */
	if (strchr(key, ':'))
		return petrel_error_set(err, EINVAL,
					"mount point \"%s\": CRIU cannot name a mount whose path "
					"has a colon",
					key);
	if (petrel_argv_add(a, "--ext-mount") < 0 || petrel_argv_addf(a, "%s:%s", key, value) < 0)
		return petrel_error_set(err, ENOMEM, "criu arguments");
	return 0;
}

/* The default devices a container gets (devices.c), bound from the host
 * where mknod is not allowed (in a user namespace). */
static const char *const default_devices[] = {"/dev/null",   "/dev/zero",    "/dev/full",
					      "/dev/random", "/dev/urandom", "/dev/tty"};

int petrel_criu_ext_mounts(const struct petrel_criu_target *t, bool restore, struct petrel_argv *a,
			   struct petrel_error **err)
{
	const struct oci_spec *spec = t->spec;
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const struct oci_mount *m = &spec->mounts[i];
		if (!petrel_mount_is_bind(m) || m->destination == NULL || m->source == NULL)
			continue;
		cleanup_free char *key = petrel_path_clean(m->destination);
		cleanup_free char *source = NULL;
		if (key == NULL ||
		    (m->source[0] == '/' ? (source = strdup(m->source)) == NULL
					 : asprintf(&source, "%s/%s", t->bundle, m->source) < 0))
			return petrel_error_set(err, ENOMEM, "criu arguments");
		if (ext_mount(a, key, restore ? source : key, err) < 0)
			return -1;
	}
	const struct oci_linux *lx = spec->linux;
	for (size_t i = 0; lx && i < lx->masked_paths_len; i++) {
		/* A masked directory is an empty tmpfs, which CRIU saves; a
		 * masked file is a bind of /dev/null. */
		const char *path = lx->masked_paths[i];
		size_t len = strlen(path);
		if (len == 0 || path[len - 1] == '/')
			continue;
		/* At restore time a key the images do not hold is unused. */
		if (!restore && t->proc_root) {
			cleanup_free char *inside = NULL;
			struct stat st;
			if (asprintf(&inside, "%s%s", t->proc_root, path) < 0)
				return petrel_error_set(err, ENOMEM, "criu arguments");
			if (stat(inside, &st) < 0 || S_ISDIR(st.st_mode))
				continue;
		}
		if (ext_mount(a, path, restore ? "/dev/null" : path, err) < 0)
			return -1;
	}
	/* A name that is not a mount point in the container is left alone by
	 * CRIU: the devices are named whether they were bound or made. */
	for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++)
		if (ext_mount(a, default_devices[i], default_devices[i], err) < 0)
			return -1;
	for (size_t i = 0; lx && i < lx->devices_len; i++) {
		const char *path = lx->devices[i].path;
		bool dup = false;
		for (size_t j = 0; path && j < sizeof(default_devices) / sizeof(default_devices[0]);
		     j++)
			dup |= strcmp(path, default_devices[j]) == 0;
		if (path && !dup && ext_mount(a, path, path, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < t->cgroup_mounts_len; i++) {
		const char *key = t->cgroup_mounts[2 * i], *host = t->cgroup_mounts[2 * i + 1];
		if (ext_mount(a, key, restore ? host : key, err) < 0)
			return -1;
	}
	return 0;
}

/* --------------------------------------------------------- helper's argv */

static int add_list(struct petrel_argv *a, const char *flag, const char *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (petrel_argv_add(a, flag) < 0 || petrel_argv_add(a, items[i]) < 0)
			return -1;
	return 0;
}

int petrel_criu_args(const char *helper, bool restore, const struct petrel_criu_options *o,
		     const struct petrel_criu_target *t, struct petrel_argv *a,
		     struct petrel_error **err)
{
	/* libcriu 3.17 has no call for these. */
	if (o->lazy_pages)
		return petrel_error_set(err, ENOTSUP,
					"--lazy-pages is not supported (libcriu has no lazy-pages "
					"option)");
	if (o->empty_ns_len)
		return petrel_error_set(err, ENOTSUP,
					"--empty-ns is not supported (libcriu has no empty-ns "
					"option)");
	if (o->status_fd >= 0)
		return petrel_error_set(err, ENOTSUP, "--status-fd needs --lazy-pages");
	const char *mode = o->manage_cgroups_mode ? o->manage_cgroups_mode : "soft";
	if (strcmp(mode, "soft") && strcmp(mode, "full") && strcmp(mode, "strict") &&
	    strcmp(mode, "ignore"))
		return petrel_error_set(err, EINVAL, "invalid --manage-cgroups-mode \"%s\"", mode);
	if (o->page_server) {
		const char *colon = strrchr(o->page_server, ':');
		char *end = NULL;
		long port = colon ? strtol(colon + 1, &end, 10) : 0;
		if (restore)
			return petrel_error_set(err, EINVAL, "--page-server is for checkpoint");
		if (colon == NULL || colon == o->page_server || end == colon + 1 || *end ||
		    port <= 0 || port > 65535)
			return petrel_error_set(err, EINVAL,
						"--page-server \"%s\": expected ADDRESS:PORT",
						o->page_server);
	}
	if (o->parent_path && o->parent_path[0] == '/')
		return petrel_error_set(err, EINVAL,
					"--parent-path \"%s\" must be relative to the image path",
					o->parent_path);
	const char *action = restore ? "restore" : o->pre_dump ? "pre-dump" : "dump";
	bool ok =
		petrel_argv_add(a, helper) == 0 && petrel_argv_add(a, action) == 0 &&
		petrel_argv_addf(a, "--report-fd=%d", t->report_fd) == 0 &&
		petrel_argv_add(a, "--images") == 0 &&
		petrel_argv_add(a, o->image_path ? o->image_path : DEFAULT_IMAGE_PATH) == 0 &&
		petrel_argv_add(a, "--log") == 0 &&
		petrel_argv_add(a, restore ? PETREL_CRIU_RESTORE_LOG : PETREL_CRIU_DUMP_LOG) == 0 &&
		petrel_argv_add(a, "--manage-cgroups-mode") == 0 && petrel_argv_add(a, mode) == 0;
	if (ok && o->work_path)
		ok = petrel_argv_add(a, "--work") == 0 && petrel_argv_add(a, o->work_path) == 0;
	if (ok && o->criu_path)
		ok = petrel_argv_add(a, "--criu") == 0 && petrel_argv_add(a, o->criu_path) == 0;
	if (ok && t->root)
		ok = petrel_argv_add(a, "--root") == 0 && petrel_argv_add(a, t->root) == 0;
	const struct {
		bool on;
		const char *flag;
	} bools[] = {
		{o->tcp_established, "--tcp-established"},
		{o->ext_unix_sk, "--ext-unix-sk"},
		{o->shell_job, "--shell-job"},
		{o->file_locks, "--file-locks"},
		{o->auto_dedup, "--auto-dedup"},
		{t->orphan_pts_master, "--orphan-pts-master"},
		{!restore && o->leave_running, "--leave-running"},
		/* Memory changes are tracked from a pre-dump on, for the
		 * dump that names it as its parent. */
		{!restore && (o->pre_dump || o->parent_path), "--track-mem"},
	};
	for (size_t i = 0; ok && i < sizeof(bools) / sizeof(bools[0]); i++)
		if (bools[i].on)
			ok = petrel_argv_add(a, bools[i].flag) == 0;
	if (ok && !restore) {
		ok = petrel_argv_addf(a, "--pid=%d", (int)t->pid) == 0;
		if (ok && o->parent_path)
			ok = petrel_argv_add(a, "--parent") == 0 &&
			     petrel_argv_add(a, o->parent_path) == 0;
		if (ok && t->freeze_cgroup)
			ok = petrel_argv_add(a, "--freeze-cgroup") == 0 &&
			     petrel_argv_add(a, t->freeze_cgroup) == 0;
		if (ok && o->page_server)
			ok = petrel_argv_add(a, "--page-server") == 0 &&
			     petrel_argv_add(a, o->page_server) == 0;
		if (ok)
			ok = add_list(a, "--external", t->externals, t->externals_len) == 0;
	}
	if (ok && restore) {
		if (o->lsm_profile)
			ok = petrel_argv_add(a, "--lsm-profile") == 0 &&
			     petrel_argv_add(a, o->lsm_profile) == 0;
		if (ok && o->lsm_mount_context)
			ok = petrel_argv_add(a, "--lsm-mount-context") == 0 &&
			     petrel_argv_add(a, o->lsm_mount_context) == 0;
		ok = ok && add_list(a, "--inherit-fd", t->inherit_fds, t->inherit_fds_len) == 0 &&
		     add_list(a, "--join-ns", t->join_ns, t->join_ns_len) == 0 &&
		     add_list(a, "--cg-root", t->cg_roots, t->cg_roots_len) == 0;
	}
	if (!ok)
		return petrel_error_set(err, ENOMEM, "criu arguments");
	/* pre-dump saves memory only: CRIU looks at no mount. */
	if (!restore && o->pre_dump)
		return 0;
	return petrel_criu_ext_mounts(t, restore, a, err);
}

/* ------------------------------------------------------------------ log */

char *petrel_criu_log_errors(const char *path)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	cleanup_free char *line = NULL, *first = NULL, *error = NULL, *last = NULL;
	size_t size = 0;
	ssize_t n;
	while ((n = getline(&line, &size, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		if (n == 0)
			continue;
		/* "(00.123456) Error (criu/mount.c:123): ..." and the
		 * "(00.1) pie: 1: Error (...)" of a restored task; CRIU's
		 * closing "Dumping FAILED." says nothing of why. */
		bool is_error = strstr(line, "Error (") != NULL;
		if (is_error && first && n > 8 && strcmp(line + n - 8, " FAILED.") == 0)
			continue;
		char **keep = !is_error ? &last : first ? &error : &first;
		free(*keep);
		*keep = strdup(line);
	}
	char *out = NULL;
	if (first && error) {
		if (asprintf(&out, "%s ... %s", first, error) < 0)
			out = NULL;
	} else {
		out = first ? first : last;
		if (first)
			first = NULL;
		else
			last = NULL;
	}
	return out;
}

/* A failure of the helper, with the log named and its errors quoted:
 * `criu dump failed; CRIU log "/x/dump.log": (00.01) Error (...): ...`. */
static int criu_failed(struct petrel_error **err, const char *log)
{
	cleanup_free char *line = petrel_criu_log_errors(log);
	if (line == NULL && access(log, F_OK) < 0)
		return -1;
	struct petrel_error *first = *err;
	*err = NULL;
	petrel_error_set(err, first ? first->errnum : 0, "%s; CRIU log \"%s\"%s%s",
			 first && first->msg ? first->msg : "CRIU failed", log, line ? ": " : "",
			 line ? line : "");
	petrel_error_free(first);
	return -1;
}

/* --------------------------------------------------------- the helper run */

#if PETREL_HAS_CRIU
static int find_helper(char **path, struct petrel_error **err)
{
	return petrel_helper_find(PETREL_CRIU_HELPER, PETREL_CRIU_HELPER_ENV, path, err);
}
#else
static int find_helper(char **path, struct petrel_error **err)
{
	*path = NULL;
	return petrel_error_set(err, 0, "petrel was built without CRIU (configure --disable-criu)");
}
#endif

struct helper_report {
	pid_t pid;     /* restore: the restored init */
	int pty;       /* restore: the master of an orphan pty, or -1 */
	char *version; /* version */
};

/* Runs the helper and reads its report from sock until it is done; the
 * helper then exits. *theirs, the helper's end of the report pair, goes to
 * the helper with the fds in keep and is closed here once it runs (*theirs
 * becomes -1), so that a helper that dies early is an EOF, not a wait. A
 * setup fails the spawn; an error the helper reports is *err. */
static int run_helper(char *const argv[], int *theirs, const int *keep, size_t n_keep,
		      petrel_helper_setup_fn setup, void *data, int sock,
		      struct helper_report *report, struct petrel_error **err)
{
	int fds[n_keep + 1];
	fds[0] = *theirs;
	for (size_t i = 0; i < n_keep; i++)
		fds[i + 1] = keep[i];
	size_t len = 1;
	for (size_t i = 0; argv[i]; i++)
		len += strlen(argv[i]) + 1;
	cleanup_free char *line = calloc(1, len);
	for (size_t i = 0; line && argv[i]; i++)
		strcat(strcat(line, i ? " " : ""), argv[i]);
	petrel_debug("criu: %s", line ? line : argv[0]);
	pid_t pid = petrel_helper_spawn(argv, fds, n_keep + 1, setup, data, err);
	close(*theirs);
	*theirs = -1;
	if (pid < 0)
		return -1;
	/* Only the helper holds the other end now: EOF means it is gone. */
	int r = -1;
	for (;;) {
		struct petrel_sync_msg msg;
		int fd = -1;
		struct petrel_error *e = NULL;
		if (petrel_sync_recv(sock, &msg, &fd, &e) < 0) {
			petrel_error_free(e);
			int status = petrel_helper_wait(pid, NULL);
			pid = -1;
			petrel_error_set(err, 0, "%s exited with status %d before it was done",
					 argv[0], status);
			break;
		}
		if (msg.type == PETREL_SYNC_PTY && fd >= 0) {
			if (report->pty >= 0)
				close(report->pty);
			report->pty = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (msg.type == PETREL_SYNC_INIT_PID) {
			report->pid = msg.value;
			continue;
		}
		if (msg.type == PETREL_SYNC_READY) {
			if (msg.text[0] && (report->version = strdup(msg.text)) == NULL)
				petrel_error_set(err, ENOMEM, "criu version");
			else
				r = 0;
			break;
		}
		if (msg.type == PETREL_SYNC_ERROR)
			petrel_error_set(err, msg.value, "%s", msg.text);
		else
			petrel_error_set(err, 0, "%s: unexpected message %u", argv[0], msg.type);
		break;
	}
	if (pid > 0)
		petrel_helper_wait(pid, NULL);
	return r;
}

/* A SEQPACKET pair: *ours petrel's, *theirs the helper's (its number is
 * put on the helper's command line; it is kept open across the exec). */
static int report_pair(int *ours, int *theirs, struct petrel_error **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return petrel_error_errno(err, "socketpair");
	*ours = sv[0];
	*theirs = sv[1];
	return 0;
}

int petrel_criu_version(const char *criu_path, char **version, struct petrel_error **err)
{
	cleanup_free char *helper = NULL;
	if (find_helper(&helper, err) < 0)
		return -1;
	cleanup_close int sock = -1, theirs = -1;
	if (report_pair(&sock, &theirs, err) < 0)
		return -1;
	cleanup_argv struct petrel_argv a = {0};
	if (petrel_argv_add(&a, helper) < 0 || petrel_argv_add(&a, "version") < 0 ||
	    petrel_argv_addf(&a, "--report-fd=%d", theirs) < 0 ||
	    (criu_path &&
	     (petrel_argv_add(&a, "--criu") < 0 || petrel_argv_add(&a, criu_path) < 0)))
		return petrel_error_set(err, ENOMEM, "criu version");
	struct helper_report report = {.pty = -1};
	/* The helper's stdio is petrel's: `features` prints to it. */
	int r = run_helper(a.v, &theirs, NULL, 0, NULL, NULL, sock, &report, err);
	if (report.pty >= 0)
		close(report.pty);
	if (r == 0 && report.version == NULL)
		r = petrel_error_set(err, 0, PETREL_CRIU_HELPER ": no version");
	*version = report.version;
	return r;
}

/* ------------------------------------------------------------ checkpoint */

static char *absolute_path(const char *path)
{
	char *abs = realpath(path, NULL);
	return abs ? abs : strdup(path);
}

static int make_dir(const char *flag, const char *path, struct petrel_error **err)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return petrel_error_errno(err, "%s \"%s\"", flag, path);
	struct stat st;
	if (stat(path, &st) < 0)
		return petrel_error_errno(err, "%s \"%s\"", flag, path);
	if (!S_ISDIR(st.st_mode))
		return petrel_error_set(err, ENOTDIR, "%s \"%s\"", flag, path);
	return 0;
}

/* What fds 0-2 of the init are, for restore to reconnect its pipes. */
static int save_stdio(const char *image_dir, pid_t pid, struct petrel_error **err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/%s", image_dir, PETREL_CRIU_STDIO_FILE) < 0)
		return petrel_error_set(err, ENOMEM, "checkpoint");
	cleanup_fclose FILE *f = fopen(path, "we");
	if (f == NULL)
		return petrel_error_errno(err, "write \"%s\"", path);
	for (int fd = 0; fd <= 2; fd++) {
		char link[64], target[4096];
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)pid, fd);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		fprintf(f, "%s\n", target);
	}
	if (fflush(f) != 0 || ferror(f))
		return petrel_error_errno(err, "write \"%s\"", path);
	return 0;
}

/* The host cgroup directories bound into the container: on cgroup v1,
 * without a cgroup namespace, each hierarchy's directory of the init is
 * bound at /sys/fs/cgroup/NAME (mounts-cgroup.c). CRIU leaves them to
 * petrel: restore binds the new container's directories there. */
struct cgroup_info {
	struct petrel_argv mounts; /* pairs: key, host dir */
	struct petrel_argv roots;  /* "CTRL:PATH" */
	const char *freeze;
};

static void cgroup_info_release(struct cgroup_info *ci)
{
	petrel_argv_release(&ci->mounts);
	petrel_argv_release(&ci->roots);
}

static bool has_cgroup_mount(const struct oci_spec *spec)
{
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const char *type = spec->mounts[i].type;
		if (type && (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0))
			return true;
	}
	return false;
}

static bool has_new_namespace(const struct oci_spec *spec, const char *type)
{
	const struct oci_linux *lx = spec->linux;
	for (size_t i = 0; lx && i < lx->namespaces_len; i++)
		if (strcmp(lx->namespaces[i].type, type) == 0 && lx->namespaces[i].path == NULL)
			return true;
	return false;
}

static int cgroup_info(const struct oci_spec *spec, const struct petrel_cgroup *cg,
		       struct cgroup_info *ci, struct petrel_error **err)
{
	const struct petrel_cgroup_layout *layout = NULL;
	if (cg == NULL || cg->n == 0)
		return 0;
	if (petrel_cgroup_layout(&layout, err) < 0)
		return -1;
	ci->freeze = petrel_cgroup_dir_for(cg, "freezer");
	bool binds = has_cgroup_mount(spec) && !has_new_namespace(spec, "cgroup");
	for (size_t i = 0; i < cg->n; i++) {
		const struct petrel_cgroup_dir *d = &cg->dirs[i];
		for (size_t j = 0; j < layout->n; j++) {
			const struct petrel_cgroup_hierarchy *h = &layout->hierarchies[j];
			size_t len = strlen(h->mount);
			if (h->v2 != d->v2 || strcmp(h->controllers, d->controllers) != 0 ||
			    strncmp(d->path, h->mount, len) != 0 ||
			    (d->path[len] != '/' && d->path[len] != '\0'))
				continue;
			const char *rel = d->path + len;
			const char *root = strcmp(h->root, "/") == 0 ? "" : h->root;
			/* The v2 root is CRIU's default for every controller;
			 * v1 ones are named. */
			if (petrel_argv_addf(&ci->roots, "%s:%s%s", d->v2 ? "" : d->controllers,
					     root, *rel ? rel : "/") < 0)
				return petrel_error_set(err, ENOMEM, "criu cgroup roots");
			const char *name = strrchr(h->mount, '/');
			if (binds && !d->v2 && name &&
			    (petrel_argv_addf(&ci->mounts, "/sys/fs/cgroup%s", name) < 0 ||
			     petrel_argv_add(&ci->mounts, d->path) < 0))
				return petrel_error_set(err, ENOMEM, "criu cgroup mounts");
			break;
		}
	}
	return 0;
}

/* A network or pid namespace joined by path is not CRIU's to save:
 * "net[INODE]:extRootNetNS", as runc and crun name it. */
static int external_namespaces(const struct oci_spec *spec, struct petrel_argv *out,
			       struct petrel_error **err)
{
	const struct oci_linux *lx = spec->linux;
	for (size_t i = 0; lx && i < lx->namespaces_len; i++) {
		const struct oci_namespace *ns = &lx->namespaces[i];
		bool net = strcmp(ns->type, "network") == 0, pid = strcmp(ns->type, "pid") == 0;
		if (ns->path == NULL || (!net && !pid))
			continue;
		struct stat st;
		if (stat(ns->path, &st) < 0)
			return petrel_error_errno(err, "namespace \"%s\"", ns->path);
		if (petrel_argv_addf(out, "%s[%llu]:%s", net ? "net" : "pid",
				     (unsigned long long)st.st_ino,
				     net ? PETREL_CRIU_EXT_NETNS : PETREL_CRIU_EXT_PIDNS) < 0)
			return petrel_error_set(err, ENOMEM, "criu namespaces");
	}
	return 0;
}

static int work_log(const struct petrel_criu_options *o, const char *image_dir, bool restore,
		    char **log)
{
	const char *work = o->work_path ? o->work_path : image_dir;
	cleanup_free char *abs = absolute_path(work);
	if (abs == NULL || asprintf(log, "%s/%s", abs,
				    restore ? PETREL_CRIU_RESTORE_LOG : PETREL_CRIU_DUMP_LOG) < 0)
		return -1;
	/* A log from an earlier run must not be quoted for this one. */
	unlink(*log);
	return 0;
}

/* Runs the helper for a dump or a restore of t: its arguments from o and t
 * (t->report_fd set here), keep the fds it inherits besides its report
 * socket, setup what its child does before the exec. On failure CRIU's log
 * under the work directory is named and quoted. */
static int run_criu(const char *helper, bool restore, const struct petrel_criu_options *o,
		    const char *images, struct petrel_criu_target *t, const int *keep,
		    size_t n_keep, petrel_helper_setup_fn setup, void *data,
		    struct helper_report *report, struct petrel_error **err)
{
	cleanup_close int sock = -1, theirs = -1;
	if (report_pair(&sock, &theirs, err) < 0)
		return -1;
	cleanup_argv struct petrel_argv a = {0};
	cleanup_free char *log = NULL;
	t->report_fd = theirs;
	if (petrel_criu_args(helper, restore, o, t, &a, err) < 0)
		return -1;
	if (work_log(o, images, restore, &log) < 0)
		return petrel_error_set(err, ENOMEM, restore ? "restore" : "checkpoint");
	if (run_helper(a.v, &theirs, keep, n_keep, setup, data, sock, report, err) < 0)
		return criu_failed(err, log);
	return 0;
}

static int checkpoint_locked(struct petrel_container *c, const char *helper,
			     const struct petrel_criu_options *o, struct petrel_error **err)
{
	enum petrel_status status = petrel_container_status(c);
	if (status != PETREL_STATUS_RUNNING && status != PETREL_STATUS_PAUSED)
		return petrel_error_set(err, 0, "container \"%s\" is not running (%s)", c->id,
					petrel_status_name(status));
	cleanup_bundle struct petrel_bundle *b = NULL;
	if (petrel_bundle_load(c->state->bundle, &b, err) < 0)
		return -1;
	cleanup_cgroup struct petrel_cgroup *cg = NULL;
	if (petrel_cgroup_from_state(c->id, c->state->cgroup, &cg, err) < 0)
		return -1;
	const char *images = o->image_path ? o->image_path : DEFAULT_IMAGE_PATH;
	if (make_dir("--image-path", images, err) < 0 ||
	    (o->work_path && make_dir("--work-path", o->work_path, err) < 0))
		return -1;
	if (o->parent_path) {
		cleanup_free char *parent = NULL;
		struct stat st;
		if (asprintf(&parent, "%s/%s", images, o->parent_path) < 0)
			return petrel_error_set(err, ENOMEM, "checkpoint");
		if (o->parent_path[0] != '/' && (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode)))
			return petrel_error_set(err, errno ? errno : ENOTDIR,
						"--parent-path \"%s\" (\"%s\")", o->parent_path,
						parent);
	}
	pid_t pid = c->state->init_pid;
	/* Opened before the dump: the init is gone after it. */
	cleanup_close int pidfd = petrel_pidfd_open(pid, err);
	if (pidfd < 0)
		return -1;
	if (!o->pre_dump && save_stdio(images, pid, err) < 0)
		return -1;
	struct cgroup_info ci = {0};
	cleanup_argv struct petrel_argv externals = {0};
	int r = -1;
	if (cgroup_info(b->spec, cg, &ci, err) < 0 ||
	    external_namespaces(b->spec, &externals, err) < 0)
		goto out;
	char proc_root[64];
	snprintf(proc_root, sizeof(proc_root), "/proc/%d/root", (int)pid);
	struct petrel_criu_target t = {
		.spec = b->spec,
		.bundle = b->path,
		.pid = pid,
		.proc_root = proc_root,
		.root = c->state->rootfs,
		.freeze_cgroup = ci.freeze,
		.cgroup_mounts = (const char *const *)ci.mounts.v,
		.cgroup_mounts_len = ci.mounts.n / 2,
		.externals = (const char *const *)externals.v,
		.externals_len = externals.n,
		.orphan_pts_master = b->spec->process && b->spec->process->terminal,
	};
	struct helper_report report = {.pty = -1};
	r = run_criu(helper, false, o, images, &t, NULL, 0, NULL, NULL, &report, err);
	if (report.pty >= 0)
		close(report.pty);
	free(report.version);
	if (r < 0)
		goto out;
	/* CRIU killed the dumped processes: `state` says stopped once the
	 * init is gone (a zombie counts as gone). */
	if (!o->leave_running && !o->pre_dump &&
	    petrel_pidfd_wait_exit(pidfd, EXIT_WAIT_MS, NULL) < 0)
		petrel_warn("checkpoint: container \"%s\": the init %d is still there", c->id,
			    (int)pid);
out:
	cgroup_info_release(&ci);
	return r;
}

int petrel_checkpoint(const char *root, const char *id, const struct petrel_criu_options *o,
		      struct petrel_error **err)
{
	cleanup_free char *helper = NULL;
	cleanup_container struct petrel_container *c = NULL;
	if (petrel_container_open(root, id, true, &c, err) < 0 || find_helper(&helper, err) < 0)
		return -1;
	return checkpoint_locked(c, helper, o, err);
}

/* --------------------------------------------------------------- restore */

/* The pipes among the dumped init's stdio are connected to petrel's own
 * stdio, which the helper inherits: "FD:pipe:[INODE]". */
static int stdio_inherits(const char *image_dir, struct petrel_argv *out, struct petrel_error **err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/%s", image_dir, PETREL_CRIU_STDIO_FILE) < 0)
		return petrel_error_set(err, ENOMEM, "restore");
	cleanup_fclose FILE *f = fopen(path, "re");
	if (f == NULL)
		return 0; /* images from elsewhere: stdio as CRIU restores it */
	char line[4096];
	for (int fd = 0; fd <= 2 && fgets(line, sizeof(line), f); fd++) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "pipe:", 5) == 0 && petrel_argv_addf(out, "%d:%s", fd, line) < 0)
			return petrel_error_set(err, ENOMEM, "restore");
	}
	return 0;
}

/* Namespaces joined by path: network and pid through inherited fds under
 * the keys of checkpoint, ipc, uts and time through CRIU's join-ns. */
struct joined_ns {
	struct petrel_argv inherit, join;
	int fds[2];
	size_t n_fds;
};

static int joined_namespaces(const struct oci_spec *spec, struct joined_ns *j,
			     struct petrel_error **err)
{
	const struct oci_linux *lx = spec->linux;
	for (size_t i = 0; lx && i < lx->namespaces_len; i++) {
		const struct oci_namespace *ns = &lx->namespaces[i];
		if (ns->path == NULL)
			continue;
		bool net = strcmp(ns->type, "network") == 0, pid = strcmp(ns->type, "pid") == 0;
		if (net || pid) {
			/* Inherited by the helper and CRIU: no O_CLOEXEC
			 * there (the spawn clears it). */
			int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return petrel_error_errno(err, "namespace \"%s\"", ns->path);
			j->fds[j->n_fds++] = fd;
			if (petrel_argv_addf(&j->inherit, "%d:%s", fd,
					     net ? PETREL_CRIU_EXT_NETNS : PETREL_CRIU_EXT_PIDNS) <
			    0)
				return petrel_error_set(err, ENOMEM, "restore");
		} else if (strcmp(ns->type, "ipc") == 0 || strcmp(ns->type, "uts") == 0 ||
			   strcmp(ns->type, "time") == 0) {
			if (petrel_argv_addf(&j->join, "%s:%s", ns->type, ns->path) < 0)
				return petrel_error_set(err, ENOMEM, "restore");
		} else {
			return petrel_error_set(err, ENOTSUP,
						"config.json: .linux.namespaces: restore cannot "
						"join a %s namespace by path",
						ns->type);
		}
	}
	return 0;
}

static void joined_ns_release(struct joined_ns *j)
{
	petrel_argv_release(&j->inherit);
	petrel_argv_release(&j->join);
	for (size_t i = 0; i < j->n_fds; i++)
		close(j->fds[i]);
	j->n_fds = 0;
}

static bool under_tmpfs(const struct oci_spec *spec, const char *dest)
{
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const struct oci_mount *m = &spec->mounts[i];
		size_t len = m->destination ? strlen(m->destination) : 0;
		if (m->type && strcmp(m->type, "tmpfs") == 0 && len && strlen(dest) > len &&
		    strncmp(dest, m->destination, len) == 0 && dest[len] == '/')
			return true;
	}
	return false;
}

/* The mount points of config.json's mounts, where a rootfs (copied from
 * another host) lacks them: CRIU mounts onto them but does not make them.
 * Those on a tmpfs come with the tmpfs's saved contents. */
static int prepare_mount_points(const struct oci_spec *spec, const char *rootfs, const char *bundle,
				struct petrel_error **err)
{
	cleanup_close int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return petrel_error_errno(err, "rootfs \"%s\"", rootfs);
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const struct oci_mount *m = &spec->mounts[i];
		if (m->destination == NULL || under_tmpfs(spec, m->destination) ||
		    (m->type &&
		     (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)))
			continue;
		enum petrel_path_kind kind = PETREL_PATH_DIR;
		if (petrel_mount_is_bind(m) && m->source) {
			cleanup_free char *source = NULL;
			struct stat st;
			if (m->source[0] == '/' ? (source = strdup(m->source)) == NULL
						: asprintf(&source, "%s/%s", bundle, m->source) < 0)
				return petrel_error_set(err, ENOMEM, "restore");
			if (stat(source, &st) == 0 && !S_ISDIR(st.st_mode))
				kind = PETREL_PATH_FILE;
		}
		int fd = -1;
		if (petrel_open_or_create_in_root(root_fd, m->destination, kind, &fd, err) < 0)
			return petrel_error_prefix(err, "mount point \"%s\"", m->destination);
		close(fd);
	}
	return 0;
}

/* In the helper's child, before exec: it goes into the container's cgroup
 * (CRIU's restored processes with it), and into a mount namespace of its
 * own where the rootfs is bound at criu_root, so that nothing of the restore
 * shows on the host. */
struct restore_setup {
	const struct petrel_cgroup *cg;
	const char *rootfs;
	const char *criu_root;
};

static int restore_child_setup(void *data, struct petrel_error **err)
{
	const struct restore_setup *s = data;
	if (s->cg && petrel_cgroup_enter_self(s->cg, false, NULL, err) < 0)
		return petrel_error_prefix(err, "restore: enter the container's cgroup");
	if (unshare(CLONE_NEWNS) < 0)
		return petrel_error_errno(err, "restore: unshare the mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return petrel_error_errno(err, "restore: make / a slave mount");
	if (mount(s->rootfs, s->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
		return petrel_error_errno(err, "restore: bind the rootfs \"%s\" on \"%s\"",
					  s->rootfs, s->criu_root);
	return 0;
}

static int check_images(const char *images, struct petrel_error **err)
{
	cleanup_free char *inventory = NULL;
	struct stat st;
	if (stat(images, &st) < 0)
		return petrel_error_errno(err, "--image-path \"%s\"", images);
	if (!S_ISDIR(st.st_mode))
		return petrel_error_set(err, ENOTDIR, "--image-path \"%s\"", images);
	if (asprintf(&inventory, "%s/inventory.img", images) < 0)
		return petrel_error_set(err, ENOMEM, "restore");
	if (access(inventory, F_OK) < 0)
		return petrel_error_set(
			err, 0, "--image-path \"%s\" holds no checkpoint (no inventory.img)",
			images);
	return 0;
}

/* The restore proper, into the prepared container cr (cg its cgroup). On
 * success the restored init is cr->pid (pidfd cr->pidfd), and a pty master
 * CRIU made for it in cr->pty_master. */
static int restore_into(struct petrel_created *cr, const struct petrel_cgroup *cg,
			const char *helper, const char *root_dir,
			const struct petrel_create_options *co, const struct petrel_criu_options *o,
			struct petrel_error **err)
{
	const struct oci_spec *spec = cr->bundle->spec;
	struct petrel_container *c = cr->container;
	const char *images = o->image_path ? o->image_path : DEFAULT_IMAGE_PATH;
	cleanup_free char *criu_root = NULL;
	if (asprintf(&criu_root, "%s/%s/%s", root_dir, co->id, CRIU_ROOT_DIR) < 0)
		return petrel_error_set(err, ENOMEM, "restore");
	if (mkdirat(c->dir_fd, CRIU_ROOT_DIR, 0700) < 0 && errno != EEXIST)
		return petrel_error_errno(err, "create \"%s\"", criu_root);
	if (prepare_mount_points(spec, c->state->rootfs, cr->bundle->path, err) < 0)
		return -1;

	struct cgroup_info ci = {0};
	struct joined_ns j = {0};
	cleanup_argv struct petrel_argv inherits = {0};
	int r = -1;
	struct helper_report report = {.pty = -1};
	if (cgroup_info(spec, cg, &ci, err) < 0 || joined_namespaces(spec, &j, err) < 0 ||
	    stdio_inherits(images, &inherits, err) < 0)
		goto out;
	for (size_t i = 0; i < j.inherit.n; i++)
		if (petrel_argv_add(&inherits, j.inherit.v[i]) < 0) {
			petrel_error_set(err, ENOMEM, "restore");
			goto out;
		}
	struct petrel_criu_target t = {
		.spec = spec,
		.bundle = cr->bundle->path,
		.root = criu_root,
		.cgroup_mounts = (const char *const *)ci.mounts.v,
		.cgroup_mounts_len = ci.mounts.n / 2,
		.cg_roots = (const char *const *)ci.roots.v,
		.cg_roots_len = ci.roots.n,
		.inherit_fds = (const char *const *)inherits.v,
		.inherit_fds_len = inherits.n,
		.join_ns = (const char *const *)j.join.v,
		.join_ns_len = j.join.n,
		.orphan_pts_master = spec->process && spec->process->terminal,
	};
	struct restore_setup setup = {.cg = cg, .rootfs = c->state->rootfs, .criu_root = criu_root};
	r = run_criu(helper, true, o, images, &t, j.fds, j.n_fds, restore_child_setup, &setup,
		     &report, err);
	if (r < 0) {
		/* CRIU's log is quoted in *err. */
	} else if (report.pid <= 0) {
		r = petrel_error_set(err, 0, PETREL_CRIU_HELPER ": no pid for the restored init");
	} else {
		cr->pid = report.pid;
		cr->pidfd = petrel_pidfd_open(report.pid, err);
		if (cr->pidfd < 0)
			r = -1;
		cr->pty_master = report.pty;
		report.pty = -1;
	}
out:
	if (report.pty >= 0)
		close(report.pty);
	free(report.version);
	cgroup_info_release(&ci);
	joined_ns_release(&j);
	return r;
}

/* A process that only waits to be killed, with no fd of petrel's. */
static void end_holder(pid_t holder)
{
	if (holder <= 0)
		return;
	kill(holder, SIGKILL);
	while (waitpid(holder, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Starts cg's systemd unit with a holder process in it (*holder), so that
 * its cgroup exists before the restore. */
static int start_unit_with_holder(const struct petrel_cgroup *cg, pid_t *holder,
				  struct petrel_error **err)
{
	pid_t pid = fork();
	if (pid < 0)
		return petrel_error_errno(err, "restore: fork");
	if (pid == 0) {
		syscall(SYS_close_range, 3, ~0U, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	*holder = pid;
	if (petrel_cgroup_enter(cg, pid, false, NULL, err) < 0) {
		end_holder(pid);
		*holder = -1;
		return petrel_error_prefix(err, "restore");
	}
	return 0;
}

int petrel_restore(const struct petrel_create_options *co, const struct petrel_criu_options *o,
		   bool detach, bool no_subreaper, struct petrel_error **err)
{
	const char *images = o->image_path ? o->image_path : DEFAULT_IMAGE_PATH;
	cleanup_free char *helper = NULL;
	if (check_images(images, err) < 0 || find_helper(&helper, err) < 0 ||
	    (o->work_path && make_dir("--work-path", o->work_path, err) < 0))
		return -1;
	/* The restored init is the helper's child: when the helper exits,
	 * it comes to petrel, a subreaper. */
	sigset_t forward, old;
	if (!detach && petrel_foreground_prepare(no_subreaper, &forward, &old, err) < 0)
		return -1;
	struct petrel_created cr;
	struct petrel_cgroup *cg = NULL;
	if (petrel_restore_prepare(co, !detach, &cr, &cg, err) < 0)
		goto fail_unblock;
	/* A systemd unit is made with its first process, and CRIU must be
	 * told the unit's cgroup before it runs: a holder process starts the
	 * unit, the helper joins it, and the holder leaves once the restored
	 * processes are in (systemd removes a scope that empties). */
	pid_t holder = -1;
	if (cg && cg->unit && start_unit_with_holder(cg, &holder, err) < 0)
		goto fail_abort;
	int r = restore_into(&cr, cg, helper, co->root, co, o, err);
	end_holder(holder);
	if (r < 0 || petrel_restore_finish(&cr, cg, co->pid_file, err) < 0)
		goto fail_abort;
	if (co->console_socket && cr.pty_master >= 0) {
		int console = petrel_console_socket_connect(co->console_socket, err);
		if (console < 0 ||
		    petrel_terminal_send_to_console(&console, cr.pty_master, err) < 0)
			goto fail_abort;
		close(cr.pty_master);
		cr.pty_master = -1;
	}
	petrel_cgroup_free(cg);
	if (detach) {
		petrel_created_release(&cr);
		return 0;
	}
	struct winsize ws;
	if (cr.pty_master >= 0 && isatty(STDIN_FILENO) &&
	    ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		petrel_terminal_copy_winsize(STDIN_FILENO, cr.pty_master);
	return petrel_foreground_finish(&cr, co->root, co->id, false, &forward, &old, err);

fail_abort:
	petrel_restore_abort(&cr, cg);
	petrel_cgroup_free(cg);
fail_unblock:
	if (!detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return -1;
}
