// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture.c - the capture thread: poll the AF_XDP sockets, copy each frame
 * into the pcap writer, give the buffer back, flush once a second.
 *
 * A thread of its own because the main thread may spend a second or more
 * draining a large interval; the rings must not wait for that.  The thread
 * owns the sockets' rings and the writer; the main thread only posts
 * commands (stop, reopen) through an eventfd and reads the totals, which
 * the thread publishes under a mutex after every batch.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "darkscope.h"
#include "util/log.h"
#include "capture/pcap_writer.h"
#include "util/timeutil.h"
#include "capture/xsk_queues.h"

/* Frames taken from one ring before the next ring gets its turn. */
#define READ_BUDGET 256
#define FLUSH_EVERY_NS 1000000000ULL
/* Also flush once this much pcap data is buffered: compressing it takes a
 * few ms, during which nobody reads the rings, so a flush must stay short
 * for a ring of a few thousand frames to ride it out at high rates.  (A
 * second's worth at 100k frames/s took ~150 ms and overflowed the ring.)
 * Members of 256 KiB compress as well as larger ones: deflate's window is
 * 32 KiB. */
#define FLUSH_BYTES (256U << 10)

enum capture_cmd {
	CMD_STOP = 1 << 0,
	CMD_REOPEN = 1 << 1,
};

struct capture {
	struct xsk_queues xq;
	struct pcap_writer *pw;
	struct pollfd *pfd;      /* [0] commands, [1..n] sockets */
	int cmd_fd;              /* eventfd: a command is posted */
	unsigned int cmds;       /* enum capture_cmd, atomic */
	pthread_t thread;
	bool started;
	int thread_err;
	__u64 ts_ns;             /* arrival time given to the current batch */
	__u64 captured;          /* thread's own count */
	pthread_mutex_t lock;    /* guards published */
	struct capture_counts published;
};

static void add_frame(void *ctx, const void *frame, __u32 len)
{
	struct capture *c = ctx;

	/* A frame the writer cannot take is counted in its stats. */
	pcap_writer__add(c->pw, c->ts_ns, frame, len);
}

/* One pass over every ring; returns the frames read. */
static unsigned int read_rings(struct capture *c)
{
	unsigned int i, n = 0;

	/* Copy mode has no hardware time: the read time stands in for it. */
	c->ts_ns = clock_ns(CLOCK_REALTIME);
	for (i = 0; i < c->xq.n; i++)
		n += xsk_queues__read(&c->xq, i, READ_BUDGET, add_frame, c);
	c->captured += n;
	return n;
}

static void publish(struct capture *c)
{
	struct pcap_writer_stats ws;

	pcap_writer__stats(c->pw, &ws);
	pthread_mutex_lock(&c->lock);
	c->published.captured = c->captured;
	c->published.write_dropped = ws.frames_dropped;
	pthread_mutex_unlock(&c->lock);
}

static __u64 buffered_bytes(const struct capture *c)
{
	__u64 frames, bytes;

	pcap_writer__buffered(c->pw, &frames, &bytes);
	return bytes;
}

static unsigned int take_cmds(struct capture *c)
{
	__u64 v;

	if (c->pfd[0].revents & POLLIN)
		(void)!read(c->cmd_fd, &v, sizeof(v));
	return __atomic_exchange_n(&c->cmds, 0, __ATOMIC_ACQ_REL);
}

