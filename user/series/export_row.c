// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * export_row.c - series rows as loader input, checked value by value.
 *
 * The checks are those of the database's column types (docs/CLICKHOUSE.md):
 * a value ClickHouse would refuse fails the whole INSERT, and with it every
 * later run over the same file, so it is caught here.  Every value of a row
 * is checked (and converted) before any is written, so a bad row leaves
 * nothing behind.
 *
 * Two outputs: TabSeparated text, and ClickHouse's Native format (column
 * blocks: a varint column count and row count, then per column its name,
 * its type and its values, little-endian; an Array(UInt8) column is every
 * row's end offset as UInt64, then all the bytes).  clickhouse-client parses
 * text at well under a million rows a second on one core; Native it only
 * forwards, so the loader uses that.
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "series/export_row.h"
#include "series/series_format.h"

/* Rows per Native block: the client sends each as it is. */
#define BLOCK_ROWS 65536
#define MAX_COLUMNS 64

enum kind {
	KIND_U64,     /* counters: 1 to 20 digits, at most 2^64 - 1 */
	KIND_TS,      /* DateTime: at most 2^32 - 1 */
	KIND_U16,     /* dport, srcs, mirai_srcs */
	KIND_PROTO,   /* tcp, udp, icmp: Enum8 in their C order */
	KIND_SRC,     /* a.b.c.0/24, as the address, UInt32 */
	KIND_HOSTS,   /* [h1,h2,...], each 0..255: Array(UInt8) */
	KIND_DECIMAL, /* digits with an optional fraction: Float64 */
	KIND_STRING,  /* the sensor name */
};

/* One checked value of a row. */
struct value {
	const char *text; /* TSV: what is written */
	size_t len;
	__u64 u;          /* Native: the number; hosts: where they are in hosts[] */
	double f;
	size_t n_hosts;
};

struct column_out {
	struct strbuf data;    /* Native values */
	struct strbuf offsets; /* Array(UInt8): each row's end in data */
};

struct export_row {
	enum export_format format;
	const char *const *columns;
	size_t n;
	enum kind kinds[MAX_COLUMNS];
	const char *last;
	size_t last_len;
	__u64 last_value;
	char sensor_raw[256];     /* the sensor name escaped last */
	size_t sensor_raw_len;
	char sensor_tsv[512 + 1]; /* and its escaped text */
	size_t sensor_len;
	struct column_out out[MAX_COLUMNS + 2]; /* sensor, the columns, the last */
	size_t rows;              /* in the Native block being built */
	char proto_enum[96];
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

static const char *type_of(const struct export_row *e, enum kind kind)
{
	switch (kind) {
	case KIND_TS:
		return "DateTime";
	case KIND_U16:
		return "UInt16";
	case KIND_PROTO:
		return e->proto_enum;
	case KIND_SRC:
		return "UInt32";
	case KIND_HOSTS:
		return "Array(UInt8)";
	case KIND_DECIMAL:
		return "Float64";
	case KIND_STRING:
		return "String";
	default:
		return "UInt64";
	}
}

const char *export_row__type(const struct export_row *e, size_t i)
{
	return i < e->n ? type_of(e, e->kinds[i]) : NULL;
}

struct export_row *export_row__open(const char *const *columns, size_t n, const char *last,
				    enum export_format format)
{
	struct export_row *e;
	size_t len;

