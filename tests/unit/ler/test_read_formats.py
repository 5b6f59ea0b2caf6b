"""Each LER format and each CTDL link pattern, on small hand-written documents."""

from __future__ import annotations

import json

import pytest

from ler_analytics.ler.links import classify_uri, find_links
from ler_analytics.ler.read import parse_bytes, parse_document

from .helpers import make_jwt, ob3

CTID = "ce-6a62b250-a1a2-4d31-a702-cdc2437efd31"
CTID2 = "ce-14525aea-57c5-4f5a-8f1c-bdc95c7f8b9b"
REG = "https://credentialengineregistry.org/resources/"


def _links(doc):
    return [(link.ctid, link.pattern, link.path) for link in find_links(doc)]


def test_vc2_plain_credential_with_same_as():
    doc = parse_document(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"achievement": {"id": "https://school.example/a/1", "name": "Welding",
                                                  "owl:sameAs": REG + CTID}},
        },
        "plain.json",
    )
    assert doc.format == "VC 2.0" and doc.vc_version == "2.0"
    assert _links(doc) == [(CTID, "same_as", "$.credentialSubject.achievement['owl:sameAs']")]
    assert doc.issuer_id == "did:example:issuer" and doc.issuer_ctid is None


def test_vc_jwt_v11_payload_and_proof_kind():
    cred = ob3({"id": REG + CTID, "name": "Nursing"}, context_v2=False)
    token = make_jwt({"iss": "https://issuer.example.edu", "sub": "did:example:learner", "vc": cred},
                     {"alg": "EdDSA", "typ": "JWT", "kid": "k1"})
    doc = parse_bytes(token.encode(), "badge.jwt")
    assert doc.encoding == "vc-jwt" and doc.format == "OB 3.0" and doc.vc_version == "1.1"
    assert doc.proof.present and doc.proof.kinds == ("JWS (EdDSA)",) and doc.proof.verified is False
    assert doc.jwt_header == {"alg": "EdDSA", "typ": "JWT", "kid": "k1"}
    # JSON paths are in the decoded payload
    assert _links(doc) == [(CTID, "registry_achievement_id", "$.vc.credentialSubject.achievement.id")]


def test_vc_jose_v2_payload_is_the_credential_with_embedded_proof_too():
    cred = ob3({"id": "urn:x", "name": "Nursing", "alignment": [
        {"type": ["Alignment"], "targetType": "ceterms:Credential", "targetUrl": REG.replace("resources", "graph") + CTID}
    ]}, proof={"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019", "proofValue": "z1"})
    token = make_jwt(cred, {"alg": "ES256", "typ": "vc+jwt"})
    doc = parse_bytes(f"  {token}\n".encode(), "badge.jwt")
    assert doc.vc_version == "2.0"
    assert doc.proof.kinds == ("JWS (ES256)", "DataIntegrityProof (ecdsa-rdfc-2019)")
    link = find_links(doc)[0]
    assert (link.pattern, link.uri_kind, link.path) == (
        "registry_alignment_url", "graph", "$.credentialSubject.achievement.alignment[0].targetUrl")


def test_unsecured_jwt_is_reported_as_no_proof():
    token = make_jwt(ob3({"id": "urn:a", "name": "x"}), {"alg": "none"}, signature=b"")
    doc = parse_bytes(token.encode(), "u.jwt")
    assert doc.proof.present is False and "alg none" in doc.proof.note


def test_ob2_assertion_alignment():
    doc = parse_document(
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "Assertion",
            "id": "https://example.org/assertions/1",
            "recipient": {"type": "email", "identity": "someone@example.org", "hashed": False},
            "badge": {
                "type": "BadgeClass", "id": "https://example.org/badges/1", "name": "Forklift Safety",
                "issuer": {"id": "https://example.org/issuer", "name": "Beta Community College"},
                "alignment": [{"targetName": "Forklift", "targetUrl": f"https://sandbox.credentialengineregistry.org/resources/{CTID.upper()}"}],
            },
            "verification": {"type": "hosted"},
        },
        "ob2.json",
    )
    assert doc.format == "OB 2.0" and doc.achievements[0].name == "Forklift Safety"
    assert doc.issuer_name == "Beta Community College"
    assert doc.proof.kinds == ("OB 2.0 hosted verification",)
    assert _links(doc) == [(CTID, "registry_alignment_url", "$.badge.alignment[0].targetUrl")]


def test_alignment_ctid_code_with_finder_url_and_competency_finder_url():
    doc = parse_document(ob3({
        "id": "https://school.example/achievements/7", "name": "Welding Certificate", "achievementType": "Certificate",
        "alignment": [
            {"type": ["Alignment"], "targetType": "ceterms:Credential", "targetCode": CTID,
             "targetUrl": "https://credentialfinder.org/credential/5842/welding-certificate"},
            {"type": ["Alignment"], "targetType": "ceasn:Competency",
             "targetUrl": f"https://credentialfinder.org/competency/{CTID2}"},
            {"type": ["Alignment"], "targetType": "ceterms:Credential", "targetCode": f"urn:ctid:{CTID2}"},
        ],
    }), "a.json")
    assert _links(doc) == [
        (CTID, "alignment_ctid_code", "$.credentialSubject.achievement.alignment[0].targetCode"),
        (None, "finder_url", "$.credentialSubject.achievement.alignment[0].targetUrl"),
        (CTID2, "finder_url", "$.credentialSubject.achievement.alignment[1].targetUrl"),
        (CTID2, "alignment_ctid_code", "$.credentialSubject.achievement.alignment[2].targetCode"),
    ]
    links = find_links(doc)
    assert links[1].uri_kind == "finder:credential" and links[2].uri_kind == "finder:competency"
    assert links[2].target_type == "ceasn:Competency"


