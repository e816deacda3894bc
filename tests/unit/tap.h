/* A minimal TAP producer for petrel's C unit tests: each check prints
 * `ok N - name` or `not ok N - name` with a diagnostic, and done_testing()
 * prints the plan and returns the exit status. */
#ifndef PETREL_TAP_H
#define PETREL_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline bool tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* Compares strings; NULL equals only NULL. Prints both on mismatch. */
#define tap_is_str(got, want, ...)                                                                 \
	({                                                                                         \
		const char *tap_g_ = (got), *tap_w_ = (want);                                      \
		bool tap_r_ = (tap_g_ == NULL || tap_w_ == NULL) ? tap_g_ == tap_w_                \
								 : strcmp(tap_g_, tap_w_) == 0;    \
		if (!tap_ok(tap_r_, __VA_ARGS__))                                                  \
			printf("#   got:      %s\n#   expected: %s\n", tap_g_ ? tap_g_ : "(null)", \
			       tap_w_ ? tap_w_ : "(null)");                                        \
		tap_r_;                                                                            \
	})

/* Checks that `haystack` contains `needle`. */
#define tap_contains(haystack, needle, ...)                                                        \
	({                                                                                         \
		const char *tap_h_ = (haystack), *tap_n_ = (needle);                               \
		bool tap_r_ = tap_h_ && strstr(tap_h_, tap_n_);                                    \
		if (!tap_ok(tap_r_, __VA_ARGS__))                                                  \
			printf("#   got:      %s\n#   expected to contain: %s\n",                  \
			       tap_h_ ? tap_h_ : "(null)", tap_n_);                                \
		tap_r_;                                                                            \
	})

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
