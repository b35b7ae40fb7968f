# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""darkscope-report's two engines over files, `--engine c` (darkscope
aggregate) and `--engine python` (the report_pass_*.py passes): the same
report, byte for byte (report.json, report.md, report.html, the PNGs;
warnings included, in the same order), on a clean synthetic period and on
one with damage of every kind the readers report: a truncated member, a
corrupt member, a file that is not gzip, malformed rows, a malformed flows
source, a file of a newer format version, a file holding another series, a
directory given twice; with and without --exclude-known (whose
subtractions come from the C engine's known-scanner cells, and whose
lifted ports need a second pass).  Then the choice itself: auto takes the
C engine when the binary is there, a missing binary is a clear error.

Run: /usr/bin/python3 -m pytest -q tests/scripts/test_report_engines.py
"""
import gzip
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
REPORT = os.path.join(ROOT, "scripts", "darkscope-report")
PYTHON = "/usr/bin/python3"
sys.path.insert(0, HERE)

import report_compare  # noqa: E402
import synth_quarter  # noqa: E402

START, END = "2026-04-01", "2026-04-14"


def run_report(args, env=None):
    return subprocess.run([PYTHON, REPORT] + list(args), capture_output=True, text=True,
                          timeout=600, env=env)


@pytest.fixture(scope="module")
def period(tmp_path_factory):
    d = tmp_path_factory.mktemp("engines")
    answers = synth_quarter.make_quarter(str(d / "series"), START, days=14)
    return str(d), answers


def base_args(answers, out, known=True):
    args = ["--from", START, "--to", END, "--top", "10", "-q",
            "--region-db", *answers["region_db"], "--out", out]
    if known:
        args += ["--known-scanners", answers["known_scanners_file"]]
    return args


# The C engine counts a period's distinct sources in per-thread host sets,
# or, when its flows files are large (a telescope's millions of /24s), in
# one bitmap of the whole space (DARKSCOPE_AGG_DENSE takes it at any size):
# the same answers either way.
SOURCES = {"host-sets": {}, "bitmap": {"DARKSCOPE_AGG_DENSE": "1"}}


def run_both(tmp_path, args_of, sources="host-sets"):
    """Run the report with args_of(out dir) + --engine, for each engine;
    both must succeed.  [(out dir, process)] for c, then python."""
    outs = []
    for engine in ("c", "python"):
        out = str(tmp_path / engine)
        p = run_report(args_of(out) + ["--engine", engine],
                       env=dict(os.environ, DARKSCOPE=darkscope(), **SOURCES[sources]))
        assert p.returncode == 0, f"--engine {engine}:\n{p.stderr}"
        outs.append((out, p))
    return outs


def both(answers, tmp_path, paths, extra=(), sources="host-sets"):
    """run_both() on the synthetic period's arguments."""
    return run_both(tmp_path, lambda out: base_args(answers, out) + [*extra, *paths], sources)


def darkscope():
    path = os.environ.get("DARKSCOPE") or os.path.join(ROOT, "build", "darkscope")
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} not built (run make)")
    return path


