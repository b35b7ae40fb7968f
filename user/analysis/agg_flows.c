// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agg_flows.c - the flows passes (report_pass_flows.py): regions, distinct
 * sources, the candidate ports' sources, Figure 3 and known scanners for
 * the current period; region packets (and scanners' ports) for the
 * previous one; the fallback pass's sources.
 *
 * A source is keyed as the Python pass keys it, by its src text: the
 * writer's "a.b.c.0/24" by its /24 number, any other text by a name of its
 * own (agg_names.c).  With --exclude-known a scanner's rows count only in
 * its own table, and are summed per (bin, sensor, port) for
 * report_exclude.py to take out of the ports numbers (struct excluded).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/agg_internal.h"

static const __u64 no_hosts[HOSTSET_WORDS];

static inline void pos_min(struct agg_pos *have, const struct agg_pos *pos)
{
	if (agg_pos_cmp(pos, have) < 0)
		*have = *pos;
}

/* The row's source key, country and scanner (NET_NONE: none). */
static int src_key(struct worker *w, const struct cr_row *r, const struct agg_pos *pos,
		   __u32 *key, __u16 *cc, __u16 *scanner)
{
	const struct net_table *t = &w->a->nets;
	__u32 net;

	if (net24_canonical(r->text[CR_SRC], r->text_len[CR_SRC], &net)) {
		*key = net;
		*cc = t->cc[net];
		*scanner = t->scanner ? t->scanner[net] : NET_NONE;
		return 0;
	}
	return agg_odd_src(w, r->text[CR_SRC], r->text_len[CR_SRC], pos, key, cc, scanner);
}

static int set_or(struct worker *w, struct hostset *s, __u32 key, const __u64 *bits)
{
	int err = hostset__or(s, key, bits);

	if (err)
		w->err = err;
	return err;
}

static __s64 *bins_of(struct worker *w, __s64 **slot)
{
	if (!*slot) {
		*slot = agg_zalloc(w->a->nbins, sizeof(**slot));
		if (!*slot)
			w->err = -ENOMEM;
	}
	return *slot;
}

static void merge_counts(struct counts *d, const struct counts *s)
{
	d->packets += s->packets;
	d->syn += s->syn;
	d->mirai += s->mirai;
}

/* ------------------------------------------------------------ current */

static int flows_cur__init(struct worker *w)
{
	struct agg *a = w->a;
	struct flows_cur *fc = &w->fc;
	size_t ns = a->nets.n_scanners;

	fc->regions = agg_zalloc(a->nets.n_cc + 1, sizeof(*fc->regions));
	fc->cand = agg_zalloc(a->n_cand, sizeof(*fc->cand));
	fc->fig3 = agg_zalloc(a->nbins, sizeof(*fc->fig3));
	fc->fig3_mirai = agg_zalloc(a->nbins, sizeof(*fc->fig3_mirai));
	fc->known = agg_zalloc(ns, sizeof(*fc->known));
	fc->known_hosts = agg_zalloc(ns, sizeof(*fc->known_hosts));
	fc->known_ports = agg_zalloc(ns, sizeof(*fc->known_ports));
	if (!fc->regions || !fc->cand || !fc->fig3 || !fc->fig3_mirai || !fc->known ||
	    !fc->known_hosts || !fc->known_ports)
		return -ENOMEM;
	return 0;
}

int flows_cur__sensor(struct worker *w, __u32 id)
{
	if (!w->fc.regions) {
		int err = flows_cur__init(w);

		if (err)
			return err;
	}
	(void)id; /* nothing per sensor: the excluded cells carry its id */
	return 0;
}

static void fc_chunk(void *ctx, const struct cr_chunk *c)
{
	struct worker *w = ctx;
	__u32 id = 0;
	int err;

	err = agg_sensor_id(w, c->sensor, c->sensor_len, &id);
	if (!err)
		err = flows_cur__sensor(w, id);
	if (err)
		w->err = err;
	w->fc.sensor = id;
	w->fc.bin = agg_bin(w->a, c->ts);
}

/* x's known cell for key (made if new), or NULL on no memory. */
static struct known_cell *known_cell(struct excluded *x, __u64 key)
{
	struct i64map_slot *at = i64map__find(&x->known_at, key);
	struct known_cell *c;

	if (at)
		return &x->known[at->value];
	if (x->n_known == x->cap_known) {
		size_t cap = x->cap_known ? 2 * x->cap_known : 64;
		struct known_cell *v = realloc(x->known, cap * sizeof(*v));

		if (!v)
			return NULL;
		x->known = v;
		x->cap_known = cap;
	}
	if (i64map__add(&x->known_at, key, x->n_known))
		return NULL;
	c = &x->known[x->n_known++];
	*c = (struct known_cell){ .key = key, .first = AGG_POS_NONE };
	return c;
}

#define FLOWS_NEED (CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT) | CR_BIT(CR_SRC) | CR_BIT(CR_PACKETS) | \
		    CR_BIT(CR_SYN) | CR_BIT(CR_MIRAI) | CR_BIT(CR_SRC_HOSTS))

