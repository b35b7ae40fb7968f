// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* nftw() */
/*
 * test_rollup.c - `darkscope rollup`'s work on one sensor directory that
 * the daemon's own writer (ts_writer) filled: the day's rows collapsed
 * exactly (flows, ports, the sensor row's sums and maxima), the header that
 * says what the rollup covers, chunked members, a second run that finds the
 * rollup current, late data that makes it stale (remade, same bytes as
 * made from scratch), sources that go (still current; stale then, not
 * made again from what is left), damaged sources (a torn member, a bad row, a newer
 * format version) recorded in the header with file and offset, sources of
 * two sensors refused, open days left alone, hourly rollups, a lock held
 * by another run, leftovers of a killed run, and the file names.
 */
#include <arpa/inet.h>
#include <sys/file.h>

#include "test_util.h"
#include "rollup/rollup_dir.h"
#include "rollup/rollup_names.h"
#include "series/series_format.h"
#include "series/ts_reader.h"
#include "series/ts_writer.h"

/* 2026-11-22T00:00:00Z, the day under test (T0 is its 03:00). */
#define D0 (T0 - 3 * 3600)
#define DAY 86400ULL

struct flow_spec {
	unsigned int proto, dport;
	const char *net;
	__u64 packets, syn, mirai;
	const char *hosts, *mirai_hosts; /* host lists as the files spell them */
};

/* The day's intervals (and one of the next day), each with its flows. */
static const struct interval_spec {
	__u64 ts;
	__u64 max_keys, write_errors, write_dropped;
	struct flow_spec flows[3];
	size_t n;
} intervals[] = {
	{ T0, 1000, 0, 0,
	  { { DS_PROTO_TCP, 23, "1.2.3.0", 5, 5, 2, "[5,6]", "[5]" },
	    { DS_PROTO_UDP, 53, "9.9.9.0", 2, 0, 0, "[9]", "[]" } }, 2 },
	{ T0 + 60, 2000, 2, 1,
	  { { DS_PROTO_TCP, 23, "1.2.3.0", 3, 3, 1, "[5,200]", "[200]" },
	    { DS_PROTO_ICMP, 8, "3.3.3.0", 4, 0, 0, "[1]", "[]" } }, 2 },
	{ T0 + 3600, 500, 3, 1,
	  { { DS_PROTO_TCP, 23, "1.2.3.0", 1, 1, 0, "[7]", "[]" },
	    { DS_PROTO_TCP, 445, "5.5.5.0", 7, 7, 0, "[63]", "[]" } }, 2 },
	{ T0 + DAY, 500, 0, 0,
	  { { DS_PROTO_TCP, 23, "1.2.3.0", 9, 9, 0, "[1]", "[]" } }, 1 },
};
#define N_INTERVALS (sizeof(intervals) / sizeof(intervals[0]))

static const char *const SERIES[3] = { "flows", "ports", "sensor" };

static const char day_flows[] =
	"1795305600\ttcp\t23\t1.2.3.0/24\t9\t9\t3\t4\t2\t[5,6,7,200]\t[5,200]\n"
	"1795305600\ttcp\t445\t5.5.5.0/24\t7\t7\t0\t1\t0\t[63]\t[]\n"
	"1795305600\tudp\t53\t9.9.9.0/24\t2\t0\t0\t1\t0\t[9]\t[]\n"
	"1795305600\ticmp\t8\t3.3.3.0/24\t4\t0\t0\t1\t0\t[1]\t[]\n";
static const char day_ports[] = "1795305600\ttcp\t23\t9\t9\t3\n"
				"1795305600\ttcp\t445\t7\t7\t0\n"
				"1795305600\tudp\t53\t2\t0\t0\n"
				"1795305600\ticmp\t8\t4\t0\t0\n";

static struct strbuf text;

