# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Tables aggregated per UTC day and per calendar month as rows are loaded
(docs/CLICKHOUSE.md, "Daily and monthly tables"): what lets the report of
a quarter of many sensors read 10^8 rows instead of 10^10.

Per day (`day` = unix seconds / 86400):
- `ports_daily`: per (day, sensor, proto, dport) of the ports series: rows,
  sum_packets, sum_syn, sum_mirai, first (ts).  The sensors' shares of
  surge days.
- `port_totals_daily`, `sensors_daily`: the same per (day, proto, dport)
  and per (day, sensor).  The ports pass: every port's days, each
  sensor's days (ten times fewer rows than ports_daily at ten sensors).
- `sources_daily`: per (day, src) of the flows series, over all sensors:
  rows, the sums, and the /24's host bits (h0..h3) and Mirai host bits
  (m0..m3) as four 64-bit words each.  The regions' days.
- `port_sources_daily`: per (day, proto, dport, src) of the flows series:
  the host bits.  Figure 3.
- `port_mirai_daily`: the same for the rows with Mirai SYNs: their Mirai
  host bits (Figure 3).  A table of its own, as the view skips every other
  row: Mirai words in port_sources_daily cost each load 30 % more.
Per month (`day` = the month's first day, so the columns are the daily
table's): `ports_monthly`, `sources_monthly`, `port_sources_monthly`, for
what the report totals over a whole window (clickhouse_reading.span):
a quarter's distinct sources are three months of rows, not 92 days.

Each is an AggregatingMergeTree partitioned by `day`, filled by a
materialized view on its series table, so a load writes them in the same
INSERT (18.16 runs no view on a view's table: each reads the series).
Rows of one key from several loads (or blocks) are merged by the server in
the background; the queries aggregate anyway.

Exactly once: the views carry no batch column (the server could not merge
the loads' rows otherwise).  A batch cut short may have left rows in them;
its recovery (clickhouse_load.recover) notes the days its rows touch in
`daily_repairs` before deleting them from the series table, then rebuilds
those days' partitions from the series table (drop partition, insert from a
SELECT), and their months' from the daily tables.  Both steps can be
repeated: a recovery cut short again is done again, from the noted days.

`daily_state` says whether a table holds every row of its series: a table
made on a database that had rows already is filled from them (`schema`
does it, `-1` before, `+1` after); the report reads a table only where the
sum of its rows is 0 on every shard, and the series tables otherwise.
"""
import datetime
from dataclasses import dataclass

from .clickhouse_client import ClickHouseError, quote
from .clickhouse_types import PROTO_ENUM, columns_sql

DAY = "intDiv(toUInt32(ts), 86400)"


def month_of(day):
    """The UTC day number of the first day of the month of a day number."""
    return f"toUInt32(toUInt16(toStartOfMonth(toDateTime({day} * 86400), 'UTC')))"


# A monthly table's `day`: its month's first day (so it has the columns of
# its daily table, and one query text reads both).
MONTH = "toUInt32(toUInt16(toStartOfMonth(ts, 'UTC')))"
WORDS = 4  # a /24's host bitmap: 4 x 64 bits


def host_word(hosts, k):
    """Word k of the bitmap of a host list (an Array(UInt8) expression):
    an OR, so a list with repeats gives the same bits."""
    return (f"arrayReduce('groupBitOr', arrayMap(x -> bitShiftLeft(toUInt64(1), x % 64), "
            f"arrayFilter(x -> intDiv(x, 64) = {k}, {hosts})))")


MIRAI_HOSTS = "if(mirai > 0, mirai_hosts, CAST([] AS Array(UInt8)))"


def popcount(word):
    """Bits set in a UInt64 expression (18.16 has no bitCount)."""
    a = f"({word} - bitAnd(bitShiftRight({word}, 1), 6148914691236517205))"
    b = f"(bitAnd({a}, 3689348814741910323) + bitAnd(bitShiftRight({a}, 2), 3689348814741910323))"
    c = f"bitAnd({b} + bitShiftRight({b}, 4), 1085102592571150095)"
    return f"bitShiftRight({c} * 72340172838076673, 56)"


def sources(prefix):
    """Distinct hosts of the OR-ed words prefix0..prefix3 of a group."""
    return " + ".join(popcount(f"groupBitOrMerge({prefix}{k})") for k in range(WORDS))


@dataclass(frozen=True)
class DailyTable:
    name: str
    series: str  # the series table the view reads
    keys: tuple  # (column, type, expression over the series table)
    values: tuple  # (column, AggregateFunction type, -State expression)
    order: str
    where: str = ""  # the series rows it takes (all when empty)
    # A monthly table: the daily table with the same columns that a repair
    # rebuilds its months from (cheaper than a month of series rows).
    daily: str = ""

    def columns(self):
        return [(n, t) for n, t, _ in self.keys] + [(n, t) for n, t, _ in self.values]

    def select(self, database, where=""):
        cols = [f"{e} AS {n}" for n, _, e in self.keys] + [f"{e} AS {n}" for n, _, e in
                                                           self.values]
        where = " AND ".join(f"({w})" for w in (self.where, where) if w)
        return (f"SELECT {', '.join(cols)} FROM {database}.{self.series}"
                f"{' WHERE ' + where if where else ''} "
                f"GROUP BY {', '.join(n for n, _, _ in self.keys)}")


def _sums(*names):
    # sum_x, not x: in the view's SELECT an alias x would stand for the
    # column x in every other expression (MIRAI_HOSTS reads mirai).
    return tuple((f"sum_{n}", "AggregateFunction(sum, UInt64)", f"sumState({n})")
                 for n in names)


def _bits(prefix, hosts):
    return tuple((f"{prefix}{k}", "AggregateFunction(groupBitOr, UInt64)",
                  f"groupBitOrState({host_word(hosts, k)})") for k in range(WORDS))


def _tables():
    day = ("day", "UInt32", DAY)
    month = ("day", "UInt32", MONTH)
    rows = ("rows", "AggregateFunction(count)", "countState()")
    proto = ("proto", PROTO_ENUM, "proto")
    dport = ("dport", "UInt16", "dport")
    sensor = ("sensor", "String", "sensor")
    src = ("src", "UInt32", "src")
    port_values = (rows,) + _sums("packets", "syn", "mirai") \
        + (("first", "AggregateFunction(min, DateTime)", "minState(ts)"),)
    source_values = (rows,) + _sums("packets", "syn", "mirai") + _bits("h", "src_hosts") \
        + _bits("m", MIRAI_HOSTS)
    port_source_values = _bits("h", "src_hosts")
    # Daily tables before the monthly ones rebuilt from them (repair order).
    return (
        DailyTable("ports_daily", "ports", (day, sensor, proto, dport), port_values,
                   "(sensor, proto, dport)"),
        DailyTable("port_totals_daily", "ports", (day, proto, dport), port_values,
                   "(proto, dport)"),
        DailyTable("sensors_daily", "ports", (day, sensor), port_values, "(sensor)"),
        DailyTable("sources_daily", "flows", (day, src), source_values, "(src)"),
        DailyTable("port_sources_daily", "flows", (day, proto, dport, src), port_source_values,
                   "(proto, dport, src)"),
        DailyTable("port_mirai_daily", "flows", (day, proto, dport, src),
                   _bits("m", "mirai_hosts"), "(proto, dport, src)", where="mirai > 0"),
        DailyTable("ports_monthly", "ports", (month, sensor, proto, dport), port_values,
                   "(sensor, proto, dport)", daily="ports_daily"),
        DailyTable("sources_monthly", "flows", (month, src), source_values, "(src)",
                   daily="sources_daily"),
        DailyTable("port_sources_monthly", "flows", (month, proto, dport, src),
                   port_source_values, "(proto, dport, src)", daily="port_sources_daily"),
    )


TABLES = _tables()
STATE_COLUMNS = (("name", "String"), ("v", "Int8"), ("at", "DateTime"))
REPAIR_COLUMNS = (("batch", "UInt64"), ("series", "String"), ("day", "UInt32"))


def create_sql(database, t):
    return (f"CREATE TABLE IF NOT EXISTS {database}.{t.name} ({columns_sql(t.columns())}) "
            f"ENGINE = AggregatingMergeTree PARTITION BY day ORDER BY {t.order}")


def view_sql(database, t):
    return (f"CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.{t.name}_view "
            f"TO {database}.{t.name} AS {t.select(database)}")


def journal_sql(database):
    return [f"CREATE TABLE IF NOT EXISTS {database}.daily_state ({columns_sql(STATE_COLUMNS)}) "
            "ENGINE = MergeTree PARTITION BY tuple() ORDER BY name",
            f"CREATE TABLE IF NOT EXISTS {database}.daily_repairs ({columns_sql(REPAIR_COLUMNS)}) "
            "ENGINE = MergeTree PARTITION BY tuple() ORDER BY (batch, day)"]


def _state(client, database):
    return {n: int(v) for n, v in client.rows(
        f"SELECT name, sum(v) FROM {database}.daily_state GROUP BY name", database=False)}


def create(client, database, log=None):
    """The daily tables, their views and journals in database; a table made
    where its series has rows is filled from them.  Run it while no load
    runs (as `schema` says).  Returns the tables filled."""
    have = {n for (n,) in client.rows("SELECT name FROM system.tables WHERE "
                                      f"database = {quote(database)}", database=False)}
    for name, sql in zip(("daily_state", "daily_repairs"), journal_sql(database)):
        if name not in have:
            client.execute(sql, database=False)
    state = _state(client, database)
    made = []
    for t in TABLES:
        if t.name not in have:
            client.execute(create_sql(database, t), database=False)
        if f"{t.name}_view" not in have:
            client.execute(view_sql(database, t), database=False)
        if t.name not in state:
            n = int(client.rows(f"SELECT count() FROM {database}.{t.series}", database=False)[0][0])
            _note_state(client, database, t.name, -1 if n else 0)
            state[t.name] = -1 if n else 0
        if state[t.name] < 0:
            # Made on rows loaded before (or a fill cut short): fill again.
            if log:
                src = t.daily if t.daily and state.get(t.daily) == 0 else \
                    f"the {t.series} rows loaded before"
                log(f"{t.name}: filling from {src}")
            client.execute(f"TRUNCATE TABLE {database}.{t.name}", database=False)
            _fill(client, database, t, state)
            _note_state(client, database, t.name, 1)
            state[t.name] = 0
            made.append(t.name)
    return made


# A fill groups a month of series rows (10^9 keys for port_sources_daily at
# 10 sensors): spill to disk past 1 GB rather than fail at the memory limit.
FILL_SETTINGS = {"max_bytes_before_external_group_by": 1 << 30}


def _fill(client, database, t, state):
    """t from the rows loaded before, a month at a time: a monthly table
    from its daily table once that is full, a daily table from its series
    table (partitioned by month)."""
    if t.daily and state.get(t.daily) == 0:
        months = client.rows(f"SELECT DISTINCT {month_of('day')} FROM {database}.{t.daily}",
                             database=False)
        for (m,) in months:
            sql = monthly_select(t, m).replace(f" FROM {t.daily} ", f" FROM {database}.{t.daily} ")
            client.execute(f"INSERT INTO {database}.{t.name} {sql}", database=False,
                           settings=FILL_SETTINGS)
        return
    months = client.rows(f"SELECT DISTINCT {MONTH} FROM {database}.{t.series}", database=False)
    for (m,) in months:
        first = datetime.date(1970, 1, 1) + datetime.timedelta(days=int(m))
        end = (first + datetime.timedelta(days=32)).replace(day=1)
        a, b = int(m) * 86400, (end - datetime.date(1970, 1, 1)).days * 86400
        where = f"ts >= toDateTime({a}) AND ts < toDateTime({b})"
        client.execute(f"INSERT INTO {database}.{t.name} {t.select(database, where)}",
                       database=False, settings=FILL_SETTINGS)


def _note_state(client, database, name, v):
    client.execute(f"INSERT INTO {database}.daily_state VALUES ({quote(name)}, {v}, now())",
                   database=False)


def usable(client):
    """Whether every daily table holds all rows of its series, on every
    shard (over Distributed tables, a shard's -1 is not hidden by another's 0)."""
    try:
        state = dict(client.rows("SELECT name, sum(v) FROM daily_state GROUP BY name"))
    except ClickHouseError:  # a database made before the daily tables
        return False
    names = {t.name for t in TABLES}
    return names <= set(state) and all(int(state[n]) == 0 for n in names)


def note_repair(client, batch, series, where):
    """Before a cut-short batch's rows are deleted: note the days they touch."""
    if not any(t.series == series for t in TABLES):
        return
    client.execute(f"INSERT INTO daily_repairs SELECT {batch}, {quote(series)}, {DAY} AS day "
                   f"FROM {series} WHERE {where} GROUP BY day")


def _merge_state(t, n):
    """-MergeState of value column n of t: its states merged, still a state."""
    typ = dict(t.columns())[n]
    return f"{typ[len('AggregateFunction('):].split(',')[0].rstrip(')')}MergeState({n})"


def monthly_select(t, where):
    """t's rows (a monthly table) from its daily table, for the months in where."""
    keys = [n for n, _, _ in t.keys]
    cols = [f"{month_of('day')} AS day"] + keys[1:] + \
        [f"{_merge_state(t, n)} AS {n}" for n, _, _ in t.values]
    return (f"SELECT {', '.join(cols)} FROM {t.daily} WHERE {month_of('day')} IN ({where}) "
            f"GROUP BY {', '.join(keys)}")


def repair(client, batch, series):
    """Rebuild the noted days of a cut-short batch from the series table
    (its rows deleted by now), then their months from the daily tables;
    returns the days rebuilt."""
    days = [int(d) for (d,) in client.rows(
        f"SELECT DISTINCT day FROM daily_repairs WHERE batch = {batch} ORDER BY day")]
    if not days:
        return []
    db = client.database
    listed = ", ".join(map(str, days))
    months = [int(m) for (m,) in client.rows(
        f"SELECT DISTINCT {month_of('day')} AS m FROM daily_repairs WHERE batch = {batch} "
        "ORDER BY m")]
    for t in TABLES:  # daily tables first
        if t.series != series:
            continue
        if t.daily:
            for m in months:
                client.execute(f"ALTER TABLE {t.name} DROP PARTITION {m}")
            client.execute(f"INSERT INTO {t.name} {monthly_select(t, ', '.join(map(str, months)))}")
            continue
        for d in days:
            client.execute(f"ALTER TABLE {t.name} DROP PARTITION {d}")
        client.execute(f"INSERT INTO {t.name} {t.select(db, f'{DAY} IN ({listed})')}")
    return days
