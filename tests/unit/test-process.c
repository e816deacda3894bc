/* Unit tests of the container process's attributes: the rlimit names, the
 * validation of every process field, the CPU list parser, the executable's
 * lookup in PATH, the environment's HOME, and (in fork()ed children, which
 * report through their exit status) the effects of applying each attribute. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libpetrel/process.h"
#include "tap.h"

static struct oci_process *parse_process(const char *json)
{
	struct oci_process *p = NULL;
	char *why = NULL;
	if (oci_process_parse_data(json, strlen(json), "process.json", &p, &why) < 0) {
		printf("# parse: %s\n", why);
		free(why);
	}
	return p;
}

/* ------------------------------------------------------------ rlimit names */

static void test_rlimit_names(void)
{
	static const struct {
		const char *name;
		int resource;
	} want[] = {
		{"RLIMIT_AS", RLIMIT_AS},
		{"RLIMIT_CORE", RLIMIT_CORE},
		{"RLIMIT_CPU", RLIMIT_CPU},
		{"RLIMIT_DATA", RLIMIT_DATA},
		{"RLIMIT_FSIZE", RLIMIT_FSIZE},
		{"RLIMIT_LOCKS", RLIMIT_LOCKS},
		{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
		{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
		{"RLIMIT_NICE", RLIMIT_NICE},
		{"RLIMIT_NOFILE", RLIMIT_NOFILE},
		{"RLIMIT_NPROC", RLIMIT_NPROC},
		{"RLIMIT_RSS", RLIMIT_RSS},
		{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
		{"RLIMIT_RTTIME", RLIMIT_RTTIME},
		{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
		{"RLIMIT_STACK", RLIMIT_STACK},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (petrel_rlimit_from_name(want[i].name, NULL) != want[i].resource ||
		    petrel_rlimit_name(want[i].resource) == NULL ||
		    strcmp(petrel_rlimit_name(want[i].resource), want[i].name) != 0) {
			printf("# %s does not map both ways\n", want[i].name);
			bad++;
		}
	}
	tap_ok(bad == 0, "rlimit_every_name_maps_both_ways");
	struct petrel_error *err = NULL;
	tap_ok(petrel_rlimit_from_name("RLIMIT_FOO", &err) == -1, "rlimit_refuses_unknown_name");
	tap_is_str(err ? petrel_error_message(err) : NULL, "unknown rlimit type \"RLIMIT_FOO\"",
		   "rlimit_unknown_name_message");
	petrel_error_free(err);
	tap_ok(petrel_rlimit_from_name("rlimit_nofile", NULL) == -1 &&
		       petrel_rlimit_from_name("NOFILE", NULL) == -1 &&
		       petrel_rlimit_from_name(NULL, NULL) == -1,
	       "rlimit_names_are_exact");
	tap_ok(petrel_rlimit_name(-1) == NULL && petrel_rlimit_name(4242) == NULL,
	       "rlimit_unknown_number_has_no_name");
}

/* ---------------------------------------------------------------- validation */

/* The validation error of a process document (and an optional personality),
 * or "ok". */
static char *validate_json(const char *process_json, const char *domain, const char *flag)
{
	static char msg[512];
	struct oci_process *p = process_json ? parse_process(process_json) : NULL;
	struct oci_personality pers = {.domain = (char *)domain};
	char *flags[] = {(char *)flag};
	if (flag) {
		pers.flags = flags;
		pers.flags_len = 1;
	}
	struct oci_linux lx = {.personality = domain ? &pers : NULL};
	struct petrel_error *err = NULL;
	if (process_json && p == NULL)
		return "unparsable test document";
	int r = petrel_process_validate(p, &lx, &err);
	snprintf(msg, sizeof(msg), "%s", r == 0 ? "ok" : err ? petrel_error_message(err) : "?");
	petrel_error_free(err);
	oci_process_free(p);
	return msg;
}

#define P(fields) "{\"cwd\":\"/\",\"args\":[\"sh\"]" fields "}"

static void test_validate(void)
{
	tap_is_str(validate_json(NULL, NULL, NULL), "ok", "validate_accepts_no_process");
	tap_is_str(
		validate_json(P(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":2},"
				"{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0}],"
				"\"oomScoreAdj\":-1000,"
				"\"scheduler\":{\"policy\":\"SCHED_FIFO\",\"priority\":99,"
				"\"flags\":[\"SCHED_FLAG_RESET_ON_FORK\","
				"\"SCHED_FLAG_UTIL_CLAMP_MAX\"]},"
				"\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":7},"
				"\"user\":{\"uid\":1,\"gid\":1,\"umask\":511},"
				"\"execCPUAffinity\":{\"initial\":\"7\",\"final\":\"0-3,7\"}"),
			      "LINUX32", NULL),
		"ok", "validate_accepts_every_field_set_well");
	tap_is_str(validate_json(P(",\"execCPUAffinity\":{\"initial\":\"\"}"), "LINUX", NULL), "ok",
		   "validate_accepts_empty_cpu_list");

	tap_is_str(
		validate_json(P(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":2},"
				"{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":2}]"),
			      NULL, NULL),
		".process.rlimits[1].type: unknown rlimit type \"RLIMIT_FOO\"",
		"validate_refuses_unknown_rlimit");
	tap_is_str(
		validate_json(P(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":2},"
				"{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":2},"
				"{\"type\":\"RLIMIT_NOFILE\",\"soft\":3,\"hard\":4}]"),
			      NULL, NULL),
		".process.rlimits[2]: duplicate rlimit type \"RLIMIT_NOFILE\" (also at "
		".process.rlimits[0])",
		"validate_refuses_duplicate_rlimit");
	tap_is_str(
		validate_json(
			P(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":5,\"hard\":4}]"),
			NULL, NULL),
		".process.rlimits[0]: RLIMIT_NOFILE soft limit 5 is greater than its hard limit 4",
		"validate_refuses_soft_above_hard");
	tap_is_str(validate_json(P(",\"scheduler\":{\"policy\":\"SCHED_FOO\"}"), NULL, NULL),
		   ".process.scheduler.policy: unknown scheduling policy \"SCHED_FOO\"",
		   "validate_refuses_bad_scheduler_policy");
	tap_is_str(validate_json(P(",\"scheduler\":{\"policy\":\"SCHED_RR\",\"priority\":1,"
				   "\"flags\":[\"SCHED_FLAG_RECLAIM\",\"SCHED_FLAG_NOPE\"]}"),
				 NULL, NULL),
		   ".process.scheduler.flags[1]: unknown scheduling flag \"SCHED_FLAG_NOPE\"",
		   "validate_refuses_bad_scheduler_flag");
	tap_is_str(validate_json(P(",\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"nice\":20}"), NULL,
				 NULL),
		   ".process.scheduler.nice: 20 is out of range (-20 to 19)",
		   "validate_refuses_nice_out_of_range");
	tap_is_str(validate_json(P(",\"scheduler\":{\"policy\":\"SCHED_FIFO\",\"priority\":100}"),
				 NULL, NULL),
		   ".process.scheduler.priority: 100 is out of range (0 to 99)",
		   "validate_refuses_priority_out_of_range");
	tap_contains(
		validate_json(P(",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\"}"), NULL, NULL),
		".process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"",
		"validate_refuses_bad_ioprio_class");
	tap_is_str(
		validate_json(P(",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":8}"),
			      NULL, NULL),
		".process.ioPriority.priority: 8 is out of range (0 to 7)",
		"validate_refuses_ioprio_priority_out_of_range");
	tap_is_str(validate_json(P(""), "LINUX64", NULL),
		   ".linux.personality.domain: unknown personality domain \"LINUX64\" (LINUX or "
		   "LINUX32)",
		   "validate_refuses_bad_personality_domain");
	tap_is_str(validate_json(NULL, "LINUX", "ADDR_NO_RANDOMIZE"),
		   ".linux.personality.flags: unsupported personality flag \"ADDR_NO_RANDOMIZE\" "
		   "(the spec defines none)",
		   "validate_refuses_personality_flags");
	tap_is_str(
		validate_json(P(",\"execCPUAffinity\":{\"initial\":\"3-1\"}"), NULL, NULL),
		".process.execCPUAffinity.initial: invalid CPU list \"3-1\": range 3-1 is reversed",
		"validate_refuses_reversed_cpu_range");
	tap_is_str(validate_json(P(",\"execCPUAffinity\":{\"initial\":\"1\",\"final\":\"a\"}"),
				 NULL, NULL),
		   ".process.execCPUAffinity.final: invalid CPU list \"a\": \"a\" is not a CPU "
		   "number or range",
		   "validate_refuses_non_numeric_cpu_list");
	tap_is_str(validate_json(P(",\"oomScoreAdj\":1001"), NULL, NULL),
		   ".process.oomScoreAdj: 1001 is out of range (-1000 to 1000)",
		   "validate_refuses_oom_score_adj_out_of_range");
	tap_is_str(validate_json(P(",\"user\":{\"uid\":4294967295,\"gid\":0}"), NULL, NULL),
		   ".process.user.uid: 4294967295 is not a valid uid",
		   "validate_refuses_uid_minus_one");
	tap_is_str(validate_json(P(",\"user\":{\"uid\":0,\"gid\":4294967295}"), NULL, NULL),
		   ".process.user.gid: 4294967295 is not a valid gid",
		   "validate_refuses_gid_minus_one");
	tap_is_str(validate_json(P(",\"user\":{\"uid\":0,\"gid\":0,\"umask\":512}"), NULL, NULL),
		   ".process.user.umask: 01000 is not a mode", "validate_refuses_umask_above_0777");
}

/* ---------------------------------------------------------------- CPU lists */

static char *cpus_of(const char *list)
{
	static char out[256];
	cpu_set_t set;
	struct petrel_error *err = NULL;
	size_t n = 0;
	if (petrel_parse_cpu_list(list, &set, &err) < 0) {
		snprintf(out, sizeof(out), "error: %s", petrel_error_message(err));
		petrel_error_free(err);
		return out;
	}
	out[0] = '\0';
	for (int cpu = 0; cpu < CPU_SETSIZE && n < sizeof(out) - 8; cpu++)
		if (CPU_ISSET(cpu, &set))
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%d", n ? " " : "", cpu);
	return out;
}

static void test_cpu_list(void)
{
	tap_is_str(cpus_of("0-3,7"), "0 1 2 3 7", "cpu_list_ranges_and_singles");
	tap_is_str(cpus_of("5"), "5", "cpu_list_single");
	tap_is_str(cpus_of("2,0,2,1-1"), "0 1 2", "cpu_list_repeats_and_unordered");
	tap_is_str(cpus_of("1023"), "1023", "cpu_list_highest_cpu");
	tap_is_str(cpus_of("3-1"), "error: invalid CPU list \"3-1\": range 3-1 is reversed",
		   "cpu_list_refuses_reversed_range");
	tap_is_str(cpus_of("a"),
		   "error: invalid CPU list \"a\": \"a\" is not a CPU number or range",
		   "cpu_list_refuses_letters");
	tap_is_str(cpus_of("1024"),
		   "error: invalid CPU list \"1024\": CPU 1024 is above the highest supported CPU "
		   "(1023)",
		   "cpu_list_refuses_cpu_above_setsize");
	tap_is_str(cpus_of(""), "error: invalid CPU list \"\": the list is empty",
		   "cpu_list_refuses_empty");
	static const char *const bad[] = {"1,",    ",1",   "1-",  "-1",
					  "1 2",   "1,,2", "0x1", "+1",
					  "1-2-3", " 1",   "1-a", "99999999999999999999999"};
	int accepted = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (strncmp(cpus_of(bad[i]), "error: ", 7) != 0) {
			printf("# accepted \"%s\"\n", bad[i]);
			accepted++;
		}
	tap_ok(accepted == 0, "cpu_list_refuses_malformed_lists");
}

/* ------------------------------------------------------- find_executable */

static char tree[] = "/tmp/petrel-test-process-XXXXXX";

static void make_file(const char *rel, mode_t mode)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, "#!/bin/sh\n", 10) != 10 || fchmod(fd, mode) < 0)
		printf("# cannot make %s\n", path);
	if (fd >= 0)
		close(fd);
}

