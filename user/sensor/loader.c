// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * loader.c - the darkscope program's life cycle on an interface.
 *
 * libxdp attaches it, so it can share the interface with other XDP programs
 * through libxdp's dispatcher; where the dispatcher cannot load (libxdp
 * 1.3.1 on some kernels) libxdp falls back to a plain single-program
 * attachment, and we log which one is in use.  The caller holds the
 * interface lock (iface_lock.h), so a darkscope program found attached was
 * left by a killed sensor and is replaced.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "darkscope.h"
#include "darkscope.skel.h"
#include "sensor/loader.h"
#include "util/log.h"

#define PROG_NAME "xdp_darkscope"

const char *attach_mode_name(enum xdp_attach_mode mode)
{
	switch (mode) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_SKB:
		return "skb";
	case XDP_MODE_HW:
		return "hw";
	default:
		return "unknown";
	}
}

static const char *xdp_err(int err, char *buf, size_t size)
{
	libxdp_strerror(err, buf, size);
	return buf;
}

/* The flow log's rings (2 interval epochs x CPUs x records) must be
 * addressable by the program's 32-bit index. */
static int size_flow_log(struct darkscope_bpf *skel, const struct loader_opts *opts, int ncpus)
{
	__u64 entries = 2ULL * ncpus * opts->log_records;

	if (!opts->log_records)
		return 0;
	if (entries > UINT32_MAX) {
		pr_warn("A flow log of %u records per CPU does not fit %d CPUs; lower "
			"--log-records\n", opts->log_records, ncpus);
		return -E2BIG;
	}
	skel->rodata->cfg_log_records = opts->log_records;
	skel->rodata->cfg_ncpus = ncpus;
	return bpf_map__set_max_entries(skel->maps.log_ctl, 2 * ncpus) ?:
	       bpf_map__set_max_entries(skel->maps.flow_log, entries);
}

/* The new-key sets are only used with the log and capture of new keys. */
static int size_new_key_sets(struct darkscope_bpf *skel, const struct loader_opts *opts)
{
	__u32 n = opts->log_records && (opts->capture_select & DS_CAPTURE_NEW) ? opts->max_keys : 1;
	int err = bpf_map__set_max_entries(skel->maps.new_keys_0, n);

	return err ?: bpf_map__set_max_entries(skel->maps.new_keys_1, n);
}

static int apply_opts(struct darkscope_bpf *skel, const struct loader_opts *opts)
{
	int ncpus = libbpf_num_possible_cpus();
	int err;

	if (ncpus <= 0) {
		pr_warn("Couldn't read the number of possible CPUs: %s\n", strerror(-ncpus));
		return ncpus ?: -EINVAL;
	}
	skel->rodata->cfg_pass = opts->pass;
	skel->rodata->cfg_capture = opts->capture_select;
	skel->rodata->cfg_sample_n = opts->sample_n ?: 1;
	/* Both epochs' flow maps get one size.  (The kernel does not compare
	 * a hash inner map's max_entries with flow_sets' template.) */
	err = bpf_map__set_max_entries(skel->maps.flows_0, opts->max_keys);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.flows_1, opts->max_keys);
	if (err) {
		pr_warn("Couldn't size the flow maps to %u keys: %s\n", opts->max_keys,
			strerror(-err));
		return err;
	}
	err = size_flow_log(skel, opts, ncpus);
	if (!err)
		err = size_new_key_sets(skel, opts);
	if (err && err != -E2BIG)
		pr_warn("Couldn't size the flow log: %s\n", strerror(-err));
	return err;
}

int sensor_prog__open(struct sensor_prog *sp, const struct loader_opts *opts)
{
	struct darkscope_bpf *skel;
	int err;

	memset(sp, 0, sizeof(*sp));
	skel = darkscope_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("Couldn't open the BPF object: %s\n", strerror(-err));
		return err;
	}
	err = apply_opts(skel, opts);
	if (err) {
		darkscope_bpf__destroy(skel);
		return err;
	}
	sp->skel = skel;
	/* Before anything is loaded or attached: a daemon out of step with its
	 * BPF object must not touch the interface. */
	err = sensor_prog__check_maps(sp);
	if (err) {
		darkscope_bpf__destroy(skel);
		sp->skel = NULL;
	}
	return err;
}

