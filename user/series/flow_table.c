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

#include "series/flow_table.h"
#include "util/huge_pages.h"

/* Records hashed and prefetched together: enough misses in flight to hide
 * memory latency, few enough for the CPU's miss buffers. */
#define BLOCK 16

/* The smallest table has 1024 slots (64 KB); the slots grow (x2) when a new
 * key would make them more than a quarter full: short probes, so a record
 * rarely needs a second line. */
#define SLOTS_PER_KEY 4
#define MIN_SLOTS 1024U
#define MIN_ROWS 1024U

/* From this many live keys on, records wait in the staging buffer and go
 * to the table sorted by slot (see "Staging" below): below it the slots
 * the keys use fit in the caches and a record costs a few ns as it is. */
#define STAGE_FROM_KEYS (1U << 16)
/* Staged records at most: a flush then visits each live slot for several
 * records.  16 bytes each, twice (the sort's two buffers). */
#define STAGE_MAX_RECORDS (1U << 22)
/* Radix digits of the slot index the sort orders by (its top bits): two
 * passes of 256 buckets leave runs of records within a page of slots (a
 * third pass cost more than it saved). */
#define SORT_DIGIT_BITS 8
#define SORT_BUCKETS (1U << SORT_DIGIT_BITS)
#define SLOT_DIGITS 2

/*
 * A slot is one cache line holding a key and everything a record adds to
 * but its Mirai figures, so a record costs one miss (two when its key sits
 * past the first slot of its probe): at 10^6 keys the table is in DRAM and
 * the misses, not the instructions, are the cost.  The slot is live when
 * gen is the table's: taking the table bumps the generation instead of
 * clearing the slots.  A key is in the first non-live slot of its probe
 * sequence (from its hash, then the next slots) or in an earlier one:
 * there are no deletions.
 */
struct slot {
	__u64 key;  /* struct ds_flow_key's bytes */
	__u32 gen;
	__u32 row;  /* insertion index: the key's struct cold and its row at take */
	__u64 packets;
	__u64 syn;
	__u64 src_hosts[DS_HOST_WORDS];
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct slot) == 64, "a slot is a cache line");

/* What only Mirai SYNs add to, apart: most records never touch it. */
struct cold {
	__u64 mirai;
	__u64 mirai_hosts[DS_HOST_WORDS];
};

/* A record waiting for the table, with its key's hash (the sort's key). */
struct staged {
	__u64 raw;   /* the record's bytes */
	__u32 hash;  /* its key's hash, the low bits (slot indexes have <= 28) */
	__u32 idx;   /* its place in arrival order */
};
_Static_assert(SLOTS_PER_KEY * (__u64)DS_MAX_MAX_KEYS <= 1ULL << 32,
	       "a slot index fits a staged record's hash");

