/* The container lifecycle on petrel's side: create (spawn the init and
 * answer its requests), start (release it through exec.fifo), kill, delete,
 * state and list. `run` is in run.c. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "hooks.h"
#include "init.h"
#include "log.h"
#include "mounts.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "state.h"
#include "sync.h"
#include "sysctl.h"
#include "terminal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* How long delete and kill wait for an init to die after SIGKILL. */
#define KILL_WAIT_MS 10000

static void rfc3339_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

/* Everything that can be checked before anything is made. */
static int validate_for_create(const struct petrel_create_options *o, const struct oci_spec *spec,
			       const struct petrel_ns_plan *plan, bool console_allowed,
			       struct petrel_error **err)
{
	const struct oci_process *p = spec->process;
	int ns = plan->new_flags | plan->join_flags;
	/* The rootfs is mounted and pivoted in a mount namespace of the
	 * container's: a new one, or one joined by path. Inheriting petrel's
	 * own would put the container's mounts on the host. */
	if (!(ns & CLONE_NEWNS))
		return petrel_error_set(err, 0,
					"config.json: .linux.namespaces: a mount namespace is "
					"required (new or joined by path)");
	if (spec->hostname && !(ns & CLONE_NEWUTS))
		return petrel_error_set(err, 0,
					"config.json: .hostname: unable to set hostname without a "
					"private UTS namespace");
	if (spec->domainname && !(ns & CLONE_NEWUTS))
		return petrel_error_set(
			err, 0,
			"config.json: .domainname: unable to set domainname without a "
			"private UTS namespace");
	if (spec->linux && (spec->linux->uid_mappings_len || spec->linux->gid_mappings_len) &&
	    !(plan->new_flags & CLONE_NEWUSER))
		return petrel_error_set(err, 0,
					"config.json: .linux.uidMappings: user namespace mappings "
					"need a new user namespace");
	if ((plan->new_flags & CLONE_NEWUSER) && spec->linux &&
	    (!spec->linux->uid_mappings_len || !spec->linux->gid_mappings_len))
		return petrel_error_set(
			err, 0,
			"config.json: .linux.uidMappings: a new user namespace needs "
			"uidMappings and gidMappings");
	if (spec->linux && spec->linux->time_offsets_len && !(plan->new_flags & CLONE_NEWTIME))
		return petrel_error_set(err, 0,
					"config.json: .linux.timeOffsets: time offsets need a new "
					"time namespace");
	if (p->terminal && o->console_socket == NULL && !console_allowed)
		return petrel_error_set(err, 0,
					"process.terminal is true: --console-socket is required");
	if (!p->terminal && o->console_socket)
		return petrel_error_set(err, 0,
					"--console-socket given but process.terminal is false");
	if (console_allowed && o->console_socket)
		return petrel_error_set(err, 0,
					"--console-socket needs --detach: in the foreground petrel "
					"relays the terminal itself");
	if (petrel_process_validate(p, spec->linux, err) < 0)
		return -1;
	/* Configs written on SELinux hosts still run where it is off. */
	if (spec->linux && spec->linux->mount_label) {
		if (!petrel_selinux_enabled())
			petrel_debug("mountLabel \"%s\" ignored: SELinux is not enabled",
				     spec->linux->mount_label);
		else
			petrel_warn("mountLabel \"%s\" is not applied to mounts yet",
				    spec->linux->mount_label);
	}
	return petrel_sysctl_validate(spec->linux, ns, err);
}

/* The fds the process gets besides stdio: $LISTEN_FDS (socket activation
 * for petrel itself) and --preserve-fds. */
static int count_listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (pid == NULL || fds == NULL || atoi(pid) != getpid())
		return 0;
	int n = atoi(fds);
	return n > 0 ? n : 0;
}

