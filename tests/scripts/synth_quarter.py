#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""synth_quarter.py - write a synthetic telescope quarter with known answers.

usage: synth_quarter.py [--start DATE] [--days N] [--sensors A,B] [--interval S]
                        [--seed N] [--no-previous] [--answers FILE.json] OUT_DIR

Writes OUT_DIR/<sensor>/{flows,ports,sensor}-YYYY-MM-DDTHH.tsv.gz in the real
file format (docs/FORMAT.md: one header member per file, exactly as the C
writer's, then one gzip member per interval and series) for the period
[start, start + days) and, unless --no-previous, the previous period of the
same length, [start - days, start).  Sources come from the address blocks of
tests/scripts/fixtures/delegated-test-extended (JP, US, CN, NL, BG, CA, RU, ZA,
incl. non-power-of-two blocks) plus an unknown range (198.18.0.0/15).

The scenario (TSUBAME-like): 23/TCP leads; 8728/TCP jumps in from outside the
previous top 10; 37215/TCP is new; JP hosts scan 23/TCP with and without the
Mirai signature, their numbers changing day by day; on one day one sensor sees
a burst of 1900/UDP; a research scanner (104.16.200.0/24, listed in
fixtures/known-scanners.txt) probes every port.

As a module: make_quarter(out_dir, start_date, ...) -> answers (see its
docstring).  Exact counts are computed while writing, from the rows written.
"""
import argparse
import calendar
import collections
import datetime
import json
import os
import random
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
RIR_FIXTURE = os.path.join(FIXTURES, "delegated-test-extended")
KNOWN_SCANNERS_FIXTURE = os.path.join(FIXTURES, "known-scanners.txt")
REGION_SPEC = ["rir:" + RIR_FIXTURE]

# The C writer's column lists and protocol order (generated from the C code).
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
try:
    from darkscope_lib.series_columns import COLUMNS, PROTOS
finally:
    sys.path.pop(0)

DAY = 86400
HOUR = 3600
PROTO_ORDER = {p: i for i, p in enumerate(PROTOS)}

FLOWS_COLUMNS = "\t".join(COLUMNS["flows"])
PORTS_COLUMNS = "\t".join(COLUMNS["ports"])
SENSOR_COLUMNS = "\t".join(COLUMNS["sensor"])

# /24 pools per country, inside the fixture's blocks (third octet varies).
POOLS = {
    "US": ["104.16.%d.0" % i for i in range(1, 40)] + ["23.0.%d.0" % i for i in range(6)],
    "BG": ["95.42.%d.0" % i for i in range(1, 40)],
    "CN": ["223.64.%d.0" % i for i in range(1, 40)] + ["60.32.3.0"],
    "NL": ["185.100.%d.0" % i for i in range(84, 88)],
    "CA": ["142.0.%d.0" % i for i in range(1, 40)],
    "RU": ["5.188.%d.0" % i for i in range(8, 13)],
    "JP": ["126.0.%d.0" % i for i in range(100, 140)],
    "ZA": ["41.0.%d.0" % i for i in range(1, 40)],
    None: ["198.18.%d.0" % i for i in range(1, 40)],       # not in the fixture: unknown
}
JP_MIRAI_NETS = ["126.0.%d.0" % i for i in range(1, 9)]     # JP hosts with the Mirai signature
JP_PLAIN_NETS = ["60.32.0.0", "60.32.1.0", "60.32.2.0"]    # JP hosts without (768-address block)
SCANNER_NET = "104.16.200.0"
SCANNER_NAME = "synthetic-research-scanner"
SCANNER_HOSTS = (7, 8)
SPIKE_PORT = ("udp", 1900)
MIRAI_PORTS = {("tcp", 23), ("tcp", 2323), ("tcp", 37215)}
MIRAI_CCS = {"CN", "ZA", "RU"}

# Packets per interval per sensor (before the daily factor), per period.
CURRENT_PORTS = [
    (("tcp", 23), 600), (("tcp", 8728), 450), (("tcp", 80), 400), (("tcp", 37215), 350),
    (("tcp", 443), 300), (("icmp", 8), 240), (("tcp", 22), 200), (("tcp", 445), 180),
    (("tcp", 3389), 140), (("udp", 53), 100), (("tcp", 5555), 80), (("tcp", 6379), 60),
    (("udp", 123), 50), (("tcp", 2323), 40), (("udp", 1900), 30), (("udp", 5060), 20),
]
PREVIOUS_PORTS = [
    (("tcp", 23), 550), (("tcp", 80), 420), (("tcp", 445), 380), (("tcp", 22), 330),
    (("tcp", 443), 290), (("icmp", 8), 250), (("tcp", 3389), 210), (("udp", 53), 170),
    (("tcp", 5555), 150), (("tcp", 6379), 130), (("udp", 123), 110), (("udp", 1900), 90),
    (("tcp", 8728), 70), (("tcp", 2323), 50), (("udp", 5060), 30), (("icmp", 0), 20),
]
# Share of each port's packets by source country (percent; None = unknown).
CURRENT_MIX = [("US", 30), ("BG", 20), ("CN", 17), ("NL", 13), ("CA", 8), ("RU", 5),
               ("ZA", 2), ("JP", 1), (None, 4)]
PREVIOUS_MIX = [("US", 28), ("CN", 22), ("RU", 15), ("NL", 12), ("BG", 9), ("CA", 6),
                ("ZA", 3), ("JP", 1), (None, 4)]


def port_key_str(key):
    """("tcp", 23) -> "23/tcp" (JSON keys)."""
    return f"{key[1]}/{key[0]}"


def _label(key):
    try:
        sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
        from darkscope_lib.services import port_label
        return port_label(*key)
    except ImportError:
        return f"{key[1]}/{key[0].upper()}"
    finally:
        sys.path.pop(0)


def _iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date_of(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%d")


def _hosts_text(hosts):
    return "[" + ",".join(map(str, hosts)) + "]"


def _jp_counts(period, d, days):
    """(Mirai, non-Mirai) JP hosts on 23/TCP on day d of the period."""
    if period == "current":
        mirai = 30 - (d * 10) // max(days, 1)
        plain = 5 + d % 3 + (8 if days and 0.6 <= d / days < 0.8 else 0)
    else:
        mirai = 35 - (d * 5) // max(days, 1)
        plain = 4 + d % 2
    return mirai, plain


class _Plan:
    """Rows of one (period, day, sensor, slot variant): flows rows as
    (proto, dport, net, packets, syn, mirai, hosts, mirai_hosts, cc, scanner)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.static_hosts = {}

    def hosts_for(self, key):
        h = self.static_hosts.get(key)
        if h is None:
            k = 1 + self.rng.randrange(4)
            h = tuple(sorted(self.rng.sample(range(1, 255), k)))
            self.static_hosts[key] = h
        return h

    def rows(self, period, d, days, s, sensor_count, variant, spike):
        ports = CURRENT_PORTS if period == "current" else PREVIOUS_PORTS
        mix = CURRENT_MIX if period == "current" else PREVIOUS_MIX
        out = []
        for i, (key, weight) in enumerate(ports):
            proto, dport = key
            # Daily factor 1.0..1.4 and a per-sensor factor 1.0..2.2 (tenths).
            day_f = 10 + (d * (i + 3) + i) % 5
            sensor_f = 10 + 4 * ((i + 3 * s) % 4)
            total = weight * day_f * sensor_f // 100
            for j, (cc, pct) in enumerate(mix):
                pk = total * pct // 100
                if pk <= 0:
                    continue
                nrows = 1 + (pk >= 60) + (pk >= 150)
                for r in range(nrows):
                    rp = pk // nrows + (1 if r < pk % nrows else 0)
                    if rp <= 0:
                        continue
                    pool = POOLS[cc]
                    net = pool[(i * 7 + r * 3 + j) % len(pool)]
                    hosts = self.hosts_for((period, key, net))
                    if proto == "tcp":
                        syn = rp - rp // 10
                        mir = syn if (key in MIRAI_PORTS and cc in MIRAI_CCS) else 0
                    else:
                        syn = mir = 0
                    out.append((proto, dport, net, rp, syn, mir, hosts,
                                hosts if mir else (), cc, False))
            # The research scanner: 5 SYNs per port per interval from two hosts.
            if proto == "tcp":
                out.append((proto, dport, SCANNER_NET, 5, 5, 0, SCANNER_HOSTS, (), "US", True))
            else:
                out.append((proto, dport, SCANNER_NET, 5, 0, 0, SCANNER_HOSTS, (), "US", True))
        # JP hosts on 23/TCP: Mirai ones (2 SYNs each) and plain ones (3 SYNs
        # each); a host shows in two of every three slots, so a day's distinct
        # count is far below the sum of per-row counts.
        m, p = _jp_counts(period, d, days)
        per_net = collections.defaultdict(lambda: ([], []))
        for j in range(m):
            if (j + variant) % 3 != 0:
                net = JP_MIRAI_NETS[j % len(JP_MIRAI_NETS)]
                per_net[net][0].append(10 + j // len(JP_MIRAI_NETS))
        for j in range(p):
            if (j + variant) % 3 != 0:
                net = JP_PLAIN_NETS[j % len(JP_PLAIN_NETS)]
                per_net[net][1].append(20 + j // len(JP_PLAIN_NETS))
        for net, (mh, ph) in per_net.items():
            hosts = tuple(sorted(mh + ph))
            pk = 2 * len(mh) + 3 * len(ph)
            out.append(("tcp", 23, net, pk, pk, 2 * len(mh), hosts, tuple(sorted(mh)), "JP",
                        False))
        if spike:
            # 1900/UDP (SSDP) burst: 20 sources, 100 packets each per interval.
            for j in range(20):
                cc = ("US", "CN", None, "NL")[j % 4]
                pool = POOLS[cc]
                net = pool[(j * 5 + 11) % len(pool)]
                out.append(("udp", 1900, net, 100, 0, 0, (50 + j, 51 + j), (), cc, False))
        # Merge rows of the same (proto, dport, net), as the sensor's map does.
        merged = {}
        for row in out:
            k = (row[0], row[1], row[2])
            if k in merged:
                o = merged[k]
                merged[k] = (o[0], o[1], o[2], o[3] + row[3], o[4] + row[4], o[5] + row[5],
                             tuple(sorted(set(o[6]) | set(row[6]))),
                             tuple(sorted(set(o[7]) | set(row[7]))), o[8], o[9] or row[9])
            else:
                merged[k] = row
        rows = list(merged.values())
        rows.sort(key=lambda r: (PROTO_ORDER[r[0]], r[1],
                                 tuple(int(x) for x in r[2].split("."))))
        return rows


def _add_counts(accs, counts):
    """Add (packets, syn, mirai) into each [packets, syn, mirai] list of accs."""
    for acc in accs:
        for i, v in enumerate(counts):
            acc[i] += v


def _sensor_line(values):
    """A sensor row: values by column name, 0 for the columns not given."""
    return "\t".join(str(values.get(c, 0)) for c in COLUMNS["sensor"]) + "\n"


def _gzip(text):
    """One complete gzip member."""
    return zlib.compress(text.encode(), 1, 31)


def _header(series, columns, sensor, interval, started):
    return (f"# darkscope-series: {series} 1\n# sensor: {sensor}\n# iface: eth1\n"
            f"# interval: {interval}\n# version: 0.1.0\n# started: {_iso(started)}\n"
            f"{columns}\n")


class _Acc:
    """Exact aggregates of one period."""

    def __init__(self):
        z = lambda: [0, 0, 0]  # noqa: E731  packets, syn, mirai
        self.port = collections.defaultdict(z)
        self.port_x = collections.defaultdict(z)           # excluding the scanner
        self.port_hosts = collections.defaultdict(lambda: collections.defaultdict(set))
        self.port_mhosts = collections.defaultdict(lambda: collections.defaultdict(set))
        self.region = collections.defaultdict(z)
        self.region_x = collections.defaultdict(z)
        self.region_hosts = collections.defaultdict(lambda: collections.defaultdict(set))
        self.region_mhosts = collections.defaultdict(lambda: collections.defaultdict(set))
        self.daily_port = collections.defaultdict(collections.Counter)
        self.daily_region = collections.defaultdict(collections.Counter)
        self.sensor_daily_port = collections.defaultdict(
            lambda: collections.defaultdict(collections.Counter))
        self.sensor_port = collections.defaultdict(collections.Counter)
        self.sensor_packets = collections.Counter()
        self.daily_total = collections.Counter()
        self.jp23 = collections.defaultdict(lambda: (collections.defaultdict(set),
                                                     collections.defaultdict(set)))
        self.scanner = [0, 0, 0]
        self.scanner_ports = collections.Counter()

    def add(self, rows, times, date, sensor):
        for proto, dport, net, pk, syn, mir, hosts, mhosts, cc, scanner in rows:
            key = (proto, dport)
            counts = (pk * times, syn * times, mir * times)
            P = counts[0]
            _add_counts((self.port[key],) + (() if scanner else (self.port_x[key],)), counts)
            self.port_hosts[key][net].update(hosts)
            self.port_mhosts[key][net].update(mhosts)
            rk = cc if cc is not None else "unknown"
            _add_counts((self.region[rk],) + (() if scanner else (self.region_x[rk],)), counts)
            self.region_hosts[rk][net].update(hosts)
            self.region_mhosts[rk][net].update(mhosts)
            self.daily_port[key][date] += P
            self.daily_region[rk][date] += P
            self.sensor_daily_port[sensor][key][date] += P
            self.sensor_port[sensor][key] += P
            self.sensor_packets[sensor] += P
            self.daily_total[date] += P
            if scanner:
                _add_counts((self.scanner,), counts)
                self.scanner_ports[key] += P
            if cc == "JP" and key == ("tcp", 23):
                allh, mh = self.jp23[date]
                allh[net].update(hosts)
                mh[net].update(mhosts)


def _count(nets):
    return sum(len(h) for h in nets.values())


def _totals(v, **more):
    """[packets, syn, mirai] (and more) as an answers dict."""
    return dict(packets=v[0], syn=v[1], mirai=v[2], **more)


def _by_date(counter, dates):
    """{date: count} for every date, 0 where there is none."""
    return {d: counter.get(d, 0) for d in dates}


def _rank_ports(d):
    return sorted(d, key=lambda k: (-d[k][0], k[1], PROTO_ORDER[k[0]]))


def _rank_regions(d):
    return sorted((k for k in d if k != "unknown"), key=lambda k: (-d[k][0], k))


def _prev_display(rank):
    if rank is None:
        return "new"
    return rank if rank <= 10 else "out of top 10"


def _period_answers(acc, dates, t_from, t_to, prev=None, top=10):
    total = sum(v[0] for v in acc.port.values())
    ranking = _rank_ports(acc.port)
    prev_rank = {k: i + 1 for i, k in enumerate(prev["port_ranking"])} if prev else {}
    ports = {k: _totals(v, sources=_count(acc.port_hosts[k]),
                        mirai_sources=_count(acc.port_mhosts[k])) for k, v in acc.port.items()}
    top_ports = []
    for i, k in enumerate(ranking[:top]):
        pr = prev_rank.get(k) if prev else None
        top_ports.append(dict(rank=i + 1, proto=k[0], dport=k[1], label=_label(k),
                              share=ports[k]["packets"] / total if total else 0.0,
                              prev_rank=pr, prev=_prev_display(pr) if prev else None,
                              **ports[k]))
    regions = {k: _totals(v, sources=_count(acc.region_hosts[k]),
                          mirai_sources=_count(acc.region_mhosts[k]))
               for k, v in acc.region.items()}
    unknown = regions.pop("unknown", {"packets": 0, "syn": 0, "mirai": 0, "sources": 0,
                                      "mirai_sources": 0})
    rranking = _rank_regions(acc.region)
    prev_rrank = {k: i + 1 for i, k in enumerate(prev["region_ranking"])} if prev else {}
    top_regions = []
    for i, cc in enumerate(rranking[:top]):
        pr = prev_rrank.get(cc) if prev else None
        top_regions.append(dict(rank=i + 1, cc=cc,
                                share=regions[cc]["packets"] / total if total else 0.0,
                                prev_rank=pr, prev=_prev_display(pr) if prev else None,
                                **regions[cc]))
    ports_x = {k: _totals(v) for k, v in acc.port_x.items()}
    regions_x = {k: _totals(v) for k, v in acc.region_x.items() if k != "unknown"}
    jp = {}
    for date in dates:
        allh, mh = acc.jp23.get(date, ({}, {}))
        n_all = _count(allh)
        n_m = _count(mh)
        jp[date] = {"mirai": n_m, "non_mirai": n_all - n_m, "all": n_all}
    sensor_top = {}
    for s, c in acc.sensor_port.items():
        order = sorted(c, key=lambda k: (-c[k], k[1], PROTO_ORDER[k[0]]))
        sensor_top[s] = [(k, c[k]) for k in order[:top]]
    return {
        "from": dates[0], "to": dates[-1], "t_from": t_from, "t_to": t_to, "dates": list(dates),
        "total_packets": total,
        "ports": ports,
        "port_ranking": ranking,
        "top_ports": top_ports,
        "daily_port_packets": {k: _by_date(acc.daily_port[k], dates) for k in acc.port},
        "daily_packets": _by_date(acc.daily_total, dates),
        "regions": regions,
        "unknown": unknown,
        "region_ranking": rranking,
        "top_regions": top_regions,
        "daily_region_packets": {k: _by_date(acc.daily_region[k], dates) for k in acc.region},
        "jp_telnet_daily": jp,
        "mirai_sources_by_region": {k: _count(acc.region_mhosts[k]) for k in acc.region
                                    if _count(acc.region_mhosts[k])},
        "sensor_packets": dict(acc.sensor_packets),
        "sensor_top_ports": sensor_top,
        "sensor_daily_port_packets": {s: {k: _by_date(c, dates) for k, c in per.items()}
                                      for s, per in acc.sensor_daily_port.items()},
        "known_scanner": {"cidr": SCANNER_NET + "/24", "name": SCANNER_NAME,
                          "packets": acc.scanner[0], "syn": acc.scanner[1],
                          "mirai": acc.scanner[2], "sources": len(SCANNER_HOSTS),
                          "ports": dict(acc.scanner_ports)},
        "ports_excluding_known": ports_x,
        "port_ranking_excluding_known": _rank_ports(acc.port_x),
        "regions_excluding_known": regions_x,
        "region_ranking_excluding_known": _rank_regions(acc.region_x),
    }


def _parse_date(d):
    if isinstance(d, datetime.datetime):
        d = d.date()
    if isinstance(d, str):
        d = datetime.date.fromisoformat(d)
    return d


def _write_period(out_dir, period, t0, days, sensors, interval, plan, spike_day, acc):
    """Write [t0, t0 + days) for every sensor; accumulate answers in acc."""
    dates = [_date_of(t0 + i * DAY) for i in range(days)]
    t_end = t0 + days * DAY
    first_slot = -(-t0 // interval) * interval
    for s, sensor in enumerate(sensors):
        sdir = os.path.join(out_dir, sensor)
        os.makedirs(sdir, exist_ok=True)
        open_hour = None
        buf = {"flows": [], "ports": [], "sensor": []}
        templates = {}
        headers = {}

        def flush(hour):
            stamp = datetime.datetime.fromtimestamp(hour, datetime.timezone.utc)
            name = stamp.strftime("%Y-%m-%dT%H")
            for series, cols in (("flows", FLOWS_COLUMNS), ("ports", PORTS_COLUMNS),
                                 ("sensor", SENSOR_COLUMNS)):
                members = buf[series]
                if not members:
                    continue
                # A header member opens every file; `started` is when this
                # (simulated) daemon attached: the period's start.
                head = headers.get(series)
                if head is None:
                    head = headers[series] = _gzip(_header(series, cols, sensor, interval,
                                                           t0 + 5))
                with open(os.path.join(sdir, f"{series}-{name}.tsv.gz"), "wb") as f:
                    f.write(head + b"".join(members))
                buf[series] = []

        ts = first_slot
        while ts < t_end:
            hour = ts - ts % HOUR
            if open_hour is not None and hour != open_hour:
                flush(open_hour)
            open_hour = hour
            d = (ts - t0) // DAY
            slot = (ts - (t0 + d * DAY)) // interval
            variant = slot % 3
            spike = spike_day is not None and d == spike_day and s == len(sensors) - 1
            tkey = (d, variant, spike)
            tpl = templates.get(tkey)
            if tpl is None:
                rows = plan.rows(period, d, days, s, len(sensors), variant, spike)
                tails = [f"{r[0]}\t{r[1]}\t{r[2]}/24\t{r[3]}\t{r[4]}\t{r[5]}\t{len(r[6])}\t"
                         f"{len(r[7])}\t{_hosts_text(r[6])}\t{_hosts_text(r[7])}" for r in rows]
                pt = collections.defaultdict(lambda: [0, 0, 0])
                for r in rows:
                    _add_counts((pt[(r[0], r[1])],), r[3:6])
                order = sorted(pt, key=lambda k: (PROTO_ORDER[k[0]], k[1]))
                ptails = [f"{k[0]}\t{k[1]}\t{pt[k][0]}\t{pt[k][1]}\t{pt[k][2]}" for k in order]
                counted = sum(v[0] for v in pt.values())
                tpl = templates[tkey] = (rows, tails, ptails, counted, [0])
                # Each template's rows are added to the answers once per use,
                # at the end (times = number of slots it was written for).
            rows, tails, ptails, counted, uses = tpl
            uses[0] += 1
            tss = str(ts)
            sep = "\n" + tss + "\t"
            buf["flows"].append(_gzip(tss + "\t" + sep.join(tails) + "\n"))
            buf["ports"].append(_gzip(tss + "\t" + sep.join(ptails) + "\n"))
            non_ip, ipv6 = 3, 1
            buf["sensor"].append(_gzip(_sensor_line({
                "ts": ts, "start_ms": ts * 1000 + 2, "end_ms": (ts + interval) * 1000 + 1,
                "frames": counted + non_ip + ipv6, "counted": counted, "non_ip": non_ip,
                "ipv6": ipv6, "keys": len(rows), "max_keys": 262144, "drain_ms": "0.125",
                "write_ms": "1.500"})))
            ts += interval
        if open_hour is not None:
            flush(open_hour)
        for (d, variant, spike), (rows, _, _, _, uses) in templates.items():
            acc.add(rows, uses[0], dates[d], sensor)
    return dates


def make_quarter(out_dir, start_date, days=90, sensors=("tokyo-1", "osaka-1"), interval=3600,
                 seed=1, previous=True):
    """Write a synthetic period (and the one before it) and return its answers.

    out_dir: created if missing; one directory per sensor inside it.
    start_date: first day of the current period (date or "YYYY-MM-DD", UTC).
    days: period length; the current period is [start, start + days), the
    previous one (written when previous=True) [start - days, start).
    interval: seconds per interval (3600: one data member per hourly file).

    Port keys are tuples ("tcp", 23); regions are country codes, with
    sources outside the fixture's blocks counted as "unknown", never ranked.
    Rankings: packets descending, ties by port number then tcp < udp < icmp,
    or by country code.  "sources" = distinct source addresses (union of host
    lists per /24 over the period, all sensors).

    answers = {
      "out_dir", "sensors" (tuple), "interval", "days", "seed",
      "region_db": ["rir:<fixtures/delegated-test-extended>"] (the matching --region-db),
      "known_scanners_file": fixtures/known-scanners.txt,
      "current": PERIOD, "previous": PERIOD or None,
      "spike": {"sensor", "date", "proto": "udp", "dport": 1900, "label",
                "packets" (that day, all sensors), "by_sensor" {sensor: packets that day},
                "previous_day_packets" (all sensors), "sensor_share" (spike sensor's
                share of that day's packets)} or None when days < 2,
      "jp_telnet_daily": current["jp_telnet_daily"],
      "top_ports": current["top_ports"], "top_regions": current["top_regions"],
      "entered_top10": current top-10 port keys whose previous rank was > 10 or none,
    }
    PERIOD = {
      "from", "to": first and last date (inclusive), "t_from", "t_to" (unix, to exclusive),
      "dates": [YYYY-MM-DD...], "total_packets",
      "ports": {port: {"packets", "syn", "mirai", "sources", "mirai_sources"}} (all ports),
      "port_ranking": [port...] (all ports, ranked),
      "top_ports": [{"rank", "proto", "dport", "label" ("telnet(23/TCP)"), "packets", "syn",
                     "mirai", "sources", "mirai_sources", "share" (of total_packets),
                     "prev_rank" (int or None), "prev" (int <= 10, "out of top 10" or
                     "new"; None for the previous period itself)}] (top 10),
      "daily_port_packets": {port: {date: packets}}, "daily_packets": {date: packets},
      "regions": {cc: {"packets", "syn", "mirai", "sources", "mirai_sources"}} (known only),
      "unknown": {same keys} (sources not in the region db),
      "region_ranking": [cc...], "top_regions": [{"rank", "cc", ..., "share", "prev_rank",
                     "prev"}] (top 10),
      "daily_region_packets": {cc or "unknown": {date: packets}},
      "jp_telnet_daily": {date: {"mirai", "non_mirai", "all"}} distinct JP sources to
                     23/TCP per day; mirai = hosts in mirai_hosts, non_mirai = the others,
      "mirai_sources_by_region": {cc or "unknown": distinct hosts with a Mirai SYN, all ports},
      "sensor_packets": {sensor: packets},
      "sensor_top_ports": {sensor: [(port, packets)...]} (top 10),
      "sensor_daily_port_packets": {sensor: {port: {date: packets}}},
      "known_scanner": {"cidr", "name", "packets", "syn", "mirai", "sources", "ports": {port:
                     packets}},
      "ports_excluding_known": {port: {"packets", "syn", "mirai"}},
      "port_ranking_excluding_known": [port...],
      "regions_excluding_known": {cc: {...}}, "region_ranking_excluding_known": [cc...],
    }
    """
    start = _parse_date(start_date)
    if days < 1:
        raise ValueError("days must be >= 1")
    if interval < 1 or interval > DAY:
        raise ValueError("interval must be 1..86400")
    t_cur = calendar.timegm(start.timetuple())
    t_prev = t_cur - days * DAY
    sensors = tuple(sensors)
    os.makedirs(out_dir, exist_ok=True)
    plan = _Plan(seed)
    spike_day = days // 2 if days >= 2 else None
    prev_answers = None
    if previous:
        acc_p = _Acc()
        dates_p = _write_period(out_dir, "previous", t_prev, days, sensors, interval, plan, None,
                                acc_p)
        prev_answers = _period_answers(acc_p, dates_p, t_prev, t_cur)
    acc = _Acc()
    dates = _write_period(out_dir, "current", t_cur, days, sensors, interval, plan, spike_day,
                          acc)
    cur = _period_answers(acc, dates, t_cur, t_cur + days * DAY, prev_answers)
    spike = None
    if spike_day is not None:
        date = dates[spike_day]
        daily = cur["daily_port_packets"][SPIKE_PORT]
        by_sensor = {s: acc.sensor_daily_port[s][SPIKE_PORT].get(date, 0) for s in sensors}
        day_total = sum(by_sensor.values())
        spike = {"sensor": sensors[-1], "date": date, "proto": SPIKE_PORT[0],
                 "dport": SPIKE_PORT[1], "label": _label(SPIKE_PORT), "packets": day_total,
                 "by_sensor": by_sensor,
                 "previous_day_packets": daily[dates[spike_day - 1]],
                 "sensor_share": by_sensor[sensors[-1]] / day_total if day_total else 0.0}
    entered = []
    if prev_answers:
        prank = {k: i + 1 for i, k in enumerate(prev_answers["port_ranking"])}
        entered = [k for k in cur["port_ranking"][:10] if prank.get(k, 10 ** 9) > 10]
    return {
        "out_dir": os.path.abspath(out_dir), "sensors": sensors, "interval": interval,
        "days": days, "seed": seed,
        "region_db": list(REGION_SPEC), "known_scanners_file": KNOWN_SCANNERS_FIXTURE,
        "current": cur, "previous": prev_answers, "spike": spike,
        "jp_telnet_daily": cur["jp_telnet_daily"], "top_ports": cur["top_ports"],
        "top_regions": cur["top_regions"], "entered_top10": entered,
    }


def answers_to_json(obj):
    """answers with tuple keys/values made JSON-friendly ("23/tcp")."""
    if isinstance(obj, dict):
        return {(port_key_str(k) if isinstance(k, tuple) else str(k) if k is not None
                 else "unknown"): answers_to_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        if len(obj) == 2 and isinstance(obj[0], str) and obj[0] in PROTO_ORDER \
                and isinstance(obj[1], int):
            return port_key_str(obj)
        return [answers_to_json(v) for v in obj]
    return obj


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write a synthetic telescope quarter (two periods) in darkscope's series "
                    "format, with known answers.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  synth_quarter.py /tmp/q                     # 2026-04-01 + 90 days, and the "
               "90 before\n"
               "  synth_quarter.py --days 14 --interval 60 --answers /tmp/a.json /tmp/q\n"
               "  scripts/darkscope-series --by proto,dport --region-db "
               "rir:tests/scripts/fixtures/delegated-test-extended /tmp/q\n")
    ap.add_argument("out_dir")
    ap.add_argument("--start", default="2026-04-01", help="first day (UTC) of the current period")
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--sensors", default="tokyo-1,osaka-1", help="comma-separated names")
    ap.add_argument("--interval", type=int, default=3600, help="seconds per interval")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-previous", action="store_true", help="write the current period only")
    ap.add_argument("--answers", help="write the answers as JSON to this file")
    a = ap.parse_args(argv)
    answers = make_quarter(a.out_dir, a.start, a.days, tuple(a.sensors.split(",")), a.interval,
                           a.seed, not a.no_previous)
    if a.answers:
        with open(a.answers, "w") as f:
            json.dump(answers_to_json(answers), f, indent=1, sort_keys=True)
    top = answers["current"]["top_ports"][:5]
    print("top ports:", ", ".join(f"{p['label']} {p['packets']}" for p in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
