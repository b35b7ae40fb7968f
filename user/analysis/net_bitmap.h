/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * net_bitmap.h - the hosts seen in every /24 of the IPv4 space, one bit
 * per address: the distinct sources of a whole period, shared by the
 * aggregation's threads.
 *
 * A host set (hostset.h) costs 8-16 bytes a key and a 32-byte bitmap for a
 * /24 with more than three hosts, per thread, merged at the end; at a
 * telescope's density a day sees most of the 2^24 /24s, so that came to
 * more than a GB per thread.  This is 2^32 bits (512 MiB of address space)
 * whatever the volume, mapped without backing until a page is written, so
 * a small period costs a few pages; threads OR into it atomically, and a
 * walk visits the /24s in address order (their country lookups in order
 * too).  Only canonical /24 keys (< NET24_COUNT) go here, and only for a
 * period with many (aggregate.c, dense_flows()): below that, host sets
 * are smaller.
 */
#ifndef __DARKSCOPE_NET_BITMAP_H
#define __DARKSCOPE_NET_BITMAP_H

#include <stdbool.h>
#include <linux/types.h>

#include "analysis/hostset.h"
#include "analysis/net_table.h"

/* /24s per 4 KiB page of bits. */
#define NET_BITMAP_PAGE_NETS (4096 / (HOSTSET_WORDS * 8))

struct net_bitmap {
	__u64 (*bits)[HOSTSET_WORDS]; /* [NET24_COUNT]: host h of /24 n is bit h of bits[n] */
	__u64 *written;               /* a bit per page of bits that holds a host */
};

/* 0 or -ENOMEM (no address space).  huge: transparent huge pages, for a
 * period that will fill most of the space (a 4 KiB page a random access
 * is a TLB miss; but a 2 MiB page comes in for the first host in it, so a
 * small period is better off without). */
int net_bitmap__init(struct net_bitmap *b, bool huge);
void net_bitmap__free(struct net_bitmap *b);

/* bits[net] |= hosts, from any thread. */
static inline __attribute__((always_inline)) void
net_bitmap__or(struct net_bitmap *b, __u32 net, const __u64 hosts[HOSTSET_WORDS])
{
	__u64 *w = b->bits[net], *page = &b->written[net / NET_BITMAP_PAGE_NETS / 64];
	__u64 bit = 1ULL << (net / NET_BITMAP_PAGE_NETS % 64);

	if (!(hosts[0] | hosts[1] | hosts[2] | hosts[3]))
		return;
	if (!(__atomic_load_n(page, __ATOMIC_RELAXED) & bit))
		__atomic_fetch_or(page, bit, __ATOMIC_RELAXED);
	/* A locked OR only where it adds a host: most rows repeat ones seen. */
	for (int i = 0; i < HOSTSET_WORDS; i++)
		if (hosts[i] & ~__atomic_load_n(&w[i], __ATOMIC_RELAXED))
			__atomic_fetch_or(&w[i], hosts[i], __ATOMIC_RELAXED);
}

/* Start loading net's bits (always_inline: see hostset__prefetch). */
static inline __attribute__((always_inline)) void
net_bitmap__prefetch(const struct net_bitmap *b, __u32 net)
{
	__builtin_prefetch(b->bits[net]);
}

/* fn(ctx, net, hosts) for every /24 with a host, in address order; stops
 * at fn's first non-zero return.  Not while threads still write. */
int net_bitmap__each(const struct net_bitmap *b,
		     int (*fn)(void *ctx, __u32 net, const __u64 hosts[HOSTSET_WORDS]), void *ctx);
/* The hosts, counted. */
__u64 net_bitmap__count(const struct net_bitmap *b);
/* Bytes written (for the memory figures). */
size_t net_bitmap__bytes(const struct net_bitmap *b);

#endif /* __DARKSCOPE_NET_BITMAP_H */
