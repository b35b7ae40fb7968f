/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ts_reader.h - reads one series file (docs/FORMAT.md) row by row.
 *
 * The file is inflated one gzip member at a time and a member's rows are
 * returned only once the whole member has arrived: a member cut short at
 * the end of the file (a writer killed mid-write, a copy in progress) is
 * discarded with a warning, every complete member before it is kept.
 * Columns are found by name in the latest column-header line, so files
 * with extra or reordered columns read the same.
 */
#ifndef __DARKSCOPE_TS_READER_H
#define __DARKSCOPE_TS_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The comment lines of the latest header (empty strings until seen;
 * values longer than the arrays are cut). */
struct ts_reader_meta {
	char series[32];             /* "# darkscope-series: <series> <version>" */
	unsigned int format_version;
	char sensor[256];            /* "# sensor:" */
	char iface[64];              /* "# iface:" */
	unsigned int interval;       /* "# interval:", seconds */
	char version[32];            /* "# version:", of the writing daemon */
	char started[32];            /* "# started:", ISO 8601 */
};

struct ts_reader;

/* Open path for reading; NULL with errno set (the caller reports it). */
struct ts_reader *ts_reader__open(const char *path);
/* Columns the caller will ask for by position with ts_reader__value();
 * the strings must outlive the reader.  0 or -ENOMEM. */
int ts_reader__select(struct ts_reader *r, const char *const *names, size_t n);
/*
 * Advance to the next data row: 1 when there is one, 0 at the end of the
 * file (a truncated last member is warned about and skipped), or -errno
 * when the file cannot be read further (corrupt data, unsupported format
 * version, rows without a header; warned about, rows before stay valid).
 */
int ts_reader__next(struct ts_reader *r);
/* The current row's ts (unix seconds). */
__u64 ts_reader__ts(const struct ts_reader *r);
/* The current row's value of the i-th selected column, NUL-terminated, or
 * NULL if the file has no such column.  Valid until the next call. */
const char *ts_reader__value(const struct ts_reader *r, size_t i);
/* Index of a column in the latest column header, or -ENOENT. */
int ts_reader__column(const struct ts_reader *r, const char *name);
const struct ts_reader_meta *ts_reader__meta(const struct ts_reader *r);
/* Whether a truncated member was discarded at the end of the file. */
bool ts_reader__truncated(const struct ts_reader *r);
/* File offset where the gzip member of the current row starts (for
 * messages naming a bad row's place). */
__u64 ts_reader__member_start(const struct ts_reader *r);
const char *ts_reader__path(const struct ts_reader *r);
/* NULL is a no-op. */
void ts_reader__close(struct ts_reader *r);

#endif /* __DARKSCOPE_TS_READER_H */
