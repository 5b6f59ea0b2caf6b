"""Coverage charts: credentials by state (map), breakdowns, supply per openings, uncovered occupations.

Inputs are the frames of :mod:`ler_analytics.metrics.coverage` and
:mod:`ler_analytics.metrics.occupations`; each ``plot_*`` draws every row it gets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ler_analytics.charts.basic import plot_ranked_bars
from ler_analytics.charts.maps import plot_state_map
from ler_analytics.charts.theme import fmt_int, fmt_num, fmt_pct, humanize, plotly_text, state_label

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl

NOT_STATED = "Not stated"
"""Label the metrics use for a missing category value (ler_analytics.metrics._frames.NOT_STATED)."""

DIMENSION_LABELS: dict[str, str] = {
    "credential_type": "credential type",
    "credential_family": "credential family",
    "provider_type": "provider type",
    "provider_class": "provider class",
    "status": "status",
    "delivery_mode": "delivery mode",
    "audience_level": "level",
}
"""Words for the coverage dimensions in titles."""


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def map_title(frame: pl.DataFrame, value: str, *, state: str | None, noun: str = "credentials") -> str:
    """Finding for a per-state map: the selected state's value and rank, or the leader."""
    import polars as pl

    rows = frame.filter(pl.col("state_code").is_not_null() & (pl.col(value).fill_null(0) > 0)).sort(
        value, descending=True
    )
    if rows.height == 0:
        return f"No {noun} are attributed to any state"
    leader, top = rows.row(0, named=True)["state_code"], rows.row(0, named=True)[value]
    if state and state in rows["state_code"].to_list():
        codes = rows["state_code"].to_list()
        rank = codes.index(state) + 1
        mine = rows.filter(pl.col("state_code") == state)[value].item()
        return f"{state_label(state)} has {fmt_int(mine)} {noun}, {_ordinal(rank)} of {len(codes)} states" + (
            "" if rank == 1 else f" ({state_label(leader)} leads with {fmt_int(top)})"
        )
    return f"{state_label(leader)} has the most {noun} ({fmt_int(top)})"


def plot_credentials_map(
    frame: pl.DataFrame, *, state: str | None = None, value: str = "credential_count"
) -> go.Figure:
    """US map of credentials per state (``compute_state_coverage`` output), the selected state outlined."""
    label = "credentials per 10,000 workers" if value == "credentials_per_10k_workers" else "credentials"
    title = map_title(frame, value, state=state, noun=label)
    return plot_state_map(
        frame, value, title=title, value_label=label, highlight=state, digits=1 if value != "credential_count" else 0
    )


def plot_breakdown(
    frame: pl.DataFrame,
    dimension: str,
    *,
    state: str | None,
    total: int | None = None,
    value: str = "credential_count",
) -> go.Figure:
    """Bars of credentials by one coverage dimension (``compute_coverage(..., by=[dimension])`` rows).

    Args:
        frame: rows for one state with ``dimension`` and ``value`` columns (already cut to the top N).
        dimension: a key of :data:`DIMENSION_LABELS`.
        state: the state shown (for the title).
        total: the state's distinct credential total, for the share in the title.
        value: the count column.
    """
    words = DIMENSION_LABELS.get(dimension, dimension.replace("_", " "))
    if frame.height == 0:
        title = f"No credentials in {state_label(state)} to break down by {words}"
    else:
        ranked = frame.sort(value, descending=True)
        top = ranked.row(0, named=True)
        share = f", {fmt_pct(top[value] / total)} of {fmt_int(total)}" if total else ""
        stated = [r for r in ranked.iter_rows(named=True) if r[dimension] != NOT_STATED]
        if top[dimension] == NOT_STATED:
            of_total = f" of {fmt_int(total)}" if total else ""
            title = f"{fmt_int(top[value])}{of_total} credentials in {state_label(state)} do not state a {words}"
            if stated:
                title += (
                    f"; the most common stated is {plotly_text(humanize(stated[0][dimension]))} "
                    f"({fmt_int(stated[0][value])})"
                )
        else:
            title = (
                f"Most common {words} in {state_label(state)}: {plotly_text(humanize(top[dimension]))} "
                f"({fmt_int(top[value])} credentials{share})"
            )
    return plot_ranked_bars(frame, dimension, value, title=title, value_label="credentials", label_fn=humanize)


def plot_supply_per_openings(frame: pl.DataFrame, *, state: str | None) -> go.Figure:
    """Credentials per 1,000 estimated annual openings by SOC major group (``compute_supply_per_openings``)."""
    import polars as pl

    value = "supply_per_1000_openings"
    rows = frame.filter(pl.col(value).is_not_null())
    if rows.height == 0:
        title = f"No occupation-linked credentials with openings data in {state_label(state)}"
    else:
        lo = rows.sort(value).row(0, named=True)
        hi = rows.sort(value, descending=True).row(0, named=True)
        zero = rows.filter(pl.col(value) == 0).height
        if zero:
            title = (
                f"{zero} of {rows.height} occupation groups in {state_label(state)} have no linked credential; "
                f"{plotly_text(hi['soc_major_group_title'])} has the most supply "
                f"({fmt_num(hi[value])} credentials per 1,000 openings)"
            )
        else:
            title = (
                f"In {state_label(state)}, {plotly_text(lo['soc_major_group_title'])} has the thinnest supply "
                f"({fmt_num(lo[value])} credentials per 1,000 openings); "
                f"{plotly_text(hi['soc_major_group_title'])} the most ({fmt_num(hi[value])})"
            )
    return plot_ranked_bars(
        frame,
        "soc_major_group_title",
        value,
        title=title,
        value_label="credentials per 1,000 annual openings",
        digits=1,
        hover="soc_major_group",
    )


def plot_uncovered_occupations(frame: pl.DataFrame, *, state: str | None) -> go.Figure:
    """In-demand occupations with no linked credential, by estimated annual openings."""
    if frame.height == 0:
        title = f"Every in-demand occupation in {state_label(state)} has at least one linked credential"
    else:
        top = frame.sort("est_annual_openings", descending=True).row(0, named=True)
        title = (
            f"{frame.height} in-demand occupations in {state_label(state)} have no linked credential; "
            f"the largest is {plotly_text(top['soc_title'])} (~{fmt_int(top['est_annual_openings'])} openings a year)"
        )
    return plot_ranked_bars(
        frame,
        "soc_title",
        "est_annual_openings",
        title=title,
        value_label="estimated annual openings",
        hover="soc_code",
    )
