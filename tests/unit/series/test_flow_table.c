// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#define _GNU_SOURCE /* test_util.h */
/*
 * test_flow_table.c - the flow table against a naive reference built by
 * sorting: random records with many repeated keys and flags, host bitmaps,
 * merged values, the max_keys limit with its exact no-room count, take and
 * reuse across intervals, seeds that must not change any result, and the
 * 0-record and 1-key edges.
 */
#include <errno.h>
#include <arpa/inet.h>
#include "test_util.h"
#include "series/flow_table.h"
#include "series/interval.h"

static __u64 rng;

static __u64 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static struct ds_flow_rec make_rec(__u32 net24, __u8 host, __u16 dport, __u8 proto, __u8 flags)
{
	return (struct ds_flow_rec){
		.saddr = htonl(net24 << 8 | host),
		.dport = dport,
		.proto = proto,
		.flags = flags,
	};
}

/* n records over about `keys` keys (a few ports, many /24s), random hosts
 * and flags: SYN, SYN+MIRAI, MIRAI alone (not counted: count_flow counts
 * Mirai only among SYNs), undefined bits (ignored). */
static struct ds_flow_rec *random_recs(size_t n, __u32 keys)
{
	static const __u16 ports[] = { 23, 80, 443, 2323, 37215 };
	struct ds_flow_rec *r = calloc(n ? n : 1, sizeof(*r));
	size_t i;

	assert_non_null(r);
	for (i = 0; i < n; i++) {
		__u64 x = rnd(), k = (x >> 8) % keys;

		r[i] = make_rec(k / 5 * 2654435761U & 0xffffff, (__u8)x, ports[k % 5],
				(k / 3) % DS_PROTO_MAX, (x >> 40) & 0x87);
	}
	return r;
}

static __u64 key_u64(const struct ds_flow_key *k)
{
	__u64 v;

	memcpy(&v, k, sizeof(v));
	return v;
}

static struct ds_flow_key rec_key(const struct ds_flow_rec *r)
{
	return (struct ds_flow_key){
		.src_net = r->saddr & htonl(0xffffff00),
		.dport = r->dport,
		.proto = r->proto,
		.klass = DS_CLASS_PROBE,
	};
}

static int cmp_u64(__u64 a, __u64 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_row(const void *a, const void *b)
{
	return cmp_u64(key_u64(&((const struct flow_row *)a)->key),
		       key_u64(&((const struct flow_row *)b)->key));
}

/* The reference: rows sorted by key, and what found no room. */
struct ref {
	struct flow_row *rows;
	size_t n, cap;
	__u64 no_room;
	__u32 max_keys;
};

struct ref_pos {
	__u64 key;
	size_t idx;  /* of the record */
};

/* One key: where its records start in the sorted positions, and its first
 * record. */
struct ref_group {
	size_t start, first;
};

static int cmp_pos(const void *a, const void *b)
{
	const struct ref_pos *x = a, *y = b;

	return x->key != y->key ? cmp_u64(x->key, y->key) : cmp_u64(x->idx, y->idx);
}

static int cmp_first(const void *a, const void *b)
{
	return cmp_u64(((const struct ref_group *)a)->first, ((const struct ref_group *)b)->first);
}

static void ref_count(struct ds_flow_value *v, const struct ds_flow_rec *r)
{
	__u8 h = ntohl(r->saddr) & 0xff;

	v->packets++;
	v->src_hosts[h / 64] |= 1ULL << (h % 64);
	if (r->flags & DS_REC_SYN)
		v->syn++;
	if ((r->flags & DS_REC_SYN) && (r->flags & DS_REC_MIRAI)) {
		v->mirai++;
		v->mirai_hosts[h / 64] |= 1ULL << (h % 64);
	}
}

/* Records in order into an empty reference: the first max_keys distinct
 * keys (by first appearance) are held, every record of another key found no
 * room.  By sorting, no hashing. */
static void ref_build(struct ref *ref, __u32 max_keys, const struct ds_flow_rec *recs, size_t n)
{
	struct ref_pos *pos = calloc(n ? n : 1, sizeof(*pos));
	struct ref_group *first = calloc(n ? n : 1, sizeof(*first));
	size_t i, j, n_first = 0;

	assert_true(pos && first);
	memset(ref, 0, sizeof(*ref));
	ref->max_keys = max_keys;
	for (i = 0; i < n; i++) {
		struct ds_flow_key k = rec_key(&recs[i]);

		pos[i] = (struct ref_pos){ .key = key_u64(&k), .idx = i };
	}
	qsort(pos, n, sizeof(*pos), cmp_pos);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && pos[j].key == pos[i].key; j++)
			;
		first[n_first++] = (struct ref_group){ .start = i, .first = pos[i].idx };
	}
	qsort(first, n_first, sizeof(*first), cmp_first);
	ref->cap = n_first ? n_first : 1;
	ref->rows = calloc(ref->cap, sizeof(*ref->rows));
	assert_non_null(ref->rows);
	for (i = 0; i < n_first; i++) {
		size_t g = first[i].start;

		for (j = g; j < n && pos[j].key == pos[g].key; j++) {
			if (i >= max_keys) {
				ref->no_room++;
				continue;
			}
			ref->rows[ref->n].key = rec_key(&recs[pos[j].idx]);
			ref_count(&ref->rows[ref->n].val, &recs[pos[j].idx]);
		}
		if (i < max_keys)
			ref->n++;
	}
	qsort(ref->rows, ref->n, sizeof(*ref->rows), cmp_row);
	free(pos);
	free(first);
}

