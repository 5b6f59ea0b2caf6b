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

The ``compute_ler_*`` functions are pure (frames in, frames out), live in
:mod:`ler_analytics.metrics.ler_links` and are registered as metrics (group ``ler``);
:func:`achievement_link_table` builds their input from read documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ler_analytics.ler.explain import _issuer_ctid_by_name
from ler_analytics.ler.links import find_links, links_by_achievement, primary_ctid
from ler_analytics.ler.read import MAX_BYTES, MAX_DEPTH, LerDocument, LerReadError, read_many
from ler_analytics.ler.resolve import SnapshotResolver
from ler_analytics.log import get_logger
from ler_analytics.metrics.ler_links import (
    DEFAULT_K,
    OTHER_ISSUERS,
    compute_ler_deprecated_targets,
    compute_ler_formats,
    compute_ler_link_coverage,
    compute_ler_link_health_by_issuer,
    compute_ler_link_problems,
    compute_ler_unresolvable_ctids,
    suppress_counts,
)

if TYPE_CHECKING:
    import polars as pl

    from ler_analytics.snapshot import Snapshot

__all__ = [
    "DEFAULT_K", "OTHER_ISSUERS", "UNKNOWN_ISSUER", "LinkHealthReport", "achievement_link_table",
    "compute_ler_deprecated_targets", "compute_ler_formats", "compute_ler_link_coverage",
    "compute_ler_link_health_by_issuer", "compute_ler_link_problems", "compute_ler_unresolvable_ctids",
    "link_health", "link_health_from_documents", "suppress_counts", "synthetic_link_health",
]

log = get_logger(__name__)

UNKNOWN_ISSUER = "(issuer not named)"


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

        parts = [f"<style>{_CSS}</style>", '<div class="ler-card" style="max-width:none">', "<h3>LER link health</h3>",
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
    return f'<div style="overflow-x:auto"><table><tr>{head}</tr>{"".join(rows)}</table></div>'


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


def synthetic_link_health(
    snap: Snapshot, *, n: int = 200, seed: int = 42, k: int = DEFAULT_K, folder: str | Path | None = None
) -> LinkHealthReport:
    """Link health of synthetic LERs issued against ``snap`` (for the demo and the LER dashboard).

    The LERs are written once by :func:`ler_analytics.ler.synthetic.ensure_synthetic_lers` (default:
    the sibling folder ``<snapshot>-synthetic-lers``) and reused afterwards.
    """
    from ler_analytics.ler.synthetic import ensure_synthetic_lers

    return link_health(ensure_synthetic_lers(snap, folder, n=n, seed=seed), snap, k=k)
