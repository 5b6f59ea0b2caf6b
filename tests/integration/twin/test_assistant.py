"""Contract: the Assistant's CTDL search (POST /assistant/search/ctdl)."""

from __future__ import annotations

import httpx
import pytest

from ler_analytics.ctdl.normalize import normalize_ctid, normalize_state
from ler_analytics.twin.samples import sample_envelopes

KEY = "twin-test-key"
CREDENTIAL_SUBCLASSES = {"search:value": "ceterms:Credential", "search:matchType": "search:subClassOf"}


@pytest.fixture
def server(twin_server):
    return twin_server(api_key=KEY)


@pytest.fixture
def ask(server):
    client = httpx.Client(base_url=server.assistant_url, timeout=10)

    def post(body, key=KEY):
        headers = {"Authorization": f"ApiToken {key}"} if key else {}
        r = client.post("/search/ctdl", json=body, headers=headers)
        assert r.status_code == 200
        return r.json()

    yield post
    client.close()


def _state_query(code):
    return {
        "@type": CREDENTIAL_SUBCLASSES,
        "search:termGroup": {
            "ceterms:availableAt": [{"ceterms:addressRegion": {"en": code}}],
            "ceterms:ownedBy": {"ceterms:address": [{"ceterms:addressRegion": {"en": code}}]},
            "ceterms:offeredBy": {"ceterms:address": [{"ceterms:addressRegion": {"en": code}}]},
            "search:operator": "search:orTerms",
        },
    }


def _expected_state_ctids(code):
    envs = sample_envelopes()
    org_state = {e["envelope_ceterms_ctid"]: e["decoded_resource"]["@graph"][0]["ceterms:address"][0]
                 ["ceterms:addressRegion"]["en"] for e in envs if e["envelope_ctdl_type"] == "ceterms:CredentialOrganization"}
    out = set()
    for e in envs:
        graph = e["decoded_resource"]["@graph"]
        main = graph[0]
        if e["envelope_ctdl_type"] in ("ceterms:CredentialOrganization", "ceasn:CompetencyFramework"):
            continue
        if "adms:status" in e["decoded_resource"]:
            continue
        regions = [n["ceterms:addressRegion"]["en"] for n in graph[1:] if n["@type"] == "ceterms:Place"]
        owner = normalize_ctid(main["ceterms:ownedBy"][0])
        if code.lower() in [r.lower() for r in regions] or org_state[owner].lower() == code.lower():
            out.add(main["ceterms:ctid"])
    return out


def test_response_shape_and_total(ask):
    res = ask({"Query": {"@type": "ceterms:CredentialOrganization"}, "Skip": 0, "Take": 2})
    assert res["valid"] is True and res["status"] == ""
    assert res["extra"]["TotalResults"] == 4
    assert len(res["data"]) == 2
    assert all(d["@type"] == "ceterms:CredentialOrganization" and "@context" not in d for d in res["data"])


def test_state_filter_over_available_at_owner_and_offerer(ask):
    res = ask({"Query": _state_query("IN"), "Take": 100})
    got = {d["ceterms:ctid"] for d in res["data"]}
    assert got == _expected_state_ctids("IN")
    assert res["extra"]["TotalResults"] == len(got)
    assert len(got) >= 5
    # "Indiana" spelled out is a different literal; OR both spellings with a list
    both = ask({"Query": {**_state_query("IN"), "search:termGroup": {
        "ceterms:availableAt": [{"ceterms:addressRegion": {"en": ["Indiana", "IN"]}}],
        "search:operator": "search:orTerms"}}, "Take": 100})
    places_only = ask({"Query": {"@type": CREDENTIAL_SUBCLASSES,
                                 "ceterms:availableAt": {"ceterms:addressRegion": {"en": "IN"}}}, "Take": 100})
    assert both["extra"]["TotalResults"] > places_only["extra"]["TotalResults"]


