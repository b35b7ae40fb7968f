#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""check_capture.py - compare darkscope's capture files with the frames sent.

usage: check_capture.py COMMAND [OPTIONS] CAPDIR...

  select    the files hold exactly the frames the selection rules pick from
            --frames (docs: capture_selects()), byte for byte, in order
  same-rows flows and ports rows of two output directories are identical
            (all columns but ts)
  ring      a run whose capture ring overflowed: the sums add up
  rotation  time rotation: each file holds its UTC slot's frames only
  maxdisk   size rotation and max-disk: the oldest files went, the rest are
            the newest frames, the total is within the limit
  tool      the files hold exactly the counted frames of a reference pcap
  has-frame exit 0 when the last frame of --frames is in the files yet

The capture files (capture-*.pcap.gz) are read here with gzip and struct
only: classic pcap, nanosecond magic 0xa1b23c4d, in gzip members.  Exit 0
when everything matches; otherwise each difference is printed and exit 1.
"""
import argparse
import collections
import gzip
import json
import os
import re
import stat
import struct
import sys
import time
import zlib

from check_series import read_rows
from frames import Expectation
from pcap_expect import classify

PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC = 0xA1B23C4D, 0xA1B2C3D4
SNAPLEN_WHOLE = 262144
NAME_RE = re.compile(r"^capture-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)(?:\.([1-9]\d*))?\.pcap\.gz$")
SUMS = ("counted", "capture_selected", "capture_no_socket", "captured", "capture_dropped",
        "capture_write_dropped")

Record = collections.namedtuple("Record", "sec nsec caplen origlen data")


class Problems(list):
    def add(self, fmt, *args):
        self.append(fmt % args if args else fmt)

    def report(self, summary):
        for p in self[:40]:
            print("MISMATCH:", p)
        if len(self) > 40:
            print("... and %d more" % (len(self) - 40))
        print("%s, %d problems" % (summary, len(self)))
        return 1 if self else 0


# --- reading -------------------------------------------------------------

def gzip_members(data, name):
    """The decompressed bytes and each member's compressed size."""
    out, sizes = bytearray(), []
    while data:
        d = zlib.decompressobj(wbits=31)
        out += d.decompress(data)
        if not d.eof:
            raise ValueError("%s: a gzip member is cut short" % name)
        sizes.append(len(data) - len(d.unused_data))
        data = d.unused_data
    return bytes(out), sizes


def parse_pcap(buf, name):
    """(header fields, [Record]) of a classic pcap; any magic of libpcap's."""
    if len(buf) < 24:
        raise ValueError("%s: no pcap global header" % name)
    for endian in "<>":
        magic = struct.unpack(endian + "I", buf[:4])[0]
        if magic in (PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC):
            break
    else:
        raise ValueError("%s: not a pcap file (magic %s)" % (name, buf[:4].hex()))
    major, minor, zone, sigfigs, snaplen, linktype = struct.unpack(endian + "HHiIII", buf[4:24])
    head = {"magic": magic, "version": (major, minor), "thiszone": zone, "sigfigs": sigfigs,
            "snaplen": snaplen, "linktype": linktype}
    recs, pos = [], 24
    while pos < len(buf):
        if pos + 16 > len(buf):
            raise ValueError("%s: record header cut short at byte %d" % (name, pos))
        sec, frac, caplen, origlen = struct.unpack(endian + "IIII", buf[pos:pos + 16])
        if pos + 16 + caplen > len(buf):
            raise ValueError("%s: record data cut short at byte %d" % (name, pos))
        nsec = frac if magic == PCAP_MAGIC_NSEC else frac * 1000
        recs.append(Record(sec, nsec, caplen, origlen, buf[pos + 16:pos + 16 + caplen]))
        pos += 16 + caplen
    return head, recs


