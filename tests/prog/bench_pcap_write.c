// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_pcap_write.c - how fast the capture writer turns frames into
 * .pcap.gz: N frames through pcap_writer__add(), with pcap_writer__flush()
 * every FLUSH_EVERY frames (the reader thread flushes once a second: this
 * is 100 000 captured frames a second), into a temporary directory.
 *
 * Frame kinds, each a pool of POOL distinct frames built beforehand, so the
 * timed part is the writer alone:
 *   syn60   60-byte TCP SYNs as a telescope sees them: source address,
 *           source port, sequence number, IP id and TTL vary, 40 % Mirai
 *           (seq == destination), destination port from a few favourites
 *           or anywhere
 *   udp200  200-byte UDP datagrams: one of four scanner probes (SSDP, DNS,
 *           NTP, SIP text) in the first 48 payload bytes, then 110
 *           pseudo-random bytes (the part that does not compress)
 *   mix     85 % syn60, 10 % udp200, 5 % 60-byte ICMP echo (the
 *           proportions of `darkscope gen`'s telescope mix)
 *
 * Baselines on the same frames in the same order, same flush points:
 *   zlib1  the same uncompressed pcap bytes (record headers included)
 *          compressed by one zlib deflate() call per flush, level 1, gzip
 *          wrapper, and written with one write(): the floor for any writer
 *          of .pcap.gz with zlib, which the writer used before libdeflate
 *          (util/gz_out.c); pcap_writer / zlib1 is what libdeflate gains,
 *          less the writer's own overhead (buffering, file handling, stats)
 *   raw    the same bytes written uncompressed with one write() per flush
 *          (what `tcpdump -w` does): the price of compressing at all
 *
 * Every figure is the median of ROUNDS rounds, the writers alternating.
 * Prints CSV lines:
 *   pcap_write,<kind>,<writer>,<frames>,<frames_per_s>,<MB_per_s>,<ratio>,<cpu_s>
 * MB/s: uncompressed pcap bytes (records + frames) per second of wall time;
 * ratio: uncompressed / compressed bytes (1 for raw); cpu_s: the process's
 * CPU time for the N frames (the write()s' system time included).
 *
 * Usage: bench_pcap_write [-q] [N]    N: frames (default 10^6);
 *   -q: 10^5 frames, one round (a smoke test)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bench_util.h"
#include "frames.h"
#include "util/log.h"
#include "capture/pcap_writer.h"

#define ROUNDS 3
#define POOL 65536U
#define FLUSH_EVERY 100000U
#define DEFAULT_FRAMES 1000000U
#define QUICK_FRAMES 100000U
/* Arrival time of frame i: 2026-11-22T00:00:00Z + i * 10 us (100 000 frames a
 * second, one flush per second of capture). */
#define TS0_NS 1795305600000000000ULL
#define TS_STEP_NS 10000ULL

struct pool {
	const char *kind;
	__u8 *data;  /* POOL * FRAME_MAX bytes */
	__u32 len[POOL];
};

/* Vary what frame_build() keeps fixed (IP id, TTL) and redo the checksums. */
static void finish(__u8 *f, __u32 len, const struct frame_spec *s)
{
	struct iphdr *iph = (struct iphdr *)(f + ETH_HLEN);
	__u8 *l4 = f + ETH_HLEN + sizeof(*iph);
	__u16 l4_len = ntohs(iph->tot_len) - sizeof(*iph);
	__u64 r = rnd();
	__be16 csum = 0;

	(void)len;
	iph->id = htons(r & 0xffff);
	iph->ttl = 32 + (r >> 16) % 224;
	iph->check = 0;
	iph->check = frame_csum_fold(frame_csum_add(0, iph, sizeof(*iph)));
	if (s->l4 == FRAME_L4_ICMP)
		return;
	memset(l4 + (s->l4 == FRAME_L4_TCP ? 16 : 6), 0, 2);
	csum = frame_l4_csum(iph, l4, l4_len);
	memcpy(l4 + (s->l4 == FRAME_L4_TCP ? 16 : 6), &csum, 2);
}

static const __u16 favourite_ports[] = { 23, 80, 443, 8728, 22, 445, 2323, 37215, 52869, 1433 };

static __u32 make_syn(__u8 *f)
{
	__u64 r = rnd();
	struct frame_spec s = {
		.ip.saddr = 0x1b000000U + (((r >> 8) & 0xff) << 8) + (r & 0xff),
		.tcp.sport = 1024 + (r >> 16) % 64512,
		.tcp.dport = (r >> 32) % 10 < 8 ? favourite_ports[(r >> 36) % 10]
						: 1 + (r >> 40) % 65535,
		.tcp.seq = (r >> 56) % 10 < 4 ? FRAME_DST : (__u32)rnd(),
		.pad_to = 60,
	};
	__u32 len = frame_build(&s, f);

	finish(f, len, &s);
	return len;
}

static __u32 make_udp(__u8 *f)
{
	static const char *const probes[] = {
		"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n",
		"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x07version\x04"
		"bind\x00\x00\x10\x00\x03\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00",
		"\x17\x00\x03\x2a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
		"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
		"OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/UDP nm;branch=foo\r\n",
	};
	static const __u16 probe_ports[] = { 1900, 53, 123, 5060 };
	__u64 r = rnd();
	int p = r % 4;
	struct frame_spec s = {
		.ip.saddr = 0x1b000000U + (((r >> 8) & 0xff) << 8) + ((r >> 16) & 0xff),
		.l4 = FRAME_L4_UDP,
		.udp.sport = 1024 + (r >> 24) % 64512,
		.udp.dport = probe_ports[p],
		.payload = 200 - ETH_HLEN - sizeof(struct iphdr) - sizeof(struct udphdr),
	};
	__u32 len = frame_build(&s, f), i;
	__u8 *pl = f + ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr);

	memcpy(pl, probes[p], 48);
	for (i = 48; i + 8 <= s.payload; i += 8) {
		__u64 x = rnd();

		memcpy(pl + i, &x, 8);
	}
	for (; i < s.payload; i++)
		pl[i] = rnd();
	finish(f, len, &s);
	return len;
}

static __u32 make_icmp(__u8 *f)
{
	__u64 r = rnd();
	struct frame_spec s = {
		.ip.saddr = 0x1b000000U + (((r >> 8) & 0xff) << 8) + (r & 0xff),
		.l4 = FRAME_L4_ICMP,
		.icmp.type = 8,
		.pad_to = 60,
	};
	__u32 len = frame_build(&s, f);

	finish(f, len, &s);
	return len;
}

static int pool_build(struct pool *p, const char *kind)
{
	__u32 i;

	p->kind = kind;
	p->data = malloc((size_t)POOL * FRAME_MAX);
	if (!p->data)
		return -ENOMEM;
	for (i = 0; i < POOL; i++) {
		__u8 *f = p->data + (size_t)i * FRAME_MAX;
		__u64 r = rnd() % 100;

		if (!strcmp(kind, "syn60"))
			p->len[i] = make_syn(f);
		else if (!strcmp(kind, "udp200"))
			p->len[i] = make_udp(f);
		else
			p->len[i] = r < 85 ? make_syn(f) : r < 95 ? make_udp(f) : make_icmp(f);
		if (!p->len[i])
			return -EINVAL;
	}
	return 0;
}

struct result {
	double wall, cpu;
	__u64 pcap_bytes, disk_bytes;
};

static void rm_dir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

static int run_pcap_writer(const struct pool *p, __u32 n, const char *dir, struct result *res)
{
	struct pcap_writer_opts o = { .dir = dir, .prefix = "capture", .rotate_seconds = 3600 };
	struct pcap_writer_stats st;
	struct pcap_writer *w;
	double t0, c0;
	__u32 i;
	int err = 0;

	w = pcap_writer__open(&o);
	if (!w)
		return -errno;
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_s(CLOCK_MONOTONIC);
	for (i = 0; i < n && !err; i++) {
		__u32 k = i % POOL;

		err = pcap_writer__add(w, TS0_NS + i * TS_STEP_NS, p->data + (size_t)k * FRAME_MAX,
				       p->len[k]);
		if (!err && (i + 1) % FLUSH_EVERY == 0)
			err = pcap_writer__flush(w);
	}
	if (!err)
		err = pcap_writer__flush(w);
	res->wall = now_s(CLOCK_MONOTONIC) - t0;
	res->cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	pcap_writer__stats(w, &st);
	pcap_writer__close(w);
	if (!err && (st.frames_written != n || st.frames_dropped)) {
		fprintf(stderr, "pcap_writer wrote %llu frames, dropped %llu, of %u\n",
			(unsigned long long)st.frames_written, (unsigned long long)st.frames_dropped,
			n);
		err = -EIO;
	}
	res->pcap_bytes = st.pcap_bytes;
	res->disk_bytes = st.bytes_written;
	return err;
}

/* The baselines: one buffer of pcap records per flush, written as it is
 * (level < 0) or as one gzip member of that zlib level. */
static int run_baseline(const struct pool *p, __u32 n, const char *dir, int level,
			struct result *res)
{
	struct { __u32 sec, nsec, caplen, origlen; } rec;
	size_t cap = (size_t)FLUSH_EVERY * (16 + FRAME_MAX) + 24, len = 0, zcap = 0;
	char path[300];
	__u8 *buf = malloc(cap), *zbuf = NULL;
	z_stream zs = {};
	double t0, c0;
	__u32 i;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/base.pcap%s", dir, level >= 0 ? ".gz" : "");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || !buf) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	if (level >= 0) {
		if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			err = -ENOMEM;
			goto out;
		}
		zcap = deflateBound(&zs, cap);
		zbuf = malloc(zcap);
		if (!zbuf) {
			err = -ENOMEM;
			goto out_z;
		}
	}
	memset(res, 0, sizeof(*res));
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_s(CLOCK_MONOTONIC);
	/* The global header, as the first member of a pcap_writer file holds. */
	memset(buf, 0, 24);
	len = 24;
	for (i = 0; i < n && !err; i++) {
		__u32 k = i % POOL;
		__u64 ts = TS0_NS + i * TS_STEP_NS;

		rec.sec = ts / 1000000000ULL;
		rec.nsec = ts % 1000000000ULL;
		rec.caplen = rec.origlen = p->len[k];
		memcpy(buf + len, &rec, sizeof(rec));
		memcpy(buf + len + sizeof(rec), p->data + (size_t)k * FRAME_MAX, p->len[k]);
		len += sizeof(rec) + p->len[k];
		if ((i + 1) % FLUSH_EVERY && i + 1 < n)
			continue;
		res->pcap_bytes += len;
		if (level >= 0) {
			zs.next_in = buf;
			zs.avail_in = len;
			zs.next_out = zbuf;
			zs.avail_out = zcap;
			if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
				err = -EIO;
				break;
			}
			if (write(fd, zbuf, zcap - zs.avail_out) != (ssize_t)(zcap - zs.avail_out))
				err = -EIO;
			res->disk_bytes += zcap - zs.avail_out;
			deflateReset(&zs);
		} else {
			if (write(fd, buf, len) != (ssize_t)len)
				err = -EIO;
			res->disk_bytes += len;
		}
		len = 0;
	}
	res->wall = now_s(CLOCK_MONOTONIC) - t0;
	res->cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	free(zbuf);
