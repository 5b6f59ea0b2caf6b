"""LER link-health charts (inputs: the frames of :class:`ler_analytics.ler.health.LinkHealthReport`).

Suppressed cells (small counts, shown as null) stay null: they are drawn as missing bars, never as 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ler_analytics.charts.basic import plot_ranked_bars
from ler_analytics.charts.theme import fmt_pct, plotly_text

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl


def plot_link_patterns(frame: pl.DataFrame) -> go.Figure:
    """Share of achievements with each CTDL link pattern (``coverage`` frame: ``label``, ``share``, ``pattern``)."""
    import polars as pl

    rows = frame.filter(pl.col("pattern") != "any")
    overall = frame.filter(pl.col("pattern") == "any")
    share = overall["share"].item() if overall.height and overall["share"].item() is not None else None
    known = rows.filter(pl.col("share").is_not_null() & ~pl.col("pattern").is_in(["with_ctid", "none"]))
    if share is None:
        title = "Too few achievements to report link coverage (small counts are suppressed)"
    elif known.height:
        top = known.sort("share", descending=True).row(0, named=True)
        title = (
            f"{fmt_pct(share)} of achievements link to the Credential Registry; the most common way is "
            f"{plotly_text(top['label'])} ({fmt_pct(top['share'])})"
        )
    else:
        title = f"{fmt_pct(share)} of achievements link to the Credential Registry"
    return plot_ranked_bars(
        rows, "label", "share", title=title, value_label="share of achievements", percent=True, hover="pattern"
    )


def plot_link_by_issuer(frame: pl.DataFrame) -> go.Figure:
    """Share of each issuer's achievements with a CTDL link (``by_issuer``: ``issuer``, ``share_linked``)."""
    import polars as pl

    rows = frame.filter(pl.col("share_linked").is_not_null())
    if rows.height == 0:
        title = "No issuer has enough achievements to report (small counts are suppressed)"
    else:
        low = rows.sort("share_linked").row(0, named=True)
        title = (
            f"{plotly_text(low['issuer'])} links the fewest of its achievements to the Registry "
            f"({fmt_pct(low['share_linked'])})"
        )
    return plot_ranked_bars(
        frame,
        "issuer",
        "share_linked",
        title=title,
        value_label="share linked",
        percent=True,
        hover="n_achievements",
    )


def plot_link_problems(frame: pl.DataFrame) -> go.Figure:
    """Achievements read, linked, resolved and with each problem (``problems``: ``label``, ``n_achievements``)."""
    import polars as pl

    counts = {r["problem"]: r["n_achievements"] for r in frame.iter_rows(named=True)}
    broken = counts.get("unresolvable")
    read = counts.get("read")
    if broken is None or read is None:
        title = "Link problems (small counts are suppressed)"
    else:
        title = f"{broken:,} of {read:,} achievements link to a CTID this snapshot does not have"
    rows = frame.filter(pl.col("problem") != "read")
    return plot_ranked_bars(rows, "label", "n_achievements", title=title, value_label="achievements", hover="problem")


def plot_link_formats(frame: pl.DataFrame) -> go.Figure:
    """Share linked by LER format and encoding (``formats``: ``format``, ``encoding``, ``share_linked``)."""
    import polars as pl

    rows = frame.with_columns((pl.col("format") + " (" + pl.col("encoding") + ")").alias("format_encoding"))
    known = rows.filter(pl.col("share_linked").is_not_null())
    if known.height == 0:
        title = "Links by LER format (small counts are suppressed)"
    else:
        low = known.sort("share_linked").row(0, named=True)
        title = (
            f"{plotly_text(low['format_encoding'])} records link least often to the Registry "
            f"({fmt_pct(low['share_linked'])})"
        )
    return plot_ranked_bars(
        rows,
        "format_encoding",
        "share_linked",
        title=title,
        value_label="share linked",
        percent=True,
        hover="n_achievements",
    )