class CaptureFile:
    def __init__(self, directory, name):
        m = NAME_RE.match(name)
        self.name, self.path = name, os.path.join(directory, name)
        self.stamp, self.suffix = m.group(1), int(m.group(2) or 0)
        st = os.lstat(self.path)
        self.mode, self.size = stat.S_IMODE(st.st_mode), st.st_size
        with open(self.path, "rb") as f:
            raw = f.read()
        pcap, self.members = gzip_members(raw, name)
        # The gzip module reads the members in sequence as one file: same bytes.
        if gzip.decompress(raw) != pcap:
            raise ValueError("%s: gzip module and member reader disagree" % name)
        self.head, self.records = parse_pcap(pcap, name)


def capture_files(directory, problems):
    """The directory's capture files, oldest first (name stamp, then suffix)."""
    files = []
    for name in os.listdir(directory):
        if NAME_RE.match(name):
            files.append(CaptureFile(directory, name))
        else:
            problems.add("%s: unexpected file in the capture directory", name)
    return sorted(files, key=lambda f: (f.stamp, f.suffix))


def check_files(directory, files, snaplen, problems):
    """Header, modes and timestamps of every file."""
    mode = stat.S_IMODE(os.stat(directory).st_mode)
    if mode != 0o700:
        problems.add("%s: mode %o, expected 700", directory, mode)
    want = {"magic": PCAP_MAGIC_NSEC, "version": (2, 4), "thiszone": 0, "sigfigs": 0,
            "snaplen": snaplen or SNAPLEN_WHOLE, "linktype": 1}
    for f in files:
        if f.head != want:
            problems.add("%s: global header %s, expected %s", f.name, f.head, want)
        if f.mode != 0o600:
            problems.add("%s: mode %o, expected 600", f.name, f.mode)
        if not f.records:
            problems.add("%s: no frames (an empty file must not be created)", f.name)
        for r in f.records:
            if r.nsec >= 10 ** 9:
                problems.add("%s: nanoseconds %d out of range", f.name, r.nsec)
                break


def all_records(files):
    return [r for f in files for r in f.records]


def read_frames(paths):
    frames = []
    for path in paths:
        with open(path) as f:
            frames += [bytes.fromhex(line) for line in f if line.strip()]
    return frames


def sensor_sums(darkscope, dirs, problems):
    rows = read_rows(darkscope, "sensor", dirs)
    sums = dict.fromkeys(SUMS, 0)
    for r in rows:
        for c in SUMS:
            if c not in r:
                problems.add("sensor row without column %s", c)
                return sums
            sums[c] += r[c]
    return sums


def expect_sums(sums, want, problems):
    for c, v in want.items():
        if sums[c] != v:
            problems.add("sum(%s) = %d, expected %d", c, sums[c], v)


# --- the selection rules -------------------------------------------------

Info = collections.namedtuple("Info", "key mirai payload")


def inspect(frame):
    """Info of a counted frame (IPv4 TCP/UDP/ICMP, whole headers), else None.
    payload: UDP with more than 8 bytes after the IP header, TCP with more
    than max(doff * 4, 20); by the IP total length, never ICMP."""
    pos, etype = 14, struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else None
    for _ in range(2):
        if etype not in (0x8100, 0x88A8) or len(frame) < pos + 4:
            break
        etype, pos = struct.unpack("!H", frame[pos + 2:pos + 4])[0], pos + 4
    ip = frame[pos:]
    if etype != 0x0800 or len(ip) < 20 or ip[0] >> 4 != 4 or ip[0] & 15 < 5:
        return None
    ihl, tot = (ip[0] & 15) * 4, struct.unpack("!H", ip[2:4])[0]
    if tot < ihl or tot > len(ip) or struct.unpack("!H", ip[6:8])[0] & 0x1FFF:
        return None
    proto, l4 = ip[9], ip[ihl:tot]
    name = {6: "tcp", 17: "udp", 1: "icmp"}.get(proto)
    if not name or len(l4) < (20 if proto == 6 else 8):
        return None
    net = "%d.%d.%d.0/24" % tuple(ip[12:15])
    if proto == 1:
        return Info("icmp/%d/%s" % (l4[0], net), False, False)
    key = "%s/%d/%s" % (name, struct.unpack("!H", l4[2:4])[0], net)
    if proto == 17:
        return Info(key, False, len(l4) > 8)
    syn = l4[13] & 0x12 == 0x02
    return Info(key, syn and l4[4:8] == ip[16:20], len(l4) > max((l4[12] >> 4) * 4, 20))


