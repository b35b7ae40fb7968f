# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The series files of a report and one pass's reading of them.

SeriesFiles finds each series' files once (a directory scan of a quarter's
files takes a second) and gives a pass the row chunks of one window, with
a PassStats that the footer reports (files, rows and seconds per pass).
"""
import time
from dataclasses import dataclass, field

from . import reader as _reader


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


class SeriesFiles:
    def __init__(self, paths, log):
        self.paths = paths
        self.log = log
        self._found = {}  # series -> [(hour or None, path)]

    def _files(self, series):
        f = self._found.get(series)
        if f is None:
            try:
                found = _reader.find_files(self.paths, series, on_warning=self.log.warn)
            except (OSError, ValueError) as e:
                raise ReadError(str(e)) from None
            f = self._found[series] = []
            for _sensor_dir, path in found:
                h = _reader.file_hour(path)
                f.append((h[1] if h else None, path))
        return f

    def chunks(self, series, window, columns, period):
        """(iterator over lists of rows, PassStats) of one series and window.

        Rows are tuples in `columns` order; the rows of a list share one
        file and one ts (one interval of one sensor).  The stats are final
        once the iterator is exhausted."""
        stats = PassStats(series, period)
        # Only the files whose hour overlaps the window (a file named for
        # hour H holds [H, H + 3600)); files without an hour in their name
        # are always read, as `darkscope read` does.
        t_from, t_to = window.t_from, window.t_to
        files = [path for h, path in self._files(series)
                 if h is None or (h + 3600 > t_from and h < t_to)]
        stats.files = len(files)
        stats.started = time.monotonic()
        if not files:
            return _counted(iter(()), stats), stats
        return _counted(_reader.iter_chunks_fast(files, series, t_from, t_to, columns,
                                                 on_warning=self.log.warn), stats), stats


def _counted(chunks, stats):
    n = 0
    for rows in chunks:
        n += len(rows)
        yield rows
    stats.finish(n)
