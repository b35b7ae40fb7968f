// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * row_printer.c - TSV and JSON lines for `darkscope read`.
 *
 * A million rows have to print in about a second, so every piece goes
 * through an inline append to one buffer, JSON keys are made once, and the
 * FILE sees a write per megabyte.  Numbers are printed as they are stored;
 * JSON quotes the text columns; host lists ("[3,17]") become JSON arrays.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "series/row_printer.h"
#include "util/strbuf.h"

/* Buffered output is written once it reaches this size. */
#define OUT_BLOCK (1U << 20)
#define JSON_KEY_MAX 40

struct row_printer {
	FILE *f;
	bool json;
	int err;                 /* first failure, sticky */
	struct strbuf buf;
	const char *const *columns;
	size_t n_columns;
	char (*json_keys)[JSON_KEY_MAX]; /* ,"<column>": */
	bool *text_column;       /* a JSON string even when it looks numeric */
};

static bool is_text_column(const char *name)
{
	static const char *const text_columns[] = { "proto", "src" };

	for (size_t i = 0; i < sizeof(text_columns) / sizeof(text_columns[0]); i++)
		if (!strcmp(name, text_columns[i]))
			return true;
	return false;
}

struct row_printer *row_printer__open(FILE *f, bool json, const char *const *columns, size_t n)
{
	struct row_printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->json_keys = calloc(n ? n : 1, sizeof(*p->json_keys));
	p->text_column = calloc(n ? n : 1, sizeof(*p->text_column));
	if (!p->json_keys || !p->text_column) {
		free(p->json_keys);
		free(p->text_column);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->f = f;
	p->json = json;
	p->columns = columns;
	p->n_columns = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(p->json_keys[i], JSON_KEY_MAX, ",\"%s\":", columns[i]);
		p->text_column[i] = is_text_column(columns[i]);
	}
	return p;
}

/* Called several times per field: the common case stays inline. */
static inline void put(struct row_printer *p, const char *s, size_t len)
{
	if (p->buf.cap - p->buf.len > len) {
		memcpy(p->buf.buf + p->buf.len, s, len);
		p->buf.len += len;
	} else if (!p->err) {
		p->err = strbuf__append(&p->buf, s, len);
	}
}

static void put_str(struct row_printer *p, const char *s)
{
	put(p, s, strlen(s));
}

static void put_json_string(struct row_printer *p, const char *s)
{
	put(p, "\"", 1);
	for (const char *run = s;; s++) {
		unsigned char c = *s;
		char esc[8];

		if (c && c != '"' && c != '\\' && c >= 0x20)
			continue;
		put(p, run, s - run);
		if (!c)
			break;
		snprintf(esc, sizeof(esc), c == '"' || c == '\\' ? "\\%c" : "\\u%04x", c);
		put_str(p, esc);
		run = s + 1;
	}
	put(p, "\"", 1);
}

/* Digits with an optional fraction: what the numeric columns hold. */
static bool is_json_number(const char *s)
{
	size_t int_len = strspn(s, "0123456789");

	if (!int_len)
		return false;
	s += int_len;
	if (*s == '.')
		s += 1 + strspn(s + 1, "0123456789");
	return !*s;
}

/* "[3,17,200]" or "[]": the host lists, printed as JSON arrays. */
static bool is_json_int_array(const char *s)
{
	size_t len = strlen(s);

	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return false;
	if (len == 2)
		return true;
	/* Digits in runs separated by single commas. */
	for (size_t i = 1; i < len - 1; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';

		if (!digit && (s[i] != ',' || s[i - 1] == '[' || s[i - 1] == ',' || s[i + 1] == ']'))
			return false;
	}
	return true;
}

void row_printer__header(struct row_printer *p)
{
	if (p->json)
		return;
	put_str(p, "sensor");
	for (size_t i = 0; i < p->n_columns; i++) {
		put(p, "\t", 1);
		put_str(p, p->columns[i]);
	}
	put(p, "\n", 1);
}

static void put_tsv(struct row_printer *p, const char *sensor, const struct ts_reader *r)
{
	put_str(p, sensor);
	for (size_t i = 0; i < p->n_columns; i++) {
		const char *v = ts_reader__value(r, i);

		put(p, "\t", 1);
		if (v)
			put_str(p, v);
	}
	put(p, "\n", 1);
}

static void put_json(struct row_printer *p, const char *sensor, const struct ts_reader *r)
{
	put_str(p, "{\"sensor\":");
	put_json_string(p, sensor);
	for (size_t i = 0; i < p->n_columns; i++) {
		const char *v = ts_reader__value(r, i);

		put_str(p, p->json_keys[i]);
		if (!v)
			put_str(p, "null");
		else if (!p->text_column[i] && (is_json_number(v) || is_json_int_array(v)))
			put_str(p, v);
		else
			put_json_string(p, v);
	}
	put(p, "}\n", 2);
}

/* Write out what is buffered; 0, or -errno of the first failure so far. */
static int flush(struct row_printer *p)
{
	if (!p->err && p->buf.len && fwrite(p->buf.buf, 1, p->buf.len, p->f) != p->buf.len)
		p->err = -errno;
	strbuf__reset(&p->buf);
	return p->err;
}

int row_printer__append(struct row_printer *p, const char *sensor, const struct ts_reader *r)
{
	if (p->json)
		put_json(p, sensor, r);
	else
		put_tsv(p, sensor, r);
	if (p->buf.len >= OUT_BLOCK)
		flush(p);
	return p->err;
}

int row_printer__close(struct row_printer *p)
{
	int err = flush(p);

	if (!err && fflush(p->f))
		err = -errno;
	strbuf__free(&p->buf);
	free(p->json_keys);
	free(p->text_column);
	free(p);
	return err;
}