static void count_known(struct worker *w, const struct fc_pending *p)
{
	struct flows_cur *fc = &w->fc;

	merge_counts(&fc->known[p->scanner], &p->c);
	set_or(w, &fc->known_hosts[p->scanner], p->key, p->src_hosts);
	if (i64map__add(&fc->known_ports[p->scanner], p->pkey, p->c.packets))
		w->err = -ENOMEM;
}

/* A scanner's row with --exclude-known: summed in its (bin, sensor, port)
 * cell, which report_exclude.py subtracts from the ports numbers. */
static void exclude_row(struct worker *w, const struct fc_pending *p, const struct agg_pos *pos)
{
	struct known_cell *kc = known_cell(&w->fc.x, CELL_KEY(p->bin, w->fc.sensor, p->pkey));

	if (!kc) {
		w->err = -ENOMEM;
		return;
	}
	merge_counts(&kc->c, &p->c);
	pos_min(&kc->first, pos);
}

/* A /24's sources go to the shared bitmap in a dense period; the others,
 * and every source otherwise, to the thread's host set. */
static inline bool in_bitmap(const struct agg *a, const struct fc_pending *p)
{
	return a->dense && p->key < NET24_COUNT;
}

/* A kept row: its region, its sources, its port's. */
static void count_row(struct worker *w, struct fc_pending *p)
{
	const struct net_table *t = &w->a->nets;
	struct agg *a = w->a;
	struct flows_cur *fc = &w->fc;
	const __u64 *mb = no_hosts;
	struct region *reg;
	__s64 *daily;
	__s32 c;

	if (!p->resolved) {
		p->cc = t->cc[p->key];
		p->scanner = t->scanner ? t->scanner[p->key] : NET_NONE;
	}
	fc->packets_all += p->c.packets;
	if (p->scanner != NET_NONE)
		count_known(w, p);
	fc->packets_kept += p->c.packets;
	reg = &fc->regions[p->cc == NET_NONE ? a->nets.n_cc : p->cc];
	reg->seen = true;
	merge_counts(&reg->c, &p->c);
	daily = bins_of(w, &reg->daily);
	if (daily)
		daily[p->bin] += p->c.packets;
	if (p->c.mirai)
		mb = p->mirai_hosts;
	if (in_bitmap(a, p))
		net_bitmap__or(&a->net_hosts, p->key, p->src_hosts);
	else
		set_or(w, &fc->sources, p->key, p->src_hosts);
	set_or(w, &fc->mirai_sources, p->key, mb);
	c = a->cand_of[p->pkey];
	if (c >= 0) {
		set_or(w, &fc->cand[c], p->key, p->src_hosts);
		if (p->pkey == a->p->fig3_pkey && p->cc == a->fig3_cc && p->cc != NET_NONE) {
			set_or(w, &fc->fig3[p->bin], p->key, p->src_hosts);
			set_or(w, &fc->fig3_mirai[p->bin], p->key, mb);
		}
	}
}

