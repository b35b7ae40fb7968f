// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * row_chunks.c - members of at most N rows, formatted by series_format.c
 * (which sorts a member's rows: already in order, they stay as they are).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rollup/row_chunks.h"
#include "series/series_format.h"

int flow_chunker__init(struct flow_chunker *c, size_t max_rows, __u64 ts, member_sink sink,
		       void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->rows = malloc((max_rows ? max_rows : 1) * sizeof(*c->rows));
	if (!c->rows)
		return -ENOMEM;
	c->max = max_rows ? max_rows : 1;
	c->ts = ts;
	c->sink = sink;
	c->ctx = ctx;
	return 0;
}

int flow_chunker__flush(struct flow_chunker *c)
{
	int err;

	if (!c->n)
		return 0;
	strbuf__reset(&c->text);
	err = format_flow_rows(&c->text, c->ts, c->rows, c->n);
	if (!err)
		err = c->sink(c->ctx, c->text.buf, c->text.len);
	if (err)
		return err;
	c->members++;
	c->total += c->n;
	c->n = 0;
	return 0;
}

int flow_chunker__add(struct flow_chunker *c, const struct flow_row *row)
{
	c->rows[c->n++] = *row;
	return c->n == c->max ? flow_chunker__flush(c) : 0;
}

void flow_chunker__free(struct flow_chunker *c)
{
	free(c->rows);
	c->rows = NULL;
	strbuf__free(&c->text);
}

int port_rows_write(const struct port_row *rows, size_t n, size_t max_rows, __u64 ts,
		    member_sink sink, void *ctx, __u64 *members)
{
	struct strbuf text = STRBUF_INIT;
	struct port_row *chunk;
	int err = 0;

	if (!max_rows)
		max_rows = 1;
	chunk = malloc((n < max_rows ? (n ? n : 1) : max_rows) * sizeof(*chunk));
	if (!chunk)
		return -ENOMEM;
	for (size_t i = 0; i < n && !err; i += max_rows) {
		size_t k = n - i < max_rows ? n - i : max_rows;

		/* format_port_rows() sorts in place: a copy keeps rows const. */
		memcpy(chunk, rows + i, k * sizeof(*chunk));
		strbuf__reset(&text);
		err = format_port_rows(&text, ts, chunk, k);
		if (!err)
			err = sink(ctx, text.buf, text.len);
		if (!err)
			(*members)++;
	}
	free(chunk);
	strbuf__free(&text);
	return err;
}
