# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Tests of scripts/darkscope-report against a synthetic quarter with known answers.

tests/scripts/synth_quarter.py writes 90 days (and the 90 before) for two
sensors in the real series format and returns the exact answers; the report
runs as users run it (subprocess, /usr/bin/python3) and its report.json must
equal them: top ports and regions with counts and previous ranks, the
unknown-region sum, Figure 3 per day, the one-sensor spike.  Then the
outputs themselves (PNG, self-contained HTML), the same report from daily
rollups (`darkscope rollup`), and bad input: truncated file, malformed RIR
line, empty period, bad dates.

Run: /usr/bin/python3 -m pytest -q tests/scripts/test_report.py
"""
import datetime
import gzip
import json
import os
import re
import shutil
import struct
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
REPORT = os.path.join(ROOT, "scripts", "darkscope-report")
PYTHON = "/usr/bin/python3"
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import report_compare  # noqa: E402
import synth_quarter  # noqa: E402

START = "2026-04-01"
DAYS = 90
END = (datetime.date.fromisoformat(START) + datetime.timedelta(days=DAYS - 1)).isoformat()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_report(args, check=True):
    p = subprocess.run([PYTHON, REPORT] + list(args), capture_output=True, text=True,
                       timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"darkscope-report exited {p.returncode}:\n{p.stderr}")
    return p


def load(out):
    with open(os.path.join(out, "report.json"), encoding="utf-8") as f:
        return json.load(f)


def key(proto, port):
    return (proto, port)


@pytest.fixture(scope="module")
def quarter90(tmp_path_factory):
    d = tmp_path_factory.mktemp("quarter")
    answers = synth_quarter.make_quarter(str(d / "series"), START, days=DAYS)
    return str(d), answers


@pytest.fixture(scope="module")
def report(quarter90):
    d, answers = quarter90
    out = os.path.join(d, "out")
    p = run_report(["--from", START, "--to", END, "--top", "10",
                    "--region-db", *answers["region_db"],
                    "--known-scanners", answers["known_scanners_file"],
                    "--sensor-location", "tokyo-1=JP", "--sensor-location", "osaka-1=JP",
                    "--out", out, os.path.join(d, "series")])
    return out, load(out), answers, p


@pytest.fixture(scope="module")
def report_excluded(quarter90):
    d, answers = quarter90
    out = os.path.join(d, "out-excluded")
    run_report(["--from", START, "--to", END,
                "--region-db", *answers["region_db"],
                "--known-scanners", answers["known_scanners_file"], "--exclude-known",
                "--out", out, os.path.join(d, "series")])
    return out, load(out), answers


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """14 days, two sensors: for the bad-input tests."""
    d = tmp_path_factory.mktemp("small")
    answers = synth_quarter.make_quarter(str(d / "series"), "2026-04-01", days=14,
                                         previous=False)
    return str(d), answers


# ------------------------------------------------------------ the tables

def test_table1_top_ports_exact(report):
    _, r, a, _ = report
    cur = a["current"]
    assert len(r["top_ports"]) == 10
    for got, want in zip(r["top_ports"], cur["top_ports"]):
        assert (got["rank"], got["proto"], got["port"], got["label"]) == \
            (want["rank"], want["proto"], want["dport"], want["label"])
        assert (got["packets"], got["syn"], got["mirai"], got["sources"]) == \
            (want["packets"], want["syn"], want["mirai"], want["sources"])
        assert got["previous_rank"] == want["prev"]
        assert got["share"] == pytest.approx(100 * want["share"], abs=1e-3)
    assert r["totals"]["packets"] == cur["total_packets"]


def test_table1_previous_rank_kinds(report):
    """The scenario has every kind: a rank, "new" and "out of top 10"."""
    _, r, _, _ = report
    kinds = {type(x["previous_rank"]).__name__ if isinstance(x["previous_rank"], int)
             else x["previous_rank"] for x in r["top_ports"]}
    assert {"int", "new", "out of top 10"} <= kinds


def test_top_n_default_gives_exactly_n(report_excluded):
    _, r, _ = report_excluded
    assert len(r["top_ports"]) == 5 and len(r["top_regions"]) == 5


def test_table2_top_regions_exact(report):
    _, r, a, _ = report
    cur = a["current"]
    want_regions = cur["top_regions"]
    assert len(r["top_regions"]) == min(10, len(cur["region_ranking"]))
    for got, want in zip(r["top_regions"], want_regions):
        assert (got["rank"], got["cc"], got["packets"], got["syn"], got["sources"]) == \
            (want["rank"], want["cc"], want["packets"], want["syn"], want["sources"])
        assert got["previous_rank"] == want["prev"]
    u = r["unknown_region"]
    assert (u["packets"], u["syn"], u["sources"]) == \
        (cur["unknown"]["packets"], cur["unknown"]["syn"], cur["unknown"]["sources"])
    assert u["packets"] > 0
    assert all(x["cc"] != "unknown" for x in r["top_regions"])


def test_figure1_and_2_daily_exact(report):
    _, r, a, _ = report
    cur = a["current"]
    assert r["figure1"]["days"] == cur["dates"]
    for s, want in zip(r["figure1"]["series"], cur["top_ports"]):
        daily = cur["daily_port_packets"][key(want["proto"], want["dport"])]
        assert s["packets"] == [daily[d] for d in cur["dates"]]
    for s, want in zip(r["figure2"]["series"], cur["top_regions"]):
        daily = cur["daily_region_packets"][want["cc"]]
        assert s["packets"] == [daily[d] for d in cur["dates"]]


def test_figure3_jp_telnet_mirai_per_day_exact(report):
    _, r, a, _ = report
    f3 = r["figure3"]
    want = a["jp_telnet_daily"]
    assert (f3["region"], f3["proto"], f3["port"]) == ("JP", "tcp", 23)
    assert f3["days"] == sorted(want)
    assert f3["mirai"] == [want[d]["mirai"] for d in f3["days"]]
    assert f3["non_mirai"] == [want[d]["non_mirai"] for d in f3["days"]]
    assert f3["total"] == [want[d]["all"] for d in f3["days"]]
    assert len(set(f3["non_mirai"])) > 1  # the scenario's numbers move


def test_mirai_share_and_regions(report):
    _, r, a, _ = report
    cur = a["current"]
    for row in r["mirai_share"]:
        p = cur["ports"][key(row["proto"], row["port"])]
        assert (row["syn"], row["mirai"]) == (p["syn"], p["mirai"])
    want = cur["mirai_sources_by_region"]
    got = {x["cc"]: x["mirai_sources"] for x in r["mirai_regions"]}
    assert got == {cc: n for cc, n in want.items() if cc != "unknown"}
    assert r["unknown_region"]["mirai_sources"] == want.get("unknown", 0)
    assert r["totals"]["mirai_sources"] == sum(want.values())


def test_sensors(report):
    _, r, a, _ = report
    cur = a["current"]
    got = {s["name"]: s for s in r["sensors"]}
    assert set(got) == set(a["sensors"])
    for name, s in got.items():
        assert s["packets"] == cur["sensor_packets"][name]
        assert [(x["proto"], x["port"], x["packets"]) for x in s["top_ports"]] == \
            [(k[0], k[1], n) for k, n in cur["sensor_top_ports"][name]]
        assert s["location"] == "JP" and s["group"] == "domestic"
        assert s["days_with_data"] == DAYS
    assert [g["group"] for g in r["sensor_groups"]] == ["domestic"]


def test_known_scanner_table(report):
    _, r, a, _ = report
    ks = r["known_scanners"]
    want = a["current"]["known_scanner"]
    assert not ks["excluded"]
    (row,) = ks["scanners"]
    assert (row["name"], row["networks"]) == (want["name"], [want["cidr"]])
    assert (row["packets"], row["syn"], row["mirai"], row["sources"], row["ports"]) == \
        (want["packets"], want["syn"], want["mirai"], want["sources"], len(want["ports"]))


def test_notable_entered_top10(report):
    _, r, a, _ = report
    got = [(e["proto"], e["port"]) for e in r["notable"]["entered_top10"]]
    assert got == [tuple(k) for k in a["entered_top10"]]
    assert got  # 37215/TCP (new) and 8728/TCP (from outside the top 10)


def test_one_sensor_spike_called_out(report):
    out, r, a, _ = report
    spike = a["spike"]
    surges = [s for s in r["notable"]["surges"]
              if (s["proto"], s["port"]) == (spike["proto"], spike["dport"])]
    assert len(surges) == 1, r["notable"]["surges"]
    s = surges[0]
    assert s["first_day"] == s["last_day"] == s["peak_day"] == spike["date"]
    assert s["peak_packets"] == spike["packets"]
    assert s["single_sensor"] == spike["sensor"]
    assert {x["name"]: x["packets"] for x in s["sensors"]} == \
        {k: v for k, v in spike["by_sensor"].items() if v}
    top = s["sensors"][0]
    assert top["name"] == spike["sensor"]
    assert top["share"] == pytest.approx(100 * spike["sensor_share"], abs=0.01)
    # No other surge in a scenario whose daily factors stay within 1.0-1.4.
    assert len(r["notable"]["surges"]) == 1
    with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
        md = f.read()
    assert f"**One-sensor spike**: {spike['sensor']} alone carries {top['share']:.1f} %" in md


def test_exclude_known_changes_rankings(report, report_excluded):
    _, r, a, _ = report
    _, rx, _ = report_excluded
    cur, prev = a["current"], a["previous"]
    ports_x = cur["ports_excluding_known"]
    want = cur["port_ranking_excluding_known"][:5]
    assert [(x["proto"], x["port"]) for x in rx["top_ports"]] == [tuple(k) for k in want]
    assert [x["packets"] for x in rx["top_ports"]] == [ports_x[k]["packets"] for k in want]
    assert [x["syn"] for x in rx["top_ports"]] == [ports_x[k]["syn"] for k in want]
    prank = {tuple(k): i + 1 for i, k in enumerate(prev["port_ranking_excluding_known"])}
    for x in rx["top_ports"]:
        pr = prank.get((x["proto"], x["port"]))
        assert x["previous_rank"] == ("new" if pr is None else pr if pr <= 10 else "out of top 10")
    regions_x = cur["regions_excluding_known"]
    wantr = cur["region_ranking_excluding_known"][:5]
    assert [x["cc"] for x in rx["top_regions"]] == wantr
    assert [x["packets"] for x in rx["top_regions"]] == [regions_x[c]["packets"] for c in wantr]
    # Excluding the scanner (US, every port) lowers US and every port's count.
    us = next(x for x in r["top_regions"] if x["cc"] == "US")
    usx = next(x for x in rx["top_regions"] if x["cc"] == "US")
    assert us["packets"] - usx["packets"] == cur["known_scanner"]["packets"]
    assert rx["known_scanners"]["excluded"]
    assert rx["known_scanners"]["scanners"][0]["packets"] == cur["known_scanner"]["packets"]
    assert rx["totals"]["packets"] == r["totals"]["packets"] - cur["known_scanner"]["packets"]


# ----------------------------------------------------------- the outputs

def png_size(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == PNG_MAGIC, path
    assert data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    assert data.rstrip(b"\x00")[-8:-4] == b"IEND"
    return len(data), w, h


def test_pngs_valid(report):
    out, _, _, _ = report
    pngs = sorted(f for f in os.listdir(out) if f.endswith(".png"))
    assert pngs == ["fig1-ports.png", "fig2-regions.png", "fig3-mirai-sources.png",
                    "fig4-sensors.png"]
    for name in pngs:
        size, w, h = png_size(os.path.join(out, name))
        assert size > 10000 and w >= 600 and h >= 300


def test_html_self_contained(report):
    out, _, _, _ = report
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        page = f.read()
    assert "http://" not in page and "https://" not in page
    srcs = re.findall(r"""src\s*=\s*["']?([^"' >]*)""", page, re.I)
    assert len(srcs) == 4 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r"<(script|link|iframe|object|embed)\b", page, re.I)
    assert "url(" not in page and "@import" not in page
    assert not re.search(r"\bhref\s*=", page, re.I)
    assert "telnet(23/TCP)" in page and "Table 1" in page


