# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Whether a database's daily tables (clickhouse_daily) hold exactly what
their series tables say, key for key: every count, sum, first ts and host
bit recomputed from the series rows with plain aggregates.

    assert daily_mismatches(client) == {}
"""
from darkscope_lib import clickhouse_daily


def _merged(t):
    """The table's values, merged per key."""
    out = []
    for n, typ, _ in t.values:
        fn = typ[len("AggregateFunction("):].split(",")[0].rstrip(")")
        out.append(f"{fn}Merge({n})")
    return out


def _recomputed(t):
    """The same values from the series rows: -State(x) -> x's plain aggregate."""
    return [e.replace("State(", "(", 1) for _, _, e in t.values]


def _rows(client, sql):
    return sorted(tuple(r) for r in client.rows(sql))


def daily_mismatches(client):
    """{table: (rows only in the daily table, rows only from the series)}
    for every daily table that differs; {} when all agree."""
    out = {}
    for t in clickhouse_daily.TABLES:
        keys = [n for n, _, _ in t.keys]
        daily = _rows(client, f"SELECT {', '.join(keys + _merged(t))} FROM {t.name} "
                              f"GROUP BY {', '.join(keys)}")
        exprs = [f"{e} AS {n}" for n, _, e in t.keys]
        where = f" WHERE {t.where}" if t.where else ""
        series = _rows(client, f"SELECT {', '.join(exprs + _recomputed(t))} FROM {t.series}"
                               f"{where} GROUP BY {', '.join(keys)}")
        if daily != series:
            a, b = set(daily), set(series)
            out[t.name] = (sorted(a - b)[:5], sorted(b - a)[:5])
    return out
