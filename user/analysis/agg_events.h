/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * agg_events.h - what a pass of the aggregation met besides rows (files it
 * could not read, bad lines, bad rows), and where in the reading order.
 *
 * The Python report prints these as warnings in the order its reader's
 * merge meets them.  Each event carries its place in that order (struct
 * agg_pos): the merge yields files' row chunks by (ts, file), and a file's
 * own events come when it is opened (before its first chunk: its start
 * hour) or right after the chunk before them.  Sorting the events by their
 * place gives the Python order; report_engine.py words them as reader.py
 * does (the text of a line or a zlib message travels as bytes).
 */
#ifndef __DARKSCOPE_AGG_EVENTS_H
#define __DARKSCOPE_AGG_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

/* A place in the merge order: (ts, phase, file, n, row).  Phase 0: a file
 * being opened (ts is its start), 1: at or after one of its chunks (ts is
 * the chunk's).  n counts a file's chunks and events in reading order. */
struct agg_pos {
	__s64 ts;
	__u32 seq;
	__u32 n;
	__u32 row;
	__u32 phase;
};

static inline int agg_pos_cmp(const struct agg_pos *a, const struct agg_pos *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return 0;
}

/* The last place of all: "not seen". */
#define AGG_POS_NONE ((struct agg_pos){ INT64_MAX, ~0U, ~0U, ~0U, ~0U })

enum agg_event_kind {
	EV_OPEN,            /* num: errno */
	EV_READ,            /* num: errno */
	EV_CORRUPT,         /* num: member offset; text: zlib's message */
	EV_TRUNCATED,       /* num: member offset, num2: bytes present */
	EV_SERIES_LINE,     /* text: the malformed "# darkscope-series:" line */
	EV_NEWER,           /* text: the version as written */
	EV_OTHER_SERIES,    /* text: the series the file holds */
	EV_NO_HEADER,       /* a data row before any column header */
	EV_BAD_ROWS,        /* num: rows skipped; text: the first one (cut) */
	EV_BAD_SRC,         /* text: a flows src that is not an address */
	EV_UNORDERED,       /* ports rows out of time order (surge shares) */
	EV_KINDS
};

struct agg_event {
	struct agg_pos pos;
	enum agg_event_kind kind;
	__u32 file;        /* index in the pass's file list */
	__s64 num, num2;
	char *text;        /* malloc'd bytes, not NUL-terminated */
	size_t len;
	size_t order;      /* ties in the sort keep the list's order */
};

/* A growing list of events (one per thread and pass). */
struct agg_events {
	struct agg_event *v;
	size_t n, cap;
};

/* Append a copy of text[0..len) with the event; 0 or -ENOMEM. */
int agg_events__add(struct agg_events *l, const struct agg_pos *pos, enum agg_event_kind kind,
		    __u32 file, __s64 num, __s64 num2, const char *text, size_t len);
/* Move src's events to the end of dst (src is left empty); 0 or -ENOMEM. */
int agg_events__take(struct agg_events *dst, struct agg_events *src);
/* In merge order (stable: equal places keep their order). */
void agg_events__sort(struct agg_events *l);
void agg_events__free(struct agg_events *l);

/* The name of a kind in the aggregate output ("open", "bad-rows", ...). */
const char *agg_event_name(enum agg_event_kind kind);

#endif /* __DARKSCOPE_AGG_EVENTS_H */
