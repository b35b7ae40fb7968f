/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_util.h - what the unit tests that write files share: cmocka with the
 * headers it needs, a scratch directory removed at the end, files made and
 * read (as zcat prints them, or counted in gzip members), a file size limit
 * standing in for a full disk, and stdout or stderr captured.  Define
 * _GNU_SOURCE before any include.
 */
#ifndef __DARKSCOPE_TEST_UTIL_H
#define __DARKSCOPE_TEST_UTIL_H

#ifndef _GNU_SOURCE
#error "test_util.h needs _GNU_SOURCE (nftw, program_invocation_short_name) before any include"
#endif

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "util/strbuf.h"

/* 2026-11-22T03:00:00Z */
#define T0 1795316400ULL

static inline int remove_entry(const char *path, const struct stat *st, int flag,
			       struct FTW *ftw)
{
	return remove(path);
}

/* rm -rf */
static inline int remove_tree(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The scratch directory /tmp/<test program>.XXXXXX: scratch_setup() (a
 * group setup) makes it, scratch_teardown() removes it with all it holds.
 * scratch_dir_setup() (a test setup) names a fresh directory below it for
 * each test, scratch_dir, and leaves making it to the test or the code under
 * test; path_of() names a file in it.
 */
static char scratch_root[64];
static char scratch_dir[256];

static inline int scratch_setup(void **state)
{
	snprintf(scratch_root, sizeof(scratch_root), "/tmp/%s.XXXXXX",
		 program_invocation_short_name);
	return mkdtemp(scratch_root) ? 0 : -1;
}

static inline int scratch_teardown(void **state)
{
	return remove_tree(scratch_root);
}

static inline int scratch_dir_setup(void **state)
{
	static int n;

	snprintf(scratch_dir, sizeof(scratch_dir), "%s/%d", scratch_root, n++);
	return 0;
}

/* Table rows: a test in a fresh scratch_dir; one that limits the file size
 * (set_fsize_limit()) and gets the limit lifted after it. */
#define SCRATCH_TEST(f) cmocka_unit_test_setup(f, scratch_dir_setup)
#define FULL_DISK_TEST(f) cmocka_unit_test_setup_teardown(f, scratch_dir_setup, fsize_teardown)

/* scratch_dir/name, valid until the next call. */
static inline const char *path_of(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", scratch_dir, name);
	return path;
}

/* A new file in scratch_dir holding size zero bytes. */
static inline void make_file(const char *name, size_t size)
{
	char *data = calloc(1, size ? size : 1);
	int fd = open(path_of(name), O_CREAT | O_EXCL | O_WRONLY, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, size), size);
	close(fd);
	free(data);
}

/* The whole file through gzread(), as zcat would print it; NUL-terminated. */
static inline void read_gz(const char *path, struct strbuf *out)
{
	gzFile gz = gzopen(path, "rb");
	char buf[65536];
	int n;

	assert_non_null(gz);
	strbuf__reset(out);
	while ((n = gzread(gz, buf, sizeof(buf))) > 0)
		assert_int_equal(strbuf__append(out, buf, n), 0);
	assert_int_equal(n, 0);
	gzclose(gz);
	strbuf__cstr(out);
}

static inline off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Complete gzip members in the file; fails on trailing partial data. */
static inline int count_members(const char *path)
{
	static unsigned char out[1 << 16];
	off_t len = file_size(path);
	unsigned char *in = malloc(len ? len : 1);
	z_stream zs = { 0 };
	int members = 0, ret = Z_STREAM_END, fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, in, len), len);
	close(fd);
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = in;
	zs.avail_in = len;
	while (zs.avail_in) {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		ret = inflate(&zs, Z_NO_FLUSH);
		if (ret == Z_STREAM_END) {
			members++;
			inflateReset(&zs);
		} else if (ret != Z_OK) {
			fail_msg("%s: inflate error %d after %d members", path, ret, members);
		}
	}
	assert_int_equal(ret, Z_STREAM_END);
	inflateEnd(&zs);
	free(in);
	return members;
}

/* A full disk for this process: writes beyond bytes fail with EFBIG
 * (SIGXFSZ ignored); RLIM_INFINITY lifts it. */
static inline void set_fsize_limit(rlim_t bytes)
{
	struct rlimit rl = { .rlim_cur = bytes, .rlim_max = RLIM_INFINITY };

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* A test teardown that lifts the limit even when the test failed inside its
 * window: cmocka's output to a large log file must not fail too. */
static inline int fsize_teardown(void **state)
{
	set_fsize_limit(RLIM_INFINITY);
	return 0;
}

/* Send fd (1 or 2) to a scratch file until capture_end(). */
struct capture {
	int fd, saved;
	FILE *file;
};

static inline void capture_begin(struct capture *c, int fd)
{
	fflush(fd == 1 ? stdout : stderr);
	c->fd = fd;
	c->file = tmpfile();
	assert_non_null(c->file);
	c->saved = dup(fd);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(fileno(c->file), fd), fd);
}

/* Restore fd; what was written to it goes to out, NUL-terminated. */
static inline void capture_end(struct capture *c, struct strbuf *out)
{
	char buf[65536];
	size_t n;

	fflush(c->fd == 1 ? stdout : stderr);
	assert_int_equal(dup2(c->saved, c->fd), c->fd);
	close(c->saved);
	rewind(c->file);
	strbuf__reset(out);
	while ((n = fread(buf, 1, sizeof(buf), c->file)) > 0)
		assert_int_equal(strbuf__append(out, buf, n), 0);
	fclose(c->file);
	strbuf__cstr(out);
}

#endif /* __DARKSCOPE_TEST_UTIL_H */
