#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""bench_report_scale.py - darkscope-report at telescope density (issue 11).

Input: a day of 1-minute intervals at N flow rows a minute, as bench_rollup
writes it (BENCH_ROLLUP_KEEP=1: sensor bench-1, 2026-11-22, its daily
rollups in DAY_DIR/rollup).  The report of that day (--top 10, default
region database, no previous period, --bin day as a quarter's report has)
runs for each engine and input:

  rollup  the daily rollups (what a sensor with `darkscope rollup` on a
          timer gives the report: the realistic case)
  raw     the 1440 intervals' files (the rollups moved aside)

each in its own process tree, so CPU (user + sys) and peak RSS are its own
(/usr/bin/time: the largest of the report and its darkscope aggregate).

Prints CSV lines:
  report_scale,<N>,<engine>,<input>,<flow_rows_read>,<wall_s>,<cpu_s>,<max_rss_MB>,
    <fixed_s>,<quarter_min>
fixed_s: the same report of the day before (no data there: start-up, the
directory scan, the region database, the figures), paid once per report;
quarter_min extrapolates to a quarter and the previous one: fixed_s + 184 x
(wall_s - fixed_s), each day read as the current period is (an upper
bound: the previous period's passes read fewer columns).

Usage: bench_report_scale.py DAY_DIR N ENGINE:INPUT...   e.g. c:rollup python:raw
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "scripts", "darkscope-report")
DAY = "2026-11-22"
DAY_BEFORE = "2026-11-21"
QUARTER_DAYS = 184


def run(day_dir, engine, out, day=DAY):
    """(wall s, CPU s, max RSS MB) of one report."""
    stats = os.path.join(out, "time.txt")
    argv = ["/usr/bin/time", "-f", "%U %S %M", "-o", stats, "/usr/bin/python3", REPORT,
            "--from", day, "--to", day, "--previous", "none", "--top", "10", "-q",
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
    for spec in sys.argv[3:]:
        engine, what = spec.split(":")
        if what == "raw":
            os.rename(rollup, aside)
        try:
            with tempfile.TemporaryDirectory(prefix="bench-report-") as out:
                fixed = run(day_dir, engine, out, DAY_BEFORE)[0]
                wall, cpu, rss = run(day_dir, engine, out)
                rows = flow_rows(out)
        finally:
            if what == "raw":
                os.rename(aside, rollup)
        quarter = fixed + QUARTER_DAYS * max(wall - fixed, 0)
        print(f"report_scale,{n},{engine},{what},{rows},{wall:.2f},{cpu:.2f},{rss:.0f},"
              f"{fixed:.2f},{quarter / 60:.1f}", flush=True)


if __name__ == "__main__":
    main()
