// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_run_opts.c - option parsing of `darkscope run` and `check`: defaults,
 * every option, and each kind of bad value rejected (argp in silent mode, so
 * errors come back as a status instead of exit 64).
 */
#include <argp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#include "darkscope.h"
#include "cli/run_opts.h"

#define MAX_ARGS 32

static int parse(struct run_opts *o, ...)
{
	char *argv[MAX_ARGS] = { "darkscope run" };
	int argc = 1;
	va_list ap;
	char *a;

	va_start(ap, o);
	while ((a = va_arg(ap, char *)) && argc < MAX_ARGS - 1)
		argv[argc++] = a;
	va_end(ap);
	return run_opts_parse(o, argc, argv, ARGP_SILENT);
}

static void test_run_opts_defaults(void **state)
{
	struct run_opts o;

	assert_int_equal(parse(&o, "-i", "eth1", "-o", "/srv/ds", NULL), 0);
	assert_string_equal(o.sensor.ifname, "eth1");
	assert_string_equal(o.sensor.outdir, "/srv/ds");
	assert_int_equal(o.sensor.interval, 60);
	assert_int_equal(o.duration, 0);
	assert_int_equal(o.sensor.mode, ATTACH_AUTO);
	assert_false(o.sensor.pass);
	assert_int_equal(o.sensor.max_keys, DS_DEFAULT_MAX_KEYS);
	assert_int_equal(o.verbosity, 0);
	assert_true(strlen(o.name) > 0); /* the host name, or "sensor" */
	assert_ptr_equal(o.sensor.name, o.name);
	assert_null(o.sensor.capture.dir);
	assert_int_equal(o.sensor.capture_select, DS_CAPTURE_NEW);
	assert_int_equal(o.sensor.sample_n, 1000);
	assert_int_equal(o.sensor.capture.snaplen, 0);
	assert_int_equal(o.sensor.capture.rotate_seconds, 3600);
	assert_int_equal(o.sensor.capture.rotate_bytes, 0);
	assert_int_equal(o.sensor.capture.max_disk_bytes, 1024ULL << 20);
	assert_int_equal(o.sensor.capture.ring_size, 2048);
}

static void test_run_opts_capture(void **state)
{
	struct run_opts o;

	assert_int_equal(parse(&o, "-i", "x", "-o", "d", "--capture", "c", "--capture-select",
			       "payload,mirai", "--snaplen", "128", "--capture-rotate", "10m",
			       "--capture-rotate", "50MB", "--capture-max-disk", "0",
			       "--capture-ring", "64", NULL),
			 0);
	assert_string_equal(o.sensor.capture.dir, "c");
	assert_int_equal(o.sensor.capture_select, DS_CAPTURE_PAYLOAD | DS_CAPTURE_MIRAI);
	assert_int_equal(o.sensor.capture.snaplen, 128);
	assert_int_equal(o.sensor.capture.rotate_seconds, 600);
	assert_int_equal(o.sensor.capture.rotate_bytes, 50ULL << 20);
	assert_int_equal(o.sensor.capture.max_disk_bytes, 0);
	assert_int_equal(o.sensor.capture.ring_size, 64);
	/* A size rotation alone replaces the hourly default. */
	assert_int_equal(parse(&o, "-i", "x", "-o", "d", "--capture", "c", "--capture-rotate",
			       "5MB", NULL), 0);
	assert_int_equal(o.sensor.capture.rotate_seconds, 0);
	assert_int_equal(o.sensor.capture.rotate_bytes, 5ULL << 20);
	/* --sample alone selects sampling. */
	assert_int_equal(parse(&o, "-i", "x", "-o", "d", "--capture", "c", "--sample", "1", NULL),
			 0);
	assert_int_equal(o.sensor.capture_select, DS_CAPTURE_SAMPLE);
	assert_int_equal(o.sensor.sample_n, 1);
	assert_int_equal(parse(&o, "-i", "x", "-o", "d", "--capture", "c", "--sample", "4294967295",
			       "--capture-select", "new,sample", NULL), 0);
	assert_int_equal(o.sensor.capture_select, DS_CAPTURE_SAMPLE | DS_CAPTURE_NEW);
	assert_int_equal(o.sensor.sample_n, 4294967295U);
}

static void test_run_opts_capture_rejects(void **state)
{
	static const char *const bad[][5] = {
		/* Capture options need --capture. */
		{ "--capture-select", "new" }, { "--sample", "5" }, { "--snaplen", "64" },
		{ "--capture-rotate", "1h" }, { "--capture-max-disk", "5" }, { "--capture-ring", "64" },
		/* Bad values. */
		{ "--capture", "c", "--capture-select", "bogus" },
		{ "--capture", "c", "--capture-select", "new,new" },
		{ "--capture", "c", "--sample", "0" },
		{ "--capture", "c", "--sample", "4294967296" },
		{ "--capture", "c", "--sample", "5", "--capture-select" },
		{ "--capture", "c", "--snaplen", "0" },
		{ "--capture", "c", "--snaplen", "65536" },
		{ "--capture", "c", "--capture-rotate", "0" },
		{ "--capture", "c", "--capture-rotate", "5GB" },
		{ "--capture", "c", "--capture-max-disk", "-1" },
		{ "--capture", "c", "--capture-ring", "100" },
		{ "--capture", "c", "--capture-ring", "32" },
		{ "--capture", "c", "--capture-ring", "131072" },
	};
	struct run_opts o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse(&o, "-i", "x", "-o", "d", bad[i][0], bad[i][1], bad[i][2],
				bad[i][3], bad[i][4], NULL);

		if (!err)
			fail_msg("accepted %s %s %s", bad[i][0], bad[i][1] ?: "",
				 bad[i][2] ?: "");
	}
	/* --sample with a list that does not sample. */
	assert_int_not_equal(parse(&o, "-i", "x", "-o", "d", "--capture", "c", "--sample", "5",
				   "--capture-select", "new", NULL), 0);
}

