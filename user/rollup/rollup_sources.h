/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rollup_sources.h - the raw files a rollup is made from, and the record of
 * them a rollup carries.
 *
 * The sources of a span are the regular files (symlinks followed) of DIR
 * named "<series>-YYYY-MM-DDTHH.tsv.gz" whose hour lies in the span, names
 * starting with '.' excepted: what `darkscope read DIR` reads.  A rollup's
 * header lists each as "# source: NAME SIZE".  It is current while every
 * source now in DIR is listed with its size: the daemon only appends, so a
 * size that changed, or a file not listed, is late data (a restarted
 * daemon's appends) and the rollup is stale.  A listed file that is gone
 * (archived, deleted by retention) leaves the rollup current: its rows are
 * in it.  scripts/darkscope_lib/rollups.py applies the same rule.
 */
#ifndef __DARKSCOPE_ROLLUP_SOURCES_H
#define __DARKSCOPE_ROLLUP_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "rollup/rollup_names.h"
#include "util/strbuf.h"

struct rollup_source {
	char name[ROLLUP_NAME_MAX]; /* base name in DIR */
	__u64 hour;                 /* from the name */
	__u64 size;                 /* bytes, when scanned */
};

/* The series files of one directory, by hour. */
struct source_set {
	struct rollup_source *v;
	size_t n, cap;
};

/* The sources of series in dir, sorted by hour (into an empty set).
 * 0 or -errno (dir unreadable: warned about). */
int source_set__scan(struct source_set *s, const char *dir, const char *series);
void source_set__free(struct source_set *s);
/* The range [*lo, *hi) of s's files whose hour lies in span. */
void source_set__span(const struct source_set *s, const struct rollup_span *span, size_t *lo,
		      size_t *hi);

/* "# source: NAME SIZE\n" for each of v[0..n). 0 or -ENOMEM. */
int sources_record(struct strbuf *sb, const struct rollup_source *v, size_t n);
/* The "# source:" lines of a rollup's header text, into an empty set (hours
 * 0).  0 or -ENOMEM. */
int sources_parse(const char *header, struct source_set *recorded);
/* Whether every file of v[0..n) is in recorded with the same size. */
bool sources_cover(const struct source_set *recorded, const struct rollup_source *v, size_t n);
/* The first file of recorded that is not in v[0..n) (gone from DIR), or NULL. */
const struct rollup_source *sources_gone(const struct source_set *recorded,
					 const struct rollup_source *v, size_t n);

/* The text of the first gzip member of path (a rollup's header member), at
 * most max bytes of it.  0, -ENOENT, or another -errno (-EBADMSG: not a
 * complete gzip member). */
int rollup_header_read(const char *path, struct strbuf *out, size_t max);

#endif /* __DARKSCOPE_ROLLUP_SOURCES_H */
