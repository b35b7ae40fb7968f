// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_capture_select.c - which frames the XDP program selects for capture,
 * under BPF_PROG_RUN.
 *
 * Capture must never change what is counted, so selection is checked
 * through the counters alone: every run reads both epochs' sensor counters
 * before and after, and the difference must be exactly one frame, its one
 * outcome, map_full when expected, and capture_selected == capture_no_socket
 * == 1 when the frame is selected, 0 when not.  No AF_XDP socket is ever in
 * capture_sockets here, so a selected frame gets bpf_redirect_map()'s
 * fallback, which must be the verdict the frame gets with capture off
 * (XDP_DROP for IPv4, XDP_PASS with cfg_pass, XDP_PASS for ARP/IPv6/bad_l2).
 *
 * What is checked, rule by rule (cfg_capture bits, darkscope.h):
 *   - a table of frames (one cmocka test per row) against instances with
 *     capture off, payload, mirai, new, all, 1-in-1 sample, every bit, and
 *     cfg_pass variants: the payload rule by IP lengths (not the UDP length
 *     field, not Ethernet padding, TCP data past max(doff * 4, 20)), the
 *     Mirai rule (SYN without ACK, seq == daddr on the wire), and that no
 *     frame outside DS_CTR_COUNTED is ever selected;
 *   - new: the frame whose insert created the flow key, per epoch, again
 *     after the daemon's drain deleted the key, never without room;
 *   - sample: the 1st, N+1th, ... counted frame of a receive queue, the
 *     countdown moving for every counted frame whatever the other rules say
 *     and for no other frame; a frame several rules match is counted once;
 *   - receive queues: in a private network namespace, on a veth with 257
 *     queues (lo has one, and BPF_PROG_RUN refuses a queue the ingress
 *     device lacks), the countdown is per queue and a queue past
 *     DS_CAPTURE_MAX_QUEUES finds no socket; and the countdown is the
 *     queue's, not the CPU's: BPF_PROG_RUN runs the program on the calling
 *     CPU, so moving the process between two CPUs moves the queue's frames;
 *   - counting: flow maps, port slots and every other counter end up the
 *     same with every rule on as with capture off, map_full included.
 *
 * One program is loaded per configuration (struct inst), on first use, and
 * reset between uses; a load takes ~0.4 s (port_counts' per-CPU slots), so
 * the whole file takes ~10 s.
 *
 * Needs CAP_BPF and CAP_SYS_ADMIN (root): skipped otherwise.
 * Run: build/tests/prog/test_capture_select; under valgrind add
 * --suppressions=tests/prog/valgrind.supp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "series/counter_names.h"
#include "frames.h"
#include "prog_test_util.h"
#include "table_group.h"

/* Flow map size of most instances: far more keys than any test makes. */
#define FLOW_KEYS 256
/* Flow map size of the instances that test a full map. */
#define SMALL_KEYS 4
/* Keys a flow map snapshot keeps. */
#define MAX_FLOWS 64

/* The multi-queue device of the queue tests: one queue past the ones
 * the XSKMAP and the sample countdown cover. */
#define MQ_DEV "dscap0"
#define MQ_QUEUES (DS_CAPTURE_MAX_QUEUES + 1)

/* Bytes before the IPv4 header of an untagged frame. */
#define L3 14

/* Test addresses, host order. */
#define NET_A 0x0a010100U /* 10.1.1.0/24 */
#define NET_B 0x0a010200U /* 10.1.2.0/24 */

enum inst_id {
	I_OFF,
	I_OFF_PASS,
	I_PAYLOAD,
	I_MIRAI,
	I_PAYLOAD_MIRAI_PASS,
	I_NEW,
	I_ALL,
	I_ALL_PASS,
	I_SAMPLE1,
	I_SAMPLE3,
	I_SAMPLE2_PASS,
	I_SAMPLE_MIRAI3,
	I_RULES3, /* every rule but all, 1 in 3 */
	I_EVERY,  /* every bit, 1 in 1 */
	I_OFF_SMALL,
	I_NEW_SMALL,
	I_MAX
};

/* One loaded program per configuration, loaded when a test first asks. */
struct inst {
	const char *name;
	__u32 capture;  /* cfg_capture */
	__u32 sample_n; /* cfg_sample_n; 0: 1, as the loader does */
	bool pass;      /* cfg_pass */
	__u32 max_keys; /* flows_0/1 size; 0: FLOW_KEYS */
	struct sensor_prog sp;
	struct darkscope_bpf *skel; /* sp.skel, once loaded */
	int epoch;      /* the tag in epoch_select (updating it waits for RCU) */
};

static struct inst insts[I_MAX] = {
	[I_OFF] = { .name = "off" },
	[I_OFF_PASS] = { .name = "off+pass", .pass = true },
	[I_PAYLOAD] = { .name = "payload", .capture = DS_CAPTURE_PAYLOAD },
	[I_MIRAI] = { .name = "mirai", .capture = DS_CAPTURE_MIRAI },
	[I_PAYLOAD_MIRAI_PASS] = { .name = "payload|mirai+pass",
				   .capture = DS_CAPTURE_PAYLOAD | DS_CAPTURE_MIRAI,
				   .pass = true },
	[I_NEW] = { .name = "new", .capture = DS_CAPTURE_NEW },
	[I_ALL] = { .name = "all", .capture = DS_CAPTURE_ALL },
	[I_ALL_PASS] = { .name = "all+pass", .capture = DS_CAPTURE_ALL, .pass = true },
	[I_SAMPLE1] = { .name = "sample/1", .capture = DS_CAPTURE_SAMPLE, .sample_n = 1 },
	[I_SAMPLE3] = { .name = "sample/3", .capture = DS_CAPTURE_SAMPLE, .sample_n = 3 },
	[I_SAMPLE2_PASS] = { .name = "sample/2+pass", .capture = DS_CAPTURE_SAMPLE,
			     .sample_n = 2, .pass = true },
	[I_SAMPLE_MIRAI3] = { .name = "sample/3|mirai",
			      .capture = DS_CAPTURE_SAMPLE | DS_CAPTURE_MIRAI, .sample_n = 3 },
	[I_RULES3] = { .name = "sample/3|new|payload|mirai",
		       .capture = DS_CAPTURE_SAMPLE | DS_CAPTURE_NEW | DS_CAPTURE_PAYLOAD |
				  DS_CAPTURE_MIRAI,
		       .sample_n = 3 },
	[I_EVERY] = { .name = "every bit, sample/1",
		      .capture = DS_CAPTURE_SAMPLE | DS_CAPTURE_NEW | DS_CAPTURE_PAYLOAD |
				 DS_CAPTURE_MIRAI | DS_CAPTURE_ALL,
		      .sample_n = 1 },
	[I_OFF_SMALL] = { .name = "off, small flow maps", .max_keys = SMALL_KEYS },
	[I_NEW_SMALL] = { .name = "new, small flow maps", .capture = DS_CAPTURE_NEW,
			  .max_keys = SMALL_KEYS },
};

/*
 * A frames.h spec, and the header fields frames.h always writes right.
 * The patches leave the checksums stale: the program never reads them.
 */
struct tframe {
	struct frame_spec s;
	__u8 doff;     /* nonzero: TCP data offset over frames.h's 5; the
			* bytes past the 20-byte header become NOP options */
	__u16 udp_len; /* nonzero: UDP length field over the true one */
};

/* What one run must move (all in one epoch, nothing in the other). */
struct expect {
	enum ds_counter outcome; /* 0: DS_CTR_COUNTED */
	bool selected;
	bool map_full;
	int epoch;
	__u32 queue; /* rx_queue_index */
};

static struct {
	cpu_set_t affinity;      /* the CPUs the process may run on, at start */
	__u32 ifindex;           /* ingress device of BPF_PROG_RUN */
	int orig_netns;          /* during the queue tests */
	const char *mq_skip_why; /* no multi-queue device */
} env = { .orig_netns = -1 };

/* Host h of the /24 net24, host order. */
#define HOST(net24, h) ((net24) | (h))

/* Instances -------------------------------------------------------------- */

/* in's configuration, as the daemon's options would give it. */
static struct loader_opts inst_opts(const struct inst *in)
{
	return (struct loader_opts){
		.pass = in->pass,
		.capture_select = in->capture,
		.sample_n = in->sample_n,
		.max_keys = in->max_keys ? in->max_keys : FLOW_KEYS,
	};
}

static void inst_epoch_set(struct inst *in, int epoch)
{
	epoch_set(in->skel, epoch);
	in->epoch = epoch;
}

/*
 * Back to a freshly loaded program, port_counts aside (tests compare port
 * slots before and after): epoch 0, counters zero, no flow keys, every
 * queue's countdown at 0 (its next counted frame is sampled).
 */
static void inst_reset(struct inst *in)
{
	struct bpf_map *countdown = in->skel->maps.sample_countdown;
	/* Sized from the map, whatever a countdown slot holds (and a per-CPU
	 * array takes one value per CPU). */
	size_t value_bytes = (bpf_map__value_size(countdown) + 7) / 8 * 8 *
			   (bpf_map__type(countdown) == BPF_MAP_TYPE_PERCPU_ARRAY ? test_env.ncpus : 1);
	__u64 zero_slot[value_bytes / 8];
	__u32 q;

	memset(zero_slot, 0, sizeof(zero_slot));
	if (in->epoch)
		inst_epoch_set(in, 0);
	counters_flows_reset(in->skel);
	/* Only the sample rule moves a countdown. */
	for (q = 0; (in->capture & DS_CAPTURE_SAMPLE) && q < DS_CAPTURE_MAX_QUEUES; q++)
		check(!bpf_map_update_elem(bpf_map__fd(countdown), &q, zero_slot, BPF_ANY),
		      "zeroing sample_countdown[%u]: %s", q, strerror(errno));
}

/* The instance of id, loaded on first use, reset. */
static struct inst *inst_get(enum inst_id id)
{
	struct inst *in = &insts[id];

	if (!in->skel) {
		struct loader_opts lo = inst_opts(in);
		int err = prog_load(&in->sp, &lo);

		if (err)
			fail_msg("loading instance '%s': %s", in->name, strerror(-err));
		in->skel = in->sp.skel;
	}
	inst_reset(in);
	return in;
}

/* Map access ------------------------------------------------------------- */

/* Every key of epoch's flow map, sorted; returns how many. */
static int inst_flows(struct inst *in, int epoch, struct flow_row rows[MAX_FLOWS])
{
	int n = flows_read(in->skel, epoch, rows, MAX_FLOWS);

	check(n <= MAX_FLOWS, "%d keys in flows_%d, more than %d", n, epoch, MAX_FLOWS);
	return n;
}

/* The daemon's drain of one key: deleted from epoch's flow map. */
static void flow_delete(struct inst *in, int epoch, __u32 saddr, __u8 proto, __u16 dport)
{
	struct ds_flow_key key = {
		.src_net = htonl(saddr & 0xffffff00),
		.dport = dport,
		.proto = proto,
		.klass = DS_CLASS_PROBE,
	};

	check(!bpf_map_delete_elem(bpf_map__fd(flows_of(in->skel, epoch)), &key),
	      "deleting a key from flows_%d: %s", epoch, strerror(errno));
}

/* Program runs ----------------------------------------------------------- */

/* frame_build(), then the tframe's patches; returns the frame length. */
static size_t tframe_build(const struct tframe *f, __u8 *buf)
{
	size_t len = frame_build(&f->s, buf);
	size_t l4 = frame_l3_offset(&f->s) + (f->s.ip.ihl > 5 ? f->s.ip.ihl * 4 : 20);
	size_t i;

	if (f->doff) {
		buf[l4 + 12] = f->doff << 4;
		for (i = l4 + sizeof(struct tcphdr); i < l4 + f->doff * 4u && i < len; i++)
			buf[i] = IPOPT_NOP_BYTE; /* TCP's NOP option is 1 too */
	}
	if (f->udp_len) {
		__be16 v = htons(f->udp_len);

		memcpy(buf + l4 + offsetof(struct udphdr, len), &v, sizeof(v));
	}
	return len;
}

/*
 * One BPF_PROG_RUN of f, received on queue of env.ifindex; returns the
 * verdict and, in delta, what it moved in each epoch's counters.
 */
static __u32 tframe_run(struct inst *in, const struct tframe *f, __u32 queue,
			struct ds_counters delta[2])
{
	__u8 frame[FRAME_MAX], out[FRAME_MAX];
	__u32 len = tframe_build(f, frame);
	struct xdp_md ctx = {
		.data_end = len,
		.ingress_ifindex = env.ifindex,
		.rx_queue_index = queue,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	struct ds_counters before[2];
	int e, i;

	check(len >= ETH_HLEN && len <= FRAME_MAX, "frame_build gave %u bytes", len);
	for (e = 0; e < 2; e++)
		counters_read(in->skel, e, &before[e]);
	check(!bpf_prog_test_run_opts(bpf_program__fd(in->skel->progs.xdp_darkscope), &opts),
	      "BPF_PROG_RUN of %u bytes, ifindex %u queue %u: %s", len, env.ifindex, queue,
	      strerror(errno));
	for (e = 0; e < 2; e++) {
		counters_read(in->skel, e, &delta[e]);
		for (i = 0; i < DS_CTR_MAX; i++)
			delta[e].c[i] -= before[e].c[i];
	}
	return opts.retval;
}

/*
 * Runs f on in and fails unless the verdict is the one capture off gives
 * (no socket: the fallback) and the counters moved exactly as e says.
 */
static void frame_check(struct inst *in, const struct tframe *f, const struct expect *e)
{
	enum ds_counter outcome = e->outcome ? e->outcome : DS_CTR_COUNTED;
	struct ds_counters got[2], want[2] = {};
	__u32 verdict, want_verdict;
	int ep;

	want[e->epoch].c[DS_CTR_FRAMES] = 1;
	want[e->epoch].c[outcome] = 1;
	want[e->epoch].c[DS_CTR_MAP_FULL] = e->map_full;
	want[e->epoch].c[DS_CTR_CAPTURE_SELECTED] = e->selected;
	want[e->epoch].c[DS_CTR_CAPTURE_NO_SOCKET] = e->selected;
	/* Not IPv4 (ARP, IPv6, runts): the kernel's.  IPv4: cfg_pass says. */
	if (outcome == DS_CTR_NON_IP || outcome == DS_CTR_IPV6 || outcome == DS_CTR_BAD_L2)
		want_verdict = XDP_PASS;
	else
		want_verdict = in->pass ? XDP_PASS : XDP_DROP;

	verdict = tframe_run(in, f, e->queue, got);
	if (memcmp(got, want, sizeof(got))) {
		for (ep = 0; ep < 2; ep++) {
			counters_print("got ", ep, &got[ep]);
			counters_print("want", ep, &want[ep]);
		}
		fail_msg("%s [%s, queue %u]: counters moved otherwise (above)", test_env.what,
			 in->name, e->queue);
	}
	check(verdict == want_verdict, "[%s] verdict %s (%u), want %s", in->name,
	      verdict_name(verdict), verdict, verdict_name(want_verdict));
}

/* One frame of a sequence and what it must do. */
struct step {
	const struct tframe *f;
	bool selected;
	enum ds_counter outcome; /* 0: DS_CTR_COUNTED */
	__u32 queue;
};

/* Steps: selected, counted but not selected, not counted (outcome ctr);
 * on queue 0 unless _Q. */
#define SEL_Q(fr, q) { .f = &(fr), .selected = true, .queue = (q) }
#define UNSEL_Q(fr, q) { .f = &(fr), .queue = (q) }
#define UNCOUNTED_Q(fr, ctr, q) { .f = &(fr), .outcome = (ctr), .queue = (q) }
#define SEL(fr) SEL_Q(fr, 0)
#define UNSEL(fr) UNSEL_Q(fr, 0)
#define UNCOUNTED(fr, ctr) UNCOUNTED_Q(fr, ctr, 0)

static void steps_check(struct inst *in, const char *name, const struct step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct expect e = {
			.outcome = steps[i].outcome,
			.selected = steps[i].selected,
			.queue = steps[i].queue,
		};

		what_set("%s, frame %zu of %zu", name, i + 1, n);
		frame_check(in, steps[i].f, &e);
	}
}

/* Frames used by several tests. */
static const struct tframe syn = {};
static const struct tframe mirai = { .s = { .tcp.seq = FRAME_DST } };
static const struct tframe udp = { .s = { .l4 = FRAME_L4_UDP, .udp.dport = 53 } };
static const struct tframe icmp = { .s = { .l4 = FRAME_L4_ICMP, .icmp.type = 8 } };
static const struct tframe tcp_data = { .s = { .tcp.flags = TH_PSH | TH_ACK, .payload = 100 } };
/* Not counted (specs as macros: the frame table uses them too). */
#define ARP_SPEC { .ethertype = ETH_P_ARP, .payload = 28 }
#define IPV6_SPEC { .ethertype = ETH_P_IPV6, .payload = 40 }
#define FRAGMENT_SPEC { .ip.frag_off = 185, .payload = 40 }
#define VLAN_CUT_SPEC { .tpid = { ETH_P_8021Q }, .cut_to = L3 + 3 }
#define GRE_SPEC { .l4 = FRAME_L4_RAW, .ip.protocol = 47, .payload = 40 }
#define BAD_VERSION_SPEC { .ip.version = 6 }
static const struct tframe arp = { .s = ARP_SPEC };
static const struct tframe ipv6 = { .s = IPV6_SPEC };
static const struct tframe fragment = { .s = FRAGMENT_SPEC };
static const struct tframe vlan_cut = { .s = VLAN_CUT_SPEC };
static const struct tframe gre = { .s = GRE_SPEC };
static const struct tframe bad_version = { .s = BAD_VERSION_SPEC };

/* The frame table --------------------------------------------------------- */

struct sel_row {
	const char *name; /* test_capture_select_<name> */
	struct tframe f;
	enum ds_counter outcome;
	bool payload; /* the payload rule takes it */
	bool mirai;   /* the mirai rule takes it */
};

#define COUNTED(p, m) .outcome = DS_CTR_COUNTED, .payload = (p), .mirai = (m)
#define NOT_COUNTED(ctr) .outcome = (ctr)

static const struct sel_row rows[] = {
	/* TCP data: past the header the segment claims, at least 20 bytes. */
	{ "tcp_syn", { .s = {} }, COUNTED(0, 0) },
	{ "tcp_syn_padded_to_60", { .s = { .pad_to = 60 } }, COUNTED(0, 0) },
	{ "tcp_syn_20_bytes_options", { .s = { .payload = 20 }, .doff = 10 }, COUNTED(0, 0) },
	{ "tcp_syn_options_and_1_byte", { .s = { .payload = 21 }, .doff = 10 }, COUNTED(1, 0) },
	{ "tcp_doff_15_no_data", { .s = { .payload = 40 }, .doff = 15 }, COUNTED(0, 0) },
	/* doff claims more than the segment holds: still no data. */
	{ "tcp_doff_beyond_segment", { .s = { .payload = 10 }, .doff = 15 }, COUNTED(0, 0) },
	/* doff below 5 is not believed: the header is 20 bytes anyway. */
	{ "tcp_doff_4_no_data", { .s = {}, .doff = 4 }, COUNTED(0, 0) },
	{ "tcp_doff_4_1_byte", { .s = { .payload = 1 }, .doff = 4 }, COUNTED(1, 0) },
	{ "tcp_psh_ack_data", { .s = { .tcp.flags = TH_PSH | TH_ACK, .payload = 100 } },
	  COUNTED(1, 0) },
	{ "tcp_ack_1_byte", { .s = { .tcp.flags = TH_ACK, .payload = 1 } }, COUNTED(1, 0) },
	{ "tcp_syn_with_data", { .s = { .payload = 8 } }, COUNTED(1, 0) },
	/* The IP length is what counts: here it claims the 6 padding bytes. */
	{ "tcp_tot_len_covers_padding", { .s = { .ip.tot_len = 60 - L3, .pad_to = 60 } },
	  COUNTED(1, 0) },
	/* IP options are no TCP data. */
	{ "tcp_ihl_15_no_data", { .s = { .ip.ihl = 15 } }, COUNTED(0, 0) },
	{ "tcp_ihl_15_1_byte", { .s = { .ip.ihl = 15, .payload = 1 } }, COUNTED(1, 0) },

	/* Mirai: SYN without ACK, seq == daddr byte for byte. */
	{ "mirai_syn", { .s = { .tcp.seq = FRAME_DST } }, COUNTED(0, 1) },
	{ "mirai_syn_ece_cwr", { .s = { .tcp.seq = FRAME_DST, .tcp.flags = TH_SYN | TH_ECE |
									   TH_CWR } },
	  COUNTED(0, 1) },
	{ "mirai_syn_fin", { .s = { .tcp.seq = FRAME_DST, .tcp.flags = TH_SYN | TH_FIN } },
	  COUNTED(0, 1) },
	{ "mirai_seq_syn_ack", { .s = { .tcp.seq = FRAME_DST, .tcp.flags = TH_SYN | TH_ACK } },
	  COUNTED(0, 0) },
	{ "mirai_seq_rst", { .s = { .tcp.seq = FRAME_DST, .tcp.flags = TH_RST } }, COUNTED(0, 0) },
	{ "mirai_seq_ack", { .s = { .tcp.seq = FRAME_DST, .tcp.flags = TH_ACK } }, COUNTED(0, 0) },
	{ "mirai_seq_swapped", { .s = { .tcp.seq = __builtin_bswap32(FRAME_DST) } },
	  COUNTED(0, 0) },
	{ "mirai_seq_off_by_one", { .s = { .tcp.seq = FRAME_DST + 1 } }, COUNTED(0, 0) },
	/* The frame's own destination, not a fixed address. */
	{ "mirai_other_daddr", { .s = { .ip.daddr = 0x0a090807, .tcp.seq = 0x0a090807 } },
	  COUNTED(0, 1) },
	{ "mirai_seq_of_other_daddr", { .s = { .ip.daddr = 0x0a090807, .tcp.seq = FRAME_DST } },
	  COUNTED(0, 0) },
	{ "mirai_syn_with_data", { .s = { .tcp.seq = FRAME_DST, .payload = 4 } }, COUNTED(1, 1) },
	{ "mirai_ihl_15", { .s = { .ip.ihl = 15, .tcp.seq = FRAME_DST } }, COUNTED(0, 1) },
	{ "mirai_vlan", { .s = { .tpid = { ETH_P_8021Q }, .tcp.seq = FRAME_DST } },
	  COUNTED(0, 1) },

	/* UDP payload: by the IP lengths, not the UDP length field. */
	{ "udp_no_payload", { .s = { .l4 = FRAME_L4_UDP } }, COUNTED(0, 0) },
	{ "udp_1_byte", { .s = { .l4 = FRAME_L4_UDP, .payload = 1 } }, COUNTED(1, 0) },
	{ "udp_padded_to_60", { .s = { .l4 = FRAME_L4_UDP, .pad_to = 60 } }, COUNTED(0, 0) },
	{ "udp_len_8_ip_payload", { .s = { .l4 = FRAME_L4_UDP, .payload = 10 }, .udp_len = 8 },
	  COUNTED(1, 0) },
	{ "udp_len_100_no_ip_payload", { .s = { .l4 = FRAME_L4_UDP }, .udp_len = 100 },
	  COUNTED(0, 0) },
	{ "udp_tot_len_covers_padding",
	  { .s = { .l4 = FRAME_L4_UDP, .ip.tot_len = 60 - L3, .pad_to = 60 } }, COUNTED(1, 0) },
	{ "udp_ihl_15_no_payload", { .s = { .l4 = FRAME_L4_UDP, .ip.ihl = 15 } }, COUNTED(0, 0) },
	{ "udp_ihl_15_1_byte", { .s = { .l4 = FRAME_L4_UDP, .ip.ihl = 15, .payload = 1 } },
	  COUNTED(1, 0) },
	{ "udp_qinq_payload",
	  { .s = { .tpid = { ETH_P_8021AD, ETH_P_8021Q }, .l4 = FRAME_L4_UDP, .payload = 50 } },
	  COUNTED(1, 0) },
	/* A first fragment carries the L4 header: counted like any datagram. */
	{ "udp_first_fragment", { .s = { .l4 = FRAME_L4_UDP, .ip.frag_off = FRAME_IP_MF,
					 .payload = 64 } },
	  COUNTED(1, 0) },

	/* ICMP: never payload. */
	{ "icmp_echo_data", { .s = { .l4 = FRAME_L4_ICMP, .icmp.type = 8, .payload = 56 } },
	  COUNTED(0, 0) },
	{ "icmp_unreachable", { .s = { .l4 = FRAME_L4_ICMP, .icmp.type = 3, .icmp.code = 1 } },
	  COUNTED(0, 0) },
	{ "icmp_padded_to_60", { .s = { .l4 = FRAME_L4_ICMP, .icmp.type = 8, .pad_to = 60 } },
	  COUNTED(0, 0) },

	/* Not counted: never selected, whatever they carry. */
	{ "arp", { .s = ARP_SPEC }, NOT_COUNTED(DS_CTR_NON_IP) },
	{ "ipv6", { .s = IPV6_SPEC }, NOT_COUNTED(DS_CTR_IPV6) },
	{ "vlan_tag_cut", { .s = VLAN_CUT_SPEC }, NOT_COUNTED(DS_CTR_BAD_L2) },
	{ "fragment_with_payload", { .s = FRAGMENT_SPEC }, NOT_COUNTED(DS_CTR_FRAGMENT) },
	{ "fragment_mirai_syn", { .s = { .ip.frag_off = 1, .tcp.seq = FRAME_DST } },
	  NOT_COUNTED(DS_CTR_FRAGMENT) },
	{ "gre", { .s = GRE_SPEC }, NOT_COUNTED(DS_CTR_OTHER_PROTO) },
	{ "ip_version_6", { .s = BAD_VERSION_SPEC }, NOT_COUNTED(DS_CTR_BAD_IP_VERSION) },
	{ "ihl_4", { .s = { .ip.ihl = 4, .payload = 10 } }, NOT_COUNTED(DS_CTR_BAD_IP_IHL) },
	{ "tot_len_beyond_frame", { .s = { .l4 = FRAME_L4_UDP, .payload = 10,
					   .ip.tot_len_delta = 1 } },
	  NOT_COUNTED(DS_CTR_BAD_IP_LEN) },
	{ "ip_header_19_bytes", { .s = { .cut_to = L3 + 19 } }, NOT_COUNTED(DS_CTR_BAD_IP_TRUNC) },
	{ "tcp_trunc_19_mirai", { .s = { .l4_len = 19, .tcp.seq = FRAME_DST } },
	  NOT_COUNTED(DS_CTR_BAD_L4_TRUNC) },
	{ "udp_header_in_padding",
	  { .s = { .l4 = FRAME_L4_UDP, .l4_len = 4, .l4_tail_as_padding = true, .pad_to = 60 } },
	  NOT_COUNTED(DS_CTR_BAD_L4_TRUNC) },
};

/* Instances every row runs on (each from reset maps). */
static const enum inst_id row_insts[] = {
	I_OFF, I_OFF_PASS, I_PAYLOAD, I_MIRAI, I_PAYLOAD_MIRAI_PASS, I_NEW, I_ALL, I_ALL_PASS,
	I_SAMPLE1, I_SAMPLE3, I_EVERY,
};

/* What in must do with r: the first time after a reset (every key new,
 * every countdown at 0), or the second time. */
static bool row_selected(const struct inst *in, const struct sel_row *r, bool first)
{
	__u32 c = in->capture;

	if (r->outcome != DS_CTR_COUNTED)
		return false;
	if (c & DS_CAPTURE_ALL)
		return true;
	if (first && (c & (DS_CAPTURE_NEW | DS_CAPTURE_SAMPLE)))
		return true;
	/* The second time the key is known, and the countdown is at N - 1. */
	if ((c & DS_CAPTURE_SAMPLE) && in->sample_n <= 1)
		return true;
	return ((c & DS_CAPTURE_PAYLOAD) && r->payload) || ((c & DS_CAPTURE_MIRAI) && r->mirai);
}

static void test_capture_select_row(void **state)
{
	const struct sel_row *r = *state;
	size_t i;

	if (test_env.skip_why)
		skip();
	for (i = 0; i < sizeof(row_insts) / sizeof(row_insts[0]); i++) {
		struct inst *in = inst_get(row_insts[i]);

		what_set("%s", r->name);
		frame_check(in, &r->f, &(struct expect){ .outcome = r->outcome,
							  .selected = row_selected(in, r, true) });
		what_set("%s, second time", r->name);
		frame_check(in, &r->f, &(struct expect){ .outcome = r->outcome,
							  .selected = row_selected(in, r, false) });
	}
}

/* new ----------------------------------------------------------------------- */

/* A TCP SYN from src to port to_port (host order). */
#define SYN_FROM(src, to_port) { .s = { .ip.saddr = (src), .tcp.dport = (to_port) } }

/* SYNs of two keys, from two /24s. */
static const struct tframe syn_a = SYN_FROM(HOST(NET_A, 5), 23);
static const struct tframe syn_b = SYN_FROM(HOST(NET_B, 5), 23);

/* The first frame of each (proto, dport, /24) key, and no other. */
static void test_capture_select_new_first_of_key(void **state)
{
	const struct tframe a = SYN_FROM(HOST(NET_A, 5), 23);
	const struct tframe a_other_host = SYN_FROM(HOST(NET_A, 6), 23);
	const struct tframe a_mirai = { .s = { .ip.saddr = HOST(NET_A, 7), .tcp.seq = FRAME_DST,
					       .payload = 10 } };
	const struct tframe a_other_port = SYN_FROM(HOST(NET_A, 5), 24);
	const struct tframe b = SYN_FROM(HOST(NET_B, 5), 23);
	const struct tframe a_udp = { .s = { .ip.saddr = HOST(NET_A, 5), .l4 = FRAME_L4_UDP,
					     .udp.dport = 23 } };
	const struct tframe a_icmp = { .s = { .ip.saddr = HOST(NET_A, 5), .l4 = FRAME_L4_ICMP,
					      .icmp.type = 23 } };
	const struct step steps[] = {
		SEL(a),
		UNSEL(a),
		UNSEL(a_other_host), /* same /24: same key */
		UNSEL(a_mirai),      /* mirai and payload are not new's business */
		UNCOUNTED(arp, DS_CTR_NON_IP),
		SEL(a_other_port),
		SEL(b),
		SEL(a_udp),         /* proto is part of the key */
		SEL(a_icmp),        /* ICMP type 23: yet another key */
		UNSEL(a_icmp),
		UNSEL(b),
		UNSEL(a_other_port),
	};
	struct flow_row flows[MAX_FLOWS];
	struct inst *in;

	(void)state;
	if (test_env.skip_why)
		skip();
	in = inst_get(I_NEW);
	steps_check(in, "new_first_of_key", steps, sizeof(steps) / sizeof(steps[0]));
	/* As many keys as frames selected. */
	what_set("new_first_of_key, keys");
	check(inst_flows(in, 0, flows) == 5, "flows_0 holds %d keys, want 5",
	      inst_flows(in, 0, flows));
	check(inst_flows(in, 1, flows) == 0, "flows_1 holds %d keys, want 0",
	      inst_flows(in, 1, flows));
}

/* Each epoch has its own flow map, so a key is new once in each. */
static void test_capture_select_new_per_epoch(void **state)
{
	struct inst *in;

	(void)state;
	if (test_env.skip_why)
		skip();
	in = inst_get(I_NEW);
	what_set("new_per_epoch, epoch 0");
	frame_check(in, &syn_a, &(struct expect){ .selected = true });
	frame_check(in, &syn_a, &(struct expect){ .selected = false });

	inst_epoch_set(in, 1);
	what_set("new_per_epoch, epoch 1");
	frame_check(in, &syn_a, &(struct expect){ .selected = true, .epoch = 1 });
	frame_check(in, &syn_a, &(struct expect){ .selected = false, .epoch = 1 });

	/* Back in epoch 0 (not drained): a is known there, b is not. */
	inst_epoch_set(in, 0);
	what_set("new_per_epoch, epoch 0 again");
	frame_check(in, &syn_a, &(struct expect){ .selected = false });
	frame_check(in, &syn_b, &(struct expect){ .selected = true });
	inst_epoch_set(in, 1);
	what_set("new_per_epoch, epoch 1 again");
	frame_check(in, &syn_b, &(struct expect){ .selected = true, .epoch = 1 });
	frame_check(in, &syn_a, &(struct expect){ .selected = false, .epoch = 1 });
	inst_epoch_set(in, 0);
}

/* The daemon's drain deletes the keys: the next frame of one is new. */
static void test_capture_select_new_after_drain(void **state)
{
	struct inst *in;

	(void)state;
	if (test_env.skip_why)
		skip();
	in = inst_get(I_NEW);
	what_set("new_after_drain, before");
	frame_check(in, &syn_a, &(struct expect){ .selected = true });
	frame_check(in, &syn_b, &(struct expect){ .selected = true });
	frame_check(in, &syn_a, &(struct expect){ .selected = false });

	flow_delete(in, 0, HOST(NET_A, 5), DS_PROTO_TCP, 23);
	what_set("new_after_drain, a deleted");
	frame_check(in, &syn_a, &(struct expect){ .selected = true });
	frame_check(in, &syn_a, &(struct expect){ .selected = false });
	frame_check(in, &syn_b, &(struct expect){ .selected = false });
}

/* A key that finds no room was not inserted, so its frame is not new. */
static void test_capture_select_new_map_full(void **state)
{
	struct tframe k[SMALL_KEYS + 2];
	struct inst *in;
	int i;

	(void)state;
	if (test_env.skip_why)
		skip();
	in = inst_get(I_NEW_SMALL);
	for (i = 0; i < SMALL_KEYS + 2; i++)
		k[i] = (struct tframe)SYN_FROM(HOST(0x0a000000 + ((i + 1) << 8), 9), 23);

	for (i = 0; i < SMALL_KEYS; i++) {
		what_set("new_map_full, key %d of %d", i + 1, SMALL_KEYS);
		frame_check(in, &k[i], &(struct expect){ .selected = true });
	}
	what_set("new_map_full, no room");
	frame_check(in, &k[SMALL_KEYS], &(struct expect){ .map_full = true });
	frame_check(in, &k[SMALL_KEYS + 1], &(struct expect){ .map_full = true });
	frame_check(in, &k[SMALL_KEYS], &(struct expect){ .map_full = true });
	what_set("new_map_full, known key in a full map");
	frame_check(in, &k[0], &(struct expect){ .selected = false });

	/* Room for one after a drain deleted one key. */
	flow_delete(in, 0, k[1].s.ip.saddr, DS_PROTO_TCP, 23);
	what_set("new_map_full, one key deleted");
	frame_check(in, &k[SMALL_KEYS], &(struct expect){ .selected = true });
	frame_check(in, &k[SMALL_KEYS + 1], &(struct expect){ .map_full = true });
	frame_check(in, &k[1], &(struct expect){ .map_full = true });
	frame_check(in, &k[SMALL_KEYS], &(struct expect){ .selected = false });
}

/* sample -------------------------------------------------------------------- */

/*
 * Sequences: frames sent one after the other to one instance, from reset
 * maps, each with what it must do (steps_check()).  One cmocka test each.
 */
struct seq {
	const char *name;
	enum inst_id inst;
	bool mq; /* on the multi-queue device of the queue tests */
	const struct step *steps;
	size_t n;
};

#define STEPS(...) .steps = (const struct step[]){ __VA_ARGS__ },                  \
		   .n = sizeof((const struct step[]){ __VA_ARGS__ }) / sizeof(struct step)

/* A key of the sample_and_new sequence. */
static const struct tframe data_c = { .s = { .ip.saddr = HOST(NET_B, 9), .tcp.dport = 80,
					     .tcp.flags = TH_PSH | TH_ACK, .payload = 10 } };

/* 1 in 3: the 1st, 4th, 7th, 10th counted frame, whatever its kind. */
static const struct seq sample_every_nth = {
	"sample_every_nth", I_SAMPLE3,
	STEPS(
		SEL(syn), UNSEL(udp), UNSEL(icmp),
		SEL(tcp_data), UNSEL(syn), UNSEL(syn),
		SEL(mirai), UNSEL(udp), UNSEL(syn),
		SEL(icmp),
	),
};

/* 1 in 1: every counted frame. */
static const struct seq sample_every_frame = {
	"sample_every_frame", I_SAMPLE1,
	STEPS(
		SEL(syn), SEL(syn), UNCOUNTED(arp, DS_CTR_NON_IP),
		SEL(udp), SEL(icmp), UNCOUNTED(fragment, DS_CTR_FRAGMENT),
		SEL(syn),
	),
};

/* Frames that are not counted neither get sampled nor move the countdown. */
static const struct seq sample_skips_uncounted = {
	"sample_skips_uncounted", I_SAMPLE3,
	STEPS(
		SEL(syn),
		UNCOUNTED(arp, DS_CTR_NON_IP),
		UNCOUNTED(ipv6, DS_CTR_IPV6),
		UNCOUNTED(fragment, DS_CTR_FRAGMENT),
		UNCOUNTED(vlan_cut, DS_CTR_BAD_L2),
		UNCOUNTED(gre, DS_CTR_OTHER_PROTO),
		UNCOUNTED(bad_version, DS_CTR_BAD_IP_VERSION),
		UNSEL(syn),
		UNCOUNTED(arp, DS_CTR_NON_IP),
		UNSEL(syn),
		UNCOUNTED(ipv6, DS_CTR_IPV6),
		SEL(syn), /* the 4th counted frame */
		UNCOUNTED(fragment, DS_CTR_FRAGMENT),
		UNSEL(syn),
	),
};

/* Another rule taking a frame neither skips nor restarts the countdown. */
static const struct seq sample_and_mirai = {
	"sample_and_mirai", I_SAMPLE_MIRAI3,
	STEPS(
		SEL(mirai), /* sample and mirai, counted once */
		UNSEL(syn),
		UNSEL(syn),
		SEL(syn),   /* sample: the 4th */
		UNSEL(syn),
		SEL(mirai), /* mirai only: the countdown still moves */
		SEL(syn),   /* sample: the 7th */
		SEL(mirai),
		SEL(mirai),
		SEL(syn),   /* the 10th */
		UNSEL(syn),
	),
};

/* The same with new and payload in the mix. */
static const struct seq sample_and_new = {
	"sample_and_new", I_RULES3,
	STEPS(
		SEL(syn_a),      /* 1st: sample and new */
		UNSEL(syn_a),
		SEL(syn_b),      /* new */
		SEL(syn_a),      /* 4th: sample */
		SEL(data_c), /* new and payload */
		SEL(data_c), /* payload */
		SEL(syn_a),      /* 7th: sample */
		UNSEL(syn_a),
		UNSEL(syn_b),
		UNCOUNTED(arp, DS_CTR_NON_IP),
		SEL(syn_a),      /* 10th */
	),
};

/* cfg_pass: selected or not, the verdict is XDP_PASS (frame_check). */
static const struct seq sample_cfg_pass = {
	"sample_cfg_pass", I_SAMPLE2_PASS,
	STEPS(
		SEL(syn), UNSEL(syn), SEL(udp),
		UNCOUNTED(arp, DS_CTR_NON_IP), UNCOUNTED(fragment, DS_CTR_FRAGMENT),
		UNSEL(mirai), SEL(icmp),
	),
};

/* One countdown per queue: interleaved queues sample independently. */
static const struct seq sample_per_queue = {
	"sample_per_queue", I_SAMPLE3, .mq = true,
	STEPS(
		SEL_Q(syn, 0),  SEL_Q(syn, 1),
		UNSEL_Q(syn, 0), UNSEL_Q(syn, 1),
		SEL_Q(syn, 2),  /* another queue's 1st */
		UNSEL_Q(syn, 0), UNCOUNTED_Q(arp, DS_CTR_NON_IP, 1),
		UNSEL_Q(syn, 1),
		SEL_Q(syn, 0),  /* queue 0's 4th */
		SEL_Q(syn, 1),  /* queue 1's 4th */
		UNSEL_Q(syn, 2),
		SEL_Q(syn, DS_CAPTURE_MAX_QUEUES - 1), /* the last queue */
		UNSEL_Q(syn, DS_CAPTURE_MAX_QUEUES - 1),
		UNSEL_Q(syn, 2),
		SEL_Q(syn, 2),  /* queue 2's 4th */
		UNSEL_Q(syn, 0),
		UNSEL_Q(syn, DS_CAPTURE_MAX_QUEUES - 1),
		SEL_Q(syn, DS_CAPTURE_MAX_QUEUES - 1),
	),
};

static void test_capture_select_seq(void **state)
{
	const struct seq *q = *state;

	if (test_env.skip_why)
		skip();
	if (q->mq && env.mq_skip_why) {
		print_message("[  SKIP    ] %s\n", env.mq_skip_why);
		skip();
	}
	steps_check(inst_get(q->inst), q->name, q->steps, q->n);
}

/* A frame every rule takes is one selected frame, and one without socket. */
static void test_capture_select_counted_once(void **state)
{
	const struct tframe f = { .s = { .tcp.seq = FRAME_DST, .payload = 30 } };

	(void)state;
	if (test_env.skip_why)
		skip();
	what_set("counted_once, every bit");
	frame_check(inst_get(I_EVERY), &f, &(struct expect){ .selected = true });
	what_set("counted_once, sample|new|payload|mirai");
	frame_check(inst_get(I_RULES3), &f, &(struct expect){ .selected = true });
}

/* Capture off: nothing is ever selected, whatever the frame or the state. */
static void test_capture_select_off_never(void **state)
{
	const struct tframe *const frames[] = {
		&syn, &mirai, &tcp_data, &udp, &icmp, &arp, &ipv6, &fragment, &vlan_cut,
	};
	const enum ds_counter outcomes[] = {
		0, 0, 0, 0, 0, DS_CTR_NON_IP, DS_CTR_IPV6, DS_CTR_FRAGMENT, DS_CTR_BAD_L2,
	};
	const enum inst_id ids[] = { I_OFF, I_OFF_PASS, I_OFF_SMALL };
	size_t i, j, round;

	(void)state;
	if (test_env.skip_why)
		skip();
	for (j = 0; j < sizeof(ids) / sizeof(ids[0]); j++) {
		struct inst *in = inst_get(ids[j]);

		/* Three rounds: new keys, then known keys, then epoch 1. */
		for (round = 0; round < 3; round++) {
			if (round == 2)
				inst_epoch_set(in, 1);
			for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
				what_set("off_never, round %zu, frame %zu", round + 1, i + 1);
				frame_check(in, frames[i],
					    &(struct expect){ .outcome = outcomes[i],
							      .epoch = round == 2 });
			}
		}
		inst_epoch_set(in, 0);
	}
}

