// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* test_util.h */
/*
 * test_row_parse.c - series fields read back: what series_format.c writes
 * parses to the same values (every /24 octet, every host, the largest
 * counts), and text it would never write is refused.
 */
#include <arpa/inet.h>

#include "test_util.h"
#include "series/row_parse.h"
#include "series/series_format.h"

static void test_row_parse_u64(void **state)
{
	__u64 v = 7;

	assert_true(parse_u64_field("0", &v) && v == 0);
	assert_true(parse_u64_field("18446744073709551615", &v) && v == ~0ULL);
	assert_false(parse_u64_field("18446744073709551616", &v));
	assert_false(parse_u64_field("", &v));
	assert_false(parse_u64_field("-1", &v));
	assert_false(parse_u64_field("+1", &v));
	assert_false(parse_u64_field("1 ", &v));
	assert_false(parse_u64_field("1x", &v));
	assert_int_equal(v, ~0ULL);
}

static void test_row_parse_ms(void **state)
{
	__u64 v = 0;

	assert_true(parse_ms_field("1234.567", &v) && v == 1234567);
	assert_true(parse_ms_field("0.000", &v) && v == 0);
	assert_true(parse_ms_field("12", &v) && v == 12000);
	assert_false(parse_ms_field("1.5", &v));
	assert_false(parse_ms_field("1.5000", &v));
	assert_false(parse_ms_field(".500", &v));
	assert_false(parse_ms_field("1.-50", &v));
	assert_false(parse_ms_field("18446744073709551.616", &v));
	assert_true(parse_ms_field("18446744073709551.615", &v) && v == ~0ULL);
}

static void test_row_parse_proto_port(void **state)
{
	__u16 port = 0;
	__u8 p = 9;

	for (unsigned int i = 0; i < DS_PROTO_MAX; i++)
		assert_true(parse_proto_field(proto_name(i), &p) && p == i);
	assert_false(parse_proto_field("TCP", &p));
	assert_false(parse_proto_field("sctp", &p));
	assert_true(parse_port_field("65535", &port) && port == 65535);
	assert_true(parse_port_field("0", &port) && port == 0);
	assert_false(parse_port_field("65536", &port));
	assert_false(parse_port_field("", &port));
}

/* Every /24 that fmt_net24() can write reads back; others are refused. */
static void test_row_parse_net24(void **state)
{
	static const char *const bad[] = {
		"1.2.3.4/24", "1.2.3.0", "01.2.3.0/24", "1.2.256.0/24", "1.2.3.0/16",
		"1.2.0/24", "1..3.0/24", "1.2.3.0/24 ", "a.b.c.0/24", "1000.2.3.0/24",
	};
	char text[32];
	__be32 net;

	for (__u32 a = 0; a < 256; a += 51)
		for (__u32 b = 0; b < 256; b += 17)
			for (__u32 c = 0; c < 256; c++) {
				__be32 want = htonl(a << 24 | b << 16 | c << 8);

				*fmt_net24(text, want) = '\0';
				assert_true(parse_net24_field(text, &net));
				assert_int_equal(net, want);
			}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(parse_net24_field(bad[i], &net));
}

static void test_row_parse_host_list(void **state)
{
	static const char *const bad[] = {
		"", "[", "]", "[1,]", "[,1]", "[1,,2]", "[256]", "[01]", "[1] ", "[-1]", "1,2",
		"[1 2]",
	};
	__u64 all[DS_HOST_WORDS], got[DS_HOST_WORDS];
	char text[1100];

	memset(all, 0xff, sizeof(all));
	*fmt_host_bitmap(text, all) = '\0';
	memset(got, 0, sizeof(got));
	assert_true(parse_host_list_field(text, got));
	assert_memory_equal(got, all, sizeof(all));
	memset(got, 0, sizeof(got));
	assert_true(parse_host_list_field("[]", got));
	assert_true(parse_host_list_field("[0,63,64,255]", got));
	assert_true(got[0] == (1ULL | 1ULL << 63) && got[1] == 1 && got[2] == 0 &&
		    got[3] == 1ULL << 63);
	/* ORed into what is there; repeats and order do not matter. */
	assert_true(parse_host_list_field("[200,5,5]", got));
	assert_true(got[0] == (1ULL | 1ULL << 5 | 1ULL << 63) && got[3] == (1ULL << 63 | 1ULL << 8));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(got, 0, sizeof(got));
		assert_false(parse_host_list_field(bad[i], got));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_parse_u64),
		cmocka_unit_test(test_row_parse_ms),
		cmocka_unit_test(test_row_parse_proto_port),
		cmocka_unit_test(test_row_parse_net24),
		cmocka_unit_test(test_row_parse_host_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
