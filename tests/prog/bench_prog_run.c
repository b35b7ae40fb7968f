// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_prog_run.c - per-packet cost of the darkscope XDP program under
 * BPF_PROG_RUN, next to xdp_drop_baseline (count and drop) in the same run.
 *
 * Two methods, both reading the kernel's own clock (opts.duration, ns per
 * run, taken around the program calls only, not the syscall):
 *
 *  - repeat: one frame run `repeat` times in one syscall.  The key, the port
 *    slot and the frame stay in L1, so this is the hot-path cost.  Used for
 *    SYN, Mirai SYN, UDP and ICMP on keys that already exist.
 *  - single runs: many syscalls with repeat = 1, each on another frame, the
 *    per-packet figure being the mean of the per-run durations.  Needed when
 *    every packet must differ: a new flow key (inserted once, then it exists)
 *    and hits spread over many live keys.  Each duration then also holds the
 *    timer's own overhead (one ktime_get_ns() and the loop around the call),
 *    and the syscall between runs evicts part of the caches, so the baseline
 *    is measured the same way and "syn_single" (an existing key, single runs)
 *    is printed as the floor of this method.
 *
 * Cost against live keys: the flow map of an instance loaded with
 * max_entries 2^18 (then 2^20) is filled from user space with
 * bpf_map_update_batch() (zero values, one key per source /24), then
 * SWEEP_RUNS single runs hit existing keys in a random permutation: with n
 * smaller than SWEEP_RUNS every key is hit several times (working set n keys),
 * with n larger each run hits a key not touched for a long time.  The figure
 * is the mean over the runs, so cache misses count as they happen.
 *
 * The process is pinned to one CPU (-c, default 0), as an RX queue's
 * XDP program is: if it migrates, the per-CPU values of the other CPU are
 * cold and single-run figures more than double.  Every figure is the median
 * over ROUNDS rounds.
 *
 * What capture selection adds (issue 5): darkscope loaded with cfg_capture
 * set (sample 1-in-1000, new, all) against darkscope with capture off, same
 * methods, alternating, CAPTURE_ROUNDS rounds: SYNs on an existing key by
 * repeat, new keys by single runs; the ratio is the median of the rounds'
 * ratios.  No socket is in the XSKMAP, so a selected frame gets its
 * normal verdict and counts CAPTURE_NO_SOCKET; the cost measured is the
 * selection and the bpf_redirect_map() lookup, not the copy to a socket.
 *
 * The flow log (the daemon's default, issue 10): the frames and the
 * live-keys sweep again on an instance with the log, whose regions are
 * emptied between runs when they would overflow (outside the timed part,
 * as the daemon's 100 ms flush does), so no timed frame takes the overflow
 * path; the live keys then cost nothing in the program (the daemon's table
 * holds them).  Capture of new keys with the log ("new_log") pays for the
 * shared new-key set; it is timed against the log without capture.
 *
 * Output: a table, then CSV lines
 * `prog_run,<frame>,<ns_darkscope>,<ns_baseline>,<ratio>`,
 * `prog_capture,<selection>,<frame>,<ns_capture_off>,<ns_capture_on>,<ratio>` and
 * `keys,<n>,<ns_per_pkt>`, and for the log `prog_log,...` as prog_run and
 * `keys_log,<n>,<ns_per_pkt>,<ns_baseline>`.  Needs root.
 *
 * Usage: bench_prog_run [-q] [-s] [-c CPU]
 *   -q  fewer runs, capture: the sample only (a smoke test)
 *   -s  skip the live-keys sweep (A/B runs)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "darkscope.h"
#include "darkscope.skel.h"
#include "xdp_drop_baseline.skel.h"
#include "bench_util.h"
#include "frames.h"
#include "prog_test_util.h"

/* Rounds per figure; the median is reported. */
#define ROUNDS 5
/* Runs per syscall in the repeat method (the kernel reports ns per run). */
#define REPEAT 2000000
/* Distinct new keys per round of the new-key measurement. */
#define NEWKEY_FRAMES 20000
/* Single runs per round of the live-keys sweep. */
#define SWEEP_RUNS 100000
/* Keys written per bpf_map_update_batch() call. */
#define POPULATE_BATCH 65536
/* Source /24 number i is SRC_NET(i) (host order): 16.0.0.0 upwards, room
 * for 2^20 distinct /24s. */
#define SRC_NET(i) (0x10000000U + ((__u32)(i) << 8))

static int ncpus;
static bool quick, no_sweep;

/* Records per CPU of the flow-log instance: its log is emptied before a
 * run could overflow it, outside the timed part, as the daemon's flush
 * empties it every 100 ms; a timed frame must never take the overflow path. */
#define BENCH_LOG_RECORDS (1U << 22)
static struct {
	struct darkscope_bpf *skel;
	__u64 used;
} logs[2]; /* the flow-log instances being timed */

static void log_track(struct darkscope_bpf *skel)
{
	int i = logs[0].skel ? 1 : 0;

	logs[i].skel = skel;
	logs[i].used = 0;
}

static void log_untrack_all(void)
{
	memset(logs, 0, sizeof(logs));
}

/* Gives every ring of interval epoch 0 its room back (tail = head), as
 * the daemon's read would. */
static void log_empty(struct darkscope_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.log_ctl);
	struct ds_log_ctl c;
	__u32 r;

	for (r = 0; r < (__u32)ncpus; r++) {
		if (bpf_map_lookup_elem(fd, &r, &c)) {
			fprintf(stderr, "reading the flow log's ring %u: %s\n", r, strerror(errno));
			continue;
		}
		c.tail = c.head;
		if (bpf_map_update_elem(fd, &r, &c, BPF_ANY))
			fprintf(stderr, "emptying the flow log: %s\n", strerror(errno));
	}
}

static void log_make_room(int prog_fd, __u32 repeat)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (!logs[i].skel || prog_fd != bpf_program__fd(logs[i].skel->progs.xdp_darkscope))
			continue;
		if (logs[i].used + repeat <= BENCH_LOG_RECORDS) {
			logs[i].used += repeat;
			return;
		}
		log_empty(logs[i].skel);
		logs[i].used = repeat;
	}
}

