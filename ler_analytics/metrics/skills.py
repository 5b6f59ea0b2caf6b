"""Skill gaps (metrics B and C): do a state's credentials teach what in-demand jobs require?

Demand side: O*NET 29.3 skill and knowledge ratings per occupation. For element *e* of occupation *o*
the weight is ``w_e(o) = (importance − 1)/4 × level/7`` (0–1), from ratings that are not suppressed
and not "not relevant". O*NET-SOC codes are averaged to the 7-character SOC (employment-neutral
mean of importance and level over the children). An SOC without ratings borrows the mean profile of
its O*NET "Primary-Short" related occupations (``profile_source = "related"``); with neither it has
no profile and adds no demand (the doc's fallback order: same-SOC codes, related peers, no profile).

Supply side: the competencies a credential requires, teaches or assesses, directly or through the
learning opportunities and assessments its conditions point to (``credential_competencies``), mapped
to O*NET elements by :class:`~ler_analytics.skills.SkillMatcher` (explicit codes, names, then
TF-IDF above a threshold the user sets; every match keeps its method and confidence).

* **B** :func:`compute_competency_coverage`: for each occupation its top-k elements (importance ≥ 3),
  the weighted share of them a credential aligned to the occupation teaches, then max/mean per state.
  Credentials without any matched competency are *unknown*, not zero; their count is reported.
* **C** :func:`compute_skill_gap_index`: demand ``D[s,e] = Σ_o est_openings[s,o] × w_e(o)`` against
  supply ``S[s,e]`` = credentials in the state that teach *e*;
  ``SGI = pct_rank(D) − pct_rank(S)`` within the state (−1…1; high = in demand, rarely taught).
* :func:`compute_top_skill_gaps`: the top SGI elements per state, or per state × SOC major group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from ler_analytics.metrics._frames import NATIONAL, check_choice
from ler_analytics.metrics.context import MetricsContext, Source, as_context
from ler_analytics.metrics.registry import metric

DEFAULT_K = 10
DEFAULT_MIN_IMPORTANCE = 3.0
DEFAULT_THRESHOLD = 0.3
SUPPLY_RELATIONS: tuple[str, ...] = ("requires", "teaches", "assesses")
"""Connection relations through which a credential (or its learning opportunity/assessment) claims a competency."""

_OPENINGS_NOTE = (
    "Demand uses estimated annual openings (BLS EP 2024-34 national openings rate x OEWS May 2025 state "
    "employment). O*NET 29.3 ratings: CC BY 4.0, USDOL/ETA; modified."
)
_MATCH_NOTE = (
    "Competencies are mapped to O*NET elements by explicit codes, names, then TF-IDF text similarity above the "
    "threshold (precision/recall in docs/skills-and-pathways.md); most Registry records publish few or no "
    "competencies, so coverage describes the credentials that do."
)


# ---- inputs ------------------------------------------------------------------------------------------


def _tables(data: Source, name: str) -> pl.DataFrame:
    from ler_analytics.metrics.pathways import _table

    return _table(data, name)


def credential_competencies(data: Source) -> pl.DataFrame:
    """Competencies reached from each credential: ``ctid, competency_ctid, relation, route``.

    ``route`` is ``direct`` (the credential's own requires/teaches/assesses, through a condition's
    targetCompetency or a direct reference) or ``via learning opportunity or assessment`` (a
    learning opportunity/assessment the credential's requires/teaches conditions target, and its own
    requires/teaches/assesses). The same pairs come out of the named SPARQL query
    ``credential_competencies`` for competencies published as ``ceasn:Competency``.
    """
    creds = _tables(data, "credentials").select("ctid")
    comps = _tables(data, "competencies").select(pl.col("ctid").alias("target_ctid"))
    conn = _tables(data, "connections").filter(
        pl.col("relation").is_in(list(SUPPLY_RELATIONS)) & pl.col("target_ctid").is_not_null()
    )
    comp_edge = (pl.col("via") == "direct") | pl.col("via").str.ends_with("/targetCompetency")
    to_comp = conn.filter(comp_edge).join(comps, on="target_ctid", how="semi")
    direct = to_comp.join(creds, left_on="subject_ctid", right_on="ctid", how="semi").select(
        pl.col("subject_ctid").alias("ctid"), pl.col("target_ctid").alias("competency_ctid"), "relation",
        pl.lit("direct").alias("route"),
    )
    steps = conn.filter(
        pl.col("relation").is_in(["requires", "teaches"])
        & pl.col("via").str.contains(r"/(targetLearningOpportunity|targetAssessment)$")
    ).join(creds, left_on="subject_ctid", right_on="ctid", how="semi").select(
        pl.col("subject_ctid").alias("ctid"), pl.col("relation"), pl.col("target_ctid").alias("step_ctid")
    )
    via = steps.join(
        to_comp.select(pl.col("subject_ctid").alias("step_ctid"), pl.col("target_ctid").alias("competency_ctid")),
        on="step_ctid",
    ).select("ctid", "competency_ctid", "relation", pl.lit("via learning opportunity or assessment").alias("route"))
    return pl.concat([direct, via]).unique().sort("ctid", "competency_ctid", "relation", "route")


def _matched(data: Source, matcher: Any, threshold: float) -> pl.DataFrame:
    """Competency → element matches for the snapshot's competencies (cached per threshold on the context)."""
    from ler_analytics.skills import SkillMatcher

    def build() -> pl.DataFrame:
        m = matcher or SkillMatcher(threshold=threshold)
        if m.threshold != threshold:
            m = SkillMatcher(elements=m.elements, threshold=threshold, top_k=m.top_k, use_tfidf=m.use_tfidf)
        comps = _tables(data, "competencies").select(
            pl.col("ctid").alias("competency_id"), "text", "coded_notation"
        ).filter(pl.col("text").is_not_null())
        return m.match(comps)

    if matcher is not None:
        return build()
    try:
        ctx = as_context(data)
    except TypeError:
        return build()
    return ctx.cached(_matches_key(threshold), build)


