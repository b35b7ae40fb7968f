// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* i64map.c - a linear-probing hash of 64-bit sums. */
#include <errno.h>
#include <stdlib.h>

#include "analysis/i64map.h"

#define FIRST_CAP 64

static inline size_t slot_of(__u64 key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return key & (cap - 1);
}

static int grow(struct i64map *m)
{
	size_t cap = m->cap ? 2 * m->cap : FIRST_CAP;
	struct i64map_slot *old = m->slots, *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!old[i].key)
			continue;
		for (j = slot_of(old[i].key, cap); slots[j].key; j = (j + 1) & (cap - 1))
			;
		slots[j] = old[i];
	}
	free(old);
	m->slots = slots;
	m->cap = cap;
	return 0;
}

int i64map__add(struct i64map *m, __u64 key, __s64 add)
{
	size_t j;

	if (2 * (m->n + 1) > m->cap && grow(m))
		return -ENOMEM;
	key++;
	for (j = slot_of(key, m->cap); m->slots[j].key; j = (j + 1) & (m->cap - 1)) {
		if (m->slots[j].key == key) {
			m->slots[j].value += add;
			return 0;
		}
	}
	m->slots[j].key = key;
	m->slots[j].value = add;
	m->n++;
	return 0;
}

struct i64map_slot *i64map__find(const struct i64map *m, __u64 key)
{
	if (!m->cap)
		return NULL;
	key++;
	for (size_t j = slot_of(key, m->cap); m->slots[j].key; j = (j + 1) & (m->cap - 1))
		if (m->slots[j].key == key)
			return &m->slots[j];
	return NULL;
}

int i64map__merge(struct i64map *dst, const struct i64map *src)
{
	for (size_t i = 0; i < src->cap; i++)
		if (src->slots[i].key && i64map__add(dst, I64MAP_KEY(&src->slots[i]),
						     src->slots[i].value))
			return -ENOMEM;
	return 0;
}

void i64map__free(struct i64map *m)
{
	free(m->slots);
	*m = (struct i64map)I64MAP_INIT;
}
