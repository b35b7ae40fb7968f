# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""`darkscope aggregate` (the C engine, user/analysis) against the Python
passes on the same files: the ports passes (current and previous: totals,
per-bin and per-sensor packets) and the sensor pass (health), by day and by
hour, and with a torn file; the flows passes' sums, with and without
--exclude-known; surge cells.  The whole report from either engine:
test_report_engines.py."""
import datetime
import os
import shutil

import synth_quarter
from darkscope_lib import regions, report_engine
from darkscope_lib.report_hosts import HostBits
from darkscope_lib.report_keys import pkey_of
from darkscope_lib.known_scanners import KnownScanners
from darkscope_lib.report_data import candidate_ports
from darkscope_lib.report_netinfo import SourceNets
from darkscope_lib.report_pass_flows import read_flows, read_flows_previous
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


FIG3 = pkey_of("tcp", 23)


def flows_both(darkscope_bin, tmp_path, series_dir, known=None, exclude=False):
    cur, prev = windows()
    log = ReportLog()
    files = SeriesFiles([series_dir], log)
    db = regions.load_rir([synth_quarter.RIR_FIXTURE])
    lst = tmp_path / "files.tsv"
    lst.write_text("".join(report_engine.file_list(files, cur, prev)))
    nets_path = tmp_path / "nets.tsv"
    nets_path.write_text("".join(report_engine.net_table(db, known)))
    extra = ["--nets", str(nets_path), "--fig3-pkey", str(FIG3), "--fig3-region", "JP",
             "--top", "10"] + (["--exclude-known"] if exclude else [])
    c = report_engine.run(darkscope_bin, str(lst), cur, prev, extra=extra)
    ports = read_ports(files, cur, 10 ** 18, log)
    cand = candidate_ports(ports.totals, 10, exclude) | {FIG3}
    nets = SourceNets(db, known, log)
    nscan = len(known.names) if known else 0
    flows = read_flows(files, cur, nets, HostBits(), cand, FIG3, "JP", nscan, exclude)
    pflows = read_flows_previous(files, prev, nets, exclude)
    return c, flows, pflows


def assert_same_flows(c, flows, pflows):
    def cc(x):
        return "-" if x is None else x
    assert c["regions"] == {cc(k): (v.packets, v.syn, v.mirai)
                            for k, v in flows.region_totals.items()}
    assert c["sources"] == (sum(flows.region_sources.values()),
                            sum(flows.region_mirai_sources.values()))
    assert c["cand_sources"] == flows.port_sources
    assert c["prev_regions"] == {cc(k): v for k, v in pflows.region_totals.items()}
    assert c["prev_total"] == pflows.packets
    assert c["passes"]["flows-current"] == flows.stats.rows
    assert c["passes"]["flows-previous"] == pflows.stats.rows


def test_flows_regions_and_sources(darkscope_bin, quarter, tmp_path):
    series_dir, _ = quarter
    c, flows, pflows = flows_both(darkscope_bin, tmp_path, series_dir)
    assert len(c["regions"]) > 3 and len(c["cand_sources"]) >= 10
    assert_same_flows(c, flows, pflows)


def test_flows_exclude_known(darkscope_bin, quarter, tmp_path):
    series_dir, _ = quarter
    known = KnownScanners(synth_quarter.KNOWN_SCANNERS_FIXTURE)
    c, flows, pflows = flows_both(darkscope_bin, tmp_path, series_dir, known, exclude=True)
    assert flows.packets < flows.packets_all
    assert_same_flows(c, flows, pflows)


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


def test_dataclasses_rebuilt(darkscope_bin, quarter, tmp_path):
    """The ports, previous ports and sensor passes' dataclasses rebuilt from
    the C output equal the Python passes', dict order included."""
    series_dir, _ = quarter
    cur, prev = windows()
    c, ports, prev_ports, sensor, _ = both(darkscope_bin, tmp_path, [series_dir], cur, prev)
    pc = report_engine.ports_pass(c, cur, ports.stats.files)
    assert list(pc.totals.items()) == list(ports.totals.items())
    assert list(pc.sensor_totals.items()) == list(ports.sensor_totals.items())
    assert pc.day_totals == ports.day_totals
    assert pc.packets_all == ports.packets_all
    assert pc.sensor_ports == ports.sensor_ports
    sc = report_engine.sensor_pass(c, sensor.stats.files)
    assert list(sc.health.items()) == list(sensor.health.items())
    pp = report_engine.previous_ports(c, prev_ports.stats.files)
    assert pp.totals == {k: v for k, v in prev_ports.totals.items() if v}


def test_surge_cells(darkscope_bin, quarter, tmp_path):
    series_dir, _ = quarter
    cur, prev = windows()
    log = ReportLog()
    files = SeriesFiles([series_dir], log)
    lst = tmp_path / "files.tsv"
    lst.write_text("".join(report_engine.file_list(files, cur, prev)))
    floor = 5000
    c = report_engine.run(darkscope_bin, str(lst), cur, prev, extra=["--surge-min", str(floor)])
    ports = read_ports(files, cur, floor, log)
    assert ports.surge_cells
    assert c.get("cells", {}) == ports.surge_cells
