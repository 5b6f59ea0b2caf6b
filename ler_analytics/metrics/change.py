"""Change between two snapshots: credentials added, removed, changed and unchanged, by state and type.

A credential is matched across snapshots by CTID. It is *changed* when its ``record_sha256`` (hash
of the record's canonical JSON) differs. Added and changed credentials are placed in states and
typed with the newer snapshot; removed ones with the older snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from ler_analytics.metrics._frames import check_choice, label_missing
from ler_analytics.metrics.context import MetricsContext, Source, as_context
from ler_analytics.metrics.registry import metric

CHANGES: tuple[str, ...] = ("added", "removed", "changed", "unchanged")
BY_OPTIONS: tuple[str, ...] = ("state_code", "credential_type", "credential_family")


def credential_changes(old: Source, new: Source) -> pl.DataFrame:
    """One row per credential in either snapshot: ``ctid``, ``change`` and its type from the relevant snapshot."""
    cols = ["ctid", "record_sha256", "credential_type", "credential_family"]
    a = as_context(old).table("credentials").select(cols).unique("ctid").with_columns(pl.lit(True).alias("_in_old"))
    b = as_context(new).table("credentials").select(cols).unique("ctid").with_columns(pl.lit(True).alias("_in_new"))
    joined = a.join(b, on="ctid", how="full", coalesce=True, suffix="_new")
    change = (
        pl.when(pl.col("_in_new").is_null())
        .then(pl.lit("removed"))
        .when(pl.col("_in_old").is_null())
        .then(pl.lit("added"))
        .when(pl.col("record_sha256").eq_missing(pl.col("record_sha256_new")))
        .then(pl.lit("unchanged"))
        .otherwise(pl.lit("changed"))
    )
    removed = pl.col("_in_new").is_null()
    return joined.select(
        "ctid",
        change.alias("change"),
        pl.when(removed).then(pl.col("credential_type")).otherwise(pl.col("credential_type_new"))
        .alias("credential_type"),
        pl.when(removed).then(pl.col("credential_family")).otherwise(pl.col("credential_family_new"))
        .alias("credential_family"),
    )


def _cached_pair(old_ctx: MetricsContext, new_ctx: MetricsContext, key: tuple, build: Callable[[], pl.DataFrame]):
    """Cache a frame derived from two contexts on the newer one (checked by identity of the older one)."""
    full_key = (*key, id(old_ctx))
    hit = new_ctx._cache.get(full_key)
    if hit is not None and hit[0] is old_ctx:
        return hit[1]
    value = build()
    new_ctx._cache[full_key] = (old_ctx, value)
    return value


def _changes(old_ctx: MetricsContext, new_ctx: MetricsContext) -> pl.DataFrame:
    return _cached_pair(old_ctx, new_ctx, ("changes",), lambda: credential_changes(old_ctx, new_ctx))


def _changes_in_states(old_ctx: MetricsContext, new_ctx: MetricsContext, *, rule: str | None,
                       online: str | None) -> pl.DataFrame:
    rule_new, online_new = new_ctx.options(rule, online)

    def build() -> pl.DataFrame:
        frame = _changes(old_ctx, new_ctx)
        in_new = new_ctx.in_state(frame.filter(pl.col("change") != "removed"), None, rule=rule, online=online)
        in_old = old_ctx.in_state(frame.filter(pl.col("change") == "removed"), None, rule=rule, online=online)
        return pl.concat([in_new, in_old.select(in_new.columns)])

    return _cached_pair(old_ctx, new_ctx, ("changes_in_states", rule_new, online_new), build)


@metric(
    title="Credential changes between snapshots",
    unit="credentials",
    definition=(
        "Number of credentials added, removed, changed (record content differs) and unchanged between an older "
        "and a newer snapshot, by state and credential type."
    ),
    formula=(
        "match by CTID: added = in new only; removed = in old only; changed = in both with different "
        "record_sha256; unchanged = same record_sha256; count distinct CTIDs per state x type x change"
    ),
    caveats=(
        "Any change to a record's JSON counts as changed (including trivial edits). Added/changed/unchanged "
        "credentials are placed in states with the newer snapshot, removed ones with the older; a credential "
        "attributed to several states counts in each. The two snapshots should cover the same query."
    ),
    source_tables=("credentials (two snapshots)", "organizations", "locations"),
    value_column="credential_count",
    group="change",
)
def compute_changes(
    old: Source,
    new: Source,
    *,
    state: str | None = None,
    by: Sequence[str] = ("state_code", "credential_type"),
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Credentials added, removed, changed and unchanged between two snapshots.

    Args:
        old: the older snapshot (context, snapshot or mapping of tables).
        new: the newer snapshot.
        state: USPS code to keep one state.
        by: any of ``state_code``, ``credential_type``, ``credential_family``; ``()`` gives national totals.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        group columns, ``change`` (``added`` | ``removed`` | ``changed`` | ``unchanged``),
        ``credential_count``; every change kind appears for every group (0 when none).
    """
    keys = [check_choice("by", b, BY_OPTIONS) for b in by]
    old_ctx, new_ctx = as_context(old), as_context(new)
    if state is not None or "state_code" in keys:
        frame = _changes_in_states(old_ctx, new_ctx, rule=rule, online=online)
        if state is not None:
            frame = frame.filter(pl.col("state_code") == state.upper())
    else:
        frame = _changes(old_ctx, new_ctx)
    frame = frame.with_columns([label_missing(pl.col(k)).alias(k) for k in keys if k != "state_code"])
    counts = frame.group_by(*keys, "change").agg(pl.len().cast(pl.Int64).alias("credential_count"))
    groups = frame.select(keys).unique() if keys else pl.DataFrame({"_all": [1]})
    grid = groups.join(pl.DataFrame({"change": list(CHANGES)}), how="cross")
    if not keys:
        grid = grid.drop("_all")
    order = {c: i for i, c in enumerate(CHANGES)}
    return (
        grid.join(counts, on=[*keys, "change"], how="left", nulls_equal=True)
        .with_columns(pl.col("credential_count").fill_null(0))
        .sort([*keys, pl.col("change").replace_strict(order, return_dtype=pl.Int64)], nulls_last=True)
        .select(*keys, "change", "credential_count")
    )
