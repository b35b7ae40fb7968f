// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ts_writer.c - hourly gzip series files, one gzip member per append.
 *
 * Members are compressed in memory and appended whole (util/member_file.h).
 * If the write fails (ENOSPC, EIO, EFBIG) the file is truncated back, so it
 * only ever holds whole members, and the member waits in a bounded FIFO.
 * Pending members carry their hour, so a retry lands in the file the rows
 * belong to.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/gz_out.h"
#include "util/log.h"
#include "util/member_file.h"
#include "series/series_format.h"
#include "util/strbuf.h"
#include "util/timeutil.h"
#include "series/ts_writer.h"

#define HOUR 3600
#define SERIES_NAME_MAX 32
/* Longest file name: "<series>-YYYY-MM-DDTHH.tsv.gz". */
#define FILE_NAME_MAX (SERIES_NAME_MAX + 21)

struct pending_member {
	struct pending_member *next;
	__u64 hour; /* first second of the hour file it belongs to */
	size_t len;
	unsigned char data[];
};

struct ts_writer {
	char dir[PATH_MAX];
	char series[SERIES_NAME_MAX];
	struct member_file file;   /* the hour file open, if any */
	__u64 file_hour;           /* its hour */
	bool need_header;          /* its header member not written yet */
	struct gz_out gz;          /* gzip member compressor, reused */
	struct strbuf header;      /* the compressed header member */
	struct strbuf member;      /* the member being appended */
	struct pending_member *head, *tail;
	size_t pending_members, pending_bytes, pending_limit;
	__u64 write_errors, dropped_members;
};

