"""records.documents: every input shape the Registry (and people) produce."""

import base64
from pathlib import Path

import orjson
import pytest

from ler_analytics.ctdl.flatten import Problem
from ler_analytics.ctdl.records import Document, decode_jwt_payload, documents, envelope_resource

DATA = Path(__file__).resolve().parents[2] / "data" / "ctdl"
ENVELOPES = (
    DATA / "CredentialEngine__Registry_Assistant/src/SamplePublishing/RA.SamplesForDocumentation/EnvelopeSamples"
)
CRED = "ce-14525aea-57c5-4f5a-8f1c-bdc95c7f8b9b"


def load(path: Path):
    return orjson.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))


def test_real_envelope_uses_decoded_resource_and_node_headers():
    [doc] = list(documents(load(ENVELOPES / "CredentialEnvelope.json")))
    assert isinstance(doc, Document) and doc.is_envelope
    assert doc.source.envelope_id == "c6b5015a-585d-4170-8739-114f32974590"
    assert doc.source.ctid == CRED
    assert doc.source.ctdl_type == "ceterms:Certification"
    assert doc.source.updated_at.isoformat() == "2019-02-19T22:12:36+00:00"
    assert doc.source.created_at.isoformat() == "2017-11-22T03:01:29+00:00"
    assert len(doc.nodes) == 5


def test_envelope_without_decoded_resource_is_read_from_its_jwt():
    envelope = load(ENVELOPES / "CredentialEnvelope.json")
    decoded = envelope.pop("decoded_resource")
    [doc] = list(documents(envelope))
    assert isinstance(doc, Document)
    assert doc.nodes == decoded["@graph"]


def test_decode_jwt_payload_and_its_errors():
    payload = base64.urlsafe_b64encode(b'{"@graph": []}').rstrip(b"=").decode()
    assert decode_jwt_payload(f"eyJhbGciOiJub25lIn0.{payload}.sig") == {"@graph": []}
    with pytest.raises(ValueError, match="not a JWT"):
        decode_jwt_payload("no-dots")
    with pytest.raises(ValueError, match="not JSON"):
        decode_jwt_payload("a.bm90IGpzb24.c")


def test_envelope_with_unreadable_resource_is_a_problem_naming_the_envelope():
    envelope = {"envelope_id": "e-1", "envelope_ceterms_ctid": CRED, "resource": "encoded version of document"}
    [problem] = list(documents(envelope))
    assert isinstance(problem, Problem)
    assert problem.envelope_id == "e-1" and problem.ctid == CRED and problem.prop == "decoded_resource"
    assert "not a JWT" in problem.reason


def test_envelope_resource_accepts_json_strings():
    assert envelope_resource({"resource": '{"@graph": [1]}'}) == {"@graph": [1]}
    with pytest.raises(ValueError, match="neither decoded_resource"):
        envelope_resource({"envelope_id": "x"})


def test_deleted_envelope_is_marked():
    envelope = load(ENVELOPES / "CostManifest.json")
    envelope["node_headers"]["deleted_at"] = "2024-01-01 00:00:00 UTC"
    [doc] = list(documents(envelope))
    assert doc.is_deleted


def test_graph_document_single_resource_and_included_blank_nodes():
    graph = {
        "@context": "https://credreg.net/ctdl/schema/context/json",
        "@id": f"https://credentialengineregistry.org/graph/{CRED}",
        "@graph": [{"@type": "ceterms:Certification", "ceterms:ctid": CRED}, {"@id": "_:b1"}],
    }
    [doc] = list(documents(graph))
    assert doc.source.ctid == CRED and len(doc.nodes) == 2 and not doc.is_envelope
    single = {"@type": "ceterms:Certification", "ceterms:ctid": CRED, "@included": [{"@id": "_:b1"}]}
    [doc] = list(documents(single))
    assert len(doc.nodes) == 2 and doc.source.ctid == CRED


def test_array_of_nodes_is_one_graph_and_array_of_documents_is_many():
    nodes = [
        {"@type": "ceterms:Pathway", "ceterms:ctid": CRED},
        {"@type": "ceterms:BasicComponent", "ceterms:ctid": CRED},
    ]
    assert len(list(documents(nodes))) == 1
    docs = [{"@graph": nodes}, {"@graph": nodes}, 5]
    out = list(documents(docs))
    assert [type(x) for x in out] == [Document, Document, Problem]


def test_search_response_data_list():
    out = list(documents({"data": [{"@type": "ceterms:Certificate", "ceterms:ctid": CRED}], "total": 1}))
    assert len(out) == 1 and isinstance(out[0], Document)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"@graph": "nope"}, "@graph is a str"),
        ({"@graph": []}, "@graph is empty"),
        ({"PublishForOrganizationIdentifier": "x", "Credential": {}}, "not an envelope, graph document"),
        ("just text", "JSON str"),
        ([], "empty JSON array"),
        ({"envelope_id": "e", "decoded_resource": {"foo": 1}}, "no @graph, no @type"),
    ],
)
def test_unreadable_shapes_give_a_reason(value, words):
    [problem] = list(documents(value))
    assert isinstance(problem, Problem) and words in problem.reason


def test_deeply_nested_arrays_stop_with_a_problem():
    value: list = [{"@graph": [{"@type": "ceterms:Certificate"}]}]
    for _ in range(60):
        value = [value, 1]
    problems = [x for x in documents(value) if isinstance(x, Problem)]
    assert any("nested more than" in p.reason for p in problems)
