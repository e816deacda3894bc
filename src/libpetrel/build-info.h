/* What this build of petrel is: version, commit, spec version and the
 * optional parts compiled in, for --version and `features`. */
#ifndef PETREL_BUILD_INFO_H
#define PETREL_BUILD_INFO_H

#include "config.h"

#ifdef HAVE_SYSTEMD
#define PETREL_HAS_SYSTEMD 1
#else
#define PETREL_HAS_SYSTEMD 0
#endif
#ifdef HAVE_CRIU
#define PETREL_HAS_CRIU 1
#else
#define PETREL_HAS_CRIU 0
#endif

/* The build's features as --version prints them. */
#define PETREL_BUILD_FEATURES "+SECCOMP +CAP" PETREL_FEATURE_SYSTEMD PETREL_FEATURE_CRIU " +YAJL"
#if PETREL_HAS_SYSTEMD
#define PETREL_FEATURE_SYSTEMD " +SYSTEMD"
#else
#define PETREL_FEATURE_SYSTEMD " -SYSTEMD"
#endif
#if PETREL_HAS_CRIU
#define PETREL_FEATURE_CRIU " +CRIU"
#else
#define PETREL_FEATURE_CRIU " -CRIU"
#endif

#endif
