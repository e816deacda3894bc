/* petrel-systemd: the D-Bus client of petrel's systemd cgroup driver
 * (src/libpetrel/cgroup-systemd.c). petrel is linked statically and
 * libsystemd is not, so petrel runs this small program, linked with
 * libsystemd's sd-bus, for the calls that need systemd:
 *
 *   petrel-systemd start-unit --unit NAME [--timeout-ms N] [PROPERTY...]
 *       StartTransientUnit, waiting for its job; prints the ControlGroup
 *   petrel-systemd set-properties --unit NAME [PROPERTY...]
 *       SetUnitProperties (runtime)
 *   petrel-systemd stop-unit --unit NAME [--timeout-ms N]
 *       StopUnit, waiting for its job, then ResetFailedUnit
 *
 * A PROPERTY is "-p NAME SIGNATURE VALUE...": the values follow the D-Bus
 * signature, one word per basic value (booleans true/false, numbers in
 * decimal), an array's element count before its elements, a struct's
 * fields in order: "-p MemoryMax t 1048576", "-p PIDs au 1 1234",
 * "-p DeviceAllow a(ss) 2 /dev/null rwm char-136 rwm".
 *
 * Errors go to stderr, one line with the D-Bus error's name and message;
 * the exit status is then 1 (2 for a usage error). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#define SYSTEMD "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define MANAGER "org.freedesktop.systemd1.Manager"
#define SYSTEMD_PRIVATE "/run/systemd/private"
#define SYSTEM_BUS "/run/dbus/system_bus_socket"

struct options {
	const char *command;
	const char *unit;
	uint64_t timeout_us;
	char **props; /* the PROPERTY words, up to argv's NULL */
};

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("petrel-systemd: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: petrel-systemd start-unit|set-properties|stop-unit --unit NAME "
	      "[--timeout-ms N] [-p NAME SIGNATURE VALUE...]...\n",
	      stderr);
	return 2;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* "CALL UNIT: org.freedesktop.systemd1.NoSuchUnit: Unit x.scope not found." */
