/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * flow_table.h - the interval's flow keys in userspace: the fast path's log
 * records (struct ds_flow_rec, one per counted frame) added up into the
 * values count_flow() in bpf/darkscope.bpf.c would have built, then handed
 * over as the interval's flow rows (docs/ARCHITECTURE.md, "The flow table").
 *
 * Open addressing with linear probing over 64-byte slots, one cache line
 * each, that hold the key and the counts a record adds to (Mirai figures
 * apart, in a dense array by insertion index that only Mirai SYNs touch):
 * at 10^6 keys the table is in DRAM, and a record costs one miss.  The
 * slot of a key comes from a 64-bit hash keyed with the seed, so senders
 * who do not know the seed cannot aim collisions.  Records are added in
 * blocks: hash a block and prefetch its slots, then count, so the cache
 * misses of a block overlap.  flow_table__take() hands the keys over as
 * flow rows in insertion order.
 *
 * From 2^16 live keys on, records wait in a staging buffer and are added
 * sorted by slot (flow_table__flush() adds what waits).
 *
 * Memory: 64 bytes per slot, the slots at most a quarter full (short
 * probes: a record rarely needs a second line), plus 40 bytes per key of
 * Mirai figures, plus 32 bytes per staged record (2 x max_keys of them, at
 * most 2^22; none for max_keys < 2^16): 296 to 616 bytes per key held,
 * e.g. 10^6 keys take 256 MB of slots (touched pages only), 40 MB and
 * 64 MB.  At most the power of two
 * >= 4 * max_keys slots; the table grows to them as keys come, or takes
 * them all at once (flow_table__reserve_all(), the daemon's choice).
 * Memory is kept across intervals; emptying the table costs O(1) (a new
 * slot generation), not a pass over the slots.
 *
 * Not thread-safe: one table per consumer.
 */
#ifndef __DARKSCOPE_FLOW_TABLE_H
#define __DARKSCOPE_FLOW_TABLE_H

#include <stddef.h>
#include <linux/types.h>
#include "darkscope.h"
#include "series/interval.h"

struct flow_table;

/* An empty table that holds at most max_keys (>= 1) keys, its hash keyed
 * with seed (the daemon's comes from getrandom()).  NULL with errno set. */
struct flow_table *flow_table__new(__u32 max_keys, __u64 seed);
void flow_table__free(struct flow_table *t);

/* The memory for max_keys keys, allocated and faulted in now (an empty
 * table only): a daemon pays its page faults before it attaches, not
 * while records wait, and its footprint is fixed from the start.  0,
 * -EBUSY (keys held) or -ENOMEM. */
int flow_table__reserve_all(struct flow_table *t);
/* What flow_table__reserve_all() and flow_table__reserve_take() take for
 * max_keys, in bytes. */
size_t flow_table__reserved_bytes(__u32 max_keys);

/* out->flows made room for t's max_keys rows and faulted in, likewise:
 * flow_table__take() then writes into pages it has.  0 or -ENOMEM. */
int flow_table__reserve_take(const struct flow_table *t, struct interval_data *out);

/* Distinct keys held. */
__u32 flow_table__count(const struct flow_table *t);

/*
 * Adds each record as one frame, as count_flow() does: packets + 1 and the
 * source's host bit; with DS_REC_SYN also syn + 1, and with DS_REC_SYN and
 * DS_REC_MIRAI also mirai + 1 and the Mirai host bit.  A record whose key is
 * new while the table holds max_keys keys (or whose key found no memory) is
 * not added: it is added to *no_room instead, so every record ends in
 * exactly one of the two.  Records may wait until a later call or
 * flow_table__flush() (which then adds to its own *no_room).
 */
void flow_table__add_records(struct flow_table *t, const struct ds_flow_rec *recs, size_t n,
			     __u64 *no_room);

/* Adds the records add_records() left waiting (from 2^16 live keys on it
 * stages them, to add them sorted by slot: see flow_table.c), the records
 * without room added to *no_room.  flow_table__count() and the rows count
 * them only after it; flow_table__take() refuses to run before it. */
void flow_table__flush(struct flow_table *t, __u64 *no_room);

/* Merges an aggregated value into key k's (counts add, host bitmaps OR: see
 * flow_value_merge()).  When k is new and finds no room, v->packets is
 * added to *no_room_packets instead. */
void flow_table__merge(struct flow_table *t, const struct ds_flow_key *k,
		       const struct ds_flow_value *v, __u64 *no_room_packets);

/*
 * Appends every key held as a struct flow_row to out->flows (in insertion
 * order; out->n_flows and cap_flows grow as needed), then empties the table
 * for the next interval.  When out holds no flow rows yet, the table's row
 * buffer and out->flows change places instead of being copied (both are
 * malloc()ed: free out->flows as before).  0, or -ENOMEM with out and the
 * table unchanged, or -EBUSY when records wait (flow_table__flush() first).
 */
int flow_table__take(struct flow_table *t, struct interval_data *out);

#endif /* __DARKSCOPE_FLOW_TABLE_H */
