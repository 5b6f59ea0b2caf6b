"""CTDL class hierarchy and property list, derived from the shipped CTDL schema files.

Which core table a resource goes to is decided here from ``rdfs:subClassOf`` in the schema
(``ler_analytics/assets/ctdl/*.json``, see ``SOURCES.md`` there), never from a hand-typed list of
classes: every subclass of ``ceterms:Credential`` lands in ``credentials``, every subclass of
``ceterms:Organization`` in ``organizations``, and so on. Only the table-level roots are named
here (:data:`TABLE_ROOTS`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Table-level roots: a class goes to the table of its nearest ancestor listed here.
TABLE_ROOTS: dict[str, str] = {
    "ceterms:Credential": "credentials",
    "ceterms:Organization": "organizations",
    "ceterms:LearningOpportunityProfile": "learning_opportunities",
    "ceterms:AssessmentProfile": "assessments",
    "ceasn:CompetencyFramework": "competency_frameworks",
    "ceasn:Competency": "competencies",
    "ceterms:Pathway": "pathways",
    "ceterms:PathwayComponent": "pathway_components",
    "ceterms:TransferValueProfile": "transfer_values",
    "qdata:DataSetProfile": "outcomes",
}
OTHER_TABLE = "other_resources"

# Namespaces of the CTDL family, in the order a bare local name is tried ("Course" -> ceterms:Course).
NAMESPACES: dict[str, str] = {
    "ceterms": "https://purl.org/ctdl/terms/",
    "ceasn": "https://purl.org/ctdlasn/terms/",
    "qdata": "https://credreg.net/qdata/terms/",
    "asn": "http://purl.org/ASN/schema/core/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
}
# Classes from outside CTDL that the schema names as super classes; not CTDL families.
_EXTERNAL_PREFIXES = ("schema:", "dct:", "asn:EducationalFramework")
_LITERAL_RANGES = ("xsd:", "rdf:langString", "rdfs:Literal", "schema:URL", "schema:Text")
# Ranges whose string values are concept CURIEs ("audLevel:BeginnerLevel"), not resource references.
_CONCEPT_RANGES = ("ceterms:CredentialAlignmentObject", "skos:Concept", "ceasn:ProficiencyScale")

_SCHEMA_FILES = ("schema.json", "ctdlasn-schema.json", "qdata-schema.json")


@dataclass(frozen=True)
class Vocabulary:
    """Classes (with their direct super classes) and properties (with their ranges) of CTDL."""

    parents: dict[str, tuple[str, ...]]
    ranges: dict[str, tuple[str, ...]]
    by_local_name: dict[str, str]
    ctid_classes: frozenset[str]  # classes whose instances carry a ceterms:ctid (resources)


def _as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[union-attr]


@cache
def vocabulary() -> Vocabulary:
    """Parse the shipped schema files once (cached)."""
    import orjson

    parents: dict[str, tuple[str, ...]] = {}
    ranges: dict[str, tuple[str, ...]] = {}
    ctid_classes: set[str] = set()
    base = resources.files("ler_analytics").joinpath("assets", "ctdl")
    for name in _SCHEMA_FILES:
        doc = orjson.loads(base.joinpath(name).read_bytes())
        for node in doc.get("@graph", []):
            term = node.get("@id")
            kind = node.get("@type")
            if not isinstance(term, str):
                continue
            if kind == "rdfs:Class":
                merged = parents.get(term, ()) + _as_tuple(node.get("rdfs:subClassOf"))
                parents[term] = tuple(dict.fromkeys(merged))
            elif kind in ("rdf:Property", "rdfs:Property"):
                merged = ranges.get(term, ()) + _as_tuple(node.get("schema:rangeIncludes"))
                ranges[term] = tuple(dict.fromkeys(merged))
                if term == "ceterms:ctid":
                    ctid_classes.update(_as_tuple(node.get("schema:domainIncludes")))
    by_local: dict[str, str] = {}
    for prefix in NAMESPACES:  # ceterms first: its local names win on a clash
        for term in parents:
            if term.startswith(prefix + ":"):
                by_local.setdefault(term.split(":", 1)[1].lower(), term)
    return Vocabulary(parents=parents, ranges=ranges, by_local_name=by_local, ctid_classes=frozenset(ctid_classes))


@cache
def class_curie(type_name: str) -> str | None:
    """Normalise a published ``@type`` to a known class CURIE, else ``None``.

    Accepts CURIEs (``ceterms:Course``), full IRIs (``https://purl.org/ctdl/terms/Course``) and
    bare local names (``Course``, any case), which older records and examples use.

    Examples:
        >>> class_curie("https://purl.org/ctdl/terms/BachelorDegree")
        'ceterms:BachelorDegree'
        >>> class_curie("CourseComponent")
        'ceterms:CourseComponent'
    """
    if not isinstance(type_name, str) or not type_name:
        return None
    vocab = vocabulary()
    text = type_name.strip()
    if text in vocab.parents:
        return text
    for prefix, iri in NAMESPACES.items():
        if text.startswith(iri) or text.startswith(iri.replace("https://", "http://")):
            text = f"{prefix}:{text.rsplit('/', 1)[-1].rsplit('#', 1)[-1]}"
            break
        if text.lower().startswith(iri.replace("https://", "http://").lower()):
            text = f"{prefix}:{text.rsplit('/', 1)[-1].rsplit('#', 1)[-1]}"
            break
    if text in vocab.parents:
        return text
    local = text.rsplit(":", 1)[-1] if text.count(":") == 1 and "//" not in text else text
    return vocab.by_local_name.get(local.lower())


def is_known_class(curie: str) -> bool:
    """True when ``curie`` (or a spelling of it that :func:`class_curie` accepts) is a CTDL class."""
    return class_curie(curie) is not None


@cache
def ancestors(curie: str) -> tuple[str, ...]:
    """The class and all its super classes, nearest first (breadth-first over ``rdfs:subClassOf``)."""
    parents = vocabulary().parents
    seen: dict[str, None] = {}
    queue = deque([curie])
    while queue:
        term = queue.popleft()
        if term in seen:
            continue
        seen[term] = None
        queue.extend(parents.get(term, ()))
    return tuple(seen)


@cache
def table_for_class(curie: str) -> str | None:
    """Core table a top-level resource of this class goes to; ``None`` for an unknown class.

    Examples:
        >>> table_for_class("ceterms:BachelorOfScienceDegree")
        'credentials'
        >>> table_for_class("ceterms:Task")
        'other_resources'
    """
    term = class_curie(curie)
    if term is None:
        return None
    for ancestor in ancestors(term):
        table = TABLE_ROOTS.get(ancestor)
        if table:
            return table
    return OTHER_TABLE


@cache
def credential_classes() -> frozenset[str]:
    """Every class whose ancestors include ``ceterms:Credential`` (the class itself included)."""
    return frozenset(c for c in vocabulary().parents if "ceterms:Credential" in ancestors(c))


def classes_for_table(table: str) -> frozenset[str]:
    """Every known class whose resources go to ``table``."""
    return frozenset(c for c in vocabulary().parents if table_for_class(c) == table)


def _local(curie: str) -> str:
    return curie.split(":", 1)[-1]


@cache
def family_of(curie: str) -> str | None:
    """Family (local name) a class rolls up to.

    For credentials: the direct subclass of ``Credential`` on the way up (``BachelorOfArtsDegree``
    -> ``Degree``; ``Credential`` itself -> ``Credential``). For other classes: the top-most CTDL
    ancestor (``AccreditAction`` -> ``CredentialingAction``, ``Task`` -> ``Task``). ``None`` for an
    unknown class.
    """
    term = class_curie(curie)
    if term is None:
        return None
    parents = vocabulary().parents
    chain = [term]
    while True:  # follow the first CTDL parent (schema:/dct: super classes are not families)
        nxt = next(
            (p for p in parents.get(chain[-1], ()) if not p.startswith(_EXTERNAL_PREFIXES) and p not in chain),
            None,
        )
        if nxt is None:
            break
        chain.append(nxt)
    if "ceterms:Credential" in chain:
        index = chain.index("ceterms:Credential")
        return _local(chain[index - 1] if index > 0 else chain[index])
    return _local(chain[-1])


@cache
def known_properties() -> frozenset[str]:
    """Every property CURIE defined by the shipped schemas."""
    return frozenset(vocabulary().ranges)


@cache
def is_resource_class(curie: str) -> bool:
    """True when instances of the class carry a CTID (the class or a super class has ``ceterms:ctid``)."""
    ctid_classes = vocabulary().ctid_classes
    return any(term in ctid_classes for term in ancestors(curie))


@cache
def is_reference_property(curie: str) -> bool:
    """True when a property's values point at other resources (or hold condition profiles).

    Decided from the property's ``schema:rangeIncludes``: a range that is a CTID-bearing class
    (``ceterms:ownedBy`` -> organizations) or ``ceterms:ConditionProfile`` (whose targets are
    references) makes it one; literals (``ceterms:subjectWebpage``: ``xsd:anyURI``), concepts
    (``ceterms:audienceLevelType``) and structured values (``ceterms:availableAt``: ``Place``,
    ``ceterms:estimatedCost``: ``CostProfile``) do not. Unknown properties count as references.
    """
    ranges = vocabulary().ranges.get(curie)
    if ranges is None:
        return True
    parents = vocabulary().parents
    for term in ranges:
        if term.startswith(_LITERAL_RANGES) or term in _CONCEPT_RANGES:
            continue
        if term == "ceterms:ConditionProfile" or term not in parents or is_resource_class(term):
            return True
    return False
