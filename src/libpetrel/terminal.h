/* Terminals: the container's pty (made inside the container from its own
 * devpts), sending the master over --console-socket with SCM_RIGHTS as runc
 * does, consoleSize, and relaying a master to petrel's own stdio for `run` in
 * the foreground. */
#ifndef PETREL_TERMINAL_H
#define PETREL_TERMINAL_H

#include <sys/types.h>
#include <termios.h>

#include "error.h"
#include "libocispec/ocispec.h"

/* Connects to the console socket path (a unix stream socket); returns the fd
 * (O_CLOEXEC). Paths longer than sun_path are reached through their
 * directory. Error: `connect to console socket "<path>": <why>`. */
int petrel_console_socket_connect(const char *path, struct petrel_error **err);
/* --pidfd-socket: connects to the unix stream socket at path and sends it
 * a pidfd of pid (pidfd itself, or a new one when it is -1) with
 * SCM_RIGHTS, kind as the payload ("standard" for a container's init,
 * "setns" for an exec'd process, as runc names them). */
int petrel_pidfd_socket_send(const char *path, pid_t pid, int pidfd, const char *kind,
			     struct petrel_error **err);

/* In the init, after pivot_root (so /dev/ptmx is the container's): opens a
 * new pty, applies consoleSize (may be NULL), bind-mounts the slave on
 * /dev/console (creating an empty /dev/console first when missing; a symlink
 * there is refused), makes the slave the controlling terminal and
 * stdin/stdout/stderr, and returns the master fd (O_CLOEXEC). Requires
 * setsid() already done. The slave stays owned by the creating user: the
 * caller fchown()s fds 0-2 to the process user when it switches user. */
int petrel_terminal_setup(const struct oci_box *console_size, struct petrel_error **err);
/* The same for a process `exec` adds: /dev/console stays the init's. */
int petrel_terminal_setup_exec(const struct oci_box *console_size, struct petrel_error **err);

/* Sends the master fd over a connected unix socket, with SCM_RIGHTS, with
 * the pty's name as the message payload (as runc does). name NULL: the
 * master's own /dev/pts/N. Never raises SIGPIPE. */
int petrel_terminal_send_fd(int socket_fd, int master_fd, const char *name,
			    struct petrel_error **err);
/* Sends the pty master to the connected --console-socket *console_fd and
 * closes that socket (*console_fd becomes -1). */
int petrel_terminal_send_to_console(int *console_fd, int master_fd, struct petrel_error **err);
/* Receives one fd sent by petrel_terminal_send_fd() (O_CLOEXEC); the payload
 * may be a name or empty (on datagram/seqpacket sockets). */
int petrel_terminal_recv_fd(int socket_fd, struct petrel_error **err);
/* The same, also returning the payload as a malloc'd string in *name. */
int petrel_terminal_recv_fd_name(int socket_fd, char **name, struct petrel_error **err);

/* For the foreground relay of `run` (its loop lives with the run command's
 * event loop): raw mode on petrel's own terminal (cfmakeraw(), the old
 * attributes saved in *saved) and window-size copying. */
int petrel_terminal_make_raw(int fd, struct termios *saved, struct petrel_error **err);
void petrel_terminal_restore(int fd, const struct termios *saved);
/* Copies the window size of the tty `from` to the pty master `to`. */
void petrel_terminal_copy_winsize(int from, int to);

#endif
