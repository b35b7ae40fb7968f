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

/* data -> one complete gzip member in out (zs from deflateInit2 with
 * windowBits 15 + 16), out sized once with deflateBound().  0, -ENOMEM or
 * -EINVAL. */
int gzip_member(z_stream *zs, const void *data, size_t len, struct strbuf *out);

#endif /* __DARKSCOPE_GZ_OUT_H */
