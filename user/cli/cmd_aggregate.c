// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_aggregate.c - `darkscope aggregate --files LIST [...]`: the report's
 * passes in C (user/analysis/aggregate.h) over the files the Python report
 * chose, result on stdout for report_engine.py.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/aggregate.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "util/log.h"

#define AGG_MAX_SOURCES 4096

struct aggregate_cli {
	struct agg_params p;
	__u32 sources[AGG_MAX_SOURCES];
	int verbosity;
};

enum {
	OPT_FILES = 0x100, OPT_NETS, OPT_FROM, OPT_TO, OPT_BIN, OPT_PFROM, OPT_PTO, OPT_TOP,
	OPT_EXCLUDE, OPT_FIG3_PKEY, OPT_FIG3_REGION, OPT_SURGE_MIN, OPT_THREADS, OPT_SOURCE,
};

static const struct argp_option aggregate_options[] = {
	{ "files", OPT_FILES, "LIST", 0, "The file list (PASS START END FALLBACK-HEX PATH-HEX)", 0 },
	{ "nets", OPT_NETS, "TABLE", 0, "The /24 -> (region, known scanner) table", 0 },
	{ "from", OPT_FROM, "S", 0, "Current period start (unix seconds)", 0 },
	{ "to", OPT_TO, "S", 0, "Current period end, exclusive (unix seconds)", 0 },
	{ "bin", OPT_BIN, "S", 0, "Seconds per bin (default 86400)", 0 },
	{ "previous-from", OPT_PFROM, "S", 0, "Previous period start", 0 },
	{ "previous-to", OPT_PTO, "S", 0, "Previous period end, exclusive", 0 },
	{ "top", OPT_TOP, "N", 0, "The report's N (default 10)", 0 },
	{ "exclude-known", OPT_EXCLUDE, NULL, 0, "Sums without known scanners", 0 },
	{ "fig3-pkey", OPT_FIG3_PKEY, "PKEY", 0, "Figure 3's port ((proto index << 16) | port)", 0 },
	{ "fig3-region", OPT_FIG3_REGION, "CC", 0, "Figure 3's region", 0 },
	{ "surge-min", OPT_SURGE_MIN, "N", 0, "Surge cells: port-bins with at least N packets", 0 },
	{ "threads", OPT_THREADS, "N", 0, "Threads (default 2)", 0 },
	{ "source", OPT_SOURCE, "PKEY", 0, "Fallback pass: distinct sources of PKEY (repeatable)", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, NULL, 0 },
	{},
};

static const char aggregate_doc[] =
	"The report's passes over series files, in C, for darkscope-report --engine c"
	" (docs/SCRIPTS.md, \"Report engines\").  Not meant to be run by hand.\n"
	"\v" CLI_EXIT_STATUS_DOC;

static const struct argp_child aggregate_children[] = {
	{ &cli_verbose_argp, 0, NULL, 0 },
	{},
};

static error_t parse_s64_opt(struct argp_state *state, const char *name, const char *arg,
			     __s64 *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (errno || end == arg || *end)
		return argp_invalid(state, name, arg, NULL);
	*out = v;
	return 0;
}

static error_t parse_aggregate_opt(int key, char *arg, struct argp_state *state)
{
	struct aggregate_cli *c = state->input;
	struct agg_params *p = &c->p;
	__u64 v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &c->verbosity;
		return 0;
	case OPT_FILES:
		p->files = arg;
		break;
	case OPT_NETS:
		p->nets = arg;
		break;
	case OPT_FROM:
		return parse_s64_opt(state, "--from", arg, &p->t_from);
	case OPT_TO:
		return parse_s64_opt(state, "--to", arg, &p->t_to);
	case OPT_BIN:
		return parse_s64_opt(state, "--bin", arg, &p->bin);
	case OPT_PFROM:
		p->previous = true;
		return parse_s64_opt(state, "--previous-from", arg, &p->p_from);
	case OPT_PTO:
		p->previous = true;
		return parse_s64_opt(state, "--previous-to", arg, &p->p_to);
	case OPT_TOP:
		return argp_parse_u32(state, "--top", arg, 1, 1000000, &p->top);
	case OPT_EXCLUDE:
		p->exclude = true;
		break;
	case OPT_FIG3_PKEY:
		return argp_parse_u32(state, "--fig3-pkey", arg, 0, AGG_PKEYS - 1, &p->fig3_pkey);
	case OPT_FIG3_REGION:
		p->fig3_region = arg;
		break;
	case OPT_SURGE_MIN:
		return parse_s64_opt(state, "--surge-min", arg, &p->surge_min);
	case OPT_THREADS:
		if (argp_parse_u64(state, "--threads", arg, 1, 64, &v))
			return EINVAL;
		p->threads = v;
		break;
	case OPT_SOURCE:
		if (p->n_sources >= AGG_MAX_SOURCES)
			return argp_invalid(state, "--source", arg, "too many");
		if (argp_parse_u32(state, "--source", arg, 0, AGG_PKEYS - 1,
				   &c->sources[p->n_sources]))
			return EINVAL;
		p->n_sources++;
		p->sources = c->sources;
		break;
	case 'h':
		argp_state_help(state, state->out_stream, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARGS:
		argp_error(state, "no arguments expected");
		break;
	case ARGP_KEY_END:
		if (!p->files)
			argp_error(state, "--files is required");
		else if (p->t_from >= p->t_to && !p->n_sources)
			argp_error(state, "--from must be before --to");
		else if (p->bin <= 0)
			argp_error(state, "--bin must be positive");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int do_aggregate(int argc, char **argv)
{
	const struct argp argp = { aggregate_options, parse_aggregate_opt, NULL, aggregate_doc,
				   aggregate_children, NULL, NULL };
	static struct aggregate_cli c;
	int err;

	memset(&c, 0, sizeof(c));
	c.p.bin = 86400;
	c.p.top = 10;
	c.p.threads = 2;
	if (argp_parse(&argp, argc, argv, 0, NULL, &c))
		return EXIT_USAGE;
	log_set_level(LOG_INFO + c.verbosity);
	err = aggregate_run(&c.p, stdout);
	if (fflush(stdout) || ferror(stdout)) {
		pr_warn("aggregate: writing the output failed\n");
		err = err ? err : -EIO;
	}
	return err ? EXIT_FAIL : EXIT_OK;
}
