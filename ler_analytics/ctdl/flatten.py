"""CTDL JSON-LD graph -> rows of the core tables (one function per entity type).

Pure functions, no I/O. :func:`flatten_graph` takes the nodes of one graph (an envelope's
``@graph``, a graph document, or a single resource) plus where they came from, and appends rows to
a :class:`TableRows` for every core table of ``fields.py``. Values are read with the tolerant
readers of ``normalize.py``; a value that cannot be read is left null and reported as a
:class:`Problem` (it becomes a ``quarantine`` row), while the rest of the record is kept. A node
that cannot be read at all (no CTID, unknown class, malformed CTID) is reported and skipped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson

from ler_analytics.ctdl import schema
from ler_analytics.ctdl.fields import CORE_TABLES, column_names
from ler_analytics.ctdl.normalize import (
    as_list,
    concept_name,
    duration_months,
    lang_text,
    local_name,
    normalize_cip,
    normalize_ctid,
    normalize_naics,
    normalize_soc,
    normalize_state,
    to_float,
)

Row = dict[str, Any]
SEQ = "_seq"  # internal column: which envelope (input record) a row came from; dropped at the end

_CTID_SEARCH = re.compile(r"ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_CTID_LIKE = re.compile(r"^\s*ce-", re.IGNORECASE)
_CTID_FULL = re.compile(r"ce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # with len == 39


@dataclass
class Problem:
    """Something in a record that could not be read (becomes a ``quarantine`` row)."""

    reason: str
    ctid: str | None = None
    prop: str | None = None
    raw: Any = None
    fatal: bool = False  # True when the whole node/record was skipped
    envelope_id: str | None = None


@dataclass(slots=True)
class Source:
    """Where a graph came from: envelope metadata (all optional) and the raw file position."""

    envelope_id: str | None = None
    ctid: str | None = None
    ctdl_type: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    owned_by: str | None = None
    published_by: str | None = None
    publish_type: str | None = None
    source_file: str | None = None
    seq: int = 0


@dataclass
class TableRows:
    """Rows per core table, plus problems.

    Every table holds tuples in column order (``fields.py``) with ``_seq`` last: a row builder's
    dict is turned into a tuple as soon as it is made (:func:`row_tuple`; much cheaper to turn into
    columns later than thousands of dicts). ``resource_properties`` rows are compact (one per node,
    see :data:`TUPLE_TABLES`). :meth:`as_dicts` gives dicts for any table.
    """

    tables: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in CORE_TABLES})
    problems: list[Problem] = field(default_factory=list)

    def add(self, table: str, row: Row) -> None:
        """Append one row (a dict keyed by column name) to ``table``."""
        self.tables[table].append(row_tuple(table, row))

    def as_dicts(self, table: str) -> list[Row]:
        """The rows of ``table`` as dicts keyed by column name (``_seq`` included)."""
        rows = self.tables[table]
        if table == "resource_properties":  # compact rows: lists of properties and counts
            return [
                {"ctid": c, "resource_table": t, "resource_type": r, "property": p, "value_count": n, SEQ: seq}
                for c, t, r, props, counts, seq in rows
                for p, n in zip(props, counts, strict=True)
            ]
        names = _ROW_NAMES[table]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def count(self) -> int:
        """Total number of rows held."""
        return sum(len(rows) for rows in self.tables.values())

    def clear(self) -> None:
        """Drop all held rows and problems (after they were written)."""
        for rows in self.tables.values():
            rows.clear()
        self.problems.clear()


# --- small readers ---------------------------------------------------------------------------


def _text(node: dict, *props: str) -> str | None:
    for prop in props:
        value = node.get(prop)
        if value is None:
            continue
        kind = type(value)
        if kind is dict:  # fast path for the usual {"en": "..."} / {"en-US": "..."}
            text = value.get("en")
            if text is None:
                text = value.get("en-US")
            if type(text) is str:
                text = text.strip()
                if text:
                    return text
        elif kind is str:
            text = value.strip()
            if text:
                return text
            continue
        text = lang_text(value)
        if text:
            return text
    return None


def _strings(value: object) -> list[str]:
    out: list[str] = []
    if value is None:
        return out
    for item in value if type(value) is list else (value,):
        text = item.strip() if type(item) is str else lang_text(item)
        if text:
            out.append(text)
    return out


_NO_TARGET: tuple[None, None] = (None, None)
_REF_CACHE: dict[str, tuple[str | None, str | None]] = {}
_CACHE_MAX = 200_000  # entries per cache; a full cache is cleared (bounded memory)


def _string_target(value: str) -> tuple[str | None, str | None]:
    """``(ctid, uri)`` of a reference string that is not a blank node (cached: URIs repeat a lot)."""
    hit = _REF_CACHE.get(value)
    if hit is not None:
        return hit
    text = value.strip()
    if not text:
        hit = _NO_TARGET
    else:
        match = _CTID_SEARCH.search(text)
        hit = (match.group(0).lower(), None) if match else (None, text)
    if len(_REF_CACHE) >= _CACHE_MAX:
        _REF_CACHE.clear()
    _REF_CACHE[value] = hit
    return hit


def _ref_target(value: object, graph: dict[str, dict]) -> tuple[str | None, str | None]:
    """``(target_ctid, target_uri)`` of one reference value (string, ``{"@id"}`` or embedded node)."""
    if type(value) is str:
        hit = _REF_CACHE.get(value)  # never holds blank-node ids or padded strings: safe to try first
        if hit is not None:
            return hit
    else:
        if not isinstance(value, dict):
            return _NO_TARGET
        ctid = normalize_ctid(value.get("ceterms:ctid"))
        if ctid:
            return ctid, None
        value = value.get("@id")
        if not isinstance(value, str):
            return _NO_TARGET
    if value[:2] == "_:" or value[:1].isspace():
        value = value.strip()
        if value.startswith("_:"):
            node = graph.get(value)
            if node is not None:
                ctid = normalize_ctid(node.get("ceterms:ctid"))
                if ctid:
                    return ctid, None
            return None, value
    return _string_target(value)


def _ctids(value: object, graph: dict[str, dict]) -> list[str]:
    out: list[str] = []
    if value is None:
        return out
    cache = _REF_CACHE
    for item in value if type(value) is list else (value,):
        hit = cache.get(item) if type(item) is str else None
        ctid = (hit if hit is not None else _ref_target(item, graph))[0]
        if ctid and ctid not in out:
            out.append(ctid)
    return out


def _first_ctid(value: object, graph: dict[str, dict]) -> str | None:
    if value is None:
        return None
    if type(value) is str:
        hit = _REF_CACHE.get(value)
        return (hit if hit is not None else _ref_target(value, graph))[0]
    for item in value if type(value) is list else (value,):
        ctid, _ = _ref_target(item, graph)
        if ctid:
            return ctid
    return None


def _target_uri(value: object) -> str | None:
    """First URI of a ``ceterms:targetNode`` value: a string, ``{"@id": ...}`` or a list of them."""
    if type(value) is str:
        return value
    if type(value) is dict:
        value = value.get("@id")
        return value if type(value) is str else None
    if type(value) is list:
        for item in value:
            uri = _target_uri(item)
            if uri:
                return uri
    return None


def _target_items(value: object) -> list:
    """The items of a ``ceterms:targetNode`` value (strings or ``{"@id": ...}``), lists flattened."""
    if value is None:
        return []
    return value if type(value) is list else [value]


_CONCEPT_CACHE: dict[str, str | None] = {}


_CLASS_NAMES: dict[str, str | None] = {}


def _class_name(curie: str) -> str | None:
    """``local_name`` of a class CURIE, cached (a few hundred classes, one call per row)."""
    name = _CLASS_NAMES.get(curie, "")
    if name == "":
        name = _CLASS_NAMES[curie] = local_name(curie)
    return name


def _concept(item: object) -> str | None:
    if type(item) is dict:
        node = item.get("ceterms:targetNode")
        if type(node) is not str and node is not None:
            node = _target_uri(node)
        if node:
            item = node
        else:
            return concept_name(item)
    if type(item) is str:
        name = _CONCEPT_CACHE.get(item)
        if name is None and item not in _CONCEPT_CACHE:
            name = concept_name(item)
            if len(_CONCEPT_CACHE) >= _CACHE_MAX:
                _CONCEPT_CACHE.clear()
            _CONCEPT_CACHE[item] = name
        return name
    return concept_name(item)


def _concepts(value: object) -> list[str]:
    out: list[str] = []
    if value is None:
        return out
    for item in value if type(value) is list else (value,):
        name = _concept(item)
        if name and name not in out:
            out.append(name)
    return out


def _first_concept(value: object) -> str | None:
    if value is None:
        return None
    for item in value if type(value) is list else (value,):
        name = _concept(item)
        if name:
            return name
    return None


def record_sha256(node: dict) -> str | None:
    """SHA-256 of a node's canonical JSON (sorted keys); ``None`` when it cannot be serialised."""
    try:
        return hashlib.sha256(orjson.dumps(node, option=orjson.OPT_SORT_KEYS)).hexdigest()
    except (TypeError, orjson.JSONEncodeError):
        return None


