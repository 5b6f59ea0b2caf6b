"""Skill gaps dashboard: the state's top gaps, gaps by occupation group, and one occupation drilled into."""

from __future__ import annotations

from typing import Any

from ler_analytics.apps import widgets as w
from ler_analytics.apps.base import DashboardApp
from ler_analytics.apps.data import note_for

TOP_N = 12
GROUP_N = 3
MAX_CREDENTIALS = 15


class SkillGapsApp(DashboardApp):
    """Skills employers ask for that the state's credentials do not teach."""

    title = "Skill gaps"
    subtitle = "Skills employers ask for that the state's credentials do not teach."
    slug = "skill_gaps"

    def _build_controls(self) -> None:
        import ipywidgets as widgets

        self.occupation = widgets.Dropdown(description="Occupation", layout={"width": "560px"})
        self.occupation.add_class("ler-occupation-select")
        self.occupation.observe(lambda change: self._on_occupation(change["new"]), names="value")
        self._updating = False

    def render(self) -> None:
        """Fill the tiles and charts for the selected state."""
        import polars as pl

        from ler_analytics.charts import skills as charts
        from ler_analytics.metrics.skills import (
            compute_skill_gap_index,
            compute_top_skill_gaps,
        )

        state = self.state
        self.layout(
            (None, ["top"]),
            ("Gaps by occupation group", ["groups"]),
            ("Drill into one occupation", ["occupation"]),
            (None, ["credentials"]),
        )
        # every frame is computed once for all states (then kept in the snapshot's cache): a switch filters
        index = self.state_rows(("sgi",), lambda: compute_skill_gap_index(self._skills_ctx()))
        top = self.state_rows(("top", TOP_N), lambda: compute_top_skill_gaps(self._skills_ctx(), n=TOP_N))
        coverage = self._coverage()
        gaps = index.filter(pl.col("sgi") > 0).height
        worst = top.sort("gap_rank").row(0, named=True) if top.height else None
        median_cov = coverage["coverage_max"].median() if coverage.height else None
        self.stats.value = w.stats_html(
            [
                w.Stat(
                    "skills_with_gap",
                    "Skills with a gap",
                    gaps,
                    f"{gaps:,}",
                    f"of {index.height:,} demanded skills and knowledge areas",
                ),
                w.Stat(
                    "top_gap",
                    "Largest gap",
                    None if worst is None else worst["sgi"],
                    "–" if worst is None else f"{worst['sgi']:.2f}",
                    "" if worst is None else str(worst["element_name"]),
                ),
                w.Stat(
                    "occupations_aligned",
                    "Occupations with credentials",
                    coverage.height,
                    f"{coverage.height:,}",
                    "aligned to at least one credential",
                ),
                w.Stat(
                    "median_coverage",
                    "Median skill coverage",
                    median_cov,
                    "–" if median_cov is None else f"{median_cov * 100:.0f}%",
                    "of an occupation's top skills, best credential",
                ),
            ]
        )

        def draw_top(card: w.ChartCard) -> None:
            data = top.select(
                "state_code",
                "gap_rank",
                "element_id",
                "element_name",
                "element_kind",
                "category",
                "demand",
                "demand_share",
                "supply_credentials",
                "supply_share",
                "sgi",
            )
            card.show(
                charts.plot_top_skill_gaps(data, state=state),
                data,
                note=note_for(compute_top_skill_gaps),
                filename=f"top_skill_gaps_{state}.csv",
            )

        self.guarded("top", "Top skill gaps", draw_top)

        def draw_groups(card: w.ChartCard) -> None:
            frame = self.state_rows(
                ("groups", GROUP_N),
                lambda: compute_top_skill_gaps(self._skills_ctx(), n=GROUP_N, by="soc_major_group"),
            )
            data = frame.select(
                "state_code",
                "soc_major_group",
                "soc_major_group_title",
                "gap_rank",
                "element_name",
                "demand_share",
                "supply_credentials",
                "sgi",
            )
            table = (
                data.sort(["soc_major_group", "gap_rank"])
                .group_by("soc_major_group", "soc_major_group_title", maintain_order=True)
                .agg(
                    pl.col("element_name").str.join("; ").alias("gaps"),
                    pl.col("supply_credentials").first().alias("top_gap_supply"),
                )
            )
            card.show_html(
                f"The top {GROUP_N} skill gaps of each occupation group in {_label(state)}",
                w.table_html(
                    table,
                    {
                        "soc_major_group_title": "Occupation group",
                        "gaps": "Largest gaps",
                        "top_gap_supply": "Credentials teaching the largest gap",
                    },
                    testid="group-gaps",
                    empty="No occupation group has demand data for this state.",
                ),
                data,
                note=note_for(compute_top_skill_gaps),
                filename=f"skill_gaps_by_group_{state}.csv",
            )

        self.guarded("groups", "Gaps by occupation group", draw_groups)

        options = [
            (f"{r['soc_title']} ({r['soc_code']}) · {r['credentials_aligned']} credentials", r["soc_code"])
            for r in coverage.sort(["credentials_aligned", "soc_code"], descending=[True, False]).iter_rows(named=True)
        ]
        self._updating = True
        try:
            current = self.occupation.value
            self.occupation.options = options
            values = [v for _, v in options]
            self.occupation.value = current if current in values else (values[0] if values else None)
        finally:
            self._updating = False
        card = self.card("occupation")
        if self.occupation not in card.widget.children:
            card.widget.children = (self.occupation, *card.widget.children)
        self._on_occupation(self.occupation.value, force=True)

    def _skills_ctx(self) -> Any:
        """The metrics context, primed with the snapshot's competency → O*NET element matches from the disk cache.

        Matching every competency of a Registry-sized snapshot takes tens of seconds (21–37 s on the
        scale-1.0 twin) and does not depend on the state, so it is computed once per snapshot and kept
        in the dashboard frame cache (:func:`~ler_analytics.metrics.skills.prime_competency_matches`).
        Only called when a frame has to be computed (a warm cache never builds the context).
        """
        from ler_analytics.apps.framecache import frame_cache
        from ler_analytics.metrics import skills

        threshold = float(skills.DEFAULT_THRESHOLD)
        ctx = self.ctx
        skills.prime_competency_matches(
            ctx,
            lambda: frame_cache(self.snap).get(
                (self.slug, "skill_matches", threshold), lambda: skills.competency_matches(ctx, threshold=threshold)
            ),
            threshold=threshold,
        )
        return ctx

    def _coverage(self) -> Any:
        """Metric B for the selected state (filtered from every state's rows)."""
        from ler_analytics.metrics.skills import compute_competency_coverage

        return self.state_rows(("coverage",), lambda: compute_competency_coverage(self._skills_ctx(), by_state=True))

    def _on_occupation(self, soc: Any, *, force: bool = False) -> None:
        if self._updating and not force:
            return
        self.guarded("occupation", "One occupation's top skills", lambda card: self._draw_occupation(card, soc))
        self.guarded("credentials", "Credentials that teach them", lambda card: self._draw_credentials(card, soc))

    def _occupation_frames(self, soc: str) -> tuple[dict[str, Any], Any]:
        import polars as pl

        from ler_analytics.metrics.skills import DEFAULT_K, DEFAULT_MIN_IMPORTANCE, occupation_profiles

        coverage = self._coverage()
        row = coverage.filter(pl.col("soc_code") == soc).row(0, named=True)
        profiles = self.cached(
            ("profiles", DEFAULT_MIN_IMPORTANCE),
            lambda: occupation_profiles(self.ctx, min_importance=DEFAULT_MIN_IMPORTANCE),
            persist=True,
        )
        profile = (
            profiles.filter(pl.col("soc_code") == soc)
            .sort(["importance", "element_id"], descending=[True, False])
            .head(DEFAULT_K)
        )
        uncovered = set(row["uncovered_elements"] or [])
        data = profile.select(
            "soc_code",
            "element_id",
            "element_name",
            "element_kind",
            "importance",
            (~pl.col("element_name").is_in(list(uncovered))).alias("covered"),
        )
        return row, data

    def _draw_occupation(self, card: w.ChartCard, soc: str | None) -> None:
        from ler_analytics.charts import skills as charts
        from ler_analytics.metrics.skills import compute_competency_coverage

        if not soc:
            card.show_message("One occupation's top skills", "No occupation is aligned to a credential in this state.")
            return
        row, data = self._occupation_frames(soc)
        card.show(
            charts.plot_occupation_skills(data, occupation=row["soc_title"], state=self.state),
            data,
            note=note_for(compute_competency_coverage),
            filename=f"occupation_skills_{soc}_{self.state}.csv",
        )

    def _draw_credentials(self, card: w.ChartCard, soc: str | None) -> None:
        import polars as pl

        from ler_analytics.charts.theme import humanize

        if not soc:
            card.show_message("Credentials that teach them", "No occupation selected.")
            return
        all_states = self.state_rows(("credentials_table",), lambda: credentials_by_occupation(self._skills_ctx()))
        full = all_states.filter(pl.col("soc_code") == soc).drop("state_code", "soc_code")
        n_linked = int(full["_linked"][0]) if full.height else 0
        data = full.drop("_linked")
        teaching = data.filter(pl.col("n_top_skills_taught") > 0).height
        card.show_html(
            f"{n_linked} credentials in {_label(self.state)} prepare for this occupation; "
            f"{teaching} of those listed teach at least one of its top skills",
            w.table_html(
                data,
                {
                    "name": "Credential",
                    "credential_type": "Type",
                    "provider_name": "Provider",
                    "n_top_skills_taught": "Top skills taught",
                    "top_skills_taught": "Which",
                },
                testid="occupation-credentials",
                empty="No credential is aligned to this occupation.",
                formatters={"credential_type": humanize},
            ),
            data,
            note=(
                "Credentials attributed to the state and aligned to the occupation (SOC, explicit or inferred from "
                "CIP), with the occupation's top O*NET skills and knowledge that their published competencies "
                "match (ler_analytics.metrics.skills.credential_elements)."
            ),
            filename=f"occupation_credentials_{soc}_{self.state}.csv",
        )


