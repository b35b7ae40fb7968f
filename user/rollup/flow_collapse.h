/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flow_collapse.h - many intervals' flow rows added up per (proto, dport,
 * source /24): counts summed, host bitmaps ORed, so distinct sources stay
 * exact.  Memory is bounded by max_keys, not by the rows added: a table of
 * at most max_keys keys (series/flow_table.h: 128 to 160 bytes a key) that,
 * when full, is written out sorted as a run (a flows series file in
 * tmp_dir), then emptied; finishing merges the runs and the table in key
 * order.  A day at 10^5 rows a minute is 144 M rows; its distinct keys, not
 * its rows, decide the runs.
 */
#ifndef __DARKSCOPE_FLOW_COLLAPSE_H
#define __DARKSCOPE_FLOW_COLLAPSE_H

#include <stddef.h>
#include <linux/types.h>

#include "series/interval.h"

/* Default table size: about 540 MB at its fullest. */
#define FLOW_COLLAPSE_MAX_KEYS (1U << 22)

struct flow_collapse;

/* Where each collapsed row goes, in (proto, dport, source) order, every
 * key once: 0 or -errno (which stops finishing). */
typedef int (*flow_row_sink)(void *ctx, const struct flow_row *row);

/*
 * An empty collapse holding at most max_keys (>= 1) keys in memory; runs go
 * to tmp_dir (made on the first run, mode 0700, and removed with them by
 * flow_collapse__free()), compressed at level.  NULL with errno set.
 */
struct flow_collapse *flow_collapse__new(__u32 max_keys, const char *tmp_dir, int level);
/* Add one row.  0 or -errno (a run could not be written: logged). */
int flow_collapse__add(struct flow_collapse *c, const struct flow_row *row);
/* Every key added, collapsed, to sink in order; the collapse is empty after.
 * 0 or -errno. */
int flow_collapse__finish(struct flow_collapse *c, flow_row_sink sink, void *ctx);
/* Runs written so far; rows added so far. */
size_t flow_collapse__runs(const struct flow_collapse *c);
__u64 flow_collapse__rows(const struct flow_collapse *c);
/* Removes the runs and tmp_dir.  NULL is a no-op. */
void flow_collapse__free(struct flow_collapse *c);

#endif /* __DARKSCOPE_FLOW_COLLAPSE_H */
