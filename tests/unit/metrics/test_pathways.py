"""Pathway metrics: hand-worked fixtures for the edge rules and every measure."""

from __future__ import annotations

import polars as pl
import pytest

from ler_analytics.metrics import get_metric_info
from ler_analytics.metrics.pathways import (
    compute_credential_pathways,
    compute_occupation_ladders,
    compute_pathway_structure,
    compute_pathway_summary,
    pathway_graph,
    progression_edges,
    transfer_edges,
)
from tests.unit.graph import fixture_registry as fx


@pytest.fixture(scope="module")
def built_fixture(tmp_path_factory):
    """The fixture Registry as a built snapshot (tables made by `ler build`)."""
    from ler_analytics.build import build
    from ler_analytics.snapshot import open_snapshot

    path = fx.write_snapshot(tmp_path_factory.mktemp("pathways") / "snap")
    build(path)
    return open_snapshot(path)


def _conn(rows):
    return pl.DataFrame(rows, schema=["subject_ctid", "relation", "target_ctid", "via"], orient="row")


def test_edge_directions_and_condition_paths():
    conn = _conn([
        ("a", "isPreparationFor", "b", "isPreparationFor/targetCredential"),
        ("c", "requires", "b", "requires/alternativeCondition/targetCredential"),   # b -> c
        ("c", "requires", "k", "requires/targetCompetency"),                         # competency: not a step
        ("d", "preparationFrom", "c", "direct"),                                     # c -> d
        ("d", "advancedStandingFrom", "e", "advancedStandingFrom/targetLearningOpportunity"),  # e -> d
        ("e", "recommends", "f", "recommends/targetAssessment"),                     # f -> e, supplemental
        ("e", "isPreparationFor", None, "direct"),                                   # no CTID: dropped
        ("e", "ownedBy", "o", "direct"),                                             # not a pathway relation
        ("g", "isRequiredFor", "G", "direct"),                                       # self loop after lower-casing
        ("p1", "precedes", "p2", "direct"),                                          # components -> proxies
        ("p3", "hasChild", "p2", "direct"),                                          # p2 -> p3
        ("p2", "isChildOf", "p9", "direct"),                                         # p9 has no proxy: dropped
    ])
    comps = pl.DataFrame({"ctid": ["p1", "p2", "p3"], "proxy_for_ctid": ["x1", "x2", "x3"],
                          "pathway_ctid": ["p", "p", "p"], "is_destination": [False, False, True]})
    edges = progression_edges({"connections": conn, "pathway_components": comps})
    assert set(edges.iter_rows()) == {
        ("a", "b", "isPreparationFor", "progression"),
        ("b", "c", "requires", "progression"),
        ("c", "d", "preparationFrom", "progression"),
        ("e", "d", "advancedStandingFrom", "progression"),
        ("f", "e", "recommends", "supplemental"),
        ("x1", "x2", "precedes", "progression"),
        ("x2", "x3", "hasChild", "progression"),
    }


def test_transfer_edges():
    tv = pl.DataFrame({"ctid": ["t1"], "transfer_value_from_ctids": [["a", "b"]], "transfer_value_for_ctids": [["c"]]})
    assert set(transfer_edges({"transfer_values": tv}).iter_rows()) == {("a", "c", "t1"), ("b", "c", "t1")}


def test_per_credential_measures_hand_worked(built_fixture):
    per = {r["ctid"]: r for r in compute_credential_pathways(built_fixture).iter_rows(named=True)}
    c1, c2, c3, c4, c5, c6, c7 = (per[c] for c in (fx.C1, fx.C2, fx.C3, fx.C4, fx.C5, fx.C6, fx.C7))
    # C1 -> C2 -> C3 (destination of pathway P1); L1 -> C1
    assert (c1["next_steps"], c1["prior_steps"], c1["depth_to_destination"], c1["chain_length"]) == (1, 1, 2, 2)
    assert (c2["depth_to_destination"], c2["chain_length"]) == (1, 1)
    assert c3["is_destination"] and c3["depth_to_destination"] == 0 and not c3["is_dead_end"]
    # off-ramps: a next step, not the destination, an occupation alignment
    assert c1["is_off_ramp"] and c2["is_off_ramp"] and c5["is_off_ramp"]
    assert not c4["is_off_ramp"]  # no occupation, no outcome data
    # C6 requires C5 and leads nowhere: a dead end; C7 has no connection at all: independent, not a dead end
    assert c6["is_dead_end"] and not c7["is_dead_end"]
    assert [c["stack_type"] for c in (c1, c4, c5, c7)] == ["progression", "supplemental", "progression", "independent"]
    assert c4["transfer_value_edges"] == 1
    assert {c["ctid"] for c in per.values() if c["on_pathway"]} == {fx.C1, fx.C2, fx.C3}


