# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Figures of darkscope-report, drawn with matplotlib's Agg backend.

write_figures(report, out_dir) draws the report dict's per-bin series (per
day, or per hour, minute, ... on short periods: report["period"]["bin"]) as
PNG files in out_dir and returns [(file name, title), ...] in report
order.  Figures are made with matplotlib.figure.Figure directly (no pyplot
state), so nothing needs a display.  A period without data still gets its
figures, saying so, so the report's links never break.
"""
import datetime
import os

import matplotlib

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402

from .report_period import DAY  # noqa: E402

FIGURES = (
    ("fig1-ports.png", "Figure 1"),
    ("fig2-regions.png", "Figure 2"),
    ("fig3-mirai-sources.png", "Figure 3"),
    ("fig4-sensors.png", "Figure 4"),
)
LOG_RATIO = 50  # log scale when the largest series peaks this many times above the smallest
DPI = 100


def _bin_times(period, n):
    """The middle of each of the period's n bins, as naive UTC datetimes
    (12:00 of each day for day bins)."""
    t0 = datetime.datetime.fromtimestamp(period["t_from"], datetime.timezone.utc)
    t0 = t0.replace(tzinfo=None)
    width = period["bin"]
    return [t0 + datetime.timedelta(seconds=(i + 0.5) * width) for i in range(n)]


TITLE_LINE = 95  # characters: a longer title's period goes on a line of its own


def _span(period):
    """The period for a title: '2026-04-01 to 2026-06-30' for whole days,
    '2026-12-03 16:40:56 to 16:41:06 UTC' for a period within a day."""
    if period["whole_days"]:
        return f"{period['from']} to {period['to']}"
    a, b = (datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
            for t in (period["t_from"], period["t_to"]))
    fmt = "%H:%M:%S" if (period["t_from"] % 60 or period["t_to"] % 60) else "%H:%M"
    end = b.strftime(fmt) if a.date() == b.date() else b.strftime("%Y-%m-%d " + fmt)
    return f"{a.strftime('%Y-%m-%d ' + fmt)} to {end} UTC"


def _titled(title, span):
    """title, span; the span on a line of its own when the last line would be too long."""
    last = title.rsplit("\n", 1)[-1]
    if len(last) + 2 + len(span) > TITLE_LINE:
        return f"{title},\n{span}"
    return f"{title}, {span}"


def _per(period):
    """'day', 'hour', '5 minutes': what one point of a figure counts."""
    return period["bin_unit"]


def _new_figure():
    fig = Figure(figsize=(10, 4.8), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _thousands(ax):
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _date_axis(ax, days, width=DAY):
    """x from the first bin's start to the last bin's end (UTC)."""
    if width != DAY:
        loc = mdates.AutoDateLocator(minticks=4, maxticks=12)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    elif len(days) <= 16:
        # A tick under each day's point or bar (12:00), labelled with its date.
        ax.set_xticks(days[::1 if len(days) <= 8 else 2])
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    else:
        loc = mdates.AutoDateLocator(minticks=4, maxticks=12)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    if days:
        half = datetime.timedelta(seconds=width / 2)
        ax.set_xlim(days[0] - half, days[-1] + half)
    ax.set_xlabel("day (UTC)" if width == DAY else "time (UTC)")


def _no_data(ax, text):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=14,
            color="0.4")
    ax.set_yticks([])


def _lines(path, title, ylabel, period, series, empty_text):
    """One line per series: [(label, [a value per bin])]."""
    fig = _new_figure()
    ax = fig.add_subplot()
    days = _bin_times(period, period["bins"])
    peaks = [max(v) for _, v in series if v and max(v) > 0]
    log = bool(peaks) and max(peaks) / min(peaks) > LOG_RATIO
    if not peaks:
        _no_data(ax, empty_text)
    else:
        for i, (name, values) in enumerate(series):
            style = "-" if i < 10 else "--"
            marker = "o" if len(days) <= 31 else None
            ax.plot(days, values, style, marker=marker, markersize=3, linewidth=1.5, label=name)
        if log:
            ax.set_yscale("log")
            ylabel += " (log scale)"
        else:
            ax.set_ylim(0, max(peaks) * 1.08)
            _thousands(ax)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
        ax.grid(True, which="major", alpha=0.3)
    _date_axis(ax, days, period["bin"])
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.savefig(path, format="png", metadata={"Software": None})


def _mirai_bars(path, title, f3, period):
    fig = _new_figure()
    ax = fig.add_subplot()
    days = _bin_times(period, len(f3["days"]))
    width = 0.8 * period["bin"] / DAY  # matplotlib's date unit is a day
    if not any(f3["total"]):
        _no_data(ax, f"No sources in {f3['region']} sent to {f3['label']} in this period")
    else:
        ax.bar(days, f3["mirai"], width=width, color="#c0392b", label="Mirai signature")
        ax.bar(days, f3["non_mirai"], width=width, bottom=f3["mirai"], color="#2e86c1",
               label="no Mirai signature")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(mticker.MaxNLocator(integer=True))
        _thousands(ax)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
        ax.grid(True, axis="y", alpha=0.3)
    _date_axis(ax, days, period["bin"])
    ax.set_ylabel(f"distinct source IPs per {_per(period)}")
    ax.set_title(title)
    fig.savefig(path, format="png", metadata={"Software": None})


def figure_titles(report):
    f3 = report["figure3"]
    n = report["options"]["top"]
    per = _per(report["period"])
    packets = "daily packets" if per == "day" else f"packets per {per}"
    return [
        f"Figure 1: {packets} to the top {n} destination ports",
        f"Figure 2: {packets} from the top {n} source regions",
        f"Figure 3: distinct source IPs in {f3['region']} sending to {f3['label']} per {per}, "
        "with and without the Mirai signature",
        f"Figure 4: {packets} per sensor",
    ]


def write_figures(report, out_dir):
    """Draw the figures into out_dir; return [(file name, title)]."""
    titles = figure_titles(report)
    p = report["period"]
    span = _span(p)
    per = _per(p)
    ylabel = f"packets per {per}"
    nodata = "No data in this period"
    f1, f2 = report["figure1"], report["figure2"]
    _lines(os.path.join(out_dir, FIGURES[0][0]), _titled(titles[0], span), ylabel,
           p, [(s["label"], s["packets"]) for s in f1["series"]], nodata)
    _lines(os.path.join(out_dir, FIGURES[1][0]), _titled(titles[1], span), ylabel,
           p, [(s["label"], s["packets"]) for s in f2["series"]], nodata)
    _mirai_bars(os.path.join(out_dir, FIGURES[2][0]),
                _titled(titles[2].replace(f" per {per}, with", f" per {per},\nwith"), span),
                report["figure3"], p)
    sd = report["sensor_daily"]
    _lines(os.path.join(out_dir, FIGURES[3][0]), _titled(titles[3], span), ylabel,
           p, [(s["label"], s["packets"]) for s in sd["series"]], nodata)
    return [(FIGURES[i][0], titles[i]) for i in range(len(FIGURES))]
