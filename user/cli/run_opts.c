// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * run_opts.c - command-line parsing for `darkscope run` and `check` (glibc
 * argp; numbers, -v and the exit status from cli/cli_args).
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>
#include "capture/capture_args.h"
#include "darkscope.h"
#include "cli/cli_args.h"
#include "cli/run_opts.h"
#include "capture/xsk_queues.h"

enum {
	OPT_INTERVAL = 0x100,
	OPT_DURATION,
	OPT_MODE,
	OPT_SENSOR,
	OPT_PASS,
	OPT_MAX_KEYS,
	OPT_LOG_RECORDS,
	OPT_CAPTURE,
	OPT_CAPTURE_SELECT,
	OPT_SAMPLE,
	OPT_SNAPLEN,
	OPT_CAPTURE_ROTATE,
	OPT_CAPTURE_MAX_DISK,
	OPT_CAPTURE_RING,
};

static const char run_doc[] =
	"Count darknet traffic on IFACE with XDP and write time series to DIR.\n"
	"\n"
	"USAGE: darkscope run -i IFACE -o DIR [--interval SECONDS] [--duration SECONDS]\n"
	"       [--mode auto|native|skb] [--sensor NAME] [--pass] [--max-keys N]\n"
	"       [--log-records N] [-v]\n"
	"       [--capture DIR [--capture-select LIST] [--sample N] [--snaplen BYTES]\n"
	"        [--capture-rotate SECONDS|MB]... [--capture-max-disk MB] [--capture-ring N]]\n"
	"\n"
	"EXAMPLES:\n"
	"  darkscope run -i eth1 -o /var/lib/darkscope        # 60 s intervals, until SIGTERM\n"
	"  darkscope run -i eth1 -o /srv/ds --interval 10 --sensor tokyo-1\n"
	"  darkscope run -i veth0 -o /tmp/ds --duration 30 --mode skb --pass\n"
	"  darkscope run -i eth1 -o /srv/ds --capture /srv/pcap --capture-select new,mirai\n"
	"\n"
	"SIGINT/SIGTERM write the last partial interval and detach; SIGHUP reopens files.\n"
	"\v" CLI_EXIT_STATUS_DOC;

static const struct argp_option run_options[] = {
	{ "interface", 'i', "IFACE", 0, "Interface to attach to (required)", 0 },
	{ "output", 'o', "DIR", 0, "Directory for the series files (created if missing; required)", 0 },
	{ "interval", OPT_INTERVAL, "SECONDS", 0, "Interval length, aligned to UTC (default 60)", 0 },
	{ "duration", OPT_DURATION, "SECONDS", 0, "Stop this long after attaching (default: never)", 0 },
	{ "mode", OPT_MODE, "MODE", 0, "XDP mode: auto (native, else skb), native or skb", 0 },
	{ "sensor", OPT_SENSOR, "NAME", 0, "Sensor name written into the files (default: host name)", 0 },
	{ "pass", OPT_PASS, NULL, 0, "Pass counted IPv4 to the kernel instead of dropping it", 0 },
	{ "max-keys", OPT_MAX_KEYS, "N", 0, "Flow keys per interval (default 262144; see docs)", 0 },
	{ "log-records", OPT_LOG_RECORDS, "N", 0,
	  "Flow log records per CPU, 0: per-CPU hash only (default 1048576; see docs)", 0 },
	{ NULL, 0, NULL, 0, "Capture (AF_XDP to pcap.gz; stores payloads, see docs/CAPTURE.md):", 1 },
	{ "capture", OPT_CAPTURE, "DIR", 0, "Write selected frames to DIR/capture-*.pcap.gz", 1 },
	{ "capture-select", OPT_CAPTURE_SELECT, "LIST", 0,
	  "Frames to capture, any of sample,new,payload,mirai,all (default new)", 1 },
	{ "sample", OPT_SAMPLE, "N", 0, "1-in-N per receive queue for 'sample' (default 1000)", 1 },
	{ "snaplen", OPT_SNAPLEN, "BYTES", 0, "Bytes kept per frame, 1-65535 (default: all)", 1 },
	{ "capture-rotate", OPT_CAPTURE_ROTATE, "SECONDS|MB", 0,
	  "New file every SECONDS (90, 30m, 1h; default 1h) and/or at MB (100MB); repeatable", 1 },
	{ "capture-max-disk", OPT_CAPTURE_MAX_DISK, "MB", 0,
	  "Delete the oldest files beyond MB in all (default 1024; 0: no limit)", 1 },
	{ "capture-ring", OPT_CAPTURE_RING, "N", 0,
	  "Receive ring entries per queue, a power of two (default 2048)", 1 },
	{},
};

