"""Polars over the tables and SPARQL over the graph give the same answers on the Registry twin."""

from __future__ import annotations

import polars as pl
import pytest

from ler_analytics.graph.sparql import sparql
from ler_analytics.graph.store import LoadReport, load_store
from ler_analytics.metrics.pathways import compute_pathway_summary, progression_edges


@pytest.fixture(scope="module")
def twin_store(demo_snapshot):
    report = LoadReport()
    store = load_store(demo_snapshot, report=report)
    assert report.documents > 1000
    # the twin publishes a few broken records on purpose: the graph skips exactly those the build quarantined
    assert {where for where, _ in report.problems} == set(demo_snapshot.quarantine["source_file"])
    return store


def test_progression_edges_same_both_ways(demo_snapshot, twin_store):
    from_sparql = sparql(twin_store, "progression_edges")
    from_polars = progression_edges(demo_snapshot)
    assert from_sparql.height > 100
    assert set(from_sparql.iter_rows()) == set(from_polars.iter_rows())
    # every relation family the twin publishes is exercised
    assert {"isPreparationFor", "requires", "precedes"} <= set(from_polars["relation"])


def test_next_step_share_same_both_ways(demo_snapshot, twin_store):
    sparql_counts = sparql(twin_store, "next_step_counts").row(0, named=True)
    national = compute_pathway_summary(demo_snapshot).filter(pl.col("state_code") == "US").row(0, named=True)
    assert sparql_counts["credentials"] == national["credentials"] == demo_snapshot.credentials.height
    assert sparql_counts["with_next_step"] == national["with_next_step"] > 0
    assert sparql_counts["with_next_step"] / sparql_counts["credentials"] == pytest.approx(
        national["share_with_next_step"])


def test_credential_types_same_both_ways(demo_snapshot, twin_store):
    by_type = sparql(twin_store, "credential_types").with_columns(
        pl.col("type").str.replace("https://purl.org/ctdl/terms/", "").alias("credential_type")
    )
    polars_counts = demo_snapshot.credentials.group_by("credential_type").agg(pl.len().alias("n"))
    joined = polars_counts.join(by_type, on="credential_type", how="full", coalesce=True)
    assert joined.filter(pl.col("n") != pl.col("credentials")).height == 0
    assert joined["n"].null_count() == 0 and joined["credentials"].null_count() == 0



def _competency_pairs(demo_snapshot, twin_store):
    from ler_analytics.metrics.skills import credential_competencies

    creds = demo_snapshot.credentials.select(pl.col("ctid").alias("credential_ctid"))
    comps = demo_snapshot.competencies.select(pl.col("ctid").alias("competency_ctid"))
    from_sparql = (
        sparql(twin_store, "credential_competencies")
        .with_columns(pl.col("competency").str.extract(r"(ce-[0-9a-f-]{36})$").alias("competency_ctid"))
        .join(creds, on="credential_ctid", how="semi")
        .join(comps, on="competency_ctid", how="semi")
        .select("credential_ctid", "competency_ctid", "route")
        .unique()
    )
    from_polars = credential_competencies(demo_snapshot).select(
        pl.col("ctid").alias("credential_ctid"), "competency_ctid", "route").unique()
    return set(from_sparql.iter_rows()), set(from_polars.iter_rows())



def test_credential_competencies_same_both_ways(demo_snapshot, twin_store):
    from_sparql, from_polars = _competency_pairs(demo_snapshot, twin_store)
    assert len(from_polars) > 100
    assert {route for _, _, route in from_polars} == {"direct", "via learning opportunity or assessment"}
    assert from_sparql == from_polars
