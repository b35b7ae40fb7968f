# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Tests of darkscope_lib.known_scanners: the --known-scanners file and its
/24 matching (scripts/known-scanners.example is the format's example).

Run: /usr/bin/python3 -m pytest -q tests/scripts/test_known_scanners.py
"""
import os

import pytest

from darkscope_lib import known_scanners
from darkscope_lib.known_scanners import KnownScanners, KnownScannersError, net24_of

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def scanners(tmp_path, text):
    f = tmp_path / "ks.txt"
    f.write_text(text)
    return KnownScanners(str(f))


def test_known_scanners_file(tmp_path):
    ks = scanners(tmp_path, "# comment\n\n10.0.0.0/8 Big net\n10.1.2.0/24  Inner  scanner # note\n"
                            "192.0.2.16/28 Small\nnot-a-cidr Foo\n2001:db8::/32 Six\n10.9.0.0/16\n"
                            "172.16.5.7/16 Host bits\n")
    assert ks.names == ["Big net", "Inner  scanner", "Small", "Host bits"]
    n24 = net24_of
    assert ks.match_net24(n24("10.1.2.0/24")) == 1  # longest prefix wins
    assert ks.match_net24(n24("10.1.3.0/24")) == 0
    assert ks.match_net24(n24("192.0.2.0/24")) == 2  # /28 matches its /24
    assert ks.match_net24(n24("172.16.200.0/24")) == 3
    assert ks.match_net24(n24("11.0.0.0/24")) is None
    text = "\n".join(ks.warnings)
    assert ":6:" in text and ":7:" in text and ":8:" in text and "longer than /24" in text
    assert "host bits" in text


def test_example_file_is_clean():
    ks = KnownScanners(os.path.join(ROOT, "scripts", "known-scanners.example"))
    assert ks.names and ks.warnings == []
    assert all(n.startswith(("192.0.2.", "198.51.100.", "203.0.113.")) for nets in ks.networks
               for n in nets)


def test_example_file_matches_its_networks():
    ks = KnownScanners(os.path.join(ROOT, "scripts", "known-scanners.example"))
    for nets in ks.networks:
        for net in nets:
            # A nested network of another name may win a /24; some scanner always does.
            assert ks.match_net24(net24_of(net)) is not None
    assert ks.match_net24(net24_of("8.8.8.0/24")) is None


def test_same_name_gathers_networks(tmp_path):
    ks = scanners(tmp_path, "192.0.2.0/24 Survey\n198.51.100.0/24 Other\n203.0.113.0/25 Survey\n")
    assert ks.names == ["Survey", "Other"]
    assert ks.networks == [["192.0.2.0/24", "203.0.113.0/25"], ["198.51.100.0/24"]]
    assert ks.match_net24(net24_of("203.0.113.0/24")) == 0
    assert ks.match_net24(net24_of("198.51.100.0/24")) == 1


def test_bare_address_is_a_slash32(tmp_path):
    ks = scanners(tmp_path, "192.0.2.7 Single host\n")
    assert ks.networks == [["192.0.2.7/32"]]
    assert ks.match_net24(net24_of("192.0.2.0/24")) == 0
    assert len(ks.warnings) == 1 and "longer than /24" in ks.warnings[0]
    assert "all of 192.0.2.0/24" in ks.warnings[0]


def test_first_name_of_a_network_wins(tmp_path):
    ks = scanners(tmp_path, "192.0.2.0/24 First\n192.0.2.0/24 Second\n")
    assert ks.match_net24(net24_of("192.0.2.0/24")) == 0


def test_empty_file_matches_nothing(tmp_path):
    ks = scanners(tmp_path, "# nothing here\n\n")
    assert ks.names == [] and ks.warnings == []
    assert ks.match_net24(net24_of("10.0.0.0/24")) is None


def test_warning_names_file_and_line(tmp_path):
    ks = scanners(tmp_path, "\n\n10.0.0.0/8\n")
    assert ks.warnings == [f"{tmp_path / 'ks.txt'}:3: expected 'CIDR name', got '10.0.0.0/8'; "
                           "line skipped"]


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(KnownScannersError, match="No such file"):
        KnownScanners(str(tmp_path / "nope.txt"))


def test_net24_of():
    assert net24_of("10.1.2.0/24") == 10 << 16 | 1 << 8 | 2
    assert net24_of("255.255.255.0") == 0xFFFFFF
    with pytest.raises(ValueError):
        net24_of("not-an-address")
    assert known_scanners.net24_of is net24_of