static void make_tree(void)
{
	char path[512];
	if (mkdtemp(tree) == NULL)
		printf("# mkdtemp failed\n");
	static const char *const dirs[] = {"bin1", "bin2", "bin2/thing", "etc"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tree, dirs[i]);
		if (mkdir(path, 0755) < 0)
			printf("# mkdir %s failed\n", path);
	}
	make_file("bin1/tool", 0755);
	make_file("bin1/thing", 0755);
	make_file("bin2/tool", 0644);
	make_file("bin2/other", 0755);
}

/* find_executable for args[0] with env; the path found, or the error. */
static char *find(const char *arg0, char **env, size_t env_len)
{
	static char out[1024];
	char *args[] = {(char *)arg0};
	struct oci_process p = {.args = args, .args_len = 1, .env = env, .env_len = env_len};
	char *path = NULL;
	struct petrel_error *err = NULL;
	if (petrel_process_find_executable(&p, &path, &err) < 0)
		snprintf(out, sizeof(out), "error: %s", petrel_error_message(err));
	else
		snprintf(out, sizeof(out), "%s", path);
	free(path);
	petrel_error_free(err);
	return out;
}

static char *in_tree(const char *rel)
{
	static char bufs[4][512];
	static int next;
	char *b = bufs[next++ % 4];
	snprintf(b, 512, "%s/%s", tree, rel);
	return b;
}

