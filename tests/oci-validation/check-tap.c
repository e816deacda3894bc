/* oci-check's TAP API: every result line, its numbering and the failure count go through
 * here, so a check passes only the detail. Also the helpers the checks share: reading small
 * /proc files, splitting lines, parsing /proc/self/mountinfo. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libpetrel/cleanup.h"
#include "check.h"

/* ------------------------------------------------------------------ the TAP API */

static struct {
	const struct check *current;
	int count;
	int failed;
	int current_results;
} tap;

void check_begin(const struct check *c)
{
	tap.current = c;
	tap.current_results = 0;
}

/* How many results the check begun last has reported. */
int check_result_count(void)
{
	return tap.current_results;
}

/* Prints the plan after the last result; the exit status is 1 if any result failed. */
int check_plan(void)
{
	printf("1..%d\n", tap.count);
	return tap.failed ? 1 : 0;
}

/* A result line must stay one line, and a `#` would start a TAP directive. */
void check_print_sanitized(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r')
			putchar(' ');
		else if (*s == '#')
			fputs("\\#", stdout);
		else
			putchar(*s);
	}
}

__attribute__((format(printf, 1, 0))) static void check_vdiag(const char *fmt, va_list ap)
{
	char buf[4096];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (char *line = buf; line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		printf("#   %s\n", line);
		line = next && *next ? next : NULL;
	}
}

void check_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	check_vdiag(fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 0))) static bool check_vok(bool cond, const char *fmt, va_list ap)
{
	char detail[2048];
	vsnprintf(detail, sizeof(detail), fmt, ap);
	tap.count++;
	tap.current_results++;
	if (!cond)
		tap.failed++;
	printf("%sok %d - %s: ", cond ? "" : "not ", tap.count, tap.current->name);
	check_print_sanitized(detail);
	putchar('\n');
	return cond;
}

bool check_ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool r = check_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

void check_skip(const char *fmt, ...)
{
	char reason[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	tap.count++;
	tap.current_results++;
	printf("ok %d - %s # SKIP ", tap.count, tap.current->name);
	check_print_sanitized(reason);
	putchar('\n');
}

bool check_is_str(const char *got, const char *want, const char *fmt, ...)
{
	bool same = got && want && strcmp(got, want) == 0;
	va_list ap;
	va_start(ap, fmt);
	check_vok(same, fmt, ap);
	va_end(ap);
	if (!same)
		check_diag("got:      %s\nexpected: %s", got ? got : "(nothing)", want);
	return same;
}

bool check_is_int(int64_t got, int64_t want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	check_vok(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		check_diag("got:      %" PRId64 "\nexpected: %" PRId64, got, want);
	return got == want;
}

void problem(struct problems *p, const char *fmt, ...)
{
	va_list ap;
	p->count++;
	if (p->len + 2 >= sizeof(p->text))
		return;
	if (p->len)
		p->text[p->len++] = '\n';
	va_start(ap, fmt);
	int n = vsnprintf(p->text + p->len, sizeof(p->text) - p->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n < sizeof(p->text) - p->len ? (size_t)n
							       : sizeof(p->text) - p->len - 1;
}

bool check_problems(const struct problems *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	check_vok(p->count == 0, fmt, ap);
	va_end(ap);
	if (p->count)
		check_diag("%s", p->text);
	return p->count == 0;
}

/* ------------------------------------------------------------- reading /proc */

char *read_bytes(const char *path, size_t *len)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	size_t cap = 4096;
	cleanup_free char *buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	*len = 0;
	for (;;) {
		size_t n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
		if (n == 0)
			break;
		if (*len + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);
			if (bigger == NULL)
				return NULL;
			buf = bigger;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		errno = EIO;
		return NULL;
	}
	buf[*len] = '\0';
	return steal_ptr(&buf);
}

char *read_text(const char *path)
{
	size_t len;
	return read_bytes(path, &len);
}

char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

bool next_line(char **line, char **next)
{
	if (*line == NULL || **line == '\0')
		return false;
	*next = strchr(*line, '\n');
	if (*next)
		*(*next)++ = '\0';
	return true;
}

char *status_field(const char *field)
{
	cleanup_free char *status = read_text("/proc/self/status");
	if (status == NULL)
		return NULL;
	size_t flen = strlen(field);
	for (char *l = status, *n; next_line(&l, &n); l = n) {
		if (strncmp(l, field, flen) == 0 && l[flen] == ':')
			return strdup(trim(l + flen + 1));
	}
	errno = ENOENT;
	return NULL;
}

void normalize_space(char *s)
{
	char *out = s;
	bool space = false;
	for (char *in = trim(s); *in; in++) {
		if (isspace((unsigned char)*in)) {
			space = true;
			continue;
		}
		if (space && out != s)
			*out++ = ' ';
		space = false;
		*out++ = *in;
	}
	*out = '\0';
}

bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, item, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

bool strv_has(char **v, size_t len, const char *item)
{
	for (size_t i = 0; i < len; i++)
		if (strcmp(v[i], item) == 0)
			return true;
	return false;
}

void mount_table_free(struct mount_table *t)
{
	free(t->text);
	free(t->entries);
}

/* The kernel escapes space, tab, newline and backslash as \ooo. */
static char *unescape_octal(char *s)
{
	char *out = s;
	for (char *in = s; *in; in++) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 3;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
	return s;
}

static bool parse_mount_line(char *line, struct mount_entry *e)
{
	char *sep = strstr(line, " - ");
	if (sep == NULL)
		return false;
	*sep = '\0';
	char *right = sep + 3, *left = line, *f[6];
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if ((f[i] = strsep(&left, " ")) == NULL)
			return false;
	e->root = unescape_octal(f[3]);
	e->mount_point = unescape_octal(f[4]);
	e->mount_options = f[5];
	e->optional = left ? left : (char *)"";
	e->fstype = strsep(&right, " ");
	e->source = unescape_octal(strsep(&right, " ") ?: (char *)"");
	e->super_options = right ? right : (char *)"";
	return e->fstype != NULL;
}

int mount_table_read(struct mount_table *t)
{
	*t = (struct mount_table){0};
	t->text = read_text("/proc/self/mountinfo");
	if (t->text == NULL)
		return -1;
	size_t lines = 1;
	for (const char *p = t->text; *p; p++)
		lines += *p == '\n';
	t->entries = calloc(lines, sizeof(*t->entries));
	if (t->entries == NULL)
		return -1;
	for (char *l = t->text, *n; next_line(&l, &n); l = n)
		if (parse_mount_line(l, &t->entries[t->len]))
			t->len++;
	return 0;
}

const struct mount_entry *mount_at(const struct mount_table *t, const char *path)
{
	for (size_t i = t->len; i-- > 0;)
		if (strcmp(t->entries[i].mount_point, path) == 0)
			return &t->entries[i];
	return NULL;
}

const char *resolve(const char *path, char buf[PATH_MAX])
{
	return realpath(path, buf) ? buf : path;
}
