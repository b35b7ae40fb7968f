/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sensor.h - one darkscope sensor: the XDP program on an interface, its
 * epochs, the optional capture and the three series writers, and the
 * interval pipeline flip -> drain -> format -> append.
 *
 * The daemon's poll loop, the drain benchmark and the tests drive it the
 * same way: sensor__open() once, sensor__flush_log() every
 * SENSOR_LOG_FLUSH_MS, sensor__tick() at each interval boundary,
 * sensor__finish() to write the last interval after detaching, and
 * sensor__close().  SIGHUP is sensor__reopen().  An interval is written by
 * a thread of the sensor's own while the caller goes on: s->data and
 * s->row are the last interval drained, and stay as they are until the
 * next tick; sensor__wait_written() waits for its files.
 */
#ifndef __DARKSCOPE_SENSOR_H
#define __DARKSCOPE_SENSOR_H

#include <stdbool.h>
#include <linux/types.h>

#include "capture/capture.h"
#include "sensor/drain.h"
#include "sensor/iface_lock.h"
#include "sensor/loader.h"
#include "series/interval.h"
#include "util/strbuf.h"
#include "util/worker.h"

enum sensor_series { SENSOR_SERIES_FLOWS, SENSOR_SERIES_PORTS, SENSOR_SERIES_SENSOR,
		     SENSOR_SERIES_MAX };

struct sensor_opts {
	const char *ifname; /* NULL: load the program but attach nothing (benchmarks) */
	const char *outdir;
	const char *name;   /* sensor name in the file headers */
	__u32 interval;     /* seconds */
	enum attach_request mode;
	__u32 max_keys;     /* flow keys per epoch */
	bool pass;          /* XDP_PASS counted IPv4 instead of dropping it */
	__u32 log_records;  /* flow log records per CPU and interval epoch; 0: hash only */
	/* Capture (docs/CAPTURE.md): off while capture.dir is NULL.
	 * capture.ifname is set from ifname. */
	struct capture_opts capture;
	__u32 capture_select; /* enum ds_capture_select bits */
	__u32 sample_n;       /* N of the 1-in-N sample */
};

/* How often the flow log is emptied: with the default log size a CPU
 * would have to count over 10 Mpps to fill its region in this time. */
#define SENSOR_LOG_FLUSH_MS 100
#define SENSOR_DEFAULT_LOG_RECORDS (1U << 20)
#define SENSOR_MAX_LOG_RECORDS (1U << 28)

/* Where the last interval's time went, for the benchmark (ns). */
struct sensor_tick_times {
	__u64 flip, drain;   /* the caller's */
	__u64 format, write; /* the writer thread's */
};

struct sensor {
	struct sensor_opts opts;
	struct iface_lock lock;
	struct sensor_prog prog;
	struct drainer drainer;
	struct ts_writer *writers[SENSOR_SERIES_MAX];
	struct capture *capture;            /* NULL without capture */
	struct capture_counts capture_seen; /* totals at the last interval end */
	struct interval_data data;          /* the last interval drained */
	struct sensor_row row;              /* and its sensor row figures */
	struct sensor_tick_times times;
	struct strbuf text;
	struct strbuf sort_scratch;         /* format_flow_rows_with()'s, kept */
	struct worker writer; /* writes s->data while the caller reads the log */
	__u64 epoch_start_ms; /* when the current epoch began collecting */
	__u64 intervals;      /* drained so far (the last may still be writing) */
	int late_write_err;   /* a write error met by a wait outside a tick */
};

/* Everything that can fail on bad input fails here, before the program is
 * attached: interface, lock, output directory, BPF object, capture sockets.
 * On return 0 the program counts into the first epoch; on -errno (logged)
 * call sensor__close(). */
int sensor__open(struct sensor *s, const struct sensor_opts *opts);
/* Between boundaries: empties the flow log into the interval's table (no
 * file is written).  0 or -errno. */
int sensor__flush_log(struct sensor *s);
/* One interval boundary: wait for the previous interval's write (emptying
 * the log meanwhile), flip, drain the quiescent epoch into s->data and hand
 * it to the writer thread.  0 or -errno; a write error (-ENOSPC, -EIO, ...)
 * of the previous interval is returned here: it leaves the members pending
 * in the writers, and sensing goes on (sensor_error_is_write). */
int sensor__tick(struct sensor *s);
/* Waits until the last interval drained is written (emptying the log
 * meanwhile); its write error or 0. */
int sensor__wait_written(struct sensor *s);
/* The last interval: wait for the previous write, detach, flip (after
 * which no program run is left), empty the capture rings, drain and write
 * it before returning.  0 or -errno. */
int sensor__finish(struct sensor *s);
/* SIGHUP: reopen the series and capture files. */
void sensor__reopen(struct sensor *s);
/* Detaches if still attached, frees everything; safe after a failed open. */
void sensor__close(struct sensor *s);
/* True for the errors of a member write, which the writers keep pending
 * and count: the daemon goes on sensing. */
bool sensor_error_is_write(int err);

#endif /* __DARKSCOPE_SENSOR_H */