/* Stage a kept row of a /24 and prefetch what counting it reads; the row
 * staged FC_AHEAD rows ago is counted to make room. */
static void stage_row(struct worker *w, const struct fc_pending *in)
{
	const struct net_table *t = &w->a->nets;
	struct flows_cur *fc = &w->fc;
	struct fc_pending *p;
	__s32 c;

	if (fc->n_ahead == FC_AHEAD) {
		p = &fc->ahead[fc->ahead_at];
		count_row(w, p);
		fc->ahead_at = (fc->ahead_at + 1) % FC_AHEAD;
	} else {
		p = &fc->ahead[(fc->ahead_at + fc->n_ahead++) % FC_AHEAD];
	}
	*p = *in;
	if (!p->resolved) {
		__builtin_prefetch(&t->cc[p->key]);
		if (t->scanner)
			__builtin_prefetch(&t->scanner[p->key]);
	}
	if (in_bitmap(w->a, p))
		net_bitmap__prefetch(&w->a->net_hosts, p->key);
	else
		hostset__prefetch(&fc->sources, p->key);
	if (p->c.mirai)
		hostset__prefetch(&fc->mirai_sources, p->key);
	c = w->a->cand_of[p->pkey];
	if (c >= 0)
		hostset__prefetch(&fc->cand[c], p->key);
}

void flows_cur__flush(struct worker *w)
{
	struct flows_cur *fc = &w->fc;

	for (; fc->n_ahead; fc->n_ahead--) {
		count_row(w, &fc->ahead[fc->ahead_at]);
		fc->ahead_at = (fc->ahead_at + 1) % FC_AHEAD;
	}
	fc->ahead_at = 0;
}

static bool fc_row(void *ctx, const struct cr_row *r, const struct agg_pos *pos)
{
	struct worker *w = ctx;
	struct agg *a = w->a;
	struct fc_pending p = { .bin = w->fc.bin };
	long pkey;

	if (w->err || (r->has & FLOWS_NEED) != FLOWS_NEED || (pkey = agg_row_pkey(r)) < 0)
		return false;
	p.pkey = pkey;
	p.c = (struct counts){ r->num[CR_PACKETS], r->num[CR_SYN], r->num[CR_MIRAI] };
	memcpy(p.src_hosts, r->src_hosts, sizeof(p.src_hosts));
	if (!net24_canonical(r->text[CR_SRC], r->text_len[CR_SRC], &p.key)) {
		if (agg_odd_src(w, r->text[CR_SRC], r->text_len[CR_SRC], pos, &p.key, &p.cc,
				&p.scanner)) {
			w->err = -ENOMEM;
			return false;
		}
		p.resolved = true;
	} else if (a->p->exclude) {
		/* Whether the row is a scanner's decides what it counts in: now. */
		p.cc = a->nets.cc[p.key];
		p.scanner = a->nets.scanner ? a->nets.scanner[p.key] : NET_NONE;
		p.resolved = true;
	}
	if (p.resolved && p.scanner != NET_NONE && a->p->exclude) {
		/* A scanner's row counts only in its own table. */
		w->fc.packets_all += p.c.packets;
		count_known(w, &p);
		exclude_row(w, &p, pos);
		return true;
	}
	/* Python reads mirai_hosts for a kept row with Mirai SYNs. */
	if (r->num[CR_MIRAI]) {
		if (!(r->has & CR_BIT(CR_MIRAI_HOSTS)))
			return false;
		memcpy(p.mirai_hosts, r->mirai_hosts, sizeof(p.mirai_hosts));
	}
	stage_row(w, &p);
	return true;
}

