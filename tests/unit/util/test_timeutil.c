// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_timeutil.c - interval slots, hour file names across hour, day and
 * year boundaries, ISO text, and what ts_parse_time() accepts and rejects.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/timeutil.h"

/* 2026-11-22T03:00:00Z */
#define T0 1795316400ULL

static void test_timeutil_slot_start(void **state)
{
	assert_int_equal(ts_slot_start(T0 + 59, 60), T0);
	assert_int_equal(ts_slot_start(T0 + 60, 60), T0 + 60);
	assert_int_equal(ts_slot_start(T0 + 299, 300), T0);
	/* The grid counts from the epoch, not from the hour. */
	assert_int_equal(ts_slot_start(1000, 7), 994);
	assert_int_equal(ts_slot_start(T0 + 5, 1), T0 + 5);
	assert_int_equal(ts_slot_start(T0 + 5, 0), T0 + 5);
}

static void test_timeutil_format_iso(void **state)
{
	char s[21];

	ts_format_iso(0, s);
	assert_string_equal(s, "1970-01-01T00:00:00Z");
	ts_format_iso(T0 + 4 * 60 + 5, s);
	assert_string_equal(s, "2026-11-22T03:04:05Z");
	ts_format_iso(951782400, s); /* leap day of a century leap year */
	assert_string_equal(s, "2000-02-29T00:00:00Z");
	ts_format_iso(TS_MAX, s);
	assert_string_equal(s, "9999-12-31T23:59:59Z");
	ts_format_iso(TS_MAX + 1000, s);
	assert_string_equal(s, "9999-12-31T23:59:59Z");
}

static void test_timeutil_hour_file_name(void **state)
{
	char name[64];

	assert_int_equal(ts_hour_file_name(name, sizeof(name), "flows", T0 + 3599), 0);
	assert_string_equal(name, "flows-2026-11-22T03.tsv.gz");
	assert_int_equal(ts_hour_file_name(name, sizeof(name), "flows", T0 + 3600), 0);
	assert_string_equal(name, "flows-2026-11-22T04.tsv.gz");
	/* Day and year boundaries. */
	assert_int_equal(ts_hour_file_name(name, sizeof(name), "ports", 1798761599), 0);
	assert_string_equal(name, "ports-2026-12-31T23.tsv.gz");
	assert_int_equal(ts_hour_file_name(name, sizeof(name), "ports", 1798761600), 0);
	assert_string_equal(name, "ports-2027-01-01T00.tsv.gz");
	assert_int_equal(ts_hour_file_name(name, sizeof(name), "sensor", 1709164800), 0);
	assert_string_equal(name, "sensor-2024-02-29T00.tsv.gz");

	assert_int_equal(ts_hour_file_name(name, 26, "flows", T0), -ENAMETOOLONG);
	assert_int_equal(ts_hour_file_name(name, 27, "flows", T0), 0);
	assert_int_equal(ts_hour_file_name(name, sizeof(name), "", T0), -EINVAL);
}

static void test_timeutil_hour_file_parse(void **state)
{
	char series[16];
	__u64 hour;

	assert_int_equal(ts_hour_file_parse("flows-2026-11-22T03.tsv.gz", series, sizeof(series),
					    &hour), 0);
	assert_string_equal(series, "flows");
	assert_int_equal(hour, T0);
	assert_int_equal(ts_hour_file_parse("a-b-2027-01-01T00.tsv.gz", series, sizeof(series),
					    &hour), 0);
	assert_string_equal(series, "a-b");
	assert_int_equal(hour, 1798761600);

	assert_int_equal(ts_hour_file_parse("flows-2026-11-22T03.tsv", series, sizeof(series),
					    &hour), -EINVAL);
	assert_int_equal(ts_hour_file_parse("flows-2026-11-22 03.tsv.gz", series,
					    sizeof(series), &hour), -EINVAL);
	assert_int_equal(ts_hour_file_parse("flows-2026-11-22T24.tsv.gz", series,
					    sizeof(series), &hour), -EINVAL);
	assert_int_equal(ts_hour_file_parse("-2026-11-22T03.tsv.gz", series, sizeof(series),
					    &hour), -EINVAL);
	assert_int_equal(ts_hour_file_parse("flows2026-11-22T03.tsv.gz", series,
					    sizeof(series), &hour), -EINVAL);
	assert_int_equal(ts_hour_file_parse("flows-2026-11-22T03.tsv.gz", series, 5, &hour),
			 -ENAMETOOLONG);
}

static void test_timeutil_parse_accepts(void **state)
{
	static const struct {
		const char *text;
		__u64 want;
	} cases[] = {
		{ "1795316400", T0 },
		{ "0", 0 },
		{ "2026-11-22", T0 - 3 * 3600 },
		{ "2026-11-22Z", T0 - 3 * 3600 },
		{ "2026-11-22T03", T0 },
		{ "2026-11-22 03", T0 },
		{ "2026-11-22T03Z", T0 },
		{ "2026-11-22T03:04", T0 + 240 },
		{ "2026-11-22T03:04:05", T0 + 245 },
		{ "2026-11-22T03:04:05Z", T0 + 245 },
		{ "2026-11-22 03:04:05Z", T0 + 245 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2024-02-29", 1709164800 },
		{ "2000-02-29", 951782400 },
		{ "9999-12-31T23:59:59Z", TS_MAX },
		{ "253402300799", TS_MAX },
	};
	__u64 t;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = 1;
		assert_int_equal(ts_parse_time(cases[i].text, &t), 0);
		if (t != cases[i].want)
			fail_msg("'%s': got %llu, want %llu", cases[i].text, (unsigned long long)t,
				 (unsigned long long)cases[i].want);
	}
}

static void test_timeutil_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "x", "12a", "-5", " 1", "1 ", "253402300800", "99999999999999999999999",
		"2026-13-01", "2026-00-01", "2026-11-31", "2026-02-29", "1900-02-29",
		"1969-12-31", "2026-11-22T", "2026-11-22T24", "2026-11-22T3",
		"2026-11-22T03:60", "2026-11-22T03:04:60", "2026-11-22T03:04:", "2026-11-22T03:4",
		"2026-11-22T03:04:05ZZ", "2026-11-22X03", "2026-11-22T03:04:05+01:00",
		"2026/11/22", "26-11-22", "2026-1-22",
	};
	__u64 t = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ts_parse_time(bad[i], &t) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(t, 42);
}

static void test_timeutil_round_trip(void **state)
{
	char s[21];
	__u64 t;

	/* Every day of a few years, each at a different second. */
	for (__u64 d = 0; d < 4 * 366; d++) {
		__u64 want = 1704067200ULL + d * 86400 + d * 37 % 86400;

		ts_format_iso(want, s);
		assert_int_equal(ts_parse_time(s, &t), 0);
		assert_int_equal(t, want);
	}
}

static void test_timeutil_now(void **state)
{
	/* After 2020 and within the four-digit years. */
	assert_true(now_ms_realtime() > 1577836800000ULL);
	assert_true(now_ms_realtime() / 1000 < TS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeutil_slot_start),
		cmocka_unit_test(test_timeutil_format_iso),
		cmocka_unit_test(test_timeutil_hour_file_name),
		cmocka_unit_test(test_timeutil_hour_file_parse),
		cmocka_unit_test(test_timeutil_parse_accepts),
		cmocka_unit_test(test_timeutil_parse_rejects),
		cmocka_unit_test(test_timeutil_round_trip),
		cmocka_unit_test(test_timeutil_now),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
