# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""darkscope_lib.rollups - the rollup files `darkscope rollup` writes.

A rollup holds one series of one sensor directory for one UTC day (or hour)
collapsed to one row per key, in the series format (docs/FORMAT.md,
"Rollups"):

    DIR/rollup/<series>-day-YYYY-MM-DD.tsv.gz
    DIR/rollup/<series>-hour-YYYY-MM-DDTHH.tsv.gz

Its header member names what it was made from, "# source: NAME SIZE" per
raw file of the span in DIR, and what reading them warned about,
"# warning: ...".  A rollup is current while every raw file of the span now
in DIR is listed with its size: the daemon only appends, so a file that
grew or one not listed is late data, and the rollup is stale.  A listed file
that is gone (archived, deleted by retention) leaves it current: its rows
are in the rollup.  user/rollup/rollup_sources.h says the same for the C
side.
"""
import calendar
import os
import re
import zlib

__all__ = ["SUBDIR", "DAY", "HOUR", "UNITS", "parse_name", "read_header", "is_current"]

SUBDIR = "rollup"
DAY = 86400
HOUR = 3600
UNITS = {"day": DAY, "hour": HOUR}
_NAME_RE = re.compile(r"^(.+)-(day|hour)-(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}))?\.tsv\.gz$")
_HEADER_MAX = 1 << 20


def parse_name(name):
    """(series, unit seconds, start) of a rollup file's base name, or None."""
    m = _NAME_RE.match(name)
    if not m or (m.group(2) == "hour") != (m.group(6) is not None):
        return None
    y, mo, d = (int(x) for x in m.group(3, 4, 5))
    h = int(m.group(6) or 0)
    try:
        if y < 1970 or h > 23 or not 1 <= d <= calendar.monthrange(y, mo)[1]:
            return None
    except (ValueError, calendar.IllegalMonthError):
        return None
    return m.group(1), UNITS[m.group(2)], calendar.timegm((y, mo, d, h, 0, 0))


def first_member_text(path, limit=_HEADER_MAX):
    """The text of the file's first gzip member (at most limit bytes), or
    None when the file cannot be read or does not start with one."""
    try:
        f = open(path, "rb")
    except OSError:
        return None
    with f:
        d = zlib.decompressobj(47)
        out = []
        size = 0
        try:
            while not d.eof and size < limit:
                chunk = f.read(4096)
                if not chunk:
                    return None
                piece = d.decompress(chunk, limit - size)
                out.append(piece)
                size += len(piece)
        except (OSError, zlib.error):
            return None
    return b"".join(out).decode("utf-8", "replace")


class Header:
    """The comment lines of a series file's first member."""
    __slots__ = ("series", "version", "sensor", "sources", "warnings", "rollup")

    def __init__(self):
        self.series = None
        self.version = None
        self.sensor = None
        self.sources = []   # [(name, size)] of "# source:"
        self.warnings = []  # "# warning:" texts
        self.rollup = None  # "# rollup:" text


def read_header(path):
    """Header of the file's first member, or None (unreadable, not gzip)."""
    text = first_member_text(path)
    if text is None:
        return None
    h = Header()
    for line in text.split("\n"):
        if not line.startswith("#"):
            if line:
                break  # the column header: comments are over
            continue
        if line.startswith("# darkscope-series:"):
            parts = line[19:].split()
            if len(parts) >= 2 and parts[1].isdigit():
                h.series, h.version = parts[0], int(parts[1])
        elif line.startswith("# sensor: "):
            h.sensor = line[10:]
        elif line.startswith("# source: "):
            name, _, size = line[10:].rpartition(" ")
            if name and size.isdigit():
                h.sources.append((name, int(size)))
        elif line.startswith("# warning: "):
            h.warnings.append(line[11:])
        elif line.startswith("# rollup: "):
            h.rollup = line[10:]
    return h


def is_current(header, raw_now):
    """Whether a rollup with this header stands for the span whose raw files
    now in its directory are raw_now ({name: size}): each of them listed
    with its size (listed ones may be gone)."""
    recorded = dict(header.sources)
    return all(recorded.get(name) == size for name, size in raw_now.items())


def rollup_dir(sensor_dir):
    return os.path.join(sensor_dir, SUBDIR)
