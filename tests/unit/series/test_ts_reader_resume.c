// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* nftw() */
/*
 * test_ts_reader_resume.c - taking a growing file member by member, as the
 * ClickHouse loader does: the offsets the reader reports (end of the last
 * complete member, the member of the latest header), and resuming at every
 * member boundary gives exactly the rows of the later members, with the
 * column map and sensor of the header in effect there; a torn last member
 * is not counted as read; a resume point that is no member any more fails.
 */
#include "test_util.h"
#include "series/ts_reader.h"
#include "util/strbuf.h"

static char path[300];

static int test_setup(void **state)
{
	static int n;

	snprintf(path, sizeof(path), "%s/%d.tsv.gz", scratch_root, n++);
	return 0;
}

static off_t append_member(const char *text)
{
	gzFile gz = gzopen(path, "ab");

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, strlen(text)), (int)strlen(text));
	assert_int_equal(gzclose(gz), Z_OK);
	return file_size(path);
}

static const char *const cols[] = { "ts", "proto", "dport", "packets" };

/* Rows as "sensor:ts,proto,dport,packets\n" from (header_at, at) on. */
static int rows_from(__u64 header_at, __u64 at, struct strbuf *out, struct ts_reader **keep)
{
	struct ts_reader *r = ts_reader__open(path);
	int ret;

	assert_non_null(r);
	assert_int_equal(ts_reader__select(r, cols, 4), 0);
	strbuf__reset(out);
	ret = ts_reader__resume(r, header_at, at);
	while (!ret && ts_reader__next(r) == 1) {
		strbuf__appendf(out, "%s:", ts_reader__meta(r)->sensor);
		for (size_t i = 0; i < 4; i++) {
			const char *v = ts_reader__value(r, i);

			strbuf__appendf(out, "%s%s", i ? "," : "", v ? v : "-");
		}
		strbuf__append_str(out, "\n");
	}
	strbuf__cstr(out);
	if (!ret)
		ret = ts_reader__next(r); /* the end status: 0, or -errno */
	if (keep)
		*keep = r;
	else
		ts_reader__close(r);
	return ret;
}

static void test_ts_reader_resume_every_boundary(void **state)
{
	/* Two headers with other column orders and sensors, rows in between. */
	static const char *const members[] = {
		"# darkscope-series: ports 1\n# sensor: a\nts\tproto\tdport\tpackets\n",
		"100\ttcp\t23\t5\n100\tudp\t53\t1\n",
		"160\ttcp\t80\t2\n",
		"# darkscope-series: ports 1\n# sensor: b\nts\tpackets\tdport\tproto\n",
		"220\t7\t443\tudp\n",
		"280\t9\t22\ttcp\n",
	};
	static const char *const rows[] = {
		"", "a:100,tcp,23,5\na:100,udp,53,1\n", "a:160,tcp,80,2\n", "",
		"b:220,udp,443,7\n", "b:280,tcp,22,9\n",
	};
	/* The header in effect after member i: member 0 until member 3. */
	static const int header_of[] = { 0, 0, 0, 3, 3, 3 };
	const size_t n = sizeof(members) / sizeof(members[0]);
	struct strbuf got = STRBUF_INIT, want = STRBUF_INIT;
	off_t start[7] = { 0 };
	struct ts_reader *r;

	for (size_t i = 0; i < n; i++)
		start[i + 1] = append_member(members[i]);
	/* After each member k (k = 0: nothing read yet), the rest. */
	for (size_t k = 0; k <= n; k++) {
		__u64 header_at = k ? start[header_of[k - 1]] : 0;

		strbuf__reset(&want);
		for (size_t i = k; i < n; i++)
			strbuf__append_str(&want, rows[i]);
		assert_int_equal(rows_from(header_at, start[k], &got, &r), 0);
		assert_string_equal(got.buf, strbuf__cstr(&want));
		/* At the end: the whole file read, the second header's member. */
		assert_int_equal(ts_reader__done_end(r), start[n]);
		assert_int_equal(ts_reader__header_at(r), start[3]);
		assert_false(ts_reader__truncated(r));
		ts_reader__close(r);
	}
	strbuf__free(&got);
	strbuf__free(&want);
}

