/* petrel-criu: petrel's libcriu client. petrel is linked statically and
 * libcriu has no static archive, so petrel runs this small program, linked
 * with libcriu, for each checkpoint and restore (src/libpetrel/criu.c builds
 * its command line):
 *
 *   petrel-criu version|check|dump|pre-dump|restore --report-fd=FD [OPTIONS]
 *
 * It answers over FD, a SEQPACKET socket, in petrel's sync messages: the
 * restored init's pid and the master of the pty CRIU made for it, then
 * "ready" (with CRIU's version for `version`), or an error. */
#define _GNU_SOURCE
#include <criu/criu.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libpetrel/error.h"
#include "libpetrel/sync.h"
#include "options.h"

static struct {
	int report_fd;
	const char *criu, *images, *work, *log, *root, *parent, *freeze_cgroup, *page_server;
	const char *manage_cgroups_mode, *lsm_profile, *lsm_mount_context;
	int pid;
	struct petrel_strlist ext_mounts, externals, inherit_fds, join_ns, cg_roots;
	bool tcp_established, ext_unix_sk, shell_job, file_locks, auto_dedup, orphan_pts_master;
	bool leave_running, track_mem;
} opts = {.report_fd = -1};

static const struct petrel_option options[] = {
	{"report-fd", 0, PETREL_OPT_INT, &opts.report_fd, "FD", "where to report"},
	{"criu", 0, PETREL_OPT_STRING, &opts.criu, "PATH", "the criu binary"},
	{"images", 0, PETREL_OPT_STRING, &opts.images, "DIR", "image directory"},
	{"work", 0, PETREL_OPT_STRING, &opts.work, "DIR", "work directory"},
	{"log", 0, PETREL_OPT_STRING, &opts.log, "NAME", "log file in the work directory"},
	{"root", 0, PETREL_OPT_STRING, &opts.root, "DIR", "the container's root"},
	{"pid", 0, PETREL_OPT_INT, &opts.pid, "PID", "dump: the init"},
	{"parent", 0, PETREL_OPT_STRING, &opts.parent, "DIR", "dump: parent images"},
	{"freeze-cgroup", 0, PETREL_OPT_STRING, &opts.freeze_cgroup, "DIR", "dump: freezer"},
	{"page-server", 0, PETREL_OPT_STRING, &opts.page_server, "ADDRESS:PORT", "dump"},
	{"manage-cgroups-mode", 0, PETREL_OPT_STRING, &opts.manage_cgroups_mode, "MODE", ""},
	{"lsm-profile", 0, PETREL_OPT_STRING, &opts.lsm_profile, "TYPE:LABEL", "restore"},
	{"lsm-mount-context", 0, PETREL_OPT_STRING, &opts.lsm_mount_context, "CONTEXT", ""},
	{"ext-mount", 0, PETREL_OPT_LIST, &opts.ext_mounts, "KEY:VALUE", "external mount"},
	{"external", 0, PETREL_OPT_LIST, &opts.externals, "KEY", "external resource"},
	{"inherit-fd", 0, PETREL_OPT_LIST, &opts.inherit_fds, "FD:KEY", "restore"},
	{"join-ns", 0, PETREL_OPT_LIST, &opts.join_ns, "NS:PATH", "restore"},
	{"cg-root", 0, PETREL_OPT_LIST, &opts.cg_roots, "[CTRL]:PATH", "restore"},
	{"tcp-established", 0, PETREL_OPT_BOOL, &opts.tcp_established, NULL, ""},
	{"ext-unix-sk", 0, PETREL_OPT_BOOL, &opts.ext_unix_sk, NULL, ""},
	{"shell-job", 0, PETREL_OPT_BOOL, &opts.shell_job, NULL, ""},
	{"file-locks", 0, PETREL_OPT_BOOL, &opts.file_locks, NULL, ""},
	{"auto-dedup", 0, PETREL_OPT_BOOL, &opts.auto_dedup, NULL, ""},
	{"orphan-pts-master", 0, PETREL_OPT_BOOL, &opts.orphan_pts_master, NULL, ""},
	{"leave-running", 0, PETREL_OPT_BOOL, &opts.leave_running, NULL, ""},
	{"track-mem", 0, PETREL_OPT_BOOL, &opts.track_mem, NULL, ""},
	{NULL, 0, 0, NULL, NULL, NULL},
};