static void test_find_executable(void)
{
	char path_env[1100], want[600];
	snprintf(path_env, sizeof(path_env), "PATH=%s/bin2:%s/bin1", tree, tree);
	char *env[] = {"PATH=/nonexistent", "TERM=xterm", path_env};

	tap_is_str(find("tool", env, 3), in_tree("bin1/tool"),
		   "find_executable_skips_non_executable_files_and_uses_the_last_PATH");
	tap_is_str(find("thing", env, 3), in_tree("bin1/thing"),
		   "find_executable_skips_directories");
	tap_is_str(find("other", env, 3), in_tree("bin2/other"),
		   "find_executable_searches_PATH_in_order");
	tap_is_str(find("missing", env, 3),
		   "error: exec: \"missing\": executable file not found in $PATH",
		   "find_executable_reports_missing_command_like_runc");
	tap_is_str(find("/nonexist/x", env, 3),
		   "error: exec: \"/nonexist/x\": stat /nonexist/x: No such file or directory",
		   "find_executable_reports_missing_absolute_path");
	snprintf(want, sizeof(want), "error: exec: \"%s\": Permission denied",
		 in_tree("bin2/tool"));
	tap_is_str(find(in_tree("bin2/tool"), env, 3), want,
		   "find_executable_refuses_non_executable_path");
	snprintf(want, sizeof(want), "error: exec: \"%s\": Is a directory", in_tree("bin2/thing"));
	tap_is_str(find(in_tree("bin2/thing"), env, 3), want,
		   "find_executable_refuses_directory_path");
	tap_is_str(find(in_tree("bin1/tool"), env, 3), in_tree("bin1/tool"),
		   "find_executable_takes_a_path_with_slash_as_is");
	tap_is_str(find("", env, 3), "error: exec: \"\": executable file not found in $PATH",
		   "find_executable_refuses_empty_name");

	char *empty_path[] = {"PATH="};
	tap_is_str(find("sh", empty_path, 1),
		   "error: exec: \"sh\": executable file not found in $PATH",
		   "find_executable_empty_PATH_searches_nothing");

	/* Without PATH: the default list, checked against the shell's lookup. */
	char shell_says[512] = "";
	FILE *f = popen("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; "
			"command -v sh",
			"r");
	if (f == NULL || fgets(shell_says, sizeof(shell_says), f) == NULL)
		printf("# popen failed\n");
	if (f)
		pclose(f);
	shell_says[strcspn(shell_says, "\n")] = '\0';
	char *no_path[] = {"TERM=xterm"};
	tap_is_str(find("sh", no_path, 1), shell_says, "find_executable_uses_the_default_PATH");

	/* An empty PATH entry is the current directory. */
	char cwd[512];
	if (getcwd(cwd, sizeof(cwd)) == NULL || chdir(in_tree("bin1")) < 0)
		printf("# chdir failed\n");
	char *dot_path[] = {"PATH=/nonexistent:"};
	tap_is_str(find("tool", dot_path, 1), "./tool", "find_executable_empty_entry_is_cwd");
	if (chdir(cwd) < 0)
		printf("# chdir back failed\n");
}

