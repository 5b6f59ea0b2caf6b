"""A tiny hand-made Registry (envelopes as the Registry publishes them) for graph and pathway tests.

Shape (arrows: "leads to", i.e. a next step)::

    C1 Certificate (CO) --isPreparationFor--> C2 Certification (CO) --isPreparationFor (alt. condition)--> C3 AssociateDegree (CO)
    C4 Badge (TX) --isRecommendedFor--> C5 Certificate (TX);  C6 Certificate (TX) --requires--> C5  (so C5 -> C6)
    C7 Certificate (TX): no connections (independent)
    Pathway P1: PC1 (proxy C1) precedes PC2 (proxy C2) precedes PC3 (proxy C3, destination; condition: 1 of PC2)
    Transfer value TV1: from C4, for L1.
    C1 requires competency K1 (alignment) and learning program L1; L1 teaches K2; C2 assesses K3 directly.
    C1 is aligned to SOC 51-4121 (Welders); C2 to 51-4121.00; C5 to 29-2061 (LPNs).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson

CTX = "https://credreg.net/ctdl/schema/context/json"
CTX_ASN = "https://credreg.net/ctdlasn/schema/context/json"
RES = "https://credentialengineregistry.org/resources/"
GRAPH = "https://credentialengineregistry.org/graph/"


def ctid(n: int) -> str:
    """Deterministic CTID number n."""
    return f"ce-00000000-0000-4000-8000-{n:012d}"


O1, O2 = ctid(1), ctid(2)
C1, C2, C3, C4, C5, C6, C7 = (ctid(i) for i in range(11, 18))
L1 = ctid(21)
F1, K1, K2, K3 = ctid(31), ctid(32), ctid(33), ctid(34)
P1, PC1, PC2, PC3 = ctid(41), ctid(42), ctid(43), ctid(44)
TV1 = ctid(51)

EXPECTED_PROGRESSION_EDGES = {
    (C1, C2, "isPreparationFor", "progression"),
    (C2, C3, "isPreparationFor", "progression"),
    (C4, C5, "isRecommendedFor", "supplemental"),
    (C5, C6, "requires", "progression"),
    (L1, C1, "requires", "progression"),
    (C1, C2, "precedes", "progression"),
    (C2, C3, "precedes", "progression"),
}
"""Edges the progression_edges query must find (from, to, relation, stack_type)."""


def _org(c: str, name: str, region: str) -> dict:
    return {
        "@id": RES + c,
        "@type": "ceterms:CredentialOrganization",
        "ceterms:ctid": c,
        "ceterms:name": {"en": name},
        "ceterms:address": [{"@type": "ceterms:Place", "ceterms:addressRegion": {"en-US": region}}],
    }


def _cred(c: str, typ: str, name: str, owner: str, **extra) -> dict:
    node = {
        "@id": RES + c,
        "@type": f"ceterms:{typ}",
        "ceterms:ctid": c,
        "ceterms:name": {"en-US": name},
        "ceterms:ownedBy": [RES + owner],
        "ceterms:credentialStatusType": {"@type": "ceterms:CredentialAlignmentObject",
                                         "ceterms:targetNode": "credentialStat:Active"},
    }
    node.update(extra)
    return node


def _occ(code: str, name: str) -> dict:
    return {"@type": "ceterms:CredentialAlignmentObject", "ceterms:codedNotation": code,
            "ceterms:framework": "https://www.onetonline.org/", "ceterms:targetNodeName": {"en": name}}


def documents() -> list[tuple[dict, str]]:
    """(JSON-LD document, updated_at) for every envelope of the fixture Registry."""
    docs: list[tuple[dict, str]] = []

    def add(nodes: list[dict], *, context: str = CTX, updated: str = "2025-01-01T00:00:00Z") -> None:
        docs.append(({"@context": context, "@id": GRAPH + nodes[0]["ceterms:ctid"], "@graph": nodes}, updated))

    add([_org(O1, "Front Range College", "CO")])
    add([_org(O2, "Lone Star Institute", "Texas")])
    add([_cred(C1, "Certificate", "Welding Basics", O1,
               **{"ceterms:isPreparationFor": [{"@type": "ceterms:ConditionProfile",
                                                 "ceterms:targetCredential": [RES + C2]}],
                  "ceterms:requires": [{"@type": "ceterms:ConditionProfile",
                                        "ceterms:targetCompetency": [{"@type": "ceterms:CredentialAlignmentObject",
                                                                      "ceterms:targetNode": RES + K1,
                                                                      "ceterms:targetNodeName": {"en": "Weld plate"}}],
                                        "ceterms:targetLearningOpportunity": [RES + L1]}],
                  "ceterms:occupationType": [_occ("51-4121", "Welders, Cutters, Solderers, and Brazers")]})])
    # C2 references C3 through an alternative condition, and its owner with an upper-case /graph/ IRI
    add([_cred(C2, "Certification", "Advanced Welding", O1,
               **{"ceterms:ownedBy": [GRAPH + O1.upper()],
                  "ceterms:isPreparationFor": [{"@type": "ceterms:ConditionProfile",
                                                 "ceterms:alternativeCondition": [
                                                     {"@type": "ceterms:ConditionProfile",
                                                      "ceterms:targetCredential": [RES + C3]}]}],
                  "ceterms:assesses": [RES + K3],
                  "ceterms:occupationType": [_occ("51-4121.00", "Welders, Cutters, Solderers, and Brazers")]})])
    add([_cred(C3, "AssociateDegree", "AAS Welding Technology", O1)])
    add([_cred(C4, "Badge", "Safety Badge", O2,
               **{"ceterms:isRecommendedFor": [{"@type": "ceterms:ConditionProfile",
                                                 "ceterms:targetCredential": [RES + C5]}]})])
    add([_cred(C5, "Certificate", "Practical Nursing", O2,
               **{"ceterms:occupationType": [_occ("29-2061", "Licensed Practical and Licensed Vocational Nurses")]})])
    add([_cred(C6, "Certificate", "Nursing Leadership", O2,
               **{"ceterms:requires": [{"@type": "ceterms:ConditionProfile", "ceterms:targetCredential": [RES + C5]}]})])
    add([_cred(C7, "Certificate", "Customer Service", O2)])
    add([{"@id": RES + L1, "@type": "ceterms:LearningProgram", "ceterms:ctid": L1,
          "ceterms:name": {"en": "Blueprint Reading"}, "ceterms:ownedBy": [RES + O1],
          "ceterms:teaches": [{"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNode": RES + K2,
                               "ceterms:targetNodeName": {"en": "Read blueprints"}}]}])
    add([
        {"@id": RES + F1, "@type": "ceasn:CompetencyFramework", "ceterms:ctid": F1,
         "ceasn:name": {"en": "Welding Skills"}, "ceasn:hasTopChild": [RES + K1, RES + K2, RES + K3]},
        {"@id": RES + K1, "@type": "ceasn:Competency", "ceterms:ctid": K1, "ceasn:isPartOf": [RES + F1],
         "ceasn:competencyText": {"en": "Perform shielded metal arc welding on steel plate"}},
        {"@id": RES + K2, "@type": "ceasn:Competency", "ceterms:ctid": K2, "ceasn:isPartOf": [RES + F1],
         "ceasn:competencyText": {"en": "Read and interpret blueprints and technical drawings"}},
        {"@id": RES + K3, "@type": "ceasn:Competency", "ceterms:ctid": K3, "ceasn:isPartOf": [RES + F1],
         "ceasn:competencyText": {"en": "Apply workplace safety procedures"}},
    ], context=CTX_ASN)
    add([
        {"@id": RES + P1, "@type": "ceterms:Pathway", "ceterms:ctid": P1, "ceterms:name": {"en": "Welding Pathway"},
         "ceterms:ownedBy": [RES + O1], "ceterms:hasPart": [RES + PC1, RES + PC2, RES + PC3],
         "ceterms:hasDestinationComponent": [RES + PC3]},
        {"@id": RES + PC1, "@type": "ceterms:CredentialComponent", "ceterms:ctid": PC1,
         "ceterms:name": {"en": "Welding Basics"}, "ceterms:isPartOf": [RES + P1], "ceterms:proxyFor": RES + C1,
         "ceterms:precedes": [RES + PC2], "ceterms:hasProgressionLevel": [RES + ctid(61)]},
        {"@id": RES + PC2, "@type": "ceterms:CredentialComponent", "ceterms:ctid": PC2,
         "ceterms:name": {"en": "Advanced Welding"}, "ceterms:isPartOf": [RES + P1], "ceterms:proxyFor": RES + C2,
         "ceterms:precedes": [RES + PC3], "ceterms:hasProgressionLevel": [RES + ctid(62)]},
        {"@id": RES + PC3, "@type": "ceterms:CredentialComponent", "ceterms:ctid": PC3,
         "ceterms:name": {"en": "AAS Welding"}, "ceterms:isPartOf": [RES + P1], "ceterms:proxyFor": RES + C3,
         "ceterms:hasProgressionLevel": [RES + ctid(63)],
         "ceterms:hasCondition": [{"@id": "_:cond1", "@type": "ceterms:ComponentCondition",
                                   "ceterms:name": {"en": "Complete the certification"},
                                   "ceterms:requiredNumber": 1, "ceterms:targetComponent": [RES + PC2]}]},
    ])
    add([{"@id": RES + TV1, "@type": "ceterms:TransferValueProfile", "ceterms:ctid": TV1,
          "ceterms:name": {"en": "Badge credit"}, "ceterms:ownedBy": [RES + O2],
          "ceterms:transferValueFrom": [RES + C4], "ceterms:transferValueFor": [RES + L1]}])
    return docs


def envelope(doc: dict, updated: str, n: int) -> dict:
    """Wrap a document as a Registry envelope (decoded_resource + node_headers)."""
    top = doc["@graph"][0]
    return {
        "envelope_community": "ce_registry",
        "envelope_id": f"00000000-0000-4000-9000-{n:012d}",
        "envelope_ceterms_ctid": top["ceterms:ctid"],
        "envelope_ctdl_type": top["@type"],
        "envelope_type": "resource_data",
        "decoded_resource": doc,
        "node_headers": {"created_at": "2024-01-01T00:00:00Z", "updated_at": updated},
    }


def write_snapshot(out: Path, *, extra_lines: list[bytes] | None = None) -> Path:
    """Write the fixture Registry as a (raw-only) snapshot folder and return it."""
    from ler_analytics.snapshot import write_manifest

    out.mkdir(parents=True, exist_ok=True)
    (out / "raw").mkdir(exist_ok=True)
    lines = [orjson.dumps(envelope(doc, updated, i)) for i, (doc, updated) in enumerate(documents(), start=1)]
    lines += extra_lines or []
    with gzip.open(out / "raw" / "envelopes-00001.jsonl.gz", "wb") as handle:
        for line in lines:
            handle.write(line + b"\n")
    write_manifest(out, {"source": f"files:{out}", "synthetic": True, "query": {}, "counts": {"envelopes": len(lines)}})
    return out
