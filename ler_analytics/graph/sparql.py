"""Run SPARQL against a snapshot's graph and get a typed polars DataFrame back.

``sparql(source, query_or_name, **bindings)`` works the same on

* a ``pyoxigraph.Store`` (embedded; bindings go in as pyoxigraph ``substitutions`` when the variable
  is projected, else as a ``VALUES`` block),
* a store folder or a snapshot folder holding ``graph/`` (opened read-only),
* a :class:`~ler_analytics.snapshot.Snapshot` (its ``graph/`` store, else loaded in memory once),
* an ``rdflib`` Graph/Dataset (bindings go in as ``initBindings``; used by the benchmarks),
* an ``http(s)://`` SPARQL 1.1 query endpoint (through SPARQLWrapper; bindings go in as a
  ``VALUES`` block built from escaped RDF terms, placed at the top of the outer ``WHERE``).

Bindings are never formatted into the query text as raw strings. Python values become RDF terms:
``str`` → plain literal, ``int``/``float``/``bool``/``date``/``datetime`` → typed literals,
:class:`IRI` (or a pyoxigraph/rdflib IRI) → IRI; a list or tuple binds several values.
Result columns are typed: integers → Int64, decimals/doubles → Float64, booleans → Boolean,
dates → Date, date-times → Datetime; IRIs and strings → String.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from ler_analytics.errors import LerError
from ler_analytics.graph.queries import get_query

if TYPE_CHECKING:
    import pyoxigraph

XSD = "http://www.w3.org/2001/XMLSchema#"
_INT_TYPES = {
    f"{XSD}{t}"
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
    )
}
_FLOAT_TYPES = {f"{XSD}decimal", f"{XSD}double", f"{XSD}float"}
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SparqlError(LerError):
    """A SPARQL query failed (bad query, bad binding, unreachable endpoint)."""


@dataclass(frozen=True)
class IRI:
    """Marks a binding value as an IRI (``sparql(store, q, cred=IRI("https://…"))``)."""

    value: str


# ---- terms ------------------------------------------------------------------------------------


def to_term(value: Any) -> pyoxigraph.NamedNode | pyoxigraph.Literal:
    """Turn a Python binding value into a pyoxigraph RDF term (validated and escaped by pyoxigraph).

    Raises:
        SparqlError: for values that cannot be an RDF term (None, dicts, ...).
    """
    import pyoxigraph as ox

    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value
    if isinstance(value, IRI):
        try:
            return ox.NamedNode(value.value)
        except ValueError as exc:
            raise SparqlError(f"binding {value.value!r} is not a valid IRI ({exc})") from exc
    type_name = type(value).__module__ + "." + type(value).__name__
    if type_name == "rdflib.term.URIRef":
        return ox.NamedNode(str(value))
    if type_name == "rdflib.term.Literal":
        if value.language:
            return ox.Literal(str(value), language=value.language)
        if value.datatype:
            return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
        return ox.Literal(str(value))
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(f"{XSD}boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(f"{XSD}integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(f"{XSD}double"))
    if isinstance(value, Decimal):
        return ox.Literal(str(value), datatype=ox.NamedNode(f"{XSD}decimal"))
    if isinstance(value, dt.datetime):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(f"{XSD}dateTime"))
    if isinstance(value, dt.date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(f"{XSD}date"))
    if isinstance(value, str):
        return ox.Literal(value)
    raise SparqlError(f"cannot bind a value of type {type(value).__name__} ({value!r:.60}) in a SPARQL query")


def _to_rdflib(term: Any) -> Any:
    import pyoxigraph as ox
    from rdflib import Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _python_value(kind: str, value: str, datatype: str | None) -> Any:
    """Typed Python value of one result term (``kind`` is uri, bnode or literal)."""
    if kind == "bnode":
        return value if value.startswith("_:") else f"_:{value}"
    if kind != "literal" or not datatype:
        return value
    try:
        if datatype in _INT_TYPES:
            return int(value)
        if datatype in _FLOAT_TYPES:
            return float(value)
        if datatype == f"{XSD}boolean":
            return value.strip().lower() in ("true", "1")
        if datatype == f"{XSD}date":
            return dt.date.fromisoformat(value[:10])
        if datatype == f"{XSD}dateTime":
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    except ValueError:
        return value
    return value


def _column(name: str, values: list[Any]) -> pl.Series:
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    if not present:
        return pl.Series(name, values, dtype=pl.String)
    if kinds <= {int}:
        return pl.Series(name, values, dtype=pl.Int64)
    if kinds <= {int, float}:
        return pl.Series(name, [None if v is None else float(v) for v in values], dtype=pl.Float64)
    if kinds <= {bool}:
        return pl.Series(name, values, dtype=pl.Boolean)
    if kinds <= {dt.date}:
        return pl.Series(name, values, dtype=pl.Date)
    if kinds <= {dt.datetime}:
        return pl.Series(name, [None if v is None else v.astimezone(dt.UTC) for v in values],
                         dtype=pl.Datetime("us", "UTC"))
    return pl.Series(name, [None if v is None else (v if isinstance(v, str) else str(v)) for v in values],
                     dtype=pl.String)


def _frame(variables: Sequence[str], rows: Iterable[Sequence[Any]]) -> pl.DataFrame:
    columns: list[list[Any]] = [[] for _ in variables]
    for row in rows:
        for i, value in enumerate(row):
            columns[i].append(value)
    return pl.DataFrame([_column(name, col) for name, col in zip(variables, columns, strict=True)])


# ---- bindings -----------------------------------------------------------------------------------


def _normalise_bindings(bindings: dict[str, Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for name, value in bindings.items():
        if value is None:
            continue  # an unbound optional parameter
        if not _VAR_RE.match(name):
            raise SparqlError(f"binding name {name!r} is not a SPARQL variable name")
        values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
        if not values:
            raise SparqlError(f"binding {name!r} has no values")
        out[name] = [to_term(v) for v in values]
    return out


def values_clause(bindings: dict[str, list[Any]]) -> str:
    r"""A SPARQL ``VALUES`` block for ``{var: [terms]}``; every term is serialised by pyoxigraph.

    Several variables with several values each bind their combinations (cross product).

    Examples:
        >>> import pyoxigraph as ox
        >>> values_clause({"state": [ox.Literal('CO" } DROP ALL #')]})
        'VALUES (?state) { ("CO\\" } DROP ALL #") }'
    """
    import itertools

    names = list(bindings)
    rows = itertools.product(*(bindings[n] for n in names))
    body = " ".join("(" + " ".join(str(t) for t in row) + ")" for row in rows)
    return "VALUES (" + " ".join(f"?{n}" for n in names) + ") { " + body + " }"


_SKIP_RE = re.compile(
    r"""\#[^\n]*|'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'"""
    r"""|"(?:[^"\\\n]|\\.)*"|<[^<>"{}|^`\\\s]*>""",
)