def test_markdown_links_figures(report):
    out, _, _, _ = report
    with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
        md = f.read()
    for name in ("fig1-ports.png", "fig2-regions.png", "fig3-mirai-sources.png"):
        assert f"]({name})" in md
    assert "| 1 | telnet(23/TCP) |" in md
    assert "Unknown region (not ranked)" in md
    assert "RIR delegated files: delegated-test-extended" in md  # footer: database and date


def test_footer(report):
    _, r, a, p = report
    f = r["footer"]
    assert f["sensors"] == sorted(a["sensors"])
    assert f["files"]["flows"] == 2 * 2 * DAYS * 24  # two sensors, both periods, hourly
    assert f["warnings"] == []
    assert "delegated-test-extended" in f["region_db"] and "2026-04-01" in f["region_db"]
    # A 90-day period: day bins, so no interval was looked up.
    assert r["period"] == {"from": START, "to": END, "days": DAYS,
                           "t_from": a["current"]["t_from"], "t_to": a["current"]["t_to"],
                           "seconds": DAYS * 86400, "whole_days": True, "bin": 86400,
                           "bin_unit": "day", "bins": DAYS, "interval": None}
    assert r["previous"]["from"] == a["previous"]["from"]
    assert r["previous"]["to"] == a["previous"]["to"]
    # 90 days are no calendar quarter (Q2 has 91): the 90 days before.
    assert r["previous"]["rule"] == "days"