struct flow_table {
	struct slot *slots;
	__u64 mask;          /* n_slots - 1 */
	size_t n_slots, max_slots;
	__u32 gen;
	__u32 count;         /* keys held: cold[0 .. count) */
	__u32 max_keys;
	struct cold *cold;
	size_t cap_rows;
	__u64 k0, k1;        /* hash keys, from the seed */
	__u64 rec_key_mask;  /* a record's bytes & this = its key's bytes */
	struct staged *stage, *stage_tmp; /* records waiting, in arrival order; the sort's */
	size_t n_staged, cap_staged;
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

static size_t stage_records(__u32 max_keys);
static int stage_alloc(struct flow_table *t);
static void stage_free(struct flow_table *t);

static inline __u64 mum(__u64 a, __u64 b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (__u64)r ^ (__u64)(r >> 64);
}

/* Two rounds of wyhash's folded multiply, keyed by the seed: every key bit
 * reaches the low bits (the slot index) through a product with a secret.
 * Not a cryptographic PRF, the kind of seeded hash tables use against chosen
 * keys (wyhash, aHash): without the seed a sender cannot tell which keys
 * share a slot. */
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

/* Faults every page of [p, p + len) in now (zeroed where fresh), so
 * that no page fault is paid later, while records wait in the log: on a
 * VM a huge page's first touch took longer than the records it held.
 * -ENOMEM when the memory is not there (not an OOM kill later). */
static int prefault(void *p, size_t len)
{
	volatile char *c = p;
	size_t i;

#ifdef MADV_POPULATE_WRITE
	if (!madvise((void *)((uintptr_t)p & ~(uintptr_t)4095),
		     len + ((uintptr_t)p & 4095), MADV_POPULATE_WRITE))
		return 0;
	if (errno != EINVAL)
		return -ENOMEM;
#endif
	/* Kernels before 5.14: a write per page (the bytes stay as they are). */
	for (i = 0; i < len; i += 4096)
		c[i] = c[i];
	return 0;
}

/* Zeroed memory straight from mmap (page-aligned; untouched pages cost
 * nothing), huge pages advised. */
static void *slots_alloc_bytes(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	huge_pages_advise(p, len);
	return p;
}

static struct slot *slots_alloc(size_t n_slots)
{
	return slots_alloc_bytes(n_slots * sizeof(struct slot));
}

static void slots_free(struct slot *s, size_t n_slots)
{
	if (s)
		munmap(s, n_slots * sizeof(struct slot));
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
	while (t->max_slots < SLOTS_PER_KEY * (size_t)max_keys)
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
	stage_free(t);
	free(t->cold);
	free(t);
}

size_t flow_table__reserved_bytes(__u32 max_keys)
{
	size_t slots = MIN_SLOTS;

	while (slots < SLOTS_PER_KEY * (size_t)max_keys)
		slots *= 2;
	return slots * sizeof(struct slot) + 2 * stage_records(max_keys) * sizeof(struct staged) +
	       (size_t)max_keys * (sizeof(struct cold) + sizeof(struct flow_row));
}

int flow_table__reserve_all(struct flow_table *t)
{
	struct slot *s;
	struct cold *c;

	if (t->count)
		return -EBUSY;
	if (t->n_slots < t->max_slots) {
		s = slots_alloc(t->max_slots);
		if (!s)
			return -ENOMEM;
		slots_free(t->slots, t->n_slots);
		t->slots = s;
		t->n_slots = t->max_slots;
		t->mask = t->n_slots - 1;
	}
	if (t->cap_rows < t->max_keys) {
		c = realloc(t->cold, t->max_keys * sizeof(*c));
		if (!c)
			return -ENOMEM;
		huge_pages_advise(c, t->max_keys * sizeof(*c));
		t->cold = c;
		t->cap_rows = t->max_keys;
	}
	if (stage_records(t->max_keys) && stage_alloc(t))
		return -ENOMEM;
	return prefault(t->slots, t->n_slots * sizeof(*t->slots)) ?:
	       prefault(t->cold, t->cap_rows * sizeof(*t->cold)) ?:
	       prefault(t->stage, t->cap_staged * sizeof(*t->stage)) ?:
	       prefault(t->stage_tmp, t->cap_staged * sizeof(*t->stage_tmp));
}

__u32 flow_table__count(const struct flow_table *t)
{
	return t->count;
}

/* The first non-live slot of hash h's probe sequence. */
static struct slot *free_slot(struct slot *slots, __u64 mask, __u32 gen, __u64 h)
{
	__u64 i = h & mask;

