// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_backscatter.c - include/ds_backscatter.h over every TCP flag byte
 * and every ICMP type: SYN-ACKs and RSTs (not with SYN) and ICMP echo
 * replies and errors are backscatter; a SYN probe never is, whatever else
 * it carries; nothing else is.
 */
#define _GNU_SOURCE
#include <linux/types.h>

#include "test_util.h"
#include "ds_backscatter.h"

static void test_tcp_flags(void **state)
{
	unsigned int n[DS_BS_MAX] = { 0 };

	(void)state;
	assert_int_equal(ds_backscatter_tcp(DS_TCP_SYN | DS_TCP_ACK), DS_BS_SYNACK);
	assert_int_equal(ds_backscatter_tcp(DS_TCP_RST), DS_BS_RST);
	assert_int_equal(ds_backscatter_tcp(DS_TCP_RST | DS_TCP_ACK), DS_BS_RST);
	assert_int_equal(ds_backscatter_tcp(DS_TCP_SYN), DS_BS_NONE);
	assert_int_equal(ds_backscatter_tcp(DS_TCP_SYN | DS_TCP_RST), DS_BS_NONE);
	assert_int_equal(ds_backscatter_tcp(DS_TCP_SYN | DS_TCP_ACK | DS_TCP_RST), DS_BS_NONE);
	assert_int_equal(ds_backscatter_tcp(DS_TCP_ACK), DS_BS_NONE);
	assert_int_equal(ds_backscatter_tcp(DS_TCP_FIN | DS_TCP_ACK), DS_BS_NONE);
	assert_int_equal(ds_backscatter_tcp(0x18 /* PSH-ACK */), DS_BS_NONE);
	for (unsigned int f = 0; f < 256; f++) {
		enum ds_backscatter b = ds_backscatter_tcp(f);
		int probe = (f & (DS_TCP_SYN | DS_TCP_ACK)) == DS_TCP_SYN;

		assert_true(b < DS_BS_MAX);
		n[b]++;
		if (probe) /* the fast path's SYN: never backscatter */
			assert_int_equal(b, DS_BS_NONE);
		/* The other flags (FIN, PSH, URG, ECE, CWR) change nothing. */
		assert_int_equal(b, ds_backscatter_tcp(f & (DS_TCP_SYN | DS_TCP_RST | DS_TCP_ACK)));
	}
	/* Of the 8 SYN/RST/ACK combinations: RST, RST-ACK, SYN-ACK (x 32 others). */
	assert_int_equal(n[DS_BS_RST], 2 * 32);
	assert_int_equal(n[DS_BS_SYNACK], 32);
	assert_int_equal(n[DS_BS_ECHO_REPLY] + n[DS_BS_ICMP_ERROR], 0);
}

static void test_icmp_types(void **state)
{
	(void)state;
	for (unsigned int t = 0; t < 256; t++) {
		enum ds_backscatter b = ds_backscatter_icmp(t);

		if (t == 0)
			assert_int_equal(b, DS_BS_ECHO_REPLY);
		else if (t == 3 || t == 4 || t == 5 || t == 11 || t == 12)
			assert_int_equal(b, DS_BS_ICMP_ERROR);
		else /* echo request (8), timestamp, router advertisement... */
			assert_int_equal(b, DS_BS_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_icmp_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
