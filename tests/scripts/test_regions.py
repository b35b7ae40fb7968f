# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Tests of darkscope_lib.regions: RIR delegated files (the tests' fixture and
the real files in ../shared/data/rir), tor-geoipdb, and load_default()."""
import os
import random
import re
import time

import pytest

import synth_quarter
from darkscope_lib import regions
from darkscope_lib.regions import ip_to_int


def ip(text):
    return ip_to_int(text)


@pytest.fixture(scope="module")
def fixture_db(rir_fixture):
    warnings = []
    db = regions.load_rir([rir_fixture], on_warning=warnings.append)
    assert warnings == []
    return db


# --- the fixture -------------------------------------------------------------------------

@pytest.mark.parametrize("addr, cc", [
    ("126.0.0.0", "JP"), ("126.0.255.255", "JP"), ("126.1.0.0", None), ("125.255.255.255", None),
    # 768 addresses (3 x /24, not a power of two): first, last, last + 1 (next block: CN)
    ("60.32.0.0", "JP"), ("60.32.1.77", "JP"), ("60.32.2.255", "JP"), ("60.32.3.0", "CN"),
    ("60.32.3.255", "CN"), ("60.32.4.0", None), ("60.31.255.255", None),
    # 1536 addresses (6 x /24)
    ("23.0.0.0", "US"), ("23.0.5.255", "US"), ("23.0.6.0", None),
    # 1280 addresses (5 x /24)
    ("5.188.8.0", "RU"), ("5.188.12.255", "RU"), ("5.188.13.0", None),
    ("104.16.200.7", "US"), ("223.64.9.9", "CN"), ("185.100.87.255", "NL"),
    ("185.100.88.0", None), ("95.42.0.1", "BG"), ("142.0.255.255", "CA"), ("41.31.255.255", "ZA"),
    # available / reserved / no country: not attributed
    ("102.192.0.1", None), ("200.0.0.1", None), ("198.18.1.1", None),
    ("0.0.0.0", None), ("255.255.255.255", None),
])
def test_fixture_lookup(fixture_db, addr, cc):
    assert fixture_db.lookup(ip(addr)) == cc
    assert fixture_db.lookup_ip(addr) == cc


def test_fixture_ranges_and_source(fixture_db, rir_fixture):
    # 11 ipv4 records with a country; 60.32.0.0 (JP, 768) and 60.32.3.0 (CN) stay apart
    assert len(fixture_db) == 11
    assert fixture_db.countries() == {"JP", "CN", "US", "CA", "NL", "BG", "RU", "ZA"}
    assert list(fixture_db.starts) == sorted(fixture_db.starts)
    assert all(e < s for e, s in zip(fixture_db.ends, fixture_db.starts[1:]))
    assert fixture_db.source == \
        "RIR delegated files: delegated-test-extended (test 2026-04-01)"


def test_lookup_net24(fixture_db):
    assert fixture_db.lookup_net24("60.32.2.0/24") == "JP"
    assert fixture_db.lookup_net24("60.32.3.0/24") == "CN"
    assert fixture_db.lookup_net24("198.18.7.0/24") is None
    assert fixture_db.lookup_net24("60.32.2.0/24") == "JP"      # cached
    assert fixture_db.lookup_net24("60.32.2.0") == "JP"
    for bad in ("", "garbage", "1.2.3.4.5/24", "300.1.1.0/24"):
        assert fixture_db.lookup_net24(bad) is None


def test_synthetic_sources_resolve_as_intended(fixture_db):
    """synth_quarter's answers assume these countries."""
    for cc, pool in synth_quarter.POOLS.items():
        for net in pool:
            assert fixture_db.lookup_net24(net + "/24") == cc, net
    for net in synth_quarter.JP_MIRAI_NETS + synth_quarter.JP_PLAIN_NETS:
        assert fixture_db.lookup_net24(net + "/24") == "JP"
    assert fixture_db.lookup_net24(synth_quarter.SCANNER_NET + "/24") == "US"