# --- shared column groups --------------------------------------------------------------------


def _common(node: dict, ctid: str, src: Source) -> Row:
    return {
        "ctid": ctid,
        "name": _text(node, "ceterms:name", "ceasn:name", "skos:prefLabel"),
        "description": _text(node, "ceterms:description", "ceasn:description", "skos:definition"),
        "subject_webpage": _text(node, "ceterms:subjectWebpage", "ceasn:source"),
        "in_language": _strings(node.get("ceterms:inLanguage") or node.get("ceasn:inLanguage")),
        "envelope_id": src.envelope_id,
        "envelope_updated_at": src.updated_at,
        "envelope_created_at": src.created_at,
        "publisher_ctid": src.published_by,
        "is_secondary_publish": (src.publish_type == "secondary") if src.publish_type else None,
        "record_sha256": record_sha256(node),
        SEQ: src.seq,
    }


def _owned(node: dict, graph: dict[str, dict]) -> Row:
    return {
        "owner_ctid": _first_ctid(node.get("ceterms:ownedBy"), graph),
        "offered_by_ctids": _ctids(node.get("ceterms:offeredBy"), graph),
    }


_USD = {"usd", "us dollar", "us dollars", "u.s. dollar", "u.s. dollars", "$", "dollar", "dollars"}


def cost_range_usd(value: object) -> tuple[float | None, float | None]:
    """Lowest and highest total (sum of prices) over the USD cost profiles of ``estimatedCost``."""
    totals = []
    for profile in as_list(value):
        if not isinstance(profile, dict):
            continue
        currency = lang_text(profile.get("ceterms:currency") or profile.get("schema:currency"))
        if currency is None or currency.strip().lower() not in _USD:
            continue
        prices = [to_float(p) for p in as_list(profile.get("ceterms:price"))]
        prices = [p for p in prices if p is not None]
        if prices:
            totals.append(sum(prices))
    if not totals:
        return None, None
    return min(totals), max(totals)


def shortest_duration_months(value: object) -> float | None:
    """Shortest duration in months over ``estimatedDuration`` profiles (exact, else min, else max)."""
    best = None
    for profile in as_list(value):
        if not isinstance(profile, dict):
            continue
        for prop in ("ceterms:exactDuration", "ceterms:minimumDuration", "ceterms:maximumDuration"):
            months = duration_months(profile.get(prop))
            if months is not None:
                best = months if best is None else min(best, months)
                break
    return best


_VALUE_CACHE: dict[tuple[str, bytes], Any] = {}


def _cached(kind: str, function: Callable[[Any], Any], value: object) -> Any:
    """``function(value)`` cached per distinct JSON value (concept lists, durations repeat a lot)."""
    if value is None:
        return function(value)
    key = _memo_key(value)
    result = _memoised(_VALUE_CACHE, (kind, key) if key is not None else None, lambda: function(value))
    return list(result) if type(result) is list else result


def _present(value: object) -> bool:
    """``_has_any`` for one value: not missing and not empty (``0``/``False`` count as values)."""
    return value is not None and value != [] and value != "" and value != {}


