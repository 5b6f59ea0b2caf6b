"""LER link health dashboard: how a folder of LERs links to the Credential Registry, and one LER explained."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ler_analytics.apps import widgets as w
from ler_analytics.apps.base import DashboardApp

if TYPE_CHECKING:
    from ler_analytics.snapshot import Snapshot

MAX_FILES = 500


def _note(name: str, extra: str = "") -> str:
    from ler_analytics.apps.data import note_for

    return note_for(name, extra)


class LerLinkHealthApp(DashboardApp):
    """Link health of a folder of LERs (default: synthetic LERs issued against the snapshot).

    Args:
        snap: the snapshot CTIDs are resolved against.
        ler_folder: folder of LER files (JSON-LD or VC-JWT); None writes/reuses synthetic LERs.
        k: small-count suppression threshold (counts 1..k-1 are hidden).
    """

    title = "LER link health"
    subtitle = "Do learning and employment records link to the Credential Registry?"
    slug = "ler_link_health"
    uses_state = False

    def __init__(
        self,
        snap: Snapshot,
        *,
        state: str | None = None,
        ler_folder: str | Path | None = None,
        k: int = 10,
        show_title: bool = False,
    ) -> None:
        from ler_analytics.ler.synthetic import ensure_synthetic_lers

        self.k = k
        self.synthetic_lers = ler_folder is None
        self.ler_folder = Path(ensure_synthetic_lers(snap) if ler_folder is None else ler_folder)
        if not self.ler_folder.is_dir():
            from ler_analytics.errors import LerError

            raise LerError(f"LER folder {self.ler_folder} does not exist; pass a folder of LER files.")
        self.picker: Any = None
        self.card_html: Any = None
        super().__init__(snap, state=state, show_title=show_title)

    def _build_controls(self) -> None:
        import ipywidgets as widgets

        from ler_analytics.ler.read import iter_ler_files

        files = list(iter_ler_files([self.ler_folder]))[:MAX_FILES]
        self.files = {p.relative_to(self.ler_folder).as_posix(): p for p in files}
        requested = w.request_query().get("ler")
        names = list(self.files)
        first = requested if requested in self.files else (names[0] if names else None)
        self.picker = widgets.Dropdown(options=names, value=first, description="One LER", layout={"width": "520px"})
        self.picker.add_class("ler-ler-select")
        self.picker.observe(lambda change: self._show_one(change["new"]), names="value")
        self.card_html = widgets.HTML()
        source = "synthetic LERs issued against this snapshot" if self.synthetic_lers else str(self.ler_folder)
        intro = widgets.HTML(
            f'<p class="ler-subtitle">Folder: {w.esc(source)} · {len(files):,} files. '
            f"Aggregates only: nothing about learners is read or shown; counts from 1 to {self.k - 1} are "
            "suppressed.</p>"
        )
        self.controls.children = [intro]

    def render(self) -> None:
        """Compute the folder's link health and fill the charts."""
        import polars as pl

        from ler_analytics.charts import ler as charts
        from ler_analytics.ler.health import link_health

        self.layout(
            (None, ["patterns", "problems"]),
            (None, ["issuers", "formats"]),
            ("Broken and outdated links", ["broken"]),
            ("What one LER means", ["one"]),
        )
        report = self.cached(("report",), lambda: link_health(self.ler_folder, self.snap, k=self.k))
        self.report = report
        problems = {r["problem"]: r for r in report.problems.iter_rows(named=True)}
        cover = {r["pattern"]: r for r in report.coverage.iter_rows(named=True)}

        def share_stat(key: str, label: str, row: dict[str, Any] | None) -> w.Stat:
            value = None if row is None else row.get("share")
            return w.Stat(key, label, value, "–" if value is None else f"{value * 100:.0f}%", "of achievements")

        def count_stat(key: str, label: str, value: int | None, detail: str = "") -> w.Stat:
            return w.Stat(key, label, value, "suppressed" if value is None else f"{value:,}", detail)

        self.stats.value = w.stats_html(
            [
                count_stat(
                    "files",
                    "LER files read",
                    report.n_documents,
                    f"{len(report.errors)} could not be read" if report.errors else "all read",
                ),
                count_stat("achievements", "Achievements", report.n_achievements),
                share_stat("share_linked", "Link to the Registry", cover.get("any")),
                share_stat("share_with_ctid", "Carry a CTID", cover.get("with_ctid")),
                share_stat("share_resolved", "Resolve in this snapshot", problems.get("resolved")),
                count_stat(
                    "unresolvable",
                    "Broken CTID links",
                    (problems.get("unresolvable") or {}).get("n_achievements"),
                    "CTID not in the snapshot",
                ),
            ]
        )

        simple_cards = (
            (
                "patterns",
                "Link patterns",
                charts.plot_link_patterns,
                report.coverage,
                "compute_ler_link_coverage",
                "ler_link_patterns.csv",
            ),
            (
                "problems",
                "Link problems",
                charts.plot_link_problems,
                report.problems,
                "compute_ler_link_problems",
                "ler_link_problems.csv",
            ),
            (
                "issuers",
                "Links by issuer",
                charts.plot_link_by_issuer,
                report.by_issuer,
                "compute_ler_link_health_by_issuer",
                "ler_link_by_issuer.csv",
            ),
            (
                "formats",
                "Links by format",
                charts.plot_link_formats,
                report.formats,
                "compute_ler_formats",
                "ler_link_formats.csv",
            ),
        )
        for key, title, plot, frame, metric_name, filename in simple_cards:
            self.guarded(key, title, _chart_drawer(plot, frame, metric_name, filename))

        def draw_broken(card: w.ChartCard) -> None:
            unres = report.unresolvable.select(
                pl.lit("CTID not in this snapshot").alias("problem"),
                "ctid",
                pl.lit(None, pl.String).alias("name"),
                pl.col("patterns").cast(pl.String).alias("detail"),
                "n_achievements",
            )
            dep = report.deprecated.select(
                pl.lit("Links to a deprecated or ceased record").alias("problem"),
                "ctid",
                "name",
                pl.col("status").cast(pl.String).alias("detail"),
                "n_achievements",
            )
            data = pl.concat([unres, dep], how="vertical_relaxed")
            card.show_html(
                f"{unres.height} CTIDs linked from LERs are missing from this snapshot; "
                f"{dep.height} linked records are deprecated or ceased",
                w.table_html(
                    data,
                    {
                        "problem": "Problem",
                        "ctid": "CTID",
                        "name": "Record",
                        "detail": "Detail",
                        "n_achievements": "Achievements",
                    },
                    testid="broken-links",
                    empty="No broken or outdated links.",
                ),
                data,
                note=_note(
                    "compute_ler_unresolvable_ctids", "Deprecated targets: " + _note("compute_ler_deprecated_targets")
                ),
                filename="ler_broken_links.csv",
            )

        self.guarded("broken", "Broken links", draw_broken)
        self.card("one").widget.children = (
            self.card("one").title,
            self.picker,
            self.card_html,
            self.card("one").footer,
        )
        self._show_one(self.picker.value)

    def _show_one(self, name: str | None) -> None:
        """Explain one LER ("what this means") in an isolated, script-free frame."""
        card = self.card("one")
        card.title.value = '<h3 class="ler-card-title" data-testid="chart-title">What this LER means</h3>'
        if not name:
            self.card_html.value = '<p class="ler-empty">No LER files in the folder.</p>'
            return
        try:
            from ler_analytics.ler import Explainer, explain_document, find_links, read_ler, to_html

            doc = read_ler(self.files[name])
            result = explain_document(doc, Explainer(self.snap), find_links(doc))
            page = to_html(result, full_page=True)
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not break the dashboard
            self.card_html.value = f'<p class="ler-empty">{w.esc(name)} could not be explained: {w.esc(exc)}</p>'
            return
        # sandbox without allow-scripts: the card's own CSS stays inside, and nothing in it can run.
        self.card_html.value = (
            f'<iframe class="ler-ler-frame" data-testid="ler-card" sandbox title="{w.esc(name)}" '
            f'srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:640px;border:1px solid #D9E2EC;'
            'border-radius:6px;background:white"></iframe>'
        )
        card.set_footer(
            "",
            w.note_html(
                "The achievement definitions of the selected file, their CTDL links and what the linked Registry "
                "records say (type, owner, occupations, competencies, cost, outcomes, next steps). Nothing about "
                "the learner is shown."
            ),
            "",
        )


def _chart_drawer(plot: Any, frame: Any, metric_name: str, filename: str) -> Any:
    """A card-drawing callback: the chart of ``frame``, its metric's note and a CSV of exactly ``frame``."""

    def draw(card: w.ChartCard) -> None:
        card.show(plot(frame), frame, note=_note(metric_name), filename=filename)

    return draw
