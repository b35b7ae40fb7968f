// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sensor_interval.c - the interval pipeline: flip the epoch, drain the
 * quiescent one, format its rows, append them to the series.
 *
 * The drained epoch's ts is the start of the slot in which it began, so a
 * row's ts never follows its packets.
 *
 * Formatting and compressing 10^6 rows takes half a second or more, in
 * which the program keeps filling the flow log.  So the writing is done by
 * a thread of its own (s->writer) while the caller goes on emptying the log
 * into the table, which already holds the next interval: a boundary holds
 * the log up only for the flip and the drain.  While that thread writes, it
 * owns s->data, s->row, s->text, s->times' format and write figures and
 * the series writers; the caller waits for it (worker__wait(), emptying
 * the log meanwhile) before it drains into them again, reopens the files
 * or ends.  The wait is before the flip, so what is emptied while waiting
 * belongs to the interval still being counted.
 */
#include <errno.h>
#include <time.h>

#include "sensor/sensor.h"
#include "series/series_format.h"
#include "series/ts_writer.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/worker.h"

static __u64 mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

typedef int (*format_rows_fn)(struct sensor *s);

static int format_flows(struct sensor *s)
{
	return format_flow_rows_with(&s->text, &s->sort_scratch, s->data.ts, s->data.flows,
				     s->data.n_flows);
}

static int format_ports(struct sensor *s)
{
	return format_port_rows(&s->text, s->data.ts, s->data.ports, s->data.n_ports);
}

static int format_sensor(struct sensor *s)
{
	return format_sensor_row(&s->text, &s->data, &s->row);
}

/* Formats one series' rows and appends them as one member, timing both. */
static int write_series(struct sensor *s, enum sensor_series series, format_rows_fn format)
{
	__u64 t0 = mono_ns(), t1;
	int err;

	strbuf__reset(&s->text);
	err = format(s);
	s->times.format += mono_ns() - t0;
	t1 = mono_ns();
	if (!err)
		err = ts_writer__append(s->writers[series], s->data.ts, s->text.buf, s->text.len);
	s->times.write += mono_ns() - t1;
	return err;
}

static void read_write_stats(struct sensor *s)
{
	__u64 errors = 0, dropped = 0, e, d;
	int i;

	for (i = 0; i < SENSOR_SERIES_MAX; i++) {
		ts_writer__stats(s->writers[i], &e, &d);
		errors += e;
		dropped += d;
	}
	s->row.write_errors = errors;
	s->row.write_dropped = dropped;
}

/* Flows and ports first, so the sensor row can carry their write time and
 * the error count after them. */
static int write_interval(struct sensor *s)
{
	int err = 0, ret;

	s->times.format = s->times.write = 0;
	if (s->data.n_flows)
		err = write_series(s, SENSOR_SERIES_FLOWS, format_flows);
	if (s->data.n_ports) {
		ret = write_series(s, SENSOR_SERIES_PORTS, format_ports);
		err = err ?: ret;
	}
	s->row.write_us = (s->times.format + s->times.write) / 1000;
	read_write_stats(s);
	ret = write_series(s, SENSOR_SERIES_SENSOR, format_sensor);
	return err ?: ret;
}

/* Capture figures since the previous interval.  The kernel's and the
 * reader's counts are read at this moment, not at the flip: a frame
 * selected near the boundary may be read in the next interval. */
static void read_capture(struct sensor *s)
{
	struct capture_counts now;

	if (!s->capture)
		return;
	capture__counts(s->capture, &now);
	s->row.captured = now.captured - s->capture_seen.captured;
	s->row.capture_dropped = now.ring_dropped - s->capture_seen.ring_dropped;
	s->row.capture_write_dropped = now.write_dropped - s->capture_seen.write_dropped;
	s->capture_seen = now;
}

