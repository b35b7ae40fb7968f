// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gz_out.c - one gzip member built in memory (so it can be written with a
 * single write() and never be left half on disk), and output directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/gz_out.h"
#include "util/log.h"

/* zlib counts in uInt: feed and drain it in pieces no larger than this. */
#define ZLIB_CHUNK (1U << 30)

int gzip_member(z_stream *zs, const void *data, size_t len, struct strbuf *out)
{
	size_t left = len, bound, room;
	int ret, err;

	if (deflateReset(zs) != Z_OK)
		return -EINVAL;
	strbuf__reset(out);
	/* Room for the whole member at once: deflate stays within its bound
	 * when the input comes in Z_NO_FLUSH pieces ended by Z_FINISH. */
	bound = deflateBound(zs, len);
	err = strbuf__reserve(out, bound);
	if (err)
		return err;
	zs->next_in = (Bytef *)data;
	zs->avail_in = 0;
	zs->next_out = (Bytef *)out->buf;
	do {
		if (!zs->avail_in && left) {
			zs->avail_in = left < ZLIB_CHUNK ? left : ZLIB_CHUNK;
			left -= zs->avail_in;
		}
		room = bound - out->len;
		zs->avail_out = room < ZLIB_CHUNK ? room : ZLIB_CHUNK;
		/* Z_FINISH once the last input is in: deflate then ends the member. */
		ret = deflate(zs, left ? Z_NO_FLUSH : Z_FINISH);
		out->len = (char *)zs->next_out - out->buf;
		/* Z_BUF_ERROR: no room left, which the bound rules out. */
		if (ret == Z_STREAM_ERROR || ret == Z_BUF_ERROR)
			return -EINVAL;
	} while (ret != Z_STREAM_END);
	return 0;
}

int write_all(int fd, const void *buf, size_t len, size_t *written)
{
	const char *p = buf;

	*written = 0;
	while (*written < len) {
		ssize_t n = write(fd, p + *written, len - *written);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		*written += n;
	}
	return 0;
}

static int make_dirs(const char *dir, mode_t mode)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; p < path + len; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int output_dir_prepare(const char *dir, mode_t mode, const char *what)
{
	struct stat st;
	int err = make_dirs(dir, mode);

	if (err) {
		pr_warn("cannot create %s directory '%s': %s\n", what, dir, strerror(-err));
		return err;
	}
	if (stat(dir, &st))
		err = -errno;
	else if (!S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS))
		err = -errno;
	if (err)
		pr_warn("%s directory '%s' is not writable: %s\n", what, dir, strerror(-err));
	return err;
}
