/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * huge_pages.h - ask for transparent huge pages on a large buffer that is
 * read at random (hash tables, per-/24 arrays): with 4 KiB pages every
 * access to a table of hundreds of MB is a TLB miss as well as a cache
 * miss.  Debian's default THP mode is "madvise", so nothing happens unless
 * asked.
 */
#ifndef __DARKSCOPE_HUGE_PAGES_H
#define __DARKSCOPE_HUGE_PAGES_H

#include <stddef.h>

/* Buffers from this size on are worth it. */
#define HUGE_PAGES_FROM (2UL << 20)

/* madvise(MADV_HUGEPAGE) on the whole pages of [p, p + len) when len is
 * at least HUGE_PAGES_FROM.  Only a hint: best called before the pages are
 * first touched (calloc() of a large size does not touch them). */
void huge_pages_advise(void *p, size_t len);

#endif /* __DARKSCOPE_HUGE_PAGES_H */
