/* Unit tests of the command-line flag parser (src/options.c) and of the two
 * argument checks the commands share: container ids and signal names. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libpetrel/container-id.h"
#include "libpetrel/signals.h"
#include "options.h"
#include "tap.h"

static struct {
	bool verbose;
	const char *bundle;
	int count;
	struct petrel_strlist env;
} o;

static const struct petrel_option table[] = {
	{"verbose", 'v', PETREL_OPT_BOOL, &o.verbose, NULL, "be verbose"},
	{"bundle", 'b', PETREL_OPT_STRING, &o.bundle, "DIR", "the bundle"},
	{"count", 0, PETREL_OPT_INT, &o.count, "N", "a count"},
	{"env", 'e', PETREL_OPT_LIST, &o.env, "KEY=VALUE", "an environment variable"},
	{NULL, 0, 0, NULL, NULL, NULL},
};

/* The outcome of one parse: argv is a private, NULL-terminated copy whose
 * first nargs entries are the positional arguments. */
struct parse {
	int ret;
	int nargs;
	bool help;
	char *argv[32];
	char *error; /* the error message, or NULL */
};

static void reset_targets(void)
{
	petrel_strlist_clear(&o.env);
	o.verbose = false;
	o.bundle = NULL;
	o.count = 0;
}

/* Parses the NULL-terminated args; the strings stay valid (they are literals). */
static struct parse parse_mode(enum petrel_args_mode mode, const char *const *args)
{
	struct parse p = {0};
	struct petrel_error *err = NULL;
	int argc = 0;
	reset_targets();
	while (args[argc] && argc < 31) {
		p.argv[argc] = (char *)args[argc];
		argc++;
	}
	p.ret = petrel_parse_options(table, mode, argc, p.argv, &p.nargs, &p.help, &err);
	if (err) {
		p.error = strdup(petrel_error_message(err));
		petrel_error_free(err);
	}
	return p;
}

#define PARSE(...) parse_mode(PETREL_ARGS_INTERMIXED, (const char *const[]){__VA_ARGS__, NULL})
#define PARSE_STOP(...)                                                                            \
	parse_mode(PETREL_ARGS_STOP_AT_FIRST, (const char *const[]){__VA_ARGS__, NULL})

static void test_long_and_short_forms(void)
{
	struct parse p = PARSE("--bundle", "/b1");
	tap_ok(p.ret == 0 && p.nargs == 0, "double_dash_long_flag_parses");
	tap_is_str(o.bundle, "/b1", "double_dash_long_flag_takes_next_argument_as_value");

	p = PARSE("-bundle", "/b2");
	tap_is_str(o.bundle, "/b2", "single_dash_long_flag_is_accepted_like_go_flag");

	p = PARSE("--bundle=/b3");
	tap_ok(p.ret == 0 && p.nargs == 0, "equals_form_consumes_no_extra_argument");
	tap_is_str(o.bundle, "/b3", "equals_form_sets_value");

	p = PARSE("--bundle=a=b");
	tap_is_str(o.bundle, "a=b", "equals_form_keeps_later_equals_signs_in_value");

	p = PARSE("--bundle=");
	tap_ok(p.ret == 0 && o.bundle && *o.bundle == '\0', "equals_form_accepts_empty_value");

	p = PARSE("-b", "/b4");
	tap_is_str(o.bundle, "/b4", "short_flag_takes_next_argument_as_value");

	p = PARSE("-b=/b5");
	tap_is_str(o.bundle, "/b5", "short_flag_accepts_equals_form");

	p = PARSE("--bundle", "/first", "--bundle", "/second");
	tap_is_str(o.bundle, "/second", "repeated_string_flag_keeps_last_value");

	p = PARSE("--bundle", "--verbose");
	tap_is_str(o.bundle, "--verbose", "string_flag_value_may_start_with_dash");
	tap_ok(!o.verbose, "flag_used_as_value_is_not_parsed_as_flag");
}

