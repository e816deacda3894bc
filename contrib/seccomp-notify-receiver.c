/* seccomp-notify-receiver: a minimal seccomp agent for containers whose
 * profile uses SCMP_ACT_NOTIFY, to try linux.seccomp.listenerPath out and to
 * test it. Plain libc and the kernel's headers; no JSON library.
 *
 *   seccomp-notify-receiver [--errno N | --allow | --continue] [--once] SOCKET_PATH
 *
 * It listens on the unix socket SOCKET_PATH (the path appears only once the
 * socket listens, so a runtime may be started as soon as it exists) and, for
 * each connection, receives the seccomp listener fd (SCM_RIGHTS) and the
 * container process state, which it prints on one line of stdout. Then it
 * answers every notification on that listener, printing
 * `syscall <nr> pid <pid>` for each:
 *   --errno N    the call fails with errno N (default: --errno 1, EPERM)
 *   --allow      the call returns 0 without being made
 *   --continue   the kernel makes the call as if there were no filter
 *                (SECCOMP_USER_NOTIF_FLAG_CONTINUE; Linux >= 5.5)
 * A listener is closed when no process uses its filter any more; with --once
 * the receiver then exits. SIGINT and SIGTERM remove the socket and exit 0.
 * Build: cc -o seccomp-notify-receiver contrib/seccomp-notify-receiver.c */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_LISTENERS 64
#define MAX_FDS 16
#define MAX_STATE (1 << 20)

enum answer { ANSWER_ERRNO, ANSWER_ALLOW, ANSWER_CONTINUE };

static enum answer answer = ANSWER_ERRNO;
static int answer_errno = EPERM;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: seccomp-notify-receiver [--errno N | --allow | --continue] [--once] "
		"SOCKET_PATH\n");
	return 2;
}

static void warn_errno(const char *what)
{
	fprintf(stderr, "seccomp-notify-receiver: %s: %s\n", what, strerror(errno));
}

/* Binds under a temporary name and renames into place after listen(), so
 * that the path existing means a connect() succeeds. */
static int listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s.%d", path, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(addr.sun_path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0 ||
	    rename(addr.sun_path, path) < 0) {
		int e = errno;
		unlink(addr.sun_path);
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The position of "seccompFd" in the state's "fds" array, or -1. A minimal
 * scan, not a JSON parser: the names in "fds" are plain strings. */
static int seccomp_fd_index(const char *json)
{
	const char *p = strstr(json, "\"fds\"");
	if (p == NULL)
		return -1;
	p += strlen("\"fds\"");
	p += strspn(p, " \t\r\n");
	if (*p++ != ':')
		return -1;
	p += strspn(p, " \t\r\n");
	if (*p++ != '[')
		return -1;
	for (int index = 0;; index++) {
		p += strspn(p, " \t\r\n,");
		if (*p != '"')
			return -1;
		const char *end = strchr(p + 1, '"');
		if (end == NULL)
			return -1;
		if (end - p - 1 == (ptrdiff_t)strlen("seccompFd") &&
		    strncmp(p + 1, "seccompFd", end - p - 1) == 0)
			return index;
		p = end + 1;
	}
}

/* Reads one connection: the fds of every message and the payload until EOF.
 * Returns the listener fd (the one "fds" names seccompFd, or the only one),
 * or -1. */
static int receive_state(int conn)
{
	int fds[MAX_FDS], nfds = 0, listener = -1;
	size_t len = 0;
	char *json = malloc(MAX_STATE + 1);
	if (json == NULL) {
		warn_errno("malloc");
		return -1;
	}
	for (;;) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		} control;
		struct iovec iov = {.iov_base = json + len, .iov_len = MAX_STATE - len};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = control.buf,
				     .msg_controllen = sizeof(control.buf)};
		if (iov.iov_len == 0) {
			fprintf(stderr, "seccomp-notify-receiver: state longer than %d bytes\n",
				MAX_STATE);
			goto out;
		}
		ssize_t r = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			warn_errno("recvmsg");
			goto out;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < n; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (nfds < MAX_FDS)
					fds[nfds++] = fd;
				else
					close(fd);
			}
		}
		if (msg.msg_flags & MSG_CTRUNC)
			fprintf(stderr, "seccomp-notify-receiver: some fds were dropped\n");
		if (r == 0)
			break;
		len += (size_t)r;
	}
	json[len] = '\0';
	/* One line per state, whatever the sender's formatting. */
	for (size_t i = 0; i < len; i++) {
		if (json[i] == '\n' || json[i] == '\r')
			json[i] = ' ';
	}
	printf("%s\n", json);

	int index = seccomp_fd_index(json);
	if (index < 0 && nfds == 1)
		index = 0;
	if (index < 0 || index >= nfds)
		fprintf(stderr, "seccomp-notify-receiver: no seccompFd among the %d fds received\n",
			nfds);
	else
		listener = fds[index];
