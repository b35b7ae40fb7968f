# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Aggregation for darkscope-report: one streaming pass per series and period.

build_report(cfg) reads the `ports`, `flows` and `sensor` series of the
report period (and the `ports` and `flows` series of the previous period),
and returns the whole report as a JSON-able dict: the tables, the daily
series behind the figures, the notable changes and the footer.  Rows are
never held: every pass folds them into per-port, per-region, per-day and
per-/24 counters.  report_render.py turns the dict into Markdown and HTML,
report_figures.py into PNGs; report.json is the dict as it is.

Definitions (docs/SCRIPTS.md, "Report", says the same for users):

- Period: --from 00:00:00Z to --to 24:00:00Z, rows with from <= ts < to+1d.
  Day i of a figure holds the rows with ts in [from + i*86400, +86400).
- Port numbers (packets, SYNs, Mirai SYNs, daily and per-sensor packets)
  come from the `ports` series, which is exact even when the sensor's flow
  table was full.  Everything that needs a source address (regions,
  distinct sources, Figure 3, known scanners) comes from `flows`.
- Distinct sources: distinct source IPv4 addresses over the whole period,
  all sensors together: per /24, the union of the `src_hosts` lists, then
  counted (FORMAT.md, "Distinct sources across rows").
- Rankings: by packets, descending; ties by port number then protocol
  (tcp, udp, icmp), or by country code.  Sources of unknown country are
  summed as "unknown" and never ranked.
- Previous rank: the rank in the previous period if it is within the top
  max(10, N); "out of top 10" (top N when N > 10) if the port or region had
  packets then but ranked lower; "new" if it had no packets at all in the
  previous period; null when there is no previous period or it holds no
  data.
- Figure 3 (region R, port P): per day, the distinct sources in R that sent
  anything to P.  "Mirai" = sources that sent at least one Mirai-signature
  SYN to P that day (their address is in a `mirai_hosts` list);
  "non-Mirai" = the others.  The two are disjoint and add up to the total:
  a source that sent both kinds is counted once, as Mirai (the series
  cannot tell whether a Mirai host also sent non-Mirai packets).
- Surge: day d of the period (d >= 1) for a port when its packets that day
  are >= surge_min_packets and > surge_factor times the median of its daily
  packets on the up to 7 days before d inside the period (missing days count
  as 0).  Consecutive surge days of one port form one surge.  Each surge
  gives every sensor's share of the port's packets on the surge days; when
  at least two sensors reported data in the period and one of them carries
  >= 80 % of those packets, the surge is called a one-sensor spike.
- Known scanners (--known-scanners): a flows row belongs to a scanner when
  its source /24 lies in one of the scanner's networks (networks longer
  than /24 match their whole /24: the series has no finer resolution).
  With --exclude-known those rows are removed from every table and figure
  except the known-scanners table; port numbers taken from the `ports`
  series get the scanners' packets (from `flows`) subtracted.
"""

import datetime
import ipaddress
import os
import re
import statistics
import sys
import time
from array import array

from . import reader as _reader
from . import services as _services

PROTOS = _reader.PROTOS
PROTO_INDEX = {p: i for i, p in enumerate(PROTOS)}
DAY = 86400
PREVIOUS_LIMIT = 10  # "out of top 10", as in TSUBAME's tables
SINGLE_SENSOR_SHARE = 0.8  # a surge is a one-sensor spike above this share
TRAILING_DAYS = 7  # surge baseline: median of this many days before
UNKNOWN = "unknown"


class ReportError(Exception):
    """A problem that stops the report (bad input the user must fix)."""


class ReportConfig:
    """Everything build_report() needs; the CLI fills it from its options."""

    def __init__(self, paths, date_from, date_to, previous="auto", regiondb=None,
                 top=5, region="JP", port=("tcp", 23), known_scanners=None,
                 exclude_known=False, sensor_locations=None, surge_factor=3.0,
                 surge_min_packets=1000, warnings=None):
        self.paths = list(paths)
        self.date_from = date_from  # datetime.date, inclusive
        self.date_to = date_to  # datetime.date, inclusive
        self.previous = previous  # "auto", "none" or (date, date)
        self.regiondb = regiondb
        self.top = top
        self.region = region
        self.port = port  # (proto, number)
        self.known_scanners = known_scanners  # KnownScanners or None
        self.exclude_known = exclude_known
        self.sensor_locations = dict(sensor_locations or {})
        self.surge_factor = surge_factor
        self.surge_min_packets = surge_min_packets
        self.warnings = list(warnings or [])  # already printed (region DB, scanners file)


# ---------------------------------------------------------------- helpers

def parse_date(text):
    """YYYY-MM-DD -> datetime.date; ValueError with a readable message."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (YYYY-MM-DD, UTC)") from None


def date_ts(day):
    """UTC midnight of a date as unix seconds."""
    return int(datetime.datetime(day.year, day.month, day.day,
                                 tzinfo=datetime.timezone.utc).timestamp())


def previous_period(date_from, date_to):
    """The same-length period immediately before [date_from, date_to]."""
    days = (date_to - date_from).days + 1
    return (date_from - datetime.timedelta(days=days),
            date_from - datetime.timedelta(days=1))


def pkey_of(proto, port):
    return PROTO_INDEX[proto] << 16 | port


def pkey_split(pkey):
    return PROTOS[pkey >> 16], pkey & 0xFFFF


