"""A subset of the Assistant's CTDL JSON query language, evaluated over the twin's store.

Supported (the forms CE's own clients send, see ``registry-api.md`` §3):

- ``"@type"``: one class, a list (OR), or ``{"search:value": …, "search:matchType":
  "search:subClassOf"}`` (subclasses from the shipped CTDL schema).
- property → literal (string or language map, lists meaning OR): word match, case-insensitive,
  all words of the query present in the value (the twin's stand-in for Postgres full text);
  CTIDs and references also match exactly (case-insensitive).
- property → ``{"search:value": …, "search:matchType": "search:exactMatch" | "search:startsWith" |
  "search:endsWith" | "search:contains"}``.
- ``"search:anyValue"`` / ``"search:noValue"``.
- property → object: a nested query on the referenced node(s): blank nodes of the same graph,
  embedded objects, or other resources by URI/CTID (``ceterms:ownedBy``, ``ceterms:offeredBy``).
- ``"search:termGroup"`` (an object, or a list of them meaning OR) and ``"search:operator":
  "search:andTerms" | "search:orTerms"``.
- ``search:recordOwnedBy`` / ``search:recordPublishedBy`` (envelope owner / publisher CTID).

Not supported (answered with ``valid: false``): reverse edges (``^prop``), other ``search:``
keywords. Wrapper fields: ``Query``, ``Skip``, ``Take``, ``Sort``, ``IncludeResultsMetadata``,
``Community``; description sets are not produced (``RelatedItems`` is empty).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import orjson

from ler_analytics.ctdl.normalize import normalize_ctid
from ler_analytics.twin.store import EnvelopeRecord, TwinStore, graph_nodes, iso_ms, text_tokens

_LANG_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", re.IGNORECASE)
_MATCH_TYPES = ("search:exactMatch", "search:startsWith", "search:endsWith", "search:contains", "search:subClassOf")
_SORTS = {
    "search:recordUpdated": ("updated", False),
    "^search:recordUpdated": ("updated", True),
    "search:recordCreated": ("created", False),
    "^search:recordCreated": ("created", True),
    "search:relevance": ("updated", True),
    "^search:relevance": ("updated", True),
}


class QueryError(ValueError):
    """The query uses something the twin's CTDL subset does not support, or is malformed."""


@cache
def _ancestors(curie: str) -> tuple[str, ...]:
    try:
        from ler_analytics.ctdl.schema import ancestors, class_curie

        term = class_curie(curie)
        return ancestors(term) if term else (curie,)
    except (ImportError, OSError, ValueError):
        return (curie,)


def is_subclass(curie: str, ancestor: str) -> bool:
    """True when class ``curie`` is ``ancestor`` or one of its subclasses (shipped CTDL schema)."""
    return ancestor in _ancestors(curie)


def _strings(value: object) -> list[str]:
    out: list[str] = []
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append(str(value))
    elif isinstance(value, dict):
        if "@value" in value:
            out.extend(_strings(value["@value"]))
        elif "@id" in value and len(value) == 1:
            out.append(str(value["@id"]))
        elif all(isinstance(k, str) and _LANG_TAG.match(k) for k in value):
            for item in value.values():
                out.extend(_strings(item))
    elif isinstance(value, list):
        for item in value:
            out.extend(_strings(item))
    return out


def _is_lang_map(value: dict) -> bool:
    return bool(value) and all(isinstance(k, str) and _LANG_TAG.match(k) for k in value)


@dataclass
class _Context:
    store: TwinStore
    rec: EnvelopeRecord
    nodes: list[dict]


