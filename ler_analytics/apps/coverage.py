"""Coverage dashboard: the US map, breakdowns by type/provider/delivery/level, supply vs openings."""

from __future__ import annotations

from ler_analytics.apps import widgets as w
from ler_analytics.apps.base import DashboardApp
from ler_analytics.apps.data import metric

BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("credential_type", "Credentials by type"),
    ("provider_type", "Credentials by provider type"),
    ("delivery_mode", "Credentials by delivery mode"),
    ("audience_level", "Credentials by level"),
)
TOP_N = 12


class CoverageApp(DashboardApp):
    """Where credentials are, what kinds they are, and how supply compares with job openings."""

    title = "Credential coverage"
    subtitle = "Where credentials are offered, what kinds they are, and how supply compares with job openings."
    slug = "coverage"
    cache_views = True

    def render(self) -> None:
        """Fill the tiles and charts for the selected state."""
        import polars as pl

        from ler_analytics.charts import coverage as charts

        compute_coverage = metric("coverage.compute_coverage")
        compute_state_coverage = metric("coverage.compute_state_coverage")
        compute_supply_per_openings = metric("occupations.compute_supply_per_openings")
        compute_uncovered_occupations = metric("occupations.compute_uncovered_occupations")

        state = self.state
        self.layout(
            ("Across the country", ["map"]),
            ("What is offered", [d for d, _ in BREAKDOWNS]),
            ("Supply and demand", ["supply"]),
            (None, ["uncovered"]),
        )
        by_state = self.cached(("state_coverage",), lambda: compute_state_coverage(self.ctx), persist=True)
        mine = by_state.filter(pl.col("state_code") == state)
        total = int(mine["credential_count"].item()) if mine.height else 0
        per_10k = mine["credentials_per_10k_workers"].item() if mine.height else None
        ranked = by_state.filter(pl.col("credential_count") > 0).sort("credential_count", descending=True)
        rank = ranked["state_code"].to_list().index(state) + 1 if state in ranked["state_code"].to_list() else None
        uncovered = self.state_rows(("uncovered",), lambda: compute_uncovered_occupations(self.ctx, top=15))
        supply = self.state_rows(("supply",), lambda: compute_supply_per_openings(self.ctx))
        self.stats.value = w.stats_html(
            [
                w.Stat("credentials", "Credentials", total, f"{total:,}", "attributed to the state"),
                w.Stat(
                    "credentials_per_10k_workers",
                    "Per 10,000 workers",
                    per_10k,
                    "–" if per_10k is None else f"{per_10k:,.1f}",
                    "OEWS total employment",
                ),
                w.Stat(
                    "state_rank",
                    "Rank among states",
                    rank,
                    "–" if rank is None else f"{rank} of {ranked.height}",
                    "by credential count",
                ),
                w.Stat(
                    "uncovered_occupations",
                    "Uncovered in-demand jobs",
                    uncovered.height,
                    f"{uncovered.height:,}",
                    "top-15 list, no linked credential",
                ),
            ]
        )

        def draw_map(card: w.ChartCard) -> None:
            data = by_state.select("state_code", "credential_count", "total_employment", "credentials_per_10k_workers")
            card.show(
                charts.plot_credentials_map(data, state=state),
                data,
                note=self.note("compute_state_coverage"),
                filename=f"credentials_by_state_{state}.csv",
            )

        self.guarded("map", "Credentials by state", draw_map)

        for dimension, title in BREAKDOWNS:

            def draw(card: w.ChartCard, dimension: str = dimension) -> None:
                frame = self.state_rows(("coverage", dimension), lambda: compute_coverage(self.ctx, by=[dimension]))
                data = frame.sort("credential_count", descending=True).head(TOP_N)
                fig = charts.plot_breakdown(data, dimension, state=state, total=total)
                extra = "" if frame.height <= TOP_N else f"Top {TOP_N} of {frame.height} values shown."
                card.show(
                    fig,
                    data,
                    note=self.note("compute_coverage", extra),
                    filename=f"credentials_by_{dimension}_{state}.csv",
                )

            self.guarded(dimension, title, draw)

        def draw_supply(card: w.ChartCard) -> None:
            data = supply.select(
                "state_code",
                "soc_major_group",
                "soc_major_group_title",
                "credential_count",
                *[c for c in ("est_annual_openings", "supply") if c in supply.columns],
                "supply_per_1000_openings",
            )
            card.show(
                charts.plot_supply_per_openings(data, state=state),
                data,
                note=self.note("compute_supply_per_openings"),
                filename=f"supply_per_openings_{state}.csv",
            )

        self.guarded("supply", "Supply per 1,000 openings", draw_supply)

        def draw_uncovered(card: w.ChartCard) -> None:
            card.show(
                charts.plot_uncovered_occupations(uncovered, state=state),
                uncovered,
                note=self.note("compute_uncovered_occupations"),
                filename=f"uncovered_occupations_{state}.csv",
            )

        self.guarded("uncovered", "Uncovered in-demand occupations", draw_uncovered)