int sensor_prog__check_maps(const struct sensor_prog *sp)
{
	const struct {
		const struct bpf_map *map;
		__u32 key, value;
	} want[] = {
		{ sp->skel->maps.flows_0, sizeof(struct ds_flow_key), sizeof(struct ds_flow_value) },
		{ sp->skel->maps.flows_1, sizeof(struct ds_flow_key), sizeof(struct ds_flow_value) },
		{ sp->skel->maps.port_counts, sizeof(__u32), sizeof(struct ds_port_value) },
		{ sp->skel->maps.sensor_counters, sizeof(__u32), sizeof(struct ds_counters) },
		{ sp->skel->maps.epoch_tag_0, sizeof(__u32), sizeof(__u32) },
		{ sp->skel->maps.epoch_tag_1, sizeof(__u32), sizeof(__u32) },
		{ sp->skel->maps.epoch_tag_2, sizeof(__u32), sizeof(__u32) },
		{ sp->skel->maps.epoch_tag_3, sizeof(__u32), sizeof(__u32) },
		{ sp->skel->maps.flow_log, sizeof(__u32), sizeof(struct ds_flow_rec) },
		{ sp->skel->maps.log_ctl, sizeof(__u32), sizeof(struct ds_log_ctl) },
		{ sp->skel->maps.new_keys_0, sizeof(struct ds_flow_key), sizeof(__u8) },
		{ sp->skel->maps.new_keys_1, sizeof(struct ds_flow_key), sizeof(__u8) },
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (bpf_map__key_size(want[i].map) != want[i].key ||
		    bpf_map__value_size(want[i].map) != want[i].value) {
			pr_warn("Map '%s' has key/value size %u/%u, this build expects %u/%u: "
				"BPF object and daemon are out of step\n",
				bpf_map__name(want[i].map), bpf_map__key_size(want[i].map),
				bpf_map__value_size(want[i].map), want[i].key, want[i].value);
			return -EINVAL;
		}
	}
	return 0;
}

/* After load: epoch_tag_N must say N (arrays start zeroed). */
static int init_epoch_tags(struct sensor_prog *sp)
{
	struct bpf_map *tags[] = { sp->skel->maps.epoch_tag_1, sp->skel->maps.epoch_tag_2,
				   sp->skel->maps.epoch_tag_3 };
	__u32 zero = 0, n;

	for (n = 1; n <= 3; n++) {
		if (bpf_map_update_elem(bpf_map__fd(tags[n - 1]), &zero, &n, BPF_ANY)) {
			int err = -errno;

			pr_warn("Couldn't initialise the epoch tags: %s\n", strerror(-err));
			return err;
		}
	}
	return 0;
}

int sensor_prog__load(struct sensor_prog *sp)
{
	int err = darkscope_bpf__load(sp->skel);

	if (err) {
		pr_warn("Couldn't load the BPF program (verifier log above with -vv): %s\n",
			strerror(-err));
		return err;
	}
	return init_epoch_tags(sp);
}

int sensor_prog__use_capture_map(struct sensor_prog *sp, int map_fd)
{
	/* The sockets are in the map before the program runs at all. */
	int err = bpf_map__reuse_fd(sp->skel->maps.capture_sockets, map_fd);

	if (err)
		pr_warn("Couldn't use the capture socket map: %s\n", strerror(-err));
	return err;
}

/* The program on the interface that match() accepts: the only one without
 * the dispatcher, else the first of the dispatcher's.  NULL if none. */
static struct xdp_program *multiprog_find(struct xdp_multiprog *mp,
					  bool (*match)(struct xdp_program *p, const void *arg),
					  const void *arg)
{
	struct xdp_program *p;

	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		return p && match(p, arg) ? p : NULL;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
		if (match(p, arg))
			return p;
	return NULL;
}

static bool is_named(struct xdp_program *p, const void *name)
{
	return !strcmp(xdp_program__name(p), name);
}

static bool has_id(struct xdp_program *p, const void *id)
{
	return xdp_program__id(p) == *(const __u32 *)id;
}

/* With the interface lock held, a darkscope program still attached was left
 * by a process that could not detach it (kill -9): remove it.  A foreign
 * program is left alone; attaching may still work through the dispatcher,
 * but not next to a program attached without it. */
static int remove_stale_program(struct sensor_prog *sp)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(sp->ifindex);
	struct xdp_program *p;
	char buf[128];
	int err = 0;

	if (!mp || libxdp_get_error(mp))
		return 0; /* nothing attached */
	p = multiprog_find(mp, is_named, PROG_NAME);
	if (p) {
		pr_warn("Replacing stale darkscope program (id %u) on '%s' left by a process "
			"that did not exit cleanly\n", xdp_program__id(p), sp->ifname);
		err = xdp_multiprog__is_legacy(mp) ?
			      xdp_multiprog__detach(mp) :
			      xdp_program__detach(p, sp->ifindex, xdp_multiprog__attach_mode(mp), 0);
		if (err)
			pr_warn("Couldn't remove the stale program on '%s': %s\n", sp->ifname,
				xdp_err(err, buf, sizeof(buf)));
	} else if (xdp_multiprog__is_legacy(mp) && (p = xdp_multiprog__main_prog(mp))) {
		pr_warn("Interface '%s' already has XDP program '%s' (id %u) attached without "
			"libxdp's dispatcher; remove it first (xdp-loader unload %s --all, or ip "
			"link set dev %s xdp off)\n",
			sp->ifname, xdp_program__name(p), xdp_program__id(p), sp->ifname,
			sp->ifname);
		err = -EEXIST;
	}
	xdp_multiprog__close(mp);
	return err;
}