def counted_frames(frames, problems):
    """[(frame, Info)] of the counted frames, checked against pcap_expect's
    classification (the one check_series' expectations come from)."""
    out = []
    for i, frame in enumerate(frames):
        exp = Expectation()
        classify(frame, exp)
        info = inspect(frame)
        if bool(info) != bool(exp.counters["counted"]) or info and [info.key] != list(exp.flows):
            problems.add("frame %d: this checker and pcap_expect.py disagree: %s", i, frame.hex())
        if info:
            out.append((frame, info))
    return out


def new_frames(counted, rows, problems):
    """Indexes into counted of the frames whose key was new in its interval.
    A key's frames fill its flow rows in ts order (one rx queue keeps the
    order): the first frame of each row is the new one.  With one interval
    that is the key's first frame; over several, one per row, so the count
    of new frames equals the number of flow rows."""
    per_key = collections.defaultdict(list)
    for r in sorted(rows, key=lambda r: r["ts"]):
        per_key["%s/%d/%s" % (r["proto"], r["dport"], r["src"])].append(r["packets"])
    left, used, new = collections.Counter(), collections.Counter(), set()
    for j, (_, info) in enumerate(counted):
        k = info.key
        if not left[k]:
            if used[k] == len(per_key[k]):
                problems.add("key %s: more frames than its flow rows hold", k)
                continue
            left[k] = per_key[k][used[k]]
            used[k] += 1
            new.add(j)
        left[k] -= 1
    for k, counts in per_key.items():
        if used[k] != len(counts) or left[k]:
            problems.add("key %s: flow rows %s hold more frames than were sent", k, counts)
    return new


def selection(counted, select, sample_n, new):
    """The counted frames the selection takes, in order."""
    out = []
    for j, (frame, info) in enumerate(counted):
        if ("all" in select or "sample" in select and j % sample_n == 0 or
                "new" in select and j in new or "mirai" in select and info.mirai or
                "payload" in select and info.payload):
            out.append(frame)
    return out


def compare(want, records, snaplen, problems, what="capture"):
    """records are exactly want, in order: caplen = min(len, snaplen), the
    original length, the bytes (a prefix with a snaplen)."""
    if len(records) != len(want):
        problems.add("%s holds %d frames, expected %d", what, len(records), len(want))
    for i, (w, r) in enumerate(zip(want, records)):
        cap = min(len(w), snaplen) if snaplen else len(w)
        if (r.caplen, r.origlen, r.data) != (cap, len(w), w[:cap]):
            problems.add("%s frame %d: caplen %d len %d %s, expected caplen %d len %d %s",
                         what, i, r.caplen, r.origlen, r.data.hex(), cap, len(w), w[:cap].hex())
    if len(records) > len(want):
        for r in records[len(want):len(want) + 3]:
            problems.add("%s: extra frame %s", what, r.data.hex())
    elif len(records) < len(want):
        for w in want[len(records):len(records) + 3]:
            problems.add("%s: missing frame %s", what, w.hex())


# --- commands ------------------------------------------------------------