/* Counting ------------------------------------------------------------------ */

struct port_slot {
	__u8 proto;
	__u16 port;
};

/* Summed over CPUs, in both epochs: slot e * DS_PORT_SLOTS + proto * 65536 + port. */
static void ports_read(struct inst *in, const struct port_slot *slots, size_t nslots,
		       struct ds_port_value out[2][nslots])
{
	size_t i;
	int e;

	for (e = 0; e < 2; e++)
		for (i = 0; i < nslots; i++)
			out[e][i] = port_read(in->skel, e * DS_PORT_SLOTS + slots[i].proto * 65536 +
							  slots[i].port);
}

/*
 * Runs frames (the first half in epoch 0, the rest in epoch 1) on a
 * capture-off instance and on a capturing one, both from reset maps, and
 * fails unless everything but the capture counters ends up the same: the
 * verdicts, the counters and flow maps of both epochs, and what the frames
 * added to the port slots named (each must have moved in both epochs).
 */
static void same_counting(enum inst_id off_id, enum inst_id cap_id,
			  const struct tframe *const *frames, size_t n,
			  const struct port_slot *slots, size_t nslots)
{
	struct ds_port_value before[2][2][nslots], after[2][2][nslots];
	struct flow_row flows[2][2][MAX_FLOWS];
	struct ds_counters ctr[2][2];
	int nflows[2][2];
	__u32 verdicts[2][n];
	struct inst *in[2] = { inst_get(off_id), inst_get(cap_id) };
	size_t i, s;
	int k, e, c;

	for (k = 0; k < 2; k++) {
		ports_read(in[k], slots, nslots, before[k]);
		for (i = 0; i < n; i++) {
			struct ds_counters d[2];

			if (i == n / 2)
				inst_epoch_set(in[k], 1);
			verdicts[k][i] = tframe_run(in[k], frames[i], 0, d);
		}
		inst_epoch_set(in[k], 0);
		ports_read(in[k], slots, nslots, after[k]);
		for (e = 0; e < 2; e++) {
			counters_read(in[k]->skel, e, &ctr[k][e]);
			nflows[k][e] = inst_flows(in[k], e, flows[k][e]);
		}
	}

	for (i = 0; i < n; i++)
		check(verdicts[0][i] == verdicts[1][i],
		      "frame %zu: %s with capture off, %s with '%s'", i + 1,
		      verdict_name(verdicts[0][i]), verdict_name(verdicts[1][i]), in[1]->name);
	for (e = 0; e < 2; e++) {
		for (c = 0; c < DS_CTR_MAX; c++) {
			if (c == DS_CTR_CAPTURE_SELECTED || c == DS_CTR_CAPTURE_NO_SOCKET)
				continue;
			check(ctr[0][e].c[c] == ctr[1][e].c[c],
			      "epoch %d %s: %llu with capture off, %llu with '%s'", e,
			      ds_counter_names[c], (unsigned long long)ctr[0][e].c[c],
			      (unsigned long long)ctr[1][e].c[c], in[1]->name);
		}
		/* Off selects nothing; the other selects something, or this
		 * compares nothing of interest. */
		check(!ctr[0][e].c[DS_CTR_CAPTURE_SELECTED], "capture off selected %llu",
		      (unsigned long long)ctr[0][e].c[DS_CTR_CAPTURE_SELECTED]);
		check(ctr[1][e].c[DS_CTR_CAPTURE_SELECTED] > 0 &&
			      ctr[1][e].c[DS_CTR_CAPTURE_SELECTED] ==
				      ctr[1][e].c[DS_CTR_CAPTURE_NO_SOCKET],
		      "epoch %d: '%s' selected %llu, no_socket %llu", e, in[1]->name,
		      (unsigned long long)ctr[1][e].c[DS_CTR_CAPTURE_SELECTED],
		      (unsigned long long)ctr[1][e].c[DS_CTR_CAPTURE_NO_SOCKET]);
		check(nflows[0][e] == nflows[1][e] && nflows[0][e] > 0,
		      "flows_%d: %d keys with capture off, %d with '%s'", e, nflows[0][e],
		      nflows[1][e], in[1]->name);
		check(!memcmp(flows[0][e], flows[1][e], sizeof(flows[0][e][0]) * nflows[0][e]),
		      "flows_%d differs between capture off and '%s'", e, in[1]->name);
		for (s = 0; s < nslots; s++) {
			const struct ds_port_value *b0 = &before[0][e][s], *a0 = &after[0][e][s];
			const struct ds_port_value *b1 = &before[1][e][s], *a1 = &after[1][e][s];

			check(a0->packets > b0->packets &&
				      a0->packets - b0->packets == a1->packets - b1->packets &&
				      a0->syn - b0->syn == a1->syn - b1->syn &&
				      a0->mirai - b0->mirai == a1->mirai - b1->mirai,
			      "epoch %d port slot proto %u port %u: packets +%llu/+%llu, syn "
			      "+%llu/+%llu, mirai +%llu/+%llu (capture off/'%s')",
			      e, slots[s].proto, slots[s].port,
			      (unsigned long long)(a0->packets - b0->packets),
			      (unsigned long long)(a1->packets - b1->packets),
			      (unsigned long long)(a0->syn - b0->syn),
			      (unsigned long long)(a1->syn - b1->syn),
			      (unsigned long long)(a0->mirai - b0->mirai),
			      (unsigned long long)(a1->mirai - b1->mirai), in[1]->name);
		}
	}
}