static void parse_hosts(const char *s, __u64 words[DS_HOST_WORDS])
{
	memset(words, 0, DS_HOST_WORDS * sizeof(*words));
	for (s++; *s && *s != ']';) {
		char *end;
		unsigned long h = strtoul(s, &end, 10);

		words[h / 64] |= 1ULL << (h % 64);
		s = *end == ',' ? end + 1 : end;
	}
}

static void open_writers(struct ts_writer *w[3], const char *dir, const char *sensor)
{
	struct ts_writer_meta meta = {
		.sensor = sensor, .iface = "eth1", .version = "0.1.0", .interval = 60,
		.started = T0 - 55,
	};

	for (int i = 0; i < 3; i++) {
		w[i] = ts_writer__open(dir, SERIES[i], series_columns(SERIES[i]), &meta);
		assert_non_null(w[i]);
	}
}

/* One interval's three members, as the daemon writes them. */
static void write_interval(struct ts_writer *w[3], const struct interval_spec *in)
{
	struct interval_data d = { .ts = in->ts, .start_ms = in->ts * 1000 + 5,
				   .end_ms = in->ts * 1000 + 60000, .n_flows = in->n };
	struct sensor_row row = { .max_keys = in->max_keys, .drain_us = 1500, .write_us = 250,
				  .write_errors = in->write_errors,
				  .write_dropped = in->write_dropped };
	struct flow_row flows[3];
	struct port_row ports[3];

	for (size_t i = 0; i < in->n; i++) {
		const struct flow_spec *f = &in->flows[i];

		memset(&flows[i], 0, sizeof(flows[i]));
		flows[i].key.proto = f->proto;
		flows[i].key.dport = f->dport;
		flows[i].key.src_net = inet_addr(f->net);
		flows[i].val.packets = f->packets;
		flows[i].val.syn = f->syn;
		flows[i].val.mirai = f->mirai;
		parse_hosts(f->hosts, flows[i].val.src_hosts);
		parse_hosts(f->mirai_hosts, flows[i].val.mirai_hosts);
		ports[i] = (struct port_row){ .proto = f->proto, .port = f->dport,
					      .val = { f->packets, f->syn, f->mirai } };
		d.counters[DS_CTR_COUNTED] += f->packets;
	}
	d.counters[DS_CTR_NON_IP] = 1;
	d.counters[DS_CTR_FRAMES] = d.counters[DS_CTR_COUNTED] + 1;
	strbuf__reset(&text);
	assert_int_equal(format_flow_rows(&text, in->ts, flows, in->n), 0);
	assert_int_equal(ts_writer__append(w[0], in->ts, text.buf, text.len), 0);
	strbuf__reset(&text);
	assert_int_equal(format_port_rows(&text, in->ts, ports, in->n), 0);
	assert_int_equal(ts_writer__append(w[1], in->ts, text.buf, text.len), 0);
	strbuf__reset(&text);
	assert_int_equal(format_sensor_row(&text, &d, &row), 0);
	assert_int_equal(ts_writer__append(w[2], in->ts, text.buf, text.len), 0);
}

static void write_dir(const char *dir, const char *sensor)
{
	struct ts_writer *w[3];

	open_writers(w, dir, sensor);
	for (size_t i = 0; i < N_INTERVALS; i++)
		write_interval(w, &intervals[i]);
	for (int i = 0; i < 3; i++)
		ts_writer__close(w[i]);
}

/* Days only, closed long ago, in memory, members of the default size. */
static struct rollup_dir_opts opts(void)
{
	return (struct rollup_dir_opts){
		.r = { .max_keys = 1 << 16, .member_rows = 100000, .level = 1 },
		.days = true, .to = ~0ULL, .now = D0 + 30 * DAY, .grace = 900,
	};
}

static const char *rollup_path(const char *dir, const char *name)
{
	static char path[600];

	snprintf(path, sizeof(path), "%s/rollup/%s", dir, name);
	return path;
}

