// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * flow_table.c - open addressing over the interval's flow keys, fed by the
 * fast path's log records in prefetched blocks (see flow_table.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "series/flow_table.h"

/* Records hashed and prefetched together: enough misses in flight to hide
 * memory latency, few enough for the CPU's miss buffers. */
#define BLOCK 16

/* Slots come in groups of four, one cache line: a lookup loads its group
 * and compares the four keys at once (no branch per slot).  The smallest
 * table has 1024 slots (16 KB); the slots grow (x2) when a new key would
 * make them more than half full. */
#define GROUP 4
#define MIN_SLOTS 1024U
#define MIN_ROWS 1024U

/* Buffers from this size on are worth transparent huge pages: at 10^6
 * keys, a TLB miss per access would be as dear as the cache miss. */
#define HUGE_FROM (2UL << 20)

#define NO_ROW ((__u32)-1)

/* Slot j of a group is live when gen[j] is the table's: taking the table
 * bumps the generation instead of clearing the slots.  A key is in the
 * first group of its probe sequence (from its hash, then the next groups)
 * that is not full, or in an earlier one: there are no deletions. */
struct group {
	__u64 key[GROUP];  /* struct ds_flow_key's bytes */
	__u32 gen[GROUP];
	__u32 row[GROUP];  /* index into rows */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct group) == 64, "a group is a cache line");

struct flow_table {
	struct group *groups;
	__u64 gmask;         /* n_groups - 1 */
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

/* Two rounds of wyhash's folded multiply, keyed by the seed: every key bit
 * reaches the low bits (the slot index) through a product with a secret.
 * Not a cryptographic PRF, the kind of seeded hash tables use against chosen
 * keys (wyhash, aHash): without the seed a sender cannot tell which keys
 * share a group. */
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
	uintptr_t start = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t end = ((uintptr_t)p + len) & ~(uintptr_t)4095;

	/* Only a hint: without THP (or on a small buffer) nothing changes. */
	if (len >= HUGE_FROM && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
}

/* Zeroed groups, straight from mmap (page-aligned; untouched pages cost
 * nothing). */
static struct group *groups_alloc(size_t n_slots)
{
	size_t len = n_slots / GROUP * sizeof(struct group);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	advise_huge(p, len);
	return p;
}

static void groups_free(struct group *g, size_t n_slots)
{
	if (g)
		munmap(g, n_slots / GROUP * sizeof(struct group));
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
	t->gmask = t->n_slots / GROUP - 1;
	t->groups = groups_alloc(t->n_slots);
	if (!t->groups) {
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
	groups_free(t->groups, t->n_slots);
	free(t->rows);
	free(t);
}

__u32 flow_table__count(const struct flow_table *t)
{
	return t->count;
}

#ifdef __SSE2__
/* Live slots of a group, as bits 0..3. */
static inline unsigned int live_mask(const struct group *g, __u32 gen)
{
	__m128i eq = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)g->gen), _mm_set1_epi32(gen));

	return _mm_movemask_ps(_mm_castsi128_ps(eq));
}

/* Two 64-bit lanes equal to q, as bits 0..1 (SSE2 compares 32 bits). */
static inline unsigned int eq64_mask(const __u64 *p, __m128i q)
{
	__m128i eq = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)p), q);

	eq = _mm_and_si128(eq, _mm_shuffle_epi32(eq, _MM_SHUFFLE(2, 3, 0, 1)));
	return _mm_movemask_pd(_mm_castsi128_pd(eq));
}

/* Slots of a group that hold key, as bits 0..3 (live or not). */
static inline unsigned int key_mask(const struct group *g, __u64 key)
{
	__m128i q = _mm_set1_epi64x(key);

	return eq64_mask(&g->key[0], q) | eq64_mask(&g->key[2], q) << 2;
}
#else
static inline unsigned int live_mask(const struct group *g, __u32 gen)
{
	return (g->gen[0] == gen) | (g->gen[1] == gen) << 1 | (g->gen[2] == gen) << 2 |
	       (g->gen[3] == gen) << 3;
}

static inline unsigned int key_mask(const struct group *g, __u64 key)
{
	return (g->key[0] == key) | (g->key[1] == key) << 1 | (g->key[2] == key) << 2 |
	       (g->key[3] == key) << 3;
}
#endif

/* Puts key (hash h, not in groups) in the first free slot of its probe
 * sequence. */
static void place(struct group *groups, __u64 gmask, __u32 gen, __u64 key, __u64 h, __u32 row)
{
	__u64 g = h & gmask;
	unsigned int live;
	int j;

	while ((live = live_mask(&groups[g], gen)) == (1U << GROUP) - 1)
		g = (g + 1) & gmask;
	j = __builtin_ctz(~live);
	groups[g].key[j] = key;
	groups[g].gen[j] = gen;
	groups[g].row[j] = row;
}

