"""The twin's envelopes have the Registry's shape, are deterministic, and its events history is consistent."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import orjson

from ler_analytics.demo import iter_change_batches, iter_envelopes
from ler_analytics.demo.plan import T_SNAPSHOT

# Fields of API::Entities::Envelope (CredentialRegistry app/api/entities/envelope.rb), as in the real
# production envelope sample (registry-api.md §2.3).
ENVELOPE_FIELDS = {
    "envelope_community",
    "envelope_id",
    "envelope_ceterms_ctid",
    "envelope_ctdl_type",
    "envelope_type",
    "envelope_version",
    "decoded_resource",
    "resource_format",
    "resource_encoding",
    "publisher_id",
    "secondary_publisher_id",
    "resource_publish_type",
    "node_headers",
    "owned_by",
    "published_by",
    "changed",
    "updated_at",
    "last_verified_on",
}
NODE_HEADER_FIELDS = {"resource_digest", "revision_history", "created_at", "updated_at", "deleted_at"}
REAL_SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "data/ctdl/CredentialEngine__Registry_Assistant/src/SamplePublishing"
    / "RA.SamplesForDocumentation/EnvelopeSamples/CredentialEnvelope.json"
)


def _digest(envelopes) -> str:
    h = hashlib.sha256()
    for env in envelopes:
        h.update(orjson.dumps(env))
        h.update(b"\n")
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes():
    first = _digest(iter_envelopes(0.003, 99))
    again = _digest(iter_envelopes(0.003, 99))
    other = _digest(iter_envelopes(0.003, 100))
    assert first == again
    assert first != other


def test_envelope_fields_match_the_registry(good_envelopes):
    assert REAL_SAMPLE.exists()
    if REAL_SAMPLE.exists():  # the real production envelope (JWT-era: `resource` instead of decoded_resource)
        real = json.loads(REAL_SAMPLE.read_text(encoding="utf-8-sig"))
        real_fields = set(real) - {"resource", "resource_public_key"} | {
            "decoded_resource",
            "resource_publish_type",
            "owned_by",
            "published_by",
            "changed",
            "updated_at",
            "last_verified_on",
        }
        assert real_fields == ENVELOPE_FIELDS
        assert set(real["node_headers"]) == NODE_HEADER_FIELDS
    for env in good_envelopes:
        assert set(env) == ENVELOPE_FIELDS
        assert set(env["node_headers"]) == NODE_HEADER_FIELDS
        assert env["envelope_community"] == "ce_registry"
        assert env["envelope_type"] == "resource_data" and env["resource_encoding"] == "jwt"
        ctid = env["envelope_ceterms_ctid"]
        doc = env["decoded_resource"]
        assert list(doc)[:3] == ["@context", "@id", "@graph"]
        assert doc["@id"] == f"https://credentialengineregistry.org/graph/{ctid}"
        top = doc["@graph"][0]
        assert top["ceterms:ctid"] == ctid and top["@id"].endswith(ctid) and top["@type"] == env["envelope_ctdl_type"]
        for node in doc["@graph"][1:]:  # blank nodes, or the framework's competencies / pathway's components
            assert (
                node["@id"].startswith("_:")
                or node["@type"] in ("ceasn:Competency", "asn:ProgressionLevel")
                or node["@type"].endswith("Component")
            )
        history = env["node_headers"]["revision_history"]
        assert history[0]["event"] == "create" and history[-1]["head"] is True
        assert env["node_headers"]["created_at"].endswith(" UTC")
        assert env["node_headers"]["updated_at"] >= env["node_headers"]["created_at"]
        assert env["updated_at"].endswith(".000Z")


def test_frameworks_carry_their_competencies_in_the_same_graph(good_envelopes):
    frameworks = [e for e in good_envelopes if e["envelope_ctdl_type"] == "ceasn:CompetencyFramework"]
    assert frameworks
    for env in frameworks:
        graph = env["decoded_resource"]["@graph"]
        ids = {n["@id"] for n in graph[1:]}
        assert set(graph[0]["ceasn:hasTopChild"]) <= ids
        for comp in graph[1:]:
            assert comp["@type"] == "ceasn:Competency" and comp["ceasn:isPartOf"] == graph[0]["@id"]


def test_pathways_have_linked_components(good_envelopes):
    pathways = [e for e in good_envelopes if e["envelope_ctdl_type"] == "ceterms:Pathway"]
    assert pathways
    for env in pathways:
        path, *components = env["decoded_resource"]["@graph"]
        ids = [c["@id"] for c in components]
        assert path["ceterms:hasPart"] == ids and path["ceterms:hasDestinationComponent"] == [ids[-1]]
        assert all(c["ceterms:isPartOf"] == [path["@id"]] and "ceterms:proxyFor" in c for c in components)
        assert all(components[i]["ceterms:precedes"] == [ids[i + 1]] for i in range(len(ids) - 1))
        assert all("asn:hasProgressionLevel" in c for c in components)


def test_initial_envelopes_are_in_creation_order(twin_envelopes):
    created = [e["node_headers"]["created_at"] for e in twin_envelopes]
    assert created == sorted(created)
    assert max(e["node_headers"]["updated_at"] for e in twin_envelopes) <= T_SNAPSHOT.strftime("%Y-%m-%d %H:%M:%S UTC")


def test_change_batches_are_consistent():
    scale, seed = 0.01, 3
    initial = {}
    for env in iter_envelopes(scale, seed):
        if env["resource_publish_type"] == "primary":
            initial[env["envelope_ceterms_ctid"]] = env
    alive = set(initial)
    deleted: set[str] = set()
    last: datetime | None = None
    events = {"create": 0, "update": 0, "delete": 0}
    batches = list(iter_change_batches(scale, seed, batches=4, change_rate=0.02))
    assert len(batches) == 4
    for batch in batches:
        assert batch
        for change in batch:
            assert change.at > T_SNAPSHOT
            assert last is None or change.at > last
            last = change.at
            events[change.event] += 1
            if change.event == "create":
                assert change.ctid not in alive and change.ctid not in deleted
                assert change.envelope["envelope_ceterms_ctid"] == change.ctid
                alive.add(change.ctid)
            elif change.event == "update":
                assert change.ctid in alive
                env = change.envelope
                assert env["envelope_ceterms_ctid"] == change.ctid
                assert env["node_headers"]["updated_at"] == change.at.strftime("%Y-%m-%d %H:%M:%S UTC")
                if change.ctid in initial:
                    before = initial[change.ctid]
                    assert env["envelope_id"] == before["envelope_id"]
                    assert env["node_headers"]["created_at"] == before["node_headers"]["created_at"]
                    assert env["node_headers"]["resource_digest"] != before["node_headers"]["resource_digest"]
            else:
                assert change.envelope is None
                assert change.ctid in alive
                alive.discard(change.ctid)
                deleted.add(change.ctid)
    total = sum(events.values())
    assert total == 4 * round(len(initial) * 0.02) or abs(total - 4 * len(initial) * 0.02) < 10
    assert events["create"] > 0.2 * total and events["update"] > 0.4 * total and events["delete"] > 0.08 * total
    again = [
        [(c.event, c.ctid, c.at) for c in b] for b in iter_change_batches(scale, seed, batches=4, change_rate=0.02)
    ]
    assert again == [[(c.event, c.ctid, c.at) for c in b] for b in batches]
