"""Small, deterministic Registry-shaped envelopes and change batches for the registry client tests.

The demo generator (``ler_analytics.demo.iter_envelopes``) is used when it is available; this
factory keeps the client tests independent of it and lets a test choose exact sizes.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

TYPES = ("ceterms:Certificate", "ceterms:Certification", "ceterms:CredentialOrganization", "ceterms:Course",
         "ceterms:BachelorDegree", "ceterms:AssessmentProfile")
STATES = ("IN", "CO", "TX", "Ohio", "California")
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)


def _ctid(seed: int, i: int) -> str:
    return "ce-" + str(uuid.UUID(int=random.Random(seed * 1_000_003 + i).getrandbits(128), version=4))


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _hdr(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S UTC")


def make_envelope(ctid: str, ctdl_type: str, created: datetime, updated: datetime, rng: random.Random,
                  version: int = 0) -> dict:
    """One envelope shaped like the Registry's (decoded_resource with an @graph and a blank node)."""
    owner = _ctid(99, rng.randrange(20))
    bnode = f"_:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    main = {
        "@id": f"https://credentialengineregistry.org/resources/{ctid}",
        "@type": ctdl_type,
        "ceterms:ctid": ctid,
        "ceterms:name": {"en": f"Record {ctid[3:11]} v{version} — café"},
        "ceterms:description": {"en": f"Synthetic test record, version {version}."},
        "ceterms:ownedBy": [f"https://credentialengineregistry.org/resources/{owner}"],
        "ceterms:availableAt": [bnode],
        "ceterms:occupationType": [{"@type": "ceterms:CredentialAlignmentObject",
                                    "ceterms:codedNotation": rng.choice(["29-1141", "15-1252.00", "47-2111"])}],
    }
    place = {"@id": bnode, "@type": "ceterms:Place", "ceterms:addressRegion": {"en": rng.choice(STATES)}}
    return {
        "envelope_community": "ce_registry",
        "envelope_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "envelope_ceterms_ctid": ctid,
        "envelope_ctdl_type": ctdl_type,
        "envelope_type": "resource_data",
        "envelope_version": "1.0.0",
        "decoded_resource": {"@context": "https://credreg.net/ctdl/schema/context/json",
                             "@id": f"https://credentialengineregistry.org/graph/{ctid}", "@graph": [main, place]},
        "resource_format": "json",
        "resource_encoding": "jwt",
        "resource_publish_type": "primary",
        "node_headers": {"resource_digest": "x", "created_at": _hdr(created), "updated_at": _hdr(updated),
                         "deleted_at": None},
        "owned_by": owner,
        "published_by": owner,
        "changed": False,
        "created_at": _iso(created),
        "updated_at": _iso(updated),
    }


def initial_envelopes(n: int, seed: int = 1) -> list[dict]:
    """``n`` envelopes, oldest first, one hour apart (some updated later)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        created = BASE_TIME + timedelta(hours=i)
        updated = created + timedelta(minutes=rng.choice([0, 0, 5, 30]))
        out.append(make_envelope(_ctid(seed, i), TYPES[i % len(TYPES)], created, updated, rng))
    return out


@dataclass
class Change:
    """One change (same fields as ``ler_analytics.demo``'s Change)."""

    event: str
    ctid: str
    envelope: dict | None
    at: datetime


class ChangeMaker:
    """Creates/updates/deletes against a known set of live CTIDs, with increasing times."""

    def __init__(self, envelopes: list[dict], seed: int = 2) -> None:
        self.rng = random.Random(seed)
        self.live = {e["envelope_ceterms_ctid"]: e["envelope_ctdl_type"] for e in envelopes}
        self.clock = BASE_TIME + timedelta(days=3650)
        self.counter = 0
        self.seed = seed

    def _tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    def batch(self, creates: int, updates: int, deletes: int) -> list[Change]:
        out: list[Change] = []
        for _ in range(creates):
            self.counter += 1
            ctid = _ctid(self.seed + 7, self.counter)
            at = self._tick()
            t = TYPES[self.counter % len(TYPES)]
            out.append(Change("create", ctid, make_envelope(ctid, t, at, at, self.rng), at))
            self.live[ctid] = t
        pool = sorted(self.live)
        picked = self.rng.sample(pool, updates + deletes)
        for ctid in picked[:updates]:
            at = self._tick()
            out.append(Change("update", ctid, make_envelope(ctid, self.live[ctid], at, at, self.rng, version=2), at))
        for ctid in picked[updates:]:
            at = self._tick()
            out.append(Change("delete", ctid, None, at))
            del self.live[ctid]
        out.sort(key=lambda c: c.at)
        return out
