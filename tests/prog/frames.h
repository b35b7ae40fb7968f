/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * frames.h - test frames for the BPF program tests and benchmarks.
 *
 * A frame is described by a struct frame_spec written with designated
 * initialisers: every field left out takes a sane default (a TCP SYN from
 * FRAME_SRC to FRAME_DST port 23), so a test case names only what makes it
 * special.  frame_build() lays the headers out as packed wire structs
 * (Ethernet, 802.1Q/802.1ad tags, IPv4 with options, TCP/UDP/ICMP) with
 * correct IPv4 header and L4 checksums, then applies the deliberate damage
 * the spec asks for (truncation, lying lengths, padding).  Header-only: the
 * tests and the benchmark are single-file programs.
 */
#ifndef __DARKSCOPE_FRAMES_H
#define __DARKSCOPE_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

/* Largest frame a spec can produce: 14 + 3 tags + 60 IP + 20 TCP + payload. */
#define FRAME_MAX 512
/* VLAN tags a spec can carry (one more than the program accepts). */
#define FRAME_MAX_TAGS 3
/* Largest payload after the L4 header. */
#define FRAME_MAX_PAYLOAD 256

/* Default addresses, host order: TEST-NET-3 host 45 probing TEST-NET-2 host 7.
 * The destination is no byte palindrome, so seq == daddr differs from
 * seq == bswap(daddr). */
#define FRAME_SRC 0xcb00712dU /* 203.0.113.45 */
#define FRAME_DST 0xc6336407U /* 198.51.100.7 */
#define FRAME_DPORT 23
#define FRAME_SPORT 40000

/* TCP flags, byte 13 of the TCP header. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

/* iphdr.frag_off flags, host order. */
#define FRAME_IP_DF 0x4000
#define FRAME_IP_MF 0x2000

/* Byte values of IPv4 options used as filler. */
#define IPOPT_NOP_BYTE 0x01

/* Wire layouts the UAPI headers lack or wrap in unions. */
struct frame_vlan {
	__be16 tci;
	__be16 proto; /* EtherType (or TPID) of what follows */
} __attribute__((packed));

struct frame_icmp {
	__u8 type;
	__u8 code;
	__be16 checksum;
	__be16 id;
	__be16 seq;
} __attribute__((packed));

_Static_assert(sizeof(struct frame_vlan) == 4, "802.1Q tag is 4 bytes");
_Static_assert(sizeof(struct frame_icmp) == 8, "ICMP echo header is 8 bytes");

enum frame_l4 {
	FRAME_L4_TCP = 0, /* default */
	FRAME_L4_UDP,
	FRAME_L4_ICMP,
	FRAME_L4_RAW, /* no L4 header, ip.protocol as given, then payload */
};

struct frame_spec {
	__u16 tpid[FRAME_MAX_TAGS]; /* VLAN tags, outermost first; 0 ends the list */
	__u16 ethertype;            /* after the tags; 0: ETH_P_IP.  Anything else
				     * is followed by payload bytes only */
	struct {
		__u8 version;       /* 0: 4 */
		__u8 ihl;           /* 0: 5; 6..15 adds NOP options; < 5 is
				     * written into a 20-byte header */
		__u8 protocol;      /* FRAME_L4_RAW only (0 is a valid value) */
		__u16 frag_off;     /* host order: FRAME_IP_MF/DF | offset/8 */
		__u16 tot_len;      /* 0: computed from what follows */
		__s16 tot_len_delta; /* added to the computed total length */
		__u32 saddr;        /* host order; 0: FRAME_SRC */
		__u32 daddr;        /* host order; 0: FRAME_DST */
	} ip;
	enum frame_l4 l4;
	struct {
		__u16 sport;        /* 0: FRAME_SPORT */
		__u16 dport;        /* 0: FRAME_DPORT (see dport0) */
		__u32 seq;          /* host order, written big-endian */
		__u8 flags;         /* 0: TH_SYN */
		bool no_flags;      /* write flags 0 (a null scan) */
	} tcp;
	struct {
		__u16 sport, dport; /* 0: FRAME_SPORT, FRAME_DPORT */
	} udp;
	struct {
		__u8 type, code;
	} icmp;
	bool dport0;                /* TCP/UDP: destination port 0 after all */
	__u16 payload;              /* bytes after the L4 header, inside tot_len */
	__u8 l4_len;                /* nonzero: the L4 header is cut to this many
				     * bytes, and the IP total length agrees */
	bool l4_tail_as_padding;    /* with l4_len: the cut bytes still follow,
				     * outside the IP total length (as Ethernet
				     * padding would be) */
	__u16 pad_to;               /* zero padding, outside the IP total length,
				     * up to this frame length (60: Ethernet
				     * minimum without FCS) */
	__u16 cut_to;               /* nonzero: the frame ends after this many
				     * bytes, whatever the headers say */
};

