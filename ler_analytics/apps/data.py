"""Small lookups the dashboards share (which states to offer, metric notes), on top of the metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ler_analytics.snapshot import Snapshot


def states_with_credentials(snap: Snapshot) -> list[str]:
    """USPS codes with at least one credential (default attribution), most credentials first."""
    import polars as pl

    from ler_analytics.apps.framecache import frame_cache

    def compute() -> pl.DataFrame:
        from ler_analytics.metrics.context import as_context
        from ler_analytics.metrics.coverage import compute_state_coverage

        return compute_state_coverage(as_context(snap))

    frame = frame_cache(snap).get(("apps", "state_coverage"), compute)
    rows = frame.filter(pl.col("state_code").is_not_null() & (pl.col("credential_count") > 0))
    return rows.sort(["credential_count", "state_code"], descending=[True, False])["state_code"].to_list()


def metric(path: str) -> Callable[..., Any]:
    """A metric function by ``"<module>.<function>"`` under ``ler_analytics.metrics``, imported when called.

    Dashboards whose frames all come from the disk cache then never import the metrics package
    (and numpy with it): ``metric("coverage.compute_coverage")(ctx, by=[...])``.
    """
    module, name = path.rsplit(".", 1)

    def call(*args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(f"ler_analytics.metrics.{module}"), name)(*args, **kwargs)

    call.__name__ = name
    return call


def cached_note(snap: Snapshot, name: str, extra: str = "") -> str:
    """:func:`note_for` of metric ``name``, kept in the snapshot's frame cache (no metrics import when warm)."""
    import polars as pl

    from ler_analytics.apps.framecache import frame_cache

    frame = frame_cache(snap).get(("note", name), lambda: pl.DataFrame({"note": [note_for(name)]}))
    return f"{frame['note'][0]} {extra}".strip()


def note_for(fn: Callable[..., Any] | str, extra: str = "") -> str:
    """The "how this was computed" text of a registered metric (plus an optional extra sentence)."""
    from ler_analytics.metrics import get_metric_info

    text = get_metric_info(fn).note()
    return f"{text} {extra}".strip()


def headline_counts(snap: Snapshot, state: str) -> dict[str, int]:
    """Headline counts for one state, with the metrics' default state attribution.

    * ``credentials``: distinct credentials attributed to the state (equals ``compute_state_coverage``);
    * ``providers``: distinct organizations that own those credentials;
    * ``learning_opportunities``: distinct learning opportunities attributed to the state (same rule);
    * ``competencies``: distinct competencies those credentials and learning opportunities require,
      teach or assess (``connections`` edges to a CTID in the ``competencies`` table).

    Computed once for every state (:func:`headline_counts_by_state`, kept in the snapshot's dashboard
    frame cache) and then looked up, so switching state costs nothing.
    """
    import polars as pl

    from ler_analytics.apps.framecache import frame_cache

    frame = frame_cache(snap).get(("apps", "headline_counts"), lambda: headline_counts_by_state(snap))
    row = frame.filter(pl.col("state_code") == state)
    keys = ("credentials", "providers", "learning_opportunities", "competencies")
    if row.height == 0:
        return dict.fromkeys(keys, 0)
    values = row.row(0, named=True)
    return {k: int(values[k]) for k in keys}


def headline_counts_by_state(snap: Snapshot):
    """:func:`headline_counts` for every state at once: ``state_code`` and the four counts."""
    import polars as pl

    from ler_analytics.metrics.context import as_context

    ctx = as_context(snap)
    creds = ctx.attribution("credentials").filter(pl.col("state_code").is_not_null()).select("ctid", "state_code")
    los = (
        ctx.attribution("learning_opportunities")
        .filter(pl.col("state_code").is_not_null())
        .select("ctid", "state_code")
    )
    owners = ctx.table("credentials").select("ctid", "owner_ctid").unique("ctid")
    per_cred = (
        creds.join(owners, on="ctid", how="left")
        .group_by("state_code")
        .agg(
            pl.col("ctid").n_unique().cast(pl.Int64).alias("credentials"),
            pl.col("owner_ctid").drop_nulls().n_unique().cast(pl.Int64).alias("providers"),
        )
    )
    per_lo = los.group_by("state_code").agg(pl.col("ctid").n_unique().cast(pl.Int64).alias("learning_opportunities"))
    names = set(snap.table_names())
    if {"connections", "competencies"} <= names:
        edges = _competency_edges(snap)
        per_comp = (
            pl.concat([creds, los])
            .join(edges, left_on="ctid", right_on="subject_ctid", how="inner")
            .group_by("state_code")
            .agg(pl.col("target_ctid").n_unique().cast(pl.Int64).alias("competencies"))
        )
    else:
        per_comp = pl.DataFrame(schema={"state_code": pl.String, "competencies": pl.Int64})
    out = per_cred
    for other in (per_lo, per_comp):
        out = out.join(other, on="state_code", how="full", coalesce=True)
    return out.with_columns(
        [pl.col(c).fill_null(0) for c in ("credentials", "providers", "learning_opportunities", "competencies")]
    ).sort("state_code")


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
