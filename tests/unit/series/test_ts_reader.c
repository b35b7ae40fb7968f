// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* nftw() */
/*
 * test_ts_reader.c - reading series files back: columns by name across
 * repeated headers, metadata, and damaged files (cut inside the last member
 * at many offsets, corrupt data, garbage, unsupported versions) giving
 * exactly the rows of the complete members before the damage; members of
 * several MB from ts_writer (libdeflate) after ones zlib wrote.
 */
#include "test_util.h"
#include "series/series_format.h"
#include "series/ts_reader.h"
#include "series/ts_writer.h"
#include "util/strbuf.h"

static char path[300];

static const struct ts_writer_meta meta = {
	.sensor = "tokyo-1",
	.iface = "eth1",
	.version = "0.1.0",
	.interval = 60,
	.started = T0 + 5,
};

static const char *const port_columns[] = { "ts", "proto", "dport", "packets", "syn", "mirai" };
#define N_PORT_COLUMNS (sizeof(port_columns) / sizeof(port_columns[0]))

static int test_setup(void **state)
{
	static int n;

	snprintf(path, sizeof(path), "%s/%d.tsv.gz", scratch_root, n++);
	return 0;
}

/* One gzip member appended to path, made by zlib's own gz writer. */
static void append_member(const char *p, const char *text)
{
	gzFile gz = gzopen(p, "ab");

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, strlen(text)), (int)strlen(text));
	assert_int_equal(gzclose(gz), Z_OK);
}

static void append_text(struct ts_writer *w, __u64 ts, const char *text)
{
	assert_int_equal(ts_writer__append(w, ts, text, strlen(text)), 0);
}

/* Every row as "v1,v2,...\n" of the selected columns ("-" for missing). */
static int read_rows(const char *p, const char *const *cols, size_t n, struct strbuf *out,
		     bool *truncated)
{
	struct ts_reader *r = ts_reader__open(p);
	int ret;

	assert_non_null(r);
	assert_int_equal(ts_reader__select(r, cols, n), 0);
	strbuf__reset(out);
	while ((ret = ts_reader__next(r)) == 1) {
		for (size_t i = 0; i < n; i++) {
			const char *v = ts_reader__value(r, i);

			strbuf__append_str(out, i ? "," : "");
			strbuf__append_str(out, v ? v : "-");
		}
		strbuf__append_str(out, "\n");
	}
	if (truncated)
		*truncated = ts_reader__truncated(r);
	ts_reader__close(r);
	strbuf__cstr(out);
	return ret;
}

static void copy_prefix(const char *from, const char *to, off_t len)
{
	char *buf = malloc(len ? len : 1);
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_int_equal(read(in, buf, len), len);
	assert_int_equal(write(out, buf, len), len);
	close(in);
	close(out);
	free(buf);
}

static void test_ts_reader_rows_and_meta(void **state)
{
	struct ts_writer *w = ts_writer__open(scratch_root, "ports", PORTS_COLUMNS, &meta);
	struct strbuf text = STRBUF_INIT;
	const struct ts_reader_meta *m;
	struct ts_reader *r;
	const char *file = "ports-2026-11-22T03.tsv.gz";

	assert_non_null(w);
	append_text(w, T0, "1795316400\ttcp\t23\t5\t4\t3\n1795316400\tudp\t53\t2\t0\t0\n");
	append_text(w, T0 + 60, "1795316460\ticmp\t8\t1\t0\t0\n");
	ts_writer__close(w);
	snprintf(path, sizeof(path), "%s/%s", scratch_root, file);

	assert_int_equal(read_rows(path, port_columns, N_PORT_COLUMNS, &text, NULL), 0);
	assert_string_equal(text.buf, "1795316400,tcp,23,5,4,3\n"
				      "1795316400,udp,53,2,0,0\n"
				      "1795316460,icmp,8,1,0,0\n");

	r = ts_reader__open(path);
	assert_non_null(r);
	assert_int_equal(ts_reader__next(r), 1);
	assert_int_equal(ts_reader__ts(r), T0);
	m = ts_reader__meta(r);
	assert_string_equal(m->series, "ports");
	assert_int_equal(m->format_version, 1);
	assert_string_equal(m->sensor, "tokyo-1");
	assert_string_equal(m->iface, "eth1");
	assert_int_equal(m->interval, 60);
	assert_string_equal(m->version, "0.1.0");
	assert_string_equal(m->started, "2026-11-22T03:00:05Z");
	assert_int_equal(ts_reader__column(r, "ts"), 0);
	assert_int_equal(ts_reader__column(r, "mirai"), 5);
	assert_int_equal(ts_reader__column(r, "nope"), -ENOENT);
	assert_string_equal(ts_reader__path(r), path);
	/* Nothing selected: no values. */
	assert_null(ts_reader__value(r, 0));
	assert_int_equal(ts_reader__next(r), 1);
	assert_int_equal(ts_reader__next(r), 1);
	assert_int_equal(ts_reader__ts(r), T0 + 60);
	assert_int_equal(ts_reader__next(r), 0);
	assert_int_equal(ts_reader__next(r), 0);
	assert_false(ts_reader__truncated(r));
	ts_reader__close(r);
	strbuf__free(&text);
}