static void test_ts_reader_resume_offsets_while_reading(void **state)
{
	off_t a = append_member("# darkscope-series: ports 1\n# sensor: a\n"
				"ts\tproto\tdport\tpackets\n");
	off_t b = append_member("100\ttcp\t23\t5\n100\ttcp\t24\t6\n");
	off_t c = append_member("160\ttcp\t80\t2\n");
	struct ts_reader *r = ts_reader__open(path);

	assert_non_null(r);
	assert_int_equal(ts_reader__done_end(r), 0);
	assert_int_equal(ts_reader__next(r), 1);
	/* The row's member, and the end of the members read so far. */
	assert_int_equal(ts_reader__member_start(r), a);
	assert_int_equal(ts_reader__done_end(r), b);
	assert_int_equal(ts_reader__header_at(r), 0);
	assert_int_equal(ts_reader__next(r), 1);
	assert_int_equal(ts_reader__member_start(r), a);
	assert_int_equal(ts_reader__next(r), 1);
	assert_int_equal(ts_reader__member_start(r), b);
	assert_int_equal(ts_reader__done_end(r), c);
	assert_int_equal(ts_reader__next(r), 0);
	ts_reader__close(r);
}

static void test_ts_reader_resume_torn_last_member(void **state)
{
	struct strbuf got = STRBUF_INIT, err = STRBUF_INIT;
	off_t complete, full;
	struct capture cap;
	struct ts_reader *r;
	int fd;

	append_member("# darkscope-series: ports 1\n# sensor: a\nts\tproto\tdport\tpackets\n");
	complete = append_member("100\ttcp\t23\t5\n");
	full = append_member("160\ttcp\t80\t2\n");
	/* Cut the last member short, as a write in progress would leave it. */
	fd = open(path, O_WRONLY);
	assert_int_equal(ftruncate(fd, full - 5), 0);
	close(fd);
	capture_begin(&cap, 2);
	assert_int_equal(rows_from(0, 0, &got, &r), 0);
	capture_end(&cap, &err);
	assert_string_equal(got.buf, "a:100,tcp,23,5\n");
	assert_true(ts_reader__truncated(r));
	/* The torn member is not read: the next run starts at it. */
	assert_int_equal(ts_reader__done_end(r), complete);
	ts_reader__close(r);
	assert_non_null(strstr(err.buf, "truncated member at byte"));
	strbuf__free(&got);
	strbuf__free(&err);
}

static void test_ts_reader_resume_file_changed(void **state)
{
	struct strbuf got = STRBUF_INIT, err = STRBUF_INIT;
	struct capture cap;
	off_t second;

	append_member("# darkscope-series: ports 1\n# sensor: a\nts\tproto\tdport\tpackets\n");
	second = append_member("100\ttcp\t23\t5\n");
	append_member("160\ttcp\t80\t2\n");
	/* No member starts at byte 3: the resume point is stale. */
	capture_begin(&cap, 2);
	assert_int_equal(rows_from(3, second, &got, NULL), -EBADMSG);
	/* A header member that ends past the resume point: stale too. */
	assert_int_equal(rows_from(0, second - 1, &got, NULL), -EBADMSG);
	capture_end(&cap, &err);
	assert_non_null(strstr(err.buf, "the file changed"));
	strbuf__free(&got);
	strbuf__free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ts_reader_resume_every_boundary, test_setup),
		cmocka_unit_test_setup(test_ts_reader_resume_offsets_while_reading, test_setup),
		cmocka_unit_test_setup(test_ts_reader_resume_torn_last_member, test_setup),
		cmocka_unit_test_setup(test_ts_reader_resume_file_changed, test_setup),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
