// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * drain.c - the epoch flip and the drain of a quiescent epoch.
 *
 * Why the flip is enough: the program finds its epoch through epoch_select,
 * an ARRAY_OF_MAPS.  The kernel's update of a map-in-map slot ends with
 * synchronize_rcu() (maybe_wait_bpf_programs() in kernel/bpf/syscall.c), and
 * every XDP program run is inside an RCU read-side section, so when the
 * update syscall returns, every run that could have seen the old tag has
 * finished: the old epoch's maps have no writer left until we flip back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "darkscope.skel.h"
#include "sensor/drain.h"
#include "sensor/percpu.h"
#include "util/log.h"

/* Bytes of batch buffers to aim for, whatever the CPU count. */
#define BATCH_BYTES (1048576)
#define MIN_BATCH 256U

/* The kernel's internal 'operation not supported', which libc lacks. */
#define ENOTSUPP_KERNEL 524

/* MemAvailable of /proc/meminfo in bytes, or 0 when unknown. */
static __u64 mem_available(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (__u64)kb * 1024;
}

struct flow_table *drainer__new_table(__u32 max_keys, struct interval_data *out)
{
	size_t need = flow_table__reserved_bytes(max_keys);
	__u64 avail = mem_available();
	struct flow_table *t;
	__u64 seed;
	int err;

	/* Faulting in more than there is would end in the OOM killer. */
	if (avail && need > avail) {
		pr_warn("A flow table for --max-keys %u needs %zu MiB; %llu MiB available: "
			"lower --max-keys (docs/OPERATIONS.md)\n", max_keys, need >> 20,
			(unsigned long long)(avail >> 20));
		return NULL;
	}
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
		pr_warn("Couldn't seed the flow table: %s\n", strerror(errno));
		return NULL;
	}
	t = flow_table__new(max_keys, seed);
	err = t ? flow_table__reserve_all(t) ?: flow_table__reserve_take(t, out) : -ENOMEM;
	if (err) {
		flow_table__free(t);
		pr_warn("Out of memory for a flow table of %u keys\n", max_keys);
		return NULL;
	}
	return t;
}

/* The log's rings mapped; the table is the caller's (drainer__new_table()),
 * used only with a log. */
static int init_log(struct drainer *d, struct darkscope_bpf *skel)
{
	int err = flow_log__open(&d->log, skel, d->ncpus);

	if (err || !d->log.recs) {
		/* No log: the hash alone counts (collect goes by d->table). */
		flow_table__free(d->table);
		d->table = NULL;
		return err;
	}
	if (!d->table) {
		pr_warn("A flow log without a flow table\n");
		return -EINVAL;
	}
	if (skel->rodata->cfg_capture & DS_CAPTURE_NEW) {
		d->new_keys_fd[0] = bpf_map__fd(skel->maps.new_keys_0);
		d->new_keys_fd[1] = bpf_map__fd(skel->maps.new_keys_1);
	}
	return 0;
}

int drainer__init(struct drainer *d, struct darkscope_bpf *skel, struct flow_table *table)
{
	size_t flow_stride = PERCPU_STRIDE(sizeof(struct ds_flow_value));
	size_t port_stride = PERCPU_STRIDE(sizeof(struct ds_port_value));
	int ncpus = libbpf_num_possible_cpus();

	memset(d, 0, sizeof(*d));
	d->table = table;
	if (ncpus <= 0) {
		pr_warn("Couldn't read the number of possible CPUs: %s\n", strerror(-ncpus));
		return ncpus ? ncpus : -EINVAL;
	}
	d->ncpus = ncpus;
	d->epoch_select_fd = bpf_map__fd(skel->maps.epoch_select);
	d->tag_fd[0] = bpf_map__fd(skel->maps.epoch_tag_0);
	d->tag_fd[1] = bpf_map__fd(skel->maps.epoch_tag_1);
	d->tag_fd[2] = bpf_map__fd(skel->maps.epoch_tag_2);
	d->tag_fd[3] = bpf_map__fd(skel->maps.epoch_tag_3);
	d->new_keys_fd[0] = d->new_keys_fd[1] = -1;
	d->flows_fd[0] = bpf_map__fd(skel->maps.flows_0);
	d->flows_fd[1] = bpf_map__fd(skel->maps.flows_1);
	d->ports_fd = bpf_map__fd(skel->maps.port_counts);
	d->counters_fd = bpf_map__fd(skel->maps.sensor_counters);

	d->batch = BATCH_BYTES / (flow_stride * d->ncpus);
	if (d->batch < MIN_BATCH)
		d->batch = MIN_BATCH;
	d->keys = calloc(d->batch, sizeof(struct ds_flow_key));
	d->values = calloc(d->batch, flow_stride * d->ncpus);
	d->port_values = calloc(DS_PORT_SLOTS, port_stride * d->ncpus);
	d->zero_keys = calloc(DS_PORT_SLOTS, sizeof(__u32));
	d->zeros = calloc(DS_PORT_SLOTS, port_stride * d->ncpus);
	if (!d->keys || !d->values || !d->port_values || !d->zero_keys || !d->zeros) {
		drainer__free(d);
		pr_warn("Out of memory for drain buffers\n");
		return -ENOMEM;
	}
	return init_log(d, skel);
}

