"""Wrap a rendered record in the Credential Registry's envelope format (``registry-api.md`` §2.2-2.3).

Fields follow ``API::Entities::Envelope`` of the Registry (envelope_community, envelope_id,
envelope_ceterms_ctid, envelope_ctdl_type, envelope_type, envelope_version, decoded_resource,
resource_format, resource_encoding, publisher_id, secondary_publisher_id, resource_publish_type,
node_headers, owned_by, published_by, changed, updated_at, last_verified_on). Old-style envelopes
carry the signed JWT in ``resource`` instead of ``decoded_resource``; a few are broken on purpose.
"""

from __future__ import annotations

import base64
import hashlib
import random
import time
from datetime import datetime

import orjson

from ler_analytics.demo.plan import Plan, derived_uuid_str
from ler_analytics.demo.records import Rendered

COMMUNITY = "ce_registry"
_JWT_HEADER = base64.urlsafe_b64encode(b'{"alg":"RS256"}').rstrip(b"=").decode()


_DAYS: dict[int, str] = {}


def _day(days: int) -> str:
    """``YYYY-MM-DD`` of a day number since the epoch (cached: a twin spans a few thousand days)."""
    text = _DAYS.get(days)
    if text is None:
        text = _DAYS[days] = time.strftime("%Y-%m-%d", time.gmtime(days * 86400))
    return text


_HM = tuple(f"{h:02d}:{m:02d}" for h in range(24) for m in range(60))
_SS = tuple(f"{x:02d}" for x in range(60))


def registry_time(t: datetime | int) -> str:
    """Node-header timestamp as the Registry writes it: ``2019-02-19 22:12:36 UTC`` (datetime or epoch s)."""
    days, rest = divmod(t if isinstance(t, int) else int(t.timestamp()), 86400)
    minutes, secs = divmod(rest, 60)
    return f"{_DAYS.get(days) or _day(days)} {_HM[minutes]}:{_SS[secs]} UTC"


def api_time(t: datetime | int) -> str:
    """Envelope ``updated_at`` as the Registry API renders it: ``2019-02-19T22:12:36.000Z``."""
    days, rest = divmod(t if isinstance(t, int) else int(t.timestamp()), 86400)
    minutes, secs = divmod(rest, 60)
    return f"{_DAYS.get(days) or _day(days)}T{_HM[minutes]}:{_SS[secs]}.000Z"


