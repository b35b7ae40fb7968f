// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_fingerprint.c - the scanner rules of include/ds_fingerprint.h on
 * SYNs made the way each tool makes them (the fields mirrored are named at
 * each maker, with the tool version), on near misses (one field off: they
 * must not match, or must match a later rule only), and on random SYNs:
 * masscan's equation holds for about 1 in 2^16 of them, and every SYN gets
 * exactly one answer.
 */
#define _GNU_SOURCE
#include <linux/types.h>

#include "test_util.h"
#include "ds_fingerprint.h"

static __u64 rng = 0x853c49e6748fea9bULL;

static __u32 rnd32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng >> 16;
}

/* TTL after h hops from a sender's initial t. */
static __u8 arrived(__u8 t, __u8 h)
{
	return t - h;
}

static void set_mss_only(struct ds_syn *s, __u16 mss)
{
	s->opt_len = 4;
	s->opt[0] = 2;
	s->opt[1] = 4;
	s->opt[2] = mss >> 8;
	s->opt[3] = mss & 0xff;
}

/* Mirai (2016 source, bot/scanner.c): seq = daddr, IP ID random, window
 * random, TTL 64, no options, DF clear. */
static struct ds_syn mirai_syn(void)
{
	struct ds_syn s = { .daddr = 0xc6336407, .dport = 23, .ip_id = rnd32(),
			    .window = rnd32(), .ttl = arrived(64, 12) };

	s.seq = s.daddr;
	return s;
}

/* masscan 1.3.2 (src/templ-pkt.c, default_tcp_template and
 * template_set_target_ipv4()): seq = a SYN cookie, IP ID = daddr ^ dport ^
 * seq (host order, low 16 bits), TTL 255, DF clear, window 1024, no option
 * (the template's MSS bytes lie past its 40-byte length).  new: masscan
 * after 1.3.2 (commit 4f89257, 2023): window 1025 and MSS 1460. */
static struct ds_syn masscan_syn(int new)
{
	struct ds_syn s = { .daddr = 0xc6336407, .dport = 8080, .seq = rnd32(),
			    .window = new ? 1025 : 1024, .ttl = arrived(255, 18) };

	s.ip_id = (s.daddr ^ s.dport ^ s.seq) & 0xffff;
	if (new)
		set_mss_only(&s, 1460);
	return s;
}

/* ZMap 2.1.1 (Debian 12; src/probe_modules/packet.c, module_tcp_synscan.c):
 * IP ID 54321, DF clear (ip_off 0), TTL 255 (MAXTTL), window 65535, no
 * options. */
static struct ds_syn zmap_old_syn(void)
{
	return (struct ds_syn){ .daddr = 0xc6336407, .dport = 443, .seq = rnd32(),
				.ip_id = 54321, .window = 65535, .ttl = arrived(255, 9) };
}

/* ZMap 4.1 on (module_tcp_synscan.c, default --probe-args "windows"): IP
 * ID from the validation hash (random to us), TTL 64, window 65535, DF
 * clear, options MSS 1460, NOP, window scale 8, NOP, NOP, SACK-permitted. */
static struct ds_syn zmap_new_syn(void)
{
	static const __u8 opt[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2 };
	struct ds_syn s = { .daddr = 0xc6336407, .dport = 443, .seq = rnd32(), .ip_id = rnd32(),
			    .window = 65535, .ttl = arrived(64, 9), .opt_len = 12 };

	memcpy(s.opt, opt, sizeof(opt));
	return s;
}

/* Nmap 7.93 -sS (scan_engine_raw.cc sendIPScanProbe(), tcpip.cc): window
 * 1024, DF clear, one option MSS 1460 (TCP_SYN_PROBE_OPTIONS), TTL drawn
 * from 37..59 per packet, IP ID random. */
static struct ds_syn nmap_syn(__u8 ttl)
{
	struct ds_syn s = { .daddr = 0xc6336407, .dport = 22, .seq = rnd32(), .ip_id = rnd32(),
			    .window = 1024, .ttl = ttl };

	set_mss_only(&s, 1460);
	return s;
}

/* A random SYN that is none of the tools' shapes (hping3 -S's defaults:
 * window 512, TTL 64, no options, IP ID random). */
static struct ds_syn plain_syn(void)
{
	return (struct ds_syn){ .daddr = 0xc6336407, .dport = 80, .seq = rnd32(),
				.ip_id = rnd32(), .window = 512, .ttl = arrived(64, 10) };
}

/* A plain SYN's IP ID must not meet masscan's equation by chance. */
static struct ds_syn not_masscan(struct ds_syn s)
{
	if (ds_fp_masscan(&s))
		s.ip_id ^= 1;
	return s;
}

