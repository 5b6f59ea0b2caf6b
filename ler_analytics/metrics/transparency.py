"""Transparency: how completely records are described, against a benchmark property list.

The benchmark is **data**: ``ler_analytics/metrics/data/transparency_benchmark.csv`` (one row per
class group × item), which a state can replace with its own file (:func:`load_benchmark`).
Columns:

``class_group``
    ``credential``, ``learning_opportunity``, ``assessment`` or ``organization``.
``item``
    Short snake_case id (``cost``, ``quality_assurance``, ...), unique within the class group.
``label``
    Human label shown in dashboards.
``weight``
    Non-negative number: the item's weight in the transparency index.
``properties``
    ``|``-separated evidence; the item is present when **any** is present on the record: a CTDL
    CURIE looked up in the ``resource_properties`` table (``ceterms:estimatedCost``), or
    ``col:<name>`` naming a boolean column of the record's core table (``col:has_competencies``),
    for facts that live below the top-level node (condition profiles, data set profiles).
``description``
    Optional explanation.

Per record: ``transparency_index = 100 × Σ weight × present / Σ weight`` over its class group's
items. A group's transparency index is the mean of its records' indexes, which equals
``100 × Σ weight × fill_rate / Σ weight`` over the items.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from ler_analytics.errors import SchemaError
from ler_analytics.metrics._frames import check_choice, count_flags, share
from ler_analytics.metrics.context import MetricsContext, Source, as_context
from ler_analytics.metrics.registry import metric

CLASS_GROUPS: dict[str, str] = {
    "credentials": "credential",
    "learning_opportunities": "learning_opportunity",
    "assessments": "assessment",
    "organizations": "organization",
}
"""Core table → benchmark class group."""

_TYPE_COLUMN = {
    "credentials": "credential_type",
    "learning_opportunities": "learning_opportunity_type",
    "organizations": "organization_type",
}
BY_OPTIONS: tuple[str, ...] = ("state_code", "resource_type", "credential_type", "provider")
_CURIE = re.compile(r"^[a-z][a-z0-9]*:[A-Za-z][A-Za-z0-9_]*$")
_COL = re.compile(r"^col:[a-z_][a-z0-9_]*$")
BENCHMARK_COLUMNS = ("class_group", "item", "label", "weight", "properties")


def default_benchmark_path() -> Path:
    """Path of the packaged benchmark CSV."""
    return Path(str(resources.files("ler_analytics.metrics"))) / "data" / "transparency_benchmark.csv"


def load_benchmark(path: str | Path | None = None) -> pl.DataFrame:
    """Read and validate a transparency benchmark file (CSV; see the module docstring for columns).

    Args:
        path: a CSV file of your own; None reads the packaged benchmark.

    Returns:
        ``class_group``, ``item``, ``label``, ``weight`` (Float64), ``properties`` (list of evidence
        tokens), ``description``.

    Raises:
        SchemaError: naming the file and line of the first invalid row (missing column, unknown class
            group, bad weight, malformed property token, duplicate item).
    """
    file = Path(path) if path is not None else default_benchmark_path()
    if not file.exists():
        raise SchemaError(f"transparency benchmark {file} does not exist; pass the path of a CSV with columns "
                          f"{', '.join(BENCHMARK_COLUMNS)}")
    rows: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    with file.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in BENCHMARK_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SchemaError(f"{file}: missing column(s) {', '.join(missing)}; expected {', '.join(BENCHMARK_COLUMNS)}"
                              f" (+ optional description)")
        for line, raw in enumerate(reader, start=2):
            where = f"{file}, line {line}"
            group = (raw.get("class_group") or "").strip()
            item = (raw.get("item") or "").strip()
            if group not in CLASS_GROUPS.values():
                raise SchemaError(f"{where}: class_group {group!r} is not one of {', '.join(CLASS_GROUPS.values())}")
            if not item:
                raise SchemaError(f"{where}: item is empty")
            if (group, item) in seen:
                raise SchemaError(f"{where}: item {item!r} appears twice for class group {group!r}")
            seen.add((group, item))
            try:
                weight = float((raw.get("weight") or "").strip())
            except ValueError:
                raise SchemaError(f"{where}: weight {raw.get('weight')!r} is not a number") from None
            if not weight >= 0:
                raise SchemaError(f"{where}: weight must be >= 0, got {weight}")
            tokens = [t.strip() for t in (raw.get("properties") or "").split("|") if t.strip()]
            if not tokens:
                raise SchemaError(f"{where}: properties is empty (give CURIEs or col:<column>, separated by |)")
            bad = [t for t in tokens if not (_CURIE.match(t) or _COL.match(t))]
            if bad:
                raise SchemaError(f"{where}: property token(s) {bad} are neither a CURIE like ceterms:description "
                                  f"nor col:<boolean column>")
            rows.append({
                "class_group": group, "item": item, "label": (raw.get("label") or item).strip(), "weight": weight,
                "properties": tokens, "description": (raw.get("description") or "").strip(),
            })
    if not rows:
        raise SchemaError(f"{file}: no benchmark rows")
    return pl.DataFrame(rows, schema={
        "class_group": pl.String, "item": pl.String, "label": pl.String, "weight": pl.Float64,
        "properties": pl.List(pl.String), "description": pl.String,
    })


def _benchmark_key(bench: pl.DataFrame) -> str:
    text = bench.select("class_group", "item", "weight", pl.col("properties").list.join("|")).write_csv()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _items(ctx: MetricsContext, table: str, benchmark: pl.DataFrame | str | Path | None) -> pl.DataFrame:
    check_choice("table", table, tuple(CLASS_GROUPS))
    if benchmark is None or isinstance(benchmark, (str, Path)):
        bench = ctx.cached(("benchmark", str(benchmark)), lambda: load_benchmark(benchmark))
    else:
        bench = benchmark
    items = bench.filter(pl.col("class_group") == CLASS_GROUPS[table])
    if items.is_empty():
        raise SchemaError(f"the transparency benchmark has no items for class group {CLASS_GROUPS[table]!r}")
    return items


def presence(
    data: Source, table: str = "credentials", *, benchmark: pl.DataFrame | str | Path | None = None
) -> pl.DataFrame:
    """Per-record presence of each benchmark item, with the record's transparency index (cached).

    Args:
        data: a context, a snapshot or a mapping of tables (``resource_properties`` and ``table``).
        table: ``credentials``, ``learning_opportunities``, ``assessments`` or ``organizations``.
        benchmark: a benchmark frame (from :func:`load_benchmark`), a path, or None for the packaged one.

    Returns:
        ``ctid``, ``resource_type``, ``provider_ctid``, one Boolean column per item, ``items_present``,
        ``items_total``, ``transparency_index`` (0-100).
    """
    ctx = as_context(data)
    items = _items(ctx, table, benchmark)

    def build() -> pl.DataFrame:
        records = ctx.table(table)
        type_col = _TYPE_COLUMN.get(table)
        provider = pl.col("ctid") if table == "organizations" else pl.col("owner_ctid")
        flags = sorted({t[4:] for tokens in items["properties"] for t in tokens if t.startswith("col:")})
        for column in flags:
            if column not in records.columns:
                bad = items.filter(pl.col("properties").list.contains(f"col:{column}")).row(0, named=True)
                raise SchemaError(
                    f"transparency benchmark item {bad['class_group']}/{bad['item']} uses col:{column}, but the "
                    f"{table} table has no column {column!r}"
                )
        base = records.filter(pl.col("ctid").is_not_null()).unique("ctid", maintain_order=True).select(
            "ctid",
            (pl.col(type_col) if type_col else pl.lit("Assessment")).alias("resource_type"),
            provider.alias("provider_ctid"),
            *flags,
        )
        token_items = items.select("item", pl.col("properties").alias("property")).explode("property")
        curie_items = token_items.filter(~pl.col("property").str.starts_with("col:"))
        props = ctx.rows(
            "resource_properties",
            (pl.col("resource_table") == table)
            & pl.col("property").is_in(curie_items["property"].unique().implode())
            & (pl.col("value_count").is_null() | (pl.col("value_count") > 0)),
            ["ctid", "property"],
        )
        # scatter the (record, item) hits into a Boolean matrix: one pass, no per-item set look-ups
        item_list = items["item"].to_list()
        position = {item: i for i, item in enumerate(item_list)}
        mapping: dict[str, list[int]] = {}
        for item, prop in curie_items.iter_rows():
            mapping.setdefault(prop, []).append(position[item])
        # record position = physical code of the CTID in an Enum of the base CTIDs (faster than a join)
        positions = pl.Enum(base["ctid"])
        hits = (
            props.select(
                pl.col("ctid").cast(positions, strict=False).to_physical().alias("rid"),
                pl.col("property").replace_strict(mapping, return_dtype=pl.List(pl.UInt32)).alias("item"),
            )
            .drop_nulls("rid")
            .explode("item")
        )
        matrix = np.zeros((len(item_list), base.height), dtype=bool)
        matrix[hits["item"].to_numpy().astype(np.int64), hits["rid"].to_numpy().astype(np.int64)] = True
        exprs = []
        for row in items.iter_rows(named=True):
            conds: list[pl.Expr] = [pl.lit(pl.Series(row["item"], matrix[position[row["item"]]]))]
            conds += [records_col(token[4:]) for token in row["properties"] if token.startswith("col:")]
            exprs.append(pl.any_horizontal(conds).fill_null(False).alias(row["item"]))
        frame = base.with_columns(exprs)
        weights = dict(zip(items["item"], items["weight"], strict=True))
        total = sum(weights.values())
        item_cols = list(weights)
        return frame.select(
            "ctid", "resource_type", "provider_ctid", *item_cols,
            pl.sum_horizontal([pl.col(c).cast(pl.Int64) for c in item_cols]).alias("items_present"),
            pl.lit(len(item_cols), dtype=pl.Int64).alias("items_total"),
            (pl.sum_horizontal([pl.col(c).cast(pl.Float64) * w for c, w in weights.items()]) * 100 / total
             if total > 0 else pl.lit(None, dtype=pl.Float64)).alias("transparency_index"),
        )

    return ctx.cached(("presence", table, _benchmark_key(items)), build)


def records_col(column: str) -> pl.Expr:
    """Expression for a boolean record column used as benchmark evidence (null counts as absent)."""
    return pl.col(column).cast(pl.Boolean, strict=False).fill_null(False)


def _scoped(ctx: MetricsContext, frame: pl.DataFrame, table: str, state: str | None, need_state: bool,
            rule: str | None, online: str | None) -> pl.DataFrame:
    """Restrict to a state and/or attach ``state_code`` (organizations: their own address state)."""
    if state is None and not need_state:
        return frame
    if state is None:  # every state: the same join serves all roll-ups, so cache it
        rule, online = ctx.options(rule, online)
        return ctx.cached(("scoped", table, id(frame), rule, online),
                          lambda: _scoped_fresh(ctx, frame, table, None, rule, online))
    return _scoped_fresh(ctx, frame, table, state, rule, online)


def _scoped_fresh(ctx: MetricsContext, frame: pl.DataFrame, table: str, state: str | None,
                  rule: str | None, online: str | None) -> pl.DataFrame:
    if table == "organizations":
        states = ctx.table("organizations").select("ctid", "state_code").unique("ctid")
        out = frame.join(states, on="ctid", how="left")
        return out.filter(pl.col("state_code") == state.upper()) if state else out
    return ctx.in_state(frame, state, table=table, rule=rule, online=online)


def _group_keys(by: Sequence[str], table: str) -> list[str]:
    keys = []
    for b in by:
        check_choice("by", b, BY_OPTIONS)
        if b == "credential_type" and table != "credentials":
            raise ValueError("by='credential_type' only applies to table='credentials'; use 'resource_type'")
        keys.append("provider_ctid" if b == "provider" else ("resource_type" if b == "credential_type" else b))
    return keys


def _rename_type(frame: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    return frame.rename({"resource_type": "credential_type"}) if "credential_type" in by else frame


def _provider_names(ctx: MetricsContext) -> pl.DataFrame:
    return ctx.table("organizations").select(pl.col("ctid").alias("provider_ctid"),
                                             pl.col("name").alias("provider_name")).unique("provider_ctid")


_TRANSPARENCY_SOURCES = ("resource_properties", "credentials", "learning_opportunities", "assessments",
                         "organizations", "locations")
_TRANSPARENCY_CAVEAT = (
    "Measures whether a property is published, not whether it is correct or current. The benchmark list and "
    "weights are editable data (metrics/data/transparency_benchmark.csv); results depend on them. State roll-ups "
    "use the state-attribution rule."
)


@metric(
    title="Record transparency (completeness)",
    unit="index (0-100)",
    definition=(
        "For each record, which benchmark items it publishes and its transparency index: the weighted share of "
        "its class group's benchmark items that are present, on a 0-100 scale."
    ),
    formula="transparency_index = 100 x sum(weight_i x present_i) / sum(weight_i) over the class group's items",
    caveats=_TRANSPARENCY_CAVEAT,
    source_tables=_TRANSPARENCY_SOURCES,
    value_column="transparency_index",
    group="transparency",
)
def compute_record_transparency(
    data: Source,
    *,
    state: str | None = None,
    table: str = "credentials",
    benchmark: pl.DataFrame | str | Path | None = None,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """One row per record with its item flags, missing items and transparency index.

    Args:
        data: a context, a snapshot or a mapping of tables.
        state: USPS code to keep records attributed to that state (organizations: by their address).
        table: ``credentials`` (default), ``learning_opportunities``, ``assessments`` or ``organizations``.
        benchmark: benchmark frame or CSV path; None uses the packaged list.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        ``ctid``, ``resource_type``, ``provider_ctid``, one Boolean per item, ``items_present``,
        ``items_total``, ``transparency_index``, ``missing_items`` (list of item ids).
    """
    ctx = as_context(data)
    items = _items(ctx, table, benchmark)
    frame = presence(ctx, table, benchmark=items)
    if state is not None:
        frame = _scoped(ctx, frame, table, state, False, rule, online).drop("state_code")
    item_cols = items["item"].to_list()
    missing = pl.concat_list([pl.when(~pl.col(c)).then(pl.lit(c)).otherwise(None) for c in item_cols]).list.drop_nulls()
    return frame.with_columns(missing.alias("missing_items")).sort("ctid")


@metric(
    title="Property fill rates",
    unit="share (0-1)",
    definition="For each benchmark item, the share of records in a group (state, type, provider) that publish it.",
    formula="fill_rate[g, i] = records in g with item i present / records in g",
    caveats=_TRANSPARENCY_CAVEAT + " A record attributed to several states counts in each of them.",
    source_tables=_TRANSPARENCY_SOURCES,
    value_column="fill_rate",
    group="transparency",
)
def compute_fill_rates(
    data: Source,
    *,
    state: str | None = None,
    by: Sequence[str] = ("state_code",),
    table: str = "credentials",
    benchmark: pl.DataFrame | str | Path | None = None,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Fill rate of every benchmark item per group.

    Args:
        data: a context, a snapshot or a mapping of tables.
        state: USPS code to keep one state.
        by: grouping: any of ``state_code``, ``credential_type`` (credentials only), ``resource_type``,
            ``provider`` (owner; adds ``provider_name``); ``()`` gives one national row per item.
        table: the records to score (see :data:`CLASS_GROUPS`).
        benchmark: benchmark frame or CSV path; None uses the packaged list.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        group columns, ``item``, ``label``, ``weight``, ``records``, ``present``, ``fill_rate``.
    """
    ctx = as_context(data)
    items = _items(ctx, table, benchmark)
    keys = _group_keys(by, table)
    return _rollup(ctx, "fill_rates", _fill_rates, items, keys, by, table, state, rule, online)


