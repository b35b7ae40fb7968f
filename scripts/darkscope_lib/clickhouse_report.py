# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report's passes over a ClickHouse database (darkscope-report
--clickhouse): the same functions, arguments and results as
report_pass_ports, report_pass_flows and report_pass_sensor, with a
ClickHouseSource where those take the SeriesFiles.

Each pass is a few GROUP BY queries; ClickHouse does the sums and the
unions of host lists (groupUniqArrayArray per source /24, then counted),
Python only maps /24s to countries and known scanners: the distinct sources
of a window are fetched once, looked up as the file backend does
(report_netinfo.SourceNets), and sent back with each query as the external
table `nets` (src, cc, k).  The definitions are those of report_data.py;
tests/scripts/test_clickhouse_report.py checks that both backends write the
same report byte for byte.

Orders that the file backend takes from its reading order (sensors in the
order first read, ports in the order first seen) are taken here by first
timestamp, then name or port: the same whenever no two sensors start at the
same second.
"""
import os
import tempfile
import time
from array import array

from . import clickhouse_daily, clickhouse_reading
from .clickhouse_client import Client, External, quote
from .report_counts import Counts, DailyCounts
from .report_keys import PROTO_INDEX, label, pkey_split
from .report_pass_flows import FlowsPass, KnownScannerCounts, PreviousFlows, no_previous_flows
from .report_pass_ports import CellsOnDemand, PortsPass, PreviousPorts
from .report_pass_sensor import SensorHealth, SensorPass
from .report_reading import PassStats

__all__ = ["ClickHouseSource", "read_ports", "read_ports_previous", "read_flows",
           "read_flows_previous", "read_flows_sources", "no_previous_flows", "read_sensor"]

NETS_STRUCTURE = "src UInt32, cc String, k Int32"
# Not the Enum: clickhouse-client splits --structure at every comma.
SURGE_BINS_STRUCTURE = "proto String, dport UInt16, b Int64"
EXTERNAL_GROUP_BY = 1 << 30
DAY = clickhouse_reading.DAY


def _ints(text):
    """A TSV array `[1,2,3]` -> [1, 2, 3]."""
    inner = text[1:-1]
    return [int(x) for x in inner.split(",")] if inner else []


def _pkey(proto, dport):
    return PROTO_INDEX[proto] << 16 | int(dport)


def _port_tuples(pkeys):
    return ", ".join(f"({quote(p)}, {n})" for p, n in map(pkey_split, sorted(pkeys)))


class ClickHouseSource:
    """A database as the passes read it (the SeriesFiles of the file
    backend): window conditions, bins, the files the loader recorded, and
    the /24 table of a window."""

    def __init__(self, spec, log):
        self.client = spec if isinstance(spec, Client) else Client.of_spec(spec)
        # Over Distributed tables, an IN or JOIN on one of them runs as
        # GLOBAL (its subquery once, sent to the shards); no effect on
        # local tables.  The default, deny, refuses such queries.
        self.client.settings = {**self.client.settings, "distributed_product_mode": "global",
                                # A quarter of many sensors groups 10^7 (port,
                                # day) keys: spill to disk past 1 GB rather
                                # than fail at the server's memory limit.
                                "max_bytes_before_external_group_by": EXTERNAL_GROUP_BY}
        self.log = log
        self._tmp = tempfile.TemporaryDirectory(prefix="darkscope-report.")
        self._nets = {}  # (t_from, t_to) -> (External, {src: (cc, k)})
        self._daily = None  # whether the daily tables hold every row (asked once)

    @property
    def spec(self):
        return self.client.spec

    def close(self):
        self._tmp.cleanup()

    def reading(self, window):
        """clickhouse_reading.Reading of the window: the daily tables when
        they serve it."""
        if self._daily is None:
            self._daily = clickhouse_daily.usable(self.client)
        return clickhouse_reading.of(window, self._daily)

    def rows(self, sql, externals=()):
        return self.client.rows(sql, externals)

    def files(self, series, window):
        """Files of the series the loader took that the window touches, as
        the file backend counts them: by the hour in their names (files
        without one always)."""
        return int(self.client.scalar(
            "SELECT uniqExact(file_key) FROM load_batches WHERE event = 'done' AND "
            f"series = {quote(series)} AND (file_hour = toDateTime(0) OR "
            f"(toUInt32(file_hour) + 3600 > {window.t_from} AND "
            f"file_hour < toDateTime({window.t_to})))"))

    def interval(self, window):
        """The largest `# interval:` of the files the window touches
        (sensor series first, as report_interval does), or None."""
        for series in ("sensor", "ports", "flows"):
            got = self.client.rows(
                "SELECT count(), max(file_interval) FROM load_batches WHERE event = 'done' AND "
                f"series = {quote(series)} AND (file_hour = toDateTime(0) OR "
                f"(toUInt32(file_hour) + 3600 > {window.t_from} AND "
                f"file_hour < toDateTime({window.t_to})))")
            if got and int(got[0][0]):
                return int(got[0][1]) or None
        return None

    def stats(self, series, window, period):
        r = self.reading(window)
        if series != "sensor" and r.daily:
            # The footer says where the rows were counted.
            period += ", daily and monthly tables" if r.monthly else ", daily tables"
        st = PassStats(series, period, files=self.files(series, window))
        st.started = time.monotonic()
        return st

    def count(self, series, window):
        r = self.reading(window)
        if series == "ports":
            return int(self.client.scalar(f"SELECT {r.count} FROM {r.sensors} WHERE {r.where}"))
        return int(self.client.scalar(f"SELECT {r.count} {r.span('sources')}"))

    def external(self, name, structure, lines):
        """An External table of TSV lines, in a file of its own."""
        path = os.path.join(self._tmp.name, f"{name}-{len(os.listdir(self._tmp.name))}.tsv")
        with open(path, "w") as f:
            f.writelines(lines)
        return External(name, structure, path)

    def nets(self, window, nets):
        """(External table nets, {src: (cc, k)}) of every /24 in the window's
        flows; nets: report_netinfo.SourceNets (region DB, known scanners)."""
        key = (window.t_from, window.t_to)
        got = self._nets.get(key)
        if got is not None:
            return got
        db, ks = nets.regiondb, nets.known_scanners
        table = {}
        path = os.path.join(self._tmp.name, f"nets-{window.t_from}-{window.t_to}.tsv")
        r = self.reading(window)
        with open(path, "w") as f:
            for (src,) in self.rows(f"SELECT DISTINCT src {r.span('sources')}"):
                a = int(src)
                cc = (db.lookup(a) if db is not None else None) or None
                k = ks.match_net24(a >> 8) if ks is not None else None
                table[a] = (cc, k)
                f.write(f"{a}\t{cc or ''}\t{-1 if k is None else k}\n")
            if not table:
                # clickhouse-client sends no table for an empty file; a
                # window without sources has no row this could match.
                f.write("0\t\t-1\n")
        got = self._nets[key] = (External("nets", NETS_STRUCTURE, path), table)
        return got


def _kept(exclude):
    """Rows outside the known scanners' /24s (with --exclude-known)."""
    return " AND src NOT IN (SELECT src FROM nets WHERE k >= 0)" if exclude else ""


