# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Which tables the ClickHouse report reads a window from
(scripts/darkscope_lib/clickhouse_reading.py), and the surge cells read
for the surge days only (CellsOnDemand, report_surges.read_surge_cells).
No server: the SQL text and the choices.  That the numbers agree with the
files is tests/scripts/test_clickhouse_report.py.

Run: /usr/bin/python3 -m pytest -q tests/scripts/test_clickhouse_reading.py
"""
import datetime
import os
import sys
from array import array

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

from darkscope_lib import clickhouse_reading  # noqa: E402
from darkscope_lib.report_counts import DailyCounts  # noqa: E402
from darkscope_lib.report_pass_ports import CellsOnDemand, PortsPass  # noqa: E402
from darkscope_lib.report_period import DAY, HOUR, Window  # noqa: E402
from darkscope_lib.report_surges import read_surge_cells  # noqa: E402


def day_number(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


def window(a, b, bin=DAY):
    """Days a..b, both included, as (y, m, d)."""
    return Window(day_number(*a) * DAY, (day_number(*b) + 1) * DAY, bin)


def test_whole_months_of_a_calendar_quarter():
    w = window((2026, 7, 1), (2026, 9, 30))
    assert clickhouse_reading.whole_months(w.t_from, w.t_to) == \
        (day_number(2026, 7, 1), day_number(2026, 10, 1))
    r = clickhouse_reading.of(w, True)
    assert r.parts == (("monthly", f"day >= {day_number(2026, 7, 1)} AND "
                                   f"day < {day_number(2026, 10, 1)}"),)
    assert r.span("port_sources", " AND dport = 23") == (
        f"FROM port_sources_monthly WHERE (day >= {day_number(2026, 7, 1)} AND "
        f"day < {day_number(2026, 10, 1)}) AND dport = 23")
    assert r.monthly


def test_months_and_the_days_around_them():
    w = window((2025, 12, 30), (2026, 3, 2))  # across a year, a 28-day February
    months = clickhouse_reading.whole_months(w.t_from, w.t_to)
    assert months == (day_number(2026, 1, 1), day_number(2026, 3, 1))
    r = clickhouse_reading.of(w, True)
    (m, mw), (d, dw) = r.parts
    assert (m, d) == ("monthly", "daily")
    assert dw == (f"(day >= {day_number(2025, 12, 30)} AND day < {day_number(2026, 1, 1)}) OR "
                  f"(day >= {day_number(2026, 3, 1)} AND day < {day_number(2026, 3, 3)})")
    text = r.span("sources", " AND src = 1")
    # The condition applies to each part, after its OR of day ranges.
    assert text == (f"FROM (SELECT * FROM sources_monthly WHERE ({mw}) AND src = 1 UNION ALL "
                    f"SELECT * FROM sources_daily WHERE ({dw}) AND src = 1)")


def test_no_whole_month_reads_the_daily_tables():
    for a, b in (((2026, 4, 1), (2026, 4, 29)), ((2026, 4, 15), (2026, 5, 14)),
                 ((2026, 4, 2), (2026, 4, 30))):
        w = window(a, b)
        assert clickhouse_reading.whole_months(w.t_from, w.t_to) is None
        r = clickhouse_reading.of(w, True)
        assert r.parts == (("daily", r.where),) and not r.monthly
    w = window((2026, 4, 2), (2026, 5, 31))
    assert clickhouse_reading.whole_months(w.t_from, w.t_to) == \
        (day_number(2026, 5, 1), day_number(2026, 6, 1))


def test_the_rows_unless_whole_days_in_day_bins():
    for w, usable in ((window((2026, 7, 1), (2026, 9, 30), HOUR), True),
                      (Window(day_number(2026, 7, 1) * DAY + 60, day_number(2026, 7, 3) * DAY),
                       True),
                      (window((2026, 7, 1), (2026, 9, 30)), False)):
        r = clickhouse_reading.of(w, usable)
        assert not r.daily and r.port_totals == "ports"
        assert r.span("ports") == f"FROM ports WHERE ({r.where})"
        assert r.span("port_sources", " AND x") == f"FROM flows WHERE ({r.where}) AND x"


def ports_of(daily_by_port, cells):
    totals = {k: DailyCounts(sum(v), 0, 0, array("q", v)) for k, v in daily_by_port.items()}
    return PortsPass(totals, {}, {}, array("q"), cells, 0, None)


def test_surge_cells_read_for_the_surge_days_only():
    asked = []

    def fetch(port_bins):
        asked.append(port_bins)
        return {(d, s, k): 1000 + d for d, k in port_bins for s in ("a", "b")}

    quiet = [10] * 9
    surge = [10, 10, 10, 10, 5000, 6000, 10, 10, 10]
    ports = ports_of({1: quiet, 2: surge, 3: [2000] * 9}, CellsOnDemand(fetch))
    got = read_surge_cells(ports, 9, 3.0, 1000)
    assert asked == [[(4, 2), (5, 2)]]  # port 3 is steady: no surge day
    assert got.surge_cells == {(4, "a", 2): 1004, (4, "b", 2): 1004,
                               (5, "a", 2): 1005, (5, "b", 2): 1005}
    # Cells the files read all at once pass through.
    cells = {(4, "a", 2): 7}
    assert read_surge_cells(ports_of({2: surge}, cells), 9, 3.0, 1000).surge_cells is cells


def test_surge_cells_less_what_was_taken_out():
    on_demand = CellsOnDemand(lambda bins: {(4, "a", 2): 100, (4, "b", 2): 50})
    less = on_demand.without({(4, "a", 2): 30, (9, "a", 2): 5}).without({(4, "a", 2): 1})
    assert less.read([(4, 2)]) == {(4, "a", 2): 69, (4, "b", 2): 50}
    assert on_demand.read([(4, 2)]) == {(4, "a", 2): 100, (4, "b", 2): 50}  # unchanged
    assert less.read([]) == {}
