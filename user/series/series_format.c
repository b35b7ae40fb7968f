// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * series_format.c - rows of the flows, ports and sensor series as TSV.
 *
 * An interval can hold millions of flow rows, so fields are formatted by
 * hand into space reserved once per row: no printf, no per-field bounds
 * checks.  Rows are sorted first: neighbouring rows then share their
 * prefixes, which deflate turns into short back-references.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "series/series_format.h"

/* Longest lines: flows 20+4+5+18+3*20+3+3+2*64 + 11 separators = 252,
 * sensor (3 + DS_CTR_MAX + 5) numbers of at most 21 bytes plus separators. */
/* Fixed fields fit in 200 bytes; each bitmap in 2 + 256 * 4 - 1. */
#define FLOW_LINE_MAX (200 + 2 * (2 + 256 * 4))
#define PORT_LINE_MAX (20 + 4 + 5 + 3 * 20 + 6)
#define SENSOR_LINE_MAX ((3 + DS_CTR_MAX + 9) * 22)

const char FLOWS_COLUMNS[] = "ts\tproto\tdport\tsrc\tpackets\tsyn\tmirai\tsrcs\tmirai_srcs"
			     "\tsrc_hosts\tmirai_hosts";
const char PORTS_COLUMNS[] = "ts\tproto\tdport\tpackets\tsyn\tmirai";
/* The counters in enum ds_counter order, by their names in DS_COUNTERS. */
#define SENSOR_COUNTER_COLUMN(NAME, name) "\t" #name
const char SENSOR_COLUMNS[] = "ts\tstart_ms\tend_ms" DS_COUNTERS(SENSOR_COUNTER_COLUMN)
			      "\tkeys\tmax_keys\tdrain_ms\twrite_ms\twrite_errors\twrite_dropped"
			      "\tcaptured\tcapture_dropped\tcapture_write_dropped";
#undef SENSOR_COUNTER_COLUMN

/* Each protocol's name in rows (DS_PROTOS), NUL-padded to a fixed size so
 * that put_proto() copies it without strlen(), and its length. */
