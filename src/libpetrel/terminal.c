/* Terminals: the container's pty, made inside the container from its own
 * devpts, handed over --console-socket with SCM_RIGHTS, and the raw mode and
 * window-size helpers for relaying a pty to petrel's own terminal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "clone.h"
#include "terminal.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define CONSOLE_PATH "/dev/console"

/* The largest pty name payload accepted from a console socket; runc sends a
 * path, so anything near this is not a pty name. */
#define MAX_NAME_PAYLOAD 4096

/* How many fds one message may carry before we call it truncated; extras are
 * closed, the first is kept. */
#define MAX_FDS_PER_MESSAGE 8

/* Connects to the unix stream socket at path for the flag what names. */
static int socket_connect(const char *what, const char *path, struct petrel_error **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int fd = -1;
	cleanup_close int dirfd = -1;
	cleanup_free char *copy = NULL;

	if (path == NULL || path[0] == '\0')
		return petrel_error_set(err, EINVAL, "connect to %s \"\"", what);

	if (strlen(path) < sizeof(addr.sun_path)) {
		strcpy(addr.sun_path, path);
	} else {
		/* Too long for sun_path: reach it through its directory's fd,
		 * as containerd's deep state paths can be. */
		copy = strdup(path);
		if (copy == NULL)
			return petrel_error_set(err, ENOMEM, "connect to %s \"%s\"", what, path);
		char *slash = strrchr(copy, '/');
		const char *base = slash ? slash + 1 : copy;
		if (slash == copy)
			dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		else if (slash) {
			*slash = '\0';
			dirfd = open(copy, O_PATH | O_DIRECTORY | O_CLOEXEC);
		} else
			dirfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return petrel_error_errno(err, "connect to %s \"%s\"", what, path);
		int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", dirfd,
				 base);
		if (n < 0 || (size_t)n >= sizeof(addr.sun_path))
			return petrel_error_set(err, ENAMETOOLONG, "connect to %s \"%s\"", what,
						path);
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return petrel_error_errno(err, "connect to %s \"%s\": socket", what, path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return petrel_error_errno(err, "connect to %s \"%s\"", what, path);
	return steal_fd(&fd);
}

int petrel_console_socket_connect(const char *path, struct petrel_error **err)
{
	return socket_connect("console socket", path, err);
}

int petrel_pidfd_socket_send(const char *path, pid_t pid, int pidfd, const char *kind,
			     struct petrel_error **err)
{
	cleanup_close int own = -1;
	if (pidfd < 0 && (pidfd = own = petrel_pidfd_open(pid, err)) < 0)
		return petrel_error_prefix(err, "--pidfd-socket");
	cleanup_close int fd = socket_connect("pidfd socket", path, err);
	if (fd < 0)
		return -1;
	if (petrel_terminal_send_fd(fd, pidfd, kind, err) < 0)
		return petrel_error_prefix(err, "--pidfd-socket");
	return 0;
}

/* The pty's number as its devpts path; TIOCGPTN rather than ptsname() since
 * glibc's ptsname() also stats the path, which must not matter here. */
static int pty_name(int master, char *buf, size_t size)
{
	unsigned int n;
	if (ioctl(master, TIOCGPTN, &n) < 0)
		return -1;
	int r = snprintf(buf, size, "/dev/pts/%u", n);
	if (r < 0 || (size_t)r >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int open_peer(int master, const char *name, struct petrel_error **err)
{
	int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	/* Kernels before 4.13 lack TIOCGPTPEER; the path is the fallback. */
	if (errno != EINVAL && errno != ENOTTY)
		return petrel_error_errno(err, "open the peer of the pty \"%s\"", name);
	fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return petrel_error_errno(err, "open \"%s\"", name);
	return fd;
}

/* The spec wants /dev/console to be the pty when there is a terminal. The
 * file is made when missing (a tmpfs /dev has none); a symlink there is
 * refused rather than followed. */
static int mount_console(const char *name, struct petrel_error **err)
{
	struct stat st;
	if (lstat(CONSOLE_PATH, &st) < 0) {
		if (errno != ENOENT)
			return petrel_error_errno(err, "stat \"%s\"", CONSOLE_PATH);
		int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;
		int fd = open(CONSOLE_PATH, flags, 0600);
		if (fd < 0 && errno != EEXIST)
			return petrel_error_errno(err, "create \"%s\"", CONSOLE_PATH);
		if (fd >= 0)
			close(fd);
		if (lstat(CONSOLE_PATH, &st) < 0)
			return petrel_error_errno(err, "stat \"%s\"", CONSOLE_PATH);
	}
	if (S_ISLNK(st.st_mode))
		return petrel_error_set(err, ELOOP, "bind-mount \"%s\" on \"%s\"", name,
					CONSOLE_PATH);
	if (mount(name, CONSOLE_PATH, NULL, MS_BIND, NULL) < 0)
		return petrel_error_errno(err, "bind-mount \"%s\" on \"%s\"", name, CONSOLE_PATH);
	return 0;
}

/* Moves fd above 2: the init may run with stdio closed, and a pty fd that
 * landed on 0-2 would be closed or left CLOEXEC by the dup2() onto stdio. */
static int fd_above_stdio(int fd)
{
	if (fd < 0 || fd > 2)
		return fd;
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int saved = errno;
	close(fd);
	errno = saved;
	return moved;
}

static int setup_terminal(const struct oci_box *console_size, bool console,
			  struct petrel_error **err)
{
	cleanup_close int master = -1;
	cleanup_close int slave = -1;
	char name[64];

	master = fd_above_stdio(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
	if (master < 0)
		return petrel_error_errno(err, "terminal: open \"/dev/ptmx\"");
	if (unlockpt(master) < 0)
		return petrel_error_errno(err, "terminal: unlockpt");
	if (pty_name(master, name, sizeof(name)) < 0)
		return petrel_error_errno(err, "terminal: get the pty number");
	slave = open_peer(master, name, err);
	if (slave < 0)
		return petrel_error_prefix(err, "terminal");
	slave = fd_above_stdio(slave);
	if (slave < 0)
		return petrel_error_errno(err, "terminal: move \"%s\" above stdio", name);

	if (console_size) {
		struct winsize ws = {
			.ws_row = (unsigned short)console_size->height,
			.ws_col = (unsigned short)console_size->width,
		};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return petrel_error_errno(err, "terminal: set the size of \"%s\"", name);
	}

	if (console && mount_console(name, err) < 0)
		return petrel_error_prefix(err, "terminal");

	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return petrel_error_errno(err, "terminal: make \"%s\" the controlling terminal",
					  name);
	for (int i = 0; i <= 2; i++)
		if (dup2(slave, i) < 0)
			return petrel_error_errno(err, "terminal: dup \"%s\" onto fd %d", name, i);
	return steal_fd(&master);
}

int petrel_terminal_setup(const struct oci_box *console_size, struct petrel_error **err)
{
	return setup_terminal(console_size, true, err);
}

int petrel_terminal_setup_exec(const struct oci_box *console_size, struct petrel_error **err)
{
	return setup_terminal(console_size, false, err);
}

int petrel_terminal_send_fd(int socket_fd, int master_fd, const char *name,
			    struct petrel_error **err)
{
	char buf[64];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;

	if (name == NULL)
		name = pty_name(master_fd, buf, sizeof(buf)) == 0 ? buf : "";
	/* A stream socket carries no ancillary data without at least one
	 * byte, so an empty name is sent as a lone NUL. */
	struct iovec iov = {
		.iov_base = (void *)(name[0] ? name : "\0"),
		.iov_len = name[0] ? strlen(name) : 1,
	};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	memset(&control, 0, sizeof(control));
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &master_fd, sizeof(int));

	ssize_t r;
	do
		r = sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return petrel_error_errno(err, "send the fd (sendmsg)");
	return 0;
}

int petrel_terminal_recv_fd_name(int socket_fd, char **name, struct petrel_error **err)
{
	char payload[MAX_NAME_PAYLOAD];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS_PER_MESSAGE)];
	} control;
	struct iovec iov = {.iov_base = payload, .iov_len = sizeof(payload)};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	int fd = -1;
	ssize_t r;

	if (name)
		*name = NULL;
	memset(&control, 0, sizeof(control));
	do
		r = recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return petrel_error_errno(err, "receive the pty master");

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int got;
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = got;
			else
				close(got);
		}
	}
	if (msg.msg_flags & MSG_CTRUNC) {
		if (fd >= 0)
			close(fd);
		return petrel_error_set(err, EMSGSIZE,
					"receive the pty master: control data truncated");
	}
	if (fd < 0) {
		if (r == 0)
			return petrel_error_set(err, 0,
						"receive the pty master: connection closed");
		return petrel_error_set(err, 0,
					"receive the pty master: the message carried no fd");
	}

	if (name) {
		size_t len = (size_t)r;
		while (len > 0 && payload[len - 1] == '\0')
			len--;
		*name = strndup(payload, len);
		if (*name == NULL) {
			close(fd);
			return petrel_error_set(err, ENOMEM, "receive the pty master");
		}
	}
	return fd;
}

int petrel_terminal_recv_fd(int socket_fd, struct petrel_error **err)
{
	return petrel_terminal_recv_fd_name(socket_fd, NULL, err);
}

int petrel_terminal_make_raw(int fd, struct termios *saved, struct petrel_error **err)
{
	struct termios raw;
	if (tcgetattr(fd, saved) < 0)
		return petrel_error_errno(err, "get the terminal attributes");
	raw = *saved;
	/* Fully transparent, output processing included: the container's
	 * pty already did its own, and a full-screen program inside relies
	 * on a bare \n moving the cursor down without a carriage return. */
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return petrel_error_errno(err, "set the terminal to raw mode");
	return 0;
}

void petrel_terminal_restore(int fd, const struct termios *saved)
{
	while (tcsetattr(fd, TCSANOW, saved) < 0 && errno == EINTR)
		;
}

void petrel_terminal_copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

int petrel_terminal_send_to_console(int *console_fd, int master_fd, struct petrel_error **err)
{
	if (petrel_terminal_send_fd(*console_fd, master_fd, "", err) < 0)
		return petrel_error_prefix(err, "send terminal to console socket");
	close(*console_fd);
	*console_fd = -1;
	return 0;
}
