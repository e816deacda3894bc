/* `events`: follows a container and prints what happens to it as runc does,
 * one compact JSON object a line on stdout: "stats" every interval, "oom" as
 * OOM kills happen, until the container's init is gone. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "cleanup.h"
#include "clone.h"
#include "events.h"
#include "log.h"
#include "state.h"

#define NSEC_PER_SEC 1000000000ull

static int print_event(const char *type, const char *id, struct oci_event_stats *data,
		       struct petrel_error **err)
{
	struct oci_event event = {.type = (char *)type, .id = (char *)id, .data = data};
	cleanup_free char *json = NULL;
	char *why = NULL;
	size_t len = 0;
	if (oci_event_generate(&event, false, &json, &len, &why) < 0)
		return petrel_error_take(err, 0, why);
	/* runc's Stats has no omitempty on network_interfaces: with none (an
	 * OCI bundle never has the interfaces runc would list) it prints
	 * null, which the generator cannot. data is the last key of the
	 * event, and network_interfaces the last of data, so it goes just
	 * before the final "}}". */
	size_t head = len;
	const char *tail = "";
	if (data && data->network_interfaces_len == 0 && len >= 2 &&
	    strcmp(json + len - 2, "}}") == 0) {
		head = len - 2;
		tail = ",\"network_interfaces\":null}}";
	}
	if (fwrite(json, 1, head, stdout) != head || fputs(tail, stdout) == EOF ||
	    putchar('\n') == EOF || fflush(stdout) == EOF)
		return petrel_error_errno(err, "write event");
	return 0;
}

static int print_stats(const struct petrel_cgroup *cg, const char *id, struct petrel_error **err)
{
	struct oci_event_stats *stats = NULL;
	if (petrel_cgroup_stats(cg, &stats, err) < 0)
		return -1;
	int r = print_event("stats", id, stats, err);
	ocispec_free(&oci_type_event_stats, stats);
	return r;
}

/* The stream goes on when one reading fails, as runc's does: the error is
 * logged and the next interval tries again. Only a failed write ends it. */
static int print_stats_or_warn(const struct petrel_cgroup *cg, const char *id,
			       struct petrel_error **err)
{
	struct oci_event_stats *stats = NULL;
	cleanup_error struct petrel_error *why = NULL;
	if (petrel_cgroup_stats(cg, &stats, &why) < 0) {
		petrel_warn("%s", petrel_error_message(why));
		return 0;
	}
	int r = print_event("stats", id, stats, err);
	ocispec_free(&oci_type_event_stats, stats);
	return r;
}

static int print_ooms(const struct petrel_cgroup *cg, int oom_fd, const char *id,
		      struct petrel_error **err)
{
	uint64_t n = 0;
	if (petrel_cgroup_oom_events(cg, oom_fd, &n, err) < 0)
		return -1;
	for (; n > 0; n--)
		if (print_event("oom", id, NULL, err) < 0)
			return -1;
	return 0;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Prints stats every interval_ns (the first one interval_ns from now, as
 * runc's ticker does) and OOM kills as the oom fd reports them, until the
 * init exits: its pidfd becomes readable, or, without one, a tick finds
 * the container stopped. */
static int follow(struct petrel_container *c, const struct petrel_cgroup *cg, int oom_fd,
		  uint64_t interval_ns, struct petrel_error **err)
{
	/* Opened before the status check, so that the pidfd is the init's
	 * when the check still finds it running. */
	cleanup_close int pidfd = petrel_pidfd_open(c->state->init_pid, NULL);
	if (petrel_container_status(c) == PETREL_STATUS_STOPPED)
		return 0;
	uint64_t next = monotonic_ns() + interval_ns;
	for (;;) {
		struct pollfd fds[2] = {{.fd = oom_fd, .events = POLLIN},
					{.fd = pidfd, .events = POLLIN}};
		uint64_t now = monotonic_ns(), wait = next > now ? next - now : 0;
		struct timespec timeout = {.tv_sec = (time_t)(wait / NSEC_PER_SEC),
					   .tv_nsec = (long)(wait % NSEC_PER_SEC)};
		int n = ppoll(fds, pidfd >= 0 ? 2 : 1, &timeout, NULL);
		if (n < 0 && errno != EINTR)
			return petrel_error_errno(err, "poll");
		if (n > 0 && fds[0].revents && print_ooms(cg, oom_fd, c->id, err) < 0)
			return -1;
		if (n > 0 && fds[1].revents)
			return 0;
		now = monotonic_ns();
		if (now < next)
			continue;
		if (petrel_container_status(c) == PETREL_STATUS_STOPPED)
			return 0;
		if (print_stats_or_warn(cg, c->id, err) < 0)
			return -1;
		/* Ticks missed while busy are dropped, as Go's ticker drops them. */
		next += interval_ns;
		if (next <= now)
			next = now + interval_ns;
	}
}

int petrel_events(const char *root, const char *id, bool stats_once, uint64_t interval_ns,
		  struct petrel_error **err)
{
	cleanup_container struct petrel_container *c = NULL;
	if (petrel_container_open(root, id, false, &c, err) < 0)
		return -1;
	if (petrel_container_status(c) == PETREL_STATUS_STOPPED)
		return petrel_error_set(err, 0, "container with id %s is not running", id);
	cleanup_cgroup struct petrel_cgroup *cg = NULL;
	if (petrel_cgroup_from_state(id, c->state->cgroup, &cg, err) < 0)
		return -1;
	if (stats_once)
		return print_stats(cg, id, err);
	cleanup_close int oom_fd = petrel_cgroup_oom_fd(cg, err);
	if (oom_fd < 0 || follow(c, cg, oom_fd, interval_ns, err) < 0)
		return -1;
	/* The kill that ended the init may not have been reported yet; the
	 * cgroup may be gone too, which leaves nothing to report. */
	cleanup_error struct petrel_error *why = NULL;
	if (print_ooms(cg, oom_fd, id, &why) < 0)
		petrel_debug("events: %s", petrel_error_message(why));
	return 0;
}