static struct oci_petrel_state *new_state(const struct petrel_create_options *o,
					  const struct petrel_bundle *b)
{
	char created[64];
	rfc3339_now(created, sizeof(created));
	cleanup_free char *rootfs = NULL;
	const char *root_path = b->spec->root->path;
	if (root_path[0] == '/')
		rootfs = strdup(root_path);
	else if (asprintf(&rootfs, "%s/%s", b->path, root_path) < 0)
		rootfs = NULL;
	struct oci_petrel_state s = {
		.id = (char *)o->id,
		.oci_version = b->spec->oci_version,
		.init_pid = 0,
		.has_init_pid = true,
		.init_start_time = 0,
		.has_init_start_time = true,
		.bundle = b->path,
		.rootfs = rootfs,
		.created = created,
		.owner_uid = geteuid(),
		.has_owner_uid = true,
		.annotations = b->spec->annotations,
		.hooks = b->spec->hooks,
		/* For exec: the process it starts from. */
		.process = b->spec->process,
		.no_pivot = o->no_pivot,
		.has_no_pivot = o->no_pivot,
	};
	return ocispec_dup(&oci_type_petrel_state, &s);
}

static int run_hooks(struct petrel_container *c, const char *kind, const struct oci_hook *hooks,
		     size_t n, enum petrel_status status, struct petrel_error **err)
{
	if (n == 0)
		return 0;
	cleanup_free char *json = NULL;
	if (petrel_container_state_json(c, status, &json, err) < 0)
		return -1;
	return petrel_hooks_run(kind, hooks, n, json, err);
}

/* Hooks whose failure is only a warning (poststart, poststop): each runs,
 * whatever the ones before it did, as the spec says. */
static void run_hooks_warn(struct petrel_container *c, const char *kind,
			   const struct oci_hook *hooks, size_t n, enum petrel_status status)
{
	for (size_t i = 0; i < n; i++) {
		struct petrel_error *err = NULL;
		if (run_hooks(c, kind, &hooks[i], 1, status, &err) < 0)
			petrel_warn("%s", petrel_error_message(err));
		petrel_error_free(err);
	}
}

/* Takes the seccomp notify listener out of the init with pidfd_getfd(), so
 * that the init, under its own filter, needs no sendmsg(), and sends it with
 * the container's state to linux.seccomp.listenerPath. */
static int pass_seccomp_listener(struct petrel_created *cr, const struct petrel_seccomp *seccomp,
				 int init_fd, struct petrel_error **err)
{
	if (seccomp == NULL || !seccomp->notify)
		return petrel_error_set(err, 0, "sync: unexpected seccomp listener");
	cleanup_close int fd = (int)syscall(SYS_pidfd_getfd, cr->pidfd, init_fd, 0);
	if (fd < 0)
		return petrel_error_errno(err, "seccomp: take the listener from the init");
	struct petrel_container *c = cr->container;
	c->state->init_pid = cr->pid;
	struct oci_state *state = NULL;
	if (petrel_container_oci_state(c, PETREL_STATUS_CREATING, &state, err) < 0)
		return -1;
	int r = petrel_seccomp_send_listener(seccomp, fd, state, err);
	oci_state_free(state);
	return r;
}

/* Answers the init's requests until it is ready (or fails). */
static int serve_init(struct petrel_created *cr, const struct oci_spec *spec,
		      const struct petrel_seccomp *seccomp, int sock, struct petrel_error **err)
{
	struct petrel_container *c = cr->container;
	const struct oci_hooks *hooks = spec->hooks;
	for (;;) {
		struct petrel_sync_msg msg;
		int fd = -1;
		if (petrel_sync_recv(sock, &msg, &fd, err) < 0)
			return -1;
		/* Only a pty comes with an fd; any other is not kept. */
		if (fd >= 0 && msg.type != PETREL_SYNC_PTY) {
			close(fd);
			fd = -1;
		}
		switch (msg.type) {
		case PETREL_SYNC_USERMAP:
			if (petrel_ns_write_id_maps(msg.value, spec->linux, err) < 0)
				return -1;
			if (petrel_sync_send(sock, PETREL_SYNC_USERMAP_ACK, 0, NULL, -1, err) < 0)
				return -1;
			break;
		case PETREL_SYNC_INIT_PID: {
			/* The stage that forked the init is done. */
			waitpid(cr->pid, NULL, 0);
			close(cr->pidfd);
			cr->pid = msg.value;
			cr->pidfd = petrel_pidfd_open(cr->pid, err);
			if (cr->pidfd < 0)
				return -1;
			c->state->init_pid = cr->pid;
			break;
		}
		case PETREL_SYNC_HOOKS:
			c->state->init_pid = cr->pid;
			if (run_hooks(c, "prestart", hooks ? hooks->prestart : NULL,
				      hooks ? hooks->prestart_len : 0, PETREL_STATUS_CREATING,
				      err) < 0 ||
			    run_hooks(c, "createRuntime", hooks ? hooks->create_runtime : NULL,
				      hooks ? hooks->create_runtime_len : 0, PETREL_STATUS_CREATING,
				      err) < 0) {
				petrel_sync_send_error(sock, *err);
				return -1;
			}
			/* The init learns its pid as the host sees it, for the
			 * state its own hooks read. */
			if (petrel_sync_send(sock, PETREL_SYNC_HOOKS_ACK, cr->pid, NULL, -1, err) <
			    0)
				return -1;
			break;
		case PETREL_SYNC_PTY:
			if (cr->pty_master >= 0)
				close(cr->pty_master);
			cr->pty_master = fd;
			break;
		case PETREL_SYNC_SECCOMP:
			if (pass_seccomp_listener(cr, seccomp, msg.value, err) < 0)
				return -1;
			break;
		case PETREL_SYNC_READY:
			return 0;
		case PETREL_SYNC_ERROR:
			if (fd >= 0)
				close(fd);
			return petrel_error_set(err, msg.value, "%s", msg.text);
		default:
			if (fd >= 0)
				close(fd);
			return petrel_error_set(err, 0, "sync: unexpected message %u", msg.type);
		}
	}
}

