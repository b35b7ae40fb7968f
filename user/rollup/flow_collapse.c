// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * flow_collapse.c - a bounded hash table of flow keys, sorted runs on disk
 * when it fills, and a k-way merge of the runs at the end.
 *
 * A run is a flows series file (docs/FORMAT.md) of sorted rows in members
 * of RUN_MEMBER_ROWS, so the merge holds one small member per run and
 * reads runs with the same reader and parser as the sources.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rollup/flow_collapse.h"
#include "rollup/rollup_out.h"
#include "rollup/rollup_rows.h"
#include "rollup/row_chunks.h"
#include "series/flow_table.h"
#include "series/series_format.h"
#include "series/ts_reader.h"
#include "util/gz_out.h"
#include "util/log.h"
#include "util/member_file.h"

/* Rows per member of a run: the merge holds one member of each run. */
#define RUN_MEMBER_ROWS 16384
/* Runs merged at once (each holds a reader: ~1.3 MB and a descriptor);
 * more are first merged FAN_IN at a time into longer runs. */
#define FAN_IN 64

struct flow_collapse {
	struct flow_table *t;
	__u32 max_keys;
	char tmp_dir[PATH_MAX];
	bool made_dir;
	size_t n_runs;      /* run-0 .. run-(n_runs - 1) written */
	size_t first_live;  /* the ones before were merged into later runs */
	__u64 rows;
	struct gz_out gz;
	struct strbuf member;
	struct member_file run; /* the run being written */
	/* The sort's two arrays, kept from run to run (a fresh 2 x 64 MB
	 * each time is page faults, not work). */
	struct flow_order *order;
	size_t order_cap;
};

struct flow_collapse *flow_collapse__new(__u32 max_keys, const char *tmp_dir, int level)
{
	struct flow_collapse *c = calloc(1, sizeof(*c));
	__u64 seed = 0;
	int err = -ENOMEM;

	if (!c)
		return NULL;
	if (strlen(tmp_dir) >= sizeof(c->tmp_dir) - 32) {
		err = -ENAMETOOLONG;
		goto fail;
	}
	strcpy(c->tmp_dir, tmp_dir);
	c->max_keys = max_keys ? max_keys : 1;
	member_file__init(&c->run, "rollup run");
	/* Keys come from traffic: a seeded hash keeps them from being aimed. */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (__u64)getpid() << 32 ^ (__u64)(uintptr_t)c;
	c->t = flow_table__new(c->max_keys, seed);
	if (!c->t) {
		err = -errno;
		goto fail;
	}
	if (gz_out__init(&c->gz, level))
		goto fail;
	return c;
fail:
	flow_table__free(c->t);
	free(c);
	errno = -err;
	return NULL;
}

static void run_path(const struct flow_collapse *c, size_t i, char *out, size_t size)
{
	snprintf(out, size, "%s/run-%zu.tsv.gz", c->tmp_dir, i);
}

void flow_collapse__free(struct flow_collapse *c)
{
	char path[PATH_MAX + 32];

	if (!c)
		return;
	member_file__close(&c->run);
	for (size_t i = c->first_live; i < c->n_runs; i++) {
		run_path(c, i, path, sizeof(path));
		if (unlink(path) && errno != ENOENT)
			pr_warn("rollup: cannot remove '%s': %s\n", path, strerror(errno));
	}
	if (c->made_dir && rmdir(c->tmp_dir))
		pr_warn("rollup: cannot remove '%s': %s\n", c->tmp_dir, strerror(errno));
	flow_table__free(c->t);
	gz_out__free(&c->gz);
	strbuf__free(&c->member);
	free(c->order);
	free(c);
}

size_t flow_collapse__runs(const struct flow_collapse *c)
{
	return c->n_runs;
}

__u64 flow_collapse__rows(const struct flow_collapse *c)
{
	return c->rows;
}

/* The table's rows, taken out (the table is empty after), and their order. */
static int take_sorted(struct flow_collapse *c, struct interval_data *taken,
		       const struct flow_order **order)
{
	size_t n;

	memset(taken, 0, sizeof(*taken));
	if (flow_table__take(c->t, taken))
		return -ENOMEM;
	n = taken->n_flows;
	if (2 * n > c->order_cap) {
		struct flow_order *o = realloc(c->order, 2 * n * sizeof(*o));

		if (!o) {
			free(taken->flows);
			return -ENOMEM;
		}
		c->order = o;
		c->order_cap = 2 * n;
	}
	for (size_t i = 0; i < n; i++)
		c->order[i] = (struct flow_order){ flow_order_key(&taken->flows[i].key), i };
	*order = flow_order_sort(c->order, c->order + n, n);
	return 0;
}

