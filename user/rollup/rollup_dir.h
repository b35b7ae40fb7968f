/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rollup_dir.h - `darkscope rollup DIR`: every closed day (and with hours,
 * every closed hour) of a sensor directory's flows, ports and sensor series
 * that has sources and no current rollup gets one, in DIR/rollup.
 *
 * A span is closed once its end is grace seconds past: the daemon writes an
 * interval's members when it ends.  Data that comes later still (a sensor
 * whose clock or disk was late) makes the rollup stale, and the next run
 * makes it again; readers never use a stale one.  One run at a time per
 * directory (a lock file, DIR/rollup/.lock); a run that finds it held
 * leaves the directory to the other.  Leftovers of a killed run (temporary
 * files and flow runs, names starting with '.') are removed under the lock.
 */
#ifndef __DARKSCOPE_ROLLUP_DIR_H
#define __DARKSCOPE_ROLLUP_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "rollup/rollup.h"

#define ROLLUP_SERIES 3
#define ROLLUP_DEFAULT_GRACE 900

struct rollup_dir_opts {
	struct rollup_opts r;
	bool days, hours;  /* which spans to make */
	__u64 from, to;    /* spans inside [from, to) only */
	__u64 now;         /* a span ending after now - grace is open */
	unsigned int grace;
};

/* What one directory's run did, per series (flows, ports, sensor). */
struct rollup_tally {
	bool busy;  /* another run held the lock: nothing done */
	struct {
		size_t made, current, refused, failed, open;
		__u64 rows_in, rows_out, bytes;
		size_t runs;
	} s[ROLLUP_SERIES];
};

extern const char *const ROLLUP_SERIES_NAMES[ROLLUP_SERIES];

/* 0 when every closed span was made or is current (or the directory is
 * busy), or -errno: a span failed or was refused (warned about), or dir
 * could not be used. */
int rollup_dir(const char *dir, const struct rollup_dir_opts *o, struct rollup_tally *t);

#endif /* __DARKSCOPE_ROLLUP_DIR_H */
