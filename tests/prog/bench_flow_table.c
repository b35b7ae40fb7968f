// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_flow_table.c - what the daemon's aggregation of the fast path's log
 * costs per record (user/series/flow_table.c), at 10^3..10^6 live keys:
 * 2^22 log records per interval over exactly K keys (each key at least
 * once, all in pseudo-random order, random hosts, a telescope's share of
 * SYNs and Mirai SYNs), added in calls of 2^17 records like the daemon's
 * reads of the log every 100 ms, then taken
 * into the interval's rows.  The table and the interval are reused from
 * round to round as the daemon reuses them.  Times are the thread's CPU
 * time (the cores are shared with the other tests), median of the rounds.
 *
 * Usage: bench_flow_table [-s] [-q] [KEYS...]   default 1000 10000 100000 1000000;
 *   -s: steady state, as on a sensor: 2^24 records an interval (16 per key
 *       at 10^6) into a table of max_keys = 2 x KEYS, its memory taken up
 *       front (as the daemon's, whose --max-keys has room to spare), so
 *       most records find their key
 *       held; without it the table fills up from empty with 2^22 records
 *       and max_keys = KEYS, the dearest case
 *   -q: 2^16 records, one round (a smoke test)
 *
 * Prints CSV lines:
 *   flow_table[_steady],<live_keys>,<ns_per_record>,<take_s>
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "bench_util.h"
#include "series/flow_table.h"

#define ROUNDS 5
#define RECORDS (1U << 22)
#define QUICK_RECORDS (1U << 16)
#define STEADY_RECORDS (1U << 24)

static struct ds_flow_rec make_rec(__u32 key, __u64 r)
{
	static const __u16 ports[] = { 23, 80, 443, 8728, 22, 445, 2323, 37215, 52869, 1433 };
	/* An odd multiplier is a bijection on 24 bits: key i has its own /24
	 * (beyond 2^24 keys, (proto, port) keeps them apart). */
	__u32 net = (key * 2654435761U) & 0xffffffU;
	__u16 port = ports[(key >> 24) % 10];
	__u8 flags = 0;

	if (r % 10 < 8) {
		flags = DS_REC_SYN;
		if ((r >> 8) % 4 == 0)
			flags |= DS_REC_MIRAI;
	}
	return (struct ds_flow_rec){
		.saddr = htonl(net << 8 | (__u8)(r >> 16)),
		.dport = port,
		.proto = DS_PROTO_TCP,
		.flags = flags,
	};
}

/* n records over exactly keys keys, shuffled. */
static struct ds_flow_rec *make_recs(__u32 keys, size_t n)
{
	struct ds_flow_rec *recs = malloc(n * sizeof(*recs));
	size_t i;

	if (!recs)
		return NULL;
	for (i = 0; i < n; i++)
		recs[i] = make_rec(i < keys ? i : rnd() % keys, rnd());
	for (i = n - 1; i > 0; i--) {
		size_t j = rnd() % (i + 1);
		struct ds_flow_rec tmp = recs[i];

		recs[i] = recs[j];
		recs[j] = tmp;
	}
	return recs;
}

/* Records per call: what one read of the log brings, ~100 ms of one CPU
 * at 1.3 Mpps (BENCH_FT_BATCH overrides). */
static size_t batch = 1U << 17;
/* -s: a sensor's steady state rather than a table filling up (see the
 * usage above). */
static int steady;

static int bench_one(__u32 keys, size_t n, int rounds)
{
	double ns[ROUNDS], take[ROUNDS];
	struct interval_data out = { 0 };
	struct flow_table *t = NULL;
	struct ds_flow_rec *recs;
	int round, err = 0;

	if (n < keys)
		n = keys;
	recs = make_recs(keys, n);
	t = flow_table__new(steady ? 2 * keys : keys, rnd());
	if (!recs || !t || (steady && flow_table__reserve_all(t))) {
		err = -ENOMEM;
		goto out;
	}
	for (round = 0; round < rounds && !err; round++) {
		__u64 no_room = 0, packets = 0;
		double t0, t1, t2;
		size_t i;

		out.n_flows = 0;
		t0 = now_s(CLOCK_THREAD_CPUTIME_ID);
		for (i = 0; i < n; i += batch)
			flow_table__add_records(t, recs + i, n - i < batch ? n - i : batch, &no_room);
		flow_table__flush(t, &no_room);
		t1 = now_s(CLOCK_THREAD_CPUTIME_ID);
		err = flow_table__take(t, &out);
		t2 = now_s(CLOCK_THREAD_CPUTIME_ID);
		for (i = 0; i < out.n_flows; i++)
			packets += out.flows[i].val.packets;
		if (!err && (out.n_flows != keys || packets != n || no_room)) {
			fprintf(stderr, "round %d: %zu keys, %llu packets, %llu no room; expected %u, %zu, 0\n",
				round, out.n_flows, (unsigned long long)packets,
				(unsigned long long)no_room, keys, n);
			err = -EIO;
		}
		ns[round] = (t1 - t0) * 1e9 / n;
		take[round] = t2 - t1;
	}
	if (!err)
		printf("%s,%u,%.2f,%.6f\n", steady ? "flow_table_steady" : "flow_table", keys,
		       median(ns, rounds), median(take, rounds));
out:
	flow_table__free(t);
	free(out.flows);
	free(recs);
	return err;
}

int main(int argc, char **argv)
{
	static const __u32 defaults[] = { 1000, 10000, 100000, 1000000 };
	int i, first = 1, err = 0, rounds = ROUNDS;
	size_t records = RECORDS;

	if (getenv("BENCH_FT_BATCH"))
		batch = strtoul(getenv("BENCH_FT_BATCH"), NULL, 10) ?: batch;
	if (argc > first && !strcmp(argv[first], "-s")) {
		steady = 1;
		records = STEADY_RECORDS;
		first++;
	}
	if (argc > first && !strcmp(argv[first], "-q")) {
		records = QUICK_RECORDS;
		rounds = 1;
		first++;
	}
	printf("# flow_table,live_keys,ns_per_record,take_s (%zu records per round in calls of %zu, "
	       "median of %d)\n", records, batch, rounds);
	if (argc > first) {
		for (i = first; i < argc && !err; i++)
			err = bench_one(strtoul(argv[i], NULL, 10), records, rounds);
	} else {
		for (i = 0; i < 4 && !err; i++)
			err = bench_one(defaults[i], records, rounds);
	}
	if (err)
		fprintf(stderr, "bench_flow_table: %s\n", strerror(-err));
	return err ? 1 : 0;
}