	while (slots[i].gen == gen)
		i = (i + 1) & mask;
	return &slots[i];
}

/* Moves every key held into slots for twice as many. */
static int grow_slots(struct flow_table *t)
{
	size_t n = t->n_slots * 2, i;
	struct slot *s = slots_alloc(n);

	if (!s)
		return -ENOMEM;
	for (i = 0; i < t->n_slots; i++) {
		const struct slot *o = &t->slots[i];
		struct slot *d;

		if (o->gen != t->gen)
			continue;
		d = free_slot(s, n - 1, 1, hash_key(t, o->key));
		*d = *o;
		d->gen = 1;
	}
	slots_free(t->slots, t->n_slots);
	t->slots = s;
	t->n_slots = n;
	t->mask = n - 1;
	t->gen = 1;
	return 0;
}

static int grow_rows(struct flow_table *t)
{
	size_t cap = t->cap_rows ? t->cap_rows * 2 : MIN_ROWS;
	struct cold *c;

	if (cap > t->max_keys)
		cap = t->max_keys;
	c = realloc(t->cold, cap * sizeof(*c));
	if (!c)
		return -ENOMEM;
	huge_pages_advise(c, cap * sizeof(*c));
	t->cold = c;
	t->cap_rows = cap;
	return 0;
}

/* Room for one more key: the slots stay at most a quarter full. */
static bool make_room(struct flow_table *t)
{
	if (t->count >= t->max_keys)
		return false;
	if (SLOTS_PER_KEY * ((size_t)t->count + 1) > t->n_slots && t->n_slots < t->max_slots &&
	    grow_slots(t))
		return false;
	return t->count < t->cap_rows || !grow_rows(t);
}

/* Inserts key (hash h, known to be absent) zeroed; its slot, or NULL when
 * it finds no room.  Out of line: the hot loop is the lookup. */
static __attribute__((noinline)) struct slot *insert(struct flow_table *t, __u64 key, __u64 h)
{
	struct slot *s;

	if (!make_room(t))
		return NULL;
	/* make_room() may have grown the slots: probe from the start. */
	s = free_slot(t->slots, t->mask, t->gen, h);
	memset(s, 0, sizeof(*s));
	s->key = key;
	s->gen = t->gen;
	s->row = t->count;
	memset(&t->cold[t->count], 0, sizeof(*t->cold));
	t->count++;
	return s;
}

/* The slot of key (hash h); if it is new, inserted zeroed, or with
 * find_only NULL (as when it finds no room). */
static inline struct slot *find_or_insert(struct flow_table *t, __u64 key, __u64 h,
					  bool find_only)
{
	struct slot *slots = t->slots;
	__u64 mask = t->mask, i;
	__u32 gen = t->gen;

	for (i = h & mask;; i = (i + 1) & mask) {
		struct slot *s = &slots[i];

		if (s->gen != gen)
			return find_only ? NULL : insert(t, key, h);
		if (s->key == key)
			return s;
	}
}

/* One frame into its key's slot, as count_flow() counts it; without
 * branches, since SYN flags come in no predictable order.  Returns the
 * record's Mirai flag (0 or 1): its Mirai figures are counted apart. */
static inline __u64 count_rec(struct slot *s, const struct ds_flow_rec *r)
{
	/* The last octet of a network-order address is its highest byte. */
	__u8 host = ((const __u8 *)&r->saddr)[3];
	__u64 syn = r->flags & DS_REC_SYN;

	_Static_assert(DS_REC_SYN == 1 && DS_REC_MIRAI == 2, "flags shifted to 0/1 here");
	s->packets++;
	s->src_hosts[(host >> 6) & (DS_HOST_WORDS - 1)] |= 1ULL << (host & 63);
	s->syn += syn;
	return syn & (r->flags >> 1);
}

static inline void count_mirai(struct cold *c, const struct ds_flow_rec *r)
{
	__u8 host = ((const __u8 *)&r->saddr)[3];

	c->mirai++;
	c->mirai_hosts[(host >> 6) & (DS_HOST_WORDS - 1)] |= 1ULL << (host & 63);
}

/* One block of records on its way through the pipeline. */
struct block {
	size_t n;
	const struct staged *st;  /* the staged records, if from there */
	__u64 raw[BLOCK], key[BLOCK], hash[BLOCK];
	__u32 mirai_row[BLOCK];  /* rows whose Mirai figures stage 3 counts */
	__u32 mirai_rec[BLOCK];  /* and their records */
	size_t n_mirai;
};

/* Where a pass of the pipeline sends the records of keys not held: NULL
 * to insert them, or a list to defer them to (in the order met). */
struct deferred {
	struct staged *e;
	size_t n;
};

/* Stage 1: keys and hashes, from records or from staged records (hashed
 * already); their slots start loading. */
static inline void hash_block(const struct flow_table *t, struct block *b,
			      const struct ds_flow_rec *recs)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (recs) {
			memcpy(&b->raw[i], &recs[i], sizeof(b->raw[i]));
			b->key[i] = b->raw[i] & t->rec_key_mask;
			b->hash[i] = hash_key(t, b->key[i]);
		} else {
			b->raw[i] = b->st[i].raw;
			b->key[i] = b->st[i].raw & t->rec_key_mask;
			b->hash[i] = b->st[i].hash;
		}
		__builtin_prefetch(&t->slots[b->hash[i] & t->mask], 1, 3);
	}
}