static int call_failed(const char *call, const char *unit, const sd_bus_error *e, int r)
{
	if (sd_bus_error_is_set(e))
		return fail("%s %s: %s: %s", call, unit, e->name, e->message ? e->message : "");
	return fail("%s %s: %s", call, unit, strerror(-r));
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------ connection */

/* systemd's private socket first, as systemctl does for root: no bus daemon
 * between, and it works before D-Bus is up; else the system bus. */
static int connect_systemd(sd_bus **bus, bool *bus_client)
{
	int r = -ENOENT;
	if (geteuid() == 0 && access(SYSTEMD_PRIVATE, F_OK) == 0) {
		r = sd_bus_new(bus);
		if (r >= 0)
			r = sd_bus_set_address(*bus, "unix:path=" SYSTEMD_PRIVATE);
		if (r >= 0)
			r = sd_bus_start(*bus);
		if (r >= 0) {
			*bus_client = false;
			return 0;
		}
		*bus = sd_bus_unref(*bus);
	}
	r = sd_bus_open_system(bus);
	if (r >= 0) {
		*bus_client = true;
		return 0;
	}
	return fail("cannot connect to systemd: no system bus at %s (%s)%s", SYSTEM_BUS,
		    strerror(-r),
		    access(SYSTEM_BUS, F_OK) < 0 ? "; is systemd running as PID 1?" : "");
}

/* ------------------------------------------------------------ properties */

/* The length of the complete type at the start of sig, 0 when there is
 * none. */
static size_t type_len(const char *sig)
{
	if (*sig == 'a') {
		size_t n = type_len(sig + 1);
		return n ? n + 1 : 0;
	}
	if (*sig == '(') {
		size_t i = 1;
		while (sig[i] && sig[i] != ')') {
			size_t n = type_len(sig + i);
			if (n == 0)
				return 0;
			i += n;
		}
		return sig[i] == ')' && i > 1 ? i + 1 : 0;
	}
	return *sig && strchr("ybnqiuxtdsog", *sig) ? 1 : 0;
}

struct words {
	char **w;
	const char *property;
};

static const char *next_word(struct words *w)
{
	if (*w->w == NULL || strcmp(*w->w, "-p") == 0)
		return NULL;
	return *w->w++;
}

static int bad_value(struct words *w, const char *word, char type)
{
	return fail("property %s: \"%s\" is not a value of D-Bus type '%c'", w->property,
		    word ? word : "(missing)", type);
}

static int parse_signed(const char *word, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(word, &end, 10);
	if (errno || end == word || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_unsigned(const char *word, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(word, &end, 10);
	if (errno || end == word || *end || word[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* An sd-bus failure while building the message, reported: -1. */
static int built(int r, const struct words *w)
{
	return r < 0 ? fail("property %s: %s", w->property, strerror(-r)) : 0;
}

static int append_basic(sd_bus_message *m, char type, struct words *w)
{
	const char *word = next_word(w);
	int64_t s;
	uint64_t u;
	if (word == NULL)
		return bad_value(w, word, type);
	switch (type) {
	case 'b': {
		int b;
		if (strcmp(word, "true") == 0 || strcmp(word, "yes") == 0 || strcmp(word, "1") == 0)
			b = 1;
		else if (strcmp(word, "false") == 0 || strcmp(word, "no") == 0 ||
			 strcmp(word, "0") == 0)
			b = 0;
		else
			return bad_value(w, word, type);
		return built(sd_bus_message_append_basic(m, type, &b), w);
	}
	case 'y': {
		if (parse_unsigned(word, UINT8_MAX, &u) < 0)
			return bad_value(w, word, type);
		uint8_t v = (uint8_t)u;
		return built(sd_bus_message_append_basic(m, type, &v), w);
	}
	case 'n': {
		if (parse_signed(word, INT16_MIN, INT16_MAX, &s) < 0)
			return bad_value(w, word, type);
		int16_t v = (int16_t)s;
		return built(sd_bus_message_append_basic(m, type, &v), w);
	}
	case 'q': {
		if (parse_unsigned(word, UINT16_MAX, &u) < 0)
			return bad_value(w, word, type);
		uint16_t v = (uint16_t)u;
		return built(sd_bus_message_append_basic(m, type, &v), w);
	}
	case 'i': {
		if (parse_signed(word, INT32_MIN, INT32_MAX, &s) < 0)
			return bad_value(w, word, type);
		int32_t v = (int32_t)s;
		return built(sd_bus_message_append_basic(m, type, &v), w);
	}
	case 'u': {
		if (parse_unsigned(word, UINT32_MAX, &u) < 0)
			return bad_value(w, word, type);
		uint32_t v = (uint32_t)u;
		return built(sd_bus_message_append_basic(m, type, &v), w);
	}
	case 'x':
		if (parse_signed(word, INT64_MIN, INT64_MAX, &s) < 0)
			return bad_value(w, word, type);
		return built(sd_bus_message_append_basic(m, type, &s), w);
	case 't':
		if (parse_unsigned(word, UINT64_MAX, &u) < 0)
			return bad_value(w, word, type);
		return built(sd_bus_message_append_basic(m, type, &u), w);
	case 'd': {
		char *end;
		errno = 0;
		double d = strtod(word, &end);
		if (errno || end == word || *end)
			return bad_value(w, word, type);
		return built(sd_bus_message_append_basic(m, type, &d), w);
	}
	default: /* s, o, g */
		return built(sd_bus_message_append_basic(m, type, word), w);
	}
}

/* Appends one value of the complete type sig[0..len). */
static int append_value(sd_bus_message *m, const char *sig, size_t len, struct words *w)
{
	char contents[256];
	if (len < 2)
		return append_basic(m, sig[0], w);
	if (len - 1 >= sizeof(contents))
		return fail("property %s: signature too long", w->property);
	if (sig[0] == 'a') {
		memcpy(contents, sig + 1, len - 1);
		contents[len - 1] = '\0';
		const char *word = next_word(w);
		uint64_t count;
		if (word == NULL || parse_unsigned(word, 1 << 20, &count) < 0)
			return fail("property %s: \"%s\" is not an array's element count",
				    w->property, word ? word : "(missing)");
		if (built(sd_bus_message_open_container(m, 'a', contents), w) < 0)
			return -1;
		for (uint64_t i = 0; i < count; i++)
			if (append_value(m, contents, len - 1, w) < 0)
				return -1;
		return built(sd_bus_message_close_container(m), w);
	}
	/* A struct: "(" fields ")". */
	memcpy(contents, sig + 1, len - 2);
	contents[len - 2] = '\0';
	if (built(sd_bus_message_open_container(m, 'r', contents), w) < 0)
		return -1;
	for (const char *p = contents; *p; p += type_len(p))
		if (append_value(m, p, type_len(p), w) < 0)
			return -1;
	return built(sd_bus_message_close_container(m), w);
}

/* The a(sv) of the PROPERTY words. */
static int append_properties(sd_bus_message *m, char **props)
{
	struct words w = {.w = props, .property = "(all)"};
	if (built(sd_bus_message_open_container(m, 'a', "(sv)"), &w) < 0)
		return -1;
	while (*w.w) {
		if (strcmp(w.w[0], "-p") != 0 || !w.w[1] || !w.w[2])
			return fail("expected \"-p NAME SIGNATURE VALUE...\" at \"%s\"", w.w[0]);
		const char *name = w.w[1], *sig = w.w[2];
		w.property = name;
		w.w += 3;
		size_t len = type_len(sig);
		if (len == 0 || len != strlen(sig))
			return fail("property %s: \"%s\" is not one complete D-Bus type", name,
				    sig);
		if (built(sd_bus_message_open_container(m, 'r', "sv"), &w) < 0 ||
		    built(sd_bus_message_append_basic(m, 's', name), &w) < 0 ||
		    built(sd_bus_message_open_container(m, 'v', sig), &w) < 0 ||
		    append_value(m, sig, len, &w) < 0 ||
		    built(sd_bus_message_close_container(m), &w) < 0 ||
		    built(sd_bus_message_close_container(m), &w) < 0)
			return -1;
		if (*w.w && strcmp(*w.w, "-p") != 0)
			return fail("property %s: more values than its signature %s takes, from "
				    "\"%s\"",
				    name, sig, *w.w);
	}
	return built(sd_bus_message_close_container(m), &w);
}

/* ------------------------------------------------------------------ jobs */

struct job {
	char *path;
	char *result;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct job *job = userdata;
	uint32_t id;
	const char *path, *unit, *result;
	(void)error;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (job->path && job->result == NULL && strcmp(path, job->path) == 0)
		job->result = strdup(result);
	return 0;
}

/* Watches JobRemoved before the call that makes the job, so that its end
 * cannot be missed. On systemd's private socket there is no bus daemon to
 * name the sender. */
static int watch_jobs(sd_bus *bus, bool bus_client, struct job *job, sd_bus_slot **slot)
{
	int r = sd_bus_match_signal(bus, slot, bus_client ? SYSTEMD : NULL, SYSTEMD_PATH, MANAGER,
				    "JobRemoved", on_job_removed, job);
	return r < 0 ? fail("watch systemd's jobs: %s", strerror(-r)) : 0;
}

static int wait_job(sd_bus *bus, struct job *job, const char *what, const char *unit,
		    uint64_t timeout_us)
{
	uint64_t deadline = now_us() + timeout_us;
	while (job->result == NULL) {
		int r = sd_bus_process(bus, NULL);
		if (r < 0)
			return fail("%s %s: lost the connection to systemd: %s", what, unit,
				    strerror(-r));
		if (r > 0)
			continue;
		uint64_t now = now_us();
		if (now >= deadline)
			return fail("%s %s: systemd did not finish the job in %" PRIu64 " ms", what,
				    unit, timeout_us / 1000);
		r = sd_bus_wait(bus, deadline - now);
		if (r < 0 && r != -EINTR)
			return fail("%s %s: %s", what, unit, strerror(-r));
	}
	return 0;
}

/* The job object path of a method's reply. */
static int read_job(sd_bus_message *reply, struct job *job)
{
	const char *path;
	int r = sd_bus_message_read(reply, "o", &path);
	if (r < 0)
		return fail("systemd's reply: %s", strerror(-r));
	job->path = strdup(path);
	return job->path ? 0 : fail("out of memory");
}

static int reset_failed(sd_bus *bus, const char *unit)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd_bus_call_method(bus, SYSTEMD, SYSTEMD_PATH, MANAGER, "ResetFailedUnit", &e, NULL,
				   "s", unit);
	sd_bus_error_free(&e);
	return r;
}

/* -------------------------------------------------------------- commands */

static const char *unit_interface(const char *unit)
{
	const char *dot = strrchr(unit, '.');
	if (dot && strcmp(dot, ".slice") == 0)
		return "org.freedesktop.systemd1.Slice";
	if (dot && strcmp(dot, ".service") == 0)
		return "org.freedesktop.systemd1.Service";
	return "org.freedesktop.systemd1.Scope";
}

static int print_control_group(sd_bus *bus, const char *unit)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	char *cgroup = NULL;
	int r = sd_bus_call_method(bus, SYSTEMD, SYSTEMD_PATH, MANAGER, "GetUnit", &e, &reply, "s",
				   unit);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0)
		r = sd_bus_get_property_string(bus, SYSTEMD, path, unit_interface(unit),
					       "ControlGroup", &e, &cgroup);
	if (r < 0)
		r = call_failed("ControlGroup of", unit, &e, r);
	else
		r = printf("%s\n", cgroup) < 0 ? fail("write the ControlGroup: %s", strerror(errno))
					       : 0;
	free(cgroup);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&e);
	return r;
}

/* A StartTransientUnit call for the unit and its properties. */
static int start_call(sd_bus *bus, const struct options *o, sd_bus_message **m)
{
	struct words w = {.property = "(all)"};
	if (built(sd_bus_message_new_method_call(bus, m, SYSTEMD, SYSTEMD_PATH, MANAGER,
						 "StartTransientUnit"),
		  &w) < 0 ||
	    built(sd_bus_message_append(*m, "ss", o->unit, "replace"), &w) < 0 ||
	    append_properties(*m, o->props) < 0 ||
	    built(sd_bus_message_append(*m, "a(sa(sv))", 0), &w) < 0)
		return -1;
	return 0;
}

static int start_unit(sd_bus *bus, bool bus_client, const struct options *o)
{
	struct job job = {0};
	sd_bus_slot *slot = NULL;
	int r = watch_jobs(bus, bus_client, &job, &slot);
	for (int attempt = 0; r == 0; attempt++) {
		sd_bus_message *m = NULL, *reply = NULL;
		sd_bus_error e = SD_BUS_ERROR_NULL;
		r = start_call(bus, o, &m);
		int c = r < 0 ? 0 : sd_bus_call(bus, m, 0, &e, &reply);
		sd_bus_message_unref(m);
		/* A failed unit of that name, left by a container that was
		 * never deleted, is reset and the start tried once more. */
		if (c < 0 && attempt == 0 &&
		    sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists")) {
			sd_bus_error_free(&e);
			reset_failed(bus, o->unit);
			continue;
		}
		if (r == 0 && c < 0)
			r = call_failed("StartTransientUnit", o->unit, &e, c);
		else if (r == 0)
			r = read_job(reply, &job);
		sd_bus_message_unref(reply);
		sd_bus_error_free(&e);
		break;
	}
	if (r == 0)
		r = wait_job(bus, &job, "start unit", o->unit, o->timeout_us);
	if (r == 0 && strcmp(job.result, "done") != 0) {
		/* Its name must stay usable for the next try. */
		reset_failed(bus, o->unit);
		r = fail("start unit %s: systemd's job ended with \"%s\" (journalctl -u %s may "
			 "say why)",
			 o->unit, job.result, o->unit);
	}
	if (r == 0)
		r = print_control_group(bus, o->unit);
	sd_bus_slot_unref(slot);
	free(job.path);
	free(job.result);
	return r;
}

static int set_properties(sd_bus *bus, const struct options *o)
{
	sd_bus_message *m = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	struct words w = {.property = "(all)"};
	int r = 0;
	if (built(sd_bus_message_new_method_call(bus, &m, SYSTEMD, SYSTEMD_PATH, MANAGER,
						 "SetUnitProperties"),
		  &w) < 0 ||
	    built(sd_bus_message_append(m, "sb", o->unit, 1), &w) < 0 ||
	    append_properties(m, o->props) < 0)
		r = -1;
	int c = r < 0 ? 0 : sd_bus_call(bus, m, 0, &e, NULL);
	if (c < 0)
		r = call_failed("SetUnitProperties", o->unit, &e, c);
	sd_bus_message_unref(m);
	sd_bus_error_free(&e);
	return r;
}

static int stop_unit(sd_bus *bus, bool bus_client, const struct options *o)
{
	struct job job = {0};
	sd_bus_slot *slot = NULL;
	sd_bus_message *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = watch_jobs(bus, bus_client, &job, &slot);
	int c = r < 0 ? 0
		      : sd_bus_call_method(bus, SYSTEMD, SYSTEMD_PATH, MANAGER, "StopUnit", &e,
					   &reply, "ss", o->unit, "replace");
	if (c < 0 && sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")) {
		/* Gone already: a scope goes when its last process does. */
	} else if (c < 0) {
		r = call_failed("StopUnit", o->unit, &e, c);
	} else if (r == 0) {
		r = read_job(reply, &job);
		if (r == 0)
			r = wait_job(bus, &job, "stop unit", o->unit, o->timeout_us);
		if (r == 0 && strcmp(job.result, "done") != 0)
			fprintf(stderr, "stop unit %s: systemd's job ended with \"%s\"\n", o->unit,
				job.result);
	}
	/* A unit that failed stays loaded, holding its name, until reset. */
	if (r == 0)
		reset_failed(bus, o->unit);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&e);
	sd_bus_slot_unref(slot);
	free(job.path);
	free(job.result);
	return r;
}

int main(int argc, char **argv)
{
	struct options o = {.timeout_us = 30 * 1000000ULL};
	if (argc < 2)
		return usage("no command");
	o.command = argv[1];
	int i = 2;
	for (; i < argc && strcmp(argv[i], "-p") != 0; i++) {
		if (strcmp(argv[i], "--unit") == 0 && i + 1 < argc) {
			o.unit = argv[++i];
		} else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc) {
			char *end;
			unsigned long long ms = strtoull(argv[++i], &end, 10);
			if (*end || ms == 0 || ms > 3600000)
				return usage("--timeout-ms \"%s\": 1 to 3600000", argv[i]);
			o.timeout_us = ms * 1000;
		} else {
			return usage("unknown argument \"%s\"", argv[i]);
		}
	}
	o.props = argv + i;
	if (o.unit == NULL || *o.unit == '\0')
		return usage("--unit is required");
	bool start = strcmp(o.command, "start-unit") == 0;
	bool set = strcmp(o.command, "set-properties") == 0;
	bool stop = strcmp(o.command, "stop-unit") == 0;
	if (!start && !set && !stop)
		return usage("unknown command \"%s\"", o.command);
	if (stop && *o.props)
		return usage("stop-unit takes no properties");

	sd_bus *bus = NULL;
	bool bus_client = false;
	int r = connect_systemd(&bus, &bus_client);
	if (r == 0)
		r = start ? start_unit(bus, bus_client, &o)
		    : set ? set_properties(bus, &o)
			  : stop_unit(bus, bus_client, &o);
	sd_bus_flush_close_unref(bus);
	fflush(stdout);
	return r < 0 ? 1 : 0;
}