/* One BPF_PROG_RUN; *ns is the kernel's per-run duration.  The output
 * buffer is unused but keeps valgrind's model of the syscall quiet; it is
 * copied after the timed part. */
static int prog_run(int prog_fd, const __u8 *frame, __u32 len, __u32 repeat, __u32 *ns)
{
	__u8 out[FRAME_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);
	int err;

	log_make_room(prog_fd, repeat);
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err) {
		err = -errno;
		fprintf(stderr, "BPF_PROG_RUN: %s\n", strerror(-err));
		return err;
	}
	*ns = opts.duration;
	return 0;
}

/* One run of frame through darkscope, then one through the bare program,
 * adding each one's ns to its sum: the pair sees the same cache state. */
static int run_both(int ds_fd, int base_fd, const __u8 *frame, __u32 len, __u64 *ds_sum,
		    __u64 *base_sum)
{
	__u32 ns;
	int err = prog_run(ds_fd, frame, len, 1, &ns);

	if (err)
		return err;
	*ds_sum += ns;
	err = prog_run(base_fd, frame, len, 1, &ns);
	if (err)
		return err;
	*base_sum += ns;
	return 0;
}

static __u32 syn_from(__u32 net_index, __u8 *frame)
{
	const struct frame_spec s = { .ip.saddr = SRC_NET(net_index) | 1 };

	return frame_build(&s, frame);
}

/* A timed frame that found no room would measure the wrong path. */
static int map_full_check(struct darkscope_bpf *ds)
{
	struct ds_counters ctr[ncpus];
	__u32 zero = 0;
	int i;

	memset(ctr, 0, sizeof(ctr)); /* for valgrind: it misses per-CPU values */
	if (bpf_map_lookup_elem(bpf_map__fd(ds->maps.sensor_counters), &zero, ctr))
		return -errno;
	for (i = 0; i < ncpus; i++)
		if (ctr[i].c[DS_CTR_MAP_FULL] || ctr[i].c[DS_CTR_LOG_FULL]) {
			fprintf(stderr, "map_full or log_full moved: a timed frame found no room\n");
			return -ENOSPC;
		}
	return 0;
}

