// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * strbuf.c - a growable byte buffer; capacity doubles so appending n bytes
 * one row at a time costs O(n).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

#define STRBUF_MIN_CAP 4096

int strbuf__reserve(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *buf;

	if (extra > SIZE_MAX - sb->len - 1)
		return -ENOMEM;
	/* One spare byte so strbuf__cstr() never has to grow the buffer. */
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : STRBUF_MIN_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	buf = realloc(sb->buf, cap);
	if (!buf)
		return -ENOMEM;
	sb->buf = buf;
	sb->cap = cap;
	return 0;
}

int strbuf__append(struct strbuf *sb, const void *data, size_t len)
{
	int err = strbuf__reserve(sb, len);

	if (err)
		return err;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	return 0;
}

int strbuf__append_str(struct strbuf *sb, const char *s)
{
	return strbuf__append(sb, s, strlen(s));
}

int strbuf__appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list args;
	int len, err;

	va_start(args, fmt);
	len = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	if (len < 0)
		return -EINVAL;
	err = strbuf__reserve(sb, len);
	if (err)
		return err;
	va_start(args, fmt);
	vsnprintf(sb->buf + sb->len, len + 1, fmt, args);
	va_end(args);
	sb->len += len;
	return 0;
}

const char *strbuf__cstr(struct strbuf *sb)
{
	if (strbuf__reserve(sb, 0))
		return NULL;
	sb->buf[sb->len] = '\0';
	return sb->buf;
}

void strbuf__free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}
