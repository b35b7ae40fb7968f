# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Tests of scripts/darkscope-series against synth_quarter's known answers, plus
darkscope_lib.services labels and synth_quarter's own consistency."""
import csv
import io
import os
import zlib

import pytest

import synth_quarter
from darkscope_lib import services


def table(proc, delimiter=","):
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return list(csv.DictReader(io.StringIO(proc.stdout), delimiter=delimiter))


def test_daily_totals(quarter, run_script):
    qdir, ans = quarter
    cur = ans["current"]
    rows = table(run_script("darkscope-series", "--from", cur["from"], "--to", cur["to"], qdir))
    assert [r["time"] for r in rows] == cur["dates"]
    assert {r["time"]: int(r["packets"]) for r in rows} == cur["daily_packets"]


def test_from_to_inclusive(quarter, run_script):
    qdir, ans = quarter
    day = ans["current"]["dates"][3]
    rows = table(run_script("darkscope-series", "--from", day, "--to", day, qdir))
    assert [(r["time"], int(r["packets"])) for r in rows] == \
        [(day, ans["current"]["daily_packets"][day])]


def test_ports_period_totals(quarter, run_script):
    """Per port over the period: packets, SYNs, Mirai SYNs and exact distinct
    sources (a host in many intervals and both sensors counts once)."""
    qdir, ans = quarter
    cur = ans["current"]
    rows = table(run_script("darkscope-series", "--bucket", "none", "--by", "proto,dport",
                            "--from", cur["from"], "--to", cur["to"], qdir))
    got = {(r["proto"], int(r["dport"])): {k: int(r[k]) for k in
                                           ("packets", "syn", "mirai", "sources",
                                            "mirai_sources")} for r in rows}
    assert got == cur["ports"]
    # the top ports, ranked as the report ranks them
    order = sorted(got, key=lambda k: (-got[k]["packets"], k[1],
                                       synth_quarter.PROTO_ORDER[k[0]]))
    assert order[:10] == [(p["proto"], p["dport"]) for p in cur["top_ports"]]


def test_daily_by_service_and_ports_series(quarter, run_script):
    qdir, ans = quarter
    cur = ans["current"]
    flows = table(run_script("darkscope-series", "--by", "service", "--from", cur["from"],
                             "--to", cur["to"], qdir))
    ports = table(run_script("darkscope-series", "--series", "ports", "--by", "service",
                             "--from", cur["from"], "--to", cur["to"], qdir))
    want = {}
    for key, days in cur["daily_port_packets"].items():
        for day, n in days.items():
            if n:
                want[(day, services.port_label(*key))] = n
    for rows in (flows, ports):
        assert {(r["time"], r["service"]): int(r["packets"]) for r in rows} == want


def test_regions(quarter, run_script, rir_fixture):
    qdir, ans = quarter
    cur = ans["current"]
    rows = table(run_script("darkscope-series", "--bucket", "none", "--by", "region",
                            "--region-db", "rir:" + rir_fixture, "--format", "tsv",
                            "--from", cur["from"], "--to", cur["to"], qdir), "\t")
    got = {r["region"]: (int(r["packets"]), int(r["sources"])) for r in rows}
    want = {cc: (v["packets"], v["sources"]) for cc, v in cur["regions"].items()}
    want["unknown"] = (cur["unknown"]["packets"], cur["unknown"]["sources"])
    assert got == want
    assert [r["region"] for r in rows][-1] == "unknown"


def test_jp_telnet_mirai_per_day(quarter, run_script, rir_fixture):
    """Figure 3's numbers: distinct JP sources to 23/TCP per day, Mirai and not."""
    qdir, ans = quarter
    cur = ans["current"]
    rows = table(run_script("darkscope-series", "--proto", "tcp", "--port", "23",
                            "--region", "JP", "--region-db", "rir:" + rir_fixture,
                            "--from", cur["from"], "--to", cur["to"], qdir))
    got = {r["time"]: {"mirai": int(r["mirai_sources"]),
                       "non_mirai": int(r["sources"]) - int(r["mirai_sources"]),
                       "all": int(r["sources"])} for r in rows}
    assert got == cur["jp_telnet_daily"]
    # hosts show in 2 of 3 hourly slots: the per-day distinct count is far below
    # the per-hour sum, so adding `srcs` would be wrong
    hourly = table(run_script("darkscope-series", "--bucket", "hour", "--proto", "tcp",
                              "--port", "23", "--region", "JP", "--region-db",
                              "rir:" + rir_fixture, "--from", cur["from"], "--to", cur["from"],
                              qdir))
    assert len(hourly) == 24
    assert sum(int(r["sources"]) for r in hourly) > 10 * got[cur["from"]]["all"]