struct row {
	const char *frame;
	double ds, base;
};

/* The repeat method: ROUNDS x (darkscope, baseline) on one frame. */
/* rounds timed runs of frame on fd_a and fd_b in turn, so both see the same
 * noise; ns per packet into a[] and b[]. */
static int alternate_rounds(int fd_a, int fd_b, const __u8 *frame, __u32 len, __u32 repeat,
			    int rounds, double *a, double *b)
{
	__u32 ns;
	int i, err = 0;

	for (i = 0; i < rounds && !err; i++) {
		err = prog_run(fd_a, frame, len, repeat, &ns);
		a[i] = ns;
		if (!err)
			err = prog_run(fd_b, frame, len, repeat, &ns);
		b[i] = ns;
	}
	return err;
}

static int bench_repeat(int ds_fd, int base_fd, const struct frame_spec *s, struct row *r)
{
	double ds[ROUNDS], base[ROUNDS];
	__u32 repeat = quick ? REPEAT / 20 : REPEAT;
	__u8 frame[FRAME_MAX];
	__u32 len = frame_build(s, frame), ns;
	int err;

	/* The first run inserts the key; the timed ones find it. */
	err = prog_run(ds_fd, frame, len, 1, &ns);
	if (!err)
		err = alternate_rounds(ds_fd, base_fd, frame, len, repeat, ROUNDS, ds, base);
	if (err)
		return err;
	r->ds = median(ds, ROUNDS);
	r->base = median(base, ROUNDS);
	return 0;
}

/*
 * The single-run method over n frames, frame i from source /24 number
 * first + i; mean ns per run, darkscope and baseline alternating frame by
 * frame.
 */
static int bench_single(struct darkscope_bpf *ds, int base_fd, __u32 first, __u32 n,
			double *ds_ns, double *base_ns)
{
	int ds_fd = bpf_program__fd(ds->progs.xdp_darkscope);
	__u64 ds_sum = 0, base_sum = 0;
	__u8 frame[FRAME_MAX];
	__u32 i, len;
	int err;

	for (i = 0; i < n; i++) {
		len = syn_from(first + i, frame);
		if ((err = run_both(ds_fd, base_fd, frame, len, &ds_sum, &base_sum)))
			return err;
	}
	*ds_ns = (double)ds_sum / n;
	*base_ns = (double)base_sum / n;
	return 0;
}

static void print_row(const struct row *r)
{
	printf("%-14s %10.1f %10.1f %7.2f\n", r->frame, r->ds, r->base, r->ds / r->base);
}

static int bench_frames(struct darkscope_bpf *ds, int base_fd, struct row *rows, int *nrows)
{
	const struct {
		const char *name;
		struct frame_spec s;
	} frames[] = {
		{ "syn", {} },
		{ "mirai_syn", { .tcp.seq = FRAME_DST } },
		{ "udp", { .l4 = FRAME_L4_UDP, .udp.dport = 53, .payload = 32 } },
		{ "icmp", { .l4 = FRAME_L4_ICMP, .icmp.type = 8, .payload = 56 } },
	};
	int ds_fd = bpf_program__fd(ds->progs.xdp_darkscope);
	__u32 n = quick ? NEWKEY_FRAMES / 10 : NEWKEY_FRAMES;
	double a[ROUNDS], b[ROUNDS];
	size_t i;
	int err, r;

	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		rows[*nrows].frame = frames[i].name;
		if ((err = bench_repeat(ds_fd, base_fd, &frames[i].s, &rows[*nrows])))
			return err;
		print_row(&rows[(*nrows)++]);
	}

	/*
	 * New keys: every darkscope run inserts.  Each round takes /24s no
	 * round used before rather than emptying the map, so the elements
	 * come cold from the preallocated pool, as in a filling map, not warm
	 * from a delete a moment ago.
	 */
	for (r = 0; r < ROUNDS; r++)
		if ((err = bench_single(ds, base_fd, r * n, n, &a[r], &b[r])))
			return err;
	rows[*nrows] = (struct row){ "new_key", median(a, ROUNDS), median(b, ROUNDS) };
	print_row(&rows[(*nrows)++]);

	/* The last round's frames again, their keys now present: the same
	 * method without the insert. */
	for (r = 0; r < ROUNDS; r++)
		if ((err = bench_single(ds, base_fd, (ROUNDS - 1) * n, n, &a[r], &b[r])))
			return err;
	rows[*nrows] = (struct row){ "syn_single", median(a, ROUNDS), median(b, ROUNDS) };
	print_row(&rows[(*nrows)++]);
	return map_full_check(ds);
}

