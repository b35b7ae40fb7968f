/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_util.h - what the unit tests share: a scratch
 * directory removed at the end, and a file's text as zcat prints it.
 * Include after <cmocka.h>.
 */
#ifndef __DARKSCOPE_TEST_UTIL_H
#define __DARKSCOPE_TEST_UTIL_H

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/strbuf.h"

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
