/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * row_printer.h - the output of `darkscope read`: rows as TSV under one
 * header line, or as JSON objects one per line.  Text is built in memory
 * and written to the FILE in large blocks.
 */
#ifndef __DARKSCOPE_ROW_PRINTER_H
#define __DARKSCOPE_ROW_PRINTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "series/ts_reader.h"

struct row_printer;

/* Rows of the given columns (the strings must outlive the printer), each
 * preceded by a "sensor" column.  NULL with errno set. */
struct row_printer *row_printer__open(FILE *f, bool json, const char *const *columns, size_t n);
/* TSV: the line "sensor<TAB>columns..."; JSON has no header. */
void row_printer__header(struct row_printer *p);
/* The current row of r, whose ts_reader__select() is the printer's columns.
 * 0, or -errno of the first failure so far (then nothing more is written). */
int row_printer__append(struct row_printer *p, const char *sensor, const struct ts_reader *r);
/* Flush, free p; 0 or -errno of the first failure. */
int row_printer__close(struct row_printer *p);

#endif /* __DARKSCOPE_ROW_PRINTER_H */