/* A merge into the reference (kept sorted). */
static void ref_merge(struct ref *ref, const struct flow_row *m, __u64 *no_room_packets)
{
	struct flow_row *row = bsearch(m, ref->rows, ref->n, sizeof(*m), cmp_row);

	if (row) {
		flow_value_merge(&row->val, &m->val);
		return;
	}
	if (ref->n >= ref->max_keys) {
		*no_room_packets += m->val.packets;
		return;
	}
	if (ref->n == ref->cap) {
		ref->cap *= 2;
		ref->rows = realloc(ref->rows, ref->cap * sizeof(*ref->rows));
		assert_non_null(ref->rows);
	}
	ref->rows[ref->n++] = *m;
	qsort(ref->rows, ref->n, sizeof(*ref->rows), cmp_row);
}

/* out's rows from first on, sorted, equal the reference's. */
static void assert_rows(struct interval_data *out, size_t first, const struct ref *ref)
{
	size_t i;

	assert_int_equal(out->n_flows - first, ref->n);
	qsort(out->flows + first, out->n_flows - first, sizeof(*out->flows), cmp_row);
	for (i = 0; i < ref->n; i++)
		if (memcmp(&out->flows[first + i], &ref->rows[i], sizeof(ref->rows[i])))
			fail_msg("row %zu (key %#llx) differs from the reference", i,
				 (unsigned long long)key_u64(&ref->rows[i].key));
}

/* recs in chunks of many sizes around the table's block of 32. */
static void add_in_chunks(struct flow_table *t, const struct ds_flow_rec *recs, size_t n,
			  __u64 *no_room)
{
	static const size_t sizes[] = { 1, 7, 31, 32, 33, 64, 1000, 4096 };
	size_t done = 0, k = 0;

	while (done < n) {
		size_t c = sizes[k++ % (sizeof(sizes) / sizeof(sizes[0]))];

		if (c > n - done)
			c = n - done;
		flow_table__add_records(t, recs + done, c, no_room);
		done += c;
	}
}

static void check_interval(struct flow_table *t, struct interval_data *out, __u32 max_keys,
			   const struct ds_flow_rec *recs, size_t n)
{
	size_t first = out->n_flows;
	__u64 no_room = 0;
	struct ref ref;

	ref_build(&ref, max_keys, recs, n);
	add_in_chunks(t, recs, n, &no_room);
	flow_table__flush(t, &no_room);
	assert_int_equal(flow_table__count(t), ref.n);
	assert_int_equal(no_room, ref.no_room);
	assert_int_equal(flow_table__take(t, out), 0);
	assert_int_equal(flow_table__count(t), 0);
	assert_rows(out, first, &ref);
	free(ref.rows);
}

static void test_flow_table_random_matches_reference(void **state)
{
	struct flow_table *t = flow_table__new(DS_DEFAULT_MAX_KEYS, 42);
	struct interval_data out = { 0 };
	struct ds_flow_rec *recs;

	/* 20000 keys: the slots grow from 1024 several times on the way. */
	rng = 1;
	recs = random_recs(300000, 20000);
	assert_non_null(t);
	check_interval(t, &out, DS_DEFAULT_MAX_KEYS, recs, 300000);
	assert_true(out.n_flows > 19000);
	free(recs);
	free(out.flows);
	flow_table__free(t);
}

