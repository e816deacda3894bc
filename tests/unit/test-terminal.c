/* Unit tests for terminal.c: fd passing over unix sockets, the console
 * socket connection, raw mode and window sizes on pty pairs, and the
 * container-side pty setup in a forked child with its own mount namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "libpetrel/error.h"
#include "libpetrel/terminal.h"
#include "tap.h"

static char dir[] = "/tmp/petrel-test-terminal.XXXXXX";

/* A pty pair from posix_openpt(); the slave opened by name. */
static int open_pty(int *master, int *slave)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0 || grantpt(*master) < 0 || unlockpt(*master) < 0)
		return -1;
	const char *name = ptsname(*master);
	*slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	return *slave < 0 ? -1 : 0;
}

static void test_send_recv(void)
{
	int sv[2], p[2];
	struct petrel_error *err = NULL;
	char *name = NULL;
	char buf[32] = "";

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(p, O_CLOEXEC) < 0)
		abort();
	int r = petrel_terminal_send_fd(sv[0], p[1], "/dev/pts/7", &err);
	tap_ok(r == 0, "send_fd_succeeds_on_a_stream_socketpair");
	int fd = petrel_terminal_recv_fd_name(sv[1], &name, &err);
	tap_ok(fd >= 0 && fd != p[1], "recv_fd_returns_a_new_fd");
	tap_is_str(name, "/dev/pts/7", "recv_fd_returns_the_name_payload");
	tap_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "recv_fd_result_is_cloexec");
	close(p[1]);
	ssize_t w = fd >= 0 ? write(fd, "hello", 5) : -1;
	if (fd >= 0)
		close(fd);
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	tap_ok(w == 5 && n == 5 && memcmp(buf, "hello", 5) == 0,
	       "received_fd_is_the_sent_pipe_end");
	free(name);
	close(p[0]);

	/* A payload of zero bytes works where the socket type allows it. */
	int sq[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sq) < 0 ||
	    pipe2(p, O_CLOEXEC) < 0)
		abort();
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {.msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	if (sendmsg(sq[0], &msg, 0) < 0)
		abort();
	fd = petrel_terminal_recv_fd_name(sq[1], &name, &err);
	tap_ok(fd >= 0 && name && name[0] == '\0', "recv_fd_accepts_an_empty_payload%s%s",
	       fd < 0 ? ": " : "", fd < 0 ? petrel_error_message(err) : "");
	if (fd >= 0)
		close(fd);
	free(name);
	close(p[0]);
	close(p[1]);

	/* A peer that hangs up without sending is an error, not fd 0. */
	close(sq[0]);
	fd = petrel_terminal_recv_fd(sq[1], &err);
	tap_ok(fd < 0, "recv_fd_fails_when_the_peer_closed");
	tap_contains(fd < 0 ? petrel_error_message(err) : NULL, "connection closed",
		     "recv_fd_error_says_the_connection_closed");
	close(sq[1]);

	/* Data without an fd. */
	if (write(sv[0], "x", 1) != 1)
		abort();
	fd = petrel_terminal_recv_fd(sv[1], &err);
	tap_contains(fd < 0 ? petrel_error_message(err) : NULL, "no fd",
		     "recv_fd_fails_on_a_message_without_fd");
	close(sv[0]);
	close(sv[1]);
	petrel_error_free(err);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0)
		return -1;
	return fd;
}

static void test_connect(void)
{
	struct petrel_error *err = NULL;
	char *path, *missing, *deep, *want;

	if (asprintf(&path, "%s/console.sock", dir) < 0 ||
	    asprintf(&missing, "%s/missing.sock", dir) < 0)
		abort();
	int l = listen_unix(path);
	int fd = petrel_console_socket_connect(path, &err);
	tap_ok(l >= 0 && fd >= 0, "console_socket_connect_reaches_a_listener");
	tap_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "console_socket_fd_is_cloexec");
	if (fd >= 0)
		close(fd);
	close(l);

	fd = petrel_console_socket_connect(missing, &err);
	if (asprintf(&want, "connect to console socket \"%s\": No such file or directory",
		     missing) < 0)
		abort();
	tap_is_str(fd < 0 ? petrel_error_message(err) : "(connected)", want,
		   "console_socket_connect_error_names_the_path");
	free(want);

	/* Deeper than sun_path can hold: bound relative to its directory. */
	if (asprintf(&deep, "%s/%0150d", dir, 0) < 0 || mkdir(deep, 0700) < 0)
		abort();
	char *cwd = getcwd(NULL, 0);
	if (chdir(deep) < 0)
		abort();
	l = listen_unix("c.sock");
	if (chdir(cwd) < 0)
		abort();
	char *long_path;
	if (asprintf(&long_path, "%s/c.sock", deep) < 0)
		abort();
	fd = petrel_console_socket_connect(long_path, &err);
	tap_ok(l >= 0 && fd >= 0, "console_socket_connect_handles_paths_longer_than_sun_path%s%s",
	       fd < 0 ? ": " : "", fd < 0 ? petrel_error_message(err) : "");
	if (fd >= 0)
		close(fd);
	close(l);
	free(long_path);
	free(cwd);
	free(deep);
	free(path);
	free(missing);
	petrel_error_free(err);
}

