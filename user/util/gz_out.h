/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * gz_out.h - one complete gzip member built in memory, for the gzip-member
 * writers (ts_writer, pcap_writer).  libdeflate compresses the whole buffer
 * at once (docs/DEPENDENCIES.md says why not zlib's deflate()).
 */
#ifndef __DARKSCOPE_GZ_OUT_H
#define __DARKSCOPE_GZ_OUT_H

#include <stddef.h>

#include "util/strbuf.h"

/* A compressor for gzip members, reused for each one. */
struct gz_out {
	struct libdeflate_compressor *c;
};

/* gz ready for gzip members at level 1..9 (0: 1, the fastest), the scale of
 * zlib's levels; release it with gz_out__free().  0 or -ENOMEM. */
int gz_out__init(struct gz_out *gz, int level);
/* data -> one complete gzip member in out (replacing what it held); out is
 * sized once for the worst case.  0, -ENOMEM or -EINVAL (gz not ready). */
int gz_out__member(struct gz_out *gz, const void *data, size_t len, struct strbuf *out);
/* Frees the compressor; gz can be freed again or initialised anew. */
void gz_out__free(struct gz_out *gz);

#endif /* __DARKSCOPE_GZ_OUT_H */
