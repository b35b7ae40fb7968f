// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_flow_log.c - the fast path's flow log under BPF_PROG_RUN, through
 * the sensor object as the daemon drives it (sensor__flush_log() between
 * boundaries, sensor__tick() at them), every figure compared exactly:
 *
 * - ring wrap-around: a ring of 5 records read at every position;
 * - full structure: a log of 8 records per CPU, then the per-CPU hash,
 *   then nothing: LOG_FULL counts exactly the frames past the log,
 *   MAP_FULL exactly those past the hash's and the table's keys, each
 *   key's row and each port total is what was sent;
 * - flip with traffic in flight: a thread runs the program without pause
 *   (moving between CPUs) while the main thread empties the log and ends
 *   intervals; summed over the intervals every frame is in exactly one
 *   row (or MAP_FULL) and every key's total is exact;
 * - capture of new keys with the log: one frame per key and interval is
 *   selected, whichever CPU, log or hash counted it, and a flush of the
 *   log mid-interval does not start a new interval's set;
 * - two sensors (each with its own random table seed) write the same rows.
 *
 * The process runs pinned (main() pins it to one CPU; threads pin
 * themselves), so the per-CPU fill levels of the log are known.
 * Needs CAP_BPF and CAP_SYS_ADMIN (root).
 */
#define _GNU_SOURCE
#include "../unit/test_util.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "darkscope.skel.h"
#include "frames.h"
#include "sensor/sensor.h"
#include "util/log.h"

/* Keys are numbered 0 .. MAX_TEST_KEYS - 1 (test_key()). */
#define MAX_TEST_KEYS 4096

/* The CPUs this process may run on, as it started. */
static cpu_set_t allowed;
static int cpus[CPU_SETSIZE], n_cpus;

static void pin_to(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	/* pid 0 is the calling thread. */
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
}

/* Key i: a TCP SYN (i % 3 == 0), a Mirai-style SYN (seq = destination,
 * i % 3 == 1) or a UDP datagram (i % 3 == 2) from host 1 + i % 200 of
 * the /24 10.(i >> 8).(i & 255).0 to port 1000 + i % 50, so several keys
 * share a port total. */
static struct frame_spec test_key(__u32 i)
{
	struct frame_spec s = { .ip.saddr = 0x0a000000U | i << 8 | (1 + i % 200) };
	__u16 port = (__u16)(1000 + i % 50);

	if (i % 3 == 2) {
		s.l4 = FRAME_L4_UDP;
		s.udp.dport = port;
	} else {
		s.l4 = FRAME_L4_TCP;
		s.tcp.dport = port;
		s.tcp.seq = i % 3 == 1 ? FRAME_DST : 1;
	}
	return s;
}

static __u8 proto_of(__u32 i)
{
	return i % 3 == 2 ? DS_PROTO_UDP : DS_PROTO_TCP;
}

static struct ds_flow_key flow_key_of(__u32 i)
{
	return (struct ds_flow_key){
		.src_net = htonl(0x0a000000U | i << 8),
		.dport = (__u16)(1000 + i % 50),
		.proto = proto_of(i),
		.klass = DS_CLASS_PROBE,
	};
}

/* The key number of a flow key test_key() made; -1 if it made none such. */
static int key_index(const struct ds_flow_key *k)
{
	__u32 i = (ntohl(k->src_net) >> 8) & 0xffff;
	struct ds_flow_key want;

	if (i >= MAX_TEST_KEYS)
		return -1;
	want = flow_key_of(i);
	return memcmp(&want, k, sizeof(want)) ? -1 : (int)i;
}

static void set_host(__u64 *bitmap, __u8 host)
{
	bitmap[host >> 6] |= 1ULL << (host & 63);
}

/* What n frames of key i make its flow value (count_flow()'s rules). */
static struct ds_flow_value value_of(__u32 i, __u64 n)
{
	struct ds_flow_value v = { .packets = n };
	__u8 host = (__u8)(1 + i % 200);

