# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The series files a load takes, and what identifies each of them.

A file's identity (`file_key`) is its name and its first gzip member: the
header the daemon writes when it creates the file (series, sensor, iface,
interval, start time), so the same file moved to an archive, copied or
given twice is one file, and two sensors' files of the same hour are two.
The daemon only appends (docs/FORMAT.md), so the first member never
changes; what the loader took of a file is a byte offset into it.
"""
import hashlib
import os
import zlib
from dataclasses import dataclass

from . import reader

_READ = 1 << 16
_FIRST_MEMBER_MAX = 1 << 24  # a first member longer than this is not a header


@dataclass(slots=True)
class SeriesFile:
    series: str
    path: str
    size: int
    key: str  # the identity: sha256 of name and first member, 32 hex digits
    sensor: str  # the first header's `# sensor:`, else the directory's name
    fallback_sensor: str  # the directory's name: rows of a file that names none
    interval: int  # the first header's `# interval:`, 0 when none
    hour: int  # the hour in its name (unix seconds), 0 when none


def first_member(path):
    """(compressed bytes, text) of a file's first gzip member; None when the
    file holds no complete member yet; ValueError when it is not gzip."""
    d = zlib.decompressobj(47)
    data = bytearray()
    text = bytearray()
    with open(path, "rb") as f:
        while not d.eof:
            chunk = f.read(_READ)
            if not chunk:
                return None
            data += chunk
            try:
                text += d.decompress(chunk)
            except zlib.error as e:
                raise ValueError(f"not gzip data at byte 0 ({e})") from None
            if len(data) > _FIRST_MEMBER_MAX:
                break
    used = len(data) - len(d.unused_data)
    return bytes(data[:used]), text.decode("utf-8", "replace")


def _header_values(text):
    """(series, sensor, interval) of a header member's comments."""
    series, sensor, interval = None, None, 0
    for line in text.split("\n"):
        if line.startswith("# darkscope-series: "):
            series = (line[20:].split() or [None])[0]
        elif line.startswith("# sensor: "):
            sensor = line[10:]
        elif line.startswith("# interval: "):
            v = line[12:].strip()
            interval = int(v) if v.isdigit() and 0 < int(v) < 1 << 32 else 0
        elif line and line[0] != "#":
            break
    return series, sensor, interval


def identify(series, sensor_dir, path, warn):
    """SeriesFile of path, or None: warned about when it cannot be read or
    is no gzip file; silently when its first member is not complete yet or
    its header names another series (a file given by name is offered for
    every series, as `darkscope read` takes it whatever its name)."""
    try:
        size = os.stat(path).st_size
        got = first_member(path)
    except OSError as e:
        warn(f"{path}: {e.strerror}: not loaded")
        return None
    except ValueError as e:
        warn(f"{path}: {e}: not loaded")
        return None
    if got is None:
        return None
    raw, text = got
    name = os.path.basename(path)
    key = hashlib.sha256(name.encode() + b"\0" + raw).hexdigest()[:32]
    fallback = os.path.basename(os.path.abspath(sensor_dir)) or sensor_dir
    header_series, header_sensor, interval = _header_values(text)
    hour = reader.file_hour(path)
    if (header_series or (hour[0] if hour else series)) != series:
        return None
    return SeriesFile(series, path, size, key, header_sensor or fallback, fallback, interval,
                      hour[1] if hour else 0)


def find(paths, series_list, warn):
    """[SeriesFile] of the given paths (files, sensor directories,
    directories of them: as darkscope read takes them), per series in
    series_list; a file reached twice is taken once."""
    out = []
    seen = set()
    for series in series_list:
        for sensor_dir, path in reader.find_files(paths, series, on_warning=warn):
            f = identify(series, sensor_dir, path, warn)
            if f is None:
                continue
            if f.key in seen:
                warn(f"{path}: the same file as one given before (same name and header): "
                     "loaded once")
                continue
            seen.add(f.key)
            out.append(f)
    return out
