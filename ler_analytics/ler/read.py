"""Read Learning and Employment Records (LERs) into a small, format-independent model.

Supported inputs (detected from the content, not the file name):

* 1EdTech Open Badges 3.0 (``OpenBadgeCredential`` / ``AchievementCredential``),
* 1EdTech CLR 2.0 (``ClrCredential``: nested credentials and ``association``s),
* W3C Verifiable Credentials 1.1 and 2.0 in JSON-LD (also wrapped in a ``VerifiablePresentation``),
* the same secured as a JWT (VC-JWT / VC-JOSE): the payload is decoded and the proof reported,
* Open Badges 2.0 assertions (``Assertion`` with an embedded ``badge``).

Proofs are *described* (present or not, which kind, which algorithm or cryptosuite); signatures are
never verified, and :attr:`ProofInfo.verified` is always ``False``.

The model keeps the whole document (it holds personal data about the learner); only the
achievement and issuer fields are meant to leave this module. See ``docs/ler-linkage.md``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ler_analytics.ctdl.normalize import as_list, is_ctid, lang_text, local_name, normalize_ctid
from ler_analytics.errors import LerFileError

MAX_BYTES = 20 * 1024 * 1024
"""Largest LER file read by default (20 MiB); bigger files are refused with a clear error."""
MAX_DEPTH = 64
"""Deepest nesting of JSON objects/arrays accepted by default."""

LER_SUFFIXES = (".json", ".jsonld", ".jwt", ".vc", ".txt")
"""File suffixes picked up when a folder of LERs is read."""

ACHIEVEMENT_KEYS = ("achievement", "hasCredential", "degree")
"""Keys of ``credentialSubject`` that hold what was achieved: OB 3.0 ``achievement``, schema.org
``hasCredential`` and the W3C VC examples' ``degree``."""

VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"

_JWT_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
_REGISTRY_HOST_RE = re.compile(r"^https?://(?:[a-z0-9-]+\.)*credentialengineregistry\.org/", re.IGNORECASE)


@dataclass(frozen=True)
class ProofInfo:
    """What the document says about its proof. Nothing here is a verification result.

    Attributes:
        present: True when a non-empty proof (embedded proof object or JWS signature) is present.
        kinds: proof kinds, e.g. ``DataIntegrityProof (eddsa-rdfc-2022)``, ``Ed25519Signature2020``,
            ``JWS (EdDSA)``.
        verified: always False: ler_analytics does not verify signatures.
        note: extra remark (``empty proof object``, ``unsecured JWT (alg none)`` ...).
    """

    present: bool
    kinds: tuple[str, ...] = ()
    verified: bool = False
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {"present": self.present, "kinds": list(self.kinds), "verified": self.verified, "note": self.note}


@dataclass
class Achievement:
    """One achievement (or OB 2.0 badge class) asserted by a credential in the LER.

    Only definitional data: the achievement is the same for every learner who earned it.

    Attributes:
        path: JSON path of the achievement node in the document.
        credential_path: JSON path of the credential that asserts it (``$`` for the outer one).
        id: the achievement's ``id`` as published (compact IRIs expanded).
        name: its name.
        achievement_type: OB ``achievementType`` or the CTDL/JSON-LD type's local name.
        types: its ``type`` values.
        issuer_id: id of the issuing organization of the asserting credential.
        issuer_name: name of that issuer.
        issuer_ctid: the issuer's CTID when the LER states it (Registry id, ``sameAs`` or identifier).
        node: the achievement node itself.
    """

    path: str
    credential_path: str
    id: str | None
    name: str | None
    achievement_type: str | None
    types: tuple[str, ...]
    issuer_id: str | None
    issuer_name: str | None
    issuer_ctid: str | None
    node: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass
class LerDocument:
    """One LER file, read.

    Attributes:
        source: file name (or the label given for in-memory input).
        format: ``OB 3.0``, ``CLR 2.0``, ``VC 1.1``, ``VC 2.0`` or ``OB 2.0``.
        vc_version: ``1.1`` or ``2.0`` for W3C VC based formats, else None.
        encoding: ``json-ld`` or ``vc-jwt``.
        types: the outer credential's ``type`` values.
        issuer_id: outer issuer id. issuer_name: its name. issuer_ctid: its CTID when stated.
        proof: the outer proof description.
        achievements: every achievement asserted, outer and nested.
        associations: CLR ``association`` edges (``sourceId``, ``targetId``, ``associationType``).
        credential_count: number of credentials (outer + nested).
        document: the decoded JSON (the JWT payload for VC-JWT). Holds learner data: never output.
        jwt_header: the decoded JOSE header for VC-JWT input.
        prefixes: compact-IRI prefixes defined inline in the document's ``@context``.
    """

    source: str
    format: str
    vc_version: str | None
    encoding: str
    types: tuple[str, ...]
    issuer_id: str | None
    issuer_name: str | None
    issuer_ctid: str | None
    proof: ProofInfo
    achievements: list[Achievement]
    associations: list[dict[str, str]]
    credential_count: int
    document: dict[str, Any] = field(repr=False)
    jwt_header: dict[str, Any] | None = None
    prefixes: dict[str, str] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, Any]:
        """Non-personal facts about the document (safe to show): format, issuer, proof, counts."""
        return {
            "source": self.source,
            "format": self.format,
            "vc_version": self.vc_version,
            "encoding": self.encoding,
            "types": list(self.types),
            "issuer_id": self.issuer_id,
            "issuer_name": self.issuer_name,
            "issuer_ctid": self.issuer_ctid,
            "proof": self.proof.as_dict(),
            "credential_count": self.credential_count,
            "achievement_count": len(self.achievements),
            "associations": [dict(a) for a in self.associations],
        }


@dataclass(frozen=True)
class LerReadError:
    """A file that could not be read in a batch: the file and the problem, nothing from its content."""

    source: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        """Plain-dict form."""
        return {"source": self.source, "problem": self.problem}


# --- JSON paths ----------------------------------------------------------------------------------

_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def path_key(path: str, key: str) -> str:
    """Extend a JSON path with an object key (``$.a.b`` or ``$.a['ceterms:name']``)."""
    if _IDENT_RE.match(key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


def path_index(path: str, index: int) -> str:
    """Extend a JSON path with an array index."""
    return f"{path}[{index}]"


# --- decoding ------------------------------------------------------------------------------------


def _fail(source: str, problem: str) -> LerFileError:
    return LerFileError(f"{source}: {problem}")


def _check_depth(obj: Any, source: str, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise _fail(source, f"document is nested deeper than {max_depth} levels (max_depth); refusing to read it")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))