/* The error goes to petrel when it listens, else to stderr. */
static int fail(struct petrel_error *err)
{
	if (opts.report_fd >= 0)
		petrel_sync_send_error(opts.report_fd, err);
	else
		fprintf(stderr, "petrel-criu: %s\n", petrel_error_message(err));
	petrel_error_free(err);
	return 1;
}

/* libcriu's results: negative errno values; -EBADE when CRIU ran and
 * failed (its log says why). */
static int criu_error(struct petrel_error **err, int ret, const char *what)
{
	if (ret == -EBADE)
		return petrel_error_set(err, 0, "criu %s failed", what);
	if (ret == -ECOMM || ret == -EPIPE || ret == -ECONNREFUSED || ret == -EBADMSG)
		return petrel_error_set(err, -ret,
					"criu %s: could not run criu %s(is it installed? the "
					"global --criu names it)",
					what, opts.criu ? opts.criu : "");
	return petrel_error_set(err, ret < 0 ? -ret : 0, "criu %s failed (%d)", what, ret);
}

/* Splits "A:B" at the first (or last) colon. */
static int split(const char *word, bool last, char **a, const char **b, struct petrel_error **err)
{
	const char *colon = last ? strrchr(word, ':') : strchr(word, ':');
	if (colon == NULL)
		return petrel_error_set(err, EINVAL, "\"%s\": expected A:B", word);
	*a = strndup(word, (size_t)(colon - word));
	*b = colon + 1;
	return *a ? 0 : petrel_error_set(err, ENOMEM, "arguments");
}

static int open_dir(const char *flag, const char *path, struct petrel_error **err)
{
	/* Inherited by criu: no O_CLOEXEC. */
	int fd = open(path, O_DIRECTORY | O_RDONLY);
	if (fd < 0)
		return petrel_error_errno(err, "%s \"%s\"", flag, path);
	return fd;
}

static int cg_mode(const char *mode, enum criu_cg_mode *out, struct petrel_error **err)
{
	static const struct {
		const char *name;
		enum criu_cg_mode mode;
	} modes[] = {{"soft", CRIU_CG_MODE_SOFT},
		     {"full", CRIU_CG_MODE_FULL},
		     {"strict", CRIU_CG_MODE_STRICT},
		     {"ignore", CRIU_CG_MODE_IGNORE}};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(mode, modes[i].name) == 0) {
			*out = modes[i].mode;
			return 0;
		}
	return petrel_error_set(err, EINVAL, "invalid --manage-cgroups-mode \"%s\"", mode);
}

