#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""check_series.py - compare what a darkscope run wrote with what was sent.

usage: check_series.py --darkscope BIN --expect SENT.json [--min-intervals N] DIR...

Reads DIR with `darkscope read --json` (flows, ports, sensor series) and
asserts exact equality, key by key: packets, SYNs, Mirai SYNs, source host
bitmaps, per-port totals and every sensor counter.  Exit 0 when all match;
otherwise prints each difference and exits 1.
"""
import argparse
import collections
import json
import subprocess
import sys

from frames import mask_of

COUNTERS = ("frames", "counted", "non_ip", "ipv6", "fragment", "other_proto", "bad_l2",
            "bad_ip_trunc", "bad_ip_version", "bad_ip_ihl", "bad_ip_len", "bad_l4_trunc",
            "map_full")


def read_rows(darkscope, series, paths):
    out = subprocess.run([darkscope, "read", "--json", "--series", series] + paths,
                         check=True, capture_output=True, text=True)
    if out.stderr:
        sys.stderr.write(out.stderr)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--darkscope", required=True)
    ap.add_argument("--expect", required=True, action="append",
                    help="JSON written by send_frames.py (repeatable: sums them)")
    ap.add_argument("--min-intervals", type=int, default=1,
                    help="distinct ts values the flow rows must span")
    ap.add_argument("--map-full", action="store_true",
                    help="the flow map overflowed: flow rows may miss frames, but each row "
                         "must be within what was sent and flows + map_full == counted")
    ap.add_argument("dirs", nargs="+", metavar="DIR")
    args = ap.parse_args()

    want_flows = collections.defaultdict(lambda: [0, 0, 0, 0, 0])
    want_ports = collections.defaultdict(lambda: [0, 0, 0])
    want_ctr = collections.Counter()
    for path in args.expect:
        with open(path) as f:
            exp = json.load(f)
        if exp.get("tx_dropped"):
            print("FAIL: the sending veth dropped %d frames: test traffic not delivered"
                  % exp["tx_dropped"])
            return 1
        for k, v in exp["flows"].items():
            w = want_flows[k]
            w[0] += v["packets"]; w[1] += v["syn"]; w[2] += v["mirai"]
            w[3] |= mask_of(v["src_hosts"]); w[4] |= mask_of(v["mirai_hosts"])
        for k, v in exp["ports"].items():
            w = want_ports[k]
            w[0] += v["packets"]; w[1] += v["syn"]; w[2] += v["mirai"]
        want_ctr.update(exp["counters"])

    got_flows = collections.defaultdict(lambda: [0, 0, 0, 0, 0])
    seen_keys_ts = set()
    flow_ts = set()
    problems = []
    for r in read_rows(args.darkscope, "flows", args.dirs):
        k = "%s/%d/%s" % (r["proto"], r["dport"], r["src"])
        if (k, r["ts"]) in seen_keys_ts:
            problems.append("key %s appears twice in interval %d" % (k, r["ts"]))
        seen_keys_ts.add((k, r["ts"]))
        flow_ts.add(r["ts"])
        g = got_flows[k]
        g[0] += r["packets"]; g[1] += r["syn"]; g[2] += r["mirai"]
        g[3] |= mask_of(r["src_hosts"]); g[4] |= mask_of(r["mirai_hosts"])
        if len(r["src_hosts"]) != r["srcs"] or len(r["mirai_hosts"]) != r["mirai_srcs"]:
            problems.append("row %s: srcs/mirai_srcs differ from the host lists" % k)
        if r["src_hosts"] != sorted(set(r["src_hosts"])):
            problems.append("row %s: host list not ascending and distinct" % k)
    got_ports = collections.defaultdict(lambda: [0, 0, 0])
    for r in read_rows(args.darkscope, "ports", args.dirs):
        g = got_ports["%s/%d" % (r["proto"], r["dport"])]
        g[0] += r["packets"]; g[1] += r["syn"]; g[2] += r["mirai"]
    got_ctr = collections.Counter()
    sensor_rows = read_rows(args.darkscope, "sensor", args.dirs)
    for r in sensor_rows:
        got_ctr.update({c: r[c] for c in COUNTERS})

    total = sum(v[0] for v in got_flows.values())
    if args.map_full:
        for k, g in got_flows.items():
            w = want_flows.get(k, [0] * 5)
            if any(g[i] > w[i] for i in range(3)) or g[3] & ~w[3] or g[4] & ~w[4]:
                problems.append("flow %s: wrote %s, more than sent %s" % (k, g, w))
        in_rows = sum(g[0] for g in got_flows.values())
        if in_rows + got_ctr["map_full"] != got_ctr["counted"]:
            problems.append("flow rows %d + map_full %d != counted %d"
                            % (in_rows, got_ctr["map_full"], got_ctr["counted"]))
        if not got_ctr["map_full"]:
            problems.append("map_full is 0: the map did not overflow")
        want_ctr["map_full"] = got_ctr["map_full"]
        want_flows = got_flows = {}
    for k in sorted(set(want_flows) | set(got_flows)):
        if want_flows.get(k) != got_flows.get(k):
            problems.append("flow %s: sent %s, sensor wrote %s" % (k, want_flows.get(k),
                                                                 got_flows.get(k)))
    for k in sorted(set(want_ports) | set(got_ports)):
        if want_ports.get(k) != got_ports.get(k):
            problems.append("port %s: sent %s, sensor wrote %s" % (k, want_ports.get(k),
                                                                 got_ports.get(k)))
    for c in COUNTERS:
        if want_ctr[c] != got_ctr[c]:
            problems.append("counter %s: sent %d, sensor wrote %d" % (c, want_ctr[c], got_ctr[c]))
    if len(flow_ts) < args.min_intervals:
        problems.append("flow rows span %d intervals, expected at least %d"
                        % (len(flow_ts), args.min_intervals))
    for p in problems[:50]:
        print("MISMATCH:", p)
    print("check: %d frames sent, %d in flow rows over %d intervals, %d sensor rows, %d problems"
          % (want_ctr["frames"], total, len(flow_ts), len(sensor_rows), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
