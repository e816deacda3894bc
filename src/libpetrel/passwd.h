/* Looking up a uid in a passwd file (name:password:uid:gid:gecos:home:shell). */
#ifndef PETREL_PASSWD_H
#define PETREL_PASSWD_H

#include <sys/types.h>

enum petrel_passwd_field { PETREL_PASSWD_NAME = 0, PETREL_PASSWD_HOME = 5 };

/* The field of uid's entry (malloc'd), or NULL when there is none, it is
 * empty, or the file is not a regular file. */
char *petrel_passwd_lookup(const char *passwd, uid_t uid, enum petrel_passwd_field field);

#endif