	if (!n)
		return v;
	set_host(v.src_hosts, host);
	if (i % 3 != 2)
		v.syn = n;
	if (i % 3 == 1) {
		v.mirai = n;
		set_host(v.mirai_hosts, host);
	}
	return v;
}

struct frame_buf {
	__u8 data[FRAME_MAX];
	__u32 len;
};

static void frame_of(__u32 i, struct frame_buf *f)
{
	struct frame_spec s = test_key(i);

	f->len = frame_build(&s, f->data);
}

static int prog_fd(struct sensor *s)
{
	return bpf_program__fd(s->prog.skel->progs.xdp_darkscope);
}

/* Runs key i's frame `times` times on the calling thread's CPU, one
 * BPF_PROG_RUN each: a run with repeat > 1 costs a change of the kernel's
 * XDP dispatcher, tens of ms on a VM. */
static void run_key(struct sensor *s, __u32 i, __u32 times)
{
	struct frame_buf f;
	__u32 n;

	frame_of(i, &f);
	for (n = 0; n < times; n++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.data, .data_size_in = f.len);

		assert_int_equal(bpf_prog_test_run_opts(prog_fd(s), &opts), 0);
		assert_int_equal(opts.retval, XDP_DROP);
	}
}

/* Intervals summed: each key's flow values (rows must be test keys, each
 * at most once an interval), every port slot, every counter. */
struct tally {
	struct ds_flow_value flows[MAX_TEST_KEYS];
	struct ds_port_value *ports; /* DS_PORT_SLOTS: proto * 65536 + port */
	__u64 ctr[DS_CTR_MAX];
	__u64 intervals;
	__u64 seen_in[MAX_TEST_KEYS]; /* the interval a key's row was last in */
};

static struct tally *tally_new(void)
{
	struct tally *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->ports = calloc(DS_PORT_SLOTS, sizeof(*t->ports));
	assert_non_null(t->ports);
	return t;
}

static void tally_free(struct tally *t)
{
	free(t->ports);
	free(t);
}

static void tally_interval(struct tally *t, const struct interval_data *d)
{
	size_t r;
	int i;

	t->intervals++;
	for (r = 0; r < d->n_flows; r++) {
		int k = key_index(&d->flows[r].key);

		if (k < 0)
			fail_msg("interval %llu: a row of a key never sent",
				 (unsigned long long)t->intervals);
		if (t->seen_in[k] == t->intervals)
			fail_msg("interval %llu: key %d has two rows",
				 (unsigned long long)t->intervals, k);
		t->seen_in[k] = t->intervals;
		flow_value_merge(&t->flows[k], &d->flows[r].val);
	}
	for (r = 0; r < d->n_ports; r++)
		port_value_merge(&t->ports[d->ports[r].proto * 65536 + d->ports[r].port],
				 &d->ports[r].val);
	for (i = 0; i < DS_CTR_MAX; i++)
		t->ctr[i] += d->counters[i];
}

/* What `sent[i]` frames of keys 0 .. n - 1 make: every key's row, the
 * port totals, FRAMES and COUNTED. */
static struct tally *tally_expected(const __u64 *sent, __u32 n)
{
	struct tally *t = tally_new();
	__u32 i;

	for (i = 0; i < n; i++) {
		struct ds_flow_value v = value_of(i, sent[i]);
		struct ds_port_value pv = { .packets = v.packets, .syn = v.syn, .mirai = v.mirai };

		t->flows[i] = v;
		port_value_merge(&t->ports[proto_of(i) * 65536 + 1000 + i % 50], &pv);
		t->ctr[DS_CTR_FRAMES] += sent[i];
		t->ctr[DS_CTR_COUNTED] += sent[i];
	}
	return t;
}

static void assert_ports_equal(const struct tally *got, const struct tally *want)
{
	size_t slot;

	for (slot = 0; slot < DS_PORT_SLOTS; slot++)
		if (memcmp(&got->ports[slot], &want->ports[slot], sizeof(got->ports[slot])))
			fail_msg("port slot %zu: %llu packets, want %llu", slot,
				 (unsigned long long)got->ports[slot].packets,
				 (unsigned long long)want->ports[slot].packets);
}