def _matches_key(threshold: float) -> tuple[str, str, float]:
    return ("skills", "matches", float(threshold))


def competency_matches(data: Source, *, threshold: float = DEFAULT_THRESHOLD, matcher: Any = None) -> pl.DataFrame:
    """Competency → O*NET element matches of the snapshot's competencies (the supply side of metrics B and C).

    Computed once per context and threshold (tens of seconds on a Registry-sized snapshot) and reused by
    every skills metric called with the same context.

    Args:
        data: a snapshot, a metrics context or a mapping of tables.
        threshold: matcher confidence threshold.
        matcher: a configured :class:`~ler_analytics.skills.SkillMatcher` (not cached when given).

    Returns:
        the matcher's output: ``competency_id``, ``element_id``, ``method``, ``confidence``, ...
    """
    return _matched(data, matcher, threshold)


def prime_competency_matches(
    ctx: MetricsContext, load: Callable[[], pl.DataFrame], *, threshold: float = DEFAULT_THRESHOLD
) -> None:
    """Let ``ctx`` take its competency matches from ``load()`` (e.g. a disk cache) instead of matching again.

    ``load`` is called at most once, and only if the context has no matches for ``threshold`` yet; it
    must return what :func:`competency_matches` would (it may call it to fill a cache).
    """
    ctx.cached(_matches_key(threshold), load)