/* Selecting and redirecting never changes a count. */
static void test_capture_select_counting_unchanged(void **state)
{
	const struct tframe a = SYN_FROM(HOST(NET_A, 5), 23);
	const struct tframe a2 = { .s = { .ip.saddr = HOST(NET_A, 200), .tcp.seq = FRAME_DST } };
	const struct tframe b = { .s = { .ip.saddr = HOST(NET_B, 1), .tcp.dport = 80,
					 .tcp.flags = TH_PSH | TH_ACK, .payload = 20 } };
	const struct tframe *const frames[] = {
		&a, &a2, &udp, &arp, &b, &icmp, &fragment, &mirai, &a, &tcp_data,
		&a, &a2, &udp, &ipv6, &b, &icmp, &gre, &mirai, &b, &tcp_data,
	};
	const struct port_slot slots[] = {
		{ DS_PROTO_TCP, 23 }, { DS_PROTO_TCP, 80 }, { DS_PROTO_UDP, 53 },
		{ DS_PROTO_ICMP, 8 },
	};

	(void)state;
	if (test_env.skip_why)
		skip();
	what_set("counting_unchanged, every bit");
	same_counting(I_OFF, I_EVERY, frames, sizeof(frames) / sizeof(frames[0]), slots,
		      sizeof(slots) / sizeof(slots[0]));
	what_set("counting_unchanged, sample/3|new|payload|mirai");
	same_counting(I_OFF, I_RULES3, frames, sizeof(frames) / sizeof(frames[0]), slots,
		      sizeof(slots) / sizeof(slots[0]));
	what_set("counting_unchanged, cfg_pass");
	same_counting(I_OFF_PASS, I_ALL_PASS, frames, sizeof(frames) / sizeof(frames[0]), slots,
		      sizeof(slots) / sizeof(slots[0]));
}