/* ---------------------------------------------------------------- environ */

static size_t env_count(char **env)
{
	size_t n = 0;
	while (env && env[n])
		n++;
	return n;
}

static void test_environ(void)
{
	char *env[] = {"A=1", "PATH=/bin", "HOMEDIR=/x"};
	struct oci_user nobody = {.uid = 4242};
	struct oci_process p = {.env = env, .env_len = 3, .user = &nobody};
	if (getpwuid(4242) != NULL) {
		tap_ok(true, "environ_adds_HOME_slash # SKIP uid 4242 exists here");
	} else {
		char **e = petrel_process_environ(&p);
		tap_ok(e && env_count(e) == 4 && e[0] == env[0] && e[2] == env[2] &&
			       strcmp(e[3], "HOME=/") == 0,
		       "environ_adds_HOME_slash_for_a_user_without_passwd_entry");
		free(e);
	}

	char *with_home[] = {"HOME=/custom", "B=2"};
	p = (struct oci_process){.env = with_home, .env_len = 2, .user = &nobody};
	char **e = petrel_process_environ(&p);
	tap_ok(e && env_count(e) == 2 && e[0] == with_home[0] && e[1] == with_home[1],
	       "environ_keeps_an_existing_HOME");
	free(e);

	struct passwd *root = getpwuid(0);
	char want[600];
	snprintf(want, sizeof(want), "HOME=%s", root && root->pw_dir[0] ? root->pw_dir : "/");
	p = (struct oci_process){0}; /* no env, no user: uid 0 */
	e = petrel_process_environ(&p);
	tap_ok(e && env_count(e) == 1, "environ_without_env_has_only_HOME");
	tap_is_str(e ? e[0] : NULL, want, "environ_takes_HOME_from_etc_passwd");
	free(e);
}