static void test_each_tool(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++) {
		struct ds_syn s = mirai_syn();

		assert_int_equal(ds_fingerprint(&s), DS_TOOL_MIRAI);
		s = masscan_syn(0);
		assert_int_equal(ds_fingerprint(&s), DS_TOOL_MASSCAN);
		s = masscan_syn(1);
		assert_int_equal(ds_fingerprint(&s), DS_TOOL_MASSCAN);
		s = not_masscan(zmap_old_syn());
		assert_int_equal(ds_fingerprint(&s), DS_TOOL_ZMAP);
		s = not_masscan(zmap_new_syn());
		assert_int_equal(ds_fingerprint(&s), DS_TOOL_ZMAP);
		for (__u8 ttl = 37; ttl <= 59; ttl++) {
			s = not_masscan(nmap_syn(ttl));
			assert_int_equal(ds_fingerprint(&s), DS_TOOL_NMAP);
		}
		s = not_masscan(plain_syn());
		if (s.seq == s.daddr)
			s.seq++;
		assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	}
}

/* One field off: the rule no longer holds. */
static void test_near_misses(void **state)
{
	struct ds_syn s;

	(void)state;
	s = mirai_syn();
	s.seq ^= 0x100;
	s = not_masscan(s);
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);

	s = masscan_syn(1);
	s.ip_id ^= 0x8000; /* the equation off by a bit */
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	s = masscan_syn(1);
	s.dport ^= 1; /* to another port than the one it was made for */
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);

	s = not_masscan(zmap_old_syn());
	s.ip_id = 54320;
	s = not_masscan(s);
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	s = not_masscan(zmap_old_syn());
	s.window = 65534;
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	s = not_masscan(zmap_old_syn());
	s.df = 1;
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	for (int i = 0; i < 12; i++) {
		s = not_masscan(zmap_new_syn());
		s.opt[i] ^= 0x10; /* any option byte off */
		assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	}
	s = not_masscan(zmap_new_syn());
	s.opt_len = 16; /* one more option after them */
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);

	s = not_masscan(nmap_syn(60)); /* above nmap's TTLs */
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	s = not_masscan(nmap_syn(50));
	s.window = 1025;
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	s = not_masscan(nmap_syn(50));
	s.df = 1;
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	s = not_masscan(nmap_syn(50));
	s.opt_len = 8; /* MSS and more */
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
	s = not_masscan(nmap_syn(50));
	s.opt[0] = 3; /* one option, not MSS */
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_NONE);
}

/* The order: a SYN meeting two rules gets the first. */
static void test_order(void **state)
{
	struct ds_syn s = nmap_syn(50);

	(void)state;
	/* An nmap SYN whose random IP ID meets masscan's equation (1 in 2^16). */
	s.ip_id = (s.daddr ^ s.dport ^ s.seq) & 0xffff;
	assert_true(ds_fp_nmap(&s));
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_MASSCAN);
	/* No masscan SYN has nmap's shape: 1.3.2 has no option, later window 1025. */
	s = masscan_syn(0);
	s.ttl = 40;
	assert_false(ds_fp_nmap(&s));
	s = masscan_syn(1);
	s.ttl = 40;
	assert_false(ds_fp_nmap(&s));
	s = masscan_syn(1);
	s.seq = s.daddr; /* and Mirai's equation */
	s.ip_id = (s.daddr ^ s.dport ^ s.seq) & 0xffff;
	assert_int_equal(ds_fingerprint(&s), DS_TOOL_MIRAI);
}

/* Random SYNs: masscan's 16-bit equation holds at about 2^-16, Mirai's
 * 32-bit one essentially never, and each SYN has exactly one answer. */
static void test_random_syns(void **state)
{
	const unsigned int n = 1U << 22;
	unsigned int got[DS_TOOL_MAX] = { 0 };

	(void)state;
	for (unsigned int i = 0; i < n; i++) {
		struct ds_syn s = { .daddr = rnd32(), .dport = rnd32(), .seq = rnd32(),
				    .ip_id = rnd32(), .window = rnd32(), .ttl = rnd32(),
				    .df = rnd32() & 1 };
		enum ds_tool t = ds_fingerprint(&s);

		assert_true(t >= DS_TOOL_NONE && t < DS_TOOL_MAX);
		got[t]++;
	}
	/* Expected 64 of 2^22 (seeded: the same count every run). */
	assert_in_range(got[DS_TOOL_MASSCAN], 32, 128);
	assert_true(got[DS_TOOL_MIRAI] <= 2);
	assert_int_equal(got[DS_TOOL_NONE] + got[DS_TOOL_MIRAI] + got[DS_TOOL_MASSCAN] +
				 got[DS_TOOL_ZMAP] + got[DS_TOOL_NMAP],
			 n);
}

/* The table userspace prints: a name per tool, the rule-set version. */
static void test_rule_table(void **state)
{
	(void)state;
	assert_int_equal(DS_FP_RULESET, 1);
	for (int t = 0; t < DS_TOOL_MAX; t++)
		assert_non_null(ds_fp_rules[t].name);
	assert_string_equal(ds_fp_rules[DS_TOOL_MASSCAN].name, "masscan");
	assert_string_equal(ds_fp_rules[DS_TOOL_NMAP].name, "nmap");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_tool),
		cmocka_unit_test(test_near_misses),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_random_syns),
		cmocka_unit_test(test_rule_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
