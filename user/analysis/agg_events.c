// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* agg_events.c - the events list of a pass, and its merge-order sort. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/agg_events.h"

static const char *const names[EV_KINDS] = {
	[EV_OPEN] = "open",
	[EV_READ] = "read",
	[EV_CORRUPT] = "corrupt",
	[EV_TRUNCATED] = "truncated",
	[EV_SERIES_LINE] = "series-line",
	[EV_NEWER] = "newer",
	[EV_OTHER_SERIES] = "other-series",
	[EV_NO_HEADER] = "no-header",
	[EV_BAD_ROWS] = "bad-rows",
	[EV_BAD_SRC] = "bad-src",
	[EV_UNORDERED] = "unordered",
};

const char *agg_event_name(enum agg_event_kind kind)
{
	return kind < EV_KINDS ? names[kind] : "?";
}

int agg_events__add(struct agg_events *l, const struct agg_pos *pos, enum agg_event_kind kind,
		    __u32 file, __s64 num, __s64 num2, const char *text, size_t len)
{
	struct agg_event *e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct agg_event *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->n];
	*e = (struct agg_event){ .pos = *pos, .kind = kind, .file = file, .num = num,
				 .num2 = num2, .len = len };
	if (len) {
		e->text = malloc(len);
		if (!e->text)
			return -ENOMEM;
		memcpy(e->text, text, len);
	}
	l->n++;
	return 0;
}

int agg_events__take(struct agg_events *dst, struct agg_events *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (dst->n == dst->cap) {
			size_t cap = dst->cap ? 2 * dst->cap : 16;
			struct agg_event *v;

			while (cap < dst->n + src->n - i)
				cap *= 2;
			v = realloc(dst->v, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			dst->v = v;
			dst->cap = cap;
		}
		dst->v[dst->n++] = src->v[i];
	}
	free(src->v);
	*src = (struct agg_events){ 0 };
	return 0;
}

static int event_cmp(const void *a, const void *b)
{
	const struct agg_event *x = a, *y = b;
	int c = agg_pos_cmp(&x->pos, &y->pos);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

void agg_events__sort(struct agg_events *l)
{
	for (size_t i = 0; i < l->n; i++)
		l->v[i].order = i;
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), event_cmp);
}

void agg_events__free(struct agg_events *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	*l = (struct agg_events){ 0 };
}
