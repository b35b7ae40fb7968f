// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * darkscope.bpf.c - the telescope's fast path.
 *
 * Every frame is classified (parsing.bpf.h) into exactly one outcome counter.
 * IPv4 TCP/UDP/ICMP frames are then counted per (proto, dport) in an array
 * that cannot overflow, and per (proto, dport, source /24): appended as one
 * 8-byte record to this CPU's flow log, which the daemon empties several
 * times a second and aggregates, or, when the log is full or off, in a
 * per-CPU hash with the hosts of the /24 seen as a bitmap.  The log's cost
 * does not depend on how many keys are live (a hash's grows with its cache
 * and TLB misses; docs/ARCHITECTURE.md).  TCP SYNs whose sequence number
 * equals the destination address (Mirai's scanner) are flagged.  All writes
 * go to the maps of the current epoch (maps.bpf.h), so the daemon can drain
 * the other epoch without racing us.
 *
 * Capture (off unless cfg_capture is set): after a frame is counted, the
 * selection may redirect it to the AF_XDP socket of its receive queue
 * (capture.bpf.h); counting never depends on it.
 *
 * Verdict: IPv4 is dropped (a darknet answers nothing) unless cfg_pass;
 * everything else (ARP, IPv6, runts) goes to the kernel.  A captured frame
 * is redirected instead.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "darkscope.h"
#include "maps.bpf.h"
#include "parsing.bpf.h"

/* One load the compiler may not merge, repeat or move: the daemon writes it. */
#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))
/* One store likewise: the daemon reads it. */
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

/* Set by the daemon before load: pass counted IPv4 to the kernel. */
const volatile bool cfg_pass = false;
/* Flow log records per CPU and log epoch (0: no log, the hash only), and
 * the possible CPUs, whose regions the log holds. */
const volatile __u32 cfg_log_records = 0;
const volatile __u32 cfg_ncpus = 1;

#include "capture.bpf.h"

static __always_inline __u32 current_epoch(void)
{
	__u32 zero = 0;
	void *tag_map = bpf_map_lookup_elem(&epoch_select, &zero);
	__u32 *epoch;

	if (!tag_map)
		return 0;
	epoch = bpf_map_lookup_elem(tag_map, &zero);
	/* The mask keeps the verifier (and a corrupt tag) within the epochs. */
	return epoch ? (*epoch & 3) : 0;
}

static __always_inline void set_host_bit(__u64 *bitmap, __be32 saddr)
{
	/* The last octet of a network-order address is its highest byte. */
	__u8 host = bpf_ntohl(saddr) & 0xff;

	bitmap[(host >> 6) & (DS_HOST_WORDS - 1)] |= 1ULL << (host & 63);
}

static __always_inline void count_port(__u32 epoch, const struct pkt_info *pi)
{
	__u32 slot = epoch * DS_PORT_SLOTS + pi->proto * 65536 + pi->dport;
	struct ds_port_value *pv = bpf_map_lookup_elem(&port_counts, &slot);

	if (!pv)
		return;
	/* Per-CPU value: plain increments, no atomics needed. */
	pv->packets++;
	pv->syn += pi->syn;
	pv->mirai += pi->mirai;
}

enum flow_result {
	FLOW_COUNTED,  /* the key existed */
	FLOW_NEW,      /* this frame inserted the key: its first in the epoch */
	FLOW_NO_ROOM,  /* the flow map is full */
};

static __always_inline struct ds_flow_key flow_key_of(const struct pkt_info *pi)
{
	struct ds_flow_key key = {
		.src_net = pi->saddr & bpf_htonl(0xffffff00),
		.dport = pi->dport,
		.proto = pi->proto,
		.klass = DS_CLASS_PROBE,
	};

	return key;
}

/*
 * Publishes one more record: the new head must be seen after the record's
 * stores.  Only this CPU's program writes the head (runs on one CPU do not
 * interleave), so no atomic read-modify-write is needed, only the order.
 * x86 keeps stores in program order (TSO): a plain store after a compiler
 * barrier is a store-release there, and saves the locked add's ~20 cycles
 * on every frame.  Elsewhere an atomic exchange, which BPF orders fully
 * (docs/ARCHITECTURE.md, "The flow log").
 */
static __always_inline void publish_head(struct ds_log_ctl *ctl)
{
#if defined(__TARGET_ARCH_x86)
	__u32 head = ctl->head + 1;

	asm volatile("" ::: "memory");
	WRITE_ONCE(ctl->head, head);
#else
	/* BPF_XCHG always fetches, so it is fully ordered on every JIT. */
	__atomic_exchange_n(&ctl->head, ctl->head + 1, __ATOMIC_SEQ_CST);
#endif
}

/* Appends the frame to this CPU's ring of the interval epoch; false when
 * the ring is full (or the log is off). */
static __always_inline bool log_flow(__u32 epoch, const struct pkt_info *pi)
{
	__u32 ring = epoch * cfg_ncpus + bpf_get_smp_processor_id(), idx, w;
	struct ds_log_ctl *ctl;
	struct ds_flow_rec *rec;

	if (!cfg_log_records)
		return false;
	ctl = bpf_map_lookup_elem(&log_ctl, &ring);
	if (!ctl || ctl->head - READ_ONCE(ctl->tail) >= cfg_log_records)
		return false;
	w = ctl->widx;
	idx = ring * cfg_log_records + w;
	rec = bpf_map_lookup_elem(&flow_log, &idx);
	if (!rec)
		return false;
	rec->saddr = pi->saddr;
	rec->dport = pi->dport;
	rec->proto = pi->proto;
	rec->flags = (pi->syn ? DS_REC_SYN : 0) | (pi->mirai ? DS_REC_MIRAI : 0);
	ctl->widx = w + 1 == cfg_log_records ? 0 : w + 1;
	publish_head(ctl);
	return true;
}

/* With the log, a key is new in the interval when this frame's insert into
 * the interval's shared key set succeeded (capture of new keys only). */
static __always_inline bool key_is_new(__u32 epoch, const struct pkt_info *pi)
{
	struct ds_flow_key key = flow_key_of(pi);
	void *seen = bpf_map_lookup_elem(&new_key_sets, &epoch);
	__u8 one = 1;

	/* A lookup first: lock-free, where an update takes the bucket lock
	 * even to find that the key exists. */
	if (!seen || bpf_map_lookup_elem(seen, &key))
		return false;
	return !bpf_map_update_elem(seen, &key, &one, BPF_NOEXIST);
}

static __always_inline enum flow_result count_flow(__u32 epoch, const struct pkt_info *pi)
{
	enum flow_result res = FLOW_COUNTED;
	struct ds_flow_key key = flow_key_of(pi);
	struct ds_flow_value *fv;
	void *flows;

	flows = bpf_map_lookup_elem(&flow_sets, &epoch);
	if (!flows)
		return FLOW_NO_ROOM;
	fv = bpf_map_lookup_elem(flows, &key);
	if (!fv) {
		struct ds_flow_value zero = {};

		/* NOEXIST: never replace an element another CPU just created
		 * (that would discard its per-CPU values); exactly one CPU's
		 * insert succeeds, so exactly one frame is the key's first.
		 * Then look up again: NULL means no room. */
		if (!bpf_map_update_elem(flows, &key, &zero, BPF_NOEXIST))
			res = FLOW_NEW;
		fv = bpf_map_lookup_elem(flows, &key);
		if (!fv)
			return FLOW_NO_ROOM;
	}
	fv->packets++;
	set_host_bit(fv->src_hosts, pi->saddr);
	if (pi->syn) {
		fv->syn++;
		if (pi->mirai) {
			fv->mirai++;
			set_host_bit(fv->mirai_hosts, pi->saddr);
		}
	}
	return res;
}

SEC("xdp")
int xdp_darkscope(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct pkt_info pi = {};
	struct ds_counters *ctr;
	__u32 tag = current_epoch();
	__u32 epoch = tag & 1; /* the interval epoch (tag >> 1: unused since the log rings) */
	enum flow_result flow = FLOW_COUNTED;
	bool is_new;
	__u32 verdict;
	int outcome;

	outcome = classify_frame(data, data_end, &pi);
	ctr = bpf_map_lookup_elem(&sensor_counters, &epoch);
	if (ctr) {
		ctr->c[DS_CTR_FRAMES]++;
		if (outcome >= 0 && outcome < DS_CTR_MAX)
			ctr->c[outcome]++;
	}

	verdict = cfg_pass ? XDP_PASS : XDP_DROP;
	switch (outcome) {
	case DS_CTR_COUNTED:
		count_port(epoch, &pi);
		if (!log_flow(epoch, &pi)) {
			flow = count_flow(epoch, &pi);
			if (ctr && cfg_log_records)
				ctr->c[DS_CTR_LOG_FULL]++;
			if (ctr && flow == FLOW_NO_ROOM)
				ctr->c[DS_CTR_MAP_FULL]++;
		}
		/* Everything is counted by now: capture only picks the verdict.
		 * With the log, the hash's insert is not what makes a key new. */
		if (cfg_capture) {
			if (cfg_log_records)
				is_new = (cfg_capture & DS_CAPTURE_NEW) && key_is_new(epoch, &pi);
			else
				is_new = flow == FLOW_NEW;
			if (capture_selects(ctx, &pi, is_new))
				return capture_redirect(ctx, ctr, verdict);
		}
		break;
	case DS_CTR_NON_IP:
	case DS_CTR_IPV6:
	case DS_CTR_BAD_L2:
		/* Not IPv4: the kernel's business (ARP must keep working). */
		return XDP_PASS;
	default:
		break;
	}
	return verdict;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
