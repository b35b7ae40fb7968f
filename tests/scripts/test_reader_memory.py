# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The Python reader's memory on one very large gzip member.

Issue 11: a single 7.85 M-row member made darkscope_lib.reader use 4 GB,
because a member was decompressed and parsed whole.  A member over
reader._HOLD is now decompressed to its end first (a torn or corrupt one is
still rejected whole) and then again, in slices.  Here one member of
2,000,000 flow rows (103 MiB of text) is read in a child process whose
peak RSS must stay under BOUND_MB: a bound on memory, not on time (measured: 29 MB; 64 MB for the largest member
still parsed whole, just under reader._HOLD).  The peak is VmHWM of
/proc/self/status, the high-water mark of the child's own memory since it
was exec'd; resource.getrusage's ru_maxrss would do where the parent is
small, but Linux carries it over fork and exec, so under a pytest run that
has grown to 200 MB every child would start at 200 MB (ru_maxrss is the
fallback without /proc).  The same member parsed whole needs far more, which
shows the member is large enough for the bound to mean something.  Torn
and corrupt copies lose exactly that member, with the usual warnings.

Run: /usr/bin/python3 -m pytest -q tests/scripts/test_reader_memory.py
"""
import json
import os
import subprocess
import sys
import zlib

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "..", "scripts")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

ROWS = 2_000_000     # rows of the big member
BOUND_MB = 100       # peak RSS of the reading process, MB
TS = 1775001600      # 2026-04-01T00:00Z
HEADER = ("# darkscope-series: flows 1\n# sensor: big\n# interval: 60\n"
          "ts\tproto\tdport\tsrc\tpackets\tsyn\tmirai\tsrcs\tmirai_srcs\tsrc_hosts\tmirai_hosts\n")

# The child: read the file, count rows and packets, report its peak RSS.
CHILD = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from darkscope_lib import reader
if sys.argv[3] == "whole":
    reader._HOLD = 1 << 40
warnings = []
rows = packets = hosts = 0
ts_seen = set()
longest = 0
for chunk in reader.iter_chunks_fast([sys.argv[2]], "flows", columns=("ts", "packets", "src_hosts"),
                                     on_warning=warnings.append):
    rows += len(chunk)
    longest = max(longest, len(chunk))
    for ts, p, h in chunk:
        packets += p
        hosts += len(h)
        ts_seen.add(ts)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
try:  # this process's own peak since exec (see the module's docstring)
    with open("/proc/self/status") as f:
        peak = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) // 1024
except (OSError, StopIteration):
    pass
print(json.dumps({"rows": rows, "packets": packets, "hosts": hosts, "ts": sorted(ts_seen),
                  "longest": longest, "warnings": warnings, "peak_mb": peak}))
"""


def _line(i):
    return (f"{TS}\ttcp\t{i % 65536}\t{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}.0/24\t"
            f"{i % 7 + 1}\t1\t0\t1\t0\t[{i % 256}]\t[]\n")


def _gzip_stream(f, lines):
    """One gzip member of the lines, compressed as they come (not held)."""
    c = zlib.compressobj(1, zlib.DEFLATED, 31)
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == 20000:
            f.write(c.compress("".join(batch).encode()))
            batch = []
    f.write(c.compress("".join(batch).encode()) + c.flush())


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """header member, a 3-row member at TS - 60, the big member at TS, a
    2-row member at TS + 60.  Returns (path, big member's start, its end)."""
    path = str(tmp_path_factory.mktemp("big") / "flows-2026-04-01T00.tsv.gz")
    with open(path, "wb") as f:
        f.write(zlib.compress(HEADER.encode(), 6, 31))
        f.write(zlib.compress("".join(_line(i).replace(str(TS), str(TS - 60), 1)
                                      for i in range(3)).encode(), 6, 31))
        start = f.tell()
        _gzip_stream(f, (_line(i) for i in range(ROWS)))
        end = f.tell()
        f.write(zlib.compress("".join(_line(i).replace(str(TS), str(TS + 60), 1)
                                      for i in range(2)).encode(), 6, 31))
    return path, start, end


def read_in_child(path, mode="streamed"):
    out = subprocess.run([PYTHON, "-c", CHILD, SCRIPTS, path, mode], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def packets_of(rows):
    return sum(i % 7 + 1 for i in range(rows))


def test_big_member_in_bounded_memory(big_file):
    path, _, _ = big_file
    got = read_in_child(path)
    assert got["warnings"] == []
    assert got["rows"] == 3 + ROWS + 2
    assert got["packets"] == packets_of(3) + packets_of(ROWS) + packets_of(2)
    assert got["hosts"] == got["rows"]
    assert got["ts"] == [TS - 60, TS, TS + 60]
    assert got["longest"] < ROWS // 10   # the member came in slices
    assert got["peak_mb"] < BOUND_MB, got


def test_member_just_under_the_hold_parsed_whole_in_bounded_memory(tmp_path):
    """The largest member still parsed whole (text just under reader._HOLD)
    stays under the bound too: the bound holds for every member size."""
    sys.path.insert(0, SCRIPTS)
    from darkscope_lib import reader
    lines, size = [], 0
    while size + 100 < reader._HOLD:
        lines.append(_line(len(lines)))
        size += len(lines[-1])
    path = str(tmp_path / "flows-2026-04-01T00.tsv.gz")
    with open(path, "wb") as f:
        f.write(zlib.compress(HEADER.encode(), 6, 31))
        _gzip_stream(f, lines)
    got = read_in_child(path)
    assert got["rows"] == got["longest"] == len(lines)  # one list: parsed whole
    assert got["peak_mb"] < BOUND_MB, got


def test_parsed_whole_the_member_needs_more_than_the_bound(big_file):
    """The reader before issue 11 (a member parsed whole): same rows, and a
    peak far over BOUND_MB, so the bound above is not met by accident."""
    path, _, _ = big_file
    got = read_in_child(path, "whole")
    assert got["rows"] == 3 + ROWS + 2 and got["longest"] == ROWS
    assert got["peak_mb"] > 3 * BOUND_MB, got


def test_torn_big_member_is_rejected_whole(big_file, tmp_path):
    """Cut inside the big member (the last member gone too): only the 3 rows
    before it, and the truncation named with the big member's offset."""
    path, start, end = big_file
    torn = str(tmp_path / "flows-2026-04-01T00.tsv.gz")
    with open(path, "rb") as f, open(torn, "wb") as g:
        g.write(f.read(end - 100))
    got = read_in_child(torn)
    assert (got["rows"], got["ts"]) == (3, [TS - 60])
    assert got["warnings"] == [f"{torn}: truncated member at byte {start} "
                               f"({end - 100 - start} bytes present): discarded"]
    assert got["peak_mb"] < BOUND_MB, got


def test_corrupt_big_member_keeps_the_members_before(big_file, tmp_path):
    """A changed byte in the big member's deflate data: its CRC (or the
    deflate stream) fails at its end, so none of its 2 M rows is used."""
    path, start, end = big_file
    bad = str(tmp_path / "flows-2026-04-01T00.tsv.gz")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[(start + end) // 2] ^= 0x55
    with open(bad, "wb") as g:
        g.write(data)
    got = read_in_child(bad)
    assert (got["rows"], got["ts"]) == (3, [TS - 60])
    (w,) = got["warnings"]
    assert w.startswith(f"{bad}: corrupt member at byte {start} (") and \
        w.endswith("): rest of file skipped")
    assert got["peak_mb"] < BOUND_MB, got
