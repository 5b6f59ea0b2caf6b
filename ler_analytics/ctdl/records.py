"""Raw Registry JSON -> graphs to flatten: envelopes, graph documents, single resources, arrays.

Pure functions, no I/O. :func:`documents` takes one parsed JSON value (a line of a JSON-lines
file, or a whole JSON file) and yields :class:`Document` objects (the nodes of one graph plus the
envelope metadata) or :class:`~ler_analytics.ctdl.flatten.Problem` objects for parts that cannot
be read. Accepted shapes:

* a Registry envelope: ``decoded_resource``, or the JWT in ``resource`` (base64url-decoded when
  ``decoded_resource`` is missing), with ``node_headers`` timestamps;
* a graph document (``{"@graph": [...]}``, e.g. ``GET /graph/{ctid}``);
* a single resource (``GET /resources/{ctid}``, with its ``@included`` blank nodes);
* a JSON array of any of these, or of the nodes of one graph;
* a search response (``{"data": [...]}``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from ler_analytics.ctdl.flatten import Problem, Source
from ler_analytics.ctdl.normalize import lang_text, normalize_ctid, parse_timestamp

_ENVELOPE_KEYS = ("decoded_resource", "envelope_ceterms_ctid", "envelope_id", "envelope_community")
MAX_NESTING = 40  # arrays of arrays deeper than this are not Registry data


@dataclass
class Document:
    """The nodes of one graph with where they came from."""

    nodes: list
    source: Source
    is_envelope: bool = False
    is_deleted: bool = False
    raw: Any = None


def decode_jwt_payload(token: str) -> Any:
    """Decode the payload (middle segment) of a JWT without verifying it.

    Raises:
        ValueError: when the token has no payload segment or it is not base64url JSON.
    """
    parts = token.strip().split(".")
    if len(parts) < 2:
        raise ValueError("the resource is not a JWT (expected header.payload.signature)")
    payload = parts[1]
    try:
        data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the JWT payload is not base64url ({exc})") from None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"the JWT payload is not JSON ({exc})") from None


def _is_envelope(value: dict) -> bool:
    return any(key in value for key in _ENVELOPE_KEYS) or ("resource" in value and "resource_encoding" in value)


def _is_node(value: object) -> bool:
    return isinstance(value, dict) and ("@type" in value or "ceterms:ctid" in value) and "@graph" not in value


def _text_or_none(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def envelope_resource(envelope: dict) -> Any:
    """The CTDL document carried by an envelope (``decoded_resource``, else the decoded JWT).

    Raises:
        ValueError: when neither holds a readable document.
    """
    decoded = envelope.get("decoded_resource")
    if isinstance(decoded, (dict, list)) and decoded:
        return decoded
    if isinstance(decoded, str) and decoded.strip().startswith(("{", "[")):
        try:
            return orjson.loads(decoded)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"decoded_resource is a string that is not JSON ({exc})") from None
    resource = envelope.get("resource")
    if isinstance(resource, (dict, list)) and resource:
        return resource
    if isinstance(resource, str) and resource.strip():
        text = resource.strip()
        if text.startswith(("{", "[")):
            try:
                return orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"resource is a string that is not JSON ({exc})") from None
        return decode_jwt_payload(text)
    raise ValueError("the envelope has neither decoded_resource nor a resource to decode")


def _timestamp(headers: dict, envelope: dict, key: str) -> datetime | None:
    value = headers.get(key)
    if value is None:
        value = envelope.get(key)
    return parse_timestamp(value)


def _graph_nodes(doc: Any) -> tuple[list | None, str | None]:
    """Nodes of a graph document or single resource, or ``(None, reason)``."""
    if isinstance(doc, dict):
        if "@graph" in doc:
            graph = doc["@graph"]
            if isinstance(graph, dict):
                return [graph], None
            if not isinstance(graph, list):
                return None, f"@graph is a {type(graph).__name__}, not a list of nodes"
            if not graph:
                return None, "@graph is empty"
            return graph, None
        if _is_node(doc):
            included = doc.get("@included")
            nodes = [doc]
            if isinstance(included, list):
                nodes.extend(included)
            return nodes, None
        keys = ", ".join(str(k) for k in list(doc)[:8]) or "none"
        return None, f"the document has no @graph, no @type and no ceterms:ctid (keys: {keys})"
    if isinstance(doc, list) and doc and all(_is_node(n) for n in doc):
        return doc, None
    return None, f"the document is a {type(doc).__name__}, not a JSON-LD graph or resource"


def documents(value: Any, *, depth: int = 0) -> Iterator[Document | Problem]:
    """Yield the graphs (or problems) found in one parsed JSON value."""
    if depth > MAX_NESTING:
        yield Problem(f"arrays nested more than {MAX_NESTING} deep; not Registry data", raw=value, fatal=True)
        return
    if isinstance(value, list):
        if value and all(_is_node(item) for item in value):
            yield _document(value, Source(), raw=value)
            return
        if not value:
            yield Problem("empty JSON array: no records", raw=value, fatal=True)
            return
        for item in value:
            yield from documents(item, depth=depth + 1)
        return
    if not isinstance(value, dict):
        yield Problem(
            f"a JSON {type(value).__name__} is not an envelope, graph or CTDL resource", raw=value, fatal=True
        )
        return
    if _is_envelope(value):
        yield envelope_document(value)
        return
    if "@graph" in value or _is_node(value):
        yield _document(value, Source(), raw=value)
        return
    data = value.get("data")
    if isinstance(data, list) and "@type" not in value:
        for item in data:
            yield from documents(item, depth=depth + 1)
        return
    keys = ", ".join(list(value)[:8]) or "none"
    yield Problem(
        f"not an envelope, graph document or CTDL resource (keys: {keys}); "
        "expected decoded_resource, @graph, or @type with ceterms:ctid",
        raw=value,
        fatal=True,
    )


def _document(
    doc: Any, source: Source, *, raw: Any, envelope: bool = False, deleted: bool = False
) -> Document | Problem:
    nodes, reason = _graph_nodes(doc)
    if nodes is None:
        return Problem(
            reason or "unreadable document", ctid=source.ctid, raw=raw, fatal=True, envelope_id=source.envelope_id
        )
    if source.ctid is None and isinstance(doc, dict):
        source.ctid = normalize_ctid(doc.get("ceterms:ctid")) or normalize_ctid(doc.get("@id"))
    return Document(nodes=nodes, source=source, is_envelope=envelope, is_deleted=deleted, raw=raw)


_CTID_CACHE: dict[object, str | None] = {}


def _ctid(value: object) -> str | None:
    """``normalize_ctid`` cached for hashable values (publisher CTIDs repeat in every envelope)."""
    if type(value) is not str:
        return normalize_ctid(value)
    hit = _CTID_CACHE.get(value, "")
    if hit == "":
        hit = normalize_ctid(value)
        if len(_CTID_CACHE) >= 200_000:
            _CTID_CACHE.clear()
        _CTID_CACHE[value] = hit
    return hit


def _publish_type(value: object) -> str | None:
    if type(value) is str:
        return value.strip() or None
    return _text_or_none(lang_text(value))


_NO_HEADERS: dict = {}


def envelope_document(envelope: dict) -> Document | Problem:
    """The graph of one Registry envelope, with its metadata (or the problem reading it)."""
    get = envelope.get
    headers = get("node_headers")
    if type(headers) is not dict:
        headers = _NO_HEADERS
    source = Source(
        _text_or_none(get("envelope_id")),
        _ctid(get("envelope_ceterms_ctid")),
        _text_or_none(get("envelope_ctdl_type")),
        _timestamp(headers, envelope, "created_at"),
        _timestamp(headers, envelope, "updated_at"),
        _ctid(get("owned_by")),
        _ctid(get("published_by")),
        _publish_type(get("resource_publish_type")),
    )
    deleted = headers.get("deleted_at") is not None or get("deleted_at") is not None
    decoded = get("decoded_resource")
    if type(decoded) is dict:  # the usual case: decoded_resource is a graph document
        graph = decoded.get("@graph")
        if type(graph) is list and graph:
            if source.ctid is None:
                source.ctid = normalize_ctid(decoded.get("ceterms:ctid")) or normalize_ctid(decoded.get("@id"))
            return Document(nodes=graph, source=source, is_envelope=True, is_deleted=deleted, raw=envelope)
    try:
        doc = envelope_resource(envelope)
    except ValueError as exc:
        return Problem(
            f"envelope {source.envelope_id or '?'}: {exc}",
            ctid=source.ctid,
            prop="decoded_resource",
            raw=envelope,
            fatal=True,
            envelope_id=source.envelope_id,
        )
    return _document(doc, source, raw=envelope, envelope=True, deleted=deleted)