static void assert_flows_equal(const struct tally *got, const struct tally *want)
{
	int k;

	for (k = 0; k < MAX_TEST_KEYS; k++)
		if (memcmp(&got->flows[k], &want->flows[k], sizeof(got->flows[k])))
			fail_msg("key %d: %llu packets in rows, want %llu", k,
				 (unsigned long long)got->flows[k].packets,
				 (unsigned long long)want->flows[k].packets);
}

static struct sensor_opts opts_in(const char *dir, __u32 log_records, __u32 max_keys)
{
	return (struct sensor_opts){ .outdir = dir, .name = "t", .interval = 60,
				     .max_keys = max_keys, .log_records = log_records };
}

/* One interval boundary, added to t. */
static void tick(struct sensor *s, struct tally *t)
{
	assert_int_equal(sensor__tick(s), 0);
	tally_interval(t, &s->data);
}

/* Full structure --------------------------------------------------------- */

/* One interval of the structure test: frames sent per key, and what the
 * interval must hold. */
struct full_case {
	__u64 sent[6], in_rows[6];
	__u64 log_full, map_full;
};

static void check_full_interval(const struct tally *got, const struct full_case *c)
{
	struct tally *want = tally_expected(c->sent, 6);
	__u64 rows = 0, counted = 0;
	int k;

	for (k = 0; k < 6; k++) {
		want->flows[k] = value_of(k, c->in_rows[k]);
		rows += c->in_rows[k];
		counted += c->sent[k];
	}
	assert_flows_equal(got, want);
	assert_ports_equal(got, want);
	assert_int_equal(got->ctr[DS_CTR_FRAMES], counted);
	assert_int_equal(got->ctr[DS_CTR_COUNTED], counted);
	assert_int_equal(got->ctr[DS_CTR_LOG_FULL], c->log_full);
	assert_int_equal(got->ctr[DS_CTR_MAP_FULL], c->map_full);
	assert_int_equal(rows + got->ctr[DS_CTR_MAP_FULL], got->ctr[DS_CTR_COUNTED]);
	tally_free(want);
}

/* 8 records per CPU (one CPU), then a per-CPU hash and a table of 4 keys. */
static void test_flow_log_full_structure(void **state)
{
	struct sensor_opts o = opts_in(scratch_dir, 8, 4);
	struct sensor s;
	struct tally *t;

	pin_to(cpus[0]);
	assert_int_equal(sensor__open(&s, &o), 0);

	/* Interval 1: the log fills (8), is emptied into the table, fills
	 * again; then the hash takes 4 keys (7 frames), and the 5 frames of
	 * keys 4 and 5 find it full.  At the boundary the table holds keys 0
	 * and 1 from the first log epoch, 0 and 2 from the second, then
	 * merges the hash's 0, 1, 2 and 3: exactly its 4 keys. */
	run_key(&s, 0, 5);
	run_key(&s, 1, 3);
	assert_int_equal(sensor__flush_log(&s), 0);
	run_key(&s, 0, 4);
	run_key(&s, 2, 4);
	run_key(&s, 1, 2);
	run_key(&s, 3, 3);
	run_key(&s, 0, 1);
	run_key(&s, 2, 1);
	run_key(&s, 4, 3);
	run_key(&s, 5, 2);
	t = tally_new();
	tick(&s, t);
	check_full_interval(t, &(struct full_case){
		.sent = { 10, 5, 5, 3, 3, 2 }, .in_rows = { 10, 5, 5, 3, 0, 0 },
		.log_full = 12, .map_full = 5 });
	tally_free(t);

	/* Interval 2: the log's 8 records bring 5 keys; the table takes the
	 * first 4 and has no room for key 4's record.  Past the log, key 0
	 * and key 5 go to the hash: key 0 merges, key 5 finds the table
	 * full.  MAP_FULL comes from the table alone: 1 + 2. */
	run_key(&s, 0, 2);
	run_key(&s, 1, 2);
	run_key(&s, 2, 2);
	run_key(&s, 3, 1);
	run_key(&s, 4, 1);
	run_key(&s, 0, 3);
	run_key(&s, 5, 2);
	t = tally_new();
	tick(&s, t);
	check_full_interval(t, &(struct full_case){
		.sent = { 5, 2, 2, 1, 1, 2 }, .in_rows = { 5, 2, 2, 1, 0, 0 },
		.log_full = 5, .map_full = 3 });
	tally_free(t);

	/* Interval 3 starts empty: key 5 now has room, nothing of the last
	 * interval is left in the log, the hash or the table. */
	run_key(&s, 5, 3);
	t = tally_new();
	tick(&s, t);
	check_full_interval(t, &(struct full_case){
		.sent = { 0, 0, 0, 0, 0, 3 }, .in_rows = { 0, 0, 0, 0, 0, 3 } });
	assert_int_equal(s.data.n_flows, 1);
	tally_free(t);

	/* And the last one, after the detach, is empty too. */
	assert_int_equal(sensor__finish(&s), 0);
	assert_int_equal(s.data.counters[DS_CTR_FRAMES], 0);
	assert_int_equal(s.data.n_flows, 0);
	sensor__close(&s);
}