static void test_ts_reader_header_changes(void **state)
{
	static const char *const cols[] = { "ts", "dport", "proto", "mirai", "packets" };
	struct strbuf text = STRBUF_INIT;

	append_member(path, "# darkscope-series: ports 1\n# sensor: a\n"
			    "ts\tproto\tdport\tpackets\tsyn\tmirai\n"
			    "100\ttcp\t23\t5\t4\t3\n");
	/* Another writer, another column order, an extra column, one missing. */
	append_member(path, "# darkscope-series: ports 1\n# sensor: b\n# future: x\n"
			    "ts\tnew_col\tmirai\tpackets\tdport\tproto\n"
			    "160\tzz\t7\t9\t443\tudp\n");
	append_member(path, "220\tqq\t1\t2\t80\ttcp\n");
	assert_int_equal(read_rows(path, cols, 5, &text, NULL), 0);
	assert_string_equal(text.buf, "100,23,tcp,3,5\n"
				      "160,443,udp,7,9\n"
				      "220,80,tcp,1,2\n");

	/* A short row lacks its last values rather than borrowing others. */
	append_member(path, "280\tqq\t1\n");
	assert_int_equal(read_rows(path, cols, 5, &text, NULL), 0);
	assert_string_equal(text.buf + strlen(text.buf) - 12, "280,-,-,1,-\n");
	strbuf__free(&text);
}

static void test_ts_reader_meta_follows_header(void **state)
{
	struct ts_reader *r;

	append_member(path, "# darkscope-series: sensor 1\n# sensor: a\n# interval: 60\n"
			    "ts\tx\n1\t2\n");
	append_member(path, "# darkscope-series: sensor 1\n# sensor: b\n# interval: 300\n"
			    "ts\tx\n3\t4\n");
	r = ts_reader__open(path);
	assert_non_null(r);
	assert_int_equal(ts_reader__next(r), 1);
	assert_string_equal(ts_reader__meta(r)->sensor, "a");
	assert_int_equal(ts_reader__meta(r)->interval, 60);
	assert_int_equal(ts_reader__next(r), 1);
	assert_string_equal(ts_reader__meta(r)->sensor, "b");
	assert_int_equal(ts_reader__meta(r)->interval, 300);
	ts_reader__close(r);
}

static void test_ts_reader_truncated_member(void **state)
{
	struct ts_writer *w = ts_writer__open(scratch_root, "flows", FLOWS_COLUMNS, &meta);
	static const char *const cols[] = { "ts", "src", "src_hosts" };
	struct strbuf text = STRBUF_INIT, big = STRBUF_INIT, want = STRBUF_INIT;
	char full[300], cut[300], msg[400];
	struct capture cap;
	off_t complete, end;
	bool truncated;

	assert_non_null(w);
	append_text(w, T0, "1795316400\ttcp\t23\t1.2.3.0/24\t1\t1\t0\t1\t0\t2\t0\n");
	snprintf(full, sizeof(full), "%s/flows-2026-11-22T03.tsv.gz", scratch_root);
	complete = file_size(full);
	/* A last member long enough to be cut in many places. */
	strbuf__append_str(&want, "1795316400,1.2.3.0/24,2\n");
	for (int i = 0; i < 2000; i++) {
		strbuf__appendf(&big,
				"1795316460\tudp\t%d\t10.0.%d.0/24\t1\t0\t0\t1\t0\t%x\t0\n", i,
				i % 256, i);
		strbuf__appendf(&want, "1795316460,10.0.%d.0/24,%x\n", i % 256, i);
	}
	assert_int_equal(ts_writer__append(w, T0 + 60, big.buf, big.len), 0);
	ts_writer__close(w);
	end = file_size(full);
	snprintf(cut, sizeof(cut), "%s/cut.tsv.gz", scratch_root);

	capture_begin(&cap, 2);
	/* Every offset near both ends of the last member, every 97th between. */
	for (off_t len = complete; len <= end;
	     len += len < complete + 20 || len > end - 20 ? 1 : 97) {
		copy_prefix(full, cut, len);
		assert_int_equal(read_rows(cut, cols, 3, &text, &truncated), 0);
		if (len == end) {
			assert_false(truncated);
			assert_string_equal(text.buf, strbuf__cstr(&want));
			continue;
		}
		assert_string_equal(text.buf, "1795316400,1.2.3.0/24,2\n");
		assert_int_equal(truncated, len != complete);
	}
	capture_end(&cap, &big);
	/* The warnings name the file and where the discarded member began. */
	snprintf(msg, sizeof(msg), "%s: truncated member at byte %lld", cut,
		 (long long)complete);
	assert_non_null(strstr(big.buf, msg));
	strbuf__free(&text);
	strbuf__free(&big);
	strbuf__free(&want);
}

