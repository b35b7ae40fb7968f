// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* nftw() */
/*
 * test_ts_writer.c - hourly gzip files as zcat sees them: one header member
 * per open, one member per append, append-only across restarts and SIGHUP,
 * and a failed write (RLIMIT_FSIZE standing in for a full disk) that leaves
 * the file as it was and is retried in order.
 */
#include "test_util.h"
#include "series/series_format.h"
#include "series/ts_writer.h"
#include "util/strbuf.h"

static const struct ts_writer_meta meta = {
	.sensor = "s1",
	.iface = "eth0",
	.version = "0.1.0",
	.interval = 60,
	.started = T0 + 5,
};

static const char header_text[] = "# darkscope-series: ports 1\n"
				   "# sensor: s1\n"
				   "# iface: eth0\n"
				   "# interval: 60\n"
				   "# version: 0.1.0\n"
				   "# started: 2026-11-22T03:00:05Z\n"
				   "ts\tproto\tdport\tpackets\tsyn\tmirai\n";

static struct ts_writer *open_ports(void)
{
	struct ts_writer *w = ts_writer__open(scratch_dir, "ports", PORTS_COLUMNS, &meta);

	assert_non_null(w);
	return w;
}

static void append_str(struct ts_writer *w, __u64 ts, const char *text)
{
	assert_int_equal(ts_writer__append(w, ts, text, strlen(text)), 0);
}

