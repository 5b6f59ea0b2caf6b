"""Contract: /envelopes listing, paging headers, one envelope, root and community routes."""

from __future__ import annotations

import math
from urllib.parse import quote

import httpx
import pytest

from ler_analytics.twin.samples import sample_envelopes


@pytest.fixture
def client(twin_server):
    server = twin_server()
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


@pytest.mark.parametrize("prefix", ["", "/ce-registry", "/ce_registry", "/CE-Registry"])
def test_listing_is_newest_first_with_paging_headers(client, prefix):
    envs = sample_envelopes()
    live = [e for e in envs if "adms:status" not in e["decoded_resource"]]
    r = client.get(f"{prefix}/envelopes", params={"page": 2, "per_page": 7})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    total = len(live)
    assert r.headers["X-Total"] == str(total)
    assert r.headers["X-Total-Pages"] == str(math.ceil(total / 7))
    assert r.headers["X-Per-Page"] == "7"
    assert r.headers["X-Page"] == "2"
    assert r.headers["X-Next-Page"] == "3"
    assert r.headers["X-Prev-Page"] == "1"
    got = [e["envelope_ceterms_ctid"] for e in r.json()]
    newest_first = [e["envelope_ceterms_ctid"] for e in reversed(live)]
    assert got == newest_first[7:14]


def test_default_per_page_is_10_and_last_page_headers(client):
    r = client.get("/envelopes")
    assert len(r.json()) == 10 and r.headers["X-Per-Page"] == "10" and r.headers["X-Page"] == "1"
    assert r.headers["X-Prev-Page"] == ""
    last = int(r.headers["X-Total-Pages"])
    r = client.get("/envelopes", params={"page": last})
    assert r.headers["X-Next-Page"] == ""
    assert len(r.json()) == int(r.headers["X-Total"]) - 10 * (last - 1)
    beyond = client.get("/envelopes", params={"page": last + 5})
    assert beyond.status_code == 200 and beyond.json() == []
    assert beyond.headers["X-Total"] == r.headers["X-Total"]


def test_per_page_cap_and_bad_values_are_rejected_like_grape(client):
    ok = client.get("/envelopes", params={"per_page": 200})
    assert ok.status_code == 200 and ok.headers["X-Per-Page"] == "200"
    r = client.get("/envelopes", params={"per_page": 201})
    assert r.status_code == 400
    assert r.json() == {"errors": ["per_page must be less than or equal 200"]}
    r = client.get("/envelopes", params={"page": "two"})
    assert r.status_code == 400 and r.json() == {"errors": ["page is invalid"]}
    r = client.get("/envelopes", params={"provisional": "maybe"})
    assert r.status_code == 400 and r.json() == {"errors": ["provisional does not have a valid value"]}
    r = client.get("/envelopes", params={"metadata_only": "perhaps"})
    assert r.status_code == 400 and r.json() == {"errors": ["metadata_only is invalid"]}


def test_full_crawl_at_200_covers_every_live_envelope_once(client):
    seen = []
    page = 1
    while True:
        r = client.get("/ce-registry/envelopes", params={"page": page, "per_page": 3})
        seen += [e["envelope_ceterms_ctid"] for e in r.json()]
        if page >= int(r.headers["X-Total-Pages"]):
            break
        page += 1
    assert len(seen) == len(set(seen)) == int(r.headers["X-Total"])


def test_metadata_only_drops_decoded_resource(client):
    full = client.get("/envelopes", params={"per_page": 3}).json()
    meta = client.get("/envelopes", params={"per_page": 3, "metadata_only": "true"}).json()
    assert all("decoded_resource" in e for e in full)
    assert all("decoded_resource" not in e for e in meta)
    assert [e["envelope_id"] for e in meta] == [e["envelope_id"] for e in full]
    assert meta[0]["node_headers"] == full[0]["node_headers"]


def test_provisional_exclude_include_only(client):
    default = client.get("/envelopes", params={"per_page": 200})
    include = client.get("/envelopes", params={"per_page": 200, "provisional": "include"})
    only = client.get("/envelopes", params={"per_page": 200, "provisional": "only"}).json()
    assert int(include.headers["X-Total"]) == int(default.headers["X-Total"]) + 1
    assert len(only) == 1
    assert only[0]["decoded_resource"]["adms:status"] == "graphPublicationStatus:Provisional"


def test_envelope_json_is_the_registry_shape(client):
    env = client.get("/envelopes", params={"per_page": 1}).json()[0]
    for key in ("envelope_community", "envelope_id", "envelope_ceterms_ctid", "envelope_ctdl_type",
                "envelope_type", "envelope_version", "decoded_resource", "resource_format",
                "resource_encoding", "resource_publish_type", "node_headers", "owned_by",
                "published_by", "updated_at"):
        assert key in env
    graph = env["decoded_resource"]
    assert list(graph)[:3] == ["@context", "@id", "@graph"]
    assert graph["@graph"][0]["ceterms:ctid"] == env["envelope_ceterms_ctid"]


def test_one_envelope_by_id_ctid_and_resource_id(client):
    env = client.get("/envelopes", params={"per_page": 1, "page": 4}).json()[0]
    ctid = env["envelope_ceterms_ctid"]
    resource_id = quote(env["decoded_resource"]["@graph"][0]["@id"], safe="")  # one path segment
    for key in (env["envelope_id"], ctid, ctid.upper(), resource_id):
        r = client.get(f"/ce-registry/envelopes/{key}")
        assert r.status_code == 200, key
        assert r.json() == env
    for bad in ("_:" + ctid[3:], "ce-00000000-0000-0000-0000-000000000000"):
        r = client.get(f"/envelopes/{bad}")
        assert r.status_code == 404
        assert r.json() == {"errors": ["Couldn't find Envelope"]}


def test_unknown_community_is_the_registry_404(client):
    for path in ("/navy-x/envelopes", "/learning-registry/graph/ce-00000000-0000-0000-0000-000000000000"):
        r = client.get(path)
        assert r.status_code == 404
        assert r.json() == {"errors": ["Couldn't find the envelope community"]}


def test_root_info_community_info_and_ctid(client, twin_store):
    root = client.get("/").json()
    assert set(root) == {"api_version", "total_envelopes", "metadata_communities", "info"}
    assert root["total_envelopes"] == len(twin_store)
    assert root["metadata_communities"]["ce_registry"].endswith("/ce-registry")
    info = client.get("/ce-registry/community/info").json()
    assert info["total_envelopes"] == len(twin_store) and "backup_item" in info
    ctid = client.get("/ce-registry/ctid").json()["ctid"]
    assert ctid.startswith("ce-") and len(ctid) == 39


def test_unknown_route_and_wrong_method(client):
    assert client.get("/ce-registry/nothing-here").status_code == 404
    r = client.post("/ce-registry/envelopes", json={})
    assert r.status_code == 405
