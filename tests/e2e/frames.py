# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""frames.py - build Ethernet frames for darkscope's end-to-end tests and
keep the exact count of what each frame must add to the sensor's series.

Standard library only (struct, random), so it runs with Debian's python3.
"""
import json
import random
import struct

ETH_P_IP, ETH_P_IPV6, ETH_P_ARP = 0x0800, 0x86DD, 0x0806
ETH_P_8021Q, ETH_P_8021AD = 0x8100, 0x88A8
PROTO_NAMES = {6: "tcp", 17: "udp", 1: "icmp"}
COUNTERS = ("frames", "counted", "non_ip", "ipv6", "fragment", "other_proto", "bad_l2",
            "bad_ip_trunc", "bad_ip_version", "bad_ip_ihl", "bad_ip_len", "bad_l4_trunc",
            "map_full")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip2int(a):
    return struct.unpack("!I", bytes(int(x) for x in a.split(".")))[0]


def int2ip(v):
    return ".".join(str(b) for b in struct.pack("!I", v))


def ether(dst_mac, src_mac, ethertype, payload, vlans=()):
    hdr = dst_mac + src_mac
    for tpid, vid in vlans:
        hdr += struct.pack("!HH", tpid, vid)
    return hdr + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, l4, options=b"", frag=0, ident=1, ttl=64):
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(l4), ident, frag, ttl,
                      proto, 0, struct.pack("!I", src), struct.pack("!I", dst)) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + l4


def tcp(sport, dport, seq, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 1024, 0, 0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(itype, code=0, payload=b""):
    body = struct.pack("!BBHI", itype, code, 0, 0x12340001) + payload
    return body[:2] + struct.pack("!H", csum(body)) + body[4:]


def hosts_of(mask):
    """The host octets set in a 256-bit mask, as the series write them."""
    return [h for h in range(256) if mask >> h & 1]


def mask_of(hosts):
    return sum(1 << h for h in hosts)


class Expectation:
    """What the sensor must write for the frames sent."""

    def __init__(self):
        self.flows = {}     # "proto/dport/a.b.c.0/24" -> [packets, syn, mirai, hosts, mirai_hosts]
        self.ports = {}     # "proto/dport" -> [packets, syn, mirai]
        self.counters = dict.fromkeys(COUNTERS, 0)

    def count(self, proto, dport, src, syn=False, mirai=False):
        net = src & 0xFFFFFF00
        key = "%s/%d/%s/24" % (proto, dport, int2ip(net))
        f = self.flows.setdefault(key, [0, 0, 0, 0, 0])
        f[0] += 1
        f[1] += syn
        f[2] += mirai
        f[3] |= 1 << (src & 0xFF)
        if mirai:
            f[4] |= 1 << (src & 0xFF)
        p = self.ports.setdefault("%s/%d" % (proto, dport), [0, 0, 0])
        p[0] += 1
        p[1] += syn
        p[2] += mirai
        self.outcome("counted")

    def outcome(self, name):
        self.counters["frames"] += 1
        self.counters[name] += 1

    def to_json(self):
        return {
            "flows": {k: {"packets": v[0], "syn": v[1], "mirai": v[2],
                          "src_hosts": hosts_of(v[3]), "mirai_hosts": hosts_of(v[4])}
                      for k, v in self.flows.items()},
            "ports": {k: {"packets": v[0], "syn": v[1], "mirai": v[2]}
                      for k, v in self.ports.items()},
            "counters": self.counters,
        }


# TCP flags
FIN, SYN, RST, PSH, ACK, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x40, 0x80


class FrameMaker:
    """Random scan-like frames of known composition (seeded)."""

    def __init__(self, dst_mac, src_mac, dst_ip, seed=1, nets=64, vlans=True):
        self.rng = random.Random(seed)
        self.with_vlans = vlans
        self.dst_mac, self.src_mac, self.dst = dst_mac, src_mac, dst_ip
        self.nets = [(self.rng.randrange(1, 224) << 24) | (self.rng.randrange(0, 1 << 16) << 8)
                     for _ in range(nets)]
        # A telescope's quarter: 23/TCP far ahead, then the usual suspects.
        self.ports = [23] * 12 + [80] * 4 + [443] * 3 + [8728] * 3 + [22] * 3 + [445] * 2 + \
            [2323, 37215, 52869, 1433]

    def src(self):
        return self.rng.choice(self.nets) | self.rng.randrange(256)

    def vlans(self):
        r = self.rng.random() if self.with_vlans else 1.0
        if r < 0.1:
            return ((ETH_P_8021Q, 10),)
        if r < 0.15:
            return ((ETH_P_8021AD, 100), (ETH_P_8021Q, 20))
        return ()

    def good(self, exp):
        """One counted frame, recorded in exp."""
        rng, src = self.rng, self.src()
        kind = rng.random()
        if kind < 0.7:
            dport = rng.choice(self.ports) if rng.random() < 0.8 else rng.randrange(65536)
            flags = rng.choice([SYN, SYN, SYN, SYN | ECE | CWR, SYN | ACK, RST, ACK, RST | ACK])
            syn = (flags & (SYN | ACK)) == SYN
            mirai = syn and rng.random() < 0.4
            seq = self.dst if mirai else rng.randrange(1 << 32)
            if syn and not mirai and seq == self.dst:
                seq ^= 1
            options = b"\x01\x01\x01\x00" if rng.random() < 0.05 else b""
            pkt = ipv4(src, self.dst, 6, tcp(rng.randrange(1024, 65536), dport, seq, flags),
                       options=options, frag=0x2000 if rng.random() < 0.02 else 0)
            exp.count("tcp", dport, src, syn, mirai)
        elif kind < 0.9:
            dport = rng.choice([53, 123, 1900, 5060, rng.randrange(65536)])
            payload = b"M-SEARCH * HTTP/1.1\r\n" if dport == 1900 else b""
            pkt = ipv4(src, self.dst, 17, udp(rng.randrange(1024, 65536), dport, payload))
            exp.count("udp", dport, src)
        else:
            itype = rng.choice([8, 8, 8, 13, 3])
            pkt = ipv4(src, self.dst, 1, icmp(itype))
            exp.count("icmp", itype, src)
        frame = ether(self.dst_mac, self.src_mac, ETH_P_IP, pkt, self.vlans())
        # Short frames get Ethernet padding, as a NIC would add it.
        return frame + b"\0" * max(0, 60 - len(frame))

    def bad(self, exp):
        """One frame the sensor must count outside the flow rows."""
        rng, src = self.rng, self.src()
        good_l4 = tcp(1234, 23, 1, SYN)
        choice = rng.randrange(10)
        eth = lambda t, p: ether(self.dst_mac, self.src_mac, t, p)
        if choice == 0:
            exp.outcome("non_ip")
            return eth(ETH_P_ARP, bytes(28))
        if choice == 1:
            exp.outcome("ipv6")
            return eth(ETH_P_IPV6, bytes(40) + udp(1, 2))
        if choice == 2:
            exp.outcome("fragment")
            return eth(ETH_P_IP, ipv4(src, self.dst, 6, good_l4, frag=5))
        if choice == 3:
            exp.outcome("other_proto")
            return eth(ETH_P_IP, ipv4(src, self.dst, 47, bytes(8)))
        if choice == 4:
            exp.outcome("bad_ip_ihl")
            p = bytearray(ipv4(src, self.dst, 6, good_l4))
            p[0] = 0x44
            return eth(ETH_P_IP, bytes(p))
        if choice == 5:
            exp.outcome("bad_ip_version")
            p = bytearray(ipv4(src, self.dst, 6, good_l4))
            p[0] = 0x65
            return eth(ETH_P_IP, bytes(p))
        if choice == 6:
            exp.outcome("bad_ip_len")
            p = bytearray(ipv4(src, self.dst, 6, good_l4))
            p[2:4] = struct.pack("!H", 1400)
            return eth(ETH_P_IP, bytes(p))
        if choice == 7:
            exp.outcome("bad_l4_trunc")
            return eth(ETH_P_IP, ipv4(src, self.dst, 6, good_l4[:12]))
        if choice == 8:
            exp.outcome("bad_ip_trunc")
            return eth(ETH_P_IP, ipv4(src, self.dst, 6, good_l4)[:16])
        # A VLAN tag cut short (AF_PACKET refuses frames under 14 bytes, so
        # runts are left to the BPF_PROG_RUN tests).
        exp.outcome("bad_l2")
        return eth(ETH_P_8021Q, b"\x00")


def tx_dropped(iface):
    """The sending interface's tx_dropped counter: a sender checks it did
    not lose frames on its own side."""
    with open("/sys/class/net/%s/statistics/tx_dropped" % iface) as f:
        return int(f.read())


def write_sent(expect_path, exp, frames, tx_dropped_during, frames_path=None):
    """What a sender leaves for the checks: the expectation as JSON (with
    how many frames went out and how many its own interface dropped) and,
    given frames_path, each frame sent as one line of hex, in order."""
    result = exp.to_json()
    result["sent"] = len(frames)
    result["tx_dropped"] = tx_dropped_during
    with open(expect_path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    if frames_path:
        with open(frames_path, "w") as f:
            f.writelines(frame.hex() + "\n" for frame in frames)
