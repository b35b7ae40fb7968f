// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * flow_log.c - reading the flow log of a quiescent log epoch.
 *
 * The flip away from the epoch returned after synchronize_rcu(), so every
 * program run that wrote its records has finished and its stores are
 * visible here; nothing writes the epoch's regions until the next flip
 * back, after log_fill says they are empty again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "darkscope.skel.h"
#include "sensor/flow_log.h"
#include "sensor/percpu.h"
#include "util/log.h"

#define FILL_STRIDE PERCPU_STRIDE(sizeof(__u32))

int flow_log__open(struct flow_log *l, struct darkscope_bpf *skel, unsigned int ncpus)
{
	size_t page = sysconf(_SC_PAGESIZE);
	void *m;

	memset(l, 0, sizeof(*l));
	l->records = skel->rodata->cfg_log_records;
	l->ncpus = ncpus;
	l->fill_fd = bpf_map__fd(skel->maps.log_fill);
	if (!l->records)
		return 0;
	l->fills = calloc(ncpus, FILL_STRIDE);
	l->zeros = calloc(ncpus, FILL_STRIDE);
	if (!l->fills || !l->zeros) {
		flow_log__close(l);
		pr_warn("Out of memory for the flow log's fill levels\n");
		return -ENOMEM;
	}
	l->map_bytes = ((size_t)bpf_map__max_entries(skel->maps.flow_log) *
				sizeof(struct ds_flow_rec) + page - 1) & ~(page - 1);
	m = mmap(NULL, l->map_bytes, PROT_READ, MAP_SHARED, bpf_map__fd(skel->maps.flow_log), 0);
	if (m == MAP_FAILED) {
		int err = -errno;

		flow_log__close(l);
		pr_warn("Couldn't map the flow log: %s\n", strerror(-err));
		return err;
	}
	l->recs = m;
	return 0;
}

int flow_log__drain(struct flow_log *l, unsigned int e, struct flow_table *t, __u64 *no_room)
{
	unsigned int cpu;
	int err;

	if (!l->recs)
		return 0;
	if (bpf_map_lookup_elem(l->fill_fd, &e, l->fills))
		goto fail;
	for (cpu = 0; cpu < l->ncpus; cpu++) {
		__u32 n = *(const __u32 *)((const char *)l->fills + cpu * FILL_STRIDE);
		size_t region = ((size_t)e * l->ncpus + cpu) * l->records;

		/* The program never fills past records; a bad value is not
		 * trusted beyond the region. */
		if (n > l->records)
			n = l->records;
		flow_table__add_records(t, l->recs + region, n, no_room);
	}
	if (bpf_map_update_elem(l->fill_fd, &e, l->zeros, BPF_ANY))
		goto fail;
	return 0;
fail:
	err = -errno;
	pr_warn("Couldn't read or reset the flow log's fill levels: %s\n", strerror(-err));
	return err;
}

void flow_log__close(struct flow_log *l)
{
	if (l->recs)
		munmap((void *)l->recs, l->map_bytes);
	free(l->fills);
	free(l->zeros);
	memset(l, 0, sizeof(*l));
}
