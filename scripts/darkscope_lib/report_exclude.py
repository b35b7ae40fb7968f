# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""--exclude-known for the numbers that come from the `ports` series.

The ports series has no source addresses, so the known scanners' packets
are taken out of it by subtracting what the flows pass counted for them,
per (day, sensor, port).  Returns new results; the passes' stay as read
(an entry is copied the first time it changes).
"""
import dataclasses

from .report_counts import DailyCounts
from .report_keys import label


def _own(table, key, copied):
    """table[key], replaced by a copy the first time it is about to change."""
    if key not in copied:
        table[key] = table[key].copy()
        copied.add(key)
    return table[key]


def _subtract(t, d, c):
    """DailyCounts t minus Counts c, the packets on day d."""
    t.packets -= c.packets
    t.syn -= c.syn
    t.mirai -= c.mirai
    t.daily[d] -= c.packets


def _clamped(v):
    return DailyCounts(max(0, v.packets), max(0, v.syn), max(0, v.mirai), v.daily)


def exclude_known(ports, prev_totals, flows, prev_flows, log):
    """(PortsPass, previous {pkey: packets}) without the scanners' packets.

    A port whose packets drop to 0 leaves the totals (it is not ranked); a
    negative count (scanners' flows above the ports totals) is clamped to 0
    with a warning."""
    totals = dict(ports.totals)
    sensor_totals = dict(ports.sensor_totals)
    sensor_ports = dict(ports.sensor_ports)
    day_totals = ports.day_totals[:]
    cells = ports.surge_cells
    on_demand = not isinstance(cells, dict)  # CellsOnDemand
    cells = cells if on_demand else dict(cells)
    taken = {}
    copied_ports, copied_sensors = set(), set()
    for key, c in flows.known_cells.items():
        d, s, pkey = key
        if pkey not in totals:
            continue  # in flows but not in ports: nothing to subtract from
        _subtract(_own(totals, pkey, copied_ports), d, c)
        day_totals[d] -= c.packets
        if (s, pkey) in sensor_ports:
            sensor_ports[(s, pkey)] -= c.packets
        if s in sensor_totals:
            _subtract(_own(sensor_totals, s, copied_sensors), d, c)
        if on_demand:
            taken[key] = c.packets
        elif key in cells:
            cells[key] -= c.packets
    if on_demand:
        cells = cells.without(taken)
    prev = dict(prev_totals)
    for pkey, p in prev_flows.known_ports.items():
        if pkey in prev:
            prev[pkey] -= p
    negative = [label(k) for k, v in totals.items() if v.packets < 0]
    if negative:
        log.warn("known scanners' packets in flows exceed the ports totals for "
                 + ", ".join(negative[:5]) + "; clamped to 0")
        totals = {k: _clamped(v) for k, v in totals.items()}
    totals = {k: v for k, v in totals.items() if v.packets != 0}
    prev = {k: v for k, v in prev.items() if v > 0}
    return dataclasses.replace(ports, totals=totals, sensor_ports=sensor_ports,
                               sensor_totals=sensor_totals, day_totals=day_totals,
                               surge_cells=cells), prev
