/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flow_log.h - the daemon's side of the fast path's flow log: the program's
 * records (bpf/maps.bpf.h flow_log, one struct ds_flow_rec per counted
 * frame) read in place through mmap() from each CPU's ring of an interval
 * epoch while the program goes on writing, and added to the interval's
 * flow table.  No flip and no syscall: the rings' heads and tails
 * (log_ctl, also mapped) say what is there.
 */
#ifndef __DARKSCOPE_FLOW_LOG_H
#define __DARKSCOPE_FLOW_LOG_H

#include <stddef.h>
#include <linux/types.h>
#include "darkscope.h"
#include "series/flow_table.h"

struct darkscope_bpf;

struct flow_log {
	const struct ds_flow_rec *recs; /* the whole map, read-only; NULL: log off */
	size_t map_bytes;
	struct ds_log_ctl *ctl;         /* per ring: head (the program's), tail (ours) */
	size_t ctl_bytes;
	__u32 records;                  /* per ring (CPU and interval epoch) */
	unsigned int ncpus;
};

/* Maps the loaded program's log (nothing when it runs without one, then
 * l->recs stays NULL).  0 or -errno, logged. */
int flow_log__open(struct flow_log *l, struct darkscope_bpf *skel, unsigned int ncpus);
/* Adds the records interval epoch e's rings hold now, every CPU's, to t
 * and gives their room back to the program.  For the current epoch this
 * is what has been written so far; for an epoch flipped away from (after
 * the grace period) it is all of it.  Records whose key found no room in t
 * are added to *no_room.  0, or -EIO for a ring whose head and tail make
 * no sense (logged; the ring is emptied). */
int flow_log__read(struct flow_log *l, unsigned int e, struct flow_table *t, __u64 *no_room);
void flow_log__close(struct flow_log *l);

#endif /* __DARKSCOPE_FLOW_LOG_H */
