// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rollup.c - read a span's sources once, in hour order, fold every row
 * into its series' collapse, then write header and members.
 *
 * Bad input is handled as `darkscope read` handles it: the reader's own
 * warnings (truncated member, corrupt data, a newer format version, a bad
 * ts) keep the rows before them; a row whose fields do not parse is
 * skipped and counted, the first one named by file and member offset.  All
 * of them are recorded in the rollup's header.  Files that cannot be opened
 * or read (permissions, I/O errors) may read tomorrow: no rollup is made.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>
#include "darkscope.h"
#include "rollup/flow_collapse.h"
#include "rollup/rollup.h"
#include "rollup/rollup_out.h"
#include "rollup/rollup_rows.h"
#include "rollup/row_chunks.h"
#include "rollup/sensor_sum.h"
#include "series/series_format.h"
#include "series/ts_reader.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/timeutil.h"

/* Warnings kept in a header; more are counted in one last line. */
#define MAX_WARNINGS 100
/* The most of a header read back to compare its sources. */
#define HEADER_MAX (1U << 20)

enum series_kind { FLOWS, PORTS, SENSOR };

struct job {
	const char *dir, *series;
	enum series_kind kind;
	struct rollup_span span;
	__u64 span_end;
	const struct rollup_opts *o;
	/* What the sources' headers say. */
	char sensor[256], iface[64], started[32];
	bool seen_header, conflict, unreadable;
	char other_sensor[256];
	/* The warnings, as "# warning: ..." lines. */
	struct strbuf warnings;
	size_t n_warnings, more_warnings;
	/* The rows. */
	struct flow_collapse *flows;
	struct ds_port_value *ports; /* DS_PORT_SLOTS */
	struct sensor_sum sensor_row;
	__u64 rows_in;
};

/* The log's warnings while sources are read, into the header: the
 * directory is cut from file names, so the text does not depend on how DIR
 * was spelt. */
static void record_warning(void *ctx, const char *msg)
{
	struct job *j = ctx;
	size_t dlen = strlen(j->dir);
	char line[1024];
	size_t n;

	if (j->n_warnings == MAX_WARNINGS) {
		j->more_warnings++;
		return;
	}
	if (!strncmp(msg, j->dir, dlen) && msg[dlen] == '/')
		msg += dlen + 1;
	n = snprintf(line, sizeof(line), "%s", msg);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20)
			line[i] = ' ';
	if (!strbuf__appendf(&j->warnings, "# warning: %s\n", line))
		j->n_warnings++;
}

static void copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

/* A new member: does its header still name the sensor of the others? */
static void note_meta(struct job *j, const struct ts_reader_meta *m)
{
	if (!j->seen_header) {
		j->seen_header = true;
		copy_text(j->sensor, sizeof(j->sensor), m->sensor);
		copy_text(j->iface, sizeof(j->iface), m->iface);
		copy_text(j->started, sizeof(j->started), m->started);
		return;
	}
	if (strcmp(m->sensor, j->sensor) && !j->conflict) {
		j->conflict = true;
		copy_text(j->other_sensor, sizeof(j->other_sensor), m->sensor);
	}
	/* ISO 8601 UTC text sorts as time: keep the earliest start. */
	if (strlen(m->started) == 20 && (strlen(j->started) != 20 ||
					 strcmp(m->started, j->started) < 0))
		copy_text(j->started, sizeof(j->started), m->started);
}

/* Fold the reader's current row into the job; NULL or what is wrong. */
static const char *add_row(struct job *j, const struct ts_reader *r, int *err)
{
	const char *bad;
	__u64 ts = ts_reader__ts(r);

	if (ts < j->span.start || ts >= j->span_end)
		return "ts outside the span";
	if (j->kind == FLOWS) {
		struct flow_row row;

		bad = read_flow_row(r, &row);
		if (!bad)
			*err = flow_collapse__add(j->flows, &row);
		return bad;
	}
	if (j->kind == PORTS) {
		struct port_row row;
		struct ds_port_value *v;

		bad = read_port_row(r, &row);
		if (bad)
			return bad;
		v = &j->ports[row.proto * 65536 + row.port];
		port_value_merge(v, &row.val);
		return NULL;
	}
	return sensor_sum__add(&j->sensor_row, r);
}