/* Adds keys for source /24s [from, to) to flows_0, zero values. */
static int populate(struct darkscope_bpf *ds, __u32 from, __u32 to)
{
	int fd = bpf_map__fd(ds->maps.flows_0);
	struct ds_flow_key *keys;
	void *vals;
	__u32 i, n;
	int err = 0;

	keys = calloc(POPULATE_BATCH, sizeof(*keys));
	vals = calloc(POPULATE_BATCH, sizeof(struct ds_flow_value) * ncpus);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (from < to) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		n = to - from < POPULATE_BATCH ? to - from : POPULATE_BATCH;
		for (i = 0; i < n; i++)
			keys[i] = (struct ds_flow_key){
				.src_net = htonl(SRC_NET(from + i)),
				.dport = FRAME_DPORT,
				.proto = DS_PROTO_TCP,
				.klass = DS_CLASS_PROBE,
			};
		if (bpf_map_update_batch(fd, keys, vals, &n, &opts)) {
			err = -errno;
			fprintf(stderr, "populating flows_0 at key %u: %s\n", from + n,
				strerror(-err));
			goto out;
		}
		from += n;
	}
out:
	free(keys);
	free(vals);
	return err;
}

static __u64 perm_state = 0x9e3779b97f4a7c15ULL;

/* The permutation's own stream (not bench_util.h's rnd()), so the sweep
 * visits keys in the order it always has. */
static __u32 rng(void)
{
	/* xorshift64: reproducible, and cheap next to a syscall. */
	perm_state ^= perm_state << 13;
	perm_state ^= perm_state >> 7;
	perm_state ^= perm_state << 17;
	return (__u32)(perm_state >> 32);
}

/* Mean ns of SWEEP_RUNS single runs over the first n keys, in a random
 * permutation, restarted when exhausted; also the baseline on the same frames. */
static int sweep_round(struct darkscope_bpf *ds, int base_fd, __u32 n, __u32 *perm,
		       double *ds_ns, double *base_ns)
{
	int ds_fd = bpf_program__fd(ds->progs.xdp_darkscope);
	__u32 runs = quick ? SWEEP_RUNS / 10 : SWEEP_RUNS;
	__u64 ds_sum = 0, base_sum = 0;
	__u8 frame[FRAME_MAX];
	__u32 i, j, len, tmp;
	int err;

	for (i = 0; i < runs; i++) {
		if (i % n == 0) {
			/* Fisher-Yates over the first n indexes. */
			for (j = n - 1; j > 0; j--) {
				__u32 k = rng() % (j + 1);

				tmp = perm[j];
				perm[j] = perm[k];
				perm[k] = tmp;
			}
		}
		len = syn_from(perm[i % n], frame);
		if ((err = run_both(ds_fd, base_fd, frame, len, &ds_sum, &base_sum)))
			return err;
	}
	*ds_ns = (double)ds_sum / runs;
	*base_ns = (double)base_sum / runs;
	return 0;
}

/* Loaded as the daemon loads it; epoch 1 stays unused here.  Without
 * the flow log (the per-CPU hash alone, --log-records 0) unless said. */
static int ds_load_capture(struct sensor_prog *sp, __u32 max_keys, __u32 capture, __u32 sample_n,
			   bool log)
{
	const struct loader_opts lo = {
		.max_keys = max_keys,
		.capture_select = capture,
		.sample_n = sample_n,
		.log_records = log ? BENCH_LOG_RECORDS : 0,
	};
	int err = prog_load_epoch0_only(sp, &lo);

	if (!err && log)
		log_track(sp->skel);
	return err;
}

static int ds_load_log(struct sensor_prog *sp)
{
	return ds_load_capture(sp, 1024, 0, 1, true);
}

