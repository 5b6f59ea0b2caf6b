"""Metric metadata registry: every metric function is declared with the ``@metric`` decorator.

The metadata (title, unit, definition, formula, caveats, source tables) is what dashboards show
under "how this was computed" and what ``la.metrics.catalog()`` lists. A test fails when a public
``compute_*`` function in ``ler_analytics.metrics`` is not registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class MetricInfo:
    """Citable description of one metric.

    Attributes:
        name: function name (``compute_...``).
        title: short human title.
        unit: unit of the main value column (``credentials``, ``share (0-1)``, ``per 1,000 openings`` ...).
        definition: one or two sentences a reader can cite.
        formula: the computation, in words or symbols.
        caveats: known limits of the data or method.
        source_tables: core tables and reference tables used.
        value_column: the main numeric column of the output frame.
        group: area of the product (``coverage``, ``transparency``, ``demand``, ``quality``, ``change``,
            ``skills``, ``pathways``, ``ler``).
    """

    name: str
    title: str
    unit: str
    definition: str
    formula: str
    caveats: str = ""
    source_tables: tuple[str, ...] = ()
    value_column: str = ""
    group: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain-dict form (for JSON, notebooks and dashboards)."""
        out = asdict(self)
        out["source_tables"] = list(self.source_tables)
        return out

    def note(self) -> str:
        """A short "how this was computed" text for a chart caption."""
        parts = [self.definition, f"Formula: {self.formula}."]
        if self.caveats:
            parts.append(f"Caveats: {self.caveats}")
        if self.source_tables:
            parts.append(f"Source: {', '.join(self.source_tables)}.")
        return " ".join(parts)


METRICS: dict[str, MetricInfo] = {}


def metric(
    *,
    title: str,
    unit: str,
    definition: str,
    formula: str,
    caveats: str = "",
    source_tables: tuple[str, ...] | list[str] = (),
    value_column: str = "",
    group: str = "",
) -> Callable[[F], F]:
    """Register a metric function with its metadata (decorator).

    The function keeps working unchanged; ``fn.metric_info`` holds its :class:`MetricInfo`.
    """

    def decorate(fn: F) -> F:
        info = MetricInfo(
            name=fn.__name__,
            title=title,
            unit=unit,
            definition=definition,
            formula=formula,
            caveats=caveats,
            source_tables=tuple(source_tables),
            value_column=value_column,
            group=group,
        )
        METRICS[fn.__name__] = info
        fn.metric_info = info  # type: ignore[attr-defined]
        return fn

    return decorate


def get_metric_info(name_or_fn: str | Callable[..., Any]) -> MetricInfo:
    """Metadata of a registered metric, by name or function."""
    name = name_or_fn if isinstance(name_or_fn, str) else name_or_fn.__name__
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a registered metric; see ler_analytics.metrics.catalog()") from None
