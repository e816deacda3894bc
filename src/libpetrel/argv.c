/* The growing word lists of argv.h. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"

int petrel_argv_add(struct petrel_argv *a, const char *word)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **v = realloc(a->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	if ((a->v[a->n] = strdup(word)) == NULL)
		return -1;
	a->v[++a->n] = NULL;
	return 0;
}

int petrel_argv_addf(struct petrel_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *word;
	va_start(ap, fmt);
	int n = vasprintf(&word, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	int r = petrel_argv_add(a, word);
	free(word);
	return r;
}

void petrel_argv_truncate(struct petrel_argv *a, size_t n)
{
	if (n >= a->n)
		return;
	while (a->n > n)
		free(a->v[--a->n]);
	a->v[n] = NULL;
}

void petrel_argv_release(struct petrel_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	*a = (struct petrel_argv){0};
}