const struct cr_handler flows_cur_handler = { NULL, fc_chunk, fc_row };

/* --------------------------------------------------------- fallback */

static void src_chunk(void *ctx, const struct cr_chunk *c)
{
	struct worker *w = ctx;

	(void)c;
	if (!w->fc.regions && flows_cur__init(w))
		w->err = -ENOMEM;
}

static bool src_row(void *ctx, const struct cr_row *r, const struct agg_pos *pos)
{
	const __u32 need = CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT);
	struct worker *w = ctx;
	__u16 cc, k;
	__u32 key;
	long pkey;
	__s32 c;

	if (w->err || (r->has & need) != need || (pkey = agg_row_pkey(r)) < 0)
		return false;
	c = w->a->cand_of[pkey];
	if (c < 0)
		return true;
	if (!(r->has & CR_BIT(CR_SRC)))
		return false;
	if (src_key(w, r, pos, &key, &cc, &k)) {
		w->err = -ENOMEM;
		return false;
	}
	if (k != NET_NONE && w->a->p->exclude)
		return true;
	if (!(r->has & CR_BIT(CR_SRC_HOSTS)))
		return false;
	set_or(w, &w->fc.cand[c], key, r->src_hosts);
	return true;
}

const struct cr_handler sources_handler = { NULL, src_chunk, src_row };

static int merge_bins(struct agg *a, __s64 **d, __s64 **s)
{
	if (!*s)
		return 0;
	if (!*d) {
		*d = *s;
		*s = NULL;
		return 0;
	}
	for (__u32 b = 0; b < a->nbins; b++)
		(*d)[b] += (*s)[b];
	return 0;
}

static int merge_excluded(struct excluded *d, const struct excluded *s)
{
	for (size_t i = 0; i < s->n_known; i++) {
		struct known_cell *c = known_cell(d, s->known[i].key);

		if (!c)
			return -ENOMEM;
		merge_counts(&c->c, &s->known[i].c);
		pos_min(&c->first, &s->known[i].first);
	}
	return 0;
}

int flows_cur__merge(struct agg *a)
{
	struct flows_cur *d = &a->w[0].fc;
	int err;

	if (!d->regions && (err = flows_cur__init(&a->w[0])))
		return err;
	for (unsigned int t = 1; t < a->threads; t++) {
		struct flows_cur *s = &a->w[t].fc;

		if (!s->regions)
			continue;
		for (size_t i = 0; i <= a->nets.n_cc; i++) {
			d->regions[i].seen |= s->regions[i].seen;
			merge_counts(&d->regions[i].c, &s->regions[i].c);
			merge_bins(a, &d->regions[i].daily, &s->regions[i].daily);
		}
		if (hostset__merge(&d->sources, &s->sources) ||
		    hostset__merge(&d->mirai_sources, &s->mirai_sources))
			return -ENOMEM;
		hostset__free(&s->sources);
		hostset__free(&s->mirai_sources);
		for (size_t i = 0; i < a->n_cand; i++)
			if (hostset__merge(&d->cand[i], &s->cand[i]))
				return -ENOMEM;
		for (__u32 b = 0; b < a->nbins; b++)
			if (hostset__merge(&d->fig3[b], &s->fig3[b]) ||
			    hostset__merge(&d->fig3_mirai[b], &s->fig3_mirai[b]))
				return -ENOMEM;
		for (size_t i = 0; i < a->nets.n_scanners; i++) {
			merge_counts(&d->known[i], &s->known[i]);
			if (hostset__merge(&d->known_hosts[i], &s->known_hosts[i]) ||
			    i64map__merge(&d->known_ports[i], &s->known_ports[i]))
				return -ENOMEM;
		}
		if (merge_excluded(&d->x, &s->x))
			return -ENOMEM;
		d->packets_all += s->packets_all;
		d->packets_kept += s->packets_kept;
	}
	return 0;
}

