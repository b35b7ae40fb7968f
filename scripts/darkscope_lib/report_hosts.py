# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Host bitmaps: the hosts of one source /24 as a 256-bit int (bit h set
for host h), so that a union is an `|` and a count a popcount."""

CACHE_MAX = 1_000_000  # bitmaps kept per HostBits before it starts over


def popcount(x):
    return bin(x).count("1")


def bits_of(hosts):
    """A host list (tuple/list of ints, or the text `[1,17]`) -> bitmap int."""
    if isinstance(hosts, str):
        hosts = hosts.strip()[1:-1]
        hosts = [int(h) for h in hosts.split(",")] if hosts.strip() else ()
    b = 0
    for h in hosts:
        b |= 1 << h
    return b


class HostBits:
    """bits_of() with a cache: a darknet repeats the same short host lists.

    Hot loops read `cache` themselves (`cache.get(hosts)`) and call bits()
    only on a miss."""

    def __init__(self):
        self.cache = {}

    def bits(self, hosts):
        b = self.cache.get(hosts)
        if b is None:
            if len(self.cache) > CACHE_MAX:
                self.cache.clear()
            b = self.cache[hosts] = bits_of(hosts)
        return b
