"""The numbers and figures of a state report, shared by the notebooks, ``ler report`` and ``ler publish``.

One place decides what a state report shows, so a notebook, its HTML report and the static site
page of the same state on the same snapshot give the same numbers::

    from ler_analytics import state_report as sr
    snap = sr.open_report_snapshot(None)          # None: $LER_SNAPSHOT, else the demo twin
    sr.state_headline(snap, "CO")                 # the headline numbers (plain dict)
    sr.coverage_section(snap, "CO")               # a Section: figures + data + "how computed" notes

A :class:`Section` displays itself in a notebook (a heading, each chart and its note) and gives its
figures and data frames to the static site.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ler_analytics.errors import LerError

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl

    from ler_analytics.snapshot import Snapshot

TOP_N = 12
"""Bars shown in ranked-bar charts (the data behind the chart is exactly what is drawn)."""

HEADLINE_LABELS: dict[str, tuple[str, str]] = {
    "credentials": ("Credentials", "attributed to the state"),
    "providers": ("Providers", "owning them"),
    "learning_opportunities": ("Learning opportunities", "programs and courses"),
    "competencies": ("Competencies", "required, taught or assessed"),
    "credentials_per_10k_workers": ("Per 10,000 workers", "credentials, OEWS employment"),
    "transparency_index": ("Transparency index", "of 100"),
    "share_qa": ("Name a QA body", "share of credentials"),
    "share_outcome_data": ("Publish outcome data", "share of credentials"),
    "share_cost": ("Publish cost", "share of credentials"),
    "share_with_next_step": ("Lead to a next step", "share of credentials"),
    "dead_ends": ("Dead ends", "credentials with no next step"),
}
"""Headline key → (label, unit line), in display order."""

RECENT_N = 8
"""Rows of the "newest credentials" table."""

_HUMANIZE = {"credential_type", "provider_type", "delivery_mode", "audience_level"}
"""Columns of CTDL local names shown as words in tables ("AssociateDegree" → "Associate Degree")."""

_SHARES = {"share_qa", "share_outcome_data", "share_cost", "share_with_next_step"}


# ---- snapshot and state -------------------------------------------------------------------------


def open_report_snapshot(snapshot: str | os.PathLike[str] | None = None) -> Snapshot:
    """Open the snapshot a report should use: ``snapshot``, else ``$LER_SNAPSHOT``, else the demo twin."""
    from ler_analytics.apps.base import resolve_snapshot
    from ler_analytics.snapshot import open_snapshot

    return open_snapshot(resolve_snapshot(snapshot))


def snapshot_info(snap: Snapshot) -> dict[str, Any]:
    """Identity of a snapshot for a report: id, date, source, licence, synthetic flag and manifest SHA-256."""
    manifest_path = Path(snap.path) / "manifest.json"
    raw = manifest_path.read_bytes() if manifest_path.exists() else json.dumps(snap.manifest).encode()
    created = str(snap.manifest.get("created_at") or "")
    return {
        "id": snap.manifest.get("id"),
        "created_at": created,
        "date": created[:10],
        "source": snap.manifest.get("source"),
        "licence": snap.manifest.get("licence"),
        "synthetic": bool(snap.is_synthetic),
        "manifest_sha256": hashlib.sha256(raw).hexdigest(),
    }


def provenance(snap: Snapshot) -> Any:
    """Where the numbers come from, for the top of a notebook or report (IPython HTML).

    The synthetic-data notice on the demo twin, then the snapshot id, date, source and licence.
    Styles are inline so the block looks the same in Jupyter and in the exported HTML.
    """
    from html import escape

    from IPython.display import HTML

    from ler_analytics.snapshot import DEMO_NOTICE

    info = snapshot_info(snap)
    notice = ""
    if info["synthetic"]:
        notice = (
            "<div data-testid='synthetic-notice' style='background:#FFF4DB;border-left:5px solid #E69F00;"
            "padding:8px 12px;margin:4px 0;border-radius:4px'><strong>Synthetic demonstration data.</strong> "
            f"{escape(DEMO_NOTICE)} The numbers describe no real state.</div>"
        )
    return HTML(
        f"{notice}<div style='font-size:90%;color:#486581;margin:4px 0'>"
        f"<strong>Snapshot</strong> {escape(str(info['id']))} taken {escape(info['date'] or 'unknown date')} · "
        f"<strong>Source</strong> {escape(str(info['source']))} · <strong>Licence</strong> "
        f"{escape(str(info['licence'] or 'not stated'))}</div>"
    )


def report_states(snap: Snapshot) -> list[str]:
    """USPS codes of the states with at least one credential, most credentials first."""
    from ler_analytics.apps.data import states_with_credentials

    return states_with_credentials(snap)


def check_state(snap: Snapshot, state: str | None) -> str:
    """The state a report shows: ``state`` (case-insensitive), or the largest state when None.

    Raises:
        LerError: the state has no credentials in this snapshot (the message lists the ones that do).
    """
    states = report_states(snap)
    if not states:
        raise LerError(f"snapshot {snap.path} has no credentials attributed to any state; run `ler build` on it first")
    if state is None:
        return states[0]
    code = str(state).strip().upper()
    if code not in states:
        raise LerError(
            f"state {state!r} has no credentials in snapshot {snap.path}; states with credentials: {', '.join(states)}"
        )
    return code


# ---- headline numbers ----------------------------------------------------------------------------


def _round(value: Any, digits: int) -> Any:
    return None if value is None else round(float(value), digits)


def state_headline(snap: Snapshot, state: str) -> dict[str, Any]:
    """The headline numbers of a state report (plain JSON-able values, rounded so reruns match exactly).

    Keys are those of :data:`HEADLINE_LABELS`, plus ``state_code``. Counts use the metrics' default
    state-attribution rule; shares are 0–1 (four decimals), the transparency index 0–100 (two).
    """
    import polars as pl

    from ler_analytics.apps.data import headline_counts
    from ler_analytics.metrics.context import as_context
    from ler_analytics.metrics.coverage import compute_state_coverage
    from ler_analytics.metrics.pathways import compute_pathway_summary
    from ler_analytics.metrics.quality import compute_quality_signals
    from ler_analytics.metrics.transparency import compute_transparency_index

    ctx = as_context(snap)
    counts = headline_counts(snap, state)
    cov = compute_state_coverage(ctx, state=state)
    per_10k = cov["credentials_per_10k_workers"].item() if cov.height else None
    index = compute_transparency_index(ctx, state=state)
    signals = compute_quality_signals(ctx, state=state, by=("state_code",))
    share = {r["signal"]: r["share"] for r in signals.iter_rows(named=True)}
    paths = compute_pathway_summary(ctx, state=state).filter(pl.col("state_code") == state)
    path_row = paths.row(0, named=True) if paths.height else {}
    return {
        "state_code": state,
        **{k: int(v) for k, v in counts.items()},
        "credentials_per_10k_workers": _round(per_10k, 2),
        "transparency_index": _round(index["transparency_index"].item() if index.height else None, 2),
        "share_qa": _round(share.get("qa"), 4),
        "share_outcome_data": _round(share.get("outcome_data"), 4),
        "share_cost": _round(share.get("cost"), 4),
        "share_with_next_step": _round(path_row.get("share_with_next_step"), 4),
        "dead_ends": int(path_row.get("dead_ends") or 0),
    }


def format_headline_value(key: str, value: Any) -> str:
    """Display text of one headline number (``0.42`` → ``"42%"`` for shares, thousands separators)."""
    if value is None:
        return "–"
    if key in _SHARES:
        return f"{float(value) * 100:.0f}%"
    if key == "transparency_index":
        return f"{float(value):.0f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def states_table(snap: Snapshot, states: list[str] | None = None) -> pl.DataFrame:
    """One row per state: name, credentials, per 10,000 workers, transparency index (for the site's index)."""
    import polars as pl

    from ler_analytics.charts.theme import state_label
    from ler_analytics.metrics.context import as_context
    from ler_analytics.metrics.coverage import compute_state_coverage
    from ler_analytics.metrics.transparency import compute_transparency_index

    ctx = as_context(snap)
    keep = states if states is not None else report_states(snap)
    cov = compute_state_coverage(ctx).filter(pl.col("state_code").is_in(keep))
    index = compute_transparency_index(ctx, by=("state_code",)).select("state_code", "transparency_index")
    out = cov.select("state_code", "credential_count", "credentials_per_10k_workers").join(
        index, on="state_code", how="left"
    )
    return (
        out.with_columns(
            pl.col("state_code").map_elements(state_label, return_dtype=pl.String).alias("state_name"),
            pl.col("credentials_per_10k_workers").round(2),
            pl.col("transparency_index").round(2),
        )
        .select("state_code", "state_name", "credential_count", "credentials_per_10k_workers", "transparency_index")
        .sort(["credential_count", "state_code"], descending=[True, False])
    )


# ---- sections ------------------------------------------------------------------------------------


@dataclass
class Panel:
    """One chart (or table) of a report, the exact data behind it and how it was computed."""

    key: str
    title: str
    data: pl.DataFrame
    note: str
    figure: go.Figure | None = None
    table_columns: dict[str, str] | None = None
    wide: bool = False
    """Give the panel a full row on the static site (long category labels or wide tables)."""


@dataclass
class Section:
    """A titled group of panels; displays itself in a notebook (heading, charts, notes)."""

    key: str
    title: str
    state: str | None
    panels: list[Panel] = field(default_factory=list)

    def panel(self, key: str) -> Panel:
        """The panel called ``key``."""
        for p in self.panels:
            if p.key == key:
                return p
        raise KeyError(f"section {self.key!r} has no panel {key!r}; panels: {[p.key for p in self.panels]}")

    def data(self, key: str) -> pl.DataFrame:
        """The data frame behind panel ``key``."""
        return self.panel(key).data

    def figure(self, key: str) -> go.Figure | None:
        """The plotly figure of panel ``key`` (None for a table panel)."""
        return self.panel(key).figure

    def _ipython_display_(self) -> None:
        from html import escape

        import plotly.graph_objects as go
        from IPython.display import HTML, display

        display(HTML(f"<h2>{escape(self.title)}</h2>"))
        for p in self.panels:
            if p.figure is not None:
                # the finding goes into an HTML heading, which wraps (chart titles are already escaped)
                fig = go.Figure(p.figure)
                finding = fig.layout.title.text or escape(p.title)
                fig.update_layout(title=None, margin={"t": 16})
                display(HTML(f"<h3>{finding}</h3>"))
                fig.show()
            else:
                display(HTML(table_html(p.data, p.table_columns or {}, caption=p.title)))
            display(HTML(f"<p class='ler-note'><em>How this was computed:</em> {escape(p.note)}</p>"))


def table_html(frame: pl.DataFrame, columns: dict[str, str], *, caption: str = "", limit: int = 50) -> str:
    """A plain HTML table of ``columns`` (column → header) of ``frame``; every value is HTML-escaped."""
    from html import escape

    cols = [c for c in columns if c in frame.columns] or list(frame.columns)
    head = "".join(f"<th>{escape(columns.get(c, c))}</th>" for c in cols)
    from ler_analytics.charts.theme import humanize

    body = []
    words = [c in _HUMANIZE for c in cols]
    for row in frame.head(limit).select(cols).iter_rows():
        cells = "".join(
            f"<td>{escape(humanize(v) if h and v is not None else format_cell(v))}</td>"
            for v, h in zip(row, words, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    empty = f"<tr><td colspan='{len(cols)}'>No rows.</td></tr>" if not body else ""
    return f"<table class='ler-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}{empty}</tbody></table>"


def show_table(frame: pl.DataFrame, columns: dict[str, str] | None = None, *, limit: int = 200) -> Any:
    """A data frame as an IPython HTML table showing up to ``limit`` rows (values HTML-escaped)."""
    from IPython.display import HTML

    return HTML(table_html(frame, columns or {c: c for c in frame.columns}, limit=limit))


def format_cell(value: Any) -> str:
    """Text of one table cell (floats to 2 decimals, None as a dash)."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _note(fn: Callable[..., Any], extra: str = "") -> str:
    from ler_analytics.apps.data import note_for

    return note_for(fn, extra)


def coverage_section(snap: Snapshot, state: str) -> Section:
    """Coverage: the US map, credentials by type, supply per 1,000 openings, uncovered in-demand occupations."""
    from ler_analytics.charts import coverage as charts
    from ler_analytics.metrics.context import as_context
    from ler_analytics.metrics.coverage import compute_coverage, compute_state_coverage
    from ler_analytics.metrics.occupations import compute_supply_per_openings, compute_uncovered_occupations

    ctx = as_context(snap)
    by_state = compute_state_coverage(ctx).select(
        "state_code", "credential_count", "total_employment", "credentials_per_10k_workers"
    )
    mine = by_state.filter(by_state["state_code"] == state)
    total = int(mine["credential_count"].item()) if mine.height else 0
    types_all = compute_coverage(ctx, state=state, by=["credential_type"]).sort(
        ["credential_count", "credential_type"], descending=[True, False], nulls_last=True
    )
    types = types_all.head(TOP_N)
    supply = compute_supply_per_openings(ctx, state=state)
    supply = supply.select(
        "state_code", "soc_major_group", "soc_major_group_title", "credential_count",
        *[c for c in ("est_annual_openings", "supply") if c in supply.columns], "supply_per_1000_openings",
    )
    uncovered = compute_uncovered_occupations(ctx, state=state, top=15)
    recent = recent_credentials(snap, state, RECENT_N)
    extra = "" if types_all.height <= TOP_N else f"Top {TOP_N} of {types_all.height} types shown."
    return Section("coverage", "Coverage", state, [
        Panel("map", "Credentials by state", by_state, _note(compute_state_coverage),
              charts.plot_credentials_map(by_state, state=state)),
        Panel("credential_type", "Credentials by type", types, _note(compute_coverage, extra),
              charts.plot_breakdown(types, "credential_type", state=state, total=total)),
        Panel("supply", "Supply per 1,000 openings", supply, _note(compute_supply_per_openings),
              charts.plot_supply_per_openings(supply, state=state), wide=True),
        Panel("uncovered", "Uncovered in-demand occupations", uncovered, _note(compute_uncovered_occupations),
              charts.plot_uncovered_occupations(uncovered, state=state), wide=True),
        Panel("recent", "Newest credentials", recent,
              "Credentials attributed to the state (default attribution rule), ordered by the date the Registry "
              "last updated their envelope (envelope_updated_at), newest first.",
              None, {"name": "Credential", "credential_type": "Type", "provider_name": "Provider",
                     "updated": "Updated"}, wide=True),
    ])


def recent_credentials(snap: Snapshot, state: str, n: int = 8) -> pl.DataFrame:
    """The ``n`` most recently updated credentials attributed to ``state`` (as on the overview dashboard)."""
    from ler_analytics.apps.overview import recent_credentials as _recent

    return _recent(snap, state, n)


def transparency_section(snap: Snapshot, state: str) -> Section:
    """Transparency: fill rates by benchmark item, the state against others, the least complete providers."""
    import polars as pl

    from ler_analytics.charts import overview as overview_charts
    from ler_analytics.charts import transparency as charts
    from ler_analytics.metrics.context import as_context
    from ler_analytics.metrics.transparency import compute_fill_rates, compute_transparency_index

    ctx = as_context(snap)
    fill = compute_fill_rates(ctx, state=state).select(
        "state_code", "item", "label", "weight", "records", "present", "fill_rate"
    )
    by_state = compute_transparency_index(ctx, by=("state_code",)).filter(pl.col("state_code").is_not_null())
    us = compute_transparency_index(ctx, by=())
    us_index = us["transparency_index"].item() if us.height else None
    providers = (
        compute_transparency_index(ctx, state=state, by=("state_code", "provider"))
        .filter(pl.col("transparency_index").is_not_null())
        .sort(["transparency_index", "records", "provider_ctid"], descending=[False, True, False])
        .head(TOP_N)
        .select("state_code", "provider_ctid", "provider_name", "records", "transparency_index")
    )
    return Section("transparency", "Transparency", state, [
        Panel("fill_rates", "Fill rates by item", fill, _note(compute_fill_rates),
              charts.plot_fill_rates(fill, state=state)),
        Panel("by_state", "Transparency index by state", by_state, _note(compute_transparency_index),
              overview_charts.plot_transparency_by_state(by_state, state=state, national=us_index)),
        Panel("providers", "Least complete providers", providers,
              _note(compute_transparency_index, f"The {TOP_N} providers with the lowest index are shown."),
              charts.plot_provider_index(providers, state=state)),
    ])


def skill_gap_section(snap: Snapshot, state: str, *, n: int = 10) -> Section:
    """Skill gaps: the state's top gaps, and the largest gap in each SOC major group (table)."""
    import polars as pl

    from ler_analytics.charts import skills as charts
    from ler_analytics.metrics.context import as_context
    from ler_analytics.metrics.skills import compute_top_skill_gaps

    ctx = as_context(snap)
    gaps = compute_top_skill_gaps(ctx, state=state, n=n)
    by_group = (
        compute_top_skill_gaps(ctx, state=state, n=1, by="soc_major_group")
        .filter(pl.col("sgi").is_not_null())
        .sort(["sgi", "soc_major_group"], descending=[True, False])
        .select("state_code", "soc_major_group", "soc_major_group_title", "element_name", "sgi",
                "demand_share", "supply_share")
    )
    return Section("skill_gaps", "Skill gaps", state, [
        Panel("top_gaps", "Top skill gaps", gaps, _note(compute_top_skill_gaps),
              charts.plot_top_skill_gaps(gaps, state=state)),
        Panel("by_group", "Largest gap by occupation group", by_group,
              _note(compute_top_skill_gaps, "One row per SOC major group: its largest gap."),
              None, {"soc_major_group_title": "Occupation group", "element_name": "Largest gap",
                     "sgi": "Skill-gap index", "demand_share": "Demand share", "supply_share": "Supply share"}),
    ])


def pathways_section(snap: Snapshot, state: str) -> Section:
    """Pathways: how the state's credentials stack and connect, and where they dead-end."""
    import polars as pl

    from ler_analytics.charts.report_charts import pathway_profile_frame, plot_pathway_profile
    from ler_analytics.metrics.context import as_context
    from ler_analytics.metrics.pathways import compute_credential_pathways, compute_pathway_summary

    ctx = as_context(snap)
    summary = compute_pathway_summary(ctx, state=state).filter(pl.col("state_code") == state)
    profile = pathway_profile_frame(summary)
    per = compute_credential_pathways(ctx, state=state)
    dead = per.filter(pl.col("is_dead_end")) if "is_dead_end" in per.columns else per.head(0)
    names = snap.table("credentials").select("ctid", "name", "credential_type")
    dead_ends = (
        dead.select("ctid").unique().join(names, on="ctid", how="left").sort(["name", "ctid"], nulls_last=True)
        .head(TOP_N)
    )
    return Section("pathways", "Pathways", state, [
        Panel("profile", "How credentials connect", profile, _note(compute_pathway_summary),
              plot_pathway_profile(profile, state=state)),
        Panel("dead_ends", "Dead ends", dead_ends,
              _note(compute_credential_pathways,
                    f"Credentials with no next step and no pathway destination; first {TOP_N} by name."),
              None, {"name": "Credential", "credential_type": "Type"}),
    ])


def ler_section(snap: Snapshot, *, n: int = 200, seed: int = 42, k: int = 10) -> Section:
    """LER link health of synthetic LERs issued against ``snap`` (aggregates only, small cells suppressed)."""
    from ler_analytics.charts import ler as charts
    from ler_analytics.ler import synthetic_link_health

    report = synthetic_link_health(snap, n=n, seed=seed, k=k)
    notice = report.notice
    return Section("ler_link_health", "LER link health", None, [
        Panel("patterns", "How achievements link to CTDL", report.coverage, notice,
              charts.plot_link_patterns(report.coverage)),
        Panel("issuers", "Share linked by issuer", report.by_issuer, notice,
              charts.plot_link_by_issuer(report.by_issuer)),
        Panel("problems", "Broken and unresolved links", report.problems, notice,
              charts.plot_link_problems(report.problems)),
    ])


SECTIONS: dict[str, Callable[[Snapshot, str], Section]] = {
    "coverage": coverage_section,
    "transparency": transparency_section,
    "skill_gaps": skill_gap_section,
    "pathways": pathways_section,
}
"""The sections of a state page of the static site, in order."""


# ---- LER example and reproduction ------------------------------------------------------------------


def ler_example(snap: Snapshot, *, n: int = 200, seed: int = 42, index: int = 0) -> Any:
    """One synthetic LER explained ("what this means" card) as an IPython HTML object.

    Args:
        snap: the snapshot the LER's CTDL links are resolved against.
        n: number of synthetic LERs in the folder (as for :func:`ler_section`).
        seed: their random seed.
        index: which LER of the folder (sorted by file name).
    """
    from IPython.display import HTML

    from ler_analytics.ler import Explainer, explain_document, find_links, read_ler, to_html
    from ler_analytics.ler.synthetic import ensure_synthetic_lers

    files = sorted(ensure_synthetic_lers(snap, n=n, seed=seed).glob("ler-*.*"))
    if not files:
        raise LerError(f"no synthetic LERs were written for snapshot {snap.path}")
    doc = read_ler(files[index % len(files)])
    return HTML(to_html(explain_document(doc, Explainer(snap), find_links(doc))))


def reproduction_headline(snap: Snapshot, state: str) -> dict[str, Any]:
    """The headline numbers of a state report plus the identity of the snapshot they were computed from."""
    info = snapshot_info(snap)
    return {
        **state_headline(snap, state),
        "snapshot_id": info["id"],
        "snapshot_date": info["date"],
        "snapshot_source": info["source"],
        "manifest_sha256": info["manifest_sha256"],
    }


def compare_headline(recomputed: dict[str, Any], reference: str | os.PathLike[str] | None) -> pl.DataFrame:
    """Compare recomputed headline numbers with a published report's.

    Args:
        recomputed: from :func:`reproduction_headline` or :func:`state_headline`.
        reference: a ``headline.json`` written by ``ler report``, or a site folder / ``site.json`` written
            by ``ler publish``; None gives the recomputed numbers alone (``published`` is null).

    Returns:
        ``key, recomputed, published, matches`` (values as text), one row per headline key.

    Raises:
        LerError: the reference file is missing or does not hold this state.
    """
    import polars as pl

    published: dict[str, Any] = {}
    if reference is not None:
        path = Path(reference)
        if path.is_dir():
            path = path / "site.json"
        if not path.exists():
            raise LerError(f"published report {path} not found; give a headline.json or a `ler publish` site folder")
        data = json.loads(path.read_text(encoding="utf-8"))
        if "headline" in data and "states" in data:  # a site.json: pick the state's numbers
            state = recomputed.get("state_code")
            if state not in data["headline"]:
                raise LerError(f"site {path} has no page for {state!r}; it publishes {', '.join(data['states'])}")
            published = data["headline"][state]
        else:
            published = data
    keys = list(recomputed) + [k for k in published if k not in recomputed]
    rows = [
        {
            "key": k,
            "recomputed": None if recomputed.get(k) is None else str(recomputed.get(k)),
            "published": None if k not in published else str(published[k]),
            "matches": None if reference is None or k not in published else recomputed.get(k) == published[k],
        }
        for k in keys
    ]
    return pl.DataFrame(rows, schema={"key": pl.String, "recomputed": pl.String, "published": pl.String,
                                      "matches": pl.Boolean})


def headline_matches(comparison: pl.DataFrame) -> bool | None:
    """True when every published number in a :func:`compare_headline` frame was reproduced; None if none given."""
    checked = comparison["matches"].drop_nulls()
    return None if checked.len() == 0 else bool(checked.all())
