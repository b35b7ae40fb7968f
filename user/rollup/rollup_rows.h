/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * rollup_rows.h - the current row of a ts_reader as the values a rollup
 * adds up: a flows row as a struct flow_row (key, counts, host bitmaps), a
 * ports row as a struct port_row.  Select the columns first with
 * ts_reader__select(r, FLOW_FIELDS, N_FLOW_FIELDS) (or the port ones).
 */
#ifndef __DARKSCOPE_ROLLUP_ROWS_H
#define __DARKSCOPE_ROLLUP_ROWS_H

#include <stddef.h>

#include "series/interval.h"
#include "series/ts_reader.h"

extern const char *const FLOW_FIELDS[];
extern const size_t N_FLOW_FIELDS;
extern const char *const PORT_FIELDS[];
extern const size_t N_PORT_FIELDS;

/* NULL when the row is one, else the name of the first column that is
 * missing or malformed (a missing mirai_hosts is no host, as before the
 * column existed; a missing syn or mirai is 0). */
const char *read_flow_row(const struct ts_reader *r, struct flow_row *row);
const char *read_port_row(const struct ts_reader *r, struct port_row *row);

#endif /* __DARKSCOPE_ROLLUP_ROWS_H */
