// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * agg_files.c - the files each pass reads, as report_engine.py lists them
 * (the Python report chose them: raw hours or rollups, duplicates left
 * out), one a line, in the order the Python reader would merge them:
 *
 *   PASS <TAB> START <TAB> END <TAB> FALLBACK-HEX <TAB> PATH-HEX
 *
 * PASS: ports-current, ports-previous, sensor-current, flows-previous or
 * flows-current.  START: the least ts the file can hold (its hour, 0 when
 * unknown), END: one past the last (0: unknown).  FALLBACK: the sensor name
 * for rows without "# sensor:".  Names travel as hex, any bytes allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/agg_internal.h"
#include "util/log.h"

static const char *const pass_names[P_N] = {
	[P_PORTS_CUR] = "ports-current",   [P_PORTS_PREV] = "ports-previous",
	[P_SENSOR] = "sensor-current",     [P_FLOWS_PREV] = "flows-previous",
	[P_FLOWS_CUR] = "flows-current",   [P_SOURCES] = "flows-sources",
};

const char *agg_pass_name(enum agg_pass pass)
{
	return pass < P_N ? pass_names[pass] : "?";
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex text -> malloc'd bytes (NUL-terminated too); NULL when not hex. */
static char *unhex(const char *s, size_t *len)
{
	size_t n = strlen(s);
	char *out;

	if (n % 2)
		return NULL;
	out = malloc(n / 2 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[i] = hi << 4 | lo;
	}
	out[n / 2] = '\0';
	*len = n / 2;
	return out;
}

static int parse_s64(const char *s, __s64 *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return !*s || *end || errno ? -EINVAL : 0;
}

static int add_file(struct agg_list *l, struct agg_file *f)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct agg_file *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *f;
	return 0;
}

int agg_files__load(struct agg *a, const char *path)
{
	FILE *in = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int err = 0;

	if (!in) {
		err = -errno;
		pr_warn("aggregate: %s: %s\n", path, strerror(errno));
		return err;
	}
	while ((n = getline(&line, &cap, in)) > 0) {
		char *field[5], *rest = line;
		struct agg_file f = { 0 };
		struct stat st;
		size_t nf = 0, path_len;
		int pass;

		lineno++;
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (!line[0])
			continue;
		while (nf < 5 && (field[nf] = strsep(&rest, "\t")))
			nf++;
		for (pass = 0; pass < P_SOURCES; pass++)
			if (nf == 5 && !strcmp(field[0], pass_names[pass]))
				break;
		if (pass == P_SOURCES || rest || parse_s64(field[1], &f.start) ||
		    parse_s64(field[2], &f.end) ||
		    !(f.fallback = unhex(field[3], &f.fallback_len)) ||
		    !(f.path = unhex(field[4], &path_len)) || strlen(f.path) != path_len) {
			pr_warn("aggregate: %s:%zu: expected PASS, START, END, FALLBACK-HEX, PATH-HEX\n",
				path, lineno);
			free(f.fallback);
			free(f.path);
			err = -EINVAL;
			break;
		}
		if (!stat(f.path, &st))
			f.size = st.st_size;
		err = add_file(&a->files[pass], &f);
		if (err) {
			free(f.fallback);
			free(f.path);
			break;
		}
	}
	if (!err && ferror(in)) {
		pr_warn("aggregate: %s: read failed\n", path);
		err = -EIO;
	}
	free(line);
	fclose(in);
	return err;
}

void agg_files__free(struct agg *a)
{
	for (int p = 0; p < P_N; p++) {
		for (size_t i = 0; i < a->files[p].n; i++) {
			free(a->files[p].v[i].path);
			free(a->files[p].v[i].fallback);
		}
		free(a->files[p].v);
		a->files[p] = (struct agg_list){ 0 };
	}
}