/* The flow log's cost as live keys grow: the same single runs over the
 * same frames as bench_keys(), nothing to populate (the program looks no
 * key up; the daemon's table does, in userspace). */
static int bench_keys_log(int base_fd, const __u32 *steps, int nsteps, double *out,
			  double *base_out)
{
	struct sensor_prog sp;
	double a[ROUNDS], b[ROUNDS];
	__u32 *perm, i;
	int s, r, err = ds_load_log(&sp);

	if (err) {
		fprintf(stderr, "loading darkscope with the flow log: %s\n", strerror(-err));
		return err;
	}
	perm = calloc(steps[nsteps - 1], sizeof(*perm));
	if (!perm) {
		err = -ENOMEM;
		goto out;
	}
	for (s = 0; s < nsteps; s++) {
		for (i = 0; i < steps[s]; i++)
			perm[i] = i;
		for (r = 0; r < ROUNDS; r++)
			if ((err = sweep_round(sp.skel, base_fd, steps[s], perm, &a[r], &b[r])))
				goto out;
		out[s] = median(a, ROUNDS);
		base_out[s] = median(b, ROUNDS);
		printf("%-9s %-9u %10.1f %10.1f %7.2f\n", "log", steps[s], out[s], base_out[s],
		       out[s] / base_out[s]);
	}
	err = map_full_check(sp.skel);
out:
	free(perm);
	log_untrack_all();
	prog_unload(&sp);
	return err;
}

static int ds_load(struct sensor_prog *sp, __u32 max_keys)
{
	return ds_load_capture(sp, max_keys, 0, 1, false);
}

/* Rounds of the capture comparison: its differences are a few ns. */
#define CAPTURE_ROUNDS 9

struct capture_row {
	const char *select, *frame;
	double off, on, ratio; /* medians: of each, and of the per-round ratios */
};

static struct capture_row capture_row(const char *select, const char *frame, double *off,
				      double *on)
{
	double r[CAPTURE_ROUNDS];
	int i;

	for (i = 0; i < CAPTURE_ROUNDS; i++)
		r[i] = on[i] / off[i];
	return (struct capture_row){ select, frame, median(off, CAPTURE_ROUNDS),
				     median(on, CAPTURE_ROUNDS), median(r, CAPTURE_ROUNDS) };
}

/*
 * Capture off against capture on (selection sel), same frames, alternating:
 * a SYN on an existing key by repeat, then new keys by single runs (fresh
 * instances, so both insert into maps that hold the same keys so far).
 */
static int bench_capture_one(const char *name, __u32 sel, __u32 sample_n, bool log,
			     struct capture_row *rows, int *nrows)
{
	__u32 repeat = quick ? REPEAT / 20 : REPEAT, n = quick ? NEWKEY_FRAMES / 10 : NEWKEY_FRAMES;
	struct sensor_prog off_sp = {}, on_sp = {};
	struct darkscope_bpf *off, *on;
	double a[CAPTURE_ROUNDS], b[CAPTURE_ROUNDS];
	const struct frame_spec syn = {};
	__u8 frame[FRAME_MAX];
	__u32 len = frame_build(&syn, frame), ns;
	int off_fd, on_fd, i, err;

	/* Room for every new key of the rounds, and no more: loading is slow. */
	err = ds_load_capture(&off_sp, CAPTURE_ROUNDS * n + 1024, 0, 1, log);
	if (!err)
		err = ds_load_capture(&on_sp, CAPTURE_ROUNDS * n + 1024, sel, sample_n, log);
	if (err) {
		fprintf(stderr, "loading darkscope with capture %s: %s\n", name, strerror(-err));
		goto out;
	}
	off = off_sp.skel;
	on = on_sp.skel;
	off_fd = bpf_program__fd(off->progs.xdp_darkscope);
	on_fd = bpf_program__fd(on->progs.xdp_darkscope);
	err = prog_run(off_fd, frame, len, 1, &ns);
	if (!err)
		err = prog_run(on_fd, frame, len, 1, &ns);
	if (!err)
		err = alternate_rounds(off_fd, on_fd, frame, len, repeat, CAPTURE_ROUNDS, a, b);
	if (err)
		goto out;
	rows[*nrows] = capture_row(name, "syn", a, b);
	(*nrows)++;
	/* New keys, frame by frame alternating: each run inserts into its map. */
	for (i = 0; i < CAPTURE_ROUNDS && !err; i++) {
		__u64 sum_off = 0, sum_on = 0;
		__u32 k;

		for (k = 0; k < n && !err; k++) {
			len = syn_from(i * n + k, frame);
			err = prog_run(off_fd, frame, len, 1, &ns);
			sum_off += ns;
			if (!err)
				err = prog_run(on_fd, frame, len, 1, &ns);
			sum_on += ns;
		}
		a[i] = (double)sum_off / n;
		b[i] = (double)sum_on / n;
	}
	rows[*nrows] = capture_row(name, "new_key", a, b);
	(*nrows)++;
	err = map_full_check(off);
	if (!err)
		err = map_full_check(on);
out:
	log_untrack_all();
	prog_unload(&off_sp);
	prog_unload(&on_sp);
	return err;
}

