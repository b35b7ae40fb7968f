// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_run.c - `darkscope run`, the sensor daemon, and `darkscope check`.
 *
 * One poll() loop over a signalfd (INT/TERM stop, HUP reopens files), a
 * CLOCK_REALTIME timerfd armed at each next interval boundary (intervals are
 * aligned to UTC), and a CLOCK_MONOTONIC timerfd for --duration.  At each
 * boundary: flip the epoch, drain the quiescent one, write it.  Every exit
 * path after attach goes through the final drain and the detach.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/capture_args.h"
#include "cli/commands.h"
#include "sensor/drain.h"
#include "sensor/loader.h"
#include "cli/log_libs.h"
#include "util/log.h"
#include "cli/run_opts.h"
#include "series/series_format.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "series/ts_writer.h"

enum series_id { SERIES_FLOWS, SERIES_PORTS, SERIES_SENSOR, SERIES_MAX };

struct sensor_daemon {
	struct run_opts opts;
	struct sensor_prog sp;
	struct drainer drainer;
	struct ts_writer *writers[SERIES_MAX];
	struct interval_data data;
	struct capture *capture;          /* NULL without --capture */
	struct capture_counts capture_seen; /* totals at the last interval end */
	struct strbuf text;
	__u64 epoch_start_ms; /* when the current epoch began collecting */
	__u64 next_boundary;  /* UTC seconds of the next interval end */
	int sig_fd, tick_fd, stop_fd;
	__u64 intervals;
};

static __u64 mono_us(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000;
}

static int open_writers(struct sensor_daemon *sd, __u64 started)
{
	static const char *const names[SERIES_MAX] = { "flows", "ports", "sensor" };
	const char *const columns[SERIES_MAX] = { FLOWS_COLUMNS, PORTS_COLUMNS, SENSOR_COLUMNS };
	struct ts_writer_meta meta = {
		.sensor = sd->opts.sensor,
		.iface = sd->opts.ifname,
		.version = DS_VERSION,
		.interval = sd->opts.interval,
		.started = started,
	};
	int i;

	for (i = 0; i < SERIES_MAX; i++) {
		sd->writers[i] = ts_writer__open(sd->opts.outdir, names[i], columns[i], &meta);
		if (!sd->writers[i])
			return -errno;
	}
	return 0;
}

static void close_writers(struct sensor_daemon *sd)
{
	int i;

	for (i = 0; i < SERIES_MAX; i++) {
		if (sd->writers[i])
			ts_writer__close(sd->writers[i]);
		sd->writers[i] = NULL;
	}
}

/* Formats and writes one interval: flows and ports first, so the sensor row
 * can carry their write time and the error count after them. */
static int write_interval(struct sensor_daemon *sd)
{
	struct interval_data *d = &sd->data;
	__u64 t0 = mono_us(), errors = 0, dropped = 0, e, dr;
	int err = 0, ret, i;

	if (d->n_flows) {
		strbuf__reset(&sd->text);
		ret = format_flow_rows(&sd->text, d->ts, d->flows, d->n_flows);
		if (!ret)
			ret = ts_writer__append(sd->writers[SERIES_FLOWS], d->ts, sd->text.buf,
						sd->text.len);
		err = err ?: ret;
	}
	if (d->n_ports) {
		strbuf__reset(&sd->text);
		ret = format_port_rows(&sd->text, d->ts, d->ports, d->n_ports);
		if (!ret)
			ret = ts_writer__append(sd->writers[SERIES_PORTS], d->ts, sd->text.buf,
						sd->text.len);
		err = err ?: ret;
	}
	d->write_us = mono_us() - t0;
	for (i = 0; i < SERIES_MAX; i++) {
		ts_writer__stats(sd->writers[i], &e, &dr);
		errors += e;
		dropped += dr;
	}
	d->write_errors = errors;
	d->write_dropped = dropped;
	strbuf__reset(&sd->text);
	ret = format_sensor_row(&sd->text, d);
	if (!ret)
		ret = ts_writer__append(sd->writers[SERIES_SENSOR], d->ts, sd->text.buf,
					sd->text.len);
	return err ?: ret;
}

