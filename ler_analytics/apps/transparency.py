"""Transparency dashboard: fill rates by item and type, the least complete providers, the provider to-do list."""

from __future__ import annotations

from ler_analytics.apps import widgets as w
from ler_analytics.apps.base import DashboardApp
from ler_analytics.apps.data import note_for

TOP_TYPES = 8
TOP_PROVIDERS = 12
TODO_PROVIDERS = 15
TODO_ITEMS = 3


class TransparencyApp(DashboardApp):
    """How completely a state's credentials are described, and what each provider should publish next."""

    title = "Data transparency"
    subtitle = "How completely providers describe their credentials; what to fix first."
    slug = "transparency"
    cache_views = True

    def render(self) -> None:
        """Fill the tiles and charts for the selected state."""
        import polars as pl

        from ler_analytics.charts import transparency as charts
        from ler_analytics.metrics.transparency import (
            compute_fill_rates,
            compute_provider_todo,
            compute_transparency_index,
        )

        state = self.state
        self.layout(
            (None, ["fill_rates"]),
            ("By credential type", ["by_type"]),
            ("Providers", ["providers"]),
            ("Provider data to-do list", ["todo"]),
        )
        mine = self.state_rows(("index",), lambda: compute_transparency_index(self.ctx, by=("state_code",)))
        us = self.cached(("index_us",), lambda: compute_transparency_index(self.ctx, by=()), persist=True)
        fill = self.state_rows(("fill",), lambda: compute_fill_rates(self.ctx, by=("state_code",)))
        index = mine["transparency_index"].item() if mine.height else None
        us_index = us["transparency_index"].item() if us.height else None
        records = int(mine["records"].item()) if mine.height else 0
        rated = fill.filter(pl.col("fill_rate").is_not_null()).sort(["fill_rate", "label"])
        worst = rated.row(0, named=True) if rated.height else None
        providers = self.state_rows(
            ("providers",), lambda: compute_transparency_index(self.ctx, by=("state_code", "provider"))
        )
        self.stats.value = w.stats_html(
            [
                w.Stat(
                    "transparency_index",
                    "Transparency index",
                    index,
                    "–" if index is None else f"{index:.0f}",
                    "of 100, mean over the state's credentials",
                ),
                w.Stat(
                    "transparency_index_us",
                    "All credentials (US)",
                    us_index,
                    "–" if us_index is None else f"{us_index:.0f}",
                    "of 100",
                ),
                w.Stat("records", "Credentials scored", records, f"{records:,}"),
                w.Stat("providers", "Providers", providers.height, f"{providers.height:,}", "owning them"),
                w.Stat(
                    "least_published",
                    "Least published item",
                    None if worst is None else worst["fill_rate"],
                    "–" if worst is None else f"{worst['fill_rate'] * 100:.0f}%",
                    "" if worst is None else str(worst["label"]),
                ),
            ]
        )

        def draw_fill(card: w.ChartCard) -> None:
            data = fill.select("state_code", "item", "label", "weight", "records", "present", "fill_rate")
            card.show(
                charts.plot_fill_rates(data, state=state),
                data,
                note=note_for(compute_fill_rates),
                filename=f"fill_rates_{state}.csv",
            )

        self.guarded("fill_rates", "Fill rates by item", draw_fill)

        def draw_by_type(card: w.ChartCard) -> None:
            frame = self.state_rows(
                ("fill_type",), lambda: compute_fill_rates(self.ctx, by=("state_code", "credential_type"))
            )
            top = (
                frame.group_by("credential_type")
                .agg(pl.col("records").max())
                .sort(["records", "credential_type"], descending=[True, False])
                .head(TOP_TYPES)
            )
            data = frame.join(top.select("credential_type"), on="credential_type", how="semi").select(
                "state_code", "credential_type", "item", "label", "records", "present", "fill_rate"
            )
            extra = f"The {TOP_TYPES} most common credential types are shown." if top.height == TOP_TYPES else ""
            card.show(
                charts.plot_fill_rates_by_type(data, state=state),
                data,
                note=note_for(compute_fill_rates, extra),
                filename=f"fill_rates_by_type_{state}.csv",
            )

        self.guarded("by_type", "Fill rates by credential type", draw_by_type)

        def draw_providers(card: w.ChartCard) -> None:
            data = (
                providers.filter(pl.col("transparency_index").is_not_null())
                .sort(["transparency_index", "records"], descending=[False, True])
                .head(TOP_PROVIDERS)
                .select("state_code", "provider_ctid", "provider_name", "records", "transparency_index")
            )
            card.show(
                charts.plot_provider_index(data, state=state),
                data,
                note=note_for(
                    compute_transparency_index, f"The {TOP_PROVIDERS} providers with the lowest index are shown."
                ),
                filename=f"provider_transparency_{state}.csv",
            )

        self.guarded("providers", "Least complete providers", draw_providers)

        def draw_todo(card: w.ChartCard) -> None:
            todo = self.state_rows(
                ("todo", TODO_ITEMS), lambda: compute_provider_todo(self.ctx, top=TODO_ITEMS, by_state=True)
            ).drop("state_code")
            biggest = (
                todo.group_by("provider_ctid")
                .agg(pl.col("records").max(), pl.col("missing").sum().alias("_m"))
                .sort(["_m", "records", "provider_ctid"], descending=[True, True, False])
                .head(TODO_PROVIDERS)
            )
            data = todo.join(biggest.select("provider_ctid"), on="provider_ctid", how="semi").sort(
                ["provider_name", "priority"]
            )
            table = (
                data.with_columns(
                    (
                        pl.col("label")
                        + " ("
                        + (pl.col("missing_share") * 100).round(0).cast(pl.Int64).cast(pl.String)
                        + "% missing)"
                    ).alias("_todo")
                )
                .group_by("provider_ctid", "provider_name", maintain_order=True)
                .agg(
                    pl.col("records").first(),
                    pl.col("_todo").str.join("; ").alias("todo"),
                    pl.col("missing").sum().alias("_m"),
                )
                .sort(["_m", "provider_name"], descending=[True, False])
            )
            card.show_html(
                f"What {table.height} providers with the most gaps should publish next",
                w.table_html(
                    table,
                    {"provider_name": "Provider", "records": "Records", "todo": "Publish next"},
                    testid="provider-todo",
                    empty="No provider has missing items.",
                ),
                data,
                note=note_for(compute_provider_todo),
                filename=f"provider_todo_{state}.csv",
            )

        self.guarded("todo", "Provider data to-do list", draw_todo)
