// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sensor.c - a sensor's life: open (everything that can fail, in the order
 * that keeps a refused sensor from touching anything), SIGHUP, close.
 * The interval pipeline is in sensor_interval.c.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "capture/capture_args.h"
#include "sensor/sensor.h"
#include "series/flow_table.h"
#include "series/series_format.h"
#include "series/ts_writer.h"
#include "util/log.h"
#include "util/timeutil.h"

static int open_writers(struct sensor *s, __u64 started)
{
	static const char *const names[SENSOR_SERIES_MAX] = { "flows", "ports", "sensor" };
	const char *const columns[SENSOR_SERIES_MAX] = { FLOWS_COLUMNS, PORTS_COLUMNS,
							 SENSOR_COLUMNS };
	struct ts_writer_meta meta = {
		.sensor = s->opts.name,
		.iface = s->opts.ifname ? s->opts.ifname : "none",
		.version = DS_VERSION,
		.interval = s->opts.interval,
		.started = started,
	};
	int i;

	for (i = 0; i < SENSOR_SERIES_MAX; i++) {
		s->writers[i] = ts_writer__open(s->opts.outdir, names[i], columns[i], &meta);
		if (!s->writers[i])
			return -errno;
	}
	return 0;
}

static void log_capture(const struct sensor *s)
{
	char sel[64], sample[32] = "";
	unsigned int queues = capture__queues(s->capture);

	capture_select_format(s->opts.capture_select, sel, sizeof(sel));
	if (s->opts.capture_select & DS_CAPTURE_SAMPLE)
		snprintf(sample, sizeof(sample), " (1 in %u)", s->opts.sample_n);
	pr_info("Capturing %s%s frames to %s through %u AF_XDP socket%s in %s mode\n", sel,
		sample, s->opts.capture.dir, queues, queues == 1 ? "" : "s",
		capture__zero_copy(s->capture) ? "zero-copy" : "copy");
}

/* Before attach: the sockets are in the program's map before it runs. */
static int open_capture(struct sensor *s)
{
	s->capture = capture__open(&s->opts.capture);
	if (!s->capture)
		return -errno;
	return sensor_prog__use_capture_map(&s->prog, capture__map_fd(s->capture));
}

static void log_attached(const struct sensor *s)
{
	pr_info("Attached to '%s' in %s mode (%s), program id %u; writing %s every %u s as "
		"sensor '%s'\n",
		s->prog.ifname, attach_mode_name(s->prog.mode),
		s->prog.legacy ? "single program, libxdp dispatcher unavailable" :
				 "libxdp dispatcher",
		s->prog.prog_id, s->opts.outdir, s->opts.interval, s->opts.name);
}

/* Attaches (or, without an interface, only loads) and starts the capture
 * thread, which then empties the rings filled since attach. */
static int start(struct sensor *s, const struct loader_opts *lo)
{
	struct flow_table *table = NULL;
	int err;

	if (s->opts.log_records) {
		table = drainer__new_table(s->opts.max_keys, &s->data);
		if (!table)
			return -ENOMEM;
	}
	err = s->opts.ifname ? sensor_prog__attach(&s->prog, lo) : sensor_prog__load(&s->prog);
	if (err) {
		flow_table__free(table);
		return err;
	}
	err = drainer__init(&s->drainer, s->prog.skel, table);
	if (!err)
		err = worker__start(&s->writer, "ds-writer");
	if (!err && s->capture)
		err = capture__start(s->capture);
	if (err)
		return err;
	if (s->capture)
		log_capture(s);
	if (s->opts.ifname)
		log_attached(s);
	return 0;
}

int sensor__open(struct sensor *s, const struct sensor_opts *opts)
{
	struct loader_opts lo = {
		.ifname = opts->ifname,
		.mode = opts->mode,
		.max_keys = opts->max_keys,
		.pass = opts->pass,
		.capture_select = opts->capture.dir ? opts->capture_select : 0,
		.sample_n = opts->sample_n,
		.log_records = opts->log_records,
	};
	int err;

	memset(s, 0, sizeof(*s));
	s->lock.fd = -1;
	s->opts = *opts;
	s->opts.capture.ifname = opts->ifname;
	s->row.max_keys = opts->max_keys;
	if (opts->ifname) {
		lo.ifindex = if_nametoindex(opts->ifname);
		if (!lo.ifindex) {
			pr_warn("Interface '%s' not found\n", opts->ifname);
			return -ENODEV;
		}
		/* First: a second sensor on the interface is refused here. */
		err = iface_lock__take(&s->lock, IFACE_LOCK_DIR, opts->ifname);
		if (err)
			return err;
	}
	err = open_writers(s, now_ms_realtime() / 1000);
	if (!err)
		err = sensor_prog__open(&s->prog, &lo);
	/* Before the capture binds sockets to the interface's queues. */
	if (!err && opts->ifname && opts->capture.dir)
		err = open_capture(s);
	if (!err)
		err = start(s, &lo);
	s->epoch_start_ms = now_ms_realtime();
	return err;
}

void sensor__reopen(struct sensor *s)
{
	int i;

	pr_info("SIGHUP: reopening output files\n");
	/* Not under the writer thread's feet; its error is seen at the tick. */
	s->late_write_err = s->late_write_err ?: sensor__wait_written(s);
	for (i = 0; i < SENSOR_SERIES_MAX; i++)
		ts_writer__reopen(s->writers[i]);
	if (s->capture)
		capture__reopen(s->capture);
}

void sensor__close(struct sensor *s)
{
	int i;

	worker__stop(&s->writer); /* a write under way ends first */
	sensor_prog__close(&s->prog); /* detaches first */
	capture__close(s->capture);
	s->capture = NULL;
	for (i = 0; i < SENSOR_SERIES_MAX; i++) {
		if (s->writers[i])
			ts_writer__close(s->writers[i]);
		s->writers[i] = NULL;
	}
	drainer__free(&s->drainer);
	interval_data__free(&s->data);
	strbuf__free(&s->text);
	strbuf__free(&s->sort_scratch);
	iface_lock__release(&s->lock);
}

bool sensor_error_is_write(int err)
{
	return err == -ENOSPC || err == -EIO || err == -EFBIG || err == -EDQUOT;
}
