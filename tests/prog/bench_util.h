/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* bench_util.h - what the C benchmarks share: a clock in seconds and a
 * reproducible random stream. */
#ifndef __DARKSCOPE_BENCH_UTIL_H
#define __DARKSCOPE_BENCH_UTIL_H

#include <linux/types.h>
#include "util/timeutil.h"

static inline double now_s(clockid_t clk)
{
	return clock_ns(clk) / 1e9;
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
