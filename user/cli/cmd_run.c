// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_run.c - `darkscope run`, the sensor daemon, and `darkscope check`.
 *
 * One poll() loop over a signalfd (INT/TERM stop, HUP reopens files), a
 * CLOCK_REALTIME timerfd armed at each next interval boundary (intervals are
 * aligned to UTC), a CLOCK_MONOTONIC timerfd for --duration and one that
 * empties the flow log every SENSOR_LOG_FLUSH_MS; the
 * sensor object (sensor/sensor.h) does the rest.  Every exit path after
 * attach goes through sensor__finish() and the detach.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/log_libs.h"
#include "cli/run_opts.h"
#include "sensor/loader.h"
#include "sensor/sensor.h"
#include "util/log.h"
#include "util/timeutil.h"

struct sensor_daemon {
	struct run_opts opts;
	struct sensor sensor;
	__u64 next_boundary; /* UTC seconds of the next interval end */
	int sig_fd, tick_fd, stop_fd, flush_fd;
};

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
	struct itimerspec stop = {}, flush = {
		.it_interval.tv_nsec = SENSOR_LOG_FLUSH_MS * 1000000L,
		.it_value.tv_nsec = SENSOR_LOG_FLUSH_MS * 1000000L,
	};
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
	sd->flush_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sd->sig_fd < 0 || sd->tick_fd < 0 || sd->stop_fd < 0 || sd->flush_fd < 0)
		return -errno;
	if (sd->opts.sensor.log_records && timerfd_settime(sd->flush_fd, 0, &flush, NULL))
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

	if (read(sd->sig_fd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo == SIGHUP) {
		sensor__reopen(&sd->sensor);
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
		if (now >= sd->next_boundary + sd->opts.sensor.interval)
			pr_warn("Interval boundary %llu handled %llu s late\n",
				(unsigned long long)sd->next_boundary,
				(unsigned long long)(now - sd->next_boundary));
		err = sensor__tick(&sd->sensor);
	}
	sd->next_boundary = ts_slot_start(now, sd->opts.sensor.interval) + sd->opts.sensor.interval;
	return arm_tick(sd) ?: err;
}

static int handle_flush(struct sensor_daemon *sd)
{
	__u64 expirations;

	if (read(sd->flush_fd, &expirations, sizeof(expirations)) < 0)
		return errno == EAGAIN ? 0 : -errno;
	return sensor__flush_log(&sd->sensor);
}

static int run_loop(struct sensor_daemon *sd)
{
	struct pollfd pfd[4] = {
		{ .fd = sd->sig_fd, .events = POLLIN },
		{ .fd = sd->tick_fd, .events = POLLIN },
		{ .fd = sd->stop_fd, .events = POLLIN },
		{ .fd = sd->flush_fd, .events = POLLIN },
	};
	int err = 0;

	for (;;) {
		if (poll(pfd, 4, -1) < 0) {
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
			if (err && !sensor_error_is_write(err))
				return err;
		}
		if ((pfd[3].revents & POLLIN) && (err = handle_flush(sd)))
			return err;
	}
	return sensor__finish(&sd->sensor);
}

static void daemon_cleanup(struct sensor_daemon *sd)
{
	sensor__close(&sd->sensor);
	if (sd->sig_fd >= 0)
		close(sd->sig_fd);
	if (sd->tick_fd >= 0)
		close(sd->tick_fd);
	if (sd->stop_fd >= 0)
		close(sd->stop_fd);
	if (sd->flush_fd >= 0)
		close(sd->flush_fd);
}

static int sensor_run(struct sensor_daemon *sd)
{
	int err = setup_fds(sd);

	if (!err)
		err = sensor__open(&sd->sensor, &sd->opts.sensor);
	if (err)
		return err;
	sd->next_boundary = ts_slot_start(sd->sensor.epoch_start_ms / 1000, sd->opts.sensor.interval) +
			    sd->opts.sensor.interval;
	err = arm_tick(sd);
	if (err)
		return err;
	err = run_loop(sd);
	pr_info("Stopped after %llu intervals\n", (unsigned long long)sd->sensor.intervals);
	return err;
}

int do_run(int argc, char **argv)
{
	struct sensor_daemon sd = { .sig_fd = -1, .tick_fd = -1, .stop_fd = -1, .flush_fd = -1 };
	int err;

	sd.sensor.lock.fd = -1;
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
	struct sensor_prog sp = {};
	struct loader_opts lo = { .mode = ATTACH_AUTO };
	struct run_opts opts;
	int err;

	if (check_opts_parse(&opts, argc, argv, 0))
		return EXIT_USAGE;
	log_set_level(LOG_INFO + opts.verbosity);
	log_route_libs();
	lo.max_keys = opts.sensor.max_keys;
	lo.log_records = opts.sensor.log_records;
	err = sensor_prog__open(&sp, &lo); /* checks the map layouts */
	if (!err)
		err = sensor_prog__load(&sp);
	if (!err)
		printf("darkscope %s: BPF program loads and verifies; map layouts match "
		       "(max-keys %u)\n", DS_VERSION, opts.sensor.max_keys);
	sensor_prog__close(&sp);
	return err ? EXIT_FAIL : EXIT_OK;
}
