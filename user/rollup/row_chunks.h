/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * row_chunks.h - rows that arrive in output order, cut into members of at
 * most max_rows rows each, all rows of a member with one ts.  A member of
 * 10^5 flow rows is about 6 MB of text: what a reader holds at once (one
 * member of 7.85 M rows made the Python reader use 4 GB, issue 11).
 */
#ifndef __DARKSCOPE_ROW_CHUNKS_H
#define __DARKSCOPE_ROW_CHUNKS_H

#include <stddef.h>
#include <linux/types.h>

#include "rollup/rollup_out.h"
#include "series/interval.h"
#include "util/strbuf.h"

/* Rows per member of a rollup (issue 11: <= ~10^5). */
#define ROLLUP_MEMBER_ROWS 100000

struct flow_chunker {
	struct flow_row *rows; /* the member being filled */
	size_t n, max;
	__u64 ts;
	struct strbuf text;
	member_sink sink;
	void *ctx;
	__u64 members, total;  /* handed to the sink so far */
};

/* 0 or -ENOMEM (max_rows >= 1). */
int flow_chunker__init(struct flow_chunker *c, size_t max_rows, __u64 ts, member_sink sink,
		       void *ctx);
/* Add the next row (rows come in (proto, dport, source) order, each key
 * once); a full member goes to the sink.  0 or the sink's -errno. */
int flow_chunker__add(struct flow_chunker *c, const struct flow_row *row);
/* The rest as a last member (none if no row is left).  0 or -errno. */
int flow_chunker__flush(struct flow_chunker *c);
void flow_chunker__free(struct flow_chunker *c);

/* rows[0..n) (sorted by proto, port; none with 0 packets) as members of at
 * most max_rows rows of ts; *members counts them.  0 or -errno. */
int port_rows_write(const struct port_row *rows, size_t n, size_t max_rows, __u64 ts,
		    member_sink sink, void *ctx, __u64 *members);

#endif /* __DARKSCOPE_ROW_CHUNKS_H */
