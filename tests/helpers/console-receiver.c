/* console-receiver: the tests' stand-in for conmon's or containerd's
 * --console-socket receiver. It takes one pty master over the socket, can
 * type into it, and records everything the container writes until it exits.
 *
 *   console-receiver SOCKET_PATH OUTPUT_FILE [--write TEXT]
 *   console-receiver SOCKET_PATH OUTPUT_FILE --pidfd
 *
 * With --pidfd it stands in for a --pidfd-socket receiver instead: the fd
 * it takes must be a pidfd; OUTPUT_FILE gets "<payload> <pid>" (the pid
 * from the fd's fdinfo), then the receiver waits until that process exits
 * (the pidfd polls readable) and appends "exited".
 *
 * SOCKET_PATH appears only once the socket listens, so a test may start the
 * runtime as soon as the path exists. The received pty name goes to stderr
 * as `console-receiver: received <name>`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libpetrel/cleanup.h"
#include "libpetrel/error.h"
#include "libpetrel/terminal.h"

static int fail(const char *what)
{
	fprintf(stderr, "console-receiver: %s: %s\n", what, strerror(errno));
	return 1;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Binds under a temporary name and renames into place after listen(), so
 * that the path existing means a connect() succeeds. */
static int listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char tmp[sizeof(addr.sun_path)];
	int n = snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, tmp);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0 ||
	    rename(tmp, path) < 0) {
		int saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The pid a pidfd refers to, from its fdinfo; -1 when fd is no pidfd. */
static long pidfd_pid(int fd)
{
	char path[64], line[256];
	long pid = -1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %ld", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

static int receive_pidfd(int fd, const char *name, int out)
{
	char text[128];
	long pid = pidfd_pid(fd);
	if (pid <= 0) {
		fprintf(stderr, "console-receiver: the fd received is no pidfd\n");
		return 1;
	}
	int n = snprintf(text, sizeof(text), "%s %ld\n", name, pid);
	if (write_all(out, text, (size_t)n) < 0)
		return fail("write the output");
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return fail("poll the pidfd");
	if (write_all(out, "exited\n", 7) < 0)
		return fail("write the output");
	return 0;
}

int main(int argc, char **argv)
{
	cleanup_close int listener = -1, conn = -1, master = -1, out = -1;
	cleanup_error struct petrel_error *err = NULL;
	cleanup_free char *name = NULL;
	const char *text = NULL;
	bool pidfd = false;

	if (argc == 5 && strcmp(argv[3], "--write") == 0)
		text = argv[4];
	else if (argc == 4 && strcmp(argv[3], "--pidfd") == 0)
		pidfd = true;
	else if (argc != 3) {
		fprintf(stderr, "usage: console-receiver SOCKET_PATH OUTPUT_FILE "
				"[--write TEXT | --pidfd]\n");
		return 2;
	}

	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return fail(argv[2]);
	listener = listen_at(argv[1]);
	if (listener < 0)
		return fail(argv[1]);
	do
		conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	if (conn < 0)
		return fail("accept");

	master = petrel_terminal_recv_fd_name(conn, &name, &err);
	if (master < 0) {
		fprintf(stderr, "console-receiver: %s\n", petrel_error_message(err));
		return 1;
	}
	fprintf(stderr, "console-receiver: received %s\n", name);
	if (pidfd)
		return receive_pidfd(master, name, out);

	if (text && write_all(master, text, strlen(text)) < 0)
		return fail("write to the pty master");

	/* EIO on the master is the pty's EOF: every slave fd was closed. */
	char buf[8192];
	for (;;) {
		ssize_t r = read(master, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 || (r < 0 && errno == EIO))
			break;
		if (r < 0)
			return fail("read the pty master");
		if (write_all(out, buf, (size_t)r) < 0)
			return fail(argv[2]);
	}
	return 0;
}
