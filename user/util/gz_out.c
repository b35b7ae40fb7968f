// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gz_out.c - one gzip member built in memory, so it can be written with a
 * single write() (util/member_file.h) and never be left half on disk.
 */
#include <errno.h>
#include <string.h>

#include "util/gz_out.h"

/* zlib counts in uInt: feed and drain it in pieces no larger than this. */
#define ZLIB_CHUNK (1U << 30)

int gzip_stream_init(z_stream *zs, int level)
{
	memset(zs, 0, sizeof(*zs));
	/* windowBits 15 + 16: a gzip header and trailer around the deflate data. */
	if (deflateInit2(zs, level ? level : Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	return 0;
}

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
