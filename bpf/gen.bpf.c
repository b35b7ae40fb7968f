// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gen.bpf.c - the traffic generator behind `darkscope gen`.
 *
 * Run through BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the kernel hands
 * the program a copy of a template frame (TCP SYN, UDP or ICMP echo) per
 * repetition, the program rewrites the fields that vary - source address
 * spread over cfg_nets /24s, destination port from the protocol's mix, TCP
 * sequence number (the destination address for Mirai-style SYNs), and the
 * checksums - counts what it made, and returns XDP_TX, which the live-frames
 * mode turns into a transmission out of the interface given in the context.
 *
 * A reused page may still hold the previous frame, so fields are rewritten
 * from whatever the frame holds, and checksums are updated incrementally
 * from the frame's own (RFC 1624): the result is right either way.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "darkscope.h"
#include "gen.h"

/* Written by `darkscope gen` before load. */
const volatile __u32 cfg_base_net = 0;    /* first source /24, host order, low byte 0 */
const volatile __u32 cfg_nets = 1;        /* source /24s: base, base + 256, ... */
const volatile __u32 cfg_mirai_permille = 0;
const volatile __u64 cfg_seed = 1;
const volatile __u64 cfg_ns_per_pkt = 0;  /* pacing per CPU; 0 = as fast as possible */
const volatile bool cfg_record_flows = false;