void drainer__free(struct drainer *d)
{
	free(d->keys);
	free(d->values);
	free(d->port_values);
	free(d->zero_keys);
	free(d->zeros);
	d->keys = d->values = d->port_values = d->zeros = NULL;
	d->zero_keys = NULL;
	flow_log__close(&d->log);
	flow_table__free(d->table);
	d->table = NULL;
}

void interval_data__free(struct interval_data *d)
{
	free(d->flows);
	free(d->ports);
	d->flows = NULL;
	d->ports = NULL;
	d->n_flows = d->cap_flows = d->n_ports = d->cap_ports = 0;
}

/* Makes tag next current; returns the now-quiescent tag or -errno. */
static int switch_to(struct drainer *d, unsigned int next)
{
	unsigned int old = d->epoch;
	__u32 slot = 0;

	/* Returns after synchronize_rcu(): see the comment at the top. */
	if (bpf_map_update_elem(d->epoch_select_fd, &slot, &d->tag_fd[next], BPF_ANY)) {
		int err = -errno;

		pr_warn("Couldn't switch to epoch %u: %s\n", next, strerror(-err));
		return err;
	}
	d->epoch = next;
	return old;
}

int drainer__flip(struct drainer *d)
{
	return switch_to(d, d->epoch ^ 1);
}

int drainer__flush_log(struct drainer *d)
{
	if (!d->table)
		return 0;
	return flow_log__read(&d->log, d->epoch & 1, d->table, &d->no_room);
}

/* What a kernel without batch operations on this map type answers. */
static bool batch_unsupported(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUPP_KERNEL;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 1024;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* Sums one key's per-CPU values. */
static void sum_flow(const struct drainer *d, const void *percpu, struct flow_row *row)
{
	size_t stride = PERCPU_STRIDE(sizeof(struct ds_flow_value));
	unsigned int cpu;

	memset(&row->val, 0, sizeof(row->val));
	for (cpu = 0; cpu < d->ncpus; cpu++)
		flow_value_merge(&row->val, (const void *)((const char *)percpu + cpu * stride));
}

static int append_flows(const struct drainer *d, struct interval_data *out, __u32 n)
{
	size_t stride = PERCPU_STRIDE(sizeof(struct ds_flow_value)) * d->ncpus;
	const struct ds_flow_key *keys = d->keys;
	__u32 i;

	if (grow((void **)&out->flows, &out->cap_flows, out->n_flows + n, sizeof(*out->flows)))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct flow_row *row = &out->flows[out->n_flows++];

		row->key = keys[i];
		sum_flow(d, (const char *)d->values + i * stride, row);
	}
	return 0;
}

/* Fallback for kernels without BPF_MAP_LOOKUP_AND_DELETE_BATCH on hashes:
 * the map is quiescent, so walk it, then delete what was read.  (Deleting
 * while walking restarts get_next_key and goes quadratic.) */
