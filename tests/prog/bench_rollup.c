// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_rollup.c - what `darkscope rollup` costs for one day of 1-minute
 * intervals at N flow rows a minute, and how many rows it saves.
 *
 * A day is written first with the daemon's writer (ts_writer, gzip level
 * 1): 1440 intervals of N flow rows, their port rows and a sensor row.
 * The mix is skewed the way a telescope's is: 30 % of each minute's keys
 * are the same all day (persistent scanners), 70 % are drawn, distinct
 * within the minute, from a pool of 2145 N keys (the churn: about 800 N
 * distinct keys a day, so a key is seen on 1.8 minutes on average); ports
 * are 20 favourites for 60 % of the keys, any of 65536 for the rest; one
 * or two hosts a row.  Then, in a child process each (so its CPU time and
 * peak memory are its own):
 *   read    every row of the day's files through ts_reader, nothing else:
 *           the baseline, what any reader of the raw day pays
 *   rollup  rollup_dir() on the directory: the day's three rollups
 *
 * Prints one CSV line per N:
 *   rollup,<N>,<flow_rows_in>,<flow_rows_out>,<port_rows_in>,<port_rows_out>,
 *     <raw_MB>,<rollup_MB>,<read_s>,<read_cpu_s>,<rollup_s>,<rollup_cpu_s>,
 *     <rollup_max_rss_MB>,<flow_runs>,<max_keys>
 * (wall and CPU seconds; MB are 10^6 bytes of the compressed files).
 *
 * Usage: bench_rollup WORK_DIR [--max-keys K] N...
 *   WORK_DIR is made and emptied for each N (a day at 10^5 rows a minute
 *   is about 2 GB of files); BENCH_ROLLUP_KEEP=1 leaves the last day there
 *   (to profile `darkscope rollup --force WORK_DIR` on it).
 *   For many sensors' days (bench_clickhouse_quarter.py):
 *   BENCH_ROLLUP_SENSOR=NAME names the sensor (default bench-1),
 *   BENCH_ROLLUP_SEED=S draws another day (other keys and values: no key in
 *   common with another seed's, the hardest case for tables that merge
 *   sensors), BENCH_ROLLUP_NETS=M draws the source /24s from M of them (the
 *   same M for every seed: the scanners every sensor sees; default: any of
 *   the 2^24), BENCH_ROLLUP_WRITE_ONLY=1 writes the day (no rollup, nothing
 *   measured, nothing printed) and leaves it there.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "rollup/rollup_dir.h"
#include "series/series_format.h"
#include "series/ts_reader.h"
#include "series/ts_writer.h"
#include "util/log.h"
#include "util/strbuf.h"

#define DAY0 1795305600ULL /* 2026-11-22T00:00:00Z */
#define MINUTES 1440
#define PERSISTENT_PERMILLE 300
#define POOL_PER_ROW 2145
#define HOT_PORT_PERMILLE 600

static const __u16 hot_ports[20] = { 23,   80,   443,  22,   8080, 445,  3389, 5555, 2323, 8443,
				     81,   1433, 8728, 37215, 52869, 6379, 7547, 9200, 21, 25 };