/* Sweep the live-key counts in steps[] (ascending, <= max_keys) on a fresh
 * instance whose flow map holds max_keys. */
static int bench_keys(int base_fd, __u32 max_keys, const __u32 *steps, int nsteps,
		      double *out, double *base_out)
{
	struct sensor_prog sp;
	struct darkscope_bpf *ds;
	double a[ROUNDS], b[ROUNDS];
	__u32 have = 0, *perm = NULL, i;
	int s, r, err;

	err = ds_load(&sp, max_keys);
	if (err) {
		fprintf(stderr, "loading darkscope with %u keys: %s\n", max_keys, strerror(-err));
		return err;
	}
	ds = sp.skel;
	perm = calloc(max_keys, sizeof(*perm));
	if (!perm) {
		err = -ENOMEM;
		goto out;
	}
	for (s = 0; s < nsteps; s++) {
		if ((err = populate(ds, have, steps[s])))
			goto out;
		have = steps[s];
		for (i = 0; i < have; i++)
			perm[i] = i;
		for (r = 0; r < ROUNDS; r++)
			if ((err = sweep_round(ds, base_fd, have, perm, &a[r], &b[r])))
				goto out;
		out[s] = median(a, ROUNDS);
		base_out[s] = median(b, ROUNDS);
		printf("%-9u %-9u %10.1f %10.1f %7.2f\n", max_keys, have, out[s], base_out[s],
		       out[s] / base_out[s]);
	}
	/* Every timed frame must have hit a populated key. */
	err = map_full_check(ds);
out:
	free(perm);
	prog_unload(&sp);
	return err;
}

