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

/* Parses argv (argv[0] = "run").  argp_flags: 0 in the binary (argp prints
 * errors and exits 64, or 0 after --help); ARGP_SILENT in tests.  Returns 0,
 * or a positive errno when argp did not exit. */
int run_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags);
/* `check` takes only --max-keys and -v. */
int check_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags);

#endif /* __DARKSCOPE_RUN_OPTS_H */
