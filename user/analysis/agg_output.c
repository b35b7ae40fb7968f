// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agg_output.c - the merged sums (thread 0's) as TSV, one record a line,
 * its first field naming it:
 *
 *   pass NAME ROWS SECONDS           rows read and thread time per pass
 *   event PASS KIND FILE NUM NUM2 TEXT-HEX   in merge order
 *   port PKEY PACKETS SYN MIRAI      current period, per port
 *   port-bin PKEY BIN PACKETS        its per-bin packets (non-zero only)
 *   sensor-port NAME-HEX PKEY PACKETS
 *   sensor-total NAME-HEX PACKETS SYN MIRAI   per sensor, current period
 *   sensor-bin NAME-HEX BIN PACKETS
 *   cell BIN NAME-HEX PKEY PACKETS   the surge cells kept
 *   prev-port PKEY PACKETS           previous period, per port
 *   health NAME-HEX ROWS MAP-FULL WRITE-DROPPED BINS-WITH-DATA
 *   health-bin NAME-HEX BIN          a bin with a row of that sensor
 *   prev-region CC PACKETS           previous period ("-": unknown)
 *   prev-total PACKETS
 *   region CC PACKETS SYN MIRAI      current period
 *   region-bin CC BIN PACKETS        its per-bin packets (non-zero only)
 *   region-sources CC HOSTS MIRAI-HOSTS   distinct sources per region
 *   sources HOSTS MIRAI-HOSTS        distinct sources, current period
 *   cand-sources PKEY HOSTS          the candidate ports' distinct sources
 *   fig3 BIN HOSTS MIRAI-HOSTS       Figure 3's sources per bin (non-zero only)
 *   known I PACKETS SYN MIRAI HOSTS  known scanner I's rows (in list order)
 *   known-port I PKEY PACKETS        and its ports
 *   flows-packets ALL KEPT           flows packets before and after --exclude-known
 *   known-cell BIN NAME-HEX PKEY PACKETS SYN MIRAI   --exclude-known: a scanner's
 *                                    rows per (bin, sensor, port), current period
 *   prev-known-port PKEY PACKETS     and per port, previous period
 *   ports-unordered                  ports rows out of time order (surge shares)
 *
 * port, sensor-total, health and known-cell records come in the order the
 * Python passes first meet them (their dicts' order); the others in any
 * order.  darkscope-report makes --exclude-known's subtractions from the
 * known-cell and prev-known-port records (report_exclude.py).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/agg_internal.h"

static void put_hex(FILE *out, const char *s, size_t n)
{
	if (!n)
		fputc('-', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", (unsigned char)s[i]);
}

/* Malformed flows sources, an event each where a pass first met them (the
 * Python pass warns at its first lookup). */
static int add_bad_src_events(struct agg *a)
{
	const struct agg_pos none = AGG_POS_NONE;

	for (size_t i = 0; i < a->n_odd; i++) {
		const struct odd_src *o = &a->odd[i];

		for (int pass = 0; o->malformed && pass < P_N; pass++)
			if (agg_pos_cmp(&o->warned[pass], &none) &&
			    agg_events__add(&a->w[0].part[pass].events, &o->warned[pass], EV_BAD_SRC,
					    o->warned[pass].seq, 0, 0, o->text, o->len))
				return -ENOMEM;
	}
	return 0;
}

static void print_events(struct agg *a, FILE *out)
{
	for (int pass = 0; pass < P_N; pass++) {
		struct agg_events *l = &a->w[0].part[pass].events;

		agg_events__sort(l);
		for (size_t i = 0; i < l->n; i++) {
			const struct agg_event *e = &l->v[i];

			fprintf(out, "event\t%s\t%s\t%u\t%lld\t%lld\t", agg_pass_name(pass),
				agg_event_name(e->kind), e->file, (long long)e->num,
				(long long)e->num2);
			put_hex(out, e->text, e->len);
			fputc('\n', out);
		}
	}
}

/* Indexes in first-met order. */
struct by_pos {
	struct agg_pos pos;
	__u32 i;
};

static int by_pos_cmp(const void *x, const void *y)
{
	const struct by_pos *a = x, *b = y;
	int c = agg_pos_cmp(&a->pos, &b->pos);

	return c ? c : (a->i > b->i) - (a->i < b->i);
}

static size_t sort_by_pos(struct by_pos *v, size_t n)
{
	const struct agg_pos none = AGG_POS_NONE;
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (agg_pos_cmp(&v[i].pos, &none))
			v[m++] = v[i];
	qsort(v, m, sizeof(*v), by_pos_cmp);
	return m;
}

static void put_sensor(FILE *out, const struct agg *a, __u32 s)
{
	put_hex(out, a->sensors[s].name, a->sensors[s].len);
}

static int print_sensor_totals(struct agg *a, FILE *out)
{
	const struct ports_cur *pc = &a->w[0].pc;
	size_t n = pc->n_sensors < a->n_sensors ? pc->n_sensors : a->n_sensors, m;
	struct by_pos *v = calloc(n + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t s = 0; s < n; s++) {
		const struct agg_pos none = AGG_POS_NONE;

		v[s].pos = pc->sensors[s].present ? pc->sensors[s].first : none;
		v[s].i = s;
	}
	m = sort_by_pos(v, n);
	for (size_t j = 0; j < m; j++) {
		const struct ports_sensor *ps = &pc->sensors[v[j].i];

		fputs("sensor-total\t", out);
		put_sensor(out, a, v[j].i);
		fprintf(out, "\t%lld\t%lld\t%lld\n", (long long)ps->c.packets,
			(long long)ps->c.syn, (long long)ps->c.mirai);
		for (__u32 b = 0; ps->daily && b < a->nbins; b++) {
			if (!ps->daily[b])
				continue;
			fputs("sensor-bin\t", out);
			put_sensor(out, a, v[j].i);
			fprintf(out, "\t%u\t%lld\n", b, (long long)ps->daily[b]);
		}
	}
	free(v);
	for (size_t i = 0; i < pc->kept.cap; i++) {
		const struct i64map_slot *sl = &pc->kept.slots[i];
		__u64 key;

		if (!sl->key)
			continue;
		key = I64MAP_KEY(sl);
		fprintf(out, "cell\t%u\t", CELL_BIN(key));
		put_sensor(out, a, CELL_SENSOR(key));
		fprintf(out, "\t%u\t%lld\n", CELL_PKEY(key), (long long)sl->value);
	}
	return 0;
}

static int print_ports(struct agg *a, FILE *out)
{
	const struct ports_cur *pc = &a->w[0].pc;
	const struct ports_prev *pp = &a->w[0].pp;
	struct by_pos *v = calloc(AGG_PKEYS, sizeof(*v));
	size_t m = 0;

	if (!v)
		return -ENOMEM;
	for (__u32 k = 0; pc->first && k < AGG_PKEYS; k++) {
		v[k].pos = pc->first[k];
		v[k].i = k;
	}
	if (pc->first)
		m = sort_by_pos(v, AGG_PKEYS);
	for (size_t j = 0; pc->tot && j < m; j++) {
		__u32 k = v[j].i;
		const struct counts *c = &pc->tot[k];

		fprintf(out, "port\t%u\t%lld\t%lld\t%lld\n", k, (long long)c->packets,
			(long long)c->syn, (long long)c->mirai);
		for (__u32 b = 0; pc->daily && pc->daily[k] && b < a->nbins; b++)
			if (pc->daily[k][b])
				fprintf(out, "port-bin\t%u\t%u\t%lld\n", k, b,
					(long long)pc->daily[k][b]);
	}
	for (size_t s = 0; s < pc->n_sensors && s < a->n_sensors; s++) {
		const struct ports_sensor *ps = &pc->sensors[s];

		for (__u32 k = 0; ps->present && ps->ports && k < AGG_PKEYS; k++) {
			if (!ps->ports[k])
				continue;
			fputs("sensor-port\t", out);
			put_hex(out, a->sensors[s].name, a->sensors[s].len);
			fprintf(out, "\t%u\t%lld\n", k, (long long)ps->ports[k]);
		}
	}
	for (__u32 k = 0; pp->packets && k < AGG_PKEYS; k++)
		if (pp->packets[k])
			fprintf(out, "prev-port\t%u\t%lld\n", k, (long long)pp->packets[k]);
	free(v);
	return print_sensor_totals(a, out);
}

static int print_health(struct agg *a, FILE *out)
{
	const struct sensor_cur *sc = &a->w[0].sc;
	size_t n = sc->n < a->n_sensors ? sc->n : a->n_sensors, m;
	struct by_pos *v = calloc(n + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t s = 0; s < n; s++) {
		const struct agg_pos none = AGG_POS_NONE;

		v[s].pos = sc->v[s].present ? sc->v[s].first : none;
		v[s].i = s;
	}
	m = sort_by_pos(v, n);
	for (size_t j = 0; j < m; j++) {
		size_t s = v[j].i;
		const struct health *h = &sc->v[s];
		__u64 bins = 0;

		for (__u32 w = 0; h->bins && w < BITS_WORDS(a->nbins); w++)
			bins += __builtin_popcountll(h->bins[w]);
		fputs("health\t", out);
		put_hex(out, a->sensors[s].name, a->sensors[s].len);
		fprintf(out, "\t%lld\t%lld\t%lld\t%llu\n", (long long)h->rows,
			(long long)h->map_full, (long long)h->write_dropped,
			(unsigned long long)bins);
		for (__u32 b = 0; h->bins && b < a->nbins; b++) {
			if (!(h->bins[b / 64] >> (b % 64) & 1))
				continue;
			fputs("health-bin\t", out);
			put_hex(out, a->sensors[s].name, a->sensors[s].len);
			fprintf(out, "\t%u\n", b);
		}
	}
	free(v);
	return 0;
}

static const char *cc_name(const struct agg *a, size_t i)
{
	return i < a->nets.n_cc ? a->nets.codes[i] : "-";
}

/* Distinct sources per region: each source's hosts counted in its own. */
struct per_cc {
	const struct agg *a;
	__u64 *hosts;  /* [n_cc + 1]: the last is "unknown" */
	__u8 *seen;
};

static int add_cc(void *ctx, __u32 key, const __u64 bits[HOSTSET_WORDS])
{
	struct per_cc *p = ctx;
	__u16 cc = agg_key_cc(p->a, key);
	size_t i = cc == NET_NONE ? p->a->nets.n_cc : cc;

	for (int w = 0; w < HOSTSET_WORDS; w++)
		p->hosts[i] += __builtin_popcountll(bits[w]);
	p->seen[i] = 1;
	return 0;
}

static int print_region_sources(struct agg *a, FILE *out)
{
	const struct flows_cur *fc = &a->w[0].fc;
	size_t n = a->nets.n_cc + 1;
	__u64 *hosts = calloc(2 * n, sizeof(*hosts));
	__u8 *seen = calloc(2 * n, 1);
	struct per_cc all = { a, hosts, seen }, mirai = { a, hosts + n, seen + n };
	int err = -ENOMEM;

	if (hosts && seen && !net_bitmap__each(&a->net_hosts, add_cc, &all) &&
	    !hostset__each(&fc->sources, add_cc, &all) &&
	    !hostset__each(&fc->mirai_sources, add_cc, &mirai)) {
		for (size_t i = 0; i < n; i++)
			if (seen[i] || seen[n + i])
				fprintf(out, "region-sources\t%s\t%llu\t%llu\n",
					i < a->nets.n_cc ? a->nets.codes[i] : "-",
					(unsigned long long)hosts[i],
					(unsigned long long)hosts[n + i]);
		err = 0;
	}
	free(hosts);
	free(seen);
	return err;
}

static void print_known(struct agg *a, FILE *out)
{
	const struct flows_cur *fc = &a->w[0].fc;

	for (size_t i = 0; fc->known && i < a->nets.n_scanners; i++) {
		const struct counts *c = &fc->known[i];
		const struct i64map *m = &fc->known_ports[i];

		fprintf(out, "known\t%zu\t%lld\t%lld\t%lld\t%llu\n", i, (long long)c->packets,
			(long long)c->syn, (long long)c->mirai,
			(unsigned long long)hostset__count(&fc->known_hosts[i]));
		for (size_t j = 0; j < m->cap; j++)
			if (m->slots[j].key)
				fprintf(out, "known-port\t%zu\t%llu\t%lld\n", i,
					(unsigned long long)I64MAP_KEY(&m->slots[j]),
					(long long)m->slots[j].value);
	}
}

/* --exclude-known: what report_exclude.py subtracts, in the order the
 * Python passes meet it (known_cells is a dict: its sensors' order shows). */
static int print_excluded(struct agg *a, FILE *out)
{
	const struct excluded *x = &a->w[0].fc.x;
	const struct i64map *prev = &a->w[0].fp.known_ports;
	struct by_pos *v = calloc(x->n_known ? x->n_known : 1, sizeof(*v));
	size_t m;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_known; i++)
		v[i] = (struct by_pos){ x->known[i].first, i };
	m = sort_by_pos(v, x->n_known);
	for (size_t j = 0; j < m; j++) {
		const struct known_cell *c = &x->known[v[j].i];

		fprintf(out, "known-cell\t%u\t", CELL_BIN(c->key));
		put_sensor(out, a, CELL_SENSOR(c->key));
		fprintf(out, "\t%u\t%lld\t%lld\t%lld\n", CELL_PKEY(c->key), (long long)c->c.packets,
			(long long)c->c.syn, (long long)c->c.mirai);
	}
	free(v);
	for (size_t j = 0; j < prev->cap; j++)
		if (prev->slots[j].key)
			fprintf(out, "prev-known-port\t%llu\t%lld\n",
				(unsigned long long)I64MAP_KEY(&prev->slots[j]),
				(long long)prev->slots[j].value);
	return 0;
}

static int print_flows(struct agg *a, FILE *out)
{
	const struct flows_prev *fp = &a->w[0].fp;
	const struct flows_cur *fc = &a->w[0].fc;

	for (size_t i = 0; fp->region && i <= a->nets.n_cc; i++)
		if (fp->region_seen && fp->region_seen[i])
			fprintf(out, "prev-region\t%s\t%lld\n", cc_name(a, i),
				(long long)fp->region[i]);
	if (a->p->previous)
		fprintf(out, "prev-total\t%lld\n", (long long)fp->total);
	for (size_t i = 0; fc->regions && i <= a->nets.n_cc; i++) {
		const struct region *r = &fc->regions[i];

		if (!r->seen)
			continue;
		fprintf(out, "region\t%s\t%lld\t%lld\t%lld\n", cc_name(a, i),
			(long long)r->c.packets, (long long)r->c.syn, (long long)r->c.mirai);
		for (__u32 b = 0; r->daily && b < a->nbins; b++)
			if (r->daily[b])
				fprintf(out, "region-bin\t%s\t%u\t%lld\n", cc_name(a, i), b,
					(long long)r->daily[b]);
	}
	fprintf(out, "sources\t%llu\t%llu\n",
		(unsigned long long)(net_bitmap__count(&a->net_hosts) + hostset__count(&fc->sources)),
		(unsigned long long)hostset__count(&fc->mirai_sources));
	for (size_t i = 0; fc->cand && i < a->n_cand; i++)
		fprintf(out, "cand-sources\t%u\t%llu\n", a->cand[i],
			(unsigned long long)hostset__count(&fc->cand[i]));
	for (__u32 b = 0; fc->fig3 && b < a->nbins; b++) {
		__u64 all = hostset__count(&fc->fig3[b]), mirai = hostset__count(&fc->fig3_mirai[b]);

		if (all || mirai)
			fprintf(out, "fig3\t%u\t%llu\t%llu\n", b, (unsigned long long)all,
				(unsigned long long)mirai);
	}
	print_known(a, out);
	fprintf(out, "flows-packets\t%lld\t%lld\n", (long long)fc->packets_all,
		(long long)fc->packets_kept);
	return print_region_sources(a, out);
}

int agg_print(struct agg *a, FILE *out)
{
	for (int pass = 0; pass < P_N; pass++) {
		__s64 rows = 0;
		double seconds = 0;

		for (unsigned int t = 0; t < a->threads; t++) {
			rows += a->w[t].part[pass].rows;
			seconds += a->w[t].part[pass].seconds;
		}
		fprintf(out, "pass\t%s\t%lld\t%.3f\n", agg_pass_name(pass), (long long)rows,
			seconds);
	}
	if (add_bad_src_events(a))
		return -ENOMEM;
	print_events(a, out);
	if (a->w[0].pc.unordered)
		fputs("ports-unordered\n", out);
	if (print_ports(a, out) || print_health(a, out))
		return -ENOMEM;
	if (print_flows(a, out) || (a->p->exclude && print_excluded(a, out)))
		return -ENOMEM;
	return ferror(out) ? -EIO : 0;
}