def _offered(node: dict) -> Row:
    get = node.get
    delivery = _concepts(get("ceterms:learningDeliveryType") or get("ceterms:deliveryType"))
    cost = get("ceterms:estimatedCost")
    cost_min, cost_max = cost_range_usd(cost) if cost is not None else (None, None)
    duration = get("ceterms:estimatedDuration")
    return {
        "delivery_types": delivery,
        "is_available_online": _present(get("ceterms:availableOnlineAt")) or "OnlineOnly" in delivery,
        "audience_levels": _concepts(get("ceterms:audienceLevelType")),
        "cost_min_usd": cost_min,
        "cost_max_usd": cost_max,
        "has_cost": _present(cost) or _present(get("ceterms:commonCosts")),
        "duration_months": _cached("duration", shortest_duration_months, duration) if duration is not None else None,
        "has_duration": _present(duration),
        "life_cycle_status": _first_concept(get("ceterms:lifeCycleStatusType")),
        "date_effective": _text(node, "ceterms:dateEffective"),
    }


_QA_PROPS = (
    "ceterms:accreditedBy",
    "ceterms:approvedBy",
    "ceterms:recognizedBy",
    "ceterms:regulatedBy",
    "ceterms:accreditedIn",
    "ceterms:approvedIn",
    "ceterms:recognizedIn",
    "ceterms:regulatedIn",
)
_OUTCOME_PROPS = (
    "ceterms:aggregateData",
    "qdata:relevantDataSet",
    "ceterms:earnings",
    "ceterms:employmentOutcome",
    "ceterms:holders",
)
_TARGET_PROPS = (
    "ceterms:targetCredential",
    "ceterms:targetAssessment",
    "ceterms:targetLearningOpportunity",
    "ceterms:targetCompetency",
)


def _has_any(node: dict, props: tuple[str, ...]) -> bool:
    """True when any of ``props`` has a non-empty value (``0``/``False`` count as values)."""
    for prop in props:
        value = node.get(prop)
        if value is not None and value != [] and value != "" and value != {}:
            return True
    return False


def _has_competencies(node: dict) -> bool:
    if _has_any(node, ("ceterms:teaches", "ceterms:assesses")):
        return True
    for prop in ("ceterms:requires", "ceterms:recommends", "ceterms:corequisite"):
        value = node.get(prop)
        if value is None:
            continue
        for profile in value if type(value) is list else (value,):
            if isinstance(profile, dict) and _has_any(profile, ("ceterms:targetCompetency",)):
                return True
    return False


def _credit(values: object) -> tuple[float | None, str | None]:
    for value in as_list(values):
        if not isinstance(value, dict):
            continue
        amount = to_float(value.get("schema:value"))
        if amount is None:
            amount = to_float(value.get("schema:minValue"))
        if amount is None:
            amount = to_float(value.get("schema:maxValue"))
        unit = _first_concept(value.get("ceterms:creditUnitType") or value.get("schema:unitText"))
        if amount is not None or unit:
            return amount, unit
    return None, None


# --- one function per entity type ------------------------------------------------------------


@dataclass(slots=True)
class Graph:
    """What a node's flattener may need from the rest of its graph."""

    by_id: dict[str, dict]
    src: Source
    framework_ctid: str | None = None
    pathway_ctid: str | None = None
    destinations: frozenset[str] = frozenset()
    competency_count: int = 0
    component_count: int = 0


def credential_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``credentials`` for a node of any Credential subclass."""
    row = _common(node, ctid, g.src)
    row.update(_owned(node, g.by_id))
    row.update(_offered(node))
    row["credential_type"] = _class_name(curie)
    row["credential_family"] = schema.family_of(curie)
    row["status"] = _first_concept(node.get("ceterms:credentialStatusType"))
    row["has_qa"] = _has_any(node, _QA_PROPS)
    row["has_outcome_data"] = _has_any(node, _OUTCOME_PROPS)
    row["has_competencies"] = _has_competencies(node)
    return row


def organization_row(node: dict, ctid: str | None, curie: str, g: Graph, *, blank: bool = False) -> Row:
    """Row of ``organizations`` (``blank=True`` for a blank-node organization without a CTID)."""
    row = _common(node, ctid, g.src)  # type: ignore[arg-type]
    row["organization_type"] = _class_name(curie)
    row["agent_types"] = _concepts(node.get("ceterms:agentType"))
    row["agent_sectors"] = _concepts(node.get("ceterms:agentSectorType"))
    state = None
    for address in as_list(node.get("ceterms:address")):
        if isinstance(address, dict):
            state = normalize_state(address.get("ceterms:addressRegion"))
            if state:
                break
    row["state_code"] = state
    row["is_blank_node"] = blank
    return row


def learning_opportunity_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``learning_opportunities`` (LearningOpportunityProfile, LearningProgram, Course)."""
    row = _common(node, ctid, g.src)
    row.update(_owned(node, g.by_id))
    row.update(_offered(node))
    row["learning_opportunity_type"] = _class_name(curie)
    amount, unit = _credit(node.get("ceterms:creditValue"))
    if amount is None:
        amount = to_float(node.get("ceterms:creditHourValue"))
        unit = unit or (_first_concept(node.get("ceterms:creditHourType")) if amount is not None else None)
    row["credit_value"] = amount
    row["credit_unit"] = unit
    return row


def assessment_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``assessments``."""
    row = _common(node, ctid, g.src)
    row.update(_owned(node, g.by_id))
    row.update(_offered(node))
    row["assessment_methods"] = _concepts(node.get("ceterms:assessmentMethodType"))
    return row


def competency_framework_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``competency_frameworks``."""
    row = _common(node, ctid, g.src)
    del row["in_language"]  # not a column of this table
    row["owner_ctid"] = _first_ctid(node.get("ceasn:publisher"), g.by_id) or _first_ctid(
        node.get("ceasn:creator"), g.by_id
    )
    row["competency_count"] = g.competency_count
    return row


def competency_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``competencies``: the framework comes from ``isPartOf``, else the graph's framework."""
    parent = _first_ctid(node.get("ceasn:isChildOf"), g.by_id)
    framework = _first_ctid(node.get("ceasn:isPartOf"), g.by_id) or g.framework_ctid
    return {
        "ctid": ctid,
        "framework_ctid": framework,
        "text": _text(node, "ceasn:competencyText", "ceterms:name", "ceasn:name"),
        "label": _text(node, "ceasn:competencyLabel"),
        "category": _text(node, "ceasn:competencyCategory"),
        "coded_notation": _text(node, "ceasn:codedNotation", "ceterms:codedNotation"),
        "parent_ctid": parent if parent != framework else None,
        "envelope_id": g.src.envelope_id,
        SEQ: g.src.seq,
    }


