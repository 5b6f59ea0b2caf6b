"""State overview dashboard: headline counts, transparency, quality-signal shares, change, newest records."""

from __future__ import annotations

from ler_analytics.apps import widgets as w
from ler_analytics.apps.base import DashboardApp
from ler_analytics.apps.data import headline_counts, metric, previous_snapshot

RECENT_N = 8


class StateOverviewApp(DashboardApp):
    """One state at a glance."""

    title = "State overview"
    subtitle = "Headline numbers for a state's credentials: quality signals and change."
    slug = "state_overview"
    cache_views = True

    def render(self) -> None:
        """Fill the tiles and charts for the selected state."""
        import polars as pl

        from ler_analytics.charts import coverage as coverage_charts
        from ler_analytics.charts import overview as charts
        from ler_analytics.charts.theme import humanize, state_label

        compute_coverage = metric("coverage.compute_coverage")
        compute_quality_signals = metric("quality.compute_quality_signals")
        compute_transparency_index = metric("transparency.compute_transparency_index")

        state = self.state
        assert state is not None
        self.layout(
            (None, ["quality", "credential_type"]),
            (None, ["transparency", "change"]),
            ("Newest records", ["recent"]),
        )
        counts = headline_counts(self.snap, state)
        index_by_state = self.cached(
            ("transparency_by_state",), lambda: compute_transparency_index(self.ctx, by=("state_code",)), persist=True
        )
        national_index = self.cached(
            ("transparency_us",), lambda: compute_transparency_index(self.ctx, by=()), persist=True
        )
        us_index = national_index["transparency_index"].item() if national_index.height else None
        mine = index_by_state.filter(pl.col("state_code") == state)
        index = mine["transparency_index"].item() if mine.height else None
        signals = self.state_rows(("quality",), lambda: compute_quality_signals(self.ctx, by=("state_code",)))
        us_signals = self.cached(("quality_us",), lambda: compute_quality_signals(self.ctx, by=()), persist=True)
        share = {r["signal"]: r["share"] for r in signals.iter_rows(named=True)}
        prev = self.cached(("previous",), lambda: previous_snapshot(self.snap))
        changes = None
        if prev is not None:
            from ler_analytics.metrics.change import compute_changes

            changes = self.cached(
                ("changes", state), lambda: compute_changes(prev, self.snap, state=state, by=("state_code",))
            )
        change_count = None
        if changes is not None:
            c = dict(zip(changes["change"].to_list(), changes["credential_count"].to_list(), strict=True))
            change_count = c.get("added", 0) - c.get("removed", 0)

        def pct(key: str) -> w.Stat:
            labels = {"qa": "Name a QA body", "outcome_data": "Publish outcome data", "cost": "Publish cost"}
            value = share.get(key)
            return w.Stat(
                f"share_{key}",
                labels[key],
                value,
                "–" if value is None else f"{value * 100:.0f}%",
                "share of credentials",
            )

        self.stats.value = w.stats_html(
            [
                w.Stat("credentials", "Credentials", counts["credentials"], f"{counts['credentials']:,}"),
                w.Stat("providers", "Providers", counts["providers"], f"{counts['providers']:,}", "owning them"),
                w.Stat(
                    "learning_opportunities",
                    "Learning opportunities",
                    counts["learning_opportunities"],
                    f"{counts['learning_opportunities']:,}",
                    "programs and courses",
                ),
                w.Stat(
                    "competencies",
                    "Competencies",
                    counts["competencies"],
                    f"{counts['competencies']:,}",
                    "required, taught or assessed",
                ),
                w.Stat(
                    "transparency_index",
                    "Transparency index",
                    index,
                    "–" if index is None else f"{index:.0f}",
                    "of 100",
                ),
                pct("qa"),
                pct("outcome_data"),
                pct("cost"),
                w.Stat(
                    "net_change",
                    "Net change",
                    change_count,
                    "–" if change_count is None else f"{change_count:+,}",
                    "since the previous snapshot" if prev is not None else "no previous snapshot",
                ),
            ]
        )

        def draw_quality(card: w.ChartCard) -> None:
            data = (
                signals.select(
                    "signal",
                    "label",
                    pl.col("credential_count").alias("credentials_state"),
                    pl.col("with_signal").alias("with_signal_state"),
                    pl.col("share").alias("share_state"),
                )
                .join(us_signals.select("signal", pl.col("share").alias("share_us")), on="signal", how="left")
                .with_columns(pl.lit(state).alias("state_code"))
            )
            card.show(
                charts.plot_quality_signals(data, state=state),
                data,
                note=self.note("compute_quality_signals"),
                filename=f"quality_signals_{state}.csv",
            )

        self.guarded("quality", "Quality signals", draw_quality)

        def draw_types(card: w.ChartCard) -> None:
            frame = self.state_rows(
                ("coverage", "credential_type"), lambda: compute_coverage(self.ctx, by=["credential_type"])
            )
            data = frame.sort("credential_count", descending=True).head(10)
            fig = coverage_charts.plot_breakdown(data, "credential_type", state=state, total=counts["credentials"])
            card.show(fig, data, note=self.note("compute_coverage"), filename=f"credentials_by_type_{state}.csv")

        self.guarded("credential_type", "Credentials by type", draw_types)

        def draw_transparency(card: w.ChartCard) -> None:
            data = index_by_state.filter(pl.col("state_code").is_not_null())
            card.show(
                charts.plot_transparency_by_state(data, state=state, national=us_index),
                data,
                note=self.note("compute_transparency_index"),
                filename="transparency_index_by_state.csv",
            )

        self.guarded("transparency", "Transparency index by state", draw_transparency)

        def draw_change(card: w.ChartCard) -> None:

            if changes is None:
                card.show_message(
                    "Change since the previous snapshot",
                    "This snapshot names no previous snapshot to compare with. `ler sync` records one when it "
                    "updates a harvested snapshot.",
                )
                return
            card.show(
                charts.plot_changes(changes, state=state),
                changes,
                note=self.note("compute_changes"),
                filename=f"changes_{state}.csv",
            )

        self.guarded("change", "Change since the previous snapshot", draw_change)

        def draw_recent(card: w.ChartCard) -> None:
            data = self.state_rows(("recent",), lambda: recent_credentials_by_state(self.snap, RECENT_N)).drop(
                "state_code"
            )
            card.show_html(
                f"The {data.height} most recently updated credentials in {state_label(state)}",
                w.table_html(
                    data,
                    {
                        "name": "Credential",
                        "credential_type": "Type",
                        "provider_name": "Provider",
                        "updated": "Updated",
                    },
                    testid="recent-credentials",
                    formatters={"credential_type": humanize},
                ),
                data,
                note=(
                    "Credentials attributed to the state (default attribution rule), ordered by the date the "
                    "Registry last updated their envelope (envelope_updated_at), newest first."
                ),
                filename=f"recent_credentials_{state}.csv",
            )

        self.guarded("recent", "Newest records", draw_recent)


