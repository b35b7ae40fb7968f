// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * main.c - the darkscope binary: picks a subcommand by (unique) prefix and
 * hands it the rest of the command line.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include <linux/types.h>
#include "darkscope.h"

struct command {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *summary;
};

static int do_help(int argc, char **argv);

static const struct command commands[] = {
	{ "run", do_run, "attach to an interface and write time series (the sensor)" },
	{ "read", do_read, "print rows of time-series files and directories" },
	{ "check", do_check, "load and verify the BPF program, then exit" },
	{ "export", do_export, "rows of series files from member offsets on, for a database loader" },
	{ "rollup", do_rollup, "collapse closed days of series files into daily rollups" },
	{ "aggregate", do_aggregate, "the report's passes in C, for darkscope-report --engine c" },
	{ "gen", do_gen, "send scan traffic of known composition (benchmarks, tests)" },
	{ "help", do_help, "this list" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int do_help(int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	printf("Usage: darkscope COMMAND [OPTIONS]...\n\nCommands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		printf("  %-6s %s\n", commands[i].name, commands[i].summary);
	printf("\n'darkscope COMMAND --help' describes a command's options.\n");
	return EXIT_OK;
}

/* Exact name first, then a unique prefix (bpftool's cmd_select habit). */
static const struct command *command_find(const char *name)
{
	const struct command *found = NULL;
	size_t i, len = strlen(name);

	for (i = 0; i < N_COMMANDS; i++) {
		if (!strcmp(commands[i].name, name))
			return &commands[i];
		if (len && !strncmp(commands[i].name, name, len)) {
			if (found)
				return NULL;
			found = &commands[i];
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	static char name[32];

	/* A file-size limit (systemd LimitFSIZE) must fail a write with EFBIG,
	 * which the writer handles like a full disk, not kill the sensor. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		do_help(0, NULL);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("darkscope %s\n", DS_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return do_help(0, NULL);
	cmd = command_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "darkscope: unknown or ambiguous command '%s' (try 'darkscope help')\n",
			argv[1]);
		return EXIT_USAGE;
	}
	/* argp names the program after argv[0]: make messages say "darkscope run". */
	snprintf(name, sizeof(name), "darkscope %s", cmd->name);
	argv[1] = name;
	return cmd->func(argc - 1, argv + 1);
}
