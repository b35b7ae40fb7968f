// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agg_ports.c - the ports passes (report_pass_ports.py): per port, sensor
 * and bin for the current period, per port for the previous one, and the
 * surge cells.
 *
 * Surge cells are (bin, sensor, port) packets of the port-bins with at
 * least surge_min packets, all sensors together.  A thread keeps the
 * (sensor, port) sums of its bins still open and, once its files have moved
 * past a bin, keeps only the cells of port-bins that reach the floor, when
 * it is the only thread reading files of that bin (its own totals are then
 * the bin's).  Bins shared with another thread, and rows outside their
 * file's hours, are kept whole and decided after the merge.  A bin that got
 * such stray rows after its owner decided is reported as out of order, as
 * the Python pass does when rows come back to a day it has pruned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/agg_internal.h"
#include "series/series_format.h"

void *agg_zalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* tcp, udp, icmp -> 0, 1, 2 (the writer's and the reader's order). */
static int proto_index(const char *s, size_t n)
{
	for (unsigned int i = 0; i < 3; i++) {
		const char *name = proto_name(i);

		if (name && strlen(name) == n && !memcmp(name, s, n))
			return i;
	}
	return -1;
}

/* The row's pkey, or -1 when Python's PROTO_INDEX[proto] << 16 | dport
 * would fail or name another port. */
static long row_pkey(const struct cr_row *r)
{
	int pi = proto_index(r->text[CR_PROTO], r->text_len[CR_PROTO]);

	if (pi < 0 || r->num[CR_DPORT] < 0 || r->num[CR_DPORT] > 0xffff)
		return -1;
	return (long)pi << 16 | r->num[CR_DPORT];
}

long agg_row_pkey(const struct cr_row *r)
{
	return row_pkey(r);
}

static inline void pos_min(struct agg_pos *have, const struct agg_pos *pos)
{
	if (agg_pos_cmp(pos, have) < 0)
		*have = *pos;
}

/* ------------------------------------------------------------ current */

static int ports_cur__init(struct worker *w)
{
	struct agg *a = w->a;
	struct ports_cur *pc = &w->pc;

	pc->tot = agg_zalloc(AGG_PKEYS, sizeof(*pc->tot));
	pc->daily = agg_zalloc(AGG_PKEYS, sizeof(*pc->daily));
	pc->first = malloc(AGG_PKEYS * sizeof(*pc->first));
	pc->open = agg_zalloc(a->nbins, sizeof(*pc->open));
	pc->strayed = agg_zalloc(a->nbins, 1);
	pc->pruned = agg_zalloc(a->nbins, 1);
	if (!pc->tot || !pc->daily || !pc->first || !pc->open || !pc->strayed || !pc->pruned)
		return -ENOMEM;
	for (size_t i = 0; i < AGG_PKEYS; i++)
		pc->first[i] = AGG_POS_NONE;
	return 0;
}

int ports_cur__sensor(struct worker *w, __u32 id)
{
	struct ports_cur *pc = &w->pc;
	struct ports_sensor *s;

	if (!pc->tot) {
		int err = ports_cur__init(w);

		if (err)
			return err;
	}
	if (id >= pc->n_sensors) {
		size_t n = id + 1;
		struct ports_sensor *v = realloc(pc->sensors, n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		memset(v + pc->n_sensors, 0, (n - pc->n_sensors) * sizeof(*v));
		pc->sensors = v;
		pc->n_sensors = n;
	}
	s = &pc->sensors[id];
	if (!s->ports) {
		s->daily = agg_zalloc(w->a->nbins, sizeof(*s->daily));
		s->ports = agg_zalloc(AGG_PKEYS, sizeof(*s->ports));
		s->seen = agg_zalloc(BITS_WORDS(AGG_PKEYS), sizeof(*s->seen));
		s->first = AGG_POS_NONE;
		if (!s->daily || !s->ports || !s->seen)
			return -ENOMEM;
	}
	return 0;
}

static void pc_chunk(void *ctx, const struct cr_chunk *c)
{
	struct worker *w = ctx;
	struct ports_cur *pc = &w->pc;
	const struct agg_file *f = w->file;
	struct ports_sensor *s;
	__u32 id;
	int err;

	err = agg_sensor_id(w, c->sensor, c->sensor_len, &id);
	if (!err)
		err = ports_cur__sensor(w, id);
	if (err) {
		w->err = err;
		return;
	}
	pc->sensor = id;
	pc->bin = agg_bin(w->a, c->ts);
	pc->stray = c->ts < f->start || (f->end && c->ts >= f->end);
	s = &pc->sensors[id];
	s->present = true;
	pos_min(&s->first, &c->pos);
}

#define PORTS_NEED (CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT) | CR_BIT(CR_PACKETS) | \
		    CR_BIT(CR_SYN) | CR_BIT(CR_MIRAI))

static bool pc_row(void *ctx, const struct cr_row *r, const struct agg_pos *pos)
{
	struct worker *w = ctx;
	struct ports_cur *pc = &w->pc;
	struct ports_sensor *s;
	__s64 packets = r->num[CR_PACKETS];
	__u32 bin = pc->bin;
	long pkey;
	int err;

	if (w->err || (r->has & PORTS_NEED) != PORTS_NEED || (pkey = row_pkey(r)) < 0)
		return false;
	if (!pc->daily[pkey]) {
		pc->daily[pkey] = agg_zalloc(w->a->nbins, sizeof(**pc->daily));
		if (!pc->daily[pkey]) {
			w->err = -ENOMEM;
			return false;
		}
	}
	pc->tot[pkey].packets += packets;
	pc->tot[pkey].syn += r->num[CR_SYN];
	pc->tot[pkey].mirai += r->num[CR_MIRAI];
	pc->daily[pkey][bin] += packets;
	pos_min(&pc->first[pkey], pos);
	s = &pc->sensors[pc->sensor];
	s->c.packets += packets;
	s->c.syn += r->num[CR_SYN];
	s->c.mirai += r->num[CR_MIRAI];
	s->daily[bin] += packets;
	s->ports[pkey] += packets;
	s->seen[pkey / 64] |= 1ULL << (pkey % 64);
	if (pc->stray) {
		pc->strayed[bin] = 1;
		err = i64map__add(&pc->shared, CELL_KEY(bin, pc->sensor, pkey), packets);
	} else {
		if (!pc->open[bin]) {
			pc->open[bin] = calloc(1, sizeof(*pc->open[bin]));
			if (!pc->open[bin]) {
				w->err = -ENOMEM;
				return true;
			}
		}
		err = i64map__add(pc->open[bin], SP_KEY(pc->sensor, pkey), packets);
	}
	if (err)
		w->err = err;
	return true;
}

const struct cr_handler ports_cur_handler = { NULL, pc_chunk, pc_row };

/* The thread's files have moved past bin b: decide its cells. */
static int close_bin(struct worker *w, __u32 b)
{
	struct agg *a = w->a;
	struct ports_cur *pc = &w->pc;
	struct i64map *m = pc->open[b];
	bool own = a->owner[b] == (__s16)w->id;
	int err = 0;

	if (!m)
		return 0;
	for (size_t i = 0; i < m->cap && !err; i++) {
		__u64 key;
		__u32 pkey;

		if (!m->slots[i].key)
			continue;
		key = I64MAP_KEY(&m->slots[i]);
		pkey = key & 0x3ffff;
		if (!own)
			err = i64map__add(&pc->shared, CELL_KEY(b, key >> 18, pkey),
					  m->slots[i].value);
		else if (pc->daily[pkey][b] >= a->p->surge_min)
			err = i64map__add(&pc->kept, CELL_KEY(b, key >> 18, pkey),
					  m->slots[i].value);
	}
	if (own)
		pc->pruned[b] = 1;
	i64map__free(m);
	free(m);
	pc->open[b] = NULL;
	return err;
}

int ports_cur__file(struct worker *w, const struct agg_file *f)
{
	struct agg *a = w->a;
	__u32 first;
	int err;

	if (!w->pc.tot) {
		err = ports_cur__init(w);
		if (err)
			return err;
	}
	/* Rows of later files lie at or after their start. */
	first = f->start <= a->p->t_from ? 0
		: f->start >= a->p->t_to ? a->nbins : agg_bin(a, f->start);
	for (__u32 b = 0; b < first && b < a->nbins; b++) {
		err = close_bin(w, b);
		if (err)
			return err;
	}
	return 0;
}

int ports_cur__finish(struct worker *w)
{
	if (!w->pc.tot)
		return 0;
	for (__u32 b = 0; b < w->a->nbins; b++) {
		int err = close_bin(w, b);

		if (err)
			return err;
	}
	return 0;
}

static int merge_sensor(struct agg *a, struct ports_sensor *d, struct ports_sensor *s)
{
	if (!s->present && !s->ports)
		return 0;
	if (!d->ports) {
		*d = *s;
		*s = (struct ports_sensor){ 0 };
		return 0;
	}
	d->present |= s->present;
	d->c.packets += s->c.packets;
	d->c.syn += s->c.syn;
	d->c.mirai += s->c.mirai;
	for (__u32 b = 0; b < a->nbins; b++)
		d->daily[b] += s->daily[b];
	for (size_t k = 0; k < AGG_PKEYS; k++)
		d->ports[k] += s->ports[k];
	for (size_t k = 0; k < BITS_WORDS(AGG_PKEYS); k++)
		d->seen[k] |= s->seen[k];
	pos_min(&d->first, &s->first);
	return 0;
}

int ports_cur__merge(struct agg *a)
{
	struct ports_cur *d = &a->w[0].pc;
	int err;

	if (!d->tot && (err = ports_cur__init(&a->w[0])))
		return err;
	for (unsigned int t = 1; t < a->threads; t++) {
		struct ports_cur *s = &a->w[t].pc;

		if (!s->tot)
			continue;
		for (size_t k = 0; k < AGG_PKEYS; k++) {
			if (!s->daily[k])
				continue;
			d->tot[k].packets += s->tot[k].packets;
			d->tot[k].syn += s->tot[k].syn;
			d->tot[k].mirai += s->tot[k].mirai;
			pos_min(&d->first[k], &s->first[k]);
			if (!d->daily[k]) {
				d->daily[k] = s->daily[k];
				s->daily[k] = NULL;
				continue;
			}
			for (__u32 b = 0; b < a->nbins; b++)
				d->daily[k][b] += s->daily[k][b];
		}
		if (s->n_sensors > d->n_sensors) {
			struct ports_sensor *v = realloc(d->sensors, s->n_sensors * sizeof(*v));

			if (!v)
				return -ENOMEM;
			memset(v + d->n_sensors, 0, (s->n_sensors - d->n_sensors) * sizeof(*v));
			d->sensors = v;
			d->n_sensors = s->n_sensors;
		}
		for (size_t i = 0; i < s->n_sensors; i++)
			merge_sensor(a, &d->sensors[i], &s->sensors[i]);
		for (__u32 b = 0; b < a->nbins; b++) {
			d->strayed[b] |= s->strayed[b];
			d->pruned[b] |= s->pruned[b];
		}
		if (i64map__merge(&d->shared, &s->shared) || i64map__merge(&d->kept, &s->kept))
			return -ENOMEM;
	}
	/* Now the totals are the period's: decide the shared cells. */
	for (size_t i = 0; i < d->shared.cap; i++) {
		struct i64map_slot *sl = &d->shared.slots[i];
		__u64 key;

		if (!sl->key)
			continue;
		key = I64MAP_KEY(sl);
		if (d->daily[CELL_PKEY(key)][CELL_BIN(key)] >= a->p->surge_min &&
		    i64map__add(&d->kept, key, sl->value))
			return -ENOMEM;
	}
	for (__u32 b = 0; b < a->nbins; b++)
		if (d->strayed[b] && d->pruned[b])
			d->unordered = true;
	return 0;
}

void ports_cur__free(struct agg *a, struct ports_cur *pc)
{
	(void)a;
	if (pc->daily)
		for (size_t k = 0; k < AGG_PKEYS; k++)
			free(pc->daily[k]);
	for (size_t i = 0; i < pc->n_sensors; i++) {
		free(pc->sensors[i].daily);
		free(pc->sensors[i].ports);
		free(pc->sensors[i].seen);
	}
	if (pc->open)
		for (__u32 b = 0; b < a->nbins; b++) {
			if (pc->open[b])
				i64map__free(pc->open[b]);
			free(pc->open[b]);
		}
	free(pc->open);
	free(pc->sensors);
	free(pc->tot);
	free(pc->daily);
	free(pc->first);
	free(pc->strayed);
	free(pc->pruned);
	i64map__free(&pc->kept);
	i64map__free(&pc->shared);
	*pc = (struct ports_cur){ 0 };
}

/* ----------------------------------------------------------- previous */

#define PREV_NEED (CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT) | CR_BIT(CR_PACKETS))

static void pp_chunk(void *ctx, const struct cr_chunk *c)
{
	(void)ctx;
	(void)c;
}

static bool pp_row(void *ctx, const struct cr_row *r, const struct agg_pos *pos)
{
	struct worker *w = ctx;
	struct ports_prev *pp = &w->pp;
	long pkey;

	(void)pos;
	if ((r->has & PREV_NEED) != PREV_NEED || (pkey = row_pkey(r)) < 0)
		return false;
	if (!pp->packets) {
		pp->packets = agg_zalloc(AGG_PKEYS, sizeof(*pp->packets));
		pp->seen = agg_zalloc(BITS_WORDS(AGG_PKEYS), sizeof(*pp->seen));
		if (!pp->packets || !pp->seen) {
			w->err = -ENOMEM;
			return false;
		}
	}
	pp->packets[pkey] += r->num[CR_PACKETS];
	pp->seen[pkey / 64] |= 1ULL << (pkey % 64);
	return true;
}

const struct cr_handler ports_prev_handler = { NULL, pp_chunk, pp_row };

int ports_prev__merge(struct agg *a)
{
	struct ports_prev *d = &a->w[0].pp;

	for (unsigned int t = 1; t < a->threads; t++) {
		struct ports_prev *s = &a->w[t].pp;

		if (!s->packets)
			continue;
		if (!d->packets) {
			*d = *s;
			*s = (struct ports_prev){ 0 };
			continue;
		}
		for (size_t k = 0; k < AGG_PKEYS; k++)
			d->packets[k] += s->packets[k];
		for (size_t k = 0; k < BITS_WORDS(AGG_PKEYS); k++)
			d->seen[k] |= s->seen[k];
	}
	return 0;
}

void ports_prev__free(struct ports_prev *pp)
{
	free(pp->packets);
	free(pp->seen);
	*pp = (struct ports_prev){ 0 };
}

/* --------------------------------------------------------- candidates */

static int cmp_rank(const void *x, const void *y, void *ctx)
{
	const struct counts *tot = ctx;
	__u32 a = *(const __u32 *)x, b = *(const __u32 *)y;

	/* report_ranking.port_order: packets down, then port, then protocol. */
	if (tot[a].packets != tot[b].packets)
		return tot[a].packets > tot[b].packets ? -1 : 1;
	if ((a & 0xffff) != (b & 0xffff))
		return (a & 0xffff) < (b & 0xffff) ? -1 : 1;
	return (a >> 16) < (b >> 16) ? -1 : (a >> 16) > (b >> 16);
}

int agg_candidates(struct agg *a)
{
	const struct agg_params *p = a->p;
	struct ports_cur *pc = &a->w[0].pc;
	size_t n = 0, want = p->exclude ? 2 * (size_t)p->top : p->top;
	__u32 *keys;

	a->cand_of = malloc(AGG_PKEYS * sizeof(*a->cand_of));
	a->cand = malloc((want + 1 + p->n_sources) * sizeof(*a->cand));
	keys = malloc(AGG_PKEYS * sizeof(*keys));
	if (!a->cand_of || !a->cand || !keys) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t k = 0; k < AGG_PKEYS; k++)
		a->cand_of[k] = -1;
	if (p->sources) {
		for (size_t i = 0; i < p->n_sources; i++)
			if (p->sources[i] < AGG_PKEYS && a->cand_of[p->sources[i]] < 0) {
				a->cand_of[p->sources[i]] = a->n_cand;
				a->cand[a->n_cand++] = p->sources[i];
			}
		free(keys);
		return 0;
	}
	for (size_t k = 0; k < AGG_PKEYS; k++)
		if (pc->daily[k])
			keys[n++] = k;
	qsort_r(keys, n, sizeof(*keys), cmp_rank, pc->tot);
	for (size_t i = 0; i < n && i < want; i++) {
		a->cand_of[keys[i]] = a->n_cand;
		a->cand[a->n_cand++] = keys[i];
	}
	if (p->fig3_pkey < AGG_PKEYS && a->cand_of[p->fig3_pkey] < 0) {
		a->cand_of[p->fig3_pkey] = a->n_cand;
		a->cand[a->n_cand++] = p->fig3_pkey;
	}
	free(keys);
	return 0;
}
