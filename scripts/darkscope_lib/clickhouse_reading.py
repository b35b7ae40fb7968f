# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Where the report's queries read a window from: the series tables, or the
daily tables (clickhouse_daily) when the window is whole UTC days in bins of
whole days and the daily tables hold every row.  The same query text serves
both: a Reading names the tables and the aggregate expressions, and gives
the same numbers either way (tests/scripts/test_clickhouse_report.py).
"""
from dataclasses import dataclass

from . import clickhouse_daily

DAY = 86400


@dataclass(frozen=True, slots=True)
class Reading:
    where: str  # the window's rows
    bin: str  # a row's bin: (ts - t_from) // width
    ports: str  # per (sensor, proto, dport): table of the ports pass
    sources: str  # per src: regions
    port_sources: str  # per (proto, dport, src): distinct sources of ports
    port_mirai: str  # the same for Mirai sources
    count: str  # rows of the series behind
    packets: str
    syn: str
    mirai: str
    first: str  # first ts, as UInt32
    hosts: str  # distinct hosts of a group of one /24's rows
    mirai_hosts: str
    daily: bool


def raw(window):
    """The series tables; windows are whole seconds [t_from, t_to), bin b =
    (ts - t_from) // width."""
    return Reading(
        where=f"ts >= toDateTime({window.t_from}) AND ts < toDateTime({window.t_to})",
        bin=f"intDiv(toUInt32(ts) - {window.t_from}, {window.bin})",
        ports="ports", sources="flows", port_sources="flows", port_mirai="flows",
        count="count()",
        packets="sum(packets)", syn="sum(syn)", mirai="sum(mirai)", first="toUInt32(min(ts))",
        hosts="length(groupUniqArrayArray(src_hosts))",
        mirai_hosts=f"length(groupUniqArrayArray({clickhouse_daily.MIRAI_HOSTS}))", daily=False)


def daily(window):
    return Reading(
        where=f"day >= {window.t_from // DAY} AND day < {window.t_to // DAY}",
        bin=f"intDiv(toInt64(day) * {DAY} - {window.t_from}, {window.bin})",
        ports="ports_daily", sources="sources_daily", port_sources="port_sources_daily",
        port_mirai="port_mirai_daily",
        count="countMerge(rows)", packets="sumMerge(sum_packets)", syn="sumMerge(sum_syn)",
        mirai="sumMerge(sum_mirai)", first="toUInt32(minMerge(first))",
        hosts=clickhouse_daily.sources("h"), mirai_hosts=clickhouse_daily.sources("m"),
        daily=True)


def fits_daily(window):
    return window.t_from % DAY == 0 and window.t_to % DAY == 0 and window.bin % DAY == 0


def of(window, daily_usable):
    return daily(window) if daily_usable and fits_daily(window) else raw(window)