/* The same with a full flow map: map_full and the keys that fit agree. */
static void test_capture_select_counting_unchanged_map_full(void **state)
{
	struct tframe k[SMALL_KEYS + 2];
	const struct tframe *frames[2 * (SMALL_KEYS + 2)];
	const struct port_slot slots[] = { { DS_PROTO_TCP, 23 } };
	struct ds_counters ctr;
	size_t i;

	(void)state;
	if (test_env.skip_why)
		skip();
	for (i = 0; i < SMALL_KEYS + 2; i++) {
		k[i] = (struct tframe)SYN_FROM(HOST(0x0a000000 + ((i + 1) << 8), 9), 23);
		frames[i] = frames[SMALL_KEYS + 2 + i] = &k[i];
	}
	what_set("counting_unchanged_map_full");
	same_counting(I_OFF_SMALL, I_NEW_SMALL, frames, sizeof(frames) / sizeof(frames[0]),
		      slots, 1);
	/* Both halves (one per epoch) overflowed by two keys. */
	counters_read(insts[I_NEW_SMALL].skel, 0, &ctr);
	check(ctr.c[DS_CTR_MAP_FULL] == 2 && ctr.c[DS_CTR_CAPTURE_SELECTED] == SMALL_KEYS,
	      "epoch 0: map_full %llu, selected %llu; want 2, %d",
	      (unsigned long long)ctr.c[DS_CTR_MAP_FULL],
	      (unsigned long long)ctr.c[DS_CTR_CAPTURE_SELECTED], SMALL_KEYS);
}

