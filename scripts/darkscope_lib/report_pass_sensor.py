# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report's pass over the `sensor` series: which bins (days, or the
window's shorter bins) each sensor reported, and what it could not count
(flow-table overflow, dropped series members), for the sensors table and
the footer's warnings."""
from dataclasses import dataclass, field


@dataclass(slots=True)
class SensorHealth:
    rows: int = 0
    map_full: int = 0  # frames that did not fit in the flow table, summed
    write_dropped: int = 0  # series members dropped by the daemon, the largest
    days: set = field(default_factory=set)  # bins of the period with a row


@dataclass(slots=True)
class SensorPass:
    health: dict  # sensor -> SensorHealth, sensors in the order first read
    stats: object  # PassStats


def read_sensor(files, window):
    health = {}
    t0 = window.t_from
    width = window.bin
    cols = ("ts", "sensor", "map_full", "write_dropped")
    chunks, stats = files.chunks("sensor", window, cols, "current")
    for rows in chunks:
        for ts, sensor, map_full, dropped in rows:
            h = health.get(sensor)
            if h is None:
                h = health[sensor] = SensorHealth()
            h.rows += 1
            h.map_full += map_full or 0
            h.write_dropped = max(h.write_dropped, dropped or 0)
            h.days.add((ts - t0) // width)
    return SensorPass(health, stats)
