/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * strbuf.h - a growable byte buffer.  Formatters reserve room once and then
 * write straight into buf + len, which keeps per-field formatting free of
 * bounds checks and function calls.
 */
#ifndef __DARKSCOPE_STRBUF_H
#define __DARKSCOPE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;  /* not NUL-terminated unless strbuf__cstr() was called */
	size_t len; /* bytes in use */
	size_t cap; /* bytes allocated */
};

#define STRBUF_INIT { NULL, 0, 0 }

/* Make room for at least extra more bytes after len; 0 or -ENOMEM. */
int strbuf__reserve(struct strbuf *sb, size_t extra);
int strbuf__append(struct strbuf *sb, const void *data, size_t len);
int strbuf__append_str(struct strbuf *sb, const char *s);
/* strbuf__append() for the small appends of a row: inline while there is
 * room, the spare byte kept (a constant len becomes a plain store). */
static inline int strbuf__put(struct strbuf *sb, const void *data, size_t len)
{
	if (sb->cap - sb->len <= len)
		return strbuf__append(sb, data, len);
	__builtin_memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	return 0;
}
/* printf into the buffer; for headers and messages, not for rows. */
int strbuf__appendf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminate (without counting the NUL in len) and return buf, or NULL. */
const char *strbuf__cstr(struct strbuf *sb);
/* Forget the contents, keep the allocation. */
static inline void strbuf__reset(struct strbuf *sb)
{
	sb->len = 0;
}
void strbuf__free(struct strbuf *sb);

#endif /* __DARKSCOPE_STRBUF_H */
