/* The messages between petrel and the container's init over a SEQPACKET
 * socketpair: requests to write id maps and run runtime hooks, the init's pid
 * when it was forked inside a joined pid namespace, the pty master, the
 * seccomp notify listener's fd number, "ready", and errors, which the init sends instead of printing them so that petrel
 * reports them in its own format. */
#ifndef PETREL_SYNC_H
#define PETREL_SYNC_H

#include <stdint.h>

#include "error.h"

enum petrel_sync_type {
	PETREL_SYNC_USERMAP,     /* init -> petrel: write the id maps of pid `value` */
	PETREL_SYNC_USERMAP_ACK, /* petrel -> init */
	PETREL_SYNC_CGROUP_ACK,  /* petrel -> init: it is in the container's cgroup */
	PETREL_SYNC_INIT_PID,    /* stage 1 -> petrel: the init is pid `value` */
	PETREL_SYNC_HOOKS,       /* init -> petrel: run prestart/createRuntime hooks */
	PETREL_SYNC_HOOKS_ACK,   /* petrel -> init */
	PETREL_SYNC_PTY,         /* init -> petrel: the pty master (with an fd) */
	PETREL_SYNC_SECCOMP,     /* init -> petrel: the notify listener is the init's fd `value` */
	PETREL_SYNC_READY,       /* init -> petrel: created, waiting for start */
	PETREL_SYNC_READY_ACK,   /* petrel -> init: state.json and pid file written */
	PETREL_SYNC_ERROR,       /* either way: text is the message, value errno */
};

struct petrel_sync_msg {
	uint32_t type;
	int32_t value;
	char text[4000];
};

/* Sends a message (and fd, when >= 0). */
int petrel_sync_send(int sock, enum petrel_sync_type type, int32_t value, const char *text, int fd,
		     struct petrel_error **err);
/* Sends a message without an fd with a single write(): the init's one system
 * call between installing a seccomp filter that may notify on sendmsg() and
 * petrel holding the listener (taken with pidfd_getfd()). */
int petrel_sync_write(int sock, enum petrel_sync_type type, int32_t value,
		      struct petrel_error **err);
/* Receives one message; *fd gets a passed fd or -1. EOF is an error that
 * says the peer died. */
int petrel_sync_recv(int sock, struct petrel_sync_msg *msg, int *fd, struct petrel_error **err);
/* Receives and checks the type; a PETREL_SYNC_ERROR becomes *err. */
int petrel_sync_expect(int sock, enum petrel_sync_type type, struct petrel_sync_msg *msg,
		       struct petrel_error **err);
/* Sends *err to the peer as a PETREL_SYNC_ERROR. */
void petrel_sync_send_error(int sock, struct petrel_error *err);

#endif