def _rollup(ctx: MetricsContext, name: str, fn: Callable[..., pl.DataFrame], items: pl.DataFrame, keys: list[str],
            by: Sequence[str], table: str, state: str | None, rule: str | None, online: str | None) -> pl.DataFrame:
    """Compute a roll-up for all states once (cached) and slice one state; or compute it without states."""
    rule, online = ctx.options(rule, online)
    if state is None:
        key = (name, table, _benchmark_key(items), tuple(keys), rule, online)
        return ctx.cached(key, lambda: fn(ctx, items, keys, by, table, rule, online))
    inner = keys if "state_code" in keys else ["state_code", *keys]
    key = (name, table, _benchmark_key(items), tuple(inner), rule, online)
    out = ctx.sliced(key, state, lambda: fn(ctx, items, inner, by, table, rule, online))
    return out if "state_code" in keys else out.drop("state_code")


def _fill_rates(ctx: MetricsContext, items: pl.DataFrame, keys: list[str], by: Sequence[str], table: str,
                rule: str, online: str) -> pl.DataFrame:
    frame = _scoped(ctx, presence(ctx, table, benchmark=items), table, None, "state_code" in keys, rule, online)
    out = (
        count_flags(frame, keys, items["item"].to_list(), name="item", total="records", count="present")
        .with_columns(share(pl.col("present"), pl.col("records")).alias("fill_rate"))
        .join(items.select("item", "label", "weight", pl.int_range(pl.len()).alias("_order")), on="item", how="left")
        .sort([*keys, "_order"], nulls_last=True)
    )
    if "provider_ctid" in keys:
        out = out.join(_provider_names(ctx), on="provider_ctid", how="left", maintain_order="left")
    cols = [*keys, *(["provider_name"] if "provider_ctid" in keys else []), "item", "label", "weight", "records",
            "present", "fill_rate"]
    return _rename_type(out.select(cols), by)


