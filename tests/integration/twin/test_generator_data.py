"""The twin server on the demo generator's data: full crawl, graphs, change batches, CTDL state filter."""

from __future__ import annotations

import httpx
import orjson
import pytest

from ler_analytics.ctdl.normalize import normalize_state
from ler_analytics.ctdl.schema import credential_classes
from ler_analytics.demo import iter_change_batches, iter_envelopes
from ler_analytics.twin.pytest_plugin import TWIN_TEST_SCALE, TWIN_TEST_SEED
from ler_analytics.twin.store import decoded_resource


@pytest.fixture(scope="module")
def generated():
    return list(iter_envelopes(TWIN_TEST_SCALE, TWIN_TEST_SEED))


@pytest.fixture
def server(twin_server, twin_demo_store):
    return twin_server(twin_demo_store)


def test_full_crawl_returns_every_envelope_exactly(server, generated):
    expected = {e["envelope_ceterms_ctid"].lower(): e for e in generated
                if decoded_resource(e).get("adms:status") != "graphPublicationStatus:Provisional"}
    got = {}
    with httpx.Client(base_url=server.url, timeout=30) as c:
        page = 1
        while True:
            r = c.get("/ce-registry/envelopes", params={"per_page": 200, "page": page})
            assert r.status_code == 200
            for env in r.json():
                assert env["envelope_ceterms_ctid"].lower() not in got
                got[env["envelope_ceterms_ctid"].lower()] = env
            if page >= int(r.headers["X-Total-Pages"]):
                break
            page += 1
    assert int(r.headers["X-Total"]) == len(expected)
    assert got.keys() == expected.keys()
    assert all(orjson.dumps(got[k]) == orjson.dumps(expected[k]) for k in expected)  # byte-exact


def test_graph_of_a_competency_and_resource_depth(server, generated):
    fw = next(e for e in generated if e.get("envelope_ctdl_type") == "ceasn:CompetencyFramework"
              and len(decoded_resource(e).get("@graph", [])) > 2)
    comp = next(n for n in fw["decoded_resource"]["@graph"][1:] if n.get("ceterms:ctid"))
    with httpx.Client(base_url=server.url, timeout=30) as c:
        graph = c.get(f"/graph/{comp['ceterms:ctid'].upper()}").json()
        assert graph["@id"] == fw["decoded_resource"]["@id"]
        with_bnodes = next(e for e in generated if "decoded_resource" in e and any(
            str(n.get("@id", "")).startswith("_:") for n in e["decoded_resource"]["@graph"]))
        res = c.get(f"/resources/{with_bnodes['envelope_ceterms_ctid']}", params={"depth": 2}).json()
        bnode_ids = {n["@id"] for n in with_bnodes["decoded_resource"]["@graph"] if n["@id"].startswith("_:")}
        assert res.get("@included") and {n["@id"] for n in res["@included"]} <= bnode_ids


def test_search_credential_alias_counts_every_credential_class(server, twin_demo_store):
    creds = credential_classes()
    want = sum(1 for rec in twin_demo_store.listing() for row in rec.search_rows() if set(row.types) & creds)
    with httpx.Client(base_url=server.url, timeout=30) as c:
        r = c.get("/search", params={"resource_type": "credential", "per_page": 1})
    assert int(r.headers["X-Total"]) == want > 0


def test_assistant_state_filter_hits_are_in_the_state(server):
    query = {"@type": {"search:value": "ceterms:Credential", "search:matchType": "search:subClassOf"},
             "search:termGroup": {
                 "ceterms:availableAt": [{"ceterms:addressRegion": {"en": ["CA", "California"]}}],
                 "ceterms:ownedBy": {"ceterms:address": [{"ceterms:addressRegion": {"en": ["CA", "California"]}}]},
                 "ceterms:offeredBy": {"ceterms:address": [{"ceterms:addressRegion": {"en": ["CA", "California"]}}]},
                 "search:operator": "search:orTerms"}}
    with httpx.Client(base_url=server.assistant_url, timeout=60) as c:
        res = c.post("/search/ctdl", json={"Query": query, "Take": 50}, headers={"Authorization": "ApiToken k"}).json()
    assert res["valid"] and res["extra"]["TotalResults"] > 0
    store = server.store
    for node in res["data"]:
        rec = store.find_by_resource(node["ceterms:ctid"])
        nodes = store.graph(rec)["@graph"]
        regions = []
        for place in node.get("ceterms:availableAt", []):
            target = place if isinstance(place, dict) and "@id" not in place else next(
                (n for n in nodes if n.get("@id") == (place["@id"] if isinstance(place, dict) else place)), {})
            regions.append(target.get("ceterms:addressRegion"))
        for prop in ("ceterms:ownedBy", "ceterms:offeredBy"):
            for ref in node.get(prop, []):
                org = store.node_by_reference(ref)
                for addr in (org or {}).get("ceterms:address", []):
                    regions.append(addr.get("ceterms:addressRegion"))
        assert "CA" in {normalize_state(r) for r in regions if r}, node["ceterms:ctid"]


def test_change_batches_publish_and_show_in_events(twin_server, twin_demo_store_factory):
    store = twin_demo_store_factory()
    server = twin_server(store)
    batches = list(iter_change_batches(TWIN_TEST_SCALE, TWIN_TEST_SEED, batches=2, change_rate=0.02))
    assert batches and all(batches)
    with httpx.Client(base_url=server.url, timeout=30) as c:
        total0 = int(c.get("/envelopes").headers["X-Total"])
        for batch in batches:
            counts = server.publish(batch)
            assert counts["skipped"] == 0, store.errors[-3:]
            after = batch[0].at.isoformat()
            events = c.get("/envelopes/events", params={"after": after, "per_page": 200}).json()
            want = {(ch.ctid.lower(), {"delete": "destroy"}.get(ch.event, ch.event)) for ch in batch}
            assert want <= {(e["envelope_ceterms_ctid"], e["event"]) for e in events}
        creates = sum(ch.event == "create" for b in batches for ch in b)
        deletes = sum(ch.event == "delete" for b in batches for ch in b)
        r = c.get("/envelopes", params={"per_page": 1})
        assert int(r.headers["X-Total"]) == total0 + creates - deletes
        newest_create = max((ch for b in batches for ch in b if ch.event == "create"), key=lambda ch: ch.at)
        assert r.json()[0]["envelope_ceterms_ctid"].lower() == newest_create.ctid.lower()


def test_jwt_only_envelopes_still_serve_their_graph(server, generated):
    jwt_only = [e for e in generated if "decoded_resource" not in e and e.get("resource")]
    assert jwt_only, "the generator emits a few JWT-only envelopes at this scale"
    with httpx.Client(base_url=server.url, timeout=30) as c:
        for env in jwt_only:
            envelope = c.get(f"/envelopes/{env['envelope_id']}").json()
            assert "decoded_resource" not in envelope and envelope["resource"] == env["resource"]
            r = c.get(f"/graph/{env['envelope_ceterms_ctid']}")
            if decoded_resource(env):
                assert r.json()["@graph"][0]["ceterms:ctid"].lower() == env["envelope_ceterms_ctid"].lower()
            else:  # a deliberately broken JWT: the envelope lists, but has no readable graph
                assert r.status_code == 404 and r.json() == {"errors": ["Record not found"]}
    assert any(decoded_resource(e) for e in jwt_only)
