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

int oci_check_version(const char *version, char **err)
{
	const char *p = skip_number(version);
	if (p && *p == '.')
		p = skip_number(p + 1);
	if (p && *p == '.')
		p = skip_number(p + 1);
	if (p == NULL || (*p != '\0' && *p != '-' && *p != '+')) {
		if (asprintf(err, "invalid version \"%s\" (expected 1.x.y)", version) < 0)
			*err = NULL;
		return -1;
	}
	if (strtoul(version, NULL, 10) != 1 || version[1] != '.') {
		if (asprintf(err, "unsupported major version \"%s\" (petrel supports 1.x.y)",
			     version) < 0)
			*err = NULL;
		return -1;
	}
	return 0;
}
