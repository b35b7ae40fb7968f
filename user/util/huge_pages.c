// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * huge_pages.c - see huge_pages.h.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "util/huge_pages.h"

void huge_pages_advise(void *p, size_t len)
{
	uintptr_t start = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t end = ((uintptr_t)p + len) & ~(uintptr_t)4095;

	/* Without THP, or where it cannot apply, nothing changes. */
	if (len >= HUGE_PAGES_FROM && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
}
