/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * interval.h - one drained interval, summed over CPUs: what drain.c fills in
 * and series_format.c turns into rows; and the sensor row's own figures.
 */
#ifndef __DARKSCOPE_INTERVAL_H
#define __DARKSCOPE_INTERVAL_H

#include <stddef.h>
#include <linux/types.h>
#include "darkscope.h"

/* One flow key with its values summed (counts) and ORed (host bitmaps)
 * over all CPUs. */
struct flow_row {
	struct ds_flow_key key;
	struct ds_flow_value val;
};

/* Adds one CPU's (or interval's) values into dst: counts add, host
 * bitmaps OR, so the result is exact for distinct sources too. */
static inline void flow_value_merge(struct ds_flow_value *dst, const struct ds_flow_value *src)
{
	int w;

	dst->packets += src->packets;
	dst->syn += src->syn;
	dst->mirai += src->mirai;
	for (w = 0; w < DS_HOST_WORDS; w++) {
		dst->src_hosts[w] |= src->src_hosts[w];
		dst->mirai_hosts[w] |= src->mirai_hosts[w];
	}
}

static inline void port_value_merge(struct ds_port_value *dst, const struct ds_port_value *src)
{
	dst->packets += src->packets;
	dst->syn += src->syn;
	dst->mirai += src->mirai;
}

/* One non-zero (proto, port) total. */
struct port_row {
	__u8 proto;  /* enum ds_proto_idx */
	__u8 pad;
	__u16 port;  /* host order; ICMP: type */
	__u32 pad2;
	struct ds_port_value val;
};

struct interval_data {
	__u64 ts;        /* start of the interval's slot, UTC unix seconds */
	__u64 start_ms;  /* when this epoch began collecting, UTC unix ms */
	__u64 end_ms;    /* when it stopped (the epoch flip), UTC unix ms */
	struct flow_row *flows;
	size_t n_flows, cap_flows;
	struct port_row *ports;
	size_t n_ports, cap_ports;
	__u64 counters[DS_CTR_MAX]; /* summed over CPUs */
};

/* The sensor series' figures about handling an interval, beside what was
 * drained: the daemon's own, filled in by sensor.c. */
struct sensor_row {
	__u64 max_keys;      /* flow map capacity per epoch */
	__u64 drain_us;      /* flip + drain time */
	__u64 write_us;      /* format + compress + write time of this interval's
			      * flows and ports members */
	__u64 write_errors;  /* failed member writes so far, all series (ts_writer) */
	__u64 write_dropped; /* members given up on so far (pending queue full) */
	/* Capture, over this interval (0 without --capture). */
	__u64 captured;              /* frames read from the capture sockets */
	__u64 capture_dropped;       /* frames the kernel could not queue to them */
	__u64 capture_write_dropped; /* frames read but lost writing pcap files */
};

#endif /* __DARKSCOPE_INTERVAL_H */
