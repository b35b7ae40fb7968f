# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The three counters every table of the report carries, per port, region,
sensor or scanner: packets, SYNs and Mirai-signature SYNs."""
from dataclasses import dataclass


@dataclass(slots=True)
class Counts:
    packets: int = 0
    syn: int = 0
    mirai: int = 0
