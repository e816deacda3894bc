/* The container's init: what happens between clone and execve, in order.
 * petrel_init_main() below is the whole sequence; each step is a call named
 * for what it does. Errors before "ready" travel to petrel over the sync
 * socket; after it, to `petrel start` through exec.fifo. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>

#include "capabilities.h"
#include "cleanup.h"
#include "clone.h"
#include "hooks.h"
#include "init.h"
#include "log.h"
#include "process.h"
#include "rootfs.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "sysctl.h"
#include "terminal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* When namespaces were not all made by clone (some are joined by path, or a
 * time namespace needs its offsets written before anyone enters it), this
 * process joins and unshares them itself, then forks the real init when the
 * pid or time namespace only applies to children. */
static int enter_namespaces(struct petrel_init *in, struct petrel_error **err)
{
	struct petrel_sync_msg msg;
	const struct oci_linux *lx = in->spec->linux;
	if (in->join_cgroup && petrel_cgroup_enter_self(in->cgroup, in->born_in_v2, NULL, err) < 0)
		return -1;
	if (in->wait_cgroup &&
	    petrel_sync_expect(in->sync_fd, PETREL_SYNC_CGROUP_ACK, &msg, err) < 0)
		return -1;
	if (!in->stage1) {
		if ((in->plan->new_flags & CLONE_NEWUSER) &&
		    petrel_sync_expect(in->sync_fd, PETREL_SYNC_USERMAP_ACK, &msg, err) < 0)
			return -1;
		if (in->unshare_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
			return petrel_error_errno(err, "create cgroup namespace");
		return 0;
	}
	if (petrel_ns_join(in->plan, err) < 0)
		return -1;
	int flags = in->plan->new_flags;
	if (flags & CLONE_NEWUSER) {
		if (unshare(CLONE_NEWUSER) < 0)
			return petrel_error_errno(err, "create user namespace");
		if (petrel_sync_send(in->sync_fd, PETREL_SYNC_USERMAP, getpid(), NULL, -1, err) <
			    0 ||
		    petrel_sync_expect(in->sync_fd, PETREL_SYNC_USERMAP_ACK, &msg, err) < 0)
			return -1;
		flags &= ~CLONE_NEWUSER;
	}
	if (flags && unshare(flags) < 0)
		return petrel_error_errno(err, "create namespaces (flags 0x%x)", flags);
	if ((flags & CLONE_NEWTIME) && petrel_ns_write_time_offsets(lx, err) < 0)
		return -1;
	if (!((flags | in->plan->join_flags) & (CLONE_NEWPID | CLONE_NEWTIME)))
		return 0;
	/* The init is a sibling, so that petrel is its parent and reaps it.
	 * It says nothing to petrel before petrel knows its pid: it waits for
	 * this stage to have sent it (EOF on `go`). */
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return petrel_error_errno(err, "pipe");
	pid_t pid = petrel_clone(CLONE_PARENT, NULL, NULL, err);
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(go[0]);
		petrel_sync_send(in->sync_fd, PETREL_SYNC_INIT_PID, pid, NULL, -1, NULL);
		_exit(0);
	}
	close(go[1]);
	char byte;
	while (read(go[0], &byte, 1) < 0 && errno == EINTR)
		;
	close(go[0]);
	return 0;
}

/* In a new or joined user namespace, become its root. */
static void become_namespace_root(const struct petrel_init *in)
{
	if ((in->plan->new_flags | in->plan->join_flags) & CLONE_NEWUSER) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			petrel_debug("container root is not mapped: %s", strerror(errno));
	}
}

static int join_session_keyring(const struct petrel_init *in, struct petrel_error **err)
{
	if (in->no_new_keyring)
		return 0;
	return petrel_process_join_session_keyring(in->id, err);
}
static int set_hostname(const struct oci_spec *spec, struct petrel_error **err)
{
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return petrel_error_errno(err, "set hostname \"%s\"", spec->hostname);
	if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return petrel_error_errno(err, "set domainname \"%s\"", spec->domainname);
	return 0;
}

static int run_runtime_hooks(struct petrel_init *in, struct petrel_error **err)
{
	struct petrel_sync_msg msg;
	const struct oci_hooks *h = in->spec->hooks;
	/* Without hooks to run or to tell its pid to, the round trip is saved. */
	if (h == NULL || (h->prestart_len + h->create_runtime_len + h->create_container_len +
			  h->start_container_len) == 0)
		return 0;
	if (petrel_sync_send(in->sync_fd, PETREL_SYNC_HOOKS, 0, NULL, -1, err) < 0 ||
	    petrel_sync_expect(in->sync_fd, PETREL_SYNC_HOOKS_ACK, &msg, err) < 0)
		return -1;
	in->host_pid = msg.value;
	return 0;
}

