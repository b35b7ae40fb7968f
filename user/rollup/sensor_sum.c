// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sensor_sum.c - one sensor row for a span, each column by its rule.  The
 * columns are the C writer's (SENSOR_COLUMNS), so a counter added later
 * sums without a change here.
 */
#include <stdio.h>
#include <string.h>

#include "rollup/sensor_sum.h"
#include "series/row_parse.h"
#include "series/series_format.h"

enum { SUM, MIN, MAX, SUM_MS };

static int rule_of(const char *name)
{
	static const char *const max[] = { "end_ms", "max_keys", "write_errors", "write_dropped" };

	if (!strcmp(name, "start_ms"))
		return MIN;
	if (!strcmp(name, "drain_ms") || !strcmp(name, "write_ms"))
		return SUM_MS;
	for (size_t i = 0; i < sizeof(max) / sizeof(max[0]); i++)
		if (!strcmp(name, max[i]))
			return MAX;
	return SUM;
}

void sensor_sum__init(struct sensor_sum *s)
{
	char *rest, *name;

	memset(s, 0, sizeof(*s));
	snprintf(s->names, sizeof(s->names), "%s", SENSOR_COLUMNS);
	rest = s->names;
	strsep(&rest, "\t"); /* ts */
	while ((name = strsep(&rest, "\t")) && s->n < SENSOR_SUM_MAX_COLUMNS) {
		s->rule[s->n] = rule_of(name);
		s->value[s->n] = s->rule[s->n] == MIN ? ~0ULL : 0;
		s->columns[s->n++] = name;
	}
}

const char *sensor_sum__add(struct sensor_sum *s, const struct ts_reader *r)
{
	__u64 v[SENSOR_SUM_MAX_COLUMNS];

	for (size_t i = 0; i < s->n; i++) {
		const char *text = ts_reader__value(r, i);
		bool ok;

		v[i] = s->rule[i] == MIN ? ~0ULL : 0;
		if (!text)
			continue;
		ok = s->rule[i] == SUM_MS ? parse_ms_field(text, &v[i]) : parse_u64_field(text, &v[i]);
		if (!ok)
			return s->columns[i];
	}
	for (size_t i = 0; i < s->n; i++) {
		switch (s->rule[i]) {
		case MIN:
			s->value[i] = v[i] < s->value[i] ? v[i] : s->value[i];
			break;
		case MAX:
			s->value[i] = v[i] > s->value[i] ? v[i] : s->value[i];
			break;
		default:
			s->value[i] += v[i];
		}
	}
	s->intervals++;
	return NULL;
}

int sensor_sum__format(const struct sensor_sum *s, __u64 ts, struct strbuf *sb)
{
	int err;

	if (!s->intervals)
		return 0;
	err = strbuf__appendf(sb, "%llu", (unsigned long long)ts);
	for (size_t i = 0; i < s->n && !err; i++) {
		__u64 v = s->value[i];

		/* start_ms of rows that all lacked it: none, as 0. */
		if (s->rule[i] == MIN && v == ~0ULL)
			v = 0;
		if (s->rule[i] == SUM_MS)
			err = strbuf__appendf(sb, "\t%llu.%03llu", (unsigned long long)(v / 1000),
					      (unsigned long long)(v % 1000));
		else
			err = strbuf__appendf(sb, "\t%llu", (unsigned long long)v);
	}
	if (!err)
		err = strbuf__appendf(sb, "\t%llu\n", (unsigned long long)s->intervals);
	return err;
}
