/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * net_table.h - what the report knows of a source /24: its country and the
 * known scanner sending from it, as the Python report decides them
 * (report_netinfo.py: regions.RegionDB.lookup of the /24's first address,
 * known_scanners.KnownScanners.match_net24, longest prefix first).
 *
 * report_engine.py writes the table as text, one record a line:
 *   cc <TAB> CODE                      country index = order of the cc lines
 *   range <TAB> START <TAB> END <TAB> CC-INDEX   addresses, both included
 *   scanners <TAB> COUNT
 *   prefix <TAB> SHIFT <TAB> KEY <TAB> SCANNER   /24s (net24 >> SHIFT) == KEY
 * and this side spreads it over one entry per /24 (2^24 of them).
 */
#ifndef __DARKSCOPE_NET_TABLE_H
#define __DARKSCOPE_NET_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define NET24_COUNT (1U << 24)
/* No country, no scanner. */
#define NET_NONE 0xffff

struct net_table {
	__u16 *cc;          /* [NET24_COUNT]: country index or NET_NONE */
	__u16 *scanner;     /* [NET24_COUNT] or NULL without scanners */
	char (*codes)[8];   /* country codes, NUL-terminated */
	size_t n_cc;
	size_t n_scanners;
};

/* Load path (format above); 0, -ENOMEM, or -EINVAL after a message naming
 * the file and line. */
int net_table__load(struct net_table *t, const char *path);
/* An empty table (no countries, no scanners): every source is unknown. */
int net_table__empty(struct net_table *t);
void net_table__free(struct net_table *t);
/* Index of a country code, or NET_NONE. */
__u16 net_table__cc_index(const struct net_table *t, const char *code);

/* The writer's spelling of a /24, "a.b.c.0/24" without leading zeros:
 * true and *net24 set; other text is looked up by net24_of() below. */
bool net24_canonical(const char *s, size_t n, __u32 *net24);

/* Python's known_scanners.net24_of(): the part before the first "/" must
 * have four dot-separated parts, the first three int() values a, b, c;
 * *v = a << 16 | b << 8 | c.  false: malformed (Python raises ValueError).
 * *in_range: v is a /24 number (0 <= v < 2^24), the only values with a
 * country or a scanner. */
bool net24_of(const char *s, size_t n, __u32 *v, bool *in_range);

#endif /* __DARKSCOPE_NET_TABLE_H */
