"""Contract: /resources, /graph (case-insensitive, depth, competencies) and the POST search routes."""

from __future__ import annotations

import httpx
import pytest

from ler_analytics.twin.samples import sample_envelopes


@pytest.fixture
def client(twin_server):
    server = twin_server()
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


@pytest.fixture
def envs():
    return sample_envelopes()


def _credential(envs):
    return next(e for e in envs if e["envelope_ctdl_type"] not in ("ceterms:CredentialOrganization",
                                                                   "ceasn:CompetencyFramework"))


def _framework(envs):
    return next(e for e in envs if e["envelope_ctdl_type"] == "ceasn:CompetencyFramework")


@pytest.mark.parametrize("prefix", ["", "/ce-registry"])
def test_resource_is_one_node_with_context(client, envs, prefix):
    env = _credential(envs)
    ctid = env["envelope_ceterms_ctid"]
    r = client.get(f"{prefix}/resources/{ctid}")
    assert r.status_code == 200
    body = r.json()
    assert list(body)[0] == "@context"
    assert body["@context"] == env["decoded_resource"]["@context"]
    assert body["ceterms:ctid"] == ctid
    assert "@graph" not in body and "@included" not in body


def test_resource_lookup_is_case_insensitive(client, envs):
    ctid = _credential(envs)["envelope_ceterms_ctid"]
    assert client.get(f"/resources/{ctid.upper()}").json()["ceterms:ctid"] == ctid
    assert client.get(f"/graph/{ctid.upper()}").json()["@graph"][0]["ceterms:ctid"] == ctid


def test_depth_pulls_referenced_blank_nodes_into_included(client, envs):
    env = _credential(envs)
    ctid = env["envelope_ceterms_ctid"]
    bnodes = {n["@id"]: n for n in env["decoded_resource"]["@graph"][1:]}
    depth1 = client.get(f"/resources/{ctid}", params={"depth": 1}).json()
    ids1 = {n["@id"] for n in depth1["@included"]}
    direct = set(depth1["ceterms:availableAt"]) | set(depth1["ceterms:estimatedCost"])
    assert ids1 == direct & set(bnodes)
    assert all(n == bnodes[n["@id"]] for n in depth1["@included"])
    depth0 = client.get(f"/resources/{ctid}", params={"depth": 0}).json()
    assert "@included" not in depth0
    bad = client.get(f"/resources/{ctid}", params={"depth": "deep"})
    assert bad.status_code == 400 and bad.json() == {"errors": ["depth is invalid"]}


def test_org_has_no_included_even_with_depth(client, envs):
    org = envs[0]
    body = client.get(f"/resources/{org['envelope_ceterms_ctid']}", params={"depth": 3}).json()
    assert "@included" not in body  # addresses are embedded, not blank nodes


def test_graph_returns_whole_graph_in_payload_order(client, envs):
    env = _credential(envs)
    body = client.get(f"/ce-registry/graph/{env['envelope_ceterms_ctid']}").json()
    assert list(body)[:3] == ["@context", "@id", "@graph"]
    assert body["@graph"] == env["decoded_resource"]["@graph"]


def test_graph_by_competency_ctid_returns_the_framework(client, envs):
    fw = _framework(envs)
    comp = fw["decoded_resource"]["@graph"][2]
    body = client.get(f"/graph/{comp['ceterms:ctid']}").json()
    assert body["@id"] == fw["decoded_resource"]["@id"]
    assert len(body["@graph"]) == 4
    res = client.get(f"/resources/{comp['ceterms:ctid']}").json()
    assert res["ceasn:competencyText"] == comp["ceasn:competencyText"]


def test_not_found_bodies(client):
    missing = "ce-00000000-0000-0000-0000-000000000000"
    r = client.get(f"/resources/{missing}")
    assert r.status_code == 404 and r.json() == {"errors": ["Resource not found"]}
    r = client.get(f"/graph/{missing}")
    assert r.status_code == 404 and r.json() == {"errors": ["Record not found"]}
    r = client.get("/resources/_:abc")
    assert r.status_code == 404


def test_graph_search(client, envs):
    wanted = [envs[1]["envelope_ceterms_ctid"].upper(), envs[5]["envelope_ceterms_ctid"], "ce-nothing"]
    r = client.post("/ce-registry/graph/search", json={"ctids": wanted})
    assert r.status_code == 200
    ids = {g["@id"] for g in r.json()}
    assert ids == {envs[1]["decoded_resource"]["@id"], envs[5]["decoded_resource"]["@id"]}
    r = client.post("/graph/search", json={})
    assert r.status_code == 400 and r.json() == {"errors": ["ctids is missing"]}
    r = client.post("/graph/search", json={"ctids": "ce-x"})
    assert r.status_code == 400 and r.json() == {"errors": ["ctids is invalid"]}
    r = client.post("/graph/search", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "errors" in r.json()


def test_resources_search_by_ctids_and_bnodes(client, envs):
    fw = _framework(envs)
    comp = fw["decoded_resource"]["@graph"][1]
    cred = _credential(envs)
    bnode = cred["decoded_resource"]["@graph"][1]
    r = client.post("/resources/search", json={"ctids": [comp["ceterms:ctid"], cred["envelope_ceterms_ctid"]],
                                                "bnodes": [bnode["@id"]]})
    assert r.status_code == 200
    got = r.json()
    assert comp in got and bnode in got and cred["decoded_resource"]["@graph"][0] in got
    assert len(got) == 3
    assert client.post("/resources/search", json={}).json() == []


def test_check_existence(client, envs):
    cred = _credential(envs)
    org = envs[0]
    ctids = [cred["envelope_ceterms_ctid"], org["envelope_ceterms_ctid"], "ce-00000000-0000-0000-0000-000000000000"]
    r = client.post("/ce-registry/resources/check_existence", json={"ctids": ctids})
    assert r.status_code == 200 and sorted(r.json()) == sorted(ctids[:2])
    typed = client.post("/resources/check_existence", json={"ctids": ctids, "@type": "ceterms:Credential"})
    assert typed.json() == [cred["envelope_ceterms_ctid"]]  # subclasses of Credential count, organisations not
    assert client.post("/resources/check_existence", json={}).json() == {"errors": ["ctids is missing"]}
