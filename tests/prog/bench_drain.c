// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_drain.c - what one interval costs the daemon: epoch flip, drain of
 * N flow keys, formatting, compression and write, for N = 10^4, 10^5, 10^6
 * (or the counts given as arguments), handled by sensor__tick(), the
 * daemon's own interval pipeline, in both flow paths:
 *
 *  - the flow log (the default): the N keys' records, one per key, fill CPU
 *    0's region of the log epoch the boundary drains, as if every key had
 *    arrived in the last 100 ms before it (the worst case: earlier records
 *    were aggregated by the flushes in between);
 *  - the per-CPU hash alone (--log-records 0): the flow map of epoch 0 is
 *    filled from userspace with values on every CPU.
 *
 * Both with a telescope-like mix (a few ports most of the time, random
 * source /24s, hosts and Mirai flags at random).  The third interval is
 * timed: the first two grow the daemon's buffers and table, as in a sensor
 * that has been running (the first intervals of a run pay that once).
 *
 * Prints CSV lines (drain: the log; drain_hash: the hash alone):
 *   drain,<keys>,<flip_s>,<drain_s>,<format_s>,<write_s>,<total_s>,<cpu_s>,<bytes_per_row>
 * cpu_s is the process's user + system CPU time over the whole interval
 * handling: the kernel's share of the batch syscalls is system time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_util.h"
#include "cli/log_libs.h"
#include "darkscope.skel.h"
#include "sensor/percpu.h"
#include "sensor/sensor.h"
#include "util/log.h"

#define FILL_CHUNK 65536U
/* Intervals before the timed one: the flow table and the interval's row
 * buffer change places at every boundary, so both have grown after two. */
#define WARM_INTERVALS 2

static void make_key(struct ds_flow_key *k, __u32 i)
{
	static const __u16 ports[] = { 23, 80, 443, 8728, 22, 445, 2323, 37215, 52869, 1433 };
	__u64 r = rnd();

	memset(k, 0, sizeof(*k));
	/* An odd multiplier is a bijection on 24 bits: distinct /24s. */
	k->src_net = htobe32(((i * 2654435761U) & 0xffffffU) << 8);
	k->proto = r % 10 < 8 ? DS_PROTO_TCP : (r % 10 == 8 ? DS_PROTO_UDP : DS_PROTO_ICMP);
	k->dport = (r >> 8) % 4 ? ports[(r >> 16) % 10] : (__u16)(r >> 24);
	if (k->proto == DS_PROTO_ICMP)
		k->dport = 8;
}

static int fill(int fd, __u32 n, unsigned int ncpus)
{
	size_t stride = PERCPU_STRIDE(sizeof(struct ds_flow_value));
	struct ds_flow_key *keys = calloc(FILL_CHUNK, sizeof(*keys));
	char *vals = calloc(FILL_CHUNK, stride * ncpus);
	__u32 done = 0, i, cpu;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (done < n && !err) {
		__u32 count = n - done < FILL_CHUNK ? n - done : FILL_CHUNK;

		for (i = 0; i < count; i++) {
			make_key(&keys[i], done + i);
			for (cpu = 0; cpu < ncpus; cpu++) {
				struct ds_flow_value *v = (void *)(vals + (i * ncpus + cpu) * stride);
				__u64 r = rnd();

				memset(v, 0, sizeof(*v));
				v->packets = 1 + r % 5;
				v->syn = keys[i].proto == DS_PROTO_TCP ? v->packets : 0;
				v->mirai = r % 3 == 0 ? v->syn : 0;
				v->src_hosts[(r >> 8) & 3] |= 1ULL << ((r >> 10) & 63);
				if (v->mirai)
					v->mirai_hosts[(r >> 8) & 3] |= 1ULL << ((r >> 10) & 63);
			}
		}
		if (bpf_map_update_batch(fd, keys, vals, &count, NULL))
			err = -errno;
		done += count;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* Writes n records, one per key, into CPU 0's region of the current log
 * epoch and sets its fill level: what the next tick's flip leaves to drain. */
static int fill_log(struct sensor *s, __u32 n)
{
	__u32 e = s->drainer.epoch >> 1;
	struct darkscope_bpf *skel = s->prog.skel;
	size_t bytes = (size_t)bpf_map__max_entries(skel->maps.flow_log) * sizeof(struct ds_flow_rec);
	__u32 fills[s->drainer.ncpus * 2], i;
	struct ds_flow_rec *log;
	struct ds_flow_key k;
	int err = 0;

	log = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		   bpf_map__fd(skel->maps.flow_log), 0);
	if (log == MAP_FAILED)
		return -errno;
	for (i = 0; i < n; i++) {
		__u64 r = rnd();

		make_key(&k, i);
		log[(size_t)e * s->drainer.ncpus * s->drainer.log.records + i] = (struct ds_flow_rec){
			.saddr = k.src_net | htobe32((r >> 8) & 0xff),
			.dport = k.dport,
			.proto = k.proto,
			.flags = k.proto == DS_PROTO_TCP ? DS_REC_SYN | (r % 3 ? 0 : DS_REC_MIRAI) : 0,
		};
	}
	munmap(log, bytes);
	memset(fills, 0, sizeof(fills));
	fills[0] = n; /* CPU 0, at an 8-byte stride */
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.log_fill), &e, fills, BPF_ANY))
		err = -errno;
	return err;
}