/* Capture figures since the previous interval.  The kernel's and the
 * reader's counts are read at this moment, not at the flip: a frame
 * selected near the boundary may be read in the next interval. */
static void capture_interval(struct sensor_daemon *sd)
{
	struct capture_counts now;

	if (!sd->capture)
		return;
	capture__counts(sd->capture, &now);
	sd->data.captured = now.captured - sd->capture_seen.captured;
	sd->data.capture_dropped = now.ring_dropped - sd->capture_seen.ring_dropped;
	sd->data.capture_write_dropped = now.write_dropped - sd->capture_seen.write_dropped;
	sd->capture_seen = now;
}

/* Drains epoch old (made quiescent by a flip at t0_us) and writes it.  The
 * drained epoch's ts is the start of the slot in which it began, so a row's
 * ts never follows its packets. */
static int finish_interval(struct sensor_daemon *sd, int old, __u64 t0_us)
{
	__u64 now_ms = now_ms_realtime();
	int err;

	sd->data.ts = ts_slot_start(sd->epoch_start_ms / 1000, sd->opts.interval);
	sd->data.start_ms = sd->epoch_start_ms;
	sd->data.end_ms = now_ms;
	sd->epoch_start_ms = now_ms;
	err = drainer__collect(&sd->drainer, old, &sd->data);
	sd->data.drain_us = mono_us() - t0_us;
	if (err)
		return err;
	capture_interval(sd);
	err = write_interval(sd);
	sd->intervals++;
	pr_debug("Interval %llu: %zu keys, %llu frames, drain %.3f ms, write %.3f ms\n",
		 (unsigned long long)sd->data.ts, sd->data.n_flows,
		 (unsigned long long)sd->data.counters[DS_CTR_FRAMES], sd->data.drain_us / 1e3,
		 sd->data.write_us / 1e3);
	if (sd->data.capture_dropped || sd->data.counters[DS_CTR_CAPTURE_NO_SOCKET])
		pr_warn("Capture: %llu frames dropped in the kernel (rings full: raise "
			"--capture-ring or select less), %llu on queues without a socket, in "
			"interval %llu; counts are exact\n",
			(unsigned long long)sd->data.capture_dropped,
			(unsigned long long)sd->data.counters[DS_CTR_CAPTURE_NO_SOCKET],
			(unsigned long long)sd->data.ts);
	if (sd->data.counters[DS_CTR_MAP_FULL])
		pr_warn("Flow map full: %llu frames not in flow rows for interval %llu (port totals "
			"still exact); raise --max-keys\n",
			(unsigned long long)sd->data.counters[DS_CTR_MAP_FULL],
			(unsigned long long)sd->data.ts);
	return err;
}

/* One interval: flip, drain, write. */
static int end_interval(struct sensor_daemon *sd)
{
	__u64 t0 = mono_us();
	int old = drainer__flip(&sd->drainer);

	return old < 0 ? old : finish_interval(sd, old, t0);
}

static int arm_tick(struct sensor_daemon *sd)
{
	struct itimerspec its = {};

	its.it_value.tv_sec = sd->next_boundary;
	/* CANCEL_ON_SET: a clock step wakes us to re-arm at the new time. */
	if (timerfd_settime(sd->tick_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL))
		return -errno;
	return 0;
}

static int setup_fds(struct sensor_daemon *sd)
{
	struct itimerspec stop = {};
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	sd->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	sd->tick_fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
	sd->stop_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sd->sig_fd < 0 || sd->tick_fd < 0 || sd->stop_fd < 0)
		return -errno;
	if (sd->opts.duration) {
		stop.it_value.tv_sec = sd->opts.duration;
		if (timerfd_settime(sd->stop_fd, 0, &stop, NULL))
			return -errno;
	}
	return 0;
}

