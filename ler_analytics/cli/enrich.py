"""`ler enrich`: read LERs, find and resolve their CTDL links, explain them; or measure link health.

Examples::

    ler enrich badge.json transcript.json                 # explain, JSON on stdout (demo snapshot)
    ler enrich badge.jwt --snapshot data/snap --format html --out card.html
    ler enrich badge.json --live                          # resolve against the live Registry (CTIDs only sent)
    ler enrich --health lers/ --snapshot data/snap -k 10  # link health of a folder (aggregates only)
    ler enrich --synthetic-out lers/ --count 200          # write synthetic LERs for the snapshot
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click


def _snapshot(path: str | None) -> Any:
    from ler_analytics.snapshot import open_snapshot

    if path:
        return open_snapshot(path)
    try:
        from ler_analytics.demo import ensure_demo
    except ImportError:
        raise click.ClickException(
            "no snapshot given and the demo is not available: pass --snapshot DIR (a built snapshot) "
            "or create one with `ler demo`"
        ) from None
    click.echo("Using the demo snapshot (synthetic Registry twin data); pass --snapshot DIR for real data.",
               err=True)
    return open_snapshot(ensure_demo())


def _emit(text: str, out: str | None) -> None:
    if out:
        from ler_analytics.snapshot import atomic_write_bytes

        atomic_write_bytes(Path(out), text.encode("utf-8"))
        click.echo(f"Wrote {out}", err=True)
    else:
        click.echo(text)


_TABLE_COLUMNS = ["source", "achievement", "issuer", "patterns", "primary_ctid", "resolution", "ctdl_type", "name",
                  "owner", "status", "deprecated", "owner_differs_from_issuer", "occupations"]


def _table_text(frame: Any) -> str:
    import polars as pl

    with pl.Config(tbl_rows=200, tbl_cols=40, fmt_str_lengths=48, tbl_width_chars=220):
        return str(frame)


@click.command(name="enrich")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--snapshot", "snapshot_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Built snapshot to resolve CTIDs against (default: the demo twin).")
@click.option("--format", "fmt", type=click.Choice(["json", "table", "html"]), default="json", show_default=True,
              help="Output format.")
@click.option("--out", type=click.Path(dir_okay=False), help="Write the output to this file instead of stdout.")
@click.option("--live", is_flag=True,
              help="Resolve against the live Registry (LER_REGISTRY_URL); only CTIDs are sent, nothing else.")
@click.option("--registry", "registry_url", help="Registry URL for --live (default LER_REGISTRY_URL).")
@click.option("--health", is_flag=True,
              help="Link-health mode: aggregate over the given folders/files (no per-LER output, no learner data).")
@click.option("-k", "k", type=click.IntRange(min=1), default=10, show_default=True,
              help="--health: suppress counts below k.")
@click.option("--synthetic-out", type=click.Path(file_okay=False, path_type=Path),
              help="Write synthetic LERs issued against the snapshot's credentials into this folder.")
@click.option("--count", type=click.IntRange(min=1), default=200, show_default=True,
              help="--synthetic-out: number of LERs.")
@click.option("--seed", type=int, default=42, show_default=True, help="--synthetic-out: random seed.")
def command(
    files: tuple[Path, ...], snapshot_dir: Path | None, fmt: str, out: str | None, live: bool,
    registry_url: str | None, health: bool, k: int, synthetic_out: Path | None, count: int, seed: int,
) -> None:
    """Explain what LER files mean by resolving their links to CTDL, or measure link health.

    FILES are LER files (Open Badges 3.0, CLR 2.0, W3C VC 1.1/2.0 as JSON-LD or VC-JWT, Open Badges
    2.0) or folders of them. Each achievement is shown with its CTDL links (pattern, JSON path) and,
    when it links to a CTID found in the snapshot, what the credential means: type, owner, status,
    occupations, competencies, cost, duration, outcomes and next steps. Files that cannot be read
    are reported on stderr (file and problem) and the others are still processed; the exit code is 1
    when any file failed. Signatures are never verified: proofs are only described.

    With --health, FILES are aggregated into link-health tables (share linked by pattern and issuer,
    unresolvable CTIDs, deprecated targets, Finder-only links, owner vs issuer); nothing about the
    learners is output and counts below -k are suppressed. The batch opens no network connection.
    """
    if synthetic_out is not None:
        from ler_analytics.ler.synthetic import generate_lers, write_lers

        snap = _snapshot(str(snapshot_dir) if snapshot_dir else None)
        paths = write_lers(generate_lers(snap, n=count, seed=seed), synthetic_out)
        click.echo(f"Wrote {len(paths)} synthetic LERs to {synthetic_out} (made-up learners; not verifiable).",
                   err=True)
        if not files:
            return
    if not files:
        raise click.UsageError("give at least one LER file or folder (or --synthetic-out DIR)")
    if health and live:
        raise click.UsageError("--health works offline only; it cannot be combined with --live")
    if health:
        _health(files, snapshot_dir, fmt, out, k)
    else:
        _enrich(files, snapshot_dir, fmt, out, live, registry_url)


def _health(files: tuple[Path, ...], snapshot_dir: Path | None, fmt: str, out: str | None, k: int) -> None:
    import orjson

    from ler_analytics.ler.health import link_health

    snap = _snapshot(str(snapshot_dir) if snapshot_dir else None)
    report = link_health(list(files), snap, k=k)
    for error in report.errors:
        click.echo(f"not read: {error.source}: {error.problem}", err=True)
    if fmt == "json":
        text = orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode()
    elif fmt == "html":
        text = report.to_html()
    else:
        parts = [report.notice,
                 f"files: {report.n_files}, read: {report.n_documents}, errors: {len(report.errors)}, "
                 f"achievements: {report.n_achievements}, snapshot: {report.snapshot_source}"]
        for name, frame in report.frames().items():
            parts.append(f"\n== {name} ==\n{_table_text(frame.drop('suppressed_columns'))}")
        text = "\n".join(parts)
    _emit(text, out)


def _enrich(files: tuple[Path, ...], snapshot_dir: Path | None, fmt: str, out: str | None, live: bool,
            registry_url: str | None) -> None:
    import orjson

    from ler_analytics.ler.explain import Explainer, explain_document, explanations_table, to_html
    from ler_analytics.ler.links import find_links
    from ler_analytics.ler.read import read_many

    docs, errors = read_many(list(files))
    for error in errors:
        click.echo(f"not read: {error.source}: {error.problem}", err=True)
    links = {id(doc): find_links(doc) for doc in docs}
    if live:
        from ler_analytics.ler.resolve import fetch_live_snapshot
        from ler_analytics.registry.client import Registry

        ctids = sorted({link.ctid for doc_links in links.values() for link in doc_links if link.ctid})
        client = Registry(url=registry_url) if registry_url else Registry()
        click.echo(f"Looking up {len(ctids)} CTIDs at {client.url} (only the CTIDs are sent).", err=True)
        snap = fetch_live_snapshot(ctids, registry=client) if ctids else _snapshot(
            str(snapshot_dir) if snapshot_dir else None)
    else:
        snap = _snapshot(str(snapshot_dir) if snapshot_dir else None)
    explainer = Explainer(snap)
    results = [explain_document(doc, explainer, links[id(doc)]) for doc in docs]
    if fmt == "json":
        payload: Any = results[0] if len(results) == 1 and len(files) == 1 else results
        text = orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    elif fmt == "html":
        text = to_html(results, full_page=True)
    else:
        import polars as pl

        table = explanations_table(results).with_columns(
            pl.col("source").map_elements(lambda s: Path(s).name, return_dtype=pl.String)
        )
        text = _table_text(table.select(_TABLE_COLUMNS))
    if results or not errors:
        _emit(text, out)
    if errors:
        sys.exit(1)
