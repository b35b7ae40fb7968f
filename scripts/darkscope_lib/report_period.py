# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report's periods as unix-second windows, their figure bins, and
the previous period.

A period given by dates runs from --from 00:00:00Z to --to 24:00:00Z (rows
with from <= ts < to + 1 day); given with a time of day, from that instant
to the --to instant (excluded).  Bin i of a figure is [t_from + i*bin,
+bin); the last bin is shorter when the period is not a whole number of
bins.  The bin comes from the period's length (choose_bin), never finer
than the sensors' interval.

The previous period (--previous auto) is the same number of calendar
months just before when the period is whole calendar months (a quarter's
previous quarter, a month's previous month), else the same length just
before (previous_window).
"""
import datetime
import re
from dataclasses import dataclass

SECOND = 1
MINUTE = 60
HOUR = 3600
DAY = 86400

# (longest period, bin): the first line whose period is >= the period's
# length gives the bin; longer periods get days.  About 30 to 600 points
# for the short periods, one per day for anything over a week.
BIN_LADDER = ((10 * MINUTE, SECOND), (6 * HOUR, MINUTE), (7 * DAY, HOUR))

_UNITS = ((DAY, "day"), (HOUR, "hour"), (MINUTE, "minute"), (SECOND, "second"))
_WHEN_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?Z?)?")


def parse_date(text):
    """YYYY-MM-DD -> datetime.date; ValueError with a readable message."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (YYYY-MM-DD, UTC)") from None


def parse_when(text):
    """YYYY-MM-DD -> datetime.date (a whole day); YYYY-MM-DDTHH:MM[:SS][Z]
    -> an aware UTC datetime.datetime (an instant)."""
    m = _WHEN_RE.fullmatch(text)
    try:
        if not m:
            raise ValueError
        day = datetime.date.fromisoformat(m.group(1))
        if m.group(2) is None:
            return day
        return datetime.datetime(day.year, day.month, day.day, int(m.group(2)),
                                 int(m.group(3)), int(m.group(4) or 0),
                                 tzinfo=datetime.timezone.utc)
    except ValueError:
        raise ValueError(f"'{text}' is not a date or time "
                         "(YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], UTC)") from None


def date_ts(day):
    """UTC midnight of a date as unix seconds."""
    return int(datetime.datetime(day.year, day.month, day.day,
                                 tzinfo=datetime.timezone.utc).timestamp())


def when_ts(when, end):
    """Unix seconds of a parse_when() value: a date is its 00:00, or with
    end its 24:00 (the --to day is included)."""
    if isinstance(when, datetime.datetime):
        return int(when.timestamp())
    return date_ts(when) + (DAY if end else 0)


def _utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)


def time_text(ts):
    """2026-04-01T10:30Z (seconds only when not zero)."""
    return _utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ" if ts % 60 else "%Y-%m-%dT%H:%MZ")


def duration_text(seconds):
    """90 days, 1 day, 6 hours, 30 minutes, 2 seconds, 90 minutes."""
    for size, unit in _UNITS:
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}" + ("s" if n != 1 else "")
    return f"{seconds} seconds"


def bin_unit(width):
    """The bin as a word for captions: day, hour, 5 minutes, 63 seconds."""
    for size, unit in _UNITS:
        if width == size:
            return unit
    return duration_text(width)


def choose_bin(seconds, interval=None):
    """The figure bin for a period of `seconds`: BIN_LADDER, raised to a
    multiple of the sensors' interval (a finer bin would draw each interval
    as a spike between empty bins); a day at most."""
    width = next((b for longest, b in BIN_LADDER if seconds <= longest), DAY)
    return raise_to_interval(width, interval)