/* Hand the rows' buffer back to the empty table: its pages stay mapped for
 * the next run (a table of 4 M keys is 400 MB to fault in again). */
static void give_back(struct flow_collapse *c, struct interval_data *taken)
{
	taken->n_flows = 0;
	flow_table__take(c->t, taken);
	free(taken->flows);
}

/* A member_sink onto the run being written. */
static int run_member(void *ctx, const char *text, size_t len)
{
	struct flow_collapse *c = ctx;
	int err = gz_out__member(&c->gz, text, len, &c->member);

	return err ? err : member_file__append(&c->run, c->member.buf, c->member.len);
}

static int open_run(struct flow_collapse *c)
{
	static const char header[] = "# darkscope-series: flows 1\n# rollup-run: sorted\n";
	char name[32];
	struct strbuf text = STRBUF_INIT;
	int err;

	if (!c->made_dir) {
		if (mkdir(c->tmp_dir, 0700) && errno != EEXIST) {
			err = -errno;
			pr_warn("rollup: cannot create '%s': %s\n", c->tmp_dir, strerror(-err));
			return err;
		}
		c->made_dir = true;
	}
	snprintf(name, sizeof(name), "run-%zu.tsv.gz", c->n_runs);
	err = member_file__create(&c->run, c->tmp_dir, name);
	if (err)
		return err;
	c->n_runs++;
	err = strbuf__appendf(&text, "%s%s\n", header, FLOWS_COLUMNS);
	if (!err)
		err = run_member(c, text.buf, text.len);
	strbuf__free(&text);
	return err;
}

/* The table, sorted, as the next run; the table is empty after. */
static int spill(struct flow_collapse *c)
{
	struct interval_data taken;
	const struct flow_order *order;
	struct flow_chunker ch;
	int err = take_sorted(c, &taken, &order);

	if (err)
		return err;
	err = open_run(c);
	if (!err)
		err = flow_chunker__init(&ch, RUN_MEMBER_ROWS, 0, run_member, c);
	if (!err) {
		for (size_t i = 0; i < taken.n_flows && !err; i++)
			err = flow_chunker__add(&ch, &taken.flows[order[i].index]);
		if (!err)
			err = flow_chunker__flush(&ch);
		flow_chunker__free(&ch);
	}
	if (member_file__close(&c->run) && !err)
		err = -EIO;
	give_back(c, &taken);
	return err;
}

int flow_collapse__add(struct flow_collapse *c, const struct flow_row *row)
{
	__u64 no_room = 0;
	int err;

	/* A full table refuses a new key by counting its packets in no_room;
	 * a row without packets (never written by the daemon) would not show,
	 * so it makes room first. */
	if (!row->val.packets && flow_table__count(c->t) >= c->max_keys) {
		err = spill(c);
		if (err)
			return err;
	}
	flow_table__merge(c->t, &row->key, &row->val, &no_room);
	if (no_room) {
		err = spill(c);
		if (err)
			return err;
		no_room = 0;
		flow_table__merge(c->t, &row->key, &row->val, &no_room);
		/* An empty table refusing a key: no memory. */
		if (no_room)
			return -ENOMEM;
	}
	c->rows++;
	return 0;
}

/* One sorted source of rows for the merge: a run file or the table's rows. */
struct cursor {
	__u64 key;
	struct flow_row row;
	struct ts_reader *r;          /* a run, or NULL */
	const struct flow_row *rows;  /* the table's rows in memory */
	const struct flow_order *order;
	size_t i, n;
};

/* The cursor's next row: 1, 0 at its end, or -errno. */
static int cursor_next(struct cursor *cur)
{
	const char *bad;
	int ret;

	if (!cur->r) {
		if (cur->i == cur->n)
			return 0;
		cur->row = cur->rows[cur->order[cur->i++].index];
	} else {
		ret = ts_reader__next(cur->r);
		if (ret <= 0)
			return ret;
		bad = read_flow_row(cur->r, &cur->row);
		if (bad) {
			pr_warn("%s: bad %s in a run\n", ts_reader__path(cur->r), bad);
			return -EBADMSG;
		}
	}
	cur->key = flow_order_key(&cur->row.key);
	return 1;
}

