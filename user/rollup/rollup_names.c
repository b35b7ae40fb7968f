// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rollup_names.c - rollup spans and file names.  The stamps are the hourly
 * file names' own (util/timeutil.h), cut to the day for day rollups.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rollup/rollup_names.h"
#include "util/timeutil.h"

#define SUFFIX ".tsv.gz"
/* "YYYY-MM-DDTHH" and "YYYY-MM-DD". */
#define HOUR_STAMP_LEN 13
#define DAY_STAMP_LEN 10

unsigned int rollup_unit_seconds(enum rollup_unit unit)
{
	return unit == ROLLUP_HOUR ? ROLLUP_HOUR_SECONDS : ROLLUP_DAY_SECONDS;
}

const char *rollup_unit_name(enum rollup_unit unit)
{
	return unit == ROLLUP_HOUR ? "hour" : "day";
}

struct rollup_span rollup_span_of(enum rollup_unit unit, __u64 t)
{
	return (struct rollup_span){ unit, t - t % rollup_unit_seconds(unit) };
}

int rollup_file_name(char *out, size_t size, const char *series, const struct rollup_span *span)
{
	char iso[21];
	int n;

	if (!*series)
		return -EINVAL;
	ts_format_iso(span->start, iso);
	n = snprintf(out, size, "%s-%s-%.*s" SUFFIX, series, rollup_unit_name(span->unit),
		     span->unit == ROLLUP_HOUR ? HOUR_STAMP_LEN : DAY_STAMP_LEN, iso);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int rollup_file_parse(const char *name, char *series, size_t series_size,
		      struct rollup_span *span)
{
	size_t len = strlen(name), stamp_len, series_len;
	const char *suffix = name + len - strlen(SUFFIX), *stamp, *unit;
	struct rollup_span s;
	char text[HOUR_STAMP_LEN + 1];

	if (len < strlen(SUFFIX) + DAY_STAMP_LEN + 6 || strcmp(suffix, SUFFIX))
		return -EINVAL;
	/* The stamp's length tells the unit; "-day-" or "-hour-" must precede it. */
	stamp_len = suffix[-3] == 'T' ? HOUR_STAMP_LEN : DAY_STAMP_LEN;
	stamp = suffix - stamp_len;
	s.unit = stamp_len == HOUR_STAMP_LEN ? ROLLUP_HOUR : ROLLUP_DAY;
	unit = s.unit == ROLLUP_HOUR ? "-hour-" : "-day-";
	if (stamp - name < (ptrdiff_t)strlen(unit) + 1 ||
	    strncmp(stamp - strlen(unit), unit, strlen(unit)))
		return -EINVAL;
	memcpy(text, stamp, stamp_len);
	text[stamp_len] = '\0';
	/* ts_parse_time() also takes a space for the 'T', and longer stamps. */
	if (strchr(text, ' ') || ts_parse_time(text, &s.start))
		return -EINVAL;
	series_len = stamp - strlen(unit) - name;
	if (series_len >= series_size)
		return -ENAMETOOLONG;
	memcpy(series, name, series_len);
	series[series_len] = '\0';
	*span = s;
	return 0;
}
