/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ds_fingerprint.h - which tool sent a TCP SYN (ACK clear): one rule per
 * scanner, each checked against the tool's own source, evaluated by the
 * XDP program per packet and by userspace tests alike.  Like darkscope.h
 * it includes nothing: the includer provides __u8..__u32.
 *
 * The rules, first match wins, in this order:
 *   mirai    sequence number == destination address (Mirai's scanner sets
 *            tcph->seq = iph->daddr)
 *   masscan  IP ID == (destination address ^ destination port ^ sequence
 *            number) & 0xffff, all three in host byte order (masscan's
 *            template_set_target_ipv4(): ip_id = ip_them ^ port_them ^ seqno)
 *   zmap     window 65535, DF clear, and IP ID 54321 (before 4.1: packet.c
 *            make_ip_header()) or TCP options exactly MSS 1460, NOP, window
 *            scale 8, NOP, NOP, SACK-permitted (4.1 on, whose IP ID is
 *            random: its default --probe-args "windows")
 *   nmap     window 1024, DF clear, exactly one option, MSS (a 24-byte TCP
 *            header), TTL at most 59 on arrival (-sS draws 37..59 per
 *            packet: tcpip.cc build_ip_raw())
 * Why this order: the equations first, most specific first (a random SYN
 * meets Mirai's at 2^-32, masscan's at 2^-16), then the header shapes,
 * which cannot both hold (window 65535 against 1024).  No masscan SYN has
 * zmap's or nmap's shape (1.3.2: window 1024, no option - the template's
 * MSS bytes are cut off by its length; since a 2023 change after 1.3.2:
 * window 1025 and MSS 1460), so the order only decides the SYNs of other
 * tools whose random IP ID meets masscan's equation by chance: 1 in 2^16
 * of ZMap 4.1's and nmap's are counted as masscan's.
 *
 * A rule corrected here takes a new DS_FP_RULESET, which the series files'
 * headers carry, so that data counted under the old rules stays readable
 * as what it is.
 */
#ifndef __DS_FINGERPRINT_H
#define __DS_FINGERPRINT_H

#define DS_FP_RULESET 1

/* X(NAME, name): the tools, in rule order (DS_TOOL_NONE is 0). */
#define DS_TOOLS(X)    \
	X(MIRAI, mirai)     \
	X(MASSCAN, masscan) \
	X(ZMAP, zmap)       \
	X(NMAP, nmap)

enum ds_tool {
	DS_TOOL_NONE = 0,
#define DS_TOOL_ENUM(NAME, name) DS_TOOL_##NAME,
	DS_TOOLS(DS_TOOL_ENUM)
#undef DS_TOOL_ENUM
	DS_TOOL_MAX
};

/* What the rules read of a SYN, in host byte order. */
struct ds_syn {
	__u32 daddr;
	__u32 seq;
	__u16 dport;
	__u16 ip_id;
	__u16 window;
	__u8 ttl;      /* as it arrived */
	__u8 df;       /* 1: IP "don't fragment" set */
	__u8 opt_len;  /* TCP option bytes: doff * 4 - 20 */
	__u8 opt[12];  /* the first min(opt_len, 12) of them (none beyond are read) */
};

#define DS_FP_ZMAP_IP_ID 54321
#define DS_FP_ZMAP_WINDOW 65535
#define DS_FP_NMAP_WINDOW 1024
#define DS_FP_NMAP_TTL_MAX 59

static inline int ds_fp_mirai(const struct ds_syn *s)
{
	return s->seq == s->daddr;
}

static inline int ds_fp_masscan(const struct ds_syn *s)
{
	return s->ip_id == ((s->daddr ^ s->dport ^ s->seq) & 0xffff);
}

/* ZMap 4.1's option list: MSS 1460, NOP, window scale 8, NOP, NOP,
 * SACK-permitted. */
static inline int ds_fp_zmap41_options(const struct ds_syn *s)
{
	static const __u8 want[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2 };

	if (s->opt_len != 12)
		return 0;
	for (int i = 0; i < 12; i++)
		if (s->opt[i] != want[i])
			return 0;
	return 1;
}

static inline int ds_fp_zmap(const struct ds_syn *s)
{
	return s->window == DS_FP_ZMAP_WINDOW && !s->df &&
	       (s->ip_id == DS_FP_ZMAP_IP_ID || ds_fp_zmap41_options(s));
}

static inline int ds_fp_nmap(const struct ds_syn *s)
{
	return s->window == DS_FP_NMAP_WINDOW && !s->df && s->opt_len == 4 && s->opt[0] == 2 &&
	       s->opt[1] == 4 && s->ttl <= DS_FP_NMAP_TTL_MAX;
}

/* The tool that sent s, or DS_TOOL_NONE. */
static inline enum ds_tool ds_fingerprint(const struct ds_syn *s)
{
	if (ds_fp_mirai(s))
		return DS_TOOL_MIRAI;
	if (ds_fp_masscan(s))
		return DS_TOOL_MASSCAN;
	if (ds_fp_zmap(s))
		return DS_TOOL_ZMAP;
	if (ds_fp_nmap(s))
		return DS_TOOL_NMAP;
	return DS_TOOL_NONE;
}

#ifndef __bpf__
/* Userspace: each rule's name (its column in the files), the versions it
 * covers, where it was checked. */
struct ds_fp_rule {
	const char *name, *versions, *reference;
};

static const struct ds_fp_rule ds_fp_rules[DS_TOOL_MAX] = {
	[DS_TOOL_NONE] = { "none", "-", "-" },
	[DS_TOOL_MIRAI] = { "mirai", "the 2016 source and its forks",
			    "Mirai-Source-Code bot/scanner.c: tcph->seq = iph->daddr" },
	[DS_TOOL_MASSCAN] = { "masscan", "all (1.0 to 1.3.2 and the 2023 MSS/window-1025 change)",
			      "masscan src/templ-pkt.c template_set_target_ipv4(): "
			      "ip_id = ip_them ^ port_them ^ seqno" },
	[DS_TOOL_ZMAP] = { "zmap", "before 4.1 (IP ID 54321) and 4.1 on (its option list)",
			   "zmap src/probe_modules/packet.c make_ip_header(), "
			   "module_tcp_synscan.c" },
	[DS_TOOL_NMAP] = { "nmap", "-sS SYN scan (window 1024, MSS only, TTL 37..59)",
			   "nmap tcpip.cc build_tcp_raw(), scan_engine_raw.cc" },
};
#endif

#endif /* __DS_FINGERPRINT_H */
