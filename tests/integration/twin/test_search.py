"""Contract: GET /search filters, aliases, containment, sorting and paging."""

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


def _ctids(r):
    return [e["envelope_ceterms_ctid"] for e in r.json()]


def test_hits_are_envelopes_with_inner_resource(client):
    r = client.get("/ce-registry/search", params={"per_page": 5})
    assert r.status_code == 200 and r.headers["X-Per-Page"] == "5"
    hit = r.json()[0]
    assert "inner_resource" in hit and "decoded_resource" in hit
    assert hit["inner_resource"]["ceterms:ctid"] in {n.get("ceterms:ctid") for n in hit["decoded_resource"]["@graph"]}
    # one hit per top-level resource: the framework's competencies count separately
    total = int(client.get("/search").headers["X-Total"])
    live = [e for e in sample_envelopes() if "adms:status" not in e["decoded_resource"]]
    assert total == len(live) + 3


def test_resource_type_aliases(client, envs):
    creds = client.get("/search", params={"resource_type": "credential", "per_page": 200})
    n_creds = sum(1 for e in envs if e["envelope_ctdl_type"].startswith("ceterms:") and
                  e["envelope_ctdl_type"] != "ceterms:CredentialOrganization" and "adms:status" not in e["decoded_resource"])
    assert int(creds.headers["X-Total"]) == n_creds
    orgs = client.get("/search", params={"resource_type": "organization"})
    assert int(orgs.headers["X-Total"]) == 4
    comps = client.get("/search", params={"resource_type": "competency"}).json()
    assert len(comps) == 3 and all(h["inner_resource"]["@type"] == "ceasn:Competency" for h in comps)
    assert {h["envelope_ctdl_type"] for h in comps} == {"ceasn:CompetencyFramework"}
    both = client.get("/search", params={"resource_type": "organization,competency_framework"})
    assert int(both.headers["X-Total"]) == 5


def test_envelope_filters(client, envs):
    org = envs[0]["envelope_ceterms_ctid"]
    owned = client.get("/search", params={"owned_by": org, "per_page": 200}).json()
    assert owned and all(h["owned_by"] == org for h in owned)
    t = client.get("/search", params={"envelope_ctdl_type": "ceterms:License,ceterms:Certification"}).json()
    assert t and {h["envelope_ctdl_type"] for h in t} <= {"ceterms:License", "ceterms:Certification"}
    one = client.get("/search", params={"envelope_ceterms_ctid": envs[5]["envelope_ceterms_ctid"].upper()})
    assert _ctids(one) == [envs[5]["envelope_ceterms_ctid"]]
    by_id = client.get("/search", params={"envelope_id": envs[5]["envelope_id"]})
    assert _ctids(by_id) == [envs[5]["envelope_ceterms_ctid"]]
    assert client.get("/search", params={"resource_publish_type": "secondary"}).json() == []
    assert client.get("/search", params={"published_by": org}).headers["X-Total"] == \
        client.get("/search", params={"owned_by": org}).headers["X-Total"]


def test_fts(client):
    hits = client.get("/search", params={"fts": "welding", "per_page": 200}).json()
    assert hits
    for h in hits:
        node = h["inner_resource"]
        text = str(node.get("ceterms:name", "")) + str(node.get("ceasn:name", "")) + str(
            node.get("ceterms:description", "")) + str(node.get("ceasn:description", ""))
        assert "weld" in text.lower()
    assert client.get("/search", params={"fts": "zzyzx"}).json() == []


def test_containment_filters_and_ctid_alias(client, envs):
    ctid = envs[8]["envelope_ceterms_ctid"]
    for key in ("ceterms:ctid", "ctid"):
        assert _ctids(client.get("/search", params={key: ctid})) == [ctid]
    typed = client.get("/search", params={"@type": "ceterms:CredentialOrganization"})
    assert int(typed.headers["X-Total"]) == 4
    fw = next(e for e in envs if e["envelope_ctdl_type"] == "ceasn:CompetencyFramework")
    comps = client.get("/search", params={"framework": fw["decoded_resource"]["@graph"][0]["@id"]}).json()
    assert len(comps) == 3


def test_dates_sorting_and_paging(client, envs):
    asc = client.get("/search", params={"sort_by": "created_at", "sort_order": "asc", "resource_type": "organization"})
    assert _ctids(asc) == [e["envelope_ceterms_ctid"] for e in envs[:4]]
    desc = client.get("/search", params={"sort_by": "created_at", "resource_type": "organization"})
    assert _ctids(desc) == list(reversed(_ctids(asc)))
    late = client.get("/search", params={"from": "2024-01-02", "per_page": 200}).json()
    assert late and all(h["updated_at"] >= "2024-01-02" for h in late)
    early = client.get("/search", params={"until": "2024-01-01T02:30:00Z"}).json()
    assert len(early) == 3
    assert client.get("/search", params={"from": "3 years ago"}).status_code == 200
    bad = client.get("/search", params={"sort_by": "name"})
    assert bad.status_code == 400 and bad.json() == {"errors": ["sort_by does not have a valid value"]}
    assert client.get("/search", params={"per_page": 500}).status_code == 400
    p2 = client.get("/search", params={"per_page": 4, "page": 2})
    assert p2.headers["X-Page"] == "2" and p2.headers["X-Prev-Page"] == "1" and len(p2.json()) == 4


def test_metadata_only_and_community_param(client):
    hit = client.get("/search", params={"metadata_only": "true", "per_page": 1}).json()[0]
    assert "decoded_resource" not in hit and "inner_resource" in hit
    assert client.get("/search", params={"community": "ce-registry"}).status_code == 200
    r = client.get("/search", params={"community": "navy"})
    assert r.status_code == 404 and r.json() == {"errors": ["Couldn't find the envelope community"]}
    assert client.get("/search", params={"type": "paradata"}).json() == []
