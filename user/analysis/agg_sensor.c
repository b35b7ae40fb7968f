// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agg_sensor.c - the sensor pass (report_pass_sensor.py): per sensor its
 * rows, the bins holding one, map_full summed and write_dropped's largest
 * value (a column a file lacks counts as 0, as there).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/agg_internal.h"

/* sc's entry for sensor id, made when missing; 0 or -ENOMEM. */
static int health_at(const struct agg *a, struct sensor_cur *sc, __u32 id)
{
	struct health *h;

	if (id >= sc->n) {
		size_t n = id + 1;
		struct health *v = realloc(sc->v, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		memset(v + sc->n, 0, (n - sc->n) * sizeof(*v));
		sc->v = v;
		sc->n = n;
	}
	h = &sc->v[id];
	if (!h->bins) {
		h->bins = agg_zalloc(BITS_WORDS(a->nbins), sizeof(*h->bins));
		h->first = AGG_POS_NONE;
		if (!h->bins)
			return -ENOMEM;
	}
	return 0;
}

int sensor__sensor(struct worker *w, __u32 id)
{
	return health_at(w->a, &w->sc, id);
}

static void sc_chunk(void *ctx, const struct cr_chunk *c)
{
	struct worker *w = ctx;
	struct sensor_cur *sc = &w->sc;
	__u32 id;
	int err;

	err = agg_sensor_id(w, c->sensor, c->sensor_len, &id);
	if (!err)
		err = sensor__sensor(w, id);
	if (err) {
		w->err = err;
		sc->cur = NULL;
		return;
	}
	sc->cur = &sc->v[id];
	sc->bin = agg_bin(w->a, c->ts);
	sc->cur->present = true;
	if (agg_pos_cmp(&c->pos, &sc->cur->first) < 0)
		sc->cur->first = c->pos;
}

static bool sc_row(void *ctx, const struct cr_row *r, const struct agg_pos *pos)
{
	struct worker *w = ctx;
	struct health *h = w->sc.cur;
	__s64 dropped = r->has & CR_BIT(CR_WRITE_DROPPED) ? r->num[CR_WRITE_DROPPED] : 0;

	(void)pos;
	if (!h)
		return false;
	h->rows++;
	if (r->has & CR_BIT(CR_MAP_FULL))
		h->map_full += r->num[CR_MAP_FULL];
	/* max(write_dropped, dropped or 0), write_dropped starting at 0. */
	if (dropped > h->write_dropped)
		h->write_dropped = dropped;
	h->bins[w->sc.bin / 64] |= 1ULL << (w->sc.bin % 64);
	return true;
}

const struct cr_handler sensor_handler = { NULL, sc_chunk, sc_row };

int sensor__merge(struct agg *a)
{
	struct sensor_cur *d = &a->w[0].sc;

	for (unsigned int t = 1; t < a->threads; t++) {
		struct sensor_cur *s = &a->w[t].sc;

		for (size_t i = 0; i < s->n; i++) {
			struct health *x = &s->v[i], *y;

			if (!x->present)
				continue;
			if (health_at(a, d, i))
				return -ENOMEM;
			y = &d->v[i];
			y->present = true;
			y->rows += x->rows;
			y->map_full += x->map_full;
			if (x->write_dropped > y->write_dropped)
				y->write_dropped = x->write_dropped;
			for (size_t k = 0; k < BITS_WORDS(a->nbins); k++)
				y->bins[k] |= x->bins[k];
			if (agg_pos_cmp(&x->first, &y->first) < 0)
				y->first = x->first;
		}
	}
	return 0;
}

void sensor__free(struct sensor_cur *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->v[i].bins);
	free(sc->v);
	*sc = (struct sensor_cur){ 0 };
}
