"""Small lookups the dashboards share (which states to offer, metric notes), on top of the metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ler_analytics.snapshot import Snapshot


def states_with_credentials(snap: Snapshot) -> list[str]:
    """USPS codes with at least one credential (default attribution), most credentials first."""
    import polars as pl

    from ler_analytics.metrics.context import as_context
    from ler_analytics.metrics.coverage import compute_state_coverage

    ctx = as_context(snap)
    frame = ctx.cached(("apps", "state_coverage"), lambda: compute_state_coverage(ctx))
    rows = frame.filter(pl.col("state_code").is_not_null() & (pl.col("credential_count") > 0))
    return rows.sort(["credential_count", "state_code"], descending=[True, False])["state_code"].to_list()


def note_for(fn: Callable[..., Any] | str, extra: str = "") -> str:
    """The "how this was computed" text of a registered metric (plus an optional extra sentence)."""
    from ler_analytics.metrics import get_metric_info

    text = get_metric_info(fn).note()
    return f"{text} {extra}".strip()


def headline_counts(snap: Snapshot, state: str) -> dict[str, int]:
    """Headline counts for one state, with the metrics' default state attribution.

    * ``credentials``: distinct credentials attributed to the state (``compute_state_coverage``);
    * ``providers``: distinct organizations that own those credentials;
    * ``learning_opportunities``: distinct learning opportunities attributed to the state (same rule);
    * ``competencies``: distinct competencies those credentials and learning opportunities require,
      teach or assess (``connections`` edges to a CTID in the ``competencies`` table).
    """
    import polars as pl

    from ler_analytics.metrics.context import as_context
    from ler_analytics.metrics.coverage import compute_state_coverage

    ctx = as_context(snap)
    cov = compute_state_coverage(ctx, state=state)
    creds = ctx.attribution("credentials").filter(pl.col("state_code") == state).select("ctid").unique()
    los = ctx.attribution("learning_opportunities").filter(pl.col("state_code") == state).select("ctid").unique()
    owners = ctx.table("credentials").join(creds, on="ctid", how="semi")["owner_ctid"].drop_nulls().n_unique()
    competencies = 0
    names = set(snap.table_names())
    if {"connections", "competencies"} <= names:
        edges = ctx.cached(("apps", "competency_edges"), lambda: _competency_edges(snap))
        subjects = pl.concat([creds, los])
        competencies = edges.join(subjects, left_on="subject_ctid", right_on="ctid", how="semi")[
            "target_ctid"
        ].n_unique()
    return {
        "credentials": int(cov["credential_count"].sum()),
        "providers": int(owners),
        "learning_opportunities": int(los.height),
        "competencies": int(competencies),
    }


def _competency_edges(snap: Snapshot):
    """``subject_ctid, target_ctid`` edges from any record to a competency of the snapshot."""
    import polars as pl

    comp = pl.read_parquet(snap.table_path("competencies"), columns=["ctid"])
    edges = pl.read_parquet(snap.table_path("connections"), columns=["subject_ctid", "target_ctid"])
    return edges.join(comp, left_on="target_ctid", right_on="ctid", how="semi").unique()


def previous_snapshot(snap: Snapshot) -> Snapshot | None:
    """The snapshot named by the manifest's ``previous_snapshot`` (a path, or a sibling folder's id), if built."""
    from pathlib import Path

    from ler_analytics.errors import SnapshotError
    from ler_analytics.snapshot import open_snapshot

    ref = snap.manifest.get("previous_snapshot")
    if not ref:
        return None
    for candidate in (Path(str(ref)), snap.path.parent / str(ref)):
        if (candidate / "manifest.json").exists():
            try:
                prev = open_snapshot(candidate)
            except SnapshotError:
                return None
            return prev if prev.table_names() else None
    return None
