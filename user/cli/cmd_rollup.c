// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_rollup.c - `darkscope rollup DIR...`: daily (and hourly) rollups of
 * sensor directories' closed days, for a systemd timer (docs/OPERATIONS.md).
 * One line per directory and series says what was done.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "rollup/flow_collapse.h"
#include "rollup/rollup_dir.h"
#include "rollup/row_chunks.h"
#include "util/log.h"
#include "util/timeutil.h"

struct rollup_cli {
	struct rollup_dir_opts o;
	char **dirs;
	int n_dirs;
	int verbosity;
	bool quiet;
};

enum {
	OPT_HOURS = 0x100, OPT_NO_DAYS, OPT_FROM, OPT_TO, OPT_GRACE, OPT_FORCE, OPT_MAX_KEYS,
	OPT_MEMBER_ROWS, OPT_LEVEL,
};

static const struct argp_option rollup_options[] = {
	{ "hours", OPT_HOURS, NULL, 0, "Also roll up each closed hour", 0 },
	{ "no-days", OPT_NO_DAYS, NULL, 0, "No daily rollups (with --hours)", 0 },
	{ "from", OPT_FROM, "T", 0, "Only spans starting at or after T", 0 },
	{ "to", OPT_TO, "T", 0, "Only spans ending at or before T", 0 },
	{ "grace", OPT_GRACE, "SECONDS", 0,
	  "A span is closed this long after its end (default 900)", 0 },
	{ "force", OPT_FORCE, NULL, 0, "Make rollups again even when they are current", 0 },
	{ NULL, 0, NULL, 0, "Resources:", 1 },
	{ "max-keys", OPT_MAX_KEYS, "N", 0,
	  "Flow keys held in memory, ~140 bytes each; beyond, sorted runs go to disk "
	  "(default 4194304)", 1 },
	{ "member-rows", OPT_MEMBER_ROWS, "N", 0, "Rows per gzip member (default 100000)", 1 },
	{ "level", OPT_LEVEL, "N", 0, "gzip level 1..9 (default 1)", 1 },
	{ "quiet", 'q', NULL, 0, "No summary lines", 1 },
	/* -h, as for the other commands: the same as --help. */
	{ NULL, 'h', NULL, OPTION_HIDDEN, NULL, 0 },
	{},
};

static const char rollup_doc[] =
	"Roll up the closed days of sensor directories: DIR/rollup/<series>-day-YYYY-MM-DD.tsv.gz"
	" (and with --hours <series>-hour-YYYY-MM-DDTHH.tsv.gz), one row per key and day, in the"
	" series format.  Rollups that are current are left alone; stale ones (a source file grew"
	" or is new: late data) are made again; sources that went keep a rollup current.\n"
	"T: unix seconds or UTC 2026-11-22[T03[:04[:05]]][Z].\n"
	"\v"
	"EXAMPLES:\n"
	"  darkscope rollup /var/lib/darkscope\n"
	"  darkscope rollup --hours /srv/darkscope/*\n"
	"  darkscope rollup --from 2026-04-01 --to 2026-07-01 --force /srv/darkscope/tokyo-1\n"
	"\n" CLI_EXIT_STATUS_DOC;

static const struct argp_child rollup_children[] = {
	{ &cli_verbose_argp, 0, NULL, 0 },
	{},
};

static error_t parse_rollup_opt(int key, char *arg, struct argp_state *state)
{
	struct rollup_cli *c = state->input;
	__u64 v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &c->verbosity;
		return 0;
	case OPT_HOURS:
		c->o.hours = true;
		break;
	case OPT_NO_DAYS:
		c->o.days = false;
		break;
	case OPT_FROM:
		if (ts_parse_time(arg, &c->o.from))
			return argp_invalid(state, "--from time", arg, NULL);
		break;
	case OPT_TO:
		if (ts_parse_time(arg, &c->o.to))
			return argp_invalid(state, "--to time", arg, NULL);
		break;
	case OPT_GRACE:
		if (argp_parse_u64(state, "--grace", arg, 0, 86400 * 7, &v))
			return EINVAL;
		c->o.grace = v;
		break;
	case OPT_FORCE:
		c->o.r.force = true;
		break;
	case OPT_MAX_KEYS:
		return argp_parse_u32(state, "--max-keys", arg, 1, 1U << 26, &c->o.r.max_keys);
	case OPT_MEMBER_ROWS:
		if (argp_parse_u64(state, "--member-rows", arg, 1, 10000000, &v))
			return EINVAL;
		c->o.r.member_rows = v;
		break;
	case OPT_LEVEL:
		if (argp_parse_u64(state, "--level", arg, 1, 9, &v))
			return EINVAL;
		c->o.r.level = v;
		break;
	case 'q':
		c->quiet = true;
		break;
	case 'h':
		argp_state_help(state, state->out_stream, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARGS:
		c->dirs = state->argv + state->next;
		c->n_dirs = state->argc - state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!c->n_dirs)
			argp_error(state, "no DIR given");
		else if (!c->o.days && !c->o.hours)
			argp_error(state, "--no-days without --hours leaves nothing to do");
		else if (c->o.from >= c->o.to)
			argp_error(state, "--from must be before --to");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void print_tally(const char *dir, const struct rollup_tally *t)
{
	if (t->busy) {
		printf("%s: busy (another darkscope rollup holds it)\n", dir);
		return;
	}
	for (int s = 0; s < ROLLUP_SERIES; s++) {
		const typeof(t->s[0]) *x = &t->s[s];

		printf("%s: %s: %zu made, %zu current, %zu open", dir, ROLLUP_SERIES_NAMES[s],
		       x->made, x->current, x->open);
		if (x->refused || x->failed)
			printf(", %zu refused, %zu failed", x->refused, x->failed);
		if (x->made)
			printf("; rows %llu -> %llu", (unsigned long long)x->rows_in,
			       (unsigned long long)x->rows_out);
		printf("\n");
	}
}

int do_rollup(int argc, char **argv)
{
	const struct argp argp = { rollup_options, parse_rollup_opt, "DIR...", rollup_doc,
				   rollup_children, NULL, NULL };
	struct rollup_cli c = {
		.o = {
			.r = { .max_keys = FLOW_COLLAPSE_MAX_KEYS, .member_rows = ROLLUP_MEMBER_ROWS,
			       .level = 1 },
			.days = true,
			.to = ~0ULL,
			.grace = ROLLUP_DEFAULT_GRACE,
		},
	};
	int status = EXIT_OK;

	if (argp_parse(&argp, argc, argv, 0, NULL, &c))
		return EXIT_USAGE;
	log_set_level(LOG_INFO + c.verbosity);
	c.o.now = time(NULL);
	for (int i = 0; i < c.n_dirs; i++) {
		struct rollup_tally t;
		int err = rollup_dir(c.dirs[i], &c.o, &t);

		if (!c.quiet)
			print_tally(c.dirs[i], &t);
		if (err)
			status = EXIT_FAIL;
	}
	if (fflush(stdout) || ferror(stdout)) {
		pr_warn("rollup: writing the output failed\n");
		status = EXIT_FAIL;
	}
	return status;
}
