# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Tests of darkscope_lib.reader: the series file format (docs/FORMAT.md),
damaged files, time filters, several sensors, and agreement with the C
reader (`darkscope read --json`)."""
import calendar
import json
import os
import subprocess
import zlib

import pytest

import synth_quarter
from darkscope_lib import reader

T0 = calendar.timegm((2026, 11, 22, 3, 0, 0))   # 2026-11-22T03:00:00Z
FLOWS = synth_quarter.FLOWS_COLUMNS
PORTS = synth_quarter.PORTS_COLUMNS


@pytest.fixture(autouse=True, params=["whole", "sliced"])
def member_mode(request, monkeypatch):
    """Every test twice: members parsed whole, and every member taken as one
    over reader._HOLD (decompressed to its end, then again and parsed in
    slices of 61 bytes: lines cut in two, several lines per slice), which
    must give the same rows, order and warnings."""
    if request.param == "sliced":
        monkeypatch.setattr(reader, "_HOLD", 0)
        monkeypatch.setattr(reader, "_SLICE", 61)
    return request.param


def gz(text):
    return zlib.compress(text.encode(), 6, 31)


def header(series="flows", sensor="tokyo-1", columns=FLOWS, version=1, interval=60):
    return (f"# darkscope-series: {series} {version}\n# sensor: {sensor}\n# iface: eth1\n"
            f"# interval: {interval}\n# version: 0.1.0\n# started: 2026-11-22T03:00:05Z\n"
            f"{columns}\n")


def flow_line(ts, proto="tcp", dport=23, src="1.2.3.0/24", packets=1, syn=1, mirai=0,
              hosts=(1,), mhosts=()):
    h = "[" + ",".join(map(str, hosts)) + "]"
    m = "[" + ",".join(map(str, mhosts)) + "]"
    return f"{ts}\t{proto}\t{dport}\t{src}\t{packets}\t{syn}\t{mirai}\t{len(hosts)}\t" \
           f"{len(mhosts)}\t{h}\t{m}\n"


def write(path, *members):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        for m in members:
            f.write(m if isinstance(m, bytes) else gz(m))
    return path


def collect(paths, series="flows", **kw):
    warnings = []
    rows = list(reader.iter_rows(paths, series, on_warning=warnings.append, **kw))
    return rows, warnings


def c_read(darkscope_bin, series, *paths, extra=()):
    out = subprocess.run([darkscope_bin, "read", "--json", "--series", series, *extra,
                          *map(str, paths)], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()], out.stderr


def as_json(row):
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in row.items()}


# --- agreement with the C reader ---------------------------------------------------------

@pytest.fixture(scope="module")
def day_of_series(tmp_path_factory):
    """One day of two sensors at 10-minute intervals (6 members per hourly file)."""
    out = tmp_path_factory.mktemp("day")
    synth_quarter.make_quarter(str(out), "2026-04-01", days=1, interval=600, previous=False)
    return out


@pytest.mark.parametrize("series", reader.SERIES)
def test_matches_darkscope_read(day_of_series, darkscope_bin, series):
    """Files in the real format: iter_rows equals `darkscope read --json` row for
    row, order included; iter_rows_fast gives the same values."""
    tmp_path = day_of_series
    c_rows, err = c_read(darkscope_bin, series, tmp_path)
    assert err == ""
    rows, warnings = collect([str(tmp_path)], series)
    assert warnings == []
    assert len(rows) == len(c_rows) > 0
    assert [as_json(r) for r in rows] == c_rows
    cols = reader.COLUMNS[series] + ("sensor",)
    fast = list(reader.iter_rows_fast([str(tmp_path)], series, columns=cols))
    assert fast == [tuple(r[c] for c in cols) for r in rows]


def test_matches_darkscope_read_filtered(day_of_series, darkscope_bin):
    """--from/--to of the C reader equal t_from/t_to, mid-hour bounds included."""
    tmp_path = day_of_series
    t1 = calendar.timegm((2026, 4, 1, 5, 20, 0))
    t2 = calendar.timegm((2026, 4, 1, 9, 40, 0))
    c_rows, _ = c_read(darkscope_bin, "ports", tmp_path, extra=("--from", str(t1), "--to", str(t2)))
    rows, _ = collect([str(tmp_path)], "ports", t_from=t1, t_to=t2)
    assert [as_json(r) for r in rows] == c_rows
    assert {r["ts"] for r in rows} == set(range(t1, t2, 600))


def test_matches_darkscope_read_damaged(tmp_path, darkscope_bin):
    """A repeated header with another column order, an unknown column and a
    truncated last member: both readers give the same rows."""
    cols2 = "ts\tsrc\tproto\tdport\tpackets\tsyn\tmirai\tsrcs\tmirai_srcs\tsrc_hosts\tmirai_hosts" \
            "\textra"
    line2 = f"{T0 + 60}\t9.9.9.0/24\tudp\t53\t4\t0\t0\t1\t0\t[9]\t[]\t77\n"
    path = write(str(tmp_path / "s1" / "flows-2026-11-22T03.tsv.gz"),
                 header(), flow_line(T0, packets=3), header(columns=cols2), line2)
    with open(path, "ab") as f:
        f.write(gz(flow_line(T0 + 120))[:25])
    c_rows, err = c_read(darkscope_bin, "flows", path)
    assert "truncated member" in err
    rows, warnings = collect([path])
    assert len(rows) == len(c_rows) == 2
    assert len(warnings) == 1 and "truncated member" in warnings[0]
    for mine, theirs in zip(rows, c_rows):
        for k, v in theirs.items():   # C prints its own column set only
            assert as_json(mine)[k] == v
    assert rows[1]["extra"] == 77


# --- format ------------------------------------------------------------------------------

def test_values_and_types(tmp_path):
    path = write(str(tmp_path / "tokyo-1" / "flows-2026-11-22T03.tsv.gz"), header(),
                 flow_line(T0, "tcp", 23, "1.2.3.0/24", 5, 5, 2, (0, 17, 255), (17,)) +
                 flow_line(T0, "icmp", 8, "10.0.0.0/24", 1, 0, 0, (1,), ()))
    rows, warnings = collect([path])
    assert warnings == []
    assert rows[0] == {"ts": T0, "proto": "tcp", "dport": 23, "src": "1.2.3.0/24", "packets": 5,
                       "syn": 5, "mirai": 2, "srcs": 3, "mirai_srcs": 1,
                       "src_hosts": (0, 17, 255), "mirai_hosts": (17,), "sensor": "tokyo-1"}
    assert rows[1]["mirai_hosts"] == () and rows[1]["proto"] == "icmp"


def test_sensor_series_decimals(tmp_path):
    cols = synth_quarter.SENSOR_COLUMNS
    # ts, start_ms, end_ms, the counters, keys, max_keys, then drain_ms .. the end.
    vals = [T0, T0 * 1000, T0 * 1000 + 60000] + [0] * (len(cols.split("\t")) - 10) + ["0.125", "1.500", 0, 0, 0, 0, 0]
    path = write(str(tmp_path / "s" / "sensor-2026-11-22T03.tsv.gz"),
                 header("sensor", columns=cols), "\t".join(map(str, vals)) + "\n")
    rows, warnings = collect([path], "sensor")
    assert warnings == []
    assert rows[0]["drain_ms"] == 0.125 and rows[0]["write_ms"] == 1.5
    assert rows[0]["end_ms"] == T0 * 1000 + 60000 and rows[0]["sensor"] == "tokyo-1"


def test_header_repeated_with_other_column_order(tmp_path):
    """A later header replaces the column map (another process appended)."""
    cols2 = "ts\tsrc\tdport\tproto\tpackets\tnew_counter\tsrc_hosts"
    path = write(str(tmp_path / "s" / "flows-2026-11-22T03.tsv.gz"),
                 header(), flow_line(T0, "tcp", 23, "1.2.3.0/24", 5),
                 header(columns=cols2), f"{T0 + 60}\t4.5.6.0/24\t80\ttcp\t7\t42\t[3,4]\n",
                 f"{T0 + 120}\t7.8.9.0/24\t443\ttcp\t1\t0.5\t[]\n")
    rows, warnings = collect([path])
    assert warnings == []
    assert [(r["ts"], r["proto"], r["dport"], r["src"], r["packets"]) for r in rows] == [
        (T0, "tcp", 23, "1.2.3.0/24", 5), (T0 + 60, "tcp", 80, "4.5.6.0/24", 7),
        (T0 + 120, "tcp", 443, "7.8.9.0/24", 1)]
    # unknown column kept (typed), missing optional columns absent
    assert rows[1]["new_counter"] == 42 and rows[2]["new_counter"] == 0.5
    assert rows[1]["src_hosts"] == (3, 4)
    assert "syn" not in rows[1] and "mirai_hosts" not in rows[1]
    fast = list(reader.iter_rows_fast([path], "flows", columns=("dport", "syn", "sensor")))
    assert fast == [(23, 1, "tokyo-1"), (80, None, "tokyo-1"), (443, None, "tokyo-1")]


def test_header_and_rows_in_one_member_and_crlf(tmp_path):
    """Not how the C writer does it, but valid text: comments, header and rows in one
    member, blank lines, a last line without newline."""
    text = header() + "\n" + flow_line(T0) + "# a comment\n" + flow_line(T0 + 60).rstrip("\n")
    path = write(str(tmp_path / "s" / "flows-2026-11-22T03.tsv.gz"), text)
    rows, warnings = collect([path])
    assert warnings == [] and [r["ts"] for r in rows] == [T0, T0 + 60]


def test_sensor_name_falls_back_to_directory(tmp_path):
    text = FLOWS + "\n" + flow_line(T0)
    write(str(tmp_path / "nagoya-2" / "flows-2026-11-22T03.tsv.gz"), text)
    rows, _ = collect([str(tmp_path)])
    assert rows[0]["sensor"] == "nagoya-2"


def test_mixed_ts_in_one_member_is_filtered_per_row(tmp_path):
    path = write(str(tmp_path / "s" / "flows-2026-11-22T03.tsv.gz"), header(),
                 flow_line(T0) + flow_line(T0 + 60) + flow_line(T0 + 120))
    rows, _ = collect([path], t_from=T0 + 60, t_to=T0 + 120)
    assert [r["ts"] for r in rows] == [T0 + 60]
    # ts not among the wanted columns, and a malformed row in between
    path = write(str(tmp_path / "t" / "flows-2026-11-22T03.tsv.gz"), header(),
                 flow_line(T0, packets=1) + flow_line(T0 + 60, packets="x")
                 + flow_line(T0 + 60, packets=3) + flow_line(T0 + 120, packets=4))
    warnings = []
    fast = list(reader.iter_rows_fast([path], "flows", T0 + 60, T0 + 120, columns=("packets",),
                                      on_warning=warnings.append))
    assert fast == [(3,)] and len(warnings) == 1
    chunks = list(reader.iter_chunks_fast([path], "flows", columns=("packets",),
                                          on_warning=warnings.append))
    assert chunks == [[(1,)], [(3,)], [(4,)]]


# --- damaged files -----------------------------------------------------------------------

def test_truncated_last_member(tmp_path):
    good = [gz(header()), gz(flow_line(T0, packets=1)), gz(flow_line(T0 + 60, packets=2))]
    cut = gz(flow_line(T0 + 120, packets=3) * 50)
    path = str(tmp_path / "s" / "flows-2026-11-22T03.tsv.gz")
    write(path, *good, cut[: len(cut) // 2])
    rows, warnings = collect([path])
    assert [r["packets"] for r in rows] == [1, 2]
    offset = sum(map(len, good))
    assert len(warnings) == 1
    assert warnings[0].startswith(path + ": truncated member at byte %d" % offset)


def test_truncated_inside_gzip_header_and_trailer(tmp_path):
    """Cut in the 10-byte gzip header, and cut in the 8-byte CRC/size trailer."""
    for keep in (3, -4):
        last = gz(flow_line(T0 + 60))
        path = write(str(tmp_path / f"s{keep}" / "flows-2026-11-22T03.tsv.gz"), header(),
                     flow_line(T0), last[:keep])
        rows, warnings = collect([path])
        assert [r["ts"] for r in rows] == [T0]
        assert len(warnings) == 1 and "truncated member" in warnings[0]


def test_corrupt_member_keeps_earlier_and_other_files(tmp_path):
    bad = bytearray(gz(flow_line(T0 + 60) * 20))
    bad[len(bad) // 2] ^= 0xFF
    p1 = write(str(tmp_path / "a" / "flows-2026-11-22T03.tsv.gz"), header(sensor="a"),
               flow_line(T0, packets=1), bytes(bad), flow_line(T0 + 120, packets=9))
    p2 = write(str(tmp_path / "b" / "flows-2026-11-22T03.tsv.gz"), header(sensor="b"),
               flow_line(T0, packets=5), flow_line(T0 + 120, packets=6))
    rows, warnings = collect([str(tmp_path)])
    assert [(r["sensor"], r["packets"]) for r in rows] == [("a", 1), ("b", 5), ("b", 6)]
    assert len(warnings) == 1 and warnings[0].startswith(p1 + ": corrupt member at byte")
    assert p2 not in warnings[0]


def test_not_gzip_and_crc_error(tmp_path):
    p1 = str(tmp_path / "x" / "flows-2026-11-22T03.tsv.gz")
    os.makedirs(os.path.dirname(p1))
    with open(p1, "w") as f:
        f.write("this is not gzip\n")
    member = bytearray(gz(header() + flow_line(T0)))
    member[-6] ^= 0x01          # CRC32 of the trailer
    p2 = write(str(tmp_path / "y" / "flows-2026-11-22T03.tsv.gz"), bytes(member))
    p3 = write(str(tmp_path / "z" / "flows-2026-11-22T03.tsv.gz"), header(sensor="z"),
               flow_line(T0))
    rows, warnings = collect([str(tmp_path)])
    assert [r["sensor"] for r in rows] == ["z"]
    assert len(warnings) == 2
    assert warnings[0].startswith(p1 + ": corrupt") and warnings[1].startswith(p2 + ": corrupt")
    assert p3


def test_unreadable_file_warns_and_continues(tmp_path):
    p1 = write(str(tmp_path / "a" / "flows-2026-11-22T03.tsv.gz"), header(sensor="a"),
               flow_line(T0))
    write(str(tmp_path / "b" / "flows-2026-11-22T03.tsv.gz"), header(sensor="b"),
          flow_line(T0))
    warnings = []
    it = reader.iter_rows([str(tmp_path)], "flows", on_warning=warnings.append)
    os.remove(p1)               # found, then gone before it is read
    rows = list(it)
    assert [r["sensor"] for r in rows] == ["b"]
    assert len(warnings) == 1 and warnings[0].startswith(p1 + ": cannot open")


def test_default_warning_goes_to_stderr(tmp_path, capsys):
    path = write(str(tmp_path / "s" / "flows-2026-11-22T03.tsv.gz"), header(), flow_line(T0))
    with open(path, "ab") as f:
        f.write(gz(flow_line(T0))[:12])
    assert len(list(reader.iter_rows([path]))) == 1
    assert capsys.readouterr().err.startswith(f"darkscope: {path}: truncated member at byte")


def test_newer_format_version_and_other_series_are_skipped(tmp_path):
    p1 = write(str(tmp_path / "a" / "flows-2026-11-22T03.tsv.gz"), header(version=2),
               flow_line(T0))
    p2 = write(str(tmp_path / "b" / "x.tsv.gz"), header(series="ports", columns=PORTS),
               f"{T0}\ttcp\t23\t1\t1\t0\n")
    rows, warnings = collect([p1, p2])
    assert rows == []
    # x.tsv.gz carries no hour in its name: it is read first, as by darkscope read
    assert "holds the ports series, not flows" in warnings[0]
    assert warnings[1].startswith(p1 + ": format version 2 is newer")


def test_row_before_header_and_malformed_rows(tmp_path):
    p1 = write(str(tmp_path / "a" / "flows-2026-11-22T03.tsv.gz"), flow_line(T0))
    p2 = write(str(tmp_path / "b" / "flows-2026-11-22T03.tsv.gz"), header(),
               flow_line(T0) + f"{T0}\ttcp\tnot-a-port\t1.2.3.0/24\t1\t1\t0\t1\t0\t[1]\t[]\n"
               + flow_line(T0, packets=7))
    rows, warnings = collect([p1, p2])
    assert [r["packets"] for r in rows] == [1, 7]
    assert "data row before any column header" in warnings[0]
    assert warnings[1].startswith(p2 + ": 1 malformed row(s) skipped")


# --- paths, order, filters ---------------------------------------------------------------

def make_two_sensors(root):
    """tokyo-1 and osaka-1, two hours each, one-minute intervals."""
    for sensor in ("tokyo-1", "osaka-1"):
        for h in (0, 1):
            hour = T0 + h * 3600
            name = f"flows-2026-11-22T{3 + h:02d}.tsv.gz"
            members = [header(sensor=sensor)]
            for m in (0, 59):
                members.append(flow_line(hour + m * 60, src=f"{h}.{m}.0.0/24",
                                         packets=1 if sensor == "tokyo-1" else 2))
            write(os.path.join(root, sensor, name), *members)
    os.makedirs(os.path.join(root, "tokyo-1", ".hidden"))
    write(os.path.join(root, "tokyo-1", ".flows-2026-11-22T05.tsv.gz"), header(), flow_line(T0))
    write(os.path.join(root, "tokyo-1", "ports-2026-11-22T03.tsv.gz"),
          header("ports", columns=PORTS), f"{T0}\ttcp\t23\t1\t1\t0\n")


def test_find_files(tmp_path):
    root = str(tmp_path)
    make_two_sensors(root)
    files = reader.find_files([root], "flows")
    assert [os.path.relpath(p, root) for _, p in files] == [
        "osaka-1/flows-2026-11-22T03.tsv.gz", "tokyo-1/flows-2026-11-22T03.tsv.gz",
        "osaka-1/flows-2026-11-22T04.tsv.gz", "tokyo-1/flows-2026-11-22T04.tsv.gz"]
    assert [os.path.basename(d) for d, _ in files] == ["osaka-1", "tokyo-1"] * 2
    # sensor dirs given one by one: their order breaks ties
    files = reader.find_files([os.path.join(root, "tokyo-1"), os.path.join(root, "osaka-1")],
                              "flows")
    assert [os.path.basename(d) for d, _ in files] == ["tokyo-1", "osaka-1"] * 2
    assert len(reader.find_files([root], "ports")) == 1
    assert reader.find_files([root], "sensor") == []
    one = os.path.join(root, "osaka-1", "flows-2026-11-22T04.tsv.gz")
    assert reader.find_files(one, "flows") == [(os.path.join(root, "osaka-1"), one)]
    with pytest.raises(FileNotFoundError) as e:
        reader.find_files([root, os.path.join(root, "nope")], "flows")
    assert e.value.filename.endswith("nope")
    with pytest.raises(ValueError):
        reader.find_files([root], "bogus")


def test_multiple_sensors_ordered_by_ts(tmp_path):
    root = str(tmp_path)
    make_two_sensors(root)
    rows, warnings = collect([root])
    assert warnings == []
    got = [(r["ts"] - T0, r["sensor"]) for r in rows]
    assert got == [(0, "osaka-1"), (0, "tokyo-1"), (3540, "osaka-1"), (3540, "tokyo-1"),
                   (3600, "osaka-1"), (3600, "tokyo-1"), (7140, "osaka-1"), (7140, "tokyo-1")]
    # same through `dir/*`
    rows2, _ = collect([os.path.join(root, "osaka-1"), os.path.join(root, "tokyo-1")])
    assert rows2 == rows


def test_time_filter(tmp_path):
    root = str(tmp_path)
    make_two_sensors(root)
    rows, _ = collect([root], t_from=T0 + 3540, t_to=T0 + 3600)
    assert {r["ts"] for r in rows} == {T0 + 3540} and len(rows) == 2
    rows, _ = collect([root], t_from=T0 + 3600)
    assert {r["ts"] - T0 for r in rows} == {3600, 7140}
    rows, _ = collect([root], t_to=T0 + 1)
    assert {r["ts"] for r in rows} == {T0}
    rows, _ = collect([root], t_from=T0 + 7200)
    assert rows == []
    fast = list(reader.iter_rows_fast([root], "flows", T0 + 60, T0 + 3601,
                                      columns=("sensor", "packets")))
    assert sorted(fast) == [("osaka-1", 2)] * 2 + [("tokyo-1", 1)] * 2


def test_iter_rows_fast_default_columns(tmp_path):
    root = str(tmp_path)
    make_two_sensors(root)
    fast = list(reader.iter_rows_fast([root], "flows"))
    rows, _ = collect([root])
    assert fast == [tuple(r[c] for c in reader.COLUMNS["flows"]) for r in rows]


def test_iter_chunks_fast(tmp_path, member_mode):
    synth_quarter.make_quarter(str(tmp_path), "2026-04-01", days=1, interval=900,
                               previous=False)
    cols = ("ts", "sensor", "dport", "src_hosts")
    t1, t2 = calendar.timegm((2026, 4, 1, 2, 30, 0)), calendar.timegm((2026, 4, 1, 7, 0, 0))
    chunks = list(reader.iter_chunks_fast([str(tmp_path)], "flows", t1, t2, columns=cols))
    assert [r for c in chunks for r in c] == \
        list(reader.iter_rows_fast([str(tmp_path)], "flows", t1, t2, columns=cols))
    if member_mode == "whole":
        assert len(chunks) == 2 * 18        # 2 sensors x 18 quarter hours
    else:                                   # a list per slice at most
        assert len(chunks) > 2 * 18
    for c in chunks:
        assert len({(r[0], r[1]) for r in c}) == 1


def test_host_helpers():
    assert reader.parse_hosts("[]") == ()
    assert reader.parse_hosts("[0,255]") == (0, 255)
    assert reader.hosts_mask((0, 3, 255)) == (1 << 255) | 9
    with pytest.raises(ValueError):
        reader.parse_hosts("1,2")
    assert reader.file_hour("a/flows-2026-11-22T03.tsv.gz") == ("flows", T0)
    assert reader.file_hour("flows-2026-02-30T03.tsv.gz") is None
    assert reader.file_hour("flows-2026-11-22T03.tsv") is None


def test_same_file_reached_twice_is_read_once(tmp_path):
    root = str(tmp_path)
    make_two_sensors(root)
    rows, _ = collect([root])
    osaka = os.path.join(root, "osaka-1")
    one = os.path.join(osaka, "flows-2026-11-22T04.tsv.gz")
    link = os.path.join(root, "link.tsv.gz")
    os.symlink(one, link)
    # the root twice, a sensor dir inside it, one of its files, a symlink to
    # it and the dir spelt with "./": every file once, a warning each
    dotted = os.path.join(root, ".", "osaka-1")
    again, warnings = collect([root, root, osaka, one, link, dotted])
    assert again == rows
    assert len(warnings) == 4 + 2 + 1 + 1 + 2
    assert all(": the same file as " in w and w.endswith(": read once") for w in warnings)
    assert any(w.startswith(link + ":") and one in w for w in warnings)


def test_same_file_reached_twice_read_once_by_darkscope_read(tmp_path, darkscope_bin):
    root = str(tmp_path)
    make_two_sensors(root)
    osaka = os.path.join(root, "osaka-1")
    one = os.path.join(osaka, "flows-2026-11-22T04.tsv.gz")
    link = os.path.join(root, "link.tsv.gz")
    os.symlink(one, link)
    rows, err = c_read(darkscope_bin, "flows", root)
    assert rows and "read once" not in err
    again, err = c_read(darkscope_bin, "flows", root, root, osaka, link)
    assert again == rows
    # the second root: 4 files; osaka-1: 2; the symlink: 1
    assert err.count(": read once") == 7
    assert f"{link}: the same file as {one}: read once" in err
    # and the Python reader agrees on the rows
    py, _ = collect([root, root, osaka, link])
    assert len(py) == len(rows)