/* Places every row held in groups for twice the slots. */
static int grow_slots(struct flow_table *t)
{
	size_t n = t->n_slots * 2;
	struct group *g = groups_alloc(n);
	__u64 gmask = n / GROUP - 1;
	__u32 r;

	if (!g)
		return -ENOMEM;
	for (r = 0; r < t->count; r++) {
		__u64 key;

		memcpy(&key, &t->rows[r].key, sizeof(key));
		place(g, gmask, 1, key, hash_key(t, key), r);
	}
	groups_free(t->groups, t->n_slots);
	t->groups = g;
	t->n_slots = n;
	t->gmask = gmask;
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

/* Inserts key (hash h, known to be absent) zeroed; its row, or NO_ROW when
 * it finds no room.  Out of line: the hot loop is the lookup. */
static __attribute__((noinline)) __u32 insert(struct flow_table *t, __u64 key, __u64 h)
{
	struct flow_row *row;

	if (!make_room(t))
		return NO_ROW;
	/* make_room() may have grown the groups: place from the start. */
	place(t->groups, t->gmask, t->gen, key, h, t->count);
	row = &t->rows[t->count];
	memset(row, 0, sizeof(*row));
	memcpy(&row->key, &key, sizeof(key));
	return t->count++;
}

/* The row of key (hash h), inserted zeroed if new; NO_ROW if it is new and
 * finds no room. */
static inline __u32 find_or_insert(struct flow_table *t, __u64 key, __u64 h)
{
	const struct group *groups = t->groups;
	__u64 gmask = t->gmask, g;
	__u32 gen = t->gen;

	for (g = h & gmask;; g = (g + 1) & gmask) {
		unsigned int live = live_mask(&groups[g], gen);
		unsigned int hit = key_mask(&groups[g], key) & live;

		if (hit)
			return groups[g].row[__builtin_ctz(hit)];
		if (live != (1U << GROUP) - 1)
			return insert(t, key, h);
	}
}

/* One frame into its key's value, as count_flow() counts it; without
 * branches, since SYN and Mirai flags come in no predictable order. */
static inline void count_rec(struct ds_flow_value *v, const struct ds_flow_rec *r)
{
	/* The last octet of a network-order address is its highest byte. */
	__u8 host = ((const __u8 *)&r->saddr)[3];
	__u64 syn = r->flags & DS_REC_SYN, bit = 1ULL << (host & 63);
	__u64 mirai = syn & (r->flags >> 1);
	unsigned int w = (host >> 6) & (DS_HOST_WORDS - 1);

	_Static_assert(DS_REC_SYN == 1 && DS_REC_MIRAI == 2, "flags shifted to 0/1 above");
	v->packets++;
	v->src_hosts[w] |= bit;
	v->syn += syn;
	v->mirai += mirai;
	v->mirai_hosts[w] |= bit & -mirai;
}

/* One block of records on its way through the pipeline. */
struct block {
	const struct ds_flow_rec *recs;
	size_t n;
	__u64 key[BLOCK], hash[BLOCK];
	__u32 row[BLOCK];
};

/* Stage 1: keys and hashes; their slots start loading. */
static inline void hash_block(const struct flow_table *t, struct block *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		__u64 raw;

		memcpy(&raw, &b->recs[i], sizeof(raw));
		b->key[i] = raw & t->rec_key_mask;
		b->hash[i] = hash_key(t, b->key[i]);
		__builtin_prefetch(&t->groups[b->hash[i] & t->gmask], 0, 3);
	}
}

/* Stage 2: the slots (loaded by now) give the rows, which start loading. */
static inline void find_block(struct flow_table *t, struct block *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		const char *row;

		b->row[i] = find_or_insert(t, b->key[i], b->hash[i]);
		if (b->row[i] == NO_ROW)
			continue;
		/* A row is 96 bytes: its counts and bitmaps span two lines. */
		row = (const char *)&t->rows[b->row[i]];
		__builtin_prefetch(row + offsetof(struct flow_row, val.packets), 1, 3);
		__builtin_prefetch(row + offsetof(struct flow_row, val.mirai_hosts), 1, 3);
	}
}

/* Stage 3: the rows (loaded by now) count their frames. */
static inline void count_block(struct flow_table *t, const struct block *b, __u64 *no_room)
{
	struct flow_row *rows = t->rows;
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (b->row[i] == NO_ROW)
			(*no_room)++;
		else
			count_rec(&rows[b->row[i]].val, &b->recs[i]);
	}
}

/*
 * Three blocks in flight: while block k is counted, block k + 1 finds its
 * rows and block k + 2 hashes, so each prefetch has a block's work to land.
 * Stage 2 runs in record order, so a key new in the batch is inserted once
 * and the records after it find it.
 */
void flow_table__add_records(struct flow_table *t, const struct ds_flow_rec *recs, size_t n,
			     __u64 *no_room)
{
	size_t nb = (n + BLOCK - 1) / BLOCK, k;
	struct block b[3];

	for (k = 0; k < nb + 2; k++) {
		if (k < nb) {
			struct block *h = &b[k % 3];

			h->recs = recs + k * BLOCK;
			h->n = n - k * BLOCK < BLOCK ? n - k * BLOCK : BLOCK;
			hash_block(t, h);
		}
		if (k >= 1 && k - 1 < nb)
			find_block(t, &b[(k - 1) % 3]);
		if (k >= 2)
			count_block(t, &b[(k - 2) % 3], no_room);
	}
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
		memset(t->groups, 0, t->n_slots / GROUP * sizeof(*t->groups));
		t->gen = 1;
	}
	return 0;
}
