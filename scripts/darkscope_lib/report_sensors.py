# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The per-sensor tables: each sensor, and domestic vs overseas groups.

A sensor is domestic when --sensor-location puts it in --region, overseas
when elsewhere, untagged when not given; no groups without any location.
"""
from .report_counts import DailyCounts
from .report_keys import label, pkey_split
from .report_ranking import PREVIOUS_LIMIT, rank_ports


def _share(x, total):
    return round(100.0 * x / total, 4) if total else 0.0


def sensor_group(locations, region, loc):
    if not locations:
        return None
    if loc is None:
        return "untagged"
    return "domestic" if loc == region else "overseas"


def _ports_of(sensor_ports, members):
    """{pkey: packets} of the sensors in members, ports with packets only."""
    ports = {}
    for (s, pkey), p in sensor_ports.items():
        if s in members:
            ports[pkey] = ports.get(pkey, 0) + p
    return {k: p for k, p in ports.items() if p > 0}


def sensors_table(ports, health, sensors, locations, region, total_packets):
    """One row per sensor, by name.  ports: PortsPass (after any exclusion);
    health: {sensor: SensorHealth}."""
    out = []
    for name in sorted(sensors):
        t = ports.sensor_totals.get(name, DailyCounts())
        ranked = rank_ports(_ports_of(ports.sensor_ports, (name,)))
        loc = locations.get(name)
        h = health.get(name)
        out.append({
            "name": name, "location": loc, "group": sensor_group(locations, region, loc),
            "packets": t.packets, "share": _share(t.packets, total_packets),
            "syn": t.syn, "mirai": t.mirai,
            "days_with_data": len(h.days) if h else sum(1 for x in t.daily or () if x),
            "map_full": h.map_full if h else 0,
            "top_ports": [{"rank": i + 1, "label": label(k), "proto": pkey_split(k)[0],
                           "port": pkey_split(k)[1], "packets": p, "share": _share(p, t.packets)}
                          for i, (k, p) in enumerate(ranked[:PREVIOUS_LIMIT])],
        })
    return out


def groups_table(ports, sensors, locations, region, total_packets):
    if not locations:
        return []
    groups = {}
    for name in sensors:
        groups.setdefault(sensor_group(locations, region, locations.get(name)), []).append(name)
    out = []
    for g in ("domestic", "overseas", "untagged"):
        members = groups.get(g)
        if not members:
            continue
        packets = sum(p for (s, _), p in ports.sensor_ports.items() if s in members)
        ranked = rank_ports(_ports_of(ports.sensor_ports, members))
        out.append({
            "group": g, "sensors": sorted(members),
            "packets": packets, "share": _share(packets, total_packets),
            "top_ports": [{"rank": i + 1, "label": label(k), "packets": p,
                           "share": _share(p, packets)}
                          for i, (k, p) in enumerate(ranked[:PREVIOUS_LIMIT])],
        })
    return out


def sensor_daily(ports, days):
    """Figure 4: daily packets per sensor, by name."""
    return {"days": days, "series": [{"label": name, "packets": list(ports.sensor_totals[name].daily)}
                                     for name in sorted(ports.sensor_totals)]}
