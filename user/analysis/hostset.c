// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * hostset.c - per-key host sets in 8-byte entries.
 *
 * Value layout: bit 31 set: bits 0..30 index a pool bitmap.  Clear: bits
 * 24..25 count the inline hosts (0..3), bytes 0..2 hold them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/hostset.h"
#include "util/huge_pages.h"

#define POOLED (1U << 31)
#define INLINE_MAX 3
#define FIRST_CAP 1024

static inline __u32 inline_count(__u32 v)
{
	return (v >> 24) & 3;
}

static int pool_new(struct hostset *s, __u32 *index)
{
	if (s->pool_n == s->pool_cap) {
		size_t cap = s->pool_cap ? 2 * s->pool_cap : 256;
		__u64(*pool)[HOSTSET_WORDS];

		/* The index must fit 31 bits. */
		if (cap > POOLED)
			return -ENOMEM;
		pool = realloc(s->pool, cap * sizeof(*pool));
		if (!pool)
			return -ENOMEM;
		huge_pages_advise(pool, cap * sizeof(*pool));
		s->pool = pool;
		s->pool_cap = cap;
	}
	*index = s->pool_n++;
	memset(s->pool[*index], 0, sizeof(s->pool[0]));
	return 0;
}

static void value_bits(const struct hostset *s, __u32 v, __u64 bits[HOSTSET_WORDS])
{
	if (v & POOLED) {
		memcpy(bits, s->pool[v & ~POOLED], sizeof(s->pool[0]));
		return;
	}
	memset(bits, 0, HOSTSET_WORDS * sizeof(*bits));
	for (__u32 i = 0; i < inline_count(v); i++) {
		__u32 h = (v >> (8 * i)) & 0xff;

		bits[h >> 6] |= 1ULL << (h & 63);
	}
}

/* The value for bits: inline when it fits, else a new pool bitmap. */
static int value_of(struct hostset *s, const __u64 bits[HOSTSET_WORDS], __u32 *out)
{
	__u32 v = 0, n = 0;
	int err;

	for (int w = 0; w < HOSTSET_WORDS; w++) {
		__u64 x = bits[w];

		while (x) {
			if (n == INLINE_MAX)
				goto pooled;
			v |= (__u32)(w * 64 + __builtin_ctzll(x)) << (8 * n++);
			x &= x - 1;
		}
	}
	*out = v | n << 24;
	return 0;
pooled:
	err = pool_new(s, out);
	if (err)
		return err;
	memcpy(s->pool[*out], bits, sizeof(s->pool[0]));
	*out |= POOLED;
	return 0;
}

static int grow(struct hostset *s)
{
	size_t cap = s->cap ? 2 * s->cap : FIRST_CAP, old_cap = s->cap;
	__u64 *old = s->slots, *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	huge_pages_advise(slots, cap * sizeof(*slots));
	s->slots = slots;
	s->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i])
			continue;
		for (j = hostset__slot_of(s, (old[i] >> 32) - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = old[i];
	}
	free(old);
	return 0;
}

int hostset__or(struct hostset *s, __u32 key, const __u64 bits[HOSTSET_WORDS])
{
	__u64 want = (__u64)(key + 1) << 32, *slot;
	__u32 v;
	int err;

	if (!(bits[0] | bits[1] | bits[2] | bits[3]))
		return 0;
	if (4 * (s->n + 1) > 3 * s->cap) {
		err = grow(s);
		if (err)
			return err;
	}
	for (size_t j = hostset__slot_of(s, key);; j = (j + 1) & (s->cap - 1)) {
		slot = &s->slots[j];
		if (!*slot || (*slot & ~0xffffffffULL) == want)
			break;
	}
	if (!*slot) {
		err = value_of(s, bits, &v);
		if (err)
			return err;
		*slot = want | v;
		s->n++;
		return 0;
	}
	v = (__u32)*slot;
	if (v & POOLED) {
		__u64 *b = s->pool[v & ~POOLED];

		for (int w = 0; w < HOSTSET_WORDS; w++)
			b[w] |= bits[w];
		return 0;
	}
	{
		__u64 u[HOSTSET_WORDS];

		value_bits(s, v, u);
		for (int w = 0; w < HOSTSET_WORDS; w++)
			u[w] |= bits[w];
		err = value_of(s, u, &v);
		if (err)
			return err;
	}
	*slot = want | v;
	return 0;
}

static __u32 value_count(const struct hostset *s, __u32 v)
{
	const __u64 *b;

	if (!(v & POOLED))
		return inline_count(v);
	b = s->pool[v & ~POOLED];
	return __builtin_popcountll(b[0]) + __builtin_popcountll(b[1]) +
	       __builtin_popcountll(b[2]) + __builtin_popcountll(b[3]);
}

__u64 hostset__count(const struct hostset *s)
{
	__u64 total = 0;

	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i])
			total += value_count(s, (__u32)s->slots[i]);
	return total;
}

/* Slots visited ahead of the one in hand: their bitmaps (and, through
 * ahead(), whatever fn will read for their keys) are prefetched. */
#define WALK_AHEAD 8

int hostset__walk(const struct hostset *s,
		  int (*fn)(void *ctx, __u32 key, const __u64 bits[HOSTSET_WORDS]),
		  void (*ahead)(void *ctx, __u32 key), void *ctx)
{
	__u64 bits[HOSTSET_WORDS];
	int ret;

	for (size_t i = 0; i < s->cap; i++) {
		if (i + WALK_AHEAD < s->cap && s->slots[i + WALK_AHEAD]) {
			__u64 v = s->slots[i + WALK_AHEAD];

			if ((__u32)v & POOLED)
				__builtin_prefetch(s->pool[(__u32)v & ~POOLED]);
			if (ahead)
				ahead(ctx, (v >> 32) - 1);
		}
		if (!s->slots[i])
			continue;
		value_bits(s, (__u32)s->slots[i], bits);
		ret = fn(ctx, (s->slots[i] >> 32) - 1, bits);
		if (ret)
			return ret;
	}
	return 0;
}

int hostset__each(const struct hostset *s,
		  int (*fn)(void *ctx, __u32 key, const __u64 bits[HOSTSET_WORDS]), void *ctx)
{
	return hostset__walk(s, fn, NULL, ctx);
}

static int merge_one(void *ctx, __u32 key, const __u64 bits[HOSTSET_WORDS])
{
	return hostset__or(ctx, key, bits);
}

static void merge_ahead(void *ctx, __u32 key)
{
	hostset__prefetch(ctx, key);
}

int hostset__merge(struct hostset *dst, const struct hostset *src)
{
	return hostset__walk(src, merge_one, merge_ahead, dst);
}

void hostset__get(const struct hostset *s, __u32 key, __u64 bits[HOSTSET_WORDS])
{
	__u64 want = (__u64)(key + 1) << 32;

	memset(bits, 0, HOSTSET_WORDS * sizeof(*bits));
	if (!s->cap)
		return;
	for (size_t j = hostset__slot_of(s, key); s->slots[j]; j = (j + 1) & (s->cap - 1)) {
		if ((s->slots[j] & ~0xffffffffULL) == want) {
			value_bits(s, (__u32)s->slots[j], bits);
			return;
		}
	}
}

void hostset__free(struct hostset *s)
{
	free(s->slots);
	free(s->pool);
	*s = (struct hostset)HOSTSET_INIT;
}

size_t hostset__bytes(const struct hostset *s)
{
	return s->cap * sizeof(*s->slots) + s->pool_cap * sizeof(*s->pool);
}
