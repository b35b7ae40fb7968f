/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sensor_sum.h - the sensor series' rows of a span as one row.
 *
 * Per column, by name: start_ms is the earliest, end_ms the latest;
 * max_keys and the two counters that run since the daemon started
 * (write_errors, write_dropped) the largest; everything else sums: the frame
 * counters, keys (flow rows), drain_ms and write_ms (the time spent), the
 * capture counters.  A column a source lacks adds 0.  The row gains a last
 * column, "intervals": the rows added, so a whole day (1440 at one minute)
 * is told from a sensor that ran for an hour of it.
 */
#ifndef __DARKSCOPE_SENSOR_SUM_H
#define __DARKSCOPE_SENSOR_SUM_H

#include <stddef.h>
#include <linux/types.h>

#include "series/ts_reader.h"
#include "util/strbuf.h"

#define SENSOR_SUM_MAX_COLUMNS 64
/* What a rollup's sensor column header has after SENSOR_COLUMNS. */
#define SENSOR_SUM_EXTRA_COLUMNS "\tintervals"

struct sensor_sum {
	char names[1024];                            /* SENSOR_COLUMNS, split */
	const char *columns[SENSOR_SUM_MAX_COLUMNS]; /* all but ts: select these */
	size_t n;
	int rule[SENSOR_SUM_MAX_COLUMNS];
	__u64 value[SENSOR_SUM_MAX_COLUMNS];         /* ms columns in thousandths */
	__u64 intervals;                             /* rows added */
};

void sensor_sum__init(struct sensor_sum *s);
/* Add the reader's current row (columns selected as s->columns[0..s->n));
 * NULL, or the name of a malformed column (the row is then not added). */
const char *sensor_sum__add(struct sensor_sum *s, const struct ts_reader *r);
/* The row as a line with ts; nothing when no row was added.  0 or -ENOMEM. */
int sensor_sum__format(const struct sensor_sum *s, __u64 ts, struct strbuf *sb);

#endif /* __DARKSCOPE_SENSOR_SUM_H */
