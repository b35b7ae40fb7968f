// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_series_write.c - what the series writer costs for one interval of
 * N flow rows (plus its port rows): formatting, and compressing the text
 * into one gzip member with each compressor, in the same run.
 *
 * Rows follow bench_drain's telescope-like mix (a few ports most of the
 * time, distinct random source /24s, a host or two per key, values summed
 * over two CPUs), built beforehand so the timed part is the writer alone.
 *
 * Compressors, alternating round by round on the same text:
 *   zlib1        zlib level 1, one deflate(Z_FINISH) into a buffer of
 *                deflateBound(): the writer before libdeflate
 *   deflate<L>   libdeflate_gzip_compress() at level L
 * Each member is inflated back with zlib and compared with the text.
 *
 * Prints CSV lines (medians of ROUNDS rounds):
 *   series_format,<rows>,<port_rows>,<format_s>,<format_cpu_s>,<text_bytes_per_row>
 *   series_compress,<rows>,<compressor>,<compress_s>,<compress_cpu_s>,<bytes_per_row>,<MB_per_s>
 * format and compress times cover both members (flows and ports), wall
 * clock and the thread's CPU time (which other load on the box disturbs
 * less); the bytes per row are the flows text's and the flows member's, as
 * bench_drain's; MB/s is text in per second of wall time.
 *
 * Usage: bench_series_write [N]    N: flow rows (default 10^6)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libdeflate.h>
#include <zlib.h>

#include "bench_util.h"
#include "series/series_format.h"
#include "util/strbuf.h"

#define ROUNDS 5
#define DEFAULT_ROWS 1000000U
#define BENCH_CPUS 2
#define TS 1795305600ULL

/* A row as a telescope fills it: distinct /24s (an odd multiplier is a
 * bijection on 24 bits), favourite ports, one host per CPU that saw it. */
static void make_row(struct flow_row *row, __u32 i)
{
	static const __u16 ports[] = { 23, 80, 443, 8728, 22, 445, 2323, 37215, 52869, 1433 };
	__u64 r = rnd();

	memset(row, 0, sizeof(*row));
	row->key.src_net = htonl(((i * 2654435761U) & 0xffffffU) << 8);
	row->key.proto = r % 10 < 8 ? DS_PROTO_TCP : (r % 10 == 8 ? DS_PROTO_UDP : DS_PROTO_ICMP);
	row->key.dport = (r >> 8) % 4 ? ports[(r >> 16) % 10] : (__u16)(r >> 24);
	if (row->key.proto == DS_PROTO_ICMP)
		row->key.dport = 8;
	for (int cpu = 0; cpu < BENCH_CPUS; cpu++) {
		struct ds_flow_value *v = &row->val;
		__u64 packets;

		r = rnd();
		packets = 1 + r % 5;
		v->packets += packets;
		if (row->key.proto == DS_PROTO_TCP) {
			v->syn += packets;
			if (r % 3 == 0) {
				v->mirai += packets;
				v->mirai_hosts[(r >> 8) & 3] |= 1ULL << ((r >> 10) & 63);
			}
		}
		v->src_hosts[(r >> 8) & 3] |= 1ULL << ((r >> 10) & 63);
	}
}

static struct port_row *make_ports(size_t *n)
{
	struct port_row *p = calloc(3 * 65536, sizeof(*p));
	size_t k = 0;

	if (!p)
		return NULL;
	/* The ports a telescope's interval touches: a random quarter of each. */
	for (int proto = 0; proto < 3; proto++)
		for (__u32 port = 0; port < 65536; port++)
			if (rnd() % 4 == 0) {
				p[k].proto = proto;
				p[k].port = port;
				p[k].val.packets = 1 + rnd() % 1000;
				p[k].val.syn = proto == DS_PROTO_TCP ? p[k].val.packets : 0;
				k++;
			}
	*n = k;
	return p;
}

static int zlib1(const void *in, size_t len, struct strbuf *out)
{
	z_stream zs = { 0 };
	int ret;

	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	strbuf__reset(out);
	if (strbuf__reserve(out, deflateBound(&zs, len))) {
		deflateEnd(&zs);
		return -ENOMEM;
	}
	zs.next_in = (Bytef *)in;
	zs.avail_in = len;
	zs.next_out = (Bytef *)out->buf;
	zs.avail_out = out->cap;
	ret = deflate(&zs, Z_FINISH);
	out->len = zs.total_out;
	deflateEnd(&zs);
	return ret == Z_STREAM_END ? 0 : -EINVAL;
}