static void test_booleans(void)
{
	struct parse p = PARSE("--verbose");
	tap_ok(p.ret == 0 && o.verbose, "bool_flag_without_value_is_true");

	p = PARSE("-v");
	tap_ok(p.ret == 0 && o.verbose, "short_bool_flag_is_true");

	const char *falses[] = {"--verbose=false", "--verbose=0", "--verbose=f", "--verbose=FALSE"};
	for (size_t i = 0; i < sizeof(falses) / sizeof(falses[0]); i++) {
		p = parse_mode(PETREL_ARGS_INTERMIXED,
			       (const char *const[]){"-v", falses[i], NULL});
		tap_ok(p.ret == 0 && !o.verbose, "bool_flag_%s_sets_false", falses[i]);
	}
	p = PARSE("--verbose=true");
	tap_ok(p.ret == 0 && o.verbose, "bool_flag_equals_true_sets_true");

	p = PARSE("--verbose", "false");
	tap_ok(p.ret == 0 && o.verbose && p.nargs == 1 && strcmp(p.argv[0], "false") == 0,
	       "bool_flag_does_not_consume_next_argument");

	p = PARSE("--verbose=maybe");
	tap_ok(p.ret < 0, "bool_flag_rejects_non_boolean_value");
	tap_contains(p.error, "invalid boolean value \"maybe\" for flag --verbose",
		     "bool_flag_error_names_value_and_flag");
	free(p.error);
}

static void test_errors(void)
{
	struct parse p = PARSE("x", "--bundle");
	tap_ok(p.ret < 0, "string_flag_at_end_without_value_fails");
	tap_is_str(p.error, "flag needs an argument: -bundle", "missing_argument_error_names_flag");
	free(p.error);

	p = PARSE("--nope");
	tap_ok(p.ret < 0, "unknown_long_flag_fails");
	tap_is_str(p.error, "flag provided but not defined: -nope",
		   "unknown_flag_error_names_flag");
	free(p.error);

	p = PARSE("--nope=3");
	tap_is_str(p.error, "flag provided but not defined: -nope",
		   "unknown_flag_error_leaves_out_the_value");
	free(p.error);

	p = PARSE("-x");
	tap_is_str(p.error, "flag provided but not defined: -x", "unknown_short_flag_fails");
	free(p.error);

	p = PARSE("-vb");
	tap_ok(p.ret < 0, "short_flags_are_not_combined");
	free(p.error);
}

static void test_positionals(void)
{
	struct parse p = PARSE("id", "--verbose", "other", "-b", "/b");
	tap_ok(p.ret == 0 && p.nargs == 2, "intermixed_counts_only_positionals");
	tap_ok(p.nargs == 2 && strcmp(p.argv[0], "id") == 0 && strcmp(p.argv[1], "other") == 0,
	       "intermixed_moves_positionals_to_front_in_order");
	tap_ok(o.verbose && o.bundle && strcmp(o.bundle, "/b") == 0,
	       "intermixed_parses_flags_after_positionals");

	p = PARSE("--", "--verbose", "-b");
	tap_ok(p.ret == 0 && !o.verbose && o.bundle == NULL, "double_dash_ends_flags");
	tap_ok(p.nargs == 2 && strcmp(p.argv[0], "--verbose") == 0 && strcmp(p.argv[1], "-b") == 0,
	       "arguments_after_double_dash_are_positional");

	p = PARSE("a", "--", "b");
	tap_ok(p.nargs == 2 && strcmp(p.argv[0], "a") == 0 && strcmp(p.argv[1], "b") == 0,
	       "double_dash_itself_is_not_a_positional");

	p = PARSE("-", "-v");
	tap_ok(p.ret == 0 && p.nargs == 1 && strcmp(p.argv[0], "-") == 0 && o.verbose,
	       "lone_dash_is_a_positional");

	p = PARSE_STOP("--verbose", "id", "sh", "-c", "echo -b x", "-b", "/b");
	tap_ok(p.ret == 0 && o.verbose, "stop_at_first_parses_flags_before_first_positional");
	tap_ok(o.bundle == NULL, "stop_at_first_leaves_later_flags_alone");
	tap_ok(p.nargs == 6 && strcmp(p.argv[0], "id") == 0 && strcmp(p.argv[2], "-c") == 0 &&
		       strcmp(p.argv[5], "/b") == 0,
	       "stop_at_first_keeps_later_arguments_in_order");

	p = PARSE_STOP("id", "--nope");
	tap_ok(p.ret == 0 && p.nargs == 2, "stop_at_first_does_not_reject_later_unknown_flags");
}