static inline struct ds_flow_rec rec_of(__u64 raw)
{
	struct ds_flow_rec r;

	memcpy(&r, &raw, sizeof(r));
	return r;
}

/* Stage 2: the slots (loaded by now) count their frames; the Mirai SYNs'
 * cold figures start loading.  Runs in record order, so a key new in the
 * batch is inserted once and the records after it find it (or, with
 * defer, every record of a key not held is deferred). */
static inline void count_block(struct flow_table *t, struct block *b, __u64 *no_room,
			       struct deferred *defer)
{
	size_t i;

	b->n_mirai = 0;
	for (i = 0; i < b->n; i++) {
		struct slot *s = find_or_insert(t, b->key[i], b->hash[i], defer);
		struct ds_flow_rec r = rec_of(b->raw[i]);

		if (!s) {
			if (defer)
				defer->e[defer->n++] = b->st[i];
			else
				(*no_room)++;
			continue;
		}
		if (count_rec(s, &r)) {
			b->mirai_row[b->n_mirai] = s->row;
			b->mirai_rec[b->n_mirai++] = i;
			__builtin_prefetch(&t->cold[s->row], 1, 3);
		}
	}
}

/* Stage 3: the Mirai SYNs' cold figures (loaded by now). */
static inline void count_block_mirai(struct flow_table *t, const struct block *b)
{
	size_t i;

	for (i = 0; i < b->n_mirai; i++) {
		struct ds_flow_rec r = rec_of(b->raw[b->mirai_rec[i]]);

		count_mirai(&t->cold[b->mirai_row[i]], &r);
	}
}

/*
 * Three blocks in flight: while block k counts its Mirai SYNs, block k + 1
 * counts into its slots and block k + 2 hashes, so each prefetch has a
 * block's work to land.  The n records come from recs or, hashed, from st.
 */
static void add_pipelined(struct flow_table *t, const struct ds_flow_rec *recs,
			  const struct staged *st, size_t n, __u64 *no_room,
			  struct deferred *defer)
{
	size_t nb = (n + BLOCK - 1) / BLOCK, k;
	struct block b[3];

	for (k = 0; k < nb + 2; k++) {
		if (k < nb) {
			struct block *h = &b[k % 3];
			size_t off = k * BLOCK;

			h->n = n - off < BLOCK ? n - off : BLOCK;
			h->st = recs ? NULL : st + off;
			hash_block(t, h, recs ? recs + off : NULL);
		}
		if (k >= 1 && k - 1 < nb)
			count_block(t, &b[(k - 1) % 3], no_room, defer);
		if (k >= 2)
			count_block_mirai(t, &b[(k - 2) % 3]);
	}
}

/*
 * Staging.  At 10^6 live keys the slots are hundreds of MB, and a record
 * taken in arrival order costs a DRAM miss and a TLB miss however well the
 * pipeline overlaps them (the prefetches wait on a full miss queue).  So
 * from STAGE_FROM_KEYS on, records wait in a buffer with their hash; when
 * it is full (or at a flush) they are sorted by their slot's index (LSD
 * radix, two digits of its top bits) and added in that order: the table is
 * then walked upwards, each line loaded once for all its records, the
 * hardware prefetchers streaming ahead.  Counts add and host bits OR, so
 * the order changes nothing in the rows.  Only which new keys take the
 * last places of a full table depends on order: when the staged records
 * could hold more new keys than there is room for, the sorted pass adds
 * only the records of keys held and defers the others, which then go in
 * arrival order, as without staging.
 */
