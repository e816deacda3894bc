/* `exec`: one more process in an existing container. The process is the
 * container's own (or the --process document) changed by runc's flags; petrel
 * clones it into the container's pid namespace and cgroup, and the child
 * joins the other namespaces and applies the process's settings in the order
 * the init does (init.c) before execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "capabilities.h"
#include "cgroup.h"
#include "cleanup.h"
#include "clone.h"
#include "container-internal.h"
#include "exec.h"
#include "log.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "terminal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define CAP_BIT(cap) (UINT64_C(1) << (cap))

/* ------------------------------------------------------------- the process */

/* The process exec runs: a shallow copy of the container's process (or of
 * the --process document), whose changed parts are owned here. */
struct exec_process {
	struct oci_process p;
	struct oci_user user;
	char **env;                   /* the array only; the strings are borrowed */
	uint32_t *gids;               /* user.additional_gids, when extended */
	struct oci_process *document; /* --process */
	struct petrel_bundle *bundle; /* config.json, for a state without process */
	struct petrel_caps caps;
};

static void exec_process_release(struct exec_process *x)
{
	free(x->env);
	free(x->gids);
	oci_process_free(x->document);
	petrel_bundle_free(x->bundle);
}

/* The container's own process: recorded in its state, or, for a container
 * created before petrel recorded it, its bundle's config.json. */
static int container_process(struct petrel_container *c, struct exec_process *x,
			     const struct oci_process **out, struct petrel_error **err)
{
	if (c->state->process) {
		*out = c->state->process;
		return 0;
	}
	if (x->bundle == NULL && petrel_bundle_load(c->state->bundle, &x->bundle, err) < 0)
		return petrel_error_prefix(err, "container \"%s\"", c->id);
	*out = x->bundle->spec->process;
	return 0;
}

/* The environment with each name once, at the place of its last entry
 * (a later value wins, as for runc). */
static int dedup_env(char **in, size_t n, const char *const *more, char ***out, size_t *len,
		     struct petrel_error **err)
{
	size_t m = 0;
	while (more && more[m])
		m++;
	char **all = malloc((n + m + 1) * sizeof(char *));
	if (all == NULL)
		return petrel_error_set(err, ENOMEM, "environment");
	if (n)
		memcpy(all, in, n * sizeof(char *));
	if (m)
		memcpy(all + n, more, m * sizeof(char *));
	size_t kept = 0;
	for (size_t i = 0; i < n + m; i++) {
		const char *entry = all[i], *eq = strchr(entry, '=');
		if (eq == NULL || eq == entry) {
			free(all);
			return petrel_error_set(err, 0, "invalid environment variable \"%s\": %s",
						entry, eq ? "the name is empty" : "no '='");
		}
		size_t name = (size_t)(eq - all[i]) + 1;
		bool later = false;
		for (size_t k = i + 1; k < n + m && !later; k++)
			later = strncmp(all[i], all[k], name) == 0;
		if (!later)
			all[kept++] = all[i];
	}
	all[kept] = NULL;
	*out = all;
	*len = kept;
	return 0;
}

/* runc's `exec` flags over the container's process. */
static int apply_flags(const struct petrel_exec_options *o, struct exec_process *x,
		       struct petrel_error **err)
{
	struct oci_process *p = &x->p;
	p->args = (char **)o->args;
	p->args_len = 0;
	while (o->args && o->args[p->args_len])
		p->args_len++;
	if (o->cwd && *o->cwd)
		p->cwd = (char *)o->cwd;
	if (o->apparmor && *o->apparmor)
		p->apparmor_profile = (char *)o->apparmor;
	if (o->process_label && *o->process_label)
		p->selinux_label = (char *)o->process_label;
	/* Only what is asked for: a terminal, and no_new_privs when given
	 * (either way, as runc). */
	p->terminal = o->tty;
	if (o->no_new_privs >= 0)
		p->no_new_privileges = o->no_new_privs > 0;
	if (o->has_uid)
		x->user.uid = o->uid;
	if (o->has_gid)
		x->user.gid = o->gid;
	if (o->additional_gids_len > 0) {
		size_t n = x->user.additional_gids_len;
		x->gids = malloc((n + o->additional_gids_len) * sizeof(uint32_t));
		if (x->gids == NULL)
			return petrel_error_set(err, ENOMEM, "additional gids");
		if (n)
			memcpy(x->gids, x->user.additional_gids, n * sizeof(uint32_t));
		memcpy(x->gids + n, o->additional_gids, o->additional_gids_len * sizeof(uint32_t));
		x->user.additional_gids = x->gids;
		x->user.additional_gids_len = n + o->additional_gids_len;
	}
	return 0;
}

/* --cap: into the bounding, effective and permitted sets; into the ambient
 * set only when the process has an inheritable set to make it possible (as
 * runc). Never into the inheritable set (CVE-2022-27650). */