static int drain_flows_by_walk(struct drainer *d, int fd, struct interval_data *out)
{
	struct ds_flow_key *keys = d->keys, key, *prev = NULL;
	size_t first = out->n_flows, i;
	__u32 n = 0;
	int err;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		keys[n] = key;
		if (bpf_map_lookup_elem(fd, &key,
					(char *)d->values + n * PERCPU_STRIDE(sizeof(struct ds_flow_value)) * d->ncpus))
			return -errno;
		prev = &keys[n];
		if (++n == d->batch) {
			err = append_flows(d, out, n);
			if (err)
				return err;
			key = keys[n - 1];
			prev = &key;
			n = 0;
		}
	}
	err = append_flows(d, out, n);
	if (err)
		return err;
	for (i = first; i < out->n_flows; i++)
		bpf_map_delete_elem(fd, &out->flows[i].key);
	return 0;
}

static int drain_flows(struct drainer *d, unsigned int epoch, struct interval_data *out)
{
	int fd = d->flows_fd[epoch];
	__u64 in_batch = 0, out_batch = 0;
	bool first = true;
	int err;

	if (d->no_batch)
		return drain_flows_by_walk(d, fd, out);
	for (;;) {
		__u32 count = d->batch;

		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in_batch, &out_batch,
						      d->keys, d->values, &count, NULL);
		if (err)
			err = -errno;
		if (err && err != -ENOENT) {
			if (first && batch_unsupported(err)) {
				pr_info("No batch map operations here (%s): draining by walk\n",
					strerror(-err));
				d->no_batch = true;
				return drain_flows_by_walk(d, fd, out);
			}
			pr_warn("Couldn't drain flow map of epoch %u: %s\n", epoch, strerror(-err));
			return err;
		}
		/* The call that returns -ENOENT may still carry entries. */
		if (append_flows(d, out, count))
			return -ENOMEM;
		if (err == -ENOENT)
			return 0;
		in_batch = out_batch;
		first = false;
	}
}

