"""Named SPARQL queries shipped as ``*.rq`` files, each with a comment header.

Header format (the first comment lines of the file)::

    # title: Credentials and their next steps
    # description: One row per (credential, next step) ...
    # param state: USPS code of a state (string); all states when unbound
    # param credential: IRI of one credential; all when unbound

``list_queries()`` lists them; ``get_query(name)`` returns a :class:`NamedQuery`.

Rule for query authors: a parameter is a variable of the **outer** ``WHERE`` group that is matched
in a triple pattern, a ``VALUES`` block or a filter, never the target of a ``BIND`` and never used only
inside a sub-select. Endpoints receive bindings as a ``VALUES`` block at the top of the outer group,
pyoxigraph as substitutions; ``tests/unit/graph/test_sparql.py`` checks that both give the same rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import polars as pl

from ler_analytics.errors import LerError


@dataclass(frozen=True)
class NamedQuery:
    """One shipped query: its name, header fields and text."""

    name: str
    title: str
    description: str
    parameters: tuple[tuple[str, str], ...]
    text: str

    @property
    def parameter_names(self) -> list[str]:
        """Names of the variables a caller may bind."""
        return [p for p, _ in self.parameters]


def _parse(name: str, text: str) -> NamedQuery:
    title = description = ""
    params: list[tuple[str, str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        body = stripped.lstrip("#").strip()
        key, _, value = body.partition(":")
        key = key.strip().lower()
        if key == "title":
            title = value.strip()
        elif key == "description":
            description = (description + " " + value.strip()).strip()
        elif key.startswith("param "):
            params.append((key.split(None, 1)[1].lstrip("?$"), value.strip()))
    if not title:
        raise LerError(f"named query {name}.rq has no '# title:' header line")
    return NamedQuery(name, title, description, tuple(params), text)


@functools.cache
def _all() -> dict[str, NamedQuery]:
    out: dict[str, NamedQuery] = {}
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".rq"):
            name = entry.name[:-3]
            out[name] = _parse(name, entry.read_text(encoding="utf-8"))
    return out


def get_query(name: str) -> NamedQuery:
    """A shipped query by name (file name without ``.rq``)."""
    queries = _all()
    if name not in queries:
        raise LerError(f"no named SPARQL query {name!r}; available: {', '.join(sorted(queries))}")
    return queries[name]


def list_queries() -> pl.DataFrame:
    """Every named query with its title, description and parameters."""
    rows = [
        {
            "name": q.name,
            "title": q.title,
            "description": q.description,
            "parameters": ", ".join(f"{p} ({d})" for p, d in q.parameters),
        }
        for q in sorted(_all().values(), key=lambda q: q.name)
    ]
    return pl.DataFrame(rows, schema={"name": pl.String, "title": pl.String, "description": pl.String,
                                      "parameters": pl.String})
