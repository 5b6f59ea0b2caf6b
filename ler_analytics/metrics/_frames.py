"""Small frame helpers shared by the metric modules (no I/O, no metric logic)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from ler_analytics.ctdl.fields import fields_for
from ler_analytics.errors import SchemaError

NOT_STATED = "Not stated"
"""Label used for a missing category value (no status, no delivery type, ...) in metric outputs."""

NATIONAL = "US"
"""``state_code`` value of national rows (totals over all records, not a sum of states)."""

_DTYPES: dict[str, pl.DataType] = {
    "str": pl.String(),
    "i64": pl.Int64(),
    "f64": pl.Float64(),
    "bool": pl.Boolean(),
    "list[str]": pl.List(pl.String),
    "datetime": pl.Datetime("us", "UTC"),
}


def table_schema(table: str) -> dict[str, pl.DataType]:
    """The documented polars schema of one core table (from ``ctdl/fields.py``)."""
    return {f.name: _DTYPES[f.dtype] for f in fields_for(table)}


def empty_table(table: str) -> pl.DataFrame:
    """An empty frame with the documented columns of a core table."""
    return pl.DataFrame(schema=table_schema(table))


def require_columns(frame: pl.DataFrame, columns: Iterable[str], *, what: str) -> None:
    """Raise :class:`SchemaError` naming the frame and the missing columns when any is absent.

    Args:
        frame: the frame to check.
        columns: column names the caller needs.
        what: a name for the frame in the message (``"credentials table"``, ``"reference oews_state"``).
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{what} lacks column(s) {', '.join(missing)} (has: {', '.join(frame.columns) or 'none'}). "
            f"Rebuild the tables with `ler build <snapshot>` or pass a frame with the documented columns "
            f"(see docs/tables.md and docs/metrics.md)."
        )


def conform(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Add any documented column missing from ``frame`` (as nulls) and cast list/bool columns.

    Hand-made frames in notebooks and tests often carry only the columns a metric needs; this
    fills the rest so every metric can select documented columns safely.
    """
    schema = table_schema(table)
    missing = [pl.lit(None, dtype=dtype).alias(name) for name, dtype in schema.items() if name not in frame.columns]
    if missing:
        frame = frame.with_columns(missing)
    casts = {
        name: dtype
        for name, dtype in schema.items()
        if frame.schema[name] != dtype and frame.schema[name] == pl.Null()
    }
    if casts:
        frame = frame.cast(casts)  # type: ignore[arg-type]
    return frame


def label_missing(expr: pl.Expr) -> pl.Expr:
    """Replace null (and empty-string) category values with :data:`NOT_STATED`."""
    return pl.when(expr.is_null() | (expr == "")).then(pl.lit(NOT_STATED)).otherwise(expr)


def explode_labels(frame: pl.DataFrame, column: str, alias: str) -> pl.DataFrame:
    """Explode a ``list[str]`` column into one row per distinct value; empty or null lists give :data:`NOT_STATED`."""
    values = pl.col(column)
    filled = (
        pl.when(values.is_null() | (values.list.len() == 0))
        .then(pl.lit([NOT_STATED], dtype=pl.List(pl.String)))
        .otherwise(values.list.unique())
        .alias(alias)
    )
    out = frame.with_columns(filled)
    if alias != column and column in out.columns:
        out = out.drop(column)
    return out.explode(alias).with_columns(label_missing(pl.col(alias)).alias(alias))


def check_choice(name: str, value: str, allowed: Sequence[str]) -> str:
    """Return ``value`` when it is one of ``allowed``, else raise ``ValueError`` listing the options."""
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not supported; use one of: {', '.join(map(repr, allowed))}")
    return value


def share(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator`` as Float64, null when the denominator is 0."""
    return pl.when(denominator > 0).then(numerator.cast(pl.Float64) / denominator).otherwise(None)


def count_flags(frame: pl.DataFrame, keys: Sequence[str], flags: Sequence[str], *, name: str, total: str,
                count: str) -> pl.DataFrame:
    """Per group, the number of rows and of rows where each Boolean flag is true, as a long frame.

    Rows must be unique per record within a group (true for attributed record frames). Returns
    ``keys..., <name>, <total>, <count>`` with one row per group and flag (flags in the given order).
    """
    aggs = [pl.len().cast(pl.Int64).alias(total), *[pl.col(f).fill_null(False).sum().cast(pl.Int64).alias(f)
                                                    for f in flags]]
    wide = frame.group_by(list(keys)).agg(aggs) if keys else frame.select(aggs)
    return wide.unpivot(index=[*keys, total], on=list(flags), variable_name=name, value_name=count).select(
        *keys, name, total, count
    )
