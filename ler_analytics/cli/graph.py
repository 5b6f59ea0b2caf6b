"""`ler graph DIR`: the snapshot as an RDF graph (embedded pyoxigraph store, or pushed to a SPARQL store)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="graph")
@click.argument("path", type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where to write the embedded store (default: DIR/graph).")
@click.option("--endpoint", metavar="URL", envvar="LER_GRAPH_STORE_URL", default=None,
              help="Push into an external SPARQL store instead, through its SPARQL 1.1 Graph Store endpoint "
                   "(Oxigraph: http://HOST:PORT/store; Virtuoso: http://HOST:PORT/sparql-graph-crud-auth). "
                   "Env: LER_GRAPH_STORE_URL.")
@click.option("--graph-uri", metavar="URI", default=None,
              help="Target named graph for --endpoint (default: urn:ler-analytics:snapshot:<snapshot id>).")
@click.option("--user", envvar="LER_GRAPH_STORE_USER", default=None,
              help="User for the Graph Store (Virtuoso: dba). Env: LER_GRAPH_STORE_USER.")
@click.option("--password", envvar="LER_GRAPH_STORE_PASSWORD", default=None,
              help="Password for the Graph Store; prefer the env LER_GRAPH_STORE_PASSWORD.")
@click.option("--auth", type=click.Choice(["digest", "basic"]), default="digest", show_default=True,
              help="HTTP authentication scheme used with --user.")
@click.option("--append", is_flag=True, help="Add to the target graph instead of replacing it.")
@click.option("--query", "query_name", metavar="NAME", default=None,
              help="After loading, run a named query (see --list-queries) on the embedded store and print it.")
@click.option("--param", "-p", "params", type=(str, str), multiple=True, metavar="NAME VALUE",
              help="A parameter for --query (repeatable).")
@click.option("--list-queries", is_flag=True, help="List the named SPARQL queries and exit.")
def command(path: Path, out: Path | None, endpoint: str | None, graph_uri: str | None, user: str | None,
            password: str | None, auth: str, append: bool, query_name: str | None,
            params: tuple[tuple[str, str], ...], list_queries: bool) -> None:
    """Load a snapshot's raw JSON-LD into a queryable RDF graph.

    Without --endpoint: writes an embedded pyoxigraph store to DIR/graph (offline, no server);
    query it from Python with `la.sparql("DIR", "progression_edges")`. With --endpoint: pushes the
    snapshot into one named graph of an external SPARQL store (Graph Store protocol).

    Records whose JSON-LD cannot be read are skipped and listed; the rest are loaded.
    """
    from ler_analytics.graph.queries import list_queries as _list
    from ler_analytics.log import configure_logging

    configure_logging("WARNING")
    if list_queries:
        for row in _list().iter_rows(named=True):
            click.echo(f"{row['name']}: {row['title']}")
            if row["parameters"]:
                click.echo(f"    parameters: {row['parameters']}")
        return
    if not (path / "manifest.json").exists():
        raise click.BadParameter(f"{path} is not a snapshot folder (no manifest.json)", param_hint="DIR")

    from ler_analytics.graph.store import GRAPH_DIR, LoadReport, load_into, load_store
    from ler_analytics.snapshot import read_manifest

    if endpoint:
        import pyoxigraph as ox

        from ler_analytics.graph.push import default_graph_uri, push_store

        store = ox.Store()
        report = load_into(store, path)
        _echo_problems(report)
        target = graph_uri or default_graph_uri(str(read_manifest(path).get("id") or path.name))
        pushed = push_store(store, endpoint, target, user=user, password=password, auth=auth, replace=not append)
        click.echo(f"Loaded {report.summary()}")
        click.echo(pushed.summary().capitalize())
    else:
        target_dir = out or (path / GRAPH_DIR)
        report = LoadReport()
        store = load_store(path, target_dir, report=report)
        _echo_problems(report)
        click.echo(f"Wrote the graph store {target_dir}: {report.summary()}")
    if query_name:
        from ler_analytics.graph.sparql import sparql

        frame = sparql(store, query_name, **dict(params))
        click.echo(frame)


def _echo_problems(report: object) -> None:
    problems = getattr(report, "problems", [])
    for where, reason in problems[:10]:
        click.echo(f"skipped {where}: {reason}", err=True)
    if len(problems) > 10:
        click.echo(f"... and {len(problems) - 10} more skipped records", err=True)
