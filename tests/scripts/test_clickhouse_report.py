# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""`darkscope-report --clickhouse` against real ClickHouse servers: the same
report as from the files (report.json, .md, .html and every PNG, the
footer's reading figures aside: report_compare.assert_same_results).

On a synthetic 2-day period with its previous period (synth_quarter.py,
two sensors, 10-minute intervals, known scanners):
- one server: hour bins (the period's own), day bins (read from the daily
  tables), and --exclude-known with either;
- a period of a whole calendar month and a day either side (April 2026
  and 31 March, 1 May) in day bins: its totals and distinct sources read
  from the monthly tables for April and the daily tables for the edges;
- two servers on two localhost ports as two shards of a cluster, each
  sensor loaded to one of them, the report read through Distributed tables
  on the first.

Servers: clickhouse_server.py (started here, stopped at the end even on
failure).  Without clickhouse-server or clickhouse-client: SKIP with the
reason.
Run: /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/scripts/test_clickhouse_report.py
"""
import os
import subprocess

import pytest

import clickhouse_server
import report_compare
import synth_quarter
from clickhouse_server import loaded_rows, loader

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.path.join(HERE, "..", "..", "scripts", "darkscope-report")
PYTHON = "/usr/bin/python3"
START, END = "2026-04-01", "2026-04-02"
SENSORS = ("tokyo-1", "osaka-1")
VARIANTS = {
    "hours": [],
    "days": ["--bin", "day"],
    "exclude-known": ["--known-scanners", synth_quarter.KNOWN_SCANNERS_FIXTURE,
                      "--exclude-known"],
    "days-exclude-known": ["--bin", "day", "--known-scanners",
                           synth_quarter.KNOWN_SCANNERS_FIXTURE, "--exclude-known"],
}


def skip_unless_clickhouse(name):
    why = clickhouse_server.skip_reason()
    if why:
        print(f"SKIP {name}: {why}")
        pytest.skip(why)


@pytest.fixture(scope="module")
def period(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("period") / "series")
    answers = synth_quarter.make_quarter(d, START, days=2, sensors=SENSORS, interval=600)
    return d, answers


def run_report(source, out, answers, extra=()):
    p = subprocess.run([PYTHON, os.path.abspath(REPORT), "--from", START, "--to", END,
                        "--region-db", *answers["region_db"], *extra, "--out", out, *source],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def file_reports(period, tmp_path_factory):
    series, answers = period
    d = tmp_path_factory.mktemp("file-reports")
    out = {}
    for name, extra in VARIANTS.items():
        out[name] = str(d / name)
        run_report([series], out[name], answers, extra)
    return out


@pytest.fixture(scope="module")
def one_server(period):
    skip_unless_clickhouse("test_clickhouse_report")
    srv = clickhouse_server.ClickHouseServer.start()
    try:
        args = ["--port", str(srv.port), "--database", "darkscope"]
        loader("schema", *args)
        p = loader("load", *args, period[0])
        assert loaded_rows(p.stderr) > 0
        yield srv
    finally:
        srv.stop()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_same_report_as_the_files(period, file_reports, one_server, tmp_path, variant):
    out = str(tmp_path / "ch")
    run_report(["--clickhouse", one_server.spec("darkscope")], out, period[1], VARIANTS[variant])
    report_compare.assert_same_results(file_reports[variant], out)
    r = report_compare.load_json(out)
    assert r["footer"]["paths"] == [f"clickhouse://{one_server.spec('darkscope')}"]
    # Day bins of whole days come from the daily tables, other bins from the
    # rows; the previous period is read as one bin of whole days.
    daily = sorted(k for k in r["footer"]["rows"] if "daily tables" in k)
    want = ["flows (previous, daily tables)", "ports (previous, daily tables)"]
    if variant.startswith("days"):
        want = sorted(want + ["flows (current, daily tables)", "ports (current, daily tables)"])
    assert daily == want, r["footer"]["rows"]


def test_two_shards_behind_distributed_tables(period, file_reports, tmp_path):
    skip_unless_clickhouse("test_two_shards_behind_distributed_tables")
    ports = [clickhouse_server.free_port(), clickhouse_server.free_port()]
    while ports[1] == ports[0]:
        ports[1] = clickhouse_server.free_port()
    servers = []
    try:
        for p in ports:
            servers.append(clickhouse_server.ClickHouseServer.start(
                port=p, cluster=("telescope", ports)))
        for s in servers:
            loader("schema", "--port", str(s.port), "--database", "darkscope")
        loader("schema", "--port", str(ports[0]), "--database", "darkscope_all",
               "--distributed", "telescope", "--local-database", "darkscope")
        p = loader("load", *[a for s in servers for a in ("--shard", s.spec("darkscope"))],
                   period[0])
        total = loaded_rows(p.stderr)
        # Each sensor on one shard, both shards used, nothing twice.
        per_shard = []
        for s in servers:
            c = s.client("darkscope")
            per_shard.append({r[0]: int(r[1]) for r in c.rows(
                "SELECT sensor, count() FROM flows GROUP BY sensor")})
        assert all(per_shard), per_shard
        assert not set(per_shard[0]) & set(per_shard[1])
        dist = servers[0].client("darkscope_all")
        counts = [int(dist.scalar(f"SELECT count() FROM {t}")) for t in ("flows", "ports",
                                                                          "sensor")]
        assert sum(counts) == total
        out = str(tmp_path / "dist")
        run_report(["--clickhouse", servers[0].spec("darkscope_all")], out, period[1])
        report_compare.assert_same_results(file_reports["hours"], out)
        out = str(tmp_path / "dist-days")
        run_report(["--clickhouse", servers[0].spec("darkscope_all")], out, period[1],
                   VARIANTS["days"])
        report_compare.assert_same_results(file_reports["days"], out)
        assert "ports (current, daily tables)" in report_compare.load_json(out)["footer"]["rows"]
        # A second load over both shards takes nothing.
        p = loader("load", *[a for s in servers for a in ("--shard", s.spec("darkscope"))],
                   period[0])
        assert loaded_rows(p.stderr) == 0
    finally:
        for s in servers:
            s.stop()


MONTH_START, MONTH_END = "2026-03-31", "2026-05-01"


def test_whole_month_from_the_monthly_tables(tmp_path):
    skip_unless_clickhouse("test_whole_month_from_the_monthly_tables")
    series = str(tmp_path / "series")
    answers = synth_quarter.make_quarter(series, MONTH_START, days=32, sensors=SENSORS,
                                         interval=3600)
    # After run_report's own --from/--to: the last ones given count.
    period = ["--from", MONTH_START, "--to", MONTH_END, "--bin", "day"]
    files = str(tmp_path / "files")
    run_report([series], files, answers, period)
    srv = clickhouse_server.ClickHouseServer.start()
    try:
        args = ["--port", str(srv.port), "--database", "darkscope"]
        loader("schema", *args)
        assert loaded_rows(loader("load", *args, series).stderr) > 0
        out = str(tmp_path / "ch")
        run_report(["--clickhouse", srv.spec("darkscope")], out, answers, period)
        report_compare.assert_same_results(files, out)
        rows = report_compare.load_json(out)["footer"]["rows"]
        assert "ports (current, daily and monthly tables)" in rows, rows
        assert "flows (current, daily and monthly tables)" in rows, rows
        # The previous 32 days hold no whole month: daily tables only.
        assert "flows (previous, daily tables)" in rows, rows
    finally:
        srv.stop()
