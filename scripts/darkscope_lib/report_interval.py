# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The sensors' interval, for the figure bin (report_period.choose_bin):
the `# interval:` comment at the head of the series files a period touches.

Only the first gzip member of each file is read (the header the writer
puts first, docs/FORMAT.md); a file that cannot be read is left to the
passes, which warn about it.  The `sensor` series has a file for every hour
a sensor ran, so it is asked first; the others when it has none.
"""
import zlib

from . import reader

_HEAD_BYTES = 1 << 12  # a header member is about 150 bytes compressed


def _header_interval(path):
    try:
        with open(path, "rb") as f:
            data = f.read(_HEAD_BYTES)
        text = zlib.decompressobj(47).decompress(data)  # stops at the first member's end
    except (OSError, zlib.error):
        return None
    for line in text.decode("utf-8", "replace").split("\n"):
        if line.startswith("# interval: "):
            value = line[12:].strip()
            return int(value) if value.isdigit() and int(value) > 0 else None
        if line and line[0] != "#":
            break
    return None


def _overlaps(path, window):
    hour = reader.file_hour(path)
    return hour is None or (hour[1] + 3600 > window.t_from and hour[1] < window.t_to)


def series_interval(paths, window):
    """The largest interval (seconds) named in the files of the window, or
    None when no file names one."""
    for series in ("sensor", "ports", "flows"):
        try:
            found = reader.find_files(paths, series, on_warning=lambda _msg: None)
        except (OSError, ValueError):
            return None  # the passes report the path
        files = [p for _, p in found if _overlaps(p, window)]
        if files:
            got = [v for v in map(_header_interval, files) if v]
            return max(got) if got else None
    return None
