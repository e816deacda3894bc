/* Reading /etc/passwd by hand: the container's file is parsed inside the
 * container without NSS (which would load libraries from the image), and
 * petrel itself is a static binary without NSS either. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"
#include "passwd.h"

char *petrel_passwd_lookup(const char *passwd, uid_t uid, enum petrel_passwd_field field)
{
	cleanup_close int fd = open(passwd, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	/* The file belongs to the image: refuse FIFOs and devices that could
	 * block or feed the init forever. */
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	cleanup_fclose FILE *f = fdopen(fd, "r");
	if (f == NULL)
		return NULL;
	steal_fd(&fd);
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		/* name:password:uid:gid:gecos:home:shell */
		char *fields[7] = {NULL}, *p = line;
		size_t n = 0;
		line[strcspn(line, "\n")] = '\0';
		for (; n < ARRAY_LEN(fields) && p != NULL; n++)
			fields[n] = strsep(&p, ":");
		if (n < 6 || fields[2][0] < '0' || fields[2][0] > '9')
			continue;
		char *end = NULL;
		errno = 0;
		unsigned long id = strtoul(fields[2], &end, 10);
		if (errno != 0 || *end != '\0' || id != uid)
			continue;
		return fields[field] && fields[field][0] ? strdup(fields[field]) : NULL;
	}
	return NULL;
}
