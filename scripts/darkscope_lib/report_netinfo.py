# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""What the report needs to know of a flows `src` (/24): its country and
whether a known scanner sends from it, looked up once per /24."""
from .known_scanners import net24_of


class SourceNets:
    """src text -> (country or None, scanner index or None, src).

    Hot loops read `cache` themselves and call lookup() only on a miss.  The
    cached `src` string is the one key object every per-/24 dict shares (a
    reader row's string is a new object each time)."""

    def __init__(self, regiondb, known_scanners, log):
        self.regiondb = regiondb
        self.known_scanners = known_scanners
        self.log = log
        self.cache = {}

    def lookup(self, src):
        info = self.cache.get(src)
        if info is None:
            try:
                net24 = net24_of(src)
            except ValueError:
                net24 = None
                self.log.warn(f"flows: malformed src {src!r}; counted as unknown region")
            cc = None
            if self.regiondb is not None and net24 is not None:
                cc = self.regiondb.lookup(net24 << 8)
            k = None
            if self.known_scanners is not None and net24 is not None:
                k = self.known_scanners.match_net24(net24)
            info = self.cache[src] = (cc or None, k, src)
        return info