static void test_lists_and_ints(void)
{
	struct parse p = PARSE("-e", "A=1", "x", "--env", "B=2", "--env=C=3", "-env", "D");
	tap_ok(p.ret == 0 && o.env.len == 4, "list_flag_is_repeatable");
	tap_ok(o.env.len == 4 && strcmp(o.env.items[0], "A=1") == 0 &&
		       strcmp(o.env.items[1], "B=2") == 0 && strcmp(o.env.items[2], "C=3") == 0 &&
		       strcmp(o.env.items[3], "D") == 0,
	       "list_flag_keeps_values_in_order");
	petrel_strlist_clear(&o.env);
	tap_ok(o.env.items == NULL && o.env.len == 0, "strlist_clear_empties_list");

	p = PARSE("--count", "12");
	tap_ok(p.ret == 0 && o.count == 12, "int_flag_parses_decimal");
	p = PARSE("--count=0");
	tap_ok(p.ret == 0 && o.count == 0, "int_flag_accepts_zero");

	const char *bad[] = {"abc", "12x", "", "-1", "99999999999", "1.5"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = parse_mode(PETREL_ARGS_INTERMIXED,
			       (const char *const[]){"--count", bad[i], NULL});
		tap_ok(p.ret < 0, "int_flag_rejects_\"%s\"", bad[i]);
		char want[64];
		snprintf(want, sizeof(want), "invalid value \"%s\" for flag --count", bad[i]);
		tap_is_str(p.error, want, "int_flag_error_for_\"%s\"_names_value_and_flag", bad[i]);
		free(p.error);
	}
}

static void test_help(void)
{
	struct parse p = PARSE("-h");
	tap_ok(p.ret == 0 && p.help, "short_h_requests_help");
	p = PARSE("x", "--help");
	tap_ok(p.ret == 0 && p.help && p.nargs == 1, "long_help_requests_help");
	p = PARSE("-help");
	tap_ok(p.ret == 0 && p.help, "single_dash_help_requests_help");
	p = PARSE("-v");
	tap_ok(p.ret == 0 && !p.help, "help_is_false_without_help_flag");

	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	petrel_print_options(f, table);
	fclose(f);
	tap_contains(text, "--bundle, -b DIR", "help_shows_long_short_and_argument_name");
	tap_contains(text, "the bundle", "help_shows_flag_description");
	tap_contains(text, "--count N", "help_shows_flag_without_short_name");
	tap_contains(text, "--help, -h", "help_lists_help_flag");
	free(text);
}

static void check_signal(const char *name, int want)
{
	struct petrel_error *err = NULL;
	int got = -1;
	int ret = petrel_parse_signal(name, &got, &err);
	if (!tap_ok(ret == 0 && got == want, "parse_signal_%s_is_%d", name, want))
		printf("#   ret %d, got %d, error: %s\n", ret, got,
		       err ? petrel_error_message(err) : "none");
	petrel_error_free(err);
}

static void check_bad_signal(const char *name, const char *want_error)
{
	struct petrel_error *err = NULL;
	int got = -12345;
	int ret = petrel_parse_signal(name, &got, &err);
	tap_ok(ret < 0 && got == -12345, "parse_signal_rejects_\"%s\"", name);
	tap_contains(err ? petrel_error_message(err) : NULL, want_error,
		     "parse_signal_error_for_\"%s\"", name);
	petrel_error_free(err);
}

