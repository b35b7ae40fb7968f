// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE
/*
 * test_agg_pieces.c - the C engine's small pieces: py_int parses what
 * Python's int() takes (and refuses what it refuses), i64map sums and
 * merges key by key, hostset ORs and counts distinct hosts, net_bitmap
 * does the same over the whole /24 space, in address order, with memory
 * only for the pages written.
 */
#include <stdbool.h>

#include "test_util.h"
#include "analysis/hostset.h"
#include "analysis/i64map.h"
#include "analysis/net_bitmap.h"
#include "analysis/py_int.h"

static enum py_int_result parse(const char *s, __s64 *v)
{
	return py_int_parse(s, strlen(s), v);
}

static void test_py_int(void **state)
{
	__s64 v = 0;

	assert_int_equal(parse("42", &v), PY_INT_OK);
	assert_int_equal(v, 42);
	assert_int_equal(parse(" -7 ", &v), PY_INT_OK);
	assert_int_equal(v, -7);
	assert_int_equal(parse("+1_000", &v), PY_INT_OK);
	assert_int_equal(v, 1000);
	assert_int_equal(parse("007", &v), PY_INT_OK);
	assert_int_equal(v, 7);
	assert_int_equal(parse("9223372036854775807", &v), PY_INT_OK);
	assert_true(v == INT64_MAX);
	assert_int_equal(parse("9223372036854775808", &v), PY_INT_BIG_POS);
	assert_int_equal(parse("-9223372036854775809", &v), PY_INT_BIG_NEG);
	assert_int_equal(parse("", &v), PY_INT_BAD);
	assert_int_equal(parse("1__0", &v), PY_INT_BAD);
	assert_int_equal(parse("_1", &v), PY_INT_BAD);
	assert_int_equal(parse("1.0", &v), PY_INT_BAD);
	assert_int_equal(parse("0x10", &v), PY_INT_BAD);
	assert_true(py_int_digits("123", 3, &v));
	assert_int_equal(v, 123);
	assert_false(py_int_digits("-1", 2, &v));
}

static void test_i64map(void **state)
{
	struct i64map a = I64MAP_INIT, b = I64MAP_INIT;
	__s64 sum = 0;
	size_t n = 0;

	/* Enough keys to grow the table several times. */
	for (__u64 k = 0; k < 10000; k++) {
		assert_int_equal(i64map__add(&a, k * 7919, 1), 0);
		assert_int_equal(i64map__add(&a, k * 7919, 2), 0);
	}
	for (__u64 k = 5000; k < 15000; k++)
		assert_int_equal(i64map__add(&b, k * 7919, 10), 0);
	assert_int_equal(i64map__merge(&a, &b), 0);
	assert_int_equal(a.n, 15000);
	assert_int_equal(i64map__find(&a, 0)->value, 3);
	assert_int_equal(i64map__find(&a, 6000 * 7919)->value, 13);
	assert_int_equal(i64map__find(&a, 14999 * 7919ULL)->value, 10);
	assert_null(i64map__find(&a, 1));
	for (size_t i = 0; i < a.cap; i++)
		if (a.slots[i].key) {
			sum += a.slots[i].value;
			n++;
		}
	assert_int_equal(n, 15000);
	assert_int_equal(sum, 10000 * 3 + 10000 * 10);
	i64map__free(&a);
	i64map__free(&b);
}

static void test_hostset(void **state)
{
	struct hostset a = HOSTSET_INIT, b = HOSTSET_INIT;
	__u64 bits[HOSTSET_WORDS] = { 0 }, got[HOSTSET_WORDS];

	for (__u32 key = 0; key < 3000; key++) {
		memset(bits, 0, sizeof(bits));
		bits[key % HOSTSET_WORDS] = 1ULL << (key % 64);
		assert_int_equal(hostset__or(&a, key, bits), 0);
		assert_int_equal(hostset__or(&a, key, bits), 0); /* the same host again */
	}
	assert_int_equal(hostset__count(&a), 3000);
	memset(bits, 0, sizeof(bits));
	bits[3] = 3; /* two more hosts on key 7 (one of them new unless 7's is there) */
	assert_int_equal(hostset__or(&b, 7, bits), 0);
	memset(bits, 0, sizeof(bits));
	assert_int_equal(hostset__or(&b, 5000, bits), 0); /* no bits: nothing */
	assert_int_equal(hostset__merge(&a, &b), 0);
	assert_int_equal(hostset__count(&a), 3002);
	hostset__get(&a, 7, got);
	assert_true(got[3] == (3ULL | 1ULL << 7));
	hostset__get(&a, 5000, got);
	assert_true(got[0] == 0 && got[1] == 0 && got[2] == 0 && got[3] == 0);
	hostset__free(&a);
	hostset__free(&b);
}

struct seen {
	__u32 nets[8];
	__u64 hosts;
	size_t n;
};

static int note(void *ctx, __u32 net, const __u64 bits[HOSTSET_WORDS])
{
	struct seen *s = ctx;

	if (s->n < 8)
		s->nets[s->n] = net;
	s->n++;
	for (int w = 0; w < HOSTSET_WORDS; w++)
		s->hosts += __builtin_popcountll(bits[w]);
	return 0;
}

static void test_net_bitmap(void **state)
{
	const __u32 last = NET24_COUNT - 1;
	struct net_bitmap b;
	__u64 h0[HOSTSET_WORDS] = { 1 }, h255[HOSTSET_WORDS] = { 0, 0, 0, 1ULL << 63 };
	__u64 none[HOSTSET_WORDS] = { 0 }, both[HOSTSET_WORDS] = { 1, 0, 0, 1ULL << 63 };
	struct seen s = { 0 };

	(void)state;
	assert_int_equal(net_bitmap__init(&b, false), 0);
	assert_int_equal(net_bitmap__count(&b), 0);
	net_bitmap__or(&b, last, h255);
	net_bitmap__or(&b, NET_BITMAP_PAGE_NETS, h0);     /* first /24 of the second page */
	net_bitmap__or(&b, NET_BITMAP_PAGE_NETS - 1, h0); /* last of the first */
	net_bitmap__or(&b, NET_BITMAP_PAGE_NETS - 1, h255);
	net_bitmap__or(&b, NET_BITMAP_PAGE_NETS - 1, both); /* nothing new */
	net_bitmap__or(&b, 4242, none);                     /* no hosts: no /24 */
	assert_int_equal(net_bitmap__each(&b, note, &s), 0);
	/* In address order, each /24 once, its hosts united. */
	assert_int_equal(s.n, 3);
	assert_int_equal(s.nets[0], NET_BITMAP_PAGE_NETS - 1);
	assert_int_equal(s.nets[1], NET_BITMAP_PAGE_NETS);
	assert_int_equal(s.nets[2], last);
	assert_int_equal(s.hosts, 4);
	assert_int_equal(net_bitmap__count(&b), 4);
	/* Three pages written, whatever the 512 MiB mapped. */
	assert_int_equal(net_bitmap__bytes(&b), 3 * 4096);
	net_bitmap__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_py_int),
		cmocka_unit_test(test_i64map),
		cmocka_unit_test(test_hostset),
		cmocka_unit_test(test_net_bitmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