static void *capture_thread(void *arg)
{
	struct capture *c = arg;
	__u64 next_flush = clock_ns(CLOCK_MONOTONIC) + FLUSH_EVERY_NS, now;
	unsigned int cmds;
	int timeout_ms;

	for (;;) {
		now = clock_ns(CLOCK_MONOTONIC);
		timeout_ms = now >= next_flush ? 0 : (next_flush - now) / 1000000 + 1;
		if (poll(c->pfd, c->xq.n + 1, timeout_ms) < 0 && errno != EINTR) {
			c->thread_err = -errno;
			pr_warn("Capture: poll failed: %s; capture stopped\n", strerror(errno));
			break;
		}
		read_rings(c);
		cmds = take_cmds(c);
		if (cmds & CMD_STOP) {
			/* The program is detached: empty the rings for good. */
			while (read_rings(c))
				;
			break;
		}
		if (cmds & CMD_REOPEN)
			pcap_writer__reopen(c->pw);
		now = clock_ns(CLOCK_MONOTONIC);
		if (now >= next_flush || buffered_bytes(c) >= FLUSH_BYTES) {
			pcap_writer__flush(c->pw);
			next_flush = now + FLUSH_EVERY_NS;
		}
		publish(c);
	}
	pcap_writer__flush(c->pw);
	publish(c);
	return NULL;
}

struct capture *capture__open(const struct capture_opts *opts)
{
	struct pcap_writer_opts po = {
		.dir = opts->dir,
		.prefix = "capture",
		.snaplen = opts->snaplen,
		.rotate_seconds = opts->rotate_seconds,
		.rotate_bytes = opts->rotate_bytes,
		.max_disk_bytes = opts->max_disk_bytes,
	};
	struct capture *c = calloc(1, sizeof(*c));
	unsigned int i, nq;
	int err;

	if (!c)
		return NULL;
	c->cmd_fd = -1;
	c->xq.map_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	c->pw = pcap_writer__open(&po);
	if (!c->pw) {
		err = -errno; /* the writer said why */
		goto fail;
	}
	nq = xsk_queue_count(opts->ifname, DS_CAPTURE_MAX_QUEUES);
	err = xsk_queues__open(&c->xq, opts->ifname, nq, opts->ring_size);
	if (err)
		goto fail;
	c->cmd_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	c->pfd = calloc(nq + 1, sizeof(*c->pfd));
	if (c->cmd_fd < 0 || !c->pfd) {
		err = -errno;
		goto fail;
	}
	c->pfd[0] = (struct pollfd){ .fd = c->cmd_fd, .events = POLLIN };
	for (i = 0; i < nq; i++)
		c->pfd[i + 1] = (struct pollfd){ .fd = xsk_queues__fd(&c->xq, i), .events = POLLIN };
	return c;
fail:
	capture__close(c);
	errno = -err;
	return NULL;
}

int capture__map_fd(const struct capture *c)
{
	return c->xq.map_fd;
}

unsigned int capture__queues(const struct capture *c)
{
	return c->xq.n;
}

bool capture__zero_copy(const struct capture *c)
{
	return c->xq.zero_copy;
}

int capture__start(struct capture *c)
{
	int err = pthread_create(&c->thread, NULL, capture_thread, c);

	if (err) {
		pr_warn("Couldn't start the capture thread: %s\n", strerror(err));
		return -err;
	}
	c->started = true;
	return 0;
}

static void post(struct capture *c, unsigned int cmd)
{
	__u64 one = 1;

	__atomic_or_fetch(&c->cmds, cmd, __ATOMIC_ACQ_REL);
	(void)!write(c->cmd_fd, &one, sizeof(one));
}

void capture__reopen(struct capture *c)
{
	if (c->started)
		post(c, CMD_REOPEN);
}

void capture__counts(struct capture *c, struct capture_counts *out)
{
	struct xsk_drops drops;

	pthread_mutex_lock(&c->lock);
	*out = c->published;
	pthread_mutex_unlock(&c->lock);
	xsk_queues__drops(&c->xq, &drops);
	out->ring_dropped = drops.ring_full + drops.no_buffer;
}

int capture__stop(struct capture *c)
{
	if (!c->started)
		return 0;
	post(c, CMD_STOP);
	pthread_join(c->thread, NULL);
	c->started = false;
	return c->thread_err;
}

void capture__close(struct capture *c)
{
	if (!c)
		return;
	capture__stop(c);
	if (c->pw)
		pcap_writer__close(c->pw);
	xsk_queues__close(&c->xq);
	if (c->cmd_fd >= 0)
		close(c->cmd_fd);
	free(c->pfd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