static int select_columns(struct job *j, struct ts_reader *r)
{
	if (j->kind == FLOWS)
		return ts_reader__select(r, FLOW_FIELDS, N_FLOW_FIELDS);
	if (j->kind == PORTS)
		return ts_reader__select(r, PORT_FIELDS, N_PORT_FIELDS);
	return ts_reader__select(r, j->sensor_row.columns, j->sensor_row.n);
}

/* One source file, every complete row of it.  0 or -errno (memory, a run
 * that could not be written); a file that cannot be read marks the job. */
static int read_source(struct job *j, const struct rollup_source *src)
{
	char path[PATH_MAX + ROLLUP_NAME_MAX];
	__u64 member = ~0ULL, bad_rows = 0, bad_at = 0;
	const char *bad_field = NULL;
	struct ts_reader *r;
	int ret = 0, err = 0;

	snprintf(path, sizeof(path), "%s/%s", j->dir, src->name);
	r = ts_reader__open(path);
	if (!r) {
		pr_warn("rollup: %s: %s\n", path, strerror(errno));
		j->unreadable = true;
		return 0;
	}
	if (select_columns(j, r)) {
		ts_reader__close(r);
		return -ENOMEM;
	}
	while (!err && (ret = ts_reader__next(r)) > 0) {
		const struct ts_reader_meta *m = ts_reader__meta(r);
		const char *bad;

		if (ts_reader__member_start(r) != member) {
			member = ts_reader__member_start(r);
			if (m->series[0] && strcmp(m->series, j->series)) {
				pr_warn("%s: holds the %s series, not %s: skipped\n", path, m->series,
					j->series);
				break;
			}
			note_meta(j, m);
		}
		j->rows_in++;
		bad = add_row(j, r, &err);
		if (bad && !bad_rows++) {
			bad_field = bad;
			bad_at = member;
		}
	}
	/* Damage in the bytes stays; a failing read() or open may not. */
	if (!err && ret < 0 && ret != -EBADMSG && ret != -EPROTONOSUPPORT) {
		if (ret == -ENOMEM)
			err = ret;
		else
			j->unreadable = true;
	}
	if (bad_rows)
		pr_warn("%s: %llu malformed row%s skipped, the first in the member at byte %llu "
			"(%s)\n", path, (unsigned long long)bad_rows, bad_rows == 1 ? "" : "s",
			(unsigned long long)bad_at, bad_field);
	ts_reader__close(r);
	return err;
}

static int build_header(const struct job *j, const struct rollup_source *src, size_t n,
			struct strbuf *sb)
{
	char start[21];
	int err;

	ts_format_iso(j->span.start, start);
	err = strbuf__appendf(sb, "# darkscope-series: %s %d\n", j->series, SERIES_FORMAT_VERSION);
	/* No "# sensor:" in the sources: none here either, so readers name the
	 * rollup's sensor after its directory as they name the sources'. */
	if (!err && j->sensor[0])
		err = strbuf__appendf(sb, "# sensor: %s\n", j->sensor);
	if (!err && j->iface[0])
		err = strbuf__appendf(sb, "# iface: %s\n", j->iface);
	if (!err)
		err = strbuf__appendf(sb, "# interval: %u\n# version: %s\n",
				      rollup_unit_seconds(j->span.unit), DS_VERSION);
	if (!err && j->started[0])
		err = strbuf__appendf(sb, "# started: %s\n", j->started);
	if (!err)
		err = strbuf__appendf(sb, "# rollup: %s %s\n", rollup_unit_name(j->span.unit), start);
	if (!err)
		err = sources_record(sb, src, n);
	if (!err)
		err = strbuf__append(sb, j->warnings.buf, j->warnings.len);
	if (!err && j->more_warnings)
		err = strbuf__appendf(sb, "# warning: %zu more warnings\n", j->more_warnings);
	if (!err)
		err = strbuf__appendf(sb, "%s%s\n", series_columns(j->series),
				      j->kind == SENSOR ? SENSOR_SUM_EXTRA_COLUMNS : "");
	return err;
}

