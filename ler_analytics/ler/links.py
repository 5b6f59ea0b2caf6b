"""Find every link from an LER to CTDL data (Credential Registry, Credential Finder).

Each link found is a :class:`Link`: the CTID (when the link carries one), the URI as found (compact
IRIs expanded), the *pattern* (how the issuer linked) and the JSON path where it was found.

Patterns (all evidenced in the wild, see ``docs/ler-linkage.md``):

==============================  ====================================================================
``registry_achievement_id``     the achievement's ``id`` is a Registry resource/graph URI (or a CTID)
``registry_alignment_url``      ``alignment[].targetUrl`` is a Registry resource/graph URL
``alignment_ctid_code``         ``alignment[].targetCode`` is a bare CTID (``ce-<uuid>``)
``finder_url``                  a Credential Finder URL (``/credential/<id>/<slug>``, ``/competency/ce-…``),
                                with or without a CTID, in an alignment or elsewhere
``same_as``                     ``sameAs`` / ``owl:sameAs`` / ``schema:sameAs`` to the Registry or Finder
``embedded_ctdl``               CTDL embedded in the credential: a Registry id or CTID on a ``ceterms:*``/
                                ``ceasn:*`` typed node or under a ``ceterms:``/``ceasn:`` property
``registry_url``                a Registry URI anywhere else (issuer id, endorsement, …)
``bare_ctid``                   a bare CTID anywhere else
``ctdl_alignment_no_target``    an alignment that declares a CTDL target type but carries no Registry
                                URL, CTID or Finder URL (ctid and uri may be None)
==============================  ====================================================================
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from ler_analytics.ctdl.normalize import is_ctid, lang_text, normalize_ctid
from ler_analytics.errors import LerFileError
from ler_analytics.ler.read import (
    LerDocument,
    _looks_like_jwt,
    decode_jwt,
    expand_iri,
    path_index,
    path_key,
    type_values,
)

PATTERNS: tuple[str, ...] = (
    "registry_achievement_id",
    "registry_alignment_url",
    "alignment_ctid_code",
    "finder_url",
    "same_as",
    "embedded_ctdl",
    "registry_url",
    "bare_ctid",
    "ctdl_alignment_no_target",
)
"""Every link pattern, in order of how directly it names a Registry resource."""

PATTERN_LABELS: dict[str, str] = {
    "registry_achievement_id": "Achievement id is a Registry URI",
    "registry_alignment_url": "Alignment targetUrl is a Registry URL",
    "alignment_ctid_code": "Alignment targetCode is a CTID",
    "finder_url": "Credential Finder URL",
    "same_as": "sameAs link to the Registry",
    "embedded_ctdl": "CTDL embedded in the credential",
    "registry_url": "Registry URI elsewhere",
    "bare_ctid": "Bare CTID elsewhere",
    "ctdl_alignment_no_target": "CTDL alignment without a target",
}
"""Readable labels for the patterns (for tables and dashboards)."""

FINDER_PATTERNS = frozenset({"finder_url"})

_REGISTRY_RE = re.compile(
    r"^https?://(?:[a-z0-9-]+\.)*credentialengineregistry\.org/(?:[a-z0-9_-]+/)?(resources|graph)/"
    r"(ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    re.IGNORECASE,
)
_FINDER_RE = re.compile(r"^https?://(?:[a-z0-9-]+\.)*credentialfinder\.org/([a-z_-]+)(?:/|$)", re.IGNORECASE)
_CTID_TEXT_RE = re.compile(r"^(?:urn:ctid:)?ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                           re.IGNORECASE)
_SAME_AS_KEYS = frozenset({"sameAs", "owl:sameAs", "schema:sameAs", "http://www.w3.org/2002/07/owl#sameAs"})
_ID_KEYS = frozenset({"id", "@id"})
_CTDL_PREFIXES = ("ceterms:", "ceasn:", "ceterms", "asn:", "qdata:", "ceds:")
_SKIP_KEYS = frozenset({"@context", "proof"})
_MAYBE_LINK_RE = re.compile(r"ce-|credentialfinder", re.IGNORECASE)
_CTDL_TARGET_TYPES_RE = re.compile(r"^(ctdl|ceterms:.*|ceasn:.*|credentialengine.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Link:
    """One link from an LER to CTDL data.

    Attributes:
        ctid: the CTID the link names (lower case), or None (Finder URL without CTID, declared-only).
        uri: the value as found, compact IRIs expanded (None for a declared-only alignment).
        pattern: one of :data:`PATTERNS`.
        path: JSON path where the value was found (in the decoded JWT payload for VC-JWT).
        achievement_path: JSON path of the achievement the link belongs to (None: credential level).
        credential_path: JSON path of the credential the link sits in.
        property: the key holding the value (``targetUrl``, ``id``, ``ceterms:requires`` …).
        target_type: the alignment's ``targetType`` or the typed node's type, when given.
        target_name: the alignment's ``targetName`` or the typed node's name, when given.
        uri_kind: ``resource``, ``graph``, ``finder:<section>``, ``ctid`` or ``none``.
    """

    ctid: str | None
    uri: str | None
    pattern: str
    path: str
    achievement_path: str | None
    credential_path: str
    property: str
    target_type: str | None = None
    target_name: str | None = None
    uri_kind: str = "none"

    def as_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        return asdict(self)


def classify_uri(value: str) -> tuple[str, str | None] | None:
    """Classify a string as a CTDL reference.

    Returns:
        ``(uri_kind, ctid)`` with uri_kind ``resource``, ``graph``, ``finder:<section>`` or ``ctid``;
        None when the string is not a Registry URI, Finder URL or CTID.
    """
    text = value.strip()
    match = _REGISTRY_RE.match(text)
    if match:
        return ("graph" if match.group(1).lower() == "graph" else "resource"), match.group(2).lower()
    match = _FINDER_RE.match(text)
    if match:
        return f"finder:{match.group(1).lower()}", normalize_ctid(text)
    if _CTID_TEXT_RE.match(text):
        return "ctid", normalize_ctid(text)
    return None


_ALIGNMENT_TYPES = frozenset({"Alignment", "AlignmentObject"})


def _is_alignment(node: dict[str, Any], parent_key: str | None) -> bool:
    if parent_key in ("alignment", "alignments"):
        return True
    kinds = node.get("type", node.get("@type"))
    if isinstance(kinds, str):
        return kinds.rsplit(":", 1)[-1] in _ALIGNMENT_TYPES
    if isinstance(kinds, list):
        return any(isinstance(t, str) and t.rsplit(":", 1)[-1] in _ALIGNMENT_TYPES for t in kinds)
    return False


def _is_ctdl_key(key: str | None) -> bool:
    return bool(key) and key.startswith(_CTDL_PREFIXES)  # type: ignore[union-attr]


def _is_ctdl_typed(node: dict[str, Any]) -> bool:
    return any(t.startswith(("ceterms:", "ceasn:", "asn:")) for t in type_values(node))


def _node_name(node: dict[str, Any]) -> str | None:
    return (
        lang_text(node.get("targetName"))
        or lang_text(node.get("name"))
        or lang_text(node.get("ceterms:name"))
        or lang_text(node.get("ceasn:competencyLabel"))
        or lang_text(node.get("ceasn:competencyText"))
    )


def find_links(doc: LerDocument) -> list[Link]:
    """Every CTDL link in one LER, in document order.

    Args:
        doc: a document from :func:`ler_analytics.ler.read.read_ler`.

    Returns:
        The links; each has its pattern, JSON path and owning achievement.
    """
    achievement_paths = sorted((a.path for a in doc.achievements), key=len, reverse=True)
    achievement_set = set(achievement_paths)
    credential_paths = sorted({a.credential_path for a in doc.achievements} | {"$"}, key=len, reverse=True)
    root = doc.document
    links: list[Link] = []

    def owner_of(path: str) -> tuple[str | None, str]:
        ach = next((p for p in achievement_paths if path == p or path.startswith((p + ".", p + "[", p + "<"))), None)
        cred = next(
            (p for p in credential_paths if p == "$" or path == p or path.startswith((p + ".", p + "[", p + "<"))),
            "$",
        )
        return ach, cred

    # Iterative walk. Entries: (value, base path, segment, key, parent node, parent's key, inside CTDL).
    # The path of a string is only built when the string can be a link (most are not).
    prefixes = doc.prefixes
    stack: list[tuple[Any, str, str | int | None, str | None, dict[str, Any] | None, str | None, bool]] = [
        (root, "$", None, None, None, None, False)
    ]
    alignments: list[tuple[str, dict[str, Any]]] = []
    while stack:
        value, base, seg, key, parent, parent_key, in_ctdl = stack.pop()
        if isinstance(value, str):
            if key == "verifiableCredential" and _looks_like_jwt(value.strip()):
                path = _join(base, seg)
                payload = _nested_payload(value, doc.source, path)
                if payload is not None:
                    stack.append((payload, f"{path}<jwt payload>", None, None, None, None, False))
                continue
            if parent is None or not (_MAYBE_LINK_RE.search(value) or (prefixes and ":" in value)):
                continue
            path = _join(base, seg)
            link = _classify_value(doc, value, path, key, parent, parent_key, in_ctdl, achievement_set, owner_of)
            if link is not None:
                links.append(link)
        elif isinstance(value, dict):
            path = _join(base, seg)
            if key is not None and _is_alignment(value, key):
                alignments.append((path, value))
            for k, v in reversed(list(value.items())):
                if k in _SKIP_KEYS or not isinstance(v, (str, dict, list)):
                    continue
                # "inside CTDL" flows down through ceterms:/ceasn: properties only
                stack.append((v, path, k, k, value, key, in_ctdl or _is_ctdl_key(k)))
        elif isinstance(value, list):
            path = _join(base, seg)
            for i in range(len(value) - 1, -1, -1):
                item = value[i]
                if isinstance(item, (str, dict, list)):
                    # list items keep the list's key as their "key" context
                    stack.append((item, path, i, key, parent, parent_key, in_ctdl))
    # sort back into document order is implicit (DFS in order); add declared-only CTDL alignments
    linked_paths = [link.path for link in links]
    for a_path, node in alignments:
        target_type = lang_text(node.get("targetType"))
        framework = lang_text(node.get("targetFramework")) or ""
        declared = bool(target_type and _CTDL_TARGET_TYPES_RE.match(target_type)) or (
            "credential engine" in framework.lower()
        )
        if not declared:
            continue
        if any(p.startswith((a_path + ".", a_path + "[")) for p in linked_paths):
            continue
        ach, cred = owner_of(a_path)
        url = node.get("targetUrl")
        links.append(
            Link(
                ctid=None,
                uri=expand_iri(url, doc.prefixes) if isinstance(url, str) else None,
                pattern="ctdl_alignment_no_target",
                path=a_path,
                achievement_path=ach,
                credential_path=cred,
                property="alignment",
                target_type=target_type,
                target_name=_node_name(node),
            )
        )
    return links


def _join(base: str, seg: str | int | None) -> str:
    if seg is None:
        return base
    if isinstance(seg, int):
        return path_index(base, seg)
    return path_key(base, seg)


def _nested_payload(token: str, source: str, path: str) -> dict[str, Any] | None:
    """The credential inside a nested VC-JWT (as :func:`read._credential_achievements` reads it)."""
    try:
        _header, payload, _signed = decode_jwt(token, f"{source} {path}")
    except LerFileError:
        return None
    vc = payload.get("vc")
    return vc if isinstance(vc, dict) else payload


def _classify_value(
    doc: LerDocument,
    raw: str,
    path: str,
    key: str | None,
    parent: dict[str, Any],
    parent_key: str | None,
    in_ctdl: bool,
    achievement_set: set[str],
    owner_of: Any,
) -> Link | None:
    value = expand_iri(raw.strip(), doc.prefixes)
    found = classify_uri(value)
    if found is None:
        return None
    uri_kind, ctid = found
    key = key or ""
    is_finder = uri_kind.startswith("finder:")
    # the path of the node holding this value (strip the trailing key / index)
    node_path = _parent_path(path, key)
    ach, cred = owner_of(path)
    target_type = None
    target_name = _node_name(parent)
    types = type_values(parent)
    if types:
        target_type = types[0] if len(types) == 1 else ",".join(types)

    if key in ("targetUrl", "targetCode", "targetNode", "url") and _is_alignment(parent, parent_key):
        target_type = lang_text(parent.get("targetType")) or target_type
        if is_finder:
            pattern = "finder_url"
        elif uri_kind in ("resource", "graph"):
            pattern = "registry_alignment_url"
        elif key == "targetCode":
            pattern = "alignment_ctid_code"
        else:
            pattern = "bare_ctid"
    elif key in _SAME_AS_KEYS:
        pattern = "finder_url" if is_finder else "same_as"
    elif key in _ID_KEYS and node_path in achievement_set:
        pattern = "finder_url" if is_finder else "registry_achievement_id"
    elif is_finder:
        pattern = "finder_url"
    elif in_ctdl or _is_ctdl_key(key) or (key in _ID_KEYS and _is_ctdl_typed(parent)):
        pattern = "embedded_ctdl"
    elif uri_kind in ("resource", "graph"):
        pattern = "registry_url"
    else:
        pattern = "bare_ctid"
    if is_ctid(value.lower()) and not uri_kind.startswith("finder"):
        uri_kind = "ctid"
    return Link(
        ctid=ctid,
        uri=value,
        pattern=pattern,
        path=path,
        achievement_path=ach,
        credential_path=cred,
        property=key,
        target_type=target_type,
        target_name=target_name,
        uri_kind=uri_kind,
    )


def _parent_path(path: str, key: str) -> str:
    """Path of the object that holds the value at ``path`` (drops list indexes, then the key)."""
    while path.endswith("]") and not path.endswith("']"):
        path = path[: path.rfind("[")]
    suffix_dot = f".{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    suffix_bracket = f"['{escaped}']"
    if path.endswith(suffix_dot):
        return path[: -len(suffix_dot)]
    if path.endswith(suffix_bracket):
        return path[: -len(suffix_bracket)]
    return path


def links_by_achievement(doc: LerDocument, links: list[Link]) -> dict[str | None, list[Link]]:
    """Group links by the achievement path they belong to (None: credential-level links)."""
    out: dict[str | None, list[Link]] = {a.path: [] for a in doc.achievements}
    for link in links:
        out.setdefault(link.achievement_path, []).append(link)
    return out


_PRIMARY_ORDER = {p: i for i, p in enumerate(PATTERNS)}
_NON_PRIMARY_PROPERTIES = frozenset(
    {"ceterms:offeredBy", "ceterms:ownedBy", "ceterms:accreditedBy", "ceterms:approvedBy", "ceterms:regulatedBy",
     "ceterms:recognizedBy", "ceasn:publisher", "ceasn:creator"}
)


def primary_ctid(links: list[Link]) -> str | None:
    """The CTID that best identifies what an achievement *is* (for the "what this means" view).

    Order: the achievement's own Registry id, then Registry alignment URLs, CTID target codes,
    Finder URLs with a CTID, ``sameAs``, embedded CTDL, other Registry URIs, bare CTIDs; links to
    competencies come after links to anything else (unless there is nothing else). Links to
    organizations (``offeredBy``, ``ownedBy`` …) and nested requirements are never primary.
    """
    candidates = [
        link for link in links
        if link.ctid and link.property not in _NON_PRIMARY_PROPERTIES and "requires" not in link.path
    ]
    if not candidates:
        candidates = [link for link in links if link.ctid]
    if not candidates:
        return None
    best = min(candidates, key=lambda link: (_is_competency_link(link), _PRIMARY_ORDER.get(link.pattern, 99)))
    return best.ctid


def _is_competency_link(link: Link) -> bool:
    """True for links to competencies (skill alignments): an achievement's own record comes first."""
    return link.uri_kind == "finder:competency" or "competency" in (link.target_type or "").lower()
