/* Small helpers shared across the library. */
#ifndef PETREL_UTIL_H
#define PETREL_UTIL_H

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
