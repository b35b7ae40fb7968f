#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""json_check.py - small assertions on the JSON the end-to-end tests handle.

usage: json_check.py composition SENT.json --sent N --mirai-share LOW HIGH
       json_check.py counted-min EXPECT.json N
       json_check.py mirai-total EXPECT.json N
       json_check.py port EXPECT.json KEY FIELD N
       json_check.py sum FIELD < ROWS.jsonl

composition: `darkscope gen --expect` sent exactly N frames, and the Mirai
share of its SYNs lies strictly between LOW and HIGH.  counted-min: an
expectation (pcap_expect.py) counts at least N frames.  mirai-total: its
flows hold exactly N Mirai SYNs.  port: its port KEY ("udp/1900") has
FIELD ("packets", "syn", "mirai") equal to N.  sum: prints the sum of
FIELD over JSON lines (`darkscope read --json`) on stdin.  The checks exit
0 when they hold, otherwise with a message saying what was found.
"""
import argparse
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def composition(args):
    """The generator's own report: frames sent and its Mirai share."""
    d = load(args.file)
    ports = d["ports"].values()
    mirai, syn = sum(v["mirai"] for v in ports), sum(v["syn"] for v in ports)
    if d["sent"] == args.sent and args.mirai_share[0] < mirai / syn < args.mirai_share[1]:
        return 0
    return "composition off: %d sent, %d/%d Mirai" % (d["sent"], mirai, syn)


def counted_min(args):
    counted = load(args.file)["counters"]["counted"]
    if counted >= args.n:
        return 0
    return "%d frames counted in the capture, expected >= %d" % (counted, args.n)


def mirai_total(args):
    mirai = sum(v["mirai"] for v in load(args.file)["flows"].values())
    if mirai == args.n:
        return 0
    return "%d Mirai SYNs in the capture, expected %d" % (mirai, args.n)


def port(args):
    ports = load(args.file)["ports"]
    if ports.get(args.key, {}).get(args.field) == args.n:
        return 0
    return "%s %s: want %d, the capture has %s" % (args.key, args.field, args.n, ports)


def total(args):
    print(sum(json.loads(line)[args.field] for line in sys.stdin))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("composition")
    p.add_argument("file")
    p.add_argument("--sent", type=int, required=True)
    p.add_argument("--mirai-share", type=float, nargs=2, required=True)
    p.set_defaults(fn=composition)
    for name, fn in (("counted-min", counted_min), ("mirai-total", mirai_total)):
        p = sub.add_parser(name)
        p.add_argument("file")
        p.add_argument("n", type=int)
        p.set_defaults(fn=fn)
    p = sub.add_parser("port")
    p.add_argument("file")
    p.add_argument("key")
    p.add_argument("field")
    p.add_argument("n", type=int)
    p.set_defaults(fn=port)
    p = sub.add_parser("sum")
    p.add_argument("field")
    p.set_defaults(fn=total)
    args = ap.parse_args()
    sys.exit(args.fn(args))


if __name__ == "__main__":
    main()