static void test_raw_and_winsize(void)
{
	int m1, s1, m2, s2;
	struct petrel_error *err = NULL;
	if (open_pty(&m1, &s1) < 0 || open_pty(&m2, &s2) < 0) {
		tap_ok(true, "make_raw_and_restore # SKIP no ptys: %s", strerror(errno));
		return;
	}
	struct termios saved, now;
	int r = petrel_terminal_make_raw(s1, &saved, &err);
	tcgetattr(s1, &now);
	tap_ok(r == 0 && (saved.c_lflag & ICANON) && !(now.c_lflag & (ICANON | ECHO | ISIG)) &&
		       !(now.c_oflag & OPOST) && !(now.c_iflag & ICRNL),
	       "make_raw_turns_off_canonical_mode_echo_signals_and_output_processing");

	/* Raw: a byte without newline is readable at once, untranslated. */
	char c = 0;
	if (write(m1, "\r", 1) != 1)
		abort();
	ssize_t n = read(s1, &c, 1);
	tap_ok(n == 1 && c == '\r', "raw_pty_delivers_bytes_without_a_newline_untranslated");

	petrel_terminal_restore(s1, &saved);
	tcgetattr(s1, &now);
	tap_ok((now.c_lflag & ICANON) && (now.c_lflag & ECHO) && (now.c_iflag & ICRNL),
	       "restore_brings_back_the_saved_attributes");

	tap_ok(petrel_terminal_make_raw(open("/dev/null", O_RDONLY | O_CLOEXEC), &saved, &err) < 0,
	       "make_raw_fails_on_a_non_terminal");

	struct winsize ws = {.ws_row = 37, .ws_col = 123}, got = {0};
	ioctl(s1, TIOCSWINSZ, &ws);
	petrel_terminal_copy_winsize(s1, m2);
	ioctl(s2, TIOCGWINSZ, &got);
	tap_ok(got.ws_row == 37 && got.ws_col == 123,
	       "copy_winsize_gives_the_master_the_source_size (%ux%u)", got.ws_row, got.ws_col);
	close(m1);
	close(s1);
	close(m2);
	close(s2);
	petrel_error_free(err);
}

/* Child side of the setup tests: optionally chroots into a minimal /dev
 * without a console (ptmx a symlink into pts, as in containers), sets up the
 * terminal, sends the master to the parent and reports what its stdio became
 * on that very terminal. */
enum setup_mode { SETUP_HOST_DEV, SETUP_MINIMAL_ROOT, SETUP_STDIO_CLOSED };

static void __attribute__((noreturn)) setup_child(int sock, enum setup_mode mode)
{
	struct petrel_error *err = NULL;
	struct oci_box size = {.height = 33, .has_height = true, .width = 111, .has_width = true};
	char report[512];
	FILE *log = fdopen(dup(2), "w");

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(log, "mount namespace: %s\n", strerror(errno));
		_exit(10);
	}
	bool console_before = access("/dev/console", F_OK) == 0;
	if (mode == SETUP_MINIMAL_ROOT) {
		char dev[256], pts[256], ptmx[256];
		snprintf(dev, sizeof(dev), "%s/dev", dir);
		snprintf(pts, sizeof(pts), "%s/dev/pts", dir);
		snprintf(ptmx, sizeof(ptmx), "%s/dev/ptmx", dir);
		if (mount("tmpfs", dir, "tmpfs", 0, "mode=755") < 0 || mkdir(dev, 0755) < 0 ||
		    mkdir(pts, 0755) < 0 || symlink("pts/ptmx", ptmx) < 0 ||
		    mount("/dev/pts", pts, NULL, MS_BIND, NULL) < 0 || chroot(dir) < 0 ||
		    chdir("/") < 0) {
			fprintf(log, "minimal root: %s\n", strerror(errno));
			_exit(11);
		}
		console_before = access("/dev/console", F_OK) == 0;
	}
	if (setsid() < 0)
		_exit(12);
	if (mode == SETUP_STDIO_CLOSED)
		for (int i = 0; i <= 2; i++)
			close(i);

	int master = petrel_terminal_setup(&size, &err);
	if (master < 0) {
		fprintf(log, "%s\n", petrel_error_message(err));
		_exit(13);
	}
	if (petrel_terminal_send_fd(sock, master, NULL, &err) < 0) {
		fprintf(log, "%s\n", petrel_error_message(err));
		_exit(14);
	}
	close(master);

	struct stat console, in, out, errst;
	struct winsize ws = {0};
	char name[64] = "";
	/* Without /proc (the minimal root) glibc finds the name in /dev/pts. */
	if (!isatty(0) || ttyname_r(0, name, sizeof(name)) != 0)
		snprintf(name, sizeof(name), "%s", isatty(0) ? "unknown" : "not-a-tty");
	ioctl(0, TIOCGWINSZ, &ws);
	bool console_is_pty = stat("/dev/console", &console) == 0 && fstat(0, &in) == 0 &&
			      S_ISCHR(console.st_mode) && console.st_rdev == in.st_rdev;
	bool same_stdio = fstat(1, &out) == 0 && fstat(2, &errst) == 0 &&
			  out.st_rdev == in.st_rdev && errst.st_rdev == in.st_rdev;
	bool ctty = tcgetsid(0) == getsid(0);
	snprintf(report, sizeof(report),
		 "tty=%s size=%ux%u console_before=%d console_is_pty=%d same_stdio=%d ctty=%d\n",
		 name, ws.ws_row, ws.ws_col, console_before, console_is_pty, same_stdio, ctty);
	if (write(1, report, strlen(report)) < 0)
		_exit(15);
	_exit(0);
}

