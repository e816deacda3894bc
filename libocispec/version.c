/* Which runtime-spec versions petrel reads: every 1.x.y, with optional
 * pre-release (-rc.1) and build (+dev) suffixes. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocispec.h"

static const char *skip_number(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return NULL;
	while (isdigit((unsigned char)*s))
		s++;
	return s;
}

/* Sets *err (when err is not NULL) to "<what> \"<version>\"<why>". */
static int fail(char **err, const char *what, const char *version, const char *why)
{
	if (err && asprintf(err, "%s \"%s\" %s", what, version, why) < 0)
		*err = NULL;
	return -1;
}

int oci_check_version(const char *version, char **err)
{
	/* MAJOR.MINOR.PATCH, each a number, then an optional suffix. */
	const char *p = skip_number(version);
	for (int i = 0; i < 2 && p; i++)
		p = *p == '.' ? skip_number(p + 1) : NULL;
	if (p == NULL || (*p != '\0' && *p != '-' && *p != '+'))
		return fail(err, "invalid version", version, "(expected 1.x.y)");
	if (strtoul(version, NULL, 10) != 1 || version[1] != '.')
		return fail(err, "unsupported major version", version, "(petrel supports 1.x.y)");
	return 0;
}