def credentials_by_occupation(ctx: Any) -> Any:
    """For every state and occupation, the credentials listed in the drill-down (computed once for all states).

    Per ``state_code`` × ``soc_code``: the credentials attributed to the state and linked to the
    occupation (:func:`~ler_analytics.metrics.occupations.soc_links`), with how many of the occupation's
    top O*NET elements (``DEFAULT_K`` by importance, as in metric B) their competencies match, the
    ``MAX_CREDENTIALS`` teaching the most (then by name and CTID), and ``_linked``: how many
    credentials of the state are linked to the occupation.
    """
    import polars as pl

    from ler_analytics.metrics.occupations import soc_links
    from ler_analytics.metrics.skills import DEFAULT_K, DEFAULT_MIN_IMPORTANCE, credential_elements, occupation_profiles

    links = soc_links(ctx).select("ctid", "soc_code").unique()
    linked = (
        ctx.in_state(links, None)
        .filter(pl.col("state_code").is_not_null())
        .select("state_code", "soc_code", "ctid")
        .unique()
    )
    profile = (
        occupation_profiles(ctx, min_importance=DEFAULT_MIN_IMPORTANCE)
        .sort(["soc_code", "importance", "element_id"], descending=[False, True, False])
        .group_by("soc_code", maintain_order=True)
        .head(DEFAULT_K)
        .select("soc_code", "element_id")
    )
    taught = (
        credential_elements(ctx)
        .select("ctid", "element_id", "element_name")
        .join(links, on="ctid", how="inner")  # the credential's occupations, then their top elements only
        .join(profile, on=["soc_code", "element_id"], how="semi")
        .group_by("ctid", "soc_code")
        .agg(
            pl.col("element_name").sort().str.join("; ").alias("top_skills_taught"),
            pl.len().alias("n_top_skills_taught"),
        )
    )
    creds = ctx.table("credentials").select("ctid", "name", "credential_type", "owner_ctid").unique("ctid")
    # rank credentials by (name, CTID) once, so the 1M-row ranking below sorts integers, not strings
    order = creds.sort(["name", "ctid"]).select("ctid", pl.int_range(pl.len(), dtype=pl.Int64).alias("_order"))
    orgs = (
        ctx.table("organizations")
        .select(pl.col("ctid").alias("owner_ctid"), pl.col("name").alias("provider_name"))
        .unique("owner_ctid")
    )
    keys = ["state_code", "soc_code"]
    counts = linked.group_by(keys).agg(pl.len().cast(pl.Int64).alias("_linked"))
    listed = (
        linked.join(order, on="ctid", how="left")
        .join(taught.select("ctid", "soc_code", "n_top_skills_taught"), on=["ctid", "soc_code"], how="left")
        .with_columns(pl.col("n_top_skills_taught").fill_null(0).cast(pl.Int64))
        .sort([*keys, "n_top_skills_taught", "_order"], descending=[False, False, True, False], nulls_last=False)
        .group_by(keys, maintain_order=True)
        .head(MAX_CREDENTIALS)
    )
    return (
        listed.join(creds, on="ctid", how="left", maintain_order="left")
        .join(orgs, on="owner_ctid", how="left", maintain_order="left")
        .join(
            taught.select("ctid", "soc_code", "top_skills_taught"),
            on=["ctid", "soc_code"],
            how="left",
            maintain_order="left",
        )
        .join(counts, on=keys, how="left", maintain_order="left")
        .select(
            *keys,
            "ctid",
            "name",
            "credential_type",
            "provider_name",
            "n_top_skills_taught",
            "top_skills_taught",
            "_linked",
        )
    )


def _label(state: str | None) -> str:
    from ler_analytics.charts.theme import state_label

    return state_label(state)
