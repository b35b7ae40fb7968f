# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""--exclude-known for the numbers that come from the `ports` series.

The ports series has no source addresses, so the known scanners' packets
are taken out of it by subtracting what the flows pass counted for them,
per (day, sensor, port).  Returns new results; the passes' stay as read.
"""
import dataclasses

from .report_counts import Counts
from .report_keys import label


def _copied(arrays, key, done):
    """arrays[key], copied the first time it is about to change."""
    if key not in done:
        arrays[key] = arrays[key][:]
        done.add(key)
    return arrays[key]


def exclude_known(ports, prev_totals, flows, prev_flows, log):
    """(PortsPass, previous {pkey: packets}) without the scanners' packets.

    A port whose packets drop to 0 leaves the totals (it is not ranked); a
    negative count (scanners' flows above the ports totals) is clamped to 0
    with a warning."""
    totals = {k: Counts(v.packets, v.syn, v.mirai) for k, v in ports.totals.items()}
    daily = dict(ports.daily)
    sensor_ports = dict(ports.sensor_ports)
    sensor_totals = {s: Counts(v.packets, v.syn, v.mirai) for s, v in ports.sensor_totals.items()}
    sensor_daily = dict(ports.sensor_daily)
    day_totals = ports.day_totals[:]
    cells = dict(ports.surge_cells)
    copied_daily, copied_sensor_daily = set(), set()
    for key, c in flows.known_cells.items():
        d, s, pkey = key
        t = totals.get(pkey)
        if t is None:
            continue  # in flows but not in ports: nothing to subtract from
        t.packets -= c.packets
        t.syn -= c.syn
        t.mirai -= c.mirai
        _copied(daily, pkey, copied_daily)[d] -= c.packets
        day_totals[d] -= c.packets
        if (s, pkey) in sensor_ports:
            sensor_ports[(s, pkey)] -= c.packets
        st = sensor_totals.get(s)
        if st is not None:
            st.packets -= c.packets
            st.syn -= c.syn
            st.mirai -= c.mirai
            _copied(sensor_daily, s, copied_sensor_daily)[d] -= c.packets
        if key in cells:
            cells[key] -= c.packets
    prev = dict(prev_totals)
    for pkey, p in prev_flows.known_ports.items():
        if pkey in prev:
            prev[pkey] -= p
    negative = [label(k) for k, v in totals.items() if v.packets < 0]
    if negative:
        log.warn("known scanners' packets in flows exceed the ports totals for "
                 + ", ".join(negative[:5]) + "; clamped to 0")
        totals = {k: Counts(max(0, v.packets), max(0, v.syn), max(0, v.mirai))
                  for k, v in totals.items()}
    totals = {k: v for k, v in totals.items() if v.packets != 0}
    prev = {k: v for k, v in prev.items() if v > 0}
    return dataclasses.replace(ports, totals=totals, daily=daily, sensor_ports=sensor_ports,
                               sensor_totals=sensor_totals, sensor_daily=sensor_daily,
                               day_totals=day_totals, surge_cells=cells), prev