def test_same_report_from_rollups(quarter90, report, report_excluded, tmp_path, darkscope_bin):
    """Daily rollups of the whole quarter (and the previous one) give the
    same report, json, md, html and figures, with and without
    --exclude-known; only the footer's reading figures differ."""
    d, answers = quarter90
    series = str(tmp_path / "series")
    shutil.copytree(os.path.join(d, "series"), series)
    subprocess.run([darkscope_bin, "rollup", "-q",
                    *(os.path.join(series, s) for s in answers["sensors"])], check=True)
    out = str(tmp_path / "out")
    run_report(["--from", START, "--to", END, "--top", "10",
                "--region-db", *answers["region_db"],
                "--known-scanners", answers["known_scanners_file"],
                "--sensor-location", "tokyo-1=JP", "--sensor-location", "osaka-1=JP",
                "--out", out, series])
    report_compare.assert_same_results(report[0], out)
    r = load(out)
    assert r["footer"]["files"]["flows"] == 2 * 2 * DAYS  # one file a day and sensor
    out = str(tmp_path / "out-excluded")
    run_report(["--from", START, "--to", END,
                "--region-db", *answers["region_db"],
                "--known-scanners", answers["known_scanners_file"], "--exclude-known",
                "--out", out, series])
    report_compare.assert_same_results(report_excluded[0], out)


