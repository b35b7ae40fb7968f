// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * net_table.c - the /24 table from report_engine.py's text: ranges and
 * prefixes painted onto one 16-bit entry per /24 (32 MiB each).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/net_table.h"
#include "analysis/py_int.h"
#include "util/huge_pages.h"
#include "util/log.h"

#define MAX_SHIFT 24

static int alloc_cc(struct net_table *t)
{
	t->cc = malloc(NET24_COUNT * sizeof(*t->cc));
	if (!t->cc)
		return -ENOMEM;
	huge_pages_advise(t->cc, NET24_COUNT * sizeof(*t->cc));
	memset(t->cc, 0xff, NET24_COUNT * sizeof(*t->cc));
	return 0;
}

int net_table__empty(struct net_table *t)
{
	*t = (struct net_table){ 0 };
	return alloc_cc(t);
}

void net_table__free(struct net_table *t)
{
	free(t->cc);
	free(t->scanner);
	free(t->codes);
	*t = (struct net_table){ 0 };
}

__u16 net_table__cc_index(const struct net_table *t, const char *code)
{
	for (size_t i = 0; i < t->n_cc; i++)
		if (!strcmp(t->codes[i], code))
			return i;
	return NET_NONE;
}

static bool parse_u64(const char *s, __u64 *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* The /24s whose first address lies in [start, end]. */
static void paint_range(struct net_table *t, __u64 start, __u64 end, __u16 cc)
{
	__u64 first = (start + 255) >> 8, last = end >> 8;

	for (__u64 n = first; n <= last && n < NET24_COUNT; n++)
		t->cc[n] = cc;
}

struct prefix {
	__u32 shift, key, scanner;
};

static int cmp_prefix(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	/* Widest first, so that longer prefixes paint over them. */
	return x->shift < y->shift ? 1 : x->shift > y->shift ? -1 : 0;
}

static int bad_line(const char *path, size_t lineno, const char *what)
{
	pr_warn("aggregate: %s:%zu: %s\n", path, lineno, what);
	return -EINVAL;
}

static int add_code(struct net_table *t, const char *code, size_t *cap)
{
	if (t->n_cc == *cap) {
		size_t c = *cap ? 2 * *cap : 256;
		char(*codes)[8] = realloc(t->codes, c * sizeof(*codes));

		if (!codes)
			return -ENOMEM;
		t->codes = codes;
		*cap = c;
	}
	snprintf(t->codes[t->n_cc++], sizeof(t->codes[0]), "%s", code);
	return 0;
}

int net_table__load(struct net_table *t, const char *path)
{
	struct prefix *prefixes = NULL;
	size_t n_prefixes = 0, cap_prefixes = 0, cap_codes = 0, lineno = 0;
	char line[512];
	FILE *f;
	int err;

	err = net_table__empty(t);
	if (err)
		return err;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		pr_warn("aggregate: %s: %s\n", path, strerror(errno));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		char *fields[5], *rest = line;
		size_t nf = 0;
		__u64 a, b, c;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		while (nf < 5 && (fields[nf] = strsep(&rest, "\t")))
			nf++;
		if (!strcmp(fields[0], "cc") && nf == 2) {
			err = add_code(t, fields[1], &cap_codes);
		} else if (!strcmp(fields[0], "range") && nf == 4) {
			if (!parse_u64(fields[1], &a) || !parse_u64(fields[2], &b) ||
			    !parse_u64(fields[3], &c) || c >= t->n_cc || a > b)
				err = bad_line(path, lineno, "bad range");
			else
				paint_range(t, a, b, c);
		} else if (!strcmp(fields[0], "scanners") && nf == 2) {
			if (!parse_u64(fields[1], &a) || a >= NET_NONE)
				err = bad_line(path, lineno, "bad scanner count");
			t->n_scanners = a;
		} else if (!strcmp(fields[0], "prefix") && nf == 4) {
			if (!parse_u64(fields[1], &a) || !parse_u64(fields[2], &b) ||
			    !parse_u64(fields[3], &c) || a > MAX_SHIFT || b >> (MAX_SHIFT - a) ||
			    c >= t->n_scanners) {
				err = bad_line(path, lineno, "bad prefix");
			} else if (n_prefixes == cap_prefixes) {
				size_t cap = cap_prefixes ? 2 * cap_prefixes : 64;
				struct prefix *v = realloc(prefixes, cap * sizeof(*v));

				if (!v) {
					err = -ENOMEM;
				} else {
					prefixes = v;
					cap_prefixes = cap;
				}
			}
			if (!err)
				prefixes[n_prefixes++] = (struct prefix){ a, b, c };
		} else if (fields[0][0] && fields[0][0] != '#') {
			err = bad_line(path, lineno, "unknown record");
		}
		if (err)
			goto out;
	}
	if (ferror(f)) {
		err = -EIO;
		pr_warn("aggregate: %s: read failed\n", path);
		goto out;
	}
	if (t->n_scanners) {
		t->scanner = malloc(NET24_COUNT * sizeof(*t->scanner));
		if (!t->scanner) {
			err = -ENOMEM;
			goto out;
		}
		huge_pages_advise(t->scanner, NET24_COUNT * sizeof(*t->scanner));
		memset(t->scanner, 0xff, NET24_COUNT * sizeof(*t->scanner));
		qsort(prefixes, n_prefixes, sizeof(*prefixes), cmp_prefix);
		for (size_t i = 0; i < n_prefixes; i++) {
			__u32 lo = prefixes[i].key << prefixes[i].shift;
			__u32 hi = lo + (1U << prefixes[i].shift);

			for (__u32 n = lo; n < hi; n++)
				t->scanner[n] = prefixes[i].scanner;
		}
	}
out:
	fclose(f);
	free(prefixes);
	if (err)
		net_table__free(t);
	return err;
}

