"""Occupational coverage and labour-market demand: credentials per SOC, supply per 1,000 openings, gaps.

Credential → occupation links (:func:`soc_links`) come from two sources:

* ``explicit``: ``alignments`` rows of a credential with ``code_system = "SOC"`` (``occupationType``).
* ``cip_inferred``: the credential's CIP alignments (``instructionalProgramType``) mapped to SOC
  2018 through the NCES CIP 2020 ↔ SOC 2018 crosswalk (the ``99-9999`` "no match" rows are ignored).

Weights: each credential spreads a total weight of 1 over its occupations, so a credential aligned
to ten occupations counts 1/10 in each and the weights of all links sum to the number of linked
credentials. Before normalising, an explicit link has raw weight 1 and an inferred link raw weight
``inferred_weight × Σ 1/k`` over the credential's CIPs that map to it, where ``k`` is the number of
SOCs the CIP maps to. With the default ``cip_inference="fallback"`` a credential uses CIP inference
only when it has no explicit SOC alignment, so a credential's links are all of one kind; its CIPs
then share its weight equally and each CIP's share is split equally (1/k) among its SOCs.

State openings are an **estimate**: BLS EP 2024–34 national openings rate × OEWS May 2025 state
employment (``reference.state_openings()``), labelled as such in every output.
"""

from __future__ import annotations

import polars as pl

from ler_analytics.metrics._frames import NATIONAL, check_choice, share
from ler_analytics.metrics.context import MetricsContext, Source, as_context
from ler_analytics.metrics.registry import metric

CIP_INFERENCE: tuple[str, ...] = ("fallback", "always", "off")
"""``fallback`` (default): infer from CIP only for credentials with no explicit SOC; ``always``: add
inferred links for SOCs not explicitly aligned; ``off``: explicit alignments only."""

INACTIVE_STATUSES: tuple[str, ...] = ("Deprecated", "Suspended", "TeachOut", "Ceased", "Retired")
"""Credential statuses (``credentials.status``) that are not current supply; a null status counts as active."""

OPENINGS_NOTE = (
    "Estimated annual openings: BLS Employment Projections 2024-34 national openings rate x OEWS May 2025 state "
    "employment (assumes state turnover and growth equal the national rate)."
)
LINK_SCHEMA: dict[str, pl.DataType] = {
    "ctid": pl.String(), "soc_code": pl.String(), "method": pl.String(), "weight": pl.Float64(),
}  # fmt: skip
_SOC_DETAIL = r"^\d{2}-\d{4}$"


def _active(frame: pl.DataFrame) -> pl.Expr:
    status_ok = pl.col("status").is_null() | ~pl.col("status").is_in(list(INACTIVE_STATUSES))
    if "life_cycle_status" in frame.columns:
        status_ok = status_ok & (
            pl.col("life_cycle_status").is_null() | ~pl.col("life_cycle_status").is_in(list(INACTIVE_STATUSES))
        )
    return status_ok


def active_ctids(data: Source) -> pl.DataFrame:
    """``ctid`` of the credentials counted as current supply (status not in :data:`INACTIVE_STATUSES`)."""
    ctx = as_context(data)

    def build() -> pl.DataFrame:
        creds = ctx.table("credentials")
        return creds.filter(_active(creds)).select("ctid").unique()

    return ctx.cached(("active_ctids",), build)


