// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_gen.c - `darkscope gen`: scan traffic of known composition, sent out
 * of an interface at full speed or a target rate, through BPF_PROG_RUN with
 * live frames (bpf/gen.bpf.c).  Reports exactly what it sent, per
 * (proto, dport) with SYN and Mirai counts, as JSON in the shape the tests'
 * checker reads (tests/e2e/check_series.py).
 */
#include <argp.h>
#include <linux/if_ether.h>
#include <errno.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "darkscope.h"
#include "gen.h"
#include "gen.skel.h"
#include "gen/gen_mix.h"
#include "series/interval.h"
#include "cli/log_libs.h"
#include "util/log.h"
#include "series/series_format.h"
#include "util/timeutil.h"

/* Frames per PROG_RUN call when running for a duration at full speed: big
 * enough that the ~20 ms set-up and teardown of a live-frames call is noise. */
#define GEN_CHUNK 4000000ULL
#define GEN_BATCH_DEFAULT 64

struct gen_opts {
	const char *ifname;
	const char *expect_path;
	const char *mix_spec;
	__u64 count;
	unsigned int duration;
	__u64 rate;
	unsigned int mirai_permille;
	__u32 nets;
	__be32 base_net, dst;
	__u8 dst_mac[6];
	__u64 seed;
	__u32 batch;
	bool record_flows;
	int verbosity;
};

enum {
	OPT_COUNT = 0x100, OPT_DURATION, OPT_RATE, OPT_MIX, OPT_MIRAI, OPT_NETS, OPT_BASE,
	OPT_DST, OPT_DST_MAC, OPT_SEED, OPT_BATCH, OPT_RECORD, OPT_EXPECT,
};

static const struct argp_option gen_options[] = {
	{ "interface", 'i', "IFACE", 0, "Interface to send out of (required)", 0 },
	{ "count", OPT_COUNT, "N", 0, "Frames to send (default 10000)", 0 },
	{ "duration", OPT_DURATION, "SECONDS", 0, "Send for this long instead of --count", 0 },
	{ "rate", OPT_RATE, "PPS", 0, "Target rate (default: as fast as possible)", 0 },
	{ "batch", OPT_BATCH, "N", 0, "Frames per live-frames batch (default 64)", 0 },
	{ NULL, 0, NULL, 0, "The frames:", 1 },
	{ "mix", OPT_MIX, "MIX", 0, "telescope (default), uniform, or PROTO:PORT=WEIGHT,...", 1 },
	{ "mirai", OPT_MIRAI, "FRACTION", 0, "Share of TCP SYNs with seq == dst (default 0.4)", 1 },
	{ "nets", OPT_NETS, "K", 0, "Source /24s (default 256)", 1 },
	{ "base-net", OPT_BASE, "A.B.C.0", 0, "First source /24 (default 27.0.0.0)", 1 },
	{ "dst", OPT_DST, "IP", 0, "Destination address (default 198.51.100.7)", 1 },
	{ "dst-mac", OPT_DST_MAC, "MAC", 0, "Destination MAC (default ff:ff:ff:ff:ff:ff)", 1 },
	{ "seed", OPT_SEED, "S", 0, "Seed: same seed, same frames (default 1)", 1 },
	{ NULL, 0, NULL, 0, "The report:", 2 },
	{ "record-flows", OPT_RECORD, NULL, 0, "Also report per (proto, port, /24) (slower)", 2 },
	{ "expect", OPT_EXPECT, "FILE", 0, "Write the JSON report to FILE instead of stdout", 2 },
	{},
};

static const char gen_doc[] =
	"Send scan traffic of known composition out of IFACE (BPF_PROG_RUN, live frames).\n"
	"\n"
	"EXAMPLES:\n"
	"  darkscope gen -i veth1 --count 1000000                 # telescope mix, full speed\n"
	"  darkscope gen -i veth1 --duration 10 --rate 2000000 --mirai 0.5\n"
	"  darkscope gen -i veth1 --mix tcp:23=9,udp:1900=1 --count 1000 --record-flows\n"
	"\vThe sensor must run on the peer of IFACE (a veth) or on the other end of a cable.\n"
	CLI_EXIT_STATUS_DOC;

static const struct argp_child gen_children[] = {
	{ &cli_verbose_argp, 0, NULL, 0 },
	{},
};

