/* Between seccomp.c and seccomp-cache.c (and their unit test): the cache of
 * compiled programs under <root>/.seccomp-cache and the file format both the
 * cache and the container's state directory use. */
#ifndef PETREL_SECCOMP_INTERNAL_H
#define PETREL_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "libocispec/ocispec.h"
#include "seccomp.h"

/* Entries kept; past this, the least recently used are removed. */
#define PETREL_SECCOMP_CACHE_MAX 64

/* What a compiled program depends on, as text: the profile as canonical JSON
 * (without listenerPath and listenerMetadata, which do not change it), the
 * versions of petrel and libseccomp, the kernel release and the machine. */
char *petrel_seccomp_cache_key(const struct oci_seccomp *seccomp, struct petrel_error **err);
/* FNV-1a, 64 bits: names the entry; the entry holds the full key. */
uint64_t petrel_seccomp_hash(const char *data, size_t len);
/* The entry's file name in the cache directory: 16 hex digits + ".bpf". */
void petrel_seccomp_cache_name(const char *key, char name[32]);

/* Fills s->bpf and s->bpf_len from the cache entry for key; false when there
 * is none, or it is not well formed, or it holds another key. A hit marks the
 * entry used (its mtime). */
bool petrel_seccomp_cache_lookup(const char *dir, const char *key, struct petrel_seccomp *s);
/* Stores s's program under key, atomically, then evicts the least recently
 * used entries past max_entries. Failures only cost the cache: logged at
 * debug level. */
void petrel_seccomp_cache_store(const char *dir, const char *key, const struct petrel_seccomp *s,
				size_t max_entries);
/* Removes the least recently used entries (mtime) past max_entries, and
 * temporary files left by a crash. */
void petrel_seccomp_cache_evict(int dir_fd, size_t max_entries);

/* One file: a text header (format line, key, flags, notify bit, number of
 * instructions) and the raw program. key NULL on reading: any key. */
int petrel_seccomp_write_entry(int dir_fd, const char *name, const char *key,
			       const struct petrel_seccomp *s, struct petrel_error **err);
int petrel_seccomp_read_entry(int dir_fd, const char *name, const char *key,
			      struct petrel_seccomp *s, struct petrel_error **err);

#endif
