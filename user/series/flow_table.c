// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * flow_table.c - open addressing over the interval's flow keys, fed by the
 * fast path's log records in prefetched blocks (see flow_table.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>

#include "series/flow_table.h"

/* Records hashed and prefetched together: enough misses in flight to hide
 * memory latency, few enough that the first slot has arrived when probed. */
#define BLOCK 32

/* Smallest slot array (16 KB), and its largest load: the slots grow (x2)
 * when a new key would make them more than half full. */
#define MIN_SLOTS 1024U
#define MIN_ROWS 1024U

/* Buffers from this size on are worth transparent huge pages: at 10^6
 * keys, a TLB miss per access would be as dear as the cache miss. */
#define HUGE_FROM (2UL << 20)

#define NO_ROW ((__u32)-1)

/* A slot is live when its gen is the table's: taking the table bumps the
 * generation instead of clearing the slots. */
struct slot {
	__u64 key;  /* struct ds_flow_key's bytes */
	__u32 gen;
	__u32 row;  /* index into rows */
};
_Static_assert(sizeof(struct slot) == 16, "four slots to a cache line");

struct flow_table {
	struct slot *slots;
	__u64 mask;          /* n_slots - 1 */
	size_t n_slots, max_slots;
	__u32 gen;
	__u32 count;         /* keys held: rows[0 .. count) */
	__u32 max_keys;
	struct flow_row *rows;
	size_t cap_rows;
	__u64 k0, k1;        /* hash keys, from the seed */
	__u64 rec_key_mask;  /* a record's bytes & this = its key's bytes */
};

/* The record's bytes that are the key's: the /24 of saddr, dport and proto
 * sit where src_net, dport and proto do; the host octet and the flags are
 * cleared, which leaves klass = DS_CLASS_PROBE. */
_Static_assert(offsetof(struct ds_flow_rec, saddr) == offsetof(struct ds_flow_key, src_net) &&
	       offsetof(struct ds_flow_rec, dport) == offsetof(struct ds_flow_key, dport) &&
	       offsetof(struct ds_flow_rec, proto) == offsetof(struct ds_flow_key, proto) &&
	       offsetof(struct ds_flow_rec, flags) == offsetof(struct ds_flow_key, klass) &&
	       DS_CLASS_PROBE == 0, "a record masked is its key");

static __u64 rec_key_mask(void)
{
	struct ds_flow_rec m = {
		.saddr = htonl(0xffffff00),
		.dport = 0xffff,
		.proto = 0xff,
		.flags = 0,
	};
	__u64 v;

	memcpy(&v, &m, sizeof(v));
	return v;
}

static inline __u64 mum(__u64 a, __u64 b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (__u64)r ^ (__u64)(r >> 64);
}

/* Two rounds of wyhash's multiply-fold, keyed: every key bit reaches the
 * low bits (the slot index) through a product with a secret. */
static inline __u64 hash_key(const struct flow_table *t, __u64 key)
{
	return mum(mum(key ^ t->k0, t->k1), t->k0 ^ 0xe7037ed1a0b428dbULL);
}

