/* The logger. Lines in the log file look like runc's (logrus): text
 * `time="..." level=error msg="..."` or JSON {"level","msg","time"}. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "libocispec/ocispec.h"
#include "log.h"

static int log_fd = -1;
static enum petrel_log_format log_format = PETREL_LOG_TEXT;
static bool log_debug = false;

static const char *level_names[] = {"error", "warning", "info", "debug"};

int petrel_log_init(const char *path, enum petrel_log_format format, bool debug,
		    struct petrel_error **err)
{
	log_format = format;
	log_debug = debug;
	if (path == NULL || *path == '\0')
		return 0;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return petrel_error_errno(err, "open log file \"%s\"", path);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	return 0;
}

int petrel_log_fd(void)
{
	return log_fd;
}

static void rfc3339_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

/* Escapes what the text format's quoted msg cannot hold. */
static char *quote_text(const char *msg)
{
	size_t len = strlen(msg);
	char *out = malloc(len * 2 + 1), *p = out;
	if (out == NULL)
		return NULL;
	for (const char *s = msg; *s; s++) {
		if (*s == '"' || *s == '\\')
			*p++ = '\\';
		*p++ = *s == '\n' ? ' ' : *s;
	}
	*p = '\0';
	return out;
}

static void write_line(enum petrel_log_level level, const char *msg)
{
	char now[64];
	rfc3339_now(now, sizeof(now));
	char *line = NULL;
	if (log_format == PETREL_LOG_JSON) {
		struct oci_log_entry entry = {
			.level = (char *)level_names[level], .msg = (char *)msg, .time = now};
		char *json = NULL, *err = NULL;
		if (oci_log_entry_generate(&entry, false, &json, NULL, &err) == 0 &&
		    asprintf(&line, "%s\n", json) < 0)
			line = NULL;
		free(json);
		free(err);
	} else {
		char *quoted = quote_text(msg);
		if (quoted && asprintf(&line, "time=\"%s\" level=%s msg=\"%s\"\n", now,
				       level_names[level], quoted) < 0)
			line = NULL;
		free(quoted);
	}
	if (line) {
		/* One write() per line, so concurrent writers do not interleave. */
		ssize_t unused = write(log_fd, line, strlen(line));
		(void)unused;
	}
	free(line);
}

void petrel_log(enum petrel_log_level level, const char *fmt, ...)
{
	if (level == PETREL_LOG_DEBUG && !log_debug)
		return;
	int saved = errno;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg) {
		if (log_fd >= 0)
			write_line(level, msg);
		else if (level != PETREL_LOG_INFO || log_debug)
			fprintf(stderr, "petrel: %s%s\n",
				level == PETREL_LOG_ERROR     ? ""
				: level == PETREL_LOG_WARNING ? "warning: "
							      : "debug: ",
				msg);
	}
	free(msg);
	errno = saved;
}

void petrel_log_error(const char *msg)
{
	fprintf(stderr, "petrel: %s\n", msg);
	if (log_fd >= 0)
		write_line(PETREL_LOG_ERROR, msg);
}
