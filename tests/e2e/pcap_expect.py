#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""pcap_expect.py - what darkscope must count for the frames in a capture.

usage: pcap_expect.py CAPTURE.pcap OUT.json

Used with tools whose exact output the tests do not predict (nmap, trafgen,
hping3 --rand-source): tcpdump captures what the tool sent, this script
classifies every frame by the sensor's documented rules (docs/FORMAT.md,
"Exact semantics"), and check_series.py compares.
"""
import json
import struct
import sys

from frames import Expectation

ETH_P_IP, ETH_P_IPV6, VLAN_TPIDS = 0x0800, 0x86DD, (0x8100, 0x88A8)


def classify(frame, exp):
    if len(frame) < 14:
        return exp.outcome("bad_l2")
    etype, pos = struct.unpack("!H", frame[12:14])[0], 14
    for _ in range(2):
        if etype not in VLAN_TPIDS:
            break
        if len(frame) < pos + 4:
            return exp.outcome("bad_l2")
        etype, pos = struct.unpack("!H", frame[pos + 2:pos + 4])[0], pos + 4
    if etype == ETH_P_IPV6:
        return exp.outcome("ipv6")
    if etype != ETH_P_IP:
        return exp.outcome("non_ip")
    ip = frame[pos:]
    if len(ip) < 20:
        return exp.outcome("bad_ip_trunc")
    if ip[0] >> 4 != 4:
        return exp.outcome("bad_ip_version")
    ihl = (ip[0] & 15) * 4
    if ihl < 20:
        return exp.outcome("bad_ip_ihl")
    tot = struct.unpack("!H", ip[2:4])[0]
    if tot < ihl or tot > len(ip):
        return exp.outcome("bad_ip_len")
    if struct.unpack("!H", ip[6:8])[0] & 0x1FFF:
        return exp.outcome("fragment")
    proto = ip[9]
    if proto not in (1, 6, 17):
        return exp.outcome("other_proto")
    l4 = ip[ihl:tot]
    src = struct.unpack("!I", ip[12:16])[0]
    if proto == 6:
        if len(l4) < 20:
            return exp.outcome("bad_l4_trunc")
        flags = l4[13]
        syn = (flags & 0x12) == 0x02
        exp.count("tcp", struct.unpack("!H", l4[2:4])[0], src, syn, syn and l4[4:8] == ip[16:20])
    elif proto == 17:
        if len(l4) < 8:
            return exp.outcome("bad_l4_trunc")
        exp.count("udp", struct.unpack("!H", l4[2:4])[0], src)
    else:
        if len(l4) < 8:
            return exp.outcome("bad_l4_trunc")
        exp.count("icmp", l4[0], src)


def frames_of(path):
    with open(path, "rb") as f:
        head = f.read(24)
        magic = struct.unpack("<I", head[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        if struct.unpack(endian + "I", head[20:24])[0] != 1:
            sys.exit("%s: not an Ethernet capture" % path)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, caplen, origlen = struct.unpack(endian + "IIII", rec)
            data = f.read(caplen)
            if caplen != origlen:
                sys.exit("%s: frame cut to %d of %d bytes" % (path, caplen, origlen))
            yield data


def main():
    exp = Expectation()
    for frame in frames_of(sys.argv[1]):
        classify(frame, exp)
    with open(sys.argv[2], "w") as f:
        json.dump(exp.to_json(), f, indent=1, sort_keys=True)
    print("%s: %d frames" % (sys.argv[1], exp.counters["frames"]))


if __name__ == "__main__":
    main()