/* Returns true when the loop should stop. */
static bool handle_signal(struct sensor_daemon *sd)
{
	struct signalfd_siginfo si;
	int i;

	if (read(sd->sig_fd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo == SIGHUP) {
		pr_info("SIGHUP: reopening output files\n");
		for (i = 0; i < SERIES_MAX; i++)
			ts_writer__reopen(sd->writers[i]);
		if (sd->capture)
			capture__reopen(sd->capture);
		return false;
	}
	pr_info("%s: writing the last interval and detaching\n", strsignal(si.ssi_signo));
	return true;
}

static int handle_tick(struct sensor_daemon *sd)
{
	__u64 expirations, now;
	int err = 0;

	if (read(sd->tick_fd, &expirations, sizeof(expirations)) < 0 && errno != ECANCELED)
		return -errno;
	now = now_ms_realtime() / 1000;
	if (now >= sd->next_boundary) {
		if (now >= sd->next_boundary + sd->opts.interval)
			pr_warn("Interval boundary %llu handled %llu s late\n",
				(unsigned long long)sd->next_boundary,
				(unsigned long long)(now - sd->next_boundary));
		err = end_interval(sd);
	}
	sd->next_boundary = ts_slot_start(now, sd->opts.interval) + sd->opts.interval;
	return arm_tick(sd) ?: err;
}

/* Detach, then flip: the flip returns only when no program run is left
 * (detaching alone does not wait in every mode), so nothing reaches the
 * maps or the capture rings after it.  Then empty the rings and drain: the
 * last interval holds everything up to the end. */
static int final_interval(struct sensor_daemon *sd)
{
	__u64 t0;
	int old;

	sensor_prog__detach(&sd->sp);
	t0 = mono_us();
	old = drainer__flip(&sd->drainer);
	if (old < 0)
		return old;
	if (sd->capture)
		capture__stop(sd->capture);
	return finish_interval(sd, old, t0);
}

static int run_loop(struct sensor_daemon *sd)
{
	struct pollfd pfd[3] = {
		{ .fd = sd->sig_fd, .events = POLLIN },
		{ .fd = sd->tick_fd, .events = POLLIN },
		{ .fd = sd->stop_fd, .events = POLLIN },
	};
	int err = 0;

	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((pfd[0].revents & POLLIN) && handle_signal(sd))
			break;
		if (pfd[2].revents & POLLIN) {
			pr_info("Duration of %u s reached\n", sd->opts.duration);
			break;
		}
		if (pfd[1].revents & POLLIN) {
			err = handle_tick(sd);
			/* A failed write is logged and counted; keep sensing. */
			if (err && err != -ENOSPC && err != -EIO && err != -EFBIG && err != -EDQUOT)
				return err;
		}
	}
	return final_interval(sd);
}

static void daemon_cleanup(struct sensor_daemon *sd)
{
	sensor_prog__close(&sd->sp); /* detaches first */
	capture__close(sd->capture);
	close_writers(sd);
	drainer__free(&sd->drainer);
	interval_data__free(&sd->data);
	strbuf__free(&sd->text);
	if (sd->sig_fd >= 0)
		close(sd->sig_fd);
	if (sd->tick_fd >= 0)
		close(sd->tick_fd);
	if (sd->stop_fd >= 0)
		close(sd->stop_fd);
}

static int open_capture(struct sensor_daemon *sd)
{
	struct capture_opts co = {
		.ifname = sd->opts.ifname,
		.dir = sd->opts.capture_dir,
		.snaplen = sd->opts.snaplen,
		.rotate_seconds = sd->opts.rotate_seconds,
		.rotate_bytes = sd->opts.rotate_bytes,
		.max_disk_bytes = sd->opts.max_disk_bytes,
		.ring_size = sd->opts.capture_ring,
	};

	sd->capture = capture__open(&co);
	if (!sd->capture)
		return -errno;
	return sensor_prog__use_capture_map(&sd->sp, capture__map_fd(sd->capture));
}

static void log_capture(const struct sensor_daemon *sd)
{
	char sel[64], sample[32] = "";

	capture_select_format(sd->opts.capture_select, sel, sizeof(sel));
	if (sd->opts.capture_select & DS_CAPTURE_SAMPLE)
		snprintf(sample, sizeof(sample), " (1 in %u)", sd->opts.sample_n);
	pr_info("Capturing %s%s frames to %s through %u AF_XDP socket%s in %s mode\n", sel,
		sample, sd->opts.capture_dir, capture__queues(sd->capture),
		capture__queues(sd->capture) == 1 ? "" : "s",
		capture__zero_copy(sd->capture) ? "zero-copy" : "copy");
}

