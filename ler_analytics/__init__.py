"""ler_analytics: Credential Registry (CTDL) data as tables, metrics and dashboards; LER linkage.

Quick start::

    import ler_analytics as la
    snap = la.open_snapshot("data/demo")
    snap.credentials.head()
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public names resolved lazily so ``import ler_analytics`` stays fast and light.
_LAZY: dict[str, tuple[str, str]] = {
    "open_snapshot": ("ler_analytics.snapshot", "open_snapshot"),
    "Snapshot": ("ler_analytics.snapshot", "Snapshot"),
    "build": ("ler_analytics.build", "build"),
    "Registry": ("ler_analytics.registry.client", "Registry"),
    "sparql": ("ler_analytics.graph.sparql", "sparql"),
    "Settings": ("ler_analytics.config", "Settings"),
}
_LAZY_MODULES = ("reference", "metrics", "charts", "demo", "ler", "ctdl", "graph", "registry", "twin")

__all__ = ["__version__", *_LAZY, *_LAZY_MODULES]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module_name, attr = _LAZY[name]
        return getattr(importlib.import_module(module_name), attr)
    if name in _LAZY_MODULES:
        return importlib.import_module(f"ler_analytics.{name}")
    raise AttributeError(f"module 'ler_analytics' has no attribute {name!r}")
