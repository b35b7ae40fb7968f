// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_gen_mix.c - the generator's traffic mix: parsing, the split of a
 * frame count over protocols (exact sum), and the port tables the BPF
 * program draws from (every port present, shares as weighted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#include "gen_mix.h"

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
	assert_int_equal(mix.n_ports[0], 2);
	assert_int_equal(mix.weight[0], 4);
	assert_int_equal(mix.weight[1], 2);
	assert_int_equal(mix.weight[2], 2);
	gen_mix_table(&mix, 0, table);
	assert_int_equal(slots_of(table, 23), GEN_MIX_SLOTS * 3 / 4);
	assert_int_equal(slots_of(table, 80), GEN_MIX_SLOTS / 4);
	gen_mix_table(&mix, 2, table);
	assert_int_equal(slots_of(table, 8), GEN_MIX_SLOTS);
}

static void test_gen_mix_any_and_tiny_weights(void **state)
{
	__u32 table[GEN_MIX_SLOTS];
	struct gen_mix mix;
	const char *why = NULL;

	assert_int_equal(gen_mix_parse(&mix, "tcp:23=100000,tcp:7=1,tcp:any=100000", &why), 0);
	gen_mix_table(&mix, 0, table);
	/* A weight too small for a slot of its own still gets one. */
	assert_int_equal(slots_of(table, 7), 1);
	assert_in_range(slots_of(table, GEN_MIX_ANY), GEN_MIX_SLOTS / 2 - 1, GEN_MIX_SLOTS / 2);
	assert_int_equal(slots_of(table, 23) + slots_of(table, 7) + slots_of(table, GEN_MIX_ANY),
			 GEN_MIX_SLOTS);
}

static void test_gen_mix_split_exact(void **state)
{
	struct gen_mix mix;
	const char *why = NULL;
	__u64 out[DS_PROTO_MAX];

	assert_int_equal(gen_mix_parse(&mix, "telescope", &why), 0);
	for (__u64 n = 0; n < 2000; n += 7) {
		gen_mix_split(&mix, n, out);
		assert_int_equal(out[0] + out[1] + out[2], n);
	}
	gen_mix_split(&mix, 1000000, out);
	assert_in_range(out[0], 850000, 870000); /* TCP ~86 % in the telescope mix */
	assert_int_equal(gen_mix_parse(&mix, "udp:53=1", &why), 0);
	gen_mix_split(&mix, 10, out);
	assert_int_equal(out[1], 10);
	assert_int_equal(out[0] + out[2], 0);
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
		cmocka_unit_test(test_gen_mix_split_exact),
		cmocka_unit_test(test_gen_mix_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
