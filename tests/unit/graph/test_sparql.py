"""sparql(): named queries, safe bindings, typed results, engines (pyoxigraph, rdflib, folders)."""

from __future__ import annotations

import datetime as dt
import doctest

import polars as pl
import pyoxigraph as ox
import pytest

import ler_analytics.graph.sparql as sparql_module
from ler_analytics.graph.queries import get_query, list_queries
from ler_analytics.graph.sparql import IRI, SparqlError, inject_values, sparql, to_term, values_clause
from tests.unit.graph import fixture_registry as fx

PREFIX = "PREFIX ceterms: <https://purl.org/ctdl/terms/>\n"


def test_doctests():
    assert doctest.testmod(sparql_module).failed == 0


def test_named_queries_have_headers():
    queries = list_queries()
    assert {"progression_edges", "next_step_counts", "credential_competencies", "pathway_structure",
            "credential_types", "occupation_credentials"} <= set(queries["name"])
    assert queries["title"].str.len_chars().min() > 5
    edges = get_query("progression_edges")
    assert edges.parameter_names == ["relation"]
    assert "next step" in edges.description


def test_progression_edges_match_hand_worked_fixture(fixture_store):
    edges = sparql(fixture_store, "progression_edges")
    assert set(edges.iter_rows()) == fx.EXPECTED_PROGRESSION_EDGES
    only = sparql(fixture_store, "progression_edges", relation="requires")
    assert set(only["relation"]) == {"requires"} and only.height == 2


def test_next_step_counts(fixture_store):
    counts = sparql(fixture_store, "next_step_counts")
    # C1 -> C2, C2 -> C3, C4 -> C5, C5 -> C6; C3, C6, C7 have none
    assert counts.row(0, named=True) == {"credentials": 7, "with_next_step": 4}


def test_competencies_direct_and_through_learning_opportunities(fixture_store):
    comp = sparql(fixture_store, "credential_competencies", credential_ctid=fx.C1)
    assert set(zip(comp["route"], comp["competency_text"], strict=True)) == {
        ("direct", "Perform shielded metal arc welding on steel plate"),
        ("via learning opportunity or assessment", "Read and interpret blueprints and technical drawings"),
    }
    assert set(comp["competency"]) == {fx.RES + fx.K1, fx.RES + fx.K2}


def test_pathway_structure(fixture_store):
    rows = sparql(fixture_store, "pathway_structure", pathway_ctid=fx.P1).sort("component_ctid")
    assert rows["component_ctid"].to_list() == [fx.PC1, fx.PC2, fx.PC3]
    assert rows["is_destination"].to_list() == [False, False, True]
    assert rows["proxy_for_ctid"].to_list() == [fx.C1, fx.C2, fx.C3]
    assert rows["leads_to_ctid"].to_list() == [fx.PC2, fx.PC3, None]
    assert rows["required_number"].to_list() == [None, None, 1]
    assert rows["condition_targets"].to_list() == [None, None, fx.PC2]
    assert rows.schema["required_number"] == pl.Int64 and rows.schema["is_destination"] == pl.Boolean


def test_binding_is_not_injectable(fixture_store):
    hostile = 'x" } } UNION { ?s ?p ?o } #'
    assert sparql(fixture_store, "occupation_credentials", code=hostile).height == 0
    # the same through the VALUES path (several values force it on pyoxigraph too)
    both = sparql(fixture_store, "occupation_credentials", code=[hostile, "51-4121"])
    assert both["credential_ctid"].to_list() == [fx.C1]


def test_unknown_parameter_and_query_are_clear(fixture_store):
    with pytest.raises(SparqlError, match="no parameter state; its parameters: code"):
        sparql(fixture_store, "occupation_credentials", state="CO")
    with pytest.raises(Exception, match="no named SPARQL query 'nope'"):
        sparql(fixture_store, "nope")
    with pytest.raises(SparqlError, match="syntax"):
        sparql(fixture_store, "SELECT * WHERE { ?s ?p }")
    with pytest.raises(SparqlError, match="cannot bind a value of type dict"):
        sparql(fixture_store, PREFIX + "SELECT ?s WHERE { ?s ceterms:ctid ?c }", c={"a": 1})


