/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* commands.h - the subcommands of the darkscope binary: do_<command>(). */
#ifndef __DARKSCOPE_COMMANDS_H
#define __DARKSCOPE_COMMANDS_H

/* EXIT_OK, EXIT_FAIL, EXIT_USAGE: what each do_<command>() returns. */
#include "cli/cli_args.h"

/* Each takes argv with argv[0] = the subcommand name and returns an exit status. */
int do_run(int argc, char **argv);   /* user/cli/cmd_run.c */
int do_check(int argc, char **argv); /* user/cli/cmd_run.c */
int do_read(int argc, char **argv);  /* user/cli/cmd_read.c */
int do_gen(int argc, char **argv);   /* user/cli/cmd_gen.c */
int do_export(int argc, char **argv); /* user/cli/cmd_export.c */
int do_rollup(int argc, char **argv); /* user/cli/cmd_rollup.c */
int do_aggregate(int argc, char **argv); /* user/cli/cmd_aggregate.c */

#endif /* __DARKSCOPE_COMMANDS_H */
