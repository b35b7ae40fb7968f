// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_xdp_prog.c - the darkscope XDP program under BPF_PROG_RUN.
 *
 * Each table case builds one frame (frames.h), resets every map, runs the
 * program once (BPF_PROG_RUN, repeat 1) and then compares the complete map
 * state with what the case expects: the verdict, both epochs' sensor
 * counters (all of them, summed over CPUs, and frames == sum of outcomes),
 * every non-zero port_counts slot, and every key of both flow maps with its
 * summed counters and OR-ed bitmaps.  Nothing outside the expectation may
 * move, so a frame counted twice, in the wrong slot or the wrong epoch
 * fails.  The same table runs again in epoch 1 and on an instance loaded
 * with cfg_pass, cumulatively (see case_check()).  Multi-frame tests cover
 * the host bitmaps, the key fields, the epoch flip and a full flow map.
 *
 * Needs CAP_BPF (root): skipped otherwise.  Runt cases (< 14 bytes) skip on
 * kernels whose BPF_PROG_RUN refuses such frames (6.18 does).
 * Run: build/tests/prog/test_xdp_prog; under valgrind add
 * --suppressions=tests/prog/valgrind.supp.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <asm/byteorder.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "prog_test_util.h"
#include "table_group.h"

/* Flow map size of the instance that tests a full map. */
#define SMALL_KEYS 4
/* Rows a state snapshot keeps per map; a test expects far fewer, and a
 * snapshot with more still counts them so the comparison fails. */
#define MAX_ROWS 64
/* port_counts slots read per bpf_map_lookup_batch() call. */
#define PORT_BATCH 16384

struct port_row {
	__u32 slot;
	struct ds_port_value v; /* summed over CPUs */
};

/* Everything the program can write, as seen from user space. */
struct map_state {
	struct ds_counters ctr[2];
	int nports;
	struct port_row ports[MAX_ROWS];
	int nflows[2];
	struct flow_row flows[2][MAX_ROWS];
};

/* What a counted frame adds to its port slot and flow key. */
struct count_row {
	__u8 proto; /* enum ds_proto_idx */
	__u16 dport;
	bool syn, mirai;
};

struct xdp_case {
	const char *name;        /* test_xdp_prog_<name> */
	struct frame_spec pkt;
	__u32 verdict;           /* with cfg_pass false */
	enum ds_counter outcome; /* the one outcome counter the frame moves */
	struct count_row row;    /* outcome DS_CTR_COUNTED only */
};

/* The instances: as the daemon loads it, with cfg_pass, with small flow maps. */
enum { P_MAIN, P_PASS, P_SMALL, P_MAX };

static const struct loader_opts prog_opts[P_MAX] = {
	[P_MAIN] = { .max_keys = 0 },
	[P_PASS] = { .pass = true },
	[P_SMALL] = { .max_keys = SMALL_KEYS },
};

static struct {
	struct sensor_prog sp[P_MAX];
	struct darkscope_bpf *skel;  /* sp[P_MAIN].skel */
	struct darkscope_bpf *pass;  /* sp[P_PASS].skel: cfg_pass = true */
	struct darkscope_bpf *small; /* sp[P_SMALL].skel: flow maps of SMALL_KEYS entries */
	void *pcpu;                  /* per-CPU values of PORT_BATCH slots */
	__u32 *keys;                 /* keys of PORT_BATCH slots */
	bool runts;                  /* BPF_PROG_RUN takes frames < ETH_HLEN */
	/*
	 * A full port_counts scan costs ~50 ms (393216 per-CPU slots), so a
	 * reset zeroes only the slots the last state_read() found, as long as
	 * the program has not run on that instance since.
	 */
	struct darkscope_bpf *known_skel;
	int known_nports;
	__u32 known_slots[MAX_ROWS];
} env;

/* Default source of frame_spec, network order, as the flow key has it. */
static __be32 src_of(const struct frame_spec *s)
{
	return htonl(s->ip.saddr ? s->ip.saddr : FRAME_SRC);
}

/* Map access ------------------------------------------------------------ */

/* Calls fn for every port_counts slot whose summed value is not zero. */
static void ports_scan(struct darkscope_bpf *skel,
		       void (*fn)(struct darkscope_bpf *skel, __u32 slot,
				  const struct ds_port_value *v, void *arg),
		       void *arg)
{
	int fd = bpf_map__fd(skel->maps.port_counts);
	__u32 in = 0, out = 0, count, i;
	void *in_batch = NULL;
	int err;

	_Static_assert(sizeof(struct ds_port_value) % 8 == 0,
		       "per-CPU values are not padded");
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		count = PORT_BATCH;
		err = bpf_map_lookup_batch(fd, in_batch, &out, env.keys, env.pcpu, &count, &opts);
		if (err && errno != ENOENT)
			fail_msg("port_counts batch lookup: %s", strerror(errno));
		for (i = 0; i < count; i++) {
			const struct ds_port_value *pv = env.pcpu;
			struct ds_port_value sum = port_value_sum(pv + (size_t)i * test_env.ncpus);

			if (sum.packets || sum.syn || sum.mirai)
				fn(skel, env.keys[i], &sum, arg);
		}
		/* The call that returns ENOENT still carries entries. */
		if (err)
			break;
		in = out;
		in_batch = &in;
	}
}

static void port_collect(struct darkscope_bpf *skel, __u32 slot, const struct ds_port_value *v,
			 void *arg)
{
	struct map_state *st = arg;

	(void)skel;
	if (st->nports < MAX_ROWS)
		st->ports[st->nports] = (struct port_row){ .slot = slot, .v = *v };
	st->nports++;
}

static void port_zero(struct darkscope_bpf *skel, __u32 slot, const struct ds_port_value *v,
		      void *arg)
{
	struct ds_port_value zero[test_env.ncpus];

	(void)v;
	(void)arg;
	memset(zero, 0, sizeof(zero));
	check(!bpf_map_update_elem(bpf_map__fd(skel->maps.port_counts), &slot, zero, BPF_ANY),
	      "zeroing port slot %u: %s", slot, strerror(errno));
}

/* Rows a snapshot holds of n counted. */
static int rows(int n)
{
	return n < MAX_ROWS ? n : MAX_ROWS;
}

