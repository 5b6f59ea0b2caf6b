"""Coverage: how many credentials a state has, by type, provider type, status, delivery mode and level.

Counts are of distinct credentials. Which state a credential counts in is set by the attribution
``rule`` and ``online`` options (see :mod:`ler_analytics.metrics.attribution`). Dimensions that hold
several values per credential (provider type, delivery mode, audience level) count a credential
once under each of its values, so those cells add up to more than the credential total.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ler_analytics.metrics._frames import NOT_STATED, explode_labels, label_missing, share
from ler_analytics.metrics.attribution import SINGLE_ATTRIBUTION_RULE
from ler_analytics.metrics.context import MetricsContext, Source, as_context
from ler_analytics.metrics.registry import metric

# dimension name -> (column of the credential fact table, holds a list)
DIMENSIONS: dict[str, tuple[str, bool]] = {
    "credential_type": ("credential_type", False),
    "credential_family": ("credential_family", False),
    "provider_type": ("provider_types", True),
    "provider_class": ("provider_class", False),
    "status": ("status", False),
    "delivery_mode": ("delivery_types", True),
    "audience_level": ("audience_levels", True),
}
"""Coverage dimensions: ``provider_type`` is the owner's ``agent_types`` (e.g. ``Postsecondary``),
``provider_class`` its CTDL class (``CredentialOrganization``, ...)."""

DEFAULT_DIMENSIONS: tuple[str, ...] = (
    "credential_type", "provider_type", "status", "delivery_mode", "audience_level",
)  # fmt: skip

_ATTR_CAVEAT = (
    "The state a credential counts in depends on the attribution rule (default: owner address, offering "
    "organization address or availableAt place in the state); under the default a credential can count in "
    "several states. Records with no US address are not in any state."
)


def credential_facts(data: Source) -> pl.DataFrame:
    """One row per credential with the columns coverage needs, joined to its owner (cached on the context).

    Columns: ``ctid``, ``credential_type``, ``credential_family``, ``status``, ``delivery_types``,
    ``audience_levels``, ``owner_ctid``, ``provider_name``, ``provider_types`` (owner ``agent_types``),
    ``provider_class`` (owner ``organization_type``).
    """
    ctx = as_context(data)

    def build() -> pl.DataFrame:
        creds = ctx.table("credentials")
        orgs = ctx.table("organizations").select(
            pl.col("ctid").alias("owner_ctid"),
            pl.col("name").alias("provider_name"),
            pl.col("agent_types").alias("provider_types"),
            pl.col("organization_type").alias("provider_class"),
        ).unique("owner_ctid")
        return (
            creds.select(
                "ctid", "credential_type", "credential_family", "status", "delivery_types", "audience_levels",
                "owner_ctid",
            )
            .unique("ctid")
            .join(orgs, on="owner_ctid", how="left")
        )

    return ctx.cached(("credential_facts",), build)


def _check_dimensions(by: Sequence[str]) -> list[str]:
    by = list(by)
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown coverage dimension(s) {unknown}; use any of: {', '.join(DIMENSIONS)}")
    return by


@metric(
    title="Credential coverage",
    unit="credentials",
    definition=(
        "Number of distinct credentials attributed to each state, broken down by credential type, provider "
        "type, status, delivery mode and audience level (or any subset of these dimensions)."
    ),
    formula=(
        "count(distinct credential ctid) per state_code x dimensions, after attributing credentials to states "
        "with the chosen rule; list-valued dimensions (provider type, delivery mode, audience level) count a "
        "credential once under each of its values; a missing value is labelled 'Not stated'"
    ),
    caveats=_ATTR_CAVEAT + " Multi-valued dimensions do not sum to the credential total.",
    source_tables=("credentials", "organizations", "locations"),
    value_column="credential_count",
    group="coverage",
)
def compute_coverage(
    data: Source,
    *,
    state: str | None = None,
    by: Sequence[str] = DEFAULT_DIMENSIONS,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Credential counts by state and the chosen dimensions.

    Args:
        data: a :class:`~ler_analytics.metrics.context.MetricsContext`, a snapshot, or a mapping of tables
            (``credentials``, ``organizations``, ``locations``).
        state: USPS code to keep one state; None gives every state (and a null-state row for
            credentials that cannot be placed).
        by: dimensions from :data:`DIMENSIONS` (default :data:`DEFAULT_DIMENSIONS`).
        rule: state-attribution rule (default: the context's, ``"any"``).
        online: ``"local"`` or ``"national"`` (default: the context's, ``"local"``).

    Returns:
        ``state_code``, one column per dimension, ``credential_count``; sorted by state then count.
    """
    ctx = as_context(data)
    dims = _check_dimensions(by)
    rule, online = ctx.options(rule, online)
    return ctx.sliced(("coverage", tuple(dims), rule, online), state,
                      lambda: _coverage_all_states(ctx, dims, rule, online))