static __u64 splitmix64(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void advise_huge(void *p, size_t len)
{
	__u64 start = ((__u64)p + 4095) & ~4095ULL, end = ((__u64)p + len) & ~4095ULL;

	/* Only a hint: without THP (or on a small buffer) nothing changes. */
	if (len >= HUGE_FROM && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
}

/* Zeroed slots, straight from mmap (untouched pages cost nothing). */
static struct slot *slots_alloc(size_t n)
{
	void *p = mmap(NULL, n * sizeof(struct slot), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	advise_huge(p, n * sizeof(struct slot));
	return p;
}

static void slots_free(struct slot *s, size_t n)
{
	if (s)
		munmap(s, n * sizeof(struct slot));
}

struct flow_table *flow_table__new(__u32 max_keys, __u64 seed)
{
	struct flow_table *t;

	if (!max_keys || max_keys > DS_MAX_MAX_KEYS) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->max_keys = max_keys;
	t->max_slots = MIN_SLOTS;
	while (t->max_slots < 2 * (size_t)max_keys)
		t->max_slots *= 2;
	t->n_slots = MIN_SLOTS;
	t->mask = t->n_slots - 1;
	t->slots = slots_alloc(t->n_slots);
	if (!t->slots) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->gen = 1;
	t->k0 = splitmix64(&seed);
	t->k1 = splitmix64(&seed) | 1;
	t->rec_key_mask = rec_key_mask();
	return t;
}

void flow_table__free(struct flow_table *t)
{
	if (!t)
		return;
	slots_free(t->slots, t->n_slots);
	free(t->rows);
	free(t);
}

__u32 flow_table__count(const struct flow_table *t)
{
	return t->count;
}

/* Places every row held in a slot array twice the size. */
static int grow_slots(struct flow_table *t)
{
	size_t n = t->n_slots * 2;
	struct slot *s = slots_alloc(n);
	__u64 mask = n - 1;
	__u32 r;

	if (!s)
		return -ENOMEM;
	for (r = 0; r < t->count; r++) {
		__u64 key, i;

		memcpy(&key, &t->rows[r].key, sizeof(key));
		for (i = hash_key(t, key) & mask; s[i].gen; i = (i + 1) & mask)
			;
		s[i] = (struct slot){ .key = key, .gen = 1, .row = r };
	}
	slots_free(t->slots, t->n_slots);
	t->slots = s;
	t->n_slots = n;
	t->mask = mask;
	t->gen = 1;
	return 0;
}

static int grow_rows(struct flow_table *t)
{
	size_t cap = t->cap_rows ? t->cap_rows * 2 : MIN_ROWS;
	struct flow_row *rows;

	if (cap > t->max_keys)
		cap = t->max_keys;
	rows = realloc(t->rows, cap * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	advise_huge(rows, cap * sizeof(*rows));
	t->rows = rows;
	t->cap_rows = cap;
	return 0;
}

/* Room for one more key: the slots stay at most half full. */
static bool make_room(struct flow_table *t)
{
	if (t->count >= t->max_keys)
		return false;
	if (2 * ((size_t)t->count + 1) > t->n_slots && t->n_slots < t->max_slots &&
	    grow_slots(t))
		return false;
	return t->count < t->cap_rows || !grow_rows(t);
}

/* The row of key (hash h), inserted zeroed if new; NO_ROW if it is new and
 * finds no room. */
static __u32 find_or_insert(struct flow_table *t, __u64 key, __u64 h)
{
	struct slot *s;
	size_t n_slots;
	__u64 i;

	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		s = &t->slots[i];
		if (s->gen != t->gen)
			break;
		if (s->key == key)
			return s->row;
	}
	n_slots = t->n_slots;
	if (!make_room(t))
		return NO_ROW;
	if (t->n_slots != n_slots) {
		/* The slots grew: the key's empty slot is in the new array. */
		for (i = h & t->mask; t->slots[i].gen == t->gen; i = (i + 1) & t->mask)
			;
		s = &t->slots[i];
	}
	*s = (struct slot){ .key = key, .gen = t->gen, .row = t->count };
	memset(&t->rows[t->count], 0, sizeof(t->rows[t->count]));
	memcpy(&t->rows[t->count].key, &key, sizeof(key));
	return t->count++;
}

static inline void set_host_bit(__u64 *bitmap, __u8 host)
{
	bitmap[(host >> 6) & (DS_HOST_WORDS - 1)] |= 1ULL << (host & 63);
}

/* One frame into its key's value, as count_flow() counts it. */
static inline void count_rec(struct ds_flow_value *v, const struct ds_flow_rec *r)
{
	/* The last octet of a network-order address is its highest byte. */
	__u8 host = ((const __u8 *)&r->saddr)[3];

	v->packets++;
	set_host_bit(v->src_hosts, host);
	if (r->flags & DS_REC_SYN) {
		v->syn++;
		if (r->flags & DS_REC_MIRAI) {
			v->mirai++;
			set_host_bit(v->mirai_hosts, host);
		}
	}
}

static void add_block(struct flow_table *t, const struct ds_flow_rec *recs, size_t n,
		      __u64 *no_room)
{
	__u64 keys[BLOCK], hashes[BLOCK];
	__u32 rows[BLOCK];
	size_t i;

	for (i = 0; i < n; i++) {
		__u64 raw;

		memcpy(&raw, &recs[i], sizeof(raw));
		keys[i] = raw & t->rec_key_mask;
		hashes[i] = hash_key(t, keys[i]);
		__builtin_prefetch(&t->slots[hashes[i] & t->mask], 0, 3);
	}
	for (i = 0; i < n; i++) {
		const char *row;

		rows[i] = find_or_insert(t, keys[i], hashes[i]);
		if (rows[i] == NO_ROW)
			continue;
		/* A row is 96 bytes: its counts and bitmaps span two lines. */
		row = (const char *)&t->rows[rows[i]];
		__builtin_prefetch(row + offsetof(struct flow_row, val.packets), 1, 3);
		__builtin_prefetch(row + offsetof(struct flow_row, val.mirai_hosts), 1, 3);
	}
	for (i = 0; i < n; i++) {
		if (rows[i] == NO_ROW)
			(*no_room)++;
		else
			count_rec(&t->rows[rows[i]].val, &recs[i]);
	}
}

void flow_table__add_records(struct flow_table *t, const struct ds_flow_rec *recs, size_t n,
			     __u64 *no_room)
{
	size_t done;

	for (done = 0; done < n; done += BLOCK)
		add_block(t, recs + done, n - done < BLOCK ? n - done : BLOCK, no_room);
}

void flow_table__merge(struct flow_table *t, const struct ds_flow_key *k,
		       const struct ds_flow_value *v, __u64 *no_room_packets)
{
	__u64 key;
	__u32 row;

	memcpy(&key, k, sizeof(key));
	row = find_or_insert(t, key, hash_key(t, key));
	if (row == NO_ROW)
		*no_room_packets += v->packets;
	else
		flow_value_merge(&t->rows[row].val, v);
}

static int grow_flows(struct interval_data *out, size_t need)
{
	size_t cap = out->cap_flows ? out->cap_flows : 1024;
	struct flow_row *n;

	if (need <= out->cap_flows)
		return 0;
	while (cap < need)
		cap *= 2;
	n = realloc(out->flows, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	out->flows = n;
	out->cap_flows = cap;
	return 0;
}

int flow_table__take(struct flow_table *t, struct interval_data *out)
{
	if (!out->n_flows) {
		struct flow_row *rows = t->rows;
		size_t cap = t->cap_rows;

		t->rows = out->flows;
		t->cap_rows = out->cap_flows < t->max_keys ? out->cap_flows : t->max_keys;
		out->flows = rows;
		out->cap_flows = cap;
		out->n_flows = t->count;
	} else {
		if (grow_flows(out, out->n_flows + t->count))
			return -ENOMEM;
		if (t->count)
			memcpy(&out->flows[out->n_flows], t->rows, t->count * sizeof(*t->rows));
		out->n_flows += t->count;
	}
	t->count = 0;
	if (!++t->gen) {
		/* After 2^32 - 1 intervals the generations wrap: clear once. */
		memset(t->slots, 0, t->n_slots * sizeof(*t->slots));
		t->gen = 1;
	}
	return 0;
}
