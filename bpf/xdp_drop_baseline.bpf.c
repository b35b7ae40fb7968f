// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdp_drop_baseline.bpf.c - the benchmark's yardstick: count every frame in a
 * per-CPU array and drop it.  What darkscope costs is reported as a ratio to
 * this program on the same run.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drop_count SEC(".maps");

SEC("xdp")
int xdp_drop_baseline(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&drop_count, &zero);

	if (count)
		*count += 1; /* per-CPU: no atomics needed */
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
