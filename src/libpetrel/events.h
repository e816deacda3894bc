/* `events`: a container's OOM kills and resource statistics as runc's JSON
 * event lines on stdout. */
#ifndef PETREL_EVENTS_H
#define PETREL_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* With stats_once, prints one {"type":"stats","id":ID,"data":{...}} line.
 * Otherwise prints such a line every interval_ns and an {"type":"oom"}
 * line for each OOM kill in the container's cgroup, until the container
 * stops; then returns 0. A stopped or unknown container is an error. */
int petrel_events(const char *root, const char *id, bool stats_once, uint64_t interval_ns,
		  struct petrel_error **err);

#endif