/* RFC 1071 sum of a buffer, folded but not inverted. */
static inline __u32 frame_csum_add(__u32 sum, const void *buf, size_t len)
{
	const __u8 *p = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	return sum;
}

static inline __be16 frame_csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

/* True when an IPv4 header (ihl * 4 bytes) carries a valid checksum. */
static inline bool frame_ipv4_csum_ok(const struct iphdr *iph)
{
	return frame_csum_fold(frame_csum_add(0, iph, iph->ihl * 4)) == 0;
}

/* TCP/UDP checksum over the IPv4 pseudo-header and len bytes of segment. */
static inline __be16 frame_l4_csum(const struct iphdr *iph, const void *seg, size_t len)
{
	__u32 sum = 0;

	sum = frame_csum_add(sum, &iph->saddr, 8);
	sum += iph->protocol;
	sum += (__u32)len;
	return frame_csum_fold(frame_csum_add(sum, seg, len));
}

static inline void *frame_put(__u8 *buf, size_t *len, const void *hdr, size_t hlen)
{
	void *at = buf + *len;

	memcpy(at, hdr, hlen);
	*len += hlen;
	return at;
}

/*
 * Lay out the frame described by s in buf (at least FRAME_MAX bytes).
 * Returns the frame length, 0 for a spec asking more than FRAME_MAX_PAYLOAD
 * bytes of payload or padding beyond FRAME_MAX.  Header fields the spec does not mention get
 * fixed, plausible values: MACs 02:00:00:00:00:0{1,2}, TTL 64, TCP window
 * 1024, VLAN IDs 100, 101, 102.
 */