static const struct {
	char name[7];
	__u8 len;
} protos[DS_PROTO_MAX] = {
#define PROTO_ROW(NAME, name) [DS_PROTO_##NAME] = { #name, sizeof(#name) - 1 },
	DS_PROTOS(PROTO_ROW)
#undef PROTO_ROW
};
#define PROTO_FITS(ID, id) \
	_Static_assert(sizeof(#id) <= sizeof(protos[0].name), "protocol name too long");
DS_PROTOS(PROTO_FITS)
#undef PROTO_FITS

const char *series_columns(const char *series)
{
	if (!strcmp(series, "flows"))
		return FLOWS_COLUMNS;
	if (!strcmp(series, "ports"))
		return PORTS_COLUMNS;
	if (!strcmp(series, "sensor"))
		return SENSOR_COLUMNS;
	return NULL;
}

const char *proto_name(unsigned int proto)
{
	return proto < DS_PROTO_MAX ? protos[proto].name : NULL;
}

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
				     "25262728293031323334353637383940414243444546474849"
				     "50515253545556575859606162636465666768697071727374"
				     "75767778798081828384858687888990919293949596979899";

/* Decimal digits of v (at least 1). */
static int decimal_len(__u64 v)
{
	static const __u64 pow10[19] = {
		10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
		100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
		1000000000000ULL, 10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
		10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL,
		10000000000000000000ULL,
	};
	int n = 1;

	while (n < 20 && v >= pow10[n - 1])
		n++;
	return n;
}

char *fmt_u64(char *p, __u64 v)
{
	char *end, *q;

	/* Most counts in a row are small. */
	if (v < 10) {
		*p = '0' + v;
		return p + 1;
	}
	end = p + decimal_len(v);
	q = end;
	/* Two digits per division: half the divisions of the textbook loop. */
	while (v >= 100) {
		unsigned int pair = v % 100;

		v /= 100;
		q -= 2;
		q[0] = digit_pairs[2 * pair];
		q[1] = digit_pairs[2 * pair + 1];
	}
	if (v >= 10) {
		q[-2] = digit_pairs[2 * v];
		q[-1] = digit_pairs[2 * v + 1];
	} else {
		q[-1] = '0' + v;
	}
	return end;
}

static char *put_octet(char *p, unsigned int v)
{
	if (v >= 100) {
		*p++ = '0' + v / 100;
		v %= 100;
		memcpy(p, digit_pairs + 2 * v, 2);
		return p + 2;
	}
	if (v >= 10) {
		memcpy(p, digit_pairs + 2 * v, 2);
		return p + 2;
	}
	*p++ = '0' + v;
	return p;
}

/* The hosts whose bits are set, ascending, as "[3,17,200]" ("[]" for none):
 * short for the sparse bitmaps a darknet sees, and the array syntax that
 * JSON, Python and ClickHouse's TSV reader all parse as it is. */
char *fmt_host_bitmap(char *p, const __u64 words[DS_HOST_WORDS])
{
	*p++ = '[';
	for (int i = 0; i < DS_HOST_WORDS; i++) {
		for (__u64 w = words[i]; w; w &= w - 1) {
			p = put_octet(p, i * 64 + __builtin_ctzll(w));
			*p++ = ',';
		}
	}
	if (p[-1] == ',')
		p--;
	*p++ = ']';
	return p;
}

char *fmt_net24(char *p, __be32 net)
{
	__u32 a = ntohl(net);

	p = put_octet(p, a >> 24);
	*p++ = '.';
	p = put_octet(p, (a >> 16) & 0xff);
	*p++ = '.';
	p = put_octet(p, (a >> 8) & 0xff);
	memcpy(p, ".0/24", 5);
	return p + 5;
}

static char *put_proto(char *p, unsigned int proto)
{
	/* The BPF program only writes known indexes; never lose a row though. */
	if (proto >= DS_PROTO_MAX)
		return fmt_u64(p, proto);
	/* A fixed-size copy (the padding is overwritten next) beats strlen + memcpy. */
	memcpy(p, protos[proto].name, sizeof(protos[proto].name));
	return p + protos[proto].len;
}

/* Bits set in w.  The build targets baseline x86-64, where
 * __builtin_popcountll() is a libgcc call; this is a handful of
 * instructions. */
static unsigned int popcount64(__u64 w)
{
	w -= (w >> 1) & 0x5555555555555555ULL;
	w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
	w = (w + (w >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (w * 0x0101010101010101ULL) >> 56;
}

/* Hosts set in a bitmap. */
static unsigned int host_count(const __u64 words[DS_HOST_WORDS])
{
	unsigned int n = 0;

	for (int i = 0; i < DS_HOST_WORDS; i++)
		n += popcount64(words[i]);
	return n;
}

/* "\t<v>": most fields of a row. */
static inline char *put_tab_u64(char *p, __u64 v)
{
	*p++ = '\t';
	return fmt_u64(p, v);
}

/* "\t<packets>\t<syn>\t<mirai>": the counts of flow and port rows alike. */
static inline char *put_counts(char *p, __u64 packets, __u64 syn, __u64 mirai)
{
	p = put_tab_u64(p, packets);
	p = put_tab_u64(p, syn);
	return put_tab_u64(p, mirai);
}

#define RADIX_BITS 11
#define RADIX_BUCKETS (1U << RADIX_BITS)
/* proto (8 bits) << 40 | dport << 24 | the /24's 24 bits. */
#define FLOW_KEY_BITS 48
/* Rows ahead of the one being formatted whose memory is requested. */
#define PREFETCH_AHEAD 16

__u64 flow_order_key(const struct ds_flow_key *k)
{
	return (__u64)k->proto << 40 | (__u64)k->dport << 24 | ntohl(k->src_net) >> 8;
}

/*
 * LSD radix sort, RADIX_BITS at a time: a million rows sort in tens of
 * milliseconds where qsort() on the rows takes most of a second.  A pass
 * whose digit is the same for every key is skipped.
 */
struct flow_order *flow_order_sort(struct flow_order *e, struct flow_order *tmp, size_t n)
{
	size_t count[RADIX_BUCKETS];

	if (!n)
		return e;
	for (int shift = 0; shift < FLOW_KEY_BITS; shift += RADIX_BITS) {
		struct flow_order *t;
		size_t sum = 0;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(e[i].key >> shift) & (RADIX_BUCKETS - 1)]++;
		if (count[(e[0].key >> shift) & (RADIX_BUCKETS - 1)] == n)
			continue;
		for (size_t b = 0; b < RADIX_BUCKETS; b++) {
			size_t c = count[b];

			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(e[i].key >> shift) & (RADIX_BUCKETS - 1)]++] = e[i];
		t = e;
		e = tmp;
		tmp = t;
	}
	return e;
}

static __u64 port_sort_key(const struct port_row *r)
{
	return (__u64)r->proto << 16 | r->port;
}

static int cmp_port_rows(const void *a, const void *b)
{
	__u64 ka = port_sort_key(a), kb = port_sort_key(b);

	return (ka > kb) - (ka < kb);
}

/* "<ts>\t" once per call: every row of an interval shares it. */
static size_t ts_prefix(char out[22], __u64 ts)
{
	char *p = fmt_u64(out, ts);

	*p++ = '\t';
	return p - out;
}

/* Make sure a line of up to max bytes fits; inline, as it runs per row. */
static inline int reserve_line(struct strbuf *sb, size_t max)
{
	return sb->cap - sb->len > max ? 0 : strbuf__reserve(sb, max);
}

static char *put_flow_line(char *p, const char *prefix, size_t prefix_len,
			   const struct flow_row *row)
{
	const struct ds_flow_value *v = &row->val;

	memcpy(p, prefix, prefix_len);
	p = put_proto(p + prefix_len, row->key.proto);
	p = put_tab_u64(p, row->key.dport);
	*p++ = '\t';
	p = fmt_net24(p, row->key.src_net);
	p = put_counts(p, v->packets, v->syn, v->mirai);
	p = put_tab_u64(p, host_count(v->src_hosts));
	p = put_tab_u64(p, host_count(v->mirai_hosts));
	*p++ = '\t';
	p = fmt_host_bitmap(p, v->src_hosts);
	*p++ = '\t';
	p = fmt_host_bitmap(p, v->mirai_hosts);
	*p++ = '\n';
	return p;
}

int format_flow_rows_with(struct strbuf *sb, struct strbuf *scratch, __u64 ts,
			  const struct flow_row *rows, size_t n)
{
	struct flow_order *order, *tmp;
	char prefix[22];
	size_t prefix_len = ts_prefix(prefix, ts);
	int err = 0;

	if (!n)
		return 0;
	if (scratch) {
		strbuf__reset(scratch);
		if (strbuf__reserve(scratch, 2 * n * sizeof(*order)))
			return -ENOMEM;
		order = (struct flow_order *)scratch->buf;
	} else {
		order = malloc(2 * n * sizeof(*order));
		if (!order)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		order[i].key = flow_order_key(&rows[i].key);
		order[i].index = i;
	}
	tmp = flow_order_sort(order, order + n, n);
	for (size_t i = 0; i < n; i++) {
		char *p;

		/* Sorted order visits rows at random: fetch ahead, or every row
		 * is a cache miss (most of the time spent here). */
		if (i + PREFETCH_AHEAD < n) {
			const char *ahead = (const char *)&rows[tmp[i + PREFETCH_AHEAD].index];

			__builtin_prefetch(ahead);
			__builtin_prefetch(ahead + sizeof(*rows) - 1);
		}
		err = reserve_line(sb, FLOW_LINE_MAX);
		if (err)
			break;
		p = put_flow_line(sb->buf + sb->len, prefix, prefix_len, &rows[tmp[i].index]);
		sb->len = p - sb->buf;
	}
	if (!scratch)
		free(order);
	return err;
}

int format_flow_rows(struct strbuf *sb, __u64 ts, const struct flow_row *rows, size_t n)
{
	return format_flow_rows_with(sb, NULL, ts, rows, n);
}

int format_port_rows(struct strbuf *sb, __u64 ts, struct port_row *rows, size_t n)
{
	char prefix[22];
	size_t prefix_len = ts_prefix(prefix, ts);
	int err;

	qsort(rows, n, sizeof(*rows), cmp_port_rows);
	for (size_t i = 0; i < n; i++) {
		const struct ds_port_value *v = &rows[i].val;
		char *p;

		if (!v->packets)
			continue;
		err = reserve_line(sb, PORT_LINE_MAX);
		if (err)
			return err;
		p = sb->buf + sb->len;
		memcpy(p, prefix, prefix_len);
		p = put_proto(p + prefix_len, rows[i].proto);
		p = put_tab_u64(p, rows[i].port);
		p = put_counts(p, v->packets, v->syn, v->mirai);
		*p++ = '\n';
		sb->len = p - sb->buf;
	}
	return 0;
}

/* Microseconds as milliseconds with three decimals: 1234567 -> "1234.567". */
static char *put_ms(char *p, __u64 us)
{
	unsigned int frac = us % 1000;

	p = fmt_u64(p, us / 1000);
	*p++ = '.';
	*p++ = '0' + frac / 100;
	memcpy(p, digit_pairs + 2 * (frac % 100), 2);
	return p + 2;
}

int format_sensor_row(struct strbuf *sb, const struct interval_data *d,
		      const struct sensor_row *row)
{
	int err = strbuf__reserve(sb, SENSOR_LINE_MAX);
	char *p;

	if (err)
		return err;
	p = sb->buf + sb->len;
	p = fmt_u64(p, d->ts);
	*p++ = '\t';
	p = fmt_u64(p, d->start_ms);
	*p++ = '\t';
	p = fmt_u64(p, d->end_ms);
	for (int i = 0; i < DS_CTR_MAX; i++)
		p = put_tab_u64(p, d->counters[i]);
	*p++ = '\t';
	p = fmt_u64(p, d->n_flows);
	*p++ = '\t';
	p = fmt_u64(p, row->max_keys);
	*p++ = '\t';
	p = put_ms(p, row->drain_us);
	*p++ = '\t';
	p = put_ms(p, row->write_us);
	*p++ = '\t';
	p = fmt_u64(p, row->write_errors);
	*p++ = '\t';
	p = fmt_u64(p, row->write_dropped);
	*p++ = '\t';
	p = fmt_u64(p, row->captured);
	*p++ = '\t';
	p = fmt_u64(p, row->capture_dropped);
	*p++ = '\t';
	p = fmt_u64(p, row->capture_write_dropped);
	*p++ = '\n';
	sb->len = p - sb->buf;
	return 0;
}