void flows_cur__free(struct agg *a, struct flows_cur *fc)
{
	struct excluded *x = &fc->x;

	if (fc->regions)
		for (size_t i = 0; i <= a->nets.n_cc; i++)
			free(fc->regions[i].daily);
	free(fc->regions);
	hostset__free(&fc->sources);
	hostset__free(&fc->mirai_sources);
	for (size_t i = 0; fc->cand && i < a->n_cand; i++)
		hostset__free(&fc->cand[i]);
	for (__u32 b = 0; fc->fig3 && b < a->nbins; b++) {
		hostset__free(&fc->fig3[b]);
		hostset__free(&fc->fig3_mirai[b]);
	}
	for (size_t i = 0; fc->known_hosts && i < a->nets.n_scanners; i++) {
		hostset__free(&fc->known_hosts[i]);
		i64map__free(&fc->known_ports[i]);
	}
	free(fc->cand);
	free(fc->fig3);
	free(fc->fig3_mirai);
	free(fc->known);
	free(fc->known_hosts);
	free(fc->known_ports);
	free(x->known);
	i64map__free(&x->known_at);
	*fc = (struct flows_cur){ 0 };
}

/* ----------------------------------------------------------- previous */

static void fp_chunk(void *ctx, const struct cr_chunk *c)
{
	(void)ctx;
	(void)c;
}

static bool fp_row(void *ctx, const struct cr_row *r, const struct agg_pos *pos)
{
	const __u32 need = CR_BIT(CR_SRC) | CR_BIT(CR_PACKETS);
	struct worker *w = ctx;
	struct agg *a = w->a;
	struct flows_prev *fp = &w->fp;
	__u16 cc, k;
	__u32 key;
	long pkey = -1;

	if (w->err || (r->has & need) != need)
		return false;
	if (src_key(w, r, pos, &key, &cc, &k)) {
		w->err = -ENOMEM;
		return false;
	}
	/* Python needs the port of an excluded row only. */
	if (k != NET_NONE && a->p->exclude &&
	    ((r->has & (CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT))) !=
		     (CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT)) ||
	     (pkey = agg_row_pkey(r)) < 0))
		return false;
	if (!fp->region) {
		fp->region = agg_zalloc(a->nets.n_cc + 1, sizeof(*fp->region));
		fp->region_seen = agg_zalloc(a->nets.n_cc + 1, 1);
		if (!fp->region || !fp->region_seen) {
			w->err = -ENOMEM;
			return false;
		}
	}
	fp->total += r->num[CR_PACKETS];
	if (pkey >= 0) {
		if (i64map__add(&fp->known_ports, pkey, r->num[CR_PACKETS]))
			w->err = -ENOMEM;
		return true;
	}
	cc = cc == NET_NONE ? a->nets.n_cc : cc;
	fp->region[cc] += r->num[CR_PACKETS];
	fp->region_seen[cc] = 1;
	return true;
}

const struct cr_handler flows_prev_handler = { NULL, fp_chunk, fp_row };

int flows_prev__merge(struct agg *a)
{
	struct flows_prev *d = &a->w[0].fp;

	for (unsigned int t = 1; t < a->threads; t++) {
		struct flows_prev *s = &a->w[t].fp;

		if (!s->region)
			continue;
		if (!d->region) {
			d->region = s->region;
			d->region_seen = s->region_seen;
			s->region = NULL;
			s->region_seen = NULL;
		} else {
			for (size_t i = 0; i <= a->nets.n_cc; i++) {
				d->region[i] += s->region[i];
				d->region_seen[i] |= s->region_seen[i];
			}
		}
		if (i64map__merge(&d->known_ports, &s->known_ports))
			return -ENOMEM;
		d->total += s->total;
	}
	return 0;
}

void flows_prev__free(struct flows_prev *fp)
{
	free(fp->region);
	free(fp->region_seen);
	i64map__free(&fp->known_ports);
	*fp = (struct flows_prev){ 0 };
}
