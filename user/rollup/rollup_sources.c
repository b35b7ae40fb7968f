// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * rollup_sources.c - a directory's raw series files, and the "# source:"
 * lines that record them in a rollup.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "rollup/rollup_sources.h"
#include "util/log.h"
#include "util/timeutil.h"

#define SOURCE_PREFIX "# source: "

static int add_source(struct source_set *s, const char *name, __u64 hour, __u64 size)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct rollup_source *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	snprintf(s->v[s->n].name, sizeof(s->v[s->n].name), "%s", name);
	s->v[s->n].hour = hour;
	s->v[s->n].size = size;
	s->n++;
	return 0;
}

static int cmp_hour(const void *a, const void *b)
{
	const struct rollup_source *x = a, *y = b;

	return (x->hour > y->hour) - (x->hour < y->hour);
}

int source_set__scan(struct source_set *s, const char *dir, const char *series)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int err = 0;

	if (!d) {
		err = -errno;
		pr_warn("rollup: %s: %s\n", dir, strerror(-err));
		return err;
	}
	while (!err && (e = readdir(d))) {
		char path[4096], name_series[64];
		struct stat st;
		__u64 hour;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= ROLLUP_NAME_MAX ||
		    ts_hour_file_parse(e->d_name, name_series, sizeof(name_series), &hour) ||
		    strcmp(name_series, series))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path) ||
		    stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		err = add_source(s, e->d_name, hour, st.st_size);
	}
	closedir(d);
	if (!err)
		qsort(s->v, s->n, sizeof(*s->v), cmp_hour);
	return err;
}

void source_set__free(struct source_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

void source_set__span(const struct source_set *s, const struct rollup_span *span, size_t *lo,
		      size_t *hi)
{
	__u64 end = span->start + rollup_unit_seconds(span->unit);
	size_t i = 0;

	while (i < s->n && s->v[i].hour < span->start)
		i++;
	*lo = i;
	while (i < s->n && s->v[i].hour < end)
		i++;
	*hi = i;
}

int sources_record(struct strbuf *sb, const struct rollup_source *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = strbuf__appendf(sb, SOURCE_PREFIX "%s %llu\n", v[i].name,
					  (unsigned long long)v[i].size);

		if (err)
			return err;
	}
	return 0;
}

int sources_parse(const char *header, struct source_set *recorded)
{
	const char *line = header;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		size_t plen = strlen(SOURCE_PREFIX);
		char text[ROLLUP_NAME_MAX + 32], name[ROLLUP_NAME_MAX];
		unsigned long long size;
		char extra;

		if (len > plen && len - plen < sizeof(text) &&
		    !strncmp(line, SOURCE_PREFIX, plen)) {
			memcpy(text, line + plen, len - plen);
			text[len - plen] = '\0';
			if (sscanf(text, "%63s %llu%c", name, &size, &extra) == 2) {
				int err = add_source(recorded, name, 0, size);

				if (err)
					return err;
			}
		}
		line += len + (end != NULL);
	}
	return 0;
}

static const struct rollup_source *find_name(const struct rollup_source *v, size_t n,
					     const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

bool sources_cover(const struct source_set *recorded, const struct rollup_source *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct rollup_source *r = find_name(recorded->v, recorded->n, v[i].name);

		if (!r || r->size != v[i].size)
			return false;
	}
	return true;
}

const struct rollup_source *sources_gone(const struct source_set *recorded,
					 const struct rollup_source *v, size_t n)
{
	for (size_t i = 0; i < recorded->n; i++)
		if (!find_name(v, n, recorded->v[i].name))
			return &recorded->v[i];
	return NULL;
}

int rollup_header_read(const char *path, struct strbuf *out, size_t max)
{
	unsigned char in[16384];
	z_stream zs = { 0 };
	int fd, ret = Z_OK, err = 0;
	ssize_t n;

	strbuf__reset(out);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (strbuf__reserve(out, max + 1) || inflateInit2(&zs, 15 + 16) != Z_OK) {
		close(fd);
		return -ENOMEM;
	}
	while (ret == Z_OK && out->len < max) {
		if (!zs.avail_in) {
			n = read(fd, in, sizeof(in));
			if (n <= 0) {
				err = n < 0 ? -errno : -EBADMSG;
				break;
			}
			zs.next_in = in;
			zs.avail_in = n;
		}
		zs.next_out = (Bytef *)out->buf + out->len;
		zs.avail_out = max - out->len;
		ret = inflate(&zs, Z_NO_FLUSH);
		out->len = (char *)zs.next_out - out->buf;
	}
	if (!err && ret != Z_STREAM_END && ret != Z_OK)
		err = -EBADMSG;
	inflateEnd(&zs);
	close(fd);
	strbuf__cstr(out);
	return err;
}
