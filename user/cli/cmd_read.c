// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_read.c - `darkscope read`: rows of one series from many sensors' files,
 * merged by ts, filtered, as TSV or JSON lines.
 *
 * Files are hourly, so a file named for hour H holds no row before H.  The
 * merge opens files lazily in hour order and keeps open only those whose hour
 * has begun: memory stays at one member per file of the current hour,
 * however many hours the inputs span.
 */
#include <dirent.h>
#include <errno.h>
#include <argp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "util/log.h"
#include "series/row_printer.h"
#include "series/series_format.h"
#include "util/timeutil.h"
#include "series/ts_reader.h"

#define HOUR 3600
#define MAX_COLUMNS 64

struct read_opts {
	const char *series;
	const char *column_list;  /* series_columns(series) */
	char column_names[1024];  /* column_list, split at tabs */
	const char *columns[MAX_COLUMNS];
	size_t n_columns;
	int proto_col, dport_col; /* in columns, or -1 */
	__u64 from, to;           /* [from, to) */
	const char *proto;        /* NULL: any */
	char port[8];             /* "" : any; else the canonical decimal text */
	const char *sensor;       /* NULL: any */
	bool json, header;
	char **paths;             /* the PATH arguments */
	int n_paths;
	char series_buf[64];      /* the series a file PATH's name gave */
};

/* One file to merge. */
struct input {
	char *path;
	__u64 hour;  /* its rows' lower bound: the hour in its name, or 0 */
	size_t seq;  /* argument and directory order, breaks ts ties */
	struct ts_reader *r;
	bool ok;     /* opened and read without error, or gave rows */
	dev_t dev;   /* the file itself, however it was reached */
	ino_t ino;
};

struct input_list {
	struct input *v;
	size_t n, cap;
	size_t found; /* series files found, before the time filter */
};

/* Skip files whose hour lies wholly outside [from, to). */
static bool hour_in_range(const struct read_opts *o, __u64 hour)
{
	return hour + HOUR > o->from && hour < o->to;
}

/* hour_known: the name gave the hour, so [from, to) can skip the file. */
static int add_input(struct input_list *l, const struct read_opts *o, const char *path,
		     const struct stat *st, bool hour_known, __u64 hour)
{
	/* A file reached twice (a path given twice, a directory and its parent,
	 * a symlink) is read once: its rows must not count twice. */
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].dev == st->st_dev && l->v[i].ino == st->st_ino) {
			pr_warn("read: %s: the same file as %s: read once\n", path, l->v[i].path);
			return 0;
		}
	}
	l->found++;
	if (!hour_known)
		hour = 0;
	else if (!hour_in_range(o, hour))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct input *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = (struct input){
		.path = strdup(path), .hour = hour, .seq = l->n, .dev = st->st_dev, .ino = st->st_ino,
	};
	if (!l->v[l->n].path)
		return -ENOMEM;
	l->n++;
	return 0;
}

static int entry_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int add_dir(struct input_list *l, const struct read_opts *o, const char *dir, int depth);

/* A series file of dir, or a subdirectory while depth allows; other entries
 * and entries that vanished are skipped.  0 or -ENOMEM. */
static int add_dir_entry(struct input_list *l, const struct read_opts *o, const char *dir,
			 const char *name, int depth)
{
	char path[4096], series[64];
	struct stat st;
	__u64 hour;

	if (name[0] == '.' ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    stat(path, &st))
		return 0;
	if (S_ISDIR(st.st_mode) && depth > 0) {
		/* An unreadable subdirectory is warned about, not fatal. */
		int err = add_dir(l, o, path, depth - 1);

		return err == -ENOMEM ? err : 0;
	}
	if (S_ISREG(st.st_mode) && !ts_hour_file_parse(name, series, sizeof(series), &hour) &&
	    !strcmp(series, o->series))
		return add_input(l, o, path, &st, true, hour);
	return 0;
}

/* The series files of dir in name order; with depth 1, also those of its
 * subdirectories (a directory of sensor directories). */
