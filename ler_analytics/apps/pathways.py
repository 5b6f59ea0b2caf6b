"""Pathways dashboard: stackability, credential stacks (Sankey), a CTDL-Path pathway explorer, dead ends."""

from __future__ import annotations

from typing import Any

from ler_analytics.apps import widgets as w
from ler_analytics.apps.base import DashboardApp
from ler_analytics.apps.data import note_for

MAX_LINKS = 24
"""Credential-stack links drawn in the Sankey (the most connected first)."""
MAX_LIST = 20


class PathwaysApp(DashboardApp):
    """How credentials stack into pathways, and where learners hit dead ends."""

    title = "Pathways and stackability"
    subtitle = "How credentials stack into pathways, and where learners hit dead ends."
    slug = "pathways"

    def _build_controls(self) -> None:
        import ipywidgets as widgets

        self.pathway = widgets.Dropdown(description="Pathway", layout={"width": "560px"})
        self.pathway.add_class("ler-pathway-select")
        self.pathway.observe(lambda change: self._draw_pathway(change["new"]), names="value")

    def render(self) -> None:
        """Fill the tiles and charts for the selected state."""
        import polars as pl

        from ler_analytics.charts import pathways as charts
        from ler_analytics.charts.basic import plot_state_comparison
        from ler_analytics.charts.theme import humanize, state_label
        from ler_analytics.metrics.pathways import (
            compute_credential_pathways,
            compute_pathway_summary,
            stack_links_by_state,
        )

        state = self.state
        self.layout(
            (None, ["stack_types", "compare"]),
            ("Credential stacks", ["sankey"]),
            ("Pathway explorer", ["pathway"]),
            ("Dead ends and off-ramps", ["dead_ends"]),
        )
        summary = self.cached(("summary_all",), lambda: compute_pathway_summary(self.ctx), persist=True)
        mine = summary.filter(pl.col("state_code") == state)
        row = mine.row(0, named=True) if mine.height else {}

        # computed once for every state (kept in the snapshot's cache): a state switch only filters
        def per_all() -> pl.DataFrame:
            return self.cached(
                ("all", "per"), lambda: compute_credential_pathways(self.ctx, by_state=True), persist=True
            )

        per = self.state_rows(("per",), per_all)

        def stat(key: str, label: str, detail: str = "", pct: bool = False, digits: int = 0) -> w.Stat:
            value = row.get(key)
            if value is None:
                text = "–"
            elif pct:
                text = f"{value * 100:.0f}%"
            else:
                text = f"{value:,.{digits}f}"
            return w.Stat(key, label, value, text, detail)

        self.stats.value = w.stats_html(
            [
                stat("credentials", "Credentials"),
                stat("share_with_next_step", "Lead to a next step", "share of credentials", pct=True),
                stat("dead_ends", "Dead ends", "no next step, not a destination"),
                stat("off_ramps", "Off-ramps", "lead to a job as well as onward"),
                stat("median_depth_to_destination", "Median steps to a destination", "", digits=1),
                stat("on_pathway", "On a CTDL pathway"),
                stat("transfer_value_edges", "Transfer-value links"),
            ]
        )

        def draw_types(card: w.ChartCard) -> None:
            data = pl.DataFrame(
                {
                    "state_code": [state] * 3,
                    "stack_type": list(charts.STACK_LABELS),
                    "label": list(charts.STACK_LABELS.values()),
                    "credentials": [int(row.get(k) or 0) for k in charts.STACK_LABELS],
                }
            )
            card.show(
                charts.plot_stack_types(data, state=state),
                data,
                note=note_for(compute_pathway_summary),
                filename=f"stack_types_{state}.csv",
            )

        self.guarded("stack_types", "How credentials stack", draw_types)

        def draw_compare(card: w.ChartCard) -> None:
            data = summary.filter(pl.col("state_code") != "US").select(
                "state_code", "credentials", "with_next_step", "share_with_next_step"
            )
            ranked = data.sort("share_with_next_step", descending=True)["state_code"].to_list()
            rank = ranked.index(state) + 1 if state in ranked else None
            title = (
                f"{state_label(state)} ranks {rank} of {len(ranked)} states on the share of credentials with a "
                f"next step ({(row.get('share_with_next_step') or 0) * 100:.0f}%)"
                if rank
                else "Share of credentials with a next step, by state"
            )
            fig = plot_state_comparison(
                data,
                "share_with_next_step",
                title=title,
                value_label="share with a next step",
                state=state,
                percent=True,
            )
            card.show(fig, data, note=note_for(compute_pathway_summary), filename="next_step_share_by_state.csv")

        self.guarded("compare", "Next-step share by state", draw_compare)

        def draw_sankey(card: w.ChartCard) -> None:
            full = self.state_rows(
                ("sankey", MAX_LINKS), lambda: stack_links_by_state(self.ctx, per_all(), limit=MAX_LINKS)
            )
            total = int(full["_total"][0]) if full.height else 0
            data = full.drop("state_code", "_total")
            title = None
            if total > MAX_LINKS:
                title = (
                    f"{total:,} next-step links between credentials in {state_label(state)}; "
                    f"the {MAX_LINKS} most connected are drawn"
                )
            fig = charts.plot_stack_sankey(data, state=state, title=title)
            extra = (
                f"The {MAX_LINKS} links whose credentials have the most links are drawn." if total > MAX_LINKS else ""
            )
            card.show(
                fig, data, note=note_for(compute_credential_pathways, extra), filename=f"credential_stacks_{state}.csv"
            )

        self.guarded("sankey", "Credential stacks", draw_sankey)
        self._fill_pathways()

        def draw_dead_ends(card: w.ChartCard) -> None:
            flagged = per.filter(pl.col("is_dead_end") | pl.col("is_off_ramp"))
            data = (
                flagged.with_columns(
                    pl.when(pl.col("is_dead_end")).then(pl.lit("Dead end")).otherwise(pl.lit("Off-ramp")).alias("kind")
                )
                .sort(["kind", "name", "ctid"])
                .head(MAX_LIST)
                .select("ctid", "name", "credential_type", "kind", "prior_steps", "next_steps", "has_occupation")
            )
            dead = int(per["is_dead_end"].sum())
            ramps = int(per["is_off_ramp"].sum())
            card.show_html(
                f"{dead} credentials in {state_label(state)} are dead ends and {ramps} are off-ramps",
                w.table_html(
                    data,
                    {
                        "name": "Credential",
                        "credential_type": "Type",
                        "kind": "Kind",
                        "prior_steps": "Steps before",
                        "next_steps": "Next steps",
                    },
                    testid="dead-ends",
                    empty="No dead ends or off-ramps.",
                    formatters={"credential_type": humanize},
                ),
                data,
                note=note_for(
                    compute_credential_pathways, f"Up to {MAX_LIST} are listed; the CSV holds the listed rows."
                ),
                filename=f"dead_ends_{state}.csv",
            )

        self.guarded("dead_ends", "Dead ends and off-ramps", draw_dead_ends)

    def _fill_pathways(self) -> None:
        """Offer the CTDL-Path pathways (all of the snapshot: a pathway is not tied to one state)."""
        from ler_analytics.metrics.pathways import compute_pathway_structure

        structure = self.cached(("structure",), lambda: compute_pathway_structure(self.ctx), persist=True)
        self._structure = structure
        names = (
            structure.select("pathway_ctid", "pathway_name")
            .unique("pathway_ctid")
            .sort(["pathway_name", "pathway_ctid"])
        )
        options = [(str(n or c), c) for c, n in names.iter_rows()]
        if list(self.pathway.options) != options:
            self.pathway.options = options
        self.pathway.layout.display = None if options else "none"
        card = self.card("pathway")
        if self.pathway not in card.widget.children:
            card.widget.children = (self.pathway, *card.widget.children)
        values = [c for _, c in options]
        if values and self.pathway.value not in values:
            self.pathway.value = values[0]  # the observer draws it
        else:
            self._draw_pathway(self.pathway.value)

    def _draw_pathway(self, pathway_ctid: Any) -> None:
        import polars as pl

        from ler_analytics.charts import pathways as charts
        from ler_analytics.metrics.pathways import compute_pathway_structure

        def draw(card: w.ChartCard) -> None:
            if not pathway_ctid:
                card.show_message("Pathway explorer", "This snapshot has no CTDL-Path pathways.")
                return
            data = self._structure.filter(pl.col("pathway_ctid") == pathway_ctid)
            card.show(
                charts.plot_pathway(data),
                data,
                note=note_for(compute_pathway_structure),
                filename="pathway_components.csv",
            )

        self.guarded("pathway", "Pathway explorer", draw)