/* zcat of the file: the header's comment lines, the column line, the rows. */
static void split_rollup(const char *path, struct strbuf *head, struct strbuf *rows)
{
	struct strbuf all = STRBUF_INIT;
	const char *p;

	read_gz(path, &all);
	strbuf__reset(head);
	strbuf__reset(rows);
	for (p = all.buf; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p + 1) : strlen(p);

		strbuf__append(*p == '#' || !strncmp(p, "ts\t", 3) ? head : rows, p, len);
		p += len;
	}
	strbuf__cstr(head);
	strbuf__cstr(rows);
	strbuf__free(&all);
}

static __u64 size_of(const char *dir, const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return file_size(path);
}

static void test_rollup_day_exact(void **state)
{
	struct rollup_dir_opts o = opts();
	struct strbuf head = STRBUF_INIT, rows = STRBUF_INIT;
	struct rollup_tally t;
	char want[2048];

	write_dir(scratch_dir, "tokyo-1");
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	for (int s = 0; s < 3; s++)
		assert_int_equal(t.s[s].made, 2); /* the day and the next */
	assert_int_equal(t.s[0].rows_in, 7);
	assert_int_equal(t.s[0].rows_out, 5);
	split_rollup(rollup_path(scratch_dir, "flows-day-2026-11-22.tsv.gz"), &head, &rows);
	assert_string_equal(rows.buf, day_flows);
	snprintf(want, sizeof(want),
		 "# darkscope-series: flows 1\n# sensor: tokyo-1\n# iface: eth1\n"
		 "# interval: 86400\n# version: " DS_VERSION "\n# started: 2026-11-22T02:59:05Z\n"
		 "# rollup: day 2026-11-22T00:00:00Z\n"
		 "# source: flows-2026-11-22T03.tsv.gz %llu\n"
		 "# source: flows-2026-11-22T04.tsv.gz %llu\n%s\n",
		 (unsigned long long)size_of(scratch_dir, "flows-2026-11-22T03.tsv.gz"),
		 (unsigned long long)size_of(scratch_dir, "flows-2026-11-22T04.tsv.gz"),
		 FLOWS_COLUMNS);
	assert_string_equal(head.buf, want);
	split_rollup(rollup_path(scratch_dir, "ports-day-2026-11-22.tsv.gz"), &head, &rows);
	assert_string_equal(rows.buf, day_ports);
	split_rollup(rollup_path(scratch_dir, "flows-day-2026-11-23.tsv.gz"), &head, &rows);
	assert_string_equal(rows.buf, "1795392000\ttcp\t23\t1.2.3.0/24\t9\t9\t0\t1\t0\t[1]\t[]\n");
	/* Files of mode 0600, as the daemon's. */
	{
		struct stat st;

		assert_int_equal(stat(rollup_path(scratch_dir, "flows-day-2026-11-22.tsv.gz"), &st),
				 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	strbuf__free(&head);
	strbuf__free(&rows);
}

/* The sensor row: earliest start, latest end, sums, maxima, intervals. */
static void test_rollup_sensor_row(void **state)
{
	struct rollup_dir_opts o = opts();
	struct ts_reader *r;
	struct rollup_tally t;
	static const char *const cols[] = {
		"ts", "start_ms", "end_ms", "frames", "counted", "non_ip", "keys", "max_keys",
		"drain_ms", "write_ms", "write_errors", "write_dropped", "map_full", "intervals",
	};
	static const char *const want[] = {
		"1795305600", "1795316400005", "1795320060000", "25", "22", "3", "6", "2000",
		"4.500", "0.750", "3", "1", "0", "3",
	};

	write_dir(scratch_dir, "tokyo-1");
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	r = ts_reader__open(rollup_path(scratch_dir, "sensor-day-2026-11-22.tsv.gz"));
	assert_non_null(r);
	assert_int_equal(ts_reader__select(r, cols, sizeof(cols) / sizeof(cols[0])), 0);
	assert_int_equal(ts_reader__next(r), 1);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		assert_string_equal(ts_reader__value(r, i), want[i]);
	assert_int_equal(ts_reader__meta(r)->interval, 86400);
	assert_int_equal(ts_reader__next(r), 0);
	ts_reader__close(r);
}

static void test_rollup_chunked_members(void **state)
{
	struct rollup_dir_opts o = opts();
	struct strbuf head = STRBUF_INIT, rows = STRBUF_INIT;
	const char *path = rollup_path(scratch_dir, "flows-day-2026-11-22.tsv.gz");
	struct rollup_tally t;

	o.r.member_rows = 3;
	o.r.max_keys = 1; /* and every key a run on disk: the same rows */
	write_dir(scratch_dir, "tokyo-1");
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_true(t.s[0].runs > 0);
	/* The header member, then 3 + 1 rows. */
	assert_int_equal(count_members(path), 3);
	split_rollup(path, &head, &rows);
	assert_string_equal(rows.buf, day_flows);
	/* The spill directory is gone. */
	assert_int_equal(access(rollup_path(scratch_dir, ".spill-1"), F_OK), -1);
	strbuf__free(&head);
	strbuf__free(&rows);
}

static void file_identity(const char *path, struct stat *st)
{
	assert_int_equal(stat(path, st), 0);
}

/* A second run leaves a current rollup alone; late data makes it stale and
 * it is made again, the same bytes as made from scratch. */
static void test_rollup_current_then_stale(void **state)
{
	struct rollup_dir_opts o = opts();
	struct strbuf head = STRBUF_INIT, rows = STRBUF_INIT, first = STRBUF_INIT,
		      again = STRBUF_INIT;
	const char *path = rollup_path(scratch_dir, "flows-day-2026-11-22.tsv.gz");
	static const struct interval_spec late = {
		T0 + 120, 100, 0, 0,
		{ { DS_PROTO_TCP, 23, "1.2.3.0", 10, 10, 0, "[99]", "[]" } }, 1,
	};
	struct ts_writer *w[3];
	struct rollup_tally t;
	struct stat a, b;

	write_dir(scratch_dir, "tokyo-1");
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	file_identity(path, &a);
	read_gz(path, &first);
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	for (int s = 0; s < 3; s++) {
		assert_int_equal(t.s[s].made, 0);
		assert_int_equal(t.s[s].current, 2);
	}
	file_identity(path, &b);
	assert_true(a.st_ino == b.st_ino && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
	/* --force: made again, byte for byte. */
	o.r.force = true;
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_int_equal(t.s[0].made, 2);
	read_gz(path, &again);
	assert_string_equal(first.buf, again.buf);
	o.r.force = false;
	/* A restarted daemon appends to 03's files (a header member, a member). */
	open_writers(w, scratch_dir, "tokyo-1");
	write_interval(w, &late);
	for (int i = 0; i < 3; i++)
		ts_writer__close(w[i]);
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	for (int s = 0; s < 3; s++) {
		assert_int_equal(t.s[s].made, 1);
		assert_int_equal(t.s[s].current, 1);
	}
	split_rollup(path, &head, &rows);
	assert_non_null(strstr(rows.buf, "\ttcp\t23\t1.2.3.0/24\t19\t19\t3\t5\t2\t[5,6,7,99,200]\t"
					  "[5,200]\n"));
	strbuf__free(&head);
	strbuf__free(&rows);
	strbuf__free(&first);
	strbuf__free(&again);
}

/* Sources that go (archived, deleted by retention) leave the rollup current:
 * their rows are in it.  Stale then (late data), it is not made again from
 * what is left, which would lose the gone file's rows. */
static void test_rollup_sources_gone(void **state)
{
	struct rollup_dir_opts o = opts();
	const char *path = rollup_path(scratch_dir, "flows-day-2026-11-22.tsv.gz");
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
	static const struct interval_spec late = {
		T0 + 180, 100, 0, 0,
		{ { DS_PROTO_TCP, 80, "1.2.3.0", 1, 1, 0, "[1]", "[]" } }, 1,
	};
	struct ts_writer *w[3];
	struct rollup_tally t;
	char src[600];

	write_dir(scratch_dir, "tokyo-1");
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	read_gz(path, &before);
	for (int s = 0; s < 3; s++) {
		snprintf(src, sizeof(src), "%s/%s-2026-11-22T04.tsv.gz", scratch_dir, SERIES[s]);
		assert_int_equal(unlink(src), 0);
	}
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_int_equal(t.s[0].made, 0);
	assert_int_equal(t.s[0].current, 2);
	open_writers(w, scratch_dir, "tokyo-1");
	write_interval(w, &late);
	for (int i = 0; i < 3; i++)
		ts_writer__close(w[i]);
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), -EINVAL);
	assert_int_equal(t.s[0].refused, 1);
	assert_int_equal(t.s[0].made, 0);
	read_gz(path, &after);
	assert_string_equal(before.buf, after.buf);
	strbuf__free(&before);
	strbuf__free(&after);
}

static void append_gz(const char *path, const char *text)
{
	gzFile gz = gzopen(path, "ab");

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, strlen(text)), (int)strlen(text));
	assert_int_equal(gzclose(gz), Z_OK);
}

