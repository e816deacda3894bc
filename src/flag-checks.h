/* Checks the command files share for flags whose value must be one of a
 * fixed set (--format table|json, --manage-cgroups-mode soft|full|...). */
#ifndef PETREL_FLAG_CHECKS_H
#define PETREL_FLAG_CHECKS_H

#include <stdio.h>
#include <string.h>

#include "libpetrel/error.h"

/* Accepts value if it equals one of choices (NULL-terminated); otherwise
 * fails with `invalid value "x" for flag --name (one of a|b|c)`. */
static inline int petrel_check_flag_choice(const char *flag, const char *value,
					   const char *const *choices, struct petrel_error **err)
{
	char expected[128] = "";
	size_t used = 0;
	for (const char *const *c = choices; *c; c++) {
		if (strcmp(value, *c) == 0)
			return 0;
		int n = snprintf(expected + used, sizeof(expected) - used, "%s%s",
				 c == choices ? "" : "|", *c);
		if (n > 0 && (size_t)n < sizeof(expected) - used)
			used += (size_t)n;
	}
	return petrel_error_set(err, 0, "invalid value \"%s\" for flag --%s (one of %s)", value,
				flag, expected);
}

#endif