/* The daemon's table: all memory taken and faulted in up front, then the
 * same exact counts over two intervals; a table holding keys refuses. */
static void test_flow_table_reserved_matches_reference(void **state)
{
	struct flow_table *t = flow_table__new(30000, 43);
	struct interval_data out = { 0 };
	struct ds_flow_rec *recs;
	__u64 no_room = 0;

	rng = 2;
	recs = random_recs(200000, 20000);
	assert_non_null(t);
	assert_int_equal(flow_table__reserve_all(t), 0);
	assert_int_equal(flow_table__reserve_take(t, &out), 0);
	assert_true(out.cap_flows >= 30000);
	check_interval(t, &out, 30000, recs, 200000);
	out.n_flows = 0;
	check_interval(t, &out, 30000, recs + 100000, 100000);
	flow_table__add_records(t, recs, 1, &no_room);
	assert_int_equal(flow_table__reserve_all(t), -EBUSY);
	assert_int_equal(no_room, 0);
	free(recs);
	free(out.flows);
	flow_table__free(t);
}

/*
 * Past 2^16 live keys records are staged and added sorted by slot
 * (flow_table.c, "Staging"): the same exact counts, over stage flushes in
 * add_records() (1.5 M records, a stage of 2^19) and at the flush; take
 * refuses while records wait.  Then a table that fills up: which keys are
 * held is decided in arrival order, as without staging (the reference).
 */
static void test_flow_table_staged_matches_reference(void **state)
{
	struct flow_table *t = flow_table__new(DS_DEFAULT_MAX_KEYS, 44);
	struct interval_data out = { 0 };
	struct ds_flow_rec *recs;
	__u64 no_room = 0;

	rng = 6;
	recs = random_recs(1500000, 200000);
	assert_non_null(t);
	flow_table__add_records(t, recs, 1000000, &no_room);
	assert_true(flow_table__count(t) >= 1U << 16);
	flow_table__add_records(t, recs, 1, &no_room);
	assert_int_equal(flow_table__take(t, &out), -EBUSY);
	flow_table__flush(t, &no_room);
	assert_int_equal(no_room, 0);
	assert_int_equal(flow_table__take(t, &out), 0);
	out.n_flows = 0;
	check_interval(t, &out, DS_DEFAULT_MAX_KEYS, recs, 1500000);
	assert_true(out.n_flows > 190000);
	out.n_flows = 0;
	check_interval(t, &out, DS_DEFAULT_MAX_KEYS, recs + 700000, 800000);
	free(recs);
	free(out.flows);
	flow_table__free(t);
}

static void test_flow_table_staged_full_table_in_arrival_order(void **state)
{
	static const __u32 limits[] = { 70000, 100000, 140000 };
	struct ds_flow_rec *recs;
	size_t i;

	rng = 7;
	recs = random_recs(1200000, 150000);
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct flow_table *t = flow_table__new(limits[i], 45 + i);
		struct interval_data out = { 0 };

		assert_non_null(t);
		if (i == 2)
			assert_int_equal(flow_table__reserve_all(t), 0);
		check_interval(t, &out, limits[i], recs, 1200000);
		assert_int_equal(out.n_flows, limits[i]);
		free(out.flows);
		flow_table__free(t);
	}
	free(recs);
}

/* A few keys, hit over and over: every host bit, every flag combination. */
static void test_flow_table_few_keys_many_records(void **state)
{
	struct flow_table *t = flow_table__new(16, 7);
	struct interval_data out = { 0 };
	struct ds_flow_rec *recs;

	rng = 2;
	recs = random_recs(100000, 3);
	check_interval(t, &out, 16, recs, 100000);
	assert_int_equal(out.n_flows, 3);
	free(recs);
	free(out.flows);
	flow_table__free(t);
}

