// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * chunk_reader.c - a series file's blocks (gz_members) as lines, batches
 * and chunks, by the Python reader's rules (chunk_reader.h lists them).
 *
 * A block's data lines are collected as a batch and converted together
 * when the batch ends (at a column header or the block's end), as
 * reader.py's _emit() does: the sensor name in force then is the batch's,
 * and one warning counts the batch's malformed rows.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/chunk_reader.h"
#include "analysis/gz_members.h"
#include "analysis/py_int.h"

/* What a malformed row's warning quotes: Python cuts it at 120 characters,
 * which UTF-8 fits in this many bytes. */
#define FIRST_LINE_MAX 480
#define SERIES_MARK "# darkscope-series:"
#define SENSOR_MARK "# sensor: "

static const char *const col_names[CR_NCOLS] = {
	[CR_PROTO] = "proto",
	[CR_DPORT] = "dport",
	[CR_SRC] = "src",
	[CR_PACKETS] = "packets",
	[CR_SYN] = "syn",
	[CR_MIRAI] = "mirai",
	[CR_SRC_HOSTS] = "src_hosts",
	[CR_MIRAI_HOSTS] = "mirai_hosts",
	[CR_MAP_FULL] = "map_full",
	[CR_WRITE_DROPPED] = "write_dropped",
};

#define TEXT_COLS (CR_BIT(CR_PROTO) | CR_BIT(CR_SRC))
#define HOST_COLS (CR_BIT(CR_SRC_HOSTS) | CR_BIT(CR_MIRAI_HOSTS))

struct line {
	const char *p;
	size_t len;
};

struct chunk_reader {
	struct gz_members *gz;
	/* The column header in force. */
	bool header;
	int ts_index;          /* the last "ts" column */
	bool ts_dups;          /* more than one "ts" */
	int col_index[CR_NCOLS];
	signed char *field_col; /* field index -> wanted column, or -1 */
	size_t n_fields, cap_fields;
	int max_index;         /* the last field a row is split up to */
	char *sensor;          /* "# sensor:", when has_sensor */
	size_t sensor_len, sensor_cap;
	bool has_sensor;
	struct line *pending;
	size_t n_pending, cap_pending;
	/* Where the reading is in the merge order (agg_events.h). */
	bool yielded;
	__s64 last_ts;
	__u32 n;
	/* This call's. */
	const struct cr_spec *spec;
	const struct cr_file *file;
	const struct cr_handler *h;
	struct agg_events *ev;
	__s64 rows;
	int err;
};

struct chunk_reader *chunk_reader__new(void)
{
	struct chunk_reader *cr = calloc(1, sizeof(*cr));

	if (!cr)
		return NULL;
	cr->gz = gz_members__new();
	if (!cr->gz) {
		free(cr);
		return NULL;
	}
	return cr;
}

void chunk_reader__free(struct chunk_reader *cr)
{
	if (!cr)
		return;
	gz_members__free(cr->gz);
	free(cr->field_col);
	free(cr->sensor);
	free(cr->pending);
	free(cr);
}

/* The place of the next event: at the file's opening, or after its last
 * chunk. */
static struct agg_pos next_pos(struct chunk_reader *cr)
{
	if (cr->yielded)
		return (struct agg_pos){ cr->last_ts, cr->file->seq, cr->n++, 0, 1 };
	return (struct agg_pos){ cr->file->start, cr->file->seq, cr->n++, 0, 0 };
}

static void event(struct chunk_reader *cr, const struct agg_pos *pos, enum agg_event_kind kind,
		  __s64 num, __s64 num2, const char *text, size_t len)
{
	if (agg_events__add(cr->ev, pos, kind, cr->file->seq, num, num2, text, len))
		cr->err = -ENOMEM;
}

static void event_here(struct chunk_reader *cr, enum agg_event_kind kind, __s64 num,
		       __s64 num2, const char *text, size_t len)
{
	struct agg_pos pos = next_pos(cr);

	event(cr, &pos, kind, num, num2, text, len);
}

bool cr_parse_hosts(const char *s, size_t n, __u64 bits[CR_HOST_WORDS])
{
	const char *p, *end;

	memset(bits, 0, CR_HOST_WORDS * sizeof(*bits));
	if (n < 2 || s[0] != '[' || s[n - 1] != ']')
		return false;
	p = s + 1;
	end = s + n - 1;
	if (p == end)
		return true;
	for (;;) {
		const char *comma = memchr(p, ',', end - p);
		const char *tok_end = comma ? comma : end;
		__s64 h;

		if (!py_int_digits(p, tok_end - p, &h) &&
		    py_int_parse(p, tok_end - p, &h) != PY_INT_OK)
			return false;
		if (h < 0 || h > 255)
			return false;
		bits[h >> 6] |= 1ULL << (h & 63);
		if (!comma)
			return true;
		p = comma + 1;
	}
}

/* Convert one data line: 1 a row, 0 no ts (dropped unseen, as Python's
 * reader drops a row whose ts is None), -1 malformed. */
static int parse_row(struct chunk_reader *cr, const char *line, size_t len, bool use_t,
		     __s64 t, struct cr_row *r)
{
	const char *fields[CR_NCOLS], *ts_field = NULL;
	size_t lens[CR_NCOLS], ts_len = 0;
	const char *p = line, *end = line + len;
	__u32 want = cr->spec->want, got = 0;

	for (int i = 0; i <= cr->max_index; i++) {
		const char *tab = memchr(p, '\t', end - p);
		size_t flen = (tab ? tab : end) - p;
		int c = (size_t)i < cr->n_fields ? cr->field_col[i] : -1;

		if (i == cr->ts_index) {
			ts_field = p;
			ts_len = flen;
		}
		if (c >= 0) {
			fields[c] = p;
			lens[c] = flen;
			got |= CR_BIT(c);
		}
		if (!tab)
			break;
		p = tab + 1;
	}
	r->has = got;
	for (int c = 0; c < CR_NCOLS; c++) {
		if (!(got & CR_BIT(c)))
			continue;
		if (TEXT_COLS & CR_BIT(c)) {
			r->text[c] = fields[c];
			r->text_len[c] = lens[c];
		} else if (HOST_COLS & CR_BIT(c)) {
			if (!cr_parse_hosts(fields[c], lens[c],
					    c == CR_SRC_HOSTS ? r->src_hosts : r->mirai_hosts))
				return -1;
		} else if (!py_int_digits(fields[c], lens[c], &r->num[c]) &&
			   py_int_parse(fields[c], lens[c], &r->num[c]) != PY_INT_OK) {
			/* Beyond 64 bits counts as malformed too: no sum holds it. */
			return -1;
		}
	}
	(void)want;
	if (use_t) {
		r->ts = t;
		return 1;
	}
	if (!ts_field)
		return 0;
	if (!py_int_digits(ts_field, ts_len, &r->ts)) {
		switch (py_int_parse(ts_field, ts_len, &r->ts)) {
		case PY_INT_OK:
			break;
		case PY_INT_BIG_POS: /* a valid ts, outside every window */
			r->ts = INT64_MAX;
			break;
		case PY_INT_BIG_NEG:
			r->ts = INT64_MIN;
			break;
		default:
			return -1;
		}
	}
	return 1;
}

static const char *sensor_of(const struct chunk_reader *cr, size_t *len)
{
	if (cr->has_sensor) {
		*len = cr->sensor_len;
		return cr->sensor;
	}
	*len = cr->file->fallback_len;
	return cr->file->fallback;
}

/* Convert the batch of data lines (use_t: every row's ts is t). */
static void emit(struct chunk_reader *cr, bool use_t, __s64 t)
{
	const struct cr_spec *spec = cr->spec;
	struct agg_pos bad_pos, chunk_pos = { 0 };
	const char *first = NULL;
	size_t first_len = 0;
	bool have_run = false, announced = false;
	__s64 run_ts = 0, bad = 0;
	__u32 row_index = 0;
	struct cr_row r;

	if (!cr->n_pending)
		return;
	/* Python warns while converting, before the batch's chunks. */
	bad_pos = next_pos(cr);
	for (size_t i = 0; i < cr->n_pending; i++) {
		const struct line *l = &cr->pending[i];
		int got = parse_row(cr, l->p, l->len, use_t, t, &r);
		struct agg_pos pos;

		if (got < 0)
			goto malformed;
		if (!got)
			continue;
		if (!have_run || r.ts != run_ts) {
			have_run = true;
			run_ts = r.ts;
			announced = false;
		}
		if (r.ts < spec->t_from || r.ts >= spec->t_to)
			continue;
		if (!announced) {
			struct cr_chunk c = { .ts = r.ts };

			chunk_pos = (struct agg_pos){ r.ts, cr->file->seq, cr->n++, 0, 1 };
			cr->yielded = true;
			cr->last_ts = r.ts;
			c.sensor = sensor_of(cr, &c.sensor_len);
			c.pos = chunk_pos;
			cr->h->chunk(cr->h->ctx, &c);
			announced = true;
			row_index = 0;
		}
		pos = chunk_pos;
		pos.row = row_index++;
		if (cr->h->row(cr->h->ctx, &r, &pos)) {
			cr->rows++;
			continue;
		}
malformed:
		if (!bad++) {
			first = l->p;
			first_len = l->len < FIRST_LINE_MAX ? l->len : FIRST_LINE_MAX;
		}
	}
	if (bad)
		event(cr, &bad_pos, EV_BAD_ROWS, bad, 0, first, first_len);
	cr->n_pending = 0;
}

static int set_header(struct chunk_reader *cr, const char *line, size_t len)
{
	const char *p = line, *end = line + len;
	size_t i = 0;

	cr->header = true;
	cr->ts_index = -1;
	cr->ts_dups = false;
	for (int c = 0; c < CR_NCOLS; c++)
		cr->col_index[c] = -1;
	for (;; i++) {
		const char *tab = memchr(p, '\t', end - p);
		size_t flen = (tab ? tab : end) - p;

		if (flen == 2 && !memcmp(p, "ts", 2)) {
			cr->ts_dups = cr->ts_index >= 0;
			cr->ts_index = i;
		}
		for (int c = 0; c < CR_NCOLS; c++)
			if ((cr->spec->want & CR_BIT(c)) && strlen(col_names[c]) == flen &&
			    !memcmp(p, col_names[c], flen))
				cr->col_index[c] = i; /* the last one of a name wins */
		if (!tab)
			break;
		p = tab + 1;
	}
	cr->n_fields = i + 1;
	if (cr->n_fields > cr->cap_fields) {
		signed char *v = realloc(cr->field_col, cr->n_fields);

		if (!v)
			return -ENOMEM;
		cr->field_col = v;
		cr->cap_fields = cr->n_fields;
	}
	memset(cr->field_col, -1, cr->n_fields);
	cr->max_index = cr->ts_index;
	for (int c = 0; c < CR_NCOLS; c++) {
		if (cr->col_index[c] < 0)
			continue;
		cr->field_col[cr->col_index[c]] = c;
		if (cr->col_index[c] > cr->max_index)
			cr->max_index = cr->col_index[c];
	}
	return 0;
}

/* Up to two whitespace-separated words of s[0..n) (Python's str.split()). */
static int split_words(const char *s, size_t n, const char *w[2], size_t wl[2])
{
	size_t i = 0;
	int k = 0;

	while (k < 2) {
		while (i < n && py_is_space(s[i]))
			i++;
		if (i == n)
			break;
		w[k] = s + i;
		while (i < n && !py_is_space(s[i]))
			i++;
		wl[k] = s + i - w[k];
		k++;
	}
	return k;
}

/* A comment line: false when it stops the file (warned). */
static bool comment(struct chunk_reader *cr, const char *line, size_t len)
{
	const size_t ms = sizeof(SERIES_MARK) - 1, mn = sizeof(SENSOR_MARK) - 1;

	if (len >= ms && !memcmp(line, SERIES_MARK, ms)) {
		const char *w[2];
		size_t wl[2];
		__s64 version = 0;
		enum py_int_result v;

		if (split_words(line + ms, len - ms, w, wl) < 2 ||
		    (v = py_int_parse(w[1], wl[1], &version)) == PY_INT_BAD) {
			event_here(cr, EV_SERIES_LINE, 0, 0, line, len);
			return false;
		}
		if (v == PY_INT_BIG_POS || (v == PY_INT_OK && version > 1)) {
			event_here(cr, EV_NEWER, 0, 0, w[1], wl[1]);
			return false;
		}
		if (wl[0] != strlen(cr->spec->series) || memcmp(w[0], cr->spec->series, wl[0])) {
			event_here(cr, EV_OTHER_SERIES, 0, 0, w[0], wl[0]);
			return false;
		}
	} else if (len >= mn && !memcmp(line, SENSOR_MARK, mn)) {
		size_t n = len - mn;

		if (n > cr->sensor_cap) {
			char *s = realloc(cr->sensor, n);

			if (!s) {
				cr->err = -ENOMEM;
				return false;
			}
			cr->sensor = s;
			cr->sensor_cap = n;
		}
		memcpy(cr->sensor, line + mn, n);
		cr->sensor_len = n;
		cr->has_sensor = true;
	}
	return true;
}

static int add_pending(struct chunk_reader *cr, const char *p, size_t len)
{
	if (cr->n_pending == cr->cap_pending) {
		size_t cap = cr->cap_pending ? 2 * cr->cap_pending : 4096;
		struct line *v = realloc(cr->pending, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		cr->pending = v;
		cr->cap_pending = cap;
	}
	cr->pending[cr->n_pending++] = (struct line){ p, len };
	return 0;
}

/* Python's fast path holds the block when no line is special (a comment,
 * a header, an empty line, a CR anywhere) and every line starts with
 * prefix. */
static bool simple_block(const char *text, size_t len, const char *prefix, size_t plen)
{
	const char *p = text, *end = text + len;

	if (memchr(text, '\r', len) || text[0] == '#' ||
	    (len >= 2 && text[0] == 't' && text[1] == 's'))
		return false;
	for (;;) {
		const char *nl = memchr(p, '\n', end - p);

		if ((size_t)(end - p) < plen || memcmp(p, prefix, plen))
			return false;
		if (!nl || nl + 1 == end)
			return true;
		p = nl + 1;
		if (*p == '#' || *p == '\n' || (end - p >= 2 && p[0] == 't' && p[1] == 's'))
			return false;
	}
}

/* One block: false when the file stops here. */
static bool block(struct chunk_reader *cr, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	bool use_t = false, go_on = true;
	__s64 t = 0;

	if (!len)
		return true;
	if (cr->header) {
		const char *tab = memchr(text, '\t', len), *nl = memchr(text, '\n', len);

		if (tab && tab > text && (!nl || tab < nl)) {
			enum py_int_result v = py_int_parse(text, tab - text, &t);
			bool in_window = v == PY_INT_OK && t >= cr->spec->t_from &&
					 t < cr->spec->t_to;

			if (v != PY_INT_BAD && (!in_window || cr->ts_dups) &&
			    simple_block(text, len, text, tab - text + 1)) {
				if (!in_window)
					return true;
				use_t = true;
			}
		}
	}
	while (p < end && go_on) {
		const char *nl = memchr(p, '\n', end - p);
		const char *l = p;
		size_t ll = (nl ? nl : end) - p;

		p = nl ? nl + 1 : end;
		if (ll && l[ll - 1] == '\r')
			ll--;
		if (!ll)
			continue;
		if (l[0] == '#') {
			go_on = comment(cr, l, ll);
			continue;
		}
		if (ll >= 2 && l[0] == 't' && l[1] == 's' && (ll == 2 || l[2] == '\t')) {
			emit(cr, false, 0);
			if (set_header(cr, l, ll))
				cr->err = -ENOMEM;
			continue;
		}
		if (!cr->header) {
			event_here(cr, EV_NO_HEADER, 0, 0, NULL, 0);
			go_on = false;
			break;
		}
		if (add_pending(cr, l, ll)) {
			cr->err = -ENOMEM;
			break;
		}
	}
	emit(cr, use_t, t);
	return go_on && !cr->err;
}

__s64 chunk_reader__file(struct chunk_reader *cr, const struct cr_spec *spec,
			 const struct cr_file *f, const struct cr_handler *h, struct agg_events *ev)
{
	struct gz_members *gz = cr->gz;
	enum gzm_status st;
	struct gzm_block b;

	cr->spec = spec;
	cr->file = f;
	cr->h = h;
	cr->ev = ev;
	cr->rows = 0;
	cr->err = 0;
	cr->header = false;
	cr->has_sensor = false;
	cr->n_pending = 0;
	cr->yielded = false;
	cr->n = 0;
	st = gz_members__open(gz, f->path);
	if (st == GZM_OPEN)
		event_here(cr, EV_OPEN, gz_members__err(gz), 0, NULL, 0);
	if (st != GZM_END)
		return cr->err ? cr->err : st == GZM_NOMEM ? -ENOMEM : cr->rows;
	while ((st = gz_members__next(gz, &b)) == GZM_BLOCK)
		if (!block(cr, b.text, b.len))
			break;
	switch (st) {
	case GZM_READ:
		event_here(cr, EV_READ, gz_members__err(gz), 0, NULL, 0);
		break;
	case GZM_CORRUPT: {
		const char *m = gz_members__message(gz);

		event_here(cr, EV_CORRUPT, gz_members__offset(gz), 0, m, strlen(m));
		break;
	}
	case GZM_TRUNCATED:
		event_here(cr, EV_TRUNCATED, gz_members__offset(gz), gz_members__present(gz),
			   NULL, 0);
		break;
	case GZM_NOMEM:
		return -ENOMEM;
	default:
		break;
	}
	/* A file left early is closed when the next one opens. */
	return cr->err ? cr->err : cr->rows;
}
