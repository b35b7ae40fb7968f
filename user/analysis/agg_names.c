// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agg_names.c - names the threads share: sensors (a few per report, looked
 * up once per chunk, with a per-thread cache of the last one) and flows
 * sources not spelt "a.b.c.0/24" (the Python report keys distinct sources
 * by the src text, so "1.2.3.0/24" and "1.2.3.7/24" are two sources; they
 * get keys above the /24s').  Both are rare enough for one lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/agg_internal.h"

#define ODD_HASH_FIRST 64

int agg_sensor_id(struct worker *w, const char *name, size_t len, __u32 *id)
{
	struct agg *a = w->a;
	int err = 0;
	size_t i;

	if (w->last_name && w->last_len == len && !memcmp(w->last_name, name, len)) {
		*id = w->last_id;
		return 0;
	}
	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->n_sensors; i++)
		if (a->sensors[i].len == len && !memcmp(a->sensors[i].name, name, len))
			break;
	if (i == a->n_sensors) {
		if (i == AGG_MAX_SENSORS) {
			err = -E2BIG;
			goto out;
		}
		if (a->n_sensors == a->cap_sensors) {
			size_t cap = a->cap_sensors ? 2 * a->cap_sensors : 16;
			void *v = realloc(a->sensors, cap * sizeof(*a->sensors));

			if (!v) {
				err = -ENOMEM;
				goto out;
			}
			a->sensors = v;
			a->cap_sensors = cap;
		}
		a->sensors[i].name = malloc(len ? len : 1);
		if (!a->sensors[i].name) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(a->sensors[i].name, name, len);
		a->sensors[i].len = len;
		a->n_sensors++;
	}
out:
	pthread_mutex_unlock(&a->lock);
	if (err)
		return err;
	if (!w->last_name || len > w->last_cap) {
		char *c = realloc(w->last_name, len ? len : 1);

		if (!c)
			return -ENOMEM;
		w->last_name = c;
		w->last_cap = len ? len : 1;
	}
	memcpy(w->last_name, name, len);
	w->last_len = len;
	w->last_id = *id = i;
	return 0;
}

static __u64 hash_bytes(const char *s, size_t n)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static int odd_rehash(struct agg *a)
{
	size_t cap = a->odd_hash_cap ? 2 * a->odd_hash_cap : ODD_HASH_FIRST;
	__u32 *h = calloc(cap, sizeof(*h));

	if (!h)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_odd; i++) {
		size_t j = hash_bytes(a->odd[i].text, a->odd[i].len) & (cap - 1);

		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = i + 1;
	}
	free(a->odd_hash);
	a->odd_hash = h;
	a->odd_hash_cap = cap;
	return 0;
}

/* The entry of text, made when new (cc and scanner as Python's SourceNets
 * gives them); its index or -errno. */
static long odd_entry(struct agg *a, const char *text, size_t len)
{
	struct odd_src *o;
	size_t j;
	__u32 v;
	bool in_range;

	if (a->odd_hash_cap) {
		for (j = hash_bytes(text, len) & (a->odd_hash_cap - 1); a->odd_hash[j];
		     j = (j + 1) & (a->odd_hash_cap - 1)) {
			o = &a->odd[a->odd_hash[j] - 1];
			if (o->len == len && !memcmp(o->text, text, len))
				return a->odd_hash[j] - 1;
		}
	}
	if (NET24_COUNT + a->n_odd + 1 >= ~0U)
		return -E2BIG;
	if (a->n_odd == a->cap_odd) {
		size_t cap = a->cap_odd ? 2 * a->cap_odd : 16;
		struct odd_src *nv = realloc(a->odd, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		a->odd = nv;
		a->cap_odd = cap;
	}
	o = &a->odd[a->n_odd];
	*o = (struct odd_src){ .cc = NET_NONE, .scanner = NET_NONE, .len = len };
	o->text = malloc(len ? len : 1);
	if (!o->text)
		return -ENOMEM;
	memcpy(o->text, text, len);
	for (int p = 0; p < P_N; p++)
		o->warned[p] = AGG_POS_NONE;
	if (!net24_of(text, len, &v, &in_range)) {
		o->malformed = true;
	} else if (in_range) {
		o->cc = a->nets.cc[v];
		o->scanner = a->nets.scanner ? a->nets.scanner[v] : NET_NONE;
	}
	a->n_odd++;
	if (2 * a->n_odd > a->odd_hash_cap) {
		if (odd_rehash(a)) /* places the new one too */
			return -ENOMEM;
	} else {
		for (j = hash_bytes(text, len) & (a->odd_hash_cap - 1); a->odd_hash[j];
		     j = (j + 1) & (a->odd_hash_cap - 1))
			;
		a->odd_hash[j] = a->n_odd;
	}
	return a->n_odd - 1;
}

int agg_odd_src(struct worker *w, const char *text, size_t len, const struct agg_pos *pos,
		__u32 *key, __u16 *cc, __u16 *scanner)
{
	struct agg *a = w->a;
	long i;

	pthread_mutex_lock(&a->lock);
	i = odd_entry(a, text, len);
	if (i >= 0) {
		struct odd_src *o = &a->odd[i];

		*key = NET24_COUNT + i;
		*cc = o->cc;
		*scanner = o->scanner;
		if (o->malformed && agg_pos_cmp(pos, &o->warned[w->pass]) < 0)
			o->warned[w->pass] = *pos;
	}
	pthread_mutex_unlock(&a->lock);
	return i < 0 ? (int)i : 0;
}

__u16 agg_key_cc(const struct agg *a, __u32 key)
{
	if (key < NET24_COUNT)
		return a->nets.cc[key];
	return a->odd[key - NET24_COUNT].cc;
}

void agg_names__free(struct agg *a)
{
	for (size_t i = 0; i < a->n_sensors; i++)
		free(a->sensors[i].name);
	free(a->sensors);
	for (size_t i = 0; i < a->n_odd; i++)
		free(a->odd[i].text);
	free(a->odd);
	free(a->odd_hash);
	for (unsigned int t = 0; t < a->threads; t++)
		free(a->w[t].last_name);
}
