# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Surges: days on which a port's packets jump above its recent median.

Day d of the period (d >= 1) is a surge day of a port when its packets that
day are >= min_packets and > factor times the median of its daily packets
on the up to TRAILING_DAYS days before d inside the period (missing days
count as 0).  Consecutive surge days of one port form one surge.  Each
surge gives every sensor's share of the port's packets on the surge days;
when at least two sensors reported data in the period and one carries >=
SINGLE_SENSOR_SHARE of those packets, it is a one-sensor spike.

"Day" is the figures' bin (report_period.choose_bin): on a period of a week
or less, an hour (or a minute, ...), with the same thresholds per bin and
the trailing median over the TRAILING_DAYS bins before.  A day-only rule
would find nothing there: it needs a second day and a week to compare with.
"""
import dataclasses
import statistics

from .report_keys import label, pkey_split

SINGLE_SENSOR_SHARE = 0.8
TRAILING_DAYS = 7


def surge_rule(factor, min_packets, unit="day"):
    """The rule in words, for the report; unit: the bin (report_period.bin_unit)."""
    one = unit if unit.isalpha() else "bin"  # day, hour, ... or "bin" for "5 minutes"
    many = one + "s"
    v = one[0]
    each = "" if unit.isalpha() else f" (bins of {unit})"
    return (f"{one} {v} >= 2nd {one} of the period{each}; packets({v}) >= {min_packets} and "
            f"> {factor:g} x median of the up to {TRAILING_DAYS} {many} before {v}; "
            f"one-sensor spike when >= 2 sensors have data and one carries "
            f">= {SINGLE_SENSOR_SHARE:.0%} of the surge {many}' packets")


def _surge_days(daily, ndays, factor, min_packets):
    """[[(day, baseline), ...], ...]: the runs of consecutive surge days."""
    runs = []
    if ndays < 2 or max(daily[1:ndays]) < min_packets:
        return runs  # most ports of a quarter: no day can be a surge
    for d in range(1, ndays):
        x = daily[d]
        if x < min_packets:
            continue
        base = statistics.median(daily[max(0, d - TRAILING_DAYS):d])
        if x > factor * base:
            if runs and runs[-1][-1][0] == d - 1:
                runs[-1].append((d, base))
            else:
                runs.append([(d, base)])
    return runs


def read_surge_cells(ports, ndays, factor, min_packets):
    """ports with its surge_cells read, when they are read on demand
    (CellsOnDemand): those of the surge days find_surges will find."""
    cells = ports.surge_cells
    if isinstance(cells, dict):
        return ports
    bins = {(d, pkey) for pkey, t in ports.totals.items()
            for run in _surge_days(t.daily, ndays, factor, min_packets) for d, _ in run}
    return dataclasses.replace(ports, surge_cells=cells.read(bins))


def _sensor_shares(cells, days, sensors, pkey):
    """[(sensor, packets)] of one port on the given days, largest first."""
    per = {}
    for d in days:
        for s in sensors:
            v = cells.get((d, s, pkey))
            if v:
                per[s] = per.get(s, 0) + v
    return sorted(per.items(), key=lambda x: (-x[1], x[0]))


def find_surges(ports, sensors, day_labels, factor, min_packets):
    """The surges of the ranked ports (PortsPass after any exclusion).

    sensors: every sensor name of the report; the one-sensor rule needs two
    of them with packets."""
    nsensors = sum(1 for v in ports.sensor_totals.values() if v.packets > 0)
    surges = []
    for pkey, t in ports.totals.items():
        daily = t.daily
        for run in _surge_days(daily, len(day_labels), factor, min_packets):
            dd = [d for d, _ in run]
            base = run[0][1]
            peak = max(dd, key=lambda d: (daily[d], -d))
            shares = _sensor_shares(ports.surge_cells, dd, sensors, pkey)
            ssum = sum(v for _, v in shares) or 1
            single = None
            if nsensors >= 2 and shares and shares[0][1] / ssum >= SINGLE_SENSOR_SHARE:
                single = shares[0][0]
            proto, port = pkey_split(pkey)
            surges.append({
                "label": label(pkey), "proto": proto, "port": port,
                "first_day": day_labels[dd[0]], "last_day": day_labels[dd[-1]],
                "days": len(dd), "peak_day": day_labels[peak],
                "peak_packets": daily[peak], "baseline": base,
                "factor": round(daily[peak] / base, 2) if base else None,
                "packets": sum(daily[d] for d in dd),
                "sensors": [{"name": nm, "packets": v, "share": round(100.0 * v / ssum, 2)}
                            for nm, v in shares],
                "single_sensor": single,
            })
    surges.sort(key=lambda s: (s["first_day"], -s["packets"], s["port"], s["proto"]))
    return surges