static bool is_series_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= SERIES_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* A header value must stay on its line. */
static bool is_header_value(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int build_header(struct ts_writer *w, const char *columns, const struct ts_writer_meta *m)
{
	struct strbuf text = STRBUF_INIT;
	char started[21];
	int err;

	ts_format_iso(m->started, started);
	err = strbuf__appendf(&text,
			      "# darkscope-series: %s %d\n# sensor: %s\n# iface: %s\n"
			      "# interval: %u\n# version: %s\n# started: %s\n%s\n",
			      w->series, SERIES_FORMAT_VERSION, m->sensor, m->iface, m->interval,
			      m->version, started, columns);
	if (!err)
		err = gz_out__member(&w->gz, text.buf, text.len, &w->header);
	strbuf__free(&text);
	return err;
}

struct ts_writer *ts_writer__open(const char *dir, const char *series, const char *columns,
				  const struct ts_writer_meta *meta)
{
	struct ts_writer *w;
	int err;

	if (!is_series_name(series) || strncmp(columns, "ts", 2) ||
	    (columns[2] && columns[2] != '\t') || strchr(columns, '\n') ||
	    !is_header_value(meta->sensor) || !is_header_value(meta->iface) ||
	    !is_header_value(meta->version) || meta->level < 0 || meta->level > 9) {
		pr_warn("%s writer: invalid series name, columns or header values\n", series);
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	err = output_dir_prepare(dir, 0755, "output", FILE_NAME_MAX);
	if (err)
		goto err_free;
	strcpy(w->dir, dir);
	strcpy(w->series, series);
	member_file__init(&w->file, "series");
	w->pending_limit = TS_WRITER_PENDING_LIMIT;
	err = gz_out__init(&w->gz, meta->level);
	if (err)
		goto err_free;
	err = build_header(w, columns, meta);
	if (err)
		goto err_gz;
	return w;

err_gz:
	gz_out__free(&w->gz);
	strbuf__free(&w->header);
err_free:
	free(w);
	errno = -err;
	return NULL;
}

/* Have the file of hour open; a file newly opened needs a header. */
static int open_hour_file(struct ts_writer *w, __u64 hour)
{
	char name[FILE_NAME_MAX];
	int err;

	if (w->file.fd >= 0 && w->file_hour == hour)
		return 0;
	member_file__close(&w->file);
	err = ts_hour_file_name(name, sizeof(name), w->series, hour);
	if (err)
		return err;
	err = member_file__open(&w->file, w->dir, name);
	if (err) {
		w->write_errors++;
		return err;
	}
	w->file_hour = hour;
	w->need_header = true;
	return 0;
}

/* One member onto the file, or nothing: a failed write is truncated away. */
static int write_member(struct ts_writer *w, const void *data, size_t len)
{
	int err = member_file__append(&w->file, data, len);

	if (err)
		w->write_errors++;
	return err;
}

static int write_to_hour_file(struct ts_writer *w, __u64 hour, const void *data, size_t len)
{
	int err = open_hour_file(w, hour);

	if (err)
		return err;
	if (w->need_header) {
		err = write_member(w, w->header.buf, w->header.len);
		if (err)
			return err;
		w->need_header = false;
	}
	return write_member(w, data, len);
}

/* Unlink the oldest pending member; the caller frees it. */
static struct pending_member *pop_pending(struct ts_writer *w)
{
	struct pending_member *m = w->head;

	w->head = m->next;
	if (!w->head)
		w->tail = NULL;
	w->pending_members--;
	w->pending_bytes -= m->len;
	return m;
}

static void drop_oldest(struct ts_writer *w)
{
	struct pending_member *m = pop_pending(w);
	char when[21];

	w->dropped_members++;
	ts_format_iso(m->hour, when);
	pr_warn("%s: dropped a pending member of hour %s (%zu bytes)\n", w->series, when,
		m->len);
	free(m);
}

/* Queue a copy of the member being appended, dropping the oldest over the limit. */
static int queue_member(struct ts_writer *w, __u64 hour)
{
	size_t len = w->member.len;
	struct pending_member *m;

	while (w->head && w->pending_bytes + len > w->pending_limit)
		drop_oldest(w);
	if (len > w->pending_limit) {
		w->dropped_members++;
		pr_warn("%s: member of %zu bytes exceeds the pending limit: dropped\n", w->series,
			len);
		return -ENOBUFS;
	}
	m = malloc(sizeof(*m) + len);
	if (!m) {
		w->dropped_members++;
		pr_warn("%s: no memory to keep a pending member: dropped\n", w->series);
		return -ENOMEM;
	}
	m->next = NULL;
	m->hour = hour;
	m->len = len;
	memcpy(m->data, w->member.buf, len);
	if (w->tail)
		w->tail->next = m;
	else
		w->head = m;
	w->tail = m;
	w->pending_members++;
	w->pending_bytes += len;
	return 0;
}

int ts_writer__flush_pending(struct ts_writer *w)
{
	size_t written = 0;

	while (w->head) {
		int err = write_to_hour_file(w, w->head->hour, w->head->data, w->head->len);

		if (err)
			return err;
		free(pop_pending(w));
		written++;
	}
	if (written)
		pr_info("%s: wrote %zu pending member%s after earlier write failures\n", w->series,
			written, written == 1 ? "" : "s");
	return 0;
}

int ts_writer__append(struct ts_writer *w, __u64 ts, const void *text, size_t len)
{
	__u64 hour = ts - ts % HOUR;
	int err;

	/* No rows, no member (and no file for a quiet hour). */
	if (!len)
		return ts_writer__flush_pending(w);
	err = gz_out__member(&w->gz, text, len, &w->member);
	if (err) {
		w->dropped_members++;
		pr_warn("%s: cannot compress a member: %s\n", w->series, strerror(-err));
		return err;
	}
	/* The common case writes straight from the compression buffer. */
	if (!w->head) {
		err = write_to_hour_file(w, hour, w->member.buf, w->member.len);
		if (err)
			queue_member(w, hour);
		return err;
	}
	err = queue_member(w, hour);
	if (err)
		return err;
	return ts_writer__flush_pending(w);
}

int ts_writer__reopen(struct ts_writer *w)
{
	return member_file__close(&w->file);
}

void ts_writer__stats(const struct ts_writer *w, __u64 *write_errors, __u64 *dropped_members)
{
	*write_errors = w->write_errors;
	*dropped_members = w->dropped_members;
}

void ts_writer__pending(const struct ts_writer *w, size_t *members, size_t *bytes)
{
	*members = w->pending_members;
	*bytes = w->pending_bytes;
}

void ts_writer__set_pending_limit(struct ts_writer *w, size_t bytes)
{
	w->pending_limit = bytes;
}

void ts_writer__close(struct ts_writer *w)
{
	if (!w)
		return;
	if (ts_writer__flush_pending(w))
		pr_warn("%s: %zu pending members (%zu bytes) lost at close\n", w->series,
			w->pending_members, w->pending_bytes);
	while (w->head)
		free(pop_pending(w));
	member_file__close(&w->file);
	gz_out__free(&w->gz);
	strbuf__free(&w->header);
	strbuf__free(&w->member);
	free(w);
}