static int libdeflate_level(int level, const void *in, size_t len, struct strbuf *out)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	size_t n;

	if (!c)
		return -ENOMEM;
	strbuf__reset(out);
	if (strbuf__reserve(out, libdeflate_gzip_compress_bound(c, len))) {
		libdeflate_free_compressor(c);
		return -ENOMEM;
	}
	n = libdeflate_gzip_compress(c, in, len, out->buf, out->cap);
	libdeflate_free_compressor(c);
	out->len = n;
	return n ? 0 : -EINVAL;
}

/* The member inflates (zlib) to exactly the text. */
static int check_member(const struct strbuf *m, const struct strbuf *text, char *back)
{
	z_stream zs = { 0 };
	int ret;

	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)m->buf;
	zs.avail_in = m->len;
	zs.next_out = (Bytef *)back;
	zs.avail_out = text->len + 1;
	ret = inflate(&zs, Z_FINISH);
	inflateEnd(&zs);
	if (ret != Z_STREAM_END || zs.avail_in || zs.total_out != text->len ||
	    memcmp(back, text->buf, text->len))
		return -EIO;
	return 0;
}

static const int levels[] = { 0 /* zlib1 */, 1, 2, 3, 6 };
#define N_COMPRESSORS (sizeof(levels) / sizeof(levels[0]))

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : DEFAULT_ROWS, n_ports;
	double fmt[ROUNDS], fmt_cpu[ROUNDS], comp[N_COMPRESSORS][ROUNDS];
	double comp_cpu[N_COMPRESSORS][ROUNDS];
	size_t flow_bytes[N_COMPRESSORS], text_bytes = 0;
	/* The flows and the ports text: one member each, as the daemon writes. */
	struct strbuf text[2] = { STRBUF_INIT, STRBUF_INIT }, member = STRBUF_INIT;
	struct flow_row *rows = calloc(n ? n : 1, sizeof(*rows));
	struct port_row *ports = make_ports(&n_ports);
	char *back = NULL;
	int err = 0;

	if (!rows || !ports || !n) {
		fprintf(stderr, "bench_series_write: no memory or no rows\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		make_row(&rows[i], i);
	printf("# series_format,rows,port_rows,format_s,format_cpu_s,text_bytes_per_row\n"
	       "# series_compress,rows,compressor,compress_s,compress_cpu_s,bytes_per_row,"
	       "MB_per_s\n");
	for (int round = 0; round < ROUNDS && !err; round++) {
		double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_THREAD_CPUTIME_ID);

		strbuf__reset(&text[0]);
		strbuf__reset(&text[1]);
		err = format_flow_rows(&text[0], TS, rows, n) ?:
		      format_port_rows(&text[1], TS, ports, n_ports);
		fmt[round] = now_s(CLOCK_MONOTONIC) - t0;
		fmt_cpu[round] = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
		text_bytes = text[0].len + text[1].len;
		if (!back)
			back = malloc(text[0].len + text[1].len + 1);
		for (size_t c = 0; c < N_COMPRESSORS && !err && back; c++) {
			comp[c][round] = comp_cpu[c][round] = 0;
			for (int t = 0; t < 2 && !err; t++) {
				t0 = now_s(CLOCK_MONOTONIC);
				c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
				err = levels[c] ? libdeflate_level(levels[c], text[t].buf,
								   text[t].len, &member) :
						  zlib1(text[t].buf, text[t].len, &member);
				comp[c][round] += now_s(CLOCK_MONOTONIC) - t0;
				comp_cpu[c][round] += now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
				if (!t)
					flow_bytes[c] = member.len;
				if (!err)
					err = check_member(&member, &text[t], back);
			}
		}
	}
	if (err || !back) {
		fprintf(stderr, "bench_series_write: %s\n", strerror(err ? -err : ENOMEM));
		return 1;
	}
	printf("series_format,%zu,%zu,%.4f,%.4f,%.1f\n", n, n_ports, median(fmt, ROUNDS),
	       median(fmt_cpu, ROUNDS), (double)text[0].len / n);
	for (size_t c = 0; c < N_COMPRESSORS; c++) {
		char name[16];
		double s = median(comp[c], ROUNDS);

		if (levels[c])
			snprintf(name, sizeof(name), "deflate%d", levels[c]);
		else
			snprintf(name, sizeof(name), "zlib1");
		printf("series_compress,%zu,%s,%.4f,%.4f,%.2f,%.0f\n", n, name, s,
		       median(comp_cpu[c], ROUNDS), (double)flow_bytes[c] / n,
		       text_bytes / s / 1e6);
	}
	strbuf__free(&text[0]);
	strbuf__free(&text[1]);
	strbuf__free(&member);
	free(back);
	free(rows);
	free(ports);
	return 0;
}
