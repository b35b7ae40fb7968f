# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""cli - the exit statuses the analyst scripts share with the darkscope binary.

0 success, 1 runtime failure, 64 usage error (sysexits' EX_USAGE, which glibc
argp uses for the binary's subcommands).  argparse exits 2 on a usage error;
ArgumentParser here exits 64 instead, with argparse's usage and message.

    from darkscope_lib import cli
    ap = cli.ArgumentParser(prog="darkscope-series", ...)
"""
import argparse
import sys

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 64


class ArgumentParser(argparse.ArgumentParser):
    """argparse.ArgumentParser whose usage errors (and error() calls) exit 64."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def fail(prog, message):
    """Print 'PROG: MESSAGE' on stderr; returns EXIT_FAIL for main() to return."""
    print(f"{prog}: {message}", file=sys.stderr)
    return EXIT_FAIL
