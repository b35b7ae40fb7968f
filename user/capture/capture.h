/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture.h - the daemon's capture path: AF_XDP sockets (xsk_queues.c) read
 * by a thread of their own into rotating pcap.gz files (pcap_writer.c),
 * flushed at least once a second.  The thread keeps the rings drained while
 * the main thread drains and writes the series.
 */
#ifndef __DARKSCOPE_CAPTURE_H
#define __DARKSCOPE_CAPTURE_H

#include <stdbool.h>
#include <linux/types.h>

struct capture_opts {
	const char *ifname;
	const char *dir;
	__u32 snaplen;          /* 0: whole frame */
	__u32 rotate_seconds;   /* 0: no time rotation */
	__u64 rotate_bytes;     /* 0: no size rotation */
	__u64 max_disk_bytes;   /* 0: unlimited */
	__u32 ring_size;        /* rx ring entries per queue */
};

/* Running totals since capture__open(). */
struct capture_counts {
	__u64 captured;         /* frames read from the rings */
	__u64 ring_dropped;     /* frames the kernel dropped: ring full, no buffer */
	__u64 write_dropped;    /* frames read but lost writing the files */
};

struct capture;

/* Opens the pcap writer and one socket per receive queue of opts->ifname.
 * NULL with errno set, having logged why. */
struct capture *capture__open(const struct capture_opts *opts);
/* The XSKMAP for the XDP program (bpf_map__reuse_fd before load). */
int capture__map_fd(const struct capture *c);
unsigned int capture__queues(const struct capture *c);
bool capture__zero_copy(const struct capture *c);
/* Starts the reader thread.  0 or -errno. */
int capture__start(struct capture *c);
/* SIGHUP: the thread flushes and starts a new file. */
void capture__reopen(struct capture *c);
void capture__counts(struct capture *c, struct capture_counts *out);
/* Reads what is left in the rings, flushes, stops the thread.  Call after
 * the program is detached, so no frame arrives later.  0 or -errno. */
int capture__stop(struct capture *c);
/* Stops if needed, closes sockets and the writer, frees c (NULL: no-op). */
void capture__close(struct capture *c);

#endif /* __DARKSCOPE_CAPTURE_H */
