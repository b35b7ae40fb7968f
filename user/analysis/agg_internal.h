/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * agg_internal.h - the aggregation's state, shared by its files:
 * aggregate.c (threads, phases, merging), agg_files.c (the file list),
 * agg_names.c (sensor and odd-source names), agg_ports.c, agg_flows.c,
 * agg_sensor.c (the passes' row handlers and merges) and agg_output.c.
 *
 * Each thread has its own sums for every pass (struct worker); thread 0's
 * become the result once the others are merged into them.
 */
#ifndef __DARKSCOPE_AGG_INTERNAL_H
#define __DARKSCOPE_AGG_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "analysis/agg_events.h"
#include "analysis/aggregate.h"
#include "analysis/chunk_reader.h"
#include "analysis/hostset.h"
#include "analysis/i64map.h"
#include "analysis/net_bitmap.h"
#include "analysis/net_table.h"

#define AGG_MAX_THREADS 64
/* A surge cell's key: bin << 32 | sensor << 18 | pkey. */
#define CELL_KEY(bin, sensor, pkey) ((__u64)(bin) << 32 | (__u64)(sensor) << 18 | (pkey))
#define CELL_BIN(key) ((__u32)((key) >> 32))
#define CELL_SENSOR(key) ((__u32)((key) >> 18) & 0x3fff)
#define CELL_PKEY(key) ((__u32)(key) & 0x3ffff)
#define SP_KEY(sensor, pkey) ((__u64)(sensor) << 18 | (pkey))
#define AGG_MAX_SENSORS (1U << 14)
#define BITS_WORDS(n) (((n) + 63) / 64)

enum agg_pass {
	P_PORTS_CUR,
	P_PORTS_PREV,
	P_SENSOR,
	P_FLOWS_PREV,
	P_FLOWS_CUR,
	P_SOURCES,
	P_N
};

struct counts {
	__s64 packets, syn, mirai;
};

struct agg_file {
	char *path;
	char *fallback; /* sensor name without "# sensor:" */
	size_t fallback_len;
	__s64 start, end; /* its rows' ts lie in [start, end); end 0: unknown */
	__u64 size;
};

struct agg_list {
	struct agg_file *v;
	size_t n, cap;
};

/* ---------------------------------------------------------- per pass */

struct ports_sensor {
	bool present;
	struct counts c;
	__s64 *daily;      /* [nbins] */
	__s64 *ports;      /* [AGG_PKEYS]: sensor_ports */
	__u64 *seen;       /* [AGG_PKEYS bits]: (sensor, pkey) met */
	struct agg_pos first;
};

struct ports_cur {
	struct counts *tot;      /* [AGG_PKEYS] */
	__s64 **daily;           /* [AGG_PKEYS] -> [nbins] */
	struct agg_pos *first;   /* [AGG_PKEYS]: first row; AGG_POS_NONE: unseen */
	struct ports_sensor *sensors;
	size_t n_sensors;
	struct i64map **open;    /* [nbins]: bins not closed, SP_KEY -> packets */
	struct i64map kept;      /* CELL_KEY -> packets: pruned by their owner */
	struct i64map shared;    /* CELL_KEY -> packets: to prune after the merge */
	__u8 *strayed, *pruned;  /* [nbins] */
	bool unordered;
	/* The chunk in hand. */
	__u32 bin, sensor;
	bool stray;
};

struct ports_prev {
	__s64 *packets;          /* [AGG_PKEYS] */
	__u64 *seen;
};

struct health {
	bool present;
	__s64 rows, map_full, write_dropped;
	__u64 *bins;             /* [nbins bits]: bins with a row */
	struct agg_pos first;
};

struct sensor_cur {
	struct health *v;
	size_t n;
	struct health *cur;
	__u32 bin;
};

struct flows_prev {
	__s64 *region;           /* [n_cc + 1] */
	__u8 *region_seen;
	struct i64map known_ports; /* pkey -> packets of excluded rows */
	__s64 total;
};

struct region {
	bool seen;
	struct counts c;
	__s64 *daily;            /* [nbins] */
};

/* --exclude-known: every excluded row's (bin, sensor, port), summed: the
 * Python flows pass's known_cells, which report_exclude.py subtracts from
 * the ports numbers. */
struct excluded {
	struct known_cell {
		__u64 key;            /* CELL_KEY */
		struct counts c;
		struct agg_pos first; /* the order Python's dict has them in */
	} *known;
	size_t n_known, cap_known;
	struct i64map known_at;   /* CELL_KEY -> index in known */
};

/* A flows row waiting for its cache lines: counted FC_AHEAD rows later,
 * when the lines prefetched as it was staged (its country, its /24's
 * host-set slots) have arrived.  Every sum is order-free, so the delay
 * changes no figure. */
#define FC_AHEAD 16

struct fc_pending {
	__u32 key, pkey, bin;
	__u16 cc, scanner;       /* with resolved: an odd src's, looked up at once */
	bool resolved;
	struct counts c;
	__u64 src_hosts[HOSTSET_WORDS], mirai_hosts[HOSTSET_WORDS];
};

struct flows_cur {
	struct region *regions;  /* [n_cc + 1]: the last is "unknown" */
	/* Distinct sources: those not in struct agg's bitmap (every source
	 * unless the period is dense, else those whose src is not a canonical
	 * /24), and the Mirai ones (a sparse set: always here). */
	struct hostset sources, mirai_sources;
	struct hostset *cand;    /* [n_cand] */
	struct hostset *fig3, *fig3_mirai; /* [nbins] */
	struct counts *known;    /* [n_scanners] */
	struct hostset *known_hosts;
	struct i64map *known_ports;
	struct excluded x;
	__s64 packets_all, packets_kept;
	__u32 bin, sensor;
	struct fc_pending ahead[FC_AHEAD]; /* a ring: n_ahead rows from ahead_at */
	__u32 n_ahead, ahead_at;
};

struct pass_part {
	__s64 rows;
	double seconds;          /* thread time spent on the pass */
	struct agg_events events;
};

struct agg;

struct worker {
	struct agg *a;
	unsigned int id;
	pthread_t thread;
	struct chunk_reader *cr;
	struct pass_part part[P_N];
	struct ports_cur pc;
	struct ports_prev pp;
	struct sensor_cur sc;
	struct flows_prev fp;
	struct flows_cur fc;
	/* The file in hand and its pass. */
	enum agg_pass pass;
	const struct agg_file *file;
	__u32 file_seq;
	/* The last sensor name looked up, and its id. */
	char *last_name;
	size_t last_len, last_cap;
	__u32 last_id;
	int err;
};

struct odd_src {
	char *text;
	size_t len;
	__u16 cc, scanner;
	bool malformed;
	struct agg_pos warned[P_N]; /* first row of each pass, when malformed */
};

struct agg {
	const struct agg_params *p;
	struct net_table nets;
	__u32 nbins;
	__u16 fig3_cc;
	struct agg_list files[P_N];
	unsigned int threads;
	struct worker w[AGG_MAX_THREADS];
	/* Thread t reads files [range[pass][t], range[pass][t + 1]). */
	size_t range[P_N][AGG_MAX_THREADS + 1];
	__s16 *owner;            /* [nbins]: the only thread reading ports files of a bin, or -1 */
	/* Candidates of the flows pass (or the fallback's ports). */
	__s32 *cand_of;          /* [AGG_PKEYS]: index or -1 */
	__u32 *cand;
	size_t n_cand;
	/* The flows pass's distinct sources of /24s, written by every thread,
	 * when its files are dense (many /24s). */
	bool dense;
	struct net_bitmap net_hosts;
	/* Names met, shared by the threads. */
	pthread_mutex_t lock;
	struct {
		char *name;
		size_t len;
	} *sensors;
	size_t n_sensors, cap_sensors;
	struct odd_src *odd;
	size_t n_odd, cap_odd;
	__u32 *odd_hash;         /* open addressing over odd + 1 */
	size_t odd_hash_cap;
};

/* agg_files.c */
int agg_files__load(struct agg *a, const char *path);
void agg_files__free(struct agg *a);
const char *agg_pass_name(enum agg_pass pass);

/* agg_names.c: ids for names, under a->lock. */
int agg_sensor_id(struct worker *w, const char *name, size_t len, __u32 *id);
/* A flows src that is not the writer's spelling: its key (>= NET24_COUNT),
 * country and scanner; a malformed one is warned about once per pass. */
int agg_odd_src(struct worker *w, const char *text, size_t len, const struct agg_pos *pos,
		__u32 *key, __u16 *cc, __u16 *scanner);
/* The country of a source key. */
__u16 agg_key_cc(const struct agg *a, __u32 key);
void agg_names__free(struct agg *a);

/* agg_ports.c, agg_sensor.c, agg_flows.c: per-thread sums, handlers, merges. */
extern const struct cr_handler ports_cur_handler, ports_prev_handler, sensor_handler,
	flows_prev_handler, flows_cur_handler, sources_handler;
int ports_cur__file(struct worker *w, const struct agg_file *f);
int ports_cur__finish(struct worker *w);
int ports_cur__merge(struct agg *a);
int ports_prev__merge(struct agg *a);
int sensor__merge(struct agg *a);
int flows_prev__merge(struct agg *a);
int flows_cur__merge(struct agg *a);
void ports_cur__free(struct agg *a, struct ports_cur *pc);
void ports_prev__free(struct ports_prev *pp);
void sensor__free(struct sensor_cur *sc);
void flows_prev__free(struct flows_prev *fp);
void flows_cur__free(struct agg *a, struct flows_cur *fc);
/* The row's pkey, or -1 when its proto or dport is not one (agg_ports.c). */
long agg_row_pkey(const struct cr_row *r);
/* The ranking's top N (2N with --exclude-known) and Figure 3's port. */
int agg_candidates(struct agg *a);
/* Per-thread growth of per-sensor arrays to hold sensor id. */
int ports_cur__sensor(struct worker *w, __u32 id);
int flows_cur__sensor(struct worker *w, __u32 id);
/* Count the rows still staged (at the end of each file). */
void flows_cur__flush(struct worker *w);
int sensor__sensor(struct worker *w, __u32 id);

/* agg_output.c */
int agg_print(struct agg *a, FILE *out);

/* The bin of a ts inside the current period. */
static inline __u32 agg_bin(const struct agg *a, __s64 ts)
{
	return (__u32)((ts - a->p->t_from) / a->p->bin);
}

/* Bytes of arrays that are one row per /24 or port: allocate zeroed. */
void *agg_zalloc(size_t n, size_t size);

#endif /* __DARKSCOPE_AGG_INTERNAL_H */