static int fill_epoch(struct sensor *s, __u32 keys, bool log)
{
	struct bpf_map *flows = s->drainer.epoch & 1 ? s->prog.skel->maps.flows_1 :
						       s->prog.skel->maps.flows_0;

	return log ? fill_log(s, keys) : fill(bpf_map__fd(flows), keys, s->drainer.ncpus);
}

static long dir_bytes(const char *dir, const char *series)
{
	char cmd[512];
	long bytes = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "cat %s/%s-*.tsv.gz | wc -c", dir, series);
	p = popen(cmd, "r");
	if (p && fscanf(p, "%ld", &bytes) != 1)
		bytes = -1;
	if (p)
		pclose(p);
	return bytes;
}

static double ns_to_s(__u64 ns)
{
	return ns / 1e9;
}

/* The sensor loads the program without attaching it (no interface): the
 * filled epoch 0 is what its first tick drains and writes. */
static int bench_one(__u32 keys, bool log)
{
	char dir[] = "/tmp/ds-bench-drain.XXXXXX";
	struct sensor_opts so = {
		.outdir = dir,
		.name = "bench",
		.interval = 60,
		.max_keys = keys + keys / 8 + 16,
		.log_records = log ? keys : 0,
	};
	const struct sensor_tick_times *t;
	double t0, t1, c0, c1;
	struct sensor s;
	int err;

	if (!mkdtemp(dir))
		return -errno;
	/* One interval first: the daemon's buffers and flow table have grown
	 * to the keys, as in a running sensor; the second one is timed. */
	err = sensor__open(&s, &so);
	for (int warm = 0; warm < WARM_INTERVALS && !err; warm++) {
		err = fill_epoch(&s, keys, log);
		if (!err)
			err = sensor__tick(&s);
	}
	if (!err)
		err = fill_epoch(&s, keys, log);
	if (err) {
		fprintf(stderr, "sensor open or fill: %s\n", strerror(-err));
		goto out;
	}
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	t0 = now_s(CLOCK_MONOTONIC);
	err = sensor__tick(&s);
	err = err ?: sensor__wait_written(&s); /* the interval on disk */
	t1 = now_s(CLOCK_MONOTONIC);
	c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	if (!err && s.data.n_flows != keys) {
		fprintf(stderr, "drained %zu keys, expected %u\n", s.data.n_flows, keys);
		err = -EIO;
	}
	t = &s.times;
	if (!err)
		printf("%s,%u,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.1f\n", log ? "drain" : "drain_hash",
		       keys, ns_to_s(t->flip),
		       ns_to_s(t->drain), ns_to_s(t->format), ns_to_s(t->write), t1 - t0, c1 - c0,
		       (double)dir_bytes(dir, "flows") / ((WARM_INTERVALS + 1.0) * keys));
out:
	sensor__close(&s);
	if (strlen(dir) > 5) {
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return err;
}

int main(int argc, char **argv)
{
	static const __u32 defaults[] = { 10000, 100000, 1000000 };
	int i, err = 0, n = argc > 1 ? argc - 1 : 3;

	log_set_level(LOG_WARN);
	log_route_libs();
	printf("# drain,keys,flip_s,drain_s,format_s,write_s,total_s,cpu_s,bytes_per_row\n");
	for (i = 0; i < n && !err; i++) {
		__u32 keys = argc > 1 ? strtoul(argv[i + 1], NULL, 10) : defaults[i];

		err = bench_one(keys, true);
		if (!err)
			err = bench_one(keys, false);
	}
	if (err)
		fprintf(stderr, "bench_drain: %s\n", strerror(-err));
	return err ? 1 : 0;
}
