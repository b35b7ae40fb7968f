# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The report's periods: the previous period's rule, the figure bin, and
periods given with a time of day.

First the pure functions of scripts/darkscope_lib/report_period.py (every
rule and boundary), then darkscope-report on small hand-made series whose
answers are known: a port seen only on the day a 92-day "previous" would
reach into Q1 is "new" against the previous calendar quarter; per-minute
figures and a one-sensor spike within an hour; hour bins on a day; a bin
raised to the sensors' 5-minute interval; 2-second bins for a demo-length
run.

Run: /usr/bin/python3 -m pytest -q tests/scripts/test_report_period.py
"""
import calendar
import datetime
import gzip
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
sys.path.insert(0, HERE)

import synth_quarter  # noqa: E402
from darkscope_lib.report_period import (DAY, HOUR, MINUTE, Window, choose_bin,  # noqa: E402
                                         parse_when, previous_window)
from test_report import load, run_report  # noqa: E402

D = datetime.date
RIR = "rir:" + os.path.join(synth_quarter.FIXTURES, "delegated-test-extended")


def ts_of(text):
    """'2026-04-01T10:00' -> unix seconds (UTC)."""
    return calendar.timegm(datetime.datetime.fromisoformat(text).timetuple())


# ------------------------------------------------------- previous period

def prev_of(a, b, previous="auto"):
    w, rule = previous_window(Window.of_dates(a, b), previous)
    return (w.date_from, w.date_to, rule.name) if w else (None, None, None)


@pytest.mark.parametrize("period, want", [
    # Q3 (92 days): Q2, not the 92 days from 2026-03-31.
    ((D(2026, 7, 1), D(2026, 9, 30)), (D(2026, 4, 1), D(2026, 6, 30), "quarter")),
    ((D(2026, 1, 1), D(2026, 3, 31)), (D(2025, 10, 1), D(2025, 12, 31), "quarter")),
    ((D(2026, 4, 1), D(2026, 6, 30)), (D(2026, 1, 1), D(2026, 3, 31), "quarter")),
    # A month: the month before, whatever its length.
    ((D(2026, 3, 1), D(2026, 3, 31)), (D(2026, 2, 1), D(2026, 2, 28), "month")),
    ((D(2024, 3, 1), D(2024, 3, 31)), (D(2024, 2, 1), D(2024, 2, 29), "month")),
    ((D(2026, 1, 1), D(2026, 1, 31)), (D(2025, 12, 1), D(2025, 12, 31), "month")),
    # A year (365 days) after a leap year (366).
    ((D(2025, 1, 1), D(2025, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31), "year")),
    # Whole months that are no quarter or year: as many months before.
    ((D(2026, 2, 1), D(2026, 3, 31)), (D(2025, 12, 1), D(2026, 1, 31), "months")),
    ((D(2026, 2, 1), D(2026, 4, 30)), (D(2025, 11, 1), D(2026, 1, 31), "months")),
    ((D(2026, 1, 1), D(2026, 6, 30)), (D(2025, 7, 1), D(2025, 12, 31), "months")),
    # Anything else: the same number of days just before.
    ((D(2026, 4, 1), D(2026, 6, 29)), (D(2026, 1, 1), D(2026, 3, 31), "days")),
    ((D(2026, 3, 15), D(2026, 4, 14)), (D(2026, 2, 12), D(2026, 3, 14), "days")),
    ((D(2026, 3, 1), D(2026, 3, 30)), (D(2026, 1, 30), D(2026, 2, 28), "days")),
    ((D(2026, 5, 16), D(2026, 5, 16)), (D(2026, 5, 15), D(2026, 5, 15), "days")),
])
def test_previous_auto_rules(period, want):
    assert prev_of(*period) == want


def test_previous_rule_texts():
    _, rule = previous_window(Window.of_dates(D(2026, 7, 1), D(2026, 9, 30)), "auto")
    assert rule.text == "the previous calendar quarter, 2026-Q2, as the period is one calendar quarter"
    _, rule = previous_window(Window.of_dates(D(2026, 3, 1), D(2026, 3, 31)), "auto")
    assert rule.text == "the previous calendar month, 2026-02, as the period is one calendar month"
    _, rule = previous_window(Window.of_dates(D(2026, 4, 1), D(2026, 6, 29)), "auto")
    assert rule.text == "the 90 days just before"


def test_previous_of_a_timed_period_and_given_and_none():
    cur = Window(ts_of("2026-04-01T09:00"), ts_of("2026-04-01T12:00"), MINUTE)
    prev, rule = previous_window(cur, "auto")
    assert (prev.t_from, prev.t_to, prev.bin) == (ts_of("2026-04-01T06:00"), cur.t_from, MINUTE)
    assert rule.name == "length" and "3 hours" in rule.text
    prev, rule = previous_window(cur, (D(2026, 3, 1), D(2026, 3, 2)))
    assert (prev.t_from, prev.t_to, rule.name) == (ts_of("2026-03-01T00:00"),
                                                   ts_of("2026-03-03T00:00"), "given")
    assert previous_window(cur, "none") == (None, None)


# ------------------------------------------------------------- the bin

@pytest.mark.parametrize("seconds, interval, want", [
    (10 * MINUTE, None, 1), (10 * MINUTE + 1, None, MINUTE),
    (6 * HOUR, None, MINUTE), (6 * HOUR + 1, None, HOUR),
    (DAY, None, HOUR), (7 * DAY, None, HOUR), (8 * DAY, None, DAY), (92 * DAY, None, DAY),
    # Never finer than the interval, and a multiple of it.
    (3 * HOUR, 3600, HOUR), (DAY, 300, HOUR), (2 * HOUR, 300, 300), (MINUTE, 2, 2),
    (10 * MINUTE, 7, 7), (HOUR, 7, 63), (3 * HOUR, 7200, 7200), (DAY, 86400, DAY),
    (DAY, 50000, 50000), (92 * DAY, 7, DAY),
])
def test_choose_bin(seconds, interval, want):
    assert choose_bin(seconds, interval) == want


def test_window_bins_and_labels():
    w = Window.of_dates(D(2026, 4, 1), D(2026, 4, 3))
    assert (w.nbins, w.ndays, w.whole_days) == (3, 3, True)
    assert w.bin_labels() == ["2026-04-01", "2026-04-02", "2026-04-03"]
    assert (w.from_text(), w.to_text()) == ("2026-04-01", "2026-04-03")
    w = Window(ts_of("2026-04-01T10:00"), ts_of("2026-04-01T11:30"), HOUR)
    assert (w.nbins, w.ndays, w.whole_days) == (2, 0, False)  # the last bin is 30 minutes
    assert w.bin_labels() == ["2026-04-01T10:00Z", "2026-04-01T11:00Z"]
    assert (w.from_text(), w.to_text()) == ("2026-04-01T10:00Z", "2026-04-01T11:30Z")
    w = Window(ts_of("2026-04-01T10:00"), ts_of("2026-04-01T10:00") + 6, 2)
    assert w.bin_labels() == ["2026-04-01T10:00Z", "2026-04-01T10:00:02Z", "2026-04-01T10:00:04Z"]


def test_parse_when():
    assert parse_when("2026-04-01") == D(2026, 4, 1)
    for text in ("2026-04-01T10:05", "2026-04-01T10:05Z", "2026-04-01T10:05:00"):
        assert parse_when(text).timestamp() == ts_of("2026-04-01T10:05")
    assert parse_when("2026-04-01T10:05:07").timestamp() == ts_of("2026-04-01T10:05") + 7
    for bad in ("2026-04-01T25:00", "2026-04-01 10:00", "2026-04-01T10", "2026-02-30", "now"):
        with pytest.raises(ValueError, match="not a date or time"):
            parse_when(bad)


# ------------------------------------------------ hand-made series, reports

def write_interval(base, sensor, ts, interval, ports, sensor_row=True):
    """Append one interval of one sensor: ports rows {(proto, dport): packets}
    (no SYNs) to ports-<hour>, and flows rows (one source /24 per port, host
    1) to flows-<hour>, and a sensor row, each member after a header member
    naming the interval, as the daemon writes them."""
    d = os.path.join(base, sensor)
    os.makedirs(d, exist_ok=True)
    hour = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H")
    head = f"# darkscope-series: {{}} 1\n# sensor: {sensor}\n# interval: {interval}\n"
    order = {"tcp": 0, "udp": 1, "icmp": 2}
    keys = sorted(ports, key=lambda k: (order[k[0]], k[1]))
    body = {
        "ports": ("ts\tproto\tdport\tpackets\tsyn\tmirai",
                  "".join(f"{ts}\t{p}\t{d_}\t{ports[(p, d_)]}\t0\t0\n" for p, d_ in keys)),
        "flows": ("ts\tproto\tdport\tsrc\tpackets\tsyn\tmirai\tsrcs\tmirai_srcs\tsrc_hosts"
                  "\tmirai_hosts",
                  "".join(f"{ts}\t{p}\t{d_}\t126.0.{i}.0/24\t{ports[(p, d_)]}\t0\t0\t1\t0\t[1]\t[]\n"
                          for i, (p, d_) in enumerate(keys))),
    }
    if sensor_row:
        body["sensor"] = ("ts\tmap_full\twrite_dropped", f"{ts}\t0\t0\n")
    for series, (cols, rows) in body.items():
        with open(os.path.join(d, f"{series}-{hour}.tsv.gz"), "ab") as f:
            f.write(gzip.compress((head.format(series) + cols + "\n").encode()))
            if rows:
                f.write(gzip.compress(rows.encode()))


def report(tmp_path, series, *args):
    out = str(tmp_path / "out")
    run_report(["--region-db", RIR, *args, "--out", out, series])
    with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
        md = f.read()
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        page = f.read()
    return load(out), md, page


def top(r):
    return {(x["proto"], x["port"]): x["previous_rank"] for x in r["top_ports"]}


def test_q3_previous_is_q2_not_the_92_days_before(tmp_path):
    """9999/TCP had packets only on 2026-03-31, the day 92 days before Q3
    reaches into Q1: against Q2 it is new."""
    s = str(tmp_path / "s")
    write_interval(s, "a", ts_of("2026-03-31T12:00"), 3600, {("tcp", 9999): 5})
    write_interval(s, "a", ts_of("2026-05-01T00:00"), 3600, {("tcp", 23): 100})
    write_interval(s, "a", ts_of("2026-08-01T00:00"), 3600, {("tcp", 23): 100, ("tcp", 9999): 10})
    r, md, page = report(tmp_path, s, "--from", "2026-07-01", "--to", "2026-09-30")
    assert r["previous"] == {"from": "2026-04-01", "to": "2026-06-30", "has_data": True,
                             "rule": "quarter", "rule_text": "the previous calendar quarter, "
                             "2026-Q2, as the period is one calendar quarter"}
    assert top(r) == {("tcp", 23): 1, ("tcp", 9999): "new"}
    assert [e["port"] for e in r["notable"]["entered_top10"]] == [9999]
    want = ("Previous period, for the ranks: 2026-04-01 to 2026-06-30 (the previous calendar "
            "quarter, 2026-Q2, as the period is one calendar quarter).")
    assert want in md and want in page
    assert (r["period"]["bin"], r["period"]["bins"]) == (DAY, 92)
    # The 92 days before, given explicitly, reach 2026-03-31: ranked 2 there.
    r, _, _ = report(tmp_path, s, "--from", "2026-07-01", "--to", "2026-09-30",
                     "--previous", "2026-03-31:2026-06-30")
    assert r["previous"]["rule"] == "given"
    assert top(r) == {("tcp", 23): 1, ("tcp", 9999): 2}


def test_march_previous_is_february(tmp_path):
    """31 days before March would start on 2026-01-29 and hold 53/UDP's
    2026-01-31 packets; February does not."""
    s = str(tmp_path / "s")
    write_interval(s, "a", ts_of("2026-01-31T05:00"), 3600, {("udp", 53): 7})
    write_interval(s, "a", ts_of("2026-02-10T05:00"), 3600, {("tcp", 23): 50})
    write_interval(s, "a", ts_of("2026-03-10T05:00"), 3600, {("tcp", 23): 50, ("udp", 53): 9})
    r, md, _ = report(tmp_path, s, "--from", "2026-03-01", "--to", "2026-03-31")
    assert (r["previous"]["from"], r["previous"]["to"], r["previous"]["rule"]) == \
        ("2026-02-01", "2026-02-28", "month")
    assert top(r) == {("tcp", 23): 1, ("udp", 53): "new"}
    assert "(the previous calendar month, 2026-02, as the period is one calendar month)" in md


@pytest.fixture(scope="module")
def hour_of_minutes(tmp_path_factory):
    """2026-04-01 10:00-10:59 at 1-minute intervals: sensor a sends m + 1
    packets to 23/TCP in minute m and 5000 to 1900/UDP in minute 40; sensor
    b sends 3 packets a minute to 1900/UDP (and 100 in minute 40)."""
    s = str(tmp_path_factory.mktemp("minutes") / "s")
    t0 = ts_of("2026-04-01T10:00")
    for m in range(60):
        a = {("tcp", 23): m + 1}
        if m == 40:
            a[("udp", 1900)] = 5000
        write_interval(s, "a", t0 + 60 * m, 60, a)
        write_interval(s, "b", t0 + 60 * m, 60, {("udp", 1900): 100 if m == 40 else 3})
    return s


def test_minute_bins_on_an_hour(hour_of_minutes, tmp_path):
    r, md, page = report(tmp_path, hour_of_minutes, "--from", "2026-04-01T10:00",
                         "--to", "2026-04-01T11:00", "--previous", "none")
    p = r["period"]
    assert (p["from"], p["to"], p["whole_days"], p["seconds"]) == \
        ("2026-04-01T10:00Z", "2026-04-01T11:00Z", False, 3600)
    assert (p["bin"], p["bin_unit"], p["bins"], p["interval"]) == (MINUTE, "minute", 60, 60)
    f1 = {s["label"]: s["packets"] for s in r["figure1"]["series"]}
    assert f1["telnet(23/TCP)"] == list(range(1, 61))
    assert f1["1900/UDP"] == [3] * 40 + [5100] + [3] * 19
    assert r["figure1"]["days"][:2] == ["2026-04-01T10:00Z", "2026-04-01T10:01Z"]
    # 23/TCP's source is 126.0.0.0/24 (JP), host 1, every minute, without the signature.
    assert r["figure3"]["total"] == r["figure3"]["non_mirai"] == [1] * 60
    sensors = {s["name"]: s for s in r["sensors"]}
    assert sensors["a"]["days_with_data"] == sensors["b"]["days_with_data"] == 60
    (surge,) = r["notable"]["surges"]
    assert (surge["label"], surge["first_day"], surge["days"], surge["peak_packets"]) == \
        ("1900/UDP", "2026-04-01T10:40Z", 1, 5100)
    assert surge["baseline"] == 3 and surge["single_sensor"] == "a"
    assert {x["name"]: x["packets"] for x in surge["sensors"]} == {"a": 5000, "b": 100}
    for text in ("Figure 1: packets per minute to the top 5 destination ports",
                 "Figure 4: packets per minute per sensor", "| Minutes with data |",
                 "| a | 6,830 | ", "| 60/60 |", "Surge rule: minute m >= 2nd minute",
                 "Figures and per-minute tables: one value per minute (UTC), 60 in the period",
                 "never finer than the sensors' interval (60 s).",
                 "Period: 2026-04-01T10:00Z to 2026-04-01T11:00Z (1 hour, the end excluded)"):
        assert text in md, text
    assert "Figure 1: packets per minute to the top 5 destination ports" in page


def test_hour_bins_on_a_day(hour_of_minutes, tmp_path):
    r, md, _ = report(tmp_path, hour_of_minutes, "--from", "2026-04-01", "--to", "2026-04-01")
    p = r["period"]
    assert (p["bin"], p["bins"], p["whole_days"], p["interval"]) == (HOUR, 24, True, 60)
    f1 = {s["label"]: s["packets"] for s in r["figure1"]["series"]}
    assert f1["telnet(23/TCP)"] == [0] * 10 + [sum(range(1, 61))] + [0] * 13
    assert r["figure1"]["days"][10] == "2026-04-01T10:00Z"
    assert all(s["days_with_data"] == 1 for s in r["sensors"])
    # Hour 10 holds everything: both ports surge from a median of 0 there, both
    # from sensor a (23/TCP 100 %, 1900/UDP 5,000 of 5,277 packets).
    got = [(s["label"], s["first_day"], s["peak_packets"], s["factor"], s["single_sensor"])
           for s in r["notable"]["surges"]]
    assert got == [("1900/UDP", "2026-04-01T10:00Z", 5277, None, "a"),
                   ("telnet(23/TCP)", "2026-04-01T10:00Z", 1830, None, "a")]
    assert "Figure 1: packets per hour to the top 5 destination ports" in md
    assert "| Hours with data |" in md and "| 1/24 |" in md
    assert "(the day just before)" in md


def test_bin_raised_to_the_interval(tmp_path):
    """2 hours at 5-minute intervals: not minute bins (4 of 5 empty) but 5-minute ones."""
    s = str(tmp_path / "s")
    t0 = ts_of("2026-04-01T10:00")
    for i in range(24):
        write_interval(s, "a", t0 + 300 * i, 300, {("tcp", 22): 10 * i})
    r, md, _ = report(tmp_path, s, "--from", "2026-04-01T10:00", "--to", "2026-04-01T12:00")
    p = r["period"]
    assert (p["bin"], p["bin_unit"], p["bins"], p["interval"]) == (300, "5 minutes", 24, 300)
    assert r["figure1"]["series"][0]["packets"] == [10 * i for i in range(24)]
    assert "Figure 1: packets per 5 minutes to the top 5 destination ports" in md
    assert "| Bins with data |" in md and "Figure 3 per 5 minutes" in md


def test_two_second_bins_for_a_demo_run(tmp_path):
    """Like make demo: 2-second intervals for 10 seconds, no sensor series
    (the interval comes from the ports files' headers)."""
    s = str(tmp_path / "s")
    t0 = ts_of("2026-04-01T10:00") + 30
    for i in range(5):
        write_interval(s, "demo", t0 + 2 * i, 2, {("tcp", 23): 1000 + i}, sensor_row=False)
    r, md, _ = report(tmp_path, s, "--from", "2026-04-01T10:00:30", "--to", "2026-04-01T10:00:40")
    p = r["period"]
    assert (p["bin"], p["bins"], p["interval"]) == (2, 5, 2)
    assert r["figure1"]["series"][0]["packets"] == [1000, 1001, 1002, 1003, 1004]
    assert r["figure1"]["days"][0] == "2026-04-01T10:00:30Z"
    assert "packets per 2 seconds" in md


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-04-01T10:00", "--to", "2026-04-01T10:00"], "the period is empty"),
    (["--from", "2026-04-01T10:00", "--to", "2026-04-01T09:59"], "is before --from"),
    (["--from", "2026-04-01T24:00", "--to", "2026-04-02"], "not a date or time"),
])
def test_bad_times(tmp_path, args, message):
    s = tmp_path / "s"
    s.mkdir()
    p = run_report(args + ["--out", str(tmp_path / "o"), str(s)], check=False)
    assert p.returncode == 64 and message in p.stderr, p.stderr
