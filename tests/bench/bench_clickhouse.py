#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""bench_clickhouse.py - loading rate and report time of the ClickHouse backend.

usage: bench_clickhouse.py [--sensors N] [--hours H] [--rows R] [--json] WORK_DIR

On synthetic series at telescope density (synth_telescope.py; default 2
sensors, 1 hour, 10^4 flows rows a minute: 1.2 M flows rows), with a private
server (tests/scripts/clickhouse_server.py, stopped at the end):
- `darkscope export` alone into /dev/null (Native): rows/s on one core;
- `darkscope-clickhouse load`, Native and TSV, each into a fresh database:
  rows/s end to end (export, clickhouse-client, server, journal), and the
  CPU per row of the loader's side (its process tree: the driver, darkscope
  export, clickhouse-client) and of the server;
- a rerun of the load (nothing new: the cost of a timer's idle run);
- `darkscope-report` over the same hours from ClickHouse and from the files
  (the ratio is the figure: same machine, same run).
Prints CSV lines for make bench (one JSON object with --json):
  clickhouse_load,<format>,<rows>,<wall_s>,<rows_per_s>,<loader_us_per_row>,
    <server_us_per_row>
  clickhouse_export,<flows_rows_per_s>
  clickhouse_rerun,<wall_s>
  clickhouse_report,<clickhouse_s>,<files_s>,<ratio>
Without a ClickHouse server installed: one line "clickhouse_skip,<why>".
"""
import argparse
import glob
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [os.path.join(REPO, "scripts"), os.path.join(REPO, "tests", "scripts")]
import clickhouse_server  # noqa: E402

PYTHON = "/usr/bin/python3"
DARKSCOPE = os.environ.get("DARKSCOPE") or os.path.join(REPO, "build", "darkscope")
START = 1775001600  # 2026-04-01T00:00Z


def cpu_of(pid):
    """CPU seconds (user + system) a process has used."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(args, **kw):
    t = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if p.returncode:
        raise SystemExit(f"{args[:3]}: {p.stderr}")
    return time.monotonic() - t, p


def export_rate(series_dir, rows):
    files = sorted(glob.glob(os.path.join(series_dir, "*", "flows-*.tsv.gz")))
    lst = os.path.join(os.path.dirname(series_dir), "export.list")
    with open(lst, "w") as f:
        for p in files:
            f.write(f"{p}\t0\t0\t{os.path.basename(os.path.dirname(p))}\n")
    with open(os.devnull, "wb") as null:
        t = time.monotonic()
        subprocess.run([DARKSCOPE, "export", "--series", "flows", "--batch", "1", "--format",
                        "native", lst], stdout=null, check=True)
        return rows / (time.monotonic() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensors", type=int, default=2)
    ap.add_argument("--hours", type=int, default=1)
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("work")
    a = ap.parse_args()
    why = clickhouse_server.skip_reason()
    if why:
        print(f"clickhouse_skip,{why.replace(',', ';')}")
        return
    series = os.path.join(a.work, "series")
    if not os.path.isdir(series):
        subprocess.run([PYTHON, os.path.join(HERE, "synth_telescope.py"), "--sensors",
                        str(a.sensors), "--hours", str(a.hours), "--rows", str(a.rows), series],
                       check=True, stdout=subprocess.DEVNULL)
    srv = clickhouse_server.ClickHouseServer.start()
    out = {}
    try:
        for fmt in ("native", "tsv"):
            db = ["--port", str(srv.port), "--database", f"bench_{fmt}"]
            timed([PYTHON, clickhouse_server.LOADER, "schema", *db])
            server0, loader0 = cpu_of(srv.proc.pid), children_cpu()
            sec, p = timed([PYTHON, clickhouse_server.LOADER, "load", "--darkscope", DARKSCOPE,
                            *db, "--format", fmt, series])
            server1, loader1 = cpu_of(srv.proc.pid), children_cpu()
            rows = clickhouse_server.loaded_rows(p.stderr)
            out[f"load_{fmt}_rows"] = rows
            out[f"load_{fmt}_seconds"] = round(sec, 2)
            out[f"load_{fmt}_rows_per_s"] = round(rows / sec)
            # CPU per row: the loader's side (darkscope export, clickhouse-client,
            # the Python driver) and the server's (parsing, sorting, writing parts)
            out[f"load_{fmt}_loader_us_per_row"] = round(1e6 * (loader1 - loader0) / rows, 3)
            out[f"load_{fmt}_server_us_per_row"] = round(1e6 * (server1 - server0) / rows, 3)
        idle, _ = timed([PYTHON, clickhouse_server.LOADER, "load", "--darkscope", DARKSCOPE,
                         *db, series])
        out["rerun_seconds"] = round(idle, 2)
        flows = int(srv.client("bench_native").scalar("SELECT count() FROM flows"))
        out["export_native_rows_per_s"] = round(export_rate(series, flows))
        day = time.strftime("%Y-%m-%d", time.gmtime(START))
        to = time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(START + a.hours * 3600))
        report = [PYTHON, os.path.join(REPO, "scripts", "darkscope-report"), "--from",
                  day, "--to", to, "--previous", "none"]
        ch, _ = timed(report + ["--out", os.path.join(a.work, "r-ch"), "--clickhouse",
                                srv.spec("bench_native")])
        files, _ = timed(report + ["--out", os.path.join(a.work, "r-files"), series])
        out.update(report_clickhouse_s=round(ch, 2), report_files_s=round(files, 2),
                   report_ratio=round(ch / files, 2))
    finally:
        srv.stop()
    if a.json:
        print(json.dumps(out))
        return
    for fmt in ("native", "tsv"):
        print(f"clickhouse_load,{fmt},{out[f'load_{fmt}_rows']},{out[f'load_{fmt}_seconds']},"
              f"{out[f'load_{fmt}_rows_per_s']},{out[f'load_{fmt}_loader_us_per_row']},"
              f"{out[f'load_{fmt}_server_us_per_row']}")
    print(f"clickhouse_export,{out['export_native_rows_per_s']}")
    print(f"clickhouse_rerun,{out['rerun_seconds']}")
    print(f"clickhouse_report,{out['report_clickhouse_s']},{out['report_files_s']},"
          f"{out['report_ratio']}")


if __name__ == "__main__":
    main()
