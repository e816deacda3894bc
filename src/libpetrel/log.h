/* The logger: messages to stderr, or to --log FILE in runc's text or JSON
 * format, which containerd reads back to report why a call failed. */
#ifndef PETREL_LOG_H
#define PETREL_LOG_H

#include <stdbool.h>

#include "error.h"

enum petrel_log_level { PETREL_LOG_ERROR, PETREL_LOG_WARNING, PETREL_LOG_INFO, PETREL_LOG_DEBUG };
enum petrel_log_format { PETREL_LOG_TEXT, PETREL_LOG_JSON };

/* path NULL: log to stderr. Fails when the file cannot be opened. */
int petrel_log_init(const char *path, enum petrel_log_format format, bool debug,
		    struct petrel_error **err);
void petrel_log(enum petrel_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define petrel_warn(...) petrel_log(PETREL_LOG_WARNING, __VA_ARGS__)
#define petrel_debug(...) petrel_log(PETREL_LOG_DEBUG, __VA_ARGS__)
/* Reports a final error: `petrel: <msg>` on stderr, and a log line when a log
 * file is set. */
void petrel_log_error(const char *msg);
/* The fd of the log file, or -1; inherited by helpers that must log too. */
int petrel_log_fd(void);

#endif
