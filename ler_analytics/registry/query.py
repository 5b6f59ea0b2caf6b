"""Build Credential Registry queries from Python values: CTDL JSON queries and ``/search`` parameters.

Queries are built as dicts and serialised by the HTTP layer; user values are never pasted into
JSON or URL text. Every value is validated (CTIDs, CURIEs, state codes, SOC/NAICS/CIP codes) so a
typo fails here with a clear message instead of silently matching nothing.

The state filter follows Credential Engine's own importer (``IndianaCredentialsByLocation.txt``,
see ``docs/registry-api.md`` §3): a record matches when its ``availableAt`` place, its owner's or
its offerer's address (or, for organisations, its own address) has the state in ``addressRegion``,
written as the USPS code or the state name.

Example::

    from ler_analytics.registry.query import ctdl_query
    q = ctdl_query(types=["Certificate", "Certification"], states=["IN"], occupations=["29-1141"])
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ler_analytics.ctdl.normalize import (
    US_STATE_NAMES,
    normalize_cip,
    normalize_ctid,
    normalize_naics,
    normalize_soc,
    normalize_state,
)

_CURIE_RE = re.compile(r"^\^?(ceterms|ceasn|qdata|asn|skos|navy|search|schema|ctdl|meta):[A-Za-z][A-Za-z0-9_]*$")
_LOCAL_RE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_CTID_RE = re.compile(r"^ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TS_SPECIAL = re.compile(r"[&|!():*<>\\\x00-\x1f\x7f]")
MATCH_TYPES = ("exactMatch", "startsWith", "endsWith", "contains", "subClassOf")
SORTS = ("search:recordCreated", "search:recordUpdated", "search:relevance")
MAX_TEXT = 500


class QueryError(ValueError):
    """A query value is not valid (the message names the value and the expected form)."""


def curie(term: str, *, what: str = "term") -> str:
    """Validate a CTDL term such as ``ceterms:Certificate``; a bare class name gets ``ceterms:``.

    Raises:
        QueryError: when the term is not a known-prefix CURIE or a bare class name.

    Examples:
        >>> curie("Certificate")
        'ceterms:Certificate'
        >>> curie("ceasn:CompetencyFramework")
        'ceasn:CompetencyFramework'
    """
    if not isinstance(term, str):
        raise QueryError(f"{what} must be a string like 'ceterms:Certificate', not {term!r}")
    term = term.strip()
    if _LOCAL_RE.match(term):
        return f"ceterms:{term}"
    if not _CURIE_RE.match(term):
        raise QueryError(
            f"{what} {term!r} is not a CTDL term: use a prefixed name such as 'ceterms:Certificate' or "
            "'ceasn:CompetencyFramework' (prefixes: ceterms, ceasn, qdata, asn, skos)"
        )
    return term


def ctid(value: str) -> str:
    """Validate and lower-case a CTID (``ce-`` + UUID); URIs ending in a CTID are accepted.

    Raises:
        QueryError: when no CTID can be read.
    """
    found = normalize_ctid(value) if isinstance(value, str) else None
    if not found or not _CTID_RE.match(found):
        raise QueryError(f"{value!r} is not a CTID (expected ce-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
    return found


def reverse(prop: str) -> str:
    """The reverse-edge form of a property (``^ceasn:isPartOf``): "records that point at me by ``prop``"."""
    return "^" + curie(prop.lstrip("^"), what="property")


def clean_text(text: str) -> str:
    """Make free text safe for the Registry's full-text search (no operators, no control characters).

    Raises:
        QueryError: when the text is empty or longer than 500 characters.
    """
    if not isinstance(text, str):
        raise QueryError(f"search text must be a string, not {type(text).__name__}")
    cleaned = " ".join(_TS_SPECIAL.sub(" ", text).split())
    if not cleaned:
        raise QueryError(f"search text {text!r} is empty once operators are removed")
    if len(cleaned) > MAX_TEXT:
        raise QueryError(f"search text is {len(cleaned)} characters; the limit is {MAX_TEXT}")
    return cleaned


def match(value: str, how: str = "exactMatch") -> dict[str, str]:
    """A ``search:value`` term with a match type (``exactMatch``, ``startsWith``, ``endsWith``, ``contains``).

    Raises:
        QueryError: for an unknown match type or a non-string value.
    """
    how = how.removeprefix("search:")
    if how not in MATCH_TYPES:
        raise QueryError(f"match type {how!r} is not one of {', '.join(MATCH_TYPES)}")
    if not isinstance(value, str) or not value.strip():
        raise QueryError(f"match value must be a non-empty string, not {value!r}")
    return {"search:value": value.strip(), "search:matchType": f"search:{how}"}


def any_value() -> str:
    """Term value meaning "the property is present"."""
    return "search:anyValue"


def no_value() -> str:
    """Term value meaning "the property is absent"."""
    return "search:noValue"


def state_values(states: Iterable[str]) -> list[str]:
    """USPS codes and names for each state, as written in ``addressRegion`` (``["IN", "Indiana"]``).

    Raises:
        QueryError: for a value that is not a US state, DC or territory.
    """
    out: list[str] = []
    for raw in states:
        code = normalize_state(raw)
        if code is None:
            raise QueryError(f"{raw!r} is not a US state, DC or territory (use a USPS code such as 'IN')")
        for value in (code, US_STATE_NAMES[code]):
            if value not in out:
                out.append(value)
    return out


def state_term_group(states: Iterable[str]) -> dict[str, Any]:
    """The OR group that matches records located in any of ``states`` (CE importer's logic)."""
    region = {"ceterms:addressRegion": {"en": state_values(states)}}
    return {
        "ceterms:availableAt": region,
        "ceterms:address": region,
        "ceterms:ownedBy": {"ceterms:address": region},
        "ceterms:offeredBy": {"ceterms:address": region},
        "search:operator": "search:orTerms",
    }


def _codes(values: Iterable[str], normalise: Any, what: str, example: str) -> list[str]:
    out = []
    for raw in values:
        code = normalise(raw)
        if isinstance(code, tuple):
            code = code[1] or code[0]
        if not code:
            raise QueryError(f"{raw!r} is not a {what} code (example: {example})")
        if code not in out:
            out.append(code)
    return out


def _alignment(values: list[str]) -> dict[str, Any]:
    return {"ceterms:codedNotation": [match(v, "startsWith") for v in values]}


def ctdl_query(
    *,
    types: Iterable[str] | str | None = None,
    subclasses: bool = False,
    text: str | None = None,
    states: Iterable[str] | str | None = None,
    occupations: Iterable[str] | None = None,
    industries: Iterable[str] | None = None,
    programs: Iterable[str] | None = None,
    owned_by: Iterable[str] | str | None = None,
    ctids: Iterable[str] | None = None,
    where: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build a CTDL JSON query for the Assistant's ``/search/ctdl`` (all given parts are ANDed).

    Args:
        types: CTDL classes (``"Certificate"``, ``"ceasn:CompetencyFramework"``); a list means any of them.
        subclasses: also match subclasses of each type (``search:subClassOf``).
        text: words matched against ``ceterms:name`` (full text; operators are removed).
        states: US states (codes or names) matched on availableAt / own address / owner's / offerer's address.
        occupations: SOC or O*NET-SOC codes (``29-1141``); matches codes starting with them.
        industries: NAICS codes (``6215``); prefix match.
        programs: CIP codes (``51.3801``); prefix match.
        owned_by: owner organisation CTIDs.
        ctids: restrict to these CTIDs.
        where: extra terms ``{curie: value}``; keys are validated (``^`` prefix for reverse edges),
            values are sent as JSON values (use :func:`match`, :func:`any_value`, nested dicts).

    Returns:
        The query object (a dict) to send as ``Query``.

    Raises:
        QueryError: when any value is invalid; the message names it.
    """
    query: dict[str, Any] = {}
    if types:
        type_list = [curie(t, what="type") for t in ([types] if isinstance(types, str) else types)]
        if subclasses:
            terms: list[Any] = [{"search:value": t, "search:matchType": "search:subClassOf"} for t in type_list]
            query["@type"] = terms[0] if len(terms) == 1 else terms
        else:
            query["@type"] = type_list[0] if len(type_list) == 1 else type_list
    if ctids:
        query["ceterms:ctid"] = [ctid(c) for c in ctids]
    if text is not None:
        query["ceterms:name"] = clean_text(text)
    if owned_by:
        owners = [ctid(c) for c in ([owned_by] if isinstance(owned_by, str) else owned_by)]
        query["ceterms:ownedBy"] = {"ceterms:ctid": owners}
    if occupations:
        query["ceterms:occupationType"] = _alignment(_codes(occupations, normalize_soc, "SOC", "29-1141"))
    if industries:
        query["ceterms:industryType"] = _alignment(_codes(industries, normalize_naics, "NAICS", "621511"))
    if programs:
        query["ceterms:instructionalProgramType"] = _alignment(_codes(programs, normalize_cip, "CIP", "51.3801"))
    if states:
        query["search:termGroup"] = state_term_group([states] if isinstance(states, str) else states)
    for key, value in (where or {}).items():
        key = key.strip()
        if key not in ("search:termGroup", "search:operator", "@type") and not _CURIE_RE.match(key):
            raise QueryError(f"query key {key!r} is not a CTDL term (use e.g. 'ceterms:name' or '^ceasn:isPartOf')")
        if key in query:
            raise QueryError(f"query key {key!r} is given twice (once by a keyword argument)")
        _check_json_value(value, key)
        query[key] = value
    if not query:
        raise QueryError("the query is empty: give at least one of types, text, states, codes, owned_by, where")
    return query


def _check_json_value(value: Any, key: str) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise QueryError(f"value of {key!r} cannot be sent as JSON ({exc})") from exc


def assistant_request(
    query: Mapping[str, Any],
    *,
    skip: int = 0,
    take: int = 100,
    sort: str = "^search:recordUpdated",
    community: str = "ce-registry",
    description_set: str | None = None,
    related_uris_limit: int = 10,
    include_results_metadata: bool = True,
) -> dict[str, Any]:
    """The request body for ``POST {assistant}/search/ctdl`` (``SearchQuery`` wrapper of CE's clients).

    Raises:
        QueryError: for a bad skip/take/sort/description-set value.
    """
    if not isinstance(skip, int) or skip < 0:
        raise QueryError(f"skip must be an integer >= 0, not {skip!r}")
    if not isinstance(take, int) or not 1 <= take <= 1000:
        raise QueryError(f"take must be an integer between 1 and 1000, not {take!r}")
    if sort.lstrip("^") not in SORTS:
        raise QueryError(f"sort {sort!r} is not one of {', '.join(SORTS)} (prefix '^' for descending)")
    sets = (None, "Resource", "Resource_RelatedURIs", "Resource_RelatedURIs_RelatedData")
    if description_set not in sets:
        raise QueryError(f"description_set must be one of {sets}, not {description_set!r}")
    body: dict[str, Any] = {
        "Query": dict(query),
        "Skip": skip,
        "Take": take,
        "Sort": sort,
        "IncludeResultsMetadata": include_results_metadata,
        "Community": community,
        "IncludeDebugInfo": False,
        "SkipLogging": False,
        "UseBetaAPI": True,
    }
    if description_set:
        body["DescriptionSetType"] = description_set
        body["DescriptionSetRelatedURIsLimit"] = related_uris_limit
    return body


SEARCH_PARAMS = (
    "fts", "community", "type", "resource_type", "envelope_ctdl_type", "envelope_ceterms_ctid", "envelope_id",
    "resource_publish_type", "owned_by", "published_by", "from", "until", "sort_by", "sort_order", "with_bnodes",
    "provisional", "include_deleted", "metadata_only", "framework", "page", "per_page",
)
_CHOICES: dict[str, tuple[str, ...]] = {
    "sort_by": ("created_at", "updated_at"),
    "sort_order": ("asc", "desc"),
    "with_bnodes": ("false", "true", "only"),
    "provisional": ("exclude", "include", "only"),
    "include_deleted": ("true", "only"),
    "resource_publish_type": ("primary", "secondary"),
    "type": ("resource_data", "paradata"),
}


def search_params(filters: Mapping[str, Any] | None = None, **params: Any) -> dict[str, str]:
    """Validated query parameters for the Registry's ``GET /{community}/search``.

    Args:
        filters: JSONB containment filters on the resource (``{"ceterms:credentialStatusType": ...}``);
            keys must be CTDL terms, values are sent as JSON text.
        **params: documented search parameters (``fts``, ``envelope_ctdl_type`` as a list or comma text,
            ``owned_by``, ``from_``/``until``, ``sort_by``, ``page``, ``per_page``, ...). ``None`` is skipped.

    Returns:
        A ``{name: text}`` dict for the HTTP layer to encode.

    Raises:
        QueryError: for an unknown parameter, a bad choice or a bad CTID/term.
    """
    out: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        key = "from" if name == "from_" else name
        if key not in SEARCH_PARAMS:
            raise QueryError(f"unknown search parameter {name!r}; known: {', '.join(SEARCH_PARAMS)}")
        if isinstance(value, bool):
            value = "true" if value else "false"
        if key in ("envelope_ctdl_type",):
            items = value.split(",") if isinstance(value, str) else list(value)
            value = ",".join(curie(t, what="type") for t in items)
        elif key in ("owned_by", "published_by", "envelope_ceterms_ctid"):
            value = ctid(value)
        elif key == "fts":
            value = clean_text(value)
        elif key in ("page", "per_page"):
            if not isinstance(value, int) or value < 1:
                raise QueryError(f"{key} must be a positive integer, not {value!r}")
            value = str(value)
        elif key in _CHOICES and str(value) not in _CHOICES[key]:
            raise QueryError(f"{key} must be one of {', '.join(_CHOICES[key])}, not {value!r}")
        out[key] = str(value)
    for key, value in (filters or {}).items():
        if not _CURIE_RE.match(key) or key.startswith("^"):
            raise QueryError(f"search filter key {key!r} is not a CTDL term such as 'ceterms:credentialStatusType'")
        _check_json_value(value, key)
        out[key] = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return out
