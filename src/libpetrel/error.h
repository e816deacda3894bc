/* The error object every fallible library function fills: an errno (0 when
 * the failure is not a system error) and a message that grows context as it
 * travels up: `create: mount "proc" on "/proc": Permission denied`. */
#ifndef PETREL_ERROR_H
#define PETREL_ERROR_H

#include <stdbool.h>

struct petrel_error {
	int errnum;
	char *msg;  /* without the strerror() part */
	bool quiet; /* the message says it all: no strerror() part */
};

/* Sets *err (if err is not NULL) and returns -1. errnum 0 means no errno. */
int petrel_error_set(struct petrel_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like petrel_error_set(), but the message says it all: the errnum is kept
 * for callers to test and not appended as strerror() text. */
int petrel_error_set_quiet(struct petrel_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like petrel_error_set() with errno as the errnum. */
#define petrel_error_errno(err, ...) petrel_error_set(err, errno, __VA_ARGS__)
/* Prepends "<context>: " to the message of *err and returns -1. */
int petrel_error_prefix(struct petrel_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Takes over a malloc'd message (from libocispec); returns -1. */
int petrel_error_take(struct petrel_error **err, int errnum, char *msg);
/* The full message, "msg: strerror(errnum)"; valid until the error is freed. */
const char *petrel_error_message(struct petrel_error *err);
void petrel_error_free(struct petrel_error *err);

static inline void petrel_error_freep(struct petrel_error **err)
{
	petrel_error_free(*err);
}
#define cleanup_error __attribute__((cleanup(petrel_error_freep)))

#endif
