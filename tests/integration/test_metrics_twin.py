"""Reconciliations that must hold for the metrics on the Registry twin (demo_snapshot from tests/conftest.py)."""

from __future__ import annotations

import polars as pl
import pytest

from ler_analytics.metrics import (
    compute_changes,
    compute_coverage,
    compute_fill_rates,
    compute_occupation_coverage,
    compute_occupation_link_summary,
    compute_provider_todo,
    compute_quality_signals,
    compute_record_transparency,
    compute_state_coverage,
    compute_supply_per_openings,
    compute_transparency_index,
    compute_uncovered_occupations,
)
from ler_analytics.metrics.context import MetricsContext
from ler_analytics.metrics.occupations import active_ctids, soc_links


@pytest.fixture(scope="module")
def ctx(demo_snapshot):
    return MetricsContext.from_snapshot(demo_snapshot).prepare()


@pytest.fixture(scope="module")
def total(demo_snapshot):
    return demo_snapshot.table("credentials")["ctid"].n_unique()


@pytest.fixture(scope="module")
def busiest_state(ctx):
    counts = compute_state_coverage(ctx).sort("credential_count", descending=True)
    return counts["state_code"][0]


def test_twin_has_credentials_in_states(ctx, total):
    assert total > 0
    assert compute_state_coverage(ctx)["credential_count"].sum() > 0


def test_single_attribution_sums_to_national_total(ctx, total):
    by_state = compute_state_coverage(ctx, rule="provider_address", include_unattributed=True)
    assert by_state["credential_count"].sum() == total
    by_type = compute_coverage(ctx, by=["credential_type"], rule="provider_address")
    assert by_type["credential_count"].sum() == total
    assert by_state["state_code"].drop_nulls().is_unique().all()


def test_union_rule_and_online_national_only_add(ctx):
    single = dict(compute_state_coverage(ctx, rule="provider_address").select("state_code", "credential_count").rows())
    union = dict(compute_state_coverage(ctx, rule="any").select("state_code", "credential_count").rows())
    national = dict(compute_state_coverage(ctx, rule="any", online="national")
                    .select("state_code", "credential_count").rows())
    for state, n in single.items():
        assert union[state] >= n, state
        assert national[state] >= union[state], state


def test_per_state_call_equals_slice_of_all_states(ctx, busiest_state):
    s = busiest_state
    all_cov = compute_coverage(ctx, by=["credential_type", "status"])
    one = compute_coverage(ctx, state=s, by=["credential_type", "status"])
    assert one.sort(one.columns).equals(all_cov.filter(pl.col("state_code") == s).sort(one.columns))
    all_supply = compute_supply_per_openings(ctx)
    assert compute_supply_per_openings(ctx, state=s).equals(all_supply.filter(pl.col("state_code") == s))


def test_shares_and_indexes_are_in_range(ctx):
    q = compute_quality_signals(ctx)
    assert q["share"].drop_nulls().is_between(0, 1).all()
    assert (q["with_signal"] <= q["credential_count"]).all()
    fr = compute_fill_rates(ctx, by=["state_code", "credential_type"])
    assert fr["fill_rate"].drop_nulls().is_between(0, 1).all()
    ti = compute_transparency_index(ctx, by=["state_code"])
    assert ti["transparency_index"].drop_nulls().is_between(0, 100).all()
    rec = compute_record_transparency(ctx)
    assert rec["transparency_index"].is_between(0, 100).all()
    links = compute_occupation_link_summary(ctx, by_state=True)
    assert links["share"].drop_nulls().is_between(0, 1).all()
    todo = compute_provider_todo(ctx)
    assert todo["missing_share"].is_between(0, 1).all() and (todo["missing"] > 0).all()


def test_index_equals_weighted_fill_rates(ctx, busiest_state):
    fr = compute_fill_rates(ctx, state=busiest_state)
    ti = compute_transparency_index(ctx, state=busiest_state)
    weighted = (fr["weight"] * fr["fill_rate"]).sum() / fr["weight"].sum() * 100
    assert weighted == pytest.approx(ti["transparency_index"][0])


