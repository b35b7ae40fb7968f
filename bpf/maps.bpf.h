/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.bpf.h - the maps of the darkscope XDP program.
 *
 * Everything the program counts exists twice, once per epoch.  The program
 * reads the current epoch at the start of every run and writes only that
 * epoch's maps; the daemon flips the epoch by swapping the inner map of
 * epoch_select, a map-in-map whose update syscall returns only after every
 * program run that could still see the old epoch has finished
 * (synchronize_rcu in the kernel's maybe_wait_bpf_programs()).  The old
 * epoch's maps are then quiescent and are drained without a race.
 *
 * An epoch is two bits: bit 0 is the interval epoch (per-port totals,
 * sensor counters, the per-CPU flow hash, the capture's new-key set), bit 1
 * the log epoch (the flow log).  The daemon flips the log epoch alone every
 * fraction of a second to empty the log, and both at an interval boundary.
 */
#ifndef __DARKSCOPE_MAPS_BPF_H
#define __DARKSCOPE_MAPS_BPF_H

/* Epoch tags: one-slot arrays whose value is their epoch number (0..3;
 * the daemon writes 1, 2, 3 into epoch_tag_1..3 after load). */
struct epoch_tag_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} epoch_tag_0 SEC(".maps"), epoch_tag_1 SEC(".maps"), epoch_tag_2 SEC(".maps"),
	epoch_tag_3 SEC(".maps");

/* The one slot holds the current epoch's tag map. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct epoch_tag_map);
} epoch_select SEC(".maps") = {
	.values = { &epoch_tag_0 },
};

/* Per-(proto, dport, source /24) counters; max_entries is --max-keys. */
struct flow_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DS_DEFAULT_MAX_KEYS);
	__type(key, struct ds_flow_key);
	__type(value, struct ds_flow_value);
} flows_0 SEC(".maps"), flows_1 SEC(".maps");

/* Slot e holds epoch e's flow map. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct flow_map);
} flow_sets SEC(".maps") = {
	.values = { &flows_0, &flows_1 },
};

/*
 * The flow log: per CPU and interval epoch, a ring of cfg_log_records
 * records, one per counted frame, read by the daemon through mmap() while
 * the program writes (struct ds_log_ctl in log_ctl says how far each side
 * is).  Ring (interval epoch * cfg_ncpus + CPU).  A frame that finds its
 * CPU's ring full is counted in the per-CPU flow hash instead
 * (DS_CTR_LOG_FULL).  The daemon sizes both; 1 entry while off.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ds_flow_rec);
} flow_log SEC(".maps");

/* Each ring's head and tail, same index as the rings. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct ds_log_ctl);
} log_ctl SEC(".maps");

/* With the log and capture of new keys: the keys seen in the interval, one
 * set per interval epoch, so exactly one frame per key and interval is
 * "new" whatever CPU logged it (a shared hash; BPF_NOEXIST decides).  The
 * daemon sizes them to --max-keys; 1 entry otherwise. */
struct new_key_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct ds_flow_key);
	__type(value, __u8);
} new_keys_0 SEC(".maps"), new_keys_1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct new_key_map);
} new_key_sets SEC(".maps") = {
	.values = { &new_keys_0, &new_keys_1 },
};

/* Per-(proto, port) totals: an array cannot overflow, so these stay exact
 * when the flow map is full.  Slot: epoch * DS_PORT_SLOTS + proto * 65536 + port. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * DS_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct ds_port_value);
} port_counts SEC(".maps");

/* Sensor counters, one entry per epoch. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct ds_counters);
} sensor_counters SEC(".maps");

/* Capture: AF_XDP sockets by receive queue, filled by the daemon before
 * the program is loaded (bpf_map__reuse_fd), so capture is live from the
 * first frame. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, DS_CAPTURE_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} capture_sockets SEC(".maps");

/* Frames left before the next sample, per receive queue.  Shared, not
 * per-CPU: a queue's NAPI poll runs on one CPU at a time but not always the
 * same one, and the sample must be 1-in-N of the queue.  Padded to a cache
 * line so queues polled on different CPUs do not share one. */
struct sample_countdown_slot {
	__u64 left;
	__u64 pad[7];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DS_CAPTURE_MAX_QUEUES);
	__type(key, __u32);
	__type(value, struct sample_countdown_slot);
} sample_countdown SEC(".maps");

#endif /* __DARKSCOPE_MAPS_BPF_H */