def test_spike_by_sensor(quarter, run_script):
    qdir, ans = quarter
    sp = ans["spike"]
    rows = table(run_script("darkscope-series", "--series", "ports", "--by", "sensor",
                            "--proto", sp["proto"], "--port", sp["dport"],
                            "--from", sp["date"], "--to", sp["date"], qdir))
    assert {r["sensor"]: int(r["packets"]) for r in rows} == sp["by_sensor"]
    assert sp["by_sensor"][sp["sensor"]] > 10 * sp["previous_day_packets"]


def test_sensor_series(quarter, run_script):
    qdir, ans = quarter
    day = ans["current"]["dates"][0]
    rows = table(run_script("darkscope-series", "--series", "sensor", "--by", "sensor",
                            "--from", day, "--to", day, qdir))
    assert sorted(r["sensor"] for r in rows) == sorted(ans["sensors"])
    for r in rows:
        assert int(r["intervals"]) == 24
        assert int(r["frames"]) == int(r["counted"]) + int(r["non_ip"]) + int(r["ipv6"])
    counted = {r["sensor"]: int(r["counted"]) for r in rows}
    per_sensor = ans["current"]["sensor_daily_port_packets"]
    for s in ans["sensors"]:
        assert counted[s] == sum(days[day] for days in per_sensor[s].values())


def test_known_scanner_and_sensor_filter(quarter, run_script):
    qdir, ans = quarter
    cur = ans["current"]
    rows = table(run_script("darkscope-series", "--bucket", "none", "--by", "src",
                            "--proto", "tcp", "--port", "80", "--sensor", "tokyo-1",
                            "--from", cur["from"], "--to", cur["to"], qdir))
    srcs = {r["src"]: r for r in rows}
    scanner = srcs[synth_quarter.SCANNER_NET + "/24"]
    assert int(scanner["sources"]) == 2
    assert int(scanner["packets"]) == cur["known_scanner"]["ports"][("tcp", 80)] // 2
    # sorted by address, numerically
    nets = [tuple(map(int, r["src"].split("/")[0].split("."))) for r in rows]
    assert nets == sorted(nets)


def test_distinct_sources_across_intervals_and_sensors(tmp_path, run_script):
    """Host .5 in two intervals and on two sensors counts once; .6 once; the per-row
    srcs would add up to 4."""
    hdr = ("# darkscope-series: flows 1\n# sensor: {s}\n# iface: eth1\n# interval: 60\n"
           "# version: 0.1.0\n# started: 2026-11-22T03:00:05Z\n" + synth_quarter.FLOWS_COLUMNS
           + "\n")
    ts = 1795316400
    for s, members in (("a", [f"{ts}\ttcp\t23\t1.2.3.0/24\t2\t2\t2\t2\t2\t[5,6]\t[5,6]\n",
                              f"{ts + 60}\ttcp\t23\t1.2.3.0/24\t1\t1\t0\t1\t0\t[5]\t[]\n"]),
                       ("b", [f"{ts}\ttcp\t23\t1.2.3.0/24\t1\t1\t1\t1\t1\t[5]\t[5]\n",
                              f"{ts}\ttcp\t23\t1.2.4.0/24\t1\t1\t0\t1\t0\t[5]\t[]\n"])):
        os.makedirs(tmp_path / s)
        with open(tmp_path / s / "flows-2026-11-22T03.tsv.gz", "wb") as f:
            for text in [hdr.format(s=s)] + members:
                f.write(zlib.compress(text.encode(), 6, 31))
    rows = table(run_script("darkscope-series", "--bucket", "none", tmp_path))
    assert rows == [{"packets": "5", "syn": "5", "mirai": "3", "sources": "3",
                     "mirai_sources": "2"}]
    rows = table(run_script("darkscope-series", "--bucket", "minute", "--by", "sensor",
                            tmp_path))
    assert [(r["time"], r["sensor"], r["sources"]) for r in rows] == [
        ("2026-11-22T03:00Z", "a", "2"), ("2026-11-22T03:00Z", "b", "2"),
        ("2026-11-22T03:01Z", "a", "1")]


def test_empty_period(quarter, run_script):
    qdir, _ = quarter
    proc = run_script("darkscope-series", "--from", "2030-01-01", "--to", "2030-01-02", qdir)
    assert proc.returncode == 0 and proc.stdout == "time,packets,syn,mirai,sources,mirai_sources\n"


@pytest.mark.parametrize("args, status, message", [
    (["/nonexistent/sensors"], 1,
     "darkscope-series: /nonexistent/sensors: No such file or directory\n"),
    (["--from", "2026-02-30", "."], 64, "is not a date"),
    (["--by", "bogus", "."], 64, "--by bogus: not a key of the flows series"),
    (["--series", "sensor", "--by", "dport", "."], 64, "not a key of the sensor series"),
    (["--port", "70000", "."], 64, "is not a port"),
    (["--proto", "sctp", "."], 64, "invalid choice"),
    (["--from", "2026-05-02", "--to", "2026-05-01", "."], 64, "--to is before --from"),
    (["--by", "region", "--region-db", "bogus", "."], 1, "expected rir:FILE or geoip:PATH"),
])
def test_bad_arguments(run_script, args, status, message):
    proc = run_script("darkscope-series", *args)
    assert proc.returncode == status
    assert message in proc.stderr
    assert proc.stdout == ""
    if status == 1:
        assert proc.stderr.count("\n") == 1


