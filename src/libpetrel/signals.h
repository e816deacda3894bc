/* Signal names as `petrel kill` accepts them. */
#ifndef PETREL_SIGNALS_H
#define PETREL_SIGNALS_H

#include "error.h"

/* Parses a signal given by name, with or without "SIG" and in any case
 * ("KILL", "SIGKILL", "sigkill"), as RTMIN+n / RTMAX-n, or as a number from
 * 1 to SIGRTMAX. Returns 0 with *signum set, or -1 with *err set. */
int petrel_parse_signal(const char *s, int *signum, struct petrel_error **err);

#endif