int main(int argc, char **argv)
{
	/* Live keys: 10^3 .. the whole map, for a 2^18 and a 2^20 map. */
	static const __u32 steps_18[] = { 1000, 10000, 100000, 1U << 18 };
	static const __u32 steps_20[] = { 1U << 20 };
	static const __u32 steps_log[] = { 1000, 10000, 100000, 1U << 18, 1U << 20 };
	double k18[4], b18[4], k20[1], b20[1], klog[5], blog[5];
	struct row lrows[8];
	int nlrows = 0;
	struct xdp_drop_baseline_bpf *base = NULL;
	struct sensor_prog sp = {};
	struct row rows[8];
	struct capture_row crows[8];
	int nrows = 0, ncrows = 0, base_fd, i, err, opt, cpu = 0;
	cpu_set_t set;
	char *end;

	while ((opt = getopt(argc, argv, "qsc:h")) != -1) {
		if (opt == 'q') {
			quick = true;
		} else if (opt == 's') {
			no_sweep = true;
		} else if (opt == 'c') {
			errno = 0;
			cpu = strtol(optarg, &end, 10);
			if (errno || *end || cpu < 0 || cpu >= CPU_SETSIZE) {
				fprintf(stderr, "bad CPU '%s'\n", optarg);
				return 64;
			}
		} else {
			fprintf(stderr, "usage: %s [-q] [-s] [-c CPU]\n", argv[0]);
			return opt == 'h' ? 0 : 64;
		}
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return 1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "pinning to CPU %d: %s\n", cpu, strerror(errno));
		return 1;
	}
	err = ds_load(&sp, DS_DEFAULT_MAX_KEYS);
	if (err) {
		fprintf(stderr, "loading darkscope: %s (needs root)\n", strerror(-err));
		goto out;
	}
	base = xdp_drop_baseline_bpf__open_and_load();
	if (!base) {
		err = -errno;
		fprintf(stderr, "loading the baseline: %s (needs root)\n", strerror(-err));
		goto out;
	}
	base_fd = bpf_program__fd(base->progs.xdp_drop_baseline);

	printf("# BPF_PROG_RUN on CPU %d, ns per packet, median of %d rounds%s\n", cpu, ROUNDS,
	       quick ? " (quick)" : "");
	printf("%-14s %10s %10s %7s\n", "frame", "darkscope", "baseline", "ratio");
	if ((err = bench_frames(sp.skel, base_fd, rows, &nrows)))
		goto out;
	prog_unload(&sp);

	printf("\n# with the flow log (the daemon's default), ns per packet\n");
	if ((err = ds_load_log(&sp))) {
		fprintf(stderr, "loading darkscope with the flow log: %s\n", strerror(-err));
		goto out;
	}
	err = bench_frames(sp.skel, base_fd, lrows, &nlrows);
	log_untrack_all();
	if (err)
		goto out;
	prog_unload(&sp);

	printf("\n# capture selection: capture off vs on, ns per packet, median of %d rounds\n",
	       CAPTURE_ROUNDS);
	printf("%-10s %-8s %10s %10s %7s\n", "select", "frame", "off", "on", "ratio");
	/* -q: only the sample, what the smoke test asks for. */
	if ((err = bench_capture_one("sample1000", DS_CAPTURE_SAMPLE, 1000, false, crows,
				     &ncrows)) ||
	    (!quick && (err = bench_capture_one("new", DS_CAPTURE_NEW, 1, false, crows, &ncrows))) ||
	    (!quick && (err = bench_capture_one("new_log", DS_CAPTURE_NEW, 1, true, crows,
						&ncrows))) ||
	    (!quick && (err = bench_capture_one("all", DS_CAPTURE_ALL, 1, false, crows, &ncrows))))
		goto out;
	for (i = 0; i < ncrows; i++)
		printf("%-10s %-8s %10.1f %10.1f %7.3f\n", crows[i].select, crows[i].frame,
		       crows[i].off, crows[i].on, crows[i].ratio);

	if (!no_sweep) {
		printf("\n# existing keys hit in random order, single runs\n");
		printf("%-9s %-9s %10s %10s %7s\n", "max_keys", "live", "darkscope", "baseline",
		       "ratio");
		if ((err = bench_keys(base_fd, 1U << 18, steps_18, 4, k18, b18)))
			goto out;
		if ((err = bench_keys(base_fd, 1U << 20, steps_20, 1, k20, b20)))
			goto out;
		if ((err = bench_keys_log(base_fd, steps_log, 5, klog, blog)))
			goto out;
	}

	printf("\n");
	for (i = 0; i < nrows; i++)
		printf("prog_run,%s,%.1f,%.1f,%.2f\n", rows[i].frame, rows[i].ds, rows[i].base,
		       rows[i].ds / rows[i].base);
	for (i = 0; i < nlrows; i++)
		printf("prog_log,%s,%.1f,%.1f,%.2f\n", lrows[i].frame, lrows[i].ds, lrows[i].base,
		       lrows[i].ds / lrows[i].base);
	for (i = 0; i < ncrows; i++)
		printf("prog_capture,%s,%s,%.1f,%.1f,%.3f\n", crows[i].select, crows[i].frame,
		       crows[i].off, crows[i].on, crows[i].ratio);
	for (i = 0; i < 4 && !no_sweep; i++)
		printf("keys,%u,%.1f\n", steps_18[i], k18[i]);
	if (!no_sweep)
		printf("keys,%u,%.1f\n", steps_20[0], k20[0]);
	for (i = 0; i < 5 && !no_sweep; i++)
		printf("keys_log,%u,%.1f,%.1f\n", steps_log[i], klog[i], blog[i]);
out:
	prog_unload(&sp);
	xdp_drop_baseline_bpf__destroy(base);
	return err ? 1 : 0;
}