static void test_ts_reader_corrupt_member(void **state)
{
	struct strbuf text = STRBUF_INIT;
	unsigned char byte;
	off_t first;
	int fd;

	append_member(path, "# darkscope-series: ports 1\nts\tproto\n1\ttcp\n");
	first = file_size(path);
	append_member(path, "2\tudp\n3\ttcp\n4\tudp\n5\ttcp\n");
	/* Damage the second member's deflate data (past its 10-byte gzip header). */
	fd = open(path, O_RDWR);
	assert_int_equal(pread(fd, &byte, 1, first + 12), 1);
	byte ^= 0xff;
	assert_int_equal(pwrite(fd, &byte, 1, first + 12), 1);
	close(fd);
	assert_int_equal(read_rows(path, port_columns, 2, &text, NULL), -EBADMSG);
	assert_string_equal(text.buf, "1,tcp\n");
	strbuf__free(&text);
}

static void test_ts_reader_garbage(void **state)
{
	struct strbuf text = STRBUF_INIT;
	char garbage[4096];
	int fd;

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)(i * 7919 >> 3);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, garbage, sizeof(garbage)), sizeof(garbage));
	close(fd);
	assert_int_equal(read_rows(path, port_columns, 2, &text, NULL), -EBADMSG);
	assert_string_equal(text.buf, "");

	/* Plain text is not a series file either. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, "ts\tproto\n1\ttcp\n", 15), 15);
	close(fd);
	assert_int_equal(read_rows(path, port_columns, 2, &text, NULL), -EBADMSG);

	/* An empty file is a series file with no rows yet. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	close(fd);
	assert_int_equal(read_rows(path, port_columns, 2, &text, NULL), 0);
	assert_string_equal(text.buf, "");

	errno = 0;
	assert_null(ts_reader__open("/nonexistent/x.tsv.gz"));
	assert_int_equal(errno, ENOENT);
	strbuf__free(&text);
}

static void test_ts_reader_bad_content(void **state)
{
	struct strbuf text = STRBUF_INIT;
	char p2[320], p3[320], p4[320];

	append_member(path, "# darkscope-series: ports 1\nts\tproto\n1\ttcp\n");
	append_member(path, "# darkscope-series: ports 2\nts\tproto\n2\ttcp\n");
	assert_int_equal(read_rows(path, port_columns, 2, &text, NULL), -EPROTONOSUPPORT);
	assert_string_equal(text.buf, "1,tcp\n");

	snprintf(p2, sizeof(p2), "%s.nohdr", path);
	append_member(p2, "1\ttcp\n");
	assert_int_equal(read_rows(p2, port_columns, 2, &text, NULL), -EBADMSG);
	assert_string_equal(text.buf, "");

	snprintf(p3, sizeof(p3), "%s.badts", path);
	append_member(p3, "ts\tproto\n1\ttcp\n1x\ttcp\n");
	assert_int_equal(read_rows(p3, port_columns, 2, &text, NULL), -EBADMSG);
	assert_string_equal(text.buf, "1,tcp\n");

	/* Comments, blank lines and a last line without '\n' are fine. */
	snprintf(p4, sizeof(p4), "%s.loose", path);
	append_member(p4, "# hello\n\nts\tproto\n\n1\ttcp\n# between\n2\tudp");
	assert_int_equal(read_rows(p4, port_columns, 2, &text, NULL), 0);
	assert_string_equal(text.buf, "1,tcp\n2,udp\n");
	strbuf__free(&text);
}