KNOWN = " AND src IN (SELECT src FROM nets WHERE k >= 0)"


def _daily(nd):
    return array("q", bytes(8 * nd))


def read_ports(files, window, surge_min_packets, log):
    """Current period: totals, per-bin and per-sensor packets, surge cells."""
    nd = window.nbins
    r = files.reading(window)
    W, B, T = r.where, r.bin, r.port_totals
    stats = files.stats("ports", window, "current")
    totals = {}
    first = []
    if r.daily:
        # A row is a (port, day) already: its states finalized as they are,
        # not a GROUP BY of 10^7 (port, day) keys; the rows of a key still
        # in several parts add up below.
        cells = (f"SELECT proto, dport, {B} AS b, finalizeAggregation(sum_packets) AS p, "
                 "finalizeAggregation(sum_syn) AS s, finalizeAggregation(sum_mirai) AS m, "
                 f"toUInt32(finalizeAggregation(first)) AS t FROM {T} WHERE {W}")
    else:
        cells = (f"SELECT proto, dport, {B} AS b, {r.packets} AS p, {r.syn} AS s, "
                 f"{r.mirai} AS m, {r.first} AS t FROM {T} WHERE {W} GROUP BY proto, dport, b")
    for proto, dport, p, s, m, t, bins, packets in files.rows(
            "SELECT proto, dport, sum(p), sum(s), sum(m), min(t), groupArray(b), groupArray(p) "
            f"FROM ({cells}) GROUP BY proto, dport"):
        daily = _daily(nd)
        for b, v in zip(_ints(bins), _ints(packets)):
            daily[b] += v
        k = _pkey(proto, dport)
        first.append((int(t), k, DailyCounts(int(p), int(s), int(m), daily)))
    for _, k, c in sorted(first, key=lambda x: x[:2]):
        totals[k] = c
    sensor_ports = {(sensor, _pkey(proto, dport)): int(p) for sensor, proto, dport, p in
                    files.rows(f"SELECT sensor, proto, dport, {r.packets} {r.span('ports')} "
                               "GROUP BY sensor, proto, dport")}
    per_sensor = {}
    for sensor, b, p, s, m, t in files.rows(
            f"SELECT sensor, {B} AS b, {r.packets}, {r.syn}, {r.mirai}, {r.first} "
            f"FROM {r.sensors} WHERE {W} GROUP BY sensor, b"):
        c = per_sensor.get(sensor)
        if c is None:
            c = per_sensor[sensor] = [int(t), DailyCounts(0, 0, 0, _daily(nd))]
        c[0] = min(c[0], int(t))
        d = c[1]
        d.packets += int(p)
        d.syn += int(s)
        d.mirai += int(m)
        d.daily[int(b)] += int(p)
    sensor_totals = {name: v[1] for name, v in
                     sorted(per_sensor.items(), key=lambda x: (x[1][0], x[0]))}
    day_totals = _daily(nd)
    for v in sensor_totals.values():
        for i, x in enumerate(v.daily):
            day_totals[i] += x
    stats.finish(files.count("ports", window))
    cells = CellsOnDemand(lambda port_bins: _surge_cells(files, window, r, port_bins))
    return PortsPass(totals, sensor_ports, sensor_totals, day_totals, cells, sum(day_totals),
                     stats)