# -------------------------------------------------------------- bad input

def test_empty_period(quarter90, tmp_path):
    d, a = quarter90
    out = str(tmp_path / "new" / "dir")  # --out is created, parents too
    p = run_report(["--from", "2030-01-01", "--to", "2030-03-31",
                    "--region-db", *a["region_db"], "--out", out, os.path.join(d, "series")])
    assert "no data" in p.stderr
    r = load(out)
    assert r["has_data"] is False and r["top_ports"] == [] and r["top_regions"] == []
    with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
        assert "**No data**" in f.read()
    for name in ("report.html", "fig1-ports.png", "fig3-mirai-sources.png"):
        assert os.path.getsize(os.path.join(out, name)) > 0
    png_size(os.path.join(out, "fig1-ports.png"))


def test_truncated_file_warns(small, tmp_path):
    d, a = small
    series = str(tmp_path / "series")
    shutil.copytree(os.path.join(d, "series"), series)
    victim = os.path.join(series, "tokyo-1", "flows-2026-04-03T05.tsv.gz")
    size = os.path.getsize(victim)
    with open(victim, "r+b") as f:
        f.truncate(size - 40)  # cut the last member short
    out = str(tmp_path / "out")
    p = run_report(["--from", "2026-04-01", "--to", "2026-04-14",
                    "--region-db", *a["region_db"], "--out", out, series])
    assert "truncated" in p.stderr and "flows-2026-04-03T05.tsv.gz" in p.stderr
    r = load(out)
    assert any("truncated" in w and "flows-2026-04-03T05" in w for w in r["footer"]["warnings"])
    assert r["has_data"] and len(r["top_ports"]) == 5
    with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
        assert "Warning: " in f.read()
    with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
        assert "truncated" in f.read()


