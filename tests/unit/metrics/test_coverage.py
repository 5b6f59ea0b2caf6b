"""Coverage metrics on the hand-made fixture; every number is worked out in the comments."""

from __future__ import annotations

import polars as pl
import pytest

from ler_analytics.errors import SchemaError
from ler_analytics.metrics import compute_coverage, compute_state_coverage
from ler_analytics.metrics.context import MetricsContext, as_context
from ler_analytics.metrics.coverage import national_total

from .conftest import credentials_frame


def _as_dict(frame: pl.DataFrame, key: str, value: str = "credential_count") -> dict:
    return dict(frame.select(key, value).iter_rows())


def test_coverage_by_type_in_colorado(hand):
    # rule any: CO = c1, c2, c3, c6, c8, c9, c12 -> Certificate c1 c2 c8 c12, AssociateDegree c3, License c6,
    # BachelorDegree c9
    out = compute_coverage(hand, state="CO", by=["credential_type"])
    assert out.columns == ["state_code", "credential_type", "credential_count"]
    assert _as_dict(out, "credential_type") == {"Certificate": 4, "AssociateDegree": 1, "License": 1,
                                                 "BachelorDegree": 1}
    assert out["credential_count"].to_list()[0] == 4  # sorted by count, descending


def test_coverage_multi_valued_dimensions(hand):
    # delivery: c2 is InPerson and OnlineOnly; c6 has none -> "Not stated"
    delivery = compute_coverage(hand, state="co", by=["delivery_mode"])
    assert _as_dict(delivery, "delivery_mode") == {"InPerson": 6, "OnlineOnly": 1, "Not stated": 1}
    # provider type (owner's agent_types): o1 Postsecondary owns c1 c2 c3 c9 c12; o4 has none; o2 owns c8
    provider = compute_coverage(hand, state="CO", by=["provider_type"])
    assert _as_dict(provider, "provider_type") == {"Postsecondary": 5, "TrainingProvider": 1, "Not stated": 1}
    status = compute_coverage(hand, state="CO", by=["status"])
    assert _as_dict(status, "status") == {"Active": 5, "Not stated": 1, "Suspended": 1}
    level = compute_coverage(hand, state="CO", by=["audience_level"])
    assert _as_dict(level, "audience_level") == {"Not stated": 4, "BeginnerLevel": 1, "AssociatesDegreeLevel": 1,
                                                 "BachelorsDegreeLevel": 1}
    pclass = compute_coverage(hand, state="CO", by=["provider_class"])
    assert _as_dict(pclass, "provider_class") == {"CredentialOrganization": 6, "QACredentialOrganization": 1}


def test_coverage_all_dimensions_cell(hand):
    out = compute_coverage(hand, state="WY")  # default: all five dimensions
    assert out.columns == ["state_code", "credential_type", "provider_type", "status", "delivery_mode",
                           "audience_level", "credential_count"]
    # WY (rule any) = c2, c7, c8, c10, c11. c11: badge, no owner, online only
    cell = out.filter(pl.col("credential_type") == "DigitalBadge")
    assert cell.row(0) == ("WY", "DigitalBadge", "Not stated", "Active", "OnlineOnly", "Not stated", 1)
    # c2 appears under both of its delivery modes
    c2_cells = out.filter((pl.col("credential_type") == "Certificate") & (pl.col("provider_type") == "Postsecondary"))
    assert sorted(c2_cells["delivery_mode"].to_list()) == ["InPerson", "OnlineOnly"]


def test_coverage_all_states_includes_unattributed_row(hand):
    out = compute_coverage(hand, by=["credential_type"])
    totals = out.group_by("state_code").agg(pl.col("credential_count").sum())
    assert dict(totals.iter_rows()) == {"CO": 7, "WY": 5, None: 2}  # c4, c5 cannot be placed


def test_coverage_single_attribution_sums_to_national_total(hand):
    out = compute_coverage(hand, by=["credential_type"], rule="provider_address")
    assert out["credential_count"].sum() == national_total(hand) == 12
    # provider_address: CO c1 c2 c3 c6 c9 c12; WY c7 c8; none c4 c5 c10 c11
    totals = out.group_by("state_code").agg(pl.col("credential_count").sum())
    assert dict(totals.iter_rows()) == {"CO": 6, "WY": 2, None: 4}


def test_coverage_online_national(hand):
    out = compute_coverage(hand, state="NM", by=["credential_type"], online="national")
    # online credentials c2 (Certificate), c4 c5 (Certification), c11 (DigitalBadge)
    assert _as_dict(out, "credential_type") == {"Certification": 2, "Certificate": 1, "DigitalBadge": 1}


def test_state_coverage_per_10k_workers(hand):
    out = compute_state_coverage(hand, rule="provider_address", include_unattributed=True)
    rows = {r["state_code"]: r for r in out.iter_rows(named=True)}
    assert rows["CO"]["credential_count"] == 6
    assert rows["CO"]["total_employment"] == 2_800_000
    assert rows["CO"]["credentials_per_10k_workers"] == pytest.approx(6 / 2_800_000 * 10_000)  # 0.0214...
    assert rows["WY"]["credentials_per_10k_workers"] == pytest.approx(2 / 280_000 * 10_000)  # 0.0714...
    assert rows["NM"]["credential_count"] == 0 and rows["NM"]["total_employment"] is None
    assert rows["NM"]["credentials_per_10k_workers"] is None  # no employment in the fixture
    assert rows[None]["credential_count"] == 4
    assert out["credential_count"].sum() == 12  # single attribution reconciles
    assert out.height == 51 + 1
    one = compute_state_coverage(hand, state="wy")
    assert one.to_dicts() == [{"state_code": "WY", "credential_count": 5, "total_employment": 280_000.0,
                               "credentials_per_10k_workers": pytest.approx(5 / 28)}]


def test_context_is_reused_and_cached(hand):
    ctx = as_context(hand)
    assert as_context(ctx) is ctx
    first = ctx.attribution()
    assert ctx.attribution() is first  # cached
    assert ctx.attribution(rule="provider_address") is not first
    assert compute_coverage(ctx, state="CO", by=["credential_type"]).equals(
        compute_coverage(hand, state="CO", by=["credential_type"]))


def test_errors_name_the_problem(hand):
    with pytest.raises(ValueError, match="unknown coverage dimension"):
        compute_coverage(hand, by=["colour"])
    with pytest.raises(ValueError, match="rule="):
        compute_coverage(hand, rule="nearest")
    with pytest.raises(TypeError, match="MetricsContext"):
        compute_coverage([1, 2, 3])
    with pytest.raises(SchemaError, match="credentials table of tables lacks column.*ctid"):
        MetricsContext({"credentials": credentials_frame().rename({"ctid": "id"})})


def test_minimal_frames_work(hand):
    # a notebook user may pass only the columns that matter; the rest are filled with nulls
    creds = credentials_frame().select("ctid", "credential_type", "owner_ctid", "offered_by_ctids",
                                       "is_available_online")
    out = compute_coverage({"credentials": creds, "organizations": hand["organizations"]},
                           by=["credential_type", "status"], rule="provider_address")
    assert out["credential_count"].sum() == 12
    assert set(out["status"]) == {"Not stated"}
