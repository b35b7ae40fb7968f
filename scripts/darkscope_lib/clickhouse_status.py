# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""What a database holds, and whether its journal says each member is in it
once: `darkscope-clickhouse status`.

Checks, each a problem when it fails:
- no batch is open (begun, neither done nor void: an interrupted load that
  the next `load` cleans up);
- every batch's rows in its series table are exactly the rows its `done`
  entries count (a void batch has none), so no batch left rows twice or
  lost some;
- each file's `done` ranges follow each other: every load started where the
  one before ended, so no member was taken twice;
- the daily tables (clickhouse_daily) are filled, and count as many rows of
  each series as its table holds.
"""
from dataclasses import dataclass, field

from . import clickhouse_daily
from .clickhouse_load import open_batches
from .clickhouse_schema import SERIES


@dataclass(slots=True)
class SeriesStatus:
    files: int = 0
    rows: int = 0  # in the table
    journal_rows: int = 0  # counted by the done entries
    batches: int = 0


@dataclass(slots=True)
class Status:
    series: dict  # series -> SeriesStatus
    problems: list = field(default_factory=list)


def status(client):
    out = Status({s: SeriesStatus() for s in SERIES})
    for b, s, *_ in open_batches(client):
        out.problems.append(f"batch {b} ({s}) is open: a load was interrupted; the next "
                            "load cleans it up")
    journal = {}  # (series, batch) -> rows
    for s, b, n in client.rows("SELECT series, batch, sum(rows) FROM load_batches "
                               "WHERE event = 'done' GROUP BY series, batch"):
        journal[(s, int(b))] = int(n)
    void = {int(b) for (b,) in client.rows("SELECT DISTINCT batch FROM load_batches "
                                           "WHERE event = 'void'")}
    for s in SERIES:
        st = out.series[s]
        st.files = int(client.scalar("SELECT uniqExact(file_key) FROM load_batches "
                                     f"WHERE event = 'done' AND series = '{s}'"))
        st.batches = sum(1 for (ser, _) in journal if ser == s)
        st.journal_rows = sum(n for (ser, _), n in journal.items() if ser == s)
        table = {int(b): int(n) for b, n in
                 client.rows(f"SELECT batch, count() FROM {s} GROUP BY batch")}
        st.rows = sum(table.values())
        for b, n in sorted(table.items()):
            want = journal.get((s, b))
            if want is None:
                what = "a void batch" if b in void else "no done entry"
                out.problems.append(f"{s}: batch {b} has {n} rows in the table but {what}")
            elif want != n:
                out.problems.append(f"{s}: batch {b} has {n} rows in the table, its journal "
                                    f"says {want}")
        for (ser, b), want in sorted(journal.items()):
            if ser == s and want and b not in table:
                out.problems.append(f"{s}: batch {b} should have {want} rows; the table has none")
    ranges = {}  # file_key -> [(batch, start, end, path)]
    for key, b, a, e, path in client.rows("SELECT file_key, batch, start, end, path FROM "
                                          "load_batches WHERE event = 'done'"):
        ranges.setdefault(key, []).append((int(b), int(a), int(e), path))
    for key, loads in ranges.items():
        pos = 0
        for _, a, e, path in sorted(loads):
            if a != pos:
                out.problems.append(f"{path}: a load started at byte {a}, the one before "
                                    f"ended at {pos}")
            pos = e
    _check_daily(client, out)
    return out


def _check_daily(client, out):
    if not clickhouse_daily.usable(client):
        out.problems.append("the daily tables are missing or not filled yet: run "
                            "`darkscope-clickhouse schema` (the report reads the rows meanwhile)")
        return
    for t in clickhouse_daily.TABLES:
        if t.where or not any(n == "rows" for n, _, _ in t.values):
            continue
        n = int(client.scalar(f"SELECT countMerge(rows) FROM {t.name}"))
        want = out.series[t.series].rows
        if n != want:
            out.problems.append(f"{t.name} counts {n} {t.series} rows, the table has {want}")


def format_status(spec, st):
    lines = [f"{spec}:"]
    for s, v in st.series.items():
        lines.append(f"  {s}: {v.rows} rows from {v.files} files in {v.batches} batches")
    lines += [f"  problem: {p}" for p in st.problems] or ["  journal consistent"]
    return "\n".join(lines)