def _b64url_json(segment: str, what: str, source: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (binascii.Error, ValueError) as exc:
        raise _fail(source, f"malformed JWT: the {what} is not valid base64url ({exc})") from None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _fail(source, f"malformed JWT: the {what} is not JSON") from None
    if not isinstance(value, dict):
        raise _fail(source, f"malformed JWT: the {what} is not a JSON object")
    return value


def decode_jwt(token: str, source: str = "<jwt>") -> tuple[dict[str, Any], dict[str, Any], bool]:
    """Decode a compact JWS without verifying it.

    Args:
        token: the compact serialisation ``header.payload.signature``.
        source: label used in error messages.

    Returns:
        ``(header, payload, has_signature)``.

    Raises:
        LerFileError: when the token is not a well-formed compact JWS with JSON header and payload.
    """
    token = token.strip()
    parts = token.split(".")
    if len(parts) == 5:
        raise _fail(source, "encrypted JWT (JWE, 5 parts) is not supported: decrypt it first")
    if len(parts) != 3 or not _JWT_RE.match(token):
        raise _fail(source, f"malformed JWT: expected 3 dot-separated base64url parts, found {len(parts)}")
    header = _b64url_json(parts[0], "header", source)
    payload = _b64url_json(parts[1], "payload", source)
    if "alg" not in header:
        raise _fail(source, "malformed JWT: the header has no 'alg'")
    return header, payload, bool(parts[2])


def _looks_like_jwt(text: str) -> bool:
    return bool(_JWT_RE.match(text)) or text.count(".") == 4 and text.startswith("eyJ")


# --- helpers over JSON-LD -----------------------------------------------------------------------


def context_prefixes(doc: Any) -> dict[str, str]:
    """Compact-IRI prefixes defined inline in any ``@context`` of the document (``{"res": "https://…/"}``)."""
    prefixes: dict[str, str] = {}
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context":
                    for entry in as_list(value):
                        if isinstance(entry, dict):
                            for name, iri in entry.items():
                                if isinstance(iri, str) and iri.startswith(("http://", "https://")) and (
                                    iri.endswith(("/", "#"))
                                ):
                                    prefixes.setdefault(name, iri)
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return prefixes


def expand_iri(value: str, prefixes: dict[str, str]) -> str:
    """Expand a compact IRI (``res:ce-…``) with the document's inline prefixes; other strings unchanged."""
    if ":" in value and not value.startswith(("http://", "https://", "urn:", "did:", "_:")):
        prefix, rest = value.split(":", 1)
        if prefix in prefixes and not rest.startswith("//"):
            return prefixes[prefix] + rest
    return value


def type_values(node: dict[str, Any]) -> tuple[str, ...]:
    """The ``type``/``@type`` values of a node, as strings."""
    out: list[str] = []
    for key in ("type", "@type"):
        out.extend(str(t) for t in as_list(node.get(key)) if isinstance(t, str))
    return tuple(out)


def node_id(node: Any, prefixes: dict[str, str]) -> str | None:
    """``id``/``@id`` of a node (or the string itself), compact IRIs expanded."""
    if isinstance(node, str):
        return expand_iri(node, prefixes)
    if isinstance(node, dict):
        for key in ("id", "@id"):
            value = node.get(key)
            if isinstance(value, str) and value:
                return expand_iri(value, prefixes)
    return None


def registry_ctid(value: str | None) -> str | None:
    """CTID of a Registry URI (``…credentialengineregistry.org/resources|graph/ce-…``) or bare CTID."""
    if not value:
        return None
    if is_ctid(value.lower()) or value.lower().startswith("urn:ctid:"):
        return normalize_ctid(value)
    if _REGISTRY_HOST_RE.match(value):
        return normalize_ctid(value)
    return None


def _issuer(node: Any, prefixes: dict[str, str]) -> tuple[str | None, str | None, str | None]:
    if node is None:
        return None, None, None
    issuer_id = node_id(node, prefixes)
    name = lang_text(node.get("name") or node.get("ceterms:name")) if isinstance(node, dict) else None
    ctid = registry_ctid(issuer_id)
    if ctid is None and isinstance(node, dict):
        for key in ("sameAs", "owl:sameAs", "schema:sameAs"):
            for target in as_list(node.get(key)):
                ctid = ctid or registry_ctid(node_id(target, prefixes))
        for ident in as_list(node.get("otherIdentifier")):
            if isinstance(ident, dict):
                value = ident.get("identifier")
                if isinstance(value, str) and (registry_ctid(value)):
                    ctid = ctid or registry_ctid(value)
        if ctid is None and isinstance(node.get("ceterms:ctid"), str):
            ctid = normalize_ctid(node["ceterms:ctid"])
    return issuer_id, name, ctid


def _proof_info(doc: dict[str, Any]) -> ProofInfo:
    kinds: list[str] = []
    empty = False
    for proof in as_list(doc.get("proof")):
        if not isinstance(proof, dict):
            continue
        if not proof:
            empty = True
            continue
        kind = str(proof.get("type") or "unknown proof type")
        suite = proof.get("cryptosuite")
        kinds.append(f"{kind} ({suite})" if suite else kind)
    verification = doc.get("verification")
    if isinstance(verification, dict) and verification.get("type"):  # Open Badges 2.0
        kinds.append(f"OB 2.0 {verification['type']} verification")
    if kinds:
        return ProofInfo(present=True, kinds=tuple(kinds))
    return ProofInfo(present=False, note="empty proof object" if empty else "no proof")


def _vc_version(doc: dict[str, Any]) -> str | None:
    contexts = [c for c in as_list(doc.get("@context")) if isinstance(c, str)]
    if VC_V2_CONTEXT in contexts:
        return "2.0"
    if VC_V1_CONTEXT in contexts:
        return "1.1"
    return None


def _achievement(
    node: Any, path: str, credential_path: str, issuer: tuple[str | None, str | None, str | None],
    prefixes: dict[str, str],
) -> Achievement | None:
    if isinstance(node, str):  # an achievement given by reference only
        node = {"id": node}
    if not isinstance(node, dict):
        return None
    types = type_values(node)
    ctdl_type = next((local_name(t) for t in types if t.startswith(("ceterms:", "ceasn:", "asn:"))), None)
    name = lang_text(node.get("name")) or lang_text(node.get("ceterms:name")) or lang_text(
        node.get("ceasn:competencyLabel")
    ) or lang_text(node.get("ceasn:competencyText"))
    achievement_type = lang_text(node.get("achievementType")) or ctdl_type or (local_name(types[0]) if types else None)
    return Achievement(
        path=path,
        credential_path=credential_path,
        id=node_id(node, prefixes),
        name=name,
        achievement_type=achievement_type,
        types=types,
        issuer_id=issuer[0],
        issuer_name=issuer[1],
        issuer_ctid=issuer[2],
        node=node,
    )


def _credential_achievements(
    cred: dict[str, Any], path: str, outer_issuer: tuple[str | None, str | None, str | None],
    prefixes: dict[str, str], out: list[Achievement], associations: list[dict[str, str]],
    counter: list[int], source: str,
) -> None:
    """Collect achievements of one VC (recursing into CLR nested credentials)."""
    counter[0] += 1
    issuer = _issuer(cred.get("issuer"), prefixes)
    if issuer == (None, None, None):
        issuer = outer_issuer
    subjects = cred.get("credentialSubject")
    subject_path = path_key(path, "credentialSubject")
    subject_list = subjects if isinstance(subjects, list) else [subjects]
    for s_index, subject in enumerate(subject_list):
        if not isinstance(subject, dict):
            continue
        s_path = path_index(subject_path, s_index) if isinstance(subjects, list) else subject_path
        for ach_key in ACHIEVEMENT_KEYS:
            ach = subject.get(ach_key)
            a_path = path_key(s_path, ach_key)
            if isinstance(ach, list):
                for i, item in enumerate(ach):
                    found = _achievement(item, path_index(a_path, i), path, issuer, prefixes)
                    if found:
                        out.append(found)
            elif ach is not None:
                found = _achievement(ach, a_path, path, issuer, prefixes)
                if found:
                    out.append(found)
        for assoc in as_list(subject.get("association")):
            if isinstance(assoc, dict):
                associations.append(
                    {
                        "sourceId": str(assoc.get("sourceId") or ""),
                        "targetId": str(assoc.get("targetId") or ""),
                        "associationType": str(assoc.get("associationType") or ""),
                    }
                )
        nested = subject.get("verifiableCredential")
        n_path = path_key(s_path, "verifiableCredential")
        for i, item in enumerate(as_list(nested)):
            item_path = path_index(n_path, i) if isinstance(nested, list) else n_path
            if isinstance(item, str) and _looks_like_jwt(item.strip()):
                _header, payload, _sig = decode_jwt(item, f"{source} {item_path}")
                item = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
                item_path = f"{item_path}<jwt payload>"
            if isinstance(item, dict):
                _credential_achievements(item, item_path, issuer, prefixes, out, associations, counter, source)


def _format_of(types: tuple[str, ...], doc: dict[str, Any]) -> str | None:
    local = {local_name(t) for t in types}
    if "ClrCredential" in local:
        return "CLR 2.0"
    if local & {"OpenBadgeCredential", "AchievementCredential"}:
        return "OB 3.0"
    if "VerifiableCredential" in local:
        return "VC 2.0" if _vc_version(doc) == "2.0" else "VC 1.1"
    if "Assertion" in local and ("badge" in doc or OB2_CONTEXT in as_list(doc.get("@context"))):
        return "OB 2.0"
    return None


def parse_document(
    doc: Any,
    source: str = "<memory>",
    *,
    encoding: str = "json-ld",
    jwt_header: dict[str, Any] | None = None,
    jwt_signed: bool = False,
) -> LerDocument:
    """Turn decoded JSON into a :class:`LerDocument` (see :func:`read_ler` for files).

    Raises:
        LerFileError: for JSON that is not an object or not a known credential type.
    """
    if not isinstance(doc, dict):
        raise _fail(source, f"expected a JSON object (a credential), found a JSON {type(doc).__name__}")
    if encoding == "vc-jwt" and isinstance(doc.get("vc"), dict):
        # VC-JWT (VC 1.1): the credential sits under "vc"; registered claims fill in the gaps.
        vc = doc["vc"]
        root_path = "$.vc"
        cred = vc
        if "issuer" not in cred and isinstance(doc.get("iss"), str):
            cred = {**cred, "issuer": doc["iss"]}
    else:
        root_path = "$"
        cred = doc
    types = type_values(cred)
    prefixes = context_prefixes(doc)
    if "VerifiablePresentation" in {local_name(t) for t in types}:
        return _parse_presentation(cred, doc, source, encoding, jwt_header, jwt_signed, prefixes, root_path)
    fmt = _format_of(types, cred)
    if fmt is None:
        shown = ", ".join(t[:60] for t in types[:5]) or "none"
        raise _fail(
            source,
            f"unknown credential type (type: {shown}); expected a VerifiableCredential (OB 3.0, CLR 2.0, "
            "W3C VC 1.1/2.0, optionally as a JWT) or an Open Badges 2.0 Assertion",
        )
    achievements: list[Achievement] = []
    associations: list[dict[str, str]] = []
    counter = [0]
    if fmt == "OB 2.0":
        issuer = _issuer(_ob2_issuer(cred), prefixes)
        badge = cred.get("badge")
        found = _achievement(badge, path_key(root_path, "badge"), root_path, issuer, prefixes)
        if found:
            achievements.append(found)
        counter[0] = 1
        vc_version = None
    else:
        issuer = _issuer(cred.get("issuer"), prefixes)
        _credential_achievements(cred, root_path, issuer, prefixes, achievements, associations, counter, source)
        vc_version = _vc_version(cred) or ("1.1" if root_path == "$.vc" else None)
    proof = _proof_info(cred)
    if encoding == "vc-jwt":
        proof = _jwt_proof(jwt_header or {}, jwt_signed, proof)
    return LerDocument(
        source=source,
        format=fmt,
        vc_version=vc_version,
        encoding=encoding,
        types=types,
        issuer_id=issuer[0],
        issuer_name=issuer[1],
        issuer_ctid=issuer[2],
        proof=proof,
        achievements=achievements,
        associations=associations,
        credential_count=counter[0],
        document=doc,
        jwt_header=jwt_header,
        prefixes=prefixes,
    )


def _ob2_issuer(assertion: dict[str, Any]) -> Any:
    badge = assertion.get("badge")
    if isinstance(badge, dict):
        return badge.get("issuer")
    return None


def _jwt_proof(header: dict[str, Any], signed: bool, embedded: ProofInfo) -> ProofInfo:
    alg = str(header.get("alg", ""))
    kinds = list(embedded.kinds)
    if alg.lower() == "none" or not signed:
        note = "unsecured JWT (alg none)" if alg.lower() == "none" else "JWT without a signature part"
        return ProofInfo(present=bool(kinds), kinds=tuple(kinds), note=note)
    kinds.insert(0, f"JWS ({alg})")
    typ = header.get("typ")
    return ProofInfo(present=True, kinds=tuple(kinds), note=f"JOSE header typ {typ}" if typ else "")


def _parse_presentation(
    vp: dict[str, Any], doc: dict[str, Any], source: str, encoding: str,
    jwt_header: dict[str, Any] | None, jwt_signed: bool, prefixes: dict[str, str], root_path: str,
) -> LerDocument:
    achievements: list[Achievement] = []
    associations: list[dict[str, str]] = []
    counter = [0]
    formats: list[str] = []
    creds = vp.get("verifiableCredential")
    base = path_key(root_path, "verifiableCredential")
    issuer: tuple[str | None, str | None, str | None] = (None, None, None)
    for i, item in enumerate(as_list(creds)):
        item_path = path_index(base, i) if isinstance(creds, list) else base
        if isinstance(item, str) and _looks_like_jwt(item.strip()):
            _h, payload, _s = decode_jwt(item, f"{source} {item_path}")
            item = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
            item_path = f"{item_path}<jwt payload>"
        if not isinstance(item, dict):
            continue
        fmt = _format_of(type_values(item), item)
        if fmt is None or fmt == "OB 2.0":
            continue
        formats.append(fmt)
        cred_issuer = _issuer(item.get("issuer"), prefixes)
        if issuer == (None, None, None):
            issuer = cred_issuer
        _credential_achievements(item, item_path, cred_issuer, prefixes, achievements, associations, counter, source)
    if not counter[0]:
        raise _fail(source, "VerifiablePresentation holds no readable credential")
    proof = _proof_info(vp)
    if encoding == "vc-jwt":
        proof = _jwt_proof(jwt_header or {}, jwt_signed, proof)
    fmt = formats[0] if len(set(formats)) == 1 else "VC 2.0" if _vc_version(vp) == "2.0" else "VC 1.1"
    return LerDocument(
        source=source, format=fmt, vc_version=_vc_version(vp), encoding=encoding, types=type_values(vp),
        issuer_id=issuer[0], issuer_name=issuer[1], issuer_ctid=issuer[2], proof=proof,
        achievements=achievements, associations=associations, credential_count=counter[0], document=doc,
        jwt_header=jwt_header, prefixes=prefixes,
    )


def parse_bytes(
    data: bytes, source: str = "<memory>", *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> LerDocument:
    """Read one LER from bytes (JSON-LD or a compact VC-JWT).

    Args:
        data: the file content.
        source: name used in error messages and in :attr:`LerDocument.source`.
        max_bytes: refuse larger input.
        max_depth: refuse JSON nested deeper than this.

    Raises:
        LerFileError: naming ``source`` and the problem (not JSON, malformed JWT, unknown type, too big,
            too deep).
    """
    if len(data) > max_bytes:
        raise _fail(source, f"file is {len(data) / 1e6:.1f} MB, larger than the {max_bytes / 1e6:.1f} MB limit "
                            "(max_bytes); refusing to read it")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    stripped = data.strip()
    if not stripped:
        raise _fail(source, "file is empty")
    if stripped[:1] in (b"{", b"["):
        try:
            doc = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            if "recursion" in str(exc).lower() or "depth limit" in str(exc).lower():
                raise _fail(source, f"document is nested deeper than {max_depth} levels (max_depth); "
                                    "refusing to read it") from None
            raise _fail(source, f"not valid JSON ({exc})") from None
        _check_depth(doc, source, max_depth)
        return parse_document(doc, source)
    try:
        text = stripped.decode("ascii")
    except UnicodeDecodeError:
        raise _fail(source, "not JSON and not a JWT (binary or non-ASCII content)") from None
    if text.startswith('"') and text.endswith('"'):
        text = text[1:-1].strip()
    if "." in text and text.startswith("ey"):
        header, payload, signed = decode_jwt(text, source)
        _check_depth(payload, source, max_depth)
        return parse_document(payload, source, encoding="vc-jwt", jwt_header=header, jwt_signed=signed)
    raise _fail(source, "not JSON and not a JWT (expected a JSON object or a compact JWS 'eyJ…')")


def read_ler(path: str | Path, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> LerDocument:
    """Read one LER file (JSON-LD or VC-JWT), detecting its format from the content.

    Args:
        path: the file.
        max_bytes: refuse files larger than this (default 20 MiB).
        max_depth: refuse JSON nested deeper than this (default 64).

    Returns:
        The :class:`LerDocument`.

    Raises:
        LerFileError: naming the file and the problem.

    Example:
        >>> doc = read_ler("tests/data/ler/ob30_complete.json")  # doctest: +SKIP
        >>> doc.format, doc.achievements[0].name  # doctest: +SKIP
        ('OB 3.0', '1EdTech University Degree')
    """
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _fail(source, f"cannot be read ({exc.strerror or exc})") from None
    if size > max_bytes:
        raise _fail(source, f"file is {size / 1e6:.1f} MB, larger than the {max_bytes / 1e6:.1f} MB limit "
                            "(max_bytes); refusing to read it")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(source, f"cannot be read ({exc.strerror or exc})") from None
    return parse_bytes(data, source, max_bytes=max_bytes, max_depth=max_depth)


def iter_ler_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Expand files and folders (recursively, sorted) into LER file paths."""
    for item in paths:
        p = Path(item)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in LER_SUFFIXES and not child.name.startswith("."):
                    yield child
        else:
            yield p


def read_many(
    paths: Iterable[str | Path], *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH
) -> tuple[list[LerDocument], list[LerReadError]]:
    """Read many LER files or folders; a bad file is reported and the rest are still read.

    Returns:
        ``(documents, errors)``; each error names the file and the problem.
    """
    docs: list[LerDocument] = []
    errors: list[LerReadError] = []
    for path in iter_ler_files(paths):
        try:
            docs.append(read_ler(path, max_bytes=max_bytes, max_depth=max_depth))
        except LerFileError as exc:
            problem = str(exc)
            prefix = f"{path}: "
            errors.append(LerReadError(str(path), problem[len(prefix):] if problem.startswith(prefix) else problem))
        except RecursionError:
            errors.append(LerReadError(str(path), f"document is nested too deeply (max_depth {max_depth})"))
    return docs, errors
