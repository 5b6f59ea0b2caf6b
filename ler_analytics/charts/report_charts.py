"""Charts used by the notebooks, reports and the static site that the dashboards do not draw.

Each function plots exactly the frame it is given (no data loading) and returns a plotly figure
with a title that states the finding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ler_analytics.charts.basic import plot_ranked_bars
from ler_analytics.charts.theme import fmt_int, fmt_pct, state_label

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl

PATHWAY_MEASURES: tuple[tuple[str, str], ...] = (
    ("with_next_step", "Lead to a next step"),
    ("progression", "Stack by progression"),
    ("supplemental", "Stack as a supplement"),
    ("independent", "Stand alone"),
    ("dead_ends", "Dead ends"),
    ("off_ramps", "Off-ramps to work"),
    ("on_pathway", "On a CTDL-Path pathway"),
)
"""``compute_pathway_summary`` count columns shown by :func:`plot_pathway_profile`, with their labels."""


def pathway_profile_frame(summary: pl.DataFrame) -> pl.DataFrame:
    """Reshape one ``compute_pathway_summary`` row into ``measure, label, credentials, share`` rows."""
    import polars as pl

    if summary.height == 0:
        return pl.DataFrame(
            schema={
                "state_code": pl.String,
                "measure": pl.String,
                "label": pl.String,
                "credentials": pl.Int64,
                "share": pl.Float64,
            }
        )
    row = summary.row(0, named=True)
    total = row["credentials"] or 0
    return pl.DataFrame(
        {
            "state_code": [row["state_code"]] * len(PATHWAY_MEASURES),
            "measure": [m for m, _ in PATHWAY_MEASURES],
            "label": [label for _, label in PATHWAY_MEASURES],
            "credentials": [int(row.get(m) or 0) for m, _ in PATHWAY_MEASURES],
            "share": [(int(row.get(m) or 0) / total) if total else None for m, _ in PATHWAY_MEASURES],
        },
        schema={
            "state_code": pl.String,
            "measure": pl.String,
            "label": pl.String,
            "credentials": pl.Int64,
            "share": pl.Float64,
        },
    )


def plot_pathway_profile(frame: pl.DataFrame, *, state: str | None) -> go.Figure:
    """How a state's credentials connect: next steps, stack types, dead ends (``pathway_profile_frame`` rows)."""
    import polars as pl

    rows = frame.filter(pl.col("share").is_not_null())
    if rows.height == 0:
        title = f"No credentials in {state_label(state)} to place on pathways"
    else:
        share = dict(zip(rows["measure"].to_list(), rows["share"].to_list(), strict=True))
        counts = dict(zip(rows["measure"].to_list(), rows["credentials"].to_list(), strict=True))
        title = (
            f"{fmt_pct(share.get('with_next_step'))} of {state_label(state)}'s credentials lead to a next step; "
            f"{fmt_int(counts.get('dead_ends'))} are dead ends"
        )
    return plot_ranked_bars(
        frame,
        "label",
        "share",
        title=title,
        value_label="share of the state's credentials",
        percent=True,
        hover="credentials",
    )
