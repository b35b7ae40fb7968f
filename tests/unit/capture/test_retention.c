// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* test_util.h */
/*
 * test_retention.c - capture file names and max-disk on its own: oldest
 * first by the time in the name, then by the suffix as a number; the file
 * being written is kept even when it alone is over the limit; other names,
 * symlinks and directories are never touched; a file deleted behind its
 * back is passed over; each deletion is logged as the e2e tests read it.
 */
#include "test_util.h"
#include "capture/retention.h"
#include "capture_names.h"
#include "util/strbuf.h"

/* Oldest first. */
static const char *const mine[] = {
	"cap-2026-11-20T23-59-59.pcap.gz",
	"cap-2026-11-21T00-00-00.pcap.gz",
	"cap-2026-11-21T00-00-00.2.pcap.gz",
	"cap-2026-11-21T00-00-00.10.pcap.gz",
	"cap-2026-11-21T00-00-01.pcap.gz",
};
#define N_MINE (sizeof(mine) / sizeof(mine[0]))

/* mine[], each size bytes, made newest first so directory order says nothing. */
static void make_mine(size_t size)
{
	assert_int_equal(mkdir(scratch_dir, 0700), 0);
	for (int i = N_MINE - 1; i >= 0; i--)
		make_file(mine[i], size);
}

static struct retention *open_retention(__u64 limit)
{
	struct retention *r = retention__open(scratch_dir, "cap", limit);

	assert_non_null(r);
	return r;
}

static void assert_listed(const struct retention *r, size_t files, __u64 bytes)
{
	size_t n;
	__u64 b;

	retention__listed(r, &n, &b);
	assert_int_equal(n, files);
	assert_int_equal(b, bytes);
}

/* mine[i] is there for i >= first only. */
static void assert_kept_from(size_t first)
{
	for (size_t i = 0; i < N_MINE; i++)
		if (access(path_of(mine[i]), F_OK) != (i < first ? -1 : 0))
			fail_msg("%s: %s", mine[i], i < first ? "not deleted" : "deleted");
}

static void test_retention_file_name(void **state)
{
	char name[CAPTURE_NAME_MAX];

	assert_int_equal(capture_file_name(name, sizeof(name), "cap", T0 + 245, 0), 0);
	assert_string_equal(name, "cap-2026-11-22T03-04-05.pcap.gz");
	assert_int_equal(capture_file_name(name, sizeof(name), "cap-eth1", T0, 12), 0);
	assert_string_equal(name, "cap-eth1-2026-11-22T03-00-00.12.pcap.gz");
	assert_int_equal(capture_file_name(name, 31, "cap", T0, 0), -ENAMETOOLONG);
	assert_int_equal(capture_file_name(name, 32, "cap", T0, 0), 0);
}

static void test_retention_oldest_first(void **state)
{
	struct strbuf err_text = STRBUF_INIT;
	struct retention *r;
	struct capture cap;
	char line[600];

	make_mine(1000);
	r = open_retention(2500);
	/* Nothing listed before the first scan: nothing to delete. */
	assert_int_equal(retention__enforce(r, 0), 0);
	assert_int_equal(retention__scan(r, NULL), 0);
	assert_listed(r, 5, 5000);

	/* Down to 2000 bytes: the three oldest go, .2 before .10. */
	capture_begin(&cap, 2);
	assert_int_equal(retention__enforce(r, 0), 3);
	capture_end(&cap, &err_text);
	assert_kept_from(3);
	assert_listed(r, 2, 2000);
	snprintf(line, sizeof(line), "capture file '%s' (1000 bytes) deleted: max-disk 2500 bytes",
		 path_of(mine[2]));
	assert_non_null(strstr(err_text.buf, line));

	/* Under the limit: nothing more.  The open file counts too. */
	assert_int_equal(retention__enforce(r, 500), 0);
	assert_int_equal(retention__enforce(r, 501), 1);
	assert_kept_from(4);
	assert_listed(r, 1, 1000);
	retention__close(r);
	strbuf__free(&err_text);
}