def test_every_state_hit_really_is_in_that_state(ask, server):
    store = server.store
    res = ask({"Query": _state_query("CO"), "Take": 100})
    assert res["data"]
    for node in res["data"]:
        rec = store.find_by_resource(node["ceterms:ctid"])
        graph = store.graph(rec)["@graph"]
        regions = [n.get("ceterms:addressRegion", {}).get("en") for n in graph if n.get("@type") == "ceterms:Place"]
        owner = store.node_by_reference(node["ceterms:ownedBy"][0])
        regions.append(owner["ceterms:address"][0]["ceterms:addressRegion"]["en"])
        assert "CO" in {normalize_state(r) for r in regions if r}


def test_types_text_ctid_and_paging(ask):
    envs = sample_envelopes()
    some = envs[9]["decoded_resource"]["@graph"][0]
    res = ask({"Query": {"ceterms:ctid": some["ceterms:ctid"].upper()}})
    assert [d["ceterms:ctid"] for d in res["data"]] == [some["ceterms:ctid"]]
    exact = ask({"Query": {"@type": ["ceterms:License", "ceterms:Certification"]}, "Take": 100})
    assert exact["data"] and {d["@type"] for d in exact["data"]} <= {"ceterms:License", "ceterms:Certification"}
    sub = ask({"Query": {"@type": {"search:value": "ceterms:Degree", "search:matchType": "search:subClassOf"}},
               "Take": 100})
    assert sub["data"] and {d["@type"] for d in sub["data"]} <= {"ceterms:AssociateDegree", "ceterms:BachelorDegree"}
    text = ask({"Query": {"@type": CREDENTIAL_SUBCLASSES, "ceterms:name": "welding"}, "Take": 100})
    assert text["data"] and all("welding" in str(d["ceterms:name"]).lower() for d in text["data"])
    starts = ask({"Query": {"ceterms:name": {"search:value": "Sample College", "search:matchType": "search:startsWith"}}})
    assert starts["extra"]["TotalResults"] == 4
    any_cost = ask({"Query": {"@type": CREDENTIAL_SUBCLASSES, "ceterms:availableAt": "search:noValue"}, "Take": 100})
    assert all("ceterms:availableAt" not in d for d in any_cost["data"])
    page1 = ask({"Query": {"@type": CREDENTIAL_SUBCLASSES}, "Skip": 0, "Take": 5})
    page2 = ask({"Query": {"@type": CREDENTIAL_SUBCLASSES}, "Skip": 5, "Take": 5})
    assert page1["extra"]["TotalResults"] == page2["extra"]["TotalResults"]
    assert not {d["ceterms:ctid"] for d in page1["data"]} & {d["ceterms:ctid"] for d in page2["data"]}
    meta = ask({"Query": {"@type": "ceterms:CredentialOrganization"}, "IncludeResultsMetadata": True})
    assert len(meta["extra"]["ResultsMetadata"]) == 4
    assert set(meta["extra"]["ResultsMetadata"][0]) == {"resource_uri", "search:recordCreated", "search:recordUpdated",
                                                         "search:recordOwnedBy", "search:recordPublishedBy",
                                                         "search:resourcePublishType"}


def test_errors_come_back_in_the_body(ask, server):
    no_key = httpx.post(f"{server.assistant_url}/search/ctdl", json={"Query": {}}, timeout=10)
    assert no_key.status_code == 200
    assert no_key.json()["valid"] is False and "API Key is required" in no_key.json()["status"]
    wrong = ask({"Query": {}}, key="nope")
    assert wrong["valid"] is False and wrong["status"].startswith("Invalid")
    reverse = ask({"Query": {"^ceasn:isPartOf": {"ceasn:competencyText": "weld"}}})
    assert reverse["valid"] is False and reverse["status"].startswith("Error: ")
    missing = ask({"Skip": 0})
    assert missing["valid"] is False and "Query" in missing["status"]
    assert ask({"Query": {}, "Take": "lots"})["valid"] is False
    # a wrong route or method is not a search
    assert httpx.get(f"{server.assistant_url}/search/ctdl", timeout=10).status_code == 405
