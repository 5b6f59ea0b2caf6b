"""Occupational coverage, supply per 1,000 openings (metric A) and uncovered occupations, by hand.

Links (cip_inference="fallback"), from conftest.py's alignments and crosswalk:
    c1  29-1141 explicit 1
    c2  15-1231, 15-1232 explicit 1/2 each
    c3  CIP 51.3801 -> 29-1141 inferred 1
    c4  15-1212 explicit 1
    c6  29-1141 explicit 1
    c7  CIP 11.0901 -> 15-1231, 15-1241, 15-1244 inferred 1/3 each
    c8  CIP 11.0901 (k=3) and 51.3801 (k=1): each CIP gets 1/2 -> 15-12xx 1/6 each, 29-1141 1/2
    c9  29-1141 explicit 1 (its CIP is ignored: it has an explicit SOC)
    c10 47-2111 explicit 1
    c11 35-2010 explicit 1 (a broad code; its CIP 01.0000 is not in the crosswalk)
    c12 29-1141 explicit 1 (Suspended: not active)
    c5  no usable code
"""

from __future__ import annotations

import polars as pl
import pytest

from ler_analytics.metrics import (
    compute_occupation_coverage,
    compute_occupation_link_summary,
    compute_supply_per_openings,
    compute_uncovered_occupations,
)
from ler_analytics.metrics.occupations import soc_links

from .conftest import C


def _name(ctid: str) -> str:
    return next(k for k, v in C.items() if v == ctid)


def test_soc_links_weights(hand):
    links = soc_links(hand)
    got = {(_name(c), s): (m, w) for c, s, m, w in links.select("ctid", "soc_code", "method", "weight").iter_rows()}
    expected = {
        ("c1", "29-1141"): ("explicit", 1.0),
        ("c2", "15-1231"): ("explicit", 0.5), ("c2", "15-1232"): ("explicit", 0.5),
        ("c3", "29-1141"): ("cip_inferred", 1.0),
        ("c4", "15-1212"): ("explicit", 1.0),
        ("c6", "29-1141"): ("explicit", 1.0),
        ("c7", "15-1231"): ("cip_inferred", 1 / 3), ("c7", "15-1241"): ("cip_inferred", 1 / 3),
        ("c7", "15-1244"): ("cip_inferred", 1 / 3),
        ("c8", "15-1231"): ("cip_inferred", 1 / 6), ("c8", "15-1241"): ("cip_inferred", 1 / 6),
        ("c8", "15-1244"): ("cip_inferred", 1 / 6), ("c8", "29-1141"): ("cip_inferred", 1 / 2),
        ("c9", "29-1141"): ("explicit", 1.0),
        ("c10", "47-2111"): ("explicit", 1.0),
        ("c11", "35-2010"): ("explicit", 1.0),
        ("c12", "29-1141"): ("explicit", 1.0),
    }
    assert got.keys() == expected.keys()
    for key, (method, weight) in expected.items():
        assert got[key][0] == method
        assert got[key][1] == pytest.approx(weight)
    # every linked credential's weights sum to 1
    assert links.group_by("ctid").agg(pl.col("weight").sum())["weight"].to_list() == pytest.approx([1.0] * 11)


def test_soc_links_always_and_off(hand):
    always = soc_links(hand, cip_inference="always", inferred_weight=0.5)
    c9 = always.filter(pl.col("ctid") == C["c9"])
    # c9: explicit 29-1141 and CIP 51.3801 -> 29-1141 (same SOC): the explicit link wins, weight 1
    assert c9.select("soc_code", "method", "weight").rows() == [("29-1141", "explicit", 1.0)]
    off = soc_links(hand, cip_inference="off")
    assert set(off["method"]) == {"explicit"}
    assert off["ctid"].n_unique() == 8  # c1 c2 c4 c6 c9 c10 c11 c12
    with pytest.raises(ValueError, match="cip_inference"):
        soc_links(hand, cip_inference="sometimes")


def test_occupation_coverage_national(hand):
    out = compute_occupation_coverage(hand)
    got = {(r["soc_code"], r["method"]): (r["credential_count"], r["weighted_credentials"])
           for r in out.iter_rows(named=True)}
    expected = {
        ("29-1141", "explicit"): (4, 4.0),  # c1 c6 c9 c12
        ("29-1141", "cip_inferred"): (2, 1.5),  # c3 (1) + c8 (1/2)
        ("15-1231", "explicit"): (1, 0.5),  # c2
        ("15-1231", "cip_inferred"): (2, 0.5),  # c7 1/3 + c8 1/6
        ("15-1232", "explicit"): (1, 0.5),
        ("15-1241", "cip_inferred"): (2, 0.5),
        ("15-1244", "cip_inferred"): (2, 0.5),
        ("15-1212", "explicit"): (1, 1.0),
        ("47-2111", "explicit"): (1, 1.0),
        ("35-2010", "explicit"): (1, 1.0),
    }
    assert got.keys() == expected.keys()
    for key, (count, weighted) in expected.items():
        assert got[key][0] == count
        assert got[key][1] == pytest.approx(weighted)
    assert set(out["state_code"]) == {"US"}
    # documented reconciliation: weights sum to the number of linked credentials (11)
    assert out["weighted_credentials"].sum() == pytest.approx(11.0)
    assert out.filter(pl.col("soc_code") == "29-1141")["soc_title"].to_list() == ["Registered Nurses"] * 2