static int port_row_cmp(const void *a, const void *b)
{
	const struct port_row *x = a, *y = b;

	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static void state_sort(struct map_state *st)
{
	int e;

	qsort(st->ports, rows(st->nports), sizeof(st->ports[0]), port_row_cmp);
	for (e = 0; e < 2; e++)
		qsort(st->flows[e], rows(st->nflows[e]), sizeof(st->flows[e][0]), flow_row_cmp);
}

/* The port slots of want only, zero or not: cheap, but blind to writes
 * into other slots (a later full scan must catch those). */
static void ports_lookup(struct darkscope_bpf *skel, const struct map_state *want,
			 struct map_state *st)
{
	int i;

	for (i = 0; i < rows(want->nports); i++) {
		st->ports[i].slot = want->ports[i].slot;
		st->ports[i].v = port_read(skel, st->ports[i].slot);
	}
	st->nports = want->nports;
}

/* Reads the program's maps; port_counts in full unless only_slots_of. */
static void state_read(struct darkscope_bpf *skel, struct map_state *st,
		       const struct map_state *only_slots_of)
{
	int e, i;

	memset(st, 0, sizeof(*st));
	for (e = 0; e < 2; e++) {
		counters_read(skel, e, &st->ctr[e]);
		st->nflows[e] = flows_read(skel, e, st->flows[e], MAX_ROWS);
	}
	if (only_slots_of) {
		ports_lookup(skel, only_slots_of, st);
		state_sort(st);
		return;
	}
	ports_scan(skel, port_collect, st);
	state_sort(st);

	env.known_skel = st->nports <= MAX_ROWS ? skel : NULL;
	env.known_nports = st->nports;
	for (i = 0; i < rows(st->nports); i++)
		env.known_slots[i] = st->ports[i].slot;
}

/* Back to a freshly loaded program's maps: all counters zero, no keys. */
static void state_reset(struct darkscope_bpf *skel)
{
	int i;

	counters_flows_reset(skel);
	if (env.known_skel == skel) {
		for (i = 0; i < env.known_nports; i++)
			port_zero(skel, env.known_slots[i], NULL, NULL);
	} else {
		ports_scan(skel, port_zero, NULL);
	}
	env.known_skel = skel;
	env.known_nports = 0;
}

/* Expectations ---------------------------------------------------------- */

static void want_frame(struct map_state *want, int epoch, enum ds_counter outcome)
{
	want->ctr[epoch].c[DS_CTR_FRAMES]++;
	want->ctr[epoch].c[outcome]++;
}

static void set_bit_of(__u64 *bitmap, __be32 saddr)
{
	__u8 host = ntohl(saddr) & 0xff;

	/* The documented layout (darkscope.h): bit h % 64 of word h / 64. */
	bitmap[host / 64] |= 1ULL << (host % 64);
}

/* A counted frame: its port slot and, unless the map is full, its flow key. */
static void want_counted(struct map_state *want, int epoch, __be32 saddr, __u8 proto,
			 __u16 dport, bool syn, bool mirai, bool in_flow_map)
{
	__u32 slot = epoch * DS_PORT_SLOTS + proto * 65536 + dport;
	struct ds_flow_key key = {
		.src_net = saddr & htonl(0xffffff00),
		.dport = dport,
		.proto = proto,
		.klass = DS_CLASS_PROBE,
	};
	struct port_row *pr = NULL;
	struct flow_row *fr = NULL;
	int i;

	want_frame(want, epoch, DS_CTR_COUNTED);
	for (i = 0; i < want->nports; i++)
		if (want->ports[i].slot == slot)
			pr = &want->ports[i];
	if (!pr) {
		assert_true(want->nports < MAX_ROWS);
		pr = &want->ports[want->nports++];
		pr->slot = slot;
	}
	pr->v.packets++;
	pr->v.syn += syn;
	pr->v.mirai += mirai;

	if (!in_flow_map) {
		want->ctr[epoch].c[DS_CTR_MAP_FULL]++;
		return;
	}
	for (i = 0; i < want->nflows[epoch]; i++)
		if (!memcmp(&want->flows[epoch][i].k, &key, sizeof(key)))
			fr = &want->flows[epoch][i];
	if (!fr) {
		assert_true(want->nflows[epoch] < MAX_ROWS);
		fr = &want->flows[epoch][want->nflows[epoch]++];
		fr->k = key;
	}
	fr->v.packets++;
	set_bit_of(fr->v.src_hosts, saddr);
	if (syn)
		fr->v.syn++;
	if (mirai) {
		fr->v.mirai++;
		set_bit_of(fr->v.mirai_hosts, saddr);
	}
}

static void print_flow(const char *label, int epoch, const struct flow_row *r)
{
	char net[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &r->k.src_net, net, sizeof(net));
	print_error("  %s flows_%d %s/24 proto %u dport %u class %u: packets %llu syn %llu "
		    "mirai %llu src %016llx:%016llx:%016llx:%016llx "
		    "mirai %016llx:%016llx:%016llx:%016llx\n",
		    label, epoch, net, r->k.proto, r->k.dport, r->k.klass,
		    (unsigned long long)r->v.packets, (unsigned long long)r->v.syn,
		    (unsigned long long)r->v.mirai,
		    (unsigned long long)r->v.src_hosts[0], (unsigned long long)r->v.src_hosts[1],
		    (unsigned long long)r->v.src_hosts[2], (unsigned long long)r->v.src_hosts[3],
		    (unsigned long long)r->v.mirai_hosts[0], (unsigned long long)r->v.mirai_hosts[1],
		    (unsigned long long)r->v.mirai_hosts[2], (unsigned long long)r->v.mirai_hosts[3]);
}

static void print_state(const char *label, const struct map_state *st)
{
	int e, i;

	for (e = 0; e < 2; e++) {
		counters_print(label, e, &st->ctr[e]);
		for (i = 0; i < st->nflows[e] && i < MAX_ROWS; i++)
			print_flow(label, e, &st->flows[e][i]);
	}
	for (i = 0; i < st->nports && i < MAX_ROWS; i++)
		print_error("  %s port slot %u (epoch %u proto %u port %u): packets %llu syn %llu "
			    "mirai %llu\n", label, st->ports[i].slot,
			    st->ports[i].slot / DS_PORT_SLOTS,
			    st->ports[i].slot % DS_PORT_SLOTS / 65536, st->ports[i].slot % 65536,
			    (unsigned long long)st->ports[i].v.packets,
			    (unsigned long long)st->ports[i].v.syn,
			    (unsigned long long)st->ports[i].v.mirai);
}

static bool port_rows_equal(const struct map_state *a, const struct map_state *b)
{
	int i;

	if (a->nports != b->nports)
		return false;
	for (i = 0; i < rows(a->nports); i++)
		if (a->ports[i].slot != b->ports[i].slot ||
		    memcmp(&a->ports[i].v, &b->ports[i].v, sizeof(a->ports[i].v)))
			return false;
	return true;
}

/*
 * Reads the maps into got (may be NULL) and fails unless they hold exactly
 * want: every counter of both epochs, every flow key, and every port slot
 * (with scan; without, only want's slots: see ports_lookup()).
 */
static void state_check(struct darkscope_bpf *skel, struct map_state *want,
			struct map_state *got, bool scan)
{
	struct map_state local;
	bool same = true;
	int e, i;

	if (!got)
		got = &local;
	state_sort(want);
	state_read(skel, got, scan ? NULL : want);
	for (e = 0; e < 2; e++) {
		const struct ds_counters *c = &got->ctr[e];
		__u64 outcomes = 0;

		/* Conservation: each frame has exactly one outcome. */
		for (i = DS_CTR_FIRST_OUTCOME; i <= DS_CTR_LAST_OUTCOME; i++)
			outcomes += c->c[i];
		if (outcomes != c->c[DS_CTR_FRAMES] ||
		    c->c[DS_CTR_MAP_FULL] > c->c[DS_CTR_COUNTED]) {
			print_state("got", got);
			fail_msg("%s: epoch %d: frames %llu, sum of outcomes %llu, map_full %llu, "
				 "counted %llu", test_env.what, e,
				 (unsigned long long)c->c[DS_CTR_FRAMES],
				 (unsigned long long)outcomes,
				 (unsigned long long)c->c[DS_CTR_MAP_FULL],
				 (unsigned long long)c->c[DS_CTR_COUNTED]);
		}
		if (memcmp(c, &want->ctr[e], sizeof(*c)))
			same = false;
		if (got->nflows[e] != want->nflows[e] ||
		    memcmp(got->flows[e], want->flows[e],
			   sizeof(got->flows[e][0]) * rows(got->nflows[e])))
			same = false;
	}
	if (!port_rows_equal(got, want))
		same = false;
	if (!same) {
		print_state("got ", got);
		print_state("want", want);
		fail_msg("%s: map state differs from the expectation (above)", test_env.what);
	}
}

/* Program runs ---------------------------------------------------------- */

/*
 * One BPF_PROG_RUN of frame; returns the verdict.  BPF_PROG_RUN refuses data
 * shorter than an Ethernet header, so a runt is sent behind a few bytes of
 * XDP metadata (ctx data > 0) and the program sees data..data_end = the runt.
 * Newer kernels refuse that too (probed into env.runts; callers skip).  The
 * program must not modify the frame: the output is compared.
 */
static int prog_run_raw(struct darkscope_bpf *skel, const __u8 *frame, __u32 len,
			__u32 *verdict)
{
	__u32 meta = len < ETH_HLEN ? (ETH_HLEN - len + 3) & ~3u : 0;
	__u8 in[FRAME_MAX + 32], out[FRAME_MAX + 32];
	struct xdp_md ctx = { .data = meta, .data_end = meta + len };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = meta + len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	check(len > 0 && len <= FRAME_MAX, "frame_build gave %u bytes", len);
	memset(in, 0xee, meta);
	memcpy(in + meta, frame, len);
	if (env.known_skel == skel)
		env.known_skel = NULL;
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_darkscope), &opts);
	if (err)
		return -errno;
	check(opts.data_size_out == meta + len, "data_size_out %u, sent %u", opts.data_size_out,
	      meta + len);
	check(!memcmp(out, in, meta + len), "the program modified the frame");
	*verdict = opts.retval;
	return 0;
}