static int attach_in_mode(struct sensor_prog *sp, enum xdp_attach_mode mode)
{
	int err;

	/* libxdp tries its dispatcher first and, where that cannot load, falls
	 * back to attaching the program alone; the libbpf errors of the failed
	 * attempt are noise at the default level (we log the outcome). */
	log_libs_quiet(true);
	err = xdp_program__attach(sp->prog, sp->ifindex, mode, 0);
	log_libs_quiet(false);

	if (!err)
		sp->mode = mode;
	return err;
}

/* Reads back what is attached: dispatcher or legacy, and our program's id. */
static void record_attachment(struct sensor_prog *sp)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(sp->ifindex);

	sp->prog_id = xdp_program__id(sp->prog);
	sp->legacy = true;
	if (mp && !libxdp_get_error(mp)) {
		sp->legacy = xdp_multiprog__is_legacy(mp);
		xdp_multiprog__close(mp);
	}
}

int sensor_prog__attach(struct sensor_prog *sp, const struct loader_opts *opts)
{
	char buf[128];
	long perr;
	int err;

	snprintf(sp->ifname, sizeof(sp->ifname), "%s", opts->ifname);
	sp->ifindex = opts->ifindex;
	err = remove_stale_program(sp);
	if (err)
		return err;

	sp->prog = xdp_program__from_bpf_obj(sp->skel->obj, "xdp");
	perr = libxdp_get_error(sp->prog);
	if (perr) {
		sp->prog = NULL;
		pr_warn("Couldn't prepare the XDP program: %s\n", xdp_err(perr, buf, sizeof(buf)));
		return perr;
	}
	if (opts->mode == ATTACH_SKB) {
		err = attach_in_mode(sp, XDP_MODE_SKB);
	} else {
		err = attach_in_mode(sp, XDP_MODE_NATIVE);
		if (err && opts->mode == ATTACH_AUTO) {
			pr_info("Native XDP not available on '%s' (%s); falling back to skb mode\n",
				sp->ifname, xdp_err(err, buf, sizeof(buf)));
			err = attach_in_mode(sp, XDP_MODE_SKB);
		}
	}
	if (err) {
		pr_warn("Couldn't attach XDP program on iface '%s': %s(%d) (details with -vv)\n",
			sp->ifname, xdp_err(err, buf, sizeof(buf)), err);
		return err;
	}
	sp->attached = true;
	record_attachment(sp);
	return init_epoch_tags(sp);
}

void sensor_prog__detach(struct sensor_prog *sp)
{
	struct xdp_multiprog *mp;
	bool ours_attached = false;
	char buf[128];
	int err;

	if (!sp->attached)
		return;
	sp->attached = false;
	/* Detach only if the program on the interface is still the one we
	 * attached: someone may have replaced it meanwhile. */
	mp = xdp_multiprog__get_from_ifindex(sp->ifindex);
	if (mp && !libxdp_get_error(mp)) {
		ours_attached = multiprog_find(mp, has_id, &sp->prog_id);
		xdp_multiprog__close(mp);
	}
	if (!ours_attached) {
		pr_warn("Program id %u is no longer attached to '%s'; nothing to detach\n",
			sp->prog_id, sp->ifname);
		return;
	}
	err = xdp_program__detach(sp->prog, sp->ifindex, sp->mode, 0);
	if (err)
		pr_warn("Couldn't detach XDP program (id %u) from '%s': %s\n", sp->prog_id,
			sp->ifname, xdp_err(err, buf, sizeof(buf)));
	else
		pr_info("Detached from '%s'\n", sp->ifname);
}

void sensor_prog__close(struct sensor_prog *sp)
{
	sensor_prog__detach(sp);
	/* xdp_program__close() leaves the bpf_object to its owner, the skeleton. */
	if (sp->prog)
		xdp_program__close(sp->prog);
	if (sp->skel)
		darkscope_bpf__destroy(sp->skel);
	sp->prog = NULL;
	sp->skel = NULL;
}
