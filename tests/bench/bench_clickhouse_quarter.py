#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""bench_clickhouse_quarter.py - the quarterly report of many sensors from
ClickHouse (issue 11: 10 sensors at 10^4 flows rows a minute, <= 2 min).

usage: bench_clickhouse_quarter.py [--sensors N] [--rows R] [--nets M] [--keep]
                                   WORK_DIR

1. A day of 1-minute intervals per sensor, R flows rows a minute
   (bench_rollup's skewed mix, BENCH_ROLLUP_WRITE_ONLY), each sensor with
   keys of its own (BENCH_ROLLUP_SEED) over the same M source /24s
   (BENCH_ROLLUP_NETS: the scanners every sensor sees).
2. A private server (tests/scripts/clickhouse_server.py); `darkscope-clickhouse
   load` of all the sensors' files: its rate, and the rows per day the
   daily tables hold once the server has merged them (OPTIMIZE ... FINAL of
   the day and its month, what the background merges reach on days that
   are done).
3. That day made two quarters, server side: its daily rows copied to every
   day of Q2 and Q3 2026 (183 days), its monthly rows to their six months,
   its sensor rows to every day.  Of port_sources_daily and
   port_mirai_daily only Figure 3's port (23/tcp) is copied: the report
   reads no other port of them (their key starts with the port), and all
   of them would be 10^10 rows.  A copied month holds one day's distinct
   (port, /24) pairs, fewer than a real month's: the figure below says how
   many rows the distinct-sources query read, to scale by.
4. `darkscope-report --clickhouse --from 2026-07-01 --to 2026-09-30
   --previous auto --bin day --top 10` (Q3 and, by the calendar rule, Q2):
   its wall time and peak memory, measured, not extrapolated.

Prints CSV lines:
  clickhouse_quarter_load,<sensors>,<rows>,<flows_rows>,<all_rows>,<wall_s>,<rows_per_s>
  clickhouse_quarter_daily,<table>,<rows_per_day or per month>
  clickhouse_quarter_copy,<seconds>
  clickhouse_quarter,<sensors>,<rows>,<days>,<report_s>,<report_max_rss_mb>
and on stderr the report's slowest queries (system.query_log).
Without a ClickHouse server installed: "clickhouse_skip,<why>".
--keep leaves the server running (its port and directory on stderr), to
query the tables by hand.
"""
import argparse
import datetime
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [os.path.join(REPO, "scripts"), os.path.join(REPO, "tests", "scripts")]
import clickhouse_server  # noqa: E402
from darkscope_lib import clickhouse_daily  # noqa: E402
from darkscope_lib.clickhouse_schema import table_columns  # noqa: E402

PYTHON = "/usr/bin/python3"
O = os.environ.get("O") or os.path.join(REPO, "build")
DARKSCOPE = os.environ.get("DARKSCOPE") or os.path.join(O, "darkscope")
BENCH_ROLLUP = os.environ.get("BENCH_ROLLUP") or os.path.join(O, "tests", "prog", "bench_rollup")
LOADER = os.path.join(REPO, "scripts", "darkscope-clickhouse")
REPORT = os.path.join(REPO, "scripts", "darkscope-report")
DAY0 = 1795305600  # 2026-11-22, bench_rollup's day
DAY = 86400
MONTH0 = 1793491200 // DAY  # 2026-11-01, the loaded day's month
QUARTER_DAYS = 92
Q3 = ("2026-07-01", "2026-09-30")


def write_days(work, sensors, rows, nets):
    """Each sensor's day, two writers at a time."""
    dirs, running = [], []
    for i in range(1, sensors + 1):
        d = os.path.join(work, "series", f"bench-{i:02d}")
        env = dict(os.environ, BENCH_ROLLUP_WRITE_ONLY="1", BENCH_ROLLUP_SENSOR=f"bench-{i:02d}",
                   BENCH_ROLLUP_SEED=str(i), BENCH_ROLLUP_NETS=str(nets))
        running.append(subprocess.Popen([BENCH_ROLLUP, d, str(rows)], env=env))
        dirs.append(d)
        if len(running) == 2:
            if any(p.wait() for p in running):
                sys.exit("bench_clickhouse_quarter: bench_rollup failed")
            running = []
    if any(p.wait() for p in running):
        sys.exit("bench_clickhouse_quarter: bench_rollup failed")
    return os.path.join(work, "series")


def wall_of(argv, what):
    """Wall seconds of a command that must succeed."""
    t = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True)
    wall = time.monotonic() - t
    if p.returncode:
        sys.exit(f"bench_clickhouse_quarter: {what} failed:\n{p.stderr}")
    return wall


def load(srv, series):
    return wall_of([PYTHON, LOADER, "load", "--port", str(srv.port), "--database", "darkscope",
                    "--darkscope", DARKSCOPE, series], "load")


