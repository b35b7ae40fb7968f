// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_capture_args.c - the values of --capture-select and --capture-rotate:
 * every selector, lists, formatting back, time and size units, and each
 * kind of bad value rejected.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#include "capture/capture_args.h"
#include "darkscope.h"

static void test_capture_select_each_and_lists(void **state)
{
	static const struct {
		const char *arg;
		__u32 bits;
	} ok[] = {
		{ "sample", DS_CAPTURE_SAMPLE },
		{ "new", DS_CAPTURE_NEW },
		{ "payload", DS_CAPTURE_PAYLOAD },
		{ "mirai", DS_CAPTURE_MIRAI },
		{ "all", DS_CAPTURE_ALL },
		{ "new,mirai", DS_CAPTURE_NEW | DS_CAPTURE_MIRAI },
		{ "mirai,new", DS_CAPTURE_NEW | DS_CAPTURE_MIRAI },
		{ "sample,new,payload,mirai,all", DS_CAPTURE_SAMPLE | DS_CAPTURE_NEW |
			DS_CAPTURE_PAYLOAD | DS_CAPTURE_MIRAI | DS_CAPTURE_ALL },
	};
	__u32 bits;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		bits = 0xdead;
		if (capture_select_parse(ok[i].arg, &bits))
			fail_msg("rejected '%s'", ok[i].arg);
		assert_int_equal(bits, ok[i].bits);
	}
}

static void test_capture_select_rejects(void **state)
{
	static const char *const bad[] = {
		"", ",", "new,", ",new", "new,,mirai", "New", "news", "ne", "new,new",
		"all,sample,all", "new mirai", "bogus",
	};
	__u32 bits = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (capture_select_parse(bad[i], &bits) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(bits, 7); /* untouched on failure */
	}
}

static void test_capture_select_format(void **state)
{
	char buf[64], tiny[6];

	capture_select_format(DS_CAPTURE_NEW | DS_CAPTURE_MIRAI, buf, sizeof(buf));
	assert_string_equal(buf, "new,mirai");
	capture_select_format(DS_CAPTURE_SAMPLE, buf, sizeof(buf));
	assert_string_equal(buf, "sample");
	capture_select_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* Truncated, never overrun. */
	capture_select_format(DS_CAPTURE_SAMPLE | DS_CAPTURE_NEW, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void test_capture_rotate_units(void **state)
{
	static const struct {
		const char *arg;
		__u32 seconds;
		__u64 bytes;
	} ok[] = {
		{ "1", 1, 0 },         { "90", 90, 0 },       { "90s", 90, 0 },
		{ "30m", 1800, 0 },    { "1h", 3600, 0 },     { "1d", 86400, 0 },
		{ "7d", 604800, 0 },   { "604800", 604800, 0 }, { "1MB", 0, 1 << 20 },
		{ "100M", 0, 100ULL << 20 }, { "1048576MB", 0, 1ULL << 40 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		__u32 seconds = 0;
		__u64 bytes = 0;

		if (capture_rotate_parse(ok[i].arg, &seconds, &bytes))
			fail_msg("rejected '%s'", ok[i].arg);
		assert_int_equal(seconds, ok[i].seconds);
		assert_int_equal(bytes, ok[i].bytes);
	}
}

static void test_capture_rotate_rejects(void **state)
{
	static const char *const bad[] = {
		"", "0", "0MB", "-5", "+5", " 5", "5 ", "5x", "5GB", "5mb", "1.5h", "8d",
		"604801", "1048577MB", "MB", "99999999999999999999999",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		__u32 seconds = 11;
		__u64 bytes = 22;

		if (capture_rotate_parse(bad[i], &seconds, &bytes) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(seconds, 11);
		assert_int_equal(bytes, 22);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_select_each_and_lists),
		cmocka_unit_test(test_capture_select_rejects),
		cmocka_unit_test(test_capture_select_format),
		cmocka_unit_test(test_capture_rotate_units),
		cmocka_unit_test(test_capture_rotate_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