static void test_ts_writer_two_appends_one_header(void **state)
{
	struct strbuf text = STRBUF_INIT, want = STRBUF_INIT;
	struct ts_writer *w = open_ports();
	struct stat st;

	append_str(w, T0, "1795316400\ttcp\t23\t5\t5\t0\n");
	append_str(w, T0 + 3599, "1795319999\tudp\t53\t1\t0\t0\n");
	ts_writer__close(w);

	strbuf__append_str(&want, header_text);
	strbuf__append_str(&want, "1795316400\ttcp\t23\t5\t5\t0\n1795319999\tudp\t53\t1\t0\t0\n");
	read_gz(path_of("ports-2026-11-22T03.tsv.gz"), &text);
	assert_string_equal(text.buf, strbuf__cstr(&want));
	assert_int_equal(count_members(path_of("ports-2026-11-22T03.tsv.gz")), 3);
	assert_int_equal(stat(path_of("ports-2026-11-22T03.tsv.gz"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	strbuf__free(&text);
	strbuf__free(&want);
}

static void test_ts_writer_empty_append(void **state)
{
	struct ts_writer *w = open_ports();

	/* A quiet interval of the flows or ports series: no member, no file. */
	assert_int_equal(ts_writer__append(w, T0, "", 0), 0);
	ts_writer__close(w);
	assert_int_equal(access(path_of("ports-2026-11-22T03.tsv.gz"), F_OK), -1);
}

static void test_ts_writer_hour_switch(void **state)
{
	struct strbuf text = STRBUF_INIT;
	struct ts_writer *w = open_ports();

	append_str(w, T0 + 3540, "a\n");
	append_str(w, T0 + 3600, "b\n");
	/* Across midnight and a year, too. */
	append_str(w, 1798761600, "c\n");
	ts_writer__close(w);

	read_gz(path_of("ports-2026-11-22T03.tsv.gz"), &text);
	assert_string_equal(text.buf + strlen(header_text), "a\n");
	read_gz(path_of("ports-2026-11-22T04.tsv.gz"), &text);
	assert_memory_equal(text.buf, header_text, strlen(header_text));
	assert_string_equal(text.buf + strlen(header_text), "b\n");
	read_gz(path_of("ports-2027-01-01T00.tsv.gz"), &text);
	assert_string_equal(text.buf + strlen(header_text), "c\n");
	assert_int_equal(count_members(path_of("ports-2027-01-01T00.tsv.gz")), 2);
	strbuf__free(&text);
}

static void test_ts_writer_reopen_writes_header(void **state)
{
	struct strbuf text = STRBUF_INIT, want = STRBUF_INIT;
	struct ts_writer *w = open_ports();
	char old[512];

	snprintf(old, sizeof(old), "%s", path_of("old.gz"));
	append_str(w, T0, "a\n");
	assert_int_equal(ts_writer__reopen(w), 0);
	append_str(w, T0 + 60, "b\n");
	/* SIGHUP after the file was rotated away: a new file, with a header. */
	assert_int_equal(rename(path_of("ports-2026-11-22T03.tsv.gz"), old), 0);
	assert_int_equal(ts_writer__reopen(w), 0);
	append_str(w, T0 + 120, "c\n");
	ts_writer__close(w);

	strbuf__append_str(&want, header_text);
	strbuf__append_str(&want, "a\n");
	strbuf__append_str(&want, header_text);
	strbuf__append_str(&want, "b\n");
	read_gz(old, &text);
	assert_string_equal(text.buf, strbuf__cstr(&want));
	strbuf__reset(&want);
	strbuf__append_str(&want, header_text);
	strbuf__append_str(&want, "c\n");
	read_gz(path_of("ports-2026-11-22T03.tsv.gz"), &text);
	assert_string_equal(text.buf, strbuf__cstr(&want));
	strbuf__free(&text);
	strbuf__free(&want);
}

static void test_ts_writer_restart_appends(void **state)
{
	const char *path;
	struct ts_writer *w = open_ports();
	char *before;
	off_t size;
	int fd;

	append_str(w, T0, "a\n");
	ts_writer__close(w);
	path = path_of("ports-2026-11-22T03.tsv.gz");
	size = file_size(path);
	before = malloc(size);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, before, size), size);
	close(fd);

	/* A restarted daemon into the same directory and hour. */
	w = open_ports();
	assert_int_equal(file_size(path), size);
	append_str(w, T0 + 60, "b\n");
	ts_writer__close(w);

	{
		off_t after_size = file_size(path);
		char *after = malloc(after_size);

		assert_true(after_size > size);
		fd = open(path, O_RDONLY);
		assert_int_equal(read(fd, after, after_size), after_size);
		close(fd);
		assert_memory_equal(after, before, size);
		free(after);
	}
	assert_int_equal(count_members(path), 4);
	free(before);
}

static void test_ts_writer_bad_dir(void **state)
{
	struct ts_writer *w;
	char file_dir[300];

	/* Fails for root too: a path through a regular file. */
	errno = 0;
	assert_null(ts_writer__open("/etc/passwd/x", "flows", FLOWS_COLUMNS, &meta));
	assert_int_equal(errno, ENOTDIR);
	snprintf(file_dir, sizeof(file_dir), "%s/file", scratch_root);
	close(open(file_dir, O_CREAT | O_WRONLY, 0600));
	assert_null(ts_writer__open(file_dir, "flows", FLOWS_COLUMNS, &meta));
	assert_int_equal(errno, ENOTDIR);

	/* Missing parents are created. */
	strcat(scratch_dir, "/a/b/c");
	w = open_ports();
	ts_writer__close(w);
	assert_int_equal(access(scratch_dir, W_OK), 0);
}

static void test_ts_writer_bad_args(void **state)
{
	struct ts_writer_meta m = meta;

	assert_null(ts_writer__open(scratch_dir, "../x", FLOWS_COLUMNS, &meta));
	assert_int_equal(errno, EINVAL);
	assert_null(ts_writer__open(scratch_dir, "", FLOWS_COLUMNS, &meta));
	assert_null(ts_writer__open(scratch_dir, "flows", "proto\tts", &meta));
	assert_null(ts_writer__open(scratch_dir, "flows", "tsx\tproto", &meta));
	assert_null(ts_writer__open(scratch_dir, "flows", "ts\nproto", &meta));
	m.sensor = "two\nlines";
	assert_null(ts_writer__open(scratch_dir, "flows", FLOWS_COLUMNS, &m));
	assert_int_equal(errno, EINVAL);
	m.sensor = "tab\there";
	assert_null(ts_writer__open(scratch_dir, "flows", FLOWS_COLUMNS, &m));
	m.sensor = "s1";
	m.level = 10;
	assert_null(ts_writer__open(scratch_dir, "flows", FLOWS_COLUMNS, &m));
}

/* Incompressible text, so a member is about as long as its input. */
static char *noise(size_t len, unsigned int seed)
{
	char *s = malloc(len + 1);

	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		s[i] = 'a' + (seed >> 16) % 26;
	}
	s[len] = '\0';
	return s;
}

