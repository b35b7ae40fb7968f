/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * drain.h - lossless collection of an interval from the BPF maps.
 *
 * The program writes only the current epoch's maps.  drainer__flip() makes
 * the other epoch current and returns once no program run can still write
 * the old one; drainer__collect() then reads, sums over CPUs and clears the
 * quiescent epoch.  Every packet is in exactly one epoch, so in exactly one
 * interval.
 *
 * With the flow log, drainer__flush_log() reads what the current interval
 * epoch's rings hold into the interval's flow table several times a second,
 * while the program goes on writing them (sensor/flow_log.c); collect
 * reads the flipped-away epoch's rings to their end, adds the per-CPU
 * hash's keys (frames that found their ring full) and hands the table over
 * as the interval's flow rows.
 */
#ifndef __DARKSCOPE_DRAIN_H
#define __DARKSCOPE_DRAIN_H

#include <stdbool.h>
#include <linux/types.h>
#include "sensor/flow_log.h"
#include "series/flow_table.h"
#include "series/interval.h"

struct darkscope_bpf;

struct drainer {
	int epoch_select_fd;
	int tag_fd[4];         /* tag e: interval epoch e & 1 (tags 2, 3: unused since the log rings) */
	int flows_fd[2];
	int ports_fd;
	int counters_fd;
	unsigned int ncpus;
	unsigned int epoch;    /* the tag the program uses now */
	size_t batch;          /* entries per batch syscall */
	void *keys, *values;   /* batch buffers */
	void *port_values;     /* one epoch of port_counts, all CPUs */
	__u32 *zero_keys;      /* port slots to clear */
	void *zeros;           /* zero values for clearing */
	bool no_batch;         /* kernel lacks lookup_and_delete_batch */
	/* With the flow log (else table is NULL): */
	struct flow_log log;
	struct flow_table *table; /* the interval so far */
	__u64 no_room;            /* its frames the table had no room for */
	int new_keys_fd[2];       /* capture's new-key sets; -1: unused */
};

/* The interval's flow table for a flow log, its hash seeded at random (so
 * senders cannot aim collisions at it), its memory for max_keys keys and
 * out's flow rows faulted in now: made before attach, so that no page
 * fault is paid while records wait.  NULL, logged. */
struct flow_table *drainer__new_table(__u32 max_keys, struct interval_data *out);
/* Takes table (from drainer__new_table(), or NULL without a flow log): the
 * drainer frees it, also on error. */
int drainer__init(struct drainer *d, struct darkscope_bpf *skel, struct flow_table *table);
/* Makes the other interval epoch current; returns the
 * now-quiescent tag or -errno. */
int drainer__flip(struct drainer *d);
/* With the flow log: adds what the current interval epoch's rings hold to
 * the interval's flow table (no flip, no syscall).  0 (also without a log) or -errno. */
int drainer__flush_log(struct drainer *d);
/* Moves the quiescent tag's contents into out (flows, ports, counters),
 * leaving its maps empty.  out's arrays are reused and grown as needed. */
int drainer__collect(struct drainer *d, unsigned int tag, struct interval_data *out);
void drainer__free(struct drainer *d);
void interval_data__free(struct interval_data *d);

#endif /* __DARKSCOPE_DRAIN_H */
