/* The error object: creation, added context and the final message. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct petrel_error_full {
	struct petrel_error pub;
	char *full;
};

static struct petrel_error out_of_memory = {ENOMEM, (char *)"out of memory"};

static int set_message(struct petrel_error **err, int errnum, char *msg)
{
	if (err == NULL) {
		free(msg);
		return -1;
	}
	if (*err && *err != &out_of_memory)
		petrel_error_free(*err);
	if (msg == NULL) {
		*err = &out_of_memory;
		return -1;
	}
	struct petrel_error_full *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		free(msg);
		*err = &out_of_memory;
		return -1;
	}
	e->pub.errnum = errnum;
	e->pub.msg = msg;
	*err = &e->pub;
	return -1;
}

/* The formatted message, NULL when out of memory. */
static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vformat(const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	return msg;
}

int petrel_error_set(struct petrel_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	return set_message(err, errnum, msg);
}

int petrel_error_set_quiet(struct petrel_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	set_message(err, errnum, msg);
	if (err && *err && *err != &out_of_memory)
		(*err)->quiet = true;
	return -1;
}

int petrel_error_take(struct petrel_error **err, int errnum, char *msg)
{
	return set_message(err, errnum, msg);
}

int petrel_error_prefix(struct petrel_error **err, const char *fmt, ...)
{
	if (err == NULL || *err == NULL || *err == &out_of_memory)
		return -1;
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	char *context = vformat(fmt, ap);
	va_end(ap);
	if (context && asprintf(&msg, "%s: %s", context, (*err)->msg) >= 0) {
		free((*err)->msg);
		(*err)->msg = msg;
	}
	free(context);
	return -1;
}

const char *petrel_error_message(struct petrel_error *err)
{
	if (err == NULL)
		return "unknown error";
	if (err == &out_of_memory || err->errnum == 0 || err->quiet)
		return err->msg;
	struct petrel_error_full *e = (struct petrel_error_full *)err;
	free(e->full);
	if (asprintf(&e->full, "%s: %s", err->msg, strerror(err->errnum)) < 0) {
		e->full = NULL;
		return err->msg;
	}
	return e->full;
}

void petrel_error_free(struct petrel_error *err)
{
	if (err == NULL || err == &out_of_memory)
		return;
	struct petrel_error_full *e = (struct petrel_error_full *)err;
	free(e->full);
	free(err->msg);
	free(e);
}