class Matcher:
    """Evaluates one CTDL query object against nodes of the store.

    Args:
        query: the ``Query`` object.
        store: the data (for references to other resources).
    """

    def __init__(self, query: dict, store: TwinStore) -> None:
        if not isinstance(query, dict):
            raise QueryError("Query must be a JSON object")
        self.query = query
        self.store = store

    def wanted_types(self) -> tuple[set[str], bool] | None:
        """Classes named by a top-level ``@type`` (and whether subclasses count), for prefiltering."""
        value = self.query.get("@type")
        if value is None or self.query.get("search:operator") == "search:orTerms":
            return None
        if isinstance(value, dict):
            target = value.get("search:value")
            names = set(target if isinstance(target, list) else [target])
            return {n for n in names if isinstance(n, str)}, value.get("search:matchType") == "search:subClassOf"
        names = set(value if isinstance(value, list) else [value])
        return {n for n in names if isinstance(n, str)}, False

    def matches(self, node: dict, ctx: _Context) -> bool:
        """True when ``node`` satisfies the whole query."""
        return self._group(node, self.query, ctx)

    # -- evaluation
    def _group(self, node: dict, query: dict, ctx: _Context) -> bool:
        operator = query.get("search:operator", "search:andTerms")
        if operator not in ("search:andTerms", "search:orTerms"):
            raise QueryError(f"unknown search:operator {operator!r}")
        terms = [(k, v) for k, v in query.items() if k != "search:operator"]
        if not terms:
            return True
        results = (self._term(node, key, value, ctx) for key, value in terms)
        return any(results) if operator == "search:orTerms" else all(results)

    def _term(self, node: dict, key: str, value: object, ctx: _Context) -> bool:
        if key == "@type":
            return self._type(node, value)
        if key == "search:termGroup":
            groups = value if isinstance(value, list) else [value]
            if not all(isinstance(g, dict) for g in groups):
                raise QueryError("search:termGroup must be an object or a list of objects")
            return any(self._group(node, g, ctx) for g in groups)
        if key in ("search:recordOwnedBy", "search:recordPublishedBy"):
            owner = ctx.rec.owned_by if key == "search:recordOwnedBy" else ctx.rec.published_by
            wanted = [normalize_ctid(v) for v in (value if isinstance(value, list) else [value])]
            return owner is not None and owner in wanted
        if key.startswith("^"):
            raise QueryError(f"reverse edges ({key}) are not supported by the twin")
        if key.startswith("search:"):
            raise QueryError(f"{key} is not supported by the twin")
        values = node.get(key)
        values = [] if values is None else values if isinstance(values, list) else [values]
        return self._values(values, value, ctx)

    def _type(self, node: dict, value: object) -> bool:
        raw = node.get("@type")
        types = [t for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, str)]
        if isinstance(value, list):
            return any(self._type(node, v) for v in value)
        if isinstance(value, str):
            return value in types
        if isinstance(value, dict):
            target = value.get("search:value")
            targets = target if isinstance(target, list) else [target]
            match_type = value.get("search:matchType", "search:exactMatch")
            if match_type == "search:subClassOf":
                return any(t in _ancestors(nt) for nt in types for t in targets)
            if match_type == "search:exactMatch":
                return any(t in types for t in targets)
            raise QueryError(f"@type does not support {match_type!r}")
        raise QueryError("@type must be a string, a list or a search:value object")

    def _values(self, values: list, query: object, ctx: _Context) -> bool:
        if isinstance(query, list):
            return any(self._values(values, q, ctx) for q in query)
        if query == "search:anyValue":
            return bool(values)
        if query == "search:noValue":
            return not values
        if isinstance(query, dict) and "search:value" in query:
            return self._match_typed(values, query)
        if isinstance(query, dict) and _is_lang_map(query):
            return any(self._literal(values, text) for text in _strings(query))
        if isinstance(query, dict):
            return any(self._group(target, query, ctx) for target in self._targets(values, ctx))
        if isinstance(query, (str, int, float)) and not isinstance(query, bool):
            return self._literal(values, str(query))
        if isinstance(query, bool):
            return query in values
        raise QueryError(f"cannot match against {query!r}")

    def _match_typed(self, values: list, query: dict) -> bool:
        match_type = query.get("search:matchType")
        target = query["search:value"]
        targets = [str(t) for t in (target if isinstance(target, list) else [target])]
        if match_type is None:
            return any(self._literal(values, t) for t in targets)
        if match_type not in _MATCH_TYPES or match_type == "search:subClassOf":
            raise QueryError(f"unknown search:matchType {match_type!r}")
        texts = [s.lower() for s in _strings(values)]
        for wanted in (t.lower() for t in targets):
            for text in texts:
                if (
                    (match_type == "search:exactMatch" and text == wanted)
                    or (match_type == "search:startsWith" and text.startswith(wanted))
                    or (match_type == "search:endsWith" and text.endswith(wanted))
                    or (match_type == "search:contains" and wanted in text)
                ):
                    return True
        return False

    @staticmethod
    def _literal(values: list, text: str) -> bool:
        wanted_tokens = text_tokens(text)
        wanted_ctid = normalize_ctid(text)
        lowered = text.strip().lower()
        for value in values:
            for s in _strings(value):
                if s.strip().lower() == lowered:
                    return True
                if wanted_ctid and normalize_ctid(s) == wanted_ctid:
                    return True
                if wanted_tokens and wanted_tokens <= text_tokens(s):
                    return True
        return False

    def _targets(self, values: list, ctx: _Context) -> Iterator[dict]:
        for value in values:
            if isinstance(value, dict) and set(value) != {"@id"}:
                yield value  # an embedded object (a Place, an alignment object...)
                continue
            ref = value["@id"] if isinstance(value, dict) else value  # "…" or {"@id": "…"}
            if not isinstance(ref, str):
                continue
            if ref.startswith("_:"):
                for node in ctx.nodes:
                    if node.get("@id") == ref:
                        yield node
                continue
            target = self.store.node_by_reference(ref)
            if target is not None:
                yield target