/* Receive queues ------------------------------------------------------------ */

static struct rtattr *nl_put(struct nlmsghdr *nh, size_t cap, __u16 type, const void *data,
			     size_t len)
{
	struct rtattr *rta = (void *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	size_t end = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(RTA_LENGTH(len));

	if (end > cap)
		return NULL;
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = end;
	return rta;
}

/* A veth named name with nq receive queues (its peer gets a kernel-chosen
 * name), over rtnetlink so the test needs no ip(8).  Returns -errno. */
static int veth_create(const char *name, __u32 nq)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[128];
	} req;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct rtattr *info;
	int fd, err;

	memset(&req, 0, sizeof(req));
	memset(&ack, 0, sizeof(ack));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	req.ifi.ifi_family = AF_UNSPEC;
	if (!nl_put(&req.nh, sizeof(req), IFLA_IFNAME, name, strlen(name) + 1) ||
	    !nl_put(&req.nh, sizeof(req), IFLA_NUM_RX_QUEUES, &nq, sizeof(nq)) ||
	    !(info = nl_put(&req.nh, sizeof(req), IFLA_LINKINFO, NULL, 0)) ||
	    !nl_put(&req.nh, sizeof(req), IFLA_INFO_KIND, "veth", sizeof("veth")))
		return -ENOSPC;
	info->rta_len = (char *)&req + req.nh.nlmsg_len - (char *)info;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* An error ack quotes the request: recv() truncates it, fine. */
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    recv(fd, &ack, sizeof(ack), 0) < 0)
		err = -errno;
	else if (ack.nh.nlmsg_type != NLMSG_ERROR)
		err = -EPROTO;
	else
		err = ack.err.error;
	close(fd);
	return err;
}

