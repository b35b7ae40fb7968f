// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_sensor.c - the sensor object's interval pipeline, end to end under
 * BPF_PROG_RUN: frames run through the loaded (unattached) program, then
 * sensor__tick() and sensor__finish() flip, drain and write, and the three
 * series files must hold exactly those frames, each in the interval it was
 * counted in.  Also: open refuses a missing interface before touching the
 * output directory.
 *
 * Needs CAP_BPF and CAP_SYS_ADMIN (root).
 */
#define _GNU_SOURCE
#include "../unit/test_util.h"

#include <sched.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "darkscope.skel.h"
#include "frames.h"
#include "sensor/sensor.h"
#include "series/flow_table.h"
#include "series/series_format.h"
#include "util/log.h"

/* Runs the frame s describes through the program `times` times. */
static void run_frames(struct sensor *sn, const struct frame_spec *s, __u32 times)
{
	__u8 frame[FRAME_MAX];
	__u32 len = frame_build(s, frame);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .repeat = times);

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(sn->prog.skel->progs.xdp_darkscope),
						&opts), 0);
	assert_int_equal(opts.retval, XDP_DROP);
}

static struct sensor_opts opts_in(const char *dir)
{
	return (struct sensor_opts){ .outdir = dir, .name = "t", .interval = 60,
				     .max_keys = 1024 };
}

/* Lines of all files of a series in dir, as zcat prints them, without the
 * '#' header and comment lines. */
static void series_rows(const char *dir, const char *series, struct strbuf *rows)
{
	char pattern[300], line[4096];
	struct strbuf text = STRBUF_INIT;
	FILE *ls;

	strbuf__reset(rows);
	snprintf(pattern, sizeof(pattern), "ls %s/%s-*.tsv.gz 2>/dev/null", dir, series);
	ls = popen(pattern, "r");
	assert_non_null(ls);
	while (fgets(line, sizeof(line), ls)) {
		char *p, *nl;

		line[strcspn(line, "\n")] = 0;
		read_gz(line, &text);
		for (p = text.buf; p && p < text.buf + text.len; p = nl ? nl + 1 : NULL) {
			nl = memchr(p, '\n', text.buf + text.len - p);
			if (*p != '#' && strncmp(p, "ts\t", 3))
				assert_int_equal(strbuf__append(rows, p, (nl ? nl + 1 : text.buf +
								text.len) - p), 0);
		}
	}
	pclose(ls);
	strbuf__cstr(rows);
	strbuf__free(&text);
}

/* Field `col` (0-based) of each row, summed. */
static __u64 sum_field(const char *rows, int col)
{
	__u64 sum = 0;
	const char *p = rows;

	while (*p) {
		const char *f = p;

		for (int i = 0; i < col; i++)
			f = strchr(f, '\t') + 1;
		sum += strtoull(f, NULL, 10);
		p = strchr(p, '\n') + 1;
	}
	return sum;
}

static int count_lines(const char *rows)
{
	int n = 0;

	for (; *rows; rows++)
		n += *rows == '\n';
	return n;
}

/* The sensor series' frames column: ts, start_ms, end_ms, then the
 * counters in DS_COUNTERS order, frames first. */
#define SENSOR_COL_FRAMES 3

/* The same frames and rows whatever holds the flows in the program: the
 * per-CPU hash alone (log_records 0), the flow log emptied mid-interval,
 * or a log so small that most frames overflow into the hash. */
static void sensor_intervals(__u32 log_records)
{
	struct frame_spec syn = { .l4 = FRAME_L4_TCP };
	struct frame_spec udp = { .l4 = FRAME_L4_UDP, .ip.saddr = 0xc6120109, .udp.dport = 53 };
	struct sensor_opts o = opts_in(scratch_dir);
	struct strbuf rows = STRBUF_INIT;
	struct sensor s;

	o.log_records = log_records;
	assert_int_equal(sensor__open(&s, &o), 0);
	run_frames(&s, &syn, 2);
	assert_int_equal(sensor__flush_log(&s), 0);
	run_frames(&s, &syn, 3);
	run_frames(&s, &udp, 3);
	assert_int_equal(sensor__tick(&s), 0);
	assert_int_equal(s.data.n_flows, 2);
	assert_int_equal(s.data.n_ports, 2);
	assert_int_equal(s.data.counters[DS_CTR_FRAMES], 8);
	assert_int_equal(s.data.counters[DS_CTR_COUNTED], 8);
	assert_int_equal(s.data.counters[DS_CTR_MAP_FULL], 0);
	/* One CPU (main() pins it): with 2 records a region, 2 fit before
	 * the flush, then 2 of the next 6. */
	assert_int_equal(s.data.counters[DS_CTR_LOG_FULL], log_records == 2 ? 4 : 0);
	assert_int_equal(s.data.ts % 60, 0);
	assert_true(s.data.start_ms <= s.data.end_ms);
	assert_int_equal(s.row.max_keys, 1024);

	/* After the flip: the next interval's frames only. */
	run_frames(&s, &syn, 4);
	assert_int_equal(sensor__finish(&s), 0);
	assert_int_equal(s.data.n_flows, 1);
	assert_int_equal(s.data.counters[DS_CTR_FRAMES], 4);
	assert_int_equal(s.intervals, 2);
	sensor__close(&s);

	series_rows(scratch_dir, "sensor", &rows);
	assert_int_equal(count_lines(rows.buf), 2);
	assert_int_equal(sum_field(rows.buf, SENSOR_COL_FRAMES), 12);
	series_rows(scratch_dir, "flows", &rows);
	assert_int_equal(count_lines(rows.buf), 3);
	assert_non_null(strstr(rows.buf, "\ttcp\t23\t203.0.113.0/24\t5\t5\t"));
	assert_non_null(strstr(rows.buf, "\tudp\t53\t198.18.1.0/24\t3\t0\t"));
	assert_non_null(strstr(rows.buf, "\ttcp\t23\t203.0.113.0/24\t4\t4\t"));
	series_rows(scratch_dir, "ports", &rows);
	assert_int_equal(count_lines(rows.buf), 3);
	strbuf__free(&rows);
}

