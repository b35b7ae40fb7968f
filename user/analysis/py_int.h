/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * py_int.h - a field's text as Python's int() reads it, so that the C
 * aggregation accepts and rejects exactly the values the Python report's
 * reader does (scripts/darkscope_lib/reader.py converts with int()).
 *
 * Accepted: optional ASCII whitespace (Python's: \t \n \v \f \r, 0x1c-0x1f,
 * space) around an optional sign and decimal digits, single underscores
 * between digits ("1_000").  Python also takes Unicode digits and spaces;
 * those are rejected here (a series file never holds them).
 */
#ifndef __DARKSCOPE_PY_INT_H
#define __DARKSCOPE_PY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum py_int_result {
	PY_INT_OK = 0,      /* *out holds the value */
	PY_INT_BAD = -1,    /* int() raises ValueError */
	PY_INT_BIG_POS = 1, /* a valid int above INT64_MAX */
	PY_INT_BIG_NEG = 2, /* a valid int below INT64_MIN */
};

/* Parse s[0..n) (need not be NUL-terminated). */
enum py_int_result py_int_parse(const char *s, size_t n, __s64 *out);

/* The common case first: 1..18 ASCII digits; false sends the caller to
 * py_int_parse(). */
static inline bool py_int_digits(const char *s, size_t n, __s64 *out)
{
	__s64 v = 0;

	if (!n || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Whitespace as Python's str.split() and int() see it, ASCII only. */
static inline bool py_is_space(unsigned char c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

#endif /* __DARKSCOPE_PY_INT_H */
