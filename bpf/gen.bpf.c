// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gen.bpf.c - the traffic generator behind `darkscope gen`.
 *
 * Run through BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the kernel hands
 * the program a 60-byte frame per repetition (the template's Ethernet header,
 * or what the previous run on that page left), and the program writes a
 * whole new IPv4 + L4 header into it: protocol and destination port drawn
 * from the mix table, source address spread over cfg_nets /24s, for TCP a
 * SYN whose sequence number is the destination address for a share
 * cfg_mirai_permille (Mirai's signature), and valid checksums.  It counts
 * what it made and returns XDP_TX, which the live-frames mode turns into a
 * transmission out of the interface given in the context.  One call can mix
 * protocols, so a long run needs few calls (each costs ~20 ms).
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
const volatile __be32 cfg_dst = 0;        /* destination address, network order */

/* The mix: GEN_MIX_ENTRY(proto, port) values, weighted by repetition. */
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

static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* One's-complement sum of n 16-bit words (n fixed at each call site). */
static __always_inline __u32 csum_words(const void *data, int n)
{
	const __u16 *w = data;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/* TCP/UDP pseudo-header: addresses, protocol and L4 length. */
static __always_inline __u32 csum_pseudo(const struct iphdr *iph, __u16 l4_len)
{
	return csum_words(&iph->saddr, 4) + bpf_htons(iph->protocol) + bpf_htons(l4_len);
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

/* Frames more than this late are not made up for with a burst: the
 * schedule restarts (the report gives the rate achieved). */
#define PACE_SLACK_NS 1000000

static __always_inline void pace(struct gen_state *st)
{
	__u64 due, now;

	if (!cfg_ns_per_pkt)
		return;
	now = bpf_ktime_get_ns();
	due = st->start_ns + st->paced * cfg_ns_per_pkt;
	if (!st->paced || now > due + PACE_SLACK_NS) {
		st->start_ns = now;
		st->paced = 0;
		due = now;
	}
	st->paced++;
	bpf_loop(1 << 23, pace_wait, &due, 0);
}

static const char udp_payload[9] = "darkscope";

/* Writes the IPv4 + L4 headers of one frame at l3 (all 46 bytes after the
 * Ethernet header: padding is zeroed, whatever the page held before). */
static __always_inline void write_frame(__u8 *l3, __u8 proto, __u16 dport, __be32 saddr,
					__be32 daddr, __be32 seq, __u16 ip_id)
{
	struct iphdr *iph = (void *)l3;
	__u8 *l4 = l3 + sizeof(*iph);
	__u16 l4_len;

	__builtin_memset(l3, 0, GEN_FRAME_LEN - GEN_L3_OFF);
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->id = bpf_htons(ip_id);
	iph->saddr = saddr;
	iph->daddr = daddr;
	if (proto == DS_PROTO_TCP) {
		struct tcphdr *tcp = (void *)l4;

		l4_len = sizeof(*tcp);
		iph->protocol = IPPROTO_TCP;
		tcp->source = bpf_htons(61000 + (ip_id & 1023));
		tcp->dest = bpf_htons(dport);
		tcp->seq = seq;
		tcp->doff = 5;
		tcp->syn = 1;
		tcp->window = bpf_htons(1024);
		tcp->check = csum_fold(csum_pseudo(iph, l4_len) + csum_words(tcp, 10));
	} else if (proto == DS_PROTO_UDP) {
		struct udphdr *udp = (void *)l4;

		l4_len = sizeof(*udp) + sizeof(udp_payload);
		iph->protocol = IPPROTO_UDP;
		udp->source = bpf_htons(61000 + (ip_id & 1023));
		udp->dest = bpf_htons(dport);
		udp->len = bpf_htons(l4_len);
		__builtin_memcpy(udp + 1, udp_payload, sizeof(udp_payload));
		/* 17 bytes: the odd last byte is summed as its own padded word. */
		udp->check = csum_fold(csum_pseudo(iph, l4_len) + csum_words(udp, 8) +
				       bpf_htons(udp_payload[8] << 8));
		if (!udp->check)
			udp->check = 0xffff;
	} else {
		l4_len = 8;
		iph->protocol = IPPROTO_ICMP;
		l4[0] = dport & 0xff; /* type; echo request (8) unless the mix says */
		l4[5] = 1;            /* identifier 1 */
		l4[7] = 1;            /* sequence 1 */
		*(__u16 *)(l4 + 2) = csum_fold(csum_words(l4, 4));
	}
	iph->tot_len = bpf_htons(sizeof(*iph) + l4_len);
	iph->check = csum_fold(csum_words(iph, 10));
}

SEC("xdp")
int xdp_gen(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__u32 zero = 0, slot, *entry, proto, dport;
	__be32 saddr, seq = 0;
	struct gen_state *st;
	bool mirai = false;
	__u64 r;

	if (data + GEN_FRAME_LEN > data_end)
		return XDP_ABORTED;
	st = bpf_map_lookup_elem(&gen_state, &zero);
	if (!st)
		return XDP_ABORTED;
	pace(st);
	r = mix64(cfg_seed ^ (st->sent++ * 0xd6e8feb86659fd93ULL) ^
		  ((__u64)bpf_get_smp_processor_id() << 56));

	slot = (r >> 40) & (GEN_MIX_SLOTS - 1);
	entry = bpf_map_lookup_elem(&port_mix, &slot);
	if (!entry)
		return XDP_ABORTED;
	proto = GEN_MIX_PROTO(*entry);
	dport = GEN_MIX_PORT(*entry);
	if (dport >= GEN_MIX_ANY)
		dport = (r >> 48) & 0xffff;
	if (proto == DS_PROTO_ICMP)
		dport &= 0xff;
	else if (proto != DS_PROTO_UDP)
		proto = DS_PROTO_TCP;

	/* Source: host (r >> 8) & 255 of /24 number (r >> 16) % cfg_nets. */
	saddr = bpf_htonl(cfg_base_net + (((r >> 16) % (cfg_nets ? cfg_nets : 1)) << 8) +
			  ((r >> 8) & 0xff));
	if (proto == DS_PROTO_TCP) {
		mirai = (r & 0xffff) % 1000 < cfg_mirai_permille;
		seq = mirai ? cfg_dst : (__be32)(r >> 32);
		if (!mirai && seq == cfg_dst)
			seq ^= bpf_htonl(1); /* a plain SYN never looks like Mirai */
	}
	write_frame(data + GEN_L3_OFF, proto, dport, saddr, cfg_dst, seq, r >> 24);
	record(proto, dport, saddr, proto == DS_PROTO_TCP, mirai);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
