// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_export.c - `darkscope export`: the rows of series files from given
 * member offsets on, as TSV for a database loader (darkscope-clickhouse
 * pipes it into clickhouse-client), and where each file now stands.
 *
 * The loader keeps, per file, the end of the members it has loaded and the
 * member holding the header in effect there; this command resumes each file
 * at that point (ts_reader__resume), prints the rows of the complete members
 * after it, and writes one line per file to --members: the new end, the new
 * header member, rows written, rows skipped, and how reading ended.  A torn
 * last member is left out (the next run takes it once complete).
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "series/export_row.h"
#include "series/series_format.h"
#include "series/ts_reader.h"
#include "util/log.h"

#define MAX_COLUMNS 64
/* Output is written in blocks of this size. */
#define OUT_BLOCK (1U << 20)

struct export_opts {
	const char *series;
	char column_names[1024];
	const char *columns[MAX_COLUMNS];
	size_t n_columns;
	char batch[24];
	const char *members;
	const char *list;
	bool print_columns;
	enum export_format format;
};

/* One line of the list: a file and where to resume it. */
struct export_file {
	char *path;
	unsigned long long header_at, start;
	const char *sensor; /* when the file names none (its directory) */
};

/* What became of one file, for the --members line. */
struct export_result {
	unsigned long long end, header_at, rows, bad;
	const char *state;
};

static int set_columns(struct export_opts *o)
{
	const char *list = series_columns(o->series);
	char *rest, *name;

	if (!list)
		return -EINVAL;
	snprintf(o->column_names, sizeof(o->column_names), "%s", list);
	o->n_columns = 0;
	for (rest = o->column_names; (name = strsep(&rest, "\t")) && o->n_columns < MAX_COLUMNS;)
		o->columns[o->n_columns++] = name;
	return 0;
}

/* How reading a file ended: ok, truncated (the torn last member is left for
 * later), or why it stopped; the loader reads no further than a stop. */
static const char *end_state(int ret, const struct ts_reader *r)
{
	if (!ret)
		return ts_reader__truncated(r) ? "truncated" : "ok";
	if (ret == -EPROTONOSUPPORT)
		return "unsupported";
	if (ret == -EBADMSG || ret == -EINVAL)
		return "stopped";
	return "error"; /* a read failure: taken again from the same end */
}

static void warn_bad_row(const char *path, const struct ts_reader *r, const char *column,
			 const char *value)
{
	pr_warn("export: %s: member at byte %llu: row skipped: %s %s%s%s\n", path,
		(unsigned long long)ts_reader__member_start(r), column, value ? "'" : "",
		value ? value : "missing", value ? "' does not fit the column" : "");
}

static int flush_out(struct strbuf *out, FILE *f)
{
	if (out->len && fwrite(out->buf, 1, out->len, f) != out->len)
		return -errno;
	strbuf__reset(out);
	return 0;
}

/* The rows of one file from its resume point on: 0, or -errno when the
 * output failed (the file's own problems end up in res->state). */
static int export_file(const struct export_opts *o, struct export_row *e,
		       const struct export_file *in, struct strbuf *out, FILE *f,
		       struct export_result *res)
{
	struct ts_reader *r = ts_reader__open(in->path);
	int ret, err = 0;

