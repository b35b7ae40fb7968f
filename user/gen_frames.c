// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gen_frames.c - template frames for the generator, with valid checksums:
 * the XDP program updates them incrementally, so they must start right.
 */
#include <arpa/inet.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "darkscope.h"
#include "gen.h"
#include "gen_frames.h"

/* Scanners' usual choices: masscan's window, a high source port. */
#define GEN_TTL 64
#define GEN_SPORT 61000
#define GEN_TCP_WINDOW 1024
static const char udp_payload[] = "darkscope";

static __u32 csum_add(__u32 sum, const void *data, size_t len)
{
	const __u8 *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static __u16 csum_finish(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* TCP and UDP checksums start with the pseudo-header. */
static __u32 pseudo_header(const struct iphdr *iph, __u16 l4_len)
{
	__u32 sum = csum_add(0, &iph->saddr, 8);

	return sum + iph->protocol + l4_len;
}

int gen_frame_build(__u8 *frame, int proto, const __u8 dst_mac[6], const __u8 src_mac[6],
		    __be32 src, __be32 dst)
{
	struct ethhdr *eth = (void *)frame;
	struct iphdr *iph = (void *)(frame + GEN_L3_OFF);
	__u8 *l4 = frame + GEN_L4_OFF;
	__u16 l4_len;
	int len;

	memset(frame, 0, GEN_FRAME_MAX);
	memcpy(eth->h_dest, dst_mac, 6);
	memcpy(eth->h_source, src_mac, 6);
	eth->h_proto = htons(ETH_P_IP);

	if (proto == DS_PROTO_TCP) {
		struct tcphdr *tcp = (void *)l4;

		l4_len = sizeof(*tcp);
		tcp->source = htons(GEN_SPORT);
		tcp->doff = 5;
		tcp->syn = 1;
		tcp->window = htons(GEN_TCP_WINDOW);
		iph->protocol = IPPROTO_TCP;
	} else if (proto == DS_PROTO_UDP) {
		struct udphdr *udp = (void *)l4;

		l4_len = sizeof(*udp) + sizeof(udp_payload) - 1;
		udp->source = htons(GEN_SPORT);
		udp->len = htons(l4_len);
		memcpy(udp + 1, udp_payload, sizeof(udp_payload) - 1);
		iph->protocol = IPPROTO_UDP;
	} else {
		l4_len = 8;
		l4[0] = 8; /* echo request */
		l4[5] = 1; /* identifier 1 */
		l4[7] = 1; /* sequence 1 */
		iph->protocol = IPPROTO_ICMP;
	}
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(sizeof(*iph) + l4_len);
	iph->ttl = GEN_TTL;
	iph->saddr = src;
	iph->daddr = dst;
	iph->check = csum_finish(csum_add(0, iph, sizeof(*iph)));

	if (proto == DS_PROTO_TCP)
		((struct tcphdr *)l4)->check =
			csum_finish(csum_add(pseudo_header(iph, l4_len), l4, l4_len));
	else if (proto == DS_PROTO_UDP)
		((struct udphdr *)l4)->check =
			csum_finish(csum_add(pseudo_header(iph, l4_len), l4, l4_len));
	else
		*(__u16 *)(l4 + 2) = csum_finish(csum_add(0, l4, l4_len));

	len = GEN_L4_OFF + l4_len;
	return len < GEN_FRAME_MIN ? GEN_FRAME_MIN : len;
}
