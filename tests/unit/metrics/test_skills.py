"""Metrics B and C on a hand-worked fixture (every number below is computed by hand in the comments)."""

from __future__ import annotations

import polars as pl
import pytest

from ler_analytics.metrics import get_metric_info
from ler_analytics.metrics.skills import (
    competency_matches,
    compute_competency_coverage,
    compute_skill_gap_index,
    compute_top_skill_gaps,
    credential_competencies,
    occupation_profiles,
    prime_competency_matches,
)

SOC = "51-4121"


def _ratings(rows):
    return pl.DataFrame(rows, schema=["onet_soc_code", "element_id", "element_name", "importance", "level",
                                      "importance_suppress"], orient="row").with_columns(
        pl.col("onet_soc_code").str.slice(0, 7).alias("soc_code"),
        pl.lit(False).alias("level_suppress"), pl.lit(False).alias("not_relevant"))


@pytest.fixture
def tables():
    creds = pl.DataFrame({"ctid": ["c1", "c2", "c3"], "name": ["C1", "C2", "C3"], "owner_ctid": ["o1", "o1", "o2"],
                          "offered_by_ctids": [[], [], []], "is_available_online": [False, False, False]},
                         schema_overrides={"offered_by_ctids": pl.List(pl.String)})
    orgs = pl.DataFrame({"ctid": ["o1", "o2"], "state_code": ["CO", "TX"]})
    comps = pl.DataFrame({
        "ctid": ["k1", "k2", "k3"],
        "text": ["Troubleshooting: find the cause of operating errors",
                 "Knowledge of mechanical: machines and tools",
                 "Use Microsoft Excel in production work"],
    })
    conn = pl.DataFrame([
        ("c1", "credentials", "requires", "k1", "requires/targetCompetency"),
        ("c2", "credentials", "teaches", "k2", "direct"),
        ("c2", "credentials", "requires", "l1", "requires/targetLearningOpportunity"),
        ("l1", "learning_opportunities", "teaches", "k1", "direct"),
        ("c3", "credentials", "teaches", "k3", "direct"),  # technology only: not a skill/knowledge element
        ("c3", "credentials", "ownedBy", "o2", "direct"),
    ], schema=["subject_ctid", "subject_table", "relation", "target_ctid", "via"], orient="row")
    align = pl.DataFrame({"subject_ctid": ["c1", "c2", "c3"], "subject_table": ["credentials"] * 3,
                          "code_system": ["SOC"] * 3, "code": [SOC] * 3})
    skills = _ratings([
        ("51-4121.06", "2.B.3.k", "Troubleshooting", 4.0, 4.0, False),
        ("51-4121.07", "2.B.3.k", "Troubleshooting", 4.0, 4.0, False),
        ("51-4121.06", "2.B.3.j", "Equipment Maintenance", 3.5, 3.5, False),
        ("51-4121.06", "2.A.1.a", "Reading Comprehension", 2.5, 3.0, False),  # importance < 3: not a top element
        ("51-4121.06", "2.A.1.c", "Writing", 5.0, 6.0, True),                  # suppressed
    ])
    knowledge = _ratings([
        ("51-4121.06", "2.C.3.e", "Mechanical", 4.5, 5.0, False),
        ("29-1141.00", "2.C.5.a", "Medicine and Dentistry", 5.0, 6.0, False),
    ])
    related = pl.DataFrame({"onet_soc_code": ["29-2061.00"], "related_onet_soc_code": ["29-1141.00"],
                            "relatedness_tier": ["Primary-Short"], "rank": [1]})
    openings = pl.DataFrame({"state_code": ["CO", "CO", "TX"], "soc_code": [SOC, "29-2061", SOC],
                             "est_annual_openings": [100.0, 60.0, 10.0]})
    hierarchy = pl.DataFrame({"soc_code": [SOC, "51-0000", "29-0000"], "soc_title": ["Welders", "Production", "Health"],
                              "soc_level": ["detailed", "major", "major"]})
    return {
        "credentials": creds, "organizations": orgs, "competencies": comps, "connections": conn, "alignments": align,
        "onet_skills": skills, "onet_knowledge": knowledge, "onet_related_occupations": related,
        "state_openings": openings, "soc_hierarchy": hierarchy,
        "cip_soc_crosswalk": pl.DataFrame(schema={"cip_code": pl.String, "soc_code": pl.String}),
    }


def test_credential_competencies_direct_and_via(tables):
    pairs = set(credential_competencies(tables).select("ctid", "competency_ctid", "route").iter_rows())
    assert pairs == {("c1", "k1", "direct"), ("c2", "k2", "direct"), ("c2", "k1", "via learning opportunity or assessment"),
                     ("c3", "k3", "direct")}


def test_profiles_weights_and_related_fallback(tables):
    prof = {(r["soc_code"], r["element_id"]): r for r in occupation_profiles(tables).iter_rows(named=True)}
    # w = (IM-1)/4 x LV/7
    assert prof[(SOC, "2.B.3.k")]["weight"] == pytest.approx(3 / 4 * 4 / 7)
    assert prof[(SOC, "2.B.3.j")]["weight"] == pytest.approx(2.5 / 4 * 3.5 / 7)
    assert prof[(SOC, "2.C.3.e")]["weight"] == pytest.approx(3.5 / 4 * 5 / 7)
    assert (SOC, "2.A.1.a") not in prof and (SOC, "2.A.1.c") not in prof
    assert prof[("29-2061", "2.C.5.a")]["profile_source"] == "related"
    assert prof[(SOC, "2.C.3.e")]["profile_source"] == "own"


