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
from typing import Any

import orjson

from ler_analytics.ctdl import schema
from ler_analytics.ctdl.fields import CORE_TABLES
from ler_analytics.ctdl.normalize import (
    as_list,
    concept_name,
    duration_months,
    is_ctid,
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


@dataclass
class Problem:
    """Something in a record that could not be read (becomes a ``quarantine`` row)."""

    reason: str
    ctid: str | None = None
    prop: str | None = None
    raw: Any = None
    fatal: bool = False  # True when the whole node/record was skipped
    envelope_id: str | None = None


@dataclass
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
    """Rows per core table (lists of dicts keyed by column name), plus problems."""

    tables: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in CORE_TABLES})
    problems: list[Problem] = field(default_factory=list)

    def add(self, table: str, row: Row) -> None:
        """Append one row to ``table``."""
        self.tables[table].append(row)

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
        if value is not None:
            text = lang_text(value)
            if text:
                return text
    return None


def _strings(value: object) -> list[str]:
    out = []
    for item in as_list(value):
        text = lang_text(item) if not isinstance(item, str) else item.strip()
        if text:
            out.append(text)
    return out


def _ref_target(value: object, graph: dict[str, dict]) -> tuple[str | None, str | None]:
    """``(target_ctid, target_uri)`` of one reference value (string, ``{"@id"}`` or embedded node)."""
    if isinstance(value, dict):
        ctid = normalize_ctid(value.get("ceterms:ctid"))
        if ctid:
            return ctid, None
        value = value.get("@id")
    if not isinstance(value, str) or not value.strip():
        return None, None
    value = value.strip()
    match = _CTID_SEARCH.search(value)
    if match:
        return match.group(0).lower(), None
    if value.startswith("_:"):
        node = graph.get(value)
        if node is not None:
            ctid = normalize_ctid(node.get("ceterms:ctid"))
            if ctid:
                return ctid, None
    return None, value


def _ctids(value: object, graph: dict[str, dict]) -> list[str]:
    out = []
    for item in as_list(value):
        ctid, _ = _ref_target(item, graph)
        if ctid and ctid not in out:
            out.append(ctid)
    return out


def _first_ctid(value: object, graph: dict[str, dict]) -> str | None:
    for item in as_list(value):
        ctid, _ = _ref_target(item, graph)
        if ctid:
            return ctid
    return None


def _concepts(value: object) -> list[str]:
    out = []
    for item in as_list(value):
        name = concept_name(item)
        if name and name not in out:
            out.append(name)
    return out


def _first_concept(value: object) -> str | None:
    for item in as_list(value):
        name = concept_name(item)
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


def _offered(node: dict) -> Row:
    delivery = _concepts(node.get("ceterms:learningDeliveryType") or node.get("ceterms:deliveryType"))
    cost = node.get("ceterms:estimatedCost")
    cost_min, cost_max = cost_range_usd(cost)
    duration = node.get("ceterms:estimatedDuration")
    return {
        "delivery_types": delivery,
        "is_available_online": bool(as_list(node.get("ceterms:availableOnlineAt"))) or "OnlineOnly" in delivery,
        "audience_levels": _concepts(node.get("ceterms:audienceLevelType")),
        "cost_min_usd": cost_min,
        "cost_max_usd": cost_max,
        "has_cost": bool(as_list(cost)) or bool(as_list(node.get("ceterms:commonCosts"))),
        "duration_months": shortest_duration_months(duration),
        "has_duration": bool(as_list(duration)),
        "life_cycle_status": _first_concept(node.get("ceterms:lifeCycleStatusType")),
        "date_effective": _text(node, "ceterms:dateEffective"),
    }


