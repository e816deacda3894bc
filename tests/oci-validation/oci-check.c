/* oci-check: petrel's conformance checker. It runs as the container's process, loads the
 * bundle's config.json through libocispec and verifies from inside, through /proc and the
 * filesystem only, that the process and what it sees match the config. Output is TAP.
 * Checks are a table ordered by the runtime spec's sections; adding one is writing a function
 * and a table line (see README.md). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "libocispec/ocispec.h"
#include "libpetrel/cleanup.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NOT_SET "not set in config.json"

/* ------------------------------------------------------------------ the TAP API */

struct check {
	const char *section; /* the runtime spec section, the unit of --only */
	const char *name;    /* the config field, prefix of every result line */
	void (*run)(const struct oci_spec *spec);
};

static struct {
	const struct check *current;
	int count;
	int failed;
	int current_results;
} tap;

/* A result line must stay one line, and a `#` would start a TAP directive. */
static void print_sanitized(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r')
			putchar(' ');
		else if (*s == '#')
			fputs("\\#", stdout);
		else
			putchar(*s);
	}
}

__attribute__((format(printf, 1, 0))) static void check_vdiag(const char *fmt, va_list ap)
{
	char buf[4096];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (char *line = buf; line;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		printf("#   %s\n", line);
		line = next && *next ? next : NULL;
	}
}

/* A `#` diagnostic line; call it after the result it explains. */
__attribute__((format(printf, 1, 2))) static void check_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	check_vdiag(fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 0))) static bool check_vok(bool cond, const char *fmt, va_list ap)
{
	char detail[2048];
	vsnprintf(detail, sizeof(detail), fmt, ap);
	tap.count++;
	tap.current_results++;
	if (!cond)
		tap.failed++;
	printf("%sok %d - %s: ", cond ? "" : "not ", tap.count, tap.current->name);
	print_sanitized(detail);
	putchar('\n');
	return cond;
}

/* One result, `ok N - <check name>: <detail>`. */
__attribute__((format(printf, 2, 3))) static bool check_ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool r = check_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

