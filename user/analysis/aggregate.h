/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * aggregate.h - the report's passes over series files, in C (`darkscope
 * aggregate`): what scripts/darkscope_lib/report_pass_*.py compute, from
 * the files the report chose, printed for report_engine.py to turn into
 * the same results (docs/SCRIPTS.md, "Report engines").
 *
 * Passes: ports (current period: per-port, per-sensor and per-bin packets,
 * surge cells), ports (previous: per-port packets), sensor (current: rows,
 * bins with data, overflow counters), flows (previous: per-region packets,
 * scanners' ports), flows (current: regions, distinct sources, the
 * candidate ports' sources, Figure 3, known scanners, --exclude-known's
 * per-cell sums).  Or, with sources set, the fallback pass: distinct
 * sources of the given ports.  Files are split over threads in contiguous
 * runs and the threads' sums merged.
 */
#ifndef __DARKSCOPE_AGGREGATE_H
#define __DARKSCOPE_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

/* (protocol index << 16) | port: the Python report's pkey. */
#define AGG_PKEYS (3U << 16)

struct agg_params {
	__s64 t_from, t_to;   /* current period [t_from, t_to) */
	__s64 bin;            /* seconds per bin of the per-day numbers */
	bool previous;        /* a previous period [p_from, p_to) */
	__s64 p_from, p_to;
	unsigned int top;     /* the report's N */
	bool exclude;         /* --exclude-known */
	__u32 fig3_pkey;      /* Figure 3's port */
	const char *fig3_region;
	__s64 surge_min;      /* surge cells: port-bins with >= this many packets */
	unsigned int threads;
	const char *nets;     /* the net table (net_table.h), or NULL: no regions */
	const char *files;    /* the file list (agg_files.c) */
	const __u32 *sources; /* the fallback pass's ports, or NULL */
	size_t n_sources;
};

/* Run, print the result to out; 0 or -errno (messages on stderr). */
int aggregate_run(const struct agg_params *p, FILE *out);

#endif /* __DARKSCOPE_AGGREGATE_H */