/* Damage is recorded, named by file and offset; the rest is rolled up. */
static void test_rollup_damaged_sources(void **state)
{
	struct rollup_dir_opts o = opts();
	struct strbuf head = STRBUF_INIT, rows = STRBUF_INIT;
	struct rollup_tally t;
	char src[600], want[300];
	__u64 whole, bad_at;

	write_dir(scratch_dir, "tokyo-1");
	/* 03: a member with a bad dport, then a good one. */
	snprintf(src, sizeof(src), "%s/flows-2026-11-22T03.tsv.gz", scratch_dir);
	bad_at = file_size(src);
	append_gz(src, "1795316520\ttcp\t70000\t1.2.3.0/24\t1\t1\t0\t1\t0\t[1]\t[]\n"
		       "1795316520\ttcp\t25\t1.2.3.0/24\t2\t2\t0\t1\t0\t[2]\t[]\n");
	/* 04: its only data member cut short (a copy in progress). */
	snprintf(src, sizeof(src), "%s/flows-2026-11-22T04.tsv.gz", scratch_dir);
	whole = file_size(src);
	assert_int_equal(truncate(src, whole - 10), 0);
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	split_rollup(rollup_path(scratch_dir, "flows-day-2026-11-22.tsv.gz"), &head, &rows);
	snprintf(want, sizeof(want),
		 "# warning: flows-2026-11-22T03.tsv.gz: 1 malformed row skipped, the first in the "
		 "member at byte %llu (dport)\n", (unsigned long long)bad_at);
	assert_non_null(strstr(head.buf, want));
	assert_non_null(strstr(head.buf, "# warning: flows-2026-11-22T04.tsv.gz: truncated member "
					 "at byte "));
	/* The rows of 03 (with the good row of the damaged member), none of 04. */
	assert_string_equal(rows.buf,
			    "1795305600\ttcp\t23\t1.2.3.0/24\t8\t8\t3\t3\t2\t[5,6,200]\t[5,200]\n"
			    "1795305600\ttcp\t25\t1.2.3.0/24\t2\t2\t0\t1\t0\t[2]\t[]\n"
			    "1795305600\tudp\t53\t9.9.9.0/24\t2\t0\t0\t1\t0\t[9]\t[]\n"
			    "1795305600\ticmp\t8\t3.3.3.0/24\t4\t0\t0\t1\t0\t[1]\t[]\n");
	strbuf__free(&head);
	strbuf__free(&rows);
}

