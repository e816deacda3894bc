/* A minimal TAP producer for petrel's C unit tests: each check prints
 * `ok N - name` or `not ok N - name` with a diagnostic, and done_testing()
 * prints the plan and returns the exit status. */
#ifndef PETREL_TAP_H
#define PETREL_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* For code that changes the process itself (credentials, limits): runs fn
 * in a forked child, which reports with TAP_CHILD_CHECK; true when fn
 * returned 0. */
#define TAP_CHILD_CHECK(cond)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("#   child: failed: %s\n", #cond);                                  \
			fflush(stdout);                                                            \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

static inline bool tap_in_child(int (*fn)(void))
{
	int status = 0;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int r = fn();
		fflush(stdout);
		_exit(r);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* Removes a test's temporary directory tree. */
static inline void tap_remove_tree(const char *dir)
{
	char *cmd;
	if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0) {
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
		free(cmd);
	}
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