static void test_passwd_home(void)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/etc/passwd", tree);
	FILE *f = fopen(path, "we");
	if (f) {
		fputs("# a comment\n\nbad line\nu1:x:1001:1001::/home/u1:/bin/sh\n"
		      "u2:x:1002:1002::\nu3:x:10030:1:gecos:/home/u3:/bin/sh\n"
		      "u4:x:1004x:1:gecos:/h4:/bin/sh\nu5:x::1::/h5:/bin/sh\n"
		      "u6:x:1006:1:gecos:/home/u6",
		      f);
		fclose(f);
	}
	char *h = petrel_passwd_home(path, 1001);
	tap_is_str(h, "/home/u1", "passwd_home_finds_the_uid");
	free(h);
	h = petrel_passwd_home(path, 1006);
	tap_is_str(h, "/home/u6", "passwd_home_reads_a_last_line_without_shell_or_newline");
	free(h);
	tap_ok(petrel_passwd_home(path, 1002) == NULL, "passwd_home_empty_home_is_none");
	tap_ok(petrel_passwd_home(path, 1003) == NULL && petrel_passwd_home(path, 1004) == NULL &&
		       petrel_passwd_home(path, 0) == NULL,
	       "passwd_home_matches_whole_numeric_uids_only");
	snprintf(path, sizeof(path), "%s/etc/fifo", tree);
	tap_ok(mkfifo(path, 0644) == 0 && petrel_passwd_home(path, 0) == NULL,
	       "passwd_home_refuses_a_fifo_without_blocking");
	tap_ok(petrel_passwd_home("/nonexistent/passwd", 0) == NULL, "passwd_home_missing_file");
}

/* ------------------------------------------------------ in a child process */

#define CHECK(cond) TAP_CHILD_CHECK(cond)

/* 0, or -1 after printing the error. */
static int ok_or_print(int r, struct petrel_error **err)
{
	if (r < 0)
		printf("#   child: %s\n", *err ? petrel_error_message(*err) : "?");
	petrel_error_free(*err);
	*err = NULL;
	return r;
}

