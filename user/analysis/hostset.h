/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * hostset.h - distinct source addresses, per source /24: for each /24 (or
 * other source key) the union of the host lists of its rows, and at the
 * end the number of hosts over all keys (FORMAT.md, "Distinct sources
 * across rows").
 *
 * An entry is 8 bytes: the key and either up to three hosts inline (most
 * of a darknet's /24s send from one or two addresses) or the index of a
 * 256-bit bitmap in a pool.  Open addressing, at most half full.
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
void hostset__free(struct hostset *s);
/* Bytes held (for the memory figures). */
size_t hostset__bytes(const struct hostset *s);

#endif /* __DARKSCOPE_HOSTSET_H */
