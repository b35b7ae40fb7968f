// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_gen_mix.c - the generator's traffic mix: parsing, and the table the
 * BPF program draws from (every entry present, shares as weighted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#include "gen/gen_mix.h"

static int slots_of(const __u32 table[GEN_MIX_SLOTS], __u32 port)
{
	int i, n = 0;

	for (i = 0; i < GEN_MIX_SLOTS; i++)
		n += table[i] == port;
	return n;
}

static void test_gen_mix_parse_list(void **state)
{
	__u32 table[GEN_MIX_SLOTS];
	struct gen_mix mix;
	const char *why = NULL;

	assert_int_equal(gen_mix_parse(&mix, "tcp:23=3,tcp:80=1,udp:1900=2,icmp:8=2", &why), 0);
	assert_int_equal(mix.n, 4);
	assert_int_equal(mix.total, 8);
	gen_mix_table(&mix, table);
	assert_int_equal(slots_of(table, GEN_MIX_ENTRY(DS_PROTO_TCP, 23)), GEN_MIX_SLOTS * 3 / 8);
	assert_int_equal(slots_of(table, GEN_MIX_ENTRY(DS_PROTO_TCP, 80)), GEN_MIX_SLOTS / 8);
	assert_int_equal(slots_of(table, GEN_MIX_ENTRY(DS_PROTO_UDP, 1900)), GEN_MIX_SLOTS / 4);
	assert_int_equal(slots_of(table, GEN_MIX_ENTRY(DS_PROTO_ICMP, 8)), GEN_MIX_SLOTS / 4);
}

static void test_gen_mix_any_and_tiny_weights(void **state)
{
	__u32 table[GEN_MIX_SLOTS];
	struct gen_mix mix;
	const char *why = NULL;
	int any, seven, big;

	assert_int_equal(gen_mix_parse(&mix, "tcp:any=100000,tcp:23=100000,tcp:7=1", &why), 0);
	gen_mix_table(&mix, table);
	any = slots_of(table, GEN_MIX_ENTRY(DS_PROTO_TCP, GEN_MIX_ANY));
	big = slots_of(table, GEN_MIX_ENTRY(DS_PROTO_TCP, 23));
	seven = slots_of(table, GEN_MIX_ENTRY(DS_PROTO_TCP, 7));
	/* A weight too small for a slot of its own still gets one. */
	assert_int_equal(seven, 1);
	assert_in_range(any, GEN_MIX_SLOTS / 2 - 1, GEN_MIX_SLOTS / 2);
	assert_int_equal(any + big + seven, GEN_MIX_SLOTS);
}

static void test_gen_mix_telescope(void **state)
{
	__u32 table[GEN_MIX_SLOTS];
	struct gen_mix mix;
	const char *why = NULL;
	int tcp = 0, i;

	assert_int_equal(gen_mix_parse(&mix, "telescope", &why), 0);
	gen_mix_table(&mix, table);
	for (i = 0; i < GEN_MIX_SLOTS; i++)
		tcp += GEN_MIX_PROTO(table[i]) == DS_PROTO_TCP;
	/* 23/TCP leads, TCP is most of it, every entry is present. */
	assert_in_range(slots_of(table, GEN_MIX_ENTRY(DS_PROTO_TCP, 23)), 340, 360);
	assert_in_range(tcp, 860, 900);
	for (i = 0; i < mix.n; i++)
		assert_true(slots_of(table, GEN_MIX_ENTRY(mix.e[i].proto, mix.e[i].port)) > 0);
}

static void test_gen_mix_rejects(void **state)
{
	static const char *const bad[] = {
		"", "tcp", "tcp:23", "tcp:23=", "tcp:23=0", "sctp:1=1", "tcp:65536=1",
		"icmp:256=1", "tcp:x=1", "tcp:23=1,", "tcp:23=-1", "tcp:23=1000001",
	};
	struct gen_mix mix;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		if (!gen_mix_parse(&mix, bad[i], &why))
			fail_msg("accepted mix '%s'", bad[i]);
		assert_non_null(why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gen_mix_parse_list),
		cmocka_unit_test(test_gen_mix_any_and_tiny_weights),
		cmocka_unit_test(test_gen_mix_telescope),
		cmocka_unit_test(test_gen_mix_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