static void test_retention_keeps_open_file(void **state)
{
	struct retention *r;

	make_mine(1000);
	r = open_retention(1500);
	/* The file being written is the oldest name here (a clock step back):
	 * not listed, so never deleted, even when it alone is over the limit. */
	assert_int_equal(retention__scan(r, mine[0]), 0);
	assert_listed(r, 4, 4000);
	assert_int_equal(retention__enforce(r, 9000), 4);
	assert_int_equal(access(path_of(mine[0]), F_OK), 0);
	for (size_t i = 1; i < N_MINE; i++)
		assert_int_equal(access(path_of(mine[i]), F_OK), -1);
	assert_listed(r, 0, 0);
	assert_int_equal(retention__enforce(r, 9000), 0);
	retention__close(r);
}

static void test_retention_others_untouched(void **state)
{
	struct retention *r;
	char target[300];

	assert_int_equal(mkdir(scratch_dir, 0700), 0);
	for (size_t i = 0; i < N_NOT_CAP_FILES; i++)
		make_file(not_cap_files[i], 5000);
	/* The right names, but a symlink and a directory. */
	snprintf(target, sizeof(target), "%s/target", scratch_root);
	make_file("../target", 10);
	assert_int_equal(symlink(target, path_of("cap-2026-11-18T00-00-00.pcap.gz")), 0);
	assert_int_equal(mkdir(path_of("cap-2026-11-18T00-00-01.pcap.gz"), 0700), 0);

	r = open_retention(1);
	assert_int_equal(retention__scan(r, NULL), 0);
	assert_listed(r, 0, 0);
	assert_int_equal(retention__enforce(r, 1000), 0);
	for (size_t i = 0; i < N_NOT_CAP_FILES; i++)
		assert_int_equal(file_size(path_of(not_cap_files[i])), 5000);
	assert_int_equal(file_size(target), 10);
	assert_int_equal(access(path_of("cap-2026-11-18T00-00-01.pcap.gz"), F_OK), 0);
	retention__close(r);
}

static void test_retention_deleted_behind_its_back(void **state)
{
	struct retention *r;

	make_mine(1000);
	r = open_retention(3500);
	assert_int_equal(retention__scan(r, NULL), 0);
	/* Someone else removes the oldest: not counted, and the next one
	 * goes in its place only while the list is still over the limit. */
	assert_int_equal(unlink(path_of(mine[0])), 0);
	assert_int_equal(retention__enforce(r, 0), 1);
	assert_kept_from(2);
	assert_listed(r, 3, 3000);

	/* A new file appears: counted from the next scan on. */
	make_file("cap-2026-11-22T00-00-00.pcap.gz", 1000);
	assert_int_equal(retention__enforce(r, 0), 0);
	assert_int_equal(retention__scan(r, NULL), 0);
	assert_listed(r, 4, 4000);
	assert_int_equal(retention__enforce(r, 0), 1);
	assert_kept_from(3);
	retention__close(r);
}

static void test_retention_no_limit_and_no_dir(void **state)
{
	struct strbuf err_text = STRBUF_INIT;
	struct retention *r;
	struct capture cap;

	make_mine(1000);
	r = open_retention(0);
	assert_int_equal(retention__scan(r, NULL), 0);
	assert_int_equal(retention__enforce(r, 1ULL << 40), 0);
	assert_kept_from(0);
	retention__close(r);

	/* A directory that went away: an empty list and a warning. */
	strcat(scratch_dir, "/gone");
	r = open_retention(1);
	capture_begin(&cap, 2);
	assert_int_equal(retention__scan(r, NULL), -ENOENT);
	capture_end(&cap, &err_text);
	assert_non_null(strstr(err_text.buf, scratch_dir));
	assert_non_null(strstr(err_text.buf, strerror(ENOENT)));
	assert_listed(r, 0, 0);
	retention__close(r);
	retention__close(NULL);
	strbuf__free(&err_text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH_TEST(test_retention_file_name),
		SCRATCH_TEST(test_retention_oldest_first),
		SCRATCH_TEST(test_retention_keeps_open_file),
		SCRATCH_TEST(test_retention_others_untouched),
		SCRATCH_TEST(test_retention_deleted_behind_its_back),
		SCRATCH_TEST(test_retention_no_limit_and_no_dir),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