def test_unreadable_gzip_warns(small, tmp_path):
    d, a = small
    series = str(tmp_path / "series")
    shutil.copytree(os.path.join(d, "series"), series)
    with open(os.path.join(series, "osaka-1", "ports-2026-04-02T00.tsv.gz"), "wb") as f:
        f.write(b"this is not gzip at all")
    out = str(tmp_path / "out")
    p = run_report(["--from", "2026-04-01", "--to", "2026-04-14",
                    "--region-db", *a["region_db"], "--out", out, series])
    assert "ports-2026-04-02T00.tsv.gz" in p.stderr
    assert any("ports-2026-04-02T00" in w for w in load(out)["footer"]["warnings"])


def test_paths_given_twice_count_once(small, tmp_path):
    """The series directory twice and a sensor directory inside it: the
    same numbers as once, and the footer counts every file read once, one
    line per sensor directory and series."""
    d, a = small
    series = os.path.join(d, "series")
    args = ["--from", "2026-04-01", "--to", "2026-04-14", "--region-db", *a["region_db"]]
    once, twice = str(tmp_path / "once"), str(tmp_path / "twice")
    run_report(args + ["--out", once, series])
    p = run_report(args + ["--out", twice, series, series + "/", os.path.join(series, "tokyo-1")])
    r1, r2 = load(once), load(twice)
    assert r1.keys() == r2.keys()
    for k in r1:
        if k != "footer":
            assert r2[k] == r1[k], k
    dup = [w for w in r2["footer"]["warnings"] if w.endswith(": read once")]
    tokyo = len([f for f in os.listdir(os.path.join(series, "tokyo-1")) if f.endswith(".gz")])
    osaka = len([f for f in os.listdir(os.path.join(series, "osaka-1")) if f.endswith(".gz")])
    # "series/" reaches every file again, the third path tokyo-1's once more
    assert len(dup) == 2 * 3
    skipped = sum(int(re.search(r": (\d+) files \(", w).group(1)) for w in dup)
    assert skipped == 2 * tokyo + osaka
    assert "read once" in p.stderr


