"""Small builders for LER test documents."""

from __future__ import annotations

import base64
import json


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(payload: dict, header: dict | None = None, signature: bytes = b"not-a-real-signature") -> str:
    header = header or {"alg": "EdDSA", "typ": "JWT"}
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature) if signature else ''}"


def ob3(achievement: dict, *, issuer: dict | str | None = None, context_v2: bool = True, **extra) -> dict:
    doc = {
        "@context": (["https://www.w3.org/ns/credentials/v2"] if context_v2 else ["https://www.w3.org/2018/credentials/v1"])
        + ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:11111111-2222-4333-8444-555555555555",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer or {"id": "https://issuer.example.edu", "type": ["Profile"], "name": "Alpha Technical College"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "type": ["AchievementSubject"], "achievement": achievement},
    }
    doc.update(extra)
    return doc