/* Everything the options say, on opts. */
static int set_options(criu_opts *o, bool restore, struct petrel_error **err)
{
	int r = 0;
	if (opts.images == NULL)
		return petrel_error_set(err, EINVAL, "--images is required");
	int images = open_dir("--images", opts.images, err);
	if (images < 0)
		return -1;
	criu_local_set_images_dir_fd(o, images);
	if (opts.work) {
		int work = open_dir("--work", opts.work, err);
		if (work < 0)
			return -1;
		criu_local_set_work_dir_fd(o, work);
	}
	criu_local_set_log_level(o, CRIU_LOG_DEBUG);
	if (criu_local_set_log_file(o, opts.log  ? opts.log
				       : restore ? "restore.log"
						 : "dump.log") < 0)
		return petrel_error_set(err, ENOMEM, "--log");
	if (opts.root && criu_local_set_root(o, opts.root) < 0)
		return petrel_error_set(err, ENOMEM, "--root");
	enum criu_cg_mode mode = CRIU_CG_MODE_SOFT;
	if (opts.manage_cgroups_mode && cg_mode(opts.manage_cgroups_mode, &mode, err) < 0)
		return -1;
	criu_local_set_manage_cgroups(o, true);
	criu_local_set_manage_cgroups_mode(o, mode);
	criu_local_set_tcp_established(o, opts.tcp_established);
	criu_local_set_ext_unix_sk(o, opts.ext_unix_sk);
	criu_local_set_shell_job(o, opts.shell_job);
	criu_local_set_file_locks(o, opts.file_locks);
	criu_local_set_auto_dedup(o, opts.auto_dedup);
	criu_local_set_orphan_pts_master(o, opts.orphan_pts_master);
	for (size_t i = 0; i < opts.ext_mounts.len; i++) {
		char *key = NULL;
		const char *value;
		if (split(opts.ext_mounts.items[i], false, &key, &value, err) < 0)
			return -1;
		r = criu_local_add_ext_mount(o, key, value);
		free(key);
		if (r < 0)
			return petrel_error_set(err, -r, "--ext-mount \"%s\"",
						opts.ext_mounts.items[i]);
	}
	for (size_t i = 0; i < opts.externals.len; i++)
		if ((r = criu_local_add_external(o, opts.externals.items[i])) < 0)
			return petrel_error_set(err, -r, "--external \"%s\"",
						opts.externals.items[i]);
	if (!restore) {
		if (opts.pid <= 0)
			return petrel_error_set(err, EINVAL, "--pid is required");
		criu_local_set_pid(o, opts.pid);
		criu_local_set_leave_running(o, opts.leave_running);
		criu_local_set_track_mem(o, opts.track_mem);
		if (opts.parent && (r = criu_local_set_parent_images(o, opts.parent)) < 0)
			return petrel_error_set(err, -r, "--parent \"%s\"", opts.parent);
		if (opts.freeze_cgroup &&
		    (r = criu_local_set_freeze_cgroup(o, opts.freeze_cgroup)) < 0)
			return petrel_error_set(err, -r, "--freeze-cgroup \"%s\"",
						opts.freeze_cgroup);
		if (opts.page_server) {
			char *address = NULL;
			const char *port;
			if (split(opts.page_server, true, &address, &port, err) < 0)
				return -1;
			r = criu_local_set_page_server_address_port(o, address, atoi(port));
			free(address);
			if (r < 0)
				return petrel_error_set(err, -r, "--page-server \"%s\"",
							opts.page_server);
		}
		return 0;
	}
	for (size_t i = 0; i < opts.inherit_fds.len; i++) {
		char *fd = NULL;
		const char *key;
		if (split(opts.inherit_fds.items[i], false, &fd, &key, err) < 0)
			return -1;
		r = criu_local_add_inherit_fd(o, atoi(fd), key);
		free(fd);
		if (r < 0)
			return petrel_error_set(err, -r, "--inherit-fd \"%s\"",
						opts.inherit_fds.items[i]);
	}
	for (size_t i = 0; i < opts.join_ns.len; i++) {
		char *ns = NULL;
		const char *path;
		if (split(opts.join_ns.items[i], false, &ns, &path, err) < 0)
			return -1;
		r = criu_local_join_ns_add(o, ns, path, NULL);
		free(ns);
		if (r < 0)
			return petrel_error_set(err, -r, "--join-ns \"%s\"", opts.join_ns.items[i]);
	}
	for (size_t i = 0; i < opts.cg_roots.len; i++) {
		char *ctrl = NULL;
		const char *path;
		if (split(opts.cg_roots.items[i], false, &ctrl, &path, err) < 0)
			return -1;
		r = criu_local_add_cg_root(o, ctrl[0] ? ctrl : NULL, path);
		free(ctrl);
		if (r < 0)
			return petrel_error_set(err, -r, "--cg-root \"%s\"",
						opts.cg_roots.items[i]);
	}
	if (opts.lsm_profile && (r = criu_local_set_lsm_profile(o, opts.lsm_profile)) < 0)
		return petrel_error_set(err, -r, "--lsm-profile \"%s\"", opts.lsm_profile);
	if (opts.lsm_mount_context &&
	    (r = criu_local_set_lsm_mount_context(o, opts.lsm_mount_context)) < 0)
		return petrel_error_set(err, -r, "--lsm-mount-context \"%s\"",
					opts.lsm_mount_context);
	return 0;
}

/* CRIU made a new pty for the restored terminal: its master goes to petrel
 * (for --console-socket or the foreground). */
static int notify(char *action, criu_notify_arg_t na)
{
	(void)na;
	if (strcmp(action, "orphan-pts-master") != 0)
		return 0;
	int fd = criu_get_orphan_pts_master_fd();
	struct petrel_error *err = NULL;
	if (fd < 0 || petrel_sync_send(opts.report_fd, PETREL_SYNC_PTY, 0, NULL, fd, &err) < 0) {
		fprintf(stderr, "petrel-criu: pty master: %s\n",
			err ? petrel_error_message(err) : "none");
		petrel_error_free(err);
		return -1;
	}
	return 0;
}