/* Kills and reaps a half-made init. */
static void kill_init(struct petrel_created *cr)
{
	if (cr->pidfd >= 0) {
		petrel_pidfd_signal(cr->pidfd, SIGKILL, NULL);
		petrel_pidfd_wait_exit(cr->pidfd, KILL_WAIT_MS, NULL);
	} else if (cr->pid > 0) {
		/* Our own unreaped child: its pid cannot have been reused. */
		kill(cr->pid, SIGKILL);
	}
	if (cr->pid > 0)
		waitpid(cr->pid, NULL, 0);
}

void petrel_created_release(struct petrel_created *cr)
{
	if (cr->pidfd >= 0)
		close(cr->pidfd);
	if (cr->pty_master >= 0)
		close(cr->pty_master);
	petrel_container_free(cr->container);
	petrel_bundle_free(cr->bundle);
	cr->pidfd = cr->pty_master = -1;
	cr->container = NULL;
	cr->bundle = NULL;
}

/* The container's cgroup, made before its init exists (a systemd unit
 * only when petrel_cgroup_enter() gives it the init). */
static int create_cgroup(const struct petrel_create_options *o, const struct oci_spec *spec,
			 struct petrel_cgroup **cg, struct petrel_error **err)
{
	const struct oci_linux *lx = spec->linux;
	struct petrel_cgroup_config config = {
		.id = o->id,
		.cgroups_path = lx ? lx->cgroups_path : NULL,
		.resources = lx ? lx->resources : NULL,
		.linux = lx,
		.annotations = spec->annotations,
		.systemd = o->systemd_cgroup,
		.rootless = geteuid() != 0,
	};
	return petrel_cgroup_create(&config, cg, err);
}

/* Clones the init, born in the container's v2 cgroup where the kernel can
 * (CLONE_INTO_CGROUP). Where that is not all of the container's cgroup (v1
 * hierarchies), the init moves itself in first thing, or petrel moves it and
 * the init waits for that: in a new user namespace, and for a systemd unit
 * (cg->unit), which systemd makes with the init's pid. */
static pid_t clone_init(struct petrel_created *cr, struct petrel_init *in,
			const struct petrel_cgroup *cg, struct petrel_error **err)
{
	unsigned long flags = in->stage1 ? 0 : (unsigned long)in->plan->new_flags;
	in->cgroup = cg;
	in->born_in_v2 = cg->v2_fd >= 0;
	for (;;) {
		bool complete = petrel_cgroup_born_complete(cg) && in->born_in_v2;
		bool by_petrel = (flags & CLONE_NEWUSER) || cg->unit != NULL;
		in->join_cgroup = !complete && !by_petrel;
		in->wait_cgroup = !complete && by_petrel;
		if (!complete && (flags & CLONE_NEWCGROUP)) {
			flags &= ~(unsigned long)CLONE_NEWCGROUP;
			in->unshare_cgroupns = true;
		}
		struct petrel_error *e = NULL;
		pid_t pid = petrel_clone(flags, &cr->pidfd, in->born_in_v2 ? &cg->v2_fd : NULL, &e);
		if (pid >= 0 || !in->born_in_v2) {
			if (e)
				*err = e;
			return pid;
		}
		/* An older kernel, or a cgroup it may not be born into: moved in
		 * after the clone instead. */
		petrel_debug("clone into cgroup: %s", petrel_error_message(e));
		petrel_error_free(e);
		in->born_in_v2 = false;
	}
}