static void test_rollup_newer_version_recorded(void **state)
{
	struct rollup_dir_opts o = opts();
	struct strbuf head = STRBUF_INIT, rows = STRBUF_INIT;
	struct rollup_tally t;
	char src[600];

	write_dir(scratch_dir, "tokyo-1");
	snprintf(src, sizeof(src), "%s/ports-2026-11-22T04.tsv.gz", scratch_dir);
	append_gz(src, "# darkscope-series: ports 2\n# sensor: tokyo-1\nts\tproto\tdport\tpackets\n"
		       "1795320000\ttcp\t80\t1\n");
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	split_rollup(rollup_path(scratch_dir, "ports-day-2026-11-22.tsv.gz"), &head, &rows);
	assert_non_null(strstr(head.buf, "# warning: ports-2026-11-22T04.tsv.gz: format version 2 "
					 "is newer than this darkscope reads (1)\n"));
	assert_string_equal(rows.buf, day_ports);
	strbuf__free(&head);
	strbuf__free(&rows);
}

/* A day whose files name two sensors is not rolled up, and a stale rollup
 * of it goes. */
static void test_rollup_two_sensors_refused(void **state)
{
	struct rollup_dir_opts o = opts();
	const char *path = rollup_path(scratch_dir, "flows-day-2026-11-22.tsv.gz");
	struct ts_writer *w[3];
	struct rollup_tally t;

	write_dir(scratch_dir, "tokyo-1");
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_int_equal(access(path, F_OK), 0);
	open_writers(w, scratch_dir, "osaka-1");
	write_interval(w, &intervals[2]);
	for (int i = 0; i < 3; i++)
		ts_writer__close(w[i]);
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), -EINVAL);
	assert_int_equal(t.s[0].refused, 1);
	assert_int_equal(t.s[0].current, 1); /* the next day */
	assert_int_equal(access(path, F_OK), -1);
}