def test_occupation_coverage_one_state_active_only(hand):
    out = compute_occupation_coverage(hand, state="CO", active_only=True)
    # CO (rule any) active: c1 c2 c3 c6 c8 c9 (c12 suspended)
    rn = out.filter(pl.col("soc_code") == "29-1141")
    assert dict(rn.select("method", "credential_count").iter_rows()) == {"explicit": 3, "cip_inferred": 2}
    assert out["weighted_credentials"].sum() == pytest.approx(6.0)
    per_state = compute_occupation_coverage(hand, by_state=True)
    assert set(per_state["state_code"]) == {"CO", "WY"}


def test_link_summary(hand):
    out = compute_occupation_link_summary(hand)
    assert out.select("link", "credential_count").rows() == [("explicit", 8), ("only_cip_inferred", 3), ("none", 1)]
    assert out["share"].to_list() == pytest.approx([8 / 12, 3 / 12, 1 / 12])
    wy = compute_occupation_link_summary(hand, state="WY")
    # WY: c2 c10 c11 explicit; c7 c8 only inferred
    assert wy.select("link", "credential_count").rows() == [("explicit", 3), ("only_cip_inferred", 2), ("none", 0)]


def test_supply_per_1000_openings(hand):
    out = compute_supply_per_openings(hand)
    rows = {(r["state_code"], r["soc_major_group"]): r for r in out.iter_rows(named=True)}
    # CO active (any): c1 c2 c3 c6 c8 c9. 29-0000 supply = c1 1 + c3 1 + c6 1 + c8 1/2 + c9 1 = 4.5;
    # openings 3000 + 500 = 3500 -> 1000 * 4.5 / 3500
    co29 = rows[("CO", "29-0000")]
    assert co29["credential_count"] == 5
    assert co29["supply"] == pytest.approx(4.5)
    assert co29["est_annual_openings"] == pytest.approx(3500)
    assert co29["supply_per_1000_openings"] == pytest.approx(1000 * 4.5 / 3500)
    assert co29["soc_major_group_title"] == "Healthcare Practitioners and Technical Occupations"
    # 15-0000: c2 (1/2 + 1/2) + c8 (3 x 1/6) = 1.5; openings 400 + 600 + 1500 + 50 = 2550
    assert rows[("CO", "15-0000")]["supply_per_1000_openings"] == pytest.approx(1000 * 1.5 / 2550)
    # groups with openings but no credential show zero supply
    assert rows[("CO", "35-0000")]["supply"] == 0 and rows[("CO", "35-0000")]["supply_per_1000_openings"] == 0
    assert rows[("CO", "47-0000")]["est_annual_openings"] == pytest.approx(900)
    # WY active (any): c2 c7 c8 c10 c11. 15-0000: c2 1 + c7 1 + c8 1/2 = 2.5 over 50 + 40 = 90 openings (low)
    wy15 = rows[("WY", "15-0000")]
    assert wy15["supply"] == pytest.approx(2.5) and wy15["credential_count"] == 3
    assert wy15["supply_per_1000_openings"] == pytest.approx(1000 * 2.5 / 90)
    assert wy15["low_openings"] is True
    assert rows[("WY", "29-0000")]["supply_per_1000_openings"] == pytest.approx(1000 * 0.5 / 300)
    assert rows[("WY", "47-0000")]["supply_per_1000_openings"] == pytest.approx(1000 * 1 / 650)
    # 35-0000 in WY: c11 (broad cooks) -> supply 1 over cooks openings 150
    assert rows[("WY", "35-0000")]["supply_per_1000_openings"] == pytest.approx(1000 / 150)
    assert set(rows) == {("CO", "15-0000"), ("CO", "29-0000"), ("CO", "35-0000"), ("CO", "47-0000"),
                         ("WY", "15-0000"), ("WY", "29-0000"), ("WY", "35-0000"), ("WY", "47-0000")}
    assert out["openings_is_estimate"].all()
    assert not rows[("CO", "29-0000")]["low_openings"]
    one = compute_supply_per_openings(hand, state="CO")
    assert one.equals(out.filter(pl.col("state_code") == "CO"))