static const struct argp_option check_options[] = {
	{ "max-keys", OPT_MAX_KEYS, "N", 0, "Flow keys per interval (default 262144)", 0 },
	{ "log-records", OPT_LOG_RECORDS, "N", 0, "Flow log records per CPU (default 1048576)", 0 },
	{},
};

/* Both commands take -v. */
static const struct argp_child children[] = {
	{ &cli_verbose_argp, 0, NULL, 0 },
	{},
};

/* Sensor names go into file comments and report tables: keep them plain. */
static bool sensor_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > SENSOR_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct run_opts *o = state->input;

	switch (key) {
	case 'i':
		o->sensor.ifname = arg;
		break;
	case 'o':
		o->sensor.outdir = arg;
		break;
	case OPT_INTERVAL:
		return argp_parse_u32(state, "interval", arg, 1, 86400, &o->sensor.interval);
	case OPT_DURATION:
		return argp_parse_u32(state, "duration", arg, 1, UINT_MAX, &o->duration);
	case OPT_MODE:
		if (!strcmp(arg, "auto")) {
			o->sensor.mode = ATTACH_AUTO;
		} else if (!strcmp(arg, "native")) {
			o->sensor.mode = ATTACH_NATIVE;
		} else if (!strcmp(arg, "skb")) {
			o->sensor.mode = ATTACH_SKB;
		} else {
			return argp_invalid(state, "mode", arg, "auto, native or skb");
		}
		break;
	case OPT_SENSOR:
		if (!sensor_name_ok(arg)) {
			argp_error(state, "invalid sensor name '%s': 1-%d of A-Z a-z 0-9 . _ -",
				   arg, SENSOR_NAME_MAX);
			return EINVAL;
		}
		strcpy(o->name, arg);
		break;
	case OPT_PASS:
		o->sensor.pass = true;
		break;
	case OPT_MAX_KEYS:
		return argp_parse_u32(state, "max-keys", arg, 16, DS_MAX_MAX_KEYS, &o->sensor.max_keys);
	case OPT_LOG_RECORDS:
		return argp_parse_u32(state, "log-records", arg, 0, SENSOR_MAX_LOG_RECORDS,
				      &o->sensor.log_records);
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->verbosity;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Which capture options were given, to check they make sense together. */
struct capture_given {
	bool select, sample, rotate, any;
};

static error_t parse_capture_opt(int key, char *arg, struct argp_state *state,
				 struct capture_given *given)
{
	struct run_opts *o = state->input;
	__u64 v;

	switch (key) {
	case OPT_CAPTURE:
		o->sensor.capture.dir = arg;
		return 0;
	case OPT_CAPTURE_SELECT:
		if (capture_select_parse(arg, &o->sensor.capture_select))
			return argp_invalid(state, "capture selection", arg,
					    "a comma-separated list of sample, new, payload, mirai, all");
		given->select = true;
		break;
	case OPT_SAMPLE:
		if (argp_parse_u32(state, "sample", arg, 1, UINT32_MAX, &o->sensor.sample_n))
			return EINVAL;
		given->sample = true;
		break;
	case OPT_SNAPLEN:
		if (argp_parse_u32(state, "snaplen", arg, 1, 65535, &o->sensor.capture.snaplen))
			return EINVAL;
		break;
	case OPT_CAPTURE_ROTATE:
		if (!given->rotate)
			o->sensor.capture.rotate_seconds = 0; /* given: replaces the default */
		if (capture_rotate_parse(arg, &o->sensor.capture.rotate_seconds,
					 &o->sensor.capture.rotate_bytes))
			return argp_invalid(state, "capture rotation", arg,
					    "SECONDS (90, 90s, 30m, 1h, 1d; up to 7d) or MB (100MB, "
					    "up to 1048576MB)");
		given->rotate = true;
		break;
	case OPT_CAPTURE_MAX_DISK:
		if (argp_parse_u64(state, "capture-max-disk", arg, 0, 1ULL << 30, &v))
			return EINVAL;
		o->sensor.capture.max_disk_bytes = v << 20;
		break;
	case OPT_CAPTURE_RING:
		if (argp_parse_u64(state, "capture-ring", arg, XSK_RING_MIN, XSK_RING_MAX, &v))
			return EINVAL;
		if (v & (v - 1))
			return argp_invalid(state, "capture-ring", arg, "a power of two");
		o->sensor.capture.ring_size = v;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	given->any = true;
	return 0;
}

static error_t capture_opts_check(struct argp_state *state, const struct capture_given *given)
{
	struct run_opts *o = state->input;

	if (given->any && !o->sensor.capture.dir) {
		argp_error(state, "capture options need --capture DIR");
		return EINVAL;
	}
	/* --sample alone means sampling; with a list, the list must say so. */
	if (given->sample && !given->select)
		o->sensor.capture_select = DS_CAPTURE_SAMPLE;
	if (given->sample && !(o->sensor.capture_select & DS_CAPTURE_SAMPLE)) {
		argp_error(state, "--sample needs 'sample' in --capture-select");
		return EINVAL;
	}
	return 0;
}

static error_t parse_run_opt(int key, char *arg, struct argp_state *state)
{
	struct run_opts *o = state->input;
	struct capture_given *given = state->hook;
	error_t err;

	if (key == ARGP_KEY_INIT) {
		state->hook = calloc(1, sizeof(*given));
		return state->hook ? parse_opt(key, arg, state) : ENOMEM;
	}
	if (key == ARGP_KEY_FINI || key == ARGP_KEY_ERROR) {
		free(state->hook);
		state->hook = NULL;
		return 0;
	}
	err = parse_capture_opt(key, arg, state, given);
	if (err != ARGP_ERR_UNKNOWN)
		return err;
	if (key == ARGP_KEY_END) {
		if (capture_opts_check(state, given))
			return EINVAL;
		if (!o->sensor.ifname) {
			argp_error(state, "an interface is required (-i IFACE)");
			return EINVAL;
		}
		if (!o->sensor.outdir) {
			argp_error(state, "an output directory is required (-o DIR)");
			return EINVAL;
		}
		return 0;
	}
	return parse_opt(key, arg, state);
}

static void set_defaults(struct run_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->sensor.interval = 60;
	opts->sensor.mode = ATTACH_AUTO;
	opts->sensor.max_keys = DS_DEFAULT_MAX_KEYS;
	opts->sensor.log_records = SENSOR_DEFAULT_LOG_RECORDS;
	opts->sensor.capture_select = CAPTURE_DEFAULT_SELECT;
	opts->sensor.sample_n = CAPTURE_DEFAULT_SAMPLE;
	opts->sensor.capture.rotate_seconds = CAPTURE_DEFAULT_ROTATE;
	opts->sensor.capture.max_disk_bytes = (__u64)CAPTURE_DEFAULT_MAX_DISK_MB << 20;
	opts->sensor.capture.ring_size = XSK_RING_DEFAULT;
	/* Default sensor name: the host name, if it is a plain one. */
	if (gethostname(opts->name, sizeof(opts->name)) || !sensor_name_ok(opts->name))
		strcpy(opts->name, "sensor");
	opts->sensor.name = opts->name;
}

int run_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags)
{
	const struct argp argp = { run_options, parse_run_opt, NULL, run_doc, children, NULL, NULL };

	set_defaults(opts);
	return argp_parse(&argp, argc, argv, argp_flags, NULL, opts);
}

int check_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags)
{
	static const char doc[] = "Load and verify the BPF program, then exit.\n"
				  "\nUSAGE: darkscope check [--max-keys N] [--log-records N] [-v]";
	const struct argp argp = { check_options, parse_opt, NULL, doc, children, NULL, NULL };

	set_defaults(opts);
	return argp_parse(&argp, argc, argv, argp_flags, NULL, opts);
}