/* Whether err's message is want (printing it when not); frees err. */
static bool error_is(struct petrel_error *err, const char *want)
{
	const char *got = err ? petrel_error_message(err) : "(no error)";
	bool same = strcmp(got, want) == 0;
	if (!same)
		printf("#   child: got \"%s\"\n#   child: want \"%s\"\n", got, want);
	petrel_error_free(err);
	return same;
}

/* The value after "<field>:\t" in /proc/self/status. */
static const char *status_field(const char *field)
{
	static char value[512];
	char line[512];
	size_t n = strlen(field);
	value[0] = '\0';
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			const char *v = line + n + 1;
			v += strspn(v, " \t");
			size_t len = strcspn(v, "\n");
			while (len > 0 && v[len - 1] == ' ') /* Groups ends with one */
				len--;
			snprintf(value, sizeof(value), "%.*s", (int)len, v);
		}
	if (f)
		fclose(f);
	return value;
}

static int child_sets_rlimits(void)
{
	struct petrel_error *err = NULL;
	struct rlimit lim;
	struct oci_process *p = parse_process(
		P(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2048,\"hard\":4096},"
		  "{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0}]"));
	CHECK(p && ok_or_print(petrel_process_set_rlimits(p, &err), &err) == 0);
	CHECK(getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur == 2048 && lim.rlim_max == 4096);
	CHECK(getrlimit(RLIMIT_CORE, &lim) == 0 && lim.rlim_cur == 0 && lim.rlim_max == 0);
	oci_process_free(p);

	/* A bad name later in the list changes nothing. */
	p = parse_process(P(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":100,\"hard\":100},"
			    "{\"type\":\"RLIMIT_BOGUS\",\"soft\":0,\"hard\":0}]"));
	err = NULL;
	CHECK(p && petrel_process_set_rlimits(p, &err) == -1);
	CHECK(error_is(err, "unknown rlimit type \"RLIMIT_BOGUS\""));
	CHECK(getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur == 2048);
	oci_process_free(p);

	/* Unprivileged, the hard limit cannot go up. */
	CHECK(setresuid(65534, 65534, 65534) == 0);
	p = parse_process(
		P(",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2048,\"hard\":8192}]"));
	err = NULL;
	CHECK(p && petrel_process_set_rlimits(p, &err) == -1);
	CHECK(error_is(err, "setrlimit RLIMIT_NOFILE (soft 2048, hard 8192): Operation not "
			    "permitted"));
	oci_process_free(p);
	return 0;
}

static int child_sets_oom_personality_ioprio(void)
{
	struct petrel_error *err = NULL;
	struct oci_process *p = parse_process(P(",\"oomScoreAdj\":789,\"ioPriority\":{\"class\":"
						"\"IOPRIO_CLASS_BE\",\"priority\":5}"));
	CHECK(p && ok_or_print(petrel_process_set_oom_score_adj(p, &err), &err) == 0);
	char buf[32] = "";
	FILE *f = fopen("/proc/self/oom_score_adj", "re");
	CHECK(f && fgets(buf, sizeof(buf), f));
	fclose(f);
	CHECK(strcmp(buf, "789\n") == 0);

	err = NULL;
	CHECK(ok_or_print(petrel_process_set_io_priority(p, &err), &err) == 0);
	CHECK(syscall(SYS_ioprio_get, 1, 0) == (2 << 13 | 5));
	oci_process_free(p);

	struct oci_personality pers = {.domain = "LINUX32"};
	err = NULL;
	CHECK(ok_or_print(petrel_process_set_personality(&pers, &err), &err) == 0);
	CHECK(personality(0xffffffff) == PER_LINUX32);
	return 0;
}