@metric(
    title="Transparency index",
    unit="index (0-100)",
    definition=(
        "Mean record transparency index of a group of records (state, credential type or provider): how "
        "completely they are described against the benchmark property list, 0-100."
    ),
    formula="mean over records of 100 x sum(weight_i x present_i) / sum(weight_i) = 100 x sum(weight_i x "
            "fill_rate_i) / sum(weight_i)",
    caveats=_TRANSPARENCY_CAVEAT,
    source_tables=_TRANSPARENCY_SOURCES,
    value_column="transparency_index",
    group="transparency",
)
def compute_transparency_index(
    data: Source,
    *,
    state: str | None = None,
    by: Sequence[str] = ("state_code",),
    table: str = "credentials",
    benchmark: pl.DataFrame | str | Path | None = None,
    rule: str | None = None,
    online: str | None = None,
) -> pl.DataFrame:
    """Transparency index (0-100) per group.

    Args:
        data: a context, a snapshot or a mapping of tables.
        state: USPS code to keep one state.
        by: grouping (see :func:`compute_fill_rates`).
        table: the records to score.
        benchmark: benchmark frame or CSV path; None uses the packaged list.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.

    Returns:
        group columns, ``records``, ``transparency_index``, ``mean_items_present``, ``items_total``.
    """
    ctx = as_context(data)
    items = _items(ctx, table, benchmark)
    keys = _group_keys(by, table)
    return _rollup(ctx, "transparency_index", _index, items, keys, by, table, state, rule, online)


