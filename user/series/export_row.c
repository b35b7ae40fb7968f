// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * export_row.c - one series row as loader TSV, checked value by value.
 *
 * The checks are those of the database's column types (docs/CLICKHOUSE.md):
 * a value ClickHouse would refuse fails the whole INSERT, and with it every
 * later run over the same file, so it is caught here.  A row costs one
 * reservation and a memcpy per value.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "series/export_row.h"

enum kind {
	KIND_U64,     /* counters: 1 to 20 digits, at most 2^64 - 1 */
	KIND_TS,      /* DateTime: at most 2^32 - 1 */
	KIND_U16,     /* dport, srcs, mirai_srcs */
	KIND_PROTO,   /* tcp, udp, icmp */
	KIND_SRC,     /* a.b.c.0/24, written as the address a number */
	KIND_HOSTS,   /* [h1,h2,...], each 0..255 */
	KIND_DECIMAL, /* digits with an optional fraction */
};

struct export_row {
	const char *const *columns;
	size_t n;
	enum kind *kinds;
	const char *last;
	size_t last_len;
	char sensor_raw[256];     /* the sensor name escaped last */
	char sensor_tsv[512 + 1]; /* and its escaped text */
	size_t sensor_len;
};

static enum kind kind_of(const char *name)
{
	static const struct {
		const char *name;
		enum kind kind;
	} named[] = {
		{ "ts", KIND_TS }, { "dport", KIND_U16 }, { "srcs", KIND_U16 },
		{ "mirai_srcs", KIND_U16 }, { "proto", KIND_PROTO }, { "src", KIND_SRC },
		{ "src_hosts", KIND_HOSTS }, { "mirai_hosts", KIND_HOSTS },
		{ "drain_ms", KIND_DECIMAL }, { "write_ms", KIND_DECIMAL },
	};

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (!strcmp(name, named[i].name))
			return named[i].kind;
	return KIND_U64;
}