def pathway_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``pathways``."""
    row = _common(node, ctid, g.src)
    del row["in_language"]  # not a column of this table
    row.update(_owned(node, g.by_id))
    row["destination_ctids"] = _ctids(node.get("ceterms:hasDestinationComponent"), g.by_id)
    parts = _ctids(node.get("ceterms:hasPart"), g.by_id)
    row["component_count"] = max(len(parts), g.component_count)
    return row


def pathway_component_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``pathway_components``."""
    level = None
    for value in as_list(node.get("asn:hasProgressionLevel") or node.get("ceterms:hasProgressionLevel")):
        target, uri = _ref_target(value, g.by_id)
        level = target or uri
        if level:
            break
    return {
        "ctid": ctid,
        "pathway_ctid": _first_ctid(node.get("ceterms:isPartOf"), g.by_id)
        or _first_ctid(node.get("ceterms:isDestinationComponentOf"), g.by_id)
        or _first_ctid(node.get("ceterms:isDestinationComponentFor"), g.by_id)
        or g.pathway_ctid,
        "component_type": _class_name(curie),
        "name": _text(node, "ceterms:name"),
        "progression_level": level,
        "proxy_for_ctid": _first_ctid(node.get("ceterms:proxyFor"), g.by_id),
        "is_destination": ctid in g.destinations
        or bool(as_list(node.get("ceterms:isDestinationComponentOf")))
        or bool(as_list(node.get("ceterms:isDestinationComponentFor"))),
        "envelope_id": g.src.envelope_id,
        SEQ: g.src.seq,
    }


def transfer_value_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``transfer_values``."""
    row = _common(node, ctid, g.src)
    del row["in_language"]  # not a column of this table
    row.update(_owned(node, g.by_id))
    row["transfer_value_from_ctids"] = _ctids(node.get("ceterms:transferValueFrom"), g.by_id)
    row["transfer_value_for_ctids"] = _ctids(node.get("ceterms:transferValueFor"), g.by_id)
    amount, unit = _credit(node.get("ceterms:transferValue"))
    row["credit_value"] = amount
    row["credit_unit"] = unit
    return row


def _quantity(value: object, *, percent: bool = False) -> float | None:
    """First number of a QuantitativeValue list (``schema:value``, ``qdata:percentage``, ...)."""
    for item in as_list(value):
        if isinstance(item, dict):
            for prop in ("qdata:percentage", "schema:value", "qdata:median", "schema:median", "schema:minValue"):
                number = to_float(item.get(prop))
                if number is not None:
                    if percent and prop == "qdata:percentage":
                        return number / 100
                    if percent and number > 1:
                        return number / 100
                    return number
        else:
            number = to_float(item)
            if number is not None:
                return number / 100 if percent and number > 1 else number
    return None


def _count(value: float | None) -> int | None:
    """A whole non-negative count that fits a 64-bit column, else ``None``."""
    if value is None or value < 0 or value >= 2**63:
        return None
    return int(value)


def _jurisdiction_state(value: object) -> str | None:
    for profile in as_list(value):
        if not isinstance(profile, dict):
            continue
        for place in as_list(profile.get("ceterms:mainJurisdiction")) or [profile]:
            if isinstance(place, dict):
                state = normalize_state(place.get("ceterms:addressRegion")) or normalize_state(
                    place.get("ceterms:name")
                )
                if state:
                    return state
    return None


def outcome_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``outcomes`` for a ``qdata:DataSetProfile`` (figures of its latest time frame)."""
    frames = [f for f in as_list(node.get("qdata:dataSetTimePeriod")) if isinstance(f, dict)]
    frames.sort(key=lambda f: str(f.get("ceterms:endDate") or f.get("ceterms:startDate") or ""))
    earnings = employment = holders = None
    period = None
    for frame in frames:  # the latest frame with a figure wins
        for profile in as_list(frame.get("qdata:dataAttributes")):
            if not isinstance(profile, dict):
                continue
            earnings = _quantity(profile.get("qdata:earningsAmount") or profile.get("qdata:medianEarnings")) or earnings
            employment = _quantity(profile.get("qdata:employmentRate"), percent=True) or employment
            held = _count(_quantity(profile.get("qdata:holdersInSet")))
            holders = held if held is not None else holders
        start, end = lang_text(frame.get("ceterms:startDate")), lang_text(frame.get("ceterms:endDate"))
        period = lang_text(frame.get("ceterms:description")) if not (start or end) else f"{start or ''}/{end or ''}"
    about = _first_ctid(node.get("schema:about") or node.get("qdata:about"), g.by_id) or _first_ctid(
        node.get("qdata:relevantDataSetFor"), g.by_id
    )
    return {
        "ctid": ctid,
        "about_ctid": about,
        "owner_ctid": _first_ctid(node.get("qdata:dataProvider") or node.get("ceterms:dataProvider"), g.by_id),
        "state_code": _jurisdiction_state(node.get("ceterms:jurisdiction")),
        "median_earnings_usd": earnings,
        "employment_rate": employment,
        "holders_count": holders,
        "time_period": period,
        "envelope_id": g.src.envelope_id,
        SEQ: g.src.seq,
    }


def embedded_outcome_rows(node: dict, ctid: str, g: Graph) -> list[Row]:
    """``outcomes`` rows for ``ceterms:aggregateData`` profiles embedded in a record (no CTID)."""
    rows = []
    for profile in as_list(node.get("ceterms:aggregateData")):
        if not isinstance(profile, dict):
            continue
        earnings = to_float(profile.get("ceterms:medianEarnings"))
        employment = _quantity(profile.get("ceterms:jobsObtained"), percent=True)
        holders = _count(to_float(profile.get("ceterms:numberAwarded")))
        if earnings is None and employment is None and holders is None:
            continue  # only a pointer to a DataSetProfile: that profile has its own row
        months = to_float(profile.get("ceterms:postReceiptMonths"))
        rows.append(
            {
                "ctid": ctid,
                "about_ctid": ctid,
                "owner_ctid": _first_ctid(profile.get("ceterms:source") or node.get("ceterms:ownedBy"), g.by_id),
                "state_code": _jurisdiction_state(profile.get("ceterms:jurisdiction")),
                "median_earnings_usd": earnings,
                "employment_rate": employment,
                "holders_count": holders,
                "time_period": f"{int(months)} months after award" if months is not None else None,
                "envelope_id": g.src.envelope_id,
                SEQ: g.src.seq,
            }
        )
    return rows