static void test_signals(void)
{
	check_signal("KILL", SIGKILL);
	check_signal("SIGKILL", SIGKILL);
	check_signal("sigkill", SIGKILL);
	check_signal("kill", SIGKILL);
	check_signal("SigTerm", SIGTERM);
	check_signal("HUP", SIGHUP);
	check_signal("USR1", SIGUSR1);
	check_signal("SIGWINCH", SIGWINCH);
	check_signal("CHLD", SIGCHLD);
	check_signal("IOT", SIGABRT);
	check_signal("9", 9);
	check_signal("15", 15);
	check_signal("1", 1);
	check_signal("RTMIN", SIGRTMIN);
	check_signal("SIGRTMIN+3", SIGRTMIN + 3);
	check_signal("rtmax-1", SIGRTMAX - 1);
	check_signal("RTMAX", SIGRTMAX);
	char max[16];
	snprintf(max, sizeof(max), "%d", SIGRTMAX);
	check_signal(max, SIGRTMAX);

	check_bad_signal("FOO", "unknown signal \"FOO\"");
	check_bad_signal("SIGFOO", "unknown signal \"SIGFOO\"");
	check_bad_signal("SIG", "unknown signal \"SIG\"");
	check_bad_signal("", "signal cannot be empty");
	check_bad_signal("0", "out of range");
	check_bad_signal("65", "out of range");
	check_bad_signal("99999999999999999999", "out of range");
	check_bad_signal("-9", "unknown signal \"-9\"");
	check_bad_signal("9x", "unknown signal \"9x\"");
	check_bad_signal("KILL ", "unknown signal");
	check_bad_signal("RTMIN+", "unknown signal");
	check_bad_signal("RTMIN+99", "out of range");
	check_bad_signal("RTMAX+1", "unknown signal");
}

static void check_id(const char *id, bool valid, const char *label)
{
	struct petrel_error *err = NULL;
	int ret = petrel_validate_container_id(id, &err);
	if (valid) {
		if (!tap_ok(ret == 0 && err == NULL, "container_id_accepts_%s", label))
			printf("#   error: %s\n", petrel_error_message(err));
	} else {
		tap_ok(ret < 0 && err != NULL, "container_id_rejects_%s", label);
	}
	petrel_error_free(err);
}

static void test_container_ids(void)
{
	char longest[PETREL_CONTAINER_ID_MAX + 2];
	memset(longest, 'a', sizeof(longest) - 1);
	longest[PETREL_CONTAINER_ID_MAX] = '\0';

	check_id("a", true, "single_letter");
	check_id("web-1_x+y.z", true, "all_allowed_punctuation");
	check_id("ABCxyz0123456789", true, "letters_and_digits");
	check_id("...", false, "three_dots");
	check_id(".hidden", false, "leading_dot");
	check_id(longest, true, "255_characters");
	longest[PETREL_CONTAINER_ID_MAX] = 'a';
	longest[PETREL_CONTAINER_ID_MAX + 1] = '\0';
	check_id(longest, false, "256_characters");
	check_id("", false, "empty");
	check_id(NULL, false, "null");
	check_id(".", false, "dot");
	check_id("..", false, "dot_dot");
	check_id("../x", false, "path_traversal");
	check_id("a/b", false, "slash");
	check_id("a b", false, "space");
	check_id("a:b", false, "colon");
	check_id("a\n", false, "newline");
	check_id("caf\xc3\xa9", false, "non_ascii");

	struct petrel_error *err = NULL;
	petrel_validate_container_id("../x", &err);
	tap_contains(err ? petrel_error_message(err) : NULL, "invalid container id \"../x\"",
		     "container_id_error_quotes_the_id");
	petrel_error_free(err);
	err = NULL;
	petrel_validate_container_id("", &err);
	tap_contains(err ? petrel_error_message(err) : NULL, "empty",
		     "container_id_error_says_empty");
	petrel_error_free(err);
}

int main(void)
{
	test_long_and_short_forms();
	test_booleans();
	test_errors();
	test_positionals();
	test_lists_and_ints();
	test_help();
	test_signals();
	test_container_ids();
	reset_targets();
	return tap_done();
}
