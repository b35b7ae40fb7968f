# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The series files of a report and one pass's reading of them.

SeriesFiles finds each series' files once (a directory scan of a quarter's
files takes a second), decides which to read, and gives a pass the row
chunks of one window, with a PassStats that the footer reports (files, rows
and seconds per pass).

Which files (docs/SCRIPTS.md, "Report", says the same for users):

- Rollups (docs/FORMAT.md, "Rollups"): a sensor directory's day (or hour)
  is read from DIR/rollup when its rollup is current (rollups.is_current:
  the raw files there now are all listed in it, with their sizes)
  and the day lies wholly in the window and in one bin of `resolution`
  seconds (the finest time step the passes tell apart: a day for today's
  report); otherwise from its raw files.  Never both for the same data:
  a rollup used replaces every raw file of its span in its directory.  A
  rollup's recorded warnings (damage in its sources) are repeated.
- Bad input, each skipped with a warning naming the file (one warning per
  directory and cause, with the count), so nothing is counted twice:
  the same file reached twice (a path given twice, a symlink, ./dir and
  dir); a sensor's hour found in two directories (two directories of one
  sensor name: the first given wins); a file whose header is of a newer
  format version than the reader's.
"""
import os
import time
from dataclasses import dataclass, field

from . import reader as _reader
from . import rollups as _rollups

DAY = _rollups.DAY
HOUR = _rollups.HOUR
_NAMED = 3  # files a skip warning names; beyond, it counts them


class ReadError(Exception):
    """A series path that cannot be read at all."""


@dataclass(slots=True)
class PassStats:
    """What one pass read: `series (period)` in the footer."""
    series: str
    period: str  # "current", "previous" or "current (sources)"
    files: int = 0
    rows: int = 0
    seconds: float = 0.0
    started: float = field(default=0.0, repr=False)

    @property
    def name(self):
        return f"{self.series} ({self.period})"

    def finish(self, rows):
        self.rows = rows
        self.seconds = time.monotonic() - self.started


@dataclass(slots=True)
class _Raw:
    hour: object  # unix seconds, or None for a file whose name has no hour
    sensor_dir: str
    path: str


@dataclass(slots=True)
class _Rollup:
    unit: int  # DAY or HOUR
    start: int
    sensor_dir: str
    path: str
    warnings: list


@dataclass(slots=True)
class _Selection:
    """One series: the raw files kept and the rollups that may replace them."""
    raw: list  # [_Raw], in the reader's order
    rollups: list  # [_Rollup] current and usable


class _Skips:
    """Files skipped, warned about once per (directory, cause)."""

    def __init__(self):
        self.by_cause = {}  # (sensor_dir, cause) -> [file names]

    def add(self, sensor_dir, cause, path):
        self.by_cause.setdefault((sensor_dir, cause), []).append(os.path.basename(path))

    def warn(self, log):
        for (sensor_dir, cause), names in self.by_cause.items():
            n = len(names)
            shown = list(dict.fromkeys(names))[:_NAMED]  # a name met twice is shown once
            if n <= _NAMED and len(shown) == n:
                files = ", ".join(names)
            else:
                files = f"{n} files ({', '.join(shown)} and {n - len(shown)} more)"
            log.warn(f"{sensor_dir}: {files} skipped: {cause}")


def _sensor_dirs(paths):
    """The directories _reader.find_files scans for sensor files, spelt as
    it spells them: each directory PATH and its subdirectories."""
    out = []
    for p in paths:
        p = os.fsdecode(os.fspath(p))
        if not os.path.isdir(p):
            continue
        out.append(p)
        try:
            names = sorted(os.listdir(p))
        except OSError:
            continue
        out += [os.path.join(p, n) for n in names
                if not n.startswith(".") and os.path.isdir(os.path.join(p, n))]
    return list(dict.fromkeys(out))


def _fallback_sensor(sensor_dir):
    """The sensor name the reader gives a file without `# sensor:`."""
    return os.path.basename(os.path.abspath(sensor_dir)) or sensor_dir


class SeriesFiles:
    def __init__(self, paths, log, resolution=DAY, rollups=True):
        """resolution: the finest time step the passes tell apart (seconds; a
        rollup is read only where a bin holds its whole span); rollups=False
        reads raw files only."""
        self.paths = paths
        self.log = log
        self.resolution = resolution
        self.use_rollups = rollups
        self._found = {}  # series -> _Selection

    # ---------------------------------------------------------- choosing

    def _files(self, series):
        sel = self._found.get(series)
        if sel is None:
            try:
                found = _reader.find_files(self.paths, series, on_warning=self.log.warn,
                                           keep_duplicates=True)
            except (OSError, ValueError) as e:
                raise ReadError(str(e)) from None
            sel = self._found[series] = self._choose(series, found)
        return sel

    def _choose(self, series, found):
        skips = _Skips()
        inodes = {}  # (dev, ino) -> sensor_dir that read it first
        claims = {}  # (sensor, hour) -> sensor_dir that read it first
        sizes = {}  # sensor_dir -> {name: size}: the raw files in it
        raw = []
        dropped = set()  # (sensor_dir, hour) of raw files skipped
        for sensor_dir, path in found:
            h = _reader.file_hour(path)
            hour = h[1] if h else None
            try:
                st = os.stat(path)
            except OSError:
                raw.append(_Raw(hour, sensor_dir, path))  # the reader says why
                continue
            sizes.setdefault(sensor_dir, {})[os.path.basename(path)] = st.st_size
            first = inodes.get((st.st_dev, st.st_ino))
            if first is not None:
                skips.add(sensor_dir, f"the same files as in {first} (a path given twice, "
                                      "a symlink, or ./DIR and DIR): read once", path)
                if first != sensor_dir:
                    # Its directory's rollups would hold this hour again.
                    dropped.add((sensor_dir, hour))
                continue
            inodes[(st.st_dev, st.st_ino)] = sensor_dir
            head = _rollups.read_header(path)
            if head and head.version and head.version > _reader.FORMAT_VERSION:
                skips.add(sensor_dir, f"format version {head.version} is newer than this "
                                      f"reader reads ({_reader.FORMAT_VERSION})", path)
                dropped.add((sensor_dir, hour))
                continue
            if hour is not None and head is not None:
                sensor = head.sensor if head.sensor is not None else _fallback_sensor(sensor_dir)
                first = claims.setdefault((sensor, hour), sensor_dir)
                if first != sensor_dir:
                    skips.add(sensor_dir, f"sensor {sensor}'s hours were read from {first} "
                                          "already (two directories of one sensor name)", path)
                    dropped.add((sensor_dir, hour))
                    continue
            raw.append(_Raw(hour, sensor_dir, path))
        rollups = []
        if self.use_rollups:
            rollups = self._rollups(series, sizes, claims, dropped, skips)
        skips.warn(self.log)
        return _Selection(raw, rollups)

    def _rollups(self, series, sizes, claims, dropped, skips):
        current = []
        stale = 0
        inodes = set()
        for sensor_dir in _sensor_dirs(self.paths):
            rdir = _rollups.rollup_dir(sensor_dir)
            try:
                names = sorted(os.listdir(rdir))
            except OSError:
                continue
            # hour -> (name, size) of the raw files here
            raw_here = {}
            for n, size in sizes.get(sensor_dir, {}).items():
                h = _reader.file_hour(n)
                if h:
                    raw_here[h[1]] = (n, size)
            for name in names:
                got = _rollups.parse_name(name)
                if not got or got[0] != series or name.startswith("."):
                    continue
                _, unit, start = got
                path = os.path.join(rdir, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) in inodes:
                    continue  # a directory reached twice: its raw files were warned about
                inodes.add((st.st_dev, st.st_ino))
                head = _rollups.read_header(path)
                if head is None or head.version is None or head.series != series:
                    skips.add(rdir, "not a rollup of this series (unreadable header)", path)
                    continue
                if head.version > _reader.FORMAT_VERSION:
                    skips.add(rdir, f"format version {head.version} is newer than this "
                                    f"reader reads ({_reader.FORMAT_VERSION})", path)
                    continue
                hours = range(start, start + unit, HOUR)
                span_raw = dict(raw_here[h] for h in hours if h in raw_here)
                if not _rollups.is_current(head, span_raw):
                    stale += 1
                    continue
                if any((sensor_dir, h) in dropped for h in hours):
                    continue  # some of its hours come from elsewhere
                # The hours whose raw files are gone from here (moved away):
                # the rollup alone holds them, so it claims them.
                missing = [h for h in hours if h not in raw_here]
                sensor = head.sensor if head.sensor is not None else _fallback_sensor(sensor_dir)
                others = {claims.get((sensor, h)) for h in missing} - {None, sensor_dir}
                if others:
                    skips.add(rdir, f"sensor {sensor}'s hours were read from "
                                    f"{sorted(others)[0]} already (two directories of "
                                    "one sensor name)", path)
                    continue
                for h in missing:
                    claims[(sensor, h)] = sensor_dir
                current.append(_Rollup(unit, start, sensor_dir, path, head.warnings))
        if current or stale:
            self.log.note(f"rollups of the {series} series: {len(current)} current, read "
                          "in place of their raw files"
                          + (f"; {stale} stale (a source changed since), their raw files "
                             "read instead" if stale else ""))
        return current

    def select(self, series, window):
        """[(start, sensor_dir, path)] to read for one window: the rollups
        that fit it and the raw files they do not replace.  start is the least
        ts the file holds (its hour, a rollup's span start; 0 when unknown);
        the list is what reader.iter_chunks_of() (or a C engine) reads."""
        sel = self._files(series)
        t_from, t_to = window.t_from, window.t_to
        # The finest step this window's passes tell apart: its bin (hours for
        # a short period), never coarser than the resolution asked for.
        res = min(self.resolution, window.bin)
        chosen = {}  # (sensor_dir, unit, start) -> _Rollup
        for ro in sel.rollups:
            end = ro.start + ro.unit
            # In the window, and within one bin: (start - t_from) // res alike.
            if ro.start < t_from or end > t_to or \
                    (ro.start - t_from) // res != (end - 1 - t_from) // res:
                continue
            chosen[(ro.sensor_dir, ro.unit, ro.start)] = ro
        # A day's rollup beats its hours'.
        for key in [k for k in chosen if k[1] == HOUR]:
            if (key[0], DAY, key[2] - key[2] % DAY) in chosen:
                del chosen[key]
        out = []
        for ro in chosen.values():
            for w in ro.warnings:
                self.log.warn(f"{ro.path}: {w}")
            out.append((ro.start, ro.sensor_dir, ro.path))
        for f in sel.raw:
            h = f.hour
            if h is not None and not (h + 3600 > t_from and h < t_to):
                continue
            if h is not None and ((f.sensor_dir, DAY, h - h % DAY) in chosen
                                  or (f.sensor_dir, HOUR, h) in chosen):
                continue
            out.append((h or 0, f.sensor_dir, f.path))
        out.sort(key=lambda x: x[0])
        return out

    # ---------------------------------------------------------- reading

    def chunks(self, series, window, columns, period):
        """(iterator over lists of rows, PassStats) of one series and window.

        Rows are tuples in `columns` order; the rows of a list share one
        file and one ts (one interval, or one rollup span, of one sensor).
        The stats are final once the iterator is exhausted."""
        stats = PassStats(series, period)
        files = self.select(series, window)
        stats.files = len(files)
        stats.started = time.monotonic()
        if not files:
            return _counted(iter(()), stats), stats
        return _counted(_reader.iter_chunks_of(files, series, window.t_from, window.t_to,
                                               columns, on_warning=self.log.warn),
                        stats), stats


def _counted(chunks, stats):
    n = 0
    for rows in chunks:
        n += len(rows)
        yield rows
    stats.finish(n)