int petrel_create_container(const struct petrel_create_options *o, bool foreground,
			    struct petrel_created *cr, struct petrel_error **err)
{
	*cr = (struct petrel_created){.pidfd = -1, .pty_master = -1};
	struct petrel_ns_plan plan;
	cleanup_close int sock = -1;
	cleanup_seccomp struct petrel_seccomp *seccomp = NULL;
	cleanup_free char *seccomp_cache = NULL;
	cleanup_cgroup struct petrel_cgroup *cg = NULL;
	int *idmapped = NULL;
	if (petrel_bundle_load(o->bundle, &cr->bundle, err) < 0)
		return -1;
	const struct oci_spec *spec = cr->bundle->spec;
	if (petrel_ns_plan(spec->linux, &plan, err) < 0)
		goto fail_early;
	struct petrel_init in = {
		.spec = spec,
		.id = o->id,
		.bundle = cr->bundle->path,
		.console_fd = -1,
		.state_dir_fd = -1,
		.cwd_fd = -1,
		.pty_to_parent = foreground && o->console_socket == NULL,
		.no_pivot = o->no_pivot,
		.no_new_keyring = o->no_new_keyring,
		.listen_fds = count_listen_fds(),
		.plan = &plan,
	};
	/* No more fds than a process may have (and no int overflow below). */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_max != RLIM_INFINITY &&
	    3 + (rlim_t)in.listen_fds + (rlim_t)o->preserve_fds > nofile.rlim_max) {
		petrel_error_set(err, 0, "--preserve-fds %d: more fds than the limit of %llu",
				 o->preserve_fds, (unsigned long long)nofile.rlim_max);
		goto fail_plan;
	}
	in.pass_fds = in.listen_fds + o->preserve_fds;
	in.stage1 = plan.join_flags != 0 || (plan.new_flags & CLONE_NEWTIME);
	if (validate_for_create(o, spec, &plan, foreground, err) < 0 ||
	    petrel_caps_resolve(spec->process->capabilities, &in.caps, err) < 0)
		goto fail_plan;
	/* In a user namespace of its own the init cannot idmap a host
	 * filesystem: petrel makes those mounts here and hands them over. */
	if (((plan.new_flags | plan.join_flags) & CLONE_NEWUSER) &&
	    petrel_mount_prepare_idmapped(spec, cr->bundle->path, &idmapped, err) < 0)
		goto fail_plan;
	in.idmapped_trees = idmapped;

	if (petrel_container_new(o->root, o->id, &cr->container, err) < 0)
		goto fail_plan;
	struct petrel_container *c = cr->container;
	c->state = new_state(o, cr->bundle);
	if (c->state == NULL) {
		petrel_error_set(err, ENOMEM, "container state");
		goto fail_dir;
	}
	if (create_cgroup(o, spec, &cg, err) < 0)
		goto fail_dir;
	/* Compiled (or taken from the cache) before the init exists; kept in
	 * the container's directory for exec. */
	if (asprintf(&seccomp_cache, "%s/%s", o->root, PETREL_SECCOMP_CACHE_DIR) < 0) {
		seccomp_cache = NULL;
		petrel_error_set(err, ENOMEM, "seccomp");
		goto fail_dir;
	}
	if (petrel_seccomp_prepare(spec->linux ? spec->linux->seccomp : NULL, spec->annotations,
				   seccomp_cache, &seccomp, err) < 0 ||
	    (seccomp &&
	     petrel_seccomp_save(seccomp, c->dir_fd, PETREL_SECCOMP_STATE_FILE, err) < 0))
		goto fail_dir;
	in.seccomp = seccomp;
	if (mkfifoat(c->dir_fd, PETREL_EXEC_FIFO, 0600) < 0 ||
	    fchmodat(c->dir_fd, PETREL_EXEC_FIFO, 0622, 0) < 0) {
		petrel_error_errno(err, "create %s", PETREL_EXEC_FIFO);
		goto fail_dir;
	}
	/* The init gets its own fd of the directory: sharing the locked one
	 * would keep the lock held by the waiting init. */
	in.state_dir_fd = openat(c->dir_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (in.state_dir_fd < 0) {
		petrel_error_errno(err, "open container directory");
		goto fail_dir;
	}
	if (o->console_socket) {
		in.console_fd = petrel_console_socket_connect(o->console_socket, err);
		if (in.console_fd < 0)
			goto fail_fds;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		petrel_error_errno(err, "socketpair");
		goto fail_fds;
	}
	in.sync_fd = sv[1];

	cr->pid = clone_init(cr, &in, cg, err);
	if (cr->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		goto fail_fds;
	}
	if (cr->pid == 0) {
		/* The init keeps only the fds it was given: none of petrel's
		 * own directories go with it into the container. */
		close(sv[0]);
		close(c->dir_fd);
		close(c->root_fd);
		c->dir_fd = c->root_fd = -1;
		petrel_init_main(&in);
	}
	close(sv[1]);
	sock = sv[0];
	petrel_ns_plan_release(&plan);
	petrel_mount_release_idmapped(spec, idmapped);
	idmapped = NULL;
	if (in.console_fd >= 0)
		close(in.console_fd);
	close(in.state_dir_fd);
	in.console_fd = in.state_dir_fd = -1;

	if (in.wait_cgroup &&
	    (petrel_cgroup_enter(cg, cr->pid, in.born_in_v2, NULL, err) < 0 ||
	     petrel_sync_send(sock, PETREL_SYNC_CGROUP_ACK, 0, NULL, -1, err) < 0))
		goto fail_init;
	if (!in.stage1 && (plan.new_flags & CLONE_NEWUSER)) {
		if (petrel_ns_write_id_maps(cr->pid, spec->linux, err) < 0 ||
		    petrel_sync_send(sock, PETREL_SYNC_USERMAP_ACK, 0, NULL, -1, err) < 0)
			goto fail_init;
	}
	if (serve_init(cr, spec, seccomp, sock, err) < 0)
		goto fail_init;

	c->state->init_pid = cr->pid;
	c->state->init_start_time = petrel_process_start_time(cr->pid, NULL);
	/* Recorded once complete: a systemd unit's directories are known only
	 * once it holds the init. */
	if (petrel_cgroup_to_state(cg, &c->state->cgroup, err) < 0 ||
	    petrel_container_save(c, err) < 0)
		goto fail_init;
	if (o->pid_file && petrel_write_pid_file(o->pid_file, cr->pid, err) < 0)
		goto fail_init;
	if (o->pidfd_socket &&
	    petrel_pidfd_socket_send(o->pidfd_socket, cr->pid, cr->pidfd, "standard", err) < 0)
		goto fail_init;
	if (petrel_sync_send(sock, PETREL_SYNC_READY_ACK, 0, NULL, -1, err) < 0)
		goto fail_init;
	return 0;

fail_init:
	kill_init(cr);
	/* The spec goes on to delete after a failed create: poststop hooks
	 * run, as warnings. */
	run_hooks_warn(c, "poststop", spec->hooks ? spec->hooks->poststop : NULL,
		       spec->hooks ? spec->hooks->poststop_len : 0, PETREL_STATUS_STOPPED);
	goto fail_dir;
fail_fds:
	if (in.console_fd >= 0)
		close(in.console_fd);
	if (in.state_dir_fd >= 0)
		close(in.state_dir_fd);
fail_dir:
	if (cg)
		petrel_cgroup_destroy(cg, NULL);
	petrel_container_remove(c, NULL);
fail_plan:
	petrel_ns_plan_release(&plan);
	petrel_mount_release_idmapped(spec, idmapped);
fail_early:
	petrel_created_release(cr);
	return -1;
}

