"""Generic chart shapes used by the domain charts: ranked bars, stacked shares, heat maps.

Every function plots exactly the rows it is given (select the top N before calling), so the
data behind a chart is always the frame that was passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ler_analytics.charts.theme import (
    HIGHLIGHT,
    MUTED,
    OKABE_ITO,
    PRIMARY,
    SEQUENTIAL,
    base_layout,
    fmt_int,
    fmt_num,
    fmt_pct,
    make_figure,
    merge,
    plotly_text,
    truncate,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl


def _fmt(value: float | None, *, percent: bool, digits: int) -> str:
    if percent:
        return fmt_pct(value, digits=digits)
    return fmt_int(value) if digits == 0 else fmt_num(value, digits=digits)


def plot_ranked_bars(
    frame: pl.DataFrame,
    label: str,
    value: str,
    *,
    title: str,
    value_label: str,
    percent: bool = False,
    digits: int = 0,
    highlight: str | None = None,
    hover: str | None = None,
    height: int | None = None,
    label_fn: Callable[[object], str] | None = None,
) -> go.Figure:
    """Horizontal bars, largest on top.

    Args:
        frame: rows to plot (all of them are drawn).
        label: the category column (axis labels; data text is escaped).
        value: the numeric column.
        title: the finding, as a sentence.
        value_label: axis title for the value.
        percent: values are 0–1 shares (axis and labels in %).
        digits: decimals in bar labels.
        highlight: a label value to draw in the highlight colour.
        hover: an optional column with extra hover text.
        height: figure height (default grows with the number of bars).
        label_fn: turns a category value into display text (e.g. :func:`~ler_analytics.charts.theme.humanize`).
    """
    import polars as pl

    rows = frame.sort(value, descending=False, nulls_last=False)
    raw = rows[label].to_list()
    shown = [label_fn(v) if label_fn else v for v in raw]
    labels = [plotly_text(truncate(v)) for v in shown]
    full = [plotly_text(v) for v in shown]
    values = rows[value].to_list()
    colors = [HIGHLIGHT if highlight is not None and r == highlight else PRIMARY for r in raw]
    extra = rows[hover].to_list() if hover and hover in rows.columns else [None] * rows.height
    hovertext = [
        f"{f}: {_fmt(v, percent=percent, digits=digits)}" + (f"<br>{plotly_text(e)}" if e is not None else "")
        for f, v, e in zip(full, values, extra, strict=True)
    ]
    trace = {
        "type": "bar",
        "x": values,
        "y": labels,
        "orientation": "h",
        "marker": {"color": colors},
        "text": [_fmt(v, percent=percent, digits=digits) for v in values],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertext": hovertext,
        "hoverinfo": "text",
    }
    top = max([v for v in values if v is not None] or [1.0])
    if percent:
        x_range = [0, max(1.0, top) * 1.15]
    else:
        x_range = [0, top * 1.2 if top else 1]
    layout = merge(
        base_layout(title, height=height or max(260, 90 + 30 * rows.height)),
        {
            "xaxis": {"title": {"text": value_label}, "tickformat": ".0%" if percent else ",", "range": x_range},
            "yaxis": {"type": "category", "categoryorder": "array", "categoryarray": labels},
        },
    )
    if rows.height == 0 or rows.select(pl.col(value).is_null().all()).item():
        layout["annotations"] = [
            {
                "text": "No data for this selection",
                "showarrow": False,
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
            }
        ]
    return make_figure([trace], layout)


def plot_state_comparison(
    frame: pl.DataFrame,
    value: str,
    *,
    title: str,
    value_label: str,
    state: str | None,
    state_col: str = "state_code",
    percent: bool = False,
    digits: int = 0,
) -> go.Figure:
    """Vertical bars, one per state, sorted; the selected state highlighted, the rest muted."""
    rows = frame.sort(value, descending=True, nulls_last=True)
    codes = rows[state_col].to_list()
    values = rows[value].to_list()
    trace = {
        "type": "bar",
        "x": codes,
        "y": values,
        "marker": {"color": [HIGHLIGHT if c == state else MUTED for c in codes]},
        "hovertext": [f"{c}: {_fmt(v, percent=percent, digits=digits)}" for c, v in zip(codes, values, strict=True)],
        "hoverinfo": "text",
    }
    layout = merge(
        base_layout(title, height=360),
        {
            "yaxis": {"title": {"text": value_label}, "tickformat": ".0%" if percent else ","},
            "xaxis": {"type": "category", "tickangle": -60, "tickfont": {"size": 11}},
        },
    )
    return make_figure([trace], layout)


def plot_heatmap(
    frame: pl.DataFrame,
    x: str,
    y: str,
    value: str,
    *,
    title: str,
    value_label: str,
    percent: bool = True,
    height: int | None = None,
) -> go.Figure:
    """Heat map of ``value`` by ``x`` × ``y`` (e.g. fill rate by property and credential type)."""
    xs = list(dict.fromkeys(frame[x].to_list()))
    ys = list(dict.fromkeys(frame[y].to_list()))
    grid: list[list[float | None]] = [[None] * len(xs) for _ in ys]
    for xv, yv, vv in frame.select(x, y, value).iter_rows():
        grid[ys.index(yv)][xs.index(xv)] = vv
    text = [[("" if v is None else _fmt(v, percent=percent, digits=0)) for v in row] for row in grid]
    trace = {
        "type": "heatmap",
        "z": grid,
        "x": [plotly_text(v) for v in xs],
        "y": [plotly_text(v) for v in ys],
        "colorscale": SEQUENTIAL,
        "zmin": 0,
        "text": text,
        "texttemplate": "%{text}",
        "colorbar": {"title": {"text": value_label}, "tickformat": ".0%" if percent else ",", "thickness": 14},
        "hovertemplate": "%{y} · %{x}: %{text}<extra></extra>",
        "xgap": 2,
        "ygap": 2,
    }
    if percent:
        trace["zmax"] = 1
    layout = merge(
        base_layout(title, height=height or max(320, 110 + 34 * len(ys))),
        {
            "xaxis": {"type": "category", "tickangle": -30, "showgrid": False},
            "yaxis": {"type": "category", "autorange": "reversed", "showgrid": False},
        },
    )
    return make_figure([trace], layout)


def plot_stacked_shares(
    frame: pl.DataFrame,
    label: str,
    part: str,
    value: str,
    *,
    title: str,
    value_label: str,
    percent: bool = False,
    height: int | None = None,
) -> go.Figure:
    """Horizontal stacked bars: ``value`` by ``label`` split into ``part`` (legend shown)."""
    labels = list(dict.fromkeys(frame[label].to_list()))
    parts = list(dict.fromkeys(frame[part].to_list()))
    traces = []
    for i, p in enumerate(parts):
        sub = frame.filter(frame[part] == p)
        lookup = dict(zip(sub[label].to_list(), sub[value].to_list(), strict=True))
        traces.append(
            {
                "type": "bar",
                "name": plotly_text(p),
                "y": [plotly_text(truncate(v)) for v in labels],
                "x": [lookup.get(v) for v in labels],
                "orientation": "h",
                "marker": {"color": OKABE_ITO[i % len(OKABE_ITO)]},
                "hovertemplate": f"{plotly_text(p)}: %{{x}}<extra></extra>",
            }
        )
    layout = merge(
        base_layout(title, height=height or max(280, 110 + 32 * len(labels)), legend=True),
        {
            "barmode": "stack",
            "legend": {"orientation": "h", "y": -0.15},
            "xaxis": {"title": {"text": value_label}, "tickformat": ".0%" if percent else ","},
            "yaxis": {"type": "category", "autorange": "reversed"},
        },
    )
    return make_figure(traces, layout)
