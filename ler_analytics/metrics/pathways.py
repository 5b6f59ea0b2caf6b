"""Pathways: how credentials connect into routes a learner can climb (stackability, dead ends, off-ramps).

The graph (:func:`pathway_graph`, a ``networkx.DiGraph``) has one node per credential, learning
opportunity, assessment and competency in the ``connections`` table, and one edge per connection,
oriented so that **A → B means "B is a next step after A"**:

=======================  =========  ==============  ===========================================
relation (on subject S)  direction  stack type      reading
=======================  =========  ==============  ===========================================
isPreparationFor T       S → T      progression     S prepares for T
preparationFrom T        T → S      progression     T prepares for S
requires T               T → S      progression     T is a prerequisite of S
isRequiredFor T          S → T      progression
advancedStandingFrom T   T → S      progression     T earns advanced standing in S
isAdvancedStandingFor T  S → T      progression
isRecommendedFor T       S → T      supplemental    recommended, not required
recommends T             T → S      supplemental
precedes / isChildOf     S → T      progression     pathway components, mapped through proxyFor
hasChild T               T → S      progression     pathway components, mapped through proxyFor
transferValueFrom/For    F → T      transfer        a transfer value profile: credit for F counts in T
teaches/assesses/        S → K      competency      competencies (not a step; kept for drill-down)
requires (targetCompetency)
=======================  =========  ==============  ===========================================

Condition profiles (``requires/targetCredential``, ``…/alternativeCondition/targetCredential``) and
direct references both count; competencies are never next steps. The same progression edges come
out of the graph store with the named SPARQL query ``progression_edges`` (cross-checked in
``tests/integration/graph/test_crosscheck.py``).

Per-credential measures (:func:`compute_credential_pathways`) and their per-state summary
(:func:`compute_pathway_summary`) are computed once for the whole snapshot and then filtered by
state, so all states together take about as long as one. They run on the same edges as
:func:`pathway_graph` with linear-time code (level-by-level breadth-first joins for depth to a destination,
scipy's strongly connected components and polars joins for chain length) rather than through networkx objects,
which keeps all states well inside the 10-second budget at the Registry's full size.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from ler_analytics.metrics._frames import NATIONAL, conform, empty_table, share
from ler_analytics.metrics.context import MetricsContext, Source, as_context
from ler_analytics.metrics.registry import metric

PROGRESSION_RELATIONS: dict[str, tuple[bool, str]] = {
    "isPreparationFor": (True, "progression"),
    "preparationFrom": (False, "progression"),
    "requires": (False, "progression"),
    "isRequiredFor": (True, "progression"),
    "advancedStandingFrom": (False, "progression"),
    "isAdvancedStandingFor": (True, "progression"),
    "isRecommendedFor": (True, "supplemental"),
    "recommends": (False, "supplemental"),
}
"""Connection relation → (subject is the earlier step, stack type)."""

COMPONENT_RELATIONS: dict[str, bool] = {"precedes": True, "isChildOf": True, "hasChild": False}
"""Pathway-component relations → subject is the earlier step (mapped to the components' proxies)."""

COMPETENCY_RELATIONS: tuple[str, ...] = ("teaches", "assesses", "requires", "targetCompetency")
_STEP_TARGETS = ("targetCredential", "targetLearningOpportunity", "targetAssessment")
EDGE_SCHEMA: dict[str, pl.DataType] = {
    "from_ctid": pl.String(), "to_ctid": pl.String(), "relation": pl.String(), "stack_type": pl.String(),
}  # fmt: skip
_ATTR_CAVEAT = (
    "Credentials are placed in states with the chosen attribution rule (see metrics.attribution); the 'US' row "
    "covers every credential, including those no rule places."
)


# ---- inputs ---------------------------------------------------------------------------------------


def _table(data: Source, name: str) -> pl.DataFrame:
    """A core table from a snapshot, a mapping or a context (empty with documented columns if absent)."""
    from ler_analytics.snapshot import Snapshot

    if isinstance(data, Snapshot):
        if name in data.table_names():
            return conform(data.table(name), name)
        return empty_table(name)
    if isinstance(data, Mapping):
        frame = data.get(name)
        return conform(frame, name) if isinstance(frame, pl.DataFrame) else empty_table(name)
    if isinstance(data, MetricsContext):
        tables = data._tables  # noqa: SLF001 - read-only peek: was the table given?
        if name not in tables:
            path = Path(data.label) / "tables" / f"{name}.parquet"
            if path.exists():  # a context built from a snapshot reads only the tables other metrics use
                tables[name] = conform(pl.read_parquet(path), name)
        return data.table(name)
    raise TypeError(f"expected a Snapshot, a MetricsContext or a mapping of tables, not {type(data).__name__}")


def progression_edges(data: Source) -> pl.DataFrame:
    """Next-step edges between credentials, learning opportunities and assessments.

    Args:
        data: a snapshot, a metrics context or a mapping with ``connections`` (and ``pathway_components``
            for component links).

    Returns:
        ``from_ctid, to_ctid, relation, stack_type`` (distinct; self-loops dropped), the same rows as the
        named SPARQL query ``progression_edges``.
    """
    wanted = [*PROGRESSION_RELATIONS, *COMPONENT_RELATIONS]
    conn = _table(data, "connections").select("subject_ctid", "relation", "target_ctid", "via").filter(
        pl.col("relation").is_in(wanted) & pl.col("target_ctid").is_not_null()
    )
    relations = pl.DataFrame(
        {
            "relation": list(PROGRESSION_RELATIONS),
            "forward": [v[0] for v in PROGRESSION_RELATIONS.values()],
            "stack_type": [v[1] for v in PROGRESSION_RELATIONS.values()],
        }
    )
    via_ok = (pl.col("via") == "direct") | pl.col("via").str.contains("/(" + "|".join(_STEP_TARGETS) + ")$")
    direct = (
        conn.join(relations, on="relation", how="inner")
        .filter(via_ok)
        .select(
            pl.when(pl.col("forward")).then(pl.col("subject_ctid")).otherwise(pl.col("target_ctid")).alias("from_ctid"),
            pl.when(pl.col("forward")).then(pl.col("target_ctid")).otherwise(pl.col("subject_ctid")).alias("to_ctid"),
            "relation",
            "stack_type",
        )
    )
    components = _table(data, "pathway_components").select("ctid", "proxy_for_ctid").filter(
        pl.col("proxy_for_ctid").is_not_null()
    )
    comp_rel = pl.DataFrame({"relation": list(COMPONENT_RELATIONS), "forward": list(COMPONENT_RELATIONS.values())})
    comp = (
        conn.filter(pl.col("via") == "direct")
        .join(comp_rel, on="relation", how="inner")
        .join(components.rename({"ctid": "subject_ctid", "proxy_for_ctid": "s_proxy"}), on="subject_ctid")
        .join(components.rename({"ctid": "target_ctid", "proxy_for_ctid": "t_proxy"}), on="target_ctid")
        .select(
            pl.when(pl.col("forward")).then(pl.col("s_proxy")).otherwise(pl.col("t_proxy")).alias("from_ctid"),
            pl.when(pl.col("forward")).then(pl.col("t_proxy")).otherwise(pl.col("s_proxy")).alias("to_ctid"),
            "relation",
            pl.lit("progression").alias("stack_type"),
        )
    )
    edges = pl.concat([direct.cast(EDGE_SCHEMA), comp.cast(EDGE_SCHEMA)])  # type: ignore[arg-type]
    return (
        edges.with_columns(pl.col("from_ctid").str.to_lowercase(), pl.col("to_ctid").str.to_lowercase())
        .filter(pl.col("from_ctid") != pl.col("to_ctid"))
        .unique()
        .sort("from_ctid", "to_ctid", "relation")
    )


def transfer_edges(data: Source) -> pl.DataFrame:
    """Transfer-value edges: ``from_ctid`` (earns credit), ``to_ctid`` (where it counts), ``transfer_value_ctid``."""
    tv = _table(data, "transfer_values").select("ctid", "transfer_value_from_ctids", "transfer_value_for_ctids")
    return (
        tv.explode("transfer_value_from_ctids")
        .explode("transfer_value_for_ctids")
        .select(
            pl.col("transfer_value_from_ctids").alias("from_ctid"),
            pl.col("transfer_value_for_ctids").alias("to_ctid"),
            pl.col("ctid").alias("transfer_value_ctid"),
        )
        .drop_nulls(["from_ctid", "to_ctid"])
        .unique()
        .sort("from_ctid", "to_ctid")
    )


def pathway_graph(data: Source, *, include_competencies: bool = True) -> Any:
    """The pathway graph as a ``networkx.DiGraph`` (see the module docstring for the edge table).

    Nodes carry ``kind`` (``credential``, ``learning_opportunity``, ``assessment``, ``competency`` or
    ``other``) and ``name``; edges carry ``relation`` and ``stack_type`` (``progression``,
    ``supplemental``, ``transfer`` or ``competency``).
    """
    import networkx as nx

    graph = nx.DiGraph()
    for table, kind in (("credentials", "credential"), ("learning_opportunities", "learning_opportunity"),
                        ("assessments", "assessment")):
        frame = _table(data, table).select("ctid", "name")
        graph.add_nodes_from((c, {"kind": kind, "name": n}) for c, n in frame.iter_rows())
    for a, b, relation, stack in progression_edges(data).iter_rows():
        graph.add_edge(a, b, relation=relation, stack_type=stack)
    for a, b, tv in transfer_edges(data).iter_rows():
        if not graph.has_edge(a, b):
            graph.add_edge(a, b, relation="transferValue", stack_type="transfer", transfer_value_ctid=tv)
    if include_competencies:
        comps = _table(data, "competencies").select("ctid", "text")
        graph.add_nodes_from((c, {"kind": "competency", "name": t}) for c, t in comps.iter_rows())
        conn = _table(data, "connections").filter(
            pl.col("relation").is_in(list(COMPETENCY_RELATIONS)) & pl.col("target_ctid").is_not_null()
        ).join(comps.select("ctid"), left_on="target_ctid", right_on="ctid", how="semi")
        for s, t, relation in conn.select("subject_ctid", "target_ctid", "relation").unique().iter_rows():
            graph.add_edge(s, t, relation=relation, stack_type="competency")
    for node, attrs in graph.nodes(data=True):
        attrs.setdefault("kind", "other")
        attrs.setdefault("name", None)
        del node
    return graph


# ---- per-credential measures ----------------------------------------------------------------------


def _distances_to(edges: pl.DataFrame, targets: set[str] | list[str]) -> pl.DataFrame:
    """Fewest steps from every node to the nearest node of ``targets`` (breadth-first, level by level).

    Args:
        edges: ``from_ctid, to_ctid`` (A → B: B is a next step after A).
        targets: the destination nodes.

    Returns:
        ``ctid, depth_to_destination`` for every node that reaches a target (targets have 0).
    """
    schema = {"ctid": pl.String, "depth_to_destination": pl.Int64}
    pairs = edges.select("from_ctid", "to_ctid").unique()
    known = set(pairs["from_ctid"].to_list()) | set(pairs["to_ctid"].to_list())
    frontier = pl.DataFrame({"ctid": sorted(t for t in targets if t in known)}, schema={"ctid": pl.String})
    found = [frontier.with_columns(pl.lit(0, pl.Int64).alias("depth_to_destination"))]
    seen = frontier
    depth = 0
    while frontier.height:
        depth += 1
        frontier = (
            pairs.join(frontier.rename({"ctid": "to_ctid"}), on="to_ctid", how="semi")
            .select(pl.col("from_ctid").alias("ctid")).unique()
            .join(seen, on="ctid", how="anti")
        )
        seen = pl.concat([seen, frontier])
        found.append(frontier.with_columns(pl.lit(depth, pl.Int64).alias("depth_to_destination")))
    return pl.concat(found).cast(schema)  # type: ignore[arg-type]


def _longest_chains(edges: pl.DataFrame) -> pl.DataFrame:
    """Most steps from each node to a node with no next step; a cycle's nodes count as one step.

    Args:
        edges: ``from_ctid, to_ctid`` (distinct).

    Returns:
        ``ctid, chain_length`` for every node of ``edges``. Strongly connected components come from
        scipy's ``csgraph.connected_components`` (C code); the longest path over the condensed acyclic
        graph is relaxed level by level with polars joins (as many rounds as the longest chain).
    """
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    nodes = pl.concat([edges["from_ctid"], edges["to_ctid"]]).unique().sort()
    if nodes.is_empty():
        return pl.DataFrame(schema={"ctid": pl.String, "chain_length": pl.Int64})
    ids = pl.DataFrame({"ctid": nodes, "i": pl.int_range(nodes.len(), eager=True)})
    coded = edges.join(ids.rename({"ctid": "from_ctid", "i": "a"}), on="from_ctid").join(
        ids.rename({"ctid": "to_ctid", "i": "b"}), on="to_ctid")
    n = nodes.len()
    matrix = csr_matrix((np.ones(coded.height, dtype=np.int8), (coded["a"].to_numpy(), coded["b"].to_numpy())),
                        shape=(n, n))
    _, labels = connected_components(matrix, directed=True, connection="strong")
    comp = pl.DataFrame({"i": np.arange(n), "c": labels.astype(np.int64)})
    dag = (
        coded.join(comp.rename({"i": "a", "c": "ca"}), on="a").join(comp.rename({"i": "b", "c": "cb"}), on="b")
        .filter(pl.col("ca") != pl.col("cb")).select("ca", "cb").unique()
    )
    length = pl.DataFrame({"c": np.unique(labels).astype(np.int64)}).with_columns(pl.lit(0, pl.Int64).alias("L"))
    for _ in range(n + 1):
        step = (
            dag.join(length.rename({"c": "cb"}), on="cb")
            .group_by("ca").agg((pl.col("L").max() + 1).alias("L_new"))
            .rename({"ca": "c"})
        )
        updated = length.join(step, on="c", how="left").with_columns(
            pl.max_horizontal("L", pl.col("L_new").fill_null(0)).alias("L_next"))
        if (updated["L_next"] == updated["L"]).all():
            break
        length = updated.select("c", pl.col("L_next").alias("L"))
    return (
        ids.join(comp, on="i").join(length, on="c").select("ctid", pl.col("L").cast(pl.Int64).alias("chain_length"))
    )


def _credential_pathways(data: Source) -> pl.DataFrame:
    creds = _table(data, "credentials").select("ctid", "name", "credential_type", "has_outcome_data")
    edges = progression_edges(data)
    # one edge per (from, to): progression wins over supplemental
    best = (
        edges.with_columns((pl.col("stack_type") == "progression").alias("_p"))
        .group_by("from_ctid", "to_ctid")
        .agg(pl.col("_p").any())
    )
    comps = _table(data, "pathway_components")
    proxies = comps.filter(pl.col("proxy_for_ctid").is_not_null())
    destinations = proxies.filter(pl.col("is_destination").fill_null(False))["proxy_for_ctid"].unique().to_list()
    on_pathway = proxies["proxy_for_ctid"].unique().to_list()
    to_destination = _distances_to(best, destinations)
    chains = _longest_chains(best.select("from_ctid", "to_ctid"))
    out_deg = best.group_by(pl.col("from_ctid").alias("ctid")).agg(
        pl.len().alias("next_steps"), pl.col("_p").any().alias("_p_out"))
    in_deg = best.group_by(pl.col("to_ctid").alias("ctid")).agg(
        pl.len().alias("prior_steps"), pl.col("_p").any().alias("_p_in"))
    transfers = transfer_edges(data).group_by("from_ctid").agg(pl.len().alias("transfer_value_edges"))
    soc = _table(data, "alignments").filter(
        (pl.col("code_system") == "SOC") & pl.col("code").is_not_null()
    ).select(pl.col("subject_ctid").alias("ctid")).unique().with_columns(pl.lit(True).alias("has_occupation"))
    measures = chains.join(to_destination, on="ctid", how="full", coalesce=True)
    out = (
        creds.unique("ctid", keep="first")
        .join(out_deg, on="ctid", how="left")
        .join(in_deg, on="ctid", how="left")
        .join(measures, on="ctid", how="left")
        .join(transfers.rename({"from_ctid": "ctid"}), on="ctid", how="left")
        .join(soc, on="ctid", how="left")
        .with_columns(
            pl.col("next_steps").fill_null(0).cast(pl.Int64),
            pl.col("prior_steps").fill_null(0).cast(pl.Int64),
            pl.col("chain_length").fill_null(0),
            pl.col("transfer_value_edges").fill_null(0).cast(pl.Int64),
            pl.col("has_occupation").fill_null(False),
            pl.col("ctid").is_in(pl.Series(on_pathway, dtype=pl.String).implode()).alias("on_pathway"),
            pl.col("ctid").is_in(pl.Series(destinations, dtype=pl.String).implode()).alias("is_destination"),
        )
        .with_columns(
            (pl.col("next_steps") > 0).alias("has_next_step"),
            pl.when(pl.col("_p_out").fill_null(False) | pl.col("_p_in").fill_null(False)).then(pl.lit("progression"))
            .when((pl.col("next_steps") + pl.col("prior_steps")) > 0).then(pl.lit("supplemental"))
            .otherwise(pl.lit("independent")).alias("stack_type"),
        )
        .with_columns(
            (~pl.col("has_next_step") & (pl.col("prior_steps") > 0) & ~pl.col("is_destination")).alias("is_dead_end"),
            (
                pl.col("has_next_step")
                & ~pl.col("is_destination")
                & (pl.col("has_occupation") | pl.col("has_outcome_data").fill_null(False))
            ).alias("is_off_ramp"),
        )
    )
    return out.select(
        "ctid", "name", "credential_type", "next_steps", "prior_steps", "has_next_step", "is_dead_end",
        "stack_type", "on_pathway", "is_destination", "depth_to_destination", "chain_length", "is_off_ramp",
        "has_occupation", "transfer_value_edges",
    ).sort("ctid")


def _cached_pathways(data: Source) -> pl.DataFrame:
    try:
        ctx = as_context(data)
    except TypeError:
        return _credential_pathways(data)
    return ctx.cached(("pathways", "credential_pathways"), lambda: _credential_pathways(data))


@metric(
    title="Credential pathway position",
    unit="next steps",
    definition=(
        "For each credential: how many next steps it leads to (branching), how many lead to it, whether it is a "
        "dead end, an off-ramp or a pathway destination, how far it is from a destination and how long a chain "
        "of steps follows it, its stack type and its transfer-value edges."
    ),
    formula=(
        "on the directed graph of connections (A->B: B is a next step after A; see metrics.pathways): next_steps = "
        "out-degree; dead end = no next step, at least one prior step, not a pathway destination; off-ramp = has a "
        "next step, is not a destination, and carries labour-market value (an occupation alignment or outcome "
        "data); depth_to_destination = fewest steps to a credential a CTDL-Path pathway names as destination; "
        "chain_length = most steps to a credential with no next step (cycles collapsed); stack type = "
        "progression if any required/preparatory edge touches it, supplemental if only recommended edges, else "
        "independent"
    ),
    caveats=(
        "Only connections published in the Registry are seen; a missing link looks like a dead end. Targets "
        "outside the snapshot still count as next steps."
    ),
    source_tables=("credentials", "connections", "pathway_components", "transfer_values", "alignments"),
    value_column="next_steps",
    group="pathways",
)
def compute_credential_pathways(
    data: Source, *, state: str | None = None, rule: str | None = None, online: str | None = None,
    by_state: bool = False,
) -> pl.DataFrame:
    """Pathway measures per credential, optionally for one state.

    Args:
        data: a snapshot, a :class:`~ler_analytics.metrics.context.MetricsContext` or a mapping of tables.
        state: USPS code; None for all credentials (``state_code`` is then omitted).
        rule: state-attribution rule (default: the context's).
        online: ``"local"`` or ``"national"`` (default: the context's).
        by_state: with ``state=None``, one row per credential × attributed state (``state_code``; sorted by
            state and CTID), so filtering one state gives the frame of ``state=...``.

    Returns:
        One row per credential (per credential × state when ``state`` is given or ``by_state``).
    """
    per = _cached_pathways(data)
    if state is None and by_state:
        ctx = as_context(data)
        placed = ctx.in_state(per, None, rule=rule, online=online)
        return placed.filter(pl.col("state_code").is_not_null()).sort("state_code", "ctid")
    if state is None:
        return per
    ctx = as_context(data)
    return ctx.in_state(per, state, rule=rule, online=online).sort("ctid")


def stack_links_by_state(data: Source, per: pl.DataFrame, *, limit: int = 24) -> pl.DataFrame:
    """The most connected credential-stack links of every state, computed once for all states.

    Per ``state_code``: next-step links (:func:`progression_edges`) from a credential of the state
    to a named credential, one per pair (lowest relation and stack type first), ranked by
    ``connections`` (the links of both ends within the state's links), then names and CTIDs.

    Args:
        data: a snapshot, a :class:`~ler_analytics.metrics.context.MetricsContext` or a mapping of tables.
        per: ``compute_credential_pathways(data, by_state=True)`` (which credentials are in which state).
        limit: links kept per state.

    Returns:
        ``state_code, from_ctid, from_name, to_ctid, to_name, relation, stack_type, connections, _total``;
        ``_total`` is the number of links of the state before the limit.
    """
    ctx = as_context(data)
    names = ctx.table("credentials").select("ctid", "name").unique("ctid")
    pairs = ["state_code", "from_ctid", "to_ctid"]
    edges = (
        progression_edges(ctx)
        .join(per.select("state_code", pl.col("ctid").alias("from_ctid")).unique(), on="from_ctid", how="inner")
        .join(names.rename({"ctid": "from_ctid", "name": "from_name"}), on="from_ctid", how="inner")
        .join(names.rename({"ctid": "to_ctid", "name": "to_name"}), on="to_ctid", how="inner")
        .sort([*pairs, "relation", "stack_type"], nulls_last=True)
        .unique(pairs, keep="first", maintain_order=True)
    )
    # draw the most connected links first: chains and branches say more than isolated pairs
    ends = pl.concat(
        [
            edges.select("state_code", pl.col("from_ctid").alias("n")),
            edges.select("state_code", pl.col("to_ctid").alias("n")),
        ]
    )
    degree = ends.group_by("state_code", "n").agg(pl.len().alias("d"))
    ranked = (
        edges.join(degree.rename({"n": "from_ctid", "d": "d_from"}), on=["state_code", "from_ctid"], how="left")
        .join(degree.rename({"n": "to_ctid", "d": "d_to"}), on=["state_code", "to_ctid"], how="left")
        .with_columns(
            (pl.col("d_from") + pl.col("d_to")).alias("connections"),
            pl.len().over("state_code").cast(pl.Int64).alias("_total"),
        )
        .sort(
            ["state_code", "connections", "from_name", "to_name", "from_ctid", "to_ctid"],
            descending=[False, True, False, False, False, False],
        )
    )
    return (
        ranked.group_by("state_code", maintain_order=True)
        .head(limit)
        .select(
            "state_code",
            "from_ctid",
            "from_name",
            "to_ctid",
            "to_name",
            "relation",
            "stack_type",
            "connections",
            "_total",
        )
    )


def _summary(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return frame.group_by(keys).agg(
        pl.len().alias("credentials"),
        pl.col("has_next_step").sum().alias("with_next_step"),
        share(pl.col("has_next_step").sum(), pl.len()).alias("share_with_next_step"),
        pl.col("is_dead_end").sum().alias("dead_ends"),
        pl.col("is_off_ramp").sum().alias("off_ramps"),
        pl.col("depth_to_destination").median().alias("median_depth_to_destination"),
        pl.col("depth_to_destination").max().alias("max_depth_to_destination"),
        pl.col("chain_length").filter(pl.col("has_next_step")).median().alias("median_chain_length"),
        pl.col("chain_length").max().alias("max_chain_length"),
        pl.col("next_steps").filter(pl.col("has_next_step")).mean().alias("mean_branching"),
        pl.col("next_steps").max().alias("max_branching"),
        (pl.col("stack_type") == "progression").sum().alias("progression"),
        (pl.col("stack_type") == "supplemental").sum().alias("supplemental"),
        (pl.col("stack_type") == "independent").sum().alias("independent"),
        pl.col("on_pathway").sum().alias("on_pathway"),
        pl.col("transfer_value_edges").sum().alias("transfer_value_edges"),
    )


@metric(
    title="Pathway connectedness",
    unit="share (0-1)",
    definition=(
        "Per state: the share of credentials with at least one next step, the number of dead ends and off-ramps, "
        "the median and maximum number of steps to a pathway destination, mean branching, how many credentials "
        "stack by progression, supplement or stand alone, and transfer-value edges."
    ),
    formula=(
        "share_with_next_step = count(credentials with out-degree > 0) / count(credentials), per state_code, from "
        "compute_credential_pathways; medians and maxima over the state's credentials (depth over those that reach "
        "a destination; chain length and branching over those with a next step)"
    ),
    caveats=_ATTR_CAVEAT + " Pathway structure is only as complete as the published connections.",
    source_tables=("credentials", "connections", "pathway_components", "transfer_values", "alignments",
                   "organizations", "locations"),
    value_column="share_with_next_step",
    group="pathways",
)
def compute_pathway_summary(
    data: Source, *, state: str | None = None, rule: str | None = None, online: str | None = None,
    national: bool = True,
) -> pl.DataFrame:
    """Pathway connectedness per state (one row per state, plus a national ``US`` row).

    Args:
        data: a snapshot, a metrics context or a mapping of tables.
        state: one USPS code, or None for every state.
        rule: state-attribution rule (default: the context's).
        online: ``"local"`` or ``"national"``.
        national: add the ``US`` row (all credentials, attributed or not) when ``state`` is None.
    """
    per = _cached_pathways(data)
    ctx = as_context(data)
    placed = ctx.in_state(per, state, rule=rule, online=online).filter(pl.col("state_code").is_not_null())
    out = _summary(placed, ["state_code"]).sort("state_code")
    if state is None and national:
        out = pl.concat([out, _summary(per.with_columns(pl.lit(NATIONAL).alias("state_code")), ["state_code"])])
    return out


# ---- CTDL-Path structure and occupation ladders ------------------------------------------------------


@metric(
    title="Pathway structure",
    unit="components",
    definition=(
        "Each CTDL-Path pathway as its components: type, progression level, whether it is the destination, "
        "the credential or course it stands for, the component it leads to and, when the graph is given, "
        "its conditions (how many of which components are required)."
    ),
    formula=(
        "pathway_components joined to pathways and to the proxied resources' names; level_order = rank of the "
        "progression level within the pathway (by the shortest number of component steps from the level to the "
        "destination, destination last); conditions from the named SPARQL query pathway_structure"
    ),
    caveats="Conditions (ComponentCondition) live only in the graph: pass graph= (a store, folder or Snapshot).",
    source_tables=("pathways", "pathway_components", "connections", "credentials", "learning_opportunities"),
    value_column="level_order",
    group="pathways",
)
def compute_pathway_structure(
    data: Source, *, pathway_ctid: str | None = None, graph: Any = None
) -> pl.DataFrame:
    """The components of CTDL-Path pathways, by progression level, with destination and conditions.

    Args:
        data: a snapshot, a metrics context or a mapping of tables.
        pathway_ctid: one pathway; None for all.
        graph: optional SPARQL source (pyoxigraph store, snapshot, folder or endpoint URL) for conditions.

    Returns:
        ``pathway_ctid, pathway_name, component_ctid, component_type, component_name, progression_level,
        level_order, steps_to_destination, is_destination, proxy_for_ctid, proxy_name, leads_to_ctid`` and,
        with ``graph``, ``condition_name, required_number, condition_targets``.
    """
    comps = _table(data, "pathway_components")
    paths = _table(data, "pathways").select(pl.col("ctid").alias("pathway_ctid"), pl.col("name").alias("pathway_name"))
    if pathway_ctid is not None:
        comps = comps.filter(pl.col("pathway_ctid") == pathway_ctid.lower())
    names = pl.concat(
        [_table(data, t).select("ctid", "name") for t in ("credentials", "learning_opportunities", "assessments")]
    ).unique("ctid").rename({"ctid": "proxy_for_ctid", "name": "proxy_name"})
    conn = _table(data, "connections").filter(pl.col("relation").is_in(["precedes", "isChildOf"]))
    leads = conn.select(pl.col("subject_ctid").alias("component_ctid"), pl.col("target_ctid").alias("leads_to_ctid"))
    leads = leads.join(comps.select(pl.col("ctid").alias("component_ctid")), on="component_ctid", how="semi")
    # steps from each component to its pathway's destination, along precedes/isChildOf
    dest = comps.filter(pl.col("is_destination").fill_null(False))["ctid"].to_list()
    steps = _distances_to(
        leads.drop_nulls().rename({"component_ctid": "from_ctid", "leads_to_ctid": "to_ctid"}), dest
    ).rename({"ctid": "component_ctid", "depth_to_destination": "steps_to_destination"})
    out = (
        comps.select(
            "pathway_ctid", pl.col("ctid").alias("component_ctid"), "component_type",
            pl.col("name").alias("component_name"), "progression_level", "is_destination", "proxy_for_ctid",
        )
        .join(paths, on="pathway_ctid", how="left")
        .join(names, on="proxy_for_ctid", how="left")
        .join(leads.group_by("component_ctid").agg(pl.col("leads_to_ctid").first()), on="component_ctid", how="left")
        .join(steps, on="component_ctid", how="left")
    )
    level_rank = (
        out.group_by("pathway_ctid", "progression_level")
        .agg(pl.col("steps_to_destination").min().alias("_lvl"))
        .with_columns(
            pl.col("_lvl").rank("dense", descending=True).over("pathway_ctid").cast(pl.Int64).alias("level_order")
        )
        .drop("_lvl")
    )
    out = out.join(level_rank, on=["pathway_ctid", "progression_level"], how="left", nulls_equal=True)
    cols = ["pathway_ctid", "pathway_name", "component_ctid", "component_type", "component_name",
            "progression_level", "level_order", "steps_to_destination", "is_destination", "proxy_for_ctid",
            "proxy_name", "leads_to_ctid"]
    out = out.select(cols)
    if graph is not None:
        from ler_analytics.graph.sparql import sparql

        cond = sparql(graph, "pathway_structure", **({"pathway_ctid": pathway_ctid} if pathway_ctid else {}))
        cond = cond.select("component_ctid", "condition_name", "required_number", "condition_targets").unique()
        out = out.join(cond, on="component_ctid", how="left")
    return out.sort("pathway_ctid", "level_order", "component_ctid", nulls_last=True)


def _soc_job_zones(job_zones: pl.DataFrame) -> pl.DataFrame:
    """Job zone per 7-character SOC: the ``.00`` O*NET code's zone, else the rounded mean of its children."""
    jz = job_zones.select("onet_soc_code", "soc_code", "job_zone")
    main = jz.filter(pl.col("onet_soc_code").str.ends_with(".00")).select("soc_code", pl.col("job_zone").alias("jz00"))
    mean = jz.group_by("soc_code").agg(pl.col("job_zone").mean().round(0).cast(pl.Int64).alias("jz_mean"))
    return mean.join(main, on="soc_code", how="left").select(
        "soc_code", pl.coalesce("jz00", "jz_mean").cast(pl.Int64).alias("job_zone")
    )


@metric(
    title="Occupation ladders",
    unit="credentials",
    definition=(
        "Steps up from one occupation to a related occupation that needs more preparation (O*NET related "
        "occupations with a higher job zone), with the number of credentials in the state that prepare for each "
        "end of the step."
    ),
    formula=(
        "pairs (o, r) from O*NET related occupations in the chosen tiers, aggregated to 7-character SOC, kept when "
        "job_zone(r) > job_zone(o); credentials_from/credentials_to = distinct credentials linked to o / r "
        "(explicit SOC alignments, else CIP->SOC crosswalk) in the state; has_step_credentials = credentials_to > 0"
    ),
    caveats=(
        "Job zone per SOC is the '.00' O*NET code's zone (else the rounded mean). CIP-inferred links are weaker "
        "than explicit alignments. " + _ATTR_CAVEAT
    ),
    source_tables=("credentials", "alignments", "reference: onet_related_occupations", "reference: onet_job_zones",
                   "reference: onet_occupations", "reference: cip_soc_crosswalk"),
    value_column="credentials_to",
    group="pathways",
)
def compute_occupation_ladders(
    data: Source,
    *,
    state: str | None = None,
    soc: str | None = None,
    tiers: tuple[str, ...] = ("Primary-Short",),
    only_with_credentials: bool = True,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Occupation ladders joined to the credentials that prepare for each step.

    Args:
        data: a snapshot, a metrics context or a mapping of tables (reference tables may be included).
        state: USPS code, or None for all credentials.
        soc: start from this SOC (``NN-NNNN``) only.
        tiers: O*NET relatedness tiers to use (``Primary-Short``, ``Primary-Long``, ``Supplemental``).
        only_with_credentials: keep steps with at least one credential at either end.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        ``from_soc, from_title, from_job_zone, to_soc, to_title, to_job_zone, rank, credentials_from,
        credentials_to, example_credentials`` (up to 3 names preparing for the higher step).
    """
    from ler_analytics.metrics.occupations import soc_links

    ctx = as_context(data)
    related = ctx.ref("onet_related_occupations").filter(pl.col("relatedness_tier").is_in(list(tiers)))
    zones = _soc_job_zones(ctx.ref("onet_job_zones"))
    titles = ctx.ref("onet_occupations").filter(pl.col("onet_soc_code").str.ends_with(".00")).select(
        "soc_code", "title"
    ).unique("soc_code")
    pairs = (
        related.select(
            pl.col("onet_soc_code").str.slice(0, 7).alias("from_soc"),
            pl.col("related_onet_soc_code").str.slice(0, 7).alias("to_soc"),
            "rank",
        )
        .filter(pl.col("from_soc") != pl.col("to_soc"))
        .group_by("from_soc", "to_soc")
        .agg(pl.col("rank").min())
        .join(zones.rename({"soc_code": "from_soc", "job_zone": "from_job_zone"}), on="from_soc")
        .join(zones.rename({"soc_code": "to_soc", "job_zone": "to_job_zone"}), on="to_soc")
        .filter(pl.col("to_job_zone") > pl.col("from_job_zone"))
    )
    if soc is not None:
        pairs = pairs.filter(pl.col("from_soc") == soc)
    links = soc_links(ctx).select("ctid", "soc_code").unique()
    if state is not None:
        links = ctx.in_state(links, state, rule=rule, online=online)
    names = _table(data, "credentials").select("ctid", "name")
    per_soc = links.group_by("soc_code").agg(pl.col("ctid").n_unique().alias("n"))
    examples = (
        links.join(names, on="ctid", how="left").sort("name", nulls_last=True)
        .group_by("soc_code").agg(pl.col("name").drop_nulls().unique(maintain_order=True).head(3).alias("examples"))
    )
    out = (
        pairs.join(per_soc.rename({"soc_code": "from_soc", "n": "credentials_from"}), on="from_soc", how="left")
        .join(per_soc.rename({"soc_code": "to_soc", "n": "credentials_to"}), on="to_soc", how="left")
        .join(examples.rename({"soc_code": "to_soc", "examples": "example_credentials"}), on="to_soc", how="left")
        .join(titles.rename({"soc_code": "from_soc", "title": "from_title"}), on="from_soc", how="left")
        .join(titles.rename({"soc_code": "to_soc", "title": "to_title"}), on="to_soc", how="left")
        .with_columns(
            pl.col("credentials_from").fill_null(0).cast(pl.Int64),
            pl.col("credentials_to").fill_null(0).cast(pl.Int64),
        )
    )
    if only_with_credentials:
        out = out.filter((pl.col("credentials_from") > 0) | (pl.col("credentials_to") > 0))
    return out.select(
        "from_soc", "from_title", "from_job_zone", "to_soc", "to_title", "to_job_zone", "rank",
        "credentials_from", "credentials_to", "example_credentials",
    ).sort("from_soc", "rank", "to_soc")