static int run_container_hooks(struct petrel_init *in, const char *kind,
			       const struct oci_hook *hooks, size_t n, const char *status,
			       struct petrel_error **err)
{
	if (n == 0)
		return 0;
	/* The state a hook reads: the same document `petrel state` prints. */
	struct oci_state state = {
		.oci_version = in->spec->oci_version,
		.id = (char *)in->id,
		.status = (char *)status,
		.pid = in->host_pid,
		.has_pid = true,
		.bundle = (char *)in->bundle,
		.annotations = in->spec->annotations,
	};
	cleanup_free char *json = NULL;
	char *why = NULL;
	if (oci_state_generate(&state, false, &json, NULL, &why) < 0)
		return petrel_error_take(err, 0, why);
	return petrel_hooks_run(kind, hooks, n, json, err);
}

static int setup_terminal(struct petrel_init *in, struct petrel_error **err)
{
	const struct oci_process *p = in->spec->process;
	if (!p->terminal)
		return 0;
	cleanup_close int master = petrel_terminal_setup(p->console_size, err);
	if (master < 0)
		return -1;
	if (in->console_fd >= 0)
		return petrel_terminal_send_to_console(&in->console_fd, master, err);
	if (in->pty_to_parent)
		return petrel_sync_send(in->sync_fd, PETREL_SYNC_PTY, 0, NULL, master, err);
	return 0;
}

/* A stdio fd that is the host's /dev/null (what engines give a detached
 * container) becomes the container's own /dev/null, as runc does: no fd of
 * a host mount stays in the container, and CRIU can dump the process. */
static int reopen_dev_null(struct petrel_error **err)
{
	cleanup_close int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : petrel_error_errno(err, "open /dev/null");
	if (fd < 3) {
		/* A closed stdio fd stays closed. */
		int above = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		if ((fd = above) < 0)
			return petrel_error_errno(err, "open /dev/null");
	}
	struct stat null_st, st;
	if (fstat(fd, &null_st) < 0)
		return petrel_error_errno(err, "stat /dev/null");
	for (int i = 0; i < 3; i++)
		if (fstat(i, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == null_st.st_rdev &&
		    dup3(fd, i, 0) < 0)
			return petrel_error_errno(err, "reopen stdio fd %d on /dev/null", i);
	return 0;
}

static int apply_process_attributes(struct petrel_init *in, struct petrel_error **err)
{
	const struct oci_process *p = in->spec->process;
	if (petrel_process_set_rlimits(p, err) < 0 ||
	    petrel_process_set_oom_score_adj(p, err) < 0 ||
	    petrel_process_set_personality(in->spec->linux ? in->spec->linux->personality : NULL,
					   err) < 0 ||
	    petrel_process_set_scheduler(p, err) < 0 || petrel_process_set_io_priority(p, err) < 0)
		return -1;
	if (p->exec_cpu_affinity && p->exec_cpu_affinity->initial &&
	    petrel_process_set_cpu_affinity(p->exec_cpu_affinity->initial, err) < 0)
		return -1;
	return petrel_process_set_lsm_labels(p, err);
}

/* The cwd is resolved and entered as root, before a seccomp filter could
 * refuse the openat2() that keeps it inside the root; switch_user() enters
 * it again as the user. */
static int enter_cwd(struct petrel_init *in, struct petrel_error **err)
{
	in->cwd_fd = petrel_process_open_cwd(in->spec->process, err);
	if (in->cwd_fd < 0)
		return -1;
	if (fchdir(in->cwd_fd) < 0)
		return petrel_error_errno(err, "chdir to cwd (\"%s\") set in config.json failed",
					  in->spec->process->cwd);
	return 0;
}

static int switch_user(struct petrel_init *in, struct petrel_error **err)
{
	const struct oci_process *p = in->spec->process;
	if (petrel_caps_prepare(&in->caps, err) < 0)
		return -1;
	bool setgroups_allowed = true;
	cleanup_close int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	char buf[8] = "";
	if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && strncmp(buf, "deny", 4) == 0)
		setgroups_allowed = false;
	/* The terminal belongs to the process's user, as a login's would. */
	/* Its group stays devpts's (tty), as with a login. */
	if (p->terminal && p->user && fchown(STDIN_FILENO, p->user->uid, (gid_t)-1) < 0)
		return petrel_error_errno(err, "chown the terminal to uid %u", p->user->uid);
	if (p->user && petrel_process_set_user(p->user, setgroups_allowed, err) < 0)
		return -1;
	petrel_process_set_umask(p->user);
	if (petrel_caps_apply(&in->caps, err) < 0)
		return -1;
	/* Again as the user; where it may not enter, the cwd entered as root
	 * stays. */
	if (fchdir(in->cwd_fd) < 0 && errno != EACCES)
		return petrel_error_errno(err, "chdir to cwd (\"%s\") set in config.json failed",
					  p->cwd);
	close(in->cwd_fd);
	in->cwd_fd = -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return petrel_error_errno(err, "set no_new_privs");
	return 0;
}