def _surge_cells(files, window, r, port_bins):
    """{(bin, sensor, pkey): packets} of the given [(bin, pkey)]."""
    lines = []
    for b, pkey in port_bins:
        proto, port = pkey_split(pkey)
        lines.append(f"{proto}\t{port}\t{b}\n")
    ext = files.external("surge_bins", SURGE_BINS_STRUCTURE, lines)
    days = ""
    if r.daily:  # only the surge days' partitions
        per_bin = window.bin // DAY
        first = window.t_from // DAY
        days = " AND day IN (" + ", ".join(str(first + b * per_bin + i) for b in
                                           sorted({b for b, _ in port_bins})
                                           for i in range(per_bin)) + ")"
    return {(int(b), sensor, _pkey(proto, dport)): int(p) for b, sensor, proto, dport, p in
            files.rows(f"SELECT {r.bin} AS b, sensor, proto, dport, {r.packets} FROM {r.ports} "
                       f"WHERE {r.where}{days} AND (toString(proto), dport, toInt64(b)) IN "
                       "(SELECT proto, dport, b FROM surge_bins) "
                       "GROUP BY b, sensor, proto, dport", [ext])}


def read_ports_previous(files, window):
    """Previous period: port totals, for the previous ranks."""
    stats = files.stats("ports", window, "previous")
    r = files.reading(window)
    totals = {_pkey(proto, dport): int(p) for proto, dport, p in files.rows(
        f"SELECT proto, dport, {r.packets} {r.span('ports')} GROUP BY proto, dport")}
    stats.finish(files.count("ports", window))
    return PreviousPorts(totals, stats)


def _port_sources(files, window, ext, ports, exclude):
    """{pkey: distinct sources} of the given ports (0 for a port without rows)."""
    out = {k: 0 for k in ports}
    if not ports:
        return out
    r = files.reading(window)
    for proto, dport, n in files.rows(
            f"SELECT proto, dport, sum(n) FROM (SELECT proto, dport, src, {r.hosts} AS n "
            + r.span("port_sources", f"{_kept(exclude)} AND (proto, dport) IN "
                                     f"({_port_tuples(ports)})")
            + " GROUP BY proto, dport, src) GROUP BY proto, dport", [ext]):
        out[_pkey(proto, dport)] = int(n)
    return out


