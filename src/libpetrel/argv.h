/* A growing NULL-terminated list of malloc'd words: the command lines
 * petrel builds for its helpers (petrel-criu's arguments, the systemd unit
 * properties for petrel-systemd). */
#ifndef PETREL_ARGV_H
#define PETREL_ARGV_H

#include <stddef.h>

struct petrel_argv {
	char **v; /* NULL-terminated once a word was added */
	size_t n, cap;
};

/* Appends a copy of word; -1 without memory (the list stays as it was). */
int petrel_argv_add(struct petrel_argv *a, const char *word);
int petrel_argv_addf(struct petrel_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Drops the words after the first n. */
void petrel_argv_truncate(struct petrel_argv *a, size_t n);
void petrel_argv_release(struct petrel_argv *a);

static inline void petrel_argv_releasep(struct petrel_argv *a)
{
	petrel_argv_release(a);
}
#define cleanup_argv __attribute__((cleanup(petrel_argv_releasep)))

#endif
