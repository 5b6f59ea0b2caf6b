"""Transparency charts: fill rates by item and by credential type, providers' transparency index."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ler_analytics.charts.basic import plot_heatmap, plot_ranked_bars
from ler_analytics.charts.theme import fmt_num, fmt_pct, humanize, plotly_text, state_label

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl


def plot_fill_rates(frame: pl.DataFrame, *, state: str | None) -> go.Figure:
    """Share of records publishing each benchmark item (``compute_fill_rates`` rows for one group).

    Args:
        frame: ``label``, ``fill_rate`` (and ``records``) per item.
        state: the state shown.
    """
    import polars as pl

    rows = frame.filter(pl.col("fill_rate").is_not_null())
    if rows.height == 0:
        title = f"No records in {state_label(state)} to score"
    else:
        low = rows.sort(["fill_rate", "label"]).row(0, named=True)
        high = rows.sort(["fill_rate", "label"], descending=[True, False]).row(0, named=True)
        title = (
            f"In {state_label(state)}, {plotly_text(low['label'])} is the least published item "
            f"({fmt_pct(low['fill_rate'])} of records); {plotly_text(high['label'])} the most "
            f"({fmt_pct(high['fill_rate'])})"
        )
    return plot_ranked_bars(
        rows, "label", "fill_rate", title=title, value_label="share of records publishing it", percent=True
    )


def plot_fill_rates_by_type(frame: pl.DataFrame, *, state: str | None, type_col: str = "credential_type") -> go.Figure:
    """Heat map of fill rate by item (columns) and credential type (rows).

    Args:
        frame: ``compute_fill_rates(by=("state_code", "credential_type"))`` rows of one state
            (``credential_type``, ``label``, ``fill_rate``, ``records``), already cut to the types to show.
        state: the state shown.
        type_col: the type column.
    """
    import polars as pl

    rows = frame.with_columns(pl.col(type_col).map_elements(humanize, return_dtype=pl.String).alias("_type"))
    if rows.height == 0:
        title = f"No records in {state_label(state)} to score by type"
    else:
        by_type = rows.group_by("_type").agg(pl.col("fill_rate").mean().alias("m")).sort(["m", "_type"])
        worst = by_type.row(0, named=True)
        title = (
            f"{plotly_text(worst['_type'])} records in {state_label(state)} are the least complete "
            f"(average fill rate {fmt_pct(worst['m'])})"
        )
    return plot_heatmap(rows, "_type", "label", "fill_rate", title=title, value_label="fill rate")


def plot_provider_index(frame: pl.DataFrame, *, state: str | None) -> go.Figure:
    """Providers with the lowest transparency index (``compute_transparency_index(by=("state_code", "provider"))``).

    Args:
        frame: ``provider_name``, ``transparency_index``, ``records`` rows to show.
        state: the state shown.
    """
    if frame.height == 0:
        title = f"No providers in {state_label(state)} to score"
    else:
        low = frame.sort("transparency_index").row(0, named=True)
        title = (
            f"{plotly_text(low['provider_name'])} has the least complete records in {state_label(state)} "
            f"(index {fmt_num(low['transparency_index'], digits=0)} of 100 over {low['records']:,} "
            f"record{'' if low['records'] == 1 else 's'})"
        )
    return plot_ranked_bars(
        frame,
        "provider_name",
        "transparency_index",
        title=title,
        value_label="transparency index (0–100)",
        hover="records",
    )
