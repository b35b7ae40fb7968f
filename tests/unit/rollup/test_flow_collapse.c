// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* nftw() */
/*
 * test_flow_collapse.c - many intervals' flow rows collapsed per key: the
 * same rows come out, in order, each key once, with summed counts and
 * ORed host bitmaps, whether everything fits in memory or the table spills
 * runs to disk (one key a run, more runs than one merge takes, so runs are
 * merged into runs); the runs and their directory are gone afterwards.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdbool.h>

#include "test_util.h"
#include "rollup/flow_collapse.h"
#include "series/series_format.h"

/* Rows drawn from few keys, so they repeat: seeded, reproducible. */
#define N_ROWS 5000
#define N_KEYS 300

static __u64 rng = 88172645463325252ULL;

static __u64 next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void random_row(struct flow_row *r)
{
	__u64 k = next_rand() % N_KEYS, h = next_rand() % 256;

	memset(r, 0, sizeof(*r));
	r->key.proto = k % 3;
	r->key.dport = (k * 7919) % 65536;
	r->key.src_net = htonl((__u32)(k * 2654435761U) & 0xffffff00);
	r->val.packets = 1 + next_rand() % 1000;
	r->val.syn = next_rand() % (r->val.packets + 1);
	r->val.mirai = next_rand() % (r->val.syn + 1);
	r->val.src_hosts[h / 64] |= 1ULL << (h % 64);
	if (r->val.mirai)
		r->val.mirai_hosts[h / 64] |= 1ULL << (h % 64);
}

/* What came out of the collapse. */
struct collected {
	struct flow_row rows[N_KEYS];
	size_t n;
	bool in_order;
};

static int collect(void *ctx, const struct flow_row *row)
{
	struct collected *c = ctx;

	if (c->n && flow_order_key(&c->rows[c->n - 1].key) >= flow_order_key(&row->key))
		c->in_order = false;
	assert_true(c->n < N_KEYS);
	c->rows[c->n++] = *row;
	return 0;
}

/* The answer the slow way: each row merged into its key's slot of a list. */
static size_t reference(const struct flow_row *rows, size_t n, struct flow_row *out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < m && memcmp(&out[j].key, &rows[i].key, sizeof(rows[i].key)))
			j++;
		if (j == m)
			out[m++] = rows[i];
		else
			flow_value_merge(&out[j].val, &rows[i].val);
	}
	return m;
}

static const struct flow_row *find_key(const struct collected *c, const struct ds_flow_key *k)
{
	for (size_t i = 0; i < c->n; i++)
		if (!memcmp(&c->rows[i].key, k, sizeof(*k)))
			return &c->rows[i];
	return NULL;
}

static size_t entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void collapse_and_check(__u32 max_keys, size_t want_runs_at_least)
{
	static struct flow_row rows[N_ROWS], want[N_KEYS];
	static struct collected got;
	char tmp[300];
	struct flow_collapse *c;
	size_t n_want;

	snprintf(tmp, sizeof(tmp), "%s/spill-%u", scratch_root, max_keys);
	rng = 88172645463325252ULL;
	for (size_t i = 0; i < N_ROWS; i++)
		random_row(&rows[i]);
	n_want = reference(rows, N_ROWS, want);
	c = flow_collapse__new(max_keys, tmp, 1);
	assert_non_null(c);
	for (size_t i = 0; i < N_ROWS; i++)
		assert_int_equal(flow_collapse__add(c, &rows[i]), 0);
	assert_int_equal(flow_collapse__rows(c), N_ROWS);
	memset(&got, 0, sizeof(got));
	got.in_order = true;
	assert_int_equal(flow_collapse__finish(c, collect, &got), 0);
	assert_true(flow_collapse__runs(c) >= want_runs_at_least);
	if (!want_runs_at_least)
		assert_int_equal(flow_collapse__runs(c), 0);
	assert_true(got.in_order);
	assert_int_equal(got.n, n_want);
	for (size_t i = 0; i < n_want; i++) {
		const struct flow_row *g = find_key(&got, &want[i].key);

		assert_non_null(g);
		assert_memory_equal(&g->val, &want[i].val, sizeof(want[i].val));
	}
	if (want_runs_at_least)
		assert_true(entries_in(tmp) > 0);
	flow_collapse__free(c);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void test_flow_collapse_in_memory(void **state)
{
	collapse_and_check(N_KEYS, 0);
}

static void test_flow_collapse_spills(void **state)
{
	/* About one run per 40 keys added: a couple of hundred runs. */
	collapse_and_check(40, 100);
}

static void test_flow_collapse_one_key_runs(void **state)
{
	/* A run per row: thousands of runs, merged 64 at a time, then again. */
	collapse_and_check(1, N_ROWS - 1);
}

static void test_flow_collapse_empty(void **state)
{
	struct collected got = { .in_order = true };
	struct flow_collapse *c = flow_collapse__new(8, "/nonexistent/never-made", 1);

	assert_non_null(c);
	assert_int_equal(flow_collapse__finish(c, collect, &got), 0);
	assert_int_equal(got.n, 0);
	flow_collapse__free(c);
}

/* A run that cannot be written fails the add, and says so. */
static void test_flow_collapse_spill_fails(void **state)
{
	struct flow_collapse *c = flow_collapse__new(1, "/nonexistent/spill", 1);
	struct flow_row a, b;

	assert_non_null(c);
	random_row(&a);
	do
		random_row(&b);
	while (!memcmp(&a.key, &b.key, sizeof(a.key)));
	assert_int_equal(flow_collapse__add(c, &a), 0);
	assert_int_equal(flow_collapse__add(c, &b), -ENOENT);
	flow_collapse__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_collapse_in_memory),
		cmocka_unit_test(test_flow_collapse_spills),
		cmocka_unit_test(test_flow_collapse_one_key_runs),
		cmocka_unit_test(test_flow_collapse_empty),
		cmocka_unit_test(test_flow_collapse_spill_fails),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
