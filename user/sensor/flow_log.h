/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flow_log.h - the daemon's side of the fast path's flow log: the program's
 * records (bpf/maps.bpf.h flow_log, one struct ds_flow_rec per counted
 * frame) read in place through mmap() from a quiescent log epoch, added to
 * the interval's flow table, and the epoch's regions emptied for reuse.
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
	__u32 records;                  /* per CPU and log epoch */
	unsigned int ncpus;
	int fill_fd;                    /* log_fill: records per CPU, per log epoch */
	__u32 *fills;                   /* one log epoch's, all CPUs (8-byte strides) */
	void *zeros;
};

/* Maps the loaded program's log (nothing when it runs without one, then
 * l->recs stays NULL).  0 or -errno, logged. */
int flow_log__open(struct flow_log *l, struct darkscope_bpf *skel, unsigned int ncpus);
/* Adds log epoch e's records of every CPU to t, then empties the regions.
 * Only for a quiescent epoch (after the flip away from it).  Records whose
 * key found no room in t are added to *no_room.  0 or -errno, logged. */
int flow_log__drain(struct flow_log *l, unsigned int e, struct flow_table *t, __u64 *no_room);
void flow_log__close(struct flow_log *l);

#endif /* __DARKSCOPE_FLOW_LOG_H */
