"""CTDL query and /search parameter builders: structure, validation and escaping."""

from __future__ import annotations

import json

import pytest

from ler_analytics.registry.query import (
    QueryError,
    assistant_request,
    clean_text,
    ctdl_query,
    match,
    reverse,
    search_params,
    state_values,
)

CTID = "ce-14525aea-57c5-4f5a-8f1c-bdc95c7f8b9b"


def test_state_filter_follows_the_importers_or_group_on_three_paths():
    q = ctdl_query(types=["Certificate", "ceterms:BachelorDegree"], states=["in", "Colorado"])
    assert q["@type"] == ["ceterms:Certificate", "ceterms:BachelorDegree"]
    group = q["search:termGroup"]
    assert group["search:operator"] == "search:orTerms"
    region = {"ceterms:addressRegion": {"en": ["IN", "Indiana", "CO", "Colorado"]}}
    assert group["ceterms:availableAt"] == region
    assert group["ceterms:ownedBy"] == {"ceterms:address": region}
    assert group["ceterms:offeredBy"] == {"ceterms:address": region}


def test_codes_are_normalised_and_prefix_matched():
    q = ctdl_query(occupations=["291141"], industries=["6215"], programs=["51.38"], owned_by=CTID.upper())
    assert q["ceterms:occupationType"]["ceterms:codedNotation"] == [match("29-1141", "startsWith")]
    assert q["ceterms:industryType"]["ceterms:codedNotation"][0]["search:value"] == "6215"
    assert q["ceterms:instructionalProgramType"]["ceterms:codedNotation"][0]["search:value"] == "51.38"
    assert q["ceterms:ownedBy"] == {"ceterms:ctid": [CTID]}


def test_onet_code_keeps_its_detail():
    q = ctdl_query(occupations=["15-1252.00"])
    assert q["ceterms:occupationType"]["ceterms:codedNotation"][0]["search:value"] == "15-1252.00"


def test_reverse_edges_and_where_terms():
    q = ctdl_query(types="ceasn:CompetencyFramework",
                   where={reverse("ceasn:isPartOf"): {"ceasn:competencyText": "welding"}})
    assert q["^ceasn:isPartOf"] == {"ceasn:competencyText": "welding"}
    assert ctdl_query(types="Certificate", subclasses=True)["@type"] == {
        "search:value": "ceterms:Certificate", "search:matchType": "search:subClassOf"}


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({}, "empty"),
        ({"types": ["not a type"]}, "not a CTDL term"),
        ({"types": ["evil:Thing"]}, "not a CTDL term"),
        ({"states": ["Narnia"]}, "not a US state"),
        ({"occupations": ["nurse"]}, "not a SOC code"),
        ({"programs": ["xx"]}, "not a CIP code"),
        ({"owned_by": "ce-123"}, "not a CTID"),
        ({"where": {"ceterms:name\": 1, \"x": 2}}, "not a CTDL term"),
        ({"where": {"ceterms:name": float("nan")}}, "cannot be sent as JSON"),
        ({"text": "&&|!"}, "empty"),
        ({"text": "x" * 600}, "limit"),
    ],
)
def test_bad_values_fail_with_a_clear_message(kwargs, words):
    with pytest.raises(QueryError, match=words):
        ctdl_query(**kwargs)


def test_user_text_stays_a_value_and_loses_search_operators():
    hostile = 'nursing" , "@type": "x"} & !(rm) \x00'
    q = ctdl_query(text=hostile)
    assert q == {"ceterms:name": 'nursing" , "@type" "x"} rm'}
    body = json.dumps(assistant_request(q))
    assert json.loads(body)["Query"]["ceterms:name"] == q["ceterms:name"]  # escaped by the serialiser
    assert clean_text("  a\tb\n c ") == "a b c"


def test_assistant_request_wrapper_and_validation():
    body = assistant_request({"@type": "ceterms:Certificate"}, skip=100, take=50, description_set="Resource")
    assert body["Skip"] == 100 and body["Take"] == 50 and body["Sort"] == "^search:recordUpdated"
    assert body["DescriptionSetType"] == "Resource" and body["Community"] == "ce-registry"
    with pytest.raises(QueryError):
        assistant_request({}, take=0)
    with pytest.raises(QueryError):
        assistant_request({}, sort="name")


def test_search_params_validate_and_encode_filters_as_json():
    params = search_params(
        {"ceterms:credentialStatusType": {"ceterms:targetNode": "credentialStat:Active"}},
        fts="welding & cutting", envelope_ctdl_type=["Certificate", "ceterms:Badge"], owned_by=CTID,
        from_="2025-01-01", sort_by="updated_at", metadata_only=True, page=2, per_page=100,
    )
    assert params["envelope_ctdl_type"] == "ceterms:Certificate,ceterms:Badge"
    assert params["from"] == "2025-01-01" and params["metadata_only"] == "true" and params["fts"] == "welding cutting"
    assert json.loads(params["ceterms:credentialStatusType"]) == {"ceterms:targetNode": "credentialStat:Active"}
    for bad in ({"sort_by": "name"}, {"nonsense": 1}, {"owned_by": "x"}, {"per_page": 0}):
        with pytest.raises(QueryError):
            search_params(**bad)


def test_state_values_accepts_names_and_codes():
    assert state_values(["dc", "new york"]) == ["DC", "District of Columbia", "NY", "New York"]