/* Where the seccomp filter goes in. Without noNewPrivileges installing it
 * needs CAP_SYS_ADMIN: before the user and capabilities change (as runc).
 * With it, as late as possible, so that the least of the setup runs under
 * the profile: just before execve; or, when the profile notifies, just
 * before "ready", while petrel still listens and can take the listener. */
enum seccomp_point { SECCOMP_BEFORE_USER, SECCOMP_BEFORE_READY, SECCOMP_BEFORE_EXEC };

static enum seccomp_point seccomp_point(const struct petrel_init *in)
{
	if (!in->spec->process->no_new_privileges)
		return SECCOMP_BEFORE_USER;
	return in->seccomp->notify ? SECCOMP_BEFORE_READY : SECCOMP_BEFORE_EXEC;
}

static int install_seccomp(struct petrel_init *in, enum seccomp_point point,
			   struct petrel_error **err)
{
	if (in->seccomp == NULL || seccomp_point(in) != point)
		return 0;
	int listener;
	if (petrel_seccomp_install(in->seccomp, &listener, err) < 0)
		return -1;
	/* Any system call may now wait for the agent, which gets the listener
	 * only once petrel took it: a single write() tells petrel the fd. */
	if (listener >= 0)
		return petrel_sync_write(in->sync_fd, PETREL_SYNC_SECCOMP, listener, err);
	return 0;
}

/* The environment of the process: process.env, with $LISTEN_FDS for socket
 * activation as runc sets it. */
static char **build_environ(struct petrel_init *in, struct petrel_error **err)
{
	char **env = petrel_process_environ(in->spec->process);
	if (env == NULL) {
		petrel_error_set(err, ENOMEM, "environment");
		return NULL;
	}
	if (in->listen_fds <= 0)
		return env;
	size_t n = 0;
	while (env[n])
		n++;
	char **more = realloc(env, (n + 3) * sizeof(char *));
	static char listen_fds[32];
	if (more == NULL) {
		free(env);
		petrel_error_set(err, ENOMEM, "environment");
		return NULL;
	}
	snprintf(listen_fds, sizeof(listen_fds), "LISTEN_FDS=%d", in->listen_fds);
	more[n] = listen_fds;
	more[n + 1] = (char *)"LISTEN_PID=1";
	more[n + 2] = NULL;
	return more;
}

/* Blocks until `petrel start` opens exec.fifo for reading; returns the
 * write end (close-on-exec, so start sees EOF once execve succeeded). */
static int wait_for_start(struct petrel_init *in, struct petrel_error **err)
{
	int fd;
	while ((fd = openat(in->state_dir_fd, PETREL_EXEC_FIFO, O_WRONLY | O_CLOEXEC)) < 0) {
		if (errno != EINTR)
			return petrel_error_errno(err, "open %s", PETREL_EXEC_FIFO);
	}
	close(in->state_dir_fd);
	in->state_dir_fd = -1;
	return fd;
}

/* Only the process's stdio and the fds it is given survive execve. */
static int prepare_fds(struct petrel_init *in, struct petrel_error **err)
{
	/* Everything from 3 + pass_fds on is marked close-on-exec. Below that,
	 * the caller's fds were inherited without the flag and pass on, while
	 * any fd of petrel's own that took a free number there was opened
	 * O_CLOEXEC and closes. */
	return petrel_process_cloexec_from(3 + (unsigned)in->pass_fds, err);
}

static void report_to_start(int fifo_fd, struct petrel_error *err)
{
	const char *msg = petrel_error_message(err);
	ssize_t unused = write(fifo_fd, msg, strlen(msg));
	(void)unused;
}