static error_t parse_gen_opt(int key, char *arg, struct argp_state *state)
{
	struct gen_opts *o = state->input;
	struct in_addr a;
	double f;
	char *end;

	switch (key) {
	case 'i':
		o->ifname = arg;
		return 0;
	case OPT_COUNT:
		return argp_parse_u64(state, "count", arg, 1, 1ULL << 40, &o->count);
	case OPT_DURATION:
		return argp_parse_u32(state, "duration", arg, 1, 86400, &o->duration);
	case OPT_RATE:
		return argp_parse_u64(state, "rate", arg, 1, 1000000000, &o->rate);
	case OPT_BATCH:
		return argp_parse_u32(state, "batch", arg, 1, 256, &o->batch);
	case OPT_MIX:
		o->mix_spec = arg;
		return 0;
	case OPT_MIRAI:
		errno = 0;
		f = strtod(arg, &end);
		if (errno || end == arg || *end || f < 0 || f > 1)
			return argp_invalid(state, "mirai fraction", arg, "0 to 1");
		o->mirai_permille = (unsigned int)(f * 1000 + 0.5);
		return 0;
	case OPT_NETS:
		return argp_parse_u32(state, "nets", arg, 1, 1 << 24, &o->nets);
	case OPT_BASE:
	case OPT_DST:
		if (!inet_aton(arg, &a))
			return argp_invalid(state, "address", arg, NULL);
		if (key == OPT_DST)
			o->dst = a.s_addr;
		else
			o->base_net = a.s_addr & htonl(0xffffff00);
		return 0;
	case OPT_DST_MAC:
		if (sscanf(arg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &o->dst_mac[0], &o->dst_mac[1],
			   &o->dst_mac[2], &o->dst_mac[3], &o->dst_mac[4], &o->dst_mac[5],
			   (char *)&a) != 6)
			return argp_invalid(state, "MAC address", arg, NULL);
		return 0;
	case OPT_SEED:
		return argp_parse_u64(state, "seed", arg, 0, ~0ULL, &o->seed);
	case OPT_RECORD:
		o->record_flows = true;
		return 0;
	case OPT_EXPECT:
		o->expect_path = arg;
		return 0;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->verbosity;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	case ARGP_KEY_END:
		if (!o->ifname) {
			argp_error(state, "an interface is required (-i IFACE)");
			return EINVAL;
		}
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static double now_s(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1e9;
}

static int read_mac(const char *ifname, __u8 mac[6])
{
	char path[128];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fscanf(f, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3],
		   &mac[4], &mac[5]);
	fclose(f);
	return n == 6 ? 0 : -EINVAL;
}

/* Live-frames PROG_RUN calls for repeat frames. */
static int send_frames(struct gen_bpf *skel, const struct gen_opts *o, int ifindex,
		       const __u8 *frame, int len, __u64 repeat)
{
	struct xdp_md ctx = { .data = 0, .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = o->batch);
	int err;

	while (repeat) {
		/* repeat is 32 bits wide in the kernel's interface. */
		opts.repeat = repeat > (1U << 31) ? (1U << 31) : repeat;
		repeat -= opts.repeat;
		err = 0;
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_gen), &opts))
			err = -errno;
		if (err) {
			pr_warn("gen: BPF_PROG_RUN with live frames on '%s' failed: %s%s\n",
				o->ifname, strerror(-err),
				err == -EINVAL ? " (kernel >= 5.18 needed)" : "");
			return err;
		}
	}
	return 0;
}

static int load_mix(struct gen_bpf *skel, const struct gen_mix *mix)
{
	__u32 table[GEN_MIX_SLOTS], i;
	int fd = bpf_map__fd(skel->maps.port_mix);

	gen_mix_table(mix, table);
	for (i = 0; i < GEN_MIX_SLOTS; i++)
		if (bpf_map_update_elem(fd, &i, &table[i], BPF_ANY))
			return -errno;
	return 0;
}

static void print_host_list(FILE *f, const __u64 words[DS_HOST_WORDS])
{
	char buf[1100], *end = fmt_host_bitmap(buf, words);

	fwrite(buf, 1, end - buf, f);
}

/* The report: per (proto, port) from gen_sent, per flow key from gen_flows. */
static int write_report(FILE *f, struct gen_bpf *skel, double elapsed)
{
	int ncpus = libbpf_num_possible_cpus(), fd = bpf_map__fd(skel->maps.gen_sent);
	struct ds_port_value *pv = calloc(ncpus, sizeof(*pv));
	struct ds_flow_value *fv = calloc(ncpus, sizeof(*fv));
	struct ds_flow_key key, *prev = NULL;
	__u64 total = 0;
	const char *sep = "";
	__u32 slot;
	int c;

	if (!pv || !fv) {
		free(pv);
		free(fv);
		return -ENOMEM;
	}
	fprintf(f, "{\"ports\": {");
	for (slot = 0; slot < DS_PORT_SLOTS; slot++) {
		struct ds_port_value s = {};

		if (bpf_map_lookup_elem(fd, &slot, pv))
			continue;
		for (c = 0; c < ncpus; c++)
			port_value_merge(&s, &pv[c]);
		if (!s.packets)
			continue;
		fprintf(f, "%s\n \"%s/%u\": {\"packets\": %llu, \"syn\": %llu, \"mirai\": %llu}", sep,
			proto_name(slot / 65536), slot % 65536, (unsigned long long)s.packets,
			(unsigned long long)s.syn, (unsigned long long)s.mirai);
		total += s.packets;
		sep = ",";
	}
	fprintf(f, "},\n\"flows\": {");
	sep = "";
	fd = bpf_map__fd(skel->maps.gen_flows);
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		struct ds_flow_value s = {};
		char net[20], *end;

		if (!bpf_map_lookup_elem(fd, &key, fv)) {
			for (c = 0; c < ncpus; c++)
				flow_value_merge(&s, &fv[c]);
			end = fmt_net24(net, key.src_net);
			*end = '\0';
			fprintf(f, "%s\n \"%s/%u/%s\": {\"packets\": %llu, \"syn\": %llu, "
				"\"mirai\": %llu, \"src_hosts\": ", sep,
				proto_name(key.proto % DS_PROTO_MAX), key.dport, net,
				(unsigned long long)s.packets,
				(unsigned long long)s.syn, (unsigned long long)s.mirai);
			print_host_list(f, s.src_hosts);
			fprintf(f, ", \"mirai_hosts\": ");
			print_host_list(f, s.mirai_hosts);
			fprintf(f, "}");
			sep = ",";
		}
		prev = &key;
	}
	fprintf(f, "},\n\"counters\": {\"frames\": %llu, \"counted\": %llu},\n"
		"\"sent\": %llu, \"elapsed_s\": %.3f, \"pps\": %.0f}\n",
		(unsigned long long)total, (unsigned long long)total, (unsigned long long)total,
		elapsed, elapsed > 0 ? total / elapsed : 0);
	free(pv);
	free(fv);
	return ferror(f) ? -EIO : 0;
}