static void test_run_opts_all_options(void **state)
{
	struct run_opts o;

	assert_int_equal(parse(&o, "--interface", "veth0", "--output", "d", "--interval", "1",
			       "--duration", "30", "--mode", "skb", "--sensor", "tokyo-1.a_b",
			       "--pass", "--max-keys", "1000000", "-v", "-v", NULL),
			 0);
	assert_int_equal(o.sensor.interval, 1);
	assert_int_equal(o.duration, 30);
	assert_int_equal(o.sensor.mode, ATTACH_SKB);
	assert_string_equal(o.name, "tokyo-1.a_b");
	assert_true(o.sensor.pass);
	assert_int_equal(o.sensor.max_keys, 1000000);
	assert_int_equal(o.verbosity, 2);
	assert_int_equal(parse(&o, "-i", "x", "-o", "d", "--mode", "native", NULL), 0);
	assert_int_equal(o.sensor.mode, ATTACH_NATIVE);
	assert_int_equal(parse(&o, "-i", "x", "-o", "d", "--interval", "86400", NULL), 0);
	assert_int_equal(o.sensor.interval, 86400);
}

static void test_run_opts_rejects(void **state)
{
	static const char *const bad[][3] = {
		{ "--interval", "0" },   { "--interval", "86401" }, { "--interval", "1.5" },
		{ "--interval", "-5" },  { "--interval", "" },      { "--interval", "9x" },
		{ "--duration", "0" },   { "--duration", "99999999999" },
		{ "--mode", "fast" },    { "--mode", "" },
		{ "--sensor", "a b" },   { "--sensor", "" },        { "--sensor", "x/y" },
		{ "--max-keys", "15" },  { "--max-keys", "67108865" },
		{ "--bogus" },           { "extra-argument" },
	};
	struct run_opts o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse(&o, "-i", "x", "-o", "d", bad[i][0], bad[i][1], NULL);

		if (!err)
			fail_msg("accepted %s %s", bad[i][0], bad[i][1] ? bad[i][1] : "");
	}
	/* A 65-character sensor name is one too many. */
	char longname[66];

	memset(longname, 'a', 65);
	longname[65] = '\0';
	assert_int_not_equal(parse(&o, "-i", "x", "-o", "d", "--sensor", longname, NULL), 0);
	longname[64] = '\0';
	assert_int_equal(parse(&o, "-i", "x", "-o", "d", "--sensor", longname, NULL), 0);
}

/* --log-records: the flow log per CPU, 0 (the per-CPU hash alone) up to
 * SENSOR_MAX_LOG_RECORDS; `check` takes it too. */
static void test_run_opts_log_records(void **state)
{
	static const char *const bad[] = { "268435457", "-1", "x", "" };
	char *check[] = { "darkscope check", "--log-records", "0" };
	struct run_opts o;
	size_t i;

	assert_int_equal(parse(&o, "-i", "x", "-o", "d", NULL), 0);
	assert_int_equal(o.sensor.log_records, SENSOR_DEFAULT_LOG_RECORDS);
	assert_int_equal(parse(&o, "-i", "x", "-o", "d", "--log-records", "0", NULL), 0);
	assert_int_equal(o.sensor.log_records, 0);
	assert_int_equal(parse(&o, "-i", "x", "-o", "d", "--log-records", "268435456", NULL), 0);
	assert_int_equal(o.sensor.log_records, SENSOR_MAX_LOG_RECORDS);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!parse(&o, "-i", "x", "-o", "d", "--log-records", bad[i], NULL))
			fail_msg("accepted --log-records '%s'", bad[i]);
	assert_int_equal(check_opts_parse(&o, 3, check, ARGP_SILENT), 0);
	assert_int_equal(o.sensor.log_records, 0);
}

static void test_run_opts_required(void **state)
{
	struct run_opts o;

	assert_int_not_equal(parse(&o, "-o", "d", NULL), 0);
	assert_int_not_equal(parse(&o, "-i", "x", NULL), 0);
	assert_int_not_equal(parse(&o, NULL), 0);
}

static void test_run_opts_check(void **state)
{
	char *ok[] = { "darkscope check", "--max-keys", "4096", "-v" };
	char *bad[] = { "darkscope check", "-i", "eth0" };
	struct run_opts o;

	assert_int_equal(check_opts_parse(&o, 4, ok, ARGP_SILENT), 0);
	assert_int_equal(o.sensor.max_keys, 4096);
	assert_int_equal(o.verbosity, 1);
	assert_int_not_equal(check_opts_parse(&o, 3, bad, ARGP_SILENT), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_opts_defaults),
		cmocka_unit_test(test_run_opts_all_options),
		cmocka_unit_test(test_run_opts_capture),
		cmocka_unit_test(test_run_opts_capture_rejects),
		cmocka_unit_test(test_run_opts_rejects),
		cmocka_unit_test(test_run_opts_log_records),
		cmocka_unit_test(test_run_opts_required),
		cmocka_unit_test(test_run_opts_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
