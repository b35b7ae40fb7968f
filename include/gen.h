/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * gen.h - what the traffic generator's XDP program (bpf/gen.bpf.c) and
 * `darkscope gen` (user/cli/cmd_gen.c) share.  Types come from the includer.
 */
#ifndef __DARKSCOPE_GEN_H
#define __DARKSCOPE_GEN_H

/* Entries of each protocol's port mix; a port's weight is its share of them. */
#define GEN_MIX_SLOTS 1024
/* A mix entry at or above this value means "any port, uniformly". */
#define GEN_MIX_ANY 65536

/* A mix table entry: protocol in the top byte, port (or GEN_MIX_ANY) below. */
#define GEN_MIX_ENTRY(proto, port) (((__u32)(proto) << 24) | (port))
#define GEN_MIX_PROTO(entry) ((entry) >> 24)
#define GEN_MIX_PORT(entry) ((entry) & 0x1ffff)

/* Every frame is 60 bytes (the Ethernet minimum without FCS): Ethernet, IPv4
 * without options, the L4 header, then payload or padding. */
#define GEN_FRAME_LEN 60
#define GEN_L3_OFF 14
#define GEN_L4_OFF 34

/* Per-CPU generator state. */
struct gen_state {
	__u64 sent;     /* frames this CPU has produced, ever */
	__u64 start_ns; /* pacing: when this CPU's first frame of the call was due */
	__u64 paced;    /* frames produced since start_ns */
	__u64 pad;
};
_Static_assert(sizeof(struct gen_state) == 32, "gen_state is 32 bytes");

#endif /* __DARKSCOPE_GEN_H */