/* Into a private network namespace holding MQ_DEV; BPF_PROG_RUN looks the
 * ingress ifindex up in the caller's namespace. */
static int mq_setup(void **state)
{
	int err;

	(void)state;
	env.mq_skip_why = NULL;
	if (test_env.skip_why)
		return 0;
	env.orig_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (env.orig_netns < 0 || unshare(CLONE_NEWNET)) {
		env.mq_skip_why = "no private network namespace (needs CAP_SYS_ADMIN)";
		return 0;
	}
	err = veth_create(MQ_DEV, MQ_QUEUES);
	if (err) {
		print_message("[  NOTE    ] creating %s with %d queues: %s\n", MQ_DEV, MQ_QUEUES,
			      strerror(-err));
		env.mq_skip_why = "no veth with several receive queues";
		return 0;
	}
	env.ifindex = if_nametoindex(MQ_DEV);
	return env.ifindex ? 0 : -1;
}

/* Back to the original namespace; the private one and its veth go away. */
static int mq_teardown(void **state)
{
	int err = 0;

	(void)state;
	if (env.orig_netns >= 0) {
		err = setns(env.orig_netns, CLONE_NEWNET);
		close(env.orig_netns);
		env.orig_netns = -1;
	}
	env.ifindex = if_nametoindex("lo");
	return err || !env.ifindex ? -1 : 0;
}