def test_metric_b_coverage_hand_worked(tables):
    w_trbl, w_maint, w_mech = 3 / 4 * 4 / 7, 2.5 / 4 * 3.5 / 7, 3.5 / 4 * 5 / 7
    row = compute_competency_coverage(tables, k=2).filter(pl.col("soc_code") == SOC).row(0, named=True)
    # Top-2 = Mechanical, Troubleshooting; c1 teaches Troubleshooting, c2 both (one via its learning program)
    assert row["state_code"] == "US"
    assert (row["credentials_aligned"], row["credentials_with_competencies"]) == (3, 2)  # c3: only technology
    assert row["coverage_max"] == pytest.approx(1.0)
    assert row["coverage_mean"] == pytest.approx((w_trbl / (w_mech + w_trbl) + 1.0) / 2)
    assert row["gap"] == pytest.approx(0.0) and row["uncovered_elements"] == []
    k3 = compute_competency_coverage(tables, k=3, state="CO").row(0, named=True)
    total = w_trbl + w_maint + w_mech
    assert k3["state_code"] == "CO" and k3["credentials_aligned"] == 2
    assert k3["coverage_max"] == pytest.approx((w_trbl + w_mech) / total)
    assert k3["coverage_mean"] == pytest.approx((w_trbl / total + (w_trbl + w_mech) / total) / 2)
    assert k3["uncovered_elements"] == ["Equipment Maintenance"]
    tx = compute_competency_coverage(tables, k=3, state="TX").row(0, named=True)
    assert tx["credentials_with_competencies"] == 0 and tx["coverage_max"] is None  # unknown, not zero


def test_metric_c_gap_index_hand_worked(tables):
    gaps = compute_skill_gap_index(tables, state="CO")
    by = {r["element_name"]: r for r in gaps.iter_rows(named=True)}
    # D: Mechanical 100*0.625=62.5, Medicine 60*6/7=51.43, Troubleshooting 42.86, Equipment Maintenance 31.25
    assert by["Mechanical"]["demand"] == pytest.approx(62.5)
    assert by["Medicine and Dentistry"]["demand"] == pytest.approx(60 * 6 / 7)
    # S: Troubleshooting 2 (c1, c2), Mechanical 1, others 0
    assert [by[n]["supply_credentials"] for n in ("Troubleshooting", "Mechanical", "Medicine and Dentistry")] == [2, 1, 0]
    # SGI = pct_rank(D) - pct_rank(S) with average ranks over the 4 elements
    assert by["Medicine and Dentistry"]["sgi"] == pytest.approx(3 / 4 - 1.5 / 4)
    assert by["Mechanical"]["sgi"] == pytest.approx(4 / 4 - 3 / 4)
    assert by["Equipment Maintenance"]["sgi"] == pytest.approx(1 / 4 - 1.5 / 4)
    assert by["Troubleshooting"]["sgi"] == pytest.approx(2 / 4 - 4 / 4)
    assert gaps["element_name"][0] == "Medicine and Dentistry"  # sorted by SGI
    assert by["Mechanical"]["category"].startswith("Knowledge")
    assert gaps["demand_share"].sum() == pytest.approx(1.0)


def test_top_gaps_per_state_and_major_group(tables):
    top = compute_top_skill_gaps(tables, n=2)
    co = top.filter(pl.col("state_code") == "CO")
    assert co["element_name"].to_list() == ["Medicine and Dentistry", "Mechanical"] and co["gap_rank"].to_list() == [1, 2]
    groups = compute_top_skill_gaps(tables, state="CO", n=1, by="soc_major_group")
    assert set(groups["soc_major_group"]) == {"51-0000", "29-0000"}
    health = groups.filter(pl.col("soc_major_group") == "29-0000").row(0, named=True)
    assert health["element_name"] == "Medicine and Dentistry" and health["soc_major_group_title"] == "Health"
    with pytest.raises(ValueError, match="by"):
        compute_top_skill_gaps(tables, by="county")


def test_threshold_changes_supply(tables):
    # the fixture's statements match by name (confidence 0.95): a threshold of 0.99 keeps none of them
    strict = compute_skill_gap_index(tables, state="CO", threshold=0.99)
    assert strict["supply_credentials"].sum() == 0


def test_primed_matches_are_used_instead_of_matching(tables):
    from ler_analytics.metrics.context import as_context

    normal = compute_skill_gap_index(tables, state="CO")
    assert normal["supply_credentials"].sum() > 0
    ctx = as_context(tables)
    calls = []

    def load() -> pl.DataFrame:  # e.g. read from a disk cache: here, the matches of a stricter threshold (none)
        calls.append(1)
        return competency_matches(tables, threshold=0.99)

    prime_competency_matches(ctx, load)
    prime_competency_matches(ctx, load)  # already primed: not called again
    assert competency_matches(ctx).height == 0 and len(calls) == 1
    assert compute_skill_gap_index(ctx, state="CO")["supply_credentials"].sum() == 0


def test_registered():
    for name in ("compute_competency_coverage", "compute_skill_gap_index", "compute_top_skill_gaps"):
        info = get_metric_info(name)
        assert info.group == "skills" and "O*NET" in info.definition + info.formula + info.caveats