static __u32 prog_run(struct darkscope_bpf *skel, const __u8 *frame, __u32 len)
{
	__u32 verdict = 0;
	int err = prog_run_raw(skel, frame, len, &verdict);

	check(!err, "BPF_PROG_RUN of %u bytes: %s", len, strerror(-err));
	return verdict;
}

static __u32 spec_run(struct darkscope_bpf *skel, const struct frame_spec *s)
{
	__u8 frame[FRAME_MAX];

	return prog_run(skel, frame, frame_build(s, frame));
}

/*
 * Runs case c and checks the verdict and the maps.  Alone (acc NULL): from
 * reset maps, with a full port scan.  In a loop over the table: acc holds
 * the expectation of every case so far, maps are not reset, and only the
 * expected port slots are read; the loop ends with one full scan.  Returns
 * false when the kernel cannot run the case (a runt, see prog_run_raw()).
 */
static bool case_check(struct darkscope_bpf *skel, const struct xdp_case *c, int epoch,
		       bool pass, struct map_state *acc)
{
	__u32 want_verdict = pass ? XDP_PASS : c->verdict;
	struct map_state alone = {};
	struct map_state *want = acc ? acc : &alone;
	__u8 frame[FRAME_MAX];
	__u32 verdict, len;

	what_set("%s", c->name);
	len = frame_build(&c->pkt, frame);
	if (len < ETH_HLEN && !env.runts)
		return false;
	if (!acc)
		state_reset(skel);
	verdict = prog_run(skel, frame, len);
	check(verdict == want_verdict, "verdict %s (%u), want %s", verdict_name(verdict), verdict,
	      verdict_name(want_verdict));
	if (c->outcome == DS_CTR_COUNTED)
		want_counted(want, epoch, src_of(&c->pkt), c->row.proto, c->row.dport,
			     c->row.syn, c->row.mirai, true);
	else
		want_frame(want, epoch, c->outcome);
	state_check(skel, want, NULL, !acc);
	return true;
}

/* Cases ----------------------------------------------------------------- */

