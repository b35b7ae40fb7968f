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

/* Rows of the given columns (a ts_reader__select() list, which must outlive
 * it) and the text of the last column.  NULL with errno set. */
struct export_row *export_row__open(const char *const *columns, size_t n, const char *last);
/*
 * Append the current row of r, with sensor first: 0; 1 when a value does not
 * fit its column (nothing appended; *bad names the column, *value is the
 * text or NULL when missing); -ENOMEM.
 */
int export_row__append(struct export_row *e, struct strbuf *sb, const char *sensor,
		       const struct ts_reader *r, const char **bad, const char **value);
void export_row__close(struct export_row *e);

#endif /* __DARKSCOPE_EXPORT_ROW_H */