_QA_PROPS = (
    "ceterms:accreditedBy", "ceterms:approvedBy", "ceterms:recognizedBy", "ceterms:regulatedBy",
    "ceterms:accreditedIn", "ceterms:approvedIn", "ceterms:recognizedIn", "ceterms:regulatedIn",
)
_OUTCOME_PROPS = ("ceterms:aggregateData", "ceterms:earnings", "ceterms:employmentOutcome", "ceterms:holders")
CONDITION_PROPS = (
    "ceterms:requires", "ceterms:recommends", "ceterms:corequisite", "ceterms:coPrerequisite",
    "ceterms:renewal", "ceterms:isPreparationFor", "ceterms:preparationFrom", "ceterms:isRequiredFor",
    "ceterms:isRecommendedFor", "ceterms:advancedStandingFrom", "ceterms:isAdvancedStandingFor",
    "ceterms:entryCondition",
)
_TARGET_PROPS = (
    "ceterms:targetCredential", "ceterms:targetAssessment", "ceterms:targetLearningOpportunity",
    "ceterms:targetCompetency",
)


def _has_competencies(node: dict) -> bool:
    if as_list(node.get("ceterms:teaches")) or as_list(node.get("ceterms:assesses")):
        return True
    for prop in ("ceterms:requires", "ceterms:recommends", "ceterms:corequisite"):
        for profile in as_list(node.get(prop)):
            if isinstance(profile, dict) and as_list(profile.get("ceterms:targetCompetency")):
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


@dataclass
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
    row["credential_type"] = local_name(curie)
    row["credential_family"] = schema.family_of(curie)
    row["status"] = _first_concept(node.get("ceterms:credentialStatusType"))
    row["has_qa"] = any(as_list(node.get(p)) for p in _QA_PROPS)
    row["has_outcome_data"] = any(as_list(node.get(p)) for p in _OUTCOME_PROPS)
    row["has_competencies"] = _has_competencies(node)
    return row


def organization_row(node: dict, ctid: str | None, curie: str, g: Graph, *, blank: bool = False) -> Row:
    """Row of ``organizations`` (``blank=True`` for a blank-node organization without a CTID)."""
    row = _common(node, ctid, g.src)  # type: ignore[arg-type]
    row["organization_type"] = local_name(curie)
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
    row["learning_opportunity_type"] = local_name(curie)
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
    row.update(_owned(node, g.by_id))
    row["destination_ctids"] = _ctids(node.get("ceterms:hasDestinationComponent"), g.by_id)
    parts = _ctids(node.get("ceterms:hasPart"), g.by_id)
    row["component_count"] = max(len(parts), g.component_count)
    return row


