# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The ClickHouse schema of the series (docs/CLICKHOUSE.md, "Schema").

One MergeTree table per series, partitioned by month and ordered for the
report's queries: `flows` and `ports` by (proto, dport, ts, ...), so that
one port's rows of a period are one index range; `sensor` by (sensor, ts).
Columns are the series' columns (series_columns.py, generated from the C
writer) with their ClickHouse types, `sensor` first, and `batch`, the load
that inserted the row (the loader's crash recovery deletes by it).
`load_batches` is the loader's journal: which bytes of which file each load
took.  A database of Distributed tables over a cluster's local databases
gives the same table names for the report over many shards.

ClickHouse 18.16 (Debian 12) is the oldest server this must run on: no
LowCardinality, codecs or skip indices are used.
"""
from . import clickhouse_daily, series_columns
from .clickhouse_client import check_name
from .clickhouse_types import PROTO_ENUM, columns_sql as _columns_sql

SERIES = ("flows", "ports", "sensor")

_TYPES = {
    "ts": "DateTime",
    "proto": PROTO_ENUM,
    "dport": "UInt16",
    "src": "UInt32",  # the /24's network address; IPv4NumToString(src) || '/24'
    "srcs": "UInt16",
    "mirai_srcs": "UInt16",
    "src_hosts": "Array(UInt8)",
    "mirai_hosts": "Array(UInt8)",
    "drain_ms": "Float64",
    "write_ms": "Float64",
}

ORDER_BY = {
    "flows": "(proto, dport, ts, src, sensor)",
    "ports": "(proto, dport, ts, sensor)",
    "sensor": "(sensor, ts)",
}

LOAD_BATCHES_COLUMNS = (
    ("batch", "UInt64"),
    ("event", "Enum8('begin' = 1, 'done' = 2, 'void' = 3)"),
    ("series", "String"),
    ("file_key", "String"),  # the file's identity: name and first member (clickhouse_load)
    ("path", "String"),  # where it was read from
    ("sensor", "String"),  # the first header's, or the directory's name
    ("file_hour", "DateTime"),  # the hour in its name; 0 when it has none
    # the first header's `# interval:`; 0 when none (not `interval`: a
    # Distributed table forwards that name unquoted, which 18.16 cannot parse)
    ("file_interval", "UInt32"),
    ("start", "UInt64"),  # byte offset this load started at (a member boundary)
    ("end", "UInt64"),  # done: end of the last complete member taken
    ("header_at", "UInt64"),  # done: the member holding the header in effect at `end`
    ("rows", "UInt64"),  # done: rows inserted
    ("bad", "UInt64"),  # done: rows skipped (values that do not fit their columns)
    ("read_state", "String"),  # done: how reading ended (darkscope export's STATE)
    ("at", "DateTime"),
)


def column_type(name):
    return _TYPES.get(name, "UInt64")


def table_columns(series):
    """[(name, type)] of a series table, in the order `darkscope export` prints."""
    return ([("sensor", "String")]
            + [(c, column_type(c)) for c in series_columns.COLUMNS[series]]
            + [("batch", "UInt64")])


def create_table_sql(database, series):
    return (f"CREATE TABLE IF NOT EXISTS {database}.{series} (\n    "
            f"{_columns_sql(table_columns(series))}\n) ENGINE = MergeTree "
            f"PARTITION BY toYYYYMM(ts) ORDER BY {ORDER_BY[series]}")


def create_journal_sql(database):
    return (f"CREATE TABLE IF NOT EXISTS {database}.load_batches (\n    "
            f"{_columns_sql(LOAD_BATCHES_COLUMNS)}\n) ENGINE = MergeTree "
            "PARTITION BY tuple() ORDER BY (file_key, end, batch)")


def _existing(client, database):
    """{table: {column names}} of the database (one query)."""
    out = {}
    for table, name in client.rows("SELECT table, name FROM system.columns WHERE "
                                   f"database = '{database}'", database=False):
        out.setdefault(table, set()).add(name)
    return out


def _add_missing(client, database, table, columns, have):
    """Columns added to the series since the table was made (ClickHouse
    fills old rows with the type's default: 0, as FORMAT.md says to read a
    missing counter)."""
    added = []
    prev = None
    for name, typ in columns:
        if name not in have:
            where = f" AFTER `{prev}`" if prev else ""
            client.execute(f"ALTER TABLE {database}.{table} ADD COLUMN `{name}` {typ}{where}")
            added.append(name)
        prev = name
    return added


def create(client, database=None, log=None):
    """The series tables and the journal in `database` (default: the
    client's), made if missing, and any column the series gained since,
    then the daily tables (clickhouse_daily); returns the columns added as
    ["table.column"]."""
    db = check_name(database or client.database)
    have = _existing(client, db)
    if not have:
        client.execute(f"CREATE DATABASE IF NOT EXISTS {db}", database=False)
    added = []
    tables = [(s, table_columns(s), create_table_sql(db, s)) for s in SERIES]
    tables.append(("load_batches", LOAD_BATCHES_COLUMNS, create_journal_sql(db)))
    for table, columns, sql in tables:
        if table not in have:
            client.execute(sql, database=False)
            continue
        added += [f"{table}.{c}" for c in _add_missing(client, db, table, columns, have[table])]
    clickhouse_daily.create(client, db, log)
    return added


def create_distributed(client, database, cluster, local_database):
    """Distributed tables named like the local ones in `database`, over the
    `local_database` of every shard of `cluster` (defined in the servers'
    remote_servers).  A sensor's rows are on one shard (the loader places
    them by sipHash64(sensor), as the sharding key here would)."""
    db, cl, local = check_name(database), check_name(cluster), check_name(local_database)
    if db == local:
        raise ValueError("the Distributed tables need a database of their own "
                         f"(--database {db} is the local one)")
    client.execute(f"CREATE DATABASE IF NOT EXISTS {db}", database=False)
    for table, columns in [(s, table_columns(s)) for s in SERIES] + \
            [("load_batches", LOAD_BATCHES_COLUMNS)]:
        client.execute(f"CREATE TABLE IF NOT EXISTS {db}.{table} (\n    {_columns_sql(columns)}\n)"
                       f" ENGINE = Distributed({cl}, {local}, {table}, sipHash64(sensor))",
                       database=False)
    # Read only (the loader writes each shard's own): no sharding key.
    for table, columns in [(t.name, t.columns()) for t in clickhouse_daily.TABLES] + \
            [("daily_state", clickhouse_daily.STATE_COLUMNS)]:
        client.execute(f"CREATE TABLE IF NOT EXISTS {db}.{table} (\n    {_columns_sql(columns)}\n)"
                       f" ENGINE = Distributed({cl}, {local}, {table})", database=False)
