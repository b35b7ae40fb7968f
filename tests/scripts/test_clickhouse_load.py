# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Tests of `darkscope-clickhouse load` against a real ClickHouse server.

The server is clickhouse-server 18.16 (Debian) started by this module
(clickhouse_server.py: private config and data under a tmp dir, 127.0.0.1,
as the clickhouse user), stopped at the end even when a test fails; each
test uses a database of its own.  On a synthetic day in the real format
(synth_quarter.py, two sensors, 10-minute intervals):

- a load takes every row `darkscope read` reads (count, packets, host list
  lengths per series), in Native and in TSV alike; a rerun loads 0 rows;
- a growing file is loaded member by member: only the new complete
  members after an append; a torn last member is left until it is whole;
- a load cut short after its rows were inserted (the loader killed before
  its `done` rows, or `darkscope export` failing mid-batch) leaves nothing
  counted twice: the next run removes the batch's rows and loads them again;
- after each of these, the daily tables hold exactly what the series
  tables say (daily_check.py), also when made on a database loaded before
  they existed.

Without clickhouse-server or clickhouse-client: SKIP with the reason.
Run: /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/scripts/test_clickhouse_load.py
"""
import json
import os
import subprocess
import zlib

import pytest

import clickhouse_server
import synth_quarter
from clickhouse_server import loaded_rows, loader
from daily_check import daily_mismatches

SENSORS = ("tokyo-1", "osaka-1")
SERIES = ("flows", "ports", "sensor")


@pytest.fixture(scope="module")
def server():
    why = clickhouse_server.skip_reason()
    if why:
        print(f"SKIP test_clickhouse_load: {why}")
        pytest.skip(why)
    srv = clickhouse_server.ClickHouseServer.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("day") / "series")
    synth_quarter.make_quarter(d, "2026-04-01", days=1, sensors=SENSORS, interval=600)
    return d


def db_args(srv, db):
    return ["--port", str(srv.port), "--database", db]


def file_totals(darkscope_bin, series, paths):
    """(rows, packets, src_hosts entries) of what `darkscope read` reads."""
    p = subprocess.run([darkscope_bin, "read", "--json", "--series", series, *paths],
                       capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    return (len(rows), sum(r.get("packets", 0) for r in rows),
            sum(len(r.get("src_hosts", ())) for r in rows))


def table_totals(client, series):
    packets = "sum(packets)" if series != "sensor" else "0"
    hosts = "sum(length(src_hosts))" if series == "flows" else "0"
    n, pk, h = client.rows(f"SELECT count(), {packets}, {hosts} FROM {series}")[0]
    return int(n), int(pk), int(h)


def members(path):
    """[(start, end)] byte ranges of a file's gzip members."""
    with open(path, "rb") as f:
        data = f.read()
    out, at = [], 0
    while at < len(data):
        z = zlib.decompressobj(wbits=31)
        z.decompress(data[at:])
        assert z.eof, f"{path}: torn member at {at}"
        end = len(data) - len(z.unused_data)
        out.append((at, end))
        at = end
    return out


@pytest.mark.parametrize("fmt", ["native", "tsv"])
def test_load_takes_every_row_once_then_nothing(server, day, darkscope_bin, fmt):
    db = f"load_{fmt}"
    loader("schema", *db_args(server, db))
    p = loader("load", *db_args(server, db), "--format", fmt, day)
    client = server.client(db)
    want = {s: file_totals(darkscope_bin, s, [day]) for s in SERIES}
    assert loaded_rows(p.stderr) == sum(w[0] for w in want.values())
    for s in SERIES:
        assert table_totals(client, s) == want[s], s
    assert daily_mismatches(client) == {}
    again = loader("load", *db_args(server, db), "--format", fmt, day)
    assert loaded_rows(again.stderr) == 0
    for s in SERIES:
        assert table_totals(client, s) == want[s], s
    assert daily_mismatches(client) == {}
    # Every row is the file's, value for value (the flows of one hour).
    hour = os.path.join(day, "tokyo-1", "flows-2026-04-01T03.tsv.gz")
    p = subprocess.run([darkscope_bin, "read", "--json", hour], capture_output=True, text=True,
                       check=True)
    rows = sorted((r["ts"], r["proto"], r["dport"], r["src"], r["packets"], r["syn"], r["mirai"],
                   tuple(r["src_hosts"]), tuple(r["mirai_hosts"]))
                  for r in map(json.loads, p.stdout.splitlines()))
    hour_ts = synth_quarter.calendar.timegm((2026, 4, 1, 3, 0, 0))
    got = client.rows("SELECT toUInt32(ts), proto, dport, IPv4NumToString(src) || '/24', packets, "
                      "syn, mirai, src_hosts, mirai_hosts FROM flows WHERE sensor = 'tokyo-1' "
                      f"AND ts >= toDateTime({hour_ts}) AND ts < toDateTime({hour_ts + 3600})")
    got = sorted((int(t), pr, int(dp), src, int(pk), int(sy), int(mi), tuple(json.loads(sh)),
                  tuple(json.loads(mh))) for t, pr, dp, src, pk, sy, mi, sh, mh in got)
    assert rows and got == rows


