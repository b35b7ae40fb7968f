// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_flow_table.c - the userspace flow table the fast path's log records
 * are added up in: every record ends in exactly one of a row or no_room,
 * each row holds exactly what count_flow() would have counted (checked
 * against a plain array indexed by key), rows come in first-seen order
 * whatever the hash seed, a full table refuses only new keys, and take()
 * hands the interval over and starts the next one empty.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#include "series/flow_table.h"

/* Keys of the model: more than the table's smallest slot array (1024), so
 * the slots grow while records arrive. */
#define N_KEYS 3000
#define N_RECS 200000

/* Key index k's /24, port and protocol: every k a distinct flow key. */
static struct ds_flow_rec rec_of(__u32 k, __u8 host, __u8 flags)
{
	return (struct ds_flow_rec){
		.saddr = htonl(0x0a000000U | (k / 3) << 8 | host),
		.dport = (__u16)(1000 + k % 3),
		.proto = (__u8)(k % 3),
		.flags = flags,
	};
}

static struct ds_flow_key key_of(__u32 k)
{
	struct ds_flow_rec r = rec_of(k, 0, 0);

	return (struct ds_flow_key){ .src_net = r.saddr, .dport = r.dport, .proto = r.proto,
				     .klass = DS_CLASS_PROBE };
}

