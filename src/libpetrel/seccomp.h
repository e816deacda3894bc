/* linux.seccomp: translating the profile with libseccomp into a BPF program
 * (once: compiled programs are cached under the state root), installing it
 * in the init at the point the spec requires, and handing a notify listener
 * to linux.seccomp.listenerPath. */
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

/* In petrel, before anything is made: validates the profile (unknown
 * actions, operators, architectures and flags are errors naming the rule;
 * unknown syscall names are a warning, or an error with the annotation
 * run.oci.seccomp_fail_unknown_syscall) and compiles it, or takes the
 * compiled program from cache_dir (NULL: no cache). *out is NULL when
 * seccomp is NULL. */
int petrel_seccomp_prepare(const struct oci_seccomp *seccomp,
			   const struct oci_string_map *annotations, const char *cache_dir,
			   struct petrel_seccomp **out, struct petrel_error **err);
/* In the init: installs the filter. With notify, *listener_fd receives the
 * listener (else -1). */
int petrel_seccomp_install(const struct petrel_seccomp *s, int *listener_fd,
			   struct petrel_error **err);
/* In petrel: sends the listener fd and the container process state (the
 * spec's seccomp notify message, with metadata) to listenerPath. */
int petrel_seccomp_send_listener(const struct petrel_seccomp *s, int listener_fd,
				 const struct oci_state *state, struct petrel_error **err);
void petrel_seccomp_free(struct petrel_seccomp *s);

/* For `features`: what petrel knows and this kernel supports. */
extern const char *const petrel_seccomp_actions[];
extern const char *const petrel_seccomp_operators[];
extern const char *const petrel_seccomp_archs[];
extern const char *const petrel_seccomp_known_flags[];
/* The known flags this kernel supports, NULL-terminated, malloc'd array of
 * static strings. */
const char **petrel_seccomp_supported_flags(void);

#endif
