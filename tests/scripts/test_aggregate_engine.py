# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""`darkscope aggregate` (the C engine, user/analysis) against the Python
passes on the same files: the ports passes (current and previous: totals,
per-bin and per-sensor packets) and the sensor pass (health), by day and by
hour, and with a torn file.  The flows passes, surge cells and the wiring
into darkscope-report (--engine) are not done yet (docs/SCRIPTS.md)."""
import datetime
import os
import shutil

from darkscope_lib import report_engine
from darkscope_lib.report_log import ReportLog
from darkscope_lib.report_pass_ports import read_ports, read_ports_previous
from darkscope_lib.report_pass_sensor import read_sensor
from darkscope_lib.report_period import Window
from darkscope_lib.report_reading import SeriesFiles


def both(darkscope_bin, tmp_path, paths, current, previous):
    log = ReportLog()
    files = SeriesFiles(paths, log)
    lst = tmp_path / "files.tsv"
    lst.write_text("".join(report_engine.file_list(files, current, previous)))
    c = report_engine.run(darkscope_bin, str(lst), current, previous)
    ports = read_ports(files, current, 10 ** 18, log)
    prev = read_ports_previous(files, previous)
    sensor = read_sensor(files, current)
    return c, ports, prev, sensor, log


def assert_same(c, ports, prev, sensor):
    assert c["totals"] == {k: (v.packets, v.syn, v.mirai) for k, v in ports.totals.items()}
    assert c["daily"] == {k: {b: x for b, x in enumerate(v.daily) if x}
                          for k, v in ports.totals.items() if any(v.daily)}
    assert c["sensor_ports"] == {k: v for k, v in ports.sensor_ports.items() if v}
    assert c["prev_ports"] == {k: v for k, v in prev.totals.items() if v}
    assert c["health"] == {s: (h.rows, h.map_full, h.write_dropped, len(h.days))
                           for s, h in sensor.health.items()}
    assert c["passes"]["ports-current"] == ports.stats.rows
    assert c["passes"]["ports-previous"] == prev.stats.rows
    assert c["passes"]["sensor-current"] == sensor.stats.rows


def windows(days=14, bin=86400):
    d0 = datetime.date(2026, 4, 1)
    cur = Window.of_dates(d0, d0 + datetime.timedelta(days=days - 1), bin)
    prev = Window(cur.t_from - (cur.t_to - cur.t_from), cur.t_from).whole()
    return cur, prev


def test_ports_and_sensor_by_day(darkscope_bin, quarter, tmp_path):
    series_dir, _ = quarter
    cur, prev = windows()
    c, ports, prev_ports, sensor, _ = both(darkscope_bin, tmp_path, [series_dir], cur, prev)
    assert ports.stats.rows > 0 and prev_ports.stats.rows > 0
    assert_same(c, ports, prev_ports, sensor)
    assert c["events"] == []


def test_ports_and_sensor_by_hour(darkscope_bin, quarter, tmp_path):
    series_dir, _ = quarter
    cur, prev = windows(days=2, bin=3600)
    c, ports, prev_ports, sensor, _ = both(darkscope_bin, tmp_path, [series_dir], cur, prev)
    assert max(len(v) for v in c["daily"].values()) > 24
    assert_same(c, ports, prev_ports, sensor)


def test_torn_file(darkscope_bin, quarter, tmp_path):
    series_dir, _ = quarter
    copy = tmp_path / "q"
    shutil.copytree(series_dir, copy)
    victim = copy / "tokyo-1" / "ports-2026-04-03T05.tsv.gz"
    size = os.path.getsize(victim)
    with open(victim, "r+b") as f:
        f.truncate(size - 7)
    cur, prev = windows()
    c, ports, prev_ports, sensor, log = both(darkscope_bin, tmp_path, [str(copy)], cur, prev)
    assert_same(c, ports, prev_ports, sensor)
    assert [e[1] for e in c["events"]] == ["truncated"]
    assert len([w for w in log.warnings if "ports-2026-04-03T05" in w]) == 1