/* Runs setup_child() and returns what it wrote on the pty and the name it
 * sent; *status is its wait status. */
static char *run_setup_child(enum setup_mode mode, char **name, int *status)
{
	int sv[2];
	struct petrel_error *err = NULL;
	char *out = NULL;
	size_t size = 0;

	*name = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		setup_child(sv[1], mode);
	}
	close(sv[1]);
	int master = petrel_terminal_recv_fd_name(sv[0], name, &err);
	close(sv[0]);
	FILE *m = open_memstream(&out, &size);
	if (master >= 0) {
		char buf[512];
		ssize_t n;
		/* EIO: the child exited and took the last slave fd with it. */
		while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0)
				fwrite(buf, 1, (size_t)n, m);
		close(master);
	} else {
		printf("# %s\n", petrel_error_message(err));
	}
	fclose(m);
	waitpid(pid, status, 0);
	petrel_error_free(err);
	return out;
}

static void test_setup(void)
{
	if (geteuid() != 0 || access("/dev/ptmx", R_OK | W_OK) < 0) {
		tap_ok(true, "terminal_setup # SKIP needs root and /dev/ptmx");
		return;
	}
	int status;
	char *name, *want;
	char *out = run_setup_child(SETUP_HOST_DEV, &name, &status);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "terminal_setup_succeeds_in_a_session_leader (status %d)", status);
	tap_contains(name, "/dev/pts/", "terminal_setup_master_is_sent_with_its_pts_name");
	if (asprintf(&want, "tty=%s ", name ? name : "?") < 0)
		abort();
	tap_contains(out, want, "terminal_setup_stdin_is_the_pty_whose_master_was_returned");
	tap_contains(out, "size=33x111", "terminal_setup_applies_console_size");
	tap_contains(out, "same_stdio=1", "terminal_setup_makes_the_pty_stdout_and_stderr");
	tap_contains(out, "ctty=1", "terminal_setup_makes_the_pty_the_controlling_terminal");
	tap_contains(out, "console_before=1 console_is_pty=1",
		     "terminal_setup_binds_the_pty_on_an_existing_dev_console");
	tap_contains(out, "\r\n", "terminal_setup_master_reads_what_the_child_wrote");
	free(want);
	free(out);
	free(name);

	out = run_setup_child(SETUP_MINIMAL_ROOT, &name, &status);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "terminal_setup_succeeds_in_a_root_without_dev_console (status %d)", status);
	if (asprintf(&want, "tty=%s ", name ? name : "?") < 0)
		abort();
	tap_contains(out, want, "terminal_setup_stdin_is_the_sent_pty_in_a_minimal_root");
	free(want);
	tap_contains(out, "console_before=0 console_is_pty=1",
		     "terminal_setup_creates_dev_console_and_binds_the_pty_on_it");
	free(out);
	free(name);

	/* The pty fds must not land on 0-2 and be undone by the dup2(). */
	out = run_setup_child(SETUP_STDIO_CLOSED, &name, &status);
	if (asprintf(&want, "tty=%s size=33x111", name ? name : "?") < 0)
		abort();
	tap_contains(out, want, "terminal_setup_works_with_stdio_closed");
	tap_contains(out, "same_stdio=1", "terminal_setup_with_stdio_closed_fills_all_three");
	free(want);
	free(out);
	free(name);
}

/* Without setsid() the pty cannot become the controlling terminal, and the
 * error says so. */
static void test_setup_needs_session(void)
{
	if (geteuid() != 0 || access("/dev/ptmx", R_OK | W_OK) < 0) {
		tap_ok(true, "terminal_setup_without_setsid # SKIP needs root and /dev/ptmx");
		return;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		struct petrel_error *err = NULL;
		close(p[0]);
		/* A process group leader cannot setsid(), so a fresh child of
		 * ours is not a session leader. */
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(10);
		int r = petrel_terminal_setup(NULL, &err);
		const char *msg = r < 0 ? petrel_error_message(err) : "(succeeded)";
		if (write(p[1], msg, strlen(msg)) < 0)
			_exit(11);
		_exit(0);
	}
	close(p[1]);
	char buf[512] = "";
	ssize_t n = read(p[0], buf, sizeof(buf) - 1);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
	tap_contains(buf, "the controlling terminal: Operation not permitted",
		     "terminal_setup_outside_a_session_leader_names_the_failure");
}

int main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_send_recv();
	test_connect();
	test_raw_and_winsize();
	test_setup();
	test_setup_needs_session();

	tap_remove_tree(dir);
	return tap_done();
}