/* Reads one epoch's half of port_counts, keeps non-zero slots, clears them. */
static int drain_ports(struct drainer *d, unsigned int epoch, struct interval_data *out)
{
	size_t stride = PERCPU_STRIDE(sizeof(struct ds_port_value));
	__u32 base = epoch * DS_PORT_SLOTS, prev = base - 1, next = 0, done = 0;
	__u32 *keys = d->zero_keys, n_nonzero = 0, slot;
	unsigned int cpu;
	int err;

	/* Batch lookups on arrays resume *after* the key passed in, so the
	 * first call passes the slot before the epoch's first (none for 0). */
	while (done < DS_PORT_SLOTS) {
		__u32 count = DS_PORT_SLOTS - done;

		err = bpf_map_lookup_batch(d->ports_fd, base || done ? &prev : NULL, &next,
					   keys + done,
					   (char *)d->port_values + (size_t)done * stride * d->ncpus,
					   &count, NULL);
		if (err && errno != ENOENT) {
			err = -errno;
			pr_warn("Couldn't read port totals: %s\n", strerror(-err));
			return err;
		}
		done += count;
		if (err || !count)
			break;
		prev = next;
	}
	if (done != DS_PORT_SLOTS) {
		pr_warn("Read %u of %u port slots\n", done, DS_PORT_SLOTS);
		return -EIO;
	}
	out->n_ports = 0;
	for (slot = 0; slot < DS_PORT_SLOTS; slot++) {
		const char *pc = (const char *)d->port_values + (size_t)slot * stride * d->ncpus;
		struct ds_port_value sum = {};
		struct port_row *row;

		for (cpu = 0; cpu < d->ncpus; cpu++)
			port_value_merge(&sum, (const void *)(pc + cpu * stride));
		if (!sum.packets)
			continue;
		if (grow((void **)&out->ports, &out->cap_ports, out->n_ports + 1,
			 sizeof(*out->ports)))
			return -ENOMEM;
		row = &out->ports[out->n_ports++];
		memset(row, 0, sizeof(*row));
		row->proto = slot / 65536;
		row->port = slot % 65536;
		row->val = sum;
		keys[n_nonzero++] = base + slot;
	}
	if (!n_nonzero)
		return 0;
	if (bpf_map_update_batch(d->ports_fd, keys, d->zeros, &n_nonzero, NULL)) {
		err = -errno;
		pr_warn("Couldn't clear port totals: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

static int drain_counters(struct drainer *d, unsigned int epoch, struct interval_data *out)
{
	size_t stride = PERCPU_STRIDE(sizeof(struct ds_counters));
	struct ds_counters *percpu = d->values; /* scratch: the flows' batch buffer */
	unsigned int cpu;
	int c, err;

	if (bpf_map_lookup_elem(d->counters_fd, &epoch, percpu))
		goto fail;
	memset(out->counters, 0, sizeof(out->counters));
	for (cpu = 0; cpu < d->ncpus; cpu++) {
		const struct ds_counters *v = (const void *)((char *)percpu + cpu * stride);

		for (c = 0; c < DS_CTR_MAX; c++)
			out->counters[c] += v->c[c];
	}
	memset(percpu, 0, stride * d->ncpus);
	if (bpf_map_update_elem(d->counters_fd, &epoch, percpu, BPF_ANY))
		goto fail;
	return 0;
fail:
	err = -errno;
	pr_warn("Couldn't read/clear sensor counters: %s\n", strerror(-err));
	return err;
}

/* Without batch operations: up to d->batch keys read from the start, then
 * deleted, until none is left (deleting while walking would restart the
 * walk at every delete). */
static int clear_keys_by_walk(struct drainer *d, int fd)
{
	struct ds_flow_key *keys = d->keys;
	__u32 n, i;

	do {
		for (n = 0; n < d->batch && !bpf_map_get_next_key(fd, n ? &keys[n - 1] : NULL,
								  &keys[n]); n++)
			;
		for (i = 0; i < n; i++)
			if (bpf_map_delete_elem(fd, &keys[i]) && errno != ENOENT)
				return -errno;
	} while (n);
	return 0;
}

/* Empties a hash of flow keys (the new-key set), by batch deletes where
 * the kernel has them, as drain_flows() does. */
static int clear_keys(struct drainer *d, int fd)
{
	__u64 in_batch = 0, out_batch = 0;
	bool first = true;
	int err = 0;

	while (!d->no_batch) {
		__u32 count = d->batch;

		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in_batch, &out_batch,
						      d->keys, d->values, &count, NULL);
		if (err && errno == ENOENT)
			return 0;
		if (err && first && batch_unsupported(-errno)) {
			d->no_batch = true;
			break;
		}
		if (err)
			goto fail;
		in_batch = out_batch;
		first = false;
	}
	if (!clear_keys_by_walk(d, fd))
		return 0;
fail:
	err = -errno;
	pr_warn("Couldn't clear the new-key set: %s\n", strerror(-err));
	return err;
}

/* The interval's flow rows with the log: the rest of its rings and the keys
 * of the frames that found the log full, added up in the table.  Only
 * those frames (counted in LOG_FULL) reach the hash: without them it is
 * empty, and its drain, a walk over every bucket, is skipped. */
static int collect_table(struct drainer *d, unsigned int tag, struct interval_data *out)
{
	unsigned int epoch = tag & 1;
	size_t i;
	int err = flow_log__read(&d->log, epoch, d->table, &d->no_room);

	flow_table__flush(d->table, &d->no_room);
	if (!err && out->counters[DS_CTR_LOG_FULL])
		err = drain_flows(d, epoch, out);
	if (err)
		return err;
	for (i = 0; i < out->n_flows; i++)
		flow_table__merge(d->table, &out->flows[i].key, &out->flows[i].val, &d->no_room);
	out->n_flows = 0;
	err = flow_table__take(d->table, out);
	if (!err && d->new_keys_fd[epoch] >= 0)
		err = clear_keys(d, d->new_keys_fd[epoch]);
	return err;
}

/* Counters first: they say whether the log overflowed into the hash. */
int drainer__collect(struct drainer *d, unsigned int tag, struct interval_data *out)
{
	unsigned int epoch = tag & 1;
	int err;

	out->n_flows = 0;
	out->n_ports = 0;
	err = drain_counters(d, epoch, out);
	if (!err)
		err = d->table ? collect_table(d, tag, out) : drain_flows(d, epoch, out);
	if (!err)
		err = drain_ports(d, epoch, out);
	if (!err) {
		/* Frames counted in the ports whose key the table had no room for. */
		out->counters[DS_CTR_MAP_FULL] += d->no_room;
		d->no_room = 0;
	}
	return err;
}
