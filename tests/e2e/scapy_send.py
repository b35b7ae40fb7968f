#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""scapy_send.py - frames built by scapy, and what the sensor must count.

usage: scapy_send.py DST_MAC OUT.json

Sends out of gen0, with scapy's sendp(): 100 Mirai-style SYNs to 23/TCP
(seq = the destination address), 50 VLAN-tagged SYNs to 37215, 30 SSDP
datagrams to 1900/UDP and 20 ICMP echo requests, each from its own host;
then writes the expectation in check_series.py's format.  Needs
python3-scapy (test_scapy in run_e2e.sh skips without it).
"""
import json
import sys

from scapy.all import Ether, Dot1Q, IP, TCP, UDP, ICMP, Raw, sendp, conf

DST = "198.51.100.7"


def flow(packets, syn, mirai, hosts, mirai_hosts):
    return {"packets": packets, "syn": syn, "mirai": mirai,
            "src_hosts": list(hosts), "mirai_hosts": list(mirai_hosts)}


def main():
    conf.verb = 0
    mac, out = sys.argv[1], sys.argv[2]
    dst_int = int.from_bytes(bytes(int(x) for x in DST.split(".")), "big")
    frames = []
    for h in range(1, 101):
        frames.append(Ether(dst=mac) / IP(src="203.0.113.%d" % h, dst=DST) /
                      TCP(dport=23, flags="S", seq=dst_int))
    for h in range(1, 51):
        frames.append(Ether(dst=mac) / Dot1Q(vlan=7) / IP(src="192.0.2.%d" % h, dst=DST) /
                      TCP(dport=37215, flags="S"))
    for h in range(1, 31):
        frames.append(Ether(dst=mac) / IP(src="192.0.2.%d" % h, dst=DST) / UDP(dport=1900) /
                      Raw(b"M-SEARCH * HTTP/1.1\r\n\r\n"))
    for h in range(1, 21):
        frames.append(Ether(dst=mac) / IP(src="203.0.113.%d" % h, dst=DST) / ICMP(type=8))
    sendp(frames, iface="gen0")
    exp = {
        "flows": {
            "tcp/23/203.0.113.0/24": flow(100, 100, 100, range(1, 101), range(1, 101)),
            "tcp/37215/192.0.2.0/24": flow(50, 50, 0, range(1, 51), []),
            "udp/1900/192.0.2.0/24": flow(30, 0, 0, range(1, 31), []),
            "icmp/8/203.0.113.0/24": flow(20, 0, 0, range(1, 21), []),
        },
        "ports": {"tcp/23": {"packets": 100, "syn": 100, "mirai": 100},
                  "tcp/37215": {"packets": 50, "syn": 50, "mirai": 0},
                  "udp/1900": {"packets": 30, "syn": 0, "mirai": 0},
                  "icmp/8": {"packets": 20, "syn": 0, "mirai": 0}},
        "counters": {"frames": 200, "counted": 200},
    }
    with open(out, "w") as f:
        json.dump(exp, f)


if __name__ == "__main__":
    main()