static size_t stage_records(__u32 max_keys)
{
	size_t n = 1;

	if (max_keys < STAGE_FROM_KEYS)
		return 0;
	while (n < 2 * (size_t)max_keys && n < STAGE_MAX_RECORDS)
		n *= 2;
	return n;
}

static void stage_free(struct flow_table *t)
{
	size_t len = t->cap_staged * sizeof(struct staged);

	if (t->stage)
		munmap(t->stage, len);
	if (t->stage_tmp)
		munmap(t->stage_tmp, len);
	t->stage = t->stage_tmp = NULL;
	t->cap_staged = 0;
}

/* The staging buffers, if not there yet.  0 or -ENOMEM (then records are
 * added as they come). */
static int stage_alloc(struct flow_table *t)
{
	size_t n = stage_records(t->max_keys), len = n * sizeof(struct staged);

	if (t->stage || !n)
		return t->stage ? 0 : -ENOMEM;
	t->stage = slots_alloc_bytes(len);
	t->stage_tmp = slots_alloc_bytes(len);
	t->cap_staged = n;
	if (!t->stage || !t->stage_tmp) {
		stage_free(t);
		return -ENOMEM;
	}
	return 0;
}

/* The digit of e sorted by in pass d: by slot (the top bits of its index,
 * lower digit first) or by arrival. */
static inline unsigned int sort_digit(const struct flow_table *t, const struct staged *e,
				      bool by_arrival, int d)
{
	int bits = __builtin_ctzll(t->n_slots);
	int lo = bits > SLOT_DIGITS * SORT_DIGIT_BITS ? bits - SLOT_DIGITS * SORT_DIGIT_BITS : 0;

	if (by_arrival)
		return (e->idx >> (d * SORT_DIGIT_BITS)) & (SORT_BUCKETS - 1);
	return ((e->hash & t->mask) >> (lo + d * SORT_DIGIT_BITS)) & (SORT_BUCKETS - 1);
}

/*
 * LSD radix sort of the n entries in *a by slot or by arrival, with *b as
 * the scratch: a counting pass, then one scatter per digit (two by slot;
 * by arrival as many as the indexes below n need).  On return *a holds the
 * sorted entries (the buffers may have changed places).
 */
#define MAX_DIGITS 4
static void radix_sort(const struct flow_table *t, struct staged **a, struct staged **b,
		       size_t n, bool by_arrival)
{
	size_t count[MAX_DIGITS][SORT_BUCKETS] = { { 0 } }, i;
	int digits = SLOT_DIGITS, d;

	if (by_arrival)
		for (digits = 1; digits < MAX_DIGITS && n && (n - 1) >> (digits * SORT_DIGIT_BITS);
		     digits++)
			;
	for (i = 0; i < n; i++)
		for (d = 0; d < digits; d++)
			count[d][sort_digit(t, &(*a)[i], by_arrival, d)]++;
	for (d = 0; d < digits; d++) {
		size_t pos[SORT_BUCKETS], sum = 0;
		struct staged *src = *a, *dst = *b;
		unsigned int k;

		for (k = 0; k < SORT_BUCKETS; k++) {
			pos[k] = sum;
			sum += count[d][k];
		}
		for (i = 0; i < n; i++)
			dst[pos[sort_digit(t, &src[i], by_arrival, d)]++] = src[i];
		*a = dst;
		*b = src;
	}
}