def attributed_facts(ctx: MetricsContext, rule: str, online: str) -> pl.DataFrame:
    """:func:`credential_facts` joined to the state attribution (one row per credential × state; cached)."""
    return ctx.cached(("attributed_facts", rule, online),
                      lambda: ctx.in_state(credential_facts(ctx), None, rule=rule, online=online))


def _coverage_all_states(ctx: MetricsContext, dims: list[str], rule: str, online: str) -> pl.DataFrame:
    frame = attributed_facts(ctx, rule, online)
    columns = ["ctid", "state_code"]
    exprs: list[pl.Expr] = []
    for dim in dims:
        source, is_list = DIMENSIONS[dim]
        if is_list:
            columns.append(source)
        else:
            exprs.append(label_missing(pl.col(source)).alias(dim))
    frame = frame.select(*columns, *exprs)
    for dim in dims:
        source, is_list = DIMENSIONS[dim]
        if is_list:
            frame = explode_labels(frame, source, dim)
    keys = ["state_code", *dims]
    return (
        frame.group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("credential_count"))
        .sort(["state_code", "credential_count", *dims], descending=[False, True, *([False] * len(dims))],
              nulls_last=True)
        .select(*keys, "credential_count")
    )


@metric(
    title="Credentials per 10,000 workers",
    unit="credentials per 10,000 workers",
    definition=(
        "Distinct credentials attributed to a state, and the same count per 10,000 workers in the state "
        "(OEWS May 2025 total employment, all occupations)."
    ),
    formula="credential_count[state] / OEWS tot_emp[state, 00-0000] x 10,000",
    caveats=(
        _ATTR_CAVEAT + " OEWS employment excludes the self-employed. With rule='provider_address' (single "
        "attribution) the state counts plus the unattributed count equal the national total."
    ),
    source_tables=("credentials", "organizations", "locations", "reference: oews_state"),
    value_column="credentials_per_10k_workers",
    group="coverage",
)
def compute_state_coverage(
    data: Source,
    *,
    state: str | None = None,
    rule: str | None = None,
    online: str | None = None,
    include_unattributed: bool = False,
) -> pl.DataFrame:
    """Credential counts per state, with total employment and credentials per 10,000 workers.

    Args:
        data: a context, a snapshot, or a mapping of tables (reference ``oews_state`` may be included).
        state: USPS code to keep one state; None gives the 50 states, DC and any other state or
            territory a credential is attributed to (states with no credential show 0).
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.
        include_unattributed: add a row with a null ``state_code`` counting credentials that the rule
            cannot place (only when ``state`` is None).

    Returns:
        ``state_code``, ``credential_count``, ``total_employment``, ``credentials_per_10k_workers``.
    """
    ctx = as_context(data)
    attr = ctx.attribution("credentials", rule=rule, online=online)
    if state is not None:
        attr = attr.filter(pl.col("state_code") == state.upper())
    counts = attr.group_by("state_code").agg(pl.col("ctid").n_unique().cast(pl.Int64).alias("credential_count"))
    universe = pl.DataFrame({"state_code": [state.upper()] if state else list(ctx.state_universe())})
    placed = counts.filter(pl.col("state_code").is_not_null())
    frame = universe.join(placed, on="state_code", how="full", coalesce=True)
    if include_unattributed and state is None:
        frame = pl.concat([frame, counts.filter(pl.col("state_code").is_null())], how="vertical_relaxed")
    employment = (
        ctx.ref("oews_state")
        .filter(pl.col("soc_code") == "00-0000")
        .select("state_code", pl.col("tot_emp").cast(pl.Float64).alias("total_employment"))
        .unique("state_code")
    )
    return (
        frame.with_columns(pl.col("credential_count").fill_null(0))
        .join(employment, on="state_code", how="left")
        .with_columns((share(pl.col("credential_count"), pl.col("total_employment")) * 10_000).alias(
            "credentials_per_10k_workers"))
        .sort("state_code", nulls_last=True)
        .select("state_code", "credential_count", "total_employment", "credentials_per_10k_workers")
    )


def national_total(data: Source) -> int:
    """Number of distinct credentials in the data (the national total the single-attribution counts sum to)."""
    return int(as_context(data).table("credentials")["ctid"].n_unique())


__all__ = [
    "DEFAULT_DIMENSIONS",
    "DIMENSIONS",
    "NOT_STATED",
    "SINGLE_ATTRIBUTION_RULE",
    "compute_coverage",
    "compute_state_coverage",
    "credential_facts",
    "national_total",
]
