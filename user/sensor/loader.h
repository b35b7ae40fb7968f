/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * loader.h - open, configure, load and attach the darkscope XDP program with
 * libxdp, and detach exactly what was attached.
 */
#ifndef __DARKSCOPE_LOADER_H
#define __DARKSCOPE_LOADER_H

#include <stdbool.h>
#include <linux/types.h>
#include <xdp/libxdp.h>

enum attach_request {
	ATTACH_AUTO = 0,   /* native, falling back to skb (generic) */
	ATTACH_NATIVE,
	ATTACH_SKB,
};

struct loader_opts {
	const char *ifname; /* for messages */
	int ifindex;        /* the interface attach uses, looked up once by the caller */
	enum attach_request mode;
	__u32 max_keys; /* flow keys per epoch */
	bool pass;      /* XDP_PASS counted IPv4 instead of dropping it */
	__u32 capture_select; /* enum ds_capture_select; 0: no capture */
	__u32 sample_n;       /* N of the 1-in-N sample */
	__u32 log_records;    /* flow log records per CPU and interval epoch; 0: off */
};

struct sensor_prog {
	struct darkscope_bpf *skel;
	struct xdp_program *prog;
	int ifindex;
	char ifname[16];
	enum xdp_attach_mode mode; /* as attached */
	bool legacy;               /* libxdp fell back to single-program mode */
	__u32 prog_id;
	bool attached;
};

/* Opens the skeleton, applies opts (before load) and checks the map
 * layouts (sensor_prog__check_maps).  Returns 0 or -errno, having logged. */
int sensor_prog__open(struct sensor_prog *sp, const struct loader_opts *opts);
/* Before attach: the program redirects captured frames into this XSKMAP
 * (the capture's) instead of its own empty one.  0 or -errno. */
int sensor_prog__use_capture_map(struct sensor_prog *sp, int map_fd);
/* Loads without attaching (for `check`). */
int sensor_prog__load(struct sensor_prog *sp);
/* With the interface lock held (iface_lock.h): replaces a stale darkscope
 * program left by a killed process, attaches to opts->ifindex (loading the
 * object) and initialises the epoch tags.  Returns 0 or -errno, logged. */
int sensor_prog__attach(struct sensor_prog *sp, const struct loader_opts *opts);
/* Detaches the program this process attached, if it is still attached. */
void sensor_prog__detach(struct sensor_prog *sp);
void sensor_prog__close(struct sensor_prog *sp);
const char *attach_mode_name(enum xdp_attach_mode mode);
/* Checks map key/value sizes against include/darkscope.h.  0 or -EINVAL. */
int sensor_prog__check_maps(const struct sensor_prog *sp);

#endif /* __DARKSCOPE_LOADER_H */
