/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * i64map.h - sums by a 64-bit key (a surge cell, a scanner's port): open
 * addressing, at most half full, in no particular order.
 */
#ifndef __DARKSCOPE_I64MAP_H
#define __DARKSCOPE_I64MAP_H

#include <stddef.h>
#include <linux/types.h>

struct i64map_slot {
	__u64 key;   /* stored + 1; 0: empty */
	__s64 value;
};

struct i64map {
	struct i64map_slot *slots;
	size_t cap, n;
};

#define I64MAP_INIT { 0 }

/* value(key) += add, creating it at 0 first; 0 or -ENOMEM.  key must not
 * be ~0. */
int i64map__add(struct i64map *m, __u64 key, __s64 add);
/* The slot of key, or NULL. */
struct i64map_slot *i64map__find(const struct i64map *m, __u64 key);
/* dst += src, key by key; 0 or -ENOMEM. */
int i64map__merge(struct i64map *dst, const struct i64map *src);
void i64map__free(struct i64map *m);

/* Walk: for (size_t i = 0; i < m->cap; i++) if (m->slots[i].key) use
 * key - 1 and value. */
#define I64MAP_KEY(slot) ((slot)->key - 1)

#endif /* __DARKSCOPE_I64MAP_H */