def aggregate_data_set_edges(node: dict, ctid: str, table: str, g: Graph) -> list[tuple]:
    """``connections`` rows for ``qdata:relevantDataSet`` references inside ``ceterms:aggregateData``.

    Relation ``aggregateData``, via ``aggregateData/relevantDataSet``: the build reads them (with the
    direct ``relevantDataSet`` edges) to tell which record a DataSetProfile is about.
    """
    rows = []
    for profile in as_list(node.get("ceterms:aggregateData")):
        if not isinstance(profile, dict):
            continue
        for item in as_list(profile.get("qdata:relevantDataSet")):
            target_ctid, target_uri = _ref_target(item, g.by_id)
            if target_ctid or target_uri:
                rows.append(
                    (ctid, table, "aggregateData", target_ctid, target_uri, "aggregateData/relevantDataSet", g.src.seq)
                )
    return rows


def other_resource_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``other_resources`` (Task, Job, Occupation, Collection, actions, concepts, ...)."""
    return {
        "ctid": ctid,
        "resource_type": _class_name(curie),
        "resource_family": schema.family_of(curie),
        "name": _text(node, "ceterms:name", "ceasn:name", "skos:prefLabel", "ceasn:competencyText"),
        "owner_ctid": _first_ctid(node.get("ceterms:ownedBy"), g.by_id)
        or _first_ctid(node.get("ceterms:assertedBy"), g.by_id)
        or _first_ctid(node.get("ceterms:actingAgent"), g.by_id)
        or _first_ctid(node.get("ceasn:publisher"), g.by_id),
        "envelope_id": g.src.envelope_id,
        "envelope_updated_at": g.src.updated_at,
        SEQ: g.src.seq,
    }


ROW_BUILDERS: dict[str, Callable[[dict, str, str, Graph], Row]] = {
    "credentials": credential_row,
    "organizations": organization_row,
    "learning_opportunities": learning_opportunity_row,
    "assessments": assessment_row,
    "competency_frameworks": competency_framework_row,
    "competencies": competency_row,
    "pathways": pathway_row,
    "pathway_components": pathway_component_row,
    "transfer_values": transfer_value_row,
    "outcomes": outcome_row,
    "other_resources": other_resource_row,
}


# --- link tables -----------------------------------------------------------------------------

_ALIGNMENT_PROPS: dict[str, str] = {
    "ceterms:occupationType": "SOC",
    "ceterms:occupationCategory": "SOC",
    "ceterms:industryType": "NAICS",
    "ceterms:industryCategory": "NAICS",
    "ceterms:instructionalProgramType": "CIP",
    "ceterms:naics": "NAICS",
}


def code_system(framework: str | None, framework_name: str | None, default: str) -> str | None:
    """``SOC``, ``NAICS`` or ``CIP`` from an alignment's framework URL or name; ``None`` if unknown."""
    text = f"{framework or ''} {framework_name or ''}".lower()
    if not text.strip():
        return None
    if any(k in text for k in ("onetonline", "onetcenter", "o*net", "bls.gov/soc", "standard occupational", " soc")):
        return "SOC"
    if text.startswith("soc") or "soc#" in text:
        return "SOC"
    if any(k in text for k in ("naics", "census.gov", "industry classification")):
        return "NAICS"
    if any(k in text for k in ("nces.ed.gov", "cipcode", "instructional program", " cip")) or text.startswith("cip"):
        return "CIP"
    return "other"


def _normalise_code(system: str, raw: str) -> tuple[str | None, str | None]:
    if system == "SOC":
        return normalize_soc(raw)
    if system == "NAICS":
        return normalize_naics(raw), None
    if system == "CIP":
        return normalize_cip(raw), None
    return None, None


_MISSING = object()


def _memo_key(value: object) -> bytes | None:
    """A cache key for a JSON value (its compact JSON); ``None`` when it cannot be serialised."""
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _memoised(cache: dict, key: object, compute: Callable[[], Any]) -> Any:
    if key is None:
        return compute()
    hit = cache.get(key, _MISSING)
    if hit is _MISSING:
        hit = compute()
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[key] = hit
    return hit


_ALIGNMENT_CACHE: dict[tuple[str, bytes], tuple | None] = {}


def _alignment(item: object, default_system: str) -> tuple | None:
    """``(code_system, code, onet_soc_code, raw_code, target_name, framework_name)`` of one item."""
    if isinstance(item, dict):
        coded = lang_text(item.get("ceterms:codedNotation"))
        target = _target_uri(item.get("ceterms:targetNode"))
        framework = lang_text(item.get("ceterms:framework"))
        framework_name = lang_text(item.get("ceterms:frameworkName"))
        target_name = lang_text(item.get("ceterms:targetNodeName"))
    else:
        coded = lang_text(item)
        target = framework = framework_name = target_name = None
    if not (coded or target or target_name or framework):
        return None
    system = _code_system_cached(framework or target, framework_name)
    code = onet = None
    raw = coded
    if system is None:  # nothing says which system: trust the property when the code parses
        system = default_system if coded and _normalise_code(default_system, coded)[0] else "other"
    if system != "other":
        for candidate in (coded, target, framework):
            if candidate:
                code, onet = _normalise_code(system, candidate)
                if code:
                    raw = raw or candidate
                    break
    if raw is None and system != "other":
        raw = target
    return (system, code, onet, raw, target_name, framework_name)


def alignment_rows(node: dict, ctid: str, table: str, seq: int = 0) -> list[tuple]:
    """``alignments`` rows (tuples in column order): SOC, NAICS and CIP codes of a node.

    The code comes from ``codedNotation``; when that is missing it is parsed from the
    ``targetNode`` URL (O*NET summary pages, census.gov ``?code=``, NCES ``cipcode``) or, failing
    that, from the ``framework`` URL. Results are cached per distinct alignment object (the same
    occupation or program is published by many records).
    """
    rows: list[tuple] = []
    for prop, default_system in _ALIGNMENT_PROPS.items():
        value = node.get(prop)
        if value is None:
            continue
        relation = prop[8:]  # all are ceterms: properties
        for item in value if type(value) is list else (value,):
            key = _memo_key(item)
            result = _memoised(
                _ALIGNMENT_CACHE,
                (default_system, key) if key is not None else None,
                lambda item=item, default_system=default_system: _alignment(item, default_system),
            )
            if result is not None:
                rows.append((ctid, table, relation, *result, seq))
    return rows