static void test_ts_writer_full_disk(void **state)
{
	const char *path = path_of("ports-2026-11-22T03.tsv.gz");
	struct strbuf text = STRBUF_INIT, want = STRBUF_INIT;
	char *a = noise(8000, 1), *b = noise(8000, 2), *c = noise(100, 3);
	struct ts_writer *w = open_ports();
	__u64 errors, dropped;
	size_t members, bytes;
	off_t size;

	append_str(w, T0, a);
	size = file_size(path);

	/* Room for part of the next member only: write() is cut short, then EFBIG. */
	set_fsize_limit(size + 1000);
	assert_int_equal(ts_writer__append(w, T0 + 60, b, strlen(b)), -EFBIG);
	assert_int_equal(file_size(path), size);
	ts_writer__pending(w, &members, &bytes);
	assert_int_equal(members, 1);
	assert_true(bytes > 1000);
	ts_writer__stats(w, &errors, &dropped);
	assert_int_equal(errors, 1);
	assert_int_equal(dropped, 0);

	/* Still full: the new member queues behind the old one. */
	assert_int_equal(ts_writer__append(w, T0 + 120, c, strlen(c)), -EFBIG);
	assert_int_equal(file_size(path), size);
	ts_writer__pending(w, &members, &bytes);
	assert_int_equal(members, 2);

	/* Space again: both go out, in order, with the next append. */
	set_fsize_limit(RLIM_INFINITY);
	append_str(w, T0 + 180, "d\n");
	ts_writer__pending(w, &members, &bytes);
	assert_int_equal(members, 0);
	assert_int_equal(bytes, 0);
	ts_writer__stats(w, &errors, &dropped);
	assert_int_equal(errors, 2);
	assert_int_equal(dropped, 0);
	ts_writer__close(w);

	strbuf__append_str(&want, header_text);
	strbuf__append_str(&want, a);
	strbuf__append_str(&want, b);
	strbuf__append_str(&want, c);
	strbuf__append_str(&want, "d\n");
	read_gz(path, &text);
	assert_string_equal(text.buf, strbuf__cstr(&want));
	assert_int_equal(count_members(path), 5);
	free(a);
	free(b);
	free(c);
	strbuf__free(&text);
	strbuf__free(&want);
}

static void test_ts_writer_full_disk_new_file(void **state)
{
	const char *path = path_of("ports-2026-11-22T03.tsv.gz");
	struct strbuf text = STRBUF_INIT, want = STRBUF_INIT;
	struct ts_writer *w = open_ports();

	/* Not even the header member fits: the file is created but stays empty. */
	set_fsize_limit(10);
	assert_int_equal(ts_writer__append(w, T0, "a\n", 2), -EFBIG);
	assert_int_equal(file_size(path), 0);
	set_fsize_limit(RLIM_INFINITY);
	/* close retries: the header goes first. */
	ts_writer__close(w);
	strbuf__append_str(&want, header_text);
	strbuf__append_str(&want, "a\n");
	read_gz(path, &text);
	assert_string_equal(text.buf, strbuf__cstr(&want));
	assert_int_equal(count_members(path), 2);
	strbuf__free(&text);
	strbuf__free(&want);
}

