// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ts_reader.c - series files, member by member.
 *
 * inflate (gzip auto-detected) runs until Z_STREAM_END, then inflateReset()
 * and on with the remaining input: one member's text is held at a time.  Its
 * lines are split in place (tabs and newlines become NULs), so values are C
 * strings pointing into the member buffer.
 */
#define ZLIB_CONST
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "util/log.h"
#include "series/series_format.h"
#include "util/strbuf.h"
#include "series/ts_reader.h"

/* Compressed bytes read per read(). */
#define IN_CHUNK (256U << 10)
/* Room added to the member buffer before each inflate() call, and the most
 * offered to one call (zlib counts in uInt). */
#define OUT_STEP (256U << 10)
#define OUT_STEP_MAX (1U << 30)

struct ts_reader {
	char *path;
	int fd;
	z_stream zs;
	unsigned char *in;        /* IN_CHUNK bytes of compressed input */
	__u64 in_total;           /* compressed bytes read so far */
	__u64 member_start;       /* file offset of the member text holds */
	struct strbuf text;       /* the current member, inflated */
	size_t pos;               /* start of the next line in text */
	int status;               /* 1 while rows may follow; then 0 or -errno */
	bool truncated;
	struct strbuf header;     /* the latest column-header line, split */
	const char **columns;     /* names in header, n_columns of them */
	size_t n_columns, cap_columns;
	int ts_column;
	const char *const *want;  /* ts_reader__select() */
	int *want_index;          /* column of each wanted name, or -1 */
	size_t n_want;
	char **fields;            /* the current row, split */
	size_t n_fields, cap_fields;
	__u64 ts;
	struct ts_reader_meta meta;
};

struct ts_reader *ts_reader__open(const char *path)
{
	struct ts_reader *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return NULL;
	r->fd = -1;
	r->status = 1;
	r->ts_column = -1;
	r->path = strdup(path);
	r->in = malloc(IN_CHUNK);
	if (!r->path || !r->in) {
		err = -ENOMEM;
		goto fail;
	}
	/* 15 + 32: gzip or zlib header, detected per member. */
	if (inflateInit2(&r->zs, 15 + 32) != Z_OK) {
		err = -ENOMEM;
		goto fail;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		err = -errno;
		inflateEnd(&r->zs);
		goto fail;
	}
	return r;
fail:
	free(r->in);
	free(r->path);
	free(r);
	errno = -err;
	return NULL;
}

void ts_reader__close(struct ts_reader *r)
{
	if (!r)
		return;
	close(r->fd);
	inflateEnd(&r->zs);
	strbuf__free(&r->text);
	strbuf__free(&r->header);
	free(r->columns);
	free(r->want_index);
	free(r->fields);
	free(r->in);
	free(r->path);
	free(r);
}