def test_malformed_rir_line_warns(small, tmp_path):
    d, a = small
    out = str(tmp_path / "out")
    bad = os.path.join(synth_quarter.FIXTURES, "delegated-test-malformed")
    p = run_report(["--from", "2026-04-01", "--to", "2026-04-14",
                    "--region-db", "rir:" + bad, "--out", out, os.path.join(d, "series")])
    assert "delegated-test-malformed:" in p.stderr
    r = load(out)
    assert any("malformed" in w for w in r["footer"]["warnings"])
    assert r["has_data"]


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-13-01", "--to", "2026-12-31"], "not a date"),
    (["--from", "2026-04-01", "--to", "tomorrow"], "not a date"),
    (["--from", "2026/04/01", "--to", "2026-06-30"], "not a date"),
    (["--from", "2026-06-30", "--to", "2026-04-01"], "is before --from"),
    (["--to", "2026-06-30"], "--from"),
    (["--from", "2026-04-01", "--to", "2026-06-30", "--previous", "2026-01-01"], "FROM:TO"),
    (["--from", "2026-04-01", "--to", "2026-06-30", "--port", "23"], "PORT/PROTO"),
    (["--from", "2026-04-01", "--to", "2026-06-30", "--top", "0"], "1 to 1000"),
    (["--from", "2026-04-01", "--to", "2026-06-30", "--exclude-known"], "--known-scanners"),
])
def test_bad_arguments(small, tmp_path, args, message):
    d, _ = small
    p = run_report(args + ["--out", str(tmp_path / "o"), os.path.join(d, "series")], check=False)
    assert p.returncode == 64, p.stderr
    assert message in p.stderr
    assert not os.path.exists(tmp_path / "o")


def test_missing_directory(tmp_path):
    p = run_report(["--from", "2026-04-01", "--to", "2026-04-02", "--out", str(tmp_path / "o"),
                    str(tmp_path / "nope")], check=False)
    assert p.returncode == 1 and "No such file or directory" in p.stderr


def test_previous_explicit_and_none(small, tmp_path):
    d, a = small
    out = str(tmp_path / "none")
    run_report(["--from", "2026-04-01", "--to", "2026-04-14", "--previous", "none",
                "--region-db", *a["region_db"], "--out", out, os.path.join(d, "series")])
    r = load(out)
    assert r["previous"] is None and all(x["previous_rank"] is None for x in r["top_ports"])
    out = str(tmp_path / "explicit")
    # The first week as the "previous" period of the second: every port ranked then.
    run_report(["--from", "2026-04-08", "--to", "2026-04-14",
                "--previous", "2026-04-01:2026-04-07",
                "--region-db", *a["region_db"], "--out", out, os.path.join(d, "series")])
    r = load(out)
    assert r["previous"]["from"] == "2026-04-01" and r["previous"]["has_data"]
    assert all(isinstance(x["previous_rank"], int) for x in r["top_ports"])


def write_hour(sensor_dir, sensor, ts, flows, lost=0):
    """One hourly file per series with one interval: flows rows
    (proto, dport, src, packets, syn, mirai, hosts, mirai_hosts); ports = their
    sums, plus `lost` packets on the first row's port that flows misses (as
    when the sensor's flow table is full)."""
    os.makedirs(sensor_dir, exist_ok=True)
    name = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H")
    head = "# darkscope-series: {} 1\n# sensor: %s\n# interval: 3600\n" % sensor
    lines, ports = [], {}
    for proto, dport, src, pk, syn, mir, hosts, mh in flows:
        lines.append(f"{ts}\t{proto}\t{dport}\t{src}\t{pk}\t{syn}\t{mir}\t{len(hosts)}\t{len(mh)}"
                     f"\t[{','.join(map(str, hosts))}]\t[{','.join(map(str, mh))}]\n")
        t = ports.setdefault((proto, dport), [0, 0, 0])
        t[0] += pk
        t[1] += syn
        t[2] += mir
    ports[(flows[0][0], flows[0][1])][0] += lost
    order = {"tcp": 0, "udp": 1, "icmp": 2}
    plines = [f"{ts}\t{p}\t{d}\t{a}\t{b}\t{c}\n"
              for (p, d), (a, b, c) in sorted(ports.items(), key=lambda x: (order[x[0][0]], x[0][1]))]
    for series, cols, body in (
            ("flows", "ts\tproto\tdport\tsrc\tpackets\tsyn\tmirai\tsrcs\tmirai_srcs\tsrc_hosts"
                      "\tmirai_hosts", lines),
            ("ports", "ts\tproto\tdport\tpackets\tsyn\tmirai", plines)):
        with open(os.path.join(sensor_dir, f"{series}-{name}.tsv.gz"), "ab") as f:
            f.write(gzip.compress((head.format(series) + cols + "\n").encode()))
            f.write(gzip.compress("".join(body).encode()))


