# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The counters every table of the report carries, per port, region,
sensor or scanner: packets, SYNs and Mirai-signature SYNs, and for what a
figure draws also the packets per day of the period."""
from array import array
from dataclasses import dataclass


@dataclass(slots=True)
class Counts:
    packets: int = 0
    syn: int = 0
    mirai: int = 0


@dataclass(slots=True)
class DailyCounts(Counts):
    daily: array = None  # day of the period -> packets

    def copy(self):
        return DailyCounts(self.packets, self.syn, self.mirai, self.daily[:])


def new_daily(table, key, ndays):
    """table[key] = zero DailyCounts for ndays days; for `table.get(key) or
    new_daily(table, key, ndays)` in the passes' loops."""
    c = table[key] = DailyCounts(daily=array("q", bytes(8 * ndays)))
    return c