/* count_flow()'s rules, spelled out on one key. */
static void test_flow_table_counts_like_count_flow(void **state)
{
	struct flow_table *t = flow_table__new(4, 1);
	struct ds_flow_rec recs[] = {
		make_rec(0x0a0b0c, 0, 80, DS_PROTO_TCP, 0),
		make_rec(0x0a0b0c, 63, 80, DS_PROTO_TCP, DS_REC_SYN),
		make_rec(0x0a0b0c, 64, 80, DS_PROTO_TCP, DS_REC_SYN | DS_REC_MIRAI),
		make_rec(0x0a0b0c, 255, 80, DS_PROTO_TCP, DS_REC_MIRAI), /* no SYN: no Mirai */
		make_rec(0x0a0b0c, 200, 80, DS_PROTO_TCP, DS_REC_SYN | DS_REC_MIRAI),
	};
	struct interval_data out = { 0 };
	const struct ds_flow_value *v;
	__u64 no_room = 0;

	flow_table__add_records(t, recs, 5, &no_room);
	assert_int_equal(flow_table__take(t, &out), 0);
	assert_int_equal(out.n_flows, 1);
	assert_int_equal(out.flows[0].key.src_net, htonl(0x0a0b0c00));
	assert_int_equal(out.flows[0].key.dport, 80);
	assert_int_equal(out.flows[0].key.proto, DS_PROTO_TCP);
	assert_int_equal(out.flows[0].key.klass, DS_CLASS_PROBE);
	v = &out.flows[0].val;
	assert_int_equal(v->packets, 5);
	assert_int_equal(v->syn, 3);
	assert_int_equal(v->mirai, 2);
	assert_int_equal(v->src_hosts[0], 1ULL | 1ULL << 63);
	assert_int_equal(v->src_hosts[1], 1ULL);
	assert_int_equal(v->src_hosts[2], 0);
	assert_int_equal(v->src_hosts[3], 1ULL << 63 | 1ULL << (200 - 192));
	assert_int_equal(v->mirai_hosts[0], 0);
	assert_int_equal(v->mirai_hosts[1], 1ULL);
	assert_int_equal(v->mirai_hosts[3], 1ULL << (200 - 192));
	assert_int_equal(no_room, 0);
	free(out.flows);
	flow_table__free(t);
}

/* Full at max_keys: the first max_keys keys stay exact, every record of a
 * later key is counted once in no_room. */
static void test_flow_table_max_keys(void **state)
{
	static const __u32 limits[] = { 1, 1000, 4999 };
	struct ds_flow_rec *recs;
	size_t i;

	rng = 3;
	recs = random_recs(60000, 5000);
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct flow_table *t = flow_table__new(limits[i], 99);
		struct interval_data out = { 0 };

		check_interval(t, &out, limits[i], recs, 60000);
		assert_int_equal(out.n_flows, limits[i]);
		free(out.flows);
		flow_table__free(t);
	}
	free(recs);
}

/* Records, then aggregated values merged in (the fallback map's): known
 * and new keys, other classes, and new keys beyond max_keys. */
static void test_flow_table_merge(void **state)
{
	const __u32 max_keys = 3000;
	struct flow_table *t = flow_table__new(max_keys, 5);
	struct interval_data out = { 0 };
	__u64 no_room = 0, no_room_pk = 0, ref_no_room_pk = 0;
	struct ds_flow_rec *recs;
	struct ref ref;
	int i, w;

	rng = 4;
	recs = random_recs(20000, 2500);
	ref_build(&ref, max_keys, recs, 20000);
	flow_table__add_records(t, recs, 20000, &no_room);
	assert_int_equal(no_room, ref.no_room);
	for (i = 0; i < 2000; i++) {
		struct flow_row m = { 0 };
		__u64 x = rnd();

		/* Half on keys the records made, half new (some of another klass). */
		if (i % 2)
			m.key = ref.rows[x % ref.n].key;
		else
			m.key = (struct ds_flow_key){ .src_net = htonl((__u32)x << 8), .dport = x >> 32,
						      .proto = (x >> 48) % DS_PROTO_MAX,
						      .klass = (x >> 56) % 2 };
		m.val.packets = 1 + x % 9;
		m.val.syn = x % 5;
		m.val.mirai = x % 3;
		for (w = 0; w < DS_HOST_WORDS; w++) {
			m.val.src_hosts[w] = rnd();
			m.val.mirai_hosts[w] = rnd() & rnd();
		}
		ref_merge(&ref, &m, &ref_no_room_pk);
		flow_table__merge(t, &m.key, &m.val, &no_room_pk);
	}
	assert_true(ref_no_room_pk > 0); /* the limit was reached */
	assert_int_equal(no_room_pk, ref_no_room_pk);
	assert_int_equal(flow_table__count(t), max_keys);
	assert_int_equal(flow_table__take(t, &out), 0);
	assert_rows(&out, 0, &ref);
	free(ref.rows);
	free(recs);
	free(out.flows);
	flow_table__free(t);
}

