/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * prog_test_util.h - what the BPF program tests (tests/prog/test_*.c) share,
 * as the kernel selftests share test_progs.h: loading the program through
 * the daemon's own calls, reading its maps summed over CPUs, putting them
 * back to a fresh load's state, and check(), a cmocka failure that names the
 * case being checked.  Include after <cmocka.h>.
 */
#ifndef __DARKSCOPE_PROG_TEST_UTIL_H
#define __DARKSCOPE_PROG_TEST_UTIL_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/libbpf.h>

#include "darkscope.h"
#include "darkscope.skel.h"
#include "sensor/loader.h"

struct prog_test_env {
	int ncpus;            /* possible CPUs: per-CPU values per key */
	const char *skip_why; /* set when this process may not load BPF */
	char what[160];       /* the case being checked, for messages */
};

extern struct prog_test_env test_env;

/* Fails the running cmocka test with the case's name and the message. */
#define check(cond, fmt, ...)                                                   \
	do {                                                                    \
		if (!(cond))                                                    \
			fail_msg("%s: " fmt, test_env.what, ##__VA_ARGS__);     \
	} while (0)

void what_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Opens, loads and checks the program as `darkscope check` does
 * (sensor_prog__open, which checks the map layouts, and __load; max_keys 0 is the daemon's
 * default).  Returns 0 or -errno, the loader having logged why; on failure
 * sp holds nothing.
 */
int prog_load(struct sensor_prog *sp, const struct loader_opts *lo);
/* The same with epoch 1's flow map of one key, for benchmarks that never
 * flip: a large preallocated map they do not use costs load time. */
int prog_load_epoch0_only(struct sensor_prog *sp, const struct loader_opts *lo);
/* Closes what prog_load() loaded; nothing if it loaded nothing. */
void prog_unload(struct sensor_prog *sp);

/*
 * A group setup's first step: counts the CPUs and loads sp per lo.  Returns
 * 0 when loaded, 0 with test_env.skip_why set when loading BPF is not
 * permitted (the tests then skip), -1 with the reason printed otherwise
 * (cmocka then fails the group instead of running tests on nothing).
 */
int prog_test_setup(struct sensor_prog *sp, const struct loader_opts *lo);

/* Points epoch_select at epoch's tag: the program writes there. */
void epoch_set(struct darkscope_bpf *skel, int epoch);
struct bpf_map *flows_of(struct darkscope_bpf *skel, int epoch);

/* sensor_counters[epoch], summed over CPUs. */
void counters_read(struct darkscope_bpf *skel, __u32 epoch, struct ds_counters *out);
/* One port_counts slot, summed over CPUs. */
struct ds_port_value port_read(struct darkscope_bpf *skel, __u32 slot);
/* The sum of test_env.ncpus per-CPU values of one slot. */
struct ds_port_value port_value_sum(const struct ds_port_value *pcpu);

struct flow_row {
	struct ds_flow_key k;
	struct ds_flow_value v; /* counters summed, bitmaps OR-ed over CPUs */
};

int flow_row_cmp(const void *a, const void *b);
/* Every key of epoch's flow map, the first max of them into rows, sorted;
 * returns how many keys the map holds (more than max: rows has max). */
int flows_read(struct darkscope_bpf *skel, int epoch, struct flow_row *rows, int max);

/* Both epochs' sensor counters zeroed and flow maps emptied, as after a
 * load (port_counts and the sample countdowns are the tests' business). */
void counters_flows_reset(struct darkscope_bpf *skel);

const char *verdict_name(__u32 verdict);
/* The non-zero counters of c, on one line of the test's error output. */
void counters_print(const char *label, int epoch, const struct ds_counters *c);

#endif /* __DARKSCOPE_PROG_TEST_UTIL_H */