/* A result that was not checked, with the reason: `ok N - <check name> # SKIP <reason>`. */
__attribute__((format(printf, 1, 2))) static void check_skip(const char *fmt, ...)
{
	char reason[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	tap.count++;
	tap.current_results++;
	printf("ok %d - %s # SKIP ", tap.count, tap.current->name);
	print_sanitized(reason);
	putchar('\n');
}

__attribute__((format(printf, 3, 4))) static bool check_is_str(const char *got, const char *want,
							       const char *fmt, ...)
{
	bool same = got && want && strcmp(got, want) == 0;
	va_list ap;
	va_start(ap, fmt);
	check_vok(same, fmt, ap);
	va_end(ap);
	if (!same)
		check_diag("got:      %s\nexpected: %s", got ? got : "(nothing)", want);
	return same;
}

__attribute__((format(printf, 3, 4))) static bool check_is_int(int64_t got, int64_t want,
							       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	check_vok(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		check_diag("got:      %" PRId64 "\nexpected: %" PRId64, got, want);
	return got == want;
}

/* The reasons one result fails, gathered while looking at several properties of one object
 * (a mount, a device) and printed as diagnostics under its single result line. */
struct problems {
	char text[4096];
	size_t len;
	int count;
};

__attribute__((format(printf, 2, 3))) static void problem(struct problems *p, const char *fmt, ...)
{
	va_list ap;
	p->count++;
	if (p->len + 2 >= sizeof(p->text))
		return;
	if (p->len)
		p->text[p->len++] = '\n';
	va_start(ap, fmt);
	int n = vsnprintf(p->text + p->len, sizeof(p->text) - p->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n < sizeof(p->text) - p->len ? (size_t)n
							       : sizeof(p->text) - p->len - 1;
}

__attribute__((format(printf, 2, 3))) static bool check_problems(const struct problems *p,
								 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	check_vok(p->count == 0, fmt, ap);
	va_end(ap);
	if (p->count)
		check_diag("%s", p->text);
	return p->count == 0;
}

/* ------------------------------------------------------------- reading /proc */

/* The whole of a small file, NUL-terminated, its length (without the NUL) in *len; NULL with
 * errno set. */
static char *read_bytes(const char *path, size_t *len)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	size_t cap = 4096;
	cleanup_free char *buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	*len = 0;
	for (;;) {
		size_t n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
		if (n == 0)
			break;
		if (*len + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);
			if (bigger == NULL)
				return NULL;
			buf = bigger;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		errno = EIO;
		return NULL;
	}
	buf[*len] = '\0';
	return steal_ptr(&buf);
}

static char *read_text(const char *path)
{
	size_t len;
	return read_bytes(path, &len);
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Splits a buffer into lines in place: `for (char *l = buf, *n; next_line(&l, &n); l = n)`. */
static bool next_line(char **line, char **next)
{
	if (*line == NULL || **line == '\0')
		return false;
	*next = strchr(*line, '\n');
	if (*next)
		*(*next)++ = '\0';
	return true;
}

/* The value of `field` in /proc/self/status, malloc'd; NULL with errno set. */
static char *status_field(const char *field)
{
	cleanup_free char *status = read_text("/proc/self/status");
	if (status == NULL)
		return NULL;
	size_t flen = strlen(field);
	for (char *l = status, *n; next_line(&l, &n); l = n) {
		if (strncmp(l, field, flen) == 0 && l[flen] == ':')
			return strdup(trim(l + flen + 1));
	}
	errno = ENOENT;
	return NULL;
}

/* Collapses runs of whitespace to one space and trims, so that sysctl values written with
 * spaces compare equal to the kernel's tab-separated ones. */
static void normalize_space(char *s)
{
	char *out = s;
	bool space = false;
	for (char *in = trim(s); *in; in++) {
		if (isspace((unsigned char)*in)) {
			space = true;
			continue;
		}
		if (space && out != s)
			*out++ = ' ';
		space = false;
		*out++ = *in;
	}
	*out = '\0';
}

static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, item, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static bool strv_has(char **v, size_t len, const char *item)
{
	for (size_t i = 0; i < len; i++)
		if (strcmp(v[i], item) == 0)
			return true;
	return false;
}

/* One line of /proc/self/mountinfo, pointing into the table's buffer. */
struct mount_entry {
	char *root;
	char *mount_point;
	char *mount_options; /* per mount: ro, nosuid, ... */
	char *optional;      /* propagation tags: shared:N master:N unbindable */
	char *fstype;
	char *source;
	char *super_options;
};

struct mount_table {
	char *text;
	struct mount_entry *entries;
	size_t len;
};

static void mount_table_free(struct mount_table *t)
{
	free(t->text);
	free(t->entries);
}
#define cleanup_mount_table __attribute__((cleanup(mount_table_free)))

/* The kernel escapes space, tab, newline and backslash as \ooo. */
static char *unescape_octal(char *s)
{
	char *out = s;
	for (char *in = s; *in; in++) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 3;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
	return s;
}

static bool parse_mount_line(char *line, struct mount_entry *e)
{
	char *sep = strstr(line, " - ");
	if (sep == NULL)
		return false;
	*sep = '\0';
	char *right = sep + 3, *left = line, *f[6];
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if ((f[i] = strsep(&left, " ")) == NULL)
			return false;
	e->root = unescape_octal(f[3]);
	e->mount_point = unescape_octal(f[4]);
	e->mount_options = f[5];
	e->optional = left ? left : (char *)"";
	e->fstype = strsep(&right, " ");
	e->source = unescape_octal(strsep(&right, " ") ?: (char *)"");
	e->super_options = right ? right : (char *)"";
	return e->fstype != NULL;
}

static int mount_table_read(struct mount_table *t)
{
	*t = (struct mount_table){0};
	t->text = read_text("/proc/self/mountinfo");
	if (t->text == NULL)
		return -1;
	size_t lines = 1;
	for (const char *p = t->text; *p; p++)
		lines += *p == '\n';
	t->entries = calloc(lines, sizeof(*t->entries));
	if (t->entries == NULL)
		return -1;
	for (char *l = t->text, *n; next_line(&l, &n); l = n)
		if (parse_mount_line(l, &t->entries[t->len]))
			t->len++;
	return 0;
}

/* The mount visible at `path`: the last one mounted there. */
static const struct mount_entry *mount_at(const struct mount_table *t, const char *path)
{
	for (size_t i = t->len; i-- > 0;)
		if (strcmp(t->entries[i].mount_point, path) == 0)
			return &t->entries[i];
	return NULL;
}

/* Paths in the config may go through symlinks inside the rootfs; the kernel shows the target. */
static const char *resolve(const char *path, char buf[PATH_MAX])
{
	return realpath(path, buf) ? buf : path;
}

/* -------------------------------------------------------------- config.md: root */

static void check_root_readonly(const struct oci_spec *spec)
{
	struct statvfs sv;
	if (spec->root == NULL || !spec->root->has_readonly) {
		check_skip(NOT_SET);
		return;
	}
	if (statvfs("/", &sv) < 0) {
		check_ok(false, "statvfs /: %s", strerror(errno));
		return;
	}
	if (spec->root->readonly) {
		check_ok(sv.f_flag & ST_RDONLY, "/ is read-only");
		return;
	}
	/* false: the runtime must not have made the root mount read-only; the per-mount flags
	 * say that even when the filesystem underneath is read-only itself. */
	cleanup_mount_table struct mount_table t = {0};
	if (mount_table_read(&t) < 0) {
		check_ok(false, "read /proc/self/mountinfo: %s", strerror(errno));
		return;
	}
	const struct mount_entry *root = mount_at(&t, "/");
	if (!check_ok(root && list_has(root->mount_options, "rw"), "/ is mounted read-write"))
		check_diag("mount options: %s",
			   root ? root->mount_options : "(/ is no mount point)");
}

/* ------------------------------------------------------------ config.md: mounts */

static const struct {
	const char *option;
	unsigned long flag;
} mount_flag_options[] = {
	{"ro", ST_RDONLY},     {"nosuid", ST_NOSUID},   {"nodev", ST_NODEV},
	{"noexec", ST_NOEXEC}, {"noatime", ST_NOATIME}, {"nodiratime", ST_NODIRATIME},
};

static bool mount_is_bind(const struct oci_mount *m)
{
	return (m->type && (strcmp(m->type, "bind") == 0 || strcmp(m->type, "none") == 0)) ||
	       strv_has(m->options, m->options_len, "bind") ||
	       strv_has(m->options, m->options_len, "rbind");
}

/* A `cgroup` mount is cgroup2 on a unified host and a tmpfs of v1 hierarchies on a legacy one. */
static bool mount_type_matches(const char *want, const char *got)
{
	if (strcmp(want, got) == 0)
		return true;
	return strcmp(want, "cgroup") == 0 &&
	       (strcmp(got, "cgroup2") == 0 || strcmp(got, "tmpfs") == 0);
}

static void check_one_mount(const struct mount_table *t, const struct oci_mount *m)
{
	char buf[PATH_MAX];
	const char *path = resolve(m->destination, buf);
	const struct mount_entry *e = mount_at(t, path);
	struct problems p = {0};
	struct statvfs sv;

	if (e == NULL) {
		problem(&p, "%s is not a mount point", path);
	} else if (!mount_is_bind(m) && m->type && !mount_type_matches(m->type, e->fstype)) {
		problem(&p, "type: got %s, expected %s", e->fstype, m->type);
	}
	if (e && statvfs(path, &sv) < 0) {
		problem(&p, "statvfs %s: %s", path, strerror(errno));
	} else if (e) {
		for (size_t i = 0; i < ARRAY_SIZE(mount_flag_options); i++) {
			const char *opt = mount_flag_options[i].option;
			if (strv_has(m->options, m->options_len, opt) &&
			    !(sv.f_flag & mount_flag_options[i].flag))
				problem(&p, "option %s is not in effect (mount options %s)", opt,
					e->mount_options);
		}
	}
	check_problems(&p, "%s (%s)", m->destination, m->type ? m->type : "no type");
}

static void check_mounts(const struct oci_spec *spec)
{
	cleanup_mount_table struct mount_table t = {0};
	if (spec->mounts == NULL || spec->mounts_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	if (mount_table_read(&t) < 0) {
		check_ok(false, "read /proc/self/mountinfo: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < spec->mounts_len; i++) {
		const struct oci_mount *m = &spec->mounts[i];
		bool shadowed = false;
		for (size_t j = i + 1; j < spec->mounts_len; j++)
			shadowed |= strcmp(spec->mounts[j].destination, m->destination) == 0;
		if (shadowed)
			check_skip("%s: mounts[%zu] is covered by a later mount on the same path",
				   m->destination, i);
		else
			check_one_mount(&t, m);
	}
}

/* ----------------------------------------------------------- config.md: process */

static void check_process_terminal(const struct oci_spec *spec)
{
	struct stat console, in;
	if (spec->process == NULL || !spec->process->has_terminal) {
		check_skip(NOT_SET);
		return;
	}
	if (!spec->process->terminal) {
		check_skip("terminal is false: whatever stdio the caller passed is allowed");
		return;
	}
	bool tty = isatty(0) && isatty(1) && isatty(2);
	check_ok(tty, "stdin, stdout and stderr are a terminal");
	bool same = stat("/dev/console", &console) == 0 && fstat(0, &in) == 0 &&
		    S_ISCHR(console.st_mode) && console.st_rdev == in.st_rdev;
	check_ok(same, "/dev/console is the terminal on stdin");
}

static void check_process_console_size(const struct oci_spec *spec)
{
	struct winsize ws;
	const struct oci_process *p = spec->process;
	if (p == NULL || p->console_size == NULL) {
		check_skip(NOT_SET);
		return;
	}
	if (!p->terminal) {
		check_skip("terminal is false: consoleSize does not apply");
		return;
	}
	if (ioctl(1, TIOCGWINSZ, &ws) < 0) {
		check_ok(false, "TIOCGWINSZ on stdout: %s", strerror(errno));
		return;
	}
	check_is_int(ws.ws_row, p->console_size->height, "height %u", p->console_size->height);
	check_is_int(ws.ws_col, p->console_size->width, "width %u", p->console_size->width);
}

static void check_process_user_uid(const struct oci_spec *spec)
{
	uid_t r, e, s;
	const struct oci_user *u = spec->process ? spec->process->user : NULL;
	if (u == NULL || !u->has_uid) {
		check_skip(NOT_SET);
		return;
	}
	getresuid(&r, &e, &s);
	if (!check_ok(r == u->uid && e == u->uid && s == u->uid,
		      "real, effective and saved uid are %u", u->uid))
		check_diag("got: real %u effective %u saved %u", r, e, s);
}

static void check_process_user_gid(const struct oci_spec *spec)
{
	gid_t r, e, s;
	const struct oci_user *u = spec->process ? spec->process->user : NULL;
	if (u == NULL || !u->has_gid) {
		check_skip(NOT_SET);
		return;
	}
	getresgid(&r, &e, &s);
	if (!check_ok(r == u->gid && e == u->gid && s == u->gid,
		      "real, effective and saved gid are %u", u->gid))
		check_diag("got: real %u effective %u saved %u", r, e, s);
}

/* The supplementary groups are exactly additionalGids; the primary gid may appear too, since
 * the kernel allows it in either place. */
static void check_process_user_additional_gids(const struct oci_spec *spec)
{
	const struct oci_user *u = spec->process ? spec->process->user : NULL;
	struct problems p = {0};
	if (u == NULL || u->additional_gids == NULL) {
		check_skip(NOT_SET);
		return;
	}
	int n = getgroups(0, NULL);
	cleanup_free gid_t *groups = n > 0 ? calloc((size_t)n, sizeof(*groups)) : NULL;
	if (n > 0)
		n = groups ? getgroups(n, groups) : -1;
	if (n < 0) {
		check_ok(false, "getgroups: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < u->additional_gids_len; i++) {
		bool found = false;
		for (int j = 0; j < n; j++)
			found |= groups[j] == u->additional_gids[i];
		if (!found)
			problem(&p, "missing group %u", u->additional_gids[i]);
	}
	for (int j = 0; j < n; j++) {
		bool listed = u->has_gid && groups[j] == u->gid;
		for (size_t i = 0; i < u->additional_gids_len; i++)
			listed |= groups[j] == u->additional_gids[i];
		if (!listed)
			problem(&p, "unexpected group %u", groups[j]);
	}
	check_problems(&p, "supplementary groups are the %zu listed", u->additional_gids_len);
}

static void check_process_user_umask(const struct oci_spec *spec)
{
	const struct oci_user *u = spec->process ? spec->process->user : NULL;
	if (u == NULL || !u->has_umask) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *got = status_field("Umask");
	if (got == NULL) {
		check_ok(false, "read Umask from /proc/self/status: %s", strerror(errno));
		return;
	}
	unsigned long mask = strtoul(got, NULL, 8);
	if (!check_ok(mask == u->umask, "umask %04o", u->umask))
		check_diag("got: %04lo", mask);
}

static void check_process_cwd(const struct oci_spec *spec)
{
	char want_buf[PATH_MAX], got[PATH_MAX];
	if (spec->process == NULL || spec->process->cwd == NULL) {
		check_skip(NOT_SET);
		return;
	}
	const char *want = resolve(spec->process->cwd, want_buf);
	if (getcwd(got, sizeof(got)) == NULL) {
		check_ok(false, "getcwd: %s", strerror(errno));
		return;
	}
	check_is_str(got, want, "%s", spec->process->cwd);
}

static void check_process_env(const struct oci_spec *spec)
{
	const struct oci_process *p = spec->process;
	if (p == NULL || p->env == NULL || p->env_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < p->env_len; i++) {
		const char *entry = p->env[i];
		const char *eq = strchr(entry, '=');
		bool found = false;
		for (char **e = environ; *e && !found; e++)
			found = strcmp(*e, entry) == 0;
		if (check_ok(found, "%s", entry) || eq == NULL)
			continue;
		cleanup_free char *name = strndup(entry, (size_t)(eq - entry));
		const char *value = name ? getenv(name) : NULL;
		check_diag("got: %s%s%s", name ? name : "", value ? "=" : " is not set",
			   value ? value : "");
	}
}

/* Only when args[0] names this checker is it the container's process; otherwise the config
 * describes some other program and there is nothing to compare. */
static void check_process_args(const struct oci_spec *spec)
{
	const struct oci_process *p = spec->process;
	if (p == NULL || p->args == NULL || p->args_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	size_t len = 0, argc = 0;
	char *argv[256];
	cleanup_free char *cmdline = read_bytes("/proc/self/cmdline", &len);
	for (size_t off = 0; cmdline && off < len && argc < ARRAY_SIZE(argv); argc++) {
		argv[argc] = cmdline + off;
		off += strlen(argv[argc]) + 1;
	}
	if (argc == 0) {
		check_ok(false, "read /proc/self/cmdline: %s", strerror(errno));
		return;
	}
	const char *want0 = strrchr(p->args[0], '/'), *got0 = strrchr(argv[0], '/');
	want0 = want0 ? want0 + 1 : p->args[0];
	got0 = got0 ? got0 + 1 : argv[0];
	if (strcmp(want0, got0) != 0) {
		check_skip("process.args starts %s, not this checker (%s)", p->args[0], argv[0]);
		return;
	}
	struct problems pr = {0};
	if (argc != p->args_len)
		problem(&pr, "got %zu arguments, expected %zu", argc, p->args_len);
	for (size_t i = 0; i < argc && i < p->args_len; i++)
		if (strcmp(argv[i], p->args[i]) != 0)
			problem(&pr, "argv[%zu]: got %s, expected %s", i, argv[i], p->args[i]);
	check_problems(&pr, "argv is the %zu args", p->args_len);
}

/* Capability numbers from the kernel header, so the table cannot drift from it. */
#define CAP(n) [CAP_##n] = "CAP_" #n
static const char *const capability_names[] = {
	CAP(CHOWN),
	CAP(DAC_OVERRIDE),
	CAP(DAC_READ_SEARCH),
	CAP(FOWNER),
	CAP(FSETID),
	CAP(KILL),
	CAP(SETGID),
	CAP(SETUID),
	CAP(SETPCAP),
	CAP(LINUX_IMMUTABLE),
	CAP(NET_BIND_SERVICE),
	CAP(NET_BROADCAST),
	CAP(NET_ADMIN),
	CAP(NET_RAW),
	CAP(IPC_LOCK),
	CAP(IPC_OWNER),
	CAP(SYS_MODULE),
	CAP(SYS_RAWIO),
	CAP(SYS_CHROOT),
	CAP(SYS_PTRACE),
	CAP(SYS_PACCT),
	CAP(SYS_ADMIN),
	CAP(SYS_BOOT),
	CAP(SYS_NICE),
	CAP(SYS_RESOURCE),
	CAP(SYS_TIME),
	CAP(SYS_TTY_CONFIG),
	CAP(MKNOD),
	CAP(LEASE),
	CAP(AUDIT_WRITE),
	CAP(AUDIT_CONTROL),
	CAP(SETFCAP),
	CAP(MAC_OVERRIDE),
	CAP(MAC_ADMIN),
	CAP(SYSLOG),
	CAP(WAKE_ALARM),
	CAP(BLOCK_SUSPEND),
	CAP(AUDIT_READ),
	CAP(PERFMON),
	CAP(BPF),
	CAP(CHECKPOINT_RESTORE),
};
#undef CAP

static int capability_number(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(capability_names); i++)
		if (capability_names[i] && strcmp(capability_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* Capabilities the kernel does not know cannot be held, so only bits up to cap_last_cap (and
 * up to the last one this table names) are compared. */
static unsigned int last_comparable_capability(void)
{
	unsigned int last = ARRAY_SIZE(capability_names) - 1;
	cleanup_free char *text = read_text("/proc/sys/kernel/cap_last_cap");
	if (text) {
		unsigned long kernel_last = strtoul(text, NULL, 10);
		if (kernel_last < last)
			last = (unsigned int)kernel_last;
	}
	return last;
}

static void append_capabilities(struct problems *p, const char *label, uint64_t set)
{
	char names[2048] = "";
	size_t len = 0;
	for (unsigned int i = 0; i < 64; i++) {
		if (!(set & (UINT64_C(1) << i)))
			continue;
		const char *name = i < ARRAY_SIZE(capability_names) ? capability_names[i] : NULL;
		len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
					"%s%s", len ? " " : "", name ? name : "?");
	}
	if (set)
		problem(p, "%s: %s", label, names);
}

static void check_capability_set(char **names, size_t len, const char *status_name)
{
	if (names == NULL) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *hex = status_field(status_name);
	if (hex == NULL) {
		check_ok(false, "read %s from /proc/self/status: %s", status_name, strerror(errno));
		return;
	}
	unsigned int last = last_comparable_capability();
	uint64_t mask = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
	uint64_t got = strtoull(hex, NULL, 16) & mask, want = 0;
	char ignored[1024] = "";
	size_t ignored_len = 0;
	for (size_t i = 0; i < len; i++) {
		int n = capability_number(names[i]);
		if (n >= 0 && (unsigned int)n <= last) {
			want |= UINT64_C(1) << n;
			continue;
		}
		ignored_len += (size_t)snprintf(
			ignored + ignored_len,
			ignored_len < sizeof(ignored) ? sizeof(ignored) - ignored_len : 0, " %s",
			names[i]);
	}
	struct problems p = {0};
	append_capabilities(&p, "missing", want & ~got);
	append_capabilities(&p, "unexpected", got & ~want);
	check_problems(&p, "%s equals the %zu listed", status_name, len);
	if (ignored_len)
		check_diag("ignored (unknown to the kernel or to oci-check):%s", ignored);
}

#define CAPABILITY_CHECK(set, status_name)                                                         \
	static void check_capabilities_##set(const struct oci_spec *spec)                          \
	{                                                                                          \
		const struct oci_capabilities *c =                                                 \
			spec->process ? spec->process->capabilities : NULL;                        \
		check_capability_set(c ? c->set : NULL, c ? c->set##_len : 0, status_name);        \
	}
CAPABILITY_CHECK(bounding, "CapBnd")
CAPABILITY_CHECK(effective, "CapEff")
CAPABILITY_CHECK(permitted, "CapPrm")
CAPABILITY_CHECK(inheritable, "CapInh")
CAPABILITY_CHECK(ambient, "CapAmb")
#undef CAPABILITY_CHECK

/* Indexed by resource number, like the capability names. */
#define RLIMIT(n) [RLIMIT_##n] = "RLIMIT_" #n
static const char *const rlimit_names[] = {
	RLIMIT(AS),     RLIMIT(CORE),   RLIMIT(CPU),        RLIMIT(DATA),
	RLIMIT(FSIZE),  RLIMIT(LOCKS),  RLIMIT(MEMLOCK),    RLIMIT(MSGQUEUE),
	RLIMIT(NICE),   RLIMIT(NOFILE), RLIMIT(NPROC),      RLIMIT(RSS),
	RLIMIT(RTPRIO), RLIMIT(RTTIME), RLIMIT(SIGPENDING), RLIMIT(STACK),
};
#undef RLIMIT

static void check_process_rlimits(const struct oci_spec *spec)
{
	const struct oci_process *p = spec->process;
	if (p == NULL || p->rlimits == NULL || p->rlimits_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < p->rlimits_len; i++) {
		const struct oci_rlimit *want = &p->rlimits[i];
		int resource = -1;
		struct rlimit got;
		for (size_t j = 0; j < ARRAY_SIZE(rlimit_names); j++)
			if (rlimit_names[j] && strcmp(rlimit_names[j], want->type) == 0)
				resource = (int)j;
		if (resource < 0) {
			check_ok(false, "%s is not a Linux rlimit", want->type);
			continue;
		}
		if (getrlimit(resource, &got) < 0) {
			check_ok(false, "%s: getrlimit: %s", want->type, strerror(errno));
			continue;
		}
		bool same = got.rlim_cur == want->soft && got.rlim_max == want->hard;
		if (!check_ok(same, "%s soft %" PRIu64 " hard %" PRIu64, want->type, want->soft,
			      want->hard))
			check_diag("got: soft %llu hard %llu", (unsigned long long)got.rlim_cur,
				   (unsigned long long)got.rlim_max);
	}
}

static void check_process_no_new_privileges(const struct oci_spec *spec)
{
	if (spec->process == NULL || !spec->process->has_no_new_privileges) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *got = status_field("NoNewPrivs");
	if (got == NULL) {
		check_ok(false, "read NoNewPrivs from /proc/self/status: %s", strerror(errno));
		return;
	}
	check_is_str(got, spec->process->no_new_privileges ? "1" : "0", "NoNewPrivs is %s",
		     spec->process->no_new_privileges ? "set" : "clear");
}

static void check_process_oom_score_adj(const struct oci_spec *spec)
{
	if (spec->process == NULL || !spec->process->has_oom_score_adj) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *got = read_text("/proc/self/oom_score_adj");
	if (got == NULL) {
		check_ok(false, "read /proc/self/oom_score_adj: %s", strerror(errno));
		return;
	}
	check_is_int(strtol(got, NULL, 10), spec->process->oom_score_adj, "%d",
		     spec->process->oom_score_adj);
}

static const struct {
	const char *name;
	int policy;
} scheduler_policies[] = {
	{"SCHED_OTHER", SCHED_OTHER},       {"SCHED_FIFO", SCHED_FIFO}, {"SCHED_RR", SCHED_RR},
	{"SCHED_BATCH", SCHED_BATCH},       {"SCHED_ISO", 4},           {"SCHED_IDLE", SCHED_IDLE},
	{"SCHED_DEADLINE", SCHED_DEADLINE},
};

static void check_process_scheduler(const struct oci_spec *spec)
{
	const struct oci_scheduler *s = spec->process ? spec->process->scheduler : NULL;
	struct problems p = {0};
	struct sched_param param;
	if (s == NULL) {
		check_skip(NOT_SET);
		return;
	}
	int want = -1;
	for (size_t i = 0; i < ARRAY_SIZE(scheduler_policies); i++)
		if (strcmp(scheduler_policies[i].name, s->policy) == 0)
			want = scheduler_policies[i].policy;
	int got = sched_getscheduler(0);
	if (want < 0)
		problem(&p, "unknown policy %s", s->policy);
	else if (got < 0)
		problem(&p, "sched_getscheduler: %s", strerror(errno));
	else if ((got & ~SCHED_RESET_ON_FORK) != want)
		problem(&p, "policy: got %d, expected %d", got & ~SCHED_RESET_ON_FORK, want);
	if (s->has_nice) {
		errno = 0;
		int nice = getpriority(PRIO_PROCESS, 0);
		if (errno)
			problem(&p, "getpriority: %s", strerror(errno));
		else if (nice != s->nice)
			problem(&p, "nice: got %d, expected %d", nice, s->nice);
	}
	if (s->has_priority) {
		if (sched_getparam(0, &param) < 0)
			problem(&p, "sched_getparam: %s", strerror(errno));
		else if (param.sched_priority != s->priority)
			problem(&p, "priority: got %d, expected %d", param.sched_priority,
				s->priority);
	}
	check_problems(&p, "%s", s->policy);
}

static void check_process_io_priority(const struct oci_spec *spec)
{
	static const char *const classes[] = {"IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT",
					      "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"};
	const struct oci_io_priority *io = spec->process ? spec->process->io_priority : NULL;
	if (io == NULL) {
		check_skip(NOT_SET);
		return;
	}
	long value = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
	if (value < 0) {
		check_ok(false, "ioprio_get: %s", strerror(errno));
		return;
	}
	long cls = value >> 13, data = value & 0x1fff;
	const char *got = cls < (long)ARRAY_SIZE(classes) ? classes[cls] : "unknown class";
	struct problems p = {0};
	if (strcmp(got, io->class) != 0)
		problem(&p, "class: got %s, expected %s", got, io->class);
	if (io->has_priority && data != io->priority)
		problem(&p, "priority: got %ld, expected %d", data, io->priority);
	check_problems(&p, "%s priority %d", io->class, io->priority);
}

/* --------------------------------------------------- config.md: hostname, domainname */

static void check_hostname(const struct oci_spec *spec)
{
	struct utsname u;
	if (spec->hostname == NULL) {
		check_skip(NOT_SET);
		return;
	}
	uname(&u);
	check_is_str(u.nodename, spec->hostname, "%s", spec->hostname);
}

static void check_domainname(const struct oci_spec *spec)
{
	struct utsname u;
	if (spec->domainname == NULL) {
		check_skip(NOT_SET);
		return;
	}
	uname(&u);
	check_is_str(u.domainname, spec->domainname, "%s", spec->domainname);
}

/* ------------------------------------------------------ config-linux.md: namespaces */

static const struct {
	const char *type; /* as in config.json */
	const char *file; /* in /proc/self/ns */
} namespace_files[] = {
	{"pid", "pid"}, {"network", "net"}, {"mount", "mnt"},     {"ipc", "ipc"},
	{"uts", "uts"}, {"user", "user"},   {"cgroup", "cgroup"}, {"time", "time"},
};

/* In its own cgroup namespace the process sees itself at the root of every hierarchy. */
static void cgroup_namespace_problems(struct problems *p)
{
	cleanup_free char *text = read_text("/proc/self/cgroup");
	if (text == NULL) {
		problem(p, "read /proc/self/cgroup: %s", strerror(errno));
		return;
	}
	for (char *l = text, *n; next_line(&l, &n); l = n) {
		char *path = strchr(l, ':');
		path = path ? strchr(path + 1, ':') : NULL;
		if (path && strcmp(path + 1, "/") != 0)
			problem(p, "/proc/self/cgroup shows %s, expected the namespace root /", l);
	}
}

static void check_namespaces(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->namespaces == NULL || l->namespaces_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < l->namespaces_len; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];
		const char *file = NULL;
		struct problems p = {0};
		for (size_t j = 0; j < ARRAY_SIZE(namespace_files); j++)
			if (strcmp(namespace_files[j].type, ns->type) == 0)
				file = namespace_files[j].file;
		if (file == NULL) {
			check_ok(false, "%s is not a namespace type", ns->type);
			continue;
		}
		char path[64], target[128];
		snprintf(path, sizeof(path), "/proc/self/ns/%s", file);
		if (readlink(path, target, sizeof(target)) < 0)
			problem(&p, "readlink %s: %s", path, strerror(errno));
		if (strcmp(ns->type, "cgroup") == 0)
			cgroup_namespace_problems(&p);
		check_problems(&p, "%s%s%s", ns->type, ns->path ? " joined from " : "",
			       ns->path ? ns->path : "");
	}
}

static bool has_namespace(const struct oci_spec *spec, const char *type)
{
	const struct oci_linux *l = spec->linux;
	for (size_t i = 0; l && l->namespaces && i < l->namespaces_len; i++)
		if (strcmp(l->namespaces[i].type, type) == 0)
			return true;
	return false;
}

static int compare_mapping(const void *a, const void *b)
{
	const struct oci_id_mapping *x = a, *y = b;
	return x->container_id < y->container_id ? -1 : x->container_id > y->container_id;
}

/* The kernel may list the extents sorted, so both sides are compared sorted. */
static void check_id_mappings(const struct oci_spec *spec, const struct oci_id_mapping *want,
			      size_t want_len, const char *file)
{
	if (want == NULL) {
		check_skip(NOT_SET);
		return;
	}
	if (!has_namespace(spec, "user")) {
		check_skip("no user namespace in linux.namespaces");
		return;
	}
	cleanup_free char *text = read_text(file);
	if (text == NULL) {
		check_ok(false, "read %s: %s", file, strerror(errno));
		return;
	}
	struct oci_id_mapping got[340], sorted_want[340];
	size_t got_len = 0;
	for (char *l = text, *n; next_line(&l, &n) && got_len < ARRAY_SIZE(got); l = n) {
		unsigned int c, h, s;
		if (sscanf(l, "%u %u %u", &c, &h, &s) == 3)
			got[got_len++] =
				(struct oci_id_mapping){.container_id = c, .host_id = h, .size = s};
	}
	size_t n_want = want_len < ARRAY_SIZE(sorted_want) ? want_len : ARRAY_SIZE(sorted_want);
	memcpy(sorted_want, want, n_want * sizeof(*want));
	qsort(got, got_len, sizeof(*got), compare_mapping);
	qsort(sorted_want, n_want, sizeof(*sorted_want), compare_mapping);
	struct problems p = {0};
	if (got_len != n_want)
		problem(&p, "%s has %zu lines, expected %zu", file, got_len, n_want);
	for (size_t i = 0; i < got_len && i < n_want; i++) {
		const struct oci_id_mapping *g = &got[i], *w = &sorted_want[i];
		if (g->container_id != w->container_id || g->host_id != w->host_id ||
		    g->size != w->size)
			problem(&p, "got %u %u %u, expected %u %u %u", g->container_id, g->host_id,
				g->size, w->container_id, w->host_id, w->size);
	}
	check_problems(&p, "%s equals the %zu mappings", file, want_len);
}

static void check_uid_mappings(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	check_id_mappings(spec, l ? l->uid_mappings : NULL, l ? l->uid_mappings_len : 0,
			  "/proc/self/uid_map");
}

static void check_gid_mappings(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	check_id_mappings(spec, l ? l->gid_mappings : NULL, l ? l->gid_mappings_len : 0,
			  "/proc/self/gid_map");
}

static void check_time_offsets(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->time_offsets == NULL || l->time_offsets_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *text = read_text("/proc/self/timens_offsets");
	if (text == NULL) {
		check_ok(false, "read /proc/self/timens_offsets: %s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < l->time_offsets_len; i++) {
		const struct oci_time_offset *want = &l->time_offsets[i];
		const char *clock = l->time_offsets_keys[i];
		bool found = false;
		long long secs = 0;
		unsigned long nsecs = 0;
		cleanup_free char *copy = strdup(text);
		for (char *line = copy, *n; copy && next_line(&line, &n) && !found; line = n) {
			char name[32];
			found = sscanf(line, "%31s %lld %lu", name, &secs, &nsecs) == 3 &&
				strcmp(name, clock) == 0;
		}
		bool same = found && secs == want->secs && nsecs == want->nanosecs;
		if (check_ok(same, "%s %" PRId64 "s %" PRIu32 "ns", clock, want->secs,
			     want->nanosecs))
			continue;
		if (found)
			check_diag("got: %llds %luns", secs, nsecs);
		else
			check_diag("/proc/self/timens_offsets has no %s line", clock);
	}
}

/* ---------------------------------------------------------- config-linux.md: devices */

static void device_problems(struct problems *p, const char *path, const struct stat *st,
			    const char *type, bool has_numbers, int64_t major_nr, int64_t minor_nr)
{
	bool type_ok = (strcmp(type, "c") == 0 || strcmp(type, "u") == 0) ? S_ISCHR(st->st_mode)
		       : strcmp(type, "b") == 0                           ? S_ISBLK(st->st_mode)
		       : strcmp(type, "p") == 0                           ? S_ISFIFO(st->st_mode)
									  : false;
	if (!type_ok)
		problem(p, "%s is not of type %s (mode %o)", path, type, st->st_mode);
	if (has_numbers && (major(st->st_rdev) != major_nr || minor(st->st_rdev) != minor_nr))
		problem(p, "device number: got %u:%u, expected %" PRId64 ":%" PRId64,
			major(st->st_rdev), minor(st->st_rdev), major_nr, minor_nr);
}

static void check_devices(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->devices == NULL || l->devices_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < l->devices_len; i++) {
		const struct oci_device *d = &l->devices[i];
		struct problems p = {0};
		struct stat st;
		if (stat(d->path, &st) < 0) {
			problem(&p, "stat %s: %s", d->path, strerror(errno));
		} else {
			device_problems(&p, d->path, &st, d->type, strcmp(d->type, "p") != 0,
					d->major, d->minor);
			if (d->has_file_mode && (st.st_mode & 07777) != (d->file_mode & 07777))
				problem(&p, "mode: got %04o, expected %04o", st.st_mode & 07777,
					d->file_mode & 07777);
			if (d->has_uid && st.st_uid != d->uid)
				problem(&p, "uid: got %u, expected %u", st.st_uid, d->uid);
			if (d->has_gid && st.st_gid != d->gid)
				problem(&p, "gid: got %u, expected %u", st.st_gid, d->gid);
		}
		if (strcmp(d->type, "p") == 0)
			check_problems(&p, "%s p", d->path);
		else
			check_problems(&p, "%s %s %" PRId64 ":%" PRId64, d->path, d->type, d->major,
				       d->minor);
	}
}

/* The devices every container has whatever the config says (config-linux.md "Default
 * Devices"); /dev/ptmx may be a symlink to pts/ptmx, which stat follows. */
static void check_default_devices(const struct oci_spec *spec)
{
	static const struct {
		const char *path;
		int major, minor;
	} defaults[] = {
		{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
		{"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
		{"/dev/ptmx", 5, 2},
	};
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		struct problems p = {0};
		struct stat st;
		if (stat(defaults[i].path, &st) < 0)
			problem(&p, "stat %s: %s", defaults[i].path, strerror(errno));
		else
			device_problems(&p, defaults[i].path, &st, "c", true, defaults[i].major,
					defaults[i].minor);
		check_problems(&p, "%s c %d:%d", defaults[i].path, defaults[i].major,
			       defaults[i].minor);
	}
}

/* -------------------------------------------------- config-linux.md: control groups */

/* Finds `file` of the process's own cgroup for `controller` through the cgroup mounts of its
 * mount namespace: the process's cgroup path taken relative to each mount's root. With a
 * cgroup namespace, or a runtime that mounts the container's cgroup at /sys/fs/cgroup, that is
 * the mount point itself. 0, or -1 with `why` saying what is not visible. */
static int find_cgroup_file(const char *controller, const char *v1_file, const char *v2_file,
			    char *out, size_t size, char *why, size_t why_size)
{
	cleanup_free char *cgroups = read_text("/proc/self/cgroup");
	if (cgroups == NULL) {
		snprintf(why, why_size, "read /proc/self/cgroup: %s", strerror(errno));
		return -1;
	}
	char v1_path[PATH_MAX] = "", v2_path[PATH_MAX] = "";
	for (char *l = cgroups, *n; next_line(&l, &n); l = n) {
		char *controllers = strchr(l, ':');
		char *path = controllers ? strchr(controllers + 1, ':') : NULL;
		if (path == NULL)
			continue;
		*path++ = '\0';
		controllers++;
		if (strcmp(l, "0") == 0 && *controllers == '\0')
			snprintf(v2_path, sizeof(v2_path), "%s", path);
		else if (list_has(controllers, controller))
			snprintf(v1_path, sizeof(v1_path), "%s", path);
	}
	bool v1 = *v1_path != '\0';
	const char *own = v1 ? v1_path : v2_path;
	if (*own == '\0') {
		snprintf(why, why_size, "the process is in no %s cgroup", controller);
		return -1;
	}
	cleanup_mount_table struct mount_table t = {0};
	if (mount_table_read(&t) < 0) {
		snprintf(why, why_size, "read /proc/self/mountinfo: %s", strerror(errno));
		return -1;
	}
	for (size_t i = t.len; i-- > 0;) {
		const struct mount_entry *e = &t.entries[i];
		if (v1 ? strcmp(e->fstype, "cgroup") != 0 || !list_has(e->super_options, controller)
		       : strcmp(e->fstype, "cgroup2") != 0)
			continue;
		size_t root_len = strcmp(e->root, "/") == 0 ? 0 : strlen(e->root);
		if (strncmp(own, e->root, root_len) != 0 || (own[root_len] && own[root_len] != '/'))
			continue;
		const char *rel = own + root_len;
		snprintf(out, size, "%s%s/%s", strcmp(e->mount_point, "/") ? e->mount_point : "",
			 strcmp(rel, "/") ? rel : "", v1 ? v1_file : v2_file);
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(why, why_size, "%s of the process's cgroup %s is not visible inside",
		 v1 ? v1_file : v2_file, own);
	return -1;
}

/* -1 is unlimited: "max" on cgroup v2, the page counter's maximum on v1. The kernel keeps
 * memory limits in pages, so a limit reads back rounded down to the page size. */
static void check_cgroup_value(const char *controller, const char *v1_file, const char *v2_file,
			       int64_t want, bool in_pages)
{
	char path[PATH_MAX], why[PATH_MAX + 128];
	if (find_cgroup_file(controller, v1_file, v2_file, path, sizeof(path), why, sizeof(why)) <
	    0) {
		check_skip("%s", why);
		return;
	}
	cleanup_free char *text = read_text(path);
	if (text == NULL) {
		check_ok(false, "read %s: %s", path, strerror(errno));
		return;
	}
	char *got = trim(text);
	int64_t page = in_pages ? sysconf(_SC_PAGESIZE) : 1;
	bool same;
	if (want < 0) {
		same = strcmp(got, "max") == 0 ||
		       (in_pages && strtoll(got, NULL, 10) == INT64_MAX / page * page);
	} else {
		long long value = strtoll(got, NULL, 10);
		same = strcmp(got, "max") != 0 && (value == want || value == want / page * page);
	}
	if (!check_ok(same, "%s is %" PRId64, path, want))
		check_diag("got: %s", got);
}

static void check_memory_limit(const struct oci_spec *spec)
{
	const struct oci_resources *r = spec->linux ? spec->linux->resources : NULL;
	if (r == NULL || r->memory == NULL || !r->memory->has_limit) {
		check_skip(NOT_SET);
		return;
	}
	check_cgroup_value("memory", "memory.limit_in_bytes", "memory.max", r->memory->limit, true);
}

static void check_pids_limit(const struct oci_spec *spec)
{
	const struct oci_resources *r = spec->linux ? spec->linux->resources : NULL;
	if (r == NULL || r->pids == NULL || !r->pids->has_limit) {
		check_skip(NOT_SET);
		return;
	}
	check_cgroup_value("pids", "pids.max", "pids.max", r->pids->limit, false);
}

/* ----------------------------------------------------------- config-linux.md: sysctl */

/* sysctl(8) notation: dots separate levels, and a slash stands for a dot inside a name
 * (net.ipv4.conf.eth0/100.forwarding). */
static void check_sysctl(const struct oci_spec *spec)
{
	const struct oci_string_map *m = spec->linux ? spec->linux->sysctl : NULL;
	if (m == NULL || m->len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < m->len; i++) {
		char path[PATH_MAX];
		int n = snprintf(path, sizeof(path), "/proc/sys/%s", m->keys[i]);
		for (char *c = path + strlen("/proc/sys/"); n > 0 && *c; c++)
			*c = *c == '.' ? '/' : *c == '/' ? '.' : *c;
		cleanup_free char *got = read_text(path);
		cleanup_free char *want = strdup(m->values[i]);
		if (got == NULL) {
			check_ok(false, "%s: read %s: %s", m->keys[i], path, strerror(errno));
			continue;
		}
		normalize_space(got);
		if (want)
			normalize_space(want);
		check_is_str(got, want, "%s = %s", m->keys[i], m->values[i]);
	}
}

/* ---------------------------------------------------------- config-linux.md: seccomp */

static void check_seccomp(const struct oci_spec *spec)
{
	if (spec->linux == NULL || spec->linux->seccomp == NULL) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_free char *got = status_field("Seccomp");
	if (got == NULL) {
		check_ok(false, "read Seccomp from /proc/self/status: %s", strerror(errno));
		return;
	}
	check_is_str(got, "2", "the process runs in seccomp filter mode");
}

/* ------------------------------------------- config-linux.md: rootfs mount propagation */

static void check_rootfs_propagation(const struct oci_spec *spec)
{
	const char *want = spec->linux ? spec->linux->rootfs_propagation : NULL;
	if (want == NULL) {
		check_skip(NOT_SET);
		return;
	}
	cleanup_mount_table struct mount_table t = {0};
	if (mount_table_read(&t) < 0) {
		check_ok(false, "read /proc/self/mountinfo: %s", strerror(errno));
		return;
	}
	const struct mount_entry *root = mount_at(&t, "/");
	const char *tags = root ? root->optional : "";
	bool shared = strstr(tags, "shared:") != NULL, slave = strstr(tags, "master:") != NULL;
	bool unbindable = strstr(tags, "unbindable") != NULL;
	const char *kind = want[0] == 'r' ? want + 1 : want; /* rshared is shared on / */
	bool same = strcmp(kind, "shared") == 0       ? shared
		    : strcmp(kind, "slave") == 0      ? slave
		    : strcmp(kind, "private") == 0    ? !shared && !slave && !unbindable
		    : strcmp(kind, "unbindable") == 0 ? unbindable
						      : false;
	if (!check_ok(same, "/ is %s", want))
		check_diag("propagation fields of /: %s", *tags ? tags : "(none: private)");
}

/* ------------------------------------------------ config-linux.md: masked, readonly paths */

/* Masked is: absent, /dev/null bound over a file, or an empty read-only directory (a tmpfs
 * mounted read-only over it). */
static void check_masked_paths(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->masked_paths == NULL || l->masked_paths_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < l->masked_paths_len; i++) {
		const char *path = l->masked_paths[i];
		struct stat st;
		struct statvfs sv;
		if (stat(path, &st) < 0) {
			if (!check_ok(errno == ENOENT, "%s does not exist", path))
				check_diag("stat: %s", strerror(errno));
			continue;
		}
		if (S_ISCHR(st.st_mode)) {
			if (!check_ok(major(st.st_rdev) == 1 && minor(st.st_rdev) == 3,
				      "%s is /dev/null", path))
				check_diag("got: character device %u:%u", major(st.st_rdev),
					   minor(st.st_rdev));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			/* An empty directory has only . and .. as links on tmpfs; list it to be
			 * sure on any filesystem. */
			cleanup_closedir DIR *d = opendir(path);
			struct dirent *de;
			size_t entries = 0;
			while (d && (de = readdir(d)))
				entries += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
			bool ro = statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY);
			if (!check_ok(d && entries == 0 && ro, "%s is an empty read-only directory",
				      path))
				check_diag("got: %zu entries, %s", entries,
					   ro ? "read-only" : "writable");
			continue;
		}
		check_ok(false, "%s is masked", path);
		check_diag("got: a %s, neither /dev/null nor an empty read-only directory",
			   S_ISREG(st.st_mode) ? "regular file" : "file of another type");
	}
}

static void check_readonly_paths(const struct oci_spec *spec)
{
	const struct oci_linux *l = spec->linux;
	if (l == NULL || l->readonly_paths == NULL || l->readonly_paths_len == 0) {
		check_skip(NOT_SET);
		return;
	}
	for (size_t i = 0; i < l->readonly_paths_len; i++) {
		const char *path = l->readonly_paths[i];
		struct statvfs sv;
		if (statvfs(path, &sv) < 0) {
			/* Runtimes skip paths the rootfs lacks; there is nothing to write to. */
			if (!check_ok(errno == ENOENT, "%s does not exist", path))
				check_diag("statvfs: %s", strerror(errno));
			continue;
		}
		check_ok(sv.f_flag & ST_RDONLY, "%s is read-only", path);
	}
}

/* ------------------------------------------------------ config-linux.md: personality */

static void check_personality(const struct oci_spec *spec)
{
	const struct oci_personality *p = spec->linux ? spec->linux->personality : NULL;
	if (p == NULL) {
		check_skip(NOT_SET);
		return;
	}
	int persona = personality(0xffffffff);
	int want = strcmp(p->domain, "LINUX") == 0     ? PER_LINUX
		   : strcmp(p->domain, "LINUX32") == 0 ? PER_LINUX32
						       : -1;
	if (want < 0) {
		check_ok(false, "%s is not a personality domain", p->domain);
		return;
	}
	if (!check_ok(persona >= 0 && (persona & PER_MASK) == want, "domain %s", p->domain))
		check_diag("got: persona 0x%x", (unsigned int)persona);
}

/* ------------------------------------------------------------------- the table */

/* In the order of the spec's documents and sections: config.md, then config-linux.md. */
static const struct check checks[] = {
	{"root", "root.readonly", check_root_readonly},
	{"mounts", "mounts", check_mounts},
	{"process", "process.terminal", check_process_terminal},
	{"process", "process.consoleSize", check_process_console_size},
	{"process", "process.user.uid", check_process_user_uid},
	{"process", "process.user.gid", check_process_user_gid},
	{"process", "process.user.umask", check_process_user_umask},
	{"process", "process.user.additionalGids", check_process_user_additional_gids},
	{"process", "process.cwd", check_process_cwd},
	{"process", "process.env", check_process_env},
	{"process", "process.args", check_process_args},
	{"process", "process.capabilities.bounding", check_capabilities_bounding},
	{"process", "process.capabilities.effective", check_capabilities_effective},
	{"process", "process.capabilities.permitted", check_capabilities_permitted},
	{"process", "process.capabilities.inheritable", check_capabilities_inheritable},
	{"process", "process.capabilities.ambient", check_capabilities_ambient},
	{"process", "process.rlimits", check_process_rlimits},
	{"process", "process.noNewPrivileges", check_process_no_new_privileges},
	{"process", "process.oomScoreAdj", check_process_oom_score_adj},
	{"process", "process.scheduler", check_process_scheduler},
	{"process", "process.ioPriority", check_process_io_priority},
	{"hostname", "hostname", check_hostname},
	{"domainname", "domainname", check_domainname},
	{"namespaces", "linux.namespaces", check_namespaces},
	{"user-namespace-mappings", "linux.uidMappings", check_uid_mappings},
	{"user-namespace-mappings", "linux.gidMappings", check_gid_mappings},
	{"time-offsets", "linux.timeOffsets", check_time_offsets},
	{"devices", "linux.devices", check_devices},
	{"devices", "default-devices", check_default_devices},
	{"cgroups", "linux.resources.memory.limit", check_memory_limit},
	{"cgroups", "linux.resources.pids.limit", check_pids_limit},
	{"sysctl", "linux.sysctl", check_sysctl},
	{"seccomp", "linux.seccomp", check_seccomp},
	{"rootfs-propagation", "linux.rootfsPropagation", check_rootfs_propagation},
	{"masked-paths", "linux.maskedPaths", check_masked_paths},
	{"readonly-paths", "linux.readonlyPaths", check_readonly_paths},
	{"personality", "linux.personality", check_personality},
};

/* ------------------------------------------------------------------------ main */

static bool selected(const struct check *c, char **only, size_t n_only)
{
	if (n_only == 0)
		return true;
	for (size_t i = 0; i < n_only; i++)
		if (strcmp(only[i], c->section) == 0 || strcmp(only[i], c->name) == 0)
			return true;
	return false;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: oci-check [--config PATH] [--only SECTION[,SECTION]...] [--list]\n"
		     "Verifies from inside that this process matches config.json; prints TAP.\n"
		     "The config is PATH, else $OCI_CHECK_CONFIG, else /config.json.\n"
		     "--only takes section or check names as --list shows them.\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"config", required_argument, NULL, 'c'},
		{"only", required_argument, NULL, 'o'},
		{"list", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = getenv("OCI_CHECK_CONFIG");
	char *only[ARRAY_SIZE(checks)];
	size_t n_only = 0;
	cleanup_free char *only_text = NULL;
	bool list = false;
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt_long(argc, argv, "c:o:lh", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			free(only_text);
			only_text = strdup(optarg);
			n_only = 0;
			for (char *p = only_text, *s; p && (s = strsep(&p, ","));) {
				if (n_only == ARRAY_SIZE(only)) {
					fprintf(stderr, "oci-check: --only: too many names\n");
					return 2;
				}
				only[n_only++] = s;
			}
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < n_only; i++) {
		bool known = false;
		for (size_t j = 0; j < ARRAY_SIZE(checks); j++)
			known |= strcmp(only[i], checks[j].section) == 0 ||
				 strcmp(only[i], checks[j].name) == 0;
		if (!known) {
			fprintf(stderr, "oci-check: --only: no section or check is named \"%s\"\n",
				only[i]);
			return 2;
		}
	}
	if (list) {
		for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
			if (selected(&checks[i], only, n_only))
				printf("%-24s %s\n", checks[i].section, checks[i].name);
		return 0;
	}
	if (config == NULL || *config == '\0')
		config = "/config.json";

	struct oci_spec *spec = NULL;
	cleanup_free char *err = NULL;
	if (oci_spec_parse_file(config, NULL, &spec, &err) < 0) {
		printf("not ok 1 - load config: ");
		print_sanitized(err ? err : "out of memory");
		printf("\n1..1\n");
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		if (!selected(&checks[i], only, n_only))
			continue;
		tap.current = &checks[i];
		tap.current_results = 0;
		checks[i].run(spec);
		/* Every check reports, if only a skip; silence would read as coverage. */
		if (tap.current_results == 0)
			check_ok(false, "oci-check bug: the check reported nothing");
	}
	printf("1..%d\n", tap.count);
	oci_spec_free(spec);
	return tap.failed ? 1 : 0;
}