/* Ring wrap-around ------------------------------------------------------- */

/* A ring of 5 records (not a power of two) read after every 3 or 4 frames:
 * its reads start at every position and wrap around again and again; then
 * 6 frames at once fill it and the sixth is the only one in LOG_FULL.
 * Every record is read exactly once. */
static void test_flow_log_ring_wraps(void **state)
{
	struct sensor_opts o = opts_in(scratch_dir, 5, 16);
	__u64 sent[6] = { 0 };
	struct sensor s;
	struct tally *t;
	__u32 round, k;

	pin_to(cpus[0]);
	assert_int_equal(sensor__open(&s, &o), 0);
	for (round = 0; round < 40; round++) {
		k = round % 6;
		run_key(&s, k, 3 + round % 2);
		sent[k] += 3 + round % 2;
		assert_int_equal(sensor__flush_log(&s), 0);
	}
	run_key(&s, 0, 6);
	sent[0] += 6;
	t = tally_new();
	tick(&s, t);
	check_full_interval(t, &(struct full_case){
		.sent = { sent[0], sent[1], sent[2], sent[3], sent[4], sent[5] },
		.in_rows = { sent[0], sent[1], sent[2], sent[3], sent[4], sent[5] },
		.log_full = 1 });
	tally_free(t);
	assert_int_equal(sensor__finish(&s), 0);
	sensor__close(&s);
}

/* Flip with traffic in flight ------------------------------------------- */

/* Frames per BPF_PROG_RUN: one, and every 128th run (the first among
 * them) a long one, more than the log holds, so both the log and the hash
 * count frames while the epochs change. */
#define FLIGHT_LONG_RUN 10000
#define FLIGHT_LONG_EVERY 128
#define FLIGHT_LOG_RECORDS 4096
#define FLIGHT_ROUNDS 200    /* log flushes by the main thread */
#define FLIGHT_TICK_EVERY 8  /* of which every 8th ends the interval */
#define RUNS_PER_CPU 1000    /* the sender moves to the next CPU after these */

struct sender {
	struct sensor *s;
	__u32 n_keys;
	atomic_bool stop;
	atomic_ulong runs;         /* BPF_PROG_RUN calls done */
	__u64 sent[MAX_TEST_KEYS]; /* frames run per key; read after the join */
	atomic_int err;            /* the first failure (errno), 0 if none */
	atomic_uint bad_retval;
};

