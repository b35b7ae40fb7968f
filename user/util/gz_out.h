/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * gz_out.h - what the gzip-member writers (ts_writer, pcap_writer) share:
 * building one complete member in memory, writing it whole, and preparing
 * their directory.
 */
#ifndef __DARKSCOPE_GZ_OUT_H
#define __DARKSCOPE_GZ_OUT_H

#include <stddef.h>
#include <sys/types.h>
#include <zlib.h>

#include "util/strbuf.h"

/* data -> one complete gzip member in out (zs from deflateInit2 with
 * windowBits 15 + 16).  0, -ENOMEM or -EINVAL. */
int gzip_member(z_stream *zs, const void *data, size_t len, struct strbuf *out);
/* Writes all of buf to fd, retrying after EINTR and short writes.  0, or
 * -errno (-EIO for a write that wrote nothing); *written says how much went
 * out either way, so a caller can truncate a partial member away. */
int write_all(int fd, const void *buf, size_t len, size_t *written);
/* mkdir -p dir with mode, then check it is a writable directory; logs
 * "cannot create <what> directory ..." or "... is not writable".  0 or -errno. */
int output_dir_prepare(const char *dir, mode_t mode, const char *what);

#endif /* __DARKSCOPE_GZ_OUT_H */
