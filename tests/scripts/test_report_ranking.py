# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Tests of darkscope_lib.report_ranking: the report's rankings, previous
ranks and "entered the top 10", as pure functions (no series files).

Run: /usr/bin/python3 -m pytest -q tests/scripts/test_report_ranking.py
"""
from darkscope_lib.report_keys import pkey_of
from darkscope_lib.report_ranking import (PREVIOUS_LIMIT, Entry, entered_top, previous_rank,
                                          rank_numbers, rank_ports, rank_regions)

TCP23, TCP80, UDP80, ICMP8, TCP22 = (pkey_of("tcp", 23), pkey_of("tcp", 80), pkey_of("udp", 80),
                                     pkey_of("icmp", 8), pkey_of("tcp", 22))


def test_ports_by_packets():
    assert rank_ports({TCP80: 5, TCP23: 9, ICMP8: 7}) == [(TCP23, 9), (ICMP8, 7), (TCP80, 5)]


def test_port_ties_by_port_then_protocol():
    # Equal packets: port 8 before 22 before 80; 80/tcp before 80/udp.
    ranked = rank_ports({UDP80: 3, TCP80: 3, TCP22: 3, ICMP8: 3})
    assert [k for k, _ in ranked] == [ICMP8, TCP22, TCP80, UDP80]


def test_ranking_does_not_depend_on_input_order():
    a = {TCP80: 3, UDP80: 3, TCP23: 1}
    b = dict(reversed(list(a.items())))
    assert rank_ports(a) == rank_ports(b)
    assert rank_regions({"US": 2, "JP": 2}) == rank_regions({"JP": 2, "US": 2})


def test_region_ties_by_code_and_unknown_never_ranked():
    assert rank_regions({"US": 5, None: 100, "CN": 5, "JP": 6}) == [("JP", 6), ("CN", 5), ("US", 5)]


def test_rank_numbers_from_one():
    assert rank_numbers([("JP", 6), ("CN", 5), ("US", 5)]) == {"JP": 1, "CN": 2, "US": 3}
    assert rank_numbers([]) == {}


def test_previous_rank_cells():
    ranks = {"JP": 1, "CN": 10, "US": 11}
    assert previous_rank("JP", ranks, True, 10) == 1
    assert previous_rank("CN", ranks, True, 10) == 10  # the limit itself is in
    assert previous_rank("US", ranks, True, 10) == "out of top 10"
    assert previous_rank("NL", ranks, True, 10) == "new"  # no packets then


def test_previous_rank_limit_follows_top_n():
    # --top 20: ranks up to 20 are shown, "out of top 20" below.
    ranks = {"US": 11, "RU": 21}
    assert previous_rank("US", ranks, True, max(PREVIOUS_LIMIT, 20)) == 11
    assert previous_rank("RU", ranks, True, 20) == "out of top 20"


def test_previous_period_missing_or_empty():
    # No previous period, or one without data: no cell at all, not "new".
    assert previous_rank("JP", {}, False, 10) is None
    assert previous_rank("JP", {"JP": 1}, False, 10) is None
    assert entered_top([("JP", 5)], {}, False) == []


def test_entered_top_new_and_climbers():
    ranked = [(f"k{i}", 100 - i) for i in range(12)]
    prev = {f"k{i}": i + 1 for i in range(12)}
    prev["k3"] = 15  # was out of the top 10
    del prev["k5"]  # had no packets: new
    prev["k7"] = 10  # was 10th: in the top 10 already
    assert entered_top(ranked, prev, True) == [Entry("k3", 4, 97, 15), Entry("k5", 6, 95, "new")]


def test_entered_top_ignores_ranks_below_the_top():
    # k11 is new but 12th now: not in this period's top 10, so not listed.
    ranked = [(f"k{i}", 100 - i) for i in range(12)]
    prev = {f"k{i}": i + 1 for i in range(11)}
    assert entered_top(ranked, prev, True) == []


def test_dropped_entries_are_not_listed():
    # Keys ranked before but absent now (dropped) appear nowhere: the cells
    # and the entered list are computed for the current keys only.
    prev = rank_numbers(rank_ports({TCP23: 50, TCP80: 40, TCP22: 30}))
    ranked = rank_ports({TCP23: 10, ICMP8: 5})
    assert [previous_rank(k, prev, True, 10) for k, _ in ranked] == [1, "new"]
    assert entered_top(ranked, prev, True) == [Entry(ICMP8, 2, 5, "new")]


def test_ties_keep_distinct_ranks():
    # A tie is broken by port, so tied keys get consecutive ranks, not one shared rank.
    ranks = rank_numbers(rank_ports({TCP80: 7, TCP22: 7}))
    assert ranks == {TCP22: 1, TCP80: 2}