def _alignment_codes(ctx: MetricsContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Explicit ``(ctid, soc_code)`` and ``(ctid, cip_code)`` pairs of the credentials (distinct)."""

    def build() -> tuple[pl.DataFrame, pl.DataFrame]:
        creds = ctx.table("credentials").select("ctid").unique()
        al = ctx.table("alignments").filter(
            (pl.col("subject_table") == "credentials") & pl.col("code").is_not_null()
        ).join(creds, left_on="subject_ctid", right_on="ctid", how="semi")
        socs = (
            al.filter((pl.col("code_system") == "SOC") & pl.col("code").str.contains(_SOC_DETAIL)
                      & (pl.col("code") != "00-0000"))
            .select(pl.col("subject_ctid").alias("ctid"), pl.col("code").alias("soc_code"))
            .unique()
        )
        cips = al.filter(pl.col("code_system") == "CIP").select(
            pl.col("subject_ctid").alias("ctid"), pl.col("code").alias("cip_code")
        ).unique()
        return socs, cips

    return ctx.cached(("alignment_codes",), build)


def _crosswalk(ctx: MetricsContext) -> pl.DataFrame:
    """``cip_code, soc_code, k`` (k = SOCs per CIP), without the ``99-9999`` no-match rows."""

    def build() -> pl.DataFrame:
        xw = (
            ctx.ref("cip_soc_crosswalk")
            .filter(pl.col("soc_code").is_not_null() & (pl.col("soc_code") != "99-9999"))
            .select("cip_code", "soc_code")
            .unique()
        )
        return xw.with_columns(pl.len().over("cip_code").cast(pl.Int64).alias("k"))

    return ctx.cached(("crosswalk",), build)


def link_sources(data: Source, *, cip_inference: str = "fallback", inferred_weight: float = 0.5) -> pl.DataFrame:
    """Where each credential's occupation links come from: one row per credential × source (cached).

    A source is an explicit SOC alignment (``SOC:<code>``) or a CIP alignment that the crosswalk maps to at
    least one SOC (``CIP:<code>``). ``share`` is the part of the credential's total weight of 1 that the source
    carries (explicit raw weight 1, CIP raw weight ``inferred_weight``); :func:`source_socs` spreads it over
    SOCs. Only ``fallback`` and ``off`` are factorised this way (``always`` drops inferred SOCs that are also
    explicit per credential, see :func:`soc_links`).

    Returns:
        ``ctid``, ``source``, ``method``, ``share``.
    """
    check_choice("cip_inference", cip_inference, ("fallback", "off"))
    ctx = as_context(data)

    def build() -> pl.DataFrame:
        socs, cips = _alignment_codes(ctx)
        explicit = socs.select(
            "ctid", ("SOC:" + pl.col("soc_code")).alias("source"), pl.lit("explicit").alias("method"),
            pl.lit(1.0).alias("raw"),
        )
        parts = [explicit]
        if cip_inference == "fallback":
            mapped = cips.join(_crosswalk(ctx).select("cip_code").unique(), on="cip_code", how="semi")
            inferred = mapped.join(socs.select("ctid").unique(), on="ctid", how="anti").select(
                "ctid", ("CIP:" + pl.col("cip_code")).alias("source"), pl.lit("cip_inferred").alias("method"),
                pl.lit(float(inferred_weight)).alias("raw"),
            )
            parts.append(inferred)
        out = pl.concat(parts)
        return out.select("ctid", "source", "method", (pl.col("raw") / pl.col("raw").sum().over("ctid")).alias("share"))

    return ctx.cached(("link_sources", cip_inference, float(inferred_weight)), build)


def source_socs(data: Source) -> pl.DataFrame:
    """``source, soc_code, soc_major_group, frac``: how a link source spreads over SOCs (cached).

    ``SOC:<code>`` → that code, frac 1; ``CIP:<code>`` → each of its k crosswalk SOCs, frac 1/k.
    """
    ctx = as_context(data)

    def build() -> pl.DataFrame:
        socs, _ = _alignment_codes(ctx)
        explicit = socs.select("soc_code").unique().select(
            ("SOC:" + pl.col("soc_code")).alias("source"), "soc_code", pl.lit(1.0).alias("frac")
        )
        inferred = _crosswalk(ctx).select(
            ("CIP:" + pl.col("cip_code")).alias("source"), "soc_code", (1.0 / pl.col("k")).alias("frac")
        )
        return pl.concat([explicit, inferred]).with_columns(
            (pl.col("soc_code").str.slice(0, 2) + "-0000").alias("soc_major_group")
        ).select("source", "soc_code", "soc_major_group", "frac")

    return ctx.cached(("source_socs",), build)


def _overlaps(ctx: MetricsContext, cip_inference: str, inferred_weight: float) -> pl.DataFrame:
    """``ctid, soc_code, soc_major_group, extra``: SOCs a credential reaches through m > 1 sources (extra = m-1)."""

    def build() -> pl.DataFrame:
        src = link_sources(ctx, cip_inference=cip_inference, inferred_weight=inferred_weight)
        multi = src.filter(pl.len().over("ctid") > 1)
        return (
            multi.join(source_socs(ctx), on="source", how="inner")
            .group_by("ctid", "soc_code", "soc_major_group", "method")
            .agg((pl.len() - 1).cast(pl.Int64).alias("extra"))
            .filter(pl.col("extra") > 0)
        )

    return ctx.cached(("link_overlaps", cip_inference, float(inferred_weight)), build)


def major_links(data: Source, *, cip_inference: str = "fallback", inferred_weight: float = 0.5) -> pl.DataFrame:
    """``ctid, soc_major_group, weight``: each credential's weight per SOC major group (cached)."""
    ctx = as_context(data)

    def build() -> pl.DataFrame:
        if cip_inference == "always":
            return (
                soc_links(ctx, cip_inference=cip_inference, inferred_weight=inferred_weight)
                .group_by("ctid", "soc_major_group").agg(pl.col("weight").sum())
            )
        majors = source_socs(ctx).group_by("source", "soc_major_group").agg(pl.col("frac").sum())
        return (
            link_sources(ctx, cip_inference=cip_inference, inferred_weight=inferred_weight)
            .join(majors, on="source", how="inner")
            .group_by("ctid", "soc_major_group")
            .agg((pl.col("share") * pl.col("frac")).sum().alias("weight"))
        )

    return ctx.cached(("major_links", cip_inference, float(inferred_weight)), build)


def soc_links(data: Source, *, cip_inference: str = "fallback", inferred_weight: float = 0.5) -> pl.DataFrame:
    """Credential → SOC links with method and weight, one row per credential × SOC (cached per option).

    This is the exact, expanded form (a credential inferred from a broad CIP gets a row for each of its
    SOCs); the metrics aggregate the factorised :func:`link_sources` × :func:`source_socs` instead, which
    gives the same numbers much faster.

    Args:
        data: a context, a snapshot or a mapping of tables (``credentials``, ``alignments``; reference
            ``cip_soc_crosswalk`` may be included).
        cip_inference: one of :data:`CIP_INFERENCE`.
        inferred_weight: raw weight of an inferred link relative to an explicit one (0 < w ≤ 1); it only
            matters with ``cip_inference="always"``.

    Returns:
        ``ctid``, ``soc_code``, ``soc_major_group``, ``method`` (``explicit`` | ``cip_inferred``),
        ``weight`` (per credential, summing to 1).
    """
    check_choice("cip_inference", cip_inference, CIP_INFERENCE)
    if not 0 < inferred_weight <= 1:
        raise ValueError(f"inferred_weight must be in (0, 1], got {inferred_weight}")
    ctx = as_context(data)

    def build() -> pl.DataFrame:
        if cip_inference != "always":
            links = (
                link_sources(ctx, cip_inference=cip_inference, inferred_weight=inferred_weight)
                .join(source_socs(ctx), on="source", how="inner")
                .group_by("ctid", "soc_code", "soc_major_group", "method")
                .agg((pl.col("share") * pl.col("frac")).sum().alias("weight"))
            )
            return links.select("ctid", "soc_code", "soc_major_group", "method", "weight").sort("ctid", "soc_code")
        socs, cips = _alignment_codes(ctx)
        explicit = socs.with_columns(pl.lit("explicit").alias("method"), pl.lit(1.0).alias("raw"))
        inferred = (
            cips.join(_crosswalk(ctx), on="cip_code", how="inner")
            .group_by("ctid", "soc_code")
            .agg((inferred_weight / pl.col("k")).sum().alias("raw"))
            .with_columns(pl.lit("cip_inferred").alias("method"))
            .join(socs, on=["ctid", "soc_code"], how="anti")
        )
        links = pl.concat([explicit, inferred.select(explicit.columns)])
        return links.select(
            "ctid",
            "soc_code",
            (pl.col("soc_code").str.slice(0, 2) + "-0000").alias("soc_major_group"),
            "method",
            (pl.col("raw") / pl.col("raw").sum().over("ctid")).alias("weight"),
        ).sort("ctid", "soc_code")

    return ctx.cached(("soc_links", cip_inference, float(inferred_weight)), build)


def openings(data: Source) -> pl.DataFrame:
    """Estimated annual openings by state × detailed SOC, with titles and state median wage (cached).

    Columns: ``state_code``, ``soc_code``, ``soc_title``, ``soc_major_group``, ``soc_major_group_title``,
    ``est_annual_openings``, ``annual_median_wage`` (state OEWS ``a_median``).
    """
    ctx = as_context(data)

    def build() -> pl.DataFrame:
        so = ctx.ref("state_openings")
        titles = ctx.ref("soc_hierarchy").select("soc_code", "soc_title").unique("soc_code")
        majors = (
            ctx.ref("soc_hierarchy")
            .filter(pl.col("soc_level") == "major")
            .select(pl.col("soc_code").alias("soc_major_group"), pl.col("soc_title").alias("soc_major_group_title"))
        )
        return (
            so.select(
                "state_code",
                "soc_code",
                (pl.col("soc_code").str.slice(0, 2) + "-0000").alias("soc_major_group"),
                pl.col("est_annual_openings").cast(pl.Float64),
                pl.col("a_median").cast(pl.Float64).alias("annual_median_wage"),
            )
            .join(titles, on="soc_code", how="left")
            .join(majors, on="soc_major_group", how="left")
            .select(
                "state_code", "soc_code", "soc_title", "soc_major_group", "soc_major_group_title",
                "est_annual_openings", "annual_median_wage",
            )
        )

    return ctx.cached(("openings",), build)


def _groups(ctx: MetricsContext, *, national: bool, active_only: bool, rule: str, online: str) -> pl.DataFrame:
    """``ctid, state_code`` of the credentials to count: all (``"US"``) or attributed to states (cached)."""
    return ctx.cached(("link_groups", national, active_only, rule, online),
                      lambda: _groups_fresh(ctx, national=national, active_only=active_only, rule=rule, online=online))


def _groups_fresh(ctx: MetricsContext, *, national: bool, active_only: bool, rule: str, online: str) -> pl.DataFrame:
    if national:
        groups = ctx.table("credentials").select("ctid").unique().with_columns(pl.lit(NATIONAL).alias("state_code"))
    else:
        groups = ctx.attribution("credentials", rule=rule, online=online).filter(
            pl.col("state_code").is_not_null()).select("ctid", "state_code")
    if active_only:
        groups = groups.join(active_ctids(ctx), on="ctid", how="semi")
    return groups


def _soc_counts(ctx: MetricsContext, groups: pl.DataFrame, cip_inference: str, inferred_weight: float) -> pl.DataFrame:
    """Per ``state_code`` × SOC × method: distinct credentials and summed weights (factorised through sources)."""
    keys = ["state_code", "soc_code", "soc_major_group", "method"]
    if cip_inference == "always":
        return (
            soc_links(ctx, cip_inference=cip_inference, inferred_weight=inferred_weight)
            .join(groups, on="ctid", how="inner")
            .group_by(keys)
            .agg(pl.len().cast(pl.Int64).alias("credential_count"),
                 pl.col("weight").sum().alias("weighted_credentials"))
        )
    per_source = (
        link_sources(ctx, cip_inference=cip_inference, inferred_weight=inferred_weight)
        .join(groups, on="ctid", how="inner")
        .group_by("state_code", "source", "method")
        .agg(pl.len().cast(pl.Int64).alias("n"), pl.col("share").sum().alias("w"))
    )
    counts = (
        per_source.join(source_socs(ctx), on="source", how="inner")
        .group_by(keys)
        .agg(pl.col("n").sum().alias("credential_count"), (pl.col("w") * pl.col("frac")).sum().alias(
            "weighted_credentials"))
    )
    extra = (
        _overlaps(ctx, cip_inference, inferred_weight).join(groups, on="ctid", how="inner")
        .group_by(keys).agg(pl.col("extra").sum())
    )
    if extra.height:
        counts = counts.join(extra, on=keys, how="left").with_columns(
            (pl.col("credential_count") - pl.col("extra").fill_null(0)).alias("credential_count")
        ).drop("extra")
    return counts


def _covered(ctx: MetricsContext, groups: pl.DataFrame, include_inferred: bool) -> pl.DataFrame:
    """Distinct ``state_code, soc_code`` pairs reached by the credentials in ``groups`` (fallback inference)."""
    src = link_sources(ctx, cip_inference="fallback")
    if not include_inferred:
        src = src.filter(pl.col("method") == "explicit")
    pairs = src.join(groups, on="ctid", how="inner").select("state_code", "source").unique()
    return pairs.join(source_socs(ctx), on="source", how="inner").select("state_code", "soc_code").unique()


_LINK_CAVEAT = (
    "Occupation links are explicit SOC alignments, plus (when a credential has none) SOCs inferred from its CIP "
    "codes through the NCES CIP-SOC crosswalk; inferred links are marked method = 'cip_inferred'. SOC codes of any "
    "level except 00-0000 are used (a broad or major code counts in its own row and major group); CIP codes must "
    "match a crosswalk code exactly (6-digit)."
)


@metric(
    title="Credentials per occupation (SOC)",
    unit="credentials",
    definition=(
        "Number of credentials linked to each detailed SOC occupation, by link method (explicit SOC alignment "
        "or inferred from the credential's CIP codes), with a fractional count that sums to the number of "
        "linked credentials."
    ),
    formula=(
        "credential_count = count(distinct ctid) per SOC x method; weighted_credentials = sum of link weights, "
        "where each credential's weights sum to 1 (explicit links raw weight 1, inferred links inferred_weight x "
        "sum of 1/k over its CIPs mapping to the SOC, k = SOCs per CIP), so sum(weighted_credentials) = linked "
        "credentials"
    ),
    caveats=_LINK_CAVEAT + " A credential counts in every SOC it is linked to, so credential_count does not sum "
    "to the credential total.",
    source_tables=("credentials", "alignments", "locations", "organizations", "reference: cip_soc_crosswalk",
                   "reference: soc_hierarchy"),
    value_column="credential_count",
    group="demand",
)
def compute_occupation_coverage(
    data: Source,
    *,
    state: str | None = None,
    by_state: bool = False,
    cip_inference: str = "fallback",
    inferred_weight: float = 0.5,
    active_only: bool = False,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Credentials per detailed SOC, by method.

    Args:
        data: a context, a snapshot or a mapping of tables.
        state: USPS code: only credentials attributed to that state. None: national (``state_code = "US"``),
            or every state when ``by_state`` is True.
        by_state: with ``state=None``, one block of rows per state instead of the national total.
        cip_inference: ``fallback`` (default), ``always`` or ``off`` (see :data:`CIP_INFERENCE`).
        inferred_weight: raw weight of inferred links relative to explicit ones (used by ``always``).
        active_only: drop credentials whose status is in :data:`INACTIVE_STATUSES`.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        ``state_code``, ``soc_code``, ``soc_title``, ``soc_major_group``, ``method``, ``credential_count``,
        ``weighted_credentials``; sorted by state, then credential count (descending).
    """
    ctx = as_context(data)
    rule, online = ctx.options(rule, online)
    national = state is None and not by_state
    key = ("occupation_coverage", national, cip_inference, float(inferred_weight), active_only, rule, online)

    check_choice("cip_inference", cip_inference, CIP_INFERENCE)

    def build() -> pl.DataFrame:
        groups = _groups(ctx, national=national, active_only=active_only, rule=rule, online=online)
        return _per_soc(ctx, _soc_counts(ctx, groups, cip_inference, inferred_weight))

    return ctx.sliced(key, state, build)


def _per_soc(ctx: MetricsContext, counts: pl.DataFrame) -> pl.DataFrame:
    titles = ctx.ref("soc_hierarchy").select("soc_code", "soc_title").unique("soc_code")
    return (
        counts.join(titles, on="soc_code", how="left")
        .sort(["state_code", "credential_count", "soc_code", "method"], descending=[False, True, False, False])
        .select("state_code", "soc_code", "soc_title", "soc_major_group", "method", "credential_count",
                "weighted_credentials")
    )


@metric(
    title="Occupation links of credentials",
    unit="credentials",
    definition=(
        "How many credentials carry an explicit SOC alignment, how many are linked to occupations only through "
        "CIP-inferred links, and how many have no occupation link at all."
    ),
    formula=(
        "per state: credentials = count(distinct ctid); explicit = those with >= 1 explicit SOC link; "
        "only_inferred = those whose links are all cip_inferred; unlinked = credentials - explicit - only_inferred"
    ),
    caveats=_LINK_CAVEAT,
    source_tables=("credentials", "alignments", "locations", "organizations", "reference: cip_soc_crosswalk"),
    value_column="credential_count",
    group="demand",
)
def compute_occupation_link_summary(
    data: Source,
    *,
    state: str | None = None,
    by_state: bool = False,
    cip_inference: str = "fallback",
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Counts of credentials with explicit, only-inferred and no occupation links.

    Args:
        data: a context, a snapshot or a mapping of tables.
        state: USPS code, or None for national (``"US"``) or per-state rows (``by_state=True``).
        by_state: with ``state=None``, one row per state.
        cip_inference: see :data:`CIP_INFERENCE`.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        Long frame ``state_code``, ``link``, ``credential_count``, ``share`` where ``link`` is ``explicit``,
        ``only_cip_inferred`` or ``none`` and ``share`` = credential_count / credentials in the state.
    """
    ctx = as_context(data)
    rule, online = ctx.options(rule, online)
    national = state is None and not by_state
    return ctx.sliced(("link_summary", national, cip_inference, rule, online), state,
                      lambda: _link_summary(ctx, national, cip_inference, rule, online))


def _link_summary(ctx: MetricsContext, national: bool, cip_inference: str, rule: str, online: str) -> pl.DataFrame:
    creds = _groups(ctx, national=national, active_only=False, rule=rule, online=online)
    def kinds() -> pl.DataFrame:
        links = (soc_links(ctx, cip_inference=cip_inference) if cip_inference == "always"
                 else link_sources(ctx, cip_inference=cip_inference))
        return links.group_by("ctid").agg((pl.col("method") == "explicit").any().alias("_explicit"))

    per_ctid = ctx.cached(("link_kind", cip_inference), kinds)
    frame = creds.join(per_ctid, on="ctid", how="left").with_columns(
        pl.when(pl.col("_explicit").is_null()).then(pl.lit("none"))
        .when(pl.col("_explicit")).then(pl.lit("explicit"))
        .otherwise(pl.lit("only_cip_inferred")).alias("link")
    )
    totals = frame.group_by("state_code").agg(pl.col("ctid").n_unique().alias("_total"))
    grid = totals.join(pl.DataFrame({"link": ["explicit", "only_cip_inferred", "none"]}), how="cross")
    counts = frame.group_by("state_code", "link").agg(
        pl.col("ctid").n_unique().cast(pl.Int64).alias("credential_count")
    )
    return (
        grid.join(counts, on=["state_code", "link"], how="left")
        .with_columns(pl.col("credential_count").fill_null(0))
        .with_columns(share(pl.col("credential_count"), pl.col("_total")).alias("share"))
        .sort("state_code", pl.col("link").replace_strict({"explicit": 0, "only_cip_inferred": 1, "none": 2}))
        .select("state_code", "link", "credential_count", "share")
    )


@metric(
    title="Credential supply per 1,000 estimated annual openings",
    unit="credentials per 1,000 estimated annual openings",
    definition=(
        "For each state and SOC major group, the fractional number of active credentials linked to the group's "
        "occupations per 1,000 estimated annual job openings in the state (metric A of "
        "docs/demand-data-and-metrics)."
    ),
    formula=(
        "supply[s,G] = sum over active credentials c in s and SOCs o in G of w(c,o) (each credential's weights sum "
        "to 1); est_openings[s,o] = EP openings_rate[o] x OEWS tot_emp[s,o]; SDR[s,G] = 1000 x supply[s,G] / "
        "sum_{o in G} est_openings[s,o]"
    ),
    caveats=(
        "State openings are an ESTIMATE (national BLS rate applied to state OEWS employment; occupations whose "
        "state employment is not released are left out). Cells with fewer than min_openings estimated openings "
        "are flagged low_openings (unstable). " + _LINK_CAVEAT + " Credentials, not seats or completers, are counted."
    ),
    source_tables=("credentials", "alignments", "locations", "organizations", "reference: state_openings",
                   "reference: cip_soc_crosswalk", "reference: soc_hierarchy"),
    value_column="supply_per_1000_openings",
    group="demand",
)
def compute_supply_per_openings(
    data: Source,
    *,
    state: str | None = None,
    cip_inference: str = "fallback",
    inferred_weight: float = 0.5,
    active_only: bool = True,
    min_openings: float = 100.0,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Credential supply per 1,000 estimated annual openings by state × SOC major group.

    Args:
        data: a context, a snapshot or a mapping of tables (reference ``state_openings``,
            ``cip_soc_crosswalk``, ``soc_hierarchy`` may be included).
        state: USPS code, or None for every state.
        cip_inference: see :data:`CIP_INFERENCE`.
        inferred_weight: raw weight of inferred links (used by ``always``).
        active_only: count only active credentials (default True, as metric A specifies).
        min_openings: groups with fewer estimated openings are flagged ``low_openings``.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        ``state_code``, ``soc_major_group``, ``soc_major_group_title``, ``credential_count`` (distinct
        credentials linked to the group), ``supply`` (weighted), ``est_annual_openings``,
        ``supply_per_1000_openings``, ``low_openings``, ``openings_is_estimate`` (always True).
        Every major group with openings in the state appears, with zero supply when no credential
        is linked; a group with credentials but no published openings has a null ratio.
    """
    ctx = as_context(data)
    rule, online = ctx.options(rule, online)
    key = ("supply", cip_inference, float(inferred_weight), active_only, float(min_openings), rule, online)
    return ctx.sliced(key, state, lambda: _supply(ctx, cip_inference, inferred_weight, active_only, min_openings,
                                                  rule, online))


def _supply(ctx: MetricsContext, cip_inference: str, inferred_weight: float, active_only: bool,
            min_openings: float, rule: str, online: str) -> pl.DataFrame:
    groups = _groups(ctx, national=False, active_only=active_only, rule=rule, online=online)
    supply = (
        major_links(ctx, cip_inference=cip_inference, inferred_weight=inferred_weight)
        .join(groups, on="ctid", how="inner")
        .group_by("state_code", "soc_major_group")
        .agg(pl.len().cast(pl.Int64).alias("credential_count"), pl.col("weight").sum().alias("supply"))
    )
    demand = openings(ctx).group_by("state_code", "soc_major_group").agg(
        pl.col("est_annual_openings").sum(), pl.col("soc_major_group_title").first()
    )
    titles = (
        ctx.ref("soc_hierarchy")
        .filter(pl.col("soc_level") == "major")
        .select(pl.col("soc_code").alias("soc_major_group"), pl.col("soc_title").alias("_title"))
    )
    return (
        demand.join(supply, on=["state_code", "soc_major_group"], how="full", coalesce=True)
        .join(titles, on="soc_major_group", how="left")
        .with_columns(
            pl.coalesce("soc_major_group_title", "_title").alias("soc_major_group_title"),
            pl.col("credential_count").fill_null(0),
            pl.col("supply").fill_null(0.0),
        )
        .with_columns(
            (share(pl.col("supply"), pl.col("est_annual_openings")) * 1000).alias("supply_per_1000_openings"),
            (pl.col("est_annual_openings").is_null() | (pl.col("est_annual_openings") < min_openings))
            .alias("low_openings"),
            pl.lit(True).alias("openings_is_estimate"),
        )
        .sort("state_code", "soc_major_group")
        .select("state_code", "soc_major_group", "soc_major_group_title", "credential_count", "supply",
                "est_annual_openings", "supply_per_1000_openings", "low_openings", "openings_is_estimate")
    )


@metric(
    title="Uncovered in-demand occupations",
    unit="estimated annual openings",
    definition=(
        "The detailed occupations with the most estimated annual openings in a state that no credential "
        "attributed to the state is linked to, optionally only those paying at least a wage threshold."
    ),
    formula=(
        "rank detailed SOCs o by est_openings[s,o] (descending) among those with no link from an active "
        "credential in s (explicit, CIP-inferred when include_inferred, or an explicit link to o's broad SOC "
        "group); keep the top N, and with min_wage only SOCs whose state median annual wage >= min_wage "
        "(or >= the state all-occupation median for min_wage='state_median')"
    ),
    caveats=(
        "Openings are an ESTIMATE (national BLS rate x state OEWS employment). Occupations whose state "
        "employment or wage is not released are absent (and, with a wage filter, those without a wage). "
        + _LINK_CAVEAT
    ),
    source_tables=("credentials", "alignments", "locations", "organizations", "reference: state_openings",
                   "reference: oews_state", "reference: soc_hierarchy", "reference: cip_soc_crosswalk"),
    value_column="est_annual_openings",
    group="demand",
)
def compute_uncovered_occupations(
    data: Source,
    *,
    state: str | None = None,
    top: int | None = 20,
    min_wage: float | str | None = None,
    include_inferred: bool = True,
    active_only: bool = True,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Highest-openings occupations of a state with no credential linked to them.

    Args:
        data: a context, a snapshot or a mapping of tables.
        state: USPS code, or None for every state (ranked within each state).
        top: keep the first ``top`` per state (None keeps all).
        min_wage: minimum state median annual wage in USD, or ``"state_median"`` for the state's
            all-occupation median (OEWS ``00-0000``); None applies no wage filter.
        include_inferred: a CIP-inferred link counts as coverage (default True).
        active_only: only active credentials count as coverage.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        ``state_code``, ``rank``, ``soc_code``, ``soc_title``, ``soc_major_group_title``,
        ``est_annual_openings``, ``annual_median_wage``, ``openings_is_estimate``.
    """
    ctx = as_context(data)
    if isinstance(min_wage, str) and min_wage != "state_median":
        raise ValueError(f"min_wage must be a number, 'state_median' or None, not {min_wage!r}")
    rule, online = ctx.options(rule, online)
    key = ("uncovered", min_wage, include_inferred, active_only, rule, online)
    frame = ctx.sliced(key, state, lambda: _uncovered(ctx, min_wage, include_inferred, active_only, rule, online))
    if top is not None:
        frame = frame.filter(pl.col("rank") <= top)
    return frame


def _uncovered(ctx: MetricsContext, min_wage: float | str | None, include_inferred: bool, active_only: bool,
               rule: str, online: str) -> pl.DataFrame:
    demand = openings(ctx)
    covered = ctx.cached(
        ("covered_socs", include_inferred, active_only, rule, online),
        lambda: _covered(ctx, _groups(ctx, national=False, active_only=active_only, rule=rule, online=online),
                         include_inferred),
    )
    broad = ctx.ref("soc_hierarchy").filter(pl.col("soc_level") == "broad").select("soc_code")
    covered_broad = covered.join(broad, on="soc_code", how="semi").rename({"soc_code": "_broad"})
    frame = (
        demand.with_columns((pl.col("soc_code").str.slice(0, 6) + "0").alias("_broad"))
        .join(covered, on=["state_code", "soc_code"], how="anti")
        .join(covered_broad, on=["state_code", "_broad"], how="anti")
        .filter(pl.col("est_annual_openings").is_not_null())
    )
    if min_wage == "state_median":
        medians = ctx.ref("oews_state").filter(pl.col("soc_code") == "00-0000").select(
            "state_code", pl.col("a_median").cast(pl.Float64).alias("_threshold")
        )
        frame = frame.join(medians, on="state_code", how="left").filter(
            pl.col("annual_median_wage") >= pl.col("_threshold")
        )
    elif min_wage is not None:
        frame = frame.filter(pl.col("annual_median_wage") >= float(min_wage))
    frame = frame.sort(["state_code", "est_annual_openings", "soc_code"], descending=[False, True, False]).with_columns(
        pl.col("est_annual_openings").cum_count().over("state_code").cast(pl.Int64).alias("rank")
    )
    return frame.with_columns(pl.lit(True).alias("openings_is_estimate")).select(
        "state_code", "rank", "soc_code", "soc_title", "soc_major_group_title", "est_annual_openings",
        "annual_median_wage", "openings_is_estimate",
    )