	*res = (struct export_result){ .end = in->start, .header_at = in->header_at,
				       .state = "unreadable" };
	if (!r) {
		pr_warn("export: %s: %s\n", in->path, strerror(errno));
		return 0;
	}
	if (ts_reader__select(r, o->columns, o->n_columns)) {
		ts_reader__close(r);
		return -ENOMEM;
	}
	if (ts_reader__resume(r, in->header_at, in->start)) {
		res->state = "changed";
		ts_reader__close(r);
		return 0;
	}
	while ((ret = ts_reader__next(r)) > 0) {
		const struct ts_reader_meta *m = ts_reader__meta(r);
		const char *bad, *value;
		int got;

		if (m->series[0] && strcmp(m->series, o->series)) {
			pr_warn("export: %s: holds the %s series, not %s: rest of file skipped\n",
				in->path, m->series, o->series);
			ret = -EINVAL;
			break;
		}
		got = export_row__append(e, out, m->sensor[0] ? m->sensor : in->sensor, r, &bad,
					 &value);
		if (got < 0) {
			err = got;
			break;
		}
		if (got) {
			if (!res->bad++)
				warn_bad_row(in->path, r, bad, value);
			continue;
		}
		res->rows++;
		if (out->len >= OUT_BLOCK && (err = flush_out(out, f)))
			break;
	}
	if (res->bad > 1)
		pr_warn("export: %s: %llu rows skipped in all (values that do not fit their "
			"columns)\n", in->path, res->bad);
	res->end = ts_reader__done_end(r);
	res->header_at = ts_reader__header_at(r);
	res->state = end_state(ret, r);
	ts_reader__close(r);
	return err;
}

/* "PATH\tHEADER_AT\tSTART\tSENSOR" -> in (pointing into line); false if malformed. */
static bool parse_list_line(char *line, struct export_file *in)
{
	char *f[4], *end;
	size_t n = 0;

	line[strcspn(line, "\n")] = '\0';
	for (char *rest = line; n < 4 && (f[n] = strsep(&rest, "\t")); n++)
		;
	if (n != 4 || !*f[0] || !*f[3])
		return false;
	in->path = f[0];
	errno = 0;
	in->header_at = strtoull(f[1], &end, 10);
	if (*end || !*f[1] || errno)
		return false;
	in->start = strtoull(f[2], &end, 10);
	if (*end || !*f[2] || errno || in->header_at > in->start)
		return false;
	in->sensor = f[3];
	return true;
}

static int export_list(const struct export_opts *o, FILE *list, FILE *members)
{
	struct export_row *e = export_row__open(o->columns, o->n_columns, o->batch, o->format);
	struct strbuf out = STRBUF_INIT;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int err = 0;

	if (!e)
		return -ENOMEM;
	while (!err && getline(&line, &cap, list) >= 0) {
		struct export_file in;
		struct export_result res;

		lineno++;
		if (!parse_list_line(line, &in)) {
			pr_warn("export: %s: line %zu: expected PATH, HEADER_AT <= START, SENSOR "
				"separated by tabs\n", o->list, lineno);
			err = -EINVAL;
			break;
		}
		err = export_file(o, e, &in, &out, stdout, &res);
		/* The loader trusts these lines only once the whole output is in. */
		if (!err && members &&
		    fprintf(members, "%s\t%llu\t%llu\t%llu\t%llu\t%s\n", in.path, res.end,
			    res.header_at, res.rows, res.bad, res.state) < 0)
			err = -EIO;
	}
	if (!err && ferror(list))
		err = -EIO;
	if (!err)
		err = export_row__flush(e, &out) ?: flush_out(&out, stdout);
	if (!err && fflush(stdout))
		err = -errno;
	free(line);
	strbuf__free(&out);
	export_row__close(e);
	return err;
}

enum { OPT_SERIES = 0x100, OPT_BATCH, OPT_MEMBERS, OPT_COLUMNS, OPT_FORMAT };

static const struct argp_option export_options[] = {
	{ "series", OPT_SERIES, "S", 0, "flows, ports or sensor (required)", 0 },
	{ "batch", OPT_BATCH, "N", 0, "The number printed as every row's last column", 0 },
	{ "members", OPT_MEMBERS, "FILE", 0,
	  "Per file: PATH END HEADER_AT ROWS BAD STATE, tab-separated", 0 },
	{ "format", OPT_FORMAT, "F", 0, "tsv (default) or native (ClickHouse Native blocks)", 0 },
	{ "columns", OPT_COLUMNS, NULL, 0,
	  "Print the output's columns (name TAB ClickHouse type, a line each) and exit", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, NULL, 0 },
	{},
};