def pathway_component_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``pathway_components``."""
    level = None
    for value in as_list(node.get("ceterms:hasProgressionLevel")):
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
        "component_type": local_name(curie),
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
    about = _first_ctid(node.get("qdata:about") or node.get("schema:about"), g.by_id) or _first_ctid(
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


def other_resource_row(node: dict, ctid: str, curie: str, g: Graph) -> Row:
    """Row of ``other_resources`` (Task, Job, Occupation, Collection, actions, concepts, ...)."""
    return {
        "ctid": ctid,
        "resource_type": local_name(curie),
        "resource_family": schema.family_of(curie),
        "name": _text(node, "ceterms:name", "ceasn:name", "skos:prefLabel", "ceasn:competencyText"),
        "owner_ctid": _first_ctid(node.get("ceterms:ownedBy"), g.by_id)
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


def alignment_rows(node: dict, ctid: str, table: str) -> list[Row]:
    """``alignments`` rows: occupation (SOC), industry (NAICS) and program (CIP) codes of a node.

    The code comes from ``codedNotation``; when that is missing it is parsed from the
    ``targetNode`` URL (O*NET summary pages, census.gov ``?code=``, NCES ``cipcode``) or, failing
    that, from the ``framework`` URL.
    """
    rows = []
    for prop, default_system in _ALIGNMENT_PROPS.items():
        value = node.get(prop)
        if value is None:
            continue
        for item in as_list(value):
            if isinstance(item, dict):
                coded = lang_text(item.get("ceterms:codedNotation"))
                target = item.get("ceterms:targetNode")
                target = target.get("@id") if isinstance(target, dict) else target
                target = target if isinstance(target, str) else None
                framework = lang_text(item.get("ceterms:framework"))
                framework_name = lang_text(item.get("ceterms:frameworkName"))
                target_name = lang_text(item.get("ceterms:targetNodeName"))
            else:
                coded = lang_text(item)
                target = framework = framework_name = target_name = None
            if not (coded or target or target_name or framework):
                continue
            system = code_system(framework or target, framework_name, default_system)
            code = onet = None
            raw = coded
            candidates = [c for c in (coded, target, framework) if c]
            if system is None:  # nothing says which system: trust the property when the code parses
                if coded and _normalise_code(default_system, coded)[0]:
                    system = default_system
                else:
                    system = "other"
            if system != "other":
                for candidate in candidates:
                    code, onet = _normalise_code(system, candidate)
                    if code:
                        raw = raw or candidate
                        break
            rows.append(
                {
                    "subject_ctid": ctid,
                    "subject_table": table,
                    "property": local_name(prop),
                    "code_system": system,
                    "code": code,
                    "onet_soc_code": onet,
                    "raw_code": raw if raw is not None else (target if system != "other" else None),
                    "target_name": target_name,
                    "framework_name": framework_name,
                }
            )
    return rows


def _place_row(place: dict, ctid: str, table: str, role: str) -> Row:
    region = lang_text(place.get("ceterms:addressRegion"))
    return {
        "subject_ctid": ctid,
        "subject_table": table,
        "role": role,
        "state_code": normalize_state(region) if region else None,
        "raw_region": region,
        "locality": lang_text(place.get("ceterms:addressLocality")),
        "postal_code": lang_text(place.get("ceterms:postalCode")),
        "country": lang_text(place.get("ceterms:addressCountry")),
        "latitude": to_float(place.get("ceterms:latitude")),
        "longitude": to_float(place.get("ceterms:longitude")),
    }


def location_rows(node: dict, ctid: str, table: str, graph: dict[str, dict]) -> list[Row]:
    """``locations`` rows: ``address``, ``availableAt`` (list or single object) and ``jurisdiction``."""
    rows = []
    for prop, role in (("ceterms:address", "address"), ("ceterms:availableAt", "availableAt")):
        for place in as_list(node.get(prop)):
            if isinstance(place, str) and place.startswith("_:"):
                place = graph.get(place)
            if isinstance(place, dict):
                rows.append(_place_row(place, ctid, table, role))
    for profile in as_list(node.get("ceterms:jurisdiction")):
        if isinstance(profile, dict):
            for place in as_list(profile.get("ceterms:mainJurisdiction")):
                if isinstance(place, dict):
                    rows.append(_place_row(place, ctid, table, "jurisdiction"))
    return rows


def _is_condition(value: dict) -> bool:
    return any(p in value for p in _TARGET_PROPS) or "ceterms:alternativeCondition" in value


def connection_rows(node: dict, ctid: str, table: str, g: Graph, out: TableRows) -> None:
    """``connections`` rows: every reference of a node, direct or through a ConditionProfile.

    Direct: any property whose range is a resource class (from the schema) or whose value holds a
    CTID (``ownedBy``, ``offeredBy``, ``accreditedBy``, ``hasPart``, ``hasChild``, ``precedes``,
    ``teaches``, ...). Through profiles: ``requires``/``isPreparationFor``/... ->
    ``targetCredential``/``targetAssessment``/``targetLearningOpportunity``/``targetCompetency``,
    with ``relation`` the outer property and ``via`` the path.
    """
    rows = out.tables["connections"]
    for prop, value in node.items():
        if prop[:1] == "@" or prop == "ceterms:ctid":
            continue
        relation = local_name(prop) or prop
        is_ref = schema.is_reference_property(prop)
        for item in value if isinstance(value, list) else (value,):
            if isinstance(item, str):
                if not (_CTID_SEARCH.search(item) or (is_ref and item.startswith(("http", "_:")))):
                    continue
                target_ctid, target_uri = _ref_target(item, g.by_id)
                rows.append(_edge(ctid, table, relation, target_ctid, target_uri, "direct", g.src.seq))
            elif isinstance(item, dict):
                if _is_condition(item):
                    _condition_edges(item, ctid, table, relation, relation, g, rows, 0)
                elif "ceterms:targetNode" in item:
                    target = item["ceterms:targetNode"]
                    if isinstance(target, str) and _CTID_SEARCH.search(target):
                        target_ctid, _ = _ref_target(target, g.by_id)
                        rows.append(_edge(ctid, table, relation, target_ctid, None, "direct", g.src.seq))
                elif is_ref and ("@id" in item or "ceterms:ctid" in item):
                    target_ctid, target_uri = _ref_target(item, g.by_id)
                    if target_ctid or target_uri:
                        rows.append(_edge(ctid, table, relation, target_ctid, target_uri, "direct", g.src.seq))
            elif item is not None and is_ref and prop in schema.known_properties():
                out.problems.append(
                    Problem(
                        f"expected a reference (a URI string or {{\"@id\": ...}}) but found "
                        f"{type(item).__name__} {str(item)[:60]!r}; the value was ignored",
                        ctid=ctid,
                        prop=prop,
                        raw=item,
                    )
                )


_MAX_CONDITION_DEPTH = 6


def _condition_edges(
    profile: dict, ctid: str, table: str, relation: str, path: str, g: Graph, rows: list[Row], depth: int
) -> None:
    if depth > _MAX_CONDITION_DEPTH:
        return
    for prop in _TARGET_PROPS:
        value = profile.get(prop)
        if value is None:
            continue
        via = f"{path}/{local_name(prop)}"
        for item in as_list(value):
            if isinstance(item, dict) and "ceterms:targetNode" in item:  # CredentialAlignmentObject
                item = item["ceterms:targetNode"]
            target_ctid, target_uri = _ref_target(item, g.by_id)
            if target_ctid or target_uri:
                rows.append(_edge(ctid, table, relation, target_ctid, target_uri, via, g.src.seq))
    for alternative in as_list(profile.get("ceterms:alternativeCondition")):
        if isinstance(alternative, dict):
            _condition_edges(alternative, ctid, table, relation, f"{path}/alternativeCondition", g, rows, depth + 1)


def _edge(subject: str, table: str, relation: str, target_ctid: str | None, target_uri: str | None,
          via: str, seq: int) -> Row:
    return {
        "subject_ctid": subject,
        "subject_table": table,
        "relation": relation,
        "target_ctid": target_ctid,
        "target_uri": target_uri,
        "via": via,
        SEQ: seq,
    }


def _value_count(value: object) -> int:
    if value is None or value == "" or value == [] or value == {}:
        return 0
    if isinstance(value, list):
        return sum(1 for v in value if v not in (None, "", [], {}))
    if isinstance(value, dict) and value and not any(k[:1] == "@" or ":" in k for k in value):
        return sum(len(v) if isinstance(v, list) else (1 if v not in (None, "") else 0) for v in value.values())
    return 1


def property_rows(node: dict, ctid: str, table: str, resource_type: str, seq: int) -> list[Row]:
    """``resource_properties`` rows: which properties a node publishes and how many values each."""
    rows = []
    for prop, value in node.items():
        if prop[:1] == "@":
            continue
        count = _value_count(value)
        if count:
            rows.append(
                {
                    "ctid": ctid,
                    "resource_table": table,
                    "resource_type": resource_type,
                    "property": prop,
                    "value_count": count,
                    SEQ: seq,
                }
            )
    return rows


# --- the graph ---------------------------------------------------------------------------------


def node_class(node: dict) -> tuple[str | None, str | None]:
    """``(class CURIE, type as published)`` of a node: the first known class among its ``@type``s."""
    types = node.get("@type")
    published = None
    for item in types if isinstance(types, list) else (types,):
        if isinstance(item, str):
            published = published or item
            curie = schema.class_curie(item)
            if curie:
                return curie, item
    return None, published


_SUBJECT_TABLES_WITHOUT_PROPERTIES = ("competencies",)


def flatten_graph(nodes: list, src: Source, out: TableRows) -> tuple[str | None, str | None]:
    """Flatten the nodes of one graph into ``out``; return ``(CTID, class CURIE)`` of its main resource.

    The main resource is the envelope's CTID when known, else the first resource with a CTID.

    Every node with a CTID becomes a row of the table its class belongs to (see
    ``schema.table_for_class``), plus its alignments, locations, connections and published
    properties. Blank-node organizations become ``organizations`` rows with ``is_blank_node``.
    Problems are added to ``out.problems``.
    """
    by_id: dict[str, dict] = {}
    typed: list[tuple[dict, str | None, str | None]] = []
    for index, node in enumerate(nodes):
        if not isinstance(node, dict):
            out.problems.append(
                Problem(f"graph member {index} is a {type(node).__name__}, not a JSON object; it was skipped",
                        raw=node, fatal=True)
            )
            continue
        node_id = node.get("@id")
        if isinstance(node_id, str):
            by_id[node_id] = node
        curie, published = node_class(node)
        typed.append((node, curie, published))

    g = Graph(by_id=by_id, src=src)
    frameworks, pathways, destinations = [], [], set()
    for node, curie, _ in typed:
        table = schema.table_for_class(curie) if curie else None
        if table == "competencies":
            g.competency_count += 1
        elif table == "pathway_components":
            g.component_count += 1
        elif table == "competency_frameworks":
            frameworks.append(normalize_ctid(node.get("ceterms:ctid")))
        elif table == "pathways":
            pathways.append(normalize_ctid(node.get("ceterms:ctid")))
            destinations.update(_ctids(node.get("ceterms:hasDestinationComponent"), by_id))
    g.framework_ctid = frameworks[0] if len(frameworks) == 1 else None
    g.pathway_ctid = pathways[0] if len(pathways) == 1 else None
    g.destinations = frozenset(destinations)

    main_ctid, main_type = src.ctid, None
    first_ctid = first_type = None
    for node, curie, published in typed:
        raw_ctid = node.get("ceterms:ctid")
        node_id = node.get("@id")
        is_blank = not isinstance(node_id, str) or node_id.startswith("_:")
        if raw_ctid is None:
            if is_blank:
                if curie and schema.table_for_class(curie) == "organizations":
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
            ctid = raw_ctid.strip().lower() if isinstance(raw_ctid, str) else None
            if not is_ctid(ctid):
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
                Problem(f"resource has {what} (not a class of the CTDL schema); it was skipped",
                        ctid=ctid, prop="@type", raw=node, fatal=True)
            )
            continue
        if first_ctid is None:
            first_ctid, first_type = ctid, curie
        if ctid == main_ctid:
            main_type = curie
        flatten_node(node, ctid, curie, g, out)
    if main_ctid:
        return main_ctid, main_type
    return first_ctid, first_type


def flatten_node(node: dict, ctid: str, curie: str, g: Graph, out: TableRows) -> None:
    """Rows for one CTID-bearing node (its own table plus the link tables)."""
    table = schema.table_for_class(curie) or schema.OTHER_TABLE
    builder = ROW_BUILDERS[table]
    out.add(table, builder(node, ctid, curie, g))
    if table == "competencies":
        return
    seq = g.src.seq
    for row in alignment_rows(node, ctid, table):
        row[SEQ] = seq
        out.add("alignments", row)
    for row in location_rows(node, ctid, table, g.by_id):
        row[SEQ] = seq
        out.add("locations", row)
    if table in ("credentials", "learning_opportunities", "assessments"):
        out.tables["outcomes"].extend(embedded_outcome_rows(node, ctid, g))
    connection_rows(node, ctid, table, g, out)
    if table not in _SUBJECT_TABLES_WITHOUT_PROPERTIES:
        out.tables["resource_properties"].extend(property_rows(node, ctid, table, local_name(curie) or curie, seq))