/* Expected verdict and outcome: counted IPv4 is dropped, so is other IPv4. */
#define COUNTED(r) .verdict = XDP_DROP, .outcome = DS_CTR_COUNTED, .row = r
#define DROPPED(ctr) .verdict = XDP_DROP, .outcome = (ctr)
#define PASSED(ctr) .verdict = XDP_PASS, .outcome = (ctr)
#define TCP_ROW(port, s, m)                                                     \
	(struct count_row){ .proto = DS_PROTO_TCP, .dport = (port), .syn = (s), .mirai = (m) }
#define UDP_ROW(port) (struct count_row){ .proto = DS_PROTO_UDP, .dport = (port) }
#define ICMP_ROW(type) (struct count_row){ .proto = DS_PROTO_ICMP, .dport = (type) }

/* Bytes before the IPv4 header of an untagged frame, and of its L4 header. */
#define L3 14
#define L4 (L3 + 20)

static const struct xdp_case cases[] = {
	/* TCP flags and the SYN / Mirai classification. */
	{ .name = "syn", COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "syn_ece_cwr", .pkt = { .tcp.flags = TH_SYN | TH_ECE | TH_CWR },
	  COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "syn_fin", .pkt = { .tcp.flags = TH_SYN | TH_FIN }, COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "syn_ack", .pkt = { .tcp.flags = TH_SYN | TH_ACK }, COUNTED(TCP_ROW(23, 0, 0)) },
	{ .name = "rst", .pkt = { .tcp.flags = TH_RST }, COUNTED(TCP_ROW(23, 0, 0)) },
	{ .name = "ack", .pkt = { .tcp.flags = TH_ACK }, COUNTED(TCP_ROW(23, 0, 0)) },
	{ .name = "null_scan", .pkt = { .tcp.no_flags = true }, COUNTED(TCP_ROW(23, 0, 0)) },
	{ .name = "mirai_syn", .pkt = { .tcp.seq = FRAME_DST }, COUNTED(TCP_ROW(23, 1, 1)) },
	/* seq holds the destination's bytes reversed: a host-order compare. */
	{ .name = "mirai_near_miss_swapped", .pkt = { .tcp.seq = __builtin_bswap32(FRAME_DST) },
	  COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "mirai_near_miss_off_by_one", .pkt = { .tcp.seq = FRAME_DST + 1 },
	  COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "mirai_seq_syn_ack", .pkt = { .tcp.seq = FRAME_DST, .tcp.flags = TH_SYN | TH_ACK },
	  COUNTED(TCP_ROW(23, 0, 0)) },
	{ .name = "mirai_seq_rst", .pkt = { .tcp.seq = FRAME_DST, .tcp.flags = TH_RST },
	  COUNTED(TCP_ROW(23, 0, 0)) },
	{ .name = "mirai_syn_port_2323", .pkt = { .tcp.seq = FRAME_DST, .tcp.dport = 2323 },
	  COUNTED(TCP_ROW(2323, 1, 1)) },
	{ .name = "tcp_dport_0", .pkt = { .dport0 = true }, COUNTED(TCP_ROW(0, 1, 0)) },
	{ .name = "tcp_dport_65535", .pkt = { .tcp.dport = 65535 }, COUNTED(TCP_ROW(65535, 1, 0)) },
	{ .name = "tcp_with_payload", .pkt = { .payload = 200 }, COUNTED(TCP_ROW(23, 1, 0)) },

	/* UDP and ICMP. */
	{ .name = "udp", .pkt = { .l4 = FRAME_L4_UDP, .udp.dport = 53 }, COUNTED(UDP_ROW(53)) },
	{ .name = "udp_payload", .pkt = { .l4 = FRAME_L4_UDP, .udp.dport = 161, .payload = 100 },
	  COUNTED(UDP_ROW(161)) },
	{ .name = "udp_dport_65535", .pkt = { .l4 = FRAME_L4_UDP, .udp.dport = 65535 },
	  COUNTED(UDP_ROW(65535)) },
	{ .name = "icmp_echo", .pkt = { .l4 = FRAME_L4_ICMP, .icmp.type = 8, .payload = 56 },
	  COUNTED(ICMP_ROW(8)) },
	{ .name = "icmp_unreachable", .pkt = { .l4 = FRAME_L4_ICMP, .icmp.type = 3, .icmp.code = 1 },
	  COUNTED(ICMP_ROW(3)) },
	{ .name = "icmp_echo_reply", .pkt = { .l4 = FRAME_L4_ICMP, .icmp.type = 0 },
	  COUNTED(ICMP_ROW(0)) },
	{ .name = "icmp_type_255", .pkt = { .l4 = FRAME_L4_ICMP, .icmp.type = 255 },
	  COUNTED(ICMP_ROW(255)) },

	/* VLAN tags. */
	{ .name = "vlan_8021q", .pkt = { .tpid = { ETH_P_8021Q } }, COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "vlan_8021ad", .pkt = { .tpid = { ETH_P_8021AD } }, COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "qinq",
	  .pkt = { .tpid = { ETH_P_8021AD, ETH_P_8021Q }, .l4 = FRAME_L4_UDP, .udp.dport = 123 },
	  COUNTED(UDP_ROW(123)) },
	{ .name = "double_8021q", .pkt = { .tpid = { ETH_P_8021Q, ETH_P_8021Q } },
	  COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "three_tags", .pkt = { .tpid = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q } },
	  PASSED(DS_CTR_NON_IP) },
	{ .name = "vlan_ipv6",
	  .pkt = { .tpid = { ETH_P_8021Q }, .ethertype = ETH_P_IPV6, .payload = 40 },
	  PASSED(DS_CTR_IPV6) },
	{ .name = "vlan_arp",
	  .pkt = { .tpid = { ETH_P_8021Q }, .ethertype = ETH_P_ARP, .payload = 28 },
	  PASSED(DS_CTR_NON_IP) },
	{ .name = "vlan_tag_cut", .pkt = { .tpid = { ETH_P_8021Q }, .cut_to = L3 + 3 },
	  PASSED(DS_CTR_BAD_L2) },
	{ .name = "vlan_tag_only", .pkt = { .tpid = { ETH_P_8021Q }, .cut_to = L3 + 4 },
	  DROPPED(DS_CTR_BAD_IP_TRUNC) },
	{ .name = "qinq_inner_tag_cut",
	  .pkt = { .tpid = { ETH_P_8021AD, ETH_P_8021Q }, .cut_to = L3 + 4 + 2 },
	  PASSED(DS_CTR_BAD_L2) },

	/* IPv4 options: the L4 header starts at IHL * 4. */
	{ .name = "ip_options_ihl_6", .pkt = { .ip.ihl = 6, .tcp.dport = 8080 },
	  COUNTED(TCP_ROW(8080, 1, 0)) },
	{ .name = "ip_options_ihl_15", .pkt = { .ip.ihl = 15, .l4 = FRAME_L4_UDP, .udp.dport = 5060 },
	  COUNTED(UDP_ROW(5060)) },
	{ .name = "ip_options_ihl_15_mirai", .pkt = { .ip.ihl = 15, .tcp.seq = FRAME_DST },
	  COUNTED(TCP_ROW(23, 1, 1)) },

	/* Ethernet padding lies outside the IP total length. */
	{ .name = "syn_padded_to_60", .pkt = { .pad_to = 60 }, COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "icmp_padded_to_60", .pkt = { .l4 = FRAME_L4_ICMP, .icmp.type = 8, .pad_to = 60 },
	  COUNTED(ICMP_ROW(8)) },
	/* IP total length ends 12 bytes into the TCP header; the rest of an
	 * intact SYN header follows as padding. */
	{ .name = "tcp_header_in_padding",
	  .pkt = { .l4_len = 12, .l4_tail_as_padding = true, .pad_to = 60 },
	  DROPPED(DS_CTR_BAD_L4_TRUNC) },
	{ .name = "tcp_header_short_by_1", .pkt = { .l4_len = 19, .l4_tail_as_padding = true },
	  DROPPED(DS_CTR_BAD_L4_TRUNC) },
	{ .name = "udp_header_in_padding",
	  .pkt = { .l4 = FRAME_L4_UDP, .l4_len = 4, .l4_tail_as_padding = true, .pad_to = 60 },
	  DROPPED(DS_CTR_BAD_L4_TRUNC) },
	{ .name = "icmp_header_in_padding",
	  .pkt = { .l4 = FRAME_L4_ICMP, .icmp.type = 8, .l4_len = 4, .l4_tail_as_padding = true,
		   .pad_to = 60 },
	  DROPPED(DS_CTR_BAD_L4_TRUNC) },

	/* L4 headers cut short (frame and IP total length agree). */
	{ .name = "tcp_trunc_19", .pkt = { .l4_len = 19 }, DROPPED(DS_CTR_BAD_L4_TRUNC) },
	{ .name = "tcp_trunc_1", .pkt = { .l4_len = 1 }, DROPPED(DS_CTR_BAD_L4_TRUNC) },
	{ .name = "tcp_no_header", .pkt = { .cut_to = L4, .ip.tot_len = 20 },
	  DROPPED(DS_CTR_BAD_L4_TRUNC) },
	{ .name = "udp_trunc_7", .pkt = { .l4 = FRAME_L4_UDP, .l4_len = 7 },
	  DROPPED(DS_CTR_BAD_L4_TRUNC) },
	{ .name = "icmp_trunc_7", .pkt = { .l4 = FRAME_L4_ICMP, .l4_len = 7 },
	  DROPPED(DS_CTR_BAD_L4_TRUNC) },
	{ .name = "icmp_trunc_4", .pkt = { .l4 = FRAME_L4_ICMP, .l4_len = 4 },
	  DROPPED(DS_CTR_BAD_L4_TRUNC) },

	/* Broken IPv4 headers. */
	{ .name = "ihl_4", .pkt = { .ip.ihl = 4 }, DROPPED(DS_CTR_BAD_IP_IHL) },
	{ .name = "ihl_1", .pkt = { .ip.ihl = 1 }, DROPPED(DS_CTR_BAD_IP_IHL) },
	{ .name = "version_6_in_ipv4_ethertype", .pkt = { .ip.version = 6 },
	  DROPPED(DS_CTR_BAD_IP_VERSION) },
	{ .name = "version_5", .pkt = { .ip.version = 5 }, DROPPED(DS_CTR_BAD_IP_VERSION) },
	{ .name = "tot_len_below_ihl", .pkt = { .ip.tot_len = 19 }, DROPPED(DS_CTR_BAD_IP_LEN) },
	{ .name = "tot_len_below_options", .pkt = { .ip.ihl = 6, .ip.tot_len = 23 },
	  DROPPED(DS_CTR_BAD_IP_LEN) },
	{ .name = "tot_len_max", .pkt = { .ip.tot_len = 0xffff }, DROPPED(DS_CTR_BAD_IP_LEN) },
	{ .name = "tot_len_beyond_frame", .pkt = { .ip.tot_len_delta = 1 },
	  DROPPED(DS_CTR_BAD_IP_LEN) },
	/* Total length covers the padding, but not past the frame: counted. */
	{ .name = "tot_len_includes_padding", .pkt = { .ip.tot_len = 60 - L3, .pad_to = 60 },
	  COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "ip_header_19_bytes", .pkt = { .cut_to = L3 + 19 },
	  DROPPED(DS_CTR_BAD_IP_TRUNC) },
	{ .name = "ip_header_missing", .pkt = { .cut_to = L3 }, DROPPED(DS_CTR_BAD_IP_TRUNC) },

	/* Ethernet runts (sent behind metadata, see prog_run_raw()). */
	{ .name = "runt_13", .pkt = { .cut_to = L3 - 1 }, PASSED(DS_CTR_BAD_L2) },
	{ .name = "runt_1", .pkt = { .cut_to = 1 }, PASSED(DS_CTR_BAD_L2) },

	/* Fragments: only the first one carries the L4 header. */
	{ .name = "first_fragment", .pkt = { .ip.frag_off = FRAME_IP_MF, .payload = 64 },
	  COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "dont_fragment", .pkt = { .ip.frag_off = FRAME_IP_DF },
	  COUNTED(TCP_ROW(23, 1, 0)) },
	{ .name = "middle_fragment", .pkt = { .ip.frag_off = FRAME_IP_MF | 185 },
	  DROPPED(DS_CTR_FRAGMENT) },
	{ .name = "last_fragment", .pkt = { .ip.frag_off = 1, .l4 = FRAME_L4_UDP },
	  DROPPED(DS_CTR_FRAGMENT) },
	{ .name = "last_fragment_max_offset", .pkt = { .ip.frag_off = 0x1fff, .l4 = FRAME_L4_ICMP },
	  DROPPED(DS_CTR_FRAGMENT) },

	/* Other protocols and EtherTypes. */
	{ .name = "gre", .pkt = { .l4 = FRAME_L4_RAW, .ip.protocol = 47, .payload = 4 },
	  DROPPED(DS_CTR_OTHER_PROTO) },
	{ .name = "ip_proto_0", .pkt = { .l4 = FRAME_L4_RAW, .ip.protocol = 0, .payload = 8 },
	  DROPPED(DS_CTR_OTHER_PROTO) },
	{ .name = "sctp", .pkt = { .l4 = FRAME_L4_RAW, .ip.protocol = 132, .payload = 12 },
	  DROPPED(DS_CTR_OTHER_PROTO) },
	{ .name = "ipv6", .pkt = { .ethertype = ETH_P_IPV6, .payload = 40 }, PASSED(DS_CTR_IPV6) },
	{ .name = "arp", .pkt = { .ethertype = ETH_P_ARP, .payload = 28 }, PASSED(DS_CTR_NON_IP) },
	{ .name = "ethertype_only", .pkt = { .ethertype = ETH_P_ARP }, PASSED(DS_CTR_NON_IP) },
};