/* `criu check`, as an administrator would run it (through RPC it fails on
 * hosts where the command passes): its last error is the message. */
static int check(struct petrel_error **err)
{
	const char *criu = opts.criu ? opts.criu : "criu";
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return petrel_error_errno(err, "criu check: pipe");
	pid_t pid = fork();
	if (pid < 0)
		return petrel_error_errno(err, "criu check: fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execlp(criu, criu, "check", (char *)NULL);
		dprintf(STDERR_FILENO, "Error (petrel-criu): run %s: %s\n", criu, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	FILE *f = fdopen(pipefd[0], "r");
	char buf[512], line[512] = "";
	while (f && fgets(buf, sizeof(buf), f))
		if (strstr(buf, "Error ("))
			snprintf(line, sizeof(line), "%s", buf);
	if (f)
		fclose(f);
	else
		close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return petrel_error_errno(err, "criu check: wait");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	return petrel_error_set(err, 0, "`%s check` failed%s%s", criu, line[0] ? ": " : "", line);
}

static int run(const char *action, criu_opts *o, struct petrel_error **err)
{
	char version[32] = "";
	int r;
	if (strcmp(action, "version") == 0) {
		r = criu_local_get_version(o);
		if (r <= 0)
			return criu_error(err, r, "version");
		snprintf(version, sizeof(version), "%d.%d.%d", r / 10000, r / 100 % 100, r % 100);
		/* Whether it works here: CRIU lags behind new kernels. */
		if (check(err) < 0)
			return petrel_error_prefix(err, "CRIU %s does not work on this host",
						   version);
	} else if (strcmp(action, "check") == 0) {
		if (check(err) < 0)
			return -1;
	} else if (strcmp(action, "dump") == 0 || strcmp(action, "pre-dump") == 0) {
		bool pre = action[0] == 'p';
		if (set_options(o, false, err) < 0)
			return -1;
		r = pre ? criu_local_pre_dump(o) : criu_local_dump(o);
		/* With --leave-running a dump returns 1 ("resumed"). */
		if (r < 0)
			return criu_error(err, r, action);
	} else if (strcmp(action, "restore") == 0) {
		if (set_options(o, true, err) < 0)
			return -1;
		criu_local_set_notify_cb(o, notify);
		r = criu_local_restore_child(o);
		if (r <= 0)
			return criu_error(err, r, "restore");
		if (petrel_sync_send(opts.report_fd, PETREL_SYNC_INIT_PID, r, NULL, -1, err) < 0)
			return -1;
	} else {
		return petrel_error_set(err, EINVAL, "unknown action \"%s\"", action);
	}
	return petrel_sync_send(opts.report_fd, PETREL_SYNC_READY, 0, version, -1, err);
}

int main(int argc, char **argv)
{
	struct petrel_error *err = NULL;
	int nargs = 0;
	bool help = false;
	if (argc < 2) {
		fprintf(stderr, "usage: petrel-criu version|check|dump|pre-dump|restore "
				"--report-fd=FD [OPTIONS]\n(run by petrel)\n");
		return 2;
	}
	if (petrel_parse_options(options, PETREL_ARGS_INTERMIXED, argc - 1, argv + 1, &nargs, &help,
				 &err) < 0)
		return fail(err);
	if (help || nargs != 1) {
		petrel_print_options(stdout, options);
		return help ? 0 : 2;
	}
	/* criu, which libcriu runs, has no use for it. */
	if (opts.report_fd >= 0)
		fcntl(opts.report_fd, F_SETFD, FD_CLOEXEC);
	else
		return fail((petrel_error_set(&err, EINVAL, "--report-fd is required"), err));
	criu_opts *o = NULL;
	if (criu_local_init_opts(&o) < 0) {
		petrel_error_set(&err, ENOMEM, "criu options");
		return fail(err);
	}
	int r = 0;
	if (opts.criu && criu_local_set_service_binary(o, opts.criu) < 0)
		r = petrel_error_set(&err, ENOMEM, "--criu");
	if (r == 0)
		r = run(argv[1], o, &err);
	criu_local_free_opts(o);
	return r < 0 ? fail(err) : 0;
}