def cmd_select(args):
    problems = Problems()
    select = set(args.select.split(","))
    files = capture_files(args.capdir, problems)
    check_files(args.capdir, files, args.snaplen, problems)
    records = all_records(files)
    counted = counted_frames(read_frames(args.frames), problems)
    rows = read_rows(args.darkscope, "flows", [args.out])
    new = new_frames(counted, rows, problems) if "new" in select else set()
    want = selection(counted, select, args.sample, new)
    compare(want, records, args.snaplen, problems)
    if select == {"new"}:
        # The invariant across intervals: one new frame per flow row, of its key.
        row_keys = collections.Counter("%s/%d/%s" % (r["proto"], r["dport"], r["src"])
                                       for r in rows)
        got_keys = collections.Counter(inspect(r.data).key for r in records if inspect(r.data))
        if len(records) != len(rows) or got_keys != row_keys:
            problems.add("new: %d frames captured for %d flow rows; keys differ: %s", len(records),
                         len(rows), dict((got_keys - row_keys) + (row_keys - got_keys)))
        # Per interval too: one new frame per key.
        for r in read_rows(args.darkscope, "sensor", [args.out]):
            if r["capture_selected"] != r["keys"]:
                problems.add("sensor row %d: capture_selected %d != keys %d", r["ts"],
                             r["capture_selected"], r["keys"])
    sums = sensor_sums(args.darkscope, [args.out], problems)
    expect_sums(sums, {"counted": len(counted), "capture_selected": len(want),
                       "captured": len(want), "capture_dropped": 0, "capture_no_socket": 0,
                       "capture_write_dropped": 0}, problems)
    return problems.report("select %s: %d counted, %d selected, %d captured in %d files, "
                           "%d flow rows" % (args.select, len(counted), len(want), len(records),
                                             len(files), len(rows)))


def row_tuples(rows, merge):
    """Rows without ts, or with merge, one per key summed over intervals
    (an interval boundary may split two runs' keys differently)."""
    if not merge:
        return sorted(json.dumps({k: v for k, v in r.items() if k != "ts"}, sort_keys=True)
                      for r in rows)
    merged = {}
    for r in rows:
        m = merged.setdefault((r["proto"], r["dport"], r.get("src")), {})
        for c in ("packets", "syn", "mirai"):
            m[c] = m.get(c, 0) + r[c]
        for c in ("src_hosts", "mirai_hosts"):
            if c in r:
                m[c] = sorted(set(m.get(c, [])) | set(r[c]))
    return sorted(json.dumps([k, v], sort_keys=True) for k, v in merged.items())


def cmd_same_rows(args):
    problems = Problems()
    notes = []
    for series in ("flows", "ports"):
        rows_a, rows_b = (read_rows(args.darkscope, series, [d]) for d in (args.a, args.b))
        merge = len({r["ts"] for r in rows_a}) > 1 or len({r["ts"] for r in rows_b}) > 1
        if merge:
            notes.append("%s merged per key (a run spans several intervals)" % series)
        a, b = row_tuples(rows_a, merge), row_tuples(rows_b, merge)
        if not a:
            problems.add("%s: no rows", series)
        for row in sorted(set(a) ^ set(b))[:20]:
            problems.add("%s row only in %s: %s", series, args.a if row in a else args.b, row)
        if a != b and set(a) == set(b):
            problems.add("%s: rows repeated a different number of times", series)
    return problems.report("same rows in %s and %s%s" % (args.a, args.b,
                           "".join("; " + n for n in notes)))


def cmd_ring(args):
    problems = Problems()
    files = capture_files(args.capdir, problems)
    check_files(args.capdir, files, 0, problems)
    records = all_records(files)
    counted = counted_frames(read_frames(args.frames), problems)
    s = sensor_sums(args.darkscope, [args.out], problems)
    expect_sums(s, {"counted": len(counted), "capture_selected": len(counted),
                    "capture_no_socket": 0}, problems)
    if s["captured"] + s["capture_dropped"] + s["capture_no_socket"] != s["capture_selected"]:
        problems.add("captured %d + capture_dropped %d + capture_no_socket %d != "
                     "capture_selected %d", s["captured"], s["capture_dropped"],
                     s["capture_no_socket"], s["capture_selected"])
    if not s["capture_dropped"]:
        problems.add("capture_dropped is 0: the ring did not overflow")
    if len(records) != s["captured"] - s["capture_write_dropped"]:
        problems.add("%d frames in the files, captured %d - capture_write_dropped %d",
                     len(records), s["captured"], s["capture_write_dropped"])
    # With the reader stopped before the burst, the ring takes its first
    # --ring frames and drops the rest.
    if args.ring:
        compare([f for f, _ in counted[:args.ring]], records, 0, problems)
    return problems.report("ring: %d counted, sums %s, %d frames in %d files"
                           % (len(counted), s, len(records), len(files)))