def recent_credentials(snap, state: str, n: int):
    """The ``n`` most recently updated credentials attributed to ``state`` (name, type, provider, date)."""
    import polars as pl

    frame = recent_credentials_by_state(snap, n)
    return frame.filter(pl.col("state_code") == state).drop("state_code")


def recent_credentials_by_state(snap, n: int):
    """:func:`recent_credentials` for every state at once (``state_code`` first, newest first per state)."""
    import polars as pl

    from ler_analytics.metrics.context import as_context

    ctx = as_context(snap)
    attributed = (
        ctx.attribution("credentials").filter(pl.col("state_code").is_not_null()).select("ctid", "state_code").unique()
    )
    creds = snap.table("credentials").select("ctid", "name", "credential_type", "owner_ctid", "envelope_updated_at")
    orgs = snap.table("organizations").select(pl.col("ctid").alias("owner_ctid"), pl.col("name").alias("provider_name"))
    return (
        creds.join(attributed, on="ctid", how="inner")
        .sort(["state_code", "envelope_updated_at", "ctid"], descending=[False, True, True], nulls_last=True)
        .group_by("state_code", maintain_order=True)
        .head(n)
        .join(orgs.unique("owner_ctid"), on="owner_ctid", how="left", maintain_order="left")
        .select(
            "state_code",
            "ctid",
            "name",
            "credential_type",
            "provider_name",
            pl.col("envelope_updated_at").dt.strftime("%Y-%m-%d").alias("updated"),
        )
    )