_SYSTEM_CACHE: dict[tuple[str | None, str | None], str | None] = {}


def _code_system_cached(framework: str | None, framework_name: str | None) -> str | None:
    key = (framework, framework_name)
    hit = _SYSTEM_CACHE.get(key, "")
    if hit == "":
        hit = code_system(framework, framework_name, "")
        if len(_SYSTEM_CACHE) >= _CACHE_MAX:
            _SYSTEM_CACHE.clear()
        _SYSTEM_CACHE[key] = hit
    return hit


_PLACE_CACHE: dict[bytes, tuple] = {}


def _place(place: dict) -> tuple:
    region = lang_text(place.get("ceterms:addressRegion"))
    return (
        normalize_state(region) if region else None,
        region,
        lang_text(place.get("ceterms:addressLocality")),
        lang_text(place.get("ceterms:postalCode")),
        lang_text(place.get("ceterms:addressCountry")),
        to_float(place.get("ceterms:latitude")),
        to_float(place.get("ceterms:longitude")),
    )


def _place_row(place: dict, ctid: str, table: str, role: str, seq: int) -> tuple:
    fields = _memoised(_PLACE_CACHE, _memo_key(place), lambda: _place(place))
    return (ctid, table, role, *fields, seq)


def location_rows(node: dict, ctid: str, table: str, graph: dict[str, dict], seq: int = 0) -> list[tuple]:
    """``locations`` rows (tuples): ``address``, ``availableAt`` (list or single object), ``jurisdiction``."""
    rows: list[tuple] = []
    for prop, role in (("ceterms:address", "address"), ("ceterms:availableAt", "availableAt")):
        value = node.get(prop)
        if value is None:
            continue
        for place in value if type(value) is list else (value,):
            if isinstance(place, str) and place.startswith("_:"):
                place = graph.get(place)
            if isinstance(place, dict):
                rows.append(_place_row(place, ctid, table, role, seq))
    jurisdiction = node.get("ceterms:jurisdiction")
    if jurisdiction is not None:
        for profile in as_list(jurisdiction):
            if isinstance(profile, dict):
                for place in as_list(profile.get("ceterms:mainJurisdiction")):
                    if isinstance(place, dict):
                        rows.append(_place_row(place, ctid, table, "jurisdiction", seq))
    return rows


_CONDITION_KEYS = frozenset((*_TARGET_PROPS, "ceterms:alternativeCondition"))


def _is_condition(value: dict) -> bool:
    return not _CONDITION_KEYS.isdisjoint(value)


_PROP_INFO: dict[str, tuple[str, bool]] = {}


def _prop_info(prop: str) -> tuple[str, bool]:
    """``(local name, is a reference property)`` of a property, cached."""
    info = _PROP_INFO.get(prop)
    if info is None:
        info = (local_name(prop) or prop, schema.is_reference_property(prop))
        _PROP_INFO[prop] = info
    return info


def _dict_value_count(value: dict) -> int:
    if not value:
        return 0
    if "@value" in value or "@id" in value or "@type" in value:
        return 1
    first_key = next(iter(value))
    if ":" in first_key or "@" in first_key:
        return 1
    count = 0  # a language map: count its strings
    for item in value.values():
        if type(item) is list:
            count += len(item)
        elif item is not None and item != "":
            count += 1
    return count


_PROP_CODES: dict[str, tuple[str | None, bool | None]] = {}
_SKIP_PROP: tuple[None, None] = (None, None)


def _prop_code(prop: str) -> tuple[str | None, bool | None]:
    """``(relation, is_reference)`` of a property, cached.

    ``(None, None)`` for ``@`` keys; ``is_reference`` is ``None`` for ``ceterms:ctid`` (counted as
    a property, never an edge).
    """
    if not prop or prop[0] == "@":
        code: tuple[str | None, bool | None] = _SKIP_PROP
    elif prop == "ceterms:ctid":
        code = (prop, None)
    else:
        code = _prop_info(prop)
    _PROP_CODES[prop] = code
    return code


_REF_EDGE_CACHE: dict[str, tuple[str | None, str | None]] = {}


def _ref_string_target(item: str, graph: dict[str, dict]) -> tuple[str | None, str | None]:
    """Target of a string value of a reference property, ``_NO_TARGET`` when it is not one.

    Cached per string, except blank-node ids (their target depends on the graph).
    """
    if not (item[:4].lower() == "http" or item[:2] == "_:" or "ce-" in item or "CE-" in item):
        hit = _NO_TARGET
    elif item[:2] == "_:" or item[:1].isspace() and item.strip()[:2] == "_:":
        return _ref_target(item, graph)
    else:
        hit = _ref_target(item, graph)
    if len(_REF_EDGE_CACHE) >= _CACHE_MAX:
        _REF_EDGE_CACHE.clear()
    _REF_EDGE_CACHE[item] = hit
    return hit