static void add_caps(const struct petrel_exec_options *o, const struct oci_process *p,
		     struct petrel_caps *caps)
{
	for (size_t i = 0; o->caps && o->caps[i]; i++) {
		int cap = petrel_cap_from_name(o->caps[i], NULL);
		if (cap < 0 || cap > petrel_cap_last()) {
			/* As a capability of config.json, and as runc. */
			petrel_warn("--cap: unknown or unavailable capability \"%s\"; ignoring it",
				    o->caps[i]);
			continue;
		}
		if (!caps->set)
			continue; /* no capabilities given: the process keeps all */
		caps->bounding |= CAP_BIT(cap);
		caps->effective |= CAP_BIT(cap);
		caps->permitted |= CAP_BIT(cap);
		if (p->capabilities && p->capabilities->inheritable)
			caps->ambient |= CAP_BIT(cap);
	}
}

/* A --process document: what it leaves out comes from the container's
 * process, as runc's exec takes it from the container's config. */
static int from_document(struct petrel_container *c, const char *path, struct exec_process *x,
			 struct petrel_error **err)
{
	char *why = NULL;
	if (oci_process_parse_file(path, path, &x->document, &why) < 0)
		return petrel_error_take(err, 0, why);
	const struct oci_process *base;
	if (container_process(c, x, &base, err) < 0)
		return -1;
	struct oci_process *p = &x->p;
	*p = *x->document;
	if (p->capabilities == NULL)
		p->capabilities = base->capabilities;
	if (p->apparmor_profile == NULL || !*p->apparmor_profile)
		p->apparmor_profile = base->apparmor_profile;
	if (p->selinux_label == NULL || !*p->selinux_label)
		p->selinux_label = base->selinux_label;
	if (p->rlimits_len == 0) {
		p->rlimits = base->rlimits;
		p->rlimits_len = base->rlimits_len;
	}
	if (p->scheduler == NULL)
		p->scheduler = base->scheduler;
	if (p->io_priority == NULL)
		p->io_priority = base->io_priority;
	if (p->exec_cpu_affinity == NULL)
		p->exec_cpu_affinity = base->exec_cpu_affinity;
	if (!p->has_oom_score_adj) {
		p->oom_score_adj = base->oom_score_adj;
		p->has_oom_score_adj = base->has_oom_score_adj;
	}
	if (p->user)
		x->user = *p->user;
	if (!x->user.has_umask && base->user && base->user->has_umask) {
		x->user.umask = base->user->umask;
		x->user.has_umask = true;
	}
	return 0;
}

static int build_process(struct petrel_container *c, const struct petrel_exec_options *o,
			 struct exec_process *x, struct petrel_error **err)
{
	const char *doc = o->process_file ? o->process_file : "process";
	if (o->process_file) {
		if (from_document(c, o->process_file, x, err) < 0)
			return -1;
	} else {
		const struct oci_process *base;
		if (container_process(c, x, &base, err) < 0)
			return -1;
		x->p = *base;
		if (base->user)
			x->user = *base->user;
		if (apply_flags(o, x, err) < 0)
			return -1;
	}
	struct oci_process *p = &x->p;
	p->user = &x->user;
	if (dedup_env(p->env, p->env_len, o->process_file ? NULL : o->env, &x->env, &p->env_len,
		      err) < 0)
		return -1;
	p->env = x->env;
	if (p->args_len == 0)
		return petrel_error_set(err, 0, "%s: args must not be empty", doc);
	if (p->cwd == NULL || p->cwd[0] != '/')
		return petrel_error_set(err, 0, "%s: cwd \"%s\" is not an absolute path", doc,
					p->cwd ? p->cwd : "");
	if (petrel_process_validate(p, NULL, err) < 0 ||
	    petrel_caps_resolve(p->capabilities, &x->caps, err) < 0)
		return petrel_error_prefix(err, "%s", doc);
	if (!o->process_file)
		add_caps(o, p, &x->caps);
	return 0;
}

/* ------------------------------------------------------- the container's side */

/* The namespaces exec joins: the init's, where they differ from petrel's
 * own (joining one's own user namespace is an error). The user namespace
 * comes first, so that the others are joined with its privileges. */
static const int ns_order[] = {CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,    CLONE_NEWNET,
			       CLONE_NEWIPC,  CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME};
#define NS_N (sizeof(ns_order) / sizeof(ns_order[0]))

static int namespaces_to_join(int ns_dir, int *flags, struct petrel_error **err)
{
	*flags = 0;
	cleanup_close int self = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self < 0)
		return petrel_error_errno(err, "open /proc/self/ns");
	for (size_t i = 0; i < NS_N; i++) {
		const char *name = petrel_ns_proc_name(ns_order[i]);
		struct stat theirs, ours;
		if (fstatat(ns_dir, name, &theirs, 0) < 0) {
			if (errno == ENOENT) /* a kernel without this type */
				continue;
			return petrel_error_errno(err, "the container's %s namespace", name);
		}
		if (fstatat(self, name, &ours, 0) < 0 || theirs.st_ino != ours.st_ino ||
		    theirs.st_dev != ours.st_dev)
			*flags |= ns_order[i];
	}
	return 0;
}

/* setns() through the init's pidfd, every namespace at once; kernels before
 * 5.8 take them one by one from /proc/<pid>/ns. */
