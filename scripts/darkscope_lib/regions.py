# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""darkscope_lib.regions - country (region) of an IPv4 source address.

Two sources of data, as issue 4 asks:

- the Regional Internet Registries' statistics files ("delegated" and
  "delegated-extended", all five RIRs share the format), given as
  `rir:FILE` specs: load_rir().  This is what TSUBAME attributes by.
- Debian's tor-geoipdb (/usr/share/tor/geoip, `INTLOW,INTHIGH,CC` lines
  built from the IPFire Location database): load_geoip(), the offline
  default when no RIR file is given.

Both give a RegionDB: sorted, non-overlapping [start, end] ranges with a
country code, looked up by bisection.  RegionDB.source says which data and
which date were used, for a report's footer.

    db = load_default(["rir:delegated-apnic-latest", "rir:delegated-arin-extended-latest"])
    db.lookup(0x85000001)          # 133.0.0.1 -> "JP"
    db.lookup_net24("8.8.8.0/24")  # None when no range holds it

Overlapping ranges (RIR files of different dates, or a range listed twice):
the record from the LATER file on the command line wins, and within one
file the later line wins; each address still has exactly one country.
Conflicting overlaps are reported once through on_warning.
"""
import bisect
import datetime
import email.utils
import gzip
import heapq
import ipaddress
import os
import re
import subprocess
import sys

__all__ = ["RegionDB", "load_rir", "load_geoip", "load_default", "DEFAULT_GEOIP",
           "ip_to_int", "int_to_ip"]

DEFAULT_GEOIP = "/usr/share/tor/geoip"
_IPV4_MAX = (1 << 32) - 1
_NO_COUNTRY = frozenset({"", "ZZ", "*", "??"})
_NO_STATUS = frozenset({"available", "reserved"})
_CC_RE = re.compile(r"^[A-Za-z]{2}$")


def ip_to_int(text):
    """Dotted quad -> int; ValueError if it is not one."""
    return int(ipaddress.IPv4Address(text))


def int_to_ip(value):
    """int -> dotted quad."""
    return str(ipaddress.IPv4Address(value))


def _default_warning(msg):
    print(f"darkscope: {msg}", file=sys.stderr)


class RegionDB:
    """Sorted, non-overlapping IPv4 ranges with a country code each.

    starts, ends: ascending ints (inclusive ranges, ends[i] < starts[i+1]);
    ccs: upper-case codes; source: human-readable origin of the data.
    """

    def __init__(self, starts, ends, ccs, source):
        self.starts = list(starts)
        self.ends = list(ends)
        self.ccs = list(ccs)
        self.source = source
        self._net24 = {}

    def __len__(self):
        return len(self.starts)

    def __repr__(self):
        return f"<RegionDB {len(self)} ranges: {self.source}>"

    def lookup(self, ip_int):
        """Country code of the address (an int), or None."""
        i = bisect.bisect_right(self.starts, ip_int) - 1
        if i >= 0 and ip_int <= self.ends[i]:
            return self.ccs[i]
        return None

    def lookup_ip(self, text):
        """Country code of a dotted-quad address, or None."""
        return self.lookup(ip_to_int(text))

    def lookup_net24(self, net):
        """Country of a flows `src` ("a.b.c.0/24"), by its first address; cached.

        Also takes "a.b.c.0" and "a.b.c" forms.  None when unknown or malformed.
        """
        try:
            return self._net24[net]
        except KeyError:
            pass
        cc = None
        try:
            octets = net.split("/", 1)[0].split(".")
            if len(octets) == 3:
                octets.append("0")
            if len(octets) == 4:
                a, b, c, _ = (int(o) for o in octets)
                if 0 <= a <= 255 and 0 <= b <= 255 and 0 <= c <= 255:
                    cc = self.lookup((a << 24) | (b << 16) | (c << 8))
        except ValueError:
            cc = None
        if len(self._net24) >= 1 << 20:
            self._net24.clear()
        self._net24[net] = cc
        return cc

    def countries(self):
        """Set of the country codes present."""
        return set(self.ccs)


def _build(records, source, on_warning=None, what="ranges"):
    """records: (start, end, cc, priority); higher priority wins overlaps."""
    records.sort(key=lambda r: (r[0], r[1]))
    overlap = False
    prev_end = -1
    for start, end, _, _ in records:
        if start <= prev_end:
            overlap = True
            break
        prev_end = end
    if overlap:
        segments, conflicts = _resolve(records)
        if conflicts and on_warning:
            on_warning(f"{what}: {conflicts} address ranges overlap with a different country; "
                       "the later file's (or line's) record wins")
    else:
        segments = [(s, e, cc) for s, e, cc, _ in records]
    # Merge touching ranges of one country: fewer entries, same answers.
    starts, ends, ccs = [], [], []
    for s, e, cc in segments:
        if ccs and ccs[-1] == cc and ends[-1] + 1 == s:
            ends[-1] = e
        else:
            starts.append(s)
            ends.append(e)
            ccs.append(cc)
    return RegionDB(starts, ends, ccs, source)


def _resolve(records):
    """Sweep over range boundaries; each elementary segment takes the
    covering record of highest priority.  Returns (segments, conflicts)."""
    points = sorted({r[0] for r in records} | {r[1] + 1 for r in records})
    active = []  # (-priority, end, cc)
    segments = []
    conflicts = 0
    j = 0
    n = len(records)
    for k, point in enumerate(points[:-1]):
        while j < n and records[j][0] == point:
            s, e, cc, prio = records[j]
            heapq.heappush(active, (-prio, e, cc))
            j += 1
        while active and active[0][1] < point:
            heapq.heappop(active)
        if not active:
            continue
        top = active[0]
        if len(active) > 1 and any(a[2] != top[2] and a[1] >= point for a in active[1:]):
            conflicts += 1
        segments.append((point, min(points[k + 1] - 1, top[1]), top[2]))
    # A segment may have been cut at a higher-priority record's end that lies
    # inside it; points include every end + 1, so segments never span one.
    return segments, conflicts


def _open_text(path):
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, "r", encoding="utf-8", errors="replace")


def _fmt_date(yyyymmdd):
    if re.fullmatch(r"\d{8}", yyyymmdd or ""):
        return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
    return None


def load_rir(paths, on_warning=None):
    """Load RIR delegated / delegated-extended statistics files.

    Lines: `registry|cc|type|start|value|date|status[|opaque-id[|...]]`.
    Skipped silently: comments (#), blank lines, the version line
    (`2|apnic|20210715|...` or `2.3|lacnic|...`), summary lines
    (`apnic|*|ipv4|*|47067|summary`), asn and ipv6 records, and ipv4
    records without a real country (status available/reserved, cc empty,
    `ZZ` or `*`).  `value` is an address count, not necessarily a power of
    two: the range is [start, start + value - 1].  A malformed line is
    reported as `FILE:LINE: ...` through on_warning (default: stderr) and
    skipped.  Overlaps: the later file wins (see the module docstring).

    paths: file names (str or PathLike; `.gz` read through gzip).
    Raises ValueError when a file cannot be read.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    warn = on_warning or _default_warning
    records = []
    described = []
    prio = 0
    for path in paths:
        name = os.path.basename(str(path))
        registry = date = None
        kept = 0
        try:
            f = _open_text(path)
        except OSError as e:
            raise ValueError(f"{path}: cannot read RIR file: {e.strerror or e}") from None
        try:
            with f:
                for lineno, raw in enumerate(f, 1):
                    line = raw.strip()
                    if not line or line.startswith("#"):
                        continue
                    fields = line.split("|")
                    if registry is None and re.fullmatch(r"\d+(\.\d+)*", fields[0]):
                        # version|registry|serial|records|startdate|enddate|UTCoffset
                        registry = fields[1] if len(fields) > 1 else None
                        date = _fmt_date(fields[2] if len(fields) > 2 else "")
                        continue
                    if len(fields) >= 6 and fields[5] == "summary":
                        continue
                    if len(fields) < 7:
                        warn(f"{path}:{lineno}: malformed line (expected "
                             f"registry|cc|type|start|value|date|status): {line[:100]}")
                        continue
                    if fields[2] != "ipv4":
                        continue
                    if registry is None:
                        registry = fields[0]
                    cc = fields[1].strip().upper()
                    status = fields[6].strip().lower()
                    if status in _NO_STATUS or cc in _NO_COUNTRY:
                        continue
                    try:
                        start = ip_to_int(fields[3])
                        value = int(fields[4])
                    except ValueError:
                        warn(f"{path}:{lineno}: malformed ipv4 record (start or value): "
                             f"{line[:100]}")
                        continue
                    if value <= 0 or start + value - 1 > _IPV4_MAX or not _CC_RE.match(cc):
                        warn(f"{path}:{lineno}: malformed ipv4 record (bad count or country): "
                             f"{line[:100]}")
                        continue
                    prio += 1
                    records.append((start, start + value - 1, cc, prio))
                    kept += 1
        except OSError as e:
            raise ValueError(f"{path}: cannot read RIR file: {e.strerror or e}") from None
        desc = name
        extra = [x for x in (registry, date) if x]
        if extra:
            desc += f" ({' '.join(extra)})"
        described.append(desc)
    source = "RIR delegated files: " + ", ".join(described)
    return _build(records, source, warn, what="RIR files")


def _dpkg_version(package):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


def load_geoip(path=DEFAULT_GEOIP):
    """Load a tor geoip file (`INTLOW,INTHIGH,CC` lines, `#` comments).

    `??` (unknown) ranges are dropped.  source names the package version
    (dpkg-query, when path is the packaged file) and the data date from the
    `# Generated:` header comment.  Raises ValueError when unreadable.
    """
    starts, ends, ccs = [], [], []
    generated = None
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("#"):
                    if generated is None and line.startswith("# Generated:"):
                        try:
                            dt = email.utils.parsedate_to_datetime(line[12:].strip())
                            generated = dt.astimezone(datetime.timezone.utc).date().isoformat()
                        except (TypeError, ValueError):
                            generated = line[12:].strip()
                    continue
                parts = line.rstrip("\n").split(",")
                if len(parts) != 3:
                    continue
                cc = parts[2].strip().upper()
                if cc in _NO_COUNTRY:
                    continue
                try:
                    lo, hi = int(parts[0]), int(parts[1])
                except ValueError:
                    continue
                starts.append(lo)
                ends.append(hi)
                ccs.append(cc)
    except OSError as e:
        raise ValueError(f"{path}: cannot read geoip file: {e.strerror or e}") from None
    if not starts:
        raise ValueError(f"{path}: no IPv4 ranges in geoip file")
    version = None
    if os.path.realpath(path) == os.path.realpath(DEFAULT_GEOIP):
        version = _dpkg_version("tor-geoipdb")
    what = f"tor-geoipdb {version}" if version else "tor geoip file"
    source = f"{what} ({path}, data {generated or 'undated'})"
    sorted_ok = all(starts[i] > ends[i - 1] for i in range(1, len(starts)))
    if sorted_ok:
        return RegionDB(starts, ends, ccs, source)
    records = [(s, e, cc, i) for i, (s, e, cc) in enumerate(zip(starts, ends, ccs))]
    return _build(records, source, None)


def load_default(spec_list, on_warning=None):
    """RegionDB from `--region-db` specs.

    spec_list: ["rir:FILE", "rir:FILE2", ...] (loaded together, later file
    wins overlaps) or ["geoip:PATH"] (or "geoip" for the default path).
    Empty or None: tor-geoipdb's /usr/share/tor/geoip.  RIR and geoip specs
    cannot be mixed.  Raises ValueError with a one-line message for an
    unknown spec, a missing file or a missing default database.
    """
    if isinstance(spec_list, str):
        spec_list = [spec_list]
    spec_list = list(spec_list or [])
    rir, geoip = [], []
    for spec in spec_list:
        kind, sep, arg = str(spec).partition(":")
        if kind == "rir" and sep and arg:
            rir.append(arg)
        elif kind == "geoip":
            geoip.append(arg or DEFAULT_GEOIP)
        else:
            raise ValueError(f"region database '{spec}': expected rir:FILE or geoip:PATH")
    if rir and geoip:
        raise ValueError("region database: use either rir:FILE specs or one geoip:PATH, not both")
    if len(geoip) > 1:
        raise ValueError("region database: only one geoip:PATH can be given")
    for path in rir + geoip:
        if not os.path.exists(path):
            raise ValueError(f"region database {path}: No such file or directory")
    if rir:
        return load_rir(rir, on_warning=on_warning)
    path = geoip[0] if geoip else DEFAULT_GEOIP
    if not geoip and not os.path.exists(path):
        raise ValueError(f"no region database: {DEFAULT_GEOIP} is missing "
                         "(apt-get install tor-geoipdb) and no --region-db rir:FILE was given")
    return load_geoip(path)