static inline size_t frame_build(const struct frame_spec *s, __u8 *buf)
{
	__u16 ethertype = s->ethertype ? s->ethertype : ETH_P_IP;
	__u8 ihl = s->ip.ihl ? s->ip.ihl : 5;
	size_t hdr_len = ihl >= 5 ? ihl * 4u : sizeof(struct iphdr);
	size_t len = 0, ip_off, l4_off, l4_hdr = 0, ip_end;
	__u8 payload[FRAME_MAX_PAYLOAD];
	int ntags, i;

	if (s->payload > FRAME_MAX_PAYLOAD || s->pad_to > FRAME_MAX)
		return 0;
	memset(buf, 0, FRAME_MAX);
	for (ntags = 0; ntags < FRAME_MAX_TAGS && s->tpid[ntags]; ntags++)
		;
	{
		struct ethhdr eth = {
			.h_dest = { 0x02, 0, 0, 0, 0, 0x02 },
			.h_source = { 0x02, 0, 0, 0, 0, 0x01 },
			.h_proto = htons(ntags ? s->tpid[0] : ethertype),
		};

		frame_put(buf, &len, &eth, sizeof(eth));
	}
	for (i = 0; i < ntags; i++) {
		struct frame_vlan tag = {
			.tci = htons(100 + i),
			.proto = htons(i + 1 < ntags ? s->tpid[i + 1] : ethertype),
		};

		frame_put(buf, &len, &tag, sizeof(tag));
	}
	/* Payload bytes count up from 0x40, so they never look like zeroes. */
	for (i = 0; i < FRAME_MAX_PAYLOAD; i++)
		payload[i] = 0x40 + i;

	if (ethertype != ETH_P_IP) {
		frame_put(buf, &len, payload, s->payload);
		goto finish;
	}

	ip_off = len;
	{
		struct iphdr iph = {
			.version = s->ip.version ? s->ip.version : 4,
			.ihl = ihl,
			.ttl = 64,
			.frag_off = htons(s->ip.frag_off),
			.saddr = htonl(s->ip.saddr ? s->ip.saddr : FRAME_SRC),
			.daddr = htonl(s->ip.daddr ? s->ip.daddr : FRAME_DST),
		};

		switch (s->l4) {
		case FRAME_L4_TCP:
			iph.protocol = IPPROTO_TCP;
			break;
		case FRAME_L4_UDP:
			iph.protocol = IPPROTO_UDP;
			break;
		case FRAME_L4_ICMP:
			iph.protocol = IPPROTO_ICMP;
			break;
		case FRAME_L4_RAW:
			iph.protocol = s->ip.protocol;
			break;
		}
		frame_put(buf, &len, &iph, sizeof(iph));
		/* Options: NOPs, so a parser that reads L4 at offset 20 finds
		 * 0x0101 where the ports should be. */
		memset(buf + len, IPOPT_NOP_BYTE, hdr_len - sizeof(iph));
		len += hdr_len - sizeof(iph);
	}

	l4_off = len;
	switch (s->l4) {
	case FRAME_L4_TCP: {
		struct tcphdr tcp = {
			.source = htons(s->tcp.sport ? s->tcp.sport : FRAME_SPORT),
			.dest = htons(s->dport0 ? 0 : s->tcp.dport ? s->tcp.dport : FRAME_DPORT),
			.seq = htonl(s->tcp.seq),
			.doff = 5,
			.window = htons(1024),
		};

		frame_put(buf, &len, &tcp, sizeof(tcp));
		buf[l4_off + 13] = s->tcp.no_flags ? 0 : s->tcp.flags ? s->tcp.flags : TH_SYN;
		l4_hdr = sizeof(tcp);
		break;
	}
	case FRAME_L4_UDP: {
		struct udphdr udp = {
			.source = htons(s->udp.sport ? s->udp.sport : FRAME_SPORT),
			.dest = htons(s->dport0 ? 0 : s->udp.dport ? s->udp.dport : FRAME_DPORT),
			.len = htons(sizeof(udp) + s->payload),
		};

		frame_put(buf, &len, &udp, sizeof(udp));
		l4_hdr = sizeof(udp);
		break;
	}
	case FRAME_L4_ICMP: {
		struct frame_icmp icmp = {
			.type = s->icmp.type,
			.code = s->icmp.code,
			.id = htons(0x1234),
			.seq = htons(1),
		};

		frame_put(buf, &len, &icmp, sizeof(icmp));
		l4_hdr = sizeof(icmp);
		break;
	}
	case FRAME_L4_RAW:
		break;
	}
	frame_put(buf, &len, payload, s->payload);

	/* Lengths and checksums describe the intact datagram first. */
	{
		struct iphdr *iph = (struct iphdr *)(buf + ip_off);
		size_t seg_len = len - l4_off;
		__be16 csum;

		/* tot_len is not part of the pseudo-header: set it after. */
		if (s->l4 == FRAME_L4_TCP || s->l4 == FRAME_L4_UDP) {
			csum = frame_l4_csum(iph, buf + l4_off, seg_len);
			memcpy(buf + l4_off + (s->l4 == FRAME_L4_TCP ?
					       offsetof(struct tcphdr, check) :
					       offsetof(struct udphdr, check)),
			       &csum, sizeof(csum));
		} else if (s->l4 == FRAME_L4_ICMP) {
			csum = frame_csum_fold(frame_csum_add(0, buf + l4_off, seg_len));
			memcpy(buf + l4_off + offsetof(struct frame_icmp, checksum), &csum,
			       sizeof(csum));
		}

		/* A cut L4 header: the datagram ends inside it. */
		ip_end = len;
		if (s->l4_len && s->l4_len < l4_hdr) {
			ip_end = l4_off + s->l4_len;
			len = s->l4_tail_as_padding ? l4_off + l4_hdr : ip_end;
		}
		if (s->ip.tot_len)
			iph->tot_len = htons(s->ip.tot_len);
		else
			iph->tot_len = htons((__u16)(ip_end - ip_off + s->ip.tot_len_delta));
		iph->check = 0;
		iph->check = frame_csum_fold(frame_csum_add(0, iph, hdr_len));
	}

finish:
	/* Padding is zeroes, not whatever a cut header left behind. */
	memset(buf + len, 0, FRAME_MAX - len);
	if (len < s->pad_to)
		len = s->pad_to;
	if (s->cut_to && s->cut_to < len)
		len = s->cut_to;
	return len;
}

/* Offset of the IPv4 header in a frame built from s (for tests that patch). */
static inline size_t frame_l3_offset(const struct frame_spec *s)
{
	size_t off = sizeof(struct ethhdr);
	int i;

	for (i = 0; i < FRAME_MAX_TAGS && s->tpid[i]; i++)
		off += sizeof(struct frame_vlan);
	return off;
}

#endif /* __DARKSCOPE_FRAMES_H */