/* Intervals one after the other: each take holds that interval only, into
 * an emptied out (buffers swap) and into one that holds rows (copied). */
static void test_flow_table_take_and_reuse(void **state)
{
	struct flow_table *t = flow_table__new(50000, 11);
	struct interval_data out = { 0 };
	int round;

	for (round = 0; round < 6; round++) {
		size_t n = 5000 + round * 20000;
		struct ds_flow_rec *recs;

		rng = 100 + round;
		recs = random_recs(n, 1000 + round * 9000);
		if (round % 3 != 2)
			out.n_flows = 0; /* what the daemon does each interval */
		check_interval(t, &out, 50000, recs, n);
		free(recs);
	}
	free(out.flows);
	flow_table__free(t);
}

/* The seed picks the slots, never the result. */
static void test_flow_table_seeds_agree(void **state)
{
	static const __u64 seeds[] = { 0, 1, 0xdeadbeefcafef00dULL, ~0ULL };
	struct interval_data first = { 0 };
	__u64 first_no_room = 0;
	struct ds_flow_rec *recs;
	size_t i;

	rng = 5;
	recs = random_recs(50000, 8000);
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		struct flow_table *t = flow_table__new(6000, seeds[i]);
		struct interval_data out = { 0 };
		__u64 no_room = 0;

		flow_table__add_records(t, recs, 50000, &no_room);
		assert_int_equal(flow_table__take(t, &out), 0);
		qsort(out.flows, out.n_flows, sizeof(*out.flows), cmp_row);
		if (!i) {
			first = out;
			first_no_room = no_room;
			flow_table__free(t);
			continue;
		}
		assert_int_equal(no_room, first_no_room);
		assert_int_equal(out.n_flows, first.n_flows);
		assert_memory_equal(out.flows, first.flows, out.n_flows * sizeof(*out.flows));
		free(out.flows);
		flow_table__free(t);
	}
	free(first.flows);
	free(recs);
}

static void test_flow_table_edges(void **state)
{
	struct flow_table *t = flow_table__new(1, 3);
	struct ds_flow_rec recs[] = {
		make_rec(1, 1, 22, DS_PROTO_TCP, DS_REC_SYN),
		make_rec(2, 1, 22, DS_PROTO_TCP, DS_REC_SYN),
		make_rec(1, 2, 22, DS_PROTO_TCP, 0),
		make_rec(1, 2, 22, DS_PROTO_UDP, 0),
	};
	struct interval_data out = { 0 };
	__u64 no_room = 0;

	errno = 0;
	assert_null(flow_table__new(0, 1));
	assert_int_equal(errno, EINVAL);
	/* No records: nothing to take. */
	flow_table__add_records(t, recs, 0, &no_room);
	assert_int_equal(flow_table__take(t, &out), 0);
	assert_int_equal(out.n_flows, 0);
	assert_int_equal(no_room, 0);
	/* One key held, the two others found no room. */
	flow_table__add_records(t, recs, 4, &no_room);
	assert_int_equal(flow_table__count(t), 1);
	assert_int_equal(no_room, 2);
	assert_int_equal(flow_table__take(t, &out), 0);
	assert_int_equal(out.n_flows, 1);
	assert_int_equal(out.flows[0].val.packets, 2);
	assert_int_equal(out.flows[0].val.syn, 1);
	assert_int_equal(out.flows[0].val.src_hosts[0], 6);
	free(out.flows);
	flow_table__free(t);
	flow_table__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_table_random_matches_reference),
		cmocka_unit_test(test_flow_table_few_keys_many_records),
		cmocka_unit_test(test_flow_table_counts_like_count_flow),
		cmocka_unit_test(test_flow_table_max_keys),
		cmocka_unit_test(test_flow_table_merge),
		cmocka_unit_test(test_flow_table_take_and_reuse),
		cmocka_unit_test(test_flow_table_seeds_agree),
		cmocka_unit_test(test_flow_table_edges),
		cmocka_unit_test(test_flow_table_reserved_matches_reference),
		cmocka_unit_test(test_flow_table_staged_matches_reference),
		cmocka_unit_test(test_flow_table_staged_full_table_in_arrival_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
