/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * gz_out.h - one complete gzip member built in memory, for the gzip-member
 * writers (ts_writer, pcap_writer).
 */
#ifndef __DARKSCOPE_GZ_OUT_H
#define __DARKSCOPE_GZ_OUT_H

#include <stddef.h>
#include <zlib.h>

#include "util/strbuf.h"

/* zs ready for gzip members at zlib level 1..9 (0: Z_BEST_SPEED); release
 * it with deflateEnd().  0 or -ENOMEM. */
int gzip_stream_init(z_stream *zs, int level);
/* data -> one complete gzip member in out (zs from gzip_stream_init()), out
 * sized once with deflateBound().  0, -ENOMEM or -EINVAL. */
int gzip_member(z_stream *zs, const void *data, size_t len, struct strbuf *out);

#endif /* __DARKSCOPE_GZ_OUT_H */