/* A day is closed grace seconds after its end. */
static void test_rollup_open_days_wait(void **state)
{
	struct rollup_dir_opts o = opts();
	struct rollup_tally t;

	write_dir(scratch_dir, "tokyo-1");
	o.now = D0 + DAY + 899;
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_int_equal(t.s[0].made, 0);
	assert_int_equal(t.s[0].open, 2);
	o.now = D0 + DAY + 900;
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_int_equal(t.s[0].made, 1);
	assert_int_equal(t.s[0].open, 1);
	/* --from/--to pick spans. */
	o.now = D0 + 30 * DAY;
	o.from = D0 + DAY;
	o.to = D0 + 2 * DAY;
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_int_equal(t.s[0].made, 1);
	assert_int_equal(t.s[0].current, 0);
	assert_int_equal(access(rollup_path(scratch_dir, "flows-day-2026-11-23.tsv.gz"), F_OK), 0);
}

static void test_rollup_hours(void **state)
{
	struct rollup_dir_opts o = opts();
	struct strbuf head = STRBUF_INIT, rows = STRBUF_INIT;
	struct rollup_tally t;

	o.hours = true;
	write_dir(scratch_dir, "tokyo-1");
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_int_equal(t.s[1].made, 2 + 3);
	split_rollup(rollup_path(scratch_dir, "ports-hour-2026-11-22T03.tsv.gz"), &head, &rows);
	assert_string_equal(rows.buf, "1795316400\ttcp\t23\t8\t8\t3\n"
				      "1795316400\tudp\t53\t2\t0\t0\n"
				      "1795316400\ticmp\t8\t4\t0\t0\n");
	assert_non_null(strstr(head.buf, "# interval: 3600\n# version: "));
	assert_non_null(strstr(head.buf, "# rollup: hour 2026-11-22T03:00:00Z\n"
					 "# source: ports-2026-11-22T03.tsv.gz "));
	strbuf__free(&head);
	strbuf__free(&rows);
}

/* Another run holding the lock: nothing done.  A killed run's leftovers
 * are removed by the next. */