/* No cmocka assertions here (they longjmp): the main thread checks err. */
static void *sender_main(void *arg)
{
	struct sender *sd = arg;
	struct frame_buf *frames = calloc(sd->n_keys, sizeof(*frames));
	int fd = prog_fd(sd->s), c = 0;
	cpu_set_t one;
	__u64 r;
	__u32 i;

	if (!frames) {
		sd->err = ENOMEM;
		return NULL;
	}
	for (i = 0; i < sd->n_keys; i++)
		frame_of(i, &frames[i]);
	for (r = 0; !atomic_load(&sd->stop); r++) {
		/* Keys in a scattered order (the step is prime to n_keys). */
		__u32 k = (__u32)((r * 7919) % sd->n_keys), rep = r % FLIGHT_LONG_EVERY ? 1 : FLIGHT_LONG_RUN;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frames[k].data,
			    .data_size_in = frames[k].len, .repeat = rep);

		if (r % RUNS_PER_CPU == 0) {
			CPU_ZERO(&one);
			CPU_SET(cpus[c++ % n_cpus], &one);
			if (sched_setaffinity(0, sizeof(one), &one)) {
				sd->err = errno;
				break;
			}
		}
		if (bpf_prog_test_run_opts(fd, &opts)) {
			sd->err = errno;
			break;
		}
		if (opts.retval != XDP_DROP) {
			sd->bad_retval = opts.retval;
			break;
		}
		sd->sent[k] += rep;
		atomic_store(&sd->runs, r + 1);
	}
	free(frames);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * The sender runs until told to stop; meanwhile the main thread flushes
 * the log FLIGHT_ROUNDS times and ends an interval every
 * FLIGHT_TICK_EVERY.  After the join one more boundary drains what is
 * left.  With n_keys <= max_keys every key's total is exact; with more,
 * some frames are MAP_FULL, and rows + MAP_FULL still equal COUNTED.
 *
 * The first n_keys runs (every key once: 7919 is prime to n_keys) end
 * before the first flush, so the first interval surely overflows the log
 * (the first run is a long one) and, with n_keys > max_keys, the keys.
 */
static void flip_in_flight(__u32 n_keys, __u32 max_keys)
{
	struct sensor_opts o = opts_in(scratch_dir, FLIGHT_LOG_RECORDS, max_keys);
	struct sender *sd = calloc(1, sizeof(*sd));
	struct tally *got = tally_new(), *want;
	__u64 total = 0, rows = 0;
	struct sensor s;
	pthread_t th;
	int round, waited;
	__u32 k;

	assert_non_null(sd);
	pin_to(cpus[0]);
	assert_int_equal(sensor__open(&s, &o), 0);
	sd->s = &s;
	sd->n_keys = n_keys;
	assert_int_equal(pthread_create(&th, NULL, sender_main, sd), 0);
	/* A generous timeout, no threshold: a stuck sender fails below. */
	for (waited = 0; atomic_load(&sd->runs) < n_keys && !sd->err && !sd->bad_retval &&
			 waited < 120000; waited++)
		sleep_ms(1);
	for (round = 1; round <= FLIGHT_ROUNDS && !sd->err && !sd->bad_retval; round++) {
		if (round % FLIGHT_TICK_EVERY)
			assert_int_equal(sensor__flush_log(&s), 0);
		else
			tick(&s, got);
	}
	atomic_store(&sd->stop, true);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(sd->err, 0);
	assert_int_equal(sd->bad_retval, 0);
	assert_true(atomic_load(&sd->runs) >= n_keys);
	tick(&s, got);
	sensor__close(&s);

	for (k = 0; k < n_keys; k++)
		total += sd->sent[k];
	for (k = 0; k < MAX_TEST_KEYS; k++)
		rows += got->flows[k].packets;
	want = tally_expected(sd->sent, n_keys);
	print_message("  %llu frames in %lu runs over %llu intervals, log_full %llu, "
		      "map_full %llu\n", (unsigned long long)total, atomic_load(&sd->runs),
		      (unsigned long long)got->intervals,
		      (unsigned long long)got->ctr[DS_CTR_LOG_FULL],
		      (unsigned long long)got->ctr[DS_CTR_MAP_FULL]);
	assert_int_equal(got->ctr[DS_CTR_FRAMES], total);
	assert_int_equal(got->ctr[DS_CTR_COUNTED], total);
	assert_int_equal(rows + got->ctr[DS_CTR_MAP_FULL], total);
	assert_true(got->ctr[DS_CTR_LOG_FULL] >= FLIGHT_LONG_RUN - FLIGHT_LOG_RECORDS);
	assert_ports_equal(got, want);
	if (n_keys <= max_keys) {
		assert_int_equal(got->ctr[DS_CTR_MAP_FULL], 0);
		assert_flows_equal(got, want);
	} else {
		/* No key holds more than was sent, or a host never sent. */
		for (k = 0; k < n_keys; k++) {
			struct ds_flow_value v = got->flows[k], w = want->flows[k];
			int h;

			assert_true(v.packets <= w.packets && v.syn <= w.syn && v.mirai <= w.mirai);
			for (h = 0; h < DS_HOST_WORDS; h++)
				assert_int_equal(v.src_hosts[h] & ~w.src_hosts[h], 0);
		}
		assert_true(got->ctr[DS_CTR_MAP_FULL] >= n_keys - max_keys);
	}
	tally_free(want);
	tally_free(got);
	free(sd);
}

