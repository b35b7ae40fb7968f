/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* percpu.h - how the kernel lays out a per-CPU map value for userspace. */
#ifndef __DARKSCOPE_PERCPU_H
#define __DARKSCOPE_PERCPU_H

#include <stddef.h>

/* Per-CPU map values are laid out at 8-byte strides. */
#define PERCPU_STRIDE(sz) (((sz) + 7) & ~(size_t)7)

#endif /* __DARKSCOPE_PERCPU_H */
