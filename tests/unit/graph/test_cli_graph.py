"""`ler graph` on the embedded store (the server variants are in tests/integration/graph)."""

from __future__ import annotations

from click.testing import CliRunner

from ler_analytics.cli import main
from ler_analytics.graph.sparql import sparql
from tests.unit.graph import fixture_registry as fx


def test_graph_writes_embedded_store_and_runs_a_named_query(fixture_snapshot):
    runner = CliRunner()
    result = runner.invoke(main, ["graph", str(fixture_snapshot), "--query", "progression_edges",
                                  "-p", "relation", "requires"])
    assert result.exit_code == 0, result.output
    assert f"Wrote the graph store {fixture_snapshot / 'graph'}" in result.output
    assert "13 documents" in result.output and "requires" in result.output
    edges = sparql(fixture_snapshot, "progression_edges")
    assert set(edges.iter_rows()) == fx.EXPECTED_PROGRESSION_EDGES


def test_graph_reports_skipped_records(tmp_path):
    snap = fx.write_snapshot(tmp_path / "snap", extra_lines=[b"{broken"])
    result = CliRunner().invoke(main, ["graph", str(snap), "--out", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert "skipped raw/envelopes-00001.jsonl.gz:14: not JSON" in result.output
    assert "1 skipped as unreadable" in result.output


def test_list_queries():
    result = CliRunner().invoke(main, ["graph", ".", "--list-queries"])
    assert result.exit_code == 0
    assert "progression_edges: Progression edges" in result.output and "parameters: relation" in result.output


def test_bad_usage_and_bad_endpoint(tmp_path, fixture_snapshot):
    runner = CliRunner()
    not_snapshot = runner.invoke(main, ["graph", str(tmp_path)])
    assert not_snapshot.exit_code == 2 and "not a snapshot folder" in not_snapshot.output
    bad = runner.invoke(main, ["graph", str(fixture_snapshot), "--endpoint", "ftp://example.org/store"])
    assert bad.exit_code == 1 and "must be an http(s) URL" in bad.output
    unknown = runner.invoke(main, ["graph", str(fixture_snapshot), "--query", "no_such_query"])
    assert unknown.exit_code == 1 and "no named SPARQL query 'no_such_query'" in unknown.output