def raise_to_interval(width, interval):
    """width raised to a multiple of the interval (a day at most)."""
    if interval and width < DAY and width % interval:
        width = min(DAY, -(-width // interval) * interval)
    return width


BIN_NAMES = {"day": DAY, "hour": HOUR, "minute": MINUTE, "second": SECOND}


@dataclass(frozen=True, slots=True)
class Window:
    """Rows with t_from <= ts < t_to, in bins of `bin` seconds from t_from."""
    t_from: int
    t_to: int
    bin: int = DAY

    def whole(self):
        """The same rows in one bin: for passes that only total the period
        (the previous period, distinct sources per port), so that any rollup
        inside it may stand for its raw files."""
        return Window(self.t_from, self.t_to, self.t_to - self.t_from)

    @classmethod
    def of_dates(cls, date_from, date_to, bin=DAY):
        """Whole UTC days, both included."""
        return cls(date_ts(date_from), date_ts(date_to) + DAY, bin)

    @classmethod
    def of_when(cls, when_from, when_to, bin=DAY):
        """parse_when() values: dates are whole days, datetimes instants."""
        return cls(when_ts(when_from, False), when_ts(when_to, True), bin)

    def with_bin(self, width):
        return Window(self.t_from, self.t_to, width)

    @property
    def seconds(self):
        return self.t_to - self.t_from

    @property
    def whole_days(self):
        return self.t_from % DAY == 0 and self.t_to % DAY == 0

    @property
    def date_from(self):
        return _utc(self.t_from).date()

    @property
    def date_to(self):
        """The last day holding part of the window (included)."""
        return _utc(self.t_to - 1).date()

    @property
    def ndays(self):
        """Whole days in the window."""
        return self.seconds // DAY

    @property
    def nbins(self):
        return -(-self.seconds // self.bin)

    def from_text(self):
        return self.date_from.isoformat() if self.whole_days else time_text(self.t_from)

    def to_text(self):
        """The last day (included) for whole days, else the end instant (excluded)."""
        return self.date_to.isoformat() if self.whole_days else time_text(self.t_to)

    def bin_labels(self):
        """A label per bin: its date for day bins from midnight, else its start time."""
        if self.bin == DAY and self.t_from % DAY == 0:
            return [_utc(self.t_from + i * DAY).date().isoformat() for i in range(self.nbins)]
        return [time_text(self.t_from + i * self.bin) for i in range(self.nbins)]

    day_labels = bin_labels  # the name the day-only report used


def _months_of(window):
    """Number of whole calendar months of the window, or 0 when it does not
    start on a month's first day and end on a month's last day."""
    if not window.whole_days:
        return 0
    a, b = window.date_from, window.date_to + datetime.timedelta(days=1)
    if a.day != 1 or b.day != 1:
        return 0
    return (b.year - a.year) * 12 + b.month - a.month


def _add_months(day, n):
    """The first day of the month n months from day's month."""
    m = day.year * 12 + day.month - 1 + n
    return datetime.date(m // 12, m % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class PreviousRule:
    """How the previous period was chosen, for the report."""
    name: str  # quarter, month, year, months, days, length, given
    text: str  # for the report: "the previous calendar quarter, 2026-Q2"


def _auto_previous(current):
    months = _months_of(current)
    a = current.date_from
    if months:
        start = _add_months(a, -months)
        prev = Window.of_dates(start, a - datetime.timedelta(days=1), current.bin)
        if months == 3 and a.month % 3 == 1:
            q = (start.month - 1) // 3 + 1
            return prev, PreviousRule(
                "quarter", f"the previous calendar quarter, {start.year}-Q{q}, as the "
                           "period is one calendar quarter")
        if months == 1:
            return prev, PreviousRule(
                "month", f"the previous calendar month, {start:%Y-%m}, as the period is one "
                         "calendar month")
        if months == 12 and a.month == 1:
            return prev, PreviousRule(
                "year", f"the previous calendar year, {start.year}, as the period is one "
                        "calendar year")
        return prev, PreviousRule(
            "months", f"the {months} calendar months before, as the period is {months} whole "
                      "calendar months")
    length = current.seconds
    prev = Window(current.t_from - length, current.t_from, current.bin)
    if current.whole_days:
        days = "day" if length == DAY else duration_text(length)
        return prev, PreviousRule("days", f"the {days} just before")
    return prev, PreviousRule("length", f"the same length, {duration_text(length)}, just before")


def previous_window(current, previous):
    """--previous ("auto", "none"/None or (date, date)) for the current
    Window -> (Window, PreviousRule) or (None, None)."""
    if previous == "auto":
        return _auto_previous(current)
    if previous in (None, "none"):
        return None, None
    return (Window.of_dates(*previous, current.bin),
            PreviousRule("given", "as given (--previous FROM:TO)"))

