/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* bench_util.h - what the C benchmarks share: a clock in seconds, the
 * median of the rounds and a reproducible random stream. */
#ifndef __DARKSCOPE_BENCH_UTIL_H
#define __DARKSCOPE_BENCH_UTIL_H

#include <stdlib.h>
#include <linux/types.h>
#include "util/timeutil.h"

static inline double now_s(clockid_t clk)
{
	return clock_ns(clk) / 1e9;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v; the middle value, or the mean of the middle two. */
static inline double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: deterministic, fast, good enough for key and frame mixes. */
static inline __u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

#endif /* __DARKSCOPE_BENCH_UTIL_H */