def _int(wrapper: dict, name: str, default: int) -> int:
    raw = wrapper.get(name, default)
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise QueryError(f"{name} must be an integer")
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name} must be an integer") from None
    if value < 0:
        raise QueryError(f"{name} must not be negative")
    return value


def _failure(message: str) -> dict:
    return {"valid": False, "status": f"Error: {message}", "data": [], "extra": None}


def run_query(store: TwinStore, wrapper: dict) -> dict:
    """Evaluate a parsed Assistant request (``{"Query": …, "Skip": …, "Take": …}``).

    Returns:
        The Assistant's response object ``{"valid", "status", "data", "extra"}``.

    Raises:
        QueryError: for a malformed or unsupported query.
    """
    query = wrapper.get("Query")
    if not isinstance(query, dict):
        raise QueryError("Query is required and must be a JSON object")
    community = wrapper.get("Community")
    if community and str(community).replace("-", "_").lower() != store.community:
        raise QueryError(f"unknown community {community!r}")
    skip = _int(wrapper, "Skip", 0)
    take = _int(wrapper, "Take", 10)
    sort = wrapper.get("Sort") or "^search:recordUpdated"
    if sort not in _SORTS:
        raise QueryError(f"unknown Sort {sort!r}")
    matcher = Matcher(query, store)
    wanted = matcher.wanted_types()
    hits: list[tuple[EnvelopeRecord, dict]] = []
    for rec in store.listing():
        rows = rec.search_rows()
        if wanted is not None:
            names, subclasses = wanted
            rows = tuple(
                r for r in rows
                if any((t in names) or (subclasses and any(a in names for a in _ancestors(t))) for t in r.types)
            )
        if not rows:
            continue
        nodes = graph_nodes(store.graph(rec))
        ctx = _Context(store, rec, nodes)
        for row in rows:
            node = nodes[row.node_index]
            if matcher.matches(node, ctx):
                hits.append((rec, node))
    field, descending = _SORTS[sort]
    hits.sort(key=lambda h: (getattr(h[0], field), h[0].seq), reverse=descending)
    page = hits[skip : skip + take]
    extra: dict[str, object] = {"TotalResults": len(hits), "RelatedItemsMap": [], "RelatedItems": []}
    if wrapper.get("IncludeResultsMetadata"):
        extra["ResultsMetadata"] = [
            {
                "resource_uri": node.get("@id"),
                "search:recordCreated": iso_ms(rec.created),
                "search:recordUpdated": iso_ms(rec.updated),
                "search:recordOwnedBy": rec.owned_by,
                "search:recordPublishedBy": rec.published_by,
                "search:resourcePublishType": rec.publish_type,
            }
            for rec, node in page
        ]
    return {"valid": True, "status": "", "data": [node for _, node in page], "extra": extra}


def assistant_search(store: TwinStore, body: bytes) -> dict:
    """Answer a raw ``POST /assistant/search/ctdl`` body; errors come back as ``valid: false``."""
    try:
        wrapper = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        return _failure("the request body is not valid JSON")
    if not isinstance(wrapper, dict):
        return _failure("the request body must be a JSON object with a Query")
    try:
        return run_query(store, wrapper)
    except QueryError as exc:
        return _failure(str(exc))