out:
	for (int i = 0; i < nfds; i++) {
		if (fds[i] != listener)
			close(fds[i]);
	}
	free(json);
	return listener;
}

/* Answers one notification; false when the listener is unusable. */
static bool serve(int listener, struct seccomp_notif *req, size_t req_size,
		  struct seccomp_notif_resp *resp, size_t resp_size)
{
	memset(req, 0, req_size);
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
		/* ENOENT: the caller went away (a signal) before we looked. */
		if (errno == EINTR || errno == ENOENT)
			return true;
		warn_errno("SECCOMP_IOCTL_NOTIF_RECV");
		return false;
	}
	printf("syscall %d pid %u\n", req->data.nr, req->pid);
	memset(resp, 0, resp_size);
	resp->id = req->id;
	switch (answer) {
	case ANSWER_ERRNO:
		resp->error = -answer_errno;
		break;
	case ANSWER_ALLOW:
		break;
	case ANSWER_CONTINUE:
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		break;
	}
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT) {
		warn_errno("SECCOMP_IOCTL_NOTIF_SEND");
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	bool once = false;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--errno") == 0 && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end != '\0' || n < 0 || n > 4095)
				return usage();
			answer = n == 0 ? ANSWER_ALLOW : ANSWER_ERRNO;
			answer_errno = (int)n;
		} else if (strcmp(argv[i], "--allow") == 0) {
			answer = ANSWER_ALLOW;
		} else if (strcmp(argv[i], "--continue") == 0) {
			answer = ANSWER_CONTINUE;
		} else if (strcmp(argv[i], "--once") == 0) {
			once = true;
		} else {
			return usage();
		}
	}
	if (argc - i != 1)
		return usage();
	const char *path = argv[i];

	/* The kernel's structs may be larger than the headers' ones. */
	struct seccomp_notif_sizes sizes = {0};
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
		warn_errno("SECCOMP_GET_NOTIF_SIZES");
		return 1;
	}
	size_t req_size = sizes.seccomp_notif > sizeof(struct seccomp_notif)
				  ? sizes.seccomp_notif
				  : sizeof(struct seccomp_notif);
	size_t resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
				   ? sizes.seccomp_notif_resp
				   : sizeof(struct seccomp_notif_resp);
	struct seccomp_notif *req = calloc(1, req_size);
	struct seccomp_notif_resp *resp = calloc(1, resp_size);
	if (req == NULL || resp == NULL) {
		warn_errno("calloc");
		return 1;
	}

	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	int server = listen_at(path);
	if (server < 0) {
		fprintf(stderr, "seccomp-notify-receiver: listen on %s: %s\n", path,
			strerror(errno));
		return 1;
	}

	struct pollfd pfds[1 + MAX_LISTENERS];
	int nlisteners = 0, status = 0;
	pfds[0] = (struct pollfd){.fd = server, .events = POLLIN};
	while (!stopping) {
		if (poll(pfds, 1 + nlisteners, -1) < 0) {
			if (errno == EINTR)
				continue;
			warn_errno("poll");
			status = 1;
			break;
		}
		if (pfds[0].revents & POLLIN) {
			int conn = accept4(server, NULL, NULL, SOCK_CLOEXEC);
			if (conn < 0) {
				if (errno != EINTR && errno != ECONNABORTED)
					warn_errno("accept");
			} else {
				int listener = receive_state(conn);
				close(conn);
				if (listener >= 0 && nlisteners == MAX_LISTENERS) {
					fprintf(stderr,
						"seccomp-notify-receiver: more than %d "
						"listeners, closing the new one\n",
						MAX_LISTENERS);
					close(listener);
				} else if (listener >= 0) {
					pfds[1 + nlisteners++] =
						(struct pollfd){.fd = listener, .events = POLLIN};
				}
			}
		}
		bool closed_one = false;
		for (int k = 1; k <= nlisteners; k++) {
			/* Pending notifications first: the last user of a filter
			 * may wait on one while the others are gone. */
			if (pfds[k].revents & POLLIN) {
				if (serve(pfds[k].fd, req, req_size, resp, resp_size))
					continue;
			} else if (!(pfds[k].revents & (POLLHUP | POLLERR | POLLNVAL))) {
				continue;
			}
			fprintf(stderr, "seccomp-notify-receiver: listener closed\n");
			close(pfds[k].fd);
			pfds[k] = pfds[nlisteners--];
			k--;
			closed_one = true;
		}
		if (once && closed_one)
			break;
	}
	close(server);
	unlink(path);
	free(req);
	free(resp);
	return status;
}