static int child_sets_scheduler(void)
{
	struct petrel_error *err = NULL;
	struct oci_process *p =
		parse_process(P(",\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"nice\":5}"));
	CHECK(p && ok_or_print(petrel_process_set_scheduler(p, &err), &err) == 0);
	CHECK(sched_getscheduler(0) == SCHED_BATCH);
	errno = 0;
	CHECK(getpriority(PRIO_PROCESS, 0) == 5 && errno == 0);
	oci_process_free(p);

	p = parse_process(P(",\"scheduler\":{\"policy\":\"SCHED_IDLE\"}"));
	err = NULL;
	CHECK(p && ok_or_print(petrel_process_set_scheduler(p, &err), &err) == 0);
	CHECK(sched_getscheduler(0) == SCHED_IDLE);
	oci_process_free(p);

	/* Mainline kernels refuse SCHED_ISO; the error says what was asked. */
	p = parse_process(P(",\"scheduler\":{\"policy\":\"SCHED_ISO\"}"));
	err = NULL;
	CHECK(p && petrel_process_set_scheduler(p, &err) == -1);
	CHECK(error_is(err, "sched_setattr (policy SCHED_ISO, nice 0, priority 0, flags 0): "
			    "Invalid argument"));
	oci_process_free(p);
	return 0;
}

static int child_sets_cpu_affinity(void)
{
	struct petrel_error *err = NULL;
	cpu_set_t set;
	CHECK(ok_or_print(petrel_process_set_cpu_affinity("0", &err), &err) == 0);
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == 1 &&
	      CPU_ISSET(0, &set));
	CHECK(strcmp(status_field("Cpus_allowed_list"), "0") == 0);
	err = NULL;
	CHECK(ok_or_print(petrel_process_set_cpu_affinity("", &err), &err) == 0);
	CHECK(strcmp(status_field("Cpus_allowed_list"), "0") == 0);
	err = NULL;
	CHECK(petrel_process_set_cpu_affinity("1-0", &err) == -1);
	CHECK(error_is(err, "invalid CPU list \"1-0\": range 1-0 is reversed"));
	return 0;
}

static int child_sets_user_and_groups(void)
{
	struct petrel_error *err = NULL;
	uint32_t gids[] = {5, 6};
	struct oci_user user = {
		.uid = 1000, .gid = 1001, .additional_gids = gids, .additional_gids_len = 2};
	gid_t seven = 7;
	CHECK(setgroups(1, &seven) == 0);

	/* setgroups denied: additionalGids is an error before anything changes. */
	CHECK(petrel_process_set_user(&user, false, &err) == -1);
	CHECK(error_is(err, ".process.user.additionalGids cannot be set: setgroups is denied in "
			    "this user namespace"));
	CHECK(getuid() == 0 && getgid() == 0 && strcmp(status_field("Groups"), "7") == 0);

	/* uid -1 would leave setresuid() a no-op: refused, nothing changed. */
	struct oci_user minus_one = {.uid = UINT32_MAX, .gid = 1001};
	err = NULL;
	CHECK(petrel_process_set_user(&minus_one, true, &err) == -1);
	CHECK(error_is(err, ".process.user.uid: 4294967295 is not a valid uid"));
	CHECK(getuid() == 0 && getgid() == 0 && strcmp(status_field("Groups"), "7") == 0);

	err = NULL;
	CHECK(ok_or_print(petrel_process_set_user(&user, true, &err), &err) == 0);
	CHECK(strcmp(status_field("Uid"), "1000\t1000\t1000\t1000") == 0);
	CHECK(strcmp(status_field("Gid"), "1001\t1001\t1001\t1001") == 0);
	CHECK(strcmp(status_field("Groups"), "5 6") == 0);
	return 0;
}

static int child_user_without_gids(void)
{
	struct petrel_error *err = NULL;
	struct oci_user user = {.uid = 0, .gid = 0};
	gid_t seven = 7;
	CHECK(setgroups(1, &seven) == 0);
	/* Denied: the groups are left as they are. */
	CHECK(ok_or_print(petrel_process_set_user(&user, false, &err), &err) == 0);
	CHECK(strcmp(status_field("Groups"), "7") == 0);
	/* Allowed: the inherited groups are cleared. */
	err = NULL;
	CHECK(ok_or_print(petrel_process_set_user(&user, true, &err), &err) == 0);
	CHECK(strcmp(status_field("Groups"), "") == 0);
	return 0;
}