/* The whole table through one instance, cumulatively (see case_check). */
static void table_check(struct darkscope_bpf *skel, int epoch, bool pass)
{
	struct map_state acc = {};
	size_t i;

	state_reset(skel);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		case_check(skel, &cases[i], epoch, pass, &acc);
	what_set("%s", pass ? "table with cfg_pass, all port slots" : "table, all port slots");
	state_check(skel, &acc, NULL, true);
}

static void test_xdp_prog_case(void **state)
{
	const struct xdp_case *c = *state;

	if (test_env.skip_why)
		skip();
	if (!case_check(env.skel, c, 0, false, NULL)) {
		/* A kernel that refuses runts in BPF_PROG_RUN (6.x does, even
		 * behind metadata) is what is checked then: it must refuse this
		 * one with EINVAL, and the program must not have counted it.
		 * The runt branch itself is exercised by the cut VLAN tags. */
		__u8 frame[FRAME_MAX];
		__u32 len = frame_build(&c->pkt, frame), verdict;
		struct map_state none = {};

		state_reset(env.skel);
		assert_int_equal(prog_run_raw(env.skel, frame, len, &verdict), -EINVAL);
		state_check(env.skel, &none, NULL, true);
		print_message("[  NOTE    ] %s: this kernel refuses BPF_PROG_RUN frames shorter "
			      "than ETH_HLEN; checked that it does\n", c->name);
	}
}

