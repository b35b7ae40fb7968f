/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * export_row.h - rows of a series as the TSV a database loader takes
 * (ClickHouse's TabSeparated input, docs/CLICKHOUSE.md): every value checked
 * against its column's type before it is written, so that one bad row is
 * skipped and named instead of failing a whole INSERT; `src` as the /24's
 * address as a number; a column a file lacks as 0 or `[]`; the sensor name
 * escaped; a constant last column (the loader's batch number).
 */
#ifndef __DARKSCOPE_EXPORT_ROW_H
#define __DARKSCOPE_EXPORT_ROW_H

#include <stddef.h>

#include "series/ts_reader.h"
#include "util/strbuf.h"

struct export_row;

enum export_format {
	EXPORT_TSV,    /* TabSeparated text, a line per row */
	EXPORT_NATIVE, /* ClickHouse Native blocks */
};

/* Rows of the given columns (a ts_reader__select() list, which must outlive
 * it) and the last column, a number given as text.  NULL with errno set. */
struct export_row *export_row__open(const char *const *columns, size_t n, const char *last,
				    enum export_format format);
/* The ClickHouse type of the i-th column ("UInt64", "Array(UInt8)"...). */
const char *export_row__type(const struct export_row *e, size_t i);
/*
 * Take the current row of r, with sensor first: 0; 1 when a value does not
 * fit its column (nothing taken; *bad names the column, *value is the text
 * or NULL when missing); -ENOMEM.  TSV rows are appended to sb at once,
 * Native rows when a block is full or at export_row__flush().
 */
int export_row__append(struct export_row *e, struct strbuf *sb, const char *sensor,
		       const struct ts_reader *r, const char **bad, const char **value);
/* Append the rows taken and not yet in sb (Native); 0 or -ENOMEM. */
int export_row__flush(struct export_row *e, struct strbuf *sb);
void export_row__close(struct export_row *e);

#endif /* __DARKSCOPE_EXPORT_ROW_H */