def inject_values(query: str, bindings: dict[str, list[Any]]) -> str:
    """Insert a VALUES block right after the opening brace of the query's outer WHERE group."""
    if not bindings:
        return query
    masked = _SKIP_RE.sub(lambda m: " " * len(m.group(0)), query)
    match = re.search(r"\bWHERE\s*\{", masked, re.IGNORECASE)
    if match is None:
        match = re.search(r"\b(?:SELECT|ASK)\b[^{]*\{", masked, re.IGNORECASE)
    if match is None:
        raise SparqlError("cannot bind parameters: the query has no WHERE group")
    at = match.end()
    return query[:at] + " " + values_clause(bindings) + " " + query[at:]


# ---- engines ---------------------------------------------------------------------------------------


def _run_pyoxigraph(store: pyoxigraph.Store, query: str, bindings: dict[str, list[Any]]) -> pl.DataFrame:
    import pyoxigraph as ox

    multi = any(len(v) > 1 for v in bindings.values())
    try:
        result = None
        if bindings and not multi:
            subs = {ox.Variable(k): v[0] for k, v in bindings.items()}
            try:
                result = store.query(query, substitutions=subs, use_default_graph_as_union=True)
            except RuntimeError:  # pyoxigraph substitutes projected variables only: use VALUES
                result = None
        if result is None:
            result = store.query(inject_values(query, bindings), use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise SparqlError(f"SPARQL syntax error: {exc}") from exc
    except (OSError, ValueError) as exc:
        raise SparqlError(f"SPARQL query failed: {exc}") from exc
    if isinstance(result, (bool, ox.QueryBoolean)):
        return pl.DataFrame({"ask": [bool(result)]})
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return _frame(names, ([_ox_value(s[i]) for i in range(len(names))] for s in result))
    return _frame(["subject", "predicate", "object"],
                  ([_ox_value(t.subject), _ox_value(t.predicate), _ox_value(t.object)] for t in result))


def _ox_value(term: Any) -> Any:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return _python_value("literal", term.value, None if term.language else term.datatype.value)
    return str(term)


def _run_rdflib(graph: Any, query: str, bindings: dict[str, list[Any]]) -> pl.DataFrame:
    from rdflib.term import BNode, Literal

    multi = any(len(v) > 1 for v in bindings.values())
    if multi:
        result = graph.query(inject_values(query, bindings))
    else:
        result = graph.query(query, initBindings={k: _to_rdflib(v[0]) for k, v in bindings.items()})
    if result.type == "ASK":
        return pl.DataFrame({"ask": [bool(result.askAnswer)]})

    def value(term: Any) -> Any:
        if term is None:
            return None
        if isinstance(term, Literal):
            return _python_value("literal", str(term), None if term.language else str(term.datatype or ""))
        if isinstance(term, BNode):
            return f"_:{term}"
        return str(term)

    if result.type == "CONSTRUCT":
        return _frame(["subject", "predicate", "object"], ([value(t) for t in triple] for triple in result))
    names = [str(v) for v in result.vars]
    return _frame(names, ([value(row[i]) for i in range(len(names))] for row in result))


def _run_endpoint(url: str, query: str, bindings: dict[str, list[Any]], timeout_s: float) -> pl.DataFrame:
    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(url)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setTimeout(int(max(1, timeout_s)))
    client.setQuery(inject_values(query, bindings))
    try:
        data = client.queryAndConvert()
    except SPARQLWrapperException as exc:
        raise SparqlError(f"SPARQL endpoint {url} rejected the query: {str(exc)[:500]}") from exc
    except OSError as exc:  # URLError, timeouts, refused connections
        raise SparqlError(f"SPARQL endpoint {url} could not be reached: {exc}") from exc
    if not isinstance(data, dict):
        raise SparqlError(f"SPARQL endpoint {url} did not return SPARQL JSON results")
    if "boolean" in data:
        return pl.DataFrame({"ask": [bool(data["boolean"])]})
    names = data.get("head", {}).get("vars", [])

    def value(cell: dict[str, Any] | None) -> Any:
        if cell is None:
            return None
        kind = cell.get("type", "literal")
        if kind == "typed-literal":
            kind = "literal"
        return _python_value(kind, cell.get("value", ""), None if "xml:lang" in cell else cell.get("datatype"))

    rows = data.get("results", {}).get("bindings", [])
    return _frame(names, ([value(row.get(n)) for n in names] for row in rows))


# ---- public API ----------------------------------------------------------------------------------


def resolve_query(query_or_name: str, bindings: dict[str, Any]) -> str:
    """The query text: a named query's text (bindings checked against its parameters) or the text itself."""
    if _NAME_RE.match(query_or_name.strip()):
        named = get_query(query_or_name.strip())
        unknown = sorted(set(bindings) - set(named.parameter_names))
        if unknown:
            raise SparqlError(
                f"query {named.name!r} has no parameter {', '.join(unknown)}; "
                f"its parameters: {', '.join(named.parameter_names) or 'none'}"
            )
        return named.text
    return query_or_name


def sparql(source: Any, query_or_name: str, /, **bindings: Any) -> pl.DataFrame:
    """Run a SPARQL query (text or the name of a shipped query) and return a typed polars DataFrame.

    Args:
        source: a pyoxigraph Store, a store or snapshot folder, a Snapshot, an rdflib Graph/Dataset,
            or the URL of a SPARQL 1.1 query endpoint (``http://127.0.0.1:7878/query``).
        query_or_name: SPARQL text, or a named query (see ``list_queries()``).
        **bindings: values for the query's variables, bound safely (never formatted into the text).
            ``None`` leaves a variable unbound (the usual meaning: "no filter").

    Returns:
        One row per solution (SELECT), ``ask`` (ASK), or ``subject/predicate/object`` (CONSTRUCT).

    Raises:
        SparqlError: bad query, unknown parameter, unbindable value or unreachable endpoint.

    Examples:
        >>> df = sparql(store, "pathway_edges", relation="isPreparationFor")  # doctest: +SKIP
    """
    text = resolve_query(query_or_name, bindings)
    terms = _normalise_bindings(bindings)
    import pyoxigraph as ox

    if isinstance(source, ox.Store):
        return _run_pyoxigraph(source, text, terms)
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        return _run_endpoint(source, text, terms, _timeout_s())
    if isinstance(source, (str, Path)):
        from ler_analytics.graph.store import open_store

        return _run_pyoxigraph(open_store(source), text, terms)
    if hasattr(source, "manifest") and hasattr(source, "path"):
        return _run_pyoxigraph(snapshot_store(source), text, terms)
    if type(source).__module__.startswith("rdflib"):
        return _run_rdflib(source, text, terms)
    raise SparqlError(f"cannot run SPARQL on a {type(source).__name__}: pass a store, a folder, a Snapshot or a URL")


def _timeout_s() -> float:
    """Endpoint timeout in seconds (``LER_SPARQL_TIMEOUT``, default 60)."""
    import os

    try:
        return float(os.environ.get("LER_SPARQL_TIMEOUT", "60"))
    except ValueError:
        return 60.0


def snapshot_store(snap: Any) -> pyoxigraph.Store:
    """The graph of a Snapshot: its ``graph/`` store when built, else loaded in memory (cached on it)."""
    from ler_analytics.graph.store import GRAPH_DIR, load_store, open_store

    cache = snap._cache  # noqa: SLF001 - the Snapshot's own per-object cache
    if "__graph_store__" not in cache:
        if (Path(snap.path) / GRAPH_DIR).is_dir():
            cache["__graph_store__"] = open_store(snap.path)
        else:
            cache["__graph_store__"] = load_store(snap)
    return cache["__graph_store__"]
