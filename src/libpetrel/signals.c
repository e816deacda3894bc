/* Signal name parsing for `kill`. The names come from the libc macros so the
 * numbers are right on every architecture. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signals.h"

static const struct {
	const char *name;
	int num;
} signal_names[] = {
	{"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
	{"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
	{"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
	{"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
	{"CHLD", SIGCHLD},     {"CLD", SIGCHLD},  {"CONT", SIGCONT},     {"STOP", SIGSTOP},
	{"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
	{"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	{"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"SYS", SIGSYS},
#ifdef SIGSTKFLT
	{"STKFLT", SIGSTKFLT},
#endif
#ifdef SIGPWR
	{"PWR", SIGPWR},
#endif
};

/* Parses a whole decimal number into *out; false when s is not one. */
static bool parse_number(const char *s, long *out)
{
	char *end = NULL;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* RTMIN, RTMIN+n, RTMAX, RTMAX-n. Returns the number, 0 if name is not one
 * of these, or -1 if it is one but out of range. */
static int parse_realtime(const char *name)
{
	long offset = 0;
	int sig;
	if (strncasecmp(name, "RTMIN", 5) == 0) {
		if (name[5] != '\0' && (name[5] != '+' || !parse_number(name + 6, &offset)))
			return 0;
		if (offset > SIGRTMAX - SIGRTMIN)
			return -1;
		sig = SIGRTMIN + (int)offset;
	} else if (strncasecmp(name, "RTMAX", 5) == 0) {
		if (name[5] != '\0' && (name[5] != '-' || !parse_number(name + 6, &offset)))
			return 0;
		if (offset > SIGRTMAX - SIGRTMIN)
			return -1;
		sig = SIGRTMAX - (int)offset;
	} else {
		return 0;
	}
	return sig;
}

int petrel_parse_signal(const char *s, int *signum, struct petrel_error **err)
{
	long num;
	if (s == NULL || *s == '\0')
		return petrel_error_set(err, 0, "signal cannot be empty");
	if (strspn(s, "0123456789") == strlen(s)) {
		if (!parse_number(s, &num) || num < 1 || num > SIGRTMAX)
			return petrel_error_set(err, 0, "signal number %s out of range (1-%d)", s,
						SIGRTMAX);
		*signum = (int)num;
		return 0;
	}
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
		if (strcasecmp(name, signal_names[i].name) == 0) {
			*signum = signal_names[i].num;
			return 0;
		}
	}
	int rt = parse_realtime(name);
	if (rt < 0)
		return petrel_error_set(err, 0, "signal \"%s\" out of range (%d-%d)", s, SIGRTMIN,
					SIGRTMAX);
	if (rt > 0) {
		*signum = rt;
		return 0;
	}
	return petrel_error_set(err, 0, "unknown signal \"%s\"", s);
}
