/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * series_format.h - one drained interval as TSV rows of the three series
 * (flows, ports, sensor); docs/FORMAT.md is the specification.  The column
 * lists are tab-separated with no trailing newline, ready for the header.
 */
#ifndef __DARKSCOPE_SERIES_FORMAT_H
#define __DARKSCOPE_SERIES_FORMAT_H

#include <stddef.h>
#include <linux/types.h>
#include "series/interval.h"
#include "util/strbuf.h"

/* Version in "# darkscope-series: <series> <version>"; bumped only for
 * changes old readers would misread (adding a column is not one). */
#define SERIES_FORMAT_VERSION 1

extern const char FLOWS_COLUMNS[];
extern const char PORTS_COLUMNS[];
extern const char SENSOR_COLUMNS[];

/* Column list of a series by name ("flows", "ports", "sensor"), or NULL. */
const char *series_columns(const char *series);

/* A flow row's place in the output order and its index: rows sorted
 * without moving them. */
struct flow_order {
	__u64 key;   /* flow_order_key() */
	__u64 index;
};

/* The (proto, dport, source address) order as one number: proto << 40 |
 * dport << 24 | the /24's 24 bits. */
__u64 flow_order_key(const struct ds_flow_key *k);
/* Sort e[0..n) by key, stable and O(n), using tmp (n entries); returns
 * whichever of the two holds the result. */
struct flow_order *flow_order_sort(struct flow_order *e, struct flow_order *tmp, size_t n);

/* Append one line per row, in (proto, dport, source address) order; rows
 * are left as they are.  0 or -ENOMEM. */
int format_flow_rows(struct strbuf *sb, __u64 ts, const struct flow_row *rows, size_t n);
/* The same, its sort's memory kept in scratch from call to call (the
 * daemon's writer: a fresh 2 x 16 bytes per row each interval is paid in
 * page faults). */
int format_flow_rows_with(struct strbuf *sb, struct strbuf *scratch, __u64 ts,
			  const struct flow_row *rows, size_t n);
/* Sort rows in place by (proto, port), then append one line per row with
 * packets != 0; 0 or -ENOMEM. */
int format_port_rows(struct strbuf *sb, __u64 ts, struct port_row *rows, size_t n);
/* Append the interval's sensor line: d's times and counters, row's figures;
 * 0 or -ENOMEM. */
int format_sensor_row(struct strbuf *sb, const struct interval_data *d,
		      const struct sensor_row *row);

/* Field formatters: write at p, no NUL, return the end. */
char *fmt_u64(char *p, __u64 v);
/* The hosts set in a bitmap, ascending: "[0,17,255]", "[]" when none. */
char *fmt_host_bitmap(char *p, const __u64 words[DS_HOST_WORDS]);
/* "a.b.c.0/24" of a network-order /24; at most 18 bytes. */
char *fmt_net24(char *p, __be32 net);
/* "tcp", "udp", "icmp"; NULL for anything else. */
const char *proto_name(unsigned int proto);

#endif /* __DARKSCOPE_SERIES_FORMAT_H */