static int add_dir(struct input_list *l, const struct read_opts *o, const char *dir, int depth)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, entry_name_cmp);
	int err = 0;

	if (n < 0) {
		err = -errno;
		pr_warn("read: %s: %s\n", dir, strerror(-err));
		return err;
	}
	for (int i = 0; i < n; i++) {
		if (!err)
			err = add_dir_entry(l, o, dir, names[i]->d_name, depth);
		free(names[i]);
	}
	free(names);
	return err;
}

static int collect_inputs(struct input_list *l, const struct read_opts *o, char **paths, int n)
{
	for (int i = 0; i < n; i++) {
		char series[64];
		__u64 hour = 0;
		struct stat st;
		int err;

		if (stat(paths[i], &st)) {
			err = -errno;
			pr_warn("read: %s: %s\n", paths[i], strerror(-err));
			return err;
		}
		if (S_ISDIR(st.st_mode)) {
			err = add_dir(l, o, paths[i], 1);
		} else {
			/* A file named on the command line is read whatever its name. */
			const char *base = strrchr(paths[i], '/');
			bool hour_known;

			base = base ? base + 1 : paths[i];
			hour_known = !ts_hour_file_parse(base, series, sizeof(series), &hour);
			err = add_input(l, o, paths[i], &st, hour_known, hour);
		}
		if (err)
			return err;
	}
	return 0;
}

static bool value_is(const struct ts_reader *r, int col, const char *want)
{
	const char *v = col >= 0 ? ts_reader__value(r, col) : NULL;

	return v && !strcmp(v, want);
}

static bool row_wanted(const struct read_opts *o, const struct ts_reader *r)
{
	__u64 ts = ts_reader__ts(r);

	if (ts < o->from || ts >= o->to)
		return false;
	if (o->sensor && strcmp(ts_reader__meta(r)->sensor, o->sensor))
		return false;
	if (o->proto && !value_is(r, o->proto_col, o->proto))
		return false;
	return !o->port[0] || value_is(r, o->dport_col, o->port);
}

/* Move in to its next wanted row: 1, or 0 when it has no more (closed). */
static int advance(const struct read_opts *o, struct input *in)
{
	int ret;

	while ((ret = ts_reader__next(in->r)) > 0) {
		const char *series = ts_reader__meta(in->r)->series;

		if (series[0] && strcmp(series, o->series)) {
			pr_warn("read: %s: holds the %s series, not %s: skipped\n", in->path,
				series, o->series);
			ret = -EINVAL;
			break;
		}
		in->ok = true;
		if (row_wanted(o, in->r))
			return 1;
	}
	if (!ret)
		in->ok = true;
	ts_reader__close(in->r);
	in->r = NULL;
	return 0;
}

static int start_input(const struct read_opts *o, struct input *in)
{
	in->r = ts_reader__open(in->path);
	if (!in->r) {
		pr_warn("read: %s: %s\n", in->path, strerror(errno));
		return 0;
	}
	if (ts_reader__select(in->r, o->columns, o->n_columns)) {
		ts_reader__close(in->r);
		in->r = NULL;
		return -ENOMEM;
	}
	return advance(o, in);
}

/* Min-heap of open inputs by (current ts, seq). */
static bool input_before(const struct input *a, const struct input *b)
{
	__u64 ta = ts_reader__ts(a->r), tb = ts_reader__ts(b->r);

	return ta < tb || (ta == tb && a->seq < b->seq);
}