/* The whole table again with epoch 1 selected: every write lands there. */
static void test_xdp_prog_table_epoch_1(void **state)
{
	(void)state;
	if (test_env.skip_why)
		skip();
	epoch_set(env.skel, 1);
	table_check(env.skel, 1, false);
	epoch_set(env.skel, 0);
}

/* cfg_pass: the same counting, every verdict XDP_PASS. */
static void test_xdp_prog_table_cfg_pass(void **state)
{
	(void)state;
	if (test_env.skip_why)
		skip();
	table_check(env.pass, 0, true);
}

/* Multi-frame tests ----------------------------------------------------- */

static __u32 net_host(__u32 net24, __u32 host)
{
	return net24 << 8 | host;
}

/* The start of a multi-frame test: skipped without BPF, maps of skel reset. */
static void multi_begin(const char *name, struct darkscope_bpf *skel)
{
	if (test_env.skip_why)
		skip();
	what_set("%s", name);
	state_reset(skel);
}

/* Runs s, which must be dropped and counted as r: want gets its port slot
 * and, if in_flow_map, its flow key. */
static void counted_run(struct darkscope_bpf *skel, struct map_state *want, int epoch,
			const struct frame_spec *s, struct count_row r, bool in_flow_map)
{
	assert_int_equal(spec_run(skel, s), XDP_DROP);
	want_counted(want, epoch, src_of(s), r.proto, r.dport, r.syn, r.mirai, in_flow_map);
}

/* Options of every length: dport is read after them. */
static void test_xdp_prog_ip_options_all(void **state)
{
	struct map_state acc = {};
	char name[32];
	int ihl;

	(void)state;
	multi_begin("ip_options_all", env.skel);
	for (ihl = 6; ihl <= 15; ihl++) {
		struct xdp_case c = {
			.name = name,
			.pkt = { .ip.ihl = ihl, .tcp.dport = 1000 + ihl },
			COUNTED(TCP_ROW(1000 + ihl, 1, 0)),
		};

		snprintf(name, sizeof(name), "ip_options_ihl_%d", ihl);
		case_check(env.skel, &c, 0, false, &acc);
	}
	what_set("ip_options_all, all port slots");
	state_check(env.skel, &acc, NULL, true);
}

/*
 * The host bitmaps: TCP frames to port 23 from hosts of one or two /24s,
 * compared with the full expectation and then with the flow rows pinned as
 * literals (bit h % 64 of word h / 64, darkscope.h), so the bit layout is
 * not only checked against want_counted()'s own idea of it.
 */
struct bitmap_case {
	const char *name;
	struct frame_spec frames[10]; /* .ip.saddr set; .tcp.seq = FRAME_DST: Mirai */
	struct count_row row;         /* of every frame but Mirai ones (mirai set) */
	int nflows;
	struct flow_row flows[2];     /* flows_0 in key order, literally */
};

#define SRC(net24, h, ...) { .ip.saddr = (net24) << 8 | (h), __VA_ARGS__ }
#define SRC_MIRAI(net24, h) SRC(net24, h, .tcp.seq = FRAME_DST)
#define SRC_ACK(net24, h) SRC(net24, h, .tcp.flags = TH_ACK)
#define FLOW(net24, p, s, m, hosts, mhosts)                                            \
	{ .k = { .src_net = __constant_htonl((net24) << 8), .dport = 23,             \
		 .proto = DS_PROTO_TCP, .klass = DS_CLASS_PROBE },                  \
	  .v = { .packets = (p), .syn = (s), .mirai = (m), .src_hosts = hosts,       \
		 .mirai_hosts = mhosts } }
