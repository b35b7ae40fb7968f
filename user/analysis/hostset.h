/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * hostset.h - distinct source addresses, per source /24: for each /24 (or
 * other source key) the union of the host lists of its rows, and at the
 * end the number of hosts over all keys (FORMAT.md, "Distinct sources
 * across rows").
 *
 * An entry is 8 bytes: the key and either up to three hosts inline (most
 * of a darknet's /24s send from one or two addresses) or the index of a
 * 256-bit bitmap in a pool.  Open addressing, at most 3/4 full (the
 * candidate ports' sets hold millions of /24s at a telescope's density).
 */
#ifndef __DARKSCOPE_HOSTSET_H
#define __DARKSCOPE_HOSTSET_H

#include <stddef.h>
#include <linux/types.h>

#define HOSTSET_WORDS 4

struct hostset {
	__u64 *slots;  /* (key + 1) << 32 | value; 0: empty */
	size_t cap;    /* a power of two, or 0 */
	size_t n;
	__u64 (*pool)[HOSTSET_WORDS];
	size_t pool_n, pool_cap;
};

#define HOSTSET_INIT { 0 }
#define HOSTSET_HASH_MUL 0x9E3779B97F4A7C15ULL

static inline size_t hostset__slot_of(const struct hostset *s, __u32 key)
{
	return (size_t)(((__u64)key * HOSTSET_HASH_MUL) >> 32) & (s->cap - 1);
}

/* Start loading key's slot (for a hostset__or() some rows later).
 * always_inline: GCC 12 otherwise finds the function free of effects (it
 * sees none in a prefetch) and drops its calls before inlining them. */
static inline __attribute__((always_inline)) void
hostset__prefetch(const struct hostset *s, __u32 key)
{
	if (s->cap)
		__builtin_prefetch(&s->slots[hostset__slot_of(s, key)]);
}

/* hosts of key |= bits (key < 2^32 - 1); nothing for no bits.  0 or -ENOMEM. */
int hostset__or(struct hostset *s, __u32 key, const __u64 bits[HOSTSET_WORDS]);
/* Every key's hosts, counted: the distinct sources. */
__u64 hostset__count(const struct hostset *s);
/* dst |= src, key by key; src is left as it was.  0 or -ENOMEM. */
int hostset__merge(struct hostset *dst, const struct hostset *src);
/* The hosts of key (zero when absent). */
void hostset__get(const struct hostset *s, __u32 key, __u64 bits[HOSTSET_WORDS]);
/* Visit every key: fn(ctx, key, bits); stops at fn's first non-zero return. */
int hostset__each(const struct hostset *s, int (*fn)(void *ctx, __u32 key,
						       const __u64 bits[HOSTSET_WORDS]),
		  void *ctx);
/* The same, with ahead(ctx, key) called a few keys before fn gets them
 * (to prefetch what fn will read for them); ahead may be NULL. */
int hostset__walk(const struct hostset *s,
		  int (*fn)(void *ctx, __u32 key, const __u64 bits[HOSTSET_WORDS]),
		  void (*ahead)(void *ctx, __u32 key), void *ctx);
void hostset__free(struct hostset *s);
/* Bytes held (for the memory figures). */
size_t hostset__bytes(const struct hostset *s);

#endif /* __DARKSCOPE_HOSTSET_H */