def links_and_properties(
    node: dict, ctid: str, table: str, resource_type: str, g: Graph, out: TableRows, *, properties: bool = True
) -> None:
    """``connections`` and ``resource_properties`` rows of a node, in one pass over its properties.

    Connections: every reference of the node, direct or through a ConditionProfile. Direct: any
    property whose range is a resource class (from the schema) or whose value holds a CTID
    (``ownedBy``, ``offeredBy``, ``accreditedBy``, ``hasPart``, ``hasChild``, ``precedes``,
    ``teaches``, ...). Through profiles: ``requires``/``isPreparationFor``/... ->
    ``targetCredential``/``targetAssessment``/``targetLearningOpportunity``/``targetCompetency``,
    with ``relation`` the outer property and ``via`` the path. Resource properties: which
    properties the node publishes and how many values each has.
    """
    edges = out.tables["connections"]
    add_edge = edges.append
    names: list[str] = []
    counts: list[int] = []
    add_name, add_count = names.append, counts.append
    seq = g.src.seq
    graph = g.by_id
    codes = _PROP_CODES
    ref_cache = _REF_EDGE_CACHE
    for prop, value in node.items():
        code = codes.get(prop)
        relation, is_ref = code if code is not None else _prop_code(prop)
        if relation is None:
            continue
        kind = type(value)
        if properties:
            if kind is list:
                count = len(value)
            elif kind is str:
                count = 1 if value else 0
            elif kind is dict:
                count = _dict_value_count(value)
            else:
                count = 0 if value is None else 1
            if count:
                add_name(prop)
                add_count(count)
        if is_ref is None:  # ceterms:ctid
            continue
        if not is_ref:  # literals: only a string holding a CTID is a (rare) reference
            if kind is str:
                if "ce-" in value or "CE-" in value:
                    _edge_from_string(value, False, ctid, table, relation, graph, edges, seq)
            elif kind is list:
                for item in value:
                    if type(item) is str and ("ce-" in item or "CE-" in item):
                        _edge_from_string(item, False, ctid, table, relation, graph, edges, seq)
            continue
        if kind is str:
            hit = ref_cache.get(value)
            if hit is None:
                hit = _ref_string_target(value, graph)
            if hit[0] or hit[1]:
                add_edge((ctid, table, relation, hit[0], hit[1], "direct", seq))
        elif kind is list:
            for item in value:
                item_kind = type(item)
                if item_kind is str:
                    hit = ref_cache.get(item)
                    if hit is None:
                        hit = _ref_string_target(item, graph)
                    if hit[0] or hit[1]:
                        add_edge((ctid, table, relation, hit[0], hit[1], "direct", seq))
                elif item_kind is dict:
                    _edge_from_object(item, ctid, table, relation, g, edges)
                elif item is not None:
                    _bad_reference(item, ctid, prop, out)
        elif kind is dict:
            _edge_from_object(value, ctid, table, relation, g, edges)
        elif value is not None:
            _bad_reference(value, ctid, prop, out)
    if names:  # one compact row per node; the build explodes it to one row per property
        out.tables["resource_properties"].append((ctid, table, resource_type, names, counts, seq))


def _edge_from_string(
    item: str, is_ref: bool, ctid: str, table: str, relation: str, graph: dict[str, dict], edges: list, seq: int
) -> None:
    if is_ref:
        if not (item[:4].lower() == "http" or item[:2] == "_:" or "ce-" in item or "CE-" in item):
            return
    elif not ("ce-" in item or "CE-" in item) or not _CTID_SEARCH.search(item):
        return
    target_ctid, target_uri = _ref_target(item, graph)
    if target_ctid or target_uri:
        edges.append((ctid, table, relation, target_ctid, target_uri, "direct", seq))


def _edge_from_object(item: dict, ctid: str, table: str, relation: str, g: Graph, edges: list) -> None:
    seq = g.src.seq
    if _is_condition(item):
        _condition_edges(item, ctid, table, relation, relation, g, edges, 0)
    elif "ceterms:targetNode" in item:  # CredentialAlignmentObject: string, {"@id"} or a list
        for target in _target_items(item["ceterms:targetNode"]):
            uri = _target_uri(target)
            if uri and _CTID_SEARCH.search(uri):
                target_ctid, _ = _ref_target(uri, g.by_id)
                edges.append((ctid, table, relation, target_ctid, None, "direct", seq))
    elif "@id" in item or "ceterms:ctid" in item:
        target_ctid, target_uri = _ref_target(item, g.by_id)
        if target_ctid or target_uri:
            edges.append((ctid, table, relation, target_ctid, target_uri, "direct", seq))


def _bad_reference(item: object, ctid: str, prop: str, out: TableRows) -> None:
    if prop not in schema.known_properties():
        return
    out.problems.append(
        Problem(
            f'expected a reference (a URI string or {{"@id": ...}}) but found '
            f"{type(item).__name__} {str(item)[:60]!r}; the value was ignored",
            ctid=ctid,
            prop=prop,
            raw=item,
        )
    )


_MAX_CONDITION_DEPTH = 6


def _condition_edges(
    profile: dict, ctid: str, table: str, relation: str, path: str, g: Graph, rows: list, depth: int
) -> None:
    if depth > _MAX_CONDITION_DEPTH:
        return
    seq = g.src.seq
    for prop in _TARGET_PROPS:
        value = profile.get(prop)
        if value is None:
            continue
        via = f"{path}/{prop[8:]}"
        for item in value if type(value) is list else (value,):
            if isinstance(item, dict) and "ceterms:targetNode" in item:  # CredentialAlignmentObject
                targets = _target_items(item["ceterms:targetNode"])
            else:
                targets = (item,)
            for target in targets:
                target_ctid, target_uri = _ref_target(target, g.by_id)
                if target_ctid or target_uri:
                    rows.append((ctid, table, relation, target_ctid, target_uri, via, seq))
    for alternative in as_list(profile.get("ceterms:alternativeCondition")):
        if isinstance(alternative, dict):
            _condition_edges(alternative, ctid, table, relation, f"{path}/alternativeCondition", g, rows, depth + 1)


TUPLE_TABLES: dict[str, tuple[str, ...]] = {
    "alignments": (
        "subject_ctid",
        "subject_table",
        "property",
        "code_system",
        "code",
        "onet_soc_code",
        "raw_code",
        "target_name",
        "framework_name",
    ),
    "locations": (
        "subject_ctid",
        "subject_table",
        "role",
        "state_code",
        "raw_region",
        "locality",
        "postal_code",
        "country",
        "latitude",
        "longitude",
    ),
    "connections": ("subject_ctid", "subject_table", "relation", "target_ctid", "target_uri", "via"),
    "resource_properties": ("ctid", "resource_table", "resource_type", "property", "value_count"),
}
"""Link tables whose rows are tuples: the column order the tuples use (``_seq`` follows).

``resource_properties`` rows are compact: one tuple per node whose ``property`` and
``value_count`` are lists (exploded to one row per property when the table is merged)."""
_ROW_NAMES: dict[str, tuple[str, ...]] = {t: (*column_names(t), SEQ) for t in CORE_TABLES}
_ROW_GETTERS: dict[str, Callable[[Row], tuple]] = {t: itemgetter(*names) for t, names in _ROW_NAMES.items()}


def row_tuple(table: str, row: Row) -> tuple:
    """A row dict as a tuple in ``table``'s column order, ``_seq`` last (missing columns -> ``None``)."""
    try:
        return _ROW_GETTERS[table](row)
    except KeyError:
        return tuple(row.get(name) for name in _ROW_NAMES[table])