def _known(files, window, ext, nscanners, exclude, nd):
    """(known scanner list, known_cells, excluded packets), from the series
    tables (the daily ones have no sensor per /24)."""
    if not nscanners:
        return [], {}, 0  # nothing in `nets` is a known scanner's
    raw = clickhouse_reading.raw(window)
    W, B = raw.where, raw.bin
    counts = [Counts() for _ in range(nscanners)]
    ports = [dict() for _ in range(nscanners)]
    sources = [0] * nscanners
    for k, proto, dport, p, s, m in files.rows(
            "SELECT k, proto, dport, sum(p), sum(s), sum(m) FROM (SELECT src, proto, dport, "
            f"sum(packets) AS p, sum(syn) AS s, sum(mirai) AS m FROM flows WHERE {W}{KNOWN} "
            "GROUP BY src, proto, dport) ANY INNER JOIN (SELECT src, k FROM nets) USING src "
            "GROUP BY k, proto, dport", [ext]):
        c = counts[int(k)]
        c.packets += int(p)
        c.syn += int(s)
        c.mirai += int(m)
        ports[int(k)][_pkey(proto, dport)] = int(p)
    for k, n in files.rows(
            f"SELECT k, sum(n) FROM (SELECT src, {raw.hosts} AS n FROM flows "
            f"WHERE {W}{KNOWN} GROUP BY src) ANY INNER JOIN (SELECT src, k FROM nets) "
            "USING src GROUP BY k", [ext]):
        sources[int(k)] = int(n)
    known = [KnownScannerCounts(counts[i], sources[i], ports[i]) for i in range(nscanners)]
    cells = {}
    excluded = 0
    if exclude:
        got = files.rows(
            f"SELECT {B} AS b, sensor, proto, dport, sum(packets), sum(syn), sum(mirai), "
            f"toUInt32(min(ts)) AS t FROM flows WHERE {W}{KNOWN} "
            "GROUP BY b, sensor, proto, dport", [ext])
        for b, sensor, proto, dport, p, s, m, _ in sorted(
                got, key=lambda r: (int(r[7]), r[1], PROTO_INDEX[r[2]], int(r[3]), int(r[0]))):
            cells[(int(b), sensor, _pkey(proto, dport))] = Counts(int(p), int(s), int(m))
            excluded += int(p)
    return known, cells, excluded