def test_state_summary_hand_worked(built_fixture):
    summary = {r["state_code"]: r for r in compute_pathway_summary(built_fixture).iter_rows(named=True)}
    assert set(summary) == {"CO", "TX", "US"}
    co, tx, us = summary["CO"], summary["TX"], summary["US"]
    assert (co["credentials"], co["with_next_step"], co["dead_ends"], co["off_ramps"]) == (3, 2, 0, 2)
    assert co["share_with_next_step"] == pytest.approx(2 / 3)
    assert (co["median_depth_to_destination"], co["max_depth_to_destination"]) == (1.0, 2)
    assert (tx["credentials"], tx["with_next_step"], tx["dead_ends"], tx["independent"]) == (4, 2, 1, 1)
    assert tx["median_depth_to_destination"] is None
    assert (us["credentials"], us["with_next_step"], us["transfer_value_edges"]) == (7, 4, 1)
    one = compute_pathway_summary(built_fixture, state="tx")
    assert one["state_code"].to_list() == ["TX"] and one["credentials"][0] == 4


def test_chain_length_survives_cycles():
    conn = _conn([("a", "isPreparationFor", "b", "direct"), ("b", "isPreparationFor", "a", "direct"),
                  ("b", "isPreparationFor", "c", "direct")])
    creds = pl.DataFrame({"ctid": ["a", "b", "c"], "name": ["A", "B", "C"]})
    per = {r["ctid"]: r for r in compute_credential_pathways({"credentials": creds, "connections": conn}).iter_rows(
        named=True)}
    assert (per["a"]["chain_length"], per["b"]["chain_length"], per["c"]["chain_length"]) == (1, 1, 0)
    assert per["c"]["is_dead_end"]


def test_pathway_structure_levels_destination_and_conditions(built_fixture):
    from ler_analytics.graph.store import load_store

    rows = compute_pathway_structure(built_fixture, graph=load_store(built_fixture.path))
    assert rows["component_ctid"].to_list() == [fx.PC1, fx.PC2, fx.PC3]
    assert rows["level_order"].to_list() == [1, 2, 3]
    assert rows["steps_to_destination"].to_list() == [2, 1, 0]
    assert rows["proxy_name"].to_list() == ["Welding Basics", "Advanced Welding", "AAS Welding Technology"]
    assert rows.filter(pl.col("is_destination"))["required_number"].to_list() == [1]
    assert rows.filter(pl.col("is_destination"))["condition_targets"].to_list() == [fx.PC2]
    without_graph = compute_pathway_structure(built_fixture, pathway_ctid=fx.P1.upper())
    assert "required_number" not in without_graph.columns and without_graph.height == 3


def test_occupation_ladders_join_job_zones_and_credentials(built_fixture):
    related = pl.DataFrame({
        "onet_soc_code": ["51-4121.06", "51-4121.06", "29-2061.00"],
        "related_onet_soc_code": ["51-4122.00", "49-1011.00", "29-1141.00"],
        "relatedness_tier": ["Primary-Short", "Primary-Short", "Primary-Short"],
        "rank": [1, 2, 1],
    })
    zones = pl.DataFrame({
        "onet_soc_code": ["51-4121.06", "51-4121.07", "51-4122.00", "49-1011.00", "29-2061.00", "29-1141.00"],
        "soc_code": ["51-4121", "51-4121", "51-4122", "49-1011", "29-2061", "29-1141"],
        "job_zone": [2, 3, 2, 3, 3, 4],
    })
    occupations = pl.DataFrame({"onet_soc_code": ["49-1011.00", "29-1141.00"], "soc_code": ["49-1011", "29-1141"],
                                "title": ["Supervisors of Mechanics", "Registered Nurses"]})
    tables = {name: built_fixture.table(name) for name in built_fixture.table_names()}
    tables |= {"onet_related_occupations": related, "onet_job_zones": zones, "onet_occupations": occupations,
               "cip_soc_crosswalk": pl.DataFrame(schema={"cip_code": pl.String, "soc_code": pl.String})}
    ladders = compute_occupation_ladders(tables)
    # 51-4121 has no .00 code: zone = round(mean(2, 3)) = 2 (round half to even -> 2); 51-4122 is zone 2: no step up
    assert set(zip(ladders["from_soc"], ladders["to_soc"], strict=True)) == {("51-4121", "49-1011"),
                                                                              ("29-2061", "29-1141")}
    welders = ladders.filter(pl.col("from_soc") == "51-4121").row(0, named=True)
    assert (welders["from_job_zone"], welders["to_job_zone"], welders["credentials_from"], welders["credentials_to"]) \
        == (2, 3, 2, 0)
    assert welders["to_title"] == "Supervisors of Mechanics"
    co = compute_occupation_ladders(tables, state="CO")
    assert co["from_soc"].to_list() == ["51-4121"]


def test_graph_has_kinds_and_competency_edges(built_fixture):
    g = pathway_graph(built_fixture)
    assert g.nodes[fx.C1]["kind"] == "credential" and g.nodes[fx.L1]["kind"] == "learning_opportunity"
    assert g.edges[fx.C1, fx.C2]["stack_type"] == "progression"
    assert g.edges[fx.C4, fx.L1]["stack_type"] == "transfer"
    assert g.nodes[fx.K3]["kind"] == "competency" and g.edges[fx.C2, fx.K3]["relation"] == "assesses"


def test_metrics_are_registered_with_metadata():
    for name in ("compute_credential_pathways", "compute_pathway_summary", "compute_pathway_structure",
                 "compute_occupation_ladders"):
        info = get_metric_info(name)
        assert info.group == "pathways" and info.definition and info.formula and info.source_tables