int petrel_create(const struct petrel_create_options *o, struct petrel_error **err)
{
	struct petrel_created cr;
	if (petrel_create_container(o, false, &cr, err) < 0)
		return -1;
	petrel_created_release(&cr);
	return 0;
}

/* For restore (criu.c): the container create makes, without its init (CRIU
 * brings that back): the bundle loaded and checked as for create, the state
 * directory and record, and the cgroup with its resources. */
int petrel_restore_prepare(const struct petrel_create_options *o, bool foreground,
			   struct petrel_created *cr, struct petrel_cgroup **cg,
			   struct petrel_error **err)
{
	*cr = (struct petrel_created){.pidfd = -1, .pty_master = -1};
	*cg = NULL;
	struct petrel_ns_plan plan;
	if (petrel_bundle_load(o->bundle, &cr->bundle, err) < 0)
		goto fail;
	const struct oci_spec *spec = cr->bundle->spec;
	if (petrel_ns_plan(spec->linux, &plan, err) < 0)
		goto fail;
	int r = validate_for_create(o, spec, &plan, foreground, err);
	petrel_ns_plan_release(&plan);
	if (r < 0 || petrel_container_new(o->root, o->id, &cr->container, err) < 0)
		goto fail;
	cr->container->state = new_state(o, cr->bundle);
	if (cr->container->state == NULL) {
		petrel_error_set(err, ENOMEM, "container state");
		goto fail_dir;
	}
	if (create_cgroup(o, spec, cg, err) < 0)
		goto fail_dir;
	return 0;
fail_dir:
	petrel_container_remove(cr->container, NULL);
fail:
	petrel_created_release(cr);
	return -1;
}