def read_flows(files, window, nets, hostbits, candidates, fig3_key, fig3_region,
               nscanners, exclude):
    """Current period (report_pass_flows.read_flows)."""
    nd = window.nbins
    r = files.reading(window)
    W, B = r.where, r.bin
    stats = files.stats("flows", window, "current")
    ext, _ = files.nets(window, nets)
    kept = _kept(exclude)
    rows, packets_all = files.rows(f"SELECT {r.count}, {r.packets} {r.span('sources')}")[0]
    region_totals = {}
    if r.daily:
        # Each (/24, day) row joined to its region as it is, then grouped
        # by (region, day): 8x faster than grouping the 10^7 (/24, day)
        # keys of a quarter first.
        region_days = (f"SELECT cc, b, {r.packets}, {r.syn}, {r.mirai} FROM (SELECT src, "
                       f"{B} AS b, sum_packets, sum_syn, sum_mirai FROM {r.sources} "
                       f"WHERE {W}{kept}) ANY LEFT JOIN nets USING src GROUP BY cc, b")
    else:
        region_days = ("SELECT cc, b, sum(p), sum(s), sum(m) FROM (SELECT src, "
                       f"{B} AS b, {r.packets} AS p, {r.syn} AS s, {r.mirai} AS m "
                       f"FROM {r.sources} WHERE {W}{kept} GROUP BY src, b) "
                       "ANY LEFT JOIN nets USING src GROUP BY cc, b")
    for cc, b, p, s, m in files.rows(region_days, [ext]):
        key = cc or None
        t = region_totals.get(key)
        if t is None:
            t = region_totals[key] = DailyCounts(0, 0, 0, _daily(nd))
        t.packets += int(p)
        t.syn += int(s)
        t.mirai += int(m)
        t.daily[int(b)] += int(p)
    region_sources, region_mirai = {}, {}
    for cc, n, nm in files.rows(
            f"SELECT cc, sum(n), sum(nm) FROM (SELECT src, {r.hosts} AS n, "
            f"{r.mirai_hosts} AS nm {r.span('sources', kept)} GROUP BY src) "
            "ANY LEFT JOIN nets USING src GROUP BY cc", [ext]):
        region_sources[cc or None] = int(n)
        if int(nm):
            region_mirai[cc or None] = int(nm)
    port_sources = _port_sources(files, window, ext, candidates, exclude)
    fig3_total, fig3_mirai = [0] * nd, [0] * nd
    if fig3_key in candidates:
        proto, port = pkey_split(fig3_key)
        for out, table, hosts in ((fig3_total, r.port_sources, r.hosts),
                                  (fig3_mirai, r.port_mirai, r.mirai_hosts)):
            for b, n in files.rows(
                    f"SELECT b, sum(n) FROM (SELECT {B} AS b, src, {hosts} AS n "
                    f"FROM {table} WHERE {W}{kept} AND proto = {quote(proto)} "
                    f"AND dport = {port} "
                    f"AND src IN (SELECT src FROM nets WHERE cc = {quote(fig3_region)}) "
                    "GROUP BY b, src) GROUP BY b", [ext]):
                out[int(b)] = int(n)
    known, cells, excluded = _known(files, window, ext, nscanners, exclude, nd)
    stats.finish(int(rows))
    packets_all = int(packets_all)
    return FlowsPass(region_totals, region_sources, region_mirai, port_sources, fig3_mirai,
                     fig3_total, known, cells, packets_all - excluded, packets_all, stats)


def read_flows_previous(files, window, nets, exclude):
    """Previous period: region packets (and the scanners' ports, to exclude)."""
    r = files.reading(window)
    stats = files.stats("flows", window, "previous")
    ext, _ = files.nets(window, nets)
    rows, total = files.rows(f"SELECT {r.count}, {r.packets} {r.span('sources')}")[0]
    region_totals = {cc or None: int(p) for cc, p in files.rows(
        f"SELECT cc, sum(p) FROM (SELECT src, {r.packets} AS p "
        f"{r.span('sources', _kept(exclude))} GROUP BY src) ANY LEFT JOIN nets USING src "
        "GROUP BY cc",
        [ext])}
    known_ports = {}
    if exclude:
        known_ports = {_pkey(proto, dport): int(p) for proto, dport, p in files.rows(
            f"SELECT proto, dport, sum(packets) FROM flows WHERE "
            f"{clickhouse_reading.raw(window).where}{KNOWN} "
            "GROUP BY proto, dport", [ext])}
    stats.finish(int(rows))
    return PreviousFlows(region_totals, known_ports, int(total), stats)


def read_flows_sources(files, window, nets, hostbits, ports, exclude, log):
    """Fallback: distinct sources of the ports read_flows did not track."""
    log.note("a second pass over the flows series was needed for the distinct "
             "sources of " + ", ".join(label(p) for p in sorted(ports)))
    stats = files.stats("flows", window, "current (sources)")
    ext, _ = files.nets(window, nets)
    out = _port_sources(files, window, ext, ports, exclude)
    stats.finish(files.count("flows", window))
    return out, stats


def read_sensor(files, window):
    stats = files.stats("sensor", window, "current")
    raw = clickhouse_reading.raw(window)
    got = files.rows(
        "SELECT sensor, count(), sum(map_full), max(write_dropped), "
        f"groupUniqArray({raw.bin}), toUInt32(min(ts)) FROM sensor "
        f"WHERE {raw.where} GROUP BY sensor")
    health = {}
    rows = 0
    for sensor, n, map_full, dropped, bins, _ in sorted(got, key=lambda r: (int(r[5]), r[0])):
        health[sensor] = SensorHealth(int(n), int(map_full), int(dropped), set(_ints(bins)))
        rows += int(n)
    stats.finish(rows)
    return SensorPass(health, stats)