def test_occupation_weights_sum_to_linked_credentials(ctx):
    links = soc_links(ctx)
    linked = links["ctid"].n_unique()
    national = compute_occupation_coverage(ctx)
    assert national["weighted_credentials"].sum() == pytest.approx(linked)
    summary = dict(compute_occupation_link_summary(ctx).select("link", "credential_count").rows())
    assert summary["explicit"] + summary["only_cip_inferred"] == linked
    assert sum(summary.values()) == ctx.table("credentials")["ctid"].n_unique()
    assert set(national["method"]) <= {"explicit", "cip_inferred"}


def test_supply_sums_to_active_linked_credentials_per_state(ctx, busiest_state):
    s = busiest_state
    supply = compute_supply_per_openings(ctx, state=s)
    in_state = ctx.attribution().filter(pl.col("state_code") == s).select("ctid")
    linked = soc_links(ctx).join(active_ctids(ctx), on="ctid", how="semi").join(in_state, on="ctid", how="semi")
    assert supply["supply"].sum() == pytest.approx(linked["ctid"].n_unique())
    assert supply["openings_is_estimate"].all()
    assert (supply.filter(pl.col("est_annual_openings") > 0)["supply_per_1000_openings"] >= 0).all()


def test_uncovered_occupations_have_no_linked_credential(ctx, busiest_state):
    s = busiest_state
    out = compute_uncovered_occupations(ctx, state=s, top=None)
    covered = compute_occupation_coverage(ctx, state=s, active_only=True)["soc_code"]
    assert not out["soc_code"].is_in(covered.implode()).any()
    assert out["rank"].to_list() == list(range(1, out.height + 1))
    assert out["est_annual_openings"].is_sorted(descending=True)


def test_change_against_itself_is_all_unchanged(ctx, total):
    out = compute_changes(ctx, ctx, by=())
    assert dict(out.rows()) == {"added": 0, "removed": 0, "changed": 0, "unchanged": total}


MINE = ("coverage", "demand", "quality", "transparency", "change")


def _call(fn, ctx):
    if fn.__name__ == "compute_changes":
        return fn(ctx, ctx)
    return fn(ctx)


def test_every_metric_returns_its_value_column(ctx):
    import ler_analytics.metrics as la_metrics

    for info in la_metrics.METRICS.values():
        if info.group not in MINE:
            continue
        out = _call(getattr(la_metrics, info.name), ctx)
        assert info.value_column in out.columns, info.name


@pytest.fixture(scope="module")
def real_ctx(tmp_path_factory):
    """The curated real Registry records in tests/data/ctdl, built with `ler build`."""
    import shutil
    from pathlib import Path

    from ler_analytics.build import build

    src = tmp_path_factory.mktemp("real") / "ctdl"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "ctdl", src)
    out = tmp_path_factory.mktemp("real_built") / "snapshot"
    build(src, out=out)
    return MetricsContext.from_snapshot(out).prepare()


def test_metrics_on_real_registry_records(real_ctx):
    import ler_analytics.metrics as la_metrics

    total = real_ctx.table("credentials")["ctid"].n_unique()
    assert total > 0
    by_state = compute_state_coverage(real_ctx, rule="provider_address", include_unattributed=True)
    assert by_state["credential_count"].sum() == total
    for info in la_metrics.METRICS.values():
        if info.group in MINE:
            out = _call(getattr(la_metrics, info.name), real_ctx)
            assert info.value_column in out.columns, info.name
    fr = compute_fill_rates(real_ctx, by=())
    assert fr["fill_rate"].is_between(0, 1).all()
    # every real credential names its owner, so the owner item is always present
    assert fr.filter(pl.col("item") == "owner")["fill_rate"].item() == 1.0
