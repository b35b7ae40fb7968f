/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rollup.h - one rollup: the rows of one series in one span (a UTC day or
 * hour) of a sensor directory, collapsed into DIR/rollup/NAME
 * (docs/FORMAT.md, "Rollups").
 *
 * flows: one row per (proto, dport, source /24), counts summed and host
 * lists ORed; ports: one row per (proto, dport); sensor: one row
 * (rollup/sensor_sum.h).  Every row's ts is the span's start, "# interval:"
 * its length, members hold at most member_rows rows.  The header lists the
 * sources ("# source: NAME SIZE") and the warnings reading them gave
 * ("# warning: ..."), so a rollup of damaged files says what it lacks, and
 * one made before a source grew is known to be stale.  The output is a
 * function of the sources' bytes: made again, it is the same file.
 */
#ifndef __DARKSCOPE_ROLLUP_H
#define __DARKSCOPE_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "rollup/rollup_names.h"
#include "rollup/rollup_sources.h"

struct rollup_opts {
	__u32 max_keys;     /* flow keys held in memory (flow_collapse.h) */
	size_t member_rows; /* rows per member (row_chunks.h) */
	int level;          /* gzip level 1..9 */
	bool force;         /* remake rollups that are current */
	const char *tmp_dir; /* where flow runs go (removed after) */
};

enum rollup_result {
	ROLLUP_MADE,
	ROLLUP_CURRENT, /* the rollup there lists these sources: left as it is */
	ROLLUP_REFUSED, /* not made (warned): sources of two sensors, a file that
			 * could not be opened or read, a stale rollup whose
			 * sources are partly gone (made again, it would lose
			 * their rows) */
};

struct rollup_stats {
	__u64 rows_in, rows_out, members, bytes;
	size_t runs;      /* flow runs written to tmp_dir */
	size_t warnings;  /* recorded in the header */
};

/*
 * Roll up src[0..n) (the sources of span in dir, rollup_sources.h) of
 * series into dir/rollup (which must exist), unless the rollup there is
 * current.  0 with *result set, or -errno when writing failed (logged; no
 * rollup file is left half written).
 */
int rollup_span(const char *dir, const char *series, const struct rollup_span *span,
		const struct rollup_source *src, size_t n, const struct rollup_opts *o,
		enum rollup_result *result, struct rollup_stats *st);

/* Whether the rollup at path lists every file of src[0..n) with its size
 * (rollup_sources.h). */
bool rollup_is_current(const char *path, const struct rollup_source *src, size_t n);

#endif /* __DARKSCOPE_ROLLUP_H */
