# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""One exit-status convention: 0 success, 1 runtime failure, 64 usage error,
for both analyst scripts as for the darkscope binary (darkscope_lib.cli)."""
import argparse

import pytest

from darkscope_lib import cli


@pytest.mark.parametrize("script", ["darkscope-series", "darkscope-report"])
@pytest.mark.parametrize("args", [["--bogus", "."], []])
def test_usage_error_exits_64(run_script, script, args):
    """An unknown option, or none of the required arguments: argparse's
    usage and message on stderr, nothing on stdout, exit 64 (not argparse's 2)."""
    proc = run_script(script, *args)
    assert proc.returncode == cli.EXIT_USAGE == 64, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith("usage: " + script)
    assert f"{script}: error: " in proc.stderr


@pytest.mark.parametrize("script", ["darkscope-series", "darkscope-report"])
def test_help_exits_0(run_script, script):
    proc = run_script(script, "--help")
    assert proc.returncode == cli.EXIT_OK
    assert proc.stdout.startswith("usage: " + script)


def test_parser_error_and_type_error_exit_64(capsys):
    def positive(text):
        if not text.isdigit() or int(text) == 0:
            raise argparse.ArgumentTypeError(f"'{text}' is not positive")
        return int(text)

    ap = cli.ArgumentParser(prog="t")
    ap.add_argument("--n", type=positive)
    for argv in (["--n", "0"], ["--m"]):
        with pytest.raises(SystemExit) as e:
            ap.parse_args(argv)
        assert e.value.code == 64
    with pytest.raises(SystemExit) as e:
        ap.error("custom")
    assert e.value.code == 64
    assert capsys.readouterr().err.endswith("t: error: custom\n")


def test_fail_prints_and_returns_1(capsys):
    assert cli.fail("t", "x: No such file or directory") == cli.EXIT_FAIL == 1
    assert capsys.readouterr().err == "t: x: No such file or directory\n"
