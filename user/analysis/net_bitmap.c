// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * net_bitmap.c - see net_bitmap.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "analysis/net_bitmap.h"
#include "util/huge_pages.h"

#define BITS_BYTES ((size_t)NET24_COUNT * HOSTSET_WORDS * sizeof(__u64))
#define PAGES (NET24_COUNT / NET_BITMAP_PAGE_NETS)

int net_bitmap__init(struct net_bitmap *b, bool huge)
{
	void *p = mmap(NULL, BITS_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	b->bits = NULL;
	b->written = calloc(PAGES / 64, sizeof(*b->written));
	if (p == MAP_FAILED || !b->written) {
		if (p != MAP_FAILED)
			munmap(p, BITS_BYTES);
		free(b->written);
		b->written = NULL;
		return -ENOMEM;
	}
	b->bits = p;
	if (huge)
		huge_pages_advise(p, BITS_BYTES);
	return 0;
}

void net_bitmap__free(struct net_bitmap *b)
{
	if (b->bits)
		munmap(b->bits, BITS_BYTES);
	free(b->written);
	b->bits = NULL;
	b->written = NULL;
}

int net_bitmap__each(const struct net_bitmap *b,
		     int (*fn)(void *ctx, __u32 net, const __u64 hosts[HOSTSET_WORDS]), void *ctx)
{
	for (__u32 page = 0; b->bits && page < PAGES; page++) {
		if (!(b->written[page / 64] >> (page % 64) & 1))
			continue;
		for (__u32 net = page * NET_BITMAP_PAGE_NETS;
		     net < (page + 1) * NET_BITMAP_PAGE_NETS; net++) {
			const __u64 *h = b->bits[net];
			int ret;

			if (!(h[0] | h[1] | h[2] | h[3]))
				continue;
			ret = fn(ctx, net, h);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int add_count(void *ctx, __u32 net, const __u64 hosts[HOSTSET_WORDS])
{
	__u64 *n = ctx;

	(void)net;
	for (int i = 0; i < HOSTSET_WORDS; i++)
		*n += __builtin_popcountll(hosts[i]);
	return 0;
}

__u64 net_bitmap__count(const struct net_bitmap *b)
{
	__u64 n = 0;

	net_bitmap__each(b, add_count, &n);
	return n;
}

size_t net_bitmap__bytes(const struct net_bitmap *b)
{
	size_t pages = 0;

	for (__u32 i = 0; b->written && i < PAGES / 64; i++)
		pages += __builtin_popcountll(b->written[i]);
	return pages * 4096;
}