def _index(ctx: MetricsContext, items: pl.DataFrame, keys: list[str], by: Sequence[str], table: str,
           rule: str, online: str) -> pl.DataFrame:
    frame = _scoped(ctx, presence(ctx, table, benchmark=items), table, None, "state_code" in keys, rule, online)
    out = frame.group_by(keys) if keys else frame.with_columns(pl.lit(1).alias("_all")).group_by("_all")
    out = out.agg(
        pl.col("ctid").n_unique().cast(pl.Int64).alias("records"),
        pl.col("transparency_index").mean(),
        pl.col("items_present").mean().alias("mean_items_present"),
        pl.col("items_total").first(),
    )
    if not keys:
        out = out.drop("_all")
    if "provider_ctid" in keys:
        out = out.join(_provider_names(ctx), on="provider_ctid", how="left", maintain_order="left")
    out = out.sort(keys or ["records"], nulls_last=True)
    cols = [*keys, *(["provider_name"] if "provider_ctid" in keys else []), "records", "transparency_index",
            "mean_items_present", "items_total"]
    return _rename_type(out.select(cols), by)


@metric(
    title="Provider data to-do list",
    unit="records",
    definition=(
        "For each provider (owning organization), the benchmark items its records most often omit, with the "
        "number and share of its records that lack each item: what to publish next."
    ),
    formula=(
        "missing[p, i] = records of p without item i; missing_share = missing / records of p; ranked by missing "
        "(descending), then weight (descending); items no record omits are left out"
    ),
    caveats=_TRANSPARENCY_CAVEAT,
    source_tables=_TRANSPARENCY_SOURCES,
    value_column="missing",
    group="transparency",
)
def compute_provider_todo(
    data: Source,
    *,
    state: str | None = None,
    provider: str | None = None,
    top: int | None = None,
    table: str = "credentials",
    benchmark: pl.DataFrame | str | Path | None = None,
    rule: str | None = None,
    online: str | None = None,
    by_state: bool = False,
) -> pl.DataFrame:
    """Per provider, the benchmark items most often missing from its records.

    Args:
        data: a context, a snapshot or a mapping of tables.
        state: USPS code: only records attributed to that state.
        provider: an owner CTID to keep one provider.
        top: keep the ``top`` most-missed items per provider (None keeps all missed items).
        table: the records to score.
        benchmark: benchmark frame or CSV path; None uses the packaged list.
        rule: state-attribution rule.
        online: ``"local"`` or ``"national"``.
        by_state: with ``state=None``, rank each state's records separately: a leading ``state_code``
            column, and filtering it to one state gives the frame of ``state=...``.

    Returns:
        ``provider_ctid``, ``provider_name``, ``priority`` (1 = most missed), ``item``, ``label``, ``weight``,
        ``records``, ``missing``, ``missing_share``.
    """
    ctx = as_context(data)
    items = _items(ctx, table, benchmark)
    rule, online = ctx.options(rule, online)
    frame = presence(ctx, table, benchmark=items)
    keys: list[str] = []
    if state is not None:  # one state's records only: cheaper than ranking every state's providers
        frame = _scoped(ctx, frame, table, state, False, rule, online).drop("state_code")
    elif by_state:
        frame = _scoped(ctx, frame, table, None, True, rule, online).filter(pl.col("state_code").is_not_null())
        keys = ["state_code"]
    out = _todo(frame, ctx, items, keys)
    if provider is not None:
        out = out.filter(pl.col("provider_ctid") == provider.lower())
    if top is not None:
        out = out.filter(pl.col("priority") <= top)
    return out