out_z:
	if (level >= 0)
		deflateEnd(&zs);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

int main(int argc, char **argv)
{
	static const char *const kinds[] = { "syn60", "udp200", "mix" };
	static const char *const writers[] = { "pcap_writer", "zlib1", "raw" };
	double wall[3][ROUNDS], cpu[3][ROUNDS], ratio[3];
	__u64 pcap_bytes[3];
	__u32 n = DEFAULT_FRAMES;
	int rounds = ROUNDS;
	struct pool p = {};
	int k, w, r, err = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q")) {
			n = QUICK_FRAMES;
			rounds = 1;
		} else {
			char *end;

			n = strtoul(argv[i], &end, 10);
			if (*end || !n) {
				fprintf(stderr, "usage: %s [-q] [FRAMES]\n", argv[0]);
				return 64;
			}
		}
	}
	log_set_level(LOG_WARN);
	printf("# pcap_write,kind,writer,frames,frames_per_s,MB_per_s,ratio,cpu_s"
	       " (flush every %u frames, median of %d)\n", FLUSH_EVERY, rounds);
	for (k = 0; k < 3 && !err; k++) {
		free(p.data);
		if ((err = pool_build(&p, kinds[k])))
			break;
		for (r = 0; r < rounds && !err; r++) {
			for (w = 0; w < 3 && !err; w++) {
				char dir[] = "/tmp/ds-bench-pcap.XXXXXX";
				struct result res = {};

				if (!mkdtemp(dir)) {
					err = -errno;
					break;
				}
				err = w == 0 ? run_pcap_writer(&p, n, dir, &res)
					     : run_baseline(&p, n, dir, w == 1 ? 1 : -1, &res);
				rm_dir(dir);
				wall[w][r] = res.wall;
				cpu[w][r] = res.cpu;
				pcap_bytes[w] = res.pcap_bytes;
				ratio[w] = res.disk_bytes ? (double)res.pcap_bytes / res.disk_bytes : 0;
			}
		}
		for (w = 0; w < 3 && !err; w++) {
			double t = median(wall[w], rounds);

			printf("pcap_write,%s,%s,%u,%.0f,%.1f,%.2f,%.3f\n", kinds[k], writers[w], n,
			       n / t, pcap_bytes[w] / t / 1e6, ratio[w], median(cpu[w], rounds));
		}
	}
	free(p.data);
	if (err)
		fprintf(stderr, "bench_pcap_write: %s\n", strerror(-err));
	return err ? 1 : 0;
}