/* Queues past DS_CAPTURE_MAX_QUEUES have no XSKMAP slot: a frame from one
 * that a rule selects is CAPTURE_NO_SOCKET (darkscope.h). */
static void test_capture_select_queue_past_max(void **state)
{
	const __u32 last = DS_CAPTURE_MAX_QUEUES - 1, past = DS_CAPTURE_MAX_QUEUES;
	/* Another key than mirai's, so new selects it too. */
	const struct tframe mirai_2323 = { .s = { .tcp.seq = FRAME_DST, .tcp.dport = 2323 } };
	const enum inst_id ids[] = { I_ALL, I_ALL_PASS, I_MIRAI, I_NEW };
	size_t i;

	(void)state;
	if (test_env.skip_why)
		skip();
	if (env.mq_skip_why) {
		print_message("[  SKIP    ] %s\n", env.mq_skip_why);
		skip();
	}
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct inst *in = inst_get(ids[i]);

		what_set("queue_past_max, queue %u", last);
		frame_check(in, &mirai, &(struct expect){ .selected = true, .queue = last });
		what_set("queue_past_max, queue %u", past);
		frame_check(in, &mirai_2323, &(struct expect){ .selected = true, .queue = past });
		frame_check(in, &arp, &(struct expect){ .outcome = DS_CTR_NON_IP, .queue = past });
	}
}