def utc_stamp(sec):
    return time.strftime("%Y-%m-%dT%H-%M-%S", time.gmtime(sec))


def cmd_rotation(args):
    problems = Problems()
    files = capture_files(args.capdir, problems)
    check_files(args.capdir, files, 0, problems)
    counted = counted_frames(read_frames(args.frames), problems)
    compare([f for f, _ in counted], all_records(files), 0, problems)
    last_slot = -1
    for f in files:
        if not f.records:
            continue
        slot = f.records[0].sec // args.seconds
        if f.stamp != utc_stamp(f.records[0].sec):
            problems.add("%s: named for %s, first frame at %s", f.name, f.stamp,
                         utc_stamp(f.records[0].sec))
        if slot <= last_slot:
            problems.add("%s: slot %d does not follow the previous file's %d", f.name, slot,
                         last_slot)
        last_slot = slot
        prev = f.records[0]
        for r in f.records:
            # An earlier slot is allowed only after time went back (docs).
            if r.sec // args.seconds > slot or (r.sec // args.seconds < slot and
                                                (r.sec, r.nsec) >= (prev.sec, prev.nsec)):
                problems.add("%s: frame at %d.%09d outside slot %d", f.name, r.sec, r.nsec, slot)
            prev = r
    if len(files) < args.min_files:
        problems.add("%d files, expected at least %d", len(files), args.min_files)
    s = sensor_sums(args.darkscope, [args.out], problems)
    expect_sums(s, {"counted": len(counted), "capture_selected": len(counted),
                    "captured": len(counted), "capture_dropped": 0, "capture_no_socket": 0,
                    "capture_write_dropped": 0}, problems)
    return problems.report("rotation every %d s: %d frames in %d files %s" % (
        args.seconds, len(counted), len(files), [len(f.records) for f in files]))


def cmd_maxdisk(args):
    problems = Problems()
    files = capture_files(args.capdir, problems)
    check_files(args.capdir, files, 0, problems)
    records = all_records(files)
    counted = [f for f, _ in counted_frames(read_frames(args.frames), problems)]
    limit, rotate = args.max_disk << 20, args.rotate_mb << 20
    # The newest frames remain, in order: the files deleted were the oldest.
    k = len(records)
    if not 0 < k < len(counted):
        problems.add("%d of %d frames remain: expected some, not all", k, len(counted))
    compare(counted[len(counted) - k:], records, 0, problems, "remaining files")
    # After each flush, the one that closes a file included, the oldest files
    # go until the total is within the limit; only the file being written
    # may exceed it alone.
    total = sum(f.size for f in files)
    if len(files) > 1 and total > limit:
        problems.add("%d bytes remain in %d files, more than max-disk %d", total, len(files),
                     limit)
    # Size rotation: a closed file reached the limit with its last member,
    # and was below it before.
    for f in files[:-1]:
        if not f.size >= rotate > f.size - f.members[-1]:
            problems.add("%s: %d bytes, last member %d: not closed at the %d-byte limit",
                         f.name, f.size, f.members[-1], rotate)
    deleted = re.findall(r"capture file '[^']*/([^'/]+)' \((\d+) bytes\) deleted: max-disk (\d+) "
                         r"bytes", open(args.log).read())
    if not deleted:
        problems.add("no deletion logged")
    for name, _, lim in deleted:
        m = NAME_RE.match(name)
        if int(lim) != limit or not m:
            problems.add("deletion logged for %s with limit %s", name, lim)
        elif os.path.exists(os.path.join(args.capdir, name)):
            problems.add("%s logged as deleted but still there", name)
        elif files and (m.group(1), int(m.group(2) or 0)) > (files[0].stamp, files[0].suffix):
            problems.add("%s deleted, but the older %s remains", name, files[0].name)
    s = sensor_sums(args.darkscope, [args.out], problems)
    expect_sums(s, {"counted": len(counted), "capture_selected": len(counted),
                    "captured": len(counted), "capture_dropped": 0, "capture_no_socket": 0,
                    "capture_write_dropped": 0}, problems)
    return problems.report("max-disk %d MiB: %d files deleted, %d remain (%d bytes), %d of %d "
                           "frames" % (args.max_disk, len(deleted), len(files), total, k,
                                       len(counted)))


