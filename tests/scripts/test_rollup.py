# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Tests of `darkscope rollup` with the readers and the report, and of the
report's choice of files (scripts/darkscope_lib/report_reading.py).

On a synthetic period in the real format (synth_quarter.py, 10-minute
intervals, two sensors, previous period too):
- `darkscope rollup` makes a rollup per day and series, then finds them
  current; `darkscope read` and the Python reader read the rollups, and
  their rows are exactly the raw rows collapsed per day and key;
- the report is the same (json, md, html, PNGs; the footer's reading
  figures aside) with daily rollups, hourly ones, rollups whose raw files
  were moved away (all of a day's, or some), and with a stale rollup (late data in a raw file), which
  is passed over; `darkscope rollup` then makes it again;
- bad input in the file selection: a directory given twice, reached
  through a symlink and as ./DIR, a sensor's directory copied elsewhere, a
  file of a newer format version: each warned about by name, nothing
  counted twice; one sensor's days split over two directories are all read.

Run: /usr/bin/python3 -m pytest -q tests/scripts/test_rollup.py
"""
import collections
import glob
import json
import os
import shutil
import subprocess
import zlib

import pytest

import report_compare
import synth_quarter
from darkscope_lib import reader

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "scripts", "darkscope-report")
PYTHON = "/usr/bin/python3"
START, END = "2026-04-01", "2026-04-02"
DAYS = 2
SENSORS = ("tokyo-1", "osaka-1")
SERIES = ("flows", "ports", "sensor")
MAX_RULE = {"end_ms", "max_keys", "write_errors", "write_dropped"}


@pytest.fixture(scope="module")
def period(tmp_path_factory):
    """The raw series (read-only) and the report on them."""
    d = tmp_path_factory.mktemp("period")
    answers = synth_quarter.make_quarter(str(d / "series"), START, days=DAYS, sensors=SENSORS,
                                         interval=600)
    out = str(d / "raw-report")
    run_report([str(d / "series")], out, answers)
    return str(d / "series"), answers, out


@pytest.fixture(scope="module")
def rolled(period, tmp_path_factory, darkscope_bin):
    """A copy of the series with daily rollups, and the rollup run's output."""
    series, _, _ = period
    d = str(tmp_path_factory.mktemp("rolled") / "series")
    shutil.copytree(series, d)
    p = rollup(darkscope_bin, *[os.path.join(d, s) for s in SENSORS])
    return d, p


def rollup(darkscope_bin, *args, check=True):
    p = subprocess.run([darkscope_bin, "rollup", *args], capture_output=True, text=True,
                       timeout=600)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def run_report(paths, out, answers, check=True, cwd=None, bin="day"):
    """The report in day bins by default (the 2-day period's own would be
    hours, where a daily rollup cannot stand for its day)."""
    p = subprocess.run([PYTHON, os.path.abspath(REPORT), "--from", START, "--to", END,
                        "--bin", bin, "--region-db", *answers["region_db"], "--out", out,
                        *paths],
                       capture_output=True, text=True, timeout=600, cwd=cwd)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def read_json(darkscope_bin, series, paths):
    p = subprocess.run([darkscope_bin, "read", "--json", "--series", series, *paths],
                       capture_output=True, text=True, check=True)
    return [json.loads(line) for line in p.stdout.splitlines()]


def collapse(rows, series):
    """Raw rows -> what a daily rollup must hold, keyed (sensor, day, key)."""
    out = {}
    for r in rows:
        day = r["ts"] - r["ts"] % 86400
        if series == "flows":
            k = (r["sensor"], day, r["proto"], r["dport"], r["src"])
            o = out.setdefault(k, {"packets": 0, "syn": 0, "mirai": 0, "src_hosts": set(),
                                   "mirai_hosts": set()})
            for c in ("packets", "syn", "mirai"):
                o[c] += r[c]
            o["src_hosts"] |= set(r["src_hosts"])
            o["mirai_hosts"] |= set(r["mirai_hosts"])
        elif series == "ports":
            k = (r["sensor"], day, r["proto"], r["dport"])
            o = out.setdefault(k, {"packets": 0, "syn": 0, "mirai": 0})
            for c in ("packets", "syn", "mirai"):
                o[c] += r[c]
        else:
            k = (r["sensor"], day)
            o = out.setdefault(k, {"intervals": 0})
            o["intervals"] += 1
            for c, v in r.items():
                if c in ("sensor", "ts") or v is None:
                    continue
                if c == "start_ms":
                    o[c] = min(o.get(c, v), v)
                elif c in MAX_RULE:
                    o[c] = max(o.get(c, v), v)
                else:
                    o[c] = round(o.get(c, 0) + v, 3)
    return out


def rollup_rows(rows, series):
    """Rollup rows, keyed as collapse() keys them."""
    out = {}
    for r in rows:
        if series == "flows":
            k = (r["sensor"], r["ts"], r["proto"], r["dport"], r["src"])
            v = {c: r[c] for c in ("packets", "syn", "mirai")}
            v["src_hosts"] = set(r["src_hosts"])
            v["mirai_hosts"] = set(r["mirai_hosts"])
            assert r["srcs"] == len(v["src_hosts"]) and r["mirai_srcs"] == len(v["mirai_hosts"])
        elif series == "ports":
            k = (r["sensor"], r["ts"], r["proto"], r["dport"])
            v = {c: r[c] for c in ("packets", "syn", "mirai")}
        else:
            k = (r["sensor"], r["ts"])
            v = {c: x for c, x in r.items() if c not in ("sensor", "ts") and x is not None}
        assert k not in out  # each key once
        out[k] = v
    return out


# ---------------------------------------------------------- the rollups

def test_rollup_makes_then_finds_current(rolled, darkscope_bin):
    d, p = rolled
    # Both periods: 2 + 2 days per sensor and series.
    for s in SENSORS:
        for series in SERIES:
            assert f"{os.path.join(d, s)}: {series}: 4 made, 0 current, 0 open; rows " in p.stdout
            assert len(glob.glob(os.path.join(d, s, "rollup", f"{series}-day-*.tsv.gz"))) == 4
    again = rollup(darkscope_bin, os.path.join(d, "tokyo-1"))
    assert again.stdout.count(": 0 made, 4 current, 0 open") == 3


@pytest.mark.parametrize("series", SERIES)
def test_darkscope_read_reads_rollups(rolled, period, darkscope_bin, series):
    d, _ = rolled
    raw = read_json(darkscope_bin, series, [period[0]])
    files = sorted(glob.glob(os.path.join(d, "*", "rollup", f"{series}-day-*.tsv.gz")))
    got = read_json(darkscope_bin, series, files)
    want = collapse(raw, series)
    if series == "sensor":
        # `darkscope read` prints the columns it knows: not the rollup's own.
        for v in want.values():
            del v["intervals"]
    assert rollup_rows(got, series) == want
    # Far fewer rows: a day of 144 intervals in one.
    assert len(got) * 10 < len(raw)
    # Reading the directory itself still gives the raw rows only: rollup/
    # holds no file named like an hourly one.
    assert read_json(darkscope_bin, series, [d]) == raw
    assert list(reader.iter_rows([d], series)) == list(reader.iter_rows([period[0]], series))


@pytest.mark.parametrize("series", SERIES)
def test_python_reader_reads_rollups(rolled, period, darkscope_bin, series):
    d, _ = rolled
    files = sorted(glob.glob(os.path.join(d, "*", "rollup", f"{series}-day-*.tsv.gz")))
    warnings = []
    rows = list(reader.iter_rows(files, series, on_warning=warnings.append))
    assert warnings == []
    for r in rows:
        for c in ("src_hosts", "mirai_hosts"):
            if c in r:
                r[c] = list(r[c])
    # All of it, the sensor rows' intervals too.
    raw = read_json(darkscope_bin, series, [period[0]])
    assert rollup_rows(rows, series) == collapse(raw, series)


def test_rollup_members_are_chunked(period, tmp_path, darkscope_bin):
    d = str(tmp_path / "s")
    shutil.copytree(os.path.join(period[0], "tokyo-1"), d)
    rollup(darkscope_bin, "--member-rows", "7", "--max-keys", "50", d)
    path = os.path.join(d, "rollup", "flows-day-2026-04-01.tsv.gz")
    with open(path, "rb") as f:
        data = f.read()
    members = []
    while data:
        z = zlib.decompressobj(31)
        members.append(z.decompress(data).decode())
        data = z.unused_data
    rows = [m.count("\n") for m in members[1:]]
    assert members[0].startswith("# darkscope-series: flows 1\n")
    assert all(n == 7 for n in rows[:-1]) and 1 <= rows[-1] <= 7
    assert len(members) > 3


def test_rollup_usage_and_missing_dir(tmp_path, darkscope_bin):
    for args in ([], ["--no-days", str(tmp_path)], ["--from", "yesterday", str(tmp_path)],
                 ["--member-rows", "0", str(tmp_path)], ["--from", "2026-04-02",
                                                          "--to", "2026-04-01", str(tmp_path)]):
        p = rollup(darkscope_bin, *args, check=False)
        assert p.returncode == 64, (args, p.stderr)
    p = rollup(darkscope_bin, str(tmp_path / "nope" / "x"), check=False)
    assert p.returncode == 1
    assert "nope" in p.stderr


# ---------------------------------------------------- the report on them

def test_report_same_with_daily_rollups(period, rolled, tmp_path):
    _, answers, raw_out = period
    d, _ = rolled
    out = str(tmp_path / "out")
    run_report([d], out, answers)
    report_compare.assert_same_results(raw_out, out)
    r = report_compare.load_json(out)
    assert any(n.startswith("rollups of the flows series: 8 current") for n in r["footer"]["notes"])
    raw = report_compare.load_json(raw_out)
    assert r["footer"]["files"]["flows"] == 8  # 2 sensors, 4 days
    assert raw["footer"]["files"]["flows"] == 2 * 4 * 24


def test_hour_bins_read_raw_hours_beside_daily_rollups(period, rolled, tmp_path):
    """A 2-day period's figures are hourly: its days are read from the raw
    files (a daily rollup holds no hours), the previous period, which is
    only totalled, from the daily rollups - and every figure stays exact."""
    _, answers, _ = period
    d, _ = rolled
    raw_out, out = str(tmp_path / "raw"), str(tmp_path / "out")
    run_report([period[0]], raw_out, answers, bin="auto")
    run_report([d], out, answers, bin="auto")
    report_compare.assert_same_results(raw_out, out)
    r = report_compare.load_json(out)
    assert len(r["figure1"]["series"][0]["packets"]) == DAYS * 24
    files = r["footer"]["files"]["flows"]
    # Current: 2 sensors x 2 days x 24 raw hours; previous: 2 x 2 rollups.
    assert files == 2 * DAYS * 24 + 2 * DAYS, files


def test_report_same_with_hourly_rollups(period, tmp_path, darkscope_bin):
    series, answers, raw_out = period
    d = str(tmp_path / "series")
    shutil.copytree(series, d)
    rollup(darkscope_bin, "--hours", "--no-days", *[os.path.join(d, s) for s in SENSORS])
    out = str(tmp_path / "out")
    run_report([d], out, answers)
    report_compare.assert_same_results(raw_out, out)
    assert report_compare.load_json(out)["footer"]["files"]["flows"] == 2 * 4 * 24
    assert any("192 current" in n for n in report_compare.load_json(out)["footer"]["notes"])


def test_report_same_with_raw_files_moved_away(period, tmp_path, darkscope_bin):
    series, answers, raw_out = period
    d = str(tmp_path / "series")
    shutil.copytree(series, d)
    rollup(darkscope_bin, *[os.path.join(d, s) for s in SENSORS])
    archive = tmp_path / "archive"
    archive.mkdir()
    for f in glob.glob(os.path.join(d, "tokyo-1", "*-2026-04-01T*.tsv.gz")):
        shutil.move(f, archive)
    out = str(tmp_path / "out")
    run_report([d], out, answers)
    report_compare.assert_same_results(raw_out, out)


def test_report_same_with_some_raw_files_gone(period, tmp_path, darkscope_bin):
    """Retention deleting a rolled-up day's files hour by hour: the rollup
    still holds the gone hours, and stays current."""
    series, answers, raw_out = period
    d = str(tmp_path / "series")
    shutil.copytree(series, d)
    rollup(darkscope_bin, *[os.path.join(d, s) for s in SENSORS])
    for f in glob.glob(os.path.join(d, "osaka-1", "*-2026-04-02T0[0-9].tsv.gz")):
        os.unlink(f)
    out = str(tmp_path / "out")
    run_report([d], out, answers)
    report_compare.assert_same_results(raw_out, out)
    assert not any("stale" in n for n in report_compare.load_json(out)["footer"]["notes"])
    p = rollup(darkscope_bin, os.path.join(d, "osaka-1"))
    assert ": flows: 0 made, 4 current" in p.stdout


def append_late_data(sensor_dir):
    """A restarted daemon's late member in 2026-04-02T05: a port no one else
    has, big enough to rank first."""
    ts = synth_quarter.calendar.timegm((2026, 4, 2, 5, 30, 0))
    members = {
        "flows": f"{ts}\ttcp\t4444\t95.42.1.0/24\t5000000\t5000000\t0\t2\t0\t[1,2]\t[]\n",
        "ports": f"{ts}\ttcp\t4444\t5000000\t5000000\t0\n",
    }
    for series, rows in members.items():
        cols = synth_quarter.COLUMNS[series]
        head = (f"# darkscope-series: {series} 1\n# sensor: tokyo-1\n# iface: eth1\n"
                "# interval: 600\n# version: 0.1.0\n# started: 2026-04-02T05:29:00Z\n"
                + "\t".join(cols) + "\n")
        with open(os.path.join(sensor_dir, f"{series}-2026-04-02T05.tsv.gz"), "ab") as f:
            f.write(zlib.compress(head.encode(), 6, 31) + zlib.compress(rows.encode(), 6, 31))


def test_report_passes_over_a_stale_rollup(period, rolled, tmp_path, darkscope_bin):
    series, answers, _ = period
    d = str(tmp_path / "rolled")
    shutil.copytree(rolled[0], d)
    raw = str(tmp_path / "raw")
    shutil.copytree(series, raw)
    for base in (d, raw):
        append_late_data(os.path.join(base, "tokyo-1"))
    out, raw_out = str(tmp_path / "out"), str(tmp_path / "raw-out")
    run_report([d], out, answers)
    run_report([raw], raw_out, answers)
    report_compare.assert_same_results(raw_out, out)
    r = report_compare.load_json(out)
    assert r["top_ports"][0]["port"] == 4444 and r["top_ports"][0]["packets"] == 5000000
    assert any(n.startswith("rollups of the flows series: 7 current") and "1 stale" in n
               for n in r["footer"]["notes"])
    # Made again, the rollup is current and read.
    p = rollup(darkscope_bin, os.path.join(d, "tokyo-1"))
    assert ": flows: 1 made, 3 current" in p.stdout
    out2 = str(tmp_path / "out2")
    run_report([d], out2, answers)
    report_compare.assert_same_results(raw_out, out2)
    assert not any("stale" in n for n in report_compare.load_json(out2)["footer"]["notes"])


# ----------------------------------------------- bad input in the selection

def skipped_warnings(out):
    return [w for w in report_compare.load_json(out)["footer"]["warnings"] if "skipped" in w]


def test_directory_given_twice(period, tmp_path):
    series, answers, raw_out = period
    out = str(tmp_path / "out")
    run_report([series, series], out, answers)
    report_compare.assert_same_results(raw_out, out, keep_warnings=False)
    w = skipped_warnings(out)
    # One per sensor directory and series, naming a file and the count.
    assert len(w) == 6
    assert all("read once" in x and " more)" in x for x in w)
    assert any(os.path.join(series, "tokyo-1") in x and "flows-2026-03-30T00.tsv.gz" in x
               for x in w)


def test_directory_through_symlink_and_dot(period, tmp_path):
    series, answers, raw_out = period
    base = tmp_path / "here"
    base.mkdir()
    shutil.copytree(series, base / "copy")
    os.symlink(base / "copy", base / "link")
    out = str(tmp_path / "out")
    run_report(["copy", "./copy/", "link/tokyo-1", str(base / "copy" / "osaka-1")], out, answers,
               cwd=str(base))
    report_compare.assert_same_results(raw_out, out, keep_warnings=False)
    w = skipped_warnings(out)
    assert w and all("read once" in x for x in w)
    assert any(x.startswith("./copy/") for x in w)


def test_same_sensor_name_in_two_directories(period, tmp_path):
    series, answers, raw_out = period
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copytree(os.path.join(series, "tokyo-1"), other / "tokyo-1-copy")
    out = str(tmp_path / "out")
    run_report([series, str(other)], out, answers)
    report_compare.assert_same_results(raw_out, out, keep_warnings=False)
    w = skipped_warnings(out)
    assert len(w) == 3
    assert all("sensor tokyo-1's hours were read from" in x and "tokyo-1-copy" in x for x in w)


def test_one_sensor_split_over_two_directories(period, tmp_path):
    """Legitimate: a sensor that moved its output directory mid-period."""
    series, answers, raw_out = period
    a, b = tmp_path / "a" / "tokyo-1", tmp_path / "b" / "tokyo-1"
    shutil.copytree(os.path.join(series, "tokyo-1"), a)
    b.mkdir(parents=True)
    for f in glob.glob(str(a / "*-2026-04-0[12]T*.tsv.gz")):
        shutil.move(f, b)
    out = str(tmp_path / "out")
    run_report([str(a), str(b), os.path.join(series, "osaka-1")], out, answers)
    report_compare.assert_same_results(raw_out, out)


def test_newer_format_version_skipped(period, tmp_path):
    series, answers, raw_out = period
    d = str(tmp_path / "series")
    shutil.copytree(series, d)
    future = os.path.join(d, "future-1")
    os.mkdir(future)
    text = ("# darkscope-series: ports 2\n# sensor: future-1\nts\tproto\tdport\tpackets\n"
            f"{synth_quarter.calendar.timegm((2026, 4, 1, 0, 0, 0))}\ttcp\t80\t99999999\n")
    path = os.path.join(future, "ports-2026-04-01T00.tsv.gz")
    with open(path, "wb") as f:
        f.write(zlib.compress(text.encode(), 6, 31))
    out = str(tmp_path / "out")
    run_report([d], out, answers)
    report_compare.assert_same_results(raw_out, out, keep_warnings=False)
    assert skipped_warnings(out) == [
        f"{future}: ports-2026-04-01T00.tsv.gz skipped: format version 2 is newer than this "
        "reader reads (1)"]


def test_directory_twice_with_rollups(period, rolled, tmp_path):
    _, answers, raw_out = period
    d, _ = rolled
    out = str(tmp_path / "out")
    run_report([d, d + "/"], out, answers)
    report_compare.assert_same_results(raw_out, out, keep_warnings=False)
    r = report_compare.load_json(out)
    assert r["footer"]["files"]["flows"] == 8
