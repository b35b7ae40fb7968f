/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * gen_mix.h - the traffic mix of `darkscope gen`: weighted (protocol, port)
 * entries, expanded into the table the generator's XDP program draws from.
 */
#ifndef __DARKSCOPE_GEN_MIX_H
#define __DARKSCOPE_GEN_MIX_H

#include <linux/types.h>
#include "darkscope.h"
#include "gen.h"

#define GEN_MIX_MAX_ENTRIES 128

struct gen_mix_entry {
	__u8 proto;   /* enum ds_proto_idx */
	__u32 port;   /* GEN_MIX_ANY: any port, uniformly */
	__u32 weight;
};

struct gen_mix {
	struct gen_mix_entry e[GEN_MIX_MAX_ENTRIES];
	int n;
	__u64 total; /* sum of the weights */
};

/* "telescope", "uniform", or a list "tcp:23=40,udp:1900=5,icmp:8=5,tcp:any=10".
 * Returns 0 or -EINVAL (with *why set to a message). */
int gen_mix_parse(struct gen_mix *mix, const char *spec, const char **why);
/* The GEN_MIX_SLOTS-entry table for the BPF program (GEN_MIX_ENTRY values):
 * each entry gets slots in proportion to its weight, and at least one. */
void gen_mix_table(const struct gen_mix *mix, __u32 table[GEN_MIX_SLOTS]);

#endif /* __DARKSCOPE_GEN_MIX_H */
