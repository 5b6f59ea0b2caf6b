"""Polars and Arrow schemas of the core tables, from the column dictionary (``fields.py``)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from ler_analytics.ctdl.fields import fields_for

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa

SEQ = "_seq"  # internal build column (which input record a row came from); never in final tables


def _polars_type(dtype: str) -> Any:
    import polars as pl

    return {
        "str": pl.String,
        "i64": pl.Int64,
        "f64": pl.Float64,
        "bool": pl.Boolean,
        "list[str]": pl.List(pl.String),
        "datetime": pl.Datetime("us", "UTC"),
    }[dtype]


def _arrow_type(dtype: str) -> Any:
    import pyarrow as pa

    return {
        "str": pa.string(),
        "i64": pa.int64(),
        "f64": pa.float64(),
        "bool": pa.bool_(),
        "list[str]": pa.list_(pa.string()),
        "datetime": pa.timestamp("us", tz="UTC"),
    }[dtype]


@cache
def polars_schema(table: str, *, internal: bool = False) -> pl.Schema:
    """Polars schema of a core table (``internal=True`` adds the build's ``_seq`` column)."""
    import polars as pl

    schema = {f.name: _polars_type(f.dtype) for f in fields_for(table)}
    if internal:
        schema[SEQ] = pl.Int64
    return pl.Schema(schema)


@cache
def arrow_schema(table: str, *, internal: bool = False) -> pa.Schema:
    """Arrow schema of a core table (``internal=True`` adds the build's ``_seq`` column)."""
    import pyarrow as pa

    columns = [pa.field(f.name, _arrow_type(f.dtype)) for f in fields_for(table)]
    if internal:
        columns.append(pa.field(SEQ, pa.int64()))
    return pa.schema(columns)