static int chunker_sink(void *ctx, const struct flow_row *row)
{
	return flow_chunker__add(ctx, row);
}

/* The collapsed rows as members of out. */
static int write_rows(struct job *j, struct rollup_out *out, struct rollup_stats *st)
{
	size_t max = j->o->member_rows ? j->o->member_rows : ROLLUP_MEMBER_ROWS;
	int err = 0;

	if (j->kind == FLOWS) {
		struct flow_chunker ch;

		err = flow_chunker__init(&ch, max, j->span.start, rollup_out__member, out);
		if (err)
			return err;
		err = flow_collapse__finish(j->flows, chunker_sink, &ch);
		if (!err)
			err = flow_chunker__flush(&ch);
		st->rows_out = ch.total;
		flow_chunker__free(&ch);
	} else if (j->kind == PORTS) {
		struct port_row *rows = malloc(DS_PORT_SLOTS * sizeof(*rows));
		size_t n = 0;
		__u64 members = 0;

		if (!rows)
			return -ENOMEM;
		/* The array's order is (proto, port): rows come out sorted. */
		for (size_t i = 0; i < DS_PORT_SLOTS; i++) {
			if (!j->ports[i].packets)
				continue;
			rows[n] = (struct port_row){ .proto = i / 65536, .port = i % 65536,
						     .val = j->ports[i] };
			n++;
		}
		err = port_rows_write(rows, n, max, j->span.start, rollup_out__member, out,
				      &members);
		st->rows_out = n;
		free(rows);
	} else {
		struct strbuf line = STRBUF_INIT;

		err = sensor_sum__format(&j->sensor_row, j->span.start, &line);
		if (!err)
			err = rollup_out__member(out, line.buf, line.len);
		st->rows_out = j->sensor_row.intervals ? 1 : 0;
		strbuf__free(&line);
	}
	return err;
}

/* What the rollup at path records as its sources: 0, -ENOENT (no rollup,
 * or none readable: made anew), -ENOMEM. */
static int recorded_sources(const char *path, struct source_set *recorded)
{
	struct strbuf header = STRBUF_INIT;
	int err = rollup_header_read(path, &header, HEADER_MAX);

	if (!err)
		err = sources_parse(header.buf, recorded);
	else if (err != -ENOMEM)
		err = -ENOENT;
	strbuf__free(&header);
	return err;
}

bool rollup_is_current(const char *path, const struct rollup_source *src, size_t n)
{
	struct source_set recorded = { 0 };
	bool current = !recorded_sources(path, &recorded) && sources_cover(&recorded, src, n);

	source_set__free(&recorded);
	return current;
}

/* Whether the rollup at path may be made (again) from src[0..n): 1 when it
 * is current (and not forced), 0 when it may, -EEXIST when it is stale but
 * lists a source that is gone (warned), -ENOMEM. */
static int check_existing(const char *path, const struct rollup_source *src, size_t n,
			  bool force)
{
	struct source_set recorded = { 0 };
	const struct rollup_source *gone;
	int err = recorded_sources(path, &recorded);

	if (err) {
		source_set__free(&recorded);
		return err == -ENOENT ? 0 : err;
	}
	if (!force && sources_cover(&recorded, src, n)) {
		err = 1;
	} else if ((gone = sources_gone(&recorded, src, n))) {
		pr_warn("rollup: %s: stale, but its source %s is gone: not made again (it would "
			"lose that file's rows; remove the rollup to make it from what is left)\n",
			path, gone->name);
		err = -EEXIST;
	}
	source_set__free(&recorded);
	return err;
}

