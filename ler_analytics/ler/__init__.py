"""LER linkage: read LERs, find and resolve their CTDL links, explain them, measure link health.

Modules (one job each): :mod:`~ler_analytics.ler.read` (formats), :mod:`~ler_analytics.ler.links`
(link patterns), :mod:`~ler_analytics.ler.resolve` (snapshot or opt-in live Registry),
:mod:`~ler_analytics.ler.explain` ("what this means": JSON, table, HTML card),
:mod:`~ler_analytics.ler.health` (aggregates with small-cell suppression),
:mod:`~ler_analytics.ler.synthetic` (synthetic LERs for the demo and tests).

Quick start::

    import ler_analytics as la
    snap = la.open_snapshot("data/demo")
    doc = la.ler.read_ler("badge.json")
    result = la.ler.explain_document(doc, la.ler.Explainer(snap))
    report = la.ler.link_health("lers/", snap)          # aggregates only, k = 10
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "read_ler": "read",
    "read_many": "read",
    "parse_bytes": "read",
    "parse_document": "read",
    "LerDocument": "read",
    "Achievement": "read",
    "ProofInfo": "read",
    "LerReadError": "read",
    "find_links": "links",
    "Link": "links",
    "PATTERNS": "links",
    "PATTERN_LABELS": "links",
    "links_by_achievement": "links",
    "primary_ctid": "links",
    "SnapshotResolver": "resolve",
    "resolve_links": "resolve",
    "fetch_live_snapshot": "resolve",
    "Explainer": "explain",
    "explain_document": "explain",
    "explanations_table": "explain",
    "to_html": "explain",
    "achievement_card": "explain",
    "link_health": "health",
    "link_health_from_documents": "health",
    "achievement_link_table": "health",
    "LinkHealthReport": "health",
    "synthetic_link_health": "health",
    "generate_lers": "synthetic",
    "write_lers": "synthetic",
    "ensure_synthetic_lers": "synthetic",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'ler_analytics.ler' has no attribute {name!r}")
