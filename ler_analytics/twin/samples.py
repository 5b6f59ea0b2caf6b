"""Small hand-made Registry envelopes for tests of the twin server and of Registry clients.

These are shaped exactly like the Registry's envelopes (``registry-api.md`` §2.3): envelope fields,
``decoded_resource`` graph documents with ``@context``, ``@id`` and ``@graph`` (top-level resource
first, then blank nodes; a competency framework carries its competencies). The content is
deterministic and tiny, so tests can assert on exact values. The full synthetic Registry comes
from ``ler_analytics.demo``.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from ler_analytics.twin.store import GRAPH_PREFIX, ID_PREFIX, header_time, iso_ms

CONTEXT = "https://credreg.net/ctdl/schema/context/json"
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def ctid_for(name: str) -> str:
    """A stable CTID derived from a name (``ce-`` + UUID5)."""
    return f"ce-{uuid.uuid5(uuid.NAMESPACE_URL, 'ler-twin-sample:' + name)}"


def bnode_for(name: str) -> str:
    """A stable blank-node id derived from a name."""
    return f"_:{uuid.uuid5(uuid.NAMESPACE_URL, 'ler-twin-bnode:' + name)}"


def make_envelope(
    main: dict,
    *,
    others: list[dict] | None = None,
    created_at: datetime,
    updated_at: datetime | None = None,
    owned_by: str | None = None,
    published_by: str | None = None,
    publish_type: str = "primary",
    provisional: bool = False,
) -> dict:
    """Wrap a top-level resource (and its blank nodes / competencies) in a Registry envelope.

    Args:
        main: the top-level resource; must carry ``ceterms:ctid`` and ``@type``.
        others: further ``@graph`` members (blank nodes, competencies).
        created_at: envelope creation time.
        updated_at: last update (defaults to ``created_at``).
        owned_by: owner organisation CTID.
        published_by: publisher organisation CTID (defaults to the owner).
        publish_type: ``primary`` or ``secondary``.
        provisional: mark the graph ``graphPublicationStatus:Provisional``.
    """
    ctid = main["ceterms:ctid"]
    updated_at = updated_at or created_at
    node = {"@id": ID_PREFIX + ctid, **{k: v for k, v in main.items() if k != "@id"}}
    doc: dict = {"@context": CONTEXT, "@id": GRAPH_PREFIX + ctid, "@graph": [node, *(others or [])]}
    if provisional:
        doc["adms:status"] = "graphPublicationStatus:Provisional"
    envelope_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "ler-twin-envelope:" + ctid))
    return {
        "envelope_community": "ce_registry",
        "envelope_id": envelope_id,
        "envelope_ceterms_ctid": ctid,
        "envelope_ctdl_type": main["@type"],
        "envelope_type": "resource_data",
        "envelope_version": "1.0.0",
        "decoded_resource": doc,
        "resource_format": "json",
        "resource_encoding": "jwt",
        "publisher_id": None,
        "secondary_publisher_id": None,
        "resource_publish_type": publish_type,
        "node_headers": {
            "resource_digest": None,
            "revision_history": [
                {
                    "head": True,
                    "event": "create" if updated_at == created_at else "update",
                    "created_at": header_time(updated_at),
                    "actor": None,
                    "url": f"/ce-registry/envelopes/{envelope_id}",
                }
            ],
            "created_at": header_time(created_at),
            "updated_at": header_time(updated_at),
            "deleted_at": None,
        },
        "owned_by": owned_by,
        "published_by": published_by or owned_by,
        "changed": False,
        "updated_at": iso_ms(updated_at),
        "last_verified_on": None,
    }


def organization(name: str, state: str, *, created_at: datetime) -> dict:
    """A ``ceterms:CredentialOrganization`` envelope with a postal address in ``state``."""
    ctid = ctid_for("org:" + name)
    main = {
        "@type": "ceterms:CredentialOrganization",
        "ceterms:ctid": ctid,
        "ceterms:name": {"en": name},
        "ceterms:description": {"en": f"{name} is a provider of education and training."},
        "ceterms:subjectWebpage": f"https://example.org/{ctid[3:11]}",
        "ceterms:agentType": ["orgType:Postsecondary"],
        "ceterms:address": [
            {"@type": "ceterms:Place", "ceterms:addressLocality": {"en": "Capital City"},
             "ceterms:addressRegion": {"en": state}, "ceterms:addressCountry": {"en": "US"}}
        ],
    }
    return make_envelope(main, created_at=created_at, owned_by=ctid)


def credential(
    name: str,
    ctdl_type: str,
    owner_ctid: str,
    *,
    state: str | None,
    created_at: datetime,
    description: str | None = None,
    provisional: bool = False,
    reference_style: str = "resources",
) -> dict:
    """A credential envelope with an ``availableAt`` place (blank node) and a cost profile."""
    ctid = ctid_for("cred:" + name)
    place = bnode_for("place:" + name)
    cost = bnode_for("cost:" + name)
    owner_ref = (ID_PREFIX if reference_style == "resources" else GRAPH_PREFIX) + (
        owner_ctid.upper().replace("CE-", "ce-") if reference_style == "upper" else owner_ctid
    )
    main = {
        "@type": ctdl_type,
        "ceterms:ctid": ctid,
        "ceterms:name": {"en-US": name} if reference_style == "graph" else {"en": name},
        "ceterms:description": {"en": description or f"{name}: a credential for working adults."},
        "ceterms:subjectWebpage": f"https://example.org/credentials/{ctid[3:11]}",
        "ceterms:ownedBy": [owner_ref],
        "ceterms:offeredBy": [owner_ref],
        "ceterms:estimatedCost": [cost],
    }
    others: list[dict] = [
        {"@id": cost, "@type": "ceterms:CostProfile", "ceterms:price": 1200, "ceterms:currency": "USD",
         "ceterms:jurisdiction": [place]},
    ]
    if state is not None:
        main["ceterms:availableAt"] = [place]
        others.append(
            {"@id": place, "@type": "ceterms:Place", "ceterms:addressRegion": {"en": state},
             "ceterms:addressCountry": {"en": "US"}}
        )
    return make_envelope(main, others=others, created_at=created_at, owned_by=owner_ctid, provisional=provisional)


def framework(name: str, owner_ctid: str, competencies: list[str], *, created_at: datetime) -> dict:
    """A ``ceasn:CompetencyFramework`` envelope carrying its competencies in the same graph."""
    ctid = ctid_for("fw:" + name)
    comp_nodes = []
    for text in competencies:
        comp_ctid = ctid_for(f"comp:{name}:{text}")
        comp_nodes.append(
            {"@id": ID_PREFIX + comp_ctid, "@type": "ceasn:Competency", "ceterms:ctid": comp_ctid,
             "ceasn:competencyText": {"en": text}, "ceasn:isPartOf": [ID_PREFIX + ctid]}
        )
    main = {
        "@type": "ceasn:CompetencyFramework",
        "ceterms:ctid": ctid,
        "ceasn:name": {"en": name},
        "ceasn:description": {"en": f"Competencies of {name}."},
        "ceasn:publisher": [ID_PREFIX + owner_ctid],
        "ceasn:hasTopChild": [n["@id"] for n in comp_nodes],
    }
    return make_envelope(main, others=comp_nodes, created_at=created_at, owned_by=owner_ctid)


_STATES = ("IN", "Indiana", "CO", "ca", "New York", "TX", "Ontario")
_TYPES = ("ceterms:Certificate", "ceterms:AssociateDegree", "ceterms:BachelorDegree", "ceterms:Certification",
          "ceterms:License", "ceterms:TechnicalLevel1Certificate")
_TOPICS = ("Welding", "Nursing", "Cybersecurity", "Accounting", "Carpentry", "Data Analytics", "Culinary Arts")


def sample_envelopes(n_credentials: int = 24, *, seed: int = 1) -> list[dict]:
    """A small deterministic Registry: 4 organisations, credentials, one framework, one provisional.

    Envelopes come oldest ``created_at`` first (an hour apart), as the generator yields them.

    Args:
        n_credentials: how many credential envelopes (besides the others).
        seed: varies names, states and types.
    """
    rng = random.Random(seed)
    when = BASE_TIME
    out: list[dict] = []
    orgs = []
    for i, state in enumerate(("IN", "CO", "CA", "NY")):
        env = organization(f"Sample College {i + 1}", state, created_at=when)
        orgs.append(env["envelope_ceterms_ctid"])
        out.append(env)
        when += timedelta(hours=1)
    for i in range(n_credentials):
        topic = rng.choice(_TOPICS)
        name = f"{topic} {rng.choice(('Basics', 'Advanced', 'Professional'))} {i + 1}"
        style = ("resources", "graph", "upper")[i % 3]
        out.append(
            credential(
                name, rng.choice(_TYPES), orgs[i % len(orgs)], state=_STATES[i % len(_STATES)],
                created_at=when, reference_style=style,
            )
        )
        when += timedelta(hours=1)
    out.append(framework("Welding Competencies", orgs[0], ["Read blueprints", "Weld steel", "Inspect welds"],
                         created_at=when))
    when += timedelta(hours=1)
    out.append(credential("Provisional Draft Credential", "ceterms:Certificate", orgs[1], state="CO",
                          created_at=when, provisional=True))
    return out
