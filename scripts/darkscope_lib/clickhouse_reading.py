# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Where the report's queries read a window from: the series tables, or the
daily and monthly tables (clickhouse_daily) when the window is whole UTC
days in bins of whole days and those tables hold every row.  The same query
text serves both: a Reading names the tables and the aggregate expressions,
and gives the same numbers either way (tests/scripts/test_clickhouse_report.py).

Queries with bins read daily tables (or the rows).  Queries over the whole
window (totals, distinct sources) read `span()`: the monthly tables for the
calendar months inside the window and the daily tables for the days around
them, so a quarter of distinct sources is three months of rows, not 92
days of them.
"""
import datetime
from dataclasses import dataclass

from . import clickhouse_daily

DAY = 86400

# Tables of span(): kind -> (series table, daily-table stem).
SPAN_KINDS = {"ports": ("ports", "ports"), "sources": ("flows", "sources"),
              "port_sources": ("flows", "port_sources")}


@dataclass(frozen=True, slots=True)
class Reading:
    where: str  # the window's rows (of the tables below)
    bin: str  # a row's bin: (ts - t_from) // width
    ports: str  # per (bin, sensor, proto, dport): surge cells
    port_totals: str  # per (bin, proto, dport): the ports pass
    sensors: str  # per (bin, sensor)
    sources: str  # per (bin, src): regions
    port_sources: str  # per (bin, proto, dport, src): Figure 3
    port_mirai: str  # the same for Mirai sources
    count: str  # rows of the series behind
    packets: str
    syn: str
    mirai: str
    first: str  # first ts, as UInt32
    hosts: str  # distinct hosts of a group of one /24's rows
    mirai_hosts: str
    daily: bool
    parts: tuple  # span(): ((table suffix, condition), ...)

    def span(self, kind, cond=""):
        """`FROM ... WHERE ...` of the whole window's rows of a kind of
        SPAN_KINDS, with cond (" AND ...") applied to each part."""
        series, stem = SPAN_KINDS[kind]
        tables = [(series if not suffix else f"{stem}_{suffix}", w) for suffix, w in self.parts]
        if len(tables) == 1:
            t, w = tables[0]
            return f"FROM {t} WHERE ({w}){cond}"
        return "FROM (" + " UNION ALL ".join(f"SELECT * FROM {t} WHERE ({w}){cond}"
                                             for t, w in tables) + ")"

    @property
    def monthly(self):
        return any(suffix == "monthly" for suffix, _ in self.parts)


def raw(window):
    """The series tables; windows are whole seconds [t_from, t_to), bin b =
    (ts - t_from) // width."""
    where = f"ts >= toDateTime({window.t_from}) AND ts < toDateTime({window.t_to})"
    return Reading(
        where=where, bin=f"intDiv(toUInt32(ts) - {window.t_from}, {window.bin})",
        ports="ports", port_totals="ports", sensors="ports", sources="flows",
        port_sources="flows", port_mirai="flows",
        count="count()",
        packets="sum(packets)", syn="sum(syn)", mirai="sum(mirai)", first="toUInt32(min(ts))",
        hosts="length(groupUniqArrayArray(src_hosts))",
        mirai_hosts=f"length(groupUniqArrayArray({clickhouse_daily.MIRAI_HOSTS}))", daily=False,
        parts=(("", where),))


def _day(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).date()


def _days_between(a, b):
    return f"day >= {a} AND day < {b}"


def whole_months(t_from, t_to):
    """(first, end) day numbers of the calendar months inside [t_from,
    t_to), or None: months [first, end) as UTC day numbers."""
    a, b = _day(t_from), _day(t_to)
    start = a if a.day == 1 else (a.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    end = b.replace(day=1)
    if start >= end:
        return None
    epoch = datetime.date(1970, 1, 1)
    return (start - epoch).days, (end - epoch).days


def _parts(window):
    d0, d1 = window.t_from // DAY, window.t_to // DAY
    months = whole_months(window.t_from, window.t_to)
    if months is None:
        return (("daily", _days_between(d0, d1)),)
    m0, m1 = months
    edges = " OR ".join(f"({_days_between(a, b)})" for a, b in ((d0, m0), (m1, d1)) if a < b)
    return (("monthly", _days_between(m0, m1)),) + ((("daily", edges),) if edges else ())


def daily(window):
    return Reading(
        where=_days_between(window.t_from // DAY, window.t_to // DAY),
        bin=f"intDiv(toInt64(day) * {DAY} - {window.t_from}, {window.bin})",
        ports="ports_daily", port_totals="port_totals_daily", sensors="sensors_daily",
        sources="sources_daily", port_sources="port_sources_daily",
        port_mirai="port_mirai_daily",
        count="countMerge(rows)", packets="sumMerge(sum_packets)", syn="sumMerge(sum_syn)",
        mirai="sumMerge(sum_mirai)", first="toUInt32(minMerge(first))",
        hosts=clickhouse_daily.sources("h"), mirai_hosts=clickhouse_daily.sources("m"),
        daily=True, parts=_parts(window))


def fits_daily(window):
    return window.t_from % DAY == 0 and window.t_to % DAY == 0 and window.bin % DAY == 0


def of(window, daily_usable):
    return daily(window) if daily_usable and fits_daily(window) else raw(window)
