"""Every public compute_* metric is registered with complete, citable metadata."""

from __future__ import annotations

import types

import ler_analytics.metrics as la_metrics
from ler_analytics.metrics.registry import METRICS, metric

REQUIRED = ("title", "unit", "definition", "formula", "source_tables", "value_column", "group")
GROUPS = {"coverage", "transparency", "demand", "quality", "change", "skills", "pathways", "ler"}


def metadata_problems(namespace) -> list[str]:
    """Problems with the metadata of every compute_* function found in ``namespace``."""
    problems = []
    for name in sorted(dir(namespace)):
        if not name.startswith("compute_"):
            continue
        fn = getattr(namespace, name)
        info = METRICS.get(name)
        if info is None or getattr(fn, "metric_info", None) is not info:
            problems.append(f"{name}: not registered with @metric")
            continue
        for field in REQUIRED:
            if not getattr(info, field):
                problems.append(f"{name}: empty {field}")
        if info.group not in GROUPS:
            problems.append(f"{name}: unknown group {info.group!r}")
        if not (fn.__doc__ or "").strip():
            problems.append(f"{name}: no docstring")
    return problems


def test_every_metric_has_metadata():
    assert metadata_problems(la_metrics) == []


def test_catalog_lists_every_metric():
    cat = la_metrics.catalog()
    names = set(cat["name"])
    public = {n for n in dir(la_metrics) if n.startswith("compute_")}
    assert public <= names
    for mine in ("compute_coverage", "compute_state_coverage", "compute_occupation_coverage",
                 "compute_occupation_link_summary", "compute_supply_per_openings", "compute_uncovered_occupations",
                 "compute_record_transparency", "compute_fill_rates", "compute_transparency_index",
                 "compute_provider_todo", "compute_quality_signals", "compute_changes"):
        assert mine in names
    assert {"title", "unit", "definition", "formula", "caveats", "source_tables", "value_column", "group"} <= set(
        cat.columns)
    row = cat.filter(cat["name"] == "compute_supply_per_openings").row(0, named=True)
    assert "ESTIMATE" in row["caveats"]
    assert "reference: state_openings" in row["source_tables"]


def test_checker_catches_missing_metadata():
    fake = types.SimpleNamespace()

    def compute_unregistered(tables):
        """Counts things."""

    fake.compute_unregistered = compute_unregistered
    assert metadata_problems(fake) == ["compute_unregistered: not registered with @metric"]

    @metric(title="Thin", unit="", definition="Something.", formula="x", source_tables=(), value_column="v",
            group="coverage")
    def compute_thin_metric_for_test(tables):
        """Thin."""

    try:
        fake2 = types.SimpleNamespace(compute_thin_metric_for_test=compute_thin_metric_for_test)
        assert metadata_problems(fake2) == ["compute_thin_metric_for_test: empty unit",
                                            "compute_thin_metric_for_test: empty source_tables"]
    finally:
        METRICS.pop("compute_thin_metric_for_test", None)
