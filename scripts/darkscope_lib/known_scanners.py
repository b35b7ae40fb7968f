# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Known (research) scanners: a `CIDR name` file and its match per /24.

The file format is that of scripts/known-scanners.example: one network and
a name per line; a name on several lines gathers their networks.  Matching
is per source /24 (the series' resolution): networks longer than /24 match
their whole /24, and the longest prefix wins.  Blank lines and text after
# are skipped; a bad line is a warning, not an error.  IPv6 networks are
ignored (the sensor counts IPv4 only).
"""
import ipaddress


class KnownScannersError(Exception):
    """The file cannot be read."""


def net24_of(src):
    """'a.b.c.0/24' -> a.b.c as an int (address >> 8)."""
    a, b, c, _ = src.split("/", 1)[0].split(".")
    return int(a) << 16 | int(b) << 8 | int(c)


class KnownScanners:
    def __init__(self, path):
        self.path = path
        self.names = []  # index -> name
        self.networks = []  # index -> [cidr text, ...]
        self.warnings = []
        self._by_len = {}  # shift -> {net24 >> shift: index}
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise KnownScannersError(f"{path}: {e.strerror}") from None
        index = {}
        for n, line in enumerate(lines, 1):
            net, name = self._parse(f"{path}:{n}", line)
            if net is None:
                continue
            i = index.get(name)
            if i is None:
                i = index[name] = len(self.names)
                self.names.append(name)
                self.networks.append([])
            self.networks[i].append(str(net))
            shift = 24 - min(net.prefixlen, 24)
            self._by_len.setdefault(shift, {}).setdefault(int(net.network_address) >> 8 >> shift, i)
        self._shifts = sorted(self._by_len)

    def _parse(self, where, line):
        """One line -> (IPv4Network, name), or (None, None) to skip it."""
        text = line.split("#", 1)[0].strip()
        if not text:
            return None, None
        parts = text.split(None, 1)
        if len(parts) < 2:
            self.warnings.append(f"{where}: expected 'CIDR name', got {line.strip()!r}; line skipped")
            return None, None
        cidr, name = parts[0], parts[1].strip()
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            self.warnings.append(f"{where}: {cidr!r} is not a CIDR network; line skipped")
            return None, None
        if net.version != 4:
            self.warnings.append(f"{where}: {cidr} is IPv6, the series count IPv4 only; line skipped")
            return None, None
        if str(net) != cidr and "/" in cidr:
            self.warnings.append(f"{where}: {cidr} has host bits set; using {net}")
        if net.prefixlen > 24:
            whole = ipaddress.ip_network((int(net.network_address) & ~0xFF, 24))
            self.warnings.append(f"{where}: {net} is longer than /24; the series resolve "
                                 f"/24s, so all of {whole} is matched")
        return net, name

    def match_net24(self, net24):
        """/24 number (address >> 8) -> scanner index or None (longest prefix)."""
        for shift in self._shifts:
            i = self._by_len[shift].get(net24 >> shift)
            if i is not None:
                return i
        return None
