// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* test_util.h */
/*
 * test_cli_args.c - the argp helpers every subcommand shares: whole numbers
 * in a range, the "invalid WHAT 'ARG': expected ..." message, and -v counted
 * through the argp child (argp with ARGP_NO_EXIT, so errors come back as a
 * status and their message is captured instead of exiting 64).
 */
#include <argp.h>

#include "test_util.h"
#include "cli/cli_args.h"

struct opts {
	__u64 big;
	__u32 small;
	int verbosity;
};

static const struct argp_option options[] = {
	{ "big", 'b', "N", 0, NULL, 0 },
	{ "small", 's', "N", 0, NULL, 0 },
	{ "fruit", 'f', "NAME", 0, NULL, 0 },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct opts *o = state->input;

	switch (key) {
	case 'b':
		return argp_parse_u64(state, "big", arg, 0, ~0ULL, &o->big);
	case 's':
		return argp_parse_u32(state, "small", arg, 16, 1000, &o->small);
	case 'f':
		return strcmp(arg, "apple") ? argp_invalid(state, "fruit", arg, "apple") : 0;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->verbosity;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = {
	{ &cli_verbose_argp, 0, NULL, 0 },
	{},
};

static struct strbuf err;

/* argp_parse() on "t" and args (NULL-terminated); stderr lands in err. */
static int parse(struct opts *o, ...)
{
	const struct argp argp = { options, parse_opt, NULL, NULL, children, NULL, NULL };
	char *argv[16] = { "t" };
	struct capture cap;
	int argc = 1, ret;
	va_list ap;
	char *a;

	va_start(ap, o);
	while ((a = va_arg(ap, char *)) && argc < 15)
		argv[argc++] = a;
	va_end(ap);
	memset(o, 0, sizeof(*o));
	o->small = 7;
	capture_begin(&cap, 2);
	ret = argp_parse(&argp, argc, argv, ARGP_NO_EXIT, NULL, o);
	capture_end(&cap, &err);
	return ret;
}

static void test_cli_args_numbers(void **state)
{
	struct opts o;

	assert_int_equal(parse(&o, "--big", "18446744073709551615", "-s", "16", NULL), 0);
	assert_true(o.big == ~0ULL);
	assert_int_equal(o.small, 16);
	assert_int_equal(parse(&o, "-s", "1000", NULL), 0);
	assert_int_equal(o.small, 1000);
	assert_string_equal(err.buf, "");
}

static void test_cli_args_bad_numbers(void **state)
{
	static const char *const bad[][2] = {
		{ "--small", "15" }, { "--small", "1001" }, { "--small", "-16" },
		{ "--small", "" },   { "--small", "2x" },   { "--big", "18446744073709551616" },
		{ "--big", "-1" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct opts o;
		char want[128];

		assert_int_equal(parse(&o, bad[i][0], bad[i][1], NULL), EINVAL);
		snprintf(want, sizeof(want), "t: invalid %s '%s': expected a whole number from ",
			 bad[i][0] + 2, bad[i][1]);
		if (strncmp(err.buf, want, strlen(want)))
			fail_msg("case %zu: '%s'", i, err.buf);
		if (!strcmp(bad[i][0], "--small"))
			assert_int_equal(o.small, 7); /* left alone */
	}
}

static void test_cli_args_range_message(void **state)
{
	static const char want[] = "t: invalid small '2x': expected a whole number from 16 to 1000\n";
	struct opts o;

	assert_int_equal(parse(&o, "--small", "2x", NULL), EINVAL);
	assert_memory_equal(err.buf, want, strlen(want));
}

static void test_cli_args_invalid_message(void **state)
{
	struct opts o;

	assert_int_equal(parse(&o, "--fruit", "pear", NULL), EINVAL);
	assert_memory_equal(err.buf, "t: invalid fruit 'pear': expected apple\n", 40);
	assert_int_equal(parse(&o, "--fruit", "apple", NULL), 0);
}

static void test_cli_args_verbose(void **state)
{
	struct opts o;

	assert_int_equal(parse(&o, NULL), 0);
	assert_int_equal(o.verbosity, 0);
	assert_int_equal(parse(&o, "-v", "--verbose", "-vv", NULL), 0);
	assert_int_equal(o.verbosity, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_args_numbers),
		cmocka_unit_test(test_cli_args_bad_numbers),
		cmocka_unit_test(test_cli_args_range_message),
		cmocka_unit_test(test_cli_args_invalid_message),
		cmocka_unit_test(test_cli_args_verbose),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	strbuf__free(&err);
	return ret;
}