static int join_namespaces(int pidfd, int ns_dir, int flags, struct petrel_error **err)
{
	if (flags == 0 || setns(pidfd, flags) == 0)
		return 0;
	if (errno != EINVAL)
		return petrel_error_errno(err, "join the container's namespaces (0x%x)", flags);
	int fds[NS_N];
	size_t n = 0;
	int r = 0;
	for (size_t i = 0; i < NS_N && r == 0; i++) {
		if (!(flags & ns_order[i]))
			continue;
		const char *name = petrel_ns_proc_name(ns_order[i]);
		fds[n] = openat(ns_dir, name, O_RDONLY | O_CLOEXEC);
		if (fds[n] < 0)
			r = petrel_error_errno(err, "open the container's %s namespace", name);
		else
			n++;
	}
	for (size_t i = 0, k = 0; i < NS_N && r == 0; i++) {
		if (!(flags & ns_order[i]))
			continue;
		if (setns(fds[k++], ns_order[i]) < 0)
			r = petrel_error_errno(err, "join the container's %s namespace",
					       petrel_ns_proc_name(ns_order[i]));
	}
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	return r;
}

/* What the child needs; it is a clone of petrel, so this is its memory. */
struct exec_child {
	const struct oci_process *process;
	const struct petrel_caps *caps;
	const struct petrel_seccomp *seccomp;
	const char *id;
	int sock;         /* the child's end of the sync socketpair */
	int peer;         /* petrel's end, closed in the child */
	int init_pidfd;   /* for setns */
	int ns_dir;       /* /proc/<init>/ns, for kernels without setns(pidfd) */
	int ns_flags;     /* joined by the child (petrel joined pid and time) */
	int root_fd;      /* the init's root (--no-pivot containers), or -1 */
	int console_fd;   /* connected --console-socket, or -1 */
	int state_fds[2]; /* petrel's directory fds, closed in the child */
	/* It moves itself into (the rest of) its cgroup, first thing, while it
	 * still has the host's rights (petrel_cgroup_enter_self: no global
	 * lock, no RCU grace period to wait for). */
	const struct petrel_cgroup *cgroup;
	const char *sub;
	const char *fallback; /* v2: the init's cgroup, when the container's refuses */
	bool join_cgroup;
	bool born_in_v2;
	bool has_winsize; /* petrel's own terminal size, for a relayed pty */
	struct oci_box winsize;
	int preserve_fds;
};

/* Joining the mount namespace puts the root at the namespace's root mount,
 * which is the container's after pivot_root. A --no-pivot init moved its
 * rootfs over / and chroot'ed into it: the process goes where the init is. */