def credential_elements(data: Source, *, threshold: float = DEFAULT_THRESHOLD, matcher: Any = None,
                        kinds: tuple[str, ...] = ("skill", "knowledge")) -> pl.DataFrame:
    """O*NET elements each credential teaches: ``ctid, element_id, element_name, element_kind, method, confidence``.

    One row per credential × element with the strongest evidence (best method, then highest confidence).
    """
    from ler_analytics.skills.matcher import METHODS

    pairs = credential_competencies(data).select("ctid", "competency_ctid").unique()
    matches = _matched(data, matcher, threshold).filter(pl.col("element_kind").is_in(list(kinds)))
    order = {m: i for i, m in enumerate(METHODS)}
    return (
        pairs.join(matches, left_on="competency_ctid", right_on="competency_id")
        .with_columns(pl.col("method").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("ctid", "element_id", "_o", pl.col("confidence"), descending=[False, False, False, True])
        .unique(["ctid", "element_id"], keep="first", maintain_order=True)
        .select("ctid", "element_id", "element_name", "element_kind", "method", "confidence")
    )


def occupation_profiles(data: Source, *, min_importance: float = DEFAULT_MIN_IMPORTANCE) -> pl.DataFrame:
    """Element weights per 7-character SOC, for elements with importance ≥ ``min_importance``.

    Returns:
        ``soc_code, element_id, element_name, element_kind, importance, level, profile_source`` (``own`` or
        ``related``), ``weight``.
    """
    ctx = as_context(data)

    def build() -> pl.DataFrame:
        ratings = pl.concat([
            ctx.ref("onet_skills").with_columns(pl.lit("skill").alias("element_kind")),
            ctx.ref("onet_knowledge").with_columns(pl.lit("knowledge").alias("element_kind")),
        ], how="diagonal_relaxed")
        keep = ~pl.col("importance_suppress").fill_null(False) & ~pl.col("not_relevant").fill_null(False)
        if "level_suppress" in ratings.columns:
            keep = keep & ~pl.col("level_suppress").fill_null(False)
        own = (
            ratings.filter(keep)
            .group_by("soc_code", "element_id")
            .agg(pl.col("element_name").first(), pl.col("element_kind").first(), pl.col("importance").mean(),
                 pl.col("level").mean())
            .with_columns(pl.lit("own").alias("profile_source"))
        )
        related = ctx.ref("onet_related_occupations").filter(pl.col("relatedness_tier") == "Primary-Short").select(
            pl.col("onet_soc_code").str.slice(0, 7).alias("soc_code"),
            pl.col("related_onet_soc_code").str.slice(0, 7).alias("peer"),
        ).unique()
        have = own.select("soc_code").unique()
        missing = related.join(have, on="soc_code", how="anti").join(
            have.rename({"soc_code": "peer"}), on="peer", how="semi"
        )
        borrowed = (
            missing.join(own.rename({"soc_code": "peer"}), on="peer")
            .group_by("soc_code", "element_id")
            .agg(pl.col("element_name").first(), pl.col("element_kind").first(), pl.col("importance").mean(),
                 pl.col("level").mean())
            .with_columns(pl.lit("related").alias("profile_source"))
        )
        return pl.concat([own, borrowed.select(own.columns)]).with_columns(
            ((pl.col("importance") - 1) / 4 * pl.col("level") / 7).clip(0, 1).alias("weight")
        )

    profiles = ctx.cached(("skills", "profiles"), build)
    return profiles.filter(pl.col("importance") >= min_importance).sort("soc_code", "element_id")


# ---- metric B ------------------------------------------------------------------------------------------


@metric(
    title="Competency coverage of occupations' top skills",
    unit="share (0-1)",
    definition=(
        "For each occupation, the weighted share of its top O*NET skills and knowledge areas that the credentials "
        "aligned to it (in the state) teach, require or assess; the gap is what none of them covers."
    ),
    formula=(
        "Top(o) = k elements of SOC o with highest importance (>= 3, not suppressed); w_e = (IM-1)/4 x LV/7; "
        "Coverage(c,o) = sum of w_e over Top(o) taught by c / sum of w_e over Top(o); coverage_max / coverage_mean "
        "over credentials linked to o (explicit SOC alignment, else CIP->SOC) that have matched competencies; "
        "gap = 1 - coverage_max; uncovered_elements = Top(o) elements no such credential teaches"
    ),
    caveats=(
        "Credentials without matched competencies are unknown (not zero): see credentials_with_competencies. "
        + _MATCH_NOTE + " SOCs without O*NET ratings borrow their related occupations' profile (profile_source)."
    ),
    source_tables=("credentials", "connections", "competencies", "alignments", "reference: onet_skills",
                   "reference: onet_knowledge", "reference: onet_related_occupations"),
    value_column="coverage_max",
    group="skills",
)
def compute_competency_coverage(
    data: Source,
    *,
    state: str | None = None,
    soc: str | None = None,
    k: int = DEFAULT_K,
    min_importance: float = DEFAULT_MIN_IMPORTANCE,
    threshold: float = DEFAULT_THRESHOLD,
    matcher: Any = None,
    rule: str | None = None,
    online: str | None = None,
    by_state: bool = False,
) -> pl.DataFrame:
    """Metric B: coverage of each occupation's top-k elements by the state's aligned credentials.

    Args:
        data: a snapshot, a metrics context or a mapping of tables (reference tables may be included).
        state: USPS code; None gives national rows (``state_code = "US"``).
        soc: one SOC (``NN-NNNN``) only.
        k: number of top elements per occupation (sensitivity: 5, 10, 15).
        min_importance: minimum O*NET importance for a top element.
        threshold: matcher confidence threshold.
        matcher: a configured :class:`~ler_analytics.skills.SkillMatcher` (else the default one).
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.
        by_state: with ``state=None``, rows for every state (instead of national rows); filtering one
            state gives the frame of ``state=...``.

    Returns:
        One row per state × SOC with aligned credentials: ``state_code, soc_code, soc_title, profile_source,
        top_elements, credentials_aligned, credentials_with_competencies, coverage_max, coverage_mean, gap,
        uncovered_elements`` (sorted by name).
    """
    from ler_analytics.metrics.occupations import soc_links

    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    ctx = as_context(data)
    top = (
        occupation_profiles(ctx, min_importance=min_importance)
        .sort(["soc_code", "importance", "element_id"], descending=[False, True, False])
        .group_by("soc_code", maintain_order=True)
        .head(k)
    )
    links = soc_links(ctx).select("ctid", "soc_code").unique()
    if soc is not None:
        links = links.filter(pl.col("soc_code") == soc)
    if state is not None:
        links = ctx.in_state(links, state, rule=rule, online=online).select("state_code", "ctid", "soc_code")
    elif by_state:
        links = (
            ctx.in_state(links, None, rule=rule, online=online)
            .filter(pl.col("state_code").is_not_null())
            .select("state_code", "ctid", "soc_code")
        )
    else:
        links = links.with_columns(pl.lit(NATIONAL).alias("state_code")).select("state_code", "ctid", "soc_code")
    taught = credential_elements(ctx, threshold=threshold, matcher=matcher).select("ctid", "element_id")
    known = taught.select("ctid").unique().with_columns(pl.lit(True).alias("has_competencies"))
    totals = top.group_by("soc_code").agg(
        pl.col("weight").sum().alias("total_weight"),
        pl.col("element_name").alias("top_elements"),
        pl.col("profile_source").first(),
    )
    per_cred = (
        links.join(known, on="ctid", how="left")
        .with_columns(pl.col("has_competencies").fill_null(False))
        .join(top.select("soc_code", "element_id", "element_name", "weight"), on="soc_code", how="inner")
        .join(taught.with_columns(pl.lit(True).alias("taught")), on=["ctid", "element_id"], how="left")
        .with_columns(pl.col("taught").fill_null(False))
    )
    cov = (
        per_cred.group_by("state_code", "soc_code", "ctid")
        .agg(pl.col("has_competencies").first(), (pl.col("weight") * pl.col("taught")).sum().alias("w_taught"))
        .join(totals.select("soc_code", "total_weight"), on="soc_code")
        .with_columns(
            pl.when(pl.col("has_competencies")).then(pl.col("w_taught") / pl.col("total_weight")).alias("coverage")
        )
    )
    covered = (
        per_cred.filter(pl.col("taught"))
        .group_by("state_code", "soc_code")
        .agg(pl.col("element_name").unique().alias("_covered"))
    )
    titles = ctx.ref("soc_hierarchy").select("soc_code", pl.col("soc_title")).unique("soc_code")
    out = (
        cov.group_by("state_code", "soc_code")
        .agg(
            pl.col("ctid").n_unique().alias("credentials_aligned"),
            pl.col("has_competencies").sum().alias("credentials_with_competencies"),
            pl.col("coverage").max().alias("coverage_max"),
            pl.col("coverage").mean().alias("coverage_mean"),
        )
        .join(totals, on="soc_code", how="left")
        .join(covered, on=["state_code", "soc_code"], how="left")
        .join(titles, on="soc_code", how="left")
        .with_columns(
            (1 - pl.col("coverage_max")).alias("gap"),
            # sorted: set_difference's order is not stable between runs with different grouping
            pl.col("top_elements").list.set_difference(pl.col("_covered").fill_null([])).list.sort()
            .alias("uncovered_elements"),
            pl.col("credentials_with_competencies").cast(pl.Int64),
            pl.col("credentials_aligned").cast(pl.Int64),
        )
    )
    return out.select(
        "state_code", "soc_code", "soc_title", "profile_source", "top_elements", "credentials_aligned",
        "credentials_with_competencies", "coverage_max", "coverage_mean", "gap", "uncovered_elements",
    ).sort("state_code", "soc_code")


# ---- metric C --------------------------------------------------------------------------------------------


def _demand(ctx: Any, state: str | None, min_importance: float, by_group: bool) -> pl.DataFrame:
    openings = ctx.ref("state_openings").select("state_code", "soc_code", "est_annual_openings")
    if state is not None:
        openings = openings.filter(pl.col("state_code") == state.upper())
    profiles = occupation_profiles(ctx, min_importance=min_importance)
    keys = ["state_code", "element_id"] + (["soc_major_group"] if by_group else [])
    return (
        openings.join(profiles.select("soc_code", "element_id", "element_name", "element_kind", "weight"),
                      on="soc_code", how="inner")
        .with_columns((pl.col("soc_code").str.slice(0, 2) + "-0000").alias("soc_major_group"))
        .group_by(keys)
        .agg(pl.col("element_name").first(), pl.col("element_kind").first(),
             (pl.col("est_annual_openings") * pl.col("weight")).sum().alias("demand"))
    )


def _supply(ctx: Any, state: str | None, threshold: float, matcher: Any, rule: str | None, online: str | None,
            by_group: bool) -> pl.DataFrame:
    from ler_analytics.metrics.occupations import soc_links

    taught = credential_elements(ctx, threshold=threshold, matcher=matcher).select("ctid", "element_id")
    placed = ctx.in_state(taught, state, rule=rule, online=online).filter(pl.col("state_code").is_not_null())
    if not by_group:
        return placed.group_by("state_code", "element_id").agg(pl.col("ctid").n_unique().alias("supply_credentials"))
    groups = soc_links(ctx).select("ctid", "soc_major_group").unique()
    return placed.join(groups, on="ctid").group_by("state_code", "soc_major_group", "element_id").agg(
        pl.col("ctid").n_unique().alias("supply_credentials")
    )


def _gap_index(ctx: Any, state: str | None, min_importance: float, threshold: float, matcher: Any,
               rule: str | None, online: str | None, by_group: bool) -> pl.DataFrame:
    from ler_analytics.skills.elements import element_category

    demand = _demand(ctx, state, min_importance, by_group)
    content_model = ctx.ref("onet_content_model")
    categories = {e: element_category(e, content_model) for e in demand["element_id"].unique().to_list()}
    supply = _supply(ctx, state, threshold, matcher, rule, online, by_group)
    keys = ["state_code"] + (["soc_major_group"] if by_group else [])
    out = (
        demand.join(supply, on=[*keys, "element_id"], how="left")
        .with_columns(pl.col("supply_credentials").fill_null(0).cast(pl.Int64))
        .with_columns(
            (pl.col("demand") / pl.col("demand").sum().over(keys)).alias("demand_share"),
            (pl.col("supply_credentials") / pl.col("supply_credentials").sum().over(keys)).fill_nan(0)
            .fill_null(0).alias("supply_share"),
            (pl.col("demand").rank("average").over(keys) / pl.len().over(keys)).alias("_rd"),
            (pl.col("supply_credentials").rank("average").over(keys) / pl.len().over(keys)).alias("_rs"),
        )
        .with_columns(
            (pl.col("_rd") - pl.col("_rs")).alias("sgi"),
            ((pl.col("demand_share") + 1e-3) / (pl.col("supply_share") + 1e-3)).log().alias("log_ratio"),
            pl.col("element_id").replace_strict(categories, default="Other", return_dtype=pl.String).alias("category"),
        )
        .drop("_rd", "_rs")
    )
    return out.select(
        *keys, "element_id", "element_name", "element_kind", "category", "demand", "demand_share",
        "supply_credentials", "supply_share", "sgi", "log_ratio",
    ).sort([*keys, "sgi", "element_id"], descending=[*([False] * len(keys)), True, False])


@metric(
    title="Demand-weighted skill-gap index",
    unit="index (-1 to 1)",
    definition=(
        "For each state and O*NET skill or knowledge area: how strongly the state's job openings call for it "
        "compared with how many of the state's credentials teach it. Positive = in demand but rarely taught."
    ),
    formula=(
        "D[s,e] = sum over SOCs o of est_annual_openings[s,o] x w_e(o), w_e = (IM-1)/4 x LV/7 for elements with "
        "importance >= 3; S[s,e] = distinct credentials in s teaching e; SGI = pct_rank_s(D) - pct_rank_s(S) "
        "(average ranks within the state); log_ratio = ln((D share + 0.001) / (S share + 0.001))"
    ),
    caveats=_OPENINGS_NOTE + " " + _MATCH_NOTE,
    source_tables=("credentials", "connections", "competencies", "organizations", "locations",
                   "reference: state_openings", "reference: onet_skills", "reference: onet_knowledge"),
    value_column="sgi",
    group="skills",
)
def compute_skill_gap_index(
    data: Source,
    *,
    state: str | None = None,
    min_importance: float = DEFAULT_MIN_IMPORTANCE,
    threshold: float = DEFAULT_THRESHOLD,
    matcher: Any = None,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Metric C: demand-weighted skill-gap index per state × element (sorted by SGI, highest first).

    Args:
        data: a snapshot, a metrics context or a mapping of tables.
        state: one USPS code, or None for every state with openings data.
        min_importance: elements below this O*NET importance do not add demand.
        threshold: matcher confidence threshold.
        matcher: a configured :class:`~ler_analytics.skills.SkillMatcher`.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        ``state_code, element_id, element_name, element_kind, category, demand, demand_share,
        supply_credentials, supply_share, sgi, log_ratio``.
    """
    return _gap_index(as_context(data), state, min_importance, threshold, matcher, rule, online, False)


@metric(
    title="Top skill gaps",
    unit="index (-1 to 1)",
    definition=(
        "The O*NET skills and knowledge areas with the highest skill-gap index, per state or per state and SOC "
        "major group (demand from that group's openings, supply from credentials aligned to that group)."
    ),
    formula=(
        "the n rows with the highest SGI of compute_skill_gap_index per state; with by='soc_major_group', D and S "
        "are restricted to the SOCs of the group and to credentials linked to them before ranking"
    ),
    caveats=_OPENINGS_NOTE + " " + _MATCH_NOTE,
    source_tables=("credentials", "connections", "competencies", "alignments", "reference: state_openings",
                   "reference: onet_skills", "reference: onet_knowledge", "reference: soc_hierarchy"),
    value_column="sgi",
    group="skills",
)
def compute_top_skill_gaps(
    data: Source,
    *,
    state: str | None = None,
    n: int = 10,
    by: str = "state",
    min_importance: float = DEFAULT_MIN_IMPORTANCE,
    threshold: float = DEFAULT_THRESHOLD,
    matcher: Any = None,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """The top-n skill gaps per state (``by="state"``) or per state × SOC major group (``by="soc_major_group"``).

    Returns:
        The columns of :func:`compute_skill_gap_index` (plus ``soc_major_group`` and
        ``soc_major_group_title`` for the group view) and ``gap_rank`` (1 = largest gap).
    """
    check_choice("by", by, ("state", "soc_major_group"))
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    ctx = as_context(data)
    by_group = by == "soc_major_group"
    gaps = _gap_index(ctx, state, min_importance, threshold, matcher, rule, online, by_group)
    keys = ["state_code"] + (["soc_major_group"] if by_group else [])
    top = gaps.with_columns(
        pl.col("sgi").rank("ordinal", descending=True).over(keys).cast(pl.Int64).alias("gap_rank")
    ).filter(pl.col("gap_rank") <= n)
    if by_group:
        majors = ctx.ref("soc_hierarchy").filter(pl.col("soc_level") == "major").select(
            pl.col("soc_code").alias("soc_major_group"), pl.col("soc_title").alias("soc_major_group_title")
        )
        top = top.join(majors, on="soc_major_group", how="left")
    return top.sort([*keys, "gap_rank"])