def settle(client):
    """Merge the loaded day's parts as the server does by itself over time."""
    for t in clickhouse_daily.TABLES:
        client.execute(f"OPTIMIZE TABLE {t.name} PARTITION {MONTH0 if t.daily else DAY0 // DAY} "
                       "FINAL")


def _epoch_day(d):
    return (d - datetime.date(1970, 1, 1)).days


def quarter_months():
    """[(first day, days in it)] of Q2 and Q3 2026, as UTC day numbers."""
    out = []
    for m in range(4, 10):
        a = datetime.date(2026, m, 1)
        b = datetime.date(2026, m + 1, 1)
        out.append((_epoch_day(a), (b - a).days))
    return out


FIG3_PORT = "proto = 'tcp' AND dport = 23"


def copy_quarters(client):
    """The loaded day as every day of Q2 and Q3, its month as their months."""
    d0 = DAY0 // DAY
    for t in clickhouse_daily.TABLES:
        cols = [n for n, _ in t.columns()]
        for first, ndays in quarter_months():
            if t.daily:
                # No alias named like a column: it would stand for it in WHERE.
                sel = ", ".join(str(first) if c == "day" else c for c in cols)
                client.execute(f"INSERT INTO {t.name} SELECT {sel} FROM {t.name} "
                               f"WHERE day = {MONTH0}")
                continue
            days = ", ".join(str(first + i) for i in range(ndays))
            sel = ", ".join("d" if c == "day" else c for c in cols)
            only = f" AND {FIG3_PORT}" if t.name.startswith("port_") and \
                t.series == "flows" else ""
            client.execute(f"INSERT INTO {t.name} SELECT {sel} FROM {t.name} "
                           f"ARRAY JOIN [{days}] AS d WHERE day = {d0}{only}")
    cols = [n for n, _ in table_columns("sensor")]
    for first, ndays in quarter_months():
        shifts = ", ".join(str((d0 - first - i) * DAY) for i in range(ndays))
        sel = ", ".join("ts - k" if c == "ts" else c for c in cols)
        client.execute(f"INSERT INTO sensor SELECT {sel} FROM sensor ARRAY JOIN [{shifts}] AS k "
                       f"WHERE ts >= toDateTime({DAY0}) AND ts < toDateTime({DAY0 + DAY})")


def report(srv, out):
    """(wall s, peak RSS MB) of the Q3 report with Q2 as its previous period."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    wall = wall_of([PYTHON, REPORT, "--clickhouse", srv.spec("darkscope"), "--from", Q3[0],
                    "--to", Q3[1], "--previous", "auto", "--top", "10", "--bin", "day", "-q",
                    "--out", out], "darkscope-report")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(rss, before) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensors", type=int, default=10)
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--nets", type=int, default=1 << 17)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("work")
    a = ap.parse_args()
    why = clickhouse_server.skip_reason()
    if why:
        print(f"clickhouse_skip,{why.replace(',', ';')}")
        return
    os.makedirs(a.work, exist_ok=True)
    series = write_days(a.work, a.sensors, a.rows, a.nets)
    srv = clickhouse_server.ClickHouseServer.start()
    try:
        client = srv.client("darkscope")
        subprocess.run([PYTHON, LOADER, "schema", "--port", str(srv.port), "--database",
                        "darkscope"], check=True)
        wall = load(srv, series)
        flows = int(client.scalar("SELECT count() FROM flows"))
        total = flows + sum(int(client.scalar(f"SELECT count() FROM {s}"))
                            for s in ("ports", "sensor"))
        print(f"clickhouse_quarter_load,{a.sensors},{a.rows},{flows},{total},{wall:.1f},"
              f"{total / wall:.0f}", flush=True)
        settle(client)
        for t in clickhouse_daily.TABLES:
            n = client.scalar(f"SELECT count() FROM {t.name}")  # one day (month) loaded
            print(f"clickhouse_quarter_daily,{t.name},{n}", flush=True)
        shutil.rmtree(series)  # the files are in the tables now
        t = time.monotonic()
        copy_quarters(client)
        print(f"clickhouse_quarter_copy,{time.monotonic() - t:.1f}", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-chq-") as out:
            wall, rss = report(srv, out)
        print(f"clickhouse_quarter,{a.sensors},{a.rows},{QUARTER_DAYS},{wall:.2f},{rss:.0f}",
              flush=True)
        slowest(client)
    finally:
        if a.keep:
            print(f"bench_clickhouse_quarter: server left on port {srv.port}, {srv.root}",
                  file=sys.stderr)
        else:
            srv.stop()


def slowest(client, n=8):
    client.execute("SYSTEM FLUSH LOGS")
    for ms, rows, q in client.rows(
            "SELECT query_duration_ms, read_rows, substring(query, 1, 160) FROM system.query_log "
            "WHERE type = 2 AND query LIKE 'SELECT%' ORDER BY query_duration_ms DESC "
            f"LIMIT {n}"):
        print(f"# {int(ms) / 1000:.2f} s, {rows} rows read: {q}", file=sys.stderr)


if __name__ == "__main__":
    main()
