#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""synth_telescope.py - series files at telescope density, for the ClickHouse bench.

usage: synth_telescope.py [--sensors N] [--hours H] [--rows R] [--interval S]
                          [--start T] [--seed N] OUT_DIR

Writes OUT_DIR/sensor-NN/{flows,ports,sensor}-YYYY-MM-DDTHH.tsv.gz in the real
file format (docs/FORMAT.md: a header member per file, then one member per
interval and series): R flows rows per interval (default 10^4 a minute),
skewed as a darknet sees it: a quarter of the rows on 16 popular ports, the
rest spread over every port (full-range sweeps), sources drawn from 2^17
/24s with one to three hosts each, a Mirai share on 23/TCP.  The ports and
sensor rows are the sums of those flows rows, so the series agree.  Prints
the rows written per series as JSON.

The numbers only have to be plausible for timing, not exact answers: the
report tests use tests/scripts/synth_quarter.py for that.
"""
import argparse
import json
import os
import random
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from darkscope_lib.series_columns import COLUMNS  # noqa: E402

POPULAR = [("tcp", p) for p in (23, 80, 443, 22, 8080, 445, 3389, 5555, 2323, 8443, 81,
                                1433)] + [("udp", p) for p in (53, 123, 1900, 5060)]
PROTO_ORDER = {"tcp": 0, "udp": 1, "icmp": 2}


def header(series, sensor, interval, started):
    return (f"# darkscope-series: {series} 1\n# sensor: {sensor}\n# iface: eth1\n"
            f"# interval: {interval}\n# version: 0.1.0\n"
            f"# started: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(started))}\n"
            + "\t".join(COLUMNS[series]) + "\n")


def gz(text):
    return zlib.compress(text.encode(), 1, 31)


def interval_rows(rng, ts, nrows, nets):
    """(flows text, ports text, totals) of one interval."""
    keys = set()
    while len(keys) < nrows:
        if rng.random() < 0.25:
            proto, port = POPULAR[int(rng.random() ** 2 * len(POPULAR))]
        else:
            proto = "tcp" if rng.random() < 0.8 else "udp"
            port = rng.randrange(65536)
        keys.add((PROTO_ORDER[proto], proto, port, nets[rng.randrange(len(nets))]))
    flows, ports = [], {}
    tot = [0, 0, 0]
    for _, proto, port, net in sorted(keys):
        hosts = sorted(rng.sample(range(256), rng.choice((1, 1, 1, 2, 3))))
        packets = len(hosts) * rng.choice((1, 1, 2, 3))
        syn = packets if proto == "tcp" else 0
        mirai_hosts = hosts if (proto, port) == ("tcp", 23) and net[0] % 3 == 0 else []
        mirai = packets if mirai_hosts else 0
        h = "[" + ",".join(map(str, hosts)) + "]"
        m = "[" + ",".join(map(str, mirai_hosts)) + "]"
        flows.append(f"{ts}\t{proto}\t{port}\t{net[1]}\t{packets}\t{syn}\t{mirai}\t"
                     f"{len(hosts)}\t{len(mirai_hosts)}\t{h}\t{m}\n")
        p = ports.setdefault((PROTO_ORDER[proto], proto, port), [0, 0, 0])
        p[0] += packets
        p[1] += syn
        p[2] += mirai
        tot[0] += packets
        tot[1] += syn
        tot[2] += mirai
    ptext = "".join(f"{ts}\t{proto}\t{port}\t{a}\t{b}\t{c}\n"
                    for (_, proto, port), (a, b, c) in sorted(ports.items()))
    return "".join(flows), ptext, tot, len(ports)


def sensor_row(ts, interval, counted, keys):
    v = {c: 0 for c in COLUMNS["sensor"]}
    v.update(ts=ts, start_ms=ts * 1000, end_ms=(ts + interval) * 1000, frames=counted,
             counted=counted, keys=keys, max_keys=1 << 21)
    return "\t".join(str(v[c]) for c in COLUMNS["sensor"]) + "\n"


def write(out, sensors, hours, nrows, interval, start, seed):
    rng = random.Random(seed)
    nets = [((i * 2654435761) % (1 << 24)) for i in range(1 << 17)]
    nets = [(n >> 16, f"{n >> 16}.{(n >> 8) & 255}.{n & 255}.0/24") for n in nets]
    counts = {"flows": 0, "ports": 0, "sensor": 0}
    for s in range(sensors):
        name = f"sensor-{s:02d}"
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for h in range(hours):
            hour = start + h * 3600
            stamp = time.strftime("%Y-%m-%dT%H", time.gmtime(hour))
            files = {series: open(os.path.join(d, f"{series}-{stamp}.tsv.gz"), "wb")
                     for series in ("flows", "ports", "sensor")}
            for series, f in files.items():
                f.write(gz(header(series, name, interval, start)))
            for ts in range(hour, hour + 3600, interval):
                ftext, ptext, tot, nports = interval_rows(rng, ts, nrows, nets)
                files["flows"].write(gz(ftext))
                files["ports"].write(gz(ptext))
                files["sensor"].write(gz(sensor_row(ts, interval, tot[0], nrows)))
                counts["flows"] += nrows
                counts["ports"] += nports
                counts["sensor"] += 1
            for f in files.values():
                f.close()
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sensors", type=int, default=1)
    ap.add_argument("--hours", type=int, default=1)
    ap.add_argument("--rows", type=int, default=10000, help="flows rows per interval")
    ap.add_argument("--interval", type=int, default=60)
    ap.add_argument("--start", type=int, default=1775001600, help="unix seconds (2026-04-01)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("out")
    a = ap.parse_args(argv)
    counts = write(a.out, a.sensors, a.hours, a.rows, a.interval, a.start, a.seed)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