static void heap_sift_down(struct input **h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct input *t;

		if (l < n && input_before(h[l], h[m]))
			m = l;
		if (r < n && input_before(h[r], h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_push(struct input **h, size_t *n, struct input *in)
{
	size_t i = (*n)++;

	h[i] = in;
	while (i && input_before(h[i], h[(i - 1) / 2])) {
		struct input *t = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static int cmp_inputs_by_hour(const void *a, const void *b)
{
	const struct input *x = a, *y = b;

	if (x->hour != y->hour)
		return x->hour < y->hour ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Merge the inputs by ts and print them to f; 0, or -errno (nothing
 * readable, or output failed). */
static int merge_inputs(const struct read_opts *o, struct input *in, size_t n, FILE *f)
{
	struct row_printer *out = row_printer__open(f, o->json, o->columns, o->n_columns);
	struct input **heap = calloc(n ? n : 1, sizeof(*heap));
	size_t next = 0, n_open = 0, n_ok = 0;
	int err = 0, out_err;

	if (!heap || !out) {
		err = -ENOMEM;
		goto out;
	}
	qsort(in, n, sizeof(*in), cmp_inputs_by_hour);
	if (o->header)
		row_printer__header(out);
	for (;;) {
		/* Open every file whose hour has begun by the smallest ts in hand. */
		while (next < n && (!n_open || in[next].hour <= ts_reader__ts(heap[0]->r))) {
			err = start_input(o, &in[next]);
			if (err < 0)
				goto out;
			if (err > 0)
				heap_push(heap, &n_open, &in[next]);
			next++;
		}
		if (!n_open)
			break;
		/* The failure is reported by row_printer__close(). */
		if (row_printer__append(out, ts_reader__meta(heap[0]->r)->sensor, heap[0]->r))
			break;
		if (!advance(o, heap[0]))
			heap[0] = heap[--n_open];
		heap_sift_down(heap, n_open, 0);
	}
	err = 0;
	for (size_t i = 0; i < n; i++)
		n_ok += in[i].ok;
	if (n && !n_ok) {
		pr_warn("read: no %s file could be read\n", o->series);
		err = -ENODATA;
	}
out:
	for (size_t i = 0; i < n_open; i++)
		ts_reader__close(heap[i]->r);
	free(heap);
	if (out) {
		out_err = row_printer__close(out);
		if (out_err)
			pr_warn("read: writing the output failed: %s\n", strerror(-out_err));
		err = err ?: out_err;
	}
	return err;
}

static int set_series(struct read_opts *o, const char *series)
{
	char *rest, *name;
	size_t i = 0;

	o->column_list = series_columns(series);
	if (!o->column_list)
		return -EINVAL;
	o->series = series;
	o->proto_col = o->dport_col = -1;
	snprintf(o->column_names, sizeof(o->column_names), "%s", o->column_list);
	for (rest = o->column_names; (name = strsep(&rest, "\t")) && i < MAX_COLUMNS; i++) {
		o->columns[i] = name;
		if (!strcmp(name, "proto"))
			o->proto_col = i;
		else if (!strcmp(name, "dport"))
			o->dport_col = i;
	}
	o->n_columns = i;
	return 0;
}

/* Without --series, the first file argument's name tells the series. */
static const char *series_of_paths(char **paths, int n, char *buf, size_t size)
{
	for (int i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/');
		struct stat st;
		__u64 hour;

		base = base ? base + 1 : paths[i];
		if (!stat(paths[i], &st) && S_ISREG(st.st_mode) &&
		    !ts_hour_file_parse(base, buf, size, &hour) && series_columns(buf))
			return buf;
	}
	return "flows";
}

static bool parse_port(const char *s, char out[8])
{
	unsigned long v = 0;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5)
		return false;
	v = strtoul(s, NULL, 10);
	if (v > 65535)
		return false;
	/* Rows hold the canonical text, so the filter compares strings. */
	snprintf(out, 8, "%lu", v);
	return true;
}

enum {
	OPT_SERIES = 0x100, OPT_FROM, OPT_TO, OPT_PROTO, OPT_PORT, OPT_SENSOR, OPT_NO_HEADER,
};

static const struct argp_option read_options[] = {
	{ "series", OPT_SERIES, "S", 0,
	  "flows (default), ports or sensor; a file PATH's name sets it too", 0 },
	{ "from", OPT_FROM, "T", 0, "Rows with ts >= T", 0 },
	{ "to", OPT_TO, "T", 0, "Rows with ts < T", 0 },
	{ "proto", OPT_PROTO, "P", 0, "tcp, udp or icmp (flows, ports)", 0 },
	{ "port", OPT_PORT, "N", 0, "Destination port, or ICMP type (flows, ports)", 0 },
	{ "sensor", OPT_SENSOR, "NAME", 0, "Rows of the sensor named NAME", 0 },
	{ "json", 'j', NULL, 0, "One JSON object per row", 0 },
	{ "no-header", OPT_NO_HEADER, NULL, 0, "No column-header line", 0 },
	/* -h, as before argp: the same as --help. */
	{ NULL, 'h', NULL, OPTION_HIDDEN, NULL, 0 },
	{},
};

static const char read_doc[] =
	"Print the rows of one series from series files, ordered by ts.\n"
	"A PATH is a file, a sensor's output directory, or a directory of those.\n"
	"T: unix seconds or UTC 2026-11-22[T03[:04[:05]]][Z].\n"
	"\v"
	"EXAMPLES:\n"
	"  darkscope read /var/lib/darkscope\n"
	"  darkscope read --series ports --from 2026-11-22T03 --to 2026-11-22T04 /srv/*\n"
	"  darkscope read --proto tcp --port 23 --json /data/sensors\n"
	"\n" CLI_EXIT_STATUS_DOC;

/* What is wrong, with the value at fault if any; argp_error() adds where to
 * look and exits 64. */
static error_t read_usage_error(struct argp_state *state, const char *what, const char *arg)
{
	argp_error(state, "%s%s%s%s", what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return EINVAL;
}

/* After the last option: the paths, the series they hold, and the filters
 * that series allows. */
static error_t check_read_opts(struct argp_state *state, struct read_opts *o)
{
	const char *series = o->series;

	if (!o->n_paths)
		return read_usage_error(state, "no PATH given", NULL);
	if (!series)
		series = series_of_paths(o->paths, o->n_paths, o->series_buf,
					 sizeof(o->series_buf));
	if (set_series(o, series))
		return read_usage_error(state, "--series is flows, ports or sensor, not", series);
	if ((o->proto || o->port[0]) && (o->proto_col < 0 || o->dport_col < 0))
		return read_usage_error(state, "--proto and --port apply to flows and ports only",
					NULL);
	if (o->from >= o->to)
		return read_usage_error(state, "--from must be before --to", NULL);
	return 0;
}

static error_t parse_read_opt(int key, char *arg, struct argp_state *state)
{
	struct read_opts *o = state->input;

	switch (key) {
	case OPT_SERIES:
		o->series = arg;
		break;
	case OPT_FROM:
		if (ts_parse_time(arg, &o->from))
			return read_usage_error(state, "bad --from time", arg);
		break;
	case OPT_TO:
		if (ts_parse_time(arg, &o->to))
			return read_usage_error(state, "bad --to time", arg);
		break;
	case OPT_SENSOR:
		o->sensor = arg;
		break;
	case OPT_PROTO:
		for (unsigned int i = 0; i < DS_PROTO_MAX; i++)
			if (!strcmp(arg, proto_name(i)))
				o->proto = proto_name(i);
		if (!o->proto)
			return read_usage_error(state, "--proto is tcp, udp or icmp, not", arg);
		break;
	case OPT_PORT:
		if (!parse_port(arg, o->port))
			return read_usage_error(state, "--port is 0..65535, not", arg);
		break;
	case 'j':
		o->json = true;
		break;
	case 'h':
		argp_state_help(state, state->out_stream, ARGP_HELP_STD_HELP);
		break;
	case OPT_NO_HEADER:
		o->header = false;
		break;
	case ARGP_KEY_ARGS:
		o->paths = state->argv + state->next;
		o->n_paths = state->argc - state->next;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		return check_read_opts(state, o);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int do_read(int argc, char **argv)
{
	const struct argp argp = { read_options, parse_read_opt, "PATH...", read_doc,
				   NULL, NULL, NULL };
	struct read_opts o = { .to = ~0ULL, .header = true };
	struct input_list inputs = { 0 };
	int err, status;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return EXIT_USAGE;
	err = collect_inputs(&inputs, &o, o.paths, o.n_paths);
	if (!err && !inputs.found) {
		pr_warn("read: no %s files in the given paths\n", o.series);
		err = -ENOENT;
	}
	if (!err)
		err = merge_inputs(&o, inputs.v, inputs.n, stdout);
	status = err ? EXIT_FAIL : EXIT_OK;
	for (size_t i = 0; i < inputs.n; i++)
		free(inputs.v[i].path);
	free(inputs.v);
	return status;
}