static void test_rollup_lock_and_leftovers(void **state)
{
	struct rollup_dir_opts o = opts();
	struct rollup_tally t;
	char path[600];
	int fd;

	write_dir(scratch_dir, "tokyo-1");
	snprintf(path, sizeof(path), "%s/rollup", scratch_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	fd = open(rollup_path(scratch_dir, ".lock"), O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_true(t.busy);
	assert_int_equal(t.s[0].made, 0);
	close(fd);
	make_file("rollup/.flows-day-2026-11-22.tsv.gz.tmp", 10);
	assert_int_equal(mkdir(rollup_path(scratch_dir, ".spill-99999"), 0700), 0);
	make_file("rollup/.spill-99999/run-0.tsv.gz", 10);
	assert_int_equal(rollup_dir(scratch_dir, &o, &t), 0);
	assert_false(t.busy);
	assert_int_equal(t.s[0].made, 2);
	assert_int_equal(access(rollup_path(scratch_dir, ".flows-day-2026-11-22.tsv.gz.tmp"), F_OK),
			 -1);
	assert_int_equal(access(rollup_path(scratch_dir, ".spill-99999"), F_OK), -1);
}

static void test_rollup_names(void **state)
{
	struct rollup_span s = rollup_span_of(ROLLUP_DAY, T0 + 17), got;
	char name[ROLLUP_NAME_MAX], series[32];
	static const char *const bad[] = {
		"flows-2026-11-22T03.tsv.gz", "flows-day-2026-11-22T03.tsv.gz",
		"flows-hour-2026-11-22.tsv.gz", "flows-day-2026-13-22.tsv.gz",
		"flows-day-2026-11-22.tsv", "-day-2026-11-22.tsv.gz", "flows-week-2026-11-22.tsv.gz",
		"flows-hour-2026-11-22 03.tsv.gz",
	};

	assert_int_equal(s.start, D0);
	assert_int_equal(rollup_file_name(name, sizeof(name), "flows", &s), 0);
	assert_string_equal(name, "flows-day-2026-11-22.tsv.gz");
	assert_int_equal(rollup_file_parse(name, series, sizeof(series), &got), 0);
	assert_string_equal(series, "flows");
	assert_true(got.unit == ROLLUP_DAY && got.start == D0);
	s = rollup_span_of(ROLLUP_HOUR, T0 + 3599);
	assert_int_equal(rollup_file_name(name, sizeof(name), "sensor", &s), 0);
	assert_string_equal(name, "sensor-hour-2026-11-22T03.tsv.gz");
	assert_int_equal(rollup_file_parse(name, series, sizeof(series), &got), 0);
	assert_true(got.unit == ROLLUP_HOUR && got.start == T0 && !strcmp(series, "sensor"));
	assert_int_equal(rollup_file_name(name, 10, "flows", &s), -ENAMETOOLONG);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rollup_file_parse(bad[i], series, sizeof(series), &got), -EINVAL);
}

static int group_teardown(void **state)
{
	strbuf__free(&text);
	return scratch_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH_TEST(test_rollup_day_exact),
		SCRATCH_TEST(test_rollup_sensor_row),
		SCRATCH_TEST(test_rollup_chunked_members),
		SCRATCH_TEST(test_rollup_current_then_stale),
		SCRATCH_TEST(test_rollup_sources_gone),
		SCRATCH_TEST(test_rollup_damaged_sources),
		SCRATCH_TEST(test_rollup_newer_version_recorded),
		SCRATCH_TEST(test_rollup_two_sensors_refused),
		SCRATCH_TEST(test_rollup_open_days_wait),
		SCRATCH_TEST(test_rollup_hours),
		SCRATCH_TEST(test_rollup_lock_and_leftovers),
		cmocka_unit_test(test_rollup_names),
	};

	return cmocka_run_group_tests(tests, scratch_setup, group_teardown);
}