/* The restored init (cr->pid) becomes the container's: recorded in its
 * state with its start time and the cgroup, and in the pid file. */
int petrel_restore_finish(struct petrel_created *cr, const struct petrel_cgroup *cg,
			  const char *pid_file, struct petrel_error **err)
{
	struct petrel_container *c = cr->container;
	c->state->init_pid = cr->pid;
	c->state->init_start_time = petrel_process_start_time(cr->pid, NULL);
	if (petrel_cgroup_to_state(cg, &c->state->cgroup, err) < 0 ||
	    petrel_container_save(c, err) < 0)
		return -1;
	if (pid_file && petrel_write_pid_file(pid_file, cr->pid, err) < 0)
		return -1;
	return 0;
}

/* Undoes a restore that failed: a restored init is killed, the cgroup and
 * the container's directory removed, cr released. */
void petrel_restore_abort(struct petrel_created *cr, struct petrel_cgroup *cg)
{
	if (cr->pid > 0) {
		if (cr->pidfd >= 0) {
			petrel_pidfd_signal(cr->pidfd, SIGKILL, NULL);
			petrel_pidfd_wait_exit(cr->pidfd, KILL_WAIT_MS, NULL);
		}
		/* petrel's child once the helper is gone, when a subreaper. */
		waitpid(cr->pid, NULL, WNOHANG);
	}
	if (cg)
		petrel_cgroup_destroy(cg, NULL);
	if (cr->container)
		petrel_container_remove(cr->container, NULL);
	petrel_created_release(cr);
}

/* Opens a pidfd for the init and checks that it is still the same process
 * (its start time), so a recycled pid is never signalled. */
static int open_init_pidfd(struct petrel_container *c, struct petrel_error **err)
{
	int fd = petrel_pidfd_open(c->state->init_pid, err);
	if (fd < 0)
		return -1;
	if (petrel_process_start_time(c->state->init_pid, NULL) != c->state->init_start_time) {
		close(fd);
		return petrel_error_set(err, ESRCH, "container \"%s\" is not running", c->id);
	}
	return fd;
}

/* Opens exec.fifo and waits until the init has exec'd (EOF) or reported an
 * error (text, then EOF) or died. */