for _table, _names in TUPLE_TABLES.items():  # fail at import, not at write time, if fields.py changes
    if tuple(column_names(_table)) != _names:
        raise RuntimeError(f"flatten.py tuple layout of {_table} no longer matches fields.py: update TUPLE_TABLES")


# --- the graph ---------------------------------------------------------------------------------


_TYPE_CACHE: dict[str, str | None] = {}
_TABLE_CACHE: dict[str, str] = {}


def node_class(node: dict) -> tuple[str | None, str | None]:
    """``(class CURIE, type as published)`` of a node: the first known class among its ``@type``s."""
    types = node.get("@type")
    published = None
    for item in types if type(types) is list else (types,):
        if type(item) is str:
            published = published or item
            curie = _TYPE_CACHE.get(item, "")
            if curie == "":
                curie = schema.class_curie(item)
                _TYPE_CACHE[item] = curie
            if curie:
                return curie, item
    return None, published


def _class_table(curie: str) -> str:
    table = _TABLE_CACHE.get(curie)
    if table is None:
        table = schema.table_for_class(curie) or schema.OTHER_TABLE
        _TABLE_CACHE[curie] = table
    return table


def flatten_graph(nodes: list, src: Source, out: TableRows) -> tuple[str | None, str | None]:
    """Flatten the nodes of one graph into ``out``; return ``(CTID, class CURIE)`` of its main resource.

    The main resource is the envelope's CTID when known, else the first resource with a CTID.

    Every node with a CTID becomes a row of the table its class belongs to (see
    ``schema.table_for_class``), plus its alignments, locations, connections and published
    properties. Blank-node organizations become ``organizations`` rows with ``is_blank_node``.
    Problems are added to ``out.problems``.
    """
    by_id: dict[str, dict] = {}
    typed: list[tuple[dict, str | None, str | None, str | None]] = []
    g = Graph(by_id=by_id, src=src)
    frameworks: list[str | None] = []
    pathways: list[dict] = []
    table_cache = _TABLE_CACHE
    for index, node in enumerate(nodes):
        if type(node) is not dict and not isinstance(node, dict):
            out.problems.append(
                Problem(
                    f"graph member {index} is a {type(node).__name__}, not a JSON object; it was skipped",
                    raw=node,
                    fatal=True,
                )
            )
            continue
        node_id = node.get("@id")
        if type(node_id) is str:
            by_id[node_id] = node
        curie, published = node_class(node)
        table = None
        if curie:
            table = table_cache.get(curie)
            if table is None:
                table = _class_table(curie)
            if table == "competencies":
                g.competency_count += 1
            elif table == "pathway_components":
                g.component_count += 1
            elif table == "competency_frameworks":
                frameworks.append(normalize_ctid(node.get("ceterms:ctid")))
            elif table == "pathways":
                pathways.append(node)
        typed.append((node, curie, published, table))
    if frameworks:
        g.framework_ctid = frameworks[0] if len(frameworks) == 1 else None
    if pathways:  # destinations are read once every node of the graph is known
        g.pathway_ctid = normalize_ctid(pathways[0].get("ceterms:ctid")) if len(pathways) == 1 else None
        destinations: set[str] = set()
        for node in pathways:
            destinations.update(_ctids(node.get("ceterms:hasDestinationComponent"), by_id))
        g.destinations = frozenset(destinations)

    main_ctid, main_type = src.ctid, None
    first_ctid = first_type = None
    for node, curie, published, table in typed:
        raw_ctid = node.get("ceterms:ctid")
        if raw_ctid is None:
            node_id = node.get("@id")
            if not isinstance(node_id, str) or node_id.startswith("_:"):  # a blank node
                if table == "organizations":
                    out.add("organizations", organization_row(node, None, curie, g, blank=True))
                continue  # other blank nodes are read through the references that point at them
            ctid = normalize_ctid(node_id)
            if ctid is None:
                out.problems.append(
                    Problem(
                        f"resource {str(node_id)[:200]!r} has no ceterms:ctid and its @id holds no CTID; "
                        "it was skipped",
                        prop="ceterms:ctid",
                        raw=node,
                        fatal=True,
                    )
                )
                continue
        else:
            ctid = raw_ctid.strip().lower() if type(raw_ctid) is str else None
            if ctid is None or len(ctid) != 39 or not _CTID_FULL.match(ctid):
                found = normalize_ctid(raw_ctid) if isinstance(raw_ctid, str) else None
                if found and _CTID_LIKE.match(raw_ctid) and len(raw_ctid.strip()) == len(found):
                    ctid = found
                else:
                    out.problems.append(
                        Problem(
                            f"malformed CTID {str(raw_ctid)[:120]!r} (expected 'ce-' followed by a UUID); "
                            "the resource was skipped",
                            ctid=str(raw_ctid)[:200],
                            prop="ceterms:ctid",
                            raw=node,
                            fatal=True,
                        )
                    )
                    continue
        if curie is None:
            what = f"unknown class {published!r}" if published else "no @type"
            out.problems.append(
                Problem(
                    f"resource has {what} (not a class of the CTDL schema); it was skipped",
                    ctid=ctid,
                    prop="@type",
                    raw=node,
                    fatal=True,
                )
            )
            continue
        if first_ctid is None:
            first_ctid, first_type = ctid, curie
        if ctid == main_ctid:
            main_type = curie
        flatten_node(node, ctid, curie, g, out, table)
    if main_ctid:
        return main_ctid, main_type
    return first_ctid, first_type


def flatten_node(node: dict, ctid: str, curie: str, g: Graph, out: TableRows, table: str | None = None) -> None:
    """Rows for one CTID-bearing node (its own table plus the link tables)."""
    if table is None:
        table = _class_table(curie)
    tables = out.tables
    tables[table].append(row_tuple(table, ROW_BUILDERS[table](node, ctid, curie, g)))
    if table == "competencies":
        return
    seq = g.src.seq
    tables["alignments"].extend(alignment_rows(node, ctid, table, seq))
    tables["locations"].extend(location_rows(node, ctid, table, g.by_id, seq))
    if table in ("credentials", "learning_opportunities", "assessments") and "ceterms:aggregateData" in node:
        tables["outcomes"].extend([row_tuple("outcomes", row) for row in embedded_outcome_rows(node, ctid, g)])
        tables["connections"].extend(aggregate_data_set_edges(node, ctid, table, g))
    links_and_properties(node, ctid, table, curie.split(":", 1)[-1], g, out)