static __u64 mix64(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u64 key_seed; /* BENCH_ROLLUP_SEED: another sensor's key space */
static __u64 src_nets; /* BENCH_ROLLUP_NETS: sources from this many /24s (0: any) */

/* Key number k of the day's key space: always the same key. */
static void key_of(__u64 k, struct flow_row *row)
{
	__u64 h = mix64((k + 1) ^ key_seed);

	memset(row, 0, sizeof(*row));
	/* The /24s of a pool are the same for every seed: mix64() of 1..M. */
	row->key.src_net = htonl((__u32)((src_nets ? mix64(1 + mix64(h) % src_nets) : h) &
					 0xffffff) << 8);
	row->key.proto = (h >> 24) % 10 < 8 ? DS_PROTO_TCP
					     : ((h >> 24) % 10 == 8 ? DS_PROTO_UDP : DS_PROTO_ICMP);
	if (row->key.proto == DS_PROTO_ICMP)
		row->key.dport = 8;
	else if ((h >> 32) % 1000 < HOT_PORT_PERMILLE)
		row->key.dport = hot_ports[(h >> 42) % 20];
	else
		row->key.dport = (h >> 48) & 0xffff;
}

/* One interval's values for a key: 1..4 frames from one or two hosts. */
static void values_of(struct flow_row *row)
{
	__u64 r = rnd();
	unsigned int h1 = r & 0xff, h2 = (r >> 8) & 0xff;

	row->val.packets = 1 + (r >> 16) % 4;
	if (row->key.proto == DS_PROTO_TCP) {
		row->val.syn = row->val.packets;
		if ((r >> 20) % 8 == 0) {
			row->val.mirai = 1;
			row->val.mirai_hosts[h1 / 64] |= 1ULL << (h1 % 64);
		}
	}
	row->val.src_hosts[h1 / 64] |= 1ULL << (h1 % 64);
	if ((r >> 24) % 4 == 0)
		row->val.src_hosts[h2 / 64] |= 1ULL << (h2 % 64);
}

static __u64 gcd(__u64 a, __u64 b)
{
	while (b) {
		__u64 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

struct day_counts {
	__u64 flow_rows, port_rows;
};

/* The day, written as the daemon writes it. */
static int write_day(const char *dir, __u64 n, struct day_counts *c)
{
	static const char *const series[3] = { "flows", "ports", "sensor" };
	const char *sensor = getenv("BENCH_ROLLUP_SENSOR");
	struct ts_writer_meta meta = { .sensor = sensor ? sensor : "bench-1", .iface = "eth1",
				       .version = "0.1.0",
				       .interval = 60, .started = DAY0 - 10, .level = 1 };
	__u64 persistent = n * PERSISTENT_PERMILLE / 1000, churn = n - persistent;
	__u64 pool = n * POOL_PER_ROW, step;
	struct flow_row *rows = malloc(n * sizeof(*rows));
	struct ds_port_value *ports = calloc(DS_PORT_SLOTS, sizeof(*ports));
	struct port_row *prow = malloc(DS_PORT_SLOTS * sizeof(*prow));
	struct strbuf text = STRBUF_INIT;
	struct ts_writer *w[3] = { 0 };
	int err = 0;

	if (!rows || !ports || !prow)
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		w[i] = ts_writer__open(dir, series[i], series_columns(series[i]), &meta);
		if (!w[i])
			return -errno;
	}
	/* A stride coprime to the pool visits distinct keys within a minute. */
	step = pool / 3 + 1;
	while (gcd(step, pool) != 1)
		step++;
	for (int m = 0; m < MINUTES && !err; m++) {
		__u64 ts = DAY0 + 60ULL * m, start = rnd() % pool;
		struct interval_data d = { .ts = ts, .start_ms = ts * 1000, .end_ms = ts * 1000 + 60000,
					   .n_flows = n };
		struct sensor_row srow = { .max_keys = 1U << 21 };
		size_t np = 0;

		for (__u64 i = 0; i < n; i++) {
			/* Persistent keys are numbered past the pool. */
			key_of(i < persistent ? pool + i : (start + (i - persistent) * step) % pool,
			       &rows[i]);
			values_of(&rows[i]);
			port_value_merge(&ports[rows[i].key.proto * 65536 + rows[i].key.dport],
					 &(struct ds_port_value){ rows[i].val.packets, rows[i].val.syn,
								  rows[i].val.mirai });
			d.counters[DS_CTR_COUNTED] += rows[i].val.packets;
		}
		(void)churn;
		for (size_t s = 0; s < DS_PORT_SLOTS; s++) {
			if (!ports[s].packets)
				continue;
			prow[np++] = (struct port_row){ .proto = s / 65536, .port = s % 65536,
							.val = ports[s] };
			memset(&ports[s], 0, sizeof(ports[s]));
		}
		d.counters[DS_CTR_FRAMES] = d.counters[DS_CTR_COUNTED];
		c->flow_rows += n;
		c->port_rows += np;
		strbuf__reset(&text);
		err = format_flow_rows(&text, ts, rows, n);
		if (!err)
			err = ts_writer__append(w[0], ts, text.buf, text.len);
		strbuf__reset(&text);
		if (!err)
			err = format_port_rows(&text, ts, prow, np);
		if (!err)
			err = ts_writer__append(w[1], ts, text.buf, text.len);
		strbuf__reset(&text);
		if (!err)
			err = format_sensor_row(&text, &d, &srow);
		if (!err)
			err = ts_writer__append(w[2], ts, text.buf, text.len);
	}
	for (int i = 0; i < 3; i++)
		ts_writer__close(w[i]);
	strbuf__free(&text);
	free(rows);
	free(ports);
	free(prow);
	return err;
}

/* Bytes of the regular files in dir (not below). */
static double dir_mb(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	double total = 0;
	char path[4096];
	struct stat st;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < sizeof(path) &&
		    !stat(path, &st) && S_ISREG(st.st_mode))
			total += st.st_size;
	}
	closedir(d);
	return total / 1e6;
}

/* Every row of the day's raw files, read and dropped. */
static int read_all(const char *dir)
{
	static const char *const series[3] = { "flows", "ports", "sensor" };
	static const char *const cols[] = { "proto" };
	char path[4096], name[64];
	__u64 rows = 0;

	for (int s = 0; s < 3; s++) {
		for (int h = 0; h < 24; h++) {
			struct ts_reader *r;

			ts_hour_file_name(name, sizeof(name), series[s], DAY0 + 3600ULL * h);
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			r = ts_reader__open(path);
			if (!r || ts_reader__select(r, cols, 1))
				return 1;
			while (ts_reader__next(r) > 0)
				rows++;
			ts_reader__close(r);
		}
	}
	return rows ? 0 : 1;
}

