"""Enrichment and link health on the Registry twin's demo snapshot with synthetic LERs."""

from __future__ import annotations

import pytest

from ler_analytics.ler.explain import Explainer, explain_document, explanations_table, to_html
from ler_analytics.ler.health import link_health
from ler_analytics.ler.read import read_many
from ler_analytics.ler.synthetic import ensure_synthetic_lers, generate_lers


@pytest.fixture(scope="module")
def twin_lers(demo_snapshot, tmp_path_factory):
    folder = tmp_path_factory.mktemp("twin-lers")
    ensure_synthetic_lers(demo_snapshot, folder, n=200, seed=11)
    return folder, generate_lers(demo_snapshot, n=200, seed=11)


def test_link_health_on_twin(demo_snapshot, twin_lers):
    folder, lers = twin_lers
    report = link_health(folder, demo_snapshot)
    assert report.errors == [] and report.n_documents == 200
    assert report.synthetic is True and report.snapshot_source.startswith("demo:")
    expected = [e for ler in lers for e in ler.expected]
    problems = {r["problem"]: r["n_achievements"] for r in report.problems.to_dicts()}
    assert problems["read"] == len(expected)
    broken = sum(e["broken"] for e in expected)
    assert problems["unresolvable"] == (broken if broken >= report.k else None)
    # every CTID planted without breaking it resolves in the twin
    resolved_expected = sum(1 for e in expected if e["ctid"] and not e["broken"])
    assert problems["resolved"] == resolved_expected
    assert set(report.unresolvable["ctid"].to_list()) == {e["ctid"] for e in expected if e["broken"]}
    deprecated = set(demo_snapshot.credentials.filter(demo_snapshot.credentials["status"] == "Deprecated")["ctid"])
    linked_deprecated = {e["ctid"] for e in expected if e["ctid"] in deprecated}
    assert set(report.deprecated["ctid"].to_list()) == linked_deprecated
    assert "Aggregates only" in report.to_html()


def test_enrichment_on_twin(demo_snapshot, twin_lers):
    folder, _lers = twin_lers
    docs, errors = read_many([folder])
    assert not errors
    explainer = Explainer(demo_snapshot)
    results = [explain_document(doc, explainer) for doc in docs[:80]]
    explanations = [a["explanation"] for r in results for a in r["achievements"] if a["explanation"]]
    found = [e for e in explanations if e["found"]]
    assert len(found) > 20
    assert all(e["name"] and e["ctdl_type"] and e["synthetic"] for e in found)
    assert any(e["owner"] and e["owner"]["name"] for e in found)
    assert any(e["occupations"] and e["occupations"][0]["title"] for e in found)
    table = explanations_table(results)
    assert table.height == sum(len(r["achievements"]) for r in results)
    html = to_html(results[:5])
    assert "synthetic demonstration data" in html


def test_synthetic_link_health_for_the_dashboard(demo_snapshot, tmp_path):
    from ler_analytics.ler.health import synthetic_link_health

    report = synthetic_link_health(demo_snapshot, n=60, seed=5, folder=tmp_path / "lers")
    assert report.n_documents == 60 and report.synthetic
    assert report.coverage.filter(report.coverage["pattern"] == "any")["share"].item() > 0.5