static const char export_doc[] =
	"Print the rows of series files from member offsets on, as TSV for a database "
	"loader.\n"
	"LIST (a file, or - for stdin) has one line per file: PATH, HEADER_AT, START and "
	"SENSOR, tab-separated: resume at byte START (a member boundary, 0 for the "
	"start) with the header of the member at HEADER_AT; SENSOR is the name for rows "
	"of a file that names none.\n"
	"\v"
	"Columns: sensor, the series' columns (src as the /24's address as a number, a "
	"column a file lacks as 0 or []), then N; TSV, or ClickHouse Native blocks of up to "
	"65536 rows with --format native.  A row whose value does not fit its "
	"column is skipped with a warning.  STATE: ok, truncated (a torn last member left "
	"for later), stopped (corrupt data, rows without header, another series: read no "
	"further), unsupported (a newer format version), error (a read failure), "
	"unreadable, changed (no member at the resume point any more).\n"
	"\n" CLI_EXIT_STATUS_DOC;

static error_t parse_export_opt(int key, char *arg, struct argp_state *state)
{
	struct export_opts *o = state->input;
	__u64 batch;

	switch (key) {
	case OPT_SERIES:
		o->series = arg;
		if (set_columns(o))
			return argp_invalid(state, "--series", arg, "flows, ports or sensor");
		break;
	case OPT_BATCH:
		if (argp_parse_u64(state, "--batch", arg, 0, ~0ULL, &batch))
			return EINVAL;
		snprintf(o->batch, sizeof(o->batch), "%llu", (unsigned long long)batch);
		break;
	case OPT_MEMBERS:
		o->members = arg;
		break;
	case OPT_COLUMNS:
		o->print_columns = true;
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "tsv"))
			o->format = EXPORT_TSV;
		else if (!strcmp(arg, "native"))
			o->format = EXPORT_NATIVE;
		else
			return argp_invalid(state, "--format", arg, "tsv or native");
		break;
	case 'h':
		argp_state_help(state, state->out_stream, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (o->list)
			argp_error(state, "one LIST only");
		o->list = arg;
		break;
	case ARGP_KEY_END:
		if (!o->series)
			argp_error(state, "--series is required");
		else if (!o->print_columns && (!o->list || !o->batch[0]))
			argp_error(state, "LIST and --batch are required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int print_columns(const struct export_opts *o)
{
	struct export_row *e = export_row__open(o->columns, o->n_columns, "0", EXPORT_TSV);

	if (!e)
		return EXIT_FAIL;
	printf("sensor\tString\n");
	for (size_t i = 0; i < o->n_columns; i++)
		printf("%s\t%s\n", o->columns[i], export_row__type(e, i));
	printf("batch\tUInt64\n");
	export_row__close(e);
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}

int do_export(int argc, char **argv)
{
	const struct argp argp = { export_options, parse_export_opt, "LIST", export_doc,
				   NULL, NULL, NULL };
	struct export_opts o = { 0 };
	FILE *list, *members = NULL;
	int err;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return EXIT_USAGE;
	if (o.print_columns)
		return print_columns(&o);
	list = strcmp(o.list, "-") ? fopen(o.list, "r") : stdin;
	if (!list) {
		pr_warn("export: %s: %s\n", o.list, strerror(errno));
		return EXIT_FAIL;
	}
	if (o.members && !(members = fopen(o.members, "w"))) {
		pr_warn("export: %s: %s\n", o.members, strerror(errno));
		err = -errno;
	} else {
		err = export_list(&o, list, members);
		if (members && fclose(members) && !err)
			err = -errno;
		if (err && err != -EINVAL)
			pr_warn("export: writing failed: %s\n", strerror(-err));
	}
	if (list != stdin)
		fclose(list);
	return err ? EXIT_FAIL : EXIT_OK;
}
