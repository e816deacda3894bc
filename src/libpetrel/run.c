/* `run`: create and start in one process and, in the foreground, stay with
 * the container: forward signals to it, relay its terminal, reap it, delete
 * it, and exit with its status. The foreground part is shared with `exec`
 * (petrel_foreground_wait). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clone.h"
#include "container-internal.h"
#include "log.h"
#include "terminal.h"

/* Signals a foreground run or exec passes on to the process; the
 * synchronous ones are petrel's own. */
void petrel_forwarded_signals(sigset_t *set)
{
	sigfillset(set);
	static const int own[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL,
				  SIGFPE,  SIGABRT, SIGTRAP, SIGSYS};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		sigdelset(set, own[i]);
}

int petrel_foreground_prepare(bool no_subreaper, sigset_t *forward, sigset_t *old,
			      struct petrel_error **err)
{
	petrel_forwarded_signals(forward);
	if (!no_subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return petrel_error_errno(err, "set child subreaper");
	sigprocmask(SIG_BLOCK, forward, old);
	return 0;
}

static int exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

/* Copies what is readable on `from` to `to`; returns -1 at EOF or error. */
static int pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	for (ssize_t done = 0; done < n;) {
		ssize_t w = write(to, buf + done, (size_t)(n - done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			usleep(1000);
			continue;
		}
		if (w < 0)
			return 0; /* the reader went away; keep draining */
		done += w;
	}
	return 0;
}

struct foreground {
	pid_t pid; /* the process petrel waits for */
	int pidfd;
	int master; /* -1 without a relayed terminal */
	int sigfd;
	int epfd;
	bool stdin_open;
};

/* What the process wrote before it exited. */
static void drain_master(struct foreground *f)
{
	if (f->master < 0)
		return;
	struct pollfd p = {.fd = f->master, .events = POLLIN};
	while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN) && pump(f->master, STDOUT_FILENO) == 0)
		;
}

/* Handles one signal; returns 1 when the process was reaped (status in *ws). */
static int handle_signal(struct foreground *f, int *ws)
{
	struct signalfd_siginfo si;
	if (read(f->sigfd, &si, sizeof(si)) != sizeof(si))
		return 0;
	if (si.ssi_signo == SIGCHLD) {
		int status, reaped = 0;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid == f->pid) {
				*ws = status;
				reaped = 1;
			}
		}
		return reaped;
	}
	if (si.ssi_signo == SIGWINCH) {
		if (f->master >= 0)
			petrel_terminal_copy_winsize(STDIN_FILENO, f->master);
		return 0;
	}
	petrel_pidfd_signal(f->pidfd, (int)si.ssi_signo, NULL);
	return 0;
}

static int add_fd(int epfd, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int wait_foreground(struct foreground *f, struct petrel_error **err)
{
	int ws = 0;
	if (add_fd(f->epfd, f->sigfd) < 0)
		return petrel_error_errno(err, "epoll");
	if (f->master >= 0) {
		fcntl(f->master, F_SETFL, fcntl(f->master, F_GETFL) | O_NONBLOCK);
		if (add_fd(f->epfd, f->master) < 0)
			return petrel_error_errno(err, "epoll");
		/* stdin may be a file or /dev/null, which epoll refuses. */
		f->stdin_open = add_fd(f->epfd, STDIN_FILENO) == 0;
	}
	/* The process may have exited before the signalfd existed. */
	pid_t pid = waitpid(f->pid, &ws, WNOHANG);
	if (pid == f->pid)
		goto done;
	for (;;) {
		struct epoll_event events[4];
		int n = epoll_wait(f->epfd, events, 4, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return petrel_error_errno(err, "epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;
			if (fd == f->sigfd) {
				if (handle_signal(f, &ws))
					goto done;
			} else if (fd == f->master) {
				if (pump(f->master, STDOUT_FILENO) < 0) {
					epoll_ctl(f->epfd, EPOLL_CTL_DEL, f->master, NULL);
				}
			} else if (fd == STDIN_FILENO) {
				if (pump(STDIN_FILENO, f->master) < 0) {
					epoll_ctl(f->epfd, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
					f->stdin_open = false;
				}
			}
		}
	}
done:
	drain_master(f);
	return exit_status(ws);
}

int petrel_foreground_wait(pid_t pid, int pidfd, int master, const sigset_t *forward,
			   struct petrel_error **err)
{
	struct foreground f = {.pid = pid, .pidfd = pidfd, .master = master};
	struct termios saved;
	bool raw = false;
	int status = -1;
	f.sigfd = signalfd(-1, forward, SFD_CLOEXEC | SFD_NONBLOCK);
	f.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (f.sigfd < 0 || f.epfd < 0) {
		petrel_error_errno(err, "signalfd");
	} else {
		if (f.master >= 0 && isatty(STDIN_FILENO))
			raw = petrel_terminal_make_raw(STDIN_FILENO, &saved, NULL) == 0;
		status = wait_foreground(&f, err);
		if (raw)
			petrel_terminal_restore(STDIN_FILENO, &saved);
	}
	if (f.sigfd >= 0)
		close(f.sigfd);
	if (f.epfd >= 0)
		close(f.epfd);
	return status;
}

void petrel_forwarded_signals_restore(const sigset_t *forward, const sigset_t *old)
{
	struct timespec now = {0, 0};
	while (sigtimedwait(forward, NULL, &now) > 0)
		;
	sigprocmask(SIG_SETMASK, old, NULL);
}

int petrel_foreground_finish(struct petrel_created *cr, const char *root, const char *id, bool keep,
			     const sigset_t *forward, const sigset_t *old,
			     struct petrel_error **err)
{
	/* Other commands may use the container while it runs. */
	petrel_container_free(cr->container);
	cr->container = NULL;
	int status = petrel_foreground_wait(cr->pid, cr->pidfd, cr->pty_master, forward, err);
	petrel_created_release(cr);
	if (!keep) {
		struct petrel_error *e = NULL;
		if (petrel_delete(root, id, true, &e) < 0)
			petrel_warn("delete: %s", petrel_error_message(e));
		petrel_error_free(e);
	}
	/* Only now: a signal still pending must not stop petrel before the
	 * container is deleted. */
	petrel_forwarded_signals_restore(forward, old);
	return status;
}

int petrel_run(const struct petrel_create_options *o, bool detach, bool keep, bool no_subreaper,
	       struct petrel_error **err)
{
	/* Signals blocked before the container exists, so that none meant
	 * for it is lost; the init unblocks them for itself. */
	sigset_t forward, old;
	if (!detach && petrel_foreground_prepare(no_subreaper, &forward, &old, err) < 0)
		return -1;
	struct petrel_created cr;
	if (petrel_create_container(o, !detach, &cr, err) < 0)
		goto fail_unblock;
	/* The window petrel runs in sizes the container's terminal before
	 * the process starts (consoleSize stands when there is none). */
	struct winsize ws;
	if (cr.pty_master >= 0 && isatty(STDIN_FILENO) &&
	    ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		petrel_terminal_copy_winsize(STDIN_FILENO, cr.pty_master);
	if (petrel_start_locked(cr.container, err) < 0) {
		petrel_delete_locked(cr.container, true, NULL);
		petrel_created_release(&cr);
		goto fail_unblock;
	}
	if (detach) {
		petrel_created_release(&cr);
		return 0;
	}
	return petrel_foreground_finish(&cr, o->root, o->id, keep, &forward, &old, err);

fail_unblock:
	if (!detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return -1;
}