#define WORDS(a, b, c, d) { a, b, c, d }

/* Hosts of one /24 share a key. */
static const struct bitmap_case bitmap_one_net = {
	"bitmap_one_net",
	{ SRC(0x0a141e, 1), SRC(0x0a141e, 2), SRC(0x0a141e, 63), SRC(0x0a141e, 64),
	  SRC(0x0a141e, 127), SRC(0x0a141e, 128), SRC(0x0a141e, 200), SRC_MIRAI(0x0a141e, 64),
	  SRC_MIRAI(0x0a141e, 200) },
	TCP_ROW(23, 1, 0), 1,
	{ FLOW(0x0a141e, 9, 9, 2,
	       WORDS(0x8000000000000006ULL, 0x8000000000000001ULL, 0x1ULL, 0x100ULL),
	       WORDS(0, 0x1ULL, 0, 0x100ULL)) },
};

/* Two /24s, two keys, each with only its own hosts. */
static const struct bitmap_case bitmap_two_nets = {
	"bitmap_two_nets",
	{ SRC_ACK(0x0a0101, 5), SRC_ACK(0x0a0102, 5), SRC_ACK(0x0a0101, 6), SRC_ACK(0x0a0102, 7) },
	TCP_ROW(23, 0, 0), 2,
	{ FLOW(0x0a0101, 2, 0, 0, WORDS((1ULL << 5) | (1ULL << 6), 0, 0, 0), WORDS(0, 0, 0, 0)),
	  FLOW(0x0a0102, 2, 0, 0, WORDS((1ULL << 5) | (1ULL << 7), 0, 0, 0), WORDS(0, 0, 0, 0)) },
};

/* Host .0 and .255: the first and the last bit. */
static const struct bitmap_case bitmap_edges = {
	"bitmap_edges",
	{ SRC_MIRAI(0xc0a80a, 0), SRC_MIRAI(0xc0a80a, 255) },
	TCP_ROW(23, 1, 1), 1,
	{ FLOW(0xc0a80a, 2, 2, 2, WORDS(1, 0, 0, 1ULL << 63), WORDS(1, 0, 0, 1ULL << 63)) },
};

static void test_xdp_prog_bitmap(void **state)
{
	const struct bitmap_case *c = *state;
	struct map_state want = {};
	struct map_state got;
	int i;

	multi_begin(c->name, env.skel);
	for (i = 0; i < (int)(sizeof(c->frames) / sizeof(c->frames[0])) && c->frames[i].ip.saddr;
	     i++) {
		struct count_row r = c->row;

		r.mirai = c->frames[i].tcp.seq == FRAME_DST;
		counted_run(env.skel, &want, 0, &c->frames[i], r, true);
	}
	state_check(env.skel, &want, &got, true);
	assert_int_equal(got.nflows[0], c->nflows);
	for (i = 0; i < c->nflows; i++)
		if (memcmp(&got.flows[0][i], &c->flows[i], sizeof(c->flows[i]))) {
			print_state("got ", &got);
			print_flow("literal", 0, &c->flows[i]);
			fail_msg("%s: flow row %d differs from the literal (above)", c->name, i);
		}
}

/* proto and dport are part of the key: same /24, four keys, four slots. */
static void test_xdp_prog_key_fields(void **state)
{
	const struct frame_spec specs[] = {
		{ .tcp.dport = 53 },
		{ .l4 = FRAME_L4_UDP, .udp.dport = 53 },
		{ .tcp.dport = 54 },
		{ .l4 = FRAME_L4_ICMP, .icmp.type = 53 },
	};
	const struct count_row rows[] = { TCP_ROW(53, 1, 0), UDP_ROW(53), TCP_ROW(54, 1, 0),
					  ICMP_ROW(53) };
	struct map_state want = {};
	size_t i;

	(void)state;
	multi_begin("key_fields", env.skel);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		counted_run(env.skel, &want, 0, &specs[i], rows[i], true);
	state_check(env.skel, &want, NULL, true);
	assert_int_equal(want.nflows[0], 4);
	assert_int_equal(want.nports, 4);
}

/* Epoch flip: writes follow epoch_select[0], the other epoch stays still. */
static void test_xdp_prog_epoch_flip(void **state)
{
	const struct frame_spec syn = {}, mirai = { .tcp.seq = FRAME_DST };
	const struct frame_spec udp = { .l4 = FRAME_L4_UDP, .udp.dport = 53 };
	const struct frame_spec arp = { .ethertype = ETH_P_ARP, .payload = 28 };
	struct map_state want = {};

	(void)state;
	multi_begin("epoch_flip", env.skel);

	counted_run(env.skel, &want, 0, &syn, TCP_ROW(23, 1, 0), true);
	state_check(env.skel, &want, NULL, true);

	epoch_set(env.skel, 1);
	counted_run(env.skel, &want, 1, &syn, TCP_ROW(23, 1, 0), true);
	counted_run(env.skel, &want, 1, &mirai, TCP_ROW(23, 1, 1), true);
	counted_run(env.skel, &want, 1, &udp, UDP_ROW(53), true);
	assert_int_equal(spec_run(env.skel, &arp), XDP_PASS);
	want_frame(&want, 1, DS_CTR_NON_IP);
	state_check(env.skel, &want, NULL, true);

	epoch_set(env.skel, 0);
	counted_run(env.skel, &want, 0, &syn, TCP_ROW(23, 1, 0), true);
	state_check(env.skel, &want, NULL, true);

	/* The literal slots, so the slot formula above is not trusted blindly. */
	assert_int_equal(want.nports, 3);
	assert_int_equal(want.ports[0].slot, 23);
	assert_int_equal(want.ports[1].slot, DS_PORT_SLOTS + 23);
	assert_int_equal(want.ports[2].slot, DS_PORT_SLOTS + 65536 + 53);
}

/* A full flow map: the keys that fit stay exact, the rest only reach the
 * port totals and map_full. */
