// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * prog_test_util.c - the scaffolding of the BPF program tests (see
 * prog_test_util.h).  Map reads zero their buffers although the kernel
 * fills them: valgrind's model of BPF map lookups knows nothing of per-CPU
 * values.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "series/counter_names.h"
#include "prog_test_util.h"

struct prog_test_env test_env;

void what_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_env.what, sizeof(test_env.what), fmt, ap);
	va_end(ap);
}

static int load(struct sensor_prog *sp, const struct loader_opts *lo, bool epoch0_only)
{
	struct loader_opts o = *lo;
	int err;

	if (!o.max_keys)
		o.max_keys = DS_DEFAULT_MAX_KEYS;
	err = sensor_prog__open(sp, &o); /* checks the map layouts, as for the daemon */
	if (err)
		return err;
	if (epoch0_only)
		err = bpf_map__set_max_entries(sp->skel->maps.flows_1, 1);
	if (!err)
		err = sensor_prog__load(sp);
	if (err)
		sensor_prog__close(sp);
	return err;
}

int prog_load(struct sensor_prog *sp, const struct loader_opts *lo)
{
	return load(sp, lo, false);
}

int prog_load_epoch0_only(struct sensor_prog *sp, const struct loader_opts *lo)
{
	return load(sp, lo, true);
}

void prog_unload(struct sensor_prog *sp)
{
	sensor_prog__close(sp); /* a zeroed, never-opened sp too */
}

int prog_test_setup(struct sensor_prog *sp, const struct loader_opts *lo)
{
	int err;

	test_env.ncpus = libbpf_num_possible_cpus();
	if (test_env.ncpus <= 0) {
		print_error("counting the possible CPUs: %s\n", strerror(-test_env.ncpus));
		return -1;
	}
	err = prog_load(sp, lo);
	if (err == -EPERM || err == -EACCES) {
		test_env.skip_why = "loading BPF needs CAP_BPF (run as root)";
		print_message("[  SKIP    ] %s\n", test_env.skip_why);
		return 0;
	}
	if (err) {
		print_error("loading the darkscope program: %s\n", strerror(-err));
		return -1;
	}
	return 0;
}

void epoch_set(struct darkscope_bpf *skel, int epoch)
{
	struct bpf_map *tag = epoch ? skel->maps.epoch_tag_1 : skel->maps.epoch_tag_0;
	int fd = bpf_map__fd(tag);
	__u32 zero = 0;

	check(!bpf_map_update_elem(bpf_map__fd(skel->maps.epoch_select), &zero, &fd, BPF_ANY),
	      "epoch_select <- epoch_tag_%d: %s", epoch, strerror(errno));
}

struct bpf_map *flows_of(struct darkscope_bpf *skel, int epoch)
{
	return epoch ? skel->maps.flows_1 : skel->maps.flows_0;
}

void counters_read(struct darkscope_bpf *skel, __u32 epoch, struct ds_counters *out)
{
	struct ds_counters vals[test_env.ncpus];
	int cpu, i;

	memset(vals, 0, sizeof(vals));
	check(!bpf_map_lookup_elem(bpf_map__fd(skel->maps.sensor_counters), &epoch, vals),
	      "sensor_counters[%u]: %s", epoch, strerror(errno));
	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < test_env.ncpus; cpu++)
		for (i = 0; i < DS_CTR_MAX; i++)
			out->c[i] += vals[cpu].c[i];
}

struct ds_port_value port_value_sum(const struct ds_port_value *pcpu)
{
	struct ds_port_value sum = {};
	int cpu;

	for (cpu = 0; cpu < test_env.ncpus; cpu++) {
		sum.packets += pcpu[cpu].packets;
		sum.syn += pcpu[cpu].syn;
		sum.mirai += pcpu[cpu].mirai;
	}
	return sum;
}

struct ds_port_value port_read(struct darkscope_bpf *skel, __u32 slot)
{
	struct ds_port_value vals[test_env.ncpus];

	memset(vals, 0, sizeof(vals));
	check(!bpf_map_lookup_elem(bpf_map__fd(skel->maps.port_counts), &slot, vals),
	      "port_counts[%u]: %s", slot, strerror(errno));
	return port_value_sum(vals);
}

int flow_row_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct flow_row *)a)->k, &((const struct flow_row *)b)->k,
		      sizeof(struct ds_flow_key));
}

int flows_read(struct darkscope_bpf *skel, int epoch, struct flow_row *rows, int max)
{
	int fd = bpf_map__fd(flows_of(skel, epoch));
	struct ds_flow_value vals[test_env.ncpus];
	struct ds_flow_key key, next;
	void *prev = NULL;
	int n = 0, cpu, w;

	memset(rows, 0, sizeof(rows[0]) * max);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct flow_row row = { .k = next };

		memset(vals, 0, sizeof(vals));
		check(!bpf_map_lookup_elem(fd, &next, vals), "flows_%d lookup: %s", epoch,
		      strerror(errno));
		for (cpu = 0; cpu < test_env.ncpus; cpu++) {
			row.v.packets += vals[cpu].packets;
			row.v.syn += vals[cpu].syn;
			row.v.mirai += vals[cpu].mirai;
			for (w = 0; w < DS_HOST_WORDS; w++) {
				row.v.src_hosts[w] |= vals[cpu].src_hosts[w];
				row.v.mirai_hosts[w] |= vals[cpu].mirai_hosts[w];
			}
		}
		if (n < max)
			rows[n] = row;
		n++;
		key = next;
		prev = &key;
	}
	qsort(rows, n < max ? n : max, sizeof(rows[0]), flow_row_cmp);
	return n;
}

void counters_flows_reset(struct darkscope_bpf *skel)
{
	struct ds_counters zero[test_env.ncpus];
	struct ds_flow_key key;
	__u32 e;
	int fd;

	memset(zero, 0, sizeof(zero));
	for (e = 0; e < 2; e++) {
		check(!bpf_map_update_elem(bpf_map__fd(skel->maps.sensor_counters), &e, zero,
					   BPF_ANY),
		      "zeroing sensor_counters[%u]: %s", e, strerror(errno));
		fd = bpf_map__fd(flows_of(skel, e));
		while (!bpf_map_get_next_key(fd, NULL, &key))
			check(!bpf_map_delete_elem(fd, &key), "flows_%u delete: %s", e,
			      strerror(errno));
	}
}

const char *verdict_name(__u32 v)
{
	return v == XDP_PASS ? "XDP_PASS" : v == XDP_DROP ? "XDP_DROP" :
	       v == XDP_REDIRECT ? "XDP_REDIRECT" : "other";
}

void counters_print(const char *label, int epoch, const struct ds_counters *c)
{
	int i;

	print_error("  %s epoch %d:", label, epoch);
	/* Signed: the capture tests print differences. */
	for (i = 0; i < DS_CTR_MAX; i++)
		if (c->c[i])
			print_error(" %s=%lld", ds_counter_names[i], (long long)c->c[i]);
	print_error("\n");
}