static int child_sets_umask_and_cwd(void)
{
	struct petrel_error *err = NULL;
	struct oci_user user = {.umask = 077, .has_umask = true};
	petrel_process_set_umask(&user);
	CHECK(umask(0) == 077);
	petrel_process_set_umask(NULL);
	CHECK(umask(0) == 0022);

	struct oci_process p = {.cwd = "/nonexist"};
	CHECK(petrel_process_chdir(&p, &err) == -1);
	CHECK(error_is(err, "chdir to cwd (\"/nonexist\") set in config.json failed: No such file "
			    "or directory"));
	p.cwd = in_tree("bin1");
	err = NULL;
	char cwd[512];
	CHECK(ok_or_print(petrel_process_chdir(&p, &err), &err) == 0);
	CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, in_tree("bin1")) == 0);
	return 0;
}

static void test_apply(void)
{
	struct petrel_error *err = NULL;
	struct oci_process none = {.cwd = "/"};
	tap_ok(petrel_process_set_lsm_labels(&none, &err) == 0, "lsm_labels_none_requested_is_ok");
	petrel_error_free(err);
	err = NULL;

	char buf[8] = "";
	FILE *f = fopen("/sys/module/apparmor/parameters/enabled", "re");
	bool apparmor = f && fgets(buf, sizeof(buf), f) && buf[0] == 'Y';
	if (f)
		fclose(f);
	struct oci_process aa = {.cwd = "/", .apparmor_profile = "x"};
	if (apparmor) {
		tap_ok(true, "lsm_apparmor_refused_when_disabled # SKIP AppArmor is enabled here");
	} else {
		tap_ok(petrel_process_set_lsm_labels(&aa, &err) == -1,
		       "lsm_apparmor_refused_when_disabled");
		tap_is_str(
			err ? petrel_error_message(err) : NULL,
			"apparmor profile \"x\" requested but AppArmor is not enabled on this host",
			"lsm_apparmor_disabled_message");
		petrel_error_free(err);
		err = NULL;
	}
	struct stat st;
	struct oci_process se = {.cwd = "/", .selinux_label = "system_u:system_r:container_t:s0"};
	if (stat("/sys/fs/selinux", &st) == 0) {
		tap_ok(true, "lsm_selinux_refused_when_disabled # SKIP SELinux is enabled here");
	} else {
		tap_ok(petrel_process_set_lsm_labels(&se, &err) == -1,
		       "lsm_selinux_refused_when_disabled");
		tap_contains(err ? petrel_error_message(err) : NULL,
			     "requested but SELinux is not enabled on this host",
			     "lsm_selinux_disabled_message");
		petrel_error_free(err);
	}

	if (geteuid() != 0) {
		for (int i = 0; i < 7; i++)
			tap_ok(true, "process_apply_%d # SKIP needs root", i);
		return;
	}
	tap_ok(tap_in_child(child_sets_rlimits), "set_rlimits_applies_and_reports_which_limit");
	tap_ok(tap_in_child(child_sets_oom_personality_ioprio),
	       "set_oom_score_adj_personality_and_io_priority");
	tap_ok(tap_in_child(child_sets_scheduler), "set_scheduler_applies_policy_and_nice");
	tap_ok(tap_in_child(child_sets_cpu_affinity), "set_cpu_affinity_pins_the_process");
	tap_ok(tap_in_child(child_sets_user_and_groups), "set_user_sets_ids_and_additional_gids");
	tap_ok(tap_in_child(child_user_without_gids),
	       "set_user_without_gids_clears_groups_when_allowed");
	tap_ok(tap_in_child(child_sets_umask_and_cwd), "set_umask_and_chdir");
}

static void remove_tree(void)
{
	static const char *const files[] = {"bin1/tool",  "bin1/thing", "bin2/tool",  "bin2/other",
					    "etc/passwd", "etc/fifo",   "bin2/thing", "bin1",
					    "bin2",       "etc"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (remove(in_tree(files[i])) < 0 && errno != ENOENT)
			printf("# cannot remove %s\n", in_tree(files[i]));
	rmdir(tree);
}

int main(void)
{
	make_tree();
	test_rlimit_names();
	test_validate();
	test_cpu_list();
	test_find_executable();
	test_environ();
	test_passwd_home();
	test_apply();
	remove_tree();
	return tap_done();
}