def port_sort_key(item):
    """(pkey, packets) -> sort key: packets desc, port, protocol."""
    pkey, packets = item
    return (-packets, pkey & 0xFFFF, pkey >> 16)


def label(pkey):
    proto, port = pkey_split(pkey)
    return _services.port_label(proto, port)


def popcount(x):
    return bin(x).count("1")


def _bits_of(hosts):
    """A host list (tuple/list of ints, or the text `[1,17]`) -> bitmap int."""
    if isinstance(hosts, str):
        hosts = hosts.strip()[1:-1]
        hosts = [int(h) for h in hosts.split(",")] if hosts.strip() else ()
    b = 0
    for h in hosts:
        b |= 1 << h
    return b


def rank_previous(key, prev_ranks, prev_has_data, limit):
    """Previous-rank cell: int rank, "out of top N", "new" or None."""
    if not prev_has_data:
        return None
    r = prev_ranks.get(key)
    if r is None:
        return "new"
    if r <= limit:
        return r
    return f"out of top {limit}"


# ---------------------------------------------------------- known scanners

class KnownScanners:
    """`CIDR name` lines: networks of known (research) scanners.

    Matching is per source /24 (the series' resolution).  Blank lines and
    lines starting with # are skipped; a bad line is a warning, not an
    error.  IPv6 networks are ignored (the sensor counts IPv4 only)."""

    def __init__(self, path):
        self.path = path
        self.names = []  # index -> name
        self.networks = []  # index -> [cidr text, ...]
        self.warnings = []
        self._by_len = {}  # shift -> {net24 >> shift: index}; longest prefix wins
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise ReportError(f"--known-scanners: {path}: {e.strerror}") from None
        index = {}
        for n, line in enumerate(lines, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            parts = text.split(None, 1)
            if len(parts) < 2:
                self.warnings.append(f"{path}:{n}: expected 'CIDR name', got {line.strip()!r}; line skipped")
                continue
            cidr, name = parts[0], parts[1].strip()
            try:
                net = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                self.warnings.append(f"{path}:{n}: {cidr!r} is not a CIDR network; line skipped")
                continue
            if net.version != 4:
                self.warnings.append(f"{path}:{n}: {cidr} is IPv6, the series count IPv4 only; line skipped")
                continue
            if str(net) != cidr and "/" in cidr:
                self.warnings.append(f"{path}:{n}: {cidr} has host bits set; using {net}")
            if net.prefixlen > 24:
                whole = ipaddress.ip_network((int(net.network_address) & ~0xFF, 24))
                self.warnings.append(f"{path}:{n}: {net} is longer than /24; the series resolve "
                                     f"/24s, so all of {whole} is matched")
            i = index.get(name)
            if i is None:
                i = index[name] = len(self.names)
                self.names.append(name)
                self.networks.append([])
            self.networks[i].append(str(net))
            shift = 24 - min(net.prefixlen, 24)
            self._by_len.setdefault(shift, {}).setdefault(int(net.network_address) >> 8 >> shift, i)
        self._shifts = sorted(self._by_len)

    def match_net24(self, net24):
        """/24 number (address >> 8) -> scanner index or None (longest prefix)."""
        for shift in self._shifts:
            i = self._by_len[shift].get(net24 >> shift)
            if i is not None:
                return i
        return None


def net24_of(src):
    """'a.b.c.0/24' -> a.b.c as an int (address >> 8)."""
    a, b, c, _ = src.split("/", 1)[0].split(".")
    return int(a) << 16 | int(b) << 8 | int(c)


# ---------------------------------------------------------------- report

class _Pass:
    """Counters of one pass, for the footer."""

    def __init__(self, series, period):
        self.series = series
        self.period = period
        self.rows = 0
        self.files = 0
        self.seconds = 0.0


class ReportBuilder:
    def __init__(self, cfg):
        self.cfg = cfg
        self.warnings = list(cfg.warnings)
        if cfg.known_scanners is not None:
            self.warnings += [w for w in cfg.known_scanners.warnings if w not in self.warnings]
        self.notes = []
        self.passes = []
        self.t0 = date_ts(cfg.date_from)
        self.t1 = date_ts(cfg.date_to) + DAY
        self.ndays = (self.t1 - self.t0) // DAY
        if cfg.previous == "auto":
            self.prev = previous_period(cfg.date_from, cfg.date_to)
        elif cfg.previous in (None, "none"):
            self.prev = None
        else:
            self.prev = cfg.previous
        if self.prev:
            self.p0 = date_ts(self.prev[0])
            self.p1 = date_ts(self.prev[1]) + DAY
        self.sensors = {}  # name -> index
        self.sensor_names = []
        self._found = {}  # series -> [(hour, path)]
        self._netcache = {}  # src text -> (cc or None, scanner index or None)
        self._bitcache = {}
        self.fig3_key = pkey_of(*cfg.port)

    # -- shared plumbing

    def warn(self, msg):
        if msg not in self.warnings:
            self.warnings.append(msg)
            print(f"darkscope-report: warning: {msg}", file=sys.stderr)

    def _sensor(self, name):
        i = self.sensors.get(name)
        if i is None:
            i = self.sensors[name] = len(self.sensor_names)
            self.sensor_names.append(name)
        return i

    def _files(self, series):
        """[(hour or None, path)] of a series, found once (a directory scan
        of a quarter's files takes a second)."""
        f = self._found.get(series)
        if f is None:
            try:
                found = _reader.find_files(self.cfg.paths, series, on_warning=self.warn)
            except (OSError, ValueError) as e:
                raise ReportError(str(e)) from None
            f = self._found[series] = []
            for _sensor_dir, path in found:
                h = _reader.file_hour(path)
                f.append((h[1] if h else None, path))
        return f

    def _chunks(self, series, t_from, t_to, columns, period):
        """Iterator over lists of rows (tuples in `columns` order) of one
        series and period; the rows of a list share one file and one ts
        (one interval of one sensor).  The caller counts the rows and calls
        _end(count)."""
        p = _Pass(series, period)
        self.passes.append(p)
        # Only the files whose hour overlaps the period (a file named for
        # hour H holds [H, H + 3600)); files without an hour in their name
        # are always read, as `darkscope read` does.
        files = [path for h, path in self._files(series)
                 if h is None or (h + 3600 > t_from and h < t_to)]
        p.files = len(files)
        p.start = time.monotonic()
        if not files:
            return iter(())
        if hasattr(_reader, "iter_chunks_fast"):
            return _reader.iter_chunks_fast(files, series, t_from, t_to, columns,
                                            on_warning=self.warn)
        return ([row] for row in _reader.iter_rows_fast(files, series, t_from, t_to, columns,
                                                         on_warning=self.warn))

    def _end(self, rows):
        p = self.passes[-1]
        p.rows = rows
        p.seconds = time.monotonic() - p.start

    def _netinfo(self, src):
        """(country or None, scanner index or None, src) of a flows `src`.

        Cached per /24; the cached `src` string is the one key object every
        per-/24 dict shares (a reader row's string is a new object each time)."""
        info = self._netcache.get(src)
        if info is None:
            try:
                net24 = net24_of(src)
            except ValueError:
                net24 = None
                self.warn(f"flows: malformed src {src!r}; counted as unknown region")
            cc = None
            db = self.cfg.regiondb
            if db is not None and net24 is not None:
                cc = db.lookup(net24 << 8)
            k = None
            if self.cfg.known_scanners is not None and net24 is not None:
                k = self.cfg.known_scanners.match_net24(net24)
            info = self._netcache[src] = (cc or None, k, src)
        return info

    def _bits(self, hosts):
        b = self._bitcache.get(hosts)
        if b is None:
            if len(self._bitcache) > 1_000_000:
                self._bitcache.clear()
            b = self._bitcache[hosts] = _bits_of(hosts)
        return b

    # -- passes

    def pass_ports(self):
        """Current period, `ports` series: exact per-port numbers."""
        nd = self.ndays
        t0 = self.t0
        self.port_tot = port_tot = {}  # pkey -> [packets, syn, mirai]
        self.port_daily = port_daily = {}  # pkey -> array of daily packets
        self.sensor_port = sensor_port = {}  # (sidx, pkey) -> packets
        self.sensor_tot = sensor_tot = {}  # sidx -> [packets, syn, mirai]
        self.sensor_daily = sensor_daily = {}  # sidx -> array of daily packets
        self.day_tot = day_tot = array("q", bytes(8 * nd))
        # (day, sidx, pkey) -> packets, for the per-sensor shares of surges.
        # Rows come in ts order, so once a day is complete only its port-days
        # that can be surges (>= surge_min_packets, all sensors) are kept.
        self.dsp = {}
        unordered = False
        floor = self.cfg.surge_min_packets
        pending = {}  # day -> {(sidx, pkey): packets}, not yet pruned
        day_port = {}  # day -> {pkey: packets}, for the pruning decision
        last_day = -1
        pruned_upto = -1
        sensors = self.sensors
        cols = ("ts", "proto", "dport", "packets", "syn", "mirai", "sensor")
        n = 0
        for rows in self._chunks("ports", self.t0, self.t1, cols, "current"):
            n += len(rows)
            ts, sensor = rows[0][0], rows[0][6]
            d = (ts - t0) // DAY
            s = sensors.get(sensor)
            if s is None:
                s = self._sensor(sensor)
            for _, proto, dport, packets, syn, mirai, _ in rows:
                pkey = PROTO_INDEX[proto] << 16 | dport
                t = port_tot.get(pkey)
                if t is None:
                    t = port_tot[pkey] = [0, 0, 0]
                    port_daily[pkey] = array("q", bytes(8 * nd))
                t[0] += packets
                t[1] += syn
                t[2] += mirai
                port_daily[pkey][d] += packets
                k = (s, pkey)
                sensor_port[k] = sensor_port.get(k, 0) + packets
                st = sensor_tot.get(s)
                if st is None:
                    st = sensor_tot[s] = [0, 0, 0]
                    sensor_daily[s] = array("q", bytes(8 * nd))
                st[0] += packets
                st[1] += syn
                st[2] += mirai
                sensor_daily[s][d] += packets
                day_tot[d] += packets
                if d <= pruned_upto:  # cannot happen with the reader's ts order
                    unordered = True
                    self.dsp[(d, s, pkey)] = self.dsp.get((d, s, pkey), 0) + packets
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
                        self._prune(old, pending.pop(old), day_port.pop(old), floor)
                        pruned_upto = max(pruned_upto, old)
        self._end(n)
        self.ports_packets_all = sum(day_tot)  # before any --exclude-known
        for old in list(pending):
            self._prune(old, pending.pop(old), day_port.pop(old), floor)
        if unordered:
            self.warn("ports rows were not in time order; per-sensor shares of surges "
                      "may be incomplete")

    def _prune(self, d, per_sensor, per_port, floor):
        dsp = self.dsp
        for (s, pkey), packets in per_sensor.items():
            if per_port[pkey] >= floor:
                dsp[(d, s, pkey)] = dsp.get((d, s, pkey), 0) + packets

    def pass_ports_previous(self):
        """Previous period, `ports` series: port totals for the previous ranks."""
        self.prev_port_tot = tot = {}
        if not self.prev:
            return
        n = 0
        for rows in self._chunks("ports", self.p0, self.p1, ("proto", "dport", "packets"),
                                 "previous"):
                n += len(rows)
                for proto, dport, packets in rows:
                    pkey = PROTO_INDEX[proto] << 16 | dport
                    tot[pkey] = tot.get(pkey, 0) + packets
        self._end(n)

    def candidate_ports(self):
        """Ports whose distinct sources the flows pass tracks: the top N by
        the ports series, which is final unless --exclude-known subtracts
        scanners' packets; then the top 2N, and a fallback pass for any
        port that still moves into the top N from further down."""
        n = self.cfg.top
        if self.cfg.exclude_known:
            n *= 2
        ranked = sorted(((k, v[0]) for k, v in self.port_tot.items()), key=port_sort_key)
        return {k for k, _ in ranked[:n]}

    def pass_flows(self, candidates):
        """Current period, `flows` series: regions, sources, Figure 3, scanners."""
        cfg = self.cfg
        nd = self.ndays
        t0 = self.t0
        exclude = cfg.exclude_known
        fig3_key = self.fig3_key
        fig3_region = cfg.region
        self.reg_tot = reg_tot = {}  # cc (None = unknown) -> [packets, syn, mirai]
        self.reg_daily = reg_daily = {}  # cc -> array of daily packets
        self.net_hosts = net_hosts = {}  # src /24 text -> host bitmap, whole period
        self.net_mirai = net_mirai = {}  # src /24 text -> Mirai host bitmap
        self.port_hosts = port_hosts = {k: {} for k in candidates}  # pkey -> {src: bitmap}
        self.fig3_hosts = fig3_hosts = [dict() for _ in range(nd)]  # day -> {src: bitmap}
        self.fig3_mirai = fig3_mirai = [dict() for _ in range(nd)]
        nk = len(cfg.known_scanners.names) if cfg.known_scanners else 0
        self.known_tot = [[0, 0, 0] for _ in range(nk)]
        self.known_hosts = [dict() for _ in range(nk)]
        self.known_ports = [dict() for _ in range(nk)]
        self.known_dsp = known_dsp = {}  # (day, sidx, pkey) -> [packets, syn, mirai]
        netinfo = self._netinfo
        netcache = self._netcache
        bits = self._bits
        bitcache = self._bitcache
        sensors = self.sensors
        proto_index = PROTO_INDEX
        flows_all = 0  # packets before exclusion
        flows_kept = 0  # after
        cols = ("ts", "proto", "dport", "src", "packets", "syn", "mirai",
                "src_hosts", "mirai_hosts", "sensor")
        n = 0
        for rows in self._chunks("flows", self.t0, self.t1, cols, "current"):
            n += len(rows)
            ts, sensor = rows[0][0], rows[0][9]
            d = (ts - t0) // DAY
            for _, proto, dport, src, packets, syn, mirai, sh, mh, _ in rows:
                info = netcache.get(src)
                if info is None:
                    info = netinfo(src)
                cc, k, src = info
                pkey = proto_index[proto] << 16 | dport
                flows_all += packets
                if k is not None:
                    kt = self.known_tot[k]
                    kt[0] += packets
                    kt[1] += syn
                    kt[2] += mirai
                    kh = self.known_hosts[k]
                    kh[src] = kh.get(src, 0) | bits(sh)
                    kp = self.known_ports[k]
                    kp[pkey] = kp.get(pkey, 0) + packets
                    if exclude:
                        s = sensors.get(sensor)
                        if s is None:
                            s = self._sensor(sensor)
                        key = (d, s, pkey)
                        v = known_dsp.get(key)
                        if v is None:
                            v = known_dsp[key] = [0, 0, 0]
                        v[0] += packets
                        v[1] += syn
                        v[2] += mirai
                        continue
                flows_kept += packets
                t = reg_tot.get(cc)
                if t is None:
                    t = reg_tot[cc] = [0, 0, 0]
                    reg_daily[cc] = array("q", bytes(8 * nd))
                t[0] += packets
                t[1] += syn
                t[2] += mirai
                reg_daily[cc][d] += packets
                hb = bitcache.get(sh)
                if hb is None:
                    hb = bits(sh)
                net_hosts[src] = net_hosts.get(src, 0) | hb
                mb = 0
                if mirai:
                    mb = bitcache.get(mh)
                    if mb is None:
                        mb = bits(mh)
                    if mb:
                        net_mirai[src] = net_mirai.get(src, 0) | mb
                ph = port_hosts.get(pkey)
                if ph is not None:
                    ph[src] = ph.get(src, 0) | hb
                    if pkey == fig3_key and cc == fig3_region:
                        f = fig3_hosts[d]
                        f[src] = f.get(src, 0) | hb
                        if mb:
                            f = fig3_mirai[d]
                            f[src] = f.get(src, 0) | mb
        self._end(n)
        self.flows_packets = flows_kept
        self.flows_packets_all = flows_all

    def pass_flows_previous(self):
        """Previous period, `flows` series: region packets (and scanners' ports)."""
        self.prev_reg_tot = tot = {}
        self.prev_known_ports = kports = {}
        self.prev_flows_packets = 0
        if not self.prev:
            return
        exclude = self.cfg.exclude_known
        netinfo = self._netinfo
        netcache = self._netcache
        total = 0
        cols = ("proto", "dport", "src", "packets")
        n = 0
        for rows in self._chunks("flows", self.p0, self.p1, cols, "previous"):
            n += len(rows)
            for proto, dport, src, packets in rows:
                info = netcache.get(src)
                if info is None:
                    info = netinfo(src)
                cc, k, _ = info
                total += packets
                if k is not None and exclude:
                    pkey = PROTO_INDEX[proto] << 16 | dport
                    kports[pkey] = kports.get(pkey, 0) + packets
                    continue
                tot[cc] = tot.get(cc, 0) + packets
        self._end(n)
        self.prev_flows_packets = total

    def pass_flows_sources(self, ports):
        """Fallback: distinct sources of ports the main pass did not track."""
        self.notes.append("a second pass over the flows series was needed for the distinct "
                          "sources of " + ", ".join(label(p) for p in sorted(ports)))
        for p in ports:
            self.port_hosts[p] = {}
        exclude = self.cfg.exclude_known
        cols = ("proto", "dport", "src", "src_hosts")
        n = 0
        for rows in self._chunks("flows", self.t0, self.t1, cols, "current (sources)"):
            n += len(rows)
            for proto, dport, src, sh in rows:
                pkey = PROTO_INDEX[proto] << 16 | dport
                ph = self.port_hosts.get(pkey) if pkey in ports else None
                if ph is None:
                    continue
                cc, k, src = self._netinfo(src)
                if k is not None and exclude:
                    continue
                ph[src] = ph.get(src, 0) | self._bits(sh)
        self._end(n)

    def pass_sensor(self):
        """Current period, `sensor` series: days with data, flow-table overflow."""
        self.sensor_rows = {}  # sidx -> [rows, map_full, write_dropped max, days set]
        cols = ("ts", "sensor", "map_full", "write_dropped")
        n = 0
        for rows in self._chunks("sensor", self.t0, self.t1, cols, "current"):
            n += len(rows)
            for ts, sensor, map_full, dropped in rows:
                s = self.sensors.get(sensor)
                if s is None:
                    s = self._sensor(sensor)
                r = self.sensor_rows.get(s)
                if r is None:
                    r = self.sensor_rows[s] = [0, 0, 0, set()]
                r[0] += 1
                r[1] += map_full or 0
                r[2] = max(r[2], dropped or 0)
                r[3].add((ts - self.t0) // DAY)
        self._end(n)

    # -- exclusion

    def subtract_known(self):
        """--exclude-known: take the scanners' packets out of the ports numbers."""
        for (d, s, pkey), (p, syn, mirai) in self.known_dsp.items():
            t = self.port_tot.get(pkey)
            if t is None:
                continue  # in flows but not in ports: nothing to subtract from
            t[0] -= p
            t[1] -= syn
            t[2] -= mirai
            self.port_daily[pkey][d] -= p
            self.day_tot[d] -= p
            k = (s, pkey)
            if k in self.sensor_port:
                self.sensor_port[k] -= p
            st = self.sensor_tot.get(s)
            if st is not None:
                st[0] -= p
                st[1] -= syn
                st[2] -= mirai
                self.sensor_daily[s][d] -= p
            if (d, s, pkey) in self.dsp:
                self.dsp[(d, s, pkey)] -= p
        for pkey, p in self.prev_known_ports.items():
            if pkey in self.prev_port_tot:
                self.prev_port_tot[pkey] -= p
        negative = [label(k) for k, v in self.port_tot.items() if v[0] < 0]
        if negative:
            self.warn("known scanners' packets in flows exceed the ports totals for "
                      + ", ".join(negative[:5]) + "; clamped to 0")
            for k in self.port_tot:
                self.port_tot[k] = [max(0, x) for x in self.port_tot[k]]
        for k in [k for k, v in self.port_tot.items() if v[0] == 0]:
            del self.port_tot[k]
        for k in [k for k, v in self.prev_port_tot.items() if v <= 0]:
            del self.prev_port_tot[k]

    # -- assembling

    def day_labels(self):
        return [(self.cfg.date_from + datetime.timedelta(days=i)).isoformat()
                for i in range(self.ndays)]

    def build(self):
        cfg = self.cfg
        self.pass_ports()
        self.pass_ports_previous()
        cand = self.candidate_ports()
        cand.add(self.fig3_key)  # Figure 3 reads the port's host sets
        self.pass_flows(cand)
        self.pass_flows_previous()
        self.pass_sensor()
        if cfg.exclude_known:
            self.subtract_known()
        top_ports = sorted(((k, v[0]) for k, v in self.port_tot.items()), key=port_sort_key)
        missing = {k for k, _ in top_ports[:cfg.top] if k not in self.port_hosts}
        if missing:
            self.pass_flows_sources(missing)
        return self.assemble(top_ports)

    def assemble(self, ranked_ports):
        cfg = self.cfg
        n = cfg.top
        limit = max(PREVIOUS_LIMIT, n)
        days = self.day_labels()
        total_packets = sum(v[0] for v in self.port_tot.values())
        total_syn = sum(v[1] for v in self.port_tot.values())
        total_mirai = sum(v[2] for v in self.port_tot.values())
        has_data = total_packets > 0 or self.flows_packets_all > 0

        prev_ranked = sorted(self.prev_port_tot.items(), key=port_sort_key)
        prev_port_rank = {k: i + 1 for i, (k, _) in enumerate(prev_ranked)}
        prev_has_data = bool(self.prev) and (bool(self.prev_port_tot) or self.prev_flows_packets > 0)
        cur_port_rank = {k: i + 1 for i, (k, _) in enumerate(ranked_ports)}

        def share(x, tot):
            return round(100.0 * x / tot, 4) if tot else 0.0

        top_ports = []
        for i, (pkey, packets) in enumerate(ranked_ports[:n]):
            proto, port = pkey_split(pkey)
            t = self.port_tot[pkey]
            hosts = self.port_hosts.get(pkey, {})
            top_ports.append({
                "rank": i + 1, "proto": proto, "port": port, "label": label(pkey),
                "packets": packets, "share": share(packets, total_packets),
                "syn": t[1], "mirai": t[2],
                "sources": sum(popcount(b) for b in hosts.values()),
                "previous_rank": rank_previous(pkey, prev_port_rank, prev_has_data, limit),
                "previous_rank_number": prev_port_rank.get(pkey),
            })

        # Regions.
        reg_ranked = sorted(((cc, v[0]) for cc, v in self.reg_tot.items() if cc is not None),
                            key=lambda x: (-x[1], x[0]))
        prev_reg_ranked = sorted(((cc, v) for cc, v in self.prev_reg_tot.items() if cc is not None),
                                 key=lambda x: (-x[1], x[0]))
        prev_reg_rank = {cc: i + 1 for i, (cc, _) in enumerate(prev_reg_ranked)}
        reg_sources = {}
        reg_mirai_sources = {}
        for src, b in self.net_hosts.items():
            cc = self._netcache[src][0]
            reg_sources[cc] = reg_sources.get(cc, 0) + popcount(b)
        for src, b in self.net_mirai.items():
            cc = self._netcache[src][0]
            reg_mirai_sources[cc] = reg_mirai_sources.get(cc, 0) + popcount(b)
        flows_total = self.flows_packets
        top_regions = []
        for i, (cc, packets) in enumerate(reg_ranked[:n]):
            t = self.reg_tot[cc]
            top_regions.append({
                "rank": i + 1, "cc": cc, "packets": packets, "share": share(packets, flows_total),
                "syn": t[1], "mirai": t[2], "sources": reg_sources.get(cc, 0),
                "previous_rank": rank_previous(cc, prev_reg_rank, prev_has_data, limit),
                "previous_rank_number": prev_reg_rank.get(cc),
            })
        ut = self.reg_tot.get(None, [0, 0, 0])
        unknown = {"packets": ut[0], "share": share(ut[0], flows_total), "syn": ut[1],
                   "mirai": ut[2], "sources": reg_sources.get(None, 0),
                   "mirai_sources": reg_mirai_sources.get(None, 0)}

        fig1 = {"days": days, "series": [
            {"label": r["label"], "proto": r["proto"], "port": r["port"],
             "packets": list(self.port_daily[pkey_of(r["proto"], r["port"])])}
            for r in top_ports]}
        fig2 = {"days": days, "series": [
            {"label": r["cc"], "packets": list(self.reg_daily[r["cc"]])} for r in top_regions]}
        mir, non = [], []
        for d in range(self.ndays):
            hosts = self.fig3_hosts[d]
            mh = self.fig3_mirai[d]
            m = sum(popcount(b) for b in mh.values())
            t = sum(popcount(b) for b in hosts.values())
            mir.append(m)
            non.append(t - m)
        fig3 = {"region": cfg.region, "proto": cfg.port[0], "port": cfg.port[1],
                "label": label(self.fig3_key), "days": days, "mirai": mir, "non_mirai": non,
                "total": [a + b for a, b in zip(mir, non)]}

        mirai_share = []
        for r in top_ports:
            t = self.port_tot[pkey_of(r["proto"], r["port"])]
            mirai_share.append({"label": r["label"], "proto": r["proto"], "port": r["port"],
                                "syn": t[1], "mirai": t[2], "share": share(t[2], t[1])})
        mirai_total = {"syn": total_syn, "mirai": total_mirai, "share": share(total_mirai, total_syn)}
        all_mirai_sources = sum(reg_mirai_sources.values())
        mreg = sorted(((cc, v) for cc, v in reg_mirai_sources.items() if cc is not None and v > 0),
                      key=lambda x: (-x[1], x[0]))
        mirai_regions = [{"rank": i + 1, "cc": cc, "mirai_sources": v,
                          "share": share(v, all_mirai_sources),
                          "mirai_syn": self.reg_tot.get(cc, [0, 0, 0])[2]}
                         for i, (cc, v) in enumerate(mreg[:n])]

        sensors = self.assemble_sensors(total_packets)
        groups = self.assemble_groups(total_packets)
        known = self.assemble_known()
        notable = self.assemble_notable(ranked_ports, cur_port_rank, prev_port_rank, prev_has_data,
                                        reg_ranked, prev_reg_rank, prev_has_data)
        if self.flows_packets_all < self.ports_packets_all:
            lost = self.ports_packets_all - self.flows_packets_all
            self.warn(f"the flows series holds {lost} fewer packets than the ports series "
                      "(flow table full, or flows files missing): regions, distinct sources "
                      "and Figure 3 undercount")
        for s, r in sorted(self.sensor_rows.items()):
            if r[1]:
                self.warn(f"sensor {self.sensor_names[s]}: map_full = {r[1]} frames did not fit "
                          "in the flow table; ports totals are exact, flows miss them")
            if r[2]:
                self.warn(f"sensor {self.sensor_names[s]}: write_dropped = {r[2]} series members "
                          "were dropped by the daemon")
        if not has_data:
            self.notes.insert(0, f"no data: no rows between {cfg.date_from} and {cfg.date_to} "
                                 "(UTC, inclusive) in the given directories")

        files = self.files_read()
        report = {
            "format": "darkscope-report 1",
            "period": {"from": cfg.date_from.isoformat(), "to": cfg.date_to.isoformat(),
                       "days": self.ndays, "t_from": self.t0, "t_to": self.t1},
            "previous": ({"from": self.prev[0].isoformat(), "to": self.prev[1].isoformat(),
                          "has_data": prev_has_data} if self.prev else None),
            "has_data": has_data,
            "options": {"top": n, "region": cfg.region, "port": f"{cfg.port[1]}/{cfg.port[0]}",
                        "exclude_known": cfg.exclude_known,
                        "surge_factor": cfg.surge_factor,
                        "surge_min_packets": cfg.surge_min_packets,
                        "sensor_locations": cfg.sensor_locations},
            "totals": {"packets": total_packets, "syn": total_syn, "mirai": total_mirai,
                       "flows_packets": flows_total,
                       "sources": sum(reg_sources.values()),
                       "mirai_sources": all_mirai_sources,
                       "ports": len(self.port_tot), "regions": len(reg_ranked)},
            "top_ports": top_ports,
            "top_regions": top_regions,
            "unknown_region": unknown,
            "figure1": fig1,
            "figure2": fig2,
            "figure3": fig3,
            "mirai_share": mirai_share,
            "mirai_share_total": mirai_total,
            "mirai_regions": mirai_regions,
            "sensors": sensors,
            "sensor_groups": groups,
            "sensor_daily": {"days": days, "series": [
                {"label": self.sensor_names[s], "packets": list(a)}
                for s, a in sorted(self.sensor_daily.items(), key=lambda x: self.sensor_names[x[0]])]},
            "known_scanners": known,
            "notable": notable,
            "footer": {
                "region_db": getattr(cfg.regiondb, "source", None) if cfg.regiondb else None,
                "paths": [os.path.abspath(p) for p in cfg.paths],
                "sensors": sorted(self.sensor_names),
                "files": files,
                "rows": {f"{p.series} ({p.period})": p.rows for p in self.passes},
                "seconds": {f"{p.series} ({p.period})": round(p.seconds, 3) for p in self.passes},
                "notes": self.notes,
                "warnings": self.warnings,
            },
        }
        return report

    def assemble_sensors(self, total_packets):
        cfg = self.cfg
        out = []
        for s in sorted(range(len(self.sensor_names)), key=lambda i: self.sensor_names[i]):
            name = self.sensor_names[s]
            t = self.sensor_tot.get(s, [0, 0, 0])
            ports = sorted(((pkey, p) for (ss, pkey), p in self.sensor_port.items()
                            if ss == s and p > 0), key=port_sort_key)
            loc = cfg.sensor_locations.get(name)
            r = self.sensor_rows.get(s)
            out.append({
                "name": name, "location": loc, "group": self._group(loc),
                "packets": t[0], "share": round(100.0 * t[0] / total_packets, 4) if total_packets else 0.0,
                "syn": t[1], "mirai": t[2],
                "days_with_data": len(r[3]) if r else sum(1 for x in self.sensor_daily.get(s, []) if x),
                "map_full": r[1] if r else 0,
                "top_ports": [{"rank": i + 1, "label": label(k), "proto": pkey_split(k)[0],
                               "port": pkey_split(k)[1], "packets": p,
                               "share": round(100.0 * p / t[0], 4) if t[0] else 0.0}
                              for i, (k, p) in enumerate(ports[:PREVIOUS_LIMIT])],
            })
        return out

    def _group(self, loc):
        if not self.cfg.sensor_locations:
            return None
        if loc is None:
            return "untagged"
        return "domestic" if loc == self.cfg.region else "overseas"

    def assemble_groups(self, total_packets):
        if not self.cfg.sensor_locations:
            return []
        groups = {}
        for s, name in enumerate(self.sensor_names):
            g = self._group(self.cfg.sensor_locations.get(name))
            groups.setdefault(g, []).append(s)
        out = []
        for g in ("domestic", "overseas", "untagged"):
            members = groups.get(g)
            if not members:
                continue
            ports = {}
            packets = 0
            for (s, pkey), p in self.sensor_port.items():
                if s in members:
                    ports[pkey] = ports.get(pkey, 0) + p
                    packets += p
            ranked = sorted(((k, p) for k, p in ports.items() if p > 0), key=port_sort_key)
            out.append({
                "group": g, "sensors": sorted(self.sensor_names[s] for s in members),
                "packets": packets,
                "share": round(100.0 * packets / total_packets, 4) if total_packets else 0.0,
                "top_ports": [{"rank": i + 1, "label": label(k), "packets": p,
                               "share": round(100.0 * p / packets, 4) if packets else 0.0}
                              for i, (k, p) in enumerate(ranked[:PREVIOUS_LIMIT])],
            })
        return out

    def assemble_known(self):
        ks = self.cfg.known_scanners
        if ks is None:
            return None
        rows = []
        for i, name in enumerate(ks.names):
            p, syn, mirai = self.known_tot[i]
            ports = sorted(self.known_ports[i].items(), key=port_sort_key)
            rows.append({
                "name": name, "networks": ks.networks[i], "packets": p,
                "share": round(100.0 * p / self.flows_packets_all, 4) if self.flows_packets_all else 0.0,
                "syn": syn, "mirai": mirai,
                "sources": sum(popcount(b) for b in self.known_hosts[i].values()),
                "ports": len(ports),
                "top_ports": [{"label": label(k), "packets": v} for k, v in ports[:3]],
            })
        rows.sort(key=lambda r: (-r["packets"], r["name"]))
        return {"file": ks.path, "excluded": self.cfg.exclude_known, "scanners": rows,
                "packets": sum(r["packets"] for r in rows),
                "share": round(100.0 * sum(r["packets"] for r in rows) / self.flows_packets_all, 4)
                if self.flows_packets_all else 0.0,
                "warnings": ks.warnings}

    def assemble_notable(self, ranked_ports, cur_rank, prev_rank, prev_has_data,
                         reg_ranked, prev_reg_rank, _):
        cfg = self.cfg
        entered = []
        if prev_has_data:
            for pkey, packets in ranked_ports[:PREVIOUS_LIMIT]:
                r = prev_rank.get(pkey)
                if r is None or r > PREVIOUS_LIMIT:
                    proto, port = pkey_split(pkey)
                    entered.append({"label": label(pkey), "proto": proto, "port": port,
                                    "rank": cur_rank[pkey], "packets": packets,
                                    "previous_rank": "new" if r is None else r})
        reg_entered = []
        if prev_has_data:
            for i, (cc, packets) in enumerate(reg_ranked[:PREVIOUS_LIMIT]):
                r = prev_reg_rank.get(cc)
                if r is None or r > PREVIOUS_LIMIT:
                    reg_entered.append({"cc": cc, "rank": i + 1, "packets": packets,
                                        "previous_rank": "new" if r is None else r})
        surges = self.find_surges()
        return {"entered_top10": entered, "regions_entered_top10": reg_entered,
                "surges": surges,
                "rule": (f"day d >= 2nd day of the period; packets(d) >= {cfg.surge_min_packets} and "
                         f"> {cfg.surge_factor:g} x median of the up to {TRAILING_DAYS} days before d; "
                         f"one-sensor spike when >= 2 sensors have data and one carries "
                         f">= {SINGLE_SENSOR_SHARE:.0%} of the surge days' packets")}

    def find_surges(self):
        cfg = self.cfg
        surges = []
        nsensors = sum(1 for v in self.sensor_tot.values() if v[0] > 0)
        for pkey, daily in self.port_daily.items():
            if pkey not in self.port_tot:
                continue
            hit = []
            for d in range(1, self.ndays):
                x = daily[d]
                if x < cfg.surge_min_packets:
                    continue
                base = statistics.median(daily[max(0, d - TRAILING_DAYS):d])
                if x > cfg.surge_factor * base:
                    hit.append((d, base))
            episodes = []
            for d, base in hit:
                if episodes and episodes[-1][-1][0] == d - 1:
                    episodes[-1].append((d, base))
                else:
                    episodes.append([(d, base)])
            for ep in episodes:
                dd = [d for d, _ in ep]
                base = ep[0][1]
                packets = sum(daily[d] for d in dd)
                peak = max(dd, key=lambda d: (daily[d], -d))
                per = {}
                for d in dd:
                    for s in range(len(self.sensor_names)):
                        v = self.dsp.get((d, s, pkey))
                        if v:
                            per[s] = per.get(s, 0) + v
                shares = sorted(((self.sensor_names[s], v) for s, v in per.items()),
                                key=lambda x: (-x[1], x[0]))
                ssum = sum(v for _, v in shares) or 1
                single = None
                if nsensors >= 2 and shares and shares[0][1] / ssum >= SINGLE_SENSOR_SHARE:
                    single = shares[0][0]
                proto, port = pkey_split(pkey)
                surges.append({
                    "label": label(pkey), "proto": proto, "port": port,
                    "first_day": self.day_labels()[dd[0]], "last_day": self.day_labels()[dd[-1]],
                    "days": len(dd), "peak_day": self.day_labels()[peak],
                    "peak_packets": daily[peak], "baseline": base,
                    "factor": round(daily[peak] / base, 2) if base else None,
                    "packets": packets,
                    "sensors": [{"name": nm, "packets": v, "share": round(100.0 * v / ssum, 2)}
                                for nm, v in shares],
                    "single_sensor": single,
                })
        surges.sort(key=lambda s: (s["first_day"], -s["packets"], s["port"], s["proto"]))
        return surges

    def files_read(self):
        """Files read per series, over all passes."""
        out = {}
        for p in self.passes:
            if p.period == "current (sources)":
                continue
            out[p.series] = out.get(p.series, 0) + p.files
        return out


def build_report(cfg):
    """Read the series and return the report dict (see module docstring)."""
    return ReportBuilder(cfg).build()