def test_embedded_ctdl_terms_and_declared_only_alignment_and_bare_ctid():
    doc = parse_document(ob3({
        "id": "https://school.example/a/8", "type": ["Achievement", "ceterms:Certificate"], "name": "Cert",
        "ceterms:ctid": CTID,
        "alignment": [{"type": ["Alignment"], "targetType": "CTDL", "targetName": "Cert",
                       "targetUrl": "https://school.example/catalog/cert"}],
        "otherIdentifier": [{"type": "IdentifierEntry", "identifier": CTID2, "identifierType": "identifier"}],
    }), "e.json")
    assert _links(doc) == [
        (CTID, "embedded_ctdl", "$.credentialSubject.achievement['ceterms:ctid']"),
        (CTID2, "bare_ctid", "$.credentialSubject.achievement.otherIdentifier[0].identifier"),
        (None, "ctdl_alignment_no_target", "$.credentialSubject.achievement.alignment[0]"),
    ]
    assert find_links(doc)[2].uri == "https://school.example/catalog/cert"


def test_presentation_and_clr_with_nested_jwt():
    nested = make_jwt({"vc": ob3({"id": REG + CTID, "name": "A"}, context_v2=False)})
    clr = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": "https://issuer.example", "name": "Gamma Institute"},
        "credentialSubject": {"type": "ClrSubject", "verifiableCredential": [nested, ob3({"id": REG + CTID2, "name": "B"})]},
    }
    doc = parse_document(clr, "clr.json")
    assert doc.format == "CLR 2.0" and doc.credential_count == 3
    assert _links(doc) == [
        (CTID, "registry_achievement_id",
         "$.credentialSubject.verifiableCredential[0]<jwt payload>.credentialSubject.achievement.id"),
        (CTID2, "registry_achievement_id", "$.credentialSubject.verifiableCredential[1].credentialSubject.achievement.id"),
    ]
    assert [a.name for a in doc.achievements] == ["A", "B"]
    assert doc.achievements[0].path.endswith("<jwt payload>.credentialSubject.achievement")
    vp = parse_document({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                         "verifiableCredential": [ob3({"id": REG + CTID, "name": "A"}),
                                                  ob3({"id": REG + CTID2, "name": "B"})]}, "vp.json")
    assert vp.credential_count == 2 and [a.name for a in vp.achievements] == ["A", "B"]
    assert [link.path for link in find_links(vp)] == [
        "$.verifiableCredential[0].credentialSubject.achievement.id",
        "$.verifiableCredential[1].credentialSubject.achievement.id",
    ]


def test_nested_jwt_links_are_found_inside_the_decoded_payload():
    nested = make_jwt({"vc": ob3({"id": REG + CTID, "name": "A"}, context_v2=False)})
    clr = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "ClrCredential"],
           "issuer": "https://issuer.example", "credentialSubject": {"verifiableCredential": [nested]}}
    doc = parse_document(clr, "clr.json")
    assert [(link.ctid, link.pattern) for link in find_links(doc)] == [(CTID, "registry_achievement_id")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (REG + CTID, ("resource", CTID)),
        ("https://credentialengineregistry.org/graph/" + CTID.upper(), ("graph", CTID)),
        ("http://credentialengineregistry.org/ce-registry/resources/" + CTID, ("resource", CTID)),
        ("https://sandbox.credentialengineregistry.org/graph/" + CTID, ("graph", CTID)),
        ("https://credentialfinder.org/credential/123/some-slug", ("finder:credential", None)),
        ("https://credentialfinder.org/credential/" + CTID, ("finder:credential", CTID)),
        ("https://credentialfinder.org/organization/55/acme", ("finder:organization", None)),
        (CTID, ("ctid", CTID)),
        ("urn:ctid:" + CTID, ("ctid", CTID)),
        ("https://example.edu/" + CTID, None),  # a CTID on another host is not a Registry link
        ("ce-not-a-uuid", None),
        ("https://credentialengineregistry.org.evil.example/resources/" + CTID, None),
    ],
)
def test_classify_uri(value, expected):
    assert classify_uri(value) == expected


def test_case_alignment_and_other_urls_are_not_links():
    doc = parse_document(ob3({"id": "https://x.example/a", "name": "A", "alignment": [
        {"type": ["Alignment"], "targetType": "CFItem", "targetUrl": "https://case.example/uri/1", "targetCode": "degree"}
    ]}), "c.json")
    assert find_links(doc) == []


def test_json_round_trip_of_link():
    doc = parse_document(ob3({"id": REG + CTID, "name": "A"}), "j.json")
    assert json.loads(json.dumps([link.as_dict() for link in find_links(doc)]))[0]["ctid"] == CTID


def test_schema_org_has_credential_and_w3c_degree_are_achievements():
    doc = parse_document({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential", "UniversityDegreeCredential"],
        "issuer": "https://example.edu/issuers/14",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "degree": {"type": "BachelorDegree", "name": "Bachelor of Science and Arts"},
            "hasCredential": {"type": "EducationalOccupationalCredential", "name": "Welding",
                              "sameAs": REG + CTID},
        },
    }, "w3c.json")
    assert doc.format == "VC 1.1"
    assert [(a.name, a.path) for a in doc.achievements] == [
        ("Welding", "$.credentialSubject.hasCredential"),
        ("Bachelor of Science and Arts", "$.credentialSubject.degree"),
    ]
    assert [(link.pattern, link.achievement_path) for link in find_links(doc)] == [
        ("same_as", "$.credentialSubject.hasCredential")]
