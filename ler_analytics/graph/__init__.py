"""The snapshot as an RDF graph: load it into pyoxigraph, query it with SPARQL, push it to a SPARQL server.

* :func:`~ler_analytics.graph.store.load_store` — raw JSON-LD → pyoxigraph store (offline contexts,
  one named graph per envelope).
* :func:`~ler_analytics.graph.sparql.sparql` — run SPARQL (text or a named query) on a store, a
  folder, a snapshot, rdflib or an endpoint; bindings passed safely; typed polars results.
* :mod:`ler_analytics.graph.queries` — the named ``*.rq`` queries (``list_queries()``).
* :func:`~ler_analytics.graph.push.push_snapshot` — SPARQL 1.1 Graph Store protocol push.

See ``docs/graph.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "load_store": "ler_analytics.graph.store",
    "load_into": "ler_analytics.graph.store",
    "open_store": "ler_analytics.graph.store",
    "LoadReport": "ler_analytics.graph.store",
    "sparql": "ler_analytics.graph.sparql",
    "IRI": "ler_analytics.graph.sparql",
    "SparqlError": "ler_analytics.graph.sparql",
    "list_queries": "ler_analytics.graph.queries",
    "get_query": "ler_analytics.graph.queries",
    "push_snapshot": "ler_analytics.graph.push",
    "push_store": "ler_analytics.graph.push",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ler_analytics.graph' has no attribute {name!r}")
