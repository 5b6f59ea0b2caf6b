"""Link health across many LERs: how well do issuers link their credentials to CTDL?

:func:`link_health` reads a folder of LERs, finds their CTDL links, resolves them against a snapshot
(offline; no network) and returns a :class:`LinkHealthReport` of aggregates only:

* share of achievements with any CTDL link, overall and by pattern,
* the same by issuer, with unresolvable, deprecated, Finder-URL-only and owner-differs counts,
* unresolvable CTIDs and deprecated targets (by CTID: Registry identifiers, not learner data),
* files that could not be read (file name and problem).

Privacy rules (tested): nothing about the learner (names, emails, identifiers, dates of birth,
results, credential ids) enters any aggregate; only achievement definitions, issuers and CTIDs are
used. Every count from 1 to k-1 (default k = 10) is suppressed (shown as null) and flagged, shares
computed from suppressed counts are suppressed too, and a second cell is suppressed where a single
suppressed cell could be recovered by subtraction. Issuers with fewer than k achievements are pooled.

The ``compute_ler_*`` functions are pure (frames in, frames out) and registered as metrics (group
``ler``); :func:`achievement_link_table` builds their input from read documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ler_analytics.ler.explain import _issuer_ctid_by_name
from ler_analytics.ler.links import PATTERN_LABELS, PATTERNS, find_links, links_by_achievement, primary_ctid
from ler_analytics.ler.read import MAX_BYTES, MAX_DEPTH, LerDocument, LerReadError, read_many
from ler_analytics.ler.resolve import SnapshotResolver
from ler_analytics.log import get_logger
from ler_analytics.metrics.registry import metric

if TYPE_CHECKING:
    import polars as pl

    from ler_analytics.snapshot import Snapshot

log = get_logger(__name__)

DEFAULT_K = 10
"""Smallest count shown in any aggregate; counts 1..k-1 are suppressed."""
OTHER_ISSUERS = "Other issuers (each with fewer than k achievements)"
UNKNOWN_ISSUER = "(issuer not named)"

_LINK_SOURCES = ("LER files", "credentials", "organizations", "competencies", "learning_opportunities")


def _achievement_schema() -> dict[str, Any]:
    import polars as pl

    return {
        "issuer": pl.String, "issuer_ctid": pl.String, "format": pl.String, "encoding": pl.String,
        "achievement_type": pl.String, "n_links": pl.Int64, "has_link": pl.Boolean, "has_ctid": pl.Boolean,
        "patterns": pl.List(pl.String), "finder_only": pl.Boolean, "primary_ctid": pl.String,
        "resolution": pl.String, "any_unresolvable": pl.Boolean, "deprecated": pl.Boolean,
        "any_deprecated": pl.Boolean, "owner_ctid": pl.String, "owner_differs": pl.Boolean,
    }


def _link_schema() -> dict[str, Any]:
    import polars as pl

    return {
        "issuer": pl.String, "pattern": pl.String, "ctid": pl.String, "resolution": pl.String,
        "target_name": pl.String, "target_type": pl.String, "status": pl.String, "deprecated": pl.Boolean,
        "achievement_key": pl.Int64,
    }


def achievement_link_table(
    docs: Iterable[LerDocument], resolver: SnapshotResolver
) -> tuple[pl.DataFrame, pl.DataFrame, list[LerReadError]]:
    """Per-achievement and per-link rows (no learner data) for the link-health metrics.

    Args:
        docs: read LER documents.
        resolver: resolves CTIDs against a snapshot.

    Returns:
        ``(achievements, links, errors)``. ``achievements``: one row per asserted achievement with
        issuer, format, link patterns, resolution, deprecated and owner-vs-issuer flags. ``links``: one
        row per link with a CTID (``achievement_key`` ties it to its achievement). ``errors``: documents
        whose links could not be analysed.
    """
    import polars as pl

    ach_rows: list[dict[str, Any]] = []
    link_rows: list[dict[str, Any]] = []
    errors: list[LerReadError] = []
    for doc in docs:
        try:
            links = find_links(doc)
            grouped = links_by_achievement(doc, links)
        except (RecursionError, ValueError, TypeError, KeyError) as exc:
            errors.append(LerReadError(doc.source, f"links could not be analysed ({type(exc).__name__})"))
            continue
        for ach in doc.achievements:
            ach_links = grouped.get(ach.path, [])
            key = len(ach_rows)
            issuer_ctid = ach.issuer_ctid or _issuer_ctid_by_name(resolver, ach.issuer_name)
            issuer = (ach.issuer_name or (resolver.organization_name(issuer_ctid) if issuer_ctid else None)
                      or ach.issuer_id or UNKNOWN_ISSUER)
            resolved = {link.ctid: resolver.resolve(link.ctid) for link in ach_links if link.ctid}
            target = primary_ctid(ach_links)
            found = resolved.get(target) if target else None
            owner = found.owner_ctid if found else None
            ach_rows.append(
                {
                    "issuer": issuer,
                    "issuer_ctid": issuer_ctid,
                    "format": doc.format,
                    "encoding": doc.encoding,
                    "achievement_type": ach.achievement_type,
                    "n_links": len(ach_links),
                    "has_link": bool(ach_links),
                    "has_ctid": any(link.ctid for link in ach_links),
                    "patterns": sorted({link.pattern for link in ach_links}),
                    "finder_only": bool(ach_links) and all(link.pattern == "finder_url" for link in ach_links),
                    "primary_ctid": target,
                    "resolution": ("no_link" if not ach_links else "no_ctid" if not target
                                   else "resolved" if found else "not_found"),
                    "any_unresolvable": any(v is None for v in resolved.values()),
                    "deprecated": bool(found and found.deprecated),
                    "any_deprecated": any(v is not None and v.deprecated for v in resolved.values()),
                    "owner_ctid": owner,
                    "owner_differs": None if not (owner and issuer_ctid) else owner != issuer_ctid,
                }
            )
            for link in ach_links:
                if not link.ctid:
                    continue
                hit = resolved.get(link.ctid)
                link_rows.append(
                    {
                        "issuer": issuer,
                        "pattern": link.pattern,
                        "ctid": link.ctid,
                        "resolution": "resolved" if hit else "not_found",
                        "target_name": hit.name if hit else None,
                        "target_type": hit.ctdl_type if hit else None,
                        "status": (hit.status or hit.life_cycle_status) if hit else None,
                        "deprecated": hit.deprecated if hit else None,
                        "achievement_key": key,
                    }
                )
    achievements = (pl.DataFrame(ach_rows, schema=_achievement_schema(), orient="row") if ach_rows
                    else pl.DataFrame(schema=_achievement_schema()))
    link_frame = (pl.DataFrame(link_rows, schema=_link_schema(), orient="row") if link_rows
                  else pl.DataFrame(schema=_link_schema()))
    return achievements, link_frame, errors


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


# --- the report --------------------------------------------------------------------------------------


@dataclass
class LinkHealthReport:
    """Aggregated link health of a folder of LERs (no learner data; small cells suppressed).

    Attributes:
        k: suppression threshold used.
        n_files: files seen. n_documents: files read. n_achievements: achievements read (suppressed
            to None when below k).
        coverage, by_issuer, problems, unresolvable, deprecated, formats: the metric frames.
        errors: files that could not be read (file name and problem).
        snapshot_source: the snapshot the CTIDs were resolved against. synthetic: whether it is demo data.
    """

    k: int
    n_files: int
    n_documents: int
    n_achievements: int | None
    coverage: pl.DataFrame
    by_issuer: pl.DataFrame
    problems: pl.DataFrame
    unresolvable: pl.DataFrame
    deprecated: pl.DataFrame
    formats: pl.DataFrame
    errors: list[LerReadError] = field(default_factory=list)
    snapshot_source: str = ""
    synthetic: bool = False

    @property
    def notice(self) -> str:
        """The privacy and suppression note shown with every output."""
        return (
            f"Aggregates only; nothing about learners is used. Counts from 1 to {self.k - 1} are suppressed "
            f"(shown as null, flagged in 'suppressed'); issuers with fewer than {self.k} achievements are pooled."
        )

    def frames(self) -> dict[str, pl.DataFrame]:
        """The aggregate frames by name."""
        return {
            "coverage": self.coverage, "by_issuer": self.by_issuer, "problems": self.problems,
            "unresolvable_ctids": self.unresolvable, "deprecated_targets": self.deprecated, "formats": self.formats,
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: summary, notice, every frame as records, and the file errors."""
        return {
            "k": self.k,
            "notice": self.notice,
            "n_files": self.n_files,
            "n_documents": self.n_documents,
            "n_errors": len(self.errors),
            "n_achievements": self.n_achievements,
            "snapshot_source": self.snapshot_source,
            "synthetic_snapshot": self.synthetic,
            **{name: frame.to_dicts() for name, frame in self.frames().items()},
            "errors": [e.as_dict() for e in self.errors],
        }

    def to_html(self, *, full_page: bool = True) -> str:
        """A self-contained HTML report of the aggregates (escaped, no external assets)."""
        from ler_analytics.ler.explain import _CSS, _e

        parts = [f"<style>{_CSS}</style>", '<div class="ler-card">', "<h3>LER link health</h3>",
                 f'<p class="ler-meta">{_e(self.notice)}</p>',
                 f'<p class="ler-meta">Files: {self.n_files} &middot; read: {self.n_documents} &middot; '
                 f"errors: {len(self.errors)} &middot; achievements: {_e(self.n_achievements)} &middot; "
                 f"snapshot: {_e(self.snapshot_source)}</p>"]
        if self.synthetic:
            parts.append('<p class="ler-synthetic">CTIDs resolved against synthetic demonstration data.</p>')
        for name, frame in self.frames().items():
            parts.append(f"<h4>{_e(name.replace('_', ' ').capitalize())}</h4>{_frame_html(frame)}")
        if self.errors:
            parts.append("<h4>Files not read</h4><ul>"
                         + "".join(f"<li>{_e(e.source)}: {_e(e.problem)}</li>" for e in self.errors) + "</ul>")
        parts.append("</div>")
        body = "".join(parts)
        if not full_page:
            return body
        return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LER link health</title></head>'
                f"<body>{body}</body></html>")