/* 48 keys in a table of 64: every key exact. */
static void test_flow_log_flip_in_flight(void **state)
{
	flip_in_flight(48, 64);
}

/* 200 keys in a table of 64: the rest exactly MAP_FULL. */
static void test_flow_log_flip_in_flight_map_full(void **state)
{
	flip_in_flight(200, 64);
}

/* Capture of new keys with the log -------------------------------------- */

#define NEW_KEYS 10

/* Runs each of keys first .. first + n - 1 `times` times, the first run of
 * each on one CPU, the rest on the next (when there is one). */
static void run_keys_two_cpus(struct sensor *s, __u32 first, __u32 n, __u32 times)
{
	__u32 k;

	for (k = first; k < first + n; k++) {
		pin_to(cpus[0]);
		run_key(s, k, 1);
		if (times > 1) {
			pin_to(cpus[1 % n_cpus]);
			run_key(s, k, times - 1);
		}
	}
	pin_to(cpus[0]);
}

static void assert_selected(const struct sensor *s, __u64 want, __u64 counted)
{
	assert_int_equal(s->data.counters[DS_CTR_COUNTED], counted);
	assert_int_equal(s->data.counters[DS_CTR_CAPTURE_SELECTED], want);
	/* No socket in the program's own XSKMAP: each selected frame stays. */
	assert_int_equal(s->data.counters[DS_CTR_CAPTURE_NO_SOCKET], want);
	assert_int_equal(s->data.counters[DS_CTR_MAP_FULL], 0);
}

/* walk: as on a kernel without batch map operations, where the drain and
 * the clearing of the new-key set walk the maps instead. */
static void capture_new(bool walk)
{
	struct sensor_opts o = opts_in(scratch_dir, 8, 64);
	struct tally *t = tally_new();
	struct sensor s;
	__u32 k;

	/* No interface: the capture itself is not opened, the program is
	 * loaded with the selection all the same. */
	o.capture.dir = scratch_dir;
	o.capture_select = DS_CAPTURE_NEW;
	assert_int_equal(sensor__open(&s, &o), 0);
	s.drainer.no_batch = walk;

	/* 3 frames a key over two CPUs: 30 frames, 2 + 12 of them past the
	 * two CPUs' logs of 8 (on one CPU: 22). */
	run_keys_two_cpus(&s, 0, NEW_KEYS, 3);
	tick(&s, t);
	assert_selected(&s, NEW_KEYS, 3 * NEW_KEYS);
	assert_true(s.data.counters[DS_CTR_LOG_FULL] > 0);
	for (k = 0; k < NEW_KEYS; k++)
		assert_int_equal(t->flows[k].packets, 3);

	/* The boundary emptied the set: the same frames are new again. */
	run_keys_two_cpus(&s, 0, NEW_KEYS, 3);
	tick(&s, t);
	assert_selected(&s, NEW_KEYS, 3 * NEW_KEYS);

	/* A log already full: every key's first frame goes to the hash, and
	 * is still selected once. */
	run_key(&s, NEW_KEYS, 8);
	run_keys_two_cpus(&s, 0, NEW_KEYS, 2);
	tick(&s, t);
	assert_selected(&s, NEW_KEYS + 1, 8 + 2 * NEW_KEYS);

	/* Emptying the log mid-interval is no boundary: seen keys stay seen. */
	run_keys_two_cpus(&s, 0, NEW_KEYS, 1);
	assert_int_equal(sensor__flush_log(&s), 0);
	run_keys_two_cpus(&s, 0, NEW_KEYS, 2);
	tick(&s, t);
	assert_selected(&s, NEW_KEYS, 3 * NEW_KEYS);

	/* Over all four intervals every frame is in its key's row. */
	for (k = 0; k < NEW_KEYS; k++)
		assert_int_equal(t->flows[k].packets, 3 + 3 + 2 + 3);
	assert_int_equal(t->flows[NEW_KEYS].packets, 8);
	sensor__close(&s);
	tally_free(t);
}

