// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xsk_queues.c - receive-only AF_XDP sockets, one per queue, on libxdp's
 * xsk API.  The sockets are bound before the XDP program is loaded, and
 * the XSKMAP holding them is handed to the loader (bpf_map__reuse_fd), so
 * the first selected frame already finds its socket.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <xdp/xsk.h>

#include "darkscope.h"
#include "util/log.h"
#include "capture/xsk_queues.h"

struct xsk_queue {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	void *area;
	size_t area_size;
};

static unsigned int queues_from_ethtool(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = {};
	unsigned int n = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	/* Combined channels have an rx queue each; rx-only ones come on top. */
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		n = ch.rx_count + ch.combined_count;
	close(fd);
	return n;
}

static unsigned int queues_from_sysfs(const char *ifname)
{
	char path[64 + IF_NAMESIZE];
	unsigned int n = 0;
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir)))
		n += !strncmp(de->d_name, "rx-", 3);
	closedir(dir);
	return n;
}

unsigned int xsk_queue_count(const char *ifname, unsigned int max)
{
	unsigned int n = queues_from_ethtool(ifname);

	if (!n)
		n = queues_from_sysfs(ifname);
	if (!n)
		n = 1;
	return n < max ? n : max;
}

static int queue_open(struct xsk_queue *q, const char *ifname, unsigned int qid, __u32 ring)
{
	__u32 frames = 2 * ring, idx, i;
	struct xsk_umem_config ucfg = {
		.fill_size = frames,
		.comp_size = XSK_RING_MIN, /* receive only: never used */
		.frame_size = XSK_FRAME_SIZE,
	};
	struct xsk_socket_config scfg = {
		.rx_size = ring,
		/* Our program is loaded by the loader, not by libxdp. */
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_USE_NEED_WAKEUP,
	};
	int err;

	q->area_size = (size_t)frames * XSK_FRAME_SIZE;
	q->area = mmap(NULL, q->area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		return -errno;
	}
	err = xsk_umem__create(&q->umem, q->area, q->area_size, &q->fill, &q->comp, &ucfg);
	if (err) {
		q->umem = NULL;
		return err;
	}
	err = xsk_socket__create(&q->xsk, ifname, qid, q->umem, &q->rx, NULL, &scfg);
	if (err) {
		q->xsk = NULL;
		return err;
	}
	/* Every frame starts in the fill ring, which is exactly that large. */
	if (xsk_ring_prod__reserve(&q->fill, frames, &idx) != frames)
		return -ENOSPC;
	for (i = 0; i < frames; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = (__u64)i * XSK_FRAME_SIZE;
	xsk_ring_prod__submit(&q->fill, frames);
	return 0;
}

static bool socket_zero_copy(struct xsk_socket *xsk)
{
	struct xdp_options opts = {};
	socklen_t len = sizeof(opts);

	if (getsockopt(xsk_socket__fd(xsk), SOL_XDP, XDP_OPTIONS, &opts, &len))
		return false;
	return opts.flags & XDP_OPTIONS_ZEROCOPY;
}

int xsk_queues__open(struct xsk_queues *xq, const char *ifname, unsigned int n_queues,
		     __u32 ring_size)
{
	unsigned int i;
	int err = 0, fd;

	memset(xq, 0, sizeof(*xq));
	xq->map_fd = -1;
	xq->map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "capture_sockets", sizeof(__u32),
				    sizeof(__u32), DS_CAPTURE_MAX_QUEUES, NULL);
	if (xq->map_fd < 0) {
		err = -errno;
		pr_warn("Couldn't create the capture socket map: %s\n", strerror(-err));
		return err;
	}
	xq->q = calloc(n_queues, sizeof(*xq->q));
	if (!xq->q) {
		xsk_queues__close(xq);
		return -ENOMEM;
	}
	xq->n = n_queues;
	xq->zero_copy = true;
	for (i = 0; i < n_queues && !err; i++) {
		err = queue_open(&xq->q[i], ifname, i, ring_size);
		if (err) {
			pr_warn("Couldn't open an AF_XDP socket on '%s' queue %u: %s\n", ifname, i,
				strerror(-err));
			break;
		}
		fd = xsk_socket__fd(xq->q[i].xsk);
		if (bpf_map_update_elem(xq->map_fd, &i, &fd, BPF_ANY)) {
			err = -errno;
			pr_warn("Couldn't add the socket of queue %u to the capture map: %s\n", i,
				strerror(-err));
		}
		xq->zero_copy &= socket_zero_copy(xq->q[i].xsk);
	}
	if (err)
		xsk_queues__close(xq);
	return err;
}

unsigned int xsk_queues__read(struct xsk_queues *xq, unsigned int i, unsigned int budget,
			      xsk_frame_fn fn, void *ctx)
{
	struct xsk_queue *q = &xq->q[i];
	__u32 idx_rx = 0, idx_fill = 0, n, k;

	n = xsk_ring_cons__peek(&q->rx, budget, &idx_rx);
	if (!n)
		return 0;
	/* The fill ring has room for every frame we hold, so this reserve
	 * cannot come up short. */
	while (xsk_ring_prod__reserve(&q->fill, n, &idx_fill) != n)
		;
	for (k = 0; k < n; k++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx_rx + k);

		fn(ctx, xsk_umem__get_data(q->area, d->addr), d->len);
		/* Aligned mode: the frame's base address goes back. */
		*xsk_ring_prod__fill_addr(&q->fill, idx_fill + k) =
			d->addr & ~(__u64)(XSK_FRAME_SIZE - 1);
	}
	xsk_ring_cons__release(&q->rx, n);
	xsk_ring_prod__submit(&q->fill, n);
	return n;
}

int xsk_queues__fd(const struct xsk_queues *xq, unsigned int i)
{
	return xsk_socket__fd(xq->q[i].xsk);
}

void xsk_queues__drops(const struct xsk_queues *xq, struct xsk_drops *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < xq->n; i++) {
		struct xdp_statistics st = {};
		socklen_t len = sizeof(st);

		if (!xq->q[i].xsk ||
		    getsockopt(xsk_socket__fd(xq->q[i].xsk), SOL_XDP, XDP_STATISTICS, &st, &len))
			continue;
		out->ring_full += st.rx_ring_full;
		out->no_buffer += st.rx_dropped;
	}
}

void xsk_queues__close(struct xsk_queues *xq)
{
	unsigned int i;

	for (i = 0; xq->q && i < xq->n; i++) {
		struct xsk_queue *q = &xq->q[i];

		if (q->xsk)
			xsk_socket__delete(q->xsk);
		if (q->umem)
			xsk_umem__delete(q->umem);
		if (q->area)
			munmap(q->area, q->area_size);
	}
	free(xq->q);
	if (xq->map_fd >= 0)
		close(xq->map_fd);
	memset(xq, 0, sizeof(*xq));
	xq->map_fd = -1;
}