def _frame_html(frame: pl.DataFrame) -> str:
    from ler_analytics.ler.explain import _e

    if frame.is_empty():
        return '<p class="ler-muted">none</p>'
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    rows = []
    for row in frame.iter_rows():
        cells = []
        for value in row:
            if value is None:
                cells.append('<td class="ler-muted">suppressed/none</td>')
            elif isinstance(value, float):
                cells.append(f"<td>{value:.1%}</td>" if 0 <= value <= 1 else f"<td>{value:,.2f}</td>")
            elif isinstance(value, list):
                cells.append(f"<td>{_e(', '.join(map(str, value)))}</td>")
            else:
                cells.append(f"<td>{_e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def link_health_from_documents(
    docs: list[LerDocument], snap: Snapshot, *, k: int = DEFAULT_K, errors: list[LerReadError] | None = None,
    n_files: int | None = None, resolver: SnapshotResolver | None = None,
) -> LinkHealthReport:
    """Link health of already-read documents (see :func:`link_health`)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    resolver = resolver or SnapshotResolver(snap)
    achievements, links, link_errors = achievement_link_table(docs, resolver)
    all_errors = [*(errors or []), *link_errors]
    total = achievements.height
    return LinkHealthReport(
        k=k,
        n_files=n_files if n_files is not None else len(docs) + len(errors or []),
        n_documents=len(docs),
        n_achievements=total if (total >= k or total == 0) else None,
        coverage=compute_ler_link_coverage(achievements, k=k),
        by_issuer=compute_ler_link_health_by_issuer(achievements, k=k),
        problems=compute_ler_link_problems(achievements, k=k),
        unresolvable=compute_ler_unresolvable_ctids(links, k=k),
        deprecated=compute_ler_deprecated_targets(links, k=k),
        formats=compute_ler_formats(achievements, k=k),
        errors=all_errors,
        snapshot_source=snap.source,
        synthetic=snap.is_synthetic,
    )


def link_health(
    paths: str | Path | Iterable[str | Path],
    snap: Snapshot,
    *,
    k: int = DEFAULT_K,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
) -> LinkHealthReport:
    """Link health over a folder (or files) of LERs, resolved offline against a snapshot.

    Bad files are listed in ``report.errors`` (file name and problem) and the rest are analysed.
    No network connection is opened.

    Args:
        paths: a folder (read recursively), a file, or several of them.
        snap: the built snapshot to resolve CTIDs against.
        k: suppression threshold (default 10).
        max_bytes: per-file size limit.
        max_depth: JSON nesting limit.

    Returns:
        The :class:`LinkHealthReport`.
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    docs, errors = read_many(items, max_bytes=max_bytes, max_depth=max_depth)
    for error in errors:
        log.info("LER not read: %s: %s", error.source, error.problem)
    return link_health_from_documents(docs, snap, k=k, errors=errors, n_files=len(docs) + len(errors))
