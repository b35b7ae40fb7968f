// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * py_int.c - Python's int() grammar for decimal text (CPython's
 * PyLong_FromString with base 10): whitespace, sign, digits with single
 * underscores between them, whitespace, nothing else.
 */
#include <stdint.h>

#include "analysis/py_int.h"

enum py_int_result py_int_parse(const char *s, size_t n, __s64 *out)
{
	size_t i = 0, end = n;
	bool neg = false, big = false, digit_before = false;
	__u64 v = 0;
	/* |INT64_MIN| fits a __u64; the limit depends on the sign. */
	__u64 limit;

	while (i < end && py_is_space(s[i]))
		i++;
	while (end > i && py_is_space(s[end - 1]))
		end--;
	if (i < end && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == end)
		return PY_INT_BAD;
	limit = neg ? (__u64)INT64_MAX + 1 : (__u64)INT64_MAX;
	for (; i < end; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (s[i] == '_') {
			/* Only between two digits. */
			if (!digit_before || i + 1 == end || s[i + 1] == '_')
				return PY_INT_BAD;
			digit_before = false;
			continue;
		}
		if (d > 9)
			return PY_INT_BAD;
		digit_before = true;
		if (!big) {
			if (v > (limit - d) / 10)
				big = true;
			else
				v = v * 10 + d;
		}
	}
	if (big)
		return neg ? PY_INT_BIG_NEG : PY_INT_BIG_POS;
	*out = neg ? (__s64)(0 - v) : (__s64)v;
	return PY_INT_OK;
}