static int enter_root(const struct exec_child *x, struct petrel_error **err)
{
	if (x->root_fd < 0)
		return 0;
	if (fchdir(x->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return petrel_error_errno(err, "enter the container's root");
	close(x->root_fd);
	return 0;
}

static int setup_terminal(struct exec_child *x, struct petrel_error **err)
{
	const struct oci_process *p = x->process;
	if (!p->terminal)
		return 0;
	cleanup_close int master =
		petrel_terminal_setup_exec(x->has_winsize ? &x->winsize : p->console_size, err);
	if (master < 0)
		return -1;
	if (x->console_fd >= 0)
		return petrel_terminal_send_to_console(&x->console_fd, master, err);
	return petrel_sync_send(x->sock, PETREL_SYNC_PTY, 0, NULL, master, err);
}

static int apply_process_attributes(const struct exec_child *x, struct petrel_error **err)
{
	const struct oci_process *p = x->process;
	if (petrel_process_set_rlimits(p, err) < 0 ||
	    petrel_process_set_oom_score_adj(p, err) < 0 ||
	    petrel_process_set_scheduler(p, err) < 0 || petrel_process_set_io_priority(p, err) < 0)
		return -1;
	if (p->exec_cpu_affinity && p->exec_cpu_affinity->initial &&
	    petrel_process_set_cpu_affinity(p->exec_cpu_affinity->initial, err) < 0)
		return -1;
	return petrel_process_set_lsm_labels(p, err);
}

/* Waits for petrel's message `type`. */
static int expect_from_petrel(struct exec_child *x, enum petrel_sync_type type,
			      struct petrel_error **err)
{
	struct petrel_sync_msg msg;
	return petrel_sync_expect(x->sock, type, &msg, err);
}

/* Installs the filter; a notify listener goes to petrel, which sends it to
 * the container's agent and answers once it holds it. */
static int install_seccomp(struct exec_child *x, struct petrel_error **err)
{
	int listener;
	if (petrel_seccomp_install(x->seccomp, &listener, err) < 0)
		return -1;
	if (listener < 0)
		return 0;
	if (petrel_sync_write(x->sock, PETREL_SYNC_SECCOMP, listener, err) < 0 ||
	    expect_from_petrel(x, PETREL_SYNC_SECCOMP, err) < 0)
		return -1;
	close(listener);
	return 0;
}

/* The order of the init's switch_user(): bounding set and keepcaps, the
 * terminal to the user, groups and ids, umask, the other capability sets,
 * the cwd as the user, no_new_privs. */
static int switch_user(const struct exec_child *x, int cwd_fd, struct petrel_error **err)
{
	const struct oci_process *p = x->process;
	if (petrel_caps_prepare(x->caps, err) < 0)
		return -1;
	/* Outside a user namespace of its own, setgroups is always allowed. */
	bool setgroups_allowed = true;
	if (x->ns_flags & CLONE_NEWUSER) {
		cleanup_close int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
		char buf[8] = "";
		if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && strncmp(buf, "deny", 4) == 0)
			setgroups_allowed = false;
	}
	/* Its group stays devpts's (tty), as with a login. */
	if (p->terminal && fchown(STDIN_FILENO, p->user->uid, (gid_t)-1) < 0)
		return petrel_error_errno(err, "chown the terminal to uid %u", p->user->uid);
	if (petrel_process_set_user(p->user, setgroups_allowed, err) < 0)
		return -1;
	petrel_process_set_umask(p->user);
	if (petrel_caps_apply(x->caps, err) < 0)
		return -1;
	if (fchdir(cwd_fd) < 0 && errno != EACCES)
		return petrel_error_errno(err, "chdir to cwd (\"%s\") set in the process failed",
					  p->cwd);
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return petrel_error_errno(err, "set no_new_privs");
	return 0;
}

/* With one write(), which every seccomp profile allows: the filter may be
 * in place. */
static void report_error(int sock, struct petrel_error *err)
{
	struct petrel_sync_msg msg = {.type = PETREL_SYNC_ERROR, .value = err ? err->errnum : 0};
	snprintf(msg.text, sizeof(msg.text), "%s", err && err->msg ? err->msg : "unknown error");
	ssize_t unused =
		write(sock, &msg, offsetof(struct petrel_sync_msg, text) + strlen(msg.text) + 1);
	(void)unused;
}

/* Without CLONE_INTO_CGROUP the child moves itself; on v2, where the
 * container's cgroup refuses it (not a leaf any more, or gone), it goes to
 * the init's, as runc's exec does. */
static int enter_cgroup(const struct exec_child *x, struct petrel_error **err)
{
	if (!x->join_cgroup || petrel_cgroup_enter_self(x->cgroup, x->born_in_v2, x->sub, err) == 0)
		return 0;
	if (x->fallback == NULL)
		return -1;
	petrel_debug("enter the container's cgroup: %s; the init's instead: %s",
		     petrel_error_message(*err), x->fallback);
	petrel_error_free(*err);
	*err = NULL;
	return petrel_cgroup_enter_v2_dir_self(x->fallback, err);
}

/* The child, from clone to execve. Errors go to petrel; exec closes the
 * socket (close-on-exec), which tells petrel the process runs. */
__attribute__((noreturn)) static void exec_child(struct exec_child *x)
{
	struct petrel_error *err = NULL;
	const struct oci_process *p = x->process;
	char *executable = NULL;
	int cwd_fd = -1;
	close(x->peer);
	for (int i = 0; i < 2; i++)
		if (x->state_fds[i] >= 0)
			close(x->state_fds[i]);

	if (petrel_process_reset_signals(&err) < 0 || enter_cgroup(x, &err) < 0 ||
	    join_namespaces(x->init_pidfd, x->ns_dir, x->ns_flags, &err) < 0)
		goto fail;
	close(x->init_pidfd);
	close(x->ns_dir);
	/* In a joined user namespace, as its root until the user is set. */
	if ((x->ns_flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		petrel_debug("container root is not mapped: %s", strerror(errno));
	if (setsid() < 0) {
		petrel_error_errno(&err, "setsid");
		goto fail;
	}
	if (petrel_process_join_session_keyring(x->id, &err) < 0 || enter_root(x, &err) < 0 ||
	    setup_terminal(x, &err) < 0 || apply_process_attributes(x, &err) < 0)
		goto fail;
	/* The cwd is resolved inside the root as root, before a filter could
	 * refuse openat2(); entered again as the user by switch_user(). */
	cwd_fd = petrel_process_open_cwd(p, &err);
	if (cwd_fd < 0)
		goto fail;
	if (fchdir(cwd_fd) < 0) {
		petrel_error_errno(&err, "chdir to cwd (\"%s\") set in the process failed", p->cwd);
		goto fail;
	}
	/* Without no_new_privs the filter needs CAP_SYS_ADMIN: before the
	 * user changes (as runc and the init); with it, just before execve. */
	bool late_seccomp = p->no_new_privileges;
	if ((x->seccomp && !late_seccomp && install_seccomp(x, &err) < 0) ||
	    switch_user(x, cwd_fd, &err) < 0 ||
	    petrel_process_find_executable(p, &executable, &err) < 0)
		goto fail;
	close(cwd_fd);
	char **env = petrel_process_environ(p);
	if (env == NULL) {
		petrel_error_set(&err, ENOMEM, "environment");
		goto fail;
	}
	if (petrel_process_cloexec_from(3 + (unsigned)x->preserve_fds, &err) < 0)
		goto fail;
	if (p->exec_cpu_affinity && p->exec_cpu_affinity->final &&
	    petrel_process_set_cpu_affinity(p->exec_cpu_affinity->final, &err) < 0)
		goto fail;
	if (x->seccomp && late_seccomp && install_seccomp(x, &err) < 0)
		goto fail;
	execve(executable, p->args, env);
	petrel_error_errno(&err, "exec \"%s\"", p->args[0]);
fail:
	report_error(x->sock, err);
	_exit(127);
}

/* ------------------------------------------------------------ petrel's side */

/* Opens a pidfd for the init and checks that it is still the same process
 * (its start time), so that a recycled pid is never joined. */
static int open_init_pidfd(struct petrel_container *c, struct petrel_error **err)
{
	int fd = petrel_pidfd_open(c->state->init_pid, NULL);
	if (fd < 0 ||
	    petrel_process_start_time(c->state->init_pid, NULL) != c->state->init_start_time) {
		if (fd >= 0)
			close(fd);
		return petrel_error_set_quiet(err, ESRCH, "cannot exec in a stopped container");
	}
	return fd;
}

static int check_status(struct petrel_container *c, bool ignore_paused, struct petrel_error **err)
{
	enum petrel_status status = petrel_container_status(c);
	/* A created container can be exec'd into, as with runc: its init has
	 * made everything and waits for start. */
	if (status == PETREL_STATUS_STOPPED)
		return petrel_error_set(err, 0, "cannot exec in a stopped container");
	if (status == PETREL_STATUS_PAUSED && !ignore_paused)
		return petrel_error_set(err, 0,
					"cannot exec in a paused container (use --ignore-paused "
					"to override)");
	return 0;
}

/* fds 3 .. 3+n-1 exist (runc checks the same). */
static int check_preserved_fds(int n, struct petrel_error **err)
{
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_max != RLIM_INFINITY &&
	    3 + (rlim_t)n > nofile.rlim_max)
		return petrel_error_set(err, 0,
					"--preserve-fds %d: more fds than the limit of %llu", n,
					(unsigned long long)nofile.rlim_max);
	for (int i = 0; i < n; i++)
		if (fcntl(3 + i, F_GETFD) < 0)
			return petrel_error_set(err, EBADF, "--preserve-fds %d: fd %d is not open",
						n, 3 + i);
	return 0;
}

/* runc's --cgroup rules: one "path" alone, or "controller[,controller]:path"
 * values naming each controller once, which may give different paths. *sub
 * is the values one a line, as petrel_cgroup_enter takes them (malloc'd),
 * NULL without --cgroup; the paths and controllers are checked against the
 * container's cgroup by petrel_cgroup_sub_check. */
static int sub_cgroup(const char *const *args, char **sub, struct petrel_error **err)
{
	*sub = NULL;
	if (args == NULL || args[0] == NULL)
		return 0;
	size_t n = 0, size = 0;
	while (args[n])
		size += strlen(args[n++]) + 1;
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(args[i], ':');
		if (strchr(args[i], '\n'))
			return petrel_error_set(
				err, 0, "invalid --cgroup argument: a newline in \"%s\"", args[i]);
		if (colon == NULL) {
			if (n != 1)
				return petrel_error_set(err, 0,
							"invalid --cgroup argument: %s (missing "
							"<controller>: prefix)",
							args[i]);
			continue;
		}
		for (const char *c = args[i]; c <= colon;) {
			size_t len = strcspn(c, ",:");
			if (len == 0)
				return petrel_error_set(err, 0,
							"invalid --cgroup argument: %s (empty "
							"<controller> prefix)",
							args[i]);
			/* The same name earlier in this value or in an earlier one. */
			for (size_t k = 0; k <= i; k++) {
				const char *end = k == i ? c : strchr(args[k], ':');
				for (const char *kc = args[k]; kc < end;) {
					size_t klen = strcspn(kc, ",:");
					if (klen == len && strncmp(kc, c, len) == 0)
						return petrel_error_set(
							err, 0,
							"invalid --cgroup argument(s): controller "
							"%.*s specified multiple times",
							(int)len, c);
					kc += klen + 1;
				}
			}
			c += len + 1;
		}
	}
	char *joined = malloc(size);
	if (joined == NULL)
		return petrel_error_set(err, ENOMEM, "--cgroup");
	char *w = joined;
	for (size_t i = 0; i < n; i++)
		w += sprintf(w, "%s%s", i ? "\n" : "", args[i]);
	*sub = joined;
	return 0;
}

/* A notify profile's listener needs the agent's socket, which is in the
 * container's linux.seccomp (the compiled program does not keep it). */
static int load_listener_path(struct petrel_container *c, struct exec_process *x,
			      struct petrel_seccomp *s, struct petrel_error **err)
{
	if (!s->notify)
		return 0;
	if (x->bundle == NULL && petrel_bundle_load(c->state->bundle, &x->bundle, err) < 0)
		return petrel_error_prefix(err, "seccomp listener");
	const struct oci_linux *lx = x->bundle->spec->linux;
	const struct oci_seccomp *sc = lx ? lx->seccomp : NULL;
	if (sc == NULL || sc->listener_path == NULL)
		return petrel_error_set(err, 0,
					"seccomp: the container's profile notifies, but "
					"its config.json has no listenerPath");
	s->listener_path = strdup(sc->listener_path);
	if (sc->listener_metadata)
		s->listener_metadata = strdup(sc->listener_metadata);
	if (s->listener_path == NULL || (sc->listener_metadata && s->listener_metadata == NULL))
		return petrel_error_set(err, ENOMEM, "seccomp");
	return 0;
}

/* Takes the child's listener with pidfd_getfd() and sends it to the agent
 * with the container's state, then lets the child go on. */
static int pass_listener(struct petrel_container *c, const struct petrel_seccomp *s, int sock,
			 int child_pidfd, int fd_in_child, struct petrel_error **err)
{
	if (s == NULL || !s->notify)
		return petrel_error_set(err, 0, "sync: unexpected seccomp listener");
	cleanup_close int fd = (int)syscall(SYS_pidfd_getfd, child_pidfd, fd_in_child, 0);
	if (fd < 0)
		return petrel_error_errno(err, "seccomp: take the listener from the process");
	struct oci_state *state = NULL;
	if (petrel_container_oci_state(c, PETREL_STATUS_RUNNING, &state, err) < 0)
		return -1;
	int r = petrel_seccomp_send_listener(s, fd, state, err);
	oci_state_free(state);
	if (r < 0)
		return -1;
	return petrel_sync_send(sock, PETREL_SYNC_SECCOMP, 0, NULL, -1, err);
}

/* Until the child has exec'd (EOF: the socket closes on exec) or failed. A
 * relayed pty's master comes on the way. */
static int wait_for_exec(struct petrel_container *c, const struct petrel_seccomp *s, int sock,
			 int child_pidfd, int *master, struct petrel_error **err)
{
	for (;;) {
		char byte;
		ssize_t n = recv(sock, &byte, 1, MSG_PEEK);
		/* ECONNRESET: the child exited with a message of petrel's unread;
		 * its own report is still queued here, and comes next. */
		if (n < 0 && (errno == EINTR || errno == ECONNRESET))
			continue;
		if (n == 0)
			return 0;
		struct petrel_sync_msg msg;
		int fd = -1;
		if (n < 0 || petrel_sync_recv(sock, &msg, &fd, err) < 0)
			return n < 0 ? petrel_error_errno(err, "sync: receive") : -1;
		if (fd >= 0 && msg.type != PETREL_SYNC_PTY)
			close(fd);
		switch (msg.type) {
		case PETREL_SYNC_PTY:
			if (*master >= 0)
				close(*master);
			*master = fd;
			break;
		case PETREL_SYNC_SECCOMP:
			if (pass_listener(c, s, sock, child_pidfd, msg.value, err) < 0)
				return -1;
			break;
		case PETREL_SYNC_ERROR:
			return petrel_error_set(err, msg.value, "%s", msg.text);
		default:
			return petrel_error_set(err, 0, "sync: unexpected message %u", msg.type);
		}
	}
}

/* Everything petrel holds while it starts the process. */
struct exec_run {
	struct petrel_container *c;
	struct exec_process proc;
	struct petrel_seccomp *seccomp;
	struct petrel_cgroup *cg;
	char *sub;
	char *v2_sub;    /* --cgroup's v2 directory, or NULL */
	char *fallback;  /* v2: the init's cgroup, or NULL */
	int sub_fd;      /* v2_sub opened, for CLONE_INTO_CGROUP */
	int fallback_fd; /* fallback opened */
	bool fallback_tried;
	int init_pidfd, ns_dir, root_fd, console_fd, sock, child_sock;
	int pidfd, master;
	pid_t pid;
	bool blocked; /* forwarded signals blocked; old mask in `old` */
	sigset_t forward, old;
};

static void exec_run_release(struct exec_run *r)
{
	int *fds[] = {&r->init_pidfd, &r->ns_dir, &r->root_fd, &r->console_fd, &r->sock,
		      &r->child_sock, &r->pidfd,  &r->master,  &r->sub_fd,     &r->fallback_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	if (r->pid > 0) {
		/* A child that did not make it to execve. */
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	/* What came for the process after it exited is not petrel's. */
	if (r->blocked)
		petrel_forwarded_signals_restore(&r->forward, &r->old);
	free(r->sub);
	free(r->v2_sub);
	free(r->fallback);
	petrel_cgroup_free(r->cg);
	petrel_seccomp_free(r->seccomp);
	exec_process_release(&r->proc);
	petrel_container_free(r->c);
}

/* Which kinds of directories the container's cgroup has. */
static void cgroup_kinds(const struct petrel_cgroup *cg, bool *v1, bool *v2)
{
	*v1 = *v2 = false;
	for (size_t i = 0; i < cg->n; i++)
		*(cg->dirs[i].v2 ? v2 : v1) = true;
}

/* runc's fallback on a pure v2 host, without a --cgroup sub-cgroup: the
 * init's cgroup, for when the container's refuses the process (the init
 * made sub-cgroups and enabled controllers, so that it is no longer a leaf)
 * or is gone (the init moved away). Looked up once, when needed. */
static void find_fallback(struct exec_run *r)
{
	bool v1, v2;
	cgroup_kinds(r->cg, &v1, &v2);
	if (r->fallback_tried || r->v2_sub || v1 || !v2)
		return;
	r->fallback_tried = true;
	struct petrel_error *e = NULL;
	if (petrel_cgroup_v2_dir_of(r->c->state->init_pid, &r->fallback, &e) < 0) {
		petrel_debug("the init's cgroup: %s", petrel_error_message(e));
		petrel_error_free(e);
		return;
	}
	struct stat ours, theirs;
	if (r->cg->v2_fd >= 0 && fstat(r->cg->v2_fd, &ours) == 0 &&
	    stat(r->fallback, &theirs) == 0 && ours.st_ino == theirs.st_ino &&
	    ours.st_dev == theirs.st_dev) {
		free(r->fallback);
		r->fallback = NULL;
		return;
	}
	r->fallback_fd = open(r->fallback, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->fallback_fd < 0)
		petrel_debug("open the init's cgroup %s: %s", r->fallback, strerror(errno));
}

/* --cgroup checked, and the v2 directory it names opened (it must exist)
 * for CLONE_INTO_CGROUP. */
static int open_cgroups(struct exec_run *r, struct petrel_error **err)
{
	if (petrel_cgroup_sub_check(r->cg, r->sub, &r->v2_sub, err) < 0)
		return -1;
	if (r->v2_sub) {
		r->sub_fd = open(r->v2_sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (r->sub_fd < 0)
			return petrel_error_errno(err, "--cgroup: %s", r->v2_sub);
	}
	if (r->cg->v2_fd < 0)
		find_fallback(r);
	return 0;
}

/* Everything that can fail before a process exists. */
static int prepare(const struct petrel_exec_options *o, struct exec_run *r,
		   struct petrel_error **err)
{
	if (check_preserved_fds(o->preserve_fds, err) < 0 ||
	    petrel_container_open(o->root, o->id, false, &r->c, err) < 0 ||
	    check_status(r->c, o->ignore_paused, err) < 0 ||
	    build_process(r->c, o, &r->proc, err) < 0 || sub_cgroup(o->cgroups, &r->sub, err) < 0)
		return -1;
	const struct oci_process *p = &r->proc.p;
	if (p->terminal && o->detach && o->console_socket == NULL)
		return petrel_error_set(err, 0,
					"cannot allocate a terminal for a detached process without "
					"--console-socket");
	if (!p->terminal && o->console_socket)
		return petrel_error_set(err, 0,
					"--console-socket given but the process has no terminal");
	if (!o->detach && o->console_socket)
		return petrel_error_set(err, 0,
					"--console-socket needs --detach: in the foreground petrel "
					"relays the terminal itself");
	struct petrel_container *c = r->c;
	if (petrel_seccomp_load(c->dir_fd, PETREL_SECCOMP_STATE_FILE, &r->seccomp, err) < 0) {
		/* A container without linux.seccomp has no program. */
		if ((*err)->errnum != ENOENT)
			return -1;
		petrel_error_free(*err);
		*err = NULL;
	}
	if (r->seccomp && load_listener_path(c, &r->proc, r->seccomp, err) < 0)
		return -1;
	if (petrel_cgroup_from_state(c->id, c->state->cgroup, &r->cg, err) < 0)
		return -1;
	r->init_pidfd = open_init_pidfd(c, err);
	if (r->init_pidfd < 0 || open_cgroups(r, err) < 0)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns", c->state->init_pid);
	r->ns_dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->ns_dir < 0)
		return petrel_error_errno(err, "open %s", path);
	if (c->state->no_pivot) {
		snprintf(path, sizeof(path), "/proc/%d/root", c->state->init_pid);
		r->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r->root_fd < 0)
			return petrel_error_errno(err, "open the container's root");
	}
	if (o->console_socket) {
		r->console_fd = petrel_console_socket_connect(o->console_socket, err);
		if (r->console_fd < 0)
			return -1;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return petrel_error_errno(err, "socketpair");
	r->sock = sv[0];
	r->child_sock = sv[1];
	return 0;
}

/* petrel's own pid and time namespaces for its children, opened before it
 * joins the container's and set again once the process is cloned: nothing
 * petrel forks later (a sanitizer's helper thread, say) lands in the
 * container. */
static void own_namespaces_for_children(int flags, int fds[2])
{
	fds[0] = (flags & CLONE_NEWPID)
			 ? open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC)
			 : -1;
	fds[1] = (flags & CLONE_NEWTIME)
			 ? open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC)
			 : -1;
}

static void restore_namespaces_for_children(int fds[2])
{
	static const int types[2] = {CLONE_NEWPID, CLONE_NEWTIME};
	for (int i = 0; i < 2; i++) {
		if (fds[i] < 0)
			continue;
		if (setns(fds[i], types[i]) < 0)
			petrel_debug("back to petrel's own %s namespace: %s",
				     petrel_ns_proc_name(types[i]), strerror(errno));
		close(fds[i]);
		fds[i] = -1;
	}
}

/* One fork, no re-exec: petrel itself joins the container's pid and time
 * namespaces, which only apply to its children (setns with CLONE_NEWPID
 * changes pid_for_children), and clones the process straight into them and
 * into the container's v2 cgroup (CLONE_INTO_CGROUP). The child joins the
 * others, which apply to itself at once. petrel never joins the mount or
 * user namespace: it still needs the host's files (cgroups, pid file). */
static int start_child(const struct petrel_exec_options *o, struct exec_run *r,
		       struct petrel_error **err)
{
	struct petrel_container *c = r->c;
	int flags = 0;
	if (namespaces_to_join(r->ns_dir, &flags, err) < 0)
		return -1;
	int for_children = flags & (CLONE_NEWPID | CLONE_NEWTIME);
	int own[2];
	own_namespaces_for_children(for_children, own);
	if (join_namespaces(r->init_pidfd, r->ns_dir, for_children, err) < 0) {
		restore_namespaces_for_children(own);
		return -1;
	}
	struct exec_child x = {
		.process = &r->proc.p,
		.caps = &r->proc.caps,
		.seccomp = r->seccomp,
		.id = c->id,
		.sock = r->child_sock,
		.peer = r->sock,
		.init_pidfd = r->init_pidfd,
		.ns_dir = r->ns_dir,
		.ns_flags = flags & ~for_children,
		.root_fd = r->root_fd,
		.console_fd = r->console_fd,
		.state_fds = {c->dir_fd, c->root_fd},
		.preserve_fds = o->preserve_fds,
	};
	/* A relayed pty starts with the size of petrel's own terminal. */
	struct winsize ws;
	if (r->proc.p.terminal && !o->detach && o->console_socket == NULL &&
	    ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		x.has_winsize = true;
		x.winsize = (struct oci_box){.height = ws.ws_row, .width = ws.ws_col};
	}
	/* Born in its v2 cgroup (--cgroup's sub-cgroup, the container's, or
	 * the init's when the container's refuses it or is gone); where that is
	 * not all of the container's cgroup (v1 hierarchies), or the clone
	 * cannot do it, the child moves itself in before it goes on. */
	bool v1, v2;
	cgroup_kinds(r->cg, &v1, &v2);
	int target = r->sub_fd >= 0 ? r->sub_fd : r->cg->v2_fd >= 0 ? r->cg->v2_fd : r->fallback_fd;
	x.cgroup = r->cg;
	x.sub = r->sub;
	x.fallback = r->fallback;
	for (;;) {
		x.born_in_v2 = target >= 0;
		x.join_cgroup = v1 || (v2 && target < 0);
		struct petrel_error *e = NULL;
		r->pid = petrel_clone(0, &r->pidfd, target >= 0 ? &target : NULL, &e);
		if (r->pid == 0)
			exec_child(&x);
		if (r->pid > 0)
			break;
		if (target < 0) {
			restore_namespaces_for_children(own);
			r->pid = 0;
			*err = e;
			return petrel_error_prefix(err, "start the process");
		}
		petrel_debug("clone into cgroup: %s", petrel_error_message(e));
		petrel_error_free(e);
		/* EBUSY: the container's cgroup is no longer a leaf; else an
		 * older kernel, or a cgroup it may not be born into. */
		bool retry = target == r->cg->v2_fd && !r->fallback_tried;
		find_fallback(r);
		x.fallback = r->fallback;
		target = retry && r->fallback_fd >= 0 ? r->fallback_fd : -1;
	}
	restore_namespaces_for_children(own);
	close(r->child_sock);
	r->child_sock = -1;
	return 0;
}

int petrel_exec(const struct petrel_exec_options *o, struct petrel_error **err)
{
	struct exec_run r = {.init_pidfd = -1,
			     .ns_dir = -1,
			     .root_fd = -1,
			     .console_fd = -1,
			     .sock = -1,
			     .child_sock = -1,
			     .pidfd = -1,
			     .master = -1,
			     .sub_fd = -1,
			     .fallback_fd = -1};
	int status = -1;
	if (prepare(o, &r, err) < 0)
		goto out;
	if (!o->detach) {
		/* Blocked before the process exists, so that no signal meant for
		 * it is lost; the child unblocks them for itself. */
		petrel_forwarded_signals(&r.forward);
		sigprocmask(SIG_BLOCK, &r.forward, &r.old);
		r.blocked = true;
	}
	if (start_child(o, &r, err) < 0 ||
	    wait_for_exec(r.c, r.seccomp, r.sock, r.pidfd, &r.master, err) < 0)
		goto out;
	pid_t pid = r.pid;
	if ((o->pid_file && petrel_write_pid_file(o->pid_file, pid, err) < 0) ||
	    (o->pidfd_socket &&
	     petrel_pidfd_socket_send(o->pidfd_socket, pid, r.pidfd, "setns", err) < 0))
		goto out;
	if (o->detach) {
		r.pid = 0; /* it runs on its own */
		status = 0;
		goto out;
	}
	/* Other commands may use the container while the process runs. */
	petrel_container_free(r.c);
	r.c = NULL;
	close(r.sock);
	r.sock = -1;
	status = petrel_foreground_wait(pid, r.pidfd, r.master, &r.forward, err);
	r.pid = 0; /* reaped */
out:
	exec_run_release(&r);
	return status;
}
