// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * aggregate.c - the passes over threads.
 *
 * Each pass's files are cut into one contiguous run per thread, of about
 * equal bytes (a run keeps the files' time order, which the surge cells
 * need).  Phase 1 runs the passes that need nothing but their files (ports
 * current and previous, sensor, flows previous); the threads' sums are
 * merged, the candidate ports ranked; phase 2 runs the flows pass of the
 * current period, which tracks the candidates' sources and subtracts what
 * --exclude-known takes from the merged ports numbers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/agg_internal.h"
#include "util/log.h"

/* Bins of one period: a figure has no more points than this. */
#define MAX_BINS (1U << 20)

static const struct {
	const char *series;
	__u32 want;
	bool previous;
	const struct cr_handler *handler;
} passes[P_N] = {
	[P_PORTS_CUR] = { "ports", CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT) | CR_BIT(CR_PACKETS) |
			  CR_BIT(CR_SYN) | CR_BIT(CR_MIRAI), false, &ports_cur_handler },
	[P_PORTS_PREV] = { "ports", CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT) | CR_BIT(CR_PACKETS),
			   true, &ports_prev_handler },
	[P_SENSOR] = { "sensor", CR_BIT(CR_MAP_FULL) | CR_BIT(CR_WRITE_DROPPED), false,
		       &sensor_handler },
	[P_FLOWS_PREV] = { "flows", CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT) | CR_BIT(CR_SRC) |
			   CR_BIT(CR_PACKETS), true, &flows_prev_handler },
	[P_FLOWS_CUR] = { "flows", CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT) | CR_BIT(CR_SRC) |
			  CR_BIT(CR_PACKETS) | CR_BIT(CR_SYN) | CR_BIT(CR_MIRAI) |
			  CR_BIT(CR_SRC_HOSTS) | CR_BIT(CR_MIRAI_HOSTS), false, &flows_cur_handler },
	[P_SOURCES] = { "flows", CR_BIT(CR_PROTO) | CR_BIT(CR_DPORT) | CR_BIT(CR_SRC) |
			CR_BIT(CR_SRC_HOSTS), false, &sources_handler },
};

