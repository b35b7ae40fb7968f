#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""bench_report_scale.py - darkscope-report at telescope density (issue 11).

Input: a day of 1-minute intervals at N flow rows a minute, as bench_rollup
writes it (BENCH_ROLLUP_KEEP=1: sensor bench-1, 2026-11-22, its daily
rollups in DAY_DIR/rollup).  The report (--top 10, default region database,
--bin day as a quarter's report has) runs for each engine and input:

  rollup  the daily rollups (what a sensor with `darkscope rollup` on a
          timer gives the report: the realistic case), over two days: the
          day's rollups and a copy of them as the next day (its rows' ts
          moved by a day), so that the C engine's two threads each have a
          day's file, as they have a share of a quarter's 92
  raw     the day's 1440 intervals' files (the rollups moved aside): 24
          hourly files already, for either thread

each in its own process tree, so CPU (user + sys) and peak RSS are its own
(/usr/bin/time: the largest of the report and its darkscope aggregate).

Prints CSV lines:
  report_scale,<N>,<engine>,<input>,<days>,<flow_rows_read>,<wall_s>,<cpu_s>,
    <max_rss_MB>,<fixed_s>,<previous_s>,<quarter_min>
fixed_s: the same report of the day before (no data there: start-up, the
directory scan, the region database, the figures), paid once per report;
previous_s: that report of the day before with the days as its previous
period (what the previous quarter's days cost: fewer columns read);
quarter_min extrapolates to a quarter and the previous one, 92 days each:
fixed_s + 92 x ((wall_s - fixed_s) + (previous_s - fixed_s)) / days.

Usage: bench_report_scale.py DAY_DIR N ENGINE:INPUT...   e.g. c:rollup python:raw
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "scripts", "darkscope-report")
DAY = "2026-11-22"
DAY_BEFORE = "2026-11-21"
DAY_AFTER = "2026-11-23"
DAY_TS = 1795305600  # DAY at 00:00 UTC
QUARTER_DAYS = 92


def members(path, piece=1 << 20):
    """The texts of a gzip file's members, one at a time."""
    d, text = zlib.decompressobj(31), []
    with open(path, "rb") as f:
        data = f.read(piece)
        while data:
            text.append(d.decompress(data))
            if d.eof:
                yield b"".join(text)
                data, d, text = d.unused_data, zlib.decompressobj(31), []
                if data:
                    continue
            data = f.read(piece)


def copy_as_next_day(rollup_dir):
    """DAY's rollups again as DAY_AFTER's: rows at the next day's ts, the
    header's span moved, member by member (the reader holds one at a time)."""
    old_ts, new_ts = b"%d\t" % DAY_TS, b"%d\t" % (DAY_TS + 86400)
    for series in ("flows", "ports", "sensor"):
        src = os.path.join(rollup_dir, f"{series}-day-{DAY}.tsv.gz")
        dst = os.path.join(rollup_dir, f"{series}-day-{DAY_AFTER}.tsv.gz")
        with open(dst + ".tmp", "wb") as out:
            for text in members(src):
                # Every row starts with its ts; no other field is followed by one.
                text = b"\n" + text
                text = text.replace(b"\n" + old_ts, b"\n" + new_ts)[1:]
                text = text.replace(b"# rollup: day " + DAY.encode(),
                                    b"# rollup: day " + DAY_AFTER.encode())
                c = zlib.compressobj(1, zlib.DEFLATED, 31)
                out.write(c.compress(text) + c.flush())
        shutil.copystat(src, dst + ".tmp")
        os.rename(dst + ".tmp", dst)


def run(day_dir, engine, out, day=DAY, previous="none", to=None):
    """(wall s, CPU s, max RSS MB) of one report."""
    stats = os.path.join(out, "time.txt")
    argv = ["/usr/bin/time", "-f", "%U %S %M", "-o", stats, "/usr/bin/python3", REPORT,
            "--from", day, "--to", to or day, "--previous", previous, "--top", "10", "-q",
            "--bin", "day", "--engine", engine, "--out", out, day_dir]
    t0 = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode:
        sys.exit(f"bench_report_scale: darkscope-report --engine {engine} failed:\n{p.stderr}")
    with open(stats, encoding="utf-8") as f:
        user, system, rss_kb = f.read().split()[-3:]
    return wall, float(user) + float(system), int(rss_kb) / 1024


def flow_rows(out):
    with open(os.path.join(out, "report.json"), encoding="utf-8") as f:
        footer = json.load(f)["footer"]
    return sum(v for k, v in footer["rows"].items() if k.startswith("flows"))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    day_dir, n = sys.argv[1], int(sys.argv[2])
    rollup, aside = os.path.join(day_dir, "rollup"), os.path.join(day_dir, "..", "rollup.aside")
    if any(spec.endswith(":rollup") for spec in sys.argv[3:]):
        copy_as_next_day(rollup)
    for spec in sys.argv[3:]:
        engine, what = spec.split(":")
        last, days = (DAY_AFTER, 2) if what == "rollup" else (DAY, 1)
        if what == "raw":
            os.rename(rollup, aside)
        try:
            with tempfile.TemporaryDirectory(prefix="bench-report-") as out:
                fixed = run(day_dir, engine, out, DAY_BEFORE)[0]
                previous = run(day_dir, engine, out, DAY_BEFORE, f"{DAY}:{last}")[0]
                wall, cpu, rss = run(day_dir, engine, out, DAY, to=last)
                rows = flow_rows(out)
        finally:
            if what == "raw":
                os.rename(aside, rollup)
        per_day = (max(wall - fixed, 0) + max(previous - fixed, 0)) / days
        quarter = fixed + QUARTER_DAYS * per_day
        print(f"report_scale,{n},{engine},{what},{days},{rows},{wall:.2f},{cpu:.2f},{rss:.0f},"
              f"{fixed:.2f},{previous:.2f},{quarter / 60:.1f}", flush=True)


if __name__ == "__main__":
    main()
