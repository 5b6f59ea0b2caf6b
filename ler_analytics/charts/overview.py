"""State overview charts: quality signals against the US, transparency by state, change since the last snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ler_analytics.charts.basic import plot_state_comparison
from ler_analytics.charts.theme import (
    MUTED,
    OKABE_ITO,
    PRIMARY,
    base_layout,
    fmt_int,
    fmt_num,
    fmt_pct,
    make_figure,
    merge,
    plotly_text,
    state_label,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl

CHANGE_LABELS: dict[str, str] = {
    "added": "Added",
    "removed": "Removed",
    "changed": "Changed",
    "unchanged": "Unchanged",
}


def plot_quality_signals(frame: pl.DataFrame, *, state: str | None) -> go.Figure:
    """Share of credentials with each quality signal, the state next to the US.

    Args:
        frame: ``signal``, ``label``, ``share_state``, ``share_us`` (one row per signal).
        state: the state shown.
    """
    import polars as pl

    rows = frame.filter(pl.col("share_state").is_not_null())
    if rows.height == 0:
        title = f"No credentials in {state_label(state)} to assess"
    else:
        low = rows.sort("share_state").row(0, named=True)
        title = (
            f"The rarest quality signal in {state_label(state)}: {plotly_text(_short(low['label']))}, "
            f"{fmt_pct(low['share_state'])} of credentials (US {fmt_pct(low['share_us'])})"
        )
    labels = [plotly_text(_short(v)) for v in frame["label"].to_list()]
    traces = [
        {
            "type": "bar",
            "name": state_label(state),
            "y": labels,
            "x": frame["share_state"].to_list(),
            "orientation": "h",
            "marker": {"color": PRIMARY},
            "text": [fmt_pct(v) for v in frame["share_state"].to_list()],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": f"{state_label(state)}: %{{x:.0%}}<extra></extra>",
        },
        {
            "type": "bar",
            "name": "United States",
            "y": labels,
            "x": frame["share_us"].to_list(),
            "orientation": "h",
            "marker": {"color": MUTED},
            "text": [fmt_pct(v) for v in frame["share_us"].to_list()],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "US: %{x:.0%}<extra></extra>",
        },
    ]
    layout = merge(
        base_layout(title, height=120 + 62 * max(frame.height, 1), legend=True),
        {
            "barmode": "group",
            "legend": {"orientation": "h", "y": -0.08, "x": 0, "yanchor": "top"},
            "xaxis": {"tickformat": ".0%", "range": [0, 1.12]},
            "yaxis": {"type": "category", "autorange": "reversed"},
        },
    )
    return make_figure(traces, layout)


def _short(label: object) -> str:
    """The part of a signal label before its parenthesis ("Quality assurance (accredited …)" → "Quality assurance")."""
    text = "" if label is None else str(label)
    return text.split(" (")[0]


def plot_transparency_by_state(frame: pl.DataFrame, *, state: str | None, national: float | None = None) -> go.Figure:
    """Transparency index (0–100) of every state, the selected one highlighted.

    Args:
        frame: ``state_code``, ``transparency_index`` (``compute_transparency_index(by=("state_code",))``).
        state: the state shown.
        national: the index over all credentials, for the title.
    """
    import polars as pl

    rows = frame.filter(pl.col("state_code").is_not_null() & pl.col("transparency_index").is_not_null())
    codes = rows.sort("transparency_index", descending=True)["state_code"].to_list()
    mine = rows.filter(pl.col("state_code") == state)["transparency_index"]
    if state in codes and mine.len():
        rank = codes.index(state) + 1
        us = f" (all credentials: {fmt_num(national, digits=0)})" if national is not None else ""
        title = (
            f"{state_label(state)}'s credentials score {fmt_num(mine.item(), digits=0)} of 100 on transparency{us}, "
            f"{_ordinal(rank)} of {len(codes)} states"
        )
    else:
        title = "Transparency index by state (0–100)"
    return plot_state_comparison(
        rows, "transparency_index", title=title, value_label="transparency index (0–100)", state=state, digits=0
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plot_changes(frame: pl.DataFrame, *, state: str | None) -> go.Figure:
    """Credentials added, removed, changed and unchanged since the previous snapshot.

    Args:
        frame: ``change``, ``credential_count`` (``compute_changes(..., by=())`` or one state's rows).
        state: the state shown.
    """
    counts = dict(zip(frame["change"].to_list(), frame["credential_count"].to_list(), strict=True))
    title = (
        f"Since the previous snapshot, {state_label(state)} gained {fmt_int(counts.get('added', 0))} credentials, "
        f"lost {fmt_int(counts.get('removed', 0))} and {fmt_int(counts.get('changed', 0))} were updated"
    )
    kinds = [k for k in CHANGE_LABELS if k in counts]
    colors = {"added": OKABE_ITO[2], "removed": OKABE_ITO[5], "changed": OKABE_ITO[1], "unchanged": MUTED}
    trace = {
        "type": "bar",
        "x": [CHANGE_LABELS[k] for k in kinds],
        "y": [counts[k] for k in kinds],
        "marker": {"color": [colors[k] for k in kinds]},
        "text": [fmt_int(counts[k]) for k in kinds],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": "%{x}: %{y:,}<extra></extra>",
    }
    layout = merge(base_layout(title, height=340), {"yaxis": {"title": {"text": "credentials"}, "tickformat": ","}})
    return make_figure([trace], layout)