void flow_table__flush(struct flow_table *t, __u64 *no_room)
{
	struct staged *a = t->stage, *b = t->stage_tmp;
	struct deferred d;

	if (!t->n_staged)
		return;
	radix_sort(t, &a, &b, t->n_staged, false);
	if ((size_t)t->count + t->n_staged <= t->max_keys) {
		add_pipelined(t, NULL, a, t->n_staged, no_room, NULL);
	} else {
		/* Room may run out: first the keys held, then the others' records
		 * (in slot order still), in arrival order if they could fill it. */
		d = (struct deferred){ .e = b };
		add_pipelined(t, NULL, a, t->n_staged, no_room, &d);
		if ((size_t)t->count + d.n > t->max_keys)
			radix_sort(t, &d.e, &a, d.n, true);
		add_pipelined(t, NULL, d.e, d.n, no_room, NULL);
	}
	t->n_staged = 0;
}

void flow_table__add_records(struct flow_table *t, const struct ds_flow_rec *recs, size_t n,
			     __u64 *no_room)
{
	size_t i;

	if (t->count < STAGE_FROM_KEYS || stage_alloc(t)) {
		flow_table__flush(t, no_room);
		add_pipelined(t, recs, NULL, n, no_room, NULL);
		return;
	}
	for (i = 0; i < n; i++) {
		struct staged *e;

		if (t->n_staged == t->cap_staged)
			flow_table__flush(t, no_room);
		e = &t->stage[t->n_staged];
		memcpy(&e->raw, &recs[i], sizeof(e->raw));
		e->hash = (__u32)hash_key(t, e->raw & t->rec_key_mask);
		e->idx = t->n_staged++;
	}
}

void flow_table__merge(struct flow_table *t, const struct ds_flow_key *k,
		       const struct ds_flow_value *v, __u64 *no_room_packets)
{
	struct slot *s;
	struct cold *c;
	__u64 key;
	int w;

	flow_table__flush(t, no_room_packets);
	memcpy(&key, k, sizeof(key));
	s = find_or_insert(t, key, hash_key(t, key), false);
	if (!s) {
		*no_room_packets += v->packets;
		return;
	}
	c = &t->cold[s->row];
	s->packets += v->packets;
	s->syn += v->syn;
	c->mirai += v->mirai;
	for (w = 0; w < DS_HOST_WORDS; w++) {
		s->src_hosts[w] |= v->src_hosts[w];
		c->mirai_hosts[w] |= v->mirai_hosts[w];
	}
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
	huge_pages_advise(n, cap * sizeof(*n));
	out->flows = n;
	out->cap_flows = cap;
	return 0;
}

/* Each live slot becomes the row at its insertion index: one pass over the
 * slots in memory order, the rows written where they belong. */
static void rows_of_slots(const struct flow_table *t, struct flow_row *rows)
{
	size_t i;

	for (i = 0; i < t->n_slots; i++) {
		const struct slot *s = &t->slots[i];
		const struct cold *c;
		struct flow_row *r;

		if (s->gen != t->gen)
			continue;
		c = &t->cold[s->row];
		r = &rows[s->row];
		memcpy(&r->key, &s->key, sizeof(r->key));
		r->val.packets = s->packets;
		r->val.syn = s->syn;
		r->val.mirai = c->mirai;
		memcpy(r->val.src_hosts, s->src_hosts, sizeof(r->val.src_hosts));
		memcpy(r->val.mirai_hosts, c->mirai_hosts, sizeof(r->val.mirai_hosts));
	}
}

int flow_table__reserve_take(const struct flow_table *t, struct interval_data *out)
{
	if (grow_flows(out, t->max_keys))
		return -ENOMEM;
	return prefault(out->flows, out->cap_flows * sizeof(*out->flows));
}

int flow_table__take(struct flow_table *t, struct interval_data *out)
{
	if (t->n_staged)
		return -EBUSY;
	if (grow_flows(out, out->n_flows + t->count))
		return -ENOMEM;
	if (t->count)
		rows_of_slots(t, &out->flows[out->n_flows]);
	out->n_flows += t->count;
	t->count = 0;
	if (!++t->gen) {
		/* After 2^32 - 1 intervals the generations wrap: clear once. */
		memset(t->slots, 0, t->n_slots * sizeof(*t->slots));
		t->gen = 1;
	}
	return 0;
}
