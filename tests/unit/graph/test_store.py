"""Loading raw JSON-LD into pyoxigraph: offline contexts, named graphs, canonical IRIs, bad records."""

from __future__ import annotations

import doctest
import socket

import orjson
import pyoxigraph as ox
import pytest

import ler_analytics.graph.store as store_module
from ler_analytics.graph.store import GraphLoadError, LoadReport, load_into, load_store, open_store
from tests.unit.graph import fixture_registry as fx


def test_doctests():
    assert doctest.testmod(store_module).failed == 0


def test_one_named_graph_per_envelope(fixture_store):
    graphs = {g.value for g in fixture_store.named_graphs()}
    assert len(graphs) == len(fx.documents())
    assert fx.GRAPH + fx.C1 in graphs
    # nothing lands in the default graph
    assert not list(fixture_store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_context_resolves_offline(fixture_snapshot, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the loader tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    store = load_store(fixture_snapshot)
    name = ox.NamedNode("https://purl.org/ctdl/terms/name")
    names = {q.object.value for q in store.quads_for_pattern(ox.NamedNode(fx.RES + fx.C1), name, None)}
    assert names == {"Welding Basics"}
    text = ox.NamedNode("https://purl.org/ctdlasn/terms/competencyText")
    assert list(store.quads_for_pattern(ox.NamedNode(fx.RES + fx.K1), text, None))  # ctdlasn context too


def test_reference_iris_are_canonical(fixture_store):
    # C2's owner is published as .../graph/CE-... (upper case): it must meet the organization node
    owned = ox.NamedNode("https://purl.org/ctdl/terms/ownedBy")
    owners = [q.object for q in fixture_store.quads_for_pattern(ox.NamedNode(fx.RES + fx.C2), owned, None)]
    assert owners == [ox.NamedNode(fx.RES + fx.O1)]


def test_blank_nodes_stay_per_document(tmp_path):
    # two documents using the same blank-node label must not share the node
    a = {"@context": fx.CTX, "@id": fx.GRAPH + fx.O1, "@graph": [
        {"@id": fx.RES + fx.O1, "@type": "ceterms:CredentialOrganization", "ceterms:ctid": fx.O1,
         "ceterms:address": [{"@id": "_:a"}]},
        {"@id": "_:a", "@type": "ceterms:Place", "ceterms:addressRegion": {"en": "CO"}}]}
    b = {"@context": fx.CTX, "@id": fx.GRAPH + fx.O2, "@graph": [
        {"@id": fx.RES + fx.O2, "@type": "ceterms:CredentialOrganization", "ceterms:ctid": fx.O2,
         "ceterms:address": [{"@id": "_:a"}]},
        {"@id": "_:a", "@type": "ceterms:Place", "ceterms:addressRegion": {"en": "TX"}}]}
    snap = _raw_snapshot(tmp_path, [fx.envelope(a, "2025-01-01", 1), fx.envelope(b, "2025-01-01", 2)])
    store = load_store(snap)
    rows = store.query(
        "PREFIX ceterms: <https://purl.org/ctdl/terms/> SELECT ?o ?r WHERE { ?o ceterms:address/ceterms:addressRegion ?r }",
        use_default_graph_as_union=True,
    )
    pairs = sorted((r["o"].value[-2:], r["r"].value) for r in rows)
    assert pairs == [("01", "CO"), ("02", "TX")]


def test_bad_records_are_reported_and_good_ones_kept(tmp_path):
    bad_context = {"envelope_id": "e-bad", "decoded_resource": {"@context": "https://example.org/other", "@graph": [
        {"@id": "https://example.org/x", "ceterms:name": "x"}]}}
    broken_jsonld = {"envelope_id": "e-broken", "decoded_resource": {
        "@context": fx.CTX, "@id": fx.GRAPH + fx.ctid(99),
        "@graph": [{"@id": fx.RES + fx.ctid(99), "ceterms:ctid": fx.ctid(99),
                    "@type": 5}]}}
    snap = fx.write_snapshot(tmp_path / "snap", extra_lines=[
        b"{not json", orjson.dumps(bad_context), orjson.dumps({"envelope_id": "e-empty"}),
        orjson.dumps(broken_jsonld)])
    store = ox.Store()
    report = load_into(store, snap)
    assert report.documents == len(fx.documents())
    reasons = dict(report.problems)
    assert len(reasons) == 4
    assert "not JSON" in reasons["raw/envelopes-00001.jsonl.gz:14"]
    assert "unknown @context 'https://example.org/other'" in reasons["raw/envelopes-00001.jsonl.gz:15"]
    assert "no JSON-LD document" in reasons["raw/envelopes-00001.jsonl.gz:16"]
    assert "JSON-LD could not be read" in reasons["raw/envelopes-00001.jsonl.gz:17"]
    assert len({g.value for g in store.named_graphs()}) == len(fx.documents())
    assert "skipped as unreadable" in report.summary()


def test_newest_envelope_wins(tmp_path):
    doc = fx.documents()[2][0]  # C1
    old = orjson.loads(orjson.dumps(doc))
    new = orjson.loads(orjson.dumps(doc))
    new["@graph"][0]["ceterms:name"] = {"en": "Welding Basics (2025)"}
    older = orjson.loads(orjson.dumps(doc))
    older["@graph"][0]["ceterms:name"] = {"en": "Welding Basics (2019)"}
    envelopes = [fx.envelope(old, "2024-01-01T00:00:00Z", 1), fx.envelope(new, "2025-06-01T00:00:00Z", 2),
                 fx.envelope(older, "2019-01-01T00:00:00Z", 3)]
    for batch_size in (1, 10):  # replaced inside one batch and across batches
        store = ox.Store()
        report = load_into(store, _raw_snapshot(tmp_path / str(batch_size), envelopes), batch_size=batch_size)
        names = {q.object.value for q in store.quads_for_pattern(
            ox.NamedNode(fx.RES + fx.C1), ox.NamedNode("https://purl.org/ctdl/terms/name"), None)}
        assert names == {"Welding Basics (2025)"}
        assert (report.replaced, report.skipped_older) == (1, 1)


def test_single_resource_and_jwt_only_envelopes(tmp_path):
    import base64

    resource = fx.documents()[4][0]["@graph"][0]  # C3 as a bare resource
    bare = dict(resource, **{"@context": fx.CTX})
    payload = base64.urlsafe_b64encode(orjson.dumps(fx.documents()[5][0])).rstrip(b"=").decode()
    jwt_only = {"envelope_id": "e-jwt", "resource": f"eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln"}
    snap = _raw_snapshot(tmp_path, [bare, jwt_only])
    store = ox.Store()
    report = load_into(store, snap)
    assert report.documents == 2 and not report.problems
    assert {g.value for g in store.named_graphs()} == {fx.GRAPH + fx.C3, fx.GRAPH + fx.C4}


def test_persistent_store_written_atomically_and_reopened(fixture_snapshot):
    target = fixture_snapshot / "graph"
    report = LoadReport()
    store = load_store(fixture_snapshot, target, report=report)
    count = len(store)
    assert count == report.quads > 100
    del store
    again = load_store(fixture_snapshot, target)  # rebuild over an existing store
    assert len(again) == count
    del again
    assert not [p for p in fixture_snapshot.iterdir() if p.name.startswith(".graph")]
    reopened = open_store(fixture_snapshot)
    assert len(reopened) == count


def test_open_store_missing_says_what_to_run(tmp_path):
    with pytest.raises(GraphLoadError, match="ler graph"):
        open_store(tmp_path)


def _raw_snapshot(path, records):
    from ler_analytics.snapshot import RawWriter, write_manifest

    path.mkdir(parents=True, exist_ok=True)
    with RawWriter(path) as writer:
        for record in records:
            writer.write(orjson.dumps(record))
    write_manifest(path, {"source": f"files:{path}", "synthetic": True})
    return path