def test_supply_group_without_openings_has_null_ratio(hand):
    ref = dict(hand)
    ref["state_openings"] = hand["state_openings"].filter(~pl.col("soc_code").str.starts_with("35"))
    out = compute_supply_per_openings(ref, state="WY")
    row = out.filter(pl.col("soc_major_group") == "35-0000").row(0, named=True)
    assert row["supply"] == 1 and row["est_annual_openings"] is None
    assert row["supply_per_1000_openings"] is None and row["low_openings"] is True
    assert row["soc_major_group_title"] == "Food Preparation and Serving Related Occupations"


def test_uncovered_occupations(hand):
    out = compute_uncovered_occupations(hand, state="CO")
    # covered in CO: 29-1141, 15-1231, 15-1232, 15-1241, 15-1244. Uncovered by openings:
    # 35-2014 2000, 15-1252 1500, 47-2111 900, 29-2061 500
    assert out.select("rank", "soc_code").rows() == [(1, "35-2014"), (2, "15-1252"), (3, "47-2111"), (4, "29-2061")]
    assert out["soc_title"][1] == "Software Developers"
    top2 = compute_uncovered_occupations(hand, state="CO", top=2)
    assert top2["soc_code"].to_list() == ["35-2014", "15-1252"]
    paid = compute_uncovered_occupations(hand, state="CO", min_wage=60000)
    assert paid["soc_code"].to_list() == ["15-1252", "47-2111", "29-2061"]  # 60,000 itself is kept
    median = compute_uncovered_occupations(hand, state="CO", min_wage="state_median")  # CO median 61,000
    assert median["soc_code"].to_list() == ["15-1252", "47-2111"]


def test_uncovered_broad_rollup_and_inferred(hand):
    # WY covered: 15-1231 15-1232 15-1241 15-1244 29-1141 47-2111, and cooks 35-2014 through broad 35-2010
    assert compute_uncovered_occupations(hand, state="WY")["soc_code"].to_list() == ["47-2061"]
    explicit_only = compute_uncovered_occupations(hand, state="WY", include_inferred=False)
    # explicit WY links: c2 15-1231 15-1232, c10 47-2111, c11 35-2010
    assert explicit_only["soc_code"].to_list() == ["47-2061", "29-1141", "15-1244"]
    both = compute_uncovered_occupations(hand, top=1)
    assert both.select("state_code", "soc_code").rows() == [("CO", "35-2014"), ("WY", "47-2061")]
    with pytest.raises(ValueError, match="min_wage"):
        compute_uncovered_occupations(hand, state="CO", min_wage="high")


def test_overlapping_cips_count_a_credential_once(hand):
    # c7 gets a second CIP, 11.1001, that maps only to 15-1231 (which 11.0901 also reaches):
    # c7's two CIPs share its weight: 15-1231 = 1/2 * 1/3 + 1/2 * 1 = 2/3, 15-1241 = 15-1244 = 1/6
    data = dict(hand)
    data["alignments"] = pl.concat([hand["alignments"], pl.DataFrame(
        {"subject_ctid": [C["c7"]], "subject_table": ["credentials"], "code_system": ["CIP"], "code": ["11.1001"]})])
    data["cip_soc_crosswalk"] = pl.concat([hand["cip_soc_crosswalk"], pl.DataFrame(
        {"cip_code": ["11.1001"], "soc_code": ["15-1231"]})])
    links = soc_links(data)
    c7 = dict(links.filter(pl.col("ctid") == C["c7"]).select("soc_code", "weight").rows())
    assert c7 == pytest.approx({"15-1231": 2 / 3, "15-1241": 1 / 6, "15-1244": 1 / 6})
    out = compute_occupation_coverage(data)
    row = out.filter((pl.col("soc_code") == "15-1231") & (pl.col("method") == "cip_inferred")).row(0, named=True)
    assert row["credential_count"] == 2  # c7 and c8, c7 once although two of its CIPs reach 15-1231
    assert row["weighted_credentials"] == pytest.approx(2 / 3 + 1 / 6)
    assert out["weighted_credentials"].sum() == pytest.approx(11.0)
    wy = compute_supply_per_openings(data, state="WY").filter(pl.col("soc_major_group") == "15-0000").row(0, named=True)
    assert wy["credential_count"] == 3 and wy["supply"] == pytest.approx(2.5)  # c2 1 + c7 1 + c8 1/2


def test_always_mode_matches_exact_links(hand):
    # in the fixture only c9 has both an explicit SOC and a CIP, and its CIP reaches the same SOC: "always"
    # drops that inferred link, so the results equal "fallback"
    fallback = compute_occupation_coverage(hand, by_state=True)
    always = compute_occupation_coverage(hand, by_state=True, cip_inference="always")
    assert always.sort(always.columns).equals(fallback.sort(fallback.columns))
    s_always = compute_supply_per_openings(hand, cip_inference="always")
    assert s_always.equals(compute_supply_per_openings(hand))
    off = compute_occupation_coverage(hand, cip_inference="off")
    assert set(off["method"]) == {"explicit"} and off["weighted_credentials"].sum() == pytest.approx(8.0)