static int gen_run(struct gen_bpf *skel, const struct gen_opts *o, const struct gen_mix *mix,
		   int ifindex, double *elapsed)
{
	/* The program writes everything after the Ethernet header. */
	__u8 frame[GEN_FRAME_LEN] = {};
	struct ethhdr *eth = (void *)frame;
	double t0, deadline;
	int err;

	err = read_mac(o->ifname, eth->h_source);
	if (err) {
		pr_warn("gen: couldn't read the MAC address of '%s': %s\n", o->ifname,
			strerror(-err));
		return err;
	}
	memcpy(eth->h_dest, o->dst_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	err = load_mix(skel, mix);
	if (err) {
		pr_warn("gen: couldn't load the mix: %s\n", strerror(-err));
		return err;
	}
	t0 = now_s();
	deadline = t0 + o->duration;
	do {
		/* For a duration: a second's worth per call, or GEN_CHUNK unpaced. */
		__u64 n = o->duration ? (o->rate ? o->rate : GEN_CHUNK) : o->count;

		err = send_frames(skel, o, ifindex, frame, sizeof(frame), n);
	} while (!err && o->duration && now_s() < deadline);
	*elapsed = now_s() - t0;
	return err;
}

int do_gen(int argc, char **argv)
{
	struct gen_opts o = {
		.count = 10000,
		.mix_spec = "telescope",
		.mirai_permille = 400,
		.nets = 256,
		.base_net = htonl(0x1b000000),
		.dst = htonl(0xc6336407),
		.dst_mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		.seed = 1,
		.batch = GEN_BATCH_DEFAULT,
	};
	const struct argp argp = { gen_options, parse_gen_opt, NULL, gen_doc, gen_children, NULL,
				   NULL };
	struct gen_bpf *skel = NULL;
	struct gen_mix mix;
	const char *why = "";
	double elapsed = 0;
	FILE *out = stdout;
	int ifindex, err;

	if (argp_parse(&argp, argc, argv, 0, NULL, &o))
		return EXIT_USAGE;
	if (gen_mix_parse(&mix, o.mix_spec, &why)) {
		fprintf(stderr, "darkscope gen: invalid mix '%s': %s\n", o.mix_spec, why);
		return EXIT_USAGE;
	}
	log_set_level(LOG_INFO + o.verbosity);
	log_route_libs();
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex) {
		pr_warn("gen: interface '%s' not found\n", o.ifname);
		return EXIT_FAIL;
	}
	skel = gen_bpf__open();
	if (!skel) {
		pr_warn("gen: couldn't open the generator's BPF object: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	skel->rodata->cfg_base_net = ntohl(o.base_net);
	skel->rodata->cfg_nets = o.nets;
	skel->rodata->cfg_mirai_permille = o.mirai_permille;
	skel->rodata->cfg_seed = o.seed;
	skel->rodata->cfg_ns_per_pkt = o.rate ? 1000000000ULL / o.rate : 0;
	skel->rodata->cfg_record_flows = o.record_flows;
	skel->rodata->cfg_dst = o.dst;
	err = gen_bpf__load(skel);
	if (err) {
		pr_warn("gen: couldn't load the generator's BPF program: %s\n", strerror(-err));
		goto out;
	}
	err = gen_run(skel, &o, &mix, ifindex, &elapsed);
	if (err)
		goto out;
	if (o.expect_path) {
		out = fopen(o.expect_path, "w");
		if (!out) {
			err = -errno;
			pr_warn("gen: couldn't write '%s': %s\n", o.expect_path, strerror(-err));
			goto out;
		}
	}
	err = write_report(out, skel, elapsed);
	if (out != stdout && fclose(out) && !err)
		err = -errno;
out:
	gen_bpf__destroy(skel);
	return err ? EXIT_FAIL : EXIT_OK;
}