static void test_xdp_prog_map_full(void **state)
{
	const struct frame_spec known = { .ip.saddr = net_host(0x0a0001, 10) };
	const struct frame_spec later = { .ip.saddr = net_host(0x0a0000 + SMALL_KEYS + 2, 9) };
	struct map_state want = {};
	__u32 i;

	(void)state;
	multi_begin("map_full", env.small);
	for (i = 1; i <= SMALL_KEYS + 2; i++) {
		struct frame_spec s = { .ip.saddr = net_host(0x0a0000 + i, 9) };

		counted_run(env.small, &want, 0, &s, TCP_ROW(23, 1, 0), i <= SMALL_KEYS);
	}
	state_check(env.small, &want, NULL, true);
	assert_int_equal(want.nflows[0], SMALL_KEYS);
	assert_int_equal(want.ctr[0].c[DS_CTR_MAP_FULL], 2);
	assert_int_equal(want.ports[0].v.packets, SMALL_KEYS + 2);

	/* A key already in the full map is still counted in full. */
	counted_run(env.small, &want, 0, &known, TCP_ROW(23, 1, 0), true);
	state_check(env.small, &want, NULL, true);

	/* Room again after the daemon drained the map. */
	state_reset(env.small);
	memset(&want, 0, sizeof(want));
	counted_run(env.small, &want, 0, &later, TCP_ROW(23, 1, 0), true);
	state_check(env.small, &want, NULL, true);
}

/* frames.h itself: IPv4 header checksums verify, lengths are as laid out. */
static void test_xdp_prog_frames(void **state)
{
	const struct frame_spec specs[] = {
		{},
		{ .ip.ihl = 15, .l4 = FRAME_L4_UDP, .payload = 3 },
		{ .tpid = { ETH_P_8021AD, ETH_P_8021Q }, .l4 = FRAME_L4_ICMP },
	};
	const size_t lens[] = { 54, 14 + 60 + 8 + 3, 22 + 20 + 8 };
	__u8 f[FRAME_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct iphdr *iph = (struct iphdr *)(f + frame_l3_offset(&specs[i]));
		size_t len = frame_build(&specs[i], f);

		assert_int_equal(len, lens[i]);
		assert_true(frame_ipv4_csum_ok(iph));
		assert_int_equal(ntohs(iph->tot_len), len - frame_l3_offset(&specs[i]));
		/* The L4 checksum over pseudo-header and segment sums to zero. */
		if (specs[i].l4 != FRAME_L4_ICMP)
			assert_int_equal(frame_l4_csum(iph, f + frame_l3_offset(&specs[i]) +
							       iph->ihl * 4,
						       len - frame_l3_offset(&specs[i]) -
							       iph->ihl * 4),
					 0);
	}
	/* Mirai: seq carries the destination address byte for byte. */
	{
		const struct frame_spec s = { .tcp.seq = FRAME_DST };

		frame_build(&s, f);
		assert_memory_equal(f + L4 + 4, f + L3 + 16, 4);
	}
}

/* Setup ----------------------------------------------------------------- */

/* Can BPF_PROG_RUN give the program a frame shorter than ETH_HLEN? */
static bool runts_supported(struct darkscope_bpf *skel)
{
	const __u8 runt[ETH_HLEN - 1] = {};
	__u32 verdict;

	what_set("runt probe");
	return prog_run_raw(skel, runt, sizeof(runt), &verdict) != -EINVAL;
}

/* A load failure fails the group with its reason (cmocka reports it),
 * rather than running tests on a program that is not there. */
static int group_setup(void **state)
{
	int i, err;

	(void)state;
	if (prog_test_setup(&env.sp[P_MAIN], &prog_opts[P_MAIN]))
		return -1;
	if (test_env.skip_why)
		return 0;
	for (i = P_MAIN + 1; i < P_MAX; i++) {
		err = prog_load(&env.sp[i], &prog_opts[i]);
		if (err) {
			print_error("loading darkscope instance %d: %s\n", i, strerror(-err));
			return -1;
		}
	}
	env.skel = env.sp[P_MAIN].skel;
	env.pass = env.sp[P_PASS].skel;
	env.small = env.sp[P_SMALL].skel;
	env.pcpu = calloc(PORT_BATCH, sizeof(struct ds_port_value) * test_env.ncpus);
	env.keys = calloc(PORT_BATCH, sizeof(__u32));
	if (!env.pcpu || !env.keys) {
		print_error("out of memory\n");
		return -1;
	}
	env.runts = runts_supported(env.skel);
	return 0;
}

static int group_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < P_MAX; i++)
		prog_unload(&env.sp[i]);
	free(env.pcpu);
	free(env.keys);
	return 0;
}

/* A failed test may leave epoch 1 selected; the next one starts in 0. */
static int test_teardown(void **state)
{
	(void)state;
	if (env.skel)
		epoch_set(env.skel, 0);
	return 0;
}

/* One cmocka test per bitmap case c, named test_xdp_prog_<c>. */
#define BITMAP_TEST(c)                                                          \
	{ .name = "test_xdp_prog_" #c, .test_func = test_xdp_prog_bitmap,     \
	  .initial_state = (void *)&(c) }

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const struct CMUnitTest more_tests[] = {
	cmocka_unit_test(test_xdp_prog_frames),
	cmocka_unit_test(test_xdp_prog_ip_options_all),
	BITMAP_TEST(bitmap_one_net),
	BITMAP_TEST(bitmap_two_nets),
	BITMAP_TEST(bitmap_edges),
	cmocka_unit_test(test_xdp_prog_key_fields),
	cmocka_unit_test_teardown(test_xdp_prog_epoch_flip, test_teardown),
	cmocka_unit_test_teardown(test_xdp_prog_table_epoch_1, test_teardown),
	cmocka_unit_test(test_xdp_prog_table_cfg_pass),
	cmocka_unit_test(test_xdp_prog_map_full),
};

int main(void)
{
	/* One cmocka test per table row, named test_xdp_prog_<case>; the
	 * group state stays NULL so each test gets its row as state. */
	return table_group_run("xdp_prog", "test_xdp_prog_", cases, sizeof(cases[0]), NCASES,
			       test_xdp_prog_case, more_tests,
			       sizeof(more_tests) / sizeof(more_tests[0]), group_setup,
			       group_teardown);
}
