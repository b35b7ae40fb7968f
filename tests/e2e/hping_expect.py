#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""hping_expect.py - what the sensor must count for test_hping3's fixed part.

usage: hping_expect.py OUT.json

test_hping3 (run_e2e.sh) sends, from host .1 of 198.51.100.0/24, 300 SYNs
to 23/TCP and 200 UDP datagrams to 53; this writes that expectation in
check_series.py's format.  (Its --rand-source part is checked against a
tcpdump capture instead, see pcap_expect.py.)
"""
import json
import sys

FROM_HOST = [1]

EXPECT = {
    "flows": {
        "tcp/23/198.51.100.0/24": {"packets": 300, "syn": 300, "mirai": 0,
                                   "src_hosts": FROM_HOST, "mirai_hosts": []},
        "udp/53/198.51.100.0/24": {"packets": 200, "syn": 0, "mirai": 0,
                                   "src_hosts": FROM_HOST, "mirai_hosts": []},
    },
    "ports": {"tcp/23": {"packets": 300, "syn": 300, "mirai": 0},
              "udp/53": {"packets": 200, "syn": 0, "mirai": 0}},
    "counters": {"frames": 500, "counted": 500},
}


def main():
    with open(sys.argv[1], "w") as f:
        json.dump(EXPECT, f)


if __name__ == "__main__":
    main()