/* The countdown is the queue's, not the CPU's: a queue whose frames come
 * on one CPU, then another (NAPI moves), is still sampled 1 in N. */
static void test_capture_select_sample_across_cpus(void **state)
{
	static const bool want[] = { 1, 0, 0, 1, 0, 0, 1, 0, 0, 1 };
	int cpus[2], n = 0, cpu;
	struct inst *in;
	size_t i;

	(void)state;
	if (test_env.skip_why)
		skip();
	for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
		if (CPU_ISSET(cpu, &env.affinity))
			cpus[n++] = cpu;
	if (n < 2) {
		print_message("[  SKIP    ] needs two CPUs to run on\n");
		skip();
	}
	in = inst_get(I_SAMPLE3);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cpu_set_t one;

		/* BPF_PROG_RUN runs the program on the calling CPU. */
		CPU_ZERO(&one);
		CPU_SET(cpus[i % 2], &one);
		what_set("sample_across_cpus, frame %zu on CPU %d", i + 1, cpus[i % 2]);
		check(!sched_setaffinity(0, sizeof(one), &one), "sched_setaffinity: %s",
		      strerror(errno));
		check(sched_getcpu() == cpus[i % 2], "running on CPU %d", sched_getcpu());
		frame_check(in, &syn, &(struct expect){ .selected = want[i] });
	}
}

static int affinity_restore(void **state)
{
	(void)state;
	return sched_setaffinity(0, sizeof(env.affinity), &env.affinity) ? -1 : 0;
}

/* Setup ----------------------------------------------------------------------- */

/* The first instance is loaded here: a load failure fails the group with
 * its reason (cmocka reports it). */
static int group_setup(void **state)
{
	struct loader_opts lo = inst_opts(&insts[I_OFF]);

	(void)state;
	if (sched_getaffinity(0, sizeof(env.affinity), &env.affinity))
		return -1;
	env.ifindex = if_nametoindex("lo");
	if (!env.ifindex)
		return -1;
	if (prog_test_setup(&insts[I_OFF].sp, &lo))
		return -1;
	insts[I_OFF].skel = insts[I_OFF].sp.skel;
	return 0;
}

static int group_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < I_MAX; i++) {
		prog_unload(&insts[i].sp);
		insts[i].skel = NULL;
	}
	return 0;
}

/* A failed test may leave epoch 1 selected: every inst_get() resets it. */

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* One cmocka test per sequence q, named test_capture_select_<q>. */
#define SEQ_TEST(q)                                                             \
	{ .name = "test_capture_select_" #q, .test_func = test_capture_select_seq, \
	  .initial_state = (void *)&(q) }
#define SEQ_TEST_MQ(q)                                                          \
	{ .name = "test_capture_select_" #q, .test_func = test_capture_select_seq, \
	  .setup_func = mq_setup, .teardown_func = mq_teardown, .initial_state = (void *)&(q) }

static const struct CMUnitTest more_tests[] = {
	cmocka_unit_test(test_capture_select_off_never),
	cmocka_unit_test(test_capture_select_counted_once),
	cmocka_unit_test(test_capture_select_new_first_of_key),
	cmocka_unit_test(test_capture_select_new_per_epoch),
	cmocka_unit_test(test_capture_select_new_after_drain),
	cmocka_unit_test(test_capture_select_new_map_full),
	SEQ_TEST(sample_every_nth),
	SEQ_TEST(sample_every_frame),
	SEQ_TEST(sample_skips_uncounted),
	SEQ_TEST(sample_and_mirai),
	SEQ_TEST(sample_and_new),
	SEQ_TEST(sample_cfg_pass),
	cmocka_unit_test_teardown(test_capture_select_sample_across_cpus, affinity_restore),
	cmocka_unit_test(test_capture_select_counting_unchanged),
	cmocka_unit_test(test_capture_select_counting_unchanged_map_full),
	SEQ_TEST_MQ(sample_per_queue),
	cmocka_unit_test_setup_teardown(test_capture_select_queue_past_max, mq_setup,
					mq_teardown),
};

int main(void)
{
	/* One cmocka test per table row, named test_capture_select_<row>. */
	return table_group_run("capture_select", "test_capture_select_", rows, sizeof(rows[0]),
			       NROWS, test_capture_select_row, more_tests,
			       sizeof(more_tests) / sizeof(more_tests[0]), group_setup,
			       group_teardown);
}