static int job_init(struct job *j, const char *dir, const char *series,
		    const struct rollup_span *span, const struct rollup_opts *o)
{
	memset(j, 0, sizeof(*j));
	j->dir = dir;
	j->series = series;
	j->span = *span;
	j->span_end = span->start + rollup_unit_seconds(span->unit);
	j->o = o;
	if (!strcmp(series, "flows")) {
		j->kind = FLOWS;
		j->flows = flow_collapse__new(o->max_keys ? o->max_keys : FLOW_COLLAPSE_MAX_KEYS,
					      o->tmp_dir, o->level);
		return j->flows ? 0 : -errno;
	}
	if (!strcmp(series, "ports")) {
		j->kind = PORTS;
		j->ports = calloc(DS_PORT_SLOTS, sizeof(*j->ports));
		return j->ports ? 0 : -ENOMEM;
	}
	if (!strcmp(series, "sensor")) {
		j->kind = SENSOR;
		sensor_sum__init(&j->sensor_row);
		return 0;
	}
	return -EINVAL;
}

static void job_free(struct job *j)
{
	flow_collapse__free(j->flows);
	free(j->ports);
	strbuf__free(&j->warnings);
}

/* A rollup that could not be made again is stale: readers would skip it. */
static void remove_stale(const char *path)
{
	if (!unlink(path))
		pr_info("rollup: removed the stale '%s'\n", path);
	else if (errno != ENOENT)
		pr_warn("rollup: cannot remove the stale '%s': %s\n", path, strerror(errno));
}

int rollup_span(const char *dir, const char *series, const struct rollup_span *span,
		const struct rollup_source *src, size_t n, const struct rollup_opts *o,
		enum rollup_result *result, struct rollup_stats *st)
{
	char rdir[PATH_MAX], name[ROLLUP_NAME_MAX], path[PATH_MAX + ROLLUP_NAME_MAX];
	struct strbuf header = STRBUF_INIT;
	struct rollup_out out;
	struct job j;
	int err;

	memset(st, 0, sizeof(*st));
	err = rollup_file_name(name, sizeof(name), series, span);
	if (err)
		return err;
	if ((size_t)snprintf(rdir, sizeof(rdir), "%s/%s", dir, ROLLUP_SUBDIR) >= sizeof(rdir))
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/%s", rdir, name);
	err = check_existing(path, src, n, o->force);
	if (err) {
		if (err < 0 && err != -EEXIST)
			return err;
		*result = err == 1 ? ROLLUP_CURRENT : ROLLUP_REFUSED;
		return 0;
	}
	err = job_init(&j, dir, series, span, o);
	if (err)
		goto out;
	log_set_warn_hook(record_warning, &j);
	for (size_t i = 0; i < n && !err; i++)
		err = read_source(&j, &src[i]);
	log_set_warn_hook(NULL, NULL);
	if (err)
		goto out;
	if (j.conflict || j.unreadable) {
		char when[21];

		ts_format_iso(span->start, when);
		if (j.conflict)
			pr_warn("rollup: %s: the %s files of the %s from %s name two sensors "
				"('%s', '%s'): not rolled up\n", dir, series,
				rollup_unit_name(span->unit), when, j.sensor, j.other_sensor);
		else
			pr_warn("rollup: %s: the %s of %s from %s: a file could not be read: "
				"not rolled up\n", dir, series, rollup_unit_name(span->unit), when);
		remove_stale(path);
		*result = ROLLUP_REFUSED;
		goto out;
	}
	st->rows_in = j.rows_in;
	st->runs = j.flows ? flow_collapse__runs(j.flows) : 0;
	st->warnings = j.n_warnings + j.more_warnings;
	err = build_header(&j, src, n, &header);
	if (err)
		goto out;
	err = rollup_out__open(&out, rdir, name, o->level);
	if (err)
		goto out;
	err = rollup_out__member(&out, header.buf, header.len);
	if (!err)
		err = write_rows(&j, &out, st);
	/* Runs written while finishing count too. */
	if (j.flows)
		st->runs = flow_collapse__runs(j.flows);
	if (!err)
		err = rollup_out__commit(&out);
	st->members = out.members;
	st->bytes = out.bytes;
	rollup_out__close(&out);
	if (!err)
		*result = ROLLUP_MADE;
out:
	if (err)
		pr_warn("rollup: %s: %s: %s\n", dir, name, strerror(-err));
	job_free(&j);
	strbuf__free(&header);
	return err;
}