static __u64 xorshift(__u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void set_bit(__u64 *bitmap, __u8 host)
{
	bitmap[host >> 6] |= 1ULL << (host & 63);
}

/* Pseudo-random records over N_KEYS keys, with what each key must hold
 * (model[k]) and the keys in the order they first appear (order, n_order). */
struct workload {
	struct ds_flow_rec recs[N_RECS];
	struct ds_flow_value model[N_KEYS];
	bool seen[N_KEYS];
	__u32 order[N_KEYS], n_order;
};

static struct workload *workload_new(__u64 seed)
{
	struct workload *w = calloc(1, sizeof(*w));
	size_t i;

	assert_non_null(w);
	for (i = 0; i < N_RECS; i++) {
		__u64 r = xorshift(&seed);
		/* Skewed: half the records on the first 64 keys. */
		__u32 k = (r & 1) ? (r >> 8) % 64 : (r >> 8) % N_KEYS;
		__u8 host = (__u8)(r >> 40);
		__u8 flags = (r >> 50) & (DS_REC_SYN | DS_REC_MIRAI);
		struct ds_flow_value *v = &w->model[k];

		w->recs[i] = rec_of(k, host, flags);
		if (!w->seen[k]) {
			w->seen[k] = true;
			w->order[w->n_order++] = k;
		}
		v->packets++;
		set_bit(v->src_hosts, host);
		/* As count_flow(): Mirai only counts on a SYN. */
		if (flags & DS_REC_SYN) {
			v->syn++;
			if (flags & DS_REC_MIRAI) {
				v->mirai++;
				set_bit(v->mirai_hosts, host);
			}
		}
	}
	return w;
}

/* out's rows are exactly the model's keys, in first-seen order. */
static void assert_rows_model(const struct interval_data *out, const struct workload *w)
{
	size_t i;

	assert_int_equal(out->n_flows, w->n_order);
	for (i = 0; i < out->n_flows; i++) {
		struct ds_flow_key want = key_of(w->order[i]);

		assert_memory_equal(&out->flows[i].key, &want, sizeof(want));
		assert_memory_equal(&out->flows[i].val, &w->model[w->order[i]],
				    sizeof(struct ds_flow_value));
	}
}

static void interval_free(struct interval_data *out)
{
	free(out->flows);
	memset(out, 0, sizeof(*out));
}

/* Every record in its key's row, in blocks of odd sizes (the table
 * prefetches in blocks of 32). */
static void test_flow_table_exact(void **state)
{
	struct workload *w = workload_new(0x9e3779b97f4a7c15ULL);
	struct flow_table *t = flow_table__new(4 * N_KEYS, 42);
	struct interval_data out = {};
	__u64 no_room = 0;
	size_t done = 0, n = 1;

	assert_non_null(t);
	while (done < N_RECS) {
		if (n > N_RECS - done)
			n = N_RECS - done;
		flow_table__add_records(t, w->recs + done, n, &no_room);
		done += n;
		n = n * 3 + 1;
	}
	assert_int_equal(no_room, 0);
	assert_int_equal(flow_table__count(t), w->n_order);
	assert_int_equal(flow_table__take(t, &out), 0);
	assert_rows_model(&out, w);
	flow_table__free(t);
	interval_free(&out);
	free(w);
}

/* The seed places keys in other slots, never changes a row or its order:
 * two sensors seeded differently write the same interval. */
static void test_flow_table_seeds_same_rows(void **state)
{
	static const __u64 seeds[] = { 0, 1, 0xdeadbeefULL, ~0ULL, 0x0123456789abcdefULL };
	struct workload *w = workload_new(7);
	struct interval_data first = {};
	size_t s;

	for (s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		struct flow_table *t = flow_table__new(N_KEYS, seeds[s]);
		struct interval_data out = {};
		__u64 no_room = 0;

		assert_non_null(t);
		flow_table__add_records(t, w->recs, N_RECS, &no_room);
		assert_int_equal(no_room, 0);
		assert_int_equal(flow_table__take(t, &out), 0);
		assert_rows_model(&out, w);
		if (!s) {
			first = out;
		} else {
			assert_int_equal(out.n_flows, first.n_flows);
			assert_memory_equal(out.flows, first.flows,
					    out.n_flows * sizeof(out.flows[0]));
			interval_free(&out);
		}
		flow_table__free(t);
	}
	interval_free(&first);
	free(w);
}

/* A table of max_keys keys takes the first max_keys keys seen; a record
 * or merged value of any other key goes to no_room, nothing is lost. */
static void test_flow_table_full(void **state)
{
	struct workload *w = workload_new(99);
	const __u32 max_keys = 100;
	struct flow_table *t = flow_table__new(max_keys, 3);
	struct interval_data out = {};
	struct ds_flow_value extra = { .packets = 5, .syn = 2, .src_hosts = { 1 } };
	struct ds_flow_key k0 = key_of(w->order[0]), stranger = key_of(N_KEYS + 7);
	__u64 no_room = 0, no_room_packets = 0, want_no_room = 0, in_rows = 0;
	size_t i;

	assert_non_null(t);
	flow_table__add_records(t, w->recs, N_RECS, &no_room);
	for (i = max_keys; i < w->n_order; i++)
		want_no_room += w->model[w->order[i]].packets;
	assert_int_equal(no_room, want_no_room);
	assert_int_equal(flow_table__count(t), max_keys);
	/* Merging into a held key adds; a new key finds no room. */
	flow_table__merge(t, &k0, &extra, &no_room_packets);
	flow_table__merge(t, &stranger, &extra, &no_room_packets);
	assert_int_equal(no_room_packets, 5);
	assert_int_equal(flow_table__take(t, &out), 0);
	assert_int_equal(out.n_flows, max_keys);
	for (i = 0; i < max_keys; i++) {
		struct ds_flow_key want = key_of(w->order[i]);
		struct ds_flow_value v = w->model[w->order[i]];

		if (!i) {
			v.packets += 5;
			v.syn += 2;
			v.src_hosts[0] |= 1;
		}
		assert_memory_equal(&out.flows[i].key, &want, sizeof(want));
		assert_memory_equal(&out.flows[i].val, &v, sizeof(v));
		in_rows += out.flows[i].val.packets;
	}
	assert_int_equal(in_rows + no_room, N_RECS + 5);
	flow_table__free(t);
	interval_free(&out);
	free(w);
}

/* take() empties the table: the next interval starts from nothing, with
 * the same keys counted afresh; into rows already there it appends. */
static void test_flow_table_take_intervals(void **state)
{
	struct workload *w = workload_new(5);
	struct flow_table *t = flow_table__new(N_KEYS, 11);
	struct interval_data out = {};
	__u64 no_room = 0;
	int round;

	assert_non_null(t);
	for (round = 0; round < 5; round++) {
		out.n_flows = 0;
		flow_table__add_records(t, w->recs, N_RECS, &no_room);
		assert_int_equal(flow_table__take(t, &out), 0);
		assert_int_equal(flow_table__count(t), 0);
		assert_rows_model(&out, w);
	}
	/* Appending: out holds the last interval, the next one goes after it. */
	flow_table__add_records(t, w->recs, 1, &no_room);
	assert_int_equal(flow_table__take(t, &out), 0);
	assert_int_equal(out.n_flows, w->n_order + 1);
	assert_int_equal(out.flows[w->n_order].val.packets, 1);
	assert_int_equal(no_room, 0);
	flow_table__free(t);
	interval_free(&out);
	free(w);
}

static void test_flow_table_bad_size(void **state)
{
	assert_null(flow_table__new(0, 1));
	assert_null(flow_table__new(DS_MAX_MAX_KEYS + 1U, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_table_exact),
		cmocka_unit_test(test_flow_table_seeds_same_rows),
		cmocka_unit_test(test_flow_table_full),
		cmocka_unit_test(test_flow_table_take_intervals),
		cmocka_unit_test(test_flow_table_bad_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
