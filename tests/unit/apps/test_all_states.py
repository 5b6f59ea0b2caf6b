"""Dashboards compute each metric once for every state and filter it on a switch: the filtered frames
must equal the metric called for one state (on the demo twin, several states)."""

from __future__ import annotations

import base64
import re

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ler_analytics import apps
from ler_analytics.apps.widgets import csv_bytes
from ler_analytics.metrics import pathways, skills, transparency
from ler_analytics.metrics.context import as_context


@pytest.fixture(scope="module")
def states(demo_snapshot):
    from ler_analytics.apps.data import states_with_credentials

    found = states_with_credentials(demo_snapshot)
    assert len(found) >= 3
    return [found[0], found[1], found[-1]]


def _one(frame: pl.DataFrame, state: str) -> pl.DataFrame:
    return frame.filter(pl.col("state_code") == state)


def _equal(left: pl.DataFrame, right: pl.DataFrame) -> None:
    # polars' parallel sums may differ in the last bits between the two group-bys
    assert_frame_equal(left, right, check_exact=False, rel_tol=1e-12, abs_tol=1e-12)


CASES = {
    "skill_gap_index": (
        lambda ctx: skills.compute_skill_gap_index(ctx),
        lambda ctx, s: skills.compute_skill_gap_index(ctx, state=s),
    ),
    "top_skill_gaps": (
        lambda ctx: skills.compute_top_skill_gaps(ctx, n=12),
        lambda ctx, s: skills.compute_top_skill_gaps(ctx, state=s, n=12),
    ),
    "top_skill_gaps_by_group": (
        lambda ctx: skills.compute_top_skill_gaps(ctx, n=3, by="soc_major_group"),
        lambda ctx, s: skills.compute_top_skill_gaps(ctx, state=s, n=3, by="soc_major_group"),
    ),
    "competency_coverage": (
        lambda ctx: skills.compute_competency_coverage(ctx, by_state=True),
        lambda ctx, s: skills.compute_competency_coverage(ctx, state=s),
    ),
    "credential_pathways": (
        lambda ctx: pathways.compute_credential_pathways(ctx, by_state=True),
        lambda ctx, s: pathways.compute_credential_pathways(ctx, state=s),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_filtered_all_state_frame_equals_the_per_state_call(name, demo_snapshot, states):
    ctx = as_context(demo_snapshot)
    compute_all, compute_one = CASES[name]
    every = compute_all(ctx)
    assert every["state_code"].null_count() == 0
    assert every["state_code"].n_unique() > 1
    for state in states:
        one = compute_one(ctx, state)
        assert one.height > 0 or name.startswith("top_skill_gaps"), (name, state)
        _equal(_one(every, state), one)


def test_provider_todo_by_state_equals_the_per_state_call(demo_snapshot, states):
    ctx = as_context(demo_snapshot)
    every = transparency.compute_provider_todo(ctx, top=3, by_state=True)
    assert every.columns[0] == "state_code"
    national = transparency.compute_provider_todo(ctx, top=3)
    assert "state_code" not in national.columns  # the default is unchanged
    for state in states:
        one = transparency.compute_provider_todo(ctx, state=state, top=3)
        assert one.height > 0
        _equal(_one(every, state).drop("state_code"), one)


def _tiles(app) -> dict[str, float | None]:
    found = re.findall(r'data-key="([^"]+)"><div class="ler-tile-value" data-value="([^"]*)"', app.stats.value)
    return {key: float(raw) if raw else None for key, raw in found}


def _csv(card) -> pl.DataFrame:
    href = re.search(r'base64,([^"]+)"', card.download.value).group(1)
    return pl.read_csv(base64.b64decode(href))


def _credentials_reference(snap, state: str, soc: str) -> tuple[int, pl.DataFrame]:
    """The drill-down's credential list for one state and occupation, computed for that pair only."""
    from ler_analytics.metrics.occupations import soc_links

    ctx = as_context(snap)
    profile = (
        skills.occupation_profiles(ctx)
        .filter(pl.col("soc_code") == soc)
        .sort(["importance", "element_id"], descending=[True, False])
        .head(skills.DEFAULT_K)
    )
    linked = ctx.in_state(soc_links(ctx).filter(pl.col("soc_code") == soc).select("ctid").unique(), state)
    taught = (
        skills.credential_elements(ctx)
        .join(profile.select("element_id"), on="element_id", how="semi")
        .join(linked.select("ctid"), on="ctid", how="semi")
        .group_by("ctid")
        .agg(
            pl.col("element_name").sort().str.join("; ").alias("top_skills_taught"),
            pl.len().alias("n_top_skills_taught"),
        )
    )
    creds = snap.table("credentials").select("ctid", "name", "credential_type", "owner_ctid")
    orgs = (
        snap.table("organizations")
        .select(pl.col("ctid").alias("owner_ctid"), pl.col("name").alias("provider_name"))
        .unique("owner_ctid")
    )
    data = (
        linked.select("ctid")
        .unique()
        .join(creds, on="ctid", how="left")
        .join(orgs, on="owner_ctid", how="left")
        .join(taught, on="ctid", how="left")
        .with_columns(pl.col("n_top_skills_taught").fill_null(0).cast(pl.Int64))
        .sort(["n_top_skills_taught", "name", "ctid"], descending=[True, False, False])
        .head(15)
        .select("ctid", "name", "credential_type", "provider_name", "n_top_skills_taught", "top_skills_taught")
    )
    return linked.select("ctid").n_unique(), data


def test_skill_gaps_app_after_switches_shows_the_metrics(demo_snapshot, states):
    app = apps.SkillGapsApp(demo_snapshot, state=states[0])
    for state in (states[1], states[2], states[0]):
        app.set_state(state)
        top = skills.compute_top_skill_gaps(demo_snapshot, state=state, n=12)
        shown = _csv(app.cards["top"])
        assert shown["element_id"].to_list() == top["element_id"].to_list()
        assert shown["sgi"].to_list() == pytest.approx(top["sgi"].to_list(), rel=1e-12)
        coverage = skills.compute_competency_coverage(demo_snapshot, state=state)
        assert _tiles(app)["occupations_aligned"] == coverage.height
        soc = app.occupation.value
        if soc is None:
            continue
        n_linked, expected = _credentials_reference(demo_snapshot, state, soc)
        assert app.cards["credentials"].title.value.count(f"{n_linked} credentials") == 1
        assert _csv(app.cards["credentials"]).to_dicts() == pl.read_csv(csv_bytes(expected)).to_dicts()


def test_pathways_and_transparency_apps_after_a_switch_show_the_metrics(demo_snapshot, states):
    paths = apps.PathwaysApp(demo_snapshot, state=states[0])
    todo_app = apps.TransparencyApp(demo_snapshot, state=states[0])
    for state in (states[2], states[1]):
        paths.set_state(state)
        todo_app.set_state(state)
        per = pathways.compute_credential_pathways(demo_snapshot, state=state)
        dead = int(per["is_dead_end"].sum())
        assert f"{dead} credentials in" in paths.cards["dead_ends"].title.value
        todo = transparency.compute_provider_todo(demo_snapshot, state=state, top=3)
        shown = _csv(todo_app.cards["todo"])
        assert set(shown["provider_ctid"].to_list()) <= set(todo["provider_ctid"].to_list())
        assert shown.height > 0


def test_stack_links_of_every_state_match_a_per_state_count(demo_snapshot, states):
    from ler_analytics.apps.pathways import MAX_LINKS

    ctx = as_context(demo_snapshot)
    every = pathways.stack_links_by_state(ctx, pathways.compute_credential_pathways(ctx, by_state=True), limit=MAX_LINKS)
    names = demo_snapshot.table("credentials").select("ctid").unique()
    edges = pathways.progression_edges(ctx)
    seen = 0
    for state in states:
        mine = pathways.compute_credential_pathways(ctx, state=state).select("ctid")
        expected = (
            edges.join(mine, left_on="from_ctid", right_on="ctid", how="semi")
            .join(names, left_on="from_ctid", right_on="ctid", how="semi")
            .join(names, left_on="to_ctid", right_on="ctid", how="semi")
            .select("from_ctid", "to_ctid")
            .unique()
        )
        drawn = _one(every, state)
        assert drawn.height == min(expected.height, MAX_LINKS)
        if drawn.height:
            seen += 1
            assert drawn["_total"].unique().to_list() == [expected.height]
            assert (
                drawn.select("from_ctid", "to_ctid").join(expected, on=["from_ctid", "to_ctid"], how="anti").height == 0
            )
            assert drawn["connections"].to_list() == sorted(drawn["connections"].to_list(), reverse=True)
    assert seen
