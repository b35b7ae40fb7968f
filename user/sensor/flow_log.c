// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * flow_log.c - reading the flow log's rings while the program writes them.
 *
 * Each ring has one writer, the program on its CPU, and one reader, this
 * thread.  The program stores a record, then its head (ordered after it); we
 * load the head with acquire order, read the records before it, then store
 * the tail with release order, so the program reuses a position only after
 * we are done with it.  A ring of an interval epoch flipped away from is
 * complete once the flip's grace period is over: every program run that
 * could write it has finished, so reading it to its head then takes every
 * record of the interval.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "darkscope.skel.h"
#include "sensor/flow_log.h"
#include "util/log.h"

static size_t page_round(size_t n)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return (n + page - 1) & ~(page - 1);
}

static void *map_shared(struct bpf_map *m, size_t bytes, int prot)
{
	void *p = mmap(NULL, bytes, prot, MAP_SHARED, bpf_map__fd(m), 0);

	return p == MAP_FAILED ? NULL : p;
}

int flow_log__open(struct flow_log *l, struct darkscope_bpf *skel, unsigned int ncpus)
{
	void *recs, *ctl;

	memset(l, 0, sizeof(*l));
	l->records = skel->rodata->cfg_log_records;
	l->ncpus = ncpus;
	if (!l->records)
		return 0;
	l->map_bytes = page_round((size_t)bpf_map__max_entries(skel->maps.flow_log) *
				  sizeof(struct ds_flow_rec));
	l->ctl_bytes = page_round((size_t)bpf_map__max_entries(skel->maps.log_ctl) *
				  sizeof(struct ds_log_ctl));
	recs = map_shared(skel->maps.flow_log, l->map_bytes, PROT_READ);
	ctl = map_shared(skel->maps.log_ctl, l->ctl_bytes, PROT_READ | PROT_WRITE);
	if (!recs || !ctl) {
		int err = -errno;

		if (recs)
			munmap(recs, l->map_bytes);
		if (ctl)
			munmap(ctl, l->ctl_bytes);
		memset(l, 0, sizeof(*l));
		pr_warn("Couldn't map the flow log: %s\n", strerror(-err));
		return err;
	}
	l->recs = recs;
	l->ctl = ctl;
	return 0;
}

/* Ring r's records from its tail to its head, in at most two runs (the
 * ring wraps).  false when head - tail exceeds the ring: never written by
 * the program, so not trusted; the ring is emptied and that reported. */
static bool read_ring(struct flow_log *l, size_t r, struct flow_table *t, __u64 *no_room)
{
	struct ds_log_ctl *c = &l->ctl[r];
	__u32 head = __atomic_load_n(&c->head, __ATOMIC_ACQUIRE);
	__u32 tail = c->tail, n = head - tail, pos, first;
	const struct ds_flow_rec *ring = l->recs + r * l->records;

	if (n > l->records) {
		__atomic_store_n(&c->tail, head, __ATOMIC_RELEASE);
		return false;
	}
	pos = tail % l->records;
	first = n < l->records - pos ? n : l->records - pos;
	flow_table__add_records(t, ring + pos, first, no_room);
	flow_table__add_records(t, ring, n - first, no_room);
	__atomic_store_n(&c->tail, head, __ATOMIC_RELEASE);
	return true;
}

int flow_log__read(struct flow_log *l, unsigned int e, struct flow_table *t, __u64 *no_room)
{
	unsigned int cpu;
	int err = 0;

	if (!l->recs)
		return 0;
	for (cpu = 0; cpu < l->ncpus; cpu++) {
		if (!read_ring(l, (size_t)e * l->ncpus + cpu, t, no_room)) {
			pr_warn("Flow log ring of CPU %u, epoch %u: head and tail out of step; "
				"emptied\n", cpu, e);
			err = -EIO;
		}
	}
	return err;
}

void flow_log__close(struct flow_log *l)
{
	if (l->recs)
		munmap((void *)l->recs, l->map_bytes);
	if (l->ctl)
		munmap(l->ctl, l->ctl_bytes);
	memset(l, 0, sizeof(*l));
}
