/* Parent/init messages over a SEQPACKET socketpair, fds passed with
 * SCM_RIGHTS. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sync.h"

int petrel_sync_send(int sock, enum petrel_sync_type type, int32_t value, const char *text, int fd,
		     struct petrel_error **err)
{
	struct petrel_sync_msg msg = {.type = type, .value = value};
	size_t len = offsetof(struct petrel_sync_msg, text);
	if (text) {
		size_t n = strnlen(text, sizeof(msg.text) - 1);
		memcpy(msg.text, text, n);
		len += n + 1;
	}
	struct iovec iov = {.iov_base = &msg, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return petrel_error_errno(err, "sync: send");
	}
	return 0;
}

int petrel_sync_write(int sock, enum petrel_sync_type type, int32_t value,
		      struct petrel_error **err)
{
	struct petrel_sync_msg msg = {.type = type, .value = value};
	while (write(sock, &msg, offsetof(struct petrel_sync_msg, text)) < 0) {
		if (errno != EINTR)
			return petrel_error_errno(err, "sync: send");
	}
	return 0;
}

int petrel_sync_recv(int sock, struct petrel_sync_msg *msg, int *fd, struct petrel_error **err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = msg, .iov_len = sizeof(*msg)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf)};
	ssize_t n;
	if (fd)
		*fd = -1;
	memset(msg, 0, offsetof(struct petrel_sync_msg, text) + 1);
	/* A peer that exited with a message of ours unread makes the next
	 * receive fail once with ECONNRESET; what it sent before is still
	 * queued, and is what tells why it exited. */
	bool reset = false;
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0) {
		if (errno == ECONNRESET && !reset) {
			reset = true;
			continue;
		}
		if (errno != EINTR)
			return petrel_error_errno(err, "sync: receive");
	}
	if (n == 0)
		return petrel_error_set(err, 0, "container init exited unexpectedly");
	if ((size_t)n < offsetof(struct petrel_sync_msg, text))
		return petrel_error_set(err, 0, "sync: short message");
	msg->text[sizeof(msg->text) - 1] = '\0';
	if ((size_t)n == offsetof(struct petrel_sync_msg, text))
		msg->text[0] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int passed;
			memcpy(&passed, CMSG_DATA(c), sizeof(int));
			if (fd && *fd < 0)
				*fd = passed;
			else
				close(passed);
		}
	}
	return 0;
}

int petrel_sync_expect(int sock, enum petrel_sync_type type, struct petrel_sync_msg *msg,
		       struct petrel_error **err)
{
	if (petrel_sync_recv(sock, msg, NULL, err) < 0)
		return -1;
	if (msg->type == PETREL_SYNC_ERROR)
		return petrel_error_set(err, msg->value, "%s", msg->text);
	if (msg->type != type)
		return petrel_error_set(err, 0, "sync: expected message %u, got %u", type,
					msg->type);
	return 0;
}

void petrel_sync_send_error(int sock, struct petrel_error *err)
{
	petrel_sync_send(sock, PETREL_SYNC_ERROR, err ? err->errnum : 0,
			 err ? err->msg : "unknown error", -1, NULL);
}
