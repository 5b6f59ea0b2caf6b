"""Synthetic LERs issued against a snapshot's credentials, for the demo, the dashboard and the tests.

:func:`generate_lers` makes Open Badges 3.0 credentials, CLR 2.0 transcripts, VC-JWTs and
Credential-Engine-style W3C VCs with embedded CTDL, each asserting credentials of the given snapshot
(normally the Registry twin) with a realistic mix of CTDL link patterns, a share of links without a
CTID, no link at all, and broken links (CTIDs that are not in the snapshot). Output is deterministic
for a given snapshot and seed.

Every LER carries made-up learner data (name, email, student id, date of birth, results) on purpose,
so the privacy tests can prove that none of it reaches any output. JWT signatures are random bytes:
the tokens are *not* verifiable and are labelled synthetic in their header (``"synthetic": true``).
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ler_analytics.errors import SnapshotError
from ler_analytics.snapshot import atomic_write_bytes

if TYPE_CHECKING:
    from ler_analytics.snapshot import Snapshot

REGISTRY = "https://credentialengineregistry.org"
FINDER = "https://credentialfinder.org"
OB3_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CLR_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
VC1_CONTEXT = ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CE_CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    "https://credreg.net/ctdl/schema/context/json",
    "https://credreg.net/ctdlasn/schema/context/json",
    {"res": f"{REGISTRY}/resources/"},
]

# Link styles and their weights (before broken links are mixed in).
LINK_STYLES: dict[str, float] = {
    "registry_alignment_url": 0.24,
    "alignment_ctid_code": 0.14,
    "registry_achievement_id": 0.12,
    "same_as": 0.07,
    "embedded_ctdl": 0.08,
    "finder_only": 0.10,
    "none": 0.25,
}
FORMATS: dict[str, float] = {"ob3": 0.45, "clr": 0.2, "jwt": 0.25, "ce_vc": 0.10}

_FIRST = ("Avery", "Jordan", "Riley", "Morgan", "Casey", "Quinn", "Rowan", "Emerson", "Finley", "Harper",
          "Skyler", "Reese", "Dakota", "Kendall", "Parker", "Sawyer", "Elliot", "Marlowe", "Tatum", "Lennox")
_LAST = ("Okafor", "Lindqvist", "Marchetti", "Nakamura", "Oyelaran", "Vasquez-Hale", "Thorvaldsen", "Abernathy",
         "Castellanos", "Delacroix", "Fairweather", "Galloway", "Hollingsworth", "Iwasaki", "Jaramillo",
         "Kowalczyk", "Montgomery", "Ngata", "Pemberton", "Quintero")
_GRADES = ("A", "A-", "B+", "B", "B-", "C+", "Pass", "Proficient", "Distinguished")


@dataclass
class SyntheticLer:
    """One generated LER.

    Attributes:
        file_name: suggested file name (``ler-00001.json`` or ``.jwt``).
        format: ``ob3``, ``clr``, ``jwt`` or ``ce_vc``.
        content: the file bytes.
        learner: the made-up learner data planted in it (for privacy tests).
        expected: per asserted achievement: ``{"style", "ctid", "broken"}`` (``ctid`` None for no CTID).
    """

    file_name: str
    format: str
    content: bytes
    learner: dict[str, str]
    expected: list[dict[str, Any]] = field(default_factory=list)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()), k=1)[0]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "x"


def _fake_ctid(rng: random.Random) -> str:
    return "ce-" + str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class _Catalog:
    credentials: list[dict[str, Any]]
    orgs: dict[str, str]
    competencies_of: dict[str, list[dict[str, Any]]]
    all_competencies: list[dict[str, Any]]


def _catalog(snap: Snapshot, limit: int = 5000) -> _Catalog:
    import polars as pl

    try:
        creds = snap.table("credentials")
    except SnapshotError as exc:
        raise SnapshotError(f"synthetic LERs need a built snapshot with a credentials table: {exc}") from exc
    creds = creds.filter(pl.col("ctid").is_not_null() & pl.col("name").is_not_null()).sort("ctid").head(limit)
    if creds.is_empty():
        raise SnapshotError(f"snapshot {snap.path} has no named credentials to issue synthetic LERs against")
    cols = [c for c in ("ctid", "name", "credential_type", "owner_ctid", "status", "description") if c in creds.columns]
    credentials = creds.select(cols).to_dicts()
    orgs: dict[str, str] = {}
    try:
        org_frame = snap.table("organizations").filter(pl.col("ctid").is_not_null() & pl.col("name").is_not_null())
        orgs = dict(zip(org_frame.get_column("ctid").to_list(), org_frame.get_column("name").to_list(), strict=True))
    except SnapshotError:
        pass
    competencies_of: dict[str, list[dict[str, Any]]] = {}
    all_competencies: list[dict[str, Any]] = []
    try:
        comps = snap.table("competencies").filter(pl.col("ctid").is_not_null()).sort("ctid")
        all_competencies = comps.select("ctid", "text").head(limit).to_dicts()
        texts = dict(zip(comps.get_column("ctid").to_list(), comps.get_column("text").to_list(), strict=True))
        conns = snap.table("connections").filter(pl.col("target_ctid").is_in(list(texts)))
        pairs = conns.select("subject_ctid", "target_ctid").sort("subject_ctid", "target_ctid")
        for subject, target in pairs.iter_rows():
            competencies_of.setdefault(subject, []).append({"ctid": target, "text": texts.get(target)})
    except SnapshotError:
        pass
    return _Catalog(credentials, orgs, competencies_of, all_competencies)


class _Builder:
    def __init__(self, catalog: _Catalog, rng: random.Random, broken_share: float, owner_mismatch_share: float,
                 base_date: datetime) -> None:
        self.cat = catalog
        self.rng = rng
        self.broken_share = broken_share
        self.owner_mismatch_share = owner_mismatch_share
        self.base_date = base_date
        self.org_ctids = sorted(catalog.orgs)

    # -- learner (deliberately personal, all made up) --
    def learner(self, index: int) -> dict[str, str]:
        first, last = self.rng.choice(_FIRST), self.rng.choice(_LAST)
        dob = datetime(1975, 1, 1, tzinfo=UTC) + timedelta(days=self.rng.randrange(0, 365 * 30))
        return {
            "name": f"{first} {last}",
            "email": f"{first.lower()}.{last.lower().replace('-', '')}{index}@learners.example.com",
            "student_id": f"SID-{self.rng.randrange(10**7, 10**8)}",
            "birth_date": dob.strftime("%Y-%m-%d"),
            "did": f"did:example:learner{hashlib.sha256(f'{first}{last}{index}'.encode()).hexdigest()[:20]}",
            "grade": self.rng.choice(_GRADES),
        }

    def subject(self, learner: dict[str, str], achievement: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": learner["did"],
            "type": ["AchievementSubject"],
            "name": learner["name"],
            "email": learner["email"],
            "birthDate": learner["birth_date"],
            "identifier": [
                {"type": "IdentityObject", "identityType": "emailAddress", "hashed": False,
                 "identityHash": learner["email"]},
                {"type": "IdentityObject", "identityType": "studentId", "hashed": False,
                 "identityHash": learner["student_id"]},
            ],
            "achievement": achievement,
            "result": [{"type": ["Result"], "value": learner["grade"]}],
        }

    # -- issuer --
    def issuer(self, cred: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        owner = cred.get("owner_ctid")
        issuer_ctid = owner
        if self.org_ctids and (owner not in self.cat.orgs or self.rng.random() < self.owner_mismatch_share):
            issuer_ctid = self.rng.choice(self.org_ctids)
        name = self.cat.orgs.get(issuer_ctid or "", None) or "Synthetic Issuing College"
        if issuer_ctid and self.rng.random() < 0.3:
            issuer_id = f"{REGISTRY}/resources/{issuer_ctid}"
        else:
            issuer_id = f"https://{_slug(name)}.example.edu/issuer"
        return {"id": issuer_id, "type": ["Profile"], "name": name}, issuer_ctid

    # -- achievement with a link style --
    def achievement(self, cred: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        style = _pick(self.rng, LINK_STYLES)
        broken = style not in ("none", "finder_only") and self.rng.random() < self.broken_share
        ctid = _fake_ctid(self.rng) if broken else cred["ctid"]
        name = cred.get("name") or "Credential"
        ctype = cred.get("credential_type") or "Credential"
        slug = _slug(name)
        finder_id = self.rng.randrange(1000, 99999)
        ach: dict[str, Any] = {
            "id": f"https://{slug[:30]}.example.edu/achievements/{finder_id}",
            "type": ["Achievement"],
            "name": name,
            "achievementType": _ob_type(ctype),
            "criteria": {"narrative": f"Complete the requirements of {name}."},
        }
        if cred.get("description"):
            ach["description"] = str(cred["description"])[:300]
        alignment: list[dict[str, Any]] = []
        if style == "registry_alignment_url":
            kind = "graph" if self.rng.random() < 0.15 else "resources"
            alignment.append({"type": ["Alignment"], "targetName": name, "targetType": "ceterms:Credential",
                              "targetUrl": f"{REGISTRY}/{kind}/{ctid}"})
        elif style == "alignment_ctid_code":
            alignment.append({"type": ["Alignment"], "targetName": name, "targetType": "ceterms:Credential",
                              "targetFramework": "Credential Engine Registry", "targetCode": ctid,
                              "targetUrl": f"{FINDER}/credential/{finder_id}/{slug}"})
        elif style == "registry_achievement_id":
            ach["id"] = f"{REGISTRY}/resources/{ctid}"
        elif style == "same_as":
            ach["sameAs"] = f"{REGISTRY}/resources/{ctid}"
        elif style == "embedded_ctdl":
            ach["type"] = ["Achievement", f"ceterms:{ctype}"]
            ach["ceterms:ctid"] = ctid
        elif style == "finder_only":
            alignment.append({"type": ["Alignment"], "targetName": name, "targetType": "ceterms:Credential",
                              "targetUrl": f"{FINDER}/credential/{finder_id}/{slug}"})
            ctid = None
        else:  # no CTDL link; sometimes a CASE alignment, as in the wild
            ctid = None
            if self.rng.random() < 0.4:
                alignment.append({"type": ["Alignment"], "targetName": name, "targetType": "CFItem",
                                  "targetUrl": f"https://case.example.org/uri/{uuid.UUID(int=self.rng.getrandbits(128))}"})
        comps = self.cat.competencies_of.get(cred["ctid"], [])
        if style not in ("none", "finder_only") and comps and self.rng.random() < 0.35:
            for comp in comps[:3]:
                alignment.append({"type": ["Alignment"], "targetName": (comp.get("text") or "Competency")[:120],
                                  "targetType": "ceasn:Competency",
                                  "targetUrl": f"{FINDER}/competency/{comp['ctid']}"})
        if alignment:
            ach["alignment"] = alignment
        return ach, {"style": style, "ctid": ctid, "broken": broken}

    def validity(self) -> tuple[str, str]:
        issued = self.base_date + timedelta(days=self.rng.randrange(0, 365 * 4))
        return issued.strftime("%Y-%m-%dT%H:%M:%SZ"), (issued + timedelta(days=365 * 5)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def proof(self, issuer_id: str) -> dict[str, Any]:
        value = "z" + hashlib.sha512(str(self.rng.random()).encode()).hexdigest()[:86]
        return {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod",
                "verificationMethod": f"{issuer_id}#key-1", "created": self.validity()[0], "proofValue": value}

    def ob3(self, cred: dict[str, Any], learner: dict[str, str], index: int, *, context: list[Any] | None = None,
            with_proof: bool = True) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        issuer, _ = self.issuer(cred)
        ach, expected = self.achievement(cred)
        valid_from, valid_until = self.validity()
        doc: dict[str, Any] = {
            "@context": context or OB3_CONTEXT,
            "id": f"urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": f"{ach['name']} awarded to {learner['name']}",
            "issuer": issuer,
            "validFrom": valid_from,
            "validUntil": valid_until,
            "credentialSubject": self.subject(learner, ach),
        }
        if with_proof:
            doc["proof"] = [self.proof(issuer["id"])]
        return doc, [expected]

    def clr(self, creds: list[dict[str, Any]], learner: dict[str, str], index: int) -> tuple[dict[str, Any], list]:
        issuer, _ = self.issuer(creds[0])
        nested, expected, ach_ids = [], [], []
        for cred in creds:
            doc, exp = self.ob3(cred, learner, index, with_proof=True)
            doc["type"] = ["VerifiableCredential", "AchievementCredential"]
            nested.append(doc)
            expected.extend(exp)
            ach_ids.append(doc["credentialSubject"]["achievement"]["id"])
        valid_from, _ = self.validity()
        associations = [
            {"type": "Association", "associationType": "isParentOf", "sourceId": ach_ids[0], "targetId": target}
            for target in ach_ids[1:]
        ]
        doc = {
            "@context": CLR_CONTEXT,
            "id": f"urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}",
            "type": ["VerifiableCredential", "ClrCredential"],
            "name": learner["name"],
            "issuer": issuer,
            "validFrom": valid_from,
            "credentialSubject": {
                "id": learner["did"], "type": ["ClrSubject"], "name": learner["name"], "email": learner["email"],
                "birthDate": learner["birth_date"],
                "identifier": [{"type": "IdentityObject", "identityType": "studentId", "hashed": False,
                                "identityHash": learner["student_id"]}],
                "verifiableCredential": nested, "association": associations,
            },
            "proof": [self.proof(issuer["id"])],
        }
        return doc, expected

    def ce_vc(self, cred: dict[str, Any], learner: dict[str, str]) -> tuple[dict[str, Any], list]:
        """Credential Engine sample style: achievement id is the Registry URI, CTDL embedded."""
        issuer, issuer_ctid = self.issuer(cred)
        broken = self.rng.random() < self.broken_share
        ctid = _fake_ctid(self.rng) if broken else cred["ctid"]
        ctype = cred.get("credential_type") or "Credential"
        ach: dict[str, Any] = {
            "id": f"res:{ctid}",
            "type": f"ceterms:{ctype}",
            "ceterms:name": {"en-US": cred.get("name") or "Credential"},
        }
        if cred.get("owner_ctid"):
            ach["ceterms:ownedBy"] = f"res:{cred['owner_ctid']}"
        comps = self.cat.competencies_of.get(cred["ctid"], [])[:3]
        if comps:
            ach["ceterms:requires"] = [
                {"type": "ceasn:Competency", "id": f"res:{c['ctid']}", "ceasn:competencyText": c.get("text") or ""}
                for c in comps
            ]
        valid_from, _ = self.validity()
        doc = {
            "@context": CE_CONTEXT,
            "id": f"urn:uuid:{uuid.UUID(int=self.rng.getrandbits(128), version=4)}",
            "type": "VerifiableCredential",
            "issuer": f"res:{issuer_ctid}" if issuer_ctid else issuer["id"],
            "issuanceDate": valid_from,
            "credentialSubject": {"id": learner["did"], "name": learner["name"], "email": learner["email"],
                                  "birthDate": learner["birth_date"], "achievement": ach},
            "proof": {"type": "Ed25519Signature2020", "proofPurpose": "assertionMethod",
                      "verificationMethod": f"{issuer['id']}#key-1", "created": valid_from,
                      "proofValue": "z" + hashlib.sha256(str(self.rng.random()).encode()).hexdigest()},
        }
        return doc, [{"style": "registry_achievement_id", "ctid": ctid, "broken": broken}]

    def jwt(self, cred: dict[str, Any], learner: dict[str, str], index: int) -> tuple[str, list]:
        v2 = self.rng.random() < 0.5
        doc, expected = self.ob3(cred, learner, index, context=OB3_CONTEXT if v2 else VC1_CONTEXT, with_proof=False)
        if v2:  # VC-JOSE (VC 2.0): the payload is the credential
            header = {"alg": "ES256", "typ": "vc+jwt", "kid": f"{doc['issuer']['id']}#key-1", "synthetic": True}
            payload: dict[str, Any] = doc
        else:  # VC-JWT (VC 1.1): the credential under "vc" plus registered claims
            doc["issuanceDate"] = doc.pop("validFrom")
            doc["expirationDate"] = doc.pop("validUntil")
            header = {"alg": "EdDSA", "typ": "JWT", "kid": f"{doc['issuer']['id']}#key-1", "synthetic": True}
            issued = int(datetime.strptime(doc["issuanceDate"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
            payload = {"iss": doc["issuer"]["id"], "sub": learner["did"], "nbf": issued, "jti": doc["id"], "vc": doc}
        signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(payload))}"
        signature = hashlib.sha512(signing_input.encode() + str(self.rng.random()).encode()).digest()
        return f"{signing_input}.{_b64(signature)}", expected


def _ob_type(credential_type: str) -> str:
    mapping = {"BachelorDegree": "BachelorDegree", "AssociateDegree": "AssociateDegree", "MasterDegree": "MasterDegree",
               "DoctoralDegree": "DoctoralDegree", "Certificate": "Certificate", "Certification": "Certification",
               "License": "License", "Badge": "Badge", "DigitalBadge": "Badge", "OpenBadge": "Badge",
               "Diploma": "Diploma", "ApprenticeshipCertificate": "ApprenticeshipCertificate",
               "MicroCredential": "MicroCredential", "CertificateOfCompletion": "CertificateOfCompletion"}
    return mapping.get(credential_type, "Achievement")


def generate_lers(
    snap: Snapshot,
    *,
    n: int = 200,
    seed: int = 42,
    broken_share: float = 0.08,
    owner_mismatch_share: float = 0.1,
    formats: dict[str, float] | None = None,
) -> list[SyntheticLer]:
    """Generate ``n`` synthetic LERs that assert credentials of ``snap``.

    Args:
        snap: a built snapshot (the Registry twin's, normally) with ``credentials`` and ``organizations``.
        n: number of LER files.
        seed: random seed; same snapshot + seed = same bytes.
        broken_share: share of CTID-carrying links whose CTID is replaced by one not in the snapshot.
        owner_mismatch_share: share of credentials issued by another organization than the owner.
        formats: weights of ``ob3``, ``clr``, ``jwt``, ``ce_vc`` (default :data:`FORMATS`).

    Returns:
        The generated LERs (not yet written; see :func:`write_lers`).

    Raises:
        SnapshotError: when the snapshot has no credentials table or no named credentials.
    """
    catalog = _catalog(snap)
    rng = random.Random(seed)
    builder = _Builder(catalog, rng, broken_share, owner_mismatch_share, datetime(2021, 1, 1, tzinfo=UTC))
    weights = formats or FORMATS
    out: list[SyntheticLer] = []
    for index in range(1, n + 1):
        fmt = _pick(rng, weights)
        learner = builder.learner(index)
        cred = rng.choice(catalog.credentials)
        if fmt == "clr":
            creds = [cred, *rng.sample(catalog.credentials, k=min(len(catalog.credentials), rng.randint(1, 3)))]
            doc, expected = builder.clr(creds, learner, index)
            content, suffix = orjson.dumps(doc, option=orjson.OPT_INDENT_2), "json"
        elif fmt == "jwt":
            token, expected = builder.jwt(cred, learner, index)
            content, suffix = token.encode("ascii"), "jwt"
        elif fmt == "ce_vc":
            doc, expected = builder.ce_vc(cred, learner)
            content, suffix = orjson.dumps(doc, option=orjson.OPT_INDENT_2), "json"
        else:
            doc, expected = builder.ob3(cred, learner, index)
            content, suffix = orjson.dumps(doc, option=orjson.OPT_INDENT_2), "json"
        out.append(SyntheticLer(f"ler-{index:05d}.{suffix}", fmt, content, learner, expected))
    return out


def write_lers(lers: Iterable[SyntheticLer], out: str | Path) -> list[Path]:
    """Write generated LERs into a folder (each file via temp + rename); returns the paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for ler in lers:
        path = folder / ler.file_name
        atomic_write_bytes(path, ler.content)
        paths.append(path)
    return paths


def ensure_synthetic_lers(snap: Snapshot, out: str | Path | None = None, *, n: int = 200, seed: int = 42) -> Path:
    """Write synthetic LERs for a snapshot once and return the folder (default: ``<snapshot>-synthetic-lers``).

    The default folder is a sibling of the snapshot folder (snapshots are never edited).

    A hidden marker file (``.synthetic-lers.json``, skipped when LERs are read) records the snapshot,
    ``n`` and ``seed``; the folder is regenerated when any of them differs or files are missing.
    """
    import json

    base = Path(snap.path)
    folder = Path(out) if out else base.with_name(f"{base.name}-synthetic-lers")
    marker = folder / ".synthetic-lers.json"
    wanted = {"n": n, "seed": seed, "snapshot_source": snap.source, "snapshot_created_at": snap.created_at}
    existing = sorted(folder.glob("ler-*.*")) if folder.exists() else []
    try:
        current = json.loads(marker.read_text()) if marker.exists() else None
    except (OSError, ValueError):
        current = None
    if current != wanted or len(existing) != n:
        for stale in existing:
            stale.unlink()
        write_lers(generate_lers(snap, n=n, seed=seed), folder)
        atomic_write_bytes(marker, json.dumps(wanted).encode())
    return folder
