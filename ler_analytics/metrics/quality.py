"""Quality signals: shares of credentials with quality assurance, outcome data, cost and competencies.

These are signals that a learner or a state can judge a credential's quality, not a quality rating:
each is a published fact (a QA body named, outcome data published, a cost published, competencies
named). Shares are of distinct credentials in the group.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ler_analytics.metrics._frames import check_choice, count_flags, share
from ler_analytics.metrics.context import MetricsContext, Source, as_context
from ler_analytics.metrics.registry import metric

SIGNALS: dict[str, str] = {
    "qa": "Quality assurance (accredited, approved, recognized or regulated by a named body)",
    "outcome_data": "Outcome data published (aggregate data or a data set profile about it)",
    "cost": "Cost published",
    "competencies": "Competencies published (required, taught or assessed)",
    "duration": "Duration published",
}
"""Signal id → label."""

BY_OPTIONS: tuple[str, ...] = ("state_code", "credential_type", "credential_family")


def signal_frame(data: Source) -> pl.DataFrame:
    """One row per credential with a Boolean per signal (cached on the context).

    ``outcome_data`` is true when ``credentials.has_outcome_data`` is, or an ``outcomes`` row is about
    the credential. Nulls count as false.
    """
    ctx = as_context(data)

    def build() -> pl.DataFrame:
        creds = ctx.table("credentials").unique("ctid")
        about = ctx.table("outcomes").select(pl.col("about_ctid").alias("ctid")).drop_nulls().unique()
        return creds.select(
            "ctid",
            "credential_type",
            "credential_family",
            pl.col("has_qa").fill_null(False).alias("qa"),
            (pl.col("has_outcome_data").fill_null(False) | pl.col("ctid").is_in(about["ctid"].implode())).alias(
                "outcome_data"
            ),
            pl.col("has_cost").fill_null(False).alias("cost"),
            pl.col("has_competencies").fill_null(False).alias("competencies"),
            pl.col("has_duration").fill_null(False).alias("duration"),
        )

    return ctx.cached(("quality_signals",), build)


def attributed_signals(data: Source, rule: str, online: str) -> pl.DataFrame:
    """:func:`signal_frame` joined to the state attribution (one row per credential × state; cached)."""
    ctx = as_context(data)
    return ctx.cached(("attributed_signals", rule, online),
                      lambda: ctx.in_state(signal_frame(ctx), None, rule=rule, online=online))


@metric(
    title="Quality signals",
    unit="share (0-1)",
    definition=(
        "Share of credentials in a group (state, credential type) that publish each quality signal: a named "
        "quality-assurance body, outcome data, cost, competencies and duration."
    ),
    formula="share[g, signal] = credentials in g with the signal / credentials in g",
    caveats=(
        "A published fact, not a judgement of quality: an accreditor named in the record is not verified here. "
        "Outcome data published in separate data set profiles count only when they are in the snapshot. "
        "State groups use the state-attribution rule; a credential attributed to several states counts in each."
    ),
    source_tables=("credentials", "outcomes", "organizations", "locations"),
    value_column="share",
    group="quality",
)
def compute_quality_signals(
    data: Source,
    *,
    state: str | None = None,
    by: Sequence[str] = ("state_code", "credential_type"),
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Shares of credentials with each quality signal, per group.

    Args:
        data: a context, a snapshot or a mapping of tables.
        state: USPS code to keep one state.
        by: any of ``state_code``, ``credential_type``, ``credential_family``; ``()`` gives national rows.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        Long frame: group columns, ``signal``, ``label``, ``credential_count``, ``with_signal``, ``share``.
    """
    ctx = as_context(data)
    keys = [check_choice("by", b, BY_OPTIONS) for b in by]
    rule, online = ctx.options(rule, online)
    if state is None:
        return ctx.cached(("quality", tuple(keys), rule, online), lambda: _signals(ctx, keys, rule, online))
    inner = keys if "state_code" in keys else ["state_code", *keys]
    out = ctx.sliced(("quality", tuple(inner), rule, online), state, lambda: _signals(ctx, inner, rule, online))
    return out if "state_code" in keys else out.drop("state_code")


def _signals(ctx: MetricsContext, keys: list[str], rule: str, online: str) -> pl.DataFrame:
    frame = attributed_signals(ctx, rule, online) if "state_code" in keys else signal_frame(ctx)
    order = {name: i for i, name in enumerate(SIGNALS)}
    return (
        count_flags(frame, keys, list(SIGNALS), name="signal", total="credential_count", count="with_signal")
        .with_columns(
            share(pl.col("with_signal"), pl.col("credential_count")).alias("share"),
            pl.col("signal").replace_strict(SIGNALS, return_dtype=pl.String).alias("label"),
        )
        .sort([*keys, pl.col("signal").replace_strict(order, return_dtype=pl.Int64)], nulls_last=True)
        .select(*keys, "signal", "label", "credential_count", "with_signal", "share")
    )
