"""LER link-health metrics: pure functions over the per-achievement and per-link frames.

The frames come from :func:`ler_analytics.ler.health.achievement_link_table` (no learner data in
them); :func:`ler_analytics.ler.health.link_health` runs everything over a folder of LERs. Every
count from 1 to k-1 (default k = 10) is suppressed (null) and flagged (``suppressed``,
``suppressed_columns``), shares from suppressed counts are null, issuers with fewer than k
achievements are pooled, and where one suppressed cell of a column could be recovered from a total
a second cell is suppressed. See ``docs/ler-linkage.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ler_analytics.ler.links import PATTERN_LABELS, PATTERNS
from ler_analytics.metrics.registry import metric

if TYPE_CHECKING:
    import polars as pl

DEFAULT_K = 10
"""Smallest count shown in any aggregate; counts 1..k-1 are suppressed."""
OTHER_ISSUERS = "Other issuers (each with fewer than k achievements)"

_LINK_SOURCES = ("LER files", "credentials", "organizations", "competencies", "learning_opportunities")


# --- small-cell suppression ------------------------------------------------------------------------


def suppress_counts(frame: pl.DataFrame, count_columns: list[str], *, k: int = DEFAULT_K,
                    secondary: bool = True) -> pl.DataFrame:
    """Null every count in 1..k-1 and flag the row (``suppressed``; ``suppressed_columns``: comma-separated names).

    With ``secondary``, when a column has exactly one suppressed cell, the smallest other non-zero
    cell of that column is suppressed too, so the hidden value cannot be recovered from a total.
    """
    import polars as pl

    if frame.is_empty():
        return frame.with_columns(pl.lit(False).alias("suppressed"),
                                  pl.lit("", dtype=pl.String).alias("suppressed_columns"))
    flags: dict[str, list[bool]] = {}
    for col in count_columns:
        values = frame.get_column(col).to_list()
        hidden = [v is not None and 0 < v < k for v in values]
        if secondary and sum(hidden) == 1:
            candidates = [(v, i) for i, v in enumerate(values) if v and not hidden[i]]
            if candidates:
                hidden[min(candidates)[1]] = True
        flags[col] = hidden
    rows_hidden = [[col for col in count_columns if flags[col][i]] for i in range(frame.height)]
    out = frame.with_columns(
        *[
            pl.Series(col, [None if flags[col][i] else v for i, v in enumerate(frame.get_column(col).to_list())],
                      dtype=pl.Int64)
            for col in count_columns
        ]
    )
    return out.with_columns(
        pl.Series("suppressed", [bool(h) for h in rows_hidden], dtype=pl.Boolean),
        pl.Series("suppressed_columns", [",".join(h) for h in rows_hidden], dtype=pl.String),
    )


def _share(numerator: str, denominator: str, name: str) -> pl.Expr:
    import polars as pl

    return (
        pl.when(pl.col(denominator).is_not_null() & (pl.col(denominator) > 0) & pl.col(numerator).is_not_null())
        .then(pl.col(numerator) / pl.col(denominator))
        .otherwise(None)
        .alias(name)
    )


# --- metrics -----------------------------------------------------------------------------------------


@metric(
    title="LER achievements linked to CTDL, by link pattern",
    unit="share of achievements (0-1)",
    definition="Share of the achievements asserted in a set of LERs that carry at least one link to CTDL "
    "data (Credential Registry URI, CTID or Credential Finder URL), overall and for each link pattern.",
    formula="achievements with >=1 link of the pattern / all achievements read; an achievement can use "
    "several patterns",
    caveats="Counts from 1 to k-1 (default k=10) are suppressed and flagged. Achievements, not learners, are "
    "counted: one CLR can assert many. Links are found by pattern, not by JSON-LD expansion of remote contexts.",
    source_tables=_LINK_SOURCES,
    value_column="share",
    group="ler",
)
def compute_ler_link_coverage(achievements: pl.DataFrame, *, k: int = DEFAULT_K) -> pl.DataFrame:
    """Share of achievements with any CTDL link, and with each link pattern.

    Args:
        achievements: from :func:`achievement_link_table`.
        k: smallest count shown.

    Returns:
        Columns ``pattern``, ``label``, ``n_achievements``, ``n_total``, ``share``, ``suppressed``,
        ``suppressed_columns``. The first row (``any``) is any link; ``none`` is no link at all.
    """
    import polars as pl

    total = achievements.height
    rows = [{"pattern": "any", "label": "Any CTDL link", "n_achievements": int(achievements["has_link"].sum() or 0)}]
    rows.append({"pattern": "with_ctid", "label": "A link carrying a CTID",
                 "n_achievements": int(achievements["has_ctid"].sum() or 0)})
    exploded = achievements.select("patterns").explode("patterns").drop_nulls()
    counts = dict(exploded.group_by("patterns").len().iter_rows()) if exploded.height else {}
    for pattern in PATTERNS:
        rows.append({"pattern": pattern, "label": PATTERN_LABELS[pattern],
                     "n_achievements": int(counts.get(pattern, 0))})
    rows.append({"pattern": "none", "label": "No CTDL link",
                 "n_achievements": int(total - (achievements["has_link"].sum() or 0))})
    frame = pl.DataFrame(rows, schema={"pattern": pl.String, "label": pl.String, "n_achievements": pl.Int64})
    frame = frame.with_columns(pl.lit(total if total >= k or total == 0 else None, dtype=pl.Int64).alias("n_total"))
    # patterns overlap, so cells are not a partition: no secondary suppression needed across rows
    frame = suppress_counts(frame, ["n_achievements"], k=k, secondary=False)
    if total and total < k:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("n_achievements"),
            pl.lit(True).alias("suppressed"),
            pl.lit("n_achievements,n_total").alias("suppressed_columns"),
        )
    return frame.with_columns(_share("n_achievements", "n_total", "share")).select(
        "pattern", "label", "n_achievements", "n_total", "share", "suppressed", "suppressed_columns"
    )


_ISSUER_COUNTS = ["n_achievements", "n_linked", "n_with_ctid", "n_resolved", "n_unresolvable", "n_deprecated",
                  "n_finder_only", "n_owner_differs"]


@metric(
    title="LER link health by issuer",
    unit="achievements",
    definition="For each issuer in a set of LERs: achievements asserted, how many link to CTDL, carry a CTID, "
    "resolve in the snapshot, point to unknown CTIDs, to deprecated records, only to Credential Finder URLs, "
    "or to records whose Registry owner differs from the issuer.",
    formula="counts of achievements per issuer name; share_linked = n_linked / n_achievements",
    caveats="Issuers with fewer than k achievements are pooled; counts from 1 to k-1 are suppressed (null) and "
    "flagged, with a second cell suppressed where one could be recovered by subtraction. Owner-vs-issuer is "
    "only decided when the LER states the issuer's CTID or the issuer name matches one Registry organization.",
    source_tables=_LINK_SOURCES,
    value_column="share_linked",
    group="ler",
)
def compute_ler_link_health_by_issuer(achievements: pl.DataFrame, *, k: int = DEFAULT_K) -> pl.DataFrame:
    """Link health per issuer (small issuers pooled, small cells suppressed).

    Returns:
        Columns ``issuer``, ``n_achievements``, ``n_linked``, ``n_with_ctid``, ``n_resolved``,
        ``n_unresolvable``, ``n_deprecated``, ``n_finder_only``, ``n_owner_differs``, ``share_linked``,
        ``suppressed``, ``suppressed_columns``; largest issuers first, pooled row last.
    """
    import polars as pl

    if achievements.is_empty():
        empty = pl.DataFrame(schema={"issuer": pl.String, **{c: pl.Int64 for c in _ISSUER_COUNTS}})
        return suppress_counts(empty, _ISSUER_COUNTS, k=k).with_columns(
            pl.lit(None, dtype=pl.Float64).alias("share_linked")
        ).select("issuer", *_ISSUER_COUNTS, "share_linked", "suppressed", "suppressed_columns")
    sizes = achievements.group_by("issuer").len()
    small = set(sizes.filter(pl.col("len") < k).get_column("issuer").to_list())
    grouped = achievements.with_columns(
        pl.when(pl.col("issuer").is_in(list(small))).then(pl.lit(OTHER_ISSUERS)).otherwise(pl.col("issuer"))
        .alias("issuer")
    )
    out = grouped.group_by("issuer").agg(
        pl.len().cast(pl.Int64).alias("n_achievements"),
        pl.col("has_link").sum().cast(pl.Int64).alias("n_linked"),
        pl.col("has_ctid").sum().cast(pl.Int64).alias("n_with_ctid"),
        (pl.col("resolution") == "resolved").sum().cast(pl.Int64).alias("n_resolved"),
        pl.col("any_unresolvable").sum().cast(pl.Int64).alias("n_unresolvable"),
        pl.col("any_deprecated").sum().cast(pl.Int64).alias("n_deprecated"),
        pl.col("finder_only").sum().cast(pl.Int64).alias("n_finder_only"),
        pl.col("owner_differs").fill_null(False).sum().cast(pl.Int64).alias("n_owner_differs"),
    )
    out = out.with_columns((pl.col("issuer") == OTHER_ISSUERS).alias("_pooled")).sort(
        ["_pooled", "n_achievements", "issuer"], descending=[False, True, False]
    ).drop("_pooled")
    out = suppress_counts(out, _ISSUER_COUNTS, k=k)
    return out.with_columns(_share("n_linked", "n_achievements", "share_linked")).select(
        "issuer", *_ISSUER_COUNTS, "share_linked", "suppressed", "suppressed_columns"
    )


_PROBLEMS = (
    ("read", "Achievements read", None),
    ("linked", "With any CTDL link", "has_link"),
    ("with_ctid", "With a link carrying a CTID", "has_ctid"),
    ("resolved", "Primary CTID found in the snapshot", None),
    ("unresolvable", "Linking to a CTID not in the snapshot", "any_unresolvable"),
    ("deprecated", "Linking to a deprecated or ceased record", "any_deprecated"),
    ("finder_only", "Linked only through Credential Finder URLs", "finder_only"),
    ("owner_differs", "Registry owner differs from the LER issuer", "owner_differs"),
    ("owner_unknown", "Owner vs issuer could not be decided", None),
    ("no_link", "Without any CTDL link", None),
)


@metric(
    title="LER link problems",
    unit="achievements",
    definition="How many achievements in a set of LERs link to CTDL, and how many links are broken (unknown "
    "CTID), point to deprecated records, rely only on Credential Finder URLs, or name a record owned by "
    "another organization than the issuer.",
    formula="counts of achievements with each condition; share = count / achievements read",
    caveats="Counts from 1 to k-1 (default k=10) are suppressed and flagged. 'Not in the snapshot' means not "
    "in the snapshot used (a partial harvest or the demo twin), not necessarily absent from the Registry.",
    source_tables=_LINK_SOURCES,
    value_column="share",
    group="ler",
)
def compute_ler_link_problems(achievements: pl.DataFrame, *, k: int = DEFAULT_K) -> pl.DataFrame:
    """One row per link-health condition with its count and share of achievements.

    Returns:
        Columns ``problem``, ``label``, ``n_achievements``, ``share``, ``suppressed``, ``suppressed_columns``.
    """
    import polars as pl

    total = achievements.height
    rows = []
    for key, label, col in _PROBLEMS:
        if key == "read":
            n = total
        elif key == "resolved":
            n = int((achievements["resolution"] == "resolved").sum()) if total else 0
        elif key == "owner_unknown":
            n = int(((achievements["resolution"] == "resolved") & achievements["owner_differs"].is_null()).sum()) \
                if total else 0
        elif key == "no_link":
            n = int((~achievements["has_link"]).sum()) if total else 0
        else:
            n = int(achievements[col].fill_null(False).sum()) if total else 0
        rows.append({"problem": key, "label": label, "n_achievements": n})
    frame = pl.DataFrame(rows, schema={"problem": pl.String, "label": pl.String, "n_achievements": pl.Int64})
    frame = suppress_counts(frame, ["n_achievements"], k=k, secondary=False)
    denominator = total if total >= k else None
    return frame.with_columns(
        (pl.col("n_achievements") / denominator if denominator else pl.lit(None, dtype=pl.Float64)).alias("share")
    ).select("problem", "label", "n_achievements", "share", "suppressed", "suppressed_columns")


@metric(
    title="Unresolvable CTIDs in LERs",
    unit="achievements",
    definition="CTIDs named by LER links that are not in the snapshot, with how many achievements and issuers "
    "use them and through which link patterns.",
    formula="group links whose CTID is not in the snapshot by CTID; count distinct achievements and issuers",
    caveats="Achievement and issuer counts from 1 to k-1 are suppressed (null) and flagged; the CTID itself is "
    "a Registry identifier, not learner data.",
    source_tables=_LINK_SOURCES,
    value_column="n_achievements",
    group="ler",
)
def compute_ler_unresolvable_ctids(links: pl.DataFrame, *, k: int = DEFAULT_K) -> pl.DataFrame:
    """CTIDs that do not resolve, most used first.

    Args:
        links: the link rows from :func:`achievement_link_table`.
        k: smallest count shown.

    Returns:
        Columns ``ctid``, ``patterns``, ``n_achievements``, ``n_issuers``, ``suppressed``, ``suppressed_columns``.
    """
    import polars as pl

    bad = links.filter(pl.col("resolution") == "not_found")
    out = bad.group_by("ctid").agg(
        pl.col("pattern").unique().sort().str.join(", ").alias("patterns"),
        pl.col("achievement_key").n_unique().cast(pl.Int64).alias("n_achievements"),
        pl.col("issuer").n_unique().cast(pl.Int64).alias("n_issuers"),
    ).sort(["n_achievements", "ctid"], descending=[True, False])
    return suppress_counts(out, ["n_achievements", "n_issuers"], k=k, secondary=False)


@metric(
    title="Deprecated CTDL records linked from LERs",
    unit="achievements",
    definition="Registry records linked from LERs whose credential status or life-cycle status says they are "
    "deprecated, ceased or suspended.",
    formula="group links to records with a deprecated status by CTID; count distinct achievements",
    caveats="Status as of the snapshot date. Counts from 1 to k-1 are suppressed and flagged.",
    source_tables=_LINK_SOURCES,
    value_column="n_achievements",
    group="ler",
)
def compute_ler_deprecated_targets(links: pl.DataFrame, *, k: int = DEFAULT_K) -> pl.DataFrame:
    """Deprecated targets, most used first.

    Returns:
        Columns ``ctid``, ``name``, ``ctdl_type``, ``status``, ``n_achievements``, ``suppressed``,
        ``suppressed_columns``.
    """
    import polars as pl

    dep = links.filter(pl.col("deprecated").fill_null(False))
    out = dep.group_by("ctid").agg(
        pl.col("target_name").first().alias("name"),
        pl.col("target_type").first().alias("ctdl_type"),
        pl.col("status").first().alias("status"),
        pl.col("achievement_key").n_unique().cast(pl.Int64).alias("n_achievements"),
    ).sort(["n_achievements", "ctid"], descending=[True, False])
    return suppress_counts(out, ["n_achievements"], k=k, secondary=False)


@metric(
    title="LER formats read",
    unit="achievements",
    definition="Achievements read from a set of LERs by format (OB 3.0, CLR 2.0, W3C VC 1.1/2.0, OB 2.0) and "
    "encoding (JSON-LD or VC-JWT), with the share linked to CTDL.",
    formula="count of achievements per format and encoding; share_linked = linked / achievements",
    caveats="Counts from 1 to k-1 are suppressed and flagged.",
    source_tables=("LER files",),
    value_column="n_achievements",
    group="ler",
)
def compute_ler_formats(achievements: pl.DataFrame, *, k: int = DEFAULT_K) -> pl.DataFrame:
    """Achievements by LER format and encoding.

    Returns:
        Columns ``format``, ``encoding``, ``n_achievements``, ``n_linked``, ``share_linked``, ``suppressed``,
        ``suppressed_columns``.
    """
    import polars as pl

    out = achievements.group_by("format", "encoding").agg(
        pl.len().cast(pl.Int64).alias("n_achievements"),
        pl.col("has_link").sum().cast(pl.Int64).alias("n_linked"),
    ).sort(["n_achievements", "format", "encoding"], descending=[True, False, False])
    out = suppress_counts(out, ["n_achievements", "n_linked"], k=k)
    return out.with_columns(_share("n_linked", "n_achievements", "share_linked")).select(
        "format", "encoding", "n_achievements", "n_linked", "share_linked", "suppressed", "suppressed_columns"
    )
