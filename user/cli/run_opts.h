/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* run_opts.h - the options of `darkscope run` and `darkscope check`. */
#ifndef __DARKSCOPE_RUN_OPTS_H
#define __DARKSCOPE_RUN_OPTS_H

#include <stdbool.h>
#include <linux/types.h>
#include "sensor/sensor.h"

#define SENSOR_NAME_MAX 64

struct run_opts {
	/* What the sensor object takes (sensor/sensor.h); sensor.name points
	 * at name below.  Capture is off while sensor.capture.dir is NULL. */
	struct sensor_opts sensor;
	char name[SENSOR_NAME_MAX + 1];
	unsigned int duration;  /* seconds from attach, 0 = until signalled */
	int verbosity;          /* number of -v */
};

/* Capture defaults: a file per hour, at most 1 GiB of them, "new"
 * selection, 1-in-1000 when sampling. */
#define CAPTURE_DEFAULT_SELECT DS_CAPTURE_NEW
#define CAPTURE_DEFAULT_SAMPLE 1000
#define CAPTURE_DEFAULT_ROTATE 3600
#define CAPTURE_DEFAULT_MAX_DISK_MB 1024

/* Parses argv (argv[0] = "run").  argp_flags: 0 in the binary (argp prints
 * errors and exits 64, or 0 after --help); ARGP_SILENT in tests.  Returns 0,
 * or a positive errno when argp did not exit. */
int run_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags);
/* `check` takes only --max-keys and -v. */
int check_opts_parse(struct run_opts *opts, int argc, char **argv, unsigned int argp_flags);

#endif /* __DARKSCOPE_RUN_OPTS_H */