def test_growing_file_loaded_member_by_member(server, day, darkscope_bin, tmp_path):
    db = "growing"
    loader("schema", *db_args(server, db))
    src = os.path.join(day, "osaka-1", "flows-2026-04-01T05.tsv.gz")
    ranges = members(src)
    assert len(ranges) >= 4, ranges
    with open(src, "rb") as f:
        data = f.read()
    grow_dir = tmp_path / "osaka-1"
    grow_dir.mkdir()
    grow = str(grow_dir / os.path.basename(src))
    client = server.client(db)

    def write(upto):
        with open(grow, "wb") as f:
            f.write(data[:upto])

    def step(upto):
        write(upto)
        want = file_totals(darkscope_bin, "flows", [grow])
        p = loader("load", *db_args(server, db), "--series", "flows", str(grow_dir))
        assert table_totals(client, "flows") == want
        return loaded_rows(p.stderr), want

    # The first member (the header lines: no rows), half of the second: none.
    torn = ranges[1][0] + (ranges[1][1] - ranges[1][0]) // 2
    n1, want1 = step(torn)
    assert n1 == want1[0] == 0
    # The same torn state again: nothing new.
    n, _ = step(torn)
    assert n == 0
    # The second member whole, the third torn: just the second's rows.
    torn = ranges[2][0] + 10
    n2, want2 = step(torn)
    assert n2 == want2[0] - want1[0] > 0
    # The whole file: the rest, and the journal says each member once.
    n3, want3 = step(len(data))
    assert n3 == want3[0] - want2[0] > 0
    assert want3 == file_totals(darkscope_bin, "flows", [src])
    ends = [int(e) for (e,) in client.rows("SELECT end FROM load_batches WHERE event = 'done' "
                                            "AND end > start ORDER BY batch")]
    assert ends == [ranges[0][1], ranges[1][1], ranges[-1][1]]


def test_loader_killed_before_done_is_not_counted_twice(server, day, darkscope_bin):
    """The rows are in, the `done` rows are not (the loader died between):
    the next run deletes the batch and loads its files again."""
    from darkscope_lib import clickhouse_load

    db = "killed"
    loader("schema", *db_args(server, db))
    client = server.client(db)
    real_insert = client.insert_tsv

    class Killed(Exception):
        pass

    def insert_tsv(table, columns, lines):
        lines = list(lines)
        if table == "load_batches" and any("done" in map(str, row) for row in lines):
            raise Killed()
        return real_insert(table, columns, lines)

    client.insert_tsv = insert_tsv
    with pytest.raises(Killed):
        clickhouse_load.load([client], [day], darkscope_bin, lambda m: None, series=("ports",))
    want = file_totals(darkscope_bin, "ports", [day])
    assert table_totals(client, "ports") == want  # in, but not journalled as done
    assert len(clickhouse_load.open_batches(client)) == 1
    p = loader("load", *db_args(server, db), "--series", "ports", day)
    assert "was interrupted: %d rows removed" % want[0] in p.stderr
    assert loaded_rows(p.stderr) == want[0]
    assert table_totals(client, "ports") == want
    assert clickhouse_load.open_batches(client) == []
    # The daily table had the batch's rows too: its days were rebuilt.
    assert "days of the daily tables rebuilt" in p.stderr
    assert daily_mismatches(client) == {}
    assert loaded_rows(loader("load", *db_args(server, db), "--series", "ports", day).stderr) == 0