def rewrite_member(path, edit):
    """path's last gzip member replaced by edit(text) (one member more)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        text = f.read()
    with open(path, "wb") as f:
        f.write(gzip.compress(edit(text).encode()))


def bad_src(text):
    """text and its last row again, with a src that is not an address."""
    row = text.rstrip("\n").split("\n")[-1].split("\t")
    row[3] = "not-an-address"
    return text + "\t".join(row) + "\n"


@pytest.mark.parametrize("exclude", [False, True], ids=["all", "exclude-known"])
@pytest.mark.parametrize("sources", sorted(SOURCES))
def test_clean_period_same_report(period, tmp_path, sources, exclude):
    d, answers = period
    (c, pc), (py, ppy) = both(answers, tmp_path, [os.path.join(d, "series")],
                              ["--exclude-known"] if exclude else (), sources=sources)
    report_compare.assert_same_results(c, py)
    r = report_compare.load_json(c)
    assert r["has_data"] and len(r["top_ports"]) == 10
    assert not r["footer"]["warnings"]


@pytest.mark.parametrize("exclude", [False, True], ids=["all", "exclude-known"])
@pytest.mark.parametrize("sources", sorted(SOURCES))
def test_damaged_period_same_report_and_warnings(period, tmp_path, sources, exclude):
    d, answers = period
    series = str(tmp_path / "series")
    shutil.copytree(os.path.join(d, "series"), series)
    tokyo, osaka = os.path.join(series, "tokyo-1"), os.path.join(series, "osaka-1")
    # A torn last member, a corrupt member, a file that is not gzip.
    victim = os.path.join(tokyo, "flows-2026-04-03T05.tsv.gz")
    with open(victim, "r+b") as f:
        f.truncate(os.path.getsize(victim) - 40)
    victim = os.path.join(osaka, "flows-2026-04-05T07.tsv.gz")
    raw = bytearray(open(victim, "rb").read())
    raw[len(raw) // 2] ^= 0xff
    open(victim, "wb").write(bytes(raw))
    with open(os.path.join(osaka, "ports-2026-04-02T00.tsv.gz"), "wb") as f:
        f.write(b"this is not gzip at all")
    # A malformed row (a bad number) and a malformed source.  (Short rows:
    # the Python reader takes them with missing columns None, issue 13.)
    rewrite_member(os.path.join(tokyo, "ports-2026-04-06T10.tsv.gz"),
                   lambda t: t + "1775469600\ttcp\t23\tx\t1\t0\n")
    rewrite_member(os.path.join(tokyo, "flows-2026-04-07T11.tsv.gz"), bad_src)
    # A file of a newer format version, one holding another series.
    rewrite_member(os.path.join(osaka, "sensor-2026-04-08T12.tsv.gz"),
                   lambda t: t.replace("# darkscope-series: sensor 1",
                                       "# darkscope-series: sensor 99"))
    shutil.copy(os.path.join(osaka, "sensor-2026-04-09T13.tsv.gz"),
                os.path.join(osaka, "ports-2026-04-09T13.tsv.gz"))
    outs = both(answers, tmp_path, [series, series + "/"],
                ["--exclude-known"] if exclude else (), sources=sources)
    (c, pc), (py, ppy) = outs
    report_compare.assert_same_results(c, py)
    warnings = report_compare.load_json(c)["footer"]["warnings"]
    for what in ("truncated member", "corrupt member", "malformed row(s)", "malformed src",
                 "is newer than this reader", "holds the sensor series", "read once"):
        assert any(what in w for w in warnings), what
    assert pc.stderr == ppy.stderr


def test_choice_of_engine(period, tmp_path):
    d, answers = period
    series = os.path.join(d, "series")
    env = dict(os.environ, DARKSCOPE=darkscope())
    p = run_report(base_args(answers, str(tmp_path / "x")) + ["--engine", "c", "--exclude-known",
                                                              series], env=env)
    assert p.returncode == 0, p.stderr
    p = run_report(base_args(answers, str(tmp_path / "y")) + ["--engine", "c", series],
                   env=dict(os.environ, DARKSCOPE=str(tmp_path / "no-such-binary")))
    assert p.returncode != 0 and "no-such-binary" in p.stderr
    assert "Traceback" not in p.stderr


def test_lifted_port_same_report(tmp_path):
    """--exclude-known lifts a port from below the tracked candidates into
    the top N: both engines take its sources from a second pass, and say so."""
    from test_report import write_hour
    write_hour(str(tmp_path / "s" / "a"), "a", 1775001600, [
        ("tcp", 80, "192.0.2.0/24", 100, 100, 0, (1,), ()),     # the scanner's only
        ("tcp", 443, "192.0.2.0/24", 90, 90, 0, (1,), ()),
        ("tcp", 22, "126.0.1.0/24", 30, 30, 0, (1, 2, 3), ()),
        ("tcp", 22, "126.0.2.0/24", 30, 30, 0, (9,), ()),
        ("tcp", 22, "192.0.2.0/24", 5, 5, 0, (7,), ()),         # excluded from 22's sources
        ("udp", 53, "126.0.3.0/24", 10, 0, 0, (4,), ()),
    ])
    ks = tmp_path / "ks.txt"
    ks.write_text("192.0.2.0/24 doc-scanner\n")
    rir = os.path.join(synth_quarter.FIXTURES, "delegated-test-extended")
    (c, pc), (py, ppy) = run_both(tmp_path, lambda out: [
        "--from", "2026-04-01", "--to", "2026-04-01", "--top", "1", "--region-db", "rir:" + rir,
        "--known-scanners", str(ks), "--exclude-known", "-q", "--out", out, str(tmp_path / "s")])
    report_compare.assert_same_results(c, py)
    r = report_compare.load_json(c)
    assert [(x["port"], x["packets"], x["sources"]) for x in r["top_ports"]] == [(22, 60, 4)]
    assert any("second pass" in n for n in r["footer"]["notes"])
    assert pc.stderr == ppy.stderr
