/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * darkscope.h - what the XDP program and userspace share: map keys and
 * values, counter indexes, limits.  Included by bpf/ and user/ alike, so it
 * includes nothing itself: the includer provides __u8..__u64 and __be16/__be32
 * (<linux/types.h>).  Every struct's size is pinned with _Static_assert.
 */
#ifndef __DARKSCOPE_H
#define __DARKSCOPE_H

#define DS_VERSION "0.1.0"

/*
 * Protocols, in index order: X(NAME, name) makes DS_PROTO_NAME and "name",
 * its spelling in file rows (series_format.c, and the analyst scripts'
 * generated scripts/darkscope_lib/series_columns.py).  The index is the
 * per-port array's slot and the rows' sort order: append only.
 */
#define DS_PROTOS(X) \
	X(TCP, tcp)  \
	X(UDP, udp)  \
	X(ICMP, icmp)

/* Protocol index used by the per-port array and in file rows. */
enum ds_proto_idx {
#define DS_PROTO_ENUM(NAME, name) DS_PROTO_##NAME,
	DS_PROTOS(DS_PROTO_ENUM)
#undef DS_PROTO_ENUM
	DS_PROTO_MAX
};
_Static_assert(DS_PROTO_TCP == 0 && DS_PROTO_UDP == 1 && DS_PROTO_ICMP == 2 && DS_PROTO_MAX == 3,
	       "protocol indexes are in the per-port array and the files' row order");

/* Traffic class of a key.  Only probes (keyed by destination port) exist
 * today; backscatter (keyed by source port) will take another value without
 * changing the key's size. */
enum ds_class {
	DS_CLASS_PROBE = 0,
};

/* Key of the per-(proto, destination port, source /24) flow maps. */
struct ds_flow_key {
	__be32 src_net; /* source address & 255.255.255.0, network order */
	__u16 dport;    /* host order; ICMP: the ICMP type */
	__u8 proto;     /* enum ds_proto_idx */
	__u8 klass;     /* enum ds_class */
};
_Static_assert(sizeof(struct ds_flow_key) == 8, "ds_flow_key is 8 bytes");

/* Hosts of a /24 seen, as a bitmap: bit (h % 64) of word (h / 64) is the
 * host whose last octet is h. */
#define DS_HOST_WORDS 4

/* Value of the flow maps, one per CPU (per-CPU hash, so no atomics). */
struct ds_flow_value {
	__u64 packets;                     /* every frame of the key */
	__u64 syn;                         /* TCP, SYN set and ACK clear */
	__u64 mirai;                       /* SYNs with seq == daddr on the wire */
	__u64 src_hosts[DS_HOST_WORDS];    /* sources seen, any packet */
	__u64 mirai_hosts[DS_HOST_WORDS];  /* sources that sent a Mirai SYN */
};
_Static_assert(sizeof(struct ds_flow_value) == 88, "ds_flow_value is 88 bytes");

/* One counted frame as the fast path logs it (docs/ARCHITECTURE.md, "The
 * flow log"): enough for the daemon to add the frame to its flow key, its
 * host bitmaps and its SYN and Mirai counts.  The flag bits not defined yet
 * are zero (room for scanner fingerprints and traffic classes). */
#define DS_REC_SYN (1 << 0)   /* TCP, SYN set and ACK clear */
#define DS_REC_MIRAI (1 << 1) /* a SYN with seq == daddr on the wire */

struct ds_flow_rec {
	__be32 saddr; /* network order: the /24 is the key, the last octet the host */
	__u16 dport;  /* host order; ICMP: the ICMP type */
	__u8 proto;   /* enum ds_proto_idx */
	__u8 flags;   /* DS_REC_* */
};
_Static_assert(sizeof(struct ds_flow_rec) == 8, "ds_flow_rec is 8 bytes");

/* A CPU's ring of the flow log in one interval epoch: one producer (the
 * program on that CPU: XDP runs do not nest), one consumer (the daemon,
 * through mmap()).  head and tail count records, free-running (u32
 * wrap-around is fine: only head - tail is used); the record at count c
 * is at position c % ring size, which the program keeps in widx.  A cache
 * line each, so CPUs do not share one. */
struct ds_log_ctl {
	__u32 head; /* records written: the program's, stored after the record */
	__u32 tail; /* records read: the daemon's, stored after reading them */
	__u32 widx; /* head % records: where the next record goes (the program's) */
	__u32 pad[13];
};
_Static_assert(sizeof(struct ds_log_ctl) == 64, "ds_log_ctl is one cache line");

/* Value of the per-port array, one per CPU. */
struct ds_port_value {
	__u64 packets;
	__u64 syn;
	__u64 mirai;
};
_Static_assert(sizeof(struct ds_port_value) == 24, "ds_port_value is 24 bytes");

/* Per-port array: one slot per (proto, port) and epoch.  The slot of a
 * packet is epoch * DS_PORT_SLOTS + proto * 65536 + port. */