def graph_document(rendered: Rendered) -> dict:
    """The ``decoded_resource``: ``@context``, ``@id`` (…/graph/ce-…), ``@graph`` (top-level node first)."""
    return {
        "@context": rendered.context,
        "@id": f"https://credentialengineregistry.org/graph/{rendered.ctid}",
        "@graph": rendered.graph,
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_envelope(
    plan: Plan,
    rendered: Rendered,
    *,
    created: datetime | int,
    updated: datetime | int,
    revisions: int,
    rng: random.Random,
    variant: str = "",
    envelope_key: object = "",
) -> dict:
    """Build one envelope.

    Args:
        plan: the twin's plan (for the seed).
        rendered: the record.
        created: first publication time (datetime, or epoch seconds).
        updated: last update time (``>= created``; datetime, or epoch seconds).
        revisions: number of update events after the create event.
        rng: the record's random stream (for cosmetic fields).
        variant: "" (normal), "secondary" (a third-party copy), "legacy_jwt" (JWT ``resource`` only),
            "broken_jwt" (JWT payload that is not JSON), "broken_graph" (no ``@graph``).
        envelope_key: distinguishes the envelope ids of several envelopes of one record.
    """
    return build_envelope(
        plan,
        rendered,
        created=created,
        updated=updated,
        revisions=revisions,
        rng=rng,
        variant=variant,
        envelope_key=envelope_key,
    )[0]


def build_envelope(
    plan: Plan,
    rendered: Rendered,
    *,
    created: datetime | int,
    updated: datetime | int,
    revisions: int,
    rng: random.Random,
    variant: str = "",
    envelope_key: object = "",
) -> tuple[dict, bytes | None]:
    """:func:`make_envelope`, also returning the serialised ``decoded_resource`` (``None`` if absent).

    The bytes let :func:`envelope_json` serialise the envelope without serialising its graph again.
    """
    doc = graph_document(rendered)
    envelope_id = derived_uuid_str(plan.seed, "envelope", rendered.ctid, variant, envelope_key)
    if variant == "broken_graph":
        doc = {"@context": doc["@context"], "@id": doc["@id"]}
    body = orjson.dumps(doc)
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    created_s = created if isinstance(created, int) else int(created.timestamp())
    updated_s = updated if isinstance(updated, int) else int(updated.timestamp())
    created_at = registry_time(created_s)
    updated_at = registry_time(updated_s) if updated_s != created_s else created_at
    url = f"/ce-registry/envelopes/{envelope_id}"
    if revisions <= 0:
        history = [{"head": True, "event": "create", "created_at": created_at, "actor": None, "url": url}]
    else:
        base_rev = int(envelope_id[:6], 16)
        span = updated_s - created_s
        history = [
            {
                "head": False,
                "event": "create",
                "created_at": created_at,
                "actor": None,
                "url": f"{url}/revisions/{base_rev}",
            }
        ]
        for k in range(1, revisions):
            history.append(
                {
                    "head": False,
                    "event": "update",
                    "created_at": registry_time(created_s + span * k // revisions),
                    "actor": None,
                    "url": f"{url}/revisions/{base_rev + k * 7}",
                }
            )
        history.append({"head": True, "event": "update", "created_at": updated_at, "actor": None, "url": url})
    env: dict = {
        "envelope_community": COMMUNITY,
        "envelope_id": envelope_id,
        "envelope_ceterms_ctid": rendered.ctid,
        "envelope_ctdl_type": rendered.ctdl_type,
        "envelope_type": "resource_data",
        "envelope_version": "1.0.0",
        "decoded_resource": doc,
        "resource_format": "json",
        "resource_encoding": "jwt",
        "publisher_id": None,
        "secondary_publisher_id": None,
        "resource_publish_type": "secondary" if variant == "secondary" else "primary",
        "node_headers": {
            "resource_digest": digest,
            "revision_history": history,
            "created_at": created_at,
            "updated_at": updated_at,
            "deleted_at": None,
        },
        "owned_by": rendered.owner_ctid,
        "published_by": rendered.publisher_ctid,
        "changed": False,
        "updated_at": api_time(updated_s),
        "last_verified_on": _day((updated_s + 86400 * rng.randrange(1, 200)) // 86400) if rng.random() < 0.2 else None,
    }
    if variant in ("legacy_jwt", "broken_jwt"):
        payload = body if variant == "legacy_jwt" else body[: max(20, len(body) // 2)]
        signature = _b64(hashlib.sha256(payload + b"demo-signature").digest())
        del env["decoded_resource"]
        # Old envelopes: the signed resource only, sometimes without envelope_ctdl_type.
        env["resource"] = f"{_JWT_HEADER}.{_b64(payload)}.{signature}"
        if rng.random() < 0.5:
            del env["envelope_ctdl_type"]
        return env, None
    return env, body


_DOC_SLOT = b'"decoded_resource":null,'


def envelope_json(env: dict, body: bytes | None) -> bytes:
    """``orjson.dumps(env)``, splicing in ``body`` (the serialised ``decoded_resource``) when given.

    Args:
        env: an envelope from :func:`build_envelope` (it is modified: do not use it afterwards).
        body: the bytes :func:`build_envelope` returned with it.
    """
    if body is None:
        return orjson.dumps(env)
    env["decoded_resource"] = None
    return orjson.dumps(env).replace(_DOC_SLOT, b'"decoded_resource":' + body + b",", 1)
