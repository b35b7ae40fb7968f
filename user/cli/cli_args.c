// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli_args.c - argp helpers of all subcommands: numbers through strtoull
 * with errno and range checks, errors as usage errors (exit 64), and the
 * shared -v/--verbose.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <linux/types.h>
#include "darkscope.h"
#include "cli/cli_args.h"

/* --version of every subcommand. */
const char *argp_program_version = "darkscope " DS_VERSION;

error_t argp_invalid(struct argp_state *state, const char *what, const char *arg,
		     const char *expected)
{
	argp_error(state, "invalid %s '%s'%s%s", what, arg, expected ? ": expected " : "",
		   expected ? expected : "");
	return EINVAL;
}

error_t argp_parse_u64(struct argp_state *state, const char *name, const char *arg, __u64 min,
		       __u64 max, __u64 *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		char range[64];

		snprintf(range, sizeof(range), "a whole number from %llu to %llu",
			 (unsigned long long)min, (unsigned long long)max);
		return argp_invalid(state, name, arg, range);
	}
	*out = v;
	return 0;
}

error_t argp_parse_u32(struct argp_state *state, const char *name, const char *arg, __u32 min,
		       __u32 max, __u32 *out)
{
	__u64 v;
	error_t err = argp_parse_u64(state, name, arg, min, max, &v);

	if (!err)
		*out = v;
	return err;
}

static const struct argp_option verbose_options[] = {
	{ "verbose", 'v', NULL, 0,
	  "More output; twice for libbpf/libxdp debug (with the verifier log)", 0 },
	{},
};

static error_t parse_verbose_opt(int key, char *arg, struct argp_state *state)
{
	int *verbosity = state->input;

	(void)arg;
	if (key != 'v')
		return ARGP_ERR_UNKNOWN;
	(*verbosity)++;
	return 0;
}

const struct argp cli_verbose_argp = { verbose_options, parse_verbose_opt, NULL, NULL,
				       NULL, NULL, NULL };