/* The fallback pass reads the current flows files. */
static const struct agg_list *files_of(const struct agg *a, enum agg_pass pass)
{
	return &a->files[pass == P_SOURCES ? P_FLOWS_CUR : pass];
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Runs of about equal bytes, one per thread, in list order. */
static void split_files(struct agg *a, enum agg_pass pass)
{
	const struct agg_list *l = files_of(a, pass);
	__u64 total = 0, sum = 0;
	size_t i = 0;

	for (size_t k = 0; k < l->n; k++)
		total += l->v[k].size + 1;
	a->range[pass][0] = 0;
	for (unsigned int t = 1; t < a->threads; t++) {
		__u64 goal = total * t / a->threads;

		while (i < l->n && sum + l->v[i].size + 1 <= goal)
			sum += l->v[i++].size + 1;
		a->range[pass][t] = i;
	}
	a->range[pass][a->threads] = l->n;
}

/* The thread reading each bin's ports files, or -1 when several do (or a
 * file's span is unknown). */
static int find_owners(struct agg *a)
{
	const struct agg_list *l = &a->files[P_PORTS_CUR];
	const struct agg_params *p = a->p;

	a->owner = malloc(a->nbins * sizeof(*a->owner));
	if (!a->owner)
		return -ENOMEM;
	for (__u32 b = 0; b < a->nbins; b++)
		a->owner[b] = -2;
	for (unsigned int t = 0; t < a->threads; t++) {
		for (size_t i = a->range[P_PORTS_CUR][t]; i < a->range[P_PORTS_CUR][t + 1]; i++) {
			const struct agg_file *f = &l->v[i];
			__s64 lo = f->start > p->t_from ? f->start : p->t_from;
			__s64 hi = f->end && f->end < p->t_to ? f->end : p->t_to;

			if (lo >= hi)
				continue;
			for (__u32 b = agg_bin(a, lo); b <= agg_bin(a, hi - 1); b++)
				a->owner[b] = a->owner[b] == -2 || a->owner[b] == (__s16)t ? (__s16)t
											 : -1;
		}
	}
	return 0;
}

static int run_pass(struct worker *w, enum agg_pass pass)
{
	struct agg *a = w->a;
	const struct agg_list *l = files_of(a, pass);
	struct cr_handler h = *passes[pass].handler;
	struct cr_spec spec = { .series = passes[pass].series, .want = passes[pass].want };
	double started = now_s();
	int err = 0;

	spec.t_from = passes[pass].previous ? a->p->p_from : a->p->t_from;
	spec.t_to = passes[pass].previous ? a->p->p_to : a->p->t_to;
	h.ctx = w;
	w->pass = pass;
	for (size_t i = a->range[pass][w->id]; i < a->range[pass][w->id + 1] && !err; i++) {
		struct cr_file f = { .path = l->v[i].path, .fallback = l->v[i].fallback,
				     .fallback_len = l->v[i].fallback_len, .start = l->v[i].start,
				     .seq = i };
		__s64 rows;

		w->file = &l->v[i];
		if (pass == P_PORTS_CUR)
			err = ports_cur__file(w, w->file);
		if (err)
			break;
		rows = chunk_reader__file(w->cr, &spec, &f, &h, &w->part[pass].events);
		if (pass == P_FLOWS_CUR)
			flows_cur__flush(w);
		if (rows < 0)
			err = rows;
		else
			w->part[pass].rows += rows;
		if (!err && w->err)
			err = w->err;
	}
	if (!err && pass == P_PORTS_CUR)
		err = ports_cur__finish(w);
	w->part[pass].seconds += now_s() - started;
	return err;
}

struct phase {
	enum agg_pass pass[P_N];
	size_t n;
};

struct phase_run {
	struct worker *w;
	const struct phase *ph;
};

static void *run_phase_thread(void *arg)
{
	struct phase_run *r = arg;

	for (size_t i = 0; i < r->ph->n && !r->w->err; i++) {
		int err = run_pass(r->w, r->ph->pass[i]);

		if (err)
			r->w->err = err;
	}
	return NULL;
}

static int run_phase(struct agg *a, const struct phase *ph)
{
	struct phase_run runs[AGG_MAX_THREADS];
	int err = 0;

	unsigned int started = 1;

	for (unsigned int t = 0; t < a->threads; t++) {
		runs[t] = (struct phase_run){ &a->w[t], ph };
		if (!t)
			continue;
		if (pthread_create(&a->w[t].thread, NULL, run_phase_thread, &runs[t])) {
			pr_warn("aggregate: cannot start a thread\n");
			a->w[0].err = -EAGAIN;
			break;
		}
		started++;
	}
	if (!a->w[0].err)
		run_phase_thread(&runs[0]);
	for (unsigned int t = 1; t < started; t++)
		pthread_join(a->w[t].thread, NULL);
	for (unsigned int t = 0; t < a->threads && !err; t++)
		err = a->w[t].err;
	return err;
}

static int check_params(struct agg *a)
{
	const struct agg_params *p = a->p;
	__s64 span = p->t_to - p->t_from;

	if (p->bin <= 0 || span <= 0 || (p->previous && p->p_to <= p->p_from)) {
		pr_warn("aggregate: empty period or bin\n");
		return -EINVAL;
	}
	if ((span + p->bin - 1) / p->bin > MAX_BINS) {
		pr_warn("aggregate: %lld bins of %lld s: more than %u\n",
			(long long)((span + p->bin - 1) / p->bin), (long long)p->bin, MAX_BINS);
		return -EINVAL;
	}
	a->nbins = (span + p->bin - 1) / p->bin;
	return 0;
}

static int setup(struct agg *a)
{
	const struct agg_params *p = a->p;
	int err;

	err = check_params(a);
	if (err)
		return err;
	err = p->nets ? net_table__load(&a->nets, p->nets) : net_table__empty(&a->nets);
	if (err)
		return err;
	a->fig3_cc = p->fig3_region ? net_table__cc_index(&a->nets, p->fig3_region) : NET_NONE;
	err = agg_files__load(a, p->files);
	if (err)
		return err;
	a->threads = p->threads ? p->threads : 1;
	if (a->threads > AGG_MAX_THREADS)
		a->threads = AGG_MAX_THREADS;
	for (unsigned int t = 0; t < a->threads; t++) {
		a->w[t].a = a;
		a->w[t].id = t;
		a->w[t].cr = chunk_reader__new();
		if (!a->w[t].cr)
			return -ENOMEM;
	}
	for (int pass = 0; pass < P_N; pass++)
		split_files(a, pass);
	return 0;
}

static int merge_events(struct agg *a)
{
	for (unsigned int t = 1; t < a->threads; t++)
		for (int pass = 0; pass < P_N; pass++)
			if (agg_events__take(&a->w[0].part[pass].events, &a->w[t].part[pass].events))
				return -ENOMEM;
	return 0;
}

/* From this many bytes of current flows files on (about 5 M rows) a period
 * holds millions of /24s: per-thread host sets would take more memory than
 * a flat bitmap of the whole space (512 MiB, shared), and be slower.
 * DARKSCOPE_AGG_DENSE in the environment takes the bitmaps whatever the
 * size (for the tests: the same answers either way). */
#define DENSE_FLOWS_BYTES (64ULL << 20)

static bool dense_flows(const struct agg *a)
{
	const struct agg_list *l = &a->files[P_FLOWS_CUR];
	__u64 bytes = 0;

	for (size_t i = 0; i < l->n; i++)
		bytes += l->v[i].size;
	return bytes >= DENSE_FLOWS_BYTES || getenv("DARKSCOPE_AGG_DENSE");
}

static int run_all(struct agg *a)
{
	const struct agg_params *p = a->p;
	struct phase one = { .n = 0 }, two = { .n = 0 };
	int err;

	if (p->sources) {
		err = agg_candidates(a);
		if (!err) {
			two.pass[two.n++] = P_SOURCES;
			err = run_phase(a, &two);
		}
		return err ? err : flows_cur__merge(a);
	}
	err = find_owners(a);
	if (err)
		return err;
	one.pass[one.n++] = P_PORTS_CUR;
	if (p->previous)
		one.pass[one.n++] = P_PORTS_PREV;
	one.pass[one.n++] = P_SENSOR;
	if (p->previous)
		one.pass[one.n++] = P_FLOWS_PREV;
	err = run_phase(a, &one);
	if (!err)
		err = ports_cur__merge(a);
	if (!err)
		err = ports_prev__merge(a);
	if (!err)
		err = sensor__merge(a);
	if (!err)
		err = flows_prev__merge(a);
	if (!err)
		err = agg_candidates(a);
	if (err)
		return err;
	a->dense = dense_flows(a);
	if (a->dense) {
		err = net_bitmap__init(&a->net_hosts, true);
		if (err)
			return err;
	}
	two.pass[two.n++] = P_FLOWS_CUR;
	err = run_phase(a, &two);
	return err ? err : flows_cur__merge(a);
}

int aggregate_run(const struct agg_params *p, FILE *out)
{
	struct agg *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	a->p = p;
	pthread_mutex_init(&a->lock, NULL);
	err = setup(a);
	if (!err)
		err = run_all(a);
	if (!err)
		err = merge_events(a);
	if (!err)
		err = agg_print(a, out);
	if (err == -ENOMEM)
		pr_warn("aggregate: out of memory\n");
	for (unsigned int t = 0; t < a->threads; t++) {
		struct worker *w = &a->w[t];

		chunk_reader__free(w->cr);
		ports_cur__free(a, &w->pc);
		ports_prev__free(&w->pp);
		sensor__free(&w->sc);
		flows_prev__free(&w->fp);
		flows_cur__free(a, &w->fc);
		for (int pass = 0; pass < P_N; pass++)
			agg_events__free(&w->part[pass].events);
	}
	net_bitmap__free(&a->net_hosts);
	agg_names__free(a);
	agg_files__free(a);
	net_table__free(&a->nets);
	free(a->owner);
	free(a->cand_of);
	free(a->cand);
	pthread_mutex_destroy(&a->lock);
	free(a);
	return err;
}
