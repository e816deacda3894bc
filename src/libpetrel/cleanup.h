/* Cleanup attributes for the resources petrel holds, so that every early
 * return releases what the function took. Ownership moves out of a guarded
 * variable with steal_fd()/steal_ptr(). */
#ifndef PETREL_CLEANUP_H
#define PETREL_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void petrel_freep(void *p)
{
	free(*(void **)p);
}

static inline void petrel_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void petrel_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void petrel_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static inline void petrel_strv_freep(char ***v)
{
	if (*v) {
		for (char **p = *v; *p; p++)
			free(*p);
		free(*v);
	}
}

#define cleanup_free __attribute__((cleanup(petrel_freep)))
#define cleanup_close __attribute__((cleanup(petrel_closep)))
#define cleanup_fclose __attribute__((cleanup(petrel_fclosep)))
#define cleanup_closedir __attribute__((cleanup(petrel_closedirp)))
#define cleanup_strv __attribute__((cleanup(petrel_strv_freep)))

static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(*(p)) steal_ptr_tmp_ = *(p);                                            \
		*(p) = NULL;                                                                       \
		steal_ptr_tmp_;                                                                    \
	})

#endif