def test_export_failing_mid_batch_is_not_counted_twice(server, day, darkscope_bin, tmp_path):
    """`darkscope export` dies after writing part of its rows (which
    clickhouse-client inserts): the load fails, removing that batch; the
    next run loads every row once."""
    db = "export_failed"
    loader("schema", *db_args(server, db))
    client = server.client(db)
    broken = tmp_path / "darkscope"
    # Half of export's output, then a failure; every other command as is.
    broken.write_text(f"""#!/bin/sh
if [ "$1" = export ]; then
    for a; do [ "$a" = --columns ] && exec {darkscope_bin} "$@"; done
    {darkscope_bin} "$@" --format tsv > {tmp_path}/out || exit 3
    head -c $(( $(wc -c < {tmp_path}/out) / 2 )) {tmp_path}/out | sed '$d'
    exit 1
fi
exec {darkscope_bin} "$@"
""")
    broken.chmod(0o755)
    p = loader("load", *db_args(server, db), "--series", "flows", "--format", "tsv", day,
               check=False, darkscope=str(broken))
    assert p.returncode != 0
    assert "darkscope export exited 1" in p.stderr
    assert "was interrupted" in p.stderr and " 0 rows removed" not in p.stderr
    assert table_totals(client, "flows") == (0, 0, 0)
    assert daily_mismatches(client) == {}  # the half batch's day rebuilt: empty
    want = file_totals(darkscope_bin, "flows", [day])
    p = loader("load", *db_args(server, db), "--series", "flows", day)
    assert loaded_rows(p.stderr) == want[0]
    assert table_totals(client, "flows") == want
    assert daily_mismatches(client) == {}


def test_daily_tables_filled_for_rows_loaded_before_them(server, day):
    """A database loaded before the daily tables existed: `schema` makes
    them from its rows, and the report may read them once that is done."""
    from darkscope_lib import clickhouse_daily

    db = "before_daily"
    loader("schema", *db_args(server, db))
    loader("load", *db_args(server, db), day)
    client = server.client(db)
    for t in (t.name for t in clickhouse_daily.TABLES):
        client.execute(f"DROP TABLE {t}_view")
        client.execute(f"DROP TABLE {t}")
    client.execute("DROP TABLE daily_state")
    assert not clickhouse_daily.usable(client)
    p = loader("schema", *db_args(server, db))
    assert "sources_daily: filling from the flows rows loaded before" in p.stderr
    assert daily_mismatches(client) == {}
    assert clickhouse_daily.usable(client)
    assert "journal consistent" in loader("status", *db_args(server, db)).stdout
    # A day's row changed in the daily table is seen (the checks can fail).
    client.execute("INSERT INTO ports_daily SELECT day, sensor, proto, dport, rows, sum_packets, "
                   "sum_syn, sum_mirai, first FROM ports_daily LIMIT 1")
    assert set(daily_mismatches(client)) == {"ports_daily"}
    p = loader("status", *db_args(server, db), check=False)
    assert "problem: ports_daily counts" in p.stdout, p.stdout


def test_monthly_tables_filled_from_the_daily_ones(server, day):
    """A database of the schema before the monthly tables (daily tables
    full): `schema` makes them from the daily tables, month by month (the
    day fixture spans two months)."""
    from darkscope_lib import clickhouse_daily

    db = "before_monthly"
    loader("schema", *db_args(server, db))
    loader("load", *db_args(server, db), day)
    client = server.client(db)
    monthly = [t.name for t in clickhouse_daily.TABLES if t.daily]
    assert monthly
    for t in monthly:
        client.execute(f"DROP TABLE {t}_view")
        client.execute(f"DROP TABLE {t}")
    # The journal of that schema: only the daily tables, filled.
    client.execute("TRUNCATE TABLE daily_state")
    for t in clickhouse_daily.TABLES:
        if not t.daily:
            client.execute(f"INSERT INTO daily_state VALUES ('{t.name}', 0, now())")
    assert not clickhouse_daily.usable(client)
    p = loader("schema", *db_args(server, db))
    for t in clickhouse_daily.TABLES:
        if t.daily:
            assert f"{t.name}: filling from {t.daily}" in p.stderr, p.stderr
        else:
            assert f"{t.name}: filling" not in p.stderr, p.stderr
    assert int(client.scalar("SELECT uniqExact(day) FROM sources_monthly")) == 2
    assert daily_mismatches(client) == {}
    assert clickhouse_daily.usable(client)
