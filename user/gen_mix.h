/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * gen_mix.h - the traffic mix of `darkscope gen`: each protocol's share of
 * the frames and its destination ports' weights.
 */
#ifndef __DARKSCOPE_GEN_MIX_H
#define __DARKSCOPE_GEN_MIX_H

#include <linux/types.h>
#include "darkscope.h"
#include "gen.h"

#define GEN_MIX_MAX_PORTS 64

struct gen_port_weight {
	__u32 port;   /* GEN_MIX_ANY: any port, uniformly */
	__u32 weight;
};

struct gen_mix {
	struct gen_port_weight ports[DS_PROTO_MAX][GEN_MIX_MAX_PORTS];
	int n_ports[DS_PROTO_MAX];
	__u64 weight[DS_PROTO_MAX]; /* sum of the protocol's port weights */
};

/* "telescope", "uniform", or a list "tcp:23=40,udp:1900=5,icmp:8=5,tcp:any=10".
 * Returns 0 or -EINVAL (with *why set to a message). */
int gen_mix_parse(struct gen_mix *mix, const char *spec, const char **why);
/* Splits count frames over the protocols by weight; the counts add up to count. */
void gen_mix_split(const struct gen_mix *mix, __u64 count, __u64 out[DS_PROTO_MAX]);
/* Fills a protocol's GEN_MIX_SLOTS-entry table for the BPF program. */
void gen_mix_table(const struct gen_mix *mix, int proto, __u32 table[GEN_MIX_SLOTS]);

#endif /* __DARKSCOPE_GEN_MIX_H */
