"""Network access to the Credential Registry (the only package that opens connections).

* :class:`~ler_analytics.registry.client.Registry`: every public read route plus the Assistant's CTDL search.
* :func:`~ler_analytics.registry.query.ctdl_query`: build CTDL queries from Python values (validated, escaped).
* ``ler_analytics.registry.harvest.harvest``: a resumable snapshot of a Registry.
* ``ler_analytics.registry.sync.sync``: a new snapshot from an old one plus the events feed.
* ``ler_analytics.registry.verify.verify``: re-check a snapshot's hashes, counts and duplicates.

(The three functions are reached through their modules: ``from ler_analytics.registry.harvest import harvest``.)
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Registry": "ler_analytics.registry.client",
    "Page": "ler_analytics.registry.client",
    "RetryPolicy": "ler_analytics.registry.http",
    "ctdl_query": "ler_analytics.registry.query",
    "search_params": "ler_analytics.registry.query",
    "QueryError": "ler_analytics.registry.query",
    "reverse": "ler_analytics.registry.query",
    "match": "ler_analytics.registry.query",
    "RegistryError": "ler_analytics.errors",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ler_analytics.registry' has no attribute {name!r}")