static int sensor_run(struct sensor_daemon *sd)
{
	struct loader_opts lo = {
		.ifname = sd->opts.ifname,
		.mode = sd->opts.mode,
		.max_keys = sd->opts.max_keys,
		.pass = sd->opts.pass,
		.capture_select = sd->opts.capture_dir ? sd->opts.capture_select : 0,
		.sample_n = sd->opts.sample_n,
	};
	__u64 now_ms;
	int err;

	/* Everything that can fail on bad input fails before we attach. */
	if (!if_nametoindex(sd->opts.ifname)) {
		pr_warn("Interface '%s' not found\n", sd->opts.ifname);
		return -ENODEV;
	}
	err = open_writers(sd, now_ms_realtime() / 1000);
	if (!err)
		err = setup_fds(sd);
	if (!err)
		err = sensor_prog__open(&sd->sp, &lo);
	/* Before the capture binds sockets to the interface's queues. */
	if (!err)
		err = sensor_prog__lock(&sd->sp, sd->opts.ifname);
	if (!err && sd->opts.capture_dir)
		err = open_capture(sd);
	if (!err)
		err = sensor_prog__attach(&sd->sp, &lo);
	if (!err)
		err = drainer__init(&sd->drainer, sd->sp.skel, sd->opts.max_keys);
	/* Frames selected since attach wait in the rings for this thread. */
	if (!err && sd->capture)
		err = capture__start(sd->capture);
	if (err)
		return err;
	if (sd->capture)
		log_capture(sd);

	now_ms = now_ms_realtime();
	sd->epoch_start_ms = now_ms;
	sd->next_boundary = ts_slot_start(now_ms / 1000, sd->opts.interval) + sd->opts.interval;
	err = arm_tick(sd);
	if (err)
		return err;
	pr_info("Attached to '%s' in %s mode (%s), program id %u; writing %s every %u s as "
		"sensor '%s'\n",
		sd->sp.ifname, attach_mode_name(sd->sp.mode),
		sd->sp.legacy ? "single program, libxdp dispatcher unavailable" :
				"libxdp dispatcher",
		sd->sp.prog_id, sd->opts.outdir, sd->opts.interval, sd->opts.sensor);
	err = run_loop(sd);
	pr_info("Stopped after %llu intervals\n", (unsigned long long)sd->intervals);
	return err;
}

int do_run(int argc, char **argv)
{
	struct sensor_daemon sd = { .sig_fd = -1, .tick_fd = -1, .stop_fd = -1 };
	int err;

	sd.sp.lock_fd = -1;
	err = run_opts_parse(&sd.opts, argc, argv, 0);
	if (err)
		return EXIT_USAGE;
	log_set_level(LOG_INFO + sd.opts.verbosity);
	log_route_libs();
	err = sensor_run(&sd);
	daemon_cleanup(&sd);
	return err ? EXIT_FAIL : EXIT_OK;
}

int do_check(int argc, char **argv)
{
	struct sensor_prog sp = { .lock_fd = -1 };
	struct loader_opts lo = { .mode = ATTACH_AUTO };
	struct run_opts opts;
	int err;

	if (check_opts_parse(&opts, argc, argv, 0))
		return EXIT_USAGE;
	log_set_level(LOG_INFO + opts.verbosity);
	log_route_libs();
	lo.max_keys = opts.max_keys;
	err = sensor_prog__open(&sp, &lo);
	if (!err)
		err = sensor_prog__load(&sp);
	if (!err)
		err = sensor_prog__check_maps(&sp);
	if (!err)
		printf("darkscope %s: BPF program loads and verifies; map layouts match "
		       "(max-keys %u)\n", DS_VERSION, opts.max_keys);
	sensor_prog__close(&sp);
	return err ? EXIT_FAIL : EXIT_OK;
}