def test_exclude_known_promotes_untracked_port(tmp_path):
    """Excluding a scanner lifts a port from below the tracked candidates
    (top 2N) into the top N: its distinct sources come from a second pass."""
    ts = 1775001600  # 2026-04-01T00
    write_hour(str(tmp_path / "s" / "a"), "a", ts, [
        ("tcp", 80, "192.0.2.0/24", 100, 100, 0, (1,), ()),     # scanner only
        ("tcp", 443, "192.0.2.0/24", 90, 90, 0, (1,), ()),      # scanner only
        ("tcp", 22, "126.0.1.0/24", 30, 30, 0, (1, 2, 3), ()),
        ("tcp", 22, "126.0.2.0/24", 30, 30, 0, (9,), ()),
        ("udp", 53, "126.0.3.0/24", 10, 0, 0, (4,), ()),
    ])
    ks = tmp_path / "ks.txt"
    ks.write_text("192.0.2.0/24 doc-scanner\n")
    rir = os.path.join(synth_quarter.FIXTURES, "delegated-test-extended")
    common = ["--from", "2026-04-01", "--to", "2026-04-01", "--top", "1",
              "--region-db", "rir:" + rir, "--known-scanners", str(ks)]
    out = str(tmp_path / "o1")
    run_report(common + ["--out", out, str(tmp_path / "s")])
    r = load(out)
    assert [(x["port"], x["packets"], x["sources"]) for x in r["top_ports"]] == [(80, 100, 1)]
    out = str(tmp_path / "o2")
    run_report(common + ["--exclude-known", "--out", out, str(tmp_path / "s")])
    r = load(out)
    assert [(x["port"], x["packets"], x["sources"]) for x in r["top_ports"]] == [(22, 60, 4)]
    assert r["totals"]["packets"] == 70
    assert any("second pass" in n for n in r["footer"]["notes"])
    assert r["top_regions"][0]["cc"] == "JP" and r["top_regions"][0]["packets"] == 70
    assert r["known_scanners"]["scanners"][0]["packets"] == 190


def test_flows_shortfall_warns(tmp_path):
    """Packets in ports but not in flows (flow table full): Table 1 keeps the
    exact ports numbers, and the footer warns that flows-based parts undercount."""
    write_hour(str(tmp_path / "s" / "a"), "a", 1775001600, [
        ("tcp", 23, "126.0.1.0/24", 40, 40, 20, (1, 2), (1,)),
        ("tcp", 80, "126.0.2.0/24", 30, 30, 0, (5,), ()),
    ], lost=25)
    out = str(tmp_path / "o")
    run_report(["--from", "2026-04-01", "--to", "2026-04-01", "--region-db",
                "rir:" + os.path.join(synth_quarter.FIXTURES, "delegated-test-extended"),
                "--out", out, str(tmp_path / "s")])
    r = load(out)
    assert [(x["port"], x["packets"], x["sources"]) for x in r["top_ports"]] == [(23, 65, 2), (80, 30, 1)]
    assert r["top_regions"][0]["packets"] == 70
    # A one-day period has hour bins: the interval (00:00) is in the first.
    assert r["period"]["bin"] == 3600
    assert r["figure3"]["mirai"] == [1] + [0] * 23 and r["figure3"]["non_mirai"] == [1] + [0] * 23
    assert any("25 fewer packets" in w for w in r["footer"]["warnings"])


def test_help_has_examples():
    p = run_report(["--help"])
    assert "examples:" in p.stdout and "--exclude-known" in p.stdout


def test_gzip_helper_sanity(small):
    """The small dataset is real gzip series (guards the bad-input tests)."""
    d, _ = small
    with gzip.open(os.path.join(d, "series", "tokyo-1", "flows-2026-04-03T05.tsv.gz"), "rt") as f:
        assert f.readline().startswith("# darkscope-series: flows 1")