static void test_ts_writer_pending_limit(void **state)
{
	const char *path = path_of("ports-2026-11-22T03.tsv.gz");
	struct strbuf text = STRBUF_INIT, want = STRBUF_INIT;
	char *m[4] = { noise(3000, 4), noise(3000, 5), noise(3000, 6), noise(3000, 7) };
	struct ts_writer *w = open_ports();
	size_t members, bytes, limit;
	__u64 errors, dropped;

	append_str(w, T0, "first\n");
	set_fsize_limit(file_size(path));
	assert_int_equal(ts_writer__append(w, T0 + 60, m[0], 3000), -EFBIG);
	/* Room in the queue for two members of about this size, not three. */
	ts_writer__pending(w, &members, &bytes);
	limit = bytes * 5 / 2;
	ts_writer__set_pending_limit(w, limit);
	for (int i = 1; i < 4; i++)
		assert_int_equal(ts_writer__append(w, T0 + 60 * (i + 1), m[i], 3000), -EFBIG);
	ts_writer__pending(w, &members, &bytes);
	assert_int_equal(members, 2);
	assert_true(bytes <= limit);
	ts_writer__stats(w, &errors, &dropped);
	assert_int_equal(dropped, 2);
	set_fsize_limit(RLIM_INFINITY);
	assert_int_equal(ts_writer__flush_pending(w), 0);
	ts_writer__close(w);

	/* The two oldest were dropped; the newest two follow "first" in order. */
	strbuf__append_str(&want, header_text);
	strbuf__append_str(&want, "first\n");
	strbuf__append_str(&want, m[2]);
	strbuf__append_str(&want, m[3]);
	read_gz(path, &text);
	assert_string_equal(text.buf, strbuf__cstr(&want));
	for (int i = 0; i < 4; i++)
		free(m[i]);
	strbuf__free(&text);
	strbuf__free(&want);
}

static void test_ts_writer_pending_keeps_its_hour(void **state)
{
	struct strbuf text = STRBUF_INIT;
	struct ts_writer *w = open_ports();

	append_str(w, T0, "a\n");
	set_fsize_limit(file_size(path_of("ports-2026-11-22T03.tsv.gz")));
	assert_int_equal(ts_writer__append(w, T0 + 3540, "b\n", 2), -EFBIG);
	set_fsize_limit(RLIM_INFINITY);
	/* The retried member goes to its own hour's file, not the new one. */
	append_str(w, T0 + 3600, "c\n");
	ts_writer__close(w);
	read_gz(path_of("ports-2026-11-22T03.tsv.gz"), &text);
	assert_string_equal(text.buf + strlen(header_text), "a\nb\n");
	read_gz(path_of("ports-2026-11-22T04.tsv.gz"), &text);
	assert_string_equal(text.buf + strlen(header_text), "c\n");
	strbuf__free(&text);
}

static void test_ts_writer_symlink_refused(void **state)
{
	struct ts_writer *w = open_ports();
	char target[300];
	__u64 errors, dropped;

	snprintf(target, sizeof(target), "%s/target", scratch_root);
	assert_int_equal(symlink(target, path_of("ports-2026-11-22T03.tsv.gz")), 0);
	assert_int_equal(ts_writer__append(w, T0, "a\n", 2), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);
	ts_writer__stats(w, &errors, &dropped);
	assert_int_equal(errors, 1);
	unlink(path_of("ports-2026-11-22T03.tsv.gz"));
	ts_writer__close(w);
	assert_int_equal(count_members(path_of("ports-2026-11-22T03.tsv.gz")), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH_TEST(test_ts_writer_two_appends_one_header),
		SCRATCH_TEST(test_ts_writer_empty_append),
		SCRATCH_TEST(test_ts_writer_hour_switch),
		SCRATCH_TEST(test_ts_writer_reopen_writes_header),
		SCRATCH_TEST(test_ts_writer_restart_appends),
		SCRATCH_TEST(test_ts_writer_bad_dir),
		SCRATCH_TEST(test_ts_writer_bad_args),
		FULL_DISK_TEST(test_ts_writer_full_disk),
		FULL_DISK_TEST(test_ts_writer_full_disk_new_file),
		FULL_DISK_TEST(test_ts_writer_pending_limit),
		FULL_DISK_TEST(test_ts_writer_pending_keeps_its_hour),
		SCRATCH_TEST(test_ts_writer_symlink_refused),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