def test_no_series_files(tmp_path, run_script):
    proc = run_script("darkscope-series", tmp_path)
    assert proc.returncode == 1
    assert proc.stderr == "darkscope-series: no flows files in the given paths\n"


def test_damaged_file_warns_and_goes_on(quarter, run_script, tmp_path):
    import shutil
    qdir, ans = quarter
    day = ans["current"]["dates"][0]
    copy = tmp_path / "q"
    shutil.copytree(qdir, copy)
    victim = copy / "tokyo-1" / f"flows-{day}T05.tsv.gz"
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) - 30])
    proc = run_script("darkscope-series", "--from", day, "--to", day, copy)
    assert proc.returncode == 0
    assert proc.stderr.startswith(f"darkscope-series: {victim}: truncated member at byte")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert 0 < int(rows[0]["packets"]) < ans["current"]["daily_packets"][day]


def test_help_has_examples(run_script):
    proc = run_script("darkscope-series", "--help")
    assert proc.returncode == 0 and "examples:" in proc.stdout


# --- services ----------------------------------------------------------------------------

@pytest.mark.parametrize("proto, port, label", [
    ("tcp", 23, "telnet(23/TCP)"), ("tcp", 80, "http(80/TCP)"), ("tcp", 443, "https(443/TCP)"),
    ("tcp", 22, "ssh(22/TCP)"), ("tcp", 8728, "8728/TCP"), ("tcp", 37215, "37215/TCP"),
    ("udp", 53, "domain(53/UDP)"), ("icmp", 0, "0/ICMP"), ("icmp", 8, "8/ICMP"),
    ("TCP", "23", "telnet(23/TCP)"),
])
def test_port_label(proto, port, label):
    if label.startswith(("telnet", "http", "ssh", "domain")) and \
            not os.path.exists("/etc/services"):
        pytest.skip("no services database")
    assert services.port_label(proto, port) == label


def test_port_label_udp_1900_follows_the_database():
    import socket
    try:
        name = socket.getservbyport(1900, "udp")
    except OSError:
        name = None
    assert services.port_label("udp", 1900) == (f"{name}(1900/UDP)" if name else "1900/UDP")


# --- synth_quarter itself ----------------------------------------------------------------

def test_synth_answers_shape(quarter):
    qdir, ans = quarter
    cur, prev = ans["current"], ans["previous"]
    assert len(cur["dates"]) == 14 and len(prev["dates"]) == 14
    assert cur["t_from"] == prev["t_to"]
    assert [p["rank"] for p in cur["top_ports"]] == list(range(1, 11))
    labels = [p["label"] for p in cur["top_ports"]]
    assert labels[0] == "telnet(23/TCP)"
    prev_of = {p["label"]: p["prev"] for p in cur["top_ports"]}
    assert prev_of["37215/TCP"] == "new" and prev_of["8728/TCP"] == "out of top 10"
    assert [r["cc"] for r in cur["top_regions"][:5]] == ["US", "BG", "CN", "NL", "CA"]
    assert cur["total_packets"] == sum(v["packets"] for v in cur["ports"].values())
    assert cur["total_packets"] == sum(v["packets"] for v in cur["regions"].values()) \
        + cur["unknown"]["packets"]
    assert sum(cur["sensor_packets"].values()) == cur["total_packets"]
    assert ans["spike"]["sensor_share"] > 0.9
    assert ("tcp", 37215) in ans["entered_top10"] and ("tcp", 8728) in ans["entered_top10"]
    for day in cur["dates"]:
        j = cur["jp_telnet_daily"][day]
        assert j["mirai"] > 0 and j["non_mirai"] > 0
    assert set(os.listdir(qdir)) == {"tokyo-1", "osaka-1"}
    assert len(os.listdir(os.path.join(qdir, "tokyo-1"))) == 3 * 24 * 28


def test_synth_cli(tmp_path):
    import json
    import subprocess
    import sys
    out = tmp_path / "q"
    proc = subprocess.run([sys.executable, synth_quarter.__file__, "--days", "2", "--interval",
                           "1800", "--sensors", "x", "--answers", str(tmp_path / "a.json"),
                           str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    a = json.loads((tmp_path / "a.json").read_text())
    assert a["sensors"] == ["x"] and "23/tcp" in a["current"]["ports"]
    assert sorted(os.listdir(out / "x"))[0] == "flows-2026-03-30T00.tsv.gz"
