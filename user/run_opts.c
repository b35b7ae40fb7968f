// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * run_opts.c - command-line parsing for `darkscope run` (glibc argp, numbers
 * through strtoul with errno and range checks, errors as usage errors).
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>
#include "darkscope.h"
#include "run_opts.h"

const char *argp_program_version = "darkscope " DS_VERSION;

enum {
	OPT_INTERVAL = 0x100,
	OPT_DURATION,
	OPT_MODE,
	OPT_SENSOR,
	OPT_PASS,
	OPT_MAX_KEYS,
};

static const char run_doc[] =
	"Count darknet traffic on IFACE with XDP and write time series to DIR.\n"
	"\n"
	"USAGE: darkscope run -i IFACE -o DIR [--interval SECONDS] [--duration SECONDS]\n"
	"       [--mode auto|native|skb] [--sensor NAME] [--pass] [--max-keys N] [-v]\n"
	"\n"
	"EXAMPLES:\n"
	"  darkscope run -i eth1 -o /var/lib/darkscope        # 60 s intervals, until SIGTERM\n"
	"  darkscope run -i eth1 -o /srv/ds --interval 10 --sensor tokyo-1\n"
	"  darkscope run -i veth0 -o /tmp/ds --duration 30 --mode skb --pass\n"
	"\n"
	"SIGINT/SIGTERM write the last partial interval and detach; SIGHUP reopens files.\n"
	"\vExit status: 0 success, 1 runtime failure, 64 usage error.";

static const struct argp_option run_options[] = {
	{ "interface", 'i', "IFACE", 0, "Interface to attach to (required)", 0 },
	{ "output", 'o', "DIR", 0, "Directory for the series files (created if missing; required)", 0 },
	{ "interval", OPT_INTERVAL, "SECONDS", 0, "Interval length, aligned to UTC (default 60)", 0 },
	{ "duration", OPT_DURATION, "SECONDS", 0, "Stop this long after attaching (default: never)", 0 },
	{ "mode", OPT_MODE, "MODE", 0, "XDP mode: auto (native, else skb), native or skb", 0 },
	{ "sensor", OPT_SENSOR, "NAME", 0, "Sensor name written into the files (default: host name)", 0 },
	{ "pass", OPT_PASS, NULL, 0, "Pass counted IPv4 to the kernel instead of dropping it", 0 },
	{ "max-keys", OPT_MAX_KEYS, "N", 0, "Flow keys per interval (default 262144; see docs)", 0 },
	{ "verbose", 'v', NULL, 0, "More output; twice for libbpf/libxdp debug", 0 },
	{},
};

static const struct argp_option check_options[] = {
	{ "max-keys", OPT_MAX_KEYS, "N", 0, "Flow keys per interval (default 262144)", 0 },
	{ "verbose", 'v', NULL, 0, "More output; twice for the verifier log", 0 },
	{},
};

int argp_parse_u64(struct argp_state *state, const char *name, const char *arg, __u64 min,
		   __u64 max, __u64 *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || *out < min || *out > max) {
		argp_error(state, "invalid %s '%s': expected a whole number from %llu to %llu",
			   name, arg, (unsigned long long)min, (unsigned long long)max);
		return EINVAL;
	}
	return 0;
}

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
	__u64 v;

	switch (key) {
	case 'i':
		o->ifname = arg;
		break;
	case 'o':
		o->outdir = arg;
		break;
	case OPT_INTERVAL:
		if (argp_parse_u64(state, "interval", arg, 1, 86400, &v))
			return EINVAL;
		o->interval = v;
		break;
	case OPT_DURATION:
		if (argp_parse_u64(state, "duration", arg, 1, UINT_MAX, &v))
			return EINVAL;
		o->duration = v;
		break;
	case OPT_MODE:
		if (!strcmp(arg, "auto")) {
			o->mode = ATTACH_AUTO;
		} else if (!strcmp(arg, "native")) {
			o->mode = ATTACH_NATIVE;
		} else if (!strcmp(arg, "skb")) {
			o->mode = ATTACH_SKB;
		} else {
			argp_error(state, "invalid mode '%s': expected auto, native or skb", arg);
			return EINVAL;
		}
		break;
	case OPT_SENSOR:
		if (!sensor_name_ok(arg)) {
			argp_error(state, "invalid sensor name '%s': 1-%d of A-Z a-z 0-9 . _ -",
				   arg, SENSOR_NAME_MAX);
			return EINVAL;
		}
		strcpy(o->sensor, arg);
		break;
	case OPT_PASS:
		o->pass = true;
		break;
	case OPT_MAX_KEYS:
		if (argp_parse_u64(state, "max-keys", arg, 16, DS_MAX_MAX_KEYS, &v))
			return EINVAL;
		o->max_keys = v;
		break;
	case 'v':
		o->verbosity++;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t parse_run_opt(int key, char *arg, struct argp_state *state)
{
	struct run_opts *o = state->input;

	if (key == ARGP_KEY_END) {
		if (!o->ifname) {
			argp_error(state, "an interface is required (-i IFACE)");
			return EINVAL;
		}
		if (!o->outdir) {
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
	opts->interval = 60;
	opts->mode = ATTACH_AUTO;
	opts->max_keys = DS_DEFAULT_MAX_KEYS;
	/* Default sensor name: the host name, if it is a plain one. */
	if (gethostname(opts->sensor, sizeof(opts->sensor)) || !sensor_name_ok(opts->sensor))
		strcpy(opts->sensor, "sensor");
}

int run_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags)
{
	const struct argp argp = { run_options, parse_run_opt, NULL, run_doc, NULL, NULL, NULL };

	set_defaults(opts);
	return argp_parse(&argp, argc, argv, argp_flags, NULL, opts);
}

int check_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags)
{
	static const char doc[] = "Load and verify the BPF program, then exit.\n"
				  "\nUSAGE: darkscope check [--max-keys N] [-v]";
	const struct argp argp = { check_options, parse_opt, NULL, doc, NULL, NULL, NULL };

	set_defaults(opts);
	return argp_parse(&argp, argc, argv, argp_flags, NULL, opts);
}