static void test_ts_reader_large_member(void **state)
{
	static const char *const cols[] = { "ts", "n" };
	struct strbuf text = STRBUF_INIT, want = STRBUF_INIT;
	size_t n = 300000;

	/* Larger than the reader's input chunk and output step. */
	strbuf__append_str(&text, "ts\tn\tpad\n");
	for (size_t i = 0; i < n; i++) {
		strbuf__appendf(&text, "%zu\t%zu\t%08zx\n", 1000 + i / 1000, i, i * 2654435761U);
		strbuf__appendf(&want, "%zu,%zu\n", 1000 + i / 1000, i);
	}
	append_member(path, strbuf__cstr(&text));
	append_member(path, "99999\t-1\t0\n");
	strbuf__append_str(&want, "99999,-1\n");
	assert_int_equal(read_rows(path, cols, 2, &text, NULL), 0);
	assert_int_equal(text.len, want.len);
	assert_string_equal(text.buf, strbuf__cstr(&want));
	strbuf__free(&text);
	strbuf__free(&want);
}

/* An hour file a zlib writer began (a daemon before libdeflate, or gzip
 * itself), then members of several MB from ts_writer: every row, in order. */
static void test_ts_reader_writer_members_after_zlib(void **state)
{
	struct ts_writer *w = ts_writer__open(scratch_root, "ports", PORTS_COLUMNS, &meta);
	struct strbuf text = STRBUF_INIT, want = STRBUF_INIT, got = STRBUF_INIT;
	__u64 hour = T0 + 5 * 3600;
	char file[300], first[200];

	assert_non_null(w);
	snprintf(file, sizeof(file), "%s/ports-2026-11-22T08.tsv.gz", scratch_root);
	snprintf(first, sizeof(first), "# darkscope-series: ports 1\n%s\n%llu\ttcp\t1\t2\t3\t4\n",
		 PORTS_COLUMNS, (unsigned long long)hour);
	append_member(file, first);
	strbuf__appendf(&want, "%llu,tcp,1,2,3,4\n", (unsigned long long)hour);
	for (int m = 0; m < 3; m++) {
		__u64 ts = hour + 60 * m;

		strbuf__reset(&text);
		/* 120 000 rows, ~4 MB of text: one member each. */
		for (__u32 i = 0; i < 120000; i++) {
			__u32 port = (i * 2654435761U) >> 16, v = i * 40503U;

			strbuf__appendf(&text, "%llu\t%s\t%u\t%u\t%u\t%u\n",
					(unsigned long long)ts, i % 3 ? "tcp" : "udp", port, v,
					v >> 3, m);
			strbuf__appendf(&want, "%llu,%s,%u,%u,%u,%u\n", (unsigned long long)ts,
					i % 3 ? "tcp" : "udp", port, v, v >> 3, m);
		}
		assert_int_equal(ts_writer__append(w, ts, text.buf, text.len), 0);
		/* A quiet interval between: no member at all. */
		assert_int_equal(ts_writer__append(w, ts + 30, "", 0), 0);
	}
	ts_writer__close(w);
	assert_int_equal(read_rows(file, port_columns, N_PORT_COLUMNS, &got, NULL), 0);
	assert_int_equal(got.len, want.len);
	assert_string_equal(got.buf, strbuf__cstr(&want));
	strbuf__free(&text);
	strbuf__free(&want);
	strbuf__free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ts_reader_rows_and_meta, test_setup),
		cmocka_unit_test_setup(test_ts_reader_header_changes, test_setup),
		cmocka_unit_test_setup(test_ts_reader_meta_follows_header, test_setup),
		cmocka_unit_test_setup(test_ts_reader_truncated_member, test_setup),
		cmocka_unit_test_setup(test_ts_reader_corrupt_member, test_setup),
		cmocka_unit_test_setup(test_ts_reader_garbage, test_setup),
		cmocka_unit_test_setup(test_ts_reader_bad_content, test_setup),
		cmocka_unit_test_setup(test_ts_reader_large_member, test_setup),
		cmocka_unit_test_setup(test_ts_reader_writer_members_after_zlib, test_setup),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