static int release_init(struct petrel_container *c, struct petrel_error **err)
{
	/* The pidfd first: opening the fifo lets the init go on, exec and
	 * perhaps exit and be reaped before a pidfd could still be had. */
	cleanup_close int pidfd = open_init_pidfd(c, err);
	if (pidfd < 0)
		return -1;
	cleanup_close int fifo =
		openat(c->dir_fd, PETREL_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return petrel_error_errno(err, "open %s", PETREL_EXEC_FIFO);
	char text[4096];
	size_t len = 0;
	bool writer_seen = false;
	for (;;) {
		struct pollfd p[2] = {{.fd = fifo, .events = POLLIN},
				      {.fd = pidfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return petrel_error_errno(err, "wait for container start");
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			writer_seen = true;
			ssize_t n = read(fifo, text + len, sizeof(text) - 1 - len);
			if (n > 0) {
				len += (size_t)n;
				if (len < sizeof(text) - 1)
					continue;
			} else if (n < 0 && errno == EAGAIN) {
				continue;
			}
			break; /* EOF: exec'd, or the init closed it after its error */
		}
		if (p[1].revents) {
			/* Died before it opened the fifo. */
			if (!writer_seen)
				return petrel_error_set(err, 0,
							"container init exited before start");
			break;
		}
	}
	text[len] = '\0';
	/* Only now: the init opens it by name once it is ready. */
	unlinkat(c->dir_fd, PETREL_EXEC_FIFO, 0);
	if (len > 0)
		return petrel_error_set(err, 0, "%s", text);
	return 0;
}

int petrel_start_locked(struct petrel_container *c, struct petrel_error **err)
{
	enum petrel_status status = petrel_container_status(c);
	if (status == PETREL_STATUS_STOPPED)
		return petrel_error_set(err, 0, "cannot start a container that has stopped");
	if (status != PETREL_STATUS_CREATED)
		return petrel_error_set(err, 0, "cannot start an already %s container",
					petrel_status_name(status));
	if (release_init(c, err) < 0)
		return -1;
	const struct oci_hooks *hooks = c->state->hooks;
	run_hooks_warn(c, "poststart", hooks ? hooks->poststart : NULL,
		       hooks ? hooks->poststart_len : 0, PETREL_STATUS_RUNNING);
	return 0;
}

int petrel_start(const char *root, const char *id, struct petrel_error **err)
{
	cleanup_container struct petrel_container *c = NULL;
	if (petrel_container_open(root, id, true, &c, err) < 0)
		return -1;
	return petrel_start_locked(c, err);
}

/* Signals every process in the init's pid namespace (kill --all before
 * cgroups know the container's processes). */
static int signal_pid_namespace(struct petrel_container *c, int signum, struct petrel_error **err)
{
	char path[64];
	struct stat init_ns, ns, host_ns;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", c->state->init_pid);
	if (stat(path, &init_ns) < 0)
		return petrel_error_errno(err, "container \"%s\": pid namespace", c->id);
	if (stat("/proc/self/ns/pid", &host_ns) == 0 && host_ns.st_ino == init_ns.st_ino)
		return petrel_error_set(
			err, 0, "kill --all: container \"%s\" shares petrel's pid namespace",
			c->id);
	cleanup_closedir DIR *d = opendir("/proc");
	if (d == NULL)
		return petrel_error_errno(err, "open /proc");
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
		/* The init is signalled once, through its pidfd, by the caller. */
		if (pid == c->state->init_pid || stat(path, &ns) < 0 ||
		    ns.st_ino != init_ns.st_ino || ns.st_dev != init_ns.st_dev)
			continue;
		kill((pid_t)pid, signum);
	}
	return 0;
}

/* The container's cgroup, as create recorded it. */
static struct petrel_cgroup *container_cgroup(struct petrel_container *c, struct petrel_error **err)
{
	struct petrel_cgroup *cg = NULL;
	if (petrel_cgroup_from_state(c->id, c->state->cgroup, &cg, err) < 0)
		return NULL;
	return cg;
}

/* Every process of the container: through its cgroup, or, for a container
 * without one, its pid namespace. */
static int signal_all(struct petrel_container *c, const struct petrel_cgroup *cg, int signum,
		      struct petrel_error **err)
{
	struct petrel_error *e = NULL;
	if (petrel_cgroup_kill_all(cg, signum, &e) == 0)
		return 0;
	if (e->errnum != ENOTSUP) {
		*err = e;
		return -1;
	}
	petrel_error_free(e);
	return signal_pid_namespace(c, signum, err);
}

int petrel_kill(const char *root, const char *id, int signum, bool all, struct petrel_error **err)
{
	cleanup_container struct petrel_container *c = NULL;
	if (petrel_container_open(root, id, false, &c, err) < 0)
		return -1;
	cleanup_cgroup struct petrel_cgroup *cg = container_cgroup(c, err);
	if (cg == NULL)
		return -1;
	if (petrel_container_status(c) == PETREL_STATUS_STOPPED) {
		/* What a dead init left behind (a container without its own pid
		 * namespace): containerd's shim ends it with kill --all. */
		if (all)
			return petrel_cgroup_kill_all(cg, signum, err);
		return petrel_error_set(err, 0, "container not running");
	}
	cleanup_close int pidfd = open_init_pidfd(c, err);
	if (pidfd < 0)
		return -1;
	if (all && signal_all(c, cg, signum, err) < 0)
		return -1;
	if (petrel_pidfd_signal(pidfd, signum, err) < 0) {
		/* cgroup.kill may have ended the init, and its parent reaped it,
		 * before this signal: that is what was asked. */
		if (!all || (*err)->errnum != ESRCH)
			return -1;
		petrel_error_free(*err);
		*err = NULL;
	}
	/* A paused container's init dies of SIGKILL only once thawed. */
	if (signum == SIGKILL && petrel_cgroup_is_frozen(cg))
		return petrel_cgroup_freeze(cg, false, err);
	return 0;
}

int petrel_delete_locked(struct petrel_container *c, bool force, struct petrel_error **err)
{
	enum petrel_status status = petrel_container_status(c);
	if (status == PETREL_STATUS_RUNNING || status == PETREL_STATUS_PAUSED) {
		if (!force)
			return petrel_error_set(
				err, 0, "cannot delete container %s that is not stopped: %s", c->id,
				petrel_status_name(status));
	}
	cleanup_cgroup struct petrel_cgroup *cg = container_cgroup(c, err);
	if (cg == NULL)
		return -1;
	if (status != PETREL_STATUS_STOPPED) {
		/* A created container's waiting init is killed too, as runc and
		 * crun do (the spec only speaks of stopped containers). */
		cleanup_close int pidfd = open_init_pidfd(c, NULL);
		if (pidfd >= 0) {
			if (status != PETREL_STATUS_CREATED)
				signal_all(c, cg, SIGKILL, NULL);
			petrel_pidfd_signal(pidfd, SIGKILL, NULL);
			if (petrel_cgroup_is_frozen(cg))
				petrel_cgroup_freeze(cg, false, NULL);
			if (petrel_pidfd_wait_exit(pidfd, KILL_WAIT_MS, err) < 0)
				return petrel_error_prefix(err, "delete container \"%s\"", c->id);
		}
	}
	/* What is left in the cgroup goes with it. */
	if (petrel_cgroup_destroy(cg, err) < 0)
		return petrel_error_prefix(err, "delete container \"%s\"", c->id);
	const struct oci_hooks *hooks = c->state->hooks;
	run_hooks_warn(c, "poststop", hooks ? hooks->poststop : NULL,
		       hooks ? hooks->poststop_len : 0, PETREL_STATUS_STOPPED);
	return petrel_container_remove(c, err);
}

int petrel_delete(const char *root, const char *id, bool force, struct petrel_error **err)
{
	cleanup_container struct petrel_container *c = NULL;
	if (petrel_container_open(root, id, true, &c, err) < 0) {
		/* runc: --force on a missing container is not an error. */
		if (force && *err && (*err)->errnum == ENOENT) {
			petrel_error_free(*err);
			*err = NULL;
			return 0;
		}
		return -1;
	}
	return petrel_delete_locked(c, force, err);
}

int petrel_state(const char *root, const char *id, struct oci_state **out,
		 struct petrel_error **err)
{
	cleanup_container struct petrel_container *c = NULL;
	if (petrel_container_open(root, id, false, &c, err) < 0)
		return -1;
	return petrel_container_oci_state(c, petrel_container_status(c), out, err);
}

int petrel_list(const char *root, struct oci_state ***out, size_t *n, struct petrel_error **err)
{
	char **ids = NULL;
	size_t count = 0, len = 0;
	if (petrel_container_list(root, &ids, &count, err) < 0)
		return -1;
	struct oci_state **states = calloc(count ? count : 1, sizeof(*states));
	if (states == NULL) {
		for (size_t i = 0; i < count; i++)
			free(ids[i]);
		free(ids);
		return petrel_error_set(err, ENOMEM, "list");
	}
	for (size_t i = 0; i < count; i++) {
		struct petrel_error *e = NULL;
		if (petrel_state(root, ids[i], &states[len], &e) == 0)
			len++;
		else if (e && e->errnum != ENOENT)
			petrel_warn("list: %s", petrel_error_message(e));
		petrel_error_free(e);
		free(ids[i]);
	}
	free(ids);
	*out = states;
	*n = len;
	return 0;
}