#define DS_PORT_SLOTS (DS_PROTO_MAX * 65536)

/*
 * Sensor counters (per-CPU array, DS_CTR_MAX slots per epoch).  Every frame
 * the program sees is counted in DS_CTR_FRAMES and in exactly one of the
 * outcome counters COUNTED .. BAD_L4_TRUNC, so
 *   FRAMES == COUNTED + NON_IP + IPV6 + FRAGMENT + OTHER_PROTO + sum(BAD_*).
 * MAP_FULL is a subset of COUNTED: frames in the per-port totals whose key
 * could not be inserted in the flow map.  CAPTURE_SELECTED is the subset of
 * COUNTED that the capture selection chose (after counting), and
 * CAPTURE_NO_SOCKET the subset of those that found no AF_XDP socket on the
 * frame's receive queue (not redirected).  LOG_FULL is the subset of
 * COUNTED that found its CPU's flow log full and went to the per-CPU flow
 * hash instead (still in flow rows unless also MAP_FULL).
 *
 * X(NAME, name) makes DS_CTR_NAME and "name", the counter's column in the
 * sensor series (in this order, docs/FORMAT.md).  The BPF program indexes
 * the array by the enum: a new counter goes at the end.
 */
#define DS_COUNTERS(X) \
	X(FRAMES, frames)			/* every frame the program saw */ \
	X(COUNTED, counted)			/* IPv4 TCP/UDP/ICMP, in the per-port totals */ \
	X(NON_IP, non_ip)			/* not IPv4 nor IPv6 (ARP...): passed */ \
	X(IPV6, ipv6)				/* IPv6: passed, not counted further yet */ \
	X(FRAGMENT, fragment)			/* IPv4 non-first fragment */ \
	X(OTHER_PROTO, other_proto)		/* IPv4, protocol not TCP/UDP/ICMP */ \
	X(BAD_L2, bad_l2)			/* runt Ethernet frame or VLAN tag cut short */ \
	X(BAD_IP_TRUNC, bad_ip_trunc)		/* fewer than 20 bytes of IPv4 header */ \
	X(BAD_IP_VERSION, bad_ip_version)	/* EtherType IPv4 but version != 4 */ \
	X(BAD_IP_IHL, bad_ip_ihl)		/* IHL < 5 */ \
	X(BAD_IP_LEN, bad_ip_len)		/* total length < header length or > frame */ \
	X(BAD_L4_TRUNC, bad_l4_trunc)		/* TCP (20), UDP or ICMP (8) header cut short */ \
	X(MAP_FULL, map_full)			/* subset of COUNTED: flow key not inserted */ \
	X(CAPTURE_SELECTED, capture_selected)	/* subset of COUNTED: --capture-select chose it */ \
	X(CAPTURE_NO_SOCKET, capture_no_socket)	/* subset of SELECTED: no socket on its queue */ \
	X(LOG_FULL, log_full)			/* subset of COUNTED: CPU's flow log full, hashed */

enum ds_counter {
#define DS_COUNTER_ENUM(NAME, name) DS_CTR_##NAME,
	DS_COUNTERS(DS_COUNTER_ENUM)
#undef DS_COUNTER_ENUM
	DS_CTR_MAX
};

/* Value of the sensor_counters per-CPU array: one entry per epoch. */
struct ds_counters {
	__u64 c[DS_CTR_MAX]; /* frames, indexed by enum ds_counter */
};
_Static_assert(sizeof(struct ds_counters) == 8 * DS_CTR_MAX, "ds_counters is packed");

/* Outcome counters that partition DS_CTR_FRAMES (see above). */
#define DS_CTR_FIRST_OUTCOME DS_CTR_COUNTED
#define DS_CTR_LAST_OUTCOME DS_CTR_BAD_L4_TRUNC

/* Capture selection (rodata cfg_capture of the XDP program): a frame is
 * selected when it matches any set bit, and redirected once. */
enum ds_capture_select {
	DS_CAPTURE_SAMPLE = 1 << 0,  /* 1-in-N per receive queue (cfg_sample_n) */
	DS_CAPTURE_NEW = 1 << 1,     /* first frame of a flow key in an interval */
	DS_CAPTURE_PAYLOAD = 1 << 2, /* UDP with payload, TCP with data */
	DS_CAPTURE_MIRAI = 1 << 3,   /* Mirai-flagged SYNs */
	DS_CAPTURE_ALL = 1 << 4,     /* every counted frame */
};

/* Receive queues a capture can serve (size of the XSKMAP and of the
 * per-queue sample counters).  On a higher queue the sample takes nothing,
 * and frames the other rules select count as CAPTURE_NO_SOCKET. */
#define DS_CAPTURE_MAX_QUEUES 256

/* Default and upper limit of --max-keys (flow keys per epoch). */
#define DS_DEFAULT_MAX_KEYS (1U << 18)
#define DS_MAX_MAX_KEYS (1U << 26)

#endif /* __DARKSCOPE_H */
