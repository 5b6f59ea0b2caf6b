"""`ler graph DIR --endpoint URL` against real SPARQL servers (Oxigraph server, Virtuoso 7).

After the push every named query must give the same rows on the server as on the embedded store.
"""

from __future__ import annotations

import polars as pl
import pytest
from click.testing import CliRunner

from ler_analytics.cli import main
from ler_analytics.graph.queries import list_queries
from ler_analytics.graph.sparql import sparql
from ler_analytics.graph.store import load_store
from tests.unit.graph import fixture_registry as fx

pytestmark = pytest.mark.sparql_server

GRAPH_URI = "urn:ler-analytics:test:fixture"


@pytest.fixture
def snapshot(tmp_path):
    return fx.write_snapshot(tmp_path / "snap")


def _count(endpoint: str) -> int:
    q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g = ?target) }"
    from ler_analytics.graph.sparql import IRI

    return sparql(endpoint, q, target=IRI(GRAPH_URI))["n"][0]


def _same_answers(store, endpoint: str) -> None:
    for name in list_queries()["name"]:
        local = sparql(store, name)
        remote = sparql(endpoint, name)
        assert remote.columns == local.columns, name
        assert remote.sort(remote.columns).equals(local.sort(local.columns)), name
        assert local.height > 0, name


def test_push_to_oxigraph_server(oxigraph_server, snapshot):
    runner = CliRunner()
    result = runner.invoke(main, ["graph", str(snapshot), "--endpoint", f"{oxigraph_server}/store",
                                  "--graph-uri", GRAPH_URI])
    assert result.exit_code == 0, result.output
    assert f"to graph <{GRAPH_URI}>" in result.output
    store = load_store(snapshot)
    query_url = f"{oxigraph_server}/query"
    assert _count(query_url) == len(store)
    _same_answers(store, query_url)
    # pushing again replaces the graph (PUT first): no duplicates
    again = runner.invoke(main, ["graph", str(snapshot), "--endpoint", f"{oxigraph_server}/store",
                                 "--graph-uri", GRAPH_URI])
    assert again.exit_code == 0, again.output
    assert _count(query_url) == len(store)


def test_push_to_virtuoso_with_digest_auth(virtuoso_server, snapshot):
    runner = CliRunner()
    result = runner.invoke(main, ["graph", str(snapshot), "--endpoint", virtuoso_server.graph_crud_auth,
                                  "--graph-uri", GRAPH_URI, "--user", "dba"],
                           env={"LER_GRAPH_STORE_PASSWORD": "dba"})
    assert result.exit_code == 0, result.output
    assert "dba" not in result.output.replace("--user dba", "")  # the password is never echoed
    store = load_store(snapshot)
    assert _count(virtuoso_server.sparql) == len(store)
    _same_answers(store, virtuoso_server.sparql)
    again = runner.invoke(main, ["graph", str(snapshot), "--endpoint", virtuoso_server.graph_crud_auth,
                                 "--graph-uri", GRAPH_URI, "--user", "dba", "--password", "dba"])
    assert again.exit_code == 0, again.output
    assert _count(virtuoso_server.sparql) == len(store)


def test_virtuoso_without_update_grant_is_a_clear_error_then_grant_works(virtuoso_server, snapshot):
    runner = CliRunner()
    refused = runner.invoke(main, ["graph", str(snapshot), "--endpoint", virtuoso_server.graph_crud,
                                   "--graph-uri", GRAPH_URI])
    assert refused.exit_code == 1
    assert "refused" in refused.output and "SPARQL_UPDATE" in refused.output and "status: 403" in refused.output
    wrong_password = runner.invoke(main, ["graph", str(snapshot), "--endpoint", virtuoso_server.graph_crud_auth,
                                          "--user", "dba", "--password", "not-the-password"])
    assert wrong_password.exit_code == 1 and "status: 401" in wrong_password.output
    assert "not-the-password" not in wrong_password.output
    # the documented alternative: let the anonymous SPARQL user update
    virtuoso_server.isql('grant SPARQL_UPDATE to "SPARQL";')
    granted = runner.invoke(main, ["graph", str(snapshot), "--endpoint", virtuoso_server.graph_crud,
                                   "--graph-uri", GRAPH_URI])
    assert granted.exit_code == 0, granted.output
    assert _count(virtuoso_server.sparql) == len(load_store(snapshot))


def test_endpoint_query_with_bindings_on_both_servers(oxigraph_server, virtuoso_server, snapshot):
    store = load_store(snapshot)
    from ler_analytics.graph.push import push_store

    push_store(store, f"{oxigraph_server}/store", GRAPH_URI)
    push_store(store, virtuoso_server.graph_crud_auth, GRAPH_URI, user="dba", password="dba")
    hostile = 'x" } } UNION { ?s ?p ?o } #'
    for endpoint in (f"{oxigraph_server}/query", virtuoso_server.sparql):
        edges = sparql(endpoint, "progression_edges", relation="requires")
        assert set(edges["relation"]) == {"requires"} and edges.height == 2
        assert sparql(endpoint, "occupation_credentials", code=hostile).height == 0
        both = sparql(endpoint, "occupation_credentials", code=[hostile, "29-2061"])
        assert both["credential_ctid"].to_list() == [fx.C5]
        typed = sparql(endpoint, "pathway_structure", pathway_ctid=fx.P1)
        assert typed.schema["required_number"] == pl.Int64