	if (n > MAX_COLUMNS) {
		errno = E2BIG;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	for (size_t i = 0; i < n; i++)
		e->kinds[i] = kind_of(columns[i]);
	e->format = format;
	e->columns = columns;
	e->n = n;
	e->last = last;
	e->last_len = strlen(last);
	e->last_value = strtoull(last, NULL, 10);
	e->sensor_raw[0] = 1; /* matches no name: the first row escapes */
	len = snprintf(e->proto_enum, sizeof(e->proto_enum), "Enum8(");
	for (unsigned int i = 0; i < DS_PROTO_MAX; i++)
		len += snprintf(e->proto_enum + len, sizeof(e->proto_enum) - len, "%s'%s' = %u",
				i ? ", " : "", proto_name(i), i);
	snprintf(e->proto_enum + len, sizeof(e->proto_enum) - len, ")");
	return e;
}

void export_row__close(struct export_row *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n + 2; i++) {
		strbuf__free(&e->out[i].data);
		strbuf__free(&e->out[i].offsets);
	}
	free(e);
}

/* A decimal number of at most max_digits digits and at most max. */
static bool parse_uint(const char *s, size_t len, size_t max_digits, __u64 max, __u64 *out)
{
	__u64 v = 0;

	if (!len || len > max_digits)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
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

/* "[h1,h2,...]" into hosts (at most 256 of them). */
static bool parse_hosts(const char *s, size_t len, unsigned char *hosts, size_t *n)
{
	size_t i = 1;

	*n = 0;
	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return false;
	if (len == 2)
		return true;
	while (i < len - 1) {
		size_t d = strspn(s + i, "0123456789");
		__u64 h;

		if (*n == 256 || !parse_uint(s + i, d, 3, 255, &h))
			return false;
		hosts[(*n)++] = h;
		i += d;
		if (s[i] == ',' && i + 1 < len - 1)
			i++;
		else if (s[i] != ']')
			return false;
	}
	return true;
}

/* "a.b.c.0/24" (no leading zeros, as the writer prints it) -> the address. */
static bool parse_net24(const char *s, size_t len, __u64 *addr)
{
	__u64 v = 0, octet;
	size_t i = 0;

	if (len < 9 || strcmp(s + len - 5, ".0/24"))
		return false;
	for (int k = 0; k < 3; k++) {
		size_t d = strspn(s + i, "0123456789");

		if (!parse_uint(s + i, d, 3, 255, &octet) || (d > 1 && s[i] == '0') ||
		    s[i + d] != '.')
			return false;
		v = v << 8 | octet;
		i += d + 1;
	}
	if (i != len - 4)
		return false;
	*addr = v << 8;
	return true;
}

static bool parse_proto(const char *s, __u64 *out)
{
	for (unsigned int i = 0; i < DS_PROTO_MAX; i++) {
		if (!strcmp(s, proto_name(i))) {
			*out = i;
			return true;
		}
	}
	return false;
}

/* Check text of the kind into v; hosts go to hosts. */
static bool take_value(enum kind kind, const char *text, struct value *v, char *num,
		       unsigned char *hosts)
{
	v->text = text;
	v->len = strlen(text);
	switch (kind) {
	case KIND_U64:
		return parse_uint(text, v->len, 20, ~0ULL, &v->u);
	case KIND_TS:
		return parse_uint(text, v->len, 10, 0xFFFFFFFFULL, &v->u);
	case KIND_U16:
		return parse_uint(text, v->len, 5, 0xFFFF, &v->u);
	case KIND_PROTO:
		return parse_proto(text, &v->u);
	case KIND_SRC:
		if (!parse_net24(text, v->len, &v->u))
			return false;
		if (num) { /* TSV prints the number */
			v->len = snprintf(num, 16, "%llu", (unsigned long long)v->u);
			v->text = num;
		}
		return true;
	case KIND_HOSTS:
		return parse_hosts(text, v->len, hosts, &v->n_hosts);
	case KIND_DECIMAL:
		if (!check_decimal(text, v->len))
			return false;
		v->f = strtod(text, NULL);
		return true;
	default:
		return false;
	}
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

	e->sensor_raw_len = snprintf(e->sensor_raw, sizeof(e->sensor_raw), "%s", sensor);
	if (e->sensor_raw_len >= sizeof(e->sensor_raw))
		e->sensor_raw_len = sizeof(e->sensor_raw) - 1;
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

static int put_tsv(struct export_row *e, struct strbuf *sb, const struct value *v)
{
	size_t need = e->sensor_len + e->last_len + e->n + 2;
	char *p;

	for (size_t i = 0; i < e->n; i++)
		need += v[i].len;
	if (strbuf__reserve(sb, need))
		return -ENOMEM;
	p = sb->buf + sb->len;
	memcpy(p, e->sensor_tsv, e->sensor_len);
	p += e->sensor_len;
	for (size_t i = 0; i < e->n; i++) {
		*p++ = '\t';
		memcpy(p, v[i].text, v[i].len);
		p += v[i].len;
	}
	*p++ = '\t';
	memcpy(p, e->last, e->last_len);
	p += e->last_len;
	*p++ = '\n';
	sb->len = p - sb->buf;
	return 0;
}

static int put_varint(struct strbuf *sb, __u64 v)
{
	char b[10];
	size_t n = 0;

	do {
		b[n] = v & 0x7F;
		v >>= 7;
		b[n++] |= v ? 0x80 : 0;
	} while (v);
	return strbuf__put(sb, b, n);
}

static int put_string(struct strbuf *sb, const char *s, size_t len)
{
	return put_varint(sb, len) ?: strbuf__put(sb, s, len);
}

static int put_le(struct strbuf *sb, __u64 v, size_t size)
{
	__u64 le = htole64(v);

	return strbuf__put(sb, &le, size); /* the low bytes come first */
}

static int put_native(struct export_row *e, const struct value *v, const unsigned char *hosts)
{
	int err = put_string(&e->out[0].data, e->sensor_raw, e->sensor_raw_len);

	for (size_t i = 0; i < e->n && !err; i++) {
		struct column_out *c = &e->out[i + 1];

		switch (e->kinds[i]) {
		case KIND_U64:
			err = put_le(&c->data, v[i].u, 8);
			break;
		case KIND_TS:
		case KIND_SRC:
			err = put_le(&c->data, v[i].u, 4);
			break;
		case KIND_U16:
			err = put_le(&c->data, v[i].u, 2);
			break;
		case KIND_PROTO:
			err = put_le(&c->data, v[i].u, 1);
			break;
		case KIND_DECIMAL: {
			__u64 bits;

			memcpy(&bits, &v[i].f, sizeof(bits));
			err = put_le(&c->data, bits, 8);
			break;
		}
		case KIND_HOSTS:
			err = strbuf__put(&c->data, hosts + v[i].u, v[i].n_hosts) ?:
			      put_le(&c->offsets, c->data.len, 8);
			break;
		case KIND_STRING:
			break;
		}
	}
	if (!err)
		err = put_le(&e->out[e->n + 1].data, e->last_value, 8);
	if (!err)
		e->rows++;
	return err;
}

int export_row__flush(struct export_row *e, struct strbuf *sb)
{
	int err;

	if (e->format != EXPORT_NATIVE || !e->rows)
		return 0;
	err = put_varint(sb, e->n + 2) ?: put_varint(sb, e->rows);
	for (size_t i = 0; i < e->n + 2 && !err; i++) {
		const char *name = i == 0 ? "sensor" : i <= e->n ? e->columns[i - 1] : "batch";
		const char *type = i == 0 ? "String" : i <= e->n ? type_of(e, e->kinds[i - 1]) :
				   "UInt64";
		struct column_out *c = &e->out[i];

		err = put_string(sb, name, strlen(name)) ?: put_string(sb, type, strlen(type)) ?:
		      strbuf__append(sb, c->offsets.buf, c->offsets.len) ?:
		      strbuf__append(sb, c->data.buf, c->data.len);
		strbuf__reset(&c->data);
		strbuf__reset(&c->offsets);
	}
	e->rows = 0;
	return err;
}

int export_row__append(struct export_row *e, struct strbuf *sb, const char *sensor,
		       const struct ts_reader *r, const char **bad, const char **value)
{
	struct value v[MAX_COLUMNS];
	unsigned char hosts[2 * 256]; /* a flows row's two host lists */
	char num[16];                 /* src as a number, for TSV */
	size_t n_hosts = 0;
	int err;

	if (strcmp(sensor, e->sensor_raw))
		escape_sensor(e, sensor);
	for (size_t i = 0; i < e->n; i++) {
		const char *text = ts_reader__value(r, i);

		/* Absent from this file's header: the default.  A short row: bad. */
		if (!text && ts_reader__column(r, e->columns[i]) < 0)
			text = missing_value(e->kinds[i]);
		if (!text || n_hosts > sizeof(hosts) - 256 ||
		    !take_value(e->kinds[i], text, &v[i], e->format == EXPORT_TSV ? num : NULL,
				hosts + n_hosts)) {
			*bad = e->columns[i];
			*value = text;
			return 1;
		}
		if (e->kinds[i] == KIND_HOSTS) {
			v[i].u = n_hosts;
			n_hosts += v[i].n_hosts;
		}
	}
	if (e->format == EXPORT_TSV)
		return put_tsv(e, sb, v);
	err = put_native(e, v, hosts);
	if (!err && e->rows >= BLOCK_ROWS)
		err = export_row__flush(e, sb);
	return err;
}