static void test_flow_log_capture_new(void **state)
{
	capture_new(false);
}

static void test_flow_log_capture_new_by_walk(void **state)
{
	capture_new(true);
}

/* Seeded hashing --------------------------------------------------------- */

/* Two sensors seed their tables differently (getrandom()); the same
 * frames, through the log and its overflow into the hash, must give the
 * same rows.  Compared sorted: the hash's keys arrive in the kernel's
 * order, which has its own seed. */
static int flow_row_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct flow_row *)a)->key, &((const struct flow_row *)b)->key,
		      sizeof(struct ds_flow_key));
}

static void test_flow_log_seeds_same_rows(void **state)
{
	const __u32 n_keys = 1000;
	struct sensor_opts o = opts_in(scratch_dir, 256, 1024);
	struct sensor s[2];
	struct tally *t[2];
	__u64 sent[1000];
	__u32 k;
	int i;

	pin_to(cpus[0]);
	for (k = 0; k < n_keys; k++)
		sent[k] = 1 + k % 4;
	for (i = 0; i < 2; i++) {
		t[i] = tally_new();
		assert_int_equal(sensor__open(&s[i], &o), 0);
		for (k = 0; k < n_keys; k++)
			run_key(&s[i], k, sent[k]);
		assert_int_equal(sensor__flush_log(&s[i]), 0);
		for (k = 0; k < n_keys; k += 7)
			run_key(&s[i], k, 1);
		tick(&s[i], t[i]);
		assert_true(s[i].data.counters[DS_CTR_LOG_FULL] > 0);
		qsort(s[i].data.flows, s[i].data.n_flows, sizeof(s[i].data.flows[0]),
		      flow_row_cmp);
	}
	assert_int_equal(s[0].data.n_flows, n_keys);
	assert_int_equal(s[1].data.n_flows, n_keys);
	assert_memory_equal(s[0].data.flows, s[1].data.flows,
			    n_keys * sizeof(s[0].data.flows[0]));
	for (k = 0; k < n_keys; k += 7)
		sent[k]++;
	for (i = 0; i < 2; i++) {
		struct tally *want = tally_expected(sent, n_keys);

		assert_flows_equal(t[i], want);
		tally_free(want);
		tally_free(t[i]);
		sensor__close(&s[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH_TEST(test_flow_log_full_structure),
		SCRATCH_TEST(test_flow_log_ring_wraps),
		SCRATCH_TEST(test_flow_log_flip_in_flight),
		SCRATCH_TEST(test_flow_log_flip_in_flight_map_full),
		SCRATCH_TEST(test_flow_log_capture_new),
		SCRATCH_TEST(test_flow_log_capture_new_by_walk),
		SCRATCH_TEST(test_flow_log_seeds_same_rows),
	};
	int c;

	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		perror("sched_getaffinity");
		return 1;
	}
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &allowed))
			cpus[n_cpus++] = c;
	log_set_level(LOG_WARN);
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