def test_typed_results(fixture_store):
    q = PREFIX + """SELECT ?i ?d ?b ?day ?when ?s ?iri ?missing WHERE {
      BIND(3 AS ?i) BIND(2.5 AS ?d) BIND(true AS ?b) BIND("2024-05-01"^^<http://www.w3.org/2001/XMLSchema#date> AS ?day)
      BIND("2024-05-01T10:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> AS ?when)
      BIND("text"@en AS ?s) BIND(ceterms:Certificate AS ?iri) }"""
    row = sparql(fixture_store, q)
    assert row.schema == {"i": pl.Int64, "d": pl.Float64, "b": pl.Boolean, "day": pl.Date,
                          "when": pl.Datetime("us", "UTC"), "s": pl.String, "iri": pl.String, "missing": pl.String}
    assert row.row(0) == (3, 2.5, True, dt.date(2024, 5, 1), dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC), "text",
                          "https://purl.org/ctdl/terms/Certificate", None)


def test_ask_and_construct(fixture_store):
    assert sparql(fixture_store, PREFIX + "ASK { ?s ceterms:ctid ?c }")["ask"].to_list() == [True]
    triples = sparql(fixture_store, PREFIX + "CONSTRUCT { ?s ceterms:ctid ?c } WHERE { ?s a ceterms:Badge ; ceterms:ctid ?c }")
    assert triples.row(0) == (fx.RES + fx.C4, "https://purl.org/ctdl/terms/ctid", fx.C4)


def test_iri_and_typed_bindings(fixture_store):
    q = PREFIX + "SELECT ?c WHERE { ?x ceterms:ctid ?c }"
    assert sparql(fixture_store, q, x=IRI(fx.RES + fx.C5))["c"].to_list() == [fx.C5]
    with pytest.raises(SparqlError, match="not a valid IRI"):
        sparql(fixture_store, q, x=IRI("not an iri"))
    assert str(to_term(7)) == '"7"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert str(to_term(dt.date(2024, 1, 2))) == '"2024-01-02"^^<http://www.w3.org/2001/XMLSchema#date>'


def test_values_injection_position():
    q = '# WHERE { in a comment\nPREFIX x: <http://e/{where}>\nSELECT ?a WHERE { ?a ?b "WHERE {" } ORDER BY ?a'
    out = inject_values(q, {"a": [ox.Literal("v")]})
    assert out.index("VALUES") > out.index('SELECT ?a WHERE {')
    assert out.endswith('?a ?b "WHERE {" } ORDER BY ?a')
    assert values_clause({"a": [ox.Literal("1"), ox.Literal("2")]}) == 'VALUES (?a) { ("1") ("2") }'


def test_store_folder_snapshot_and_rdflib_sources(fixture_snapshot, fixture_store):
    import rdflib

    from ler_analytics.graph.store import load_store
    from ler_analytics.snapshot import open_snapshot

    expected = sparql(fixture_store, "progression_edges")
    load_store(fixture_snapshot, fixture_snapshot / "graph")
    assert sparql(fixture_snapshot, "progression_edges").equals(expected)  # snapshot folder -> graph/
    assert sparql(open_snapshot(fixture_snapshot), "progression_edges").equals(expected)
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(data=fixture_store.dump(format=ox.RdfFormat.N_QUADS).decode(), format="nquads")
    assert sparql(dataset, "progression_edges").sort(expected.columns).equals(expected.sort(expected.columns))
    assert sparql(dataset, "next_step_counts").equals(sparql(fixture_store, "next_step_counts"))


def test_unreachable_endpoint_is_a_clear_error():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SparqlError, match="could not be reached"):
        sparql(f"http://127.0.0.1:{port}/query", "credential_types")


@pytest.mark.parametrize("name", ["progression_edges", "credential_competencies", "pathway_structure",
                                  "credential_types", "occupation_credentials"])
def test_every_parameter_binds_the_same_way_on_both_paths(fixture_store, name):
    """Substitution (pyoxigraph, one value) and a VALUES block (endpoints, lists) give the same rows."""
    sample = {"relation": "requires", "credential_ctid": fx.C1, "pathway_ctid": fx.P1,
              "type": IRI("https://purl.org/ctdl/terms/Certificate"), "code": "51-4121"}
    query = get_query(name)
    assert query.parameter_names, f"{name} should declare a parameter"
    full = sparql(fixture_store, name)
    for param in query.parameter_names:
        one = sparql(fixture_store, name, **{param: sample[param]})
        via_values = sparql(fixture_store, name, **{param: [sample[param], "no-such-value"]})
        assert 0 < one.height <= full.height
        assert one.sort(one.columns).equals(via_values.sort(via_values.columns)), param
