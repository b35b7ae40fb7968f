# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report's periods: dates given by the user, as unix-second windows.

The report period runs from --from 00:00:00Z to --to 24:00:00Z (rows with
from <= ts < to + 1 day); day i of a figure is [t_from + i*DAY, +DAY).  The
previous period is the one the previous ranks come from: by default the
same number of days just before --from.
"""
import datetime
import re
from dataclasses import dataclass

DAY = 86400


def parse_date(text):
    """YYYY-MM-DD -> datetime.date; ValueError with a readable message."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (YYYY-MM-DD, UTC)") from None


def date_ts(day):
    """UTC midnight of a date as unix seconds."""
    return int(datetime.datetime(day.year, day.month, day.day,
                                 tzinfo=datetime.timezone.utc).timestamp())


def previous_period(date_from, date_to):
    """The same-length period immediately before [date_from, date_to]."""
    days = (date_to - date_from).days + 1
    return (date_from - datetime.timedelta(days=days),
            date_from - datetime.timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Window:
    """Rows with t_from <= ts < t_to, whole UTC days."""
    date_from: datetime.date
    date_to: datetime.date  # included
    t_from: int
    t_to: int

    @classmethod
    def of_dates(cls, date_from, date_to):
        return cls(date_from, date_to, date_ts(date_from), date_ts(date_to) + DAY)

    @property
    def ndays(self):
        return (self.t_to - self.t_from) // DAY

    def day_labels(self):
        return [(self.date_from + datetime.timedelta(days=i)).isoformat()
                for i in range(self.ndays)]


def previous_window(date_from, date_to, previous):
    """--previous ("auto", "none"/None or (date, date)) -> Window or None."""
    if previous == "auto":
        return Window.of_dates(*previous_period(date_from, date_to))
    if previous in (None, "none"):
        return None
    return Window.of_dates(*previous)
