"""Metrics: pure functions over the core tables (frames in, frames out), each with metadata.

``catalog()`` lists every registered metric with its metadata as a polars DataFrame.
Submodules register their metrics on import; they are imported here so the catalog is complete.
"""

from __future__ import annotations

import importlib
import pkgutil

import polars as pl

from ler_analytics.metrics.context import MetricsContext, as_context
from ler_analytics.metrics.registry import METRICS, MetricInfo, get_metric_info, metric

_SUBMODULES = [
    m.name
    for m in pkgutil.iter_modules(__path__)
    if m.name not in ("registry", "context") and not m.name.startswith("_")
]
for _name in _SUBMODULES:
    _module = importlib.import_module(f"{__name__}.{_name}")
    for _attr in dir(_module):
        if _attr.startswith("compute_"):
            globals()[_attr] = getattr(_module, _attr)


def catalog() -> pl.DataFrame:
    """Every registered metric with its metadata, one row per metric."""
    rows = [info.as_dict() for info in METRICS.values()]
    for row in rows:
        row.pop("extra", None)
    if not rows:
        return pl.DataFrame(schema={"name": pl.String, "title": pl.String})
    return pl.DataFrame(rows).sort(["group", "name"])


__all__ = ["METRICS", "MetricInfo", "MetricsContext", "as_context", "catalog", "get_metric_info", "metric"]
