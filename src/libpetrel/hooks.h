/* OCI hooks: running one list of hooks (prestart, createRuntime,
 * createContainer, startContainer, poststart, poststop) with the container's
 * state JSON on stdin, their args, env and timeout. The caller decides which
 * namespace they run in by where it calls this from. */
#ifndef PETREL_HOOKS_H
#define PETREL_HOOKS_H

#include <stddef.h>

#include "error.h"
#include "libocispec/ocispec.h"

/* Runs hooks[0..n) in order; stops at the first that fails (non-zero exit,
 * killed, timed out, or not executable) and returns -1 with *err naming the
 * kind, the hook's path and why: `createRuntime hook "/x": exit status 3`,
 * `... killed by signal 9`, `... timed out after 5 seconds`, `... exec: No
 * such file or directory`. Each hook runs as execve(path, args or {path},
 * env or {}) with the state_json (may be NULL) on its stdin (a hook need not
 * read it), only fds 0-2 inherited, stdout and stderr the caller's, and an
 * empty signal mask. The hook is reaped with waitpid(): the caller must not
 * ignore SIGCHLD or reap children behind this function's back meanwhile. */
int petrel_hooks_run(const char *kind, const struct oci_hook *hooks, size_t n,
		     const char *state_json, struct petrel_error **err);

#endif