struct child_cost {
	double wall, cpu, max_rss_mb;
	int status;
};

/* fn(dir, arg) in a child: its wall and CPU seconds, peak RSS, exit status. */
static struct child_cost in_child(int (*fn)(const char *, void *), const char *dir, void *arg)
{
	struct child_cost c = { .status = -1 };
	double t0 = now_s(CLOCK_MONOTONIC);
	struct rusage ru;
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return c;
	if (!pid)
		_exit(fn(dir, arg));
	if (wait4(pid, &status, 0, &ru) != pid)
		return c;
	c.wall = now_s(CLOCK_MONOTONIC) - t0;
	c.cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		ru.ru_stime.tv_usec / 1e6;
	c.max_rss_mb = ru.ru_maxrss / 1024.0;
	c.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	return c;
}

static int read_child(const char *dir, void *arg)
{
	(void)arg;
	return read_all(dir);
}

struct rollup_child {
	__u32 max_keys;
	int fd; /* the tally goes back through a pipe */
};

static int rollup_child(const char *dir, void *arg)
{
	struct rollup_child *rc = arg;
	struct rollup_dir_opts o = {
		.r = { .max_keys = rc->max_keys, .member_rows = 100000, .level = 1 },
		.days = true, .to = ~0ULL, .now = DAY0 + 7 * 86400ULL, .grace = 900,
	};
	struct rollup_tally t;
	int err = rollup_dir(dir, &o, &t);

	if (write(rc->fd, &t, sizeof(t)) != sizeof(t))
		return 1;
	return err ? 1 : 0;
}

static void remove_dir_files(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "bench_rollup: cannot remove %s\n", dir);
}

int main(int argc, char **argv)
{
	struct rollup_child rc = { .max_keys = 1U << 22 };
	const char *work;
	char rdir[4200];
	int i = 2;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_rollup WORK_DIR [--max-keys K] N...\n");
		return 64;
	}
	work = argv[1];
	if (!strcmp(argv[2], "--max-keys") && argc > 4) {
		rc.max_keys = strtoul(argv[3], NULL, 10);
		i = 4;
	}
	log_set_level(LOG_WARN);
	if (getenv("BENCH_ROLLUP_NETS"))
		src_nets = strtoull(getenv("BENCH_ROLLUP_NETS"), NULL, 10);
	if (getenv("BENCH_ROLLUP_SEED")) {
		key_seed = strtoull(getenv("BENCH_ROLLUP_SEED"), NULL, 10) << 40;
		rng_state ^= mix64(key_seed);
	}
	snprintf(rdir, sizeof(rdir), "%s/rollup", work);
	for (; i < argc; i++) {
		__u64 n = strtoull(argv[i], NULL, 10);
		struct day_counts c = { 0 };
		struct child_cost rd, ro;
		struct rollup_tally t = { 0 };
		int fds[2];

		remove_dir_files(work);
		if (!n || write_day(work, n, &c)) {
			fprintf(stderr, "bench_rollup: cannot write a day of %llu rows a minute in %s\n",
				(unsigned long long)n, work);
			return 1;
		}
		if (getenv("BENCH_ROLLUP_WRITE_ONLY"))
			return 0;
		if (pipe(fds))
			return 1;
		rc.fd = fds[1];
		rd = in_child(read_child, work, NULL);
		ro = in_child(rollup_child, work, &rc);
		close(fds[1]);
		if (read(fds[0], &t, sizeof(t)) != sizeof(t) || rd.status || ro.status) {
			fprintf(stderr, "bench_rollup: read (%d) or rollup (%d) failed\n", rd.status,
				ro.status);
			return 1;
		}
		close(fds[0]);
		printf("rollup,%llu,%llu,%llu,%llu,%llu,%.1f,%.1f,%.2f,%.2f,%.2f,%.2f,%.0f,%zu,%u\n",
		       (unsigned long long)n, (unsigned long long)t.s[0].rows_in,
		       (unsigned long long)t.s[0].rows_out, (unsigned long long)t.s[1].rows_in,
		       (unsigned long long)t.s[1].rows_out, dir_mb(work), dir_mb(rdir), rd.wall, rd.cpu,
		       ro.wall, ro.cpu, ro.max_rss_mb, t.s[0].runs, rc.max_keys);
		if (t.s[0].rows_in != c.flow_rows || t.s[1].rows_in != c.port_rows) {
			fprintf(stderr, "bench_rollup: the rollup read %llu/%llu rows of %llu/%llu\n",
				(unsigned long long)t.s[0].rows_in, (unsigned long long)t.s[1].rows_in,
				(unsigned long long)c.flow_rows, (unsigned long long)c.port_rows);
			return 1;
		}
		fflush(stdout);
	}
	if (!getenv("BENCH_ROLLUP_KEEP"))
		remove_dir_files(work);
	return 0;
}
