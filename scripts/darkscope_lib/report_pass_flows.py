# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report's passes over the `flows` series: everything that needs a
source address (regions, distinct sources, Figure 3, known scanners).

Distinct sources are exact: per source /24 the union of the rows' host
bitmaps over the whole period, then counted.  With --exclude-known a known
scanner's rows count only in its own table; the packets they take out of
each (day, sensor, port) are returned so that the ports numbers can lose
them too (report_exclude.py).
"""
from dataclasses import dataclass

from .report_counts import Counts, new_daily
from .report_hosts import popcount
from .report_keys import PROTO_INDEX, label


@dataclass(slots=True)
class KnownScannerCounts:
    """One known scanner's rows in the report period (never excluded here)."""
    counts: Counts
    sources: int  # distinct source addresses
    ports: dict  # pkey -> packets


@dataclass(slots=True)
class FlowsPass:
    """The report period's flows series, folded (scanners' rows left out of
    everything but `known` with --exclude-known)."""
    region_totals: dict  # cc (None = unknown) -> DailyCounts
    region_sources: dict  # cc -> distinct sources
    region_mirai_sources: dict  # cc -> distinct sources with a Mirai SYN
    port_sources: dict  # pkey -> distinct sources, for the candidate ports
    fig3_mirai: list  # bin -> sources in the region sending Mirai SYNs to the port
    fig3_total: list  # bin -> all sources in the region sending to the port
    known: list  # scanner index -> KnownScannerCounts
    known_cells: dict  # (bin, sensor, pkey) -> Counts excluded, sensors in order met
    packets: int  # after exclusion
    packets_all: int  # before
    stats: object  # PassStats


@dataclass(slots=True)
class PreviousFlows:
    region_totals: dict  # cc -> packets (without excluded scanners)
    known_ports: dict  # pkey -> packets excluded (with --exclude-known)
    packets: int  # all rows' packets
    stats: object  # PassStats or None when there is no previous period


def _sources(hosts_by_src):
    return sum(popcount(b) for b in hosts_by_src.values())


def read_flows(files, window, nets, hostbits, candidates, fig3_key, fig3_region,
               nscanners, exclude):
    """Current period.  candidates: the pkeys whose distinct sources are
    tracked (the likely top N, and Figure 3's port).  Per-"day" numbers are
    per bin of window.bin seconds."""
    nd = window.nbins
    t0 = window.t_from
    width = window.bin
    region_totals = {}
    net_hosts = {}  # src -> host bitmap, whole period
    net_mirai = {}  # src -> Mirai host bitmap
    port_hosts = {k: {} for k in candidates}  # pkey -> {src: bitmap}
    fig3_hosts = [dict() for _ in range(nd)]  # bin -> {src: bitmap}
    fig3_mirai = [dict() for _ in range(nd)]
    known_counts = [Counts() for _ in range(nscanners)]
    known_hosts = [dict() for _ in range(nscanners)]
    known_ports = [dict() for _ in range(nscanners)]
    known_cells = {}
    lookup = nets.lookup
    netcache = nets.cache
    bits = hostbits.bits
    bitcache = hostbits.cache
    proto_index = PROTO_INDEX
    flows_all = 0
    flows_kept = 0
    cols = ("ts", "proto", "dport", "src", "packets", "syn", "mirai",
            "src_hosts", "mirai_hosts", "sensor")
    chunks, stats = files.chunks("flows", window, cols, "current")
    for rows in chunks:
        ts, sensor = rows[0][0], rows[0][9]  # one interval of one sensor
        d = (ts - t0) // width
        for _, proto, dport, src, packets, syn, mirai, sh, mh, _ in rows:
            info = netcache.get(src)
            if info is None:
                info = lookup(src)
            cc, k, src = info
            pkey = proto_index[proto] << 16 | dport
            flows_all += packets
            if k is not None:
                kt = known_counts[k]
                kt.packets += packets
                kt.syn += syn
                kt.mirai += mirai
                kh = known_hosts[k]
                kh[src] = kh.get(src, 0) | bits(sh)
                kp = known_ports[k]
                kp[pkey] = kp.get(pkey, 0) + packets
                if exclude:
                    key = (d, sensor, pkey)
                    v = known_cells.get(key)
                    if v is None:
                        v = known_cells[key] = Counts()
                    v.packets += packets
                    v.syn += syn
                    v.mirai += mirai
                    continue
            flows_kept += packets
            t = region_totals.get(cc) or new_daily(region_totals, cc, nd)
            t.packets += packets
            t.syn += syn
            t.mirai += mirai
            t.daily[d] += packets
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
    region_sources = {}
    region_mirai_sources = {}
    for counted, hosts in ((region_sources, net_hosts), (region_mirai_sources, net_mirai)):
        for src, b in hosts.items():
            cc = netcache[src][0]
            counted[cc] = counted.get(cc, 0) + popcount(b)
    fig3_m = [_sources(day) for day in fig3_mirai]
    known = [KnownScannerCounts(known_counts[i], _sources(known_hosts[i]), known_ports[i])
             for i in range(nscanners)]
    return FlowsPass(region_totals, region_sources, region_mirai_sources,
                     {k: _sources(h) for k, h in port_hosts.items()},
                     fig3_m, [_sources(day) for day in fig3_hosts], known, known_cells,
                     flows_kept, flows_all, stats)


def read_flows_previous(files, window, nets, exclude):
    """Previous period: region packets (and the scanners' ports, to exclude)."""
    region_totals = {}
    known_ports = {}
    lookup = nets.lookup
    netcache = nets.cache
    total = 0
    chunks, stats = files.chunks("flows", window, ("proto", "dport", "src", "packets"),
                                 "previous")
    for rows in chunks:
        for proto, dport, src, packets in rows:
            info = netcache.get(src)
            if info is None:
                info = lookup(src)
            cc, k, _ = info
            total += packets
            if k is not None and exclude:
                pkey = PROTO_INDEX[proto] << 16 | dport
                known_ports[pkey] = known_ports.get(pkey, 0) + packets
                continue
            region_totals[cc] = region_totals.get(cc, 0) + packets
    return PreviousFlows(region_totals, known_ports, total, stats)


def no_previous_flows():
    return PreviousFlows({}, {}, 0, None)


def read_flows_sources(files, window, nets, hostbits, ports, exclude, log):
    """Fallback: distinct sources of the ports read_flows did not track
    (ports that --exclude-known lifted into the top N from further down).
    Returns ({pkey: distinct sources}, PassStats)."""
    log.note("a second pass over the flows series was needed for the distinct "
             "sources of " + ", ".join(label(p) for p in sorted(ports)))
    port_hosts = {p: {} for p in ports}
    chunks, stats = files.chunks("flows", window, ("proto", "dport", "src", "src_hosts"),
                                 "current (sources)")
    for rows in chunks:
        for proto, dport, src, sh in rows:
            ph = port_hosts.get(PROTO_INDEX[proto] << 16 | dport)
            if ph is None:
                continue
            cc, k, src = nets.lookup(src)
            if k is not None and exclude:
                continue
            ph[src] = ph.get(src, 0) | hostbits.bits(sh)
    return {k: _sources(h) for k, h in port_hosts.items()}, stats