static int fill_input(struct ts_reader *r)
{
	ssize_t n;

	do
		n = read(r->fd, r->in, IN_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r->zs.next_in = r->in;
	r->zs.avail_in = n;
	r->in_total += n;
	return 0;
}

/* Inflate the next member into text: 1 when one is complete, 0 at the end
 * of the file (after warning about a truncated member), or -errno. */
static int read_member(struct ts_reader *r)
{
	__u64 start = r->in_total - r->zs.avail_in;
	size_t room;
	int ret, err;

	strbuf__reset(&r->text);
	r->pos = 0;
	for (;;) {
		if (!r->zs.avail_in) {
			err = fill_input(r);
			if (err) {
				pr_warn("%s: read failed: %s\n", r->path, strerror(-err));
				return err;
			}
			if (!r->zs.avail_in)
				break;
		}
		err = strbuf__reserve(&r->text, OUT_STEP);
		if (err)
			return err;
		room = r->text.cap - r->text.len - 1;
		r->zs.next_out = (Bytef *)r->text.buf + r->text.len;
		r->zs.avail_out = room < OUT_STEP_MAX ? room : OUT_STEP_MAX;
		ret = inflate(&r->zs, Z_NO_FLUSH);
		r->text.len = (char *)r->zs.next_out - r->text.buf;
		if (ret == Z_STREAM_END) {
			inflateReset(&r->zs);
			r->member_start = start;
			return 1;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			pr_warn("%s: corrupt member at byte %llu (%s): rest of file skipped\n",
				r->path, (unsigned long long)start,
				r->zs.msg ? r->zs.msg : "bad data");
			return -EBADMSG;
		}
	}
	/* End of file: clean only if no byte of a new member was read. */
	if (r->in_total != start) {
		r->truncated = true;
		pr_warn("%s: truncated member at byte %llu (%llu bytes present): discarded\n",
			r->path, (unsigned long long)start,
			(unsigned long long)(r->in_total - start));
	}
	return 0;
}

static bool parse_decimal(const char *s, __u64 *out)
{
	__u64 v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (~0ULL - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* Split a NUL-terminated line at tabs, in place. */
static int split_fields(struct ts_reader *r, char *line)
{
	r->n_fields = 0;
	for (;;) {
		char *tab = strchr(line, '\t');

		if (r->n_fields == r->cap_fields) {
			size_t cap = r->cap_fields ? 2 * r->cap_fields : 32;
			char **fields = realloc(r->fields, cap * sizeof(*fields));

			if (!fields)
				return -ENOMEM;
			r->fields = fields;
			r->cap_fields = cap;
		}
		r->fields[r->n_fields++] = line;
		if (!tab)
			return 0;
		*tab = '\0';
		line = tab + 1;
	}
}

int ts_reader__column(const struct ts_reader *r, const char *name)
{
	for (size_t i = 0; i < r->n_columns; i++)
		if (!strcmp(r->columns[i], name))
			return i;
	return -ENOENT;
}

static void map_selection(struct ts_reader *r)
{
	for (size_t i = 0; i < r->n_want; i++)
		r->want_index[i] = ts_reader__column(r, r->want[i]);
}

int ts_reader__select(struct ts_reader *r, const char *const *names, size_t n)
{
	int *index = calloc(n ? n : 1, sizeof(*index));

	if (!index)
		return -ENOMEM;
	free(r->want_index);
	r->want_index = index;
	r->want = names;
	r->n_want = n;
	map_selection(r);
	return 0;
}

/* A column-header line (already split into fields) replaces the column map. */
static int set_columns(struct ts_reader *r)
{
	int err;

	strbuf__reset(&r->header);
	for (size_t i = 0; i < r->n_fields; i++) {
		err = strbuf__append(&r->header, r->fields[i], strlen(r->fields[i]) + 1);
		if (err)
			return err;
	}
	if (r->n_fields > r->cap_columns) {
		const char **columns = realloc(r->columns, r->n_fields * sizeof(*columns));

		if (!columns)
			return -ENOMEM;
		r->columns = columns;
		r->cap_columns = r->n_fields;
	}
	/* Point into header only now: the appends above may have moved it. */
	for (size_t i = 0, off = 0; i < r->n_fields; i++) {
		r->columns[i] = r->header.buf + off;
		off += strlen(r->columns[i]) + 1;
	}
	r->n_columns = r->n_fields;
	r->ts_column = ts_reader__column(r, "ts");
	map_selection(r);
	return 0;
}

static void copy_value(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* "# key: value" lines of a header; other comments are ignored. */
static int parse_comment(struct ts_reader *r, const char *line)
{
	struct ts_reader_meta *m = &r->meta;
	unsigned int version;
	char series[32];
	__u64 v;

	if (!strncmp(line, "# darkscope-series: ", 20)) {
		if (sscanf(line + 20, "%31s %u", series, &version) != 2 || !version) {
			pr_warn("%s: malformed line '%s'\n", r->path, line);
			return -EBADMSG;
		}
		if (version > SERIES_FORMAT_VERSION) {
			pr_warn("%s: format version %u is newer than this darkscope reads (%d)\n",
				r->path, version, SERIES_FORMAT_VERSION);
			return -EPROTONOSUPPORT;
		}
		memcpy(m->series, series, sizeof(series));
		m->format_version = version;
	} else if (!strncmp(line, "# sensor: ", 10)) {
		copy_value(m->sensor, sizeof(m->sensor), line + 10);
	} else if (!strncmp(line, "# iface: ", 9)) {
		copy_value(m->iface, sizeof(m->iface), line + 9);
	} else if (!strncmp(line, "# interval: ", 12)) {
		if (parse_decimal(line + 12, &v) && v <= ~0U)
			m->interval = v;
	} else if (!strncmp(line, "# version: ", 11)) {
		copy_value(m->version, sizeof(m->version), line + 11);
	} else if (!strncmp(line, "# started: ", 11)) {
		copy_value(m->started, sizeof(m->started), line + 11);
	}
	return 0;
}

/* Handle one line: 1 if it is a data row, 0 if not, -errno. */
static int take_line(struct ts_reader *r, char *line)
{
	int err;

	if (!*line)
		return 0;
	if (*line == '#')
		return parse_comment(r, line);
	err = split_fields(r, line);
	if (err)
		return err;
	/* Every series starts with ts; a data row has a number there. */
	if (!strcmp(r->fields[0], "ts")) {
		err = set_columns(r);
		return err ? err : 0;
	}
	if (r->ts_column < 0) {
		pr_warn("%s: data row before any column header in the member at byte %llu: "
			"rest of file skipped\n", r->path, (unsigned long long)r->member_start);
		return -EBADMSG;
	}
	if ((size_t)r->ts_column >= r->n_fields ||
	    !parse_decimal(r->fields[r->ts_column], &r->ts)) {
		pr_warn("%s: row with a bad ts value in the member at byte %llu: rest of file "
			"skipped\n", r->path, (unsigned long long)r->member_start);
		return -EBADMSG;
	}
	return 1;
}

int ts_reader__next(struct ts_reader *r)
{
	while (r->status == 1) {
		char *line, *end;
		int ret;

		if (r->pos >= r->text.len) {
			ret = read_member(r);
			if (ret <= 0)
				r->status = ret;
			continue;
		}
		line = r->text.buf + r->pos;
		end = memchr(line, '\n', r->text.len - r->pos);
		/* A last line without '\n' ends at len; buf has a spare byte. */
		if (!end)
			end = r->text.buf + r->text.len;
		*end = '\0';
		r->pos = end - r->text.buf + 1;
		ret = take_line(r, line);
		if (ret < 0)
			r->status = ret;
		else if (ret == 1)
			return 1;
	}
	return r->status;
}

__u64 ts_reader__ts(const struct ts_reader *r)
{
	return r->ts;
}

const char *ts_reader__value(const struct ts_reader *r, size_t i)
{
	int col = i < r->n_want ? r->want_index[i] : -1;

	return col >= 0 && (size_t)col < r->n_fields ? r->fields[col] : NULL;
}

const struct ts_reader_meta *ts_reader__meta(const struct ts_reader *r)
{
	return &r->meta;
}

bool ts_reader__truncated(const struct ts_reader *r)
{
	return r->truncated;
}

__u64 ts_reader__member_start(const struct ts_reader *r)
{
	return r->member_start;
}

const char *ts_reader__path(const struct ts_reader *r)
{
	return r->path;
}