static void test_sensor_intervals_hash_only(void **state)
{
	sensor_intervals(0);
}

static void test_sensor_intervals_log(void **state)
{
	sensor_intervals(4096);
}

static void test_sensor_intervals_log_overflow(void **state)
{
	sensor_intervals(2);
}

/* A quiet interval still writes its sensor row; no flow or port member. */
static void test_sensor_quiet_interval(void **state)
{
	struct sensor_opts o = opts_in(scratch_dir);
	struct strbuf rows = STRBUF_INIT;
	struct sensor s;

	assert_int_equal(sensor__open(&s, &o), 0);
	assert_int_equal(sensor__tick(&s), 0);
	assert_int_equal(s.data.counters[DS_CTR_FRAMES], 0);
	sensor__close(&s);
	series_rows(scratch_dir, "sensor", &rows);
	assert_int_equal(count_lines(rows.buf), 1);
	series_rows(scratch_dir, "flows", &rows);
	assert_int_equal(rows.len, 0);
	strbuf__free(&rows);
}

/* A missing interface is refused first: nothing is created. */
static void test_sensor_missing_interface(void **state)
{
	struct sensor_opts o = opts_in(scratch_dir);
	struct strbuf err = STRBUF_INIT;
	struct capture c;
	struct sensor s;

	o.ifname = "ds-no-such0";
	capture_begin(&c, STDERR_FILENO);
	assert_int_equal(sensor__open(&s, &o), -ENODEV);
	capture_end(&c, &err);
	sensor__close(&s);
	assert_non_null(strstr(err.buf, "Interface 'ds-no-such0' not found"));
	assert_int_equal(access(scratch_dir, F_OK), -1);
	strbuf__free(&err);
}

/* MemAvailable in bytes (0: unknown). */
static unsigned long long mem_available(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

/* The flow table is taken whole before attach: a --max-keys whose table
 * the machine cannot hold is refused with a message, not faulted in until
 * the OOM killer comes. */
static void test_sensor_max_keys_beyond_memory(void **state)
{
	struct sensor_opts o = opts_in(scratch_dir);
	struct strbuf err = STRBUF_INIT;
	struct capture c;
	struct sensor s;

	o.max_keys = DS_MAX_MAX_KEYS;
	o.log_records = SENSOR_DEFAULT_LOG_RECORDS;
	if (flow_table__reserved_bytes(o.max_keys) <= mem_available())
		skip(); /* a machine with more than ~25 GiB free holds it */
	capture_begin(&c, STDERR_FILENO);
	assert_int_equal(sensor__open(&s, &o), -ENOMEM);
	capture_end(&c, &err);
	sensor__close(&s);
	assert_non_null(strstr(err.buf, "A flow table for --max-keys 67108864 needs"));
	strbuf__free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH_TEST(test_sensor_intervals_hash_only),
		SCRATCH_TEST(test_sensor_intervals_log),
		SCRATCH_TEST(test_sensor_intervals_log_overflow),
		SCRATCH_TEST(test_sensor_quiet_interval),
		SCRATCH_TEST(test_sensor_missing_interface),
		SCRATCH_TEST(test_sensor_max_keys_beyond_memory),
	};

	cpu_set_t one;

	/* BPF_PROG_RUN runs on the calling CPU: one CPU makes the per-CPU log
	 * regions' fill levels exact. */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		perror("sched_setaffinity");
	log_set_level(LOG_WARN);
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