static void warn_losses(const struct sensor *s)
{
	const struct interval_data *d = &s->data;

	if (s->row.capture_dropped || d->counters[DS_CTR_CAPTURE_NO_SOCKET])
		pr_warn("Capture: %llu frames dropped in the kernel (rings full: raise "
			"--capture-ring or select less), %llu on queues without a socket, in "
			"interval %llu; counts are exact\n",
			(unsigned long long)s->row.capture_dropped,
			(unsigned long long)d->counters[DS_CTR_CAPTURE_NO_SOCKET],
			(unsigned long long)d->ts);
	if (d->counters[DS_CTR_MAP_FULL])
		pr_warn("Flow map full: %llu frames not in flow rows for interval %llu (port totals "
			"still exact); raise --max-keys\n",
			(unsigned long long)d->counters[DS_CTR_MAP_FULL],
			(unsigned long long)d->ts);
}

/* The writer thread's job: the interval in s->data, then what it says. */
static int write_job(void *arg)
{
	struct sensor *s = arg;
	int err = write_interval(s);

	pr_debug("Interval %llu: %zu keys, %llu frames, drain %.3f ms, write %.3f ms\n",
		 (unsigned long long)s->data.ts, s->data.n_flows,
		 (unsigned long long)s->data.counters[DS_CTR_FRAMES], s->row.drain_us / 1e3,
		 s->row.write_us / 1e3);
	warn_losses(s);
	return err;
}

static int flush_meanwhile(void *arg)
{
	return drainer__flush_log(&((struct sensor *)arg)->drainer);
}

/* Waits for the previous interval's write, emptying the flow log every
 * SENSOR_LOG_FLUSH_MS meanwhile; its error, or the log's. */
static int wait_written(struct sensor *s)
{
	if (!s->writer.started)
		return 0;
	return worker__wait(&s->writer, s->drainer.table ? flush_meanwhile : NULL, s,
			    SENSOR_LOG_FLUSH_MS);
}

/* Drains epoch old (made quiescent by the flip just done) into s->data,
 * which the previous write is done with. */
static int drain(struct sensor *s, int old)
{
	__u64 now_ms = now_ms_realtime(), t1 = mono_ns();
	int err;

	s->data.ts = ts_slot_start(s->epoch_start_ms / 1000, s->opts.interval);
	s->data.start_ms = s->epoch_start_ms;
	s->data.end_ms = now_ms;
	s->epoch_start_ms = now_ms;
	err = drainer__collect(&s->drainer, old, &s->data);
	s->times.drain = mono_ns() - t1;
	s->row.drain_us = (s->times.flip + s->times.drain) / 1000;
	if (!err)
		read_capture(s);
	return err;
}

static int flip(struct sensor *s)
{
	__u64 t0 = mono_ns();
	int old = drainer__flip(&s->drainer);

	s->times.flip = mono_ns() - t0;
	return old;
}

int sensor__flush_log(struct sensor *s)
{
	return drainer__flush_log(&s->drainer);
}

int sensor__wait_written(struct sensor *s)
{
	return wait_written(s);
}

/* The previous interval's write error is returned here, one boundary late:
 * its members are pending in the writers either way. */
int sensor__tick(struct sensor *s)
{
	int written = wait_written(s) ?: s->late_write_err, old, err;

	s->late_write_err = 0;
	old = flip(s);
	if (old < 0)
		return old;
	err = drain(s, old);
	if (err)
		return err;
	s->intervals++;
	worker__submit(&s->writer, write_job, s);
	return written;
}

/* Detach, then flip: the flip returns only when no program run is left
 * (detaching alone does not wait in every mode), so nothing reaches the
 * maps or the capture rings after it.  Then empty the rings and drain: the
 * last interval holds everything up to the end, written before returning. */
int sensor__finish(struct sensor *s)
{
	int written, old, err;

	written = wait_written(s) ?: s->late_write_err;
	s->late_write_err = 0;
	sensor_prog__detach(&s->prog);
	old = flip(s);
	if (old < 0)
		return old;
	if (s->capture)
		capture__stop(s->capture);
	err = drain(s, old);
	if (err)
		return err;
	s->intervals++;
	err = write_job(s);
	return err ?: written;
}