/* Port mix of the protocol being sent (one PROG_RUN call per protocol). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GEN_MIX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} port_mix SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_state);
} gen_state SEC(".maps");

/* What was produced, per (proto, port): the report `darkscope gen` prints. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DS_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct ds_port_value);
} gen_sent SEC(".maps");

/* ... and per flow key, when cfg_record_flows (tests). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1 << 16);
	__type(key, struct ds_flow_key);
	__type(value, struct ds_flow_value);
} gen_flows SEC(".maps");

/* splitmix64: a counter-based generator, so a seed gives the same frames. */
static __always_inline __u64 mix64(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static __always_inline __u16 csum_fold32(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* RFC 1624: HC' = ~(~HC + ~m + m') for a 16-bit field m -> m'. */
static __always_inline void csum_replace2(__sum16 *sum, __be16 from, __be16 to)
{
	__u32 s = (__u16)~*sum + (__u16)~from + (__u16)to;

	*sum = ~csum_fold32(s);
}

static __always_inline void csum_replace4(__sum16 *sum, __be32 from, __be32 to)
{
	csum_replace2(sum, from >> 16, to >> 16);
	csum_replace2(sum, from & 0xffff, to & 0xffff);
}

static __always_inline void set_host_bit(__u64 *bitmap, __u8 host)
{
	bitmap[(host >> 6) & (DS_HOST_WORDS - 1)] |= 1ULL << (host & 63);
}

static __always_inline void record(__u8 proto, __u16 dport, __be32 saddr, bool syn, bool mirai)
{
	__u32 slot = proto * 65536 + dport;
	struct ds_port_value *pv = bpf_map_lookup_elem(&gen_sent, &slot);
	struct ds_flow_key key = {
		.src_net = saddr & bpf_htonl(0xffffff00),
		.dport = dport,
		.proto = proto,
	};
	struct ds_flow_value *fv;
	__u8 host = bpf_ntohl(saddr) & 0xff;

	if (pv) {
		pv->packets++;
		pv->syn += syn;
		pv->mirai += mirai;
	}
	if (!cfg_record_flows)
		return;
	fv = bpf_map_lookup_elem(&gen_flows, &key);
	if (!fv) {
		struct ds_flow_value zero = {};

		bpf_map_update_elem(&gen_flows, &key, &zero, BPF_NOEXIST);
		fv = bpf_map_lookup_elem(&gen_flows, &key);
		if (!fv)
			return;
	}
	fv->packets++;
	set_host_bit(fv->src_hosts, host);
	if (syn) {
		fv->syn++;
		if (mirai) {
			fv->mirai++;
			set_host_bit(fv->mirai_hosts, host);
		}
	}
}

/* Busy-waits until this frame is due: pacing inside the program, as each
 * PROG_RUN call costs milliseconds of set-up and teardown. */
static long pace_wait(__u32 index, void *due)
{
	return bpf_ktime_get_ns() >= *(__u64 *)due;
}

static __always_inline void pace(struct gen_state *st)
{
	__u64 due;

	if (!cfg_ns_per_pkt)
		return;
	if (!st->paced)
		st->start_ns = bpf_ktime_get_ns();
	due = st->start_ns + st->paced * cfg_ns_per_pkt;
	st->paced++;
	bpf_loop(1 << 23, pace_wait, &due, 0);
}

SEC("xdp")
int xdp_gen(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct iphdr *iph = data + GEN_L3_OFF;
	void *l4 = data + GEN_L4_OFF;
	__u32 zero = 0, mix_slot, *mixed, dport;
	struct gen_state *st;
	__be32 saddr;
	bool syn = false, mirai = false;
	__u8 proto;
	__u64 r;

	if (l4 + sizeof(struct tcphdr) > data_end && l4 + sizeof(struct udphdr) > data_end)
		return XDP_ABORTED;
	if ((void *)(iph + 1) > data_end)
		return XDP_ABORTED;
	st = bpf_map_lookup_elem(&gen_state, &zero);
	if (!st)
		return XDP_ABORTED;
	pace(st);
	r = mix64(cfg_seed ^ (st->sent++ * 0xd6e8feb86659fd93ULL) ^ bpf_get_smp_processor_id());

	/* Source: host (r >> 8) of /24 number (r >> 16) % cfg_nets. */
	saddr = bpf_htonl(cfg_base_net + (((r >> 16) % (cfg_nets ? cfg_nets : 1)) << 8) +
			  ((r >> 8) & 0xff));
	csum_replace4(&iph->check, iph->saddr, saddr);

	mix_slot = (r >> 40) & (GEN_MIX_SLOTS - 1);
	mixed = bpf_map_lookup_elem(&port_mix, &mix_slot);
	dport = mixed ? *mixed : 0;
	if (dport >= GEN_MIX_ANY)
		dport = (r >> 48) & 0xffff;

	if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		__be32 seq;

		if ((void *)(tcp + 1) > data_end)
			return XDP_ABORTED;
		proto = DS_PROTO_TCP;
		syn = true;
		mirai = (r & 0xffff) % 1000 < cfg_mirai_permille;
		seq = mirai ? iph->daddr : (__be32)(r >> 32);
		if (!mirai && seq == iph->daddr)
			seq ^= bpf_htonl(1); /* a plain SYN never looks like Mirai */
		/* The TCP checksum covers the pseudo-header's addresses too. */
		csum_replace4(&tcp->check, iph->saddr, saddr);
		csum_replace4(&tcp->check, tcp->seq, seq);
		csum_replace2(&tcp->check, tcp->dest, bpf_htons(dport));
		tcp->seq = seq;
		tcp->dest = bpf_htons(dport);
	} else if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return XDP_ABORTED;
		proto = DS_PROTO_UDP;
		if (udp->check) {
			csum_replace4(&udp->check, iph->saddr, saddr);
			csum_replace2(&udp->check, udp->dest, bpf_htons(dport));
		}
		udp->dest = bpf_htons(dport);
	} else {
		__u8 *type = l4;

		if ((void *)(type + 8) > data_end)
			return XDP_ABORTED;
		proto = DS_PROTO_ICMP;
		/* The ICMP type sits in the high byte of the first checksummed word. */
		csum_replace2((__sum16 *)(type + 2), bpf_htons(type[0] << 8 | type[1]),
			      bpf_htons((dport & 0xff) << 8 | type[1]));
		type[0] = dport & 0xff;
		dport &= 0xff;
	}
	iph->saddr = saddr;
	record(proto, dport, saddr, syn, mirai);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