bool net24_canonical(const char *s, size_t n, __u32 *net24)
{
	__u32 v = 0;
	size_t i = 0;

	for (int part = 0; part < 3; part++) {
		__u32 x = 0;
		size_t d = 0;

		while (i < n && s[i] >= '0' && s[i] <= '9' && d < 4) {
			x = x * 10 + (s[i++] - '0');
			d++;
		}
		/* One to three digits, no leading zero, at most 255, then a dot. */
		if (!d || d > 3 || (d > 1 && s[i - d] == '0') || x > 255 || i >= n || s[i] != '.')
			return false;
		v = v << 8 | x;
		i++;
	}
	if (n - i != 4 || memcmp(s + i, "0/24", 4))
		return false;
	*net24 = v;
	return true;
}

bool net24_of(const char *s, size_t n, __u32 *v, bool *in_range)
{
	const char *slash = memchr(s, '/', n);
	size_t len = slash ? (size_t)(slash - s) : n, start = 0;
	__s64 part[3];
	bool ok = true, big = false;
	int k = 0;

	/* Exactly four parts: a, b, c and a fourth Python never converts. */
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (k < 3) {
			enum py_int_result r = py_int_parse(s + start, i - start, &part[k]);

			if (r == PY_INT_BAD)
				ok = false;
			else if (r == PY_INT_BIG_NEG)
				part[k] = -1;
			else if (r == PY_INT_BIG_POS)
				big = true;
		}
		k++;
		start = i + 1;
	}
	if (k != 4 || !ok)
		return false;
	/* Negative parts give a negative number, huge ones one past 2^24:
	 * either way no /24 (Python's bisect and dict lookups find nothing). */
	*in_range = !big && part[0] >= 0 && part[1] >= 0 && part[2] >= 0 && part[0] < 256 &&
		    part[1] < 65536 && part[2] < (1 << 24);
	*v = 0;
	if (*in_range) {
		__u64 x = (__u64)part[0] << 16 | (__u64)part[1] << 8 | (__u64)part[2];

		*in_range = x < NET24_COUNT;
		*v = x;
	}
	return true;
}