static void sift_down(struct cursor **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct cursor *t;

		if (l < n && h[l]->key < h[m]->key)
			m = l;
		if (r < n && h[r]->key < h[m]->key)
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Merge the cursors by key, rows of equal keys merged into one. */
static int merge(struct cursor *cur, size_t n, flow_row_sink sink, void *ctx)
{
	struct cursor **heap = malloc((n ? n : 1) * sizeof(*heap));
	size_t live = 0;
	int err = 0, ret;

	if (!heap)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		ret = cursor_next(&cur[i]);
		if (ret < 0) {
			err = ret;
			goto out;
		}
		if (ret)
			heap[live++] = &cur[i];
	}
	for (size_t i = live; i-- > 0;)
		sift_down(heap, live, i);
	while (live) {
		struct flow_row out = heap[0]->row;
		__u64 key = heap[0]->key;

		for (;;) {
			ret = cursor_next(heap[0]);
			if (ret < 0) {
				err = ret;
				goto out;
			}
			if (!ret)
				heap[0] = heap[--live];
			if (!live)
				break;
			sift_down(heap, live, 0);
			if (heap[0]->key != key)
				break;
			flow_value_merge(&out.val, &heap[0]->row.val);
		}
		err = sink(ctx, &out);
		if (err)
			goto out;
	}
out:
	free(heap);
	return err;
}

static int chunker_add(void *ctx, const struct flow_row *row)
{
	return flow_chunker__add(ctx, row);
}

/* Readers on runs [first, first + n) for the merge. */
static int open_runs(const struct flow_collapse *c, size_t first, size_t n, struct cursor *cur)
{
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < n; i++) {
		run_path(c, first + i, path, sizeof(path));
		cur[i].r = ts_reader__open(path);
		if (!cur[i].r || ts_reader__select(cur[i].r, FLOW_FIELDS, N_FLOW_FIELDS)) {
			int err = cur[i].r ? -ENOMEM : -errno;

			pr_warn("rollup: cannot read the run '%s': %s\n", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

static void close_runs(struct cursor *cur, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ts_reader__close(cur[i].r);
		cur[i].r = NULL;
	}
}

/* Merge the oldest FAN_IN live runs into a new run, and remove them. */
static int merge_runs_once(struct flow_collapse *c)
{
	struct cursor cur[FAN_IN] = { 0 };
	char path[PATH_MAX + 32];
	struct flow_chunker ch;
	int err = open_runs(c, c->first_live, FAN_IN, cur);

	if (!err)
		err = open_run(c);
	if (!err)
		err = flow_chunker__init(&ch, RUN_MEMBER_ROWS, 0, run_member, c);
	if (!err) {
		err = merge(cur, FAN_IN, chunker_add, &ch);
		if (!err)
			err = flow_chunker__flush(&ch);
		flow_chunker__free(&ch);
	}
	if (member_file__close(&c->run) && !err)
		err = -EIO;
	close_runs(cur, FAN_IN);
	if (err)
		return err;
	for (size_t i = 0; i < FAN_IN; i++) {
		run_path(c, c->first_live + i, path, sizeof(path));
		unlink(path);
	}
	c->first_live += FAN_IN;
	return 0;
}

int flow_collapse__finish(struct flow_collapse *c, flow_row_sink sink, void *ctx)
{
	struct interval_data taken;
	const struct flow_order *order;
	struct cursor *cur;
	size_t live;
	int err = 0;

	/* The table stays in memory for the last merge: FAN_IN - 1 runs beside it. */
	while (!err && c->n_runs - c->first_live > FAN_IN - 1)
		err = merge_runs_once(c);
	if (err)
		return err;
	err = take_sorted(c, &taken, &order);
	if (err)
		return err;
	live = c->n_runs - c->first_live;
	cur = calloc(live + 1, sizeof(*cur));
	if (!cur) {
		err = -ENOMEM;
		goto out;
	}
	err = open_runs(c, c->first_live, live, cur);
	cur[live] = (struct cursor){ .rows = taken.flows, .order = order, .n = taken.n_flows };
	if (!err)
		err = merge(cur, live + 1, sink, ctx);
	close_runs(cur, live);
	free(cur);
out:
	give_back(c, &taken);
	return err;
}
