"""Skill-gap charts: top gaps for a state and one occupation's top skills, covered or not."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ler_analytics.charts.basic import plot_ranked_bars
from ler_analytics.charts.theme import (
    HIGHLIGHT,
    PRIMARY,
    base_layout,
    fmt_int,
    fmt_pct,
    make_figure,
    merge,
    plotly_text,
    state_label,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl


def plot_top_skill_gaps(frame: pl.DataFrame, *, state: str | None) -> go.Figure:
    """Skill-gap index of the top gaps (``compute_top_skill_gaps`` rows: ``element_name``, ``sgi``, shares)."""
    import polars as pl

    if frame.height == 0:
        title = f"No skill gaps computed for {state_label(state)} (no openings data or no credentials)"
    else:
        top = frame.sort("sgi", descending=True).row(0, named=True)
        title = (
            f"{plotly_text(top['element_name'])} is the largest skill gap in {state_label(state)}: "
            f"{fmt_pct(top['demand_share'], digits=1)} of skill demand, taught by "
            f"{fmt_int(top['supply_credentials'])} credentials"
        )
    rows = frame.with_columns(
        (
            "demand "
            + (pl.col("demand_share") * 100).round(1).cast(pl.String)
            + "% · supply "
            + (pl.col("supply_share") * 100).round(1).cast(pl.String)
            + "%"
        ).alias("_hover")
    )
    return plot_ranked_bars(
        rows, "element_name", "sgi", title=title, value_label="skill-gap index (−1 to 1)", digits=2, hover="_hover"
    )


def plot_occupation_skills(frame: pl.DataFrame, *, occupation: str, state: str | None) -> go.Figure:
    """One occupation's top O*NET skills and knowledge, coloured by whether the state's credentials teach them.

    Args:
        frame: ``element_name``, ``importance``, ``covered`` (bool), one row per top element.
        occupation: the occupation title (for the title).
        state: the state shown.
    """
    rows = frame.sort("importance")
    covered = rows["covered"].to_list()
    n_cov = sum(bool(c) for c in covered)
    missing = [plotly_text(n) for n, c in zip(rows["element_name"].to_list(), covered, strict=True) if not c][::-1]
    if rows.height == 0:
        title = f"No O*NET profile for {plotly_text(occupation)}"
    else:
        title = (
            f"{plotly_text(occupation)} in {state_label(state)}: credentials teach {n_cov} of its top {rows.height} "
            "skills" + (f"; not taught: {', '.join(missing[:3])}" if missing else "")
        )
    trace = {
        "type": "bar",
        "x": rows["importance"].to_list(),
        "y": [plotly_text(n) for n in rows["element_name"].to_list()],
        "orientation": "h",
        "marker": {"color": [PRIMARY if c else HIGHLIGHT for c in covered]},
        "text": ["taught" if c else "not taught" for c in covered],
        "textposition": "inside",
        "insidetextanchor": "start",
        "textfont": {"color": "white"},
        "hovertemplate": "%{y}: importance %{x:.2f}<extra></extra>",
    }
    layout = merge(
        base_layout(title, height=max(300, 110 + 34 * rows.height)),
        {"xaxis": {"title": {"text": "O*NET importance (1–5)"}, "range": [0, 5.2]}, "yaxis": {"type": "category"}},
    )
    return make_figure([trace], layout)
