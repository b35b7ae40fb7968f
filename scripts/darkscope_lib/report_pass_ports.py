# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report's passes over the `ports` series: exact per-port numbers.

The `ports` series counts every packet even when the sensor's flow table
was full, so Table 1, the daily packets and the per-sensor packets come
from here.  Sensors are keyed by name.  "Day" d is bin d of the window
(window.bin seconds: a day unless the period is a week or shorter).
"""
from array import array
from dataclasses import dataclass, field

from .report_counts import new_daily
from .report_keys import PROTO_INDEX


@dataclass(slots=True)
class PortsPass:
    """The report period's ports series, folded."""
    totals: dict  # pkey -> DailyCounts
    sensor_ports: dict  # (sensor, pkey) -> packets
    sensor_totals: dict  # sensor -> DailyCounts, sensors in the order first read
    day_totals: array  # bin -> packets
    # (bin, sensor, pkey) -> packets, for the per-sensor shares of surges:
    # only the port-bins with >= surge_min_packets (all sensors together).
    # Or CellsOnDemand, until report_surges.read_surge_cells.
    surge_cells: object
    packets_all: int  # before any --exclude-known
    stats: object  # PassStats


@dataclass(slots=True)
class CellsOnDemand:
    """surge_cells read for the surge port-bins only, once they are known
    (report_surges.read_surge_cells): a quarter of 10 sensors has 10^7
    port-bins over the floor, and a few hundred surge days.  Less what
    exclude_known took out of them."""
    fetch: object  # [(bin, pkey)] -> {(bin, sensor, pkey): packets}
    taken: dict = field(default_factory=dict)  # (bin, sensor, pkey) -> packets

    def without(self, taken):
        both = dict(self.taken)
        for k, v in taken.items():
            both[k] = both.get(k, 0) + v
        return CellsOnDemand(self.fetch, both)

    def read(self, port_bins):
        cells = self.fetch(sorted(port_bins)) if port_bins else {}
        for k, v in self.taken.items():
            if k in cells:
                cells[k] -= v
        return cells


@dataclass(slots=True)
class PreviousPorts:
    totals: dict  # pkey -> packets
    stats: object  # PassStats


def _keep_surge_cells(cells, d, per_sensor, per_port, floor):
    """Move a finished day's (sensor, pkey) packets into cells, for the
    ports that reached the surge floor that day."""
    for (s, pkey), packets in per_sensor.items():
        if per_port[pkey] >= floor:
            cells[(d, s, pkey)] = cells.get((d, s, pkey), 0) + packets


def read_ports(files, window, surge_min_packets, log):
    """Current period: totals, per-bin and per-sensor packets, surge cells."""
    nd = window.nbins
    t0 = window.t_from
    width = window.bin
    totals = {}
    sensor_ports = {}
    sensor_totals = {}
    day_totals = array("q", bytes(8 * nd))
    # Rows come in ts order, so once a day is complete only its port-days
    # that can be surges are kept (a quarter has millions of port-days).
    cells = {}
    unordered = False
    floor = surge_min_packets
    pending = {}  # day -> {(sensor, pkey): packets}, not yet pruned
    day_port = {}  # day -> {pkey: packets}, for the pruning decision
    last_day = -1
    pruned_upto = -1
    cols = ("ts", "proto", "dport", "packets", "syn", "mirai", "sensor")
    chunks, stats = files.chunks("ports", window, cols, "current")
    for rows in chunks:
        ts, s = rows[0][0], rows[0][6]  # one interval of one sensor
        d = (ts - t0) // width
        chunk_packets = chunk_syn = chunk_mirai = 0
        for _, proto, dport, packets, syn, mirai, _ in rows:
            pkey = PROTO_INDEX[proto] << 16 | dport
            t = totals.get(pkey) or new_daily(totals, pkey, nd)
            t.packets += packets
            t.syn += syn
            t.mirai += mirai
            t.daily[d] += packets
            chunk_packets += packets
            chunk_syn += syn
            chunk_mirai += mirai
            k = (s, pkey)
            sensor_ports[k] = sensor_ports.get(k, 0) + packets
            if d <= pruned_upto:  # cannot happen with the reader's ts order
                unordered = True
                cells[(d, s, pkey)] = cells.get((d, s, pkey), 0) + packets
                continue
            pd = pending.get(d)
            if pd is None:
                pd = pending[d] = {}
                day_port[d] = {}
            pd[k] = pd.get(k, 0) + packets
            dp = day_port[d]
            dp[pkey] = dp.get(pkey, 0) + packets
            if d > last_day:
                last_day = d
                for old in [x for x in pending if x < d - 1]:
                    _keep_surge_cells(cells, old, pending.pop(old), day_port.pop(old), floor)
                    pruned_upto = max(pruned_upto, old)
        st = sensor_totals.get(s) or new_daily(sensor_totals, s, nd)
        st.packets += chunk_packets
        st.syn += chunk_syn
        st.mirai += chunk_mirai
        st.daily[d] += chunk_packets
        day_totals[d] += chunk_packets
    for old in list(pending):
        _keep_surge_cells(cells, old, pending.pop(old), day_port.pop(old), floor)
    if unordered:
        log.warn("ports rows were not in time order; per-sensor shares of surges "
                 "may be incomplete")
    return PortsPass(totals, sensor_ports, sensor_totals, day_totals, cells, sum(day_totals),
                     stats)


def read_ports_previous(files, window):
    """Previous period: port totals, for the previous ranks."""
    totals = {}
    chunks, stats = files.chunks("ports", window, ("proto", "dport", "packets"), "previous")
    for rows in chunks:
        for proto, dport, packets in rows:
            pkey = PROTO_INDEX[proto] << 16 | dport
            totals[pkey] = totals.get(pkey, 0) + packets
    return PreviousPorts(totals, stats)