void petrel_init_main(struct petrel_init *in)
{
	struct petrel_error *err = NULL;
	const struct oci_spec *spec = in->spec;
	const struct oci_process *p = spec->process;
	const struct oci_hooks *hooks = spec->hooks;
	struct petrel_rootfs rootfs = {
		.spec = spec,
		.bundle = in->bundle,
		.no_pivot = in->no_pivot,
		.in_user_ns = ((in->plan->new_flags | in->plan->join_flags) & CLONE_NEWUSER) != 0,
		.cgroup_ns = ((in->plan->new_flags | in->plan->join_flags) & CLONE_NEWCGROUP) != 0,
		.idmapped_trees = in->idmapped_trees,
		.rootfs_fd = -1,
	};
	cleanup_free char *executable = NULL;
	char **env = NULL;

	if (petrel_process_reset_signals(&err) < 0 || enter_namespaces(in, &err) < 0)
		goto fail;
	become_namespace_root(in);
	if ((in->plan->new_flags & CLONE_NEWNET) && petrel_ns_loopback_up(&err) < 0)
		goto fail;
	if (setsid() < 0) {
		petrel_error_errno(&err, "setsid");
		goto fail;
	}
	if (join_session_keyring(in, &err) < 0 || set_hostname(spec, &err) < 0)
		goto fail;

	/* The filesystem, with the hooks that see it half-made. */
	if (petrel_rootfs_prepare(&rootfs, &err) < 0 || run_runtime_hooks(in, &err) < 0 ||
	    run_container_hooks(in, "createContainer", hooks ? hooks->create_container : NULL,
				hooks ? hooks->create_container_len : 0, "creating", &err) < 0 ||
	    petrel_rootfs_pivot(&rootfs, &err) < 0 || setup_terminal(in, &err) < 0 ||
	    reopen_dev_null(&err) < 0 || petrel_sysctl_apply(spec->linux, &err) < 0 ||
	    petrel_rootfs_finalize(&rootfs, &err) < 0)
		goto fail;

	/* The process: its attributes, seccomp (without noNewPrivileges), its
	 * user and capabilities, then seccomp when it notifies. */
	if (apply_process_attributes(in, &err) < 0 || enter_cwd(in, &err) < 0 ||
	    install_seccomp(in, SECCOMP_BEFORE_USER, &err) < 0 || switch_user(in, &err) < 0 ||
	    petrel_process_find_executable(p, &executable, &err) < 0)
		goto fail;
	env = build_environ(in, &err);
	if (env == NULL || prepare_fds(in, &err) < 0 ||
	    install_seccomp(in, SECCOMP_BEFORE_READY, &err) < 0)
		goto fail;

	/* Created: wait for start. */
	/* Ready; then wait until petrel has recorded the container: if petrel
	 * dies before that, nobody could ever find or start this init. */
	struct petrel_sync_msg ack;
	if (petrel_sync_send(in->sync_fd, PETREL_SYNC_READY, 0, NULL, -1, &err) < 0)
		goto fail;
	if (petrel_sync_expect(in->sync_fd, PETREL_SYNC_READY_ACK, &ack, &err) < 0)
		_exit(1);
	close(in->sync_fd);
	in->sync_fd = -1;
	int fifo = wait_for_start(in, &err);
	if (fifo < 0) {
		/* Nobody listens any more: the log is all that is left. */
		petrel_log(PETREL_LOG_ERROR, "container %s: %s", in->id, petrel_error_message(err));
		_exit(1);
	}
	if (run_container_hooks(in, "startContainer", hooks ? hooks->start_container : NULL,
				hooks ? hooks->start_container_len : 0, "created", &err) < 0)
		goto fail_after_ready;
	if (p->exec_cpu_affinity && p->exec_cpu_affinity->final &&
	    petrel_process_set_cpu_affinity(p->exec_cpu_affinity->final, &err) < 0)
		goto fail_after_ready;
	if (install_seccomp(in, SECCOMP_BEFORE_EXEC, &err) < 0)
		goto fail_after_ready;
	execve(executable, p->args, env);
	petrel_error_errno(&err, "exec \"%s\"", p->args[0]);
fail_after_ready:
	report_to_start(fifo, err);
	_exit(127);
fail:
	if (in->sync_fd >= 0)
		petrel_sync_send_error(in->sync_fd, err);
	_exit(1);
}
