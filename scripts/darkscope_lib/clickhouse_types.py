# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""ClickHouse types and column lists shared by the series tables
(clickhouse_schema) and the daily tables (clickhouse_daily)."""
from . import series_columns

PROTO_ENUM = "Enum8(" + ", ".join(f"'{p}' = {i}" for i, p in enumerate(series_columns.PROTOS)) + ")"


def columns_sql(columns, sep=",\n    "):
    """[(name, type)] as the column list of a CREATE TABLE."""
    return sep.join(f"`{n}` {t}" for n, t in columns)
