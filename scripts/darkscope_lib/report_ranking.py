# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Rankings of the report and the previous-rank cells, as pure functions.

- Ports rank by packets, descending; ties by port number, then protocol
  (tcp, udp, icmp).  Regions rank by packets, then country code; sources of
  unknown country (None) are never ranked.  Both orders are total, so a
  ranking does not depend on the order its input was counted in.
- Previous rank: the rank in the previous period if it is within the top
  `limit` (max(10, N)); "out of top <limit>" if the key had packets then
  but ranked lower; "new" if it had none; None when there is no previous
  period or it holds no data.
- Entered the top 10: keys of this period's top 10 that were new or out of
  the previous top 10.
"""
from dataclasses import dataclass

PREVIOUS_LIMIT = 10  # "out of top 10", as in TSUBAME's tables


def port_order(item):
    """(pkey, packets) -> sort key: packets desc, port, protocol."""
    pkey, packets = item
    return (-packets, pkey & 0xFFFF, pkey >> 16)


def region_order(item):
    """(cc, packets) -> sort key: packets desc, country code."""
    return (-item[1], item[0])


def rank_ports(packets):
    """{pkey: packets} -> [(pkey, packets)], best first."""
    return sorted(packets.items(), key=port_order)


def rank_regions(packets):
    """{cc or None: packets} -> [(cc, packets)], best first, without None."""
    return sorted(((cc, v) for cc, v in packets.items() if cc is not None), key=region_order)


def rank_numbers(ranked):
    """[(key, packets)] in rank order -> {key: rank}, ranks from 1."""
    return {k: i + 1 for i, (k, _) in enumerate(ranked)}


def previous_rank(key, prev_ranks, prev_has_data, limit):
    """Previous-rank cell: int rank, "out of top N", "new" or None."""
    if not prev_has_data:
        return None
    r = prev_ranks.get(key)
    if r is None:
        return "new"
    if r <= limit:
        return r
    return f"out of top {limit}"


@dataclass(frozen=True, slots=True)
class Entry:
    """A key that entered the top `limit`: previous is "new" or its old rank."""
    key: object
    rank: int
    packets: int
    previous: object


def entered_top(ranked, prev_ranks, prev_has_data, limit=PREVIOUS_LIMIT):
    """The keys of ranked[:limit] that were not in the previous top `limit`;
    [] when the previous period is missing or holds no data."""
    if not prev_has_data:
        return []
    out = []
    for i, (key, packets) in enumerate(ranked[:limit]):
        r = prev_ranks.get(key)
        if r is None or r > limit:
            out.append(Entry(key, i + 1, packets, "new" if r is None else r))
    return out
