/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rollup_names.h - what a rollup covers (a UTC day or hour: its span) and
 * the names of rollup files in a sensor directory's rollup/ folder
 * (docs/FORMAT.md, "Rollups"):
 *
 *   DIR/rollup/<series>-day-YYYY-MM-DD.tsv.gz
 *   DIR/rollup/<series>-hour-YYYY-MM-DDTHH.tsv.gz
 *
 * Neither matches the hourly "<series>-YYYY-MM-DDTHH.tsv.gz" of the raw
 * files as series "flows" etc., so readers scanning a directory never take
 * a rollup for raw data.
 */
#ifndef __DARKSCOPE_ROLLUP_NAMES_H
#define __DARKSCOPE_ROLLUP_NAMES_H

#include <stddef.h>
#include <linux/types.h>

#define ROLLUP_SUBDIR "rollup"
#define ROLLUP_DAY_SECONDS 86400U
#define ROLLUP_HOUR_SECONDS 3600U
/* Longest rollup file name: a 32-byte series, "-hour-", the stamp, ".tsv.gz". */
#define ROLLUP_NAME_MAX 64

enum rollup_unit {
	ROLLUP_DAY,
	ROLLUP_HOUR,
};

struct rollup_span {
	enum rollup_unit unit;
	__u64 start; /* first second, UTC, aligned to the unit */
};

/* Seconds in a span of unit. */
unsigned int rollup_unit_seconds(enum rollup_unit unit);
/* "day", "hour". */
const char *rollup_unit_name(enum rollup_unit unit);
/* The span of unit holding t. */
struct rollup_span rollup_span_of(enum rollup_unit unit, __u64 t);
/* "<series>-day-YYYY-MM-DD.tsv.gz" or "<series>-hour-YYYY-MM-DDTHH.tsv.gz".
 * 0, -EINVAL (empty series) or -ENAMETOOLONG. */
int rollup_file_name(char *out, size_t size, const char *series, const struct rollup_span *span);
/* The inverse: 0, or -EINVAL when name is not a rollup file's name. */
int rollup_file_parse(const char *name, char *series, size_t series_size,
		      struct rollup_span *span);

#endif /* __DARKSCOPE_ROLLUP_NAMES_H */
