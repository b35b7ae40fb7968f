/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * chunk_reader.h - one series file read by the Python report reader's rules
 * (scripts/darkscope_lib/reader.py: _chunks, _convert, _emit), for the C
 * aggregation: the same rows, the same chunks, the same warnings.
 *
 * - Comments: "# darkscope-series: NAME VERSION" (a malformed one, a newer
 *   version or another series stops the file), "# sensor: NAME".  A data
 *   row before any column header stops the file.
 * - A column header ("ts" first) replaces the column map; columns are found
 *   by name (the last of equal names), a missing one is None.
 * - A wanted column whose text int() (or the host-list syntax) rejects
 *   makes the row malformed: skipped, counted, one warning per batch of
 *   lines converted together (a member, or its part between headers).
 * - A member whose lines all share one ts outside the window is skipped
 *   unconverted (no warnings), as the Python reader's fast path does.
 * - Rows of equal ts in a row form a chunk; chunks outside [t_from, t_to)
 *   are dropped.
 * Rows the handler refuses (values the Python passes could not count: an
 * unknown proto, a missing count, a host over 255) count as malformed too.
 */
#ifndef __DARKSCOPE_CHUNK_READER_H
#define __DARKSCOPE_CHUNK_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "analysis/agg_events.h"

/* Columns a pass may want (ts is always read). */
enum cr_col {
	CR_PROTO,
	CR_DPORT,
	CR_SRC,
	CR_PACKETS,
	CR_SYN,
	CR_MIRAI,
	CR_SRC_HOSTS,
	CR_MIRAI_HOSTS,
	CR_MAP_FULL,
	CR_WRITE_DROPPED,
	CR_NCOLS
};

#define CR_BIT(col) (1U << (col))
#define CR_HOST_WORDS 4

struct cr_row {
	__s64 ts;
	__u32 has;                       /* CR_BIT(col): the row has it (not None) */
	__s64 num[CR_NCOLS];             /* int columns */
	const char *text[CR_NCOLS];      /* proto, src: not NUL-terminated */
	__u32 text_len[CR_NCOLS];
	__u64 src_hosts[CR_HOST_WORDS];  /* bit h: host h */
	__u64 mirai_hosts[CR_HOST_WORDS];
};

struct cr_chunk {
	__s64 ts;
	const char *sensor; /* the file's "# sensor:" or its fallback name */
	size_t sensor_len;
	struct agg_pos pos; /* the chunk's place; its rows add their index */
};

struct cr_handler {
	void *ctx;
	/* A chunk begins; its rows follow. */
	void (*chunk)(void *ctx, const struct cr_chunk *c);
	/* One row of it (at pos); false: not countable (counted as malformed,
	 * and the handler counted nothing of it). */
	bool (*row)(void *ctx, const struct cr_row *r, const struct agg_pos *pos);
};

/* What a pass reads. */
struct cr_spec {
	const char *series; /* "flows", "ports", "sensor" */
	__u32 want;         /* CR_BIT() of the columns it converts */
	__s64 t_from, t_to; /* rows with t_from <= ts < t_to */
};

struct cr_file {
	const char *path;
	const char *fallback; /* the sensor's name when the file has none */
	size_t fallback_len;
	__s64 start;          /* the least ts it holds: when the merge opens it */
	__u32 seq;            /* its place in the pass's file list */
};

struct chunk_reader;

struct chunk_reader *chunk_reader__new(void);
void chunk_reader__free(struct chunk_reader *cr);
/*
 * Read f through: rows to h, events to ev.  The number of rows given to h
 * (those in the window, malformed ones not included), or -ENOMEM.
 */
__s64 chunk_reader__file(struct chunk_reader *cr, const struct cr_spec *spec,
			 const struct cr_file *f, const struct cr_handler *h, struct agg_events *ev);

/* Exposed for the unit tests: "[1,17]" -> bits; false when int() or the
 * list syntax rejects it or a host is outside 0..255. */
bool cr_parse_hosts(const char *s, size_t n, __u64 bits[CR_HOST_WORDS]);

#endif /* __DARKSCOPE_CHUNK_READER_H */