struct export_row *export_row__open(const char *const *columns, size_t n, const char *last)
{
	struct export_row *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->kinds = calloc(n ? n : 1, sizeof(*e->kinds));
	if (!e->kinds) {
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		e->kinds[i] = kind_of(columns[i]);
	e->columns = columns;
	e->n = n;
	e->last = last;
	e->last_len = strlen(last);
	e->sensor_raw[0] = 1; /* matches no name: the first row escapes */
	return e;
}

void export_row__close(struct export_row *e)
{
	if (!e)
		return;
	free(e->kinds);
	free(e);
}

/* A decimal number of at most max_digits digits and at most max. */
static bool check_uint(const char *s, size_t len, size_t max_digits, unsigned long long max)
{
	unsigned long long v = 0;

	if (!len || len > max_digits)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	return true;
}

static bool check_decimal(const char *s, size_t len)
{
	size_t int_len = strspn(s, "0123456789");

	if (!int_len)
		return false;
	if (int_len == len)
		return true;
	return s[int_len] == '.' && int_len + 1 < len &&
	       strspn(s + int_len + 1, "0123456789") == len - int_len - 1;
}

static bool check_hosts(const char *s, size_t len)
{
	size_t i = 1;

	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return false;
	if (len == 2)
		return true;
	while (i < len - 1) {
		size_t d = strspn(s + i, "0123456789");

		if (!check_uint(s + i, d, 3, 255))
			return false;
		i += d;
		if (s[i] == ',' && i + 1 < len - 1)
			i++;
		else if (s[i] != ']')
			return false;
	}
	return true;
}

/* "a.b.c.0/24" (no leading zeros, as the writer prints it) -> the address. */
static bool parse_net24(const char *s, size_t len, unsigned long *addr)
{
	unsigned long v = 0;
	size_t i = 0;

	if (len < 9 || strcmp(s + len - 5, ".0/24"))
		return false;
	for (int octet = 0; octet < 3; octet++) {
		size_t d = strspn(s + i, "0123456789");

		if (!check_uint(s + i, d, 3, 255) || (d > 1 && s[i] == '0') || s[i + d] != '.')
			return false;
		v = v << 8 | strtoul(s + i, NULL, 10);
		i += d + 1;
	}
	if (i != len - 4)
		return false;
	*addr = v << 8;
	return true;
}

/* The TSV text of a checked value, or NULL when it does not fit. */
static const char *tsv_value(enum kind kind, const char *v, size_t *len, char num[16])
{
	unsigned long addr;

	switch (kind) {
	case KIND_U64:
		return check_uint(v, *len, 20, ~0ULL) ? v : NULL;
	case KIND_TS:
		return check_uint(v, *len, 10, 0xFFFFFFFFULL) ? v : NULL;
	case KIND_U16:
		return check_uint(v, *len, 5, 0xFFFF) ? v : NULL;
	case KIND_PROTO:
		return !strcmp(v, "tcp") || !strcmp(v, "udp") || !strcmp(v, "icmp") ? v : NULL;
	case KIND_SRC:
		if (!parse_net24(v, *len, &addr))
			return NULL;
		*len = snprintf(num, 16, "%lu", addr);
		return num;
	case KIND_HOSTS:
		return check_hosts(v, *len) ? v : NULL;
	case KIND_DECIMAL:
		return check_decimal(v, *len) ? v : NULL;
	}
	return NULL;
}

/* A column this file does not have: the value that means "none". */
static const char *missing_value(enum kind kind)
{
	switch (kind) {
	case KIND_HOSTS:
		return "[]";
	case KIND_PROTO:
	case KIND_SRC:
		return NULL; /* a row without them is no row */
	default:
		return "0";
	}
}

/* TabSeparated escapes a backslash (a name has no tab or control character,
 * docs/FORMAT.md, but one it has anyway is escaped too). */
static void escape_sensor(struct export_row *e, const char *sensor)
{
	size_t n = 0;

	snprintf(e->sensor_raw, sizeof(e->sensor_raw), "%s", sensor);
	for (const char *s = e->sensor_raw; *s; s++) {
		char c = *s;

		if (c == '\\' || c == '\t' || c == '\n') {
			e->sensor_tsv[n++] = '\\';
			c = c == '\t' ? 't' : c == '\n' ? 'n' : c;
		}
		e->sensor_tsv[n++] = c;
	}
	e->sensor_tsv[n] = '\0';
	e->sensor_len = n;
}

int export_row__append(struct export_row *e, struct strbuf *sb, const char *sensor,
		       const struct ts_reader *r, const char **bad, const char **value)
{
	const char *text[64];
	size_t lens[64], need;
	char nums[4][16]; /* numbers made from text (src), up to 4 a row */
	int n_nums = 0;
	char *p;

	if (e->n > 64)
		return -E2BIG;
	if (strcmp(sensor, e->sensor_raw))
		escape_sensor(e, sensor);
	need = e->sensor_len + e->last_len + e->n + 2;
	for (size_t i = 0; i < e->n; i++) {
		const char *v = ts_reader__value(r, i);
		size_t len;

		/* Absent from this file's header: the default.  A short row: bad. */
		if (!v && ts_reader__column(r, e->columns[i]) < 0)
			v = missing_value(e->kinds[i]);
		len = v ? strlen(v) : 0;
		text[i] = v ? tsv_value(e->kinds[i], v, &len, nums[n_nums]) : NULL;
		if (!text[i]) {
			*bad = e->columns[i];
			*value = v;
			return 1;
		}
		if (text[i] == nums[n_nums])
			n_nums = (n_nums + 1) % 4;
		lens[i] = len;
		need += len;
	}
	if (strbuf__reserve(sb, need))
		return -ENOMEM;
	p = sb->buf + sb->len;
	memcpy(p, e->sensor_tsv, e->sensor_len);
	p += e->sensor_len;
	for (size_t i = 0; i < e->n; i++) {
		*p++ = '\t';
		memcpy(p, text[i], lens[i]);
		p += lens[i];
	}
	*p++ = '\t';
	memcpy(p, e->last, e->last_len);
	p += e->last_len;
	*p++ = '\n';
	sb->len = p - sb->buf;
	return 0;
}
