"""Every class and property the twin emits exists in the shipped CTDL schema, on the right class."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from importlib import resources

from ler_analytics.ctdl.schema import ancestors

# Keys of JSON-LD and of plain value objects that are not CTDL properties.
_JSONLD = {"@id", "@type", "@context", "@graph", "@value", "@language"}


@cache
def _schema() -> tuple[set[str], dict[str, set[str]], dict[str, set[str]]]:
    """Classes, class -> properties (meta:domainFor) and property -> classes (schema:domainIncludes)."""
    classes: set[str] = set()
    class_props: dict[str, set[str]] = defaultdict(set)
    prop_domains: dict[str, set[str]] = defaultdict(set)
    base = resources.files("ler_analytics").joinpath("assets", "ctdl")
    for name in ("schema.json", "ctdlasn-schema.json", "qdata-schema.json"):
        for node in json.loads(base.joinpath(name).read_text())["@graph"]:
            term, kind = node.get("@id"), node.get("@type")
            if kind == "rdfs:Class":
                classes.add(term)
                class_props[term].update(node.get("meta:domainFor", []) or [])
            elif kind == "rdf:Property":
                prop_domains.setdefault(term, set()).update(node.get("schema:domainIncludes", []) or [])
    return classes, class_props, prop_domains


def _allowed(cls: str, prop: str) -> bool:
    _classes, class_props, prop_domains = _schema()
    lineage = ancestors(cls) or (cls,)
    return any(prop in class_props.get(c, ()) or c in prop_domains.get(prop, ()) for c in lineage)


def _walk(node: dict, found: set[tuple[str, str]], classes: set[str]) -> None:
    cls = node.get("@type")
    if isinstance(cls, str):
        classes.add(cls)
    for key, value in node.items():
        if key in _JSONLD:
            continue
        if isinstance(cls, str):
            found.add((cls, key))
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and "@type" in item:
                _walk(item, found, classes)


def test_every_class_and_property_exists_in_the_schema(good_envelopes):
    schema_classes, _cp, prop_domains = _schema()
    pairs: set[tuple[str, str]] = set()
    classes: set[str] = set()
    for env in good_envelopes:
        for node in env["decoded_resource"]["@graph"]:
            _walk(node, pairs, classes)
    assert len(classes) > 40  # the twin is varied: credentials, profiles, frameworks, pathways, qdata, ...
    unknown_classes = sorted(c for c in classes if c not in schema_classes)
    assert unknown_classes == []
    unknown_props = sorted({p for _c, p in pairs if p not in prop_domains})
    assert unknown_props == []
    misplaced = sorted((c, p) for c, p in pairs if not _allowed(c, p))
    assert misplaced == []


def test_concept_values_are_schema_concepts(good_envelopes):
    concepts: set[str] = set()
    base = resources.files("ler_analytics").joinpath("assets", "ctdl")
    for name in ("schema.json", "ctdlasn-schema.json", "qdata-schema.json"):
        for node in json.loads(base.joinpath(name).read_text())["@graph"]:
            if node.get("@type") == "skos:Concept":
                concepts.add(node["@id"])
    used: set[str] = set()

    def visit(value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "ceterms:targetNode" and isinstance(v, str) and ":" in v and "//" not in v:
                    used.add(v)
                visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)
        elif (
            isinstance(value, str)
            and value.count(":") == 1
            and "//" not in value
            and value.split(":")[0]
            in (
                "audLevel",
                "deliveryType",
                "costType",
                "credentialStat",
                "lifeCycle",
                "creditUnit",
                "orgType",
                "agentSector",
                "actionStat",
                "assessMethod",
                "collectionCategory",
                "publicationStatus",
            )
        ):
            used.add(value)

    for env in good_envelopes[:3000]:
        visit(env["decoded_resource"]["@graph"])
    assert used
    assert sorted(used - concepts) == []
