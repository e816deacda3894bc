/* linux.seccomp: translating the profile with libseccomp into a BPF program
 * (once: compiled programs are cached under the state root), installing it
 * in the init at the point the spec requires, and handing a notify listener
 * to linux.seccomp.listenerPath. docs/seccomp.md says how profiles map. */
#ifndef PETREL_SECCOMP_H
#define PETREL_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "libocispec/ocispec.h"

/* A compiled filter, ready to install without libseccomp. */
struct petrel_seccomp {
	void *bpf;          /* struct sock_filter[] */
	size_t bpf_len;     /* number of instructions */
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* to install with */
	bool notify;        /* the profile has SCMP_ACT_NOTIFY rules */
	char *listener_path;
	char *listener_metadata;
};

/* The subdirectory of the state root that holds compiled programs. */
#define PETREL_SECCOMP_CACHE_DIR ".seccomp-cache"
/* The container's compiled program in its state directory, for `exec`. */
#define PETREL_SECCOMP_STATE_FILE "seccomp.bpf"

/* In petrel, before anything is made: validates the profile (unknown
 * actions, operators, architectures and flags are errors naming the rule;
 * unknown syscall names are a warning, or an error with the annotation
 * run.oci.seccomp_fail_unknown_syscall) and compiles it, or takes the
 * compiled program from cache_dir (NULL: no cache; created when missing; a
 * cache that cannot be used only costs the compilation). *out is NULL when
 * seccomp is NULL. */
int petrel_seccomp_prepare(const struct oci_seccomp *seccomp,
			   const struct oci_string_map *annotations, const char *cache_dir,
			   struct petrel_seccomp **out, struct petrel_error **err);
/* In the init: installs the filter with seccomp(2). With notify, *listener_fd
 * receives the listener (close-on-exec), else -1. Nothing but the seccomp
 * system call runs after the filter is in place. */
int petrel_seccomp_install(const struct petrel_seccomp *s, int *listener_fd,
			   struct petrel_error **err);
/* In petrel: sends the listener fd and the container process state (the
 * spec's seccomp notify message, with metadata) to listenerPath. */
int petrel_seccomp_send_listener(const struct petrel_seccomp *s, int listener_fd,
				 const struct oci_state *state, struct petrel_error **err);
void petrel_seccomp_free(struct petrel_seccomp *s);

static inline void petrel_seccomp_freep(struct petrel_seccomp **s)
{
	petrel_seccomp_free(*s);
}
#define cleanup_seccomp __attribute__((cleanup(petrel_seccomp_freep)))

/* The compiled program (with its flags and notify bit, not the listener
 * path) written atomically to dir_fd/name, and read back, for `exec`. */
int petrel_seccomp_save(const struct petrel_seccomp *s, int dir_fd, const char *name,
			struct petrel_error **err);
int petrel_seccomp_load(int dir_fd, const char *name, struct petrel_seccomp **out,
			struct petrel_error **err);

/* For `features`: what petrel knows and this kernel supports. The lists are
 * NULL-terminated. */
extern const char *const petrel_seccomp_actions[];
extern const char *const petrel_seccomp_operators[];
extern const char *const petrel_seccomp_archs[];
extern const char *const petrel_seccomp_known_flags[];
/* The known flags this kernel supports, NULL-terminated, malloc'd array of
 * static strings (NULL when out of memory). */
const char **petrel_seccomp_supported_flags(void);

#endif
