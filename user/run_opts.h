/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* run_opts.h - the options of `darkscope run` and `darkscope check`. */
#ifndef __DARKSCOPE_RUN_OPTS_H
#define __DARKSCOPE_RUN_OPTS_H

#include <stdbool.h>
#include <linux/types.h>
#include "loader.h"

#define SENSOR_NAME_MAX 64

struct run_opts {
	const char *ifname;
	const char *outdir;
	char sensor[SENSOR_NAME_MAX + 1];
	unsigned int interval;  /* seconds, >= 1 */
	unsigned int duration;  /* seconds from attach, 0 = until signalled */
	enum attach_request mode;
	bool pass;
	__u32 max_keys;
	int verbosity;          /* number of -v */
};

struct argp_state;

/* An option's value as a whole number in [min, max]; on failure reports
 * "invalid NAME 'ARG': expected a whole number from MIN to MAX" through
 * argp_error() and returns EINVAL (a positive errno, as argp parsers do). */
int argp_parse_u64(struct argp_state *state, const char *name, const char *arg, __u64 min,
		   __u64 max, __u64 *out);

/* Parses argv (argv[0] = "run").  argp_flags: 0 in the binary (argp prints
 * errors and exits 64, or 0 after --help); ARGP_SILENT in tests.  Returns 0,
 * or a positive errno when argp did not exit. */
int run_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags);
/* `check` takes only --max-keys and -v. */
int check_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags);

#endif /* __DARKSCOPE_RUN_OPTS_H */