def test_malformed_lines_warn_and_continue(fixtures_dir):
    path = os.path.join(fixtures_dir, "delegated-test-malformed")
    warnings = []
    db = regions.load_rir([path], on_warning=warnings.append)
    assert len(warnings) == 3
    assert warnings[0].startswith(f"{path}:5: malformed line")
    assert warnings[1].startswith(f"{path}:6: malformed ipv4 record")
    assert warnings[2].startswith(f"{path}:7: malformed ipv4 record")
    assert db.lookup(ip("126.0.0.9")) == "JP" and db.lookup(ip("223.64.0.9")) == "CN"
    assert db.lookup(ip("126.0.1.9")) is None and db.lookup(ip("126.0.2.9")) is None


def test_malformed_default_warning_to_stderr(fixtures_dir, capsys):
    regions.load_rir([os.path.join(fixtures_dir, "delegated-test-malformed")])
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and all(line.startswith("darkscope: ") for line in err)


def test_later_file_wins(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.write_text("arin|US|ipv4|10.0.0.0|1024|20200101|allocated\n")
    b.write_text("ripencc|NL|ipv4|10.0.1.0|256|20230101|allocated\n"
                 "ripencc|NL|ipv4|10.0.4.0|256|20230101|allocated\n")
    warnings = []
    db = regions.load_rir([str(a), str(b)], on_warning=warnings.append)
    got = [db.lookup(ip(f"10.0.{i}.1")) for i in range(6)]
    assert got == ["US", "NL", "US", "US", "NL", None]
    assert len(warnings) == 1 and "overlap" in warnings[0]
    db = regions.load_rir([str(b), str(a)], on_warning=warnings.append)
    assert [db.lookup(ip(f"10.0.{i}.1")) for i in range(6)] == ["US"] * 4 + ["NL", None]


def test_gzip_and_missing_rir_file(tmp_path, rir_fixture):
    import gzip
    gz = tmp_path / "delegated-test.gz"
    with open(rir_fixture, "rb") as f, gzip.open(gz, "wb") as g:
        g.write(f.read())
    assert regions.load_rir([str(gz)]).lookup(ip("60.32.2.255")) == "JP"
    with pytest.raises(ValueError, match="cannot read RIR file"):
        regions.load_rir([str(tmp_path / "missing")])


# --- real RIR files ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(shared_rir_dir):
    names = ["delegated-apnic-latest", "delegated-afrinic-extended-latest",
             "delegated-lacnic-extended-latest"]
    paths = [os.path.join(shared_rir_dir, n) for n in names]
    for p in paths:
        if not os.path.exists(p):
            pytest.skip(f"{p} absent")
    return paths


def test_real_apnic(real):
    warnings = []
    db = regions.load_rir(real[:1], on_warning=warnings.append)
    assert warnings == []
    assert db.lookup(ip("133.0.0.1")) == "JP"          # apnic|JP|ipv4|133.0.0.0|16777216
    assert db.lookup(ip("133.255.255.255")) == "JP"
    assert db.lookup(ip("1.0.1.1")) == "CN"            # apnic|CN|ipv4|1.0.1.0|256
    assert db.lookup(ip("1.0.0.1")) == "AU"
    assert db.lookup(ip("8.8.8.8")) is None            # ARIN space: not in the APNIC file
    # 47,067 ipv4 records, adjacent ones of one country merged
    assert 20000 < len(db) < 47067
    assert {"JP", "CN", "AU", "IN", "KR"} <= db.countries()
    assert db.source == "RIR delegated files: delegated-apnic-latest (apnic 2021-07-15)"


def test_real_afrinic_and_lacnic(real):
    warnings = []
    db = regions.load_rir(real[1:], on_warning=warnings.append)
    assert warnings == []
    assert db.lookup(ip("41.0.0.1")) == "ZA"           # afrinic|ZA|ipv4|41.0.0.0|2097152
    assert db.lookup(ip("41.32.0.1")) == "EG"
    assert db.lookup(ip("41.57.64.1")) == "ZW"
    # afrinic|ZA|ipv4|196.4.20.0|2560: not a power of two
    assert db.lookup(ip("196.4.20.0")) == "ZA" and db.lookup(ip("196.4.29.255")) == "ZA"
    assert db.lookup(ip("102.192.0.1")) is None        # afrinic|ZZ|...|available
    assert db.lookup(ip("24.152.0.1")) == "BR"         # lacnic|BR|ipv4|24.152.0.0|1024
    assert 3000 < len(db) < 5089 + 19618
    assert "delegated-afrinic-extended-latest (afrinic 2023-03-23)" in db.source
    assert "delegated-lacnic-extended-latest (lacnic 2023-03-23)" in db.source


def test_real_overlap_between_registries(real):
    """58.84.12.0/23 is IN in the APNIC 2021 file and BR in the LACNIC 2023 file (a
    transfer): the later file on the list wins."""
    warnings = []
    db = regions.load_rir(real, on_warning=warnings.append)
    assert db.lookup(ip("58.84.12.1")) == "BR"
    assert len(warnings) == 1 and "overlap" in warnings[0]
    db = regions.load_rir([real[2], real[0]], on_warning=warnings.append)
    assert db.lookup(ip("58.84.12.1")) == "IN"


# --- tor-geoipdb -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def geoip():
    if not os.path.exists(regions.DEFAULT_GEOIP):
        pytest.skip("tor-geoipdb not installed")
    return regions.load_geoip()


def test_geoip(geoip):
    # the file's own line for 8.8.8.8: 100663296,135630591,US (6.0.0.0-8.21.255.255)
    with open(regions.DEFAULT_GEOIP) as f:
        line = next(x for x in f if not x.startswith("#") and
                    int(x.split(",")[0]) <= ip("8.8.8.8") <= int(x.split(",")[1]))
    assert line.strip().endswith(",US")
    assert geoip.lookup(ip("8.8.8.8")) == "US"
    assert geoip.lookup(ip("133.0.0.1")) == "JP"
    assert geoip.lookup(ip("10.0.0.1")) is None
    assert len(geoip) > 100000
    assert re.fullmatch(r"tor-geoipdb \S+ \(/usr/share/tor/geoip, data \d{4}-\d\d-\d\d\)",
                        geoip.source), geoip.source


def test_geoip_speed(geoip):
    rng = random.Random(4)
    addrs = [rng.getrandbits(32) for _ in range(10 ** 6)]
    lookup = geoip.lookup
    t = time.perf_counter()
    found = sum(1 for a in addrs if lookup(a))
    elapsed = time.perf_counter() - t
    assert found > 0.5 * len(addrs)
    assert elapsed < 10, f"10^6 lookups took {elapsed:.1f} s"


def test_geoip_file_format(tmp_path):
    p = tmp_path / "geoip"
    p.write_text("# Generated: Thu, 25 Jun 2026 04:33:59 GMT\n"
                 "16777216,16777471,AU\n16777472,16778239,??\n16778240,16779263,cn\n")
    db = regions.load_geoip(str(p))
    assert db.lookup(16777300) == "AU" and db.lookup(16777500) is None
    assert db.lookup(16779263) == "CN" and db.lookup(16779264) is None
    assert db.source == f"tor geoip file ({p}, data 2026-06-25)"


# --- load_default ------------------------------------------------------------------------

def test_load_default(rir_fixture, tmp_path):
    db = regions.load_default(["rir:" + rir_fixture])
    assert db.lookup(ip("60.32.2.255")) == "JP"
    assert regions.load_default("rir:" + rir_fixture).lookup(ip("23.0.5.1")) == "US"
    if os.path.exists(regions.DEFAULT_GEOIP):
        assert regions.load_default([]).source.startswith("tor-geoipdb")
        assert regions.load_default(None).lookup(ip("8.8.8.8")) == "US"
        assert regions.load_default(["geoip:" + regions.DEFAULT_GEOIP]).lookup(
            ip("8.8.8.8")) == "US"
    for bad, msg in [(["bogus"], "expected rir:FILE or geoip:PATH"),
                     (["rir:" + str(tmp_path / "nope")], "No such file or directory"),
                     (["rir:" + rir_fixture, "geoip:" + regions.DEFAULT_GEOIP], "not both"),
                     (["geoip:" + str(tmp_path / "nope")], "No such file or directory")]:
        with pytest.raises(ValueError, match=msg):
            regions.load_default(bad)
