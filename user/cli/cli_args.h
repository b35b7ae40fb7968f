/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli_args.h - what every subcommand's command line shares: the exit
 * statuses, whole numbers parsed for argp, and -v/--verbose as an argp child.
 * Only glibc argp and kernel types: the generator includes it too, and must
 * not pull in the sensor's headers (libxdp) through it.
 */
#ifndef __DARKSCOPE_CLI_ARGS_H
#define __DARKSCOPE_CLI_ARGS_H

#include <argp.h>
#include <linux/types.h>

/* Exit statuses (docs/darkscope.md); 64 is argp's (sysexits' EX_USAGE). */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 64

/* The last line of each command's --help. */
#define CLI_EXIT_STATUS_DOC "Exit status: 0 success, 1 runtime failure, 64 usage error."

/* Reports "invalid WHAT 'ARG': expected EXPECTED" (without the expectation
 * when it is NULL) through argp_error(), which exits 64 unless ARGP_NO_EXIT;
 * returns EINVAL for the parser to return. */
error_t argp_invalid(struct argp_state *state, const char *what, const char *arg,
		     const char *expected);

/*
 * An option's value as a whole number in [min, max], for a parser to return:
 * 0, or EINVAL (a positive errno, as argp parsers return) after
 * argp_invalid(): "invalid NAME 'ARG': expected a whole number from MIN to
 * MAX".  *out is set only on success.
 */
error_t argp_parse_u64(struct argp_state *state, const char *name, const char *arg, __u64 min,
		       __u64 max, __u64 *out);
error_t argp_parse_u32(struct argp_state *state, const char *name, const char *arg, __u32 min,
		       __u32 max, __u32 *out);

/*
 * -v/--verbose, counted into an int: list it among a command's children
 * ({ &cli_verbose_argp, 0, NULL, 0 }) and point the child's input at the
 * counter in ARGP_KEY_INIT (state->child_inputs[i] = &opts->verbosity).
 */
extern const struct argp cli_verbose_argp;

#endif /* __DARKSCOPE_CLI_ARGS_H */
