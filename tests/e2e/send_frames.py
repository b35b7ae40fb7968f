#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""send_frames.py - send scan-like frames of known composition out of an
interface (AF_PACKET) and write what the sensor must count as JSON.

usage: send_frames.py -i IFACE --dst-mac MAC --count N [--bad N] [--spread SECONDS]
                      [--seed S] --expect OUT.json [--frames-out FRAMES.hex]

--spread paces the frames evenly over that many seconds, so they fall into
several intervals of a sensor running with a short --interval.
--frames-out writes each frame sent, in order, as one line of hex (for
byte-for-byte comparison with a capture).
"""
import argparse
import socket
import time

from frames import Expectation, FrameMaker, tx_dropped, write_sent


def mac_bytes(s):
    return bytes(int(x, 16) for x in s.split(":"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--dst-ip", default="198.51.100.7")
    ap.add_argument("--count", type=int, default=1000, help="counted frames")
    ap.add_argument("--bad", type=int, default=0, help="malformed/non-IP frames")
    ap.add_argument("--spread", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nets", type=int, default=64, help="distinct source /24s")
    ap.add_argument("--no-vlan", action="store_true", help="no VLAN-tagged frames")
    ap.add_argument("--expect", required=True)
    ap.add_argument("--frames-out", help="write the frames sent, one hex line each")
    args = ap.parse_args()

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((args.iface, 0))
    src_mac = open("/sys/class/net/%s/address" % args.iface).read().strip()
    maker = FrameMaker(mac_bytes(args.dst_mac), mac_bytes(src_mac),
                       int.from_bytes(socket.inet_aton(args.dst_ip), "big"), args.seed, args.nets, not args.no_vlan)
    exp = Expectation()
    kinds = [True] * args.count + [False] * args.bad
    maker.rng.shuffle(kinds)
    frames = [maker.good(exp) if good else maker.bad(exp) for good in kinds]

    dropped_before = tx_dropped(args.iface)
    start = time.monotonic()
    for i, frame in enumerate(frames):
        if args.spread and i % 100 == 0:
            due = start + args.spread * i / len(frames)
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        sock.send(frame)
    write_sent(args.expect, exp, frames, tx_dropped(args.iface) - dropped_before,
               args.frames_out)


if __name__ == "__main__":
    main()
