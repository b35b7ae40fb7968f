/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parsing.bpf.h - frame classification for the darkscope XDP program.
 *
 * classify_frame() walks Ethernet, up to two VLAN tags, IPv4 and the L4
 * header, and returns the one outcome counter (enum ds_counter) the frame
 * belongs to.  Only DS_CTR_COUNTED frames fill in struct pkt_info.  Every
 * bounds check is explicit: the verifier needs them, and each failed check
 * names a counter, so no frame is ignored.
 */
#ifndef __DARKSCOPE_PARSING_BPF_H
#define __DARKSCOPE_PARSING_BPF_H

/* VLAN tags accepted before the EtherType (802.1Q, 802.1ad QinQ). */
#define MAX_VLAN_TAGS 2

/* Smallest L4 headers we read: TCP 20, UDP 8, ICMP 8 (type..rest-of-header). */
#define TCP_MIN_HDR 20
#define UDP_HDR 8
#define ICMP_MIN_HDR 8

/* TCP flag bits in byte 13 of the TCP header. */
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10

/* Fragment offset bits of iphdr.frag_off (host order). */
#define IP_FRAG_OFFSET_MASK 0x1fff

struct vlan_tag {
	__be16 tci;
	__be16 inner_proto;
};

/* ICMP header as on the wire (<linux/icmp.h> drags in glibc headers). */
struct icmp_min_hdr {
	__u8 type;
	__u8 code;
	__be16 checksum;
	__be32 rest;
};

struct pkt_info {
	__be32 saddr;   /* network order */
	__u16 dport;    /* host order; ICMP type for ICMP */
	__u8 proto;     /* enum ds_proto_idx */
	__u8 syn;       /* SYN set, ACK clear */
	__u8 mirai;     /* syn && seq == daddr, byte for byte */
	__u8 payload;   /* UDP with payload, TCP with data, by the IP lengths */
};

static __always_inline int parse_ethertype(void *data, void *data_end, __u16 *proto, void **l3)
{
	struct ethhdr *eth = data;
	void *pos = eth + 1;
	__be16 type;
	int i;

	if (pos > data_end)
		return -1;
	type = eth->h_proto;
#pragma unroll
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		struct vlan_tag *tag = pos;

		if (type != bpf_htons(ETH_P_8021Q) && type != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(tag + 1) > data_end)
			return -1;
		type = tag->inner_proto;
		pos = tag + 1;
	}
	*proto = bpf_ntohs(type);
	*l3 = pos;
	return 0;
}

/* L4 part: the header must lie within the IP total length (so Ethernet
 * padding never passes for header bytes).  ip_end <= data_end is already
 * known, but the verifier only learns packet bounds from data_end, so each
 * header is checked against both. */
static __always_inline int parse_l4(struct iphdr *iph, void *l4, void *ip_end, void *data_end,
				    __u16 l4_len, struct pkt_info *pi)
{
	if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;
		__u8 flags;

		if (l4 + TCP_MIN_HDR > ip_end || l4 + TCP_MIN_HDR > data_end)
			return DS_CTR_BAD_L4_TRUNC;
		flags = ((__u8 *)tcp)[13];
		pi->proto = DS_PROTO_TCP;
		pi->dport = bpf_ntohs(tcp->dest);
		pi->syn = (flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
		/* Mirai: both fields compared as they are on the wire. */
		pi->mirai = pi->syn && tcp->seq == iph->daddr;
		/* Data beyond the header the segment claims (at least 20). */
		pi->payload = l4_len > (tcp->doff > 5 ? tcp->doff * 4 : TCP_MIN_HDR);
	} else if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if (l4 + UDP_HDR > ip_end || l4 + UDP_HDR > data_end)
			return DS_CTR_BAD_L4_TRUNC;
		pi->proto = DS_PROTO_UDP;
		pi->dport = bpf_ntohs(udp->dest);
		pi->payload = l4_len > UDP_HDR;
	} else {
		struct icmp_min_hdr *icmp = l4;

		if (l4 + ICMP_MIN_HDR > ip_end || l4 + ICMP_MIN_HDR > data_end)
			return DS_CTR_BAD_L4_TRUNC;
		pi->proto = DS_PROTO_ICMP;
		pi->dport = icmp->type;
	}
	return DS_CTR_COUNTED;
}

static __always_inline int classify_frame(void *data, void *data_end, struct pkt_info *pi)
{
	struct iphdr *iph;
	void *l3, *l4, *ip_end;
	__u16 ethertype, tot_len, hdr_len;

	if (parse_ethertype(data, data_end, &ethertype, &l3))
		return DS_CTR_BAD_L2;
	if (ethertype == ETH_P_IPV6)
		return DS_CTR_IPV6;
	if (ethertype != ETH_P_IP)
		return DS_CTR_NON_IP;

	iph = l3;
	if ((void *)(iph + 1) > data_end)
		return DS_CTR_BAD_IP_TRUNC;
	if (iph->version != 4)
		return DS_CTR_BAD_IP_VERSION;
	if (iph->ihl < 5)
		return DS_CTR_BAD_IP_IHL;
	hdr_len = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < hdr_len)
		return DS_CTR_BAD_IP_LEN;
	ip_end = l3 + tot_len;
	if (ip_end > data_end)
		return DS_CTR_BAD_IP_LEN;
	/* Offset != 0: a non-first fragment, without an L4 header of its own.
	 * A first fragment (MF set, offset 0) carries the header: counted. */
	if (iph->frag_off & bpf_htons(IP_FRAG_OFFSET_MASK))
		return DS_CTR_FRAGMENT;
	if (iph->protocol != IPPROTO_TCP && iph->protocol != IPPROTO_UDP &&
	    iph->protocol != IPPROTO_ICMP)
		return DS_CTR_OTHER_PROTO;

	pi->saddr = iph->saddr;
	l4 = l3 + hdr_len;
	return parse_l4(iph, l4, ip_end, data_end, tot_len - hdr_len, pi);
}

#endif /* __DARKSCOPE_PARSING_BPF_H */