def cmd_tool(args):
    problems = Problems()
    files = capture_files(args.capdir, problems)
    check_files(args.capdir, files, 0, problems)
    with open(args.ref, "rb") as f:
        _, ref = parse_pcap(f.read(), args.ref)
    for r in ref:
        if r.caplen != r.origlen:
            problems.add("reference frame cut to %d of %d bytes", r.caplen, r.origlen)
    want = [r.data for r in ref if inspect(r.data)]
    if not want:
        problems.add("the reference holds no counted frame")
    compare(want, all_records(files), 0, problems)
    s = sensor_sums(args.darkscope, [args.out], problems)
    expect_sums(s, {"counted": len(want), "capture_selected": len(want), "captured": len(want),
                    "capture_dropped": 0, "capture_no_socket": 0, "capture_write_dropped": 0},
                problems)
    return problems.report("tool: %d frames in %s, %d counted, %d captured in %d files"
                           % (len(ref), args.ref, len(want), len(all_records(files)), len(files)))


def cmd_has_frame(args):
    last = read_frames(args.frames)[-1]
    try:
        files = capture_files(args.capdir, Problems())
    except (OSError, ValueError, EOFError, zlib.error):
        return 1  # a file being written or deleted: not yet
    return 0 if any(r.data == last for r in all_records(files)) else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("select")
    p.add_argument("--select", required=True, help="the --capture-select list")
    p.add_argument("--sample", type=int, default=1000)
    p.add_argument("--snaplen", type=int, default=0)
    p.set_defaults(fn=cmd_select)
    p = sub.add_parser("same-rows")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(fn=cmd_same_rows)
    p = sub.add_parser("ring")
    p.add_argument("--ring", type=int, default=0, help="ring size: the frames it must hold")
    p.set_defaults(fn=cmd_ring)
    p = sub.add_parser("rotation")
    p.add_argument("--seconds", type=int, required=True)
    p.add_argument("--min-files", type=int, default=2)
    p.set_defaults(fn=cmd_rotation)
    p = sub.add_parser("maxdisk")
    p.add_argument("--max-disk", type=int, required=True, help="MiB")
    p.add_argument("--rotate-mb", type=int, required=True)
    p.add_argument("--log", required=True, help="the sensor's log")
    p.set_defaults(fn=cmd_maxdisk)
    p = sub.add_parser("tool")
    p.add_argument("--ref", required=True, help="tcpdump's pcap of what was sent")
    p.set_defaults(fn=cmd_tool)
    p = sub.add_parser("has-frame")
    p.set_defaults(fn=cmd_has_frame)
    for name, p in sub.choices.items():
        p.add_argument("--darkscope")
        if name != "same-rows":
            p.add_argument("--out", help="the sensor's output directory")
            p.add_argument("--frames", action="append", default=[],
                           help="frames sent, one hex line each (repeatable, in order)")
            p.add_argument("capdir", metavar="CAPDIR")
    args = ap.parse_args()
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
