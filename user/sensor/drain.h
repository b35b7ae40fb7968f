/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * drain.h - lossless collection of an interval from the BPF maps.
 *
 * The program writes only the current epoch's maps.  drainer__flip() makes
 * the other epoch current and returns once no program run can still write
 * the old one; drainer__collect() then reads, sums over CPUs and clears the
 * quiescent epoch.  Every packet is in exactly one epoch, so in exactly one
 * interval.
 */
#ifndef __DARKSCOPE_DRAIN_H
#define __DARKSCOPE_DRAIN_H

#include <stdbool.h>
#include <linux/types.h>
#include "series/interval.h"

struct darkscope_bpf;

struct drainer {
	int epoch_select_fd;
	int tag_fd[2];
	int flows_fd[2];
	int ports_fd;
	int counters_fd;
	unsigned int ncpus;
	unsigned int epoch;    /* the one the program writes now */
	__u32 max_keys;
	size_t batch;          /* entries per batch syscall */
	void *keys, *values;   /* batch buffers */
	void *port_values;     /* one epoch of port_counts, all CPUs */
	__u32 *zero_keys;      /* port slots to clear */
	void *zeros;           /* zero values for clearing */
	bool no_batch;         /* kernel lacks lookup_and_delete_batch */
};

int drainer__init(struct drainer *d, struct darkscope_bpf *skel, __u32 max_keys);
/* Makes the other epoch current; returns the now-quiescent epoch or -errno. */
int drainer__flip(struct drainer *d);
/* Moves the quiescent epoch's contents into out (flows, ports, counters),
 * leaving its maps empty.  out's arrays are reused and grown as needed. */
int drainer__collect(struct drainer *d, unsigned int epoch, struct interval_data *out);
void drainer__free(struct drainer *d);
void interval_data__free(struct interval_data *d);

#endif /* __DARKSCOPE_DRAIN_H */
