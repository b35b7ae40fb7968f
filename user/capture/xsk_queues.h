/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xsk_queues.h - one AF_XDP socket per receive queue of an interface
 * (libxdp's xsk API), receive-only, and the XSKMAP that the XDP program
 * redirects selected frames into.
 *
 * Each queue has its own UMEM of 2 * ring_size frames of 4 KiB: the fill
 * ring holds every frame not in the rx ring or being read, so the kernel
 * only drops a frame (counted in XDP_STATISTICS) when the rx ring is full,
 * never for want of a buffer while the reader keeps up.
 */
#ifndef __DARKSCOPE_XSK_QUEUES_H
#define __DARKSCOPE_XSK_QUEUES_H

#include <stdbool.h>
#include <linux/types.h>

/* Bytes of one UMEM frame: frames longer than this less the kernel's
 * 256-byte XDP headroom are dropped by the kernel and counted. */
#define XSK_FRAME_SIZE 4096U
#define XSK_RING_DEFAULT 2048U
#define XSK_RING_MIN 64U
#define XSK_RING_MAX 65536U

struct xsk_queue;

struct xsk_queues {
	struct xsk_queue *q;
	unsigned int n;     /* sockets: one per receive queue */
	int map_fd;         /* XSKMAP, queue index -> socket */
	bool zero_copy;     /* every socket bound in zero-copy mode */
};

/* Frames the kernel could not hand over, summed over the sockets
 * (XDP_STATISTICS). */
struct xsk_drops {
	__u64 ring_full;    /* rx ring full: the reader fell behind */
	__u64 no_buffer;    /* no free frame, or frame larger than a UMEM frame */
};

/* Receive queues of ifname (ethtool channels, else sysfs, else 1), at most
 * max. */
unsigned int xsk_queue_count(const char *ifname, unsigned int max);
/* Creates the map and a socket bound to each of the n_queues queues (the
 * kernel picks zero-copy where the driver has it, copy otherwise).
 * 0 or -errno, having logged why; on failure nothing is left open. */
int xsk_queues__open(struct xsk_queues *xq, const char *ifname, unsigned int n_queues,
		     __u32 ring_size);
/* Calls fn for each frame waiting on queue i (at most budget frames), then
 * gives their buffers back to the kernel.  Returns the number of frames. */
typedef void (*xsk_frame_fn)(void *ctx, const void *frame, __u32 len);
unsigned int xsk_queues__read(struct xsk_queues *xq, unsigned int i, unsigned int budget,
			      xsk_frame_fn fn, void *ctx);
int xsk_queues__fd(const struct xsk_queues *xq, unsigned int i);
void xsk_queues__drops(const struct xsk_queues *xq, struct xsk_drops *out);
void xsk_queues__close(struct xsk_queues *xq);

#endif /* __DARKSCOPE_XSK_QUEUES_H */
