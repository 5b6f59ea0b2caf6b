"""Pathway charts: how credentials stack, credential-to-credential flows (Sankey), one CTDL-Path pathway."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ler_analytics.charts.basic import plot_ranked_bars
from ler_analytics.charts.theme import (
    HIGHLIGHT,
    MUTED,
    OKABE_ITO,
    PRIMARY,
    base_layout,
    fmt_int,
    fmt_pct,
    make_figure,
    merge,
    plotly_text,
    state_label,
    truncate,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl

STACK_LABELS: dict[str, str] = {
    "progression": "Leads to or follows another",
    "supplemental": "Recommended alongside others",
    "independent": "Stands alone (no stacking)",
}


def plot_stack_types(frame: pl.DataFrame, *, state: str | None) -> go.Figure:
    """Credentials by how they stack (``stack_type``, ``label``, ``credentials``; from ``compute_pathway_summary``)."""
    total = sum(v or 0 for v in frame["credentials"].to_list())
    counts = dict(zip(frame["stack_type"].to_list(), frame["credentials"].to_list(), strict=True))
    if total:
        title = (
            f"{fmt_pct((counts.get('progression') or 0) / total)} of {state_label(state)}'s {fmt_int(total)} "
            f"credentials are in a progression stack (lead to or follow another credential); "
            f"{fmt_int(counts.get('independent'))} stand alone"
        )
    else:
        title = f"No credentials in {state_label(state)}"
    return plot_ranked_bars(frame, "label", "credentials", title=title, value_label="credentials")


def plot_stack_sankey(edges: pl.DataFrame, *, state: str | None, title: str | None = None) -> go.Figure:
    """Credential-to-credential next steps as a Sankey diagram.

    Args:
        edges: ``from_ctid``, ``from_name``, ``to_ctid``, ``to_name`` (and optionally ``stack_type``), one row per
            link to draw.
        state: the state shown.
        title: overrides the computed title.
    """
    nodes: dict[str, int] = {}
    labels: list[str] = []
    for ctid, name in [
        *zip(edges["from_ctid"].to_list(), edges["from_name"].to_list(), strict=True),
        *zip(edges["to_ctid"].to_list(), edges["to_name"].to_list(), strict=True),
    ]:
        if ctid not in nodes:
            nodes[ctid] = len(labels)
            labels.append(plotly_text(truncate(name, 44)))
    kinds = edges["stack_type"].to_list() if "stack_type" in edges.columns else ["progression"] * edges.height
    colors = {
        "progression": "rgba(0,114,178,0.45)",
        "supplemental": "rgba(230,159,0,0.5)",
        "transfer": "rgba(0,158,115,0.5)",
    }
    if title is None:
        title = (
            f"{fmt_int(edges.height)} next-step links between credentials in {state_label(state)}"
            if edges.height
            else f"No credential in {state_label(state)} publishes a next step"
        )
    trace = {
        "type": "sankey",
        "arrangement": "snap",
        "textfont": {"shadow": "none", "size": 13, "color": "#1F2933"},
        "node": {
            "label": labels,
            "pad": 14,
            "thickness": 14,
            "color": PRIMARY,
            "line": {"color": "white", "width": 0.5},
        },
        "link": {
            "source": [nodes[c] for c in edges["from_ctid"].to_list()],
            "target": [nodes[c] for c in edges["to_ctid"].to_list()],
            "value": [1] * edges.height,
            "color": [colors.get(k, "rgba(184,194,204,0.6)") for k in kinds],
        },
    }
    layout = merge(base_layout(title, height=max(360, min(900, 60 + 26 * len(labels)))), {"font": {"size": 13}})
    return make_figure([trace], layout)


def plot_pathway(frame: pl.DataFrame) -> go.Figure:
    """One CTDL-Path pathway: components placed by steps to the destination (``compute_pathway_structure`` rows).

    Args:
        frame: rows of one pathway: ``component_ctid``, ``component_name``, ``component_type``,
            ``steps_to_destination``, ``is_destination``, ``leads_to_ctid``, ``pathway_name``.
    """
    import polars as pl

    rows = frame.sort(["steps_to_destination", "component_name"], descending=[True, False], nulls_last=True)
    name = rows["pathway_name"].drop_nulls()
    pathway = plotly_text(name[0]) if name.len() else "Pathway"
    steps = rows["steps_to_destination"].drop_nulls()
    max_steps = int(steps.max()) if steps.len() else 0
    dest = rows.filter(pl.col("is_destination").fill_null(False))["component_name"].drop_nulls()
    goal = plotly_text(dest[0]) if dest.len() else "its destination"
    title = f"{pathway}: {rows.height} components, up to {max_steps} steps to {goal}"
    ys: dict[str, int] = {}
    per_level: dict[int, int] = {}
    xs: dict[str, int] = {}
    for r in rows.iter_rows(named=True):
        level = -(r["steps_to_destination"] if r["steps_to_destination"] is not None else max_steps + 1)
        xs[r["component_ctid"]] = level
        ys[r["component_ctid"]] = per_level.get(level, 0)
        per_level[level] = per_level.get(level, 0) + 1
    annotations = [
        {
            "x": xs[r["leads_to_ctid"]],
            "y": ys[r["leads_to_ctid"]],
            "ax": xs[r["component_ctid"]],
            "ay": ys[r["component_ctid"]],
            "xref": "x",
            "yref": "y",
            "axref": "x",
            "ayref": "y",
            "showarrow": True,
            "arrowhead": 2,
            "arrowwidth": 1.5,
            "arrowcolor": MUTED,
            "standoff": 14,
            "startstandoff": 14,
            "text": "",
        }
        for r in rows.iter_rows(named=True)
        if r["leads_to_ctid"] in xs
    ]
    comp = rows["component_ctid"].to_list()
    destinations = rows["is_destination"].fill_null(False).to_list()
    trace = {
        "type": "scatter",
        "x": [xs[c] for c in comp],
        "y": [ys[c] for c in comp],
        "mode": "markers+text",
        "marker": {
            "size": 22,
            "color": [HIGHLIGHT if d else OKABE_ITO[0] for d in destinations],
            "symbol": ["star" if d else "circle" for d in destinations],
        },
        "text": [plotly_text(truncate(n, 34)) for n in rows["component_name"].to_list()],
        "textposition": "bottom center",
        "hovertext": [
            f"{plotly_text(n)} ({plotly_text(t)})"
            for n, t in zip(rows["component_name"].to_list(), rows["component_type"].to_list(), strict=True)
        ],
        "hoverinfo": "text",
    }
    levels = sorted(set(xs.values()))
    layout = merge(
        base_layout(title, height=260 + 60 * max(per_level.values() or [1])),
        {
            "annotations": annotations,
            "xaxis": {
                "title": {"text": "steps before the destination"},
                "tickvals": levels,
                "ticktext": [str(-v) for v in levels],
                "zeroline": False,
                "showgrid": False,
                "range": [min(xs.values() or [0]) - 0.6, 0.6],
            },
            "yaxis": {"visible": False, "range": [max(per_level.values() or [1]) - 0.4, -0.8]},
        },
    )
    return make_figure([trace], layout)
