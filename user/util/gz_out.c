// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gz_out.c - one gzip member built in memory, so it can be written with a
 * single write() (util/member_file.h) and never be left half on disk.
 *
 * libdeflate_gzip_compress() makes the member in one call: header, deflate
 * data, CRC-32 and size, the same format zlib's deflate() writes and any
 * gzip reader takes (zlib, gzip(1), Python), in a bit under half zlib's
 * time and smaller at the fastest level (docs/PERFORMANCE.md).
 */
#include <errno.h>
#include <libdeflate.h>

#include "util/gz_out.h"

#define GZ_OUT_FASTEST 1

int gz_out__init(struct gz_out *gz, int level)
{
	gz->c = libdeflate_alloc_compressor(level ? level : GZ_OUT_FASTEST);
	return gz->c ? 0 : -ENOMEM;
}

int gz_out__member(struct gz_out *gz, const void *data, size_t len, struct strbuf *out)
{
	size_t bound, n;
	int err;

	if (!gz->c)
		return -EINVAL;
	strbuf__reset(out);
	/* Room for the worst case, so the one call always fits. */
	bound = libdeflate_gzip_compress_bound(gz->c, len);
	err = strbuf__reserve(out, bound);
	if (err)
		return err;
	n = libdeflate_gzip_compress(gz->c, data, len, out->buf, bound);
	/* 0: did not fit, which the bound rules out. */
	if (!n)
		return -EINVAL;
	out->len = n;
	return 0;
}

void gz_out__free(struct gz_out *gz)
{
	libdeflate_free_compressor(gz->c);
	gz->c = NULL;
}