def _todo(frame: pl.DataFrame, ctx: MetricsContext, items: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    group = [*keys, "provider_ctid"]
    item_cols = items["item"].to_list()
    absent = frame.filter(pl.col("provider_ctid").is_not_null()).select(*group, *[~pl.col(c) for c in item_cols])
    out = (
        count_flags(absent, group, item_cols, name="item", total="records", count="missing")
        .filter(pl.col("missing") > 0)
        .join(items.select("item", "label", "weight"), on="item", how="left")
        .with_columns(share(pl.col("missing"), pl.col("records")).alias("missing_share"))
    )
    # sort on integer codes (provider and item names ranked once): much faster than sorting strings
    providers = pl.Enum(out["provider_ctid"].unique().sort())
    item_rank = {name: i for i, name in enumerate(sorted(item_cols))}
    out = (
        out.with_columns(
            pl.col("provider_ctid").cast(providers).to_physical().alias("_p"),
            pl.col("item").replace_strict(item_rank, return_dtype=pl.Int64).alias("_i"),
        )
        .sort([*keys, "_p", "missing", "weight", "_i"], descending=[*([False] * len(keys)), False, True, True, False],
              nulls_last=True)
        .with_columns(pl.col("_i").cum_count().over([*keys, "_p"]).cast(pl.Int64).alias("priority"))
        .drop("_p", "_i")
        .join(_provider_names(ctx), on="provider_ctid", how="left", maintain_order="left")
    )
    return out.select(*keys, "provider_ctid", "provider_name", "priority", "item", "label", "weight", "records",
                      "missing", "missing_share")
