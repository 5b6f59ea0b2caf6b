"""`ler build DIR`: raw Registry JSON -> core tables (Parquet) + quarantine."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="build")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="For a folder/file of JSON (not a snapshot): where to create the snapshot "
    "(default: <PATH>.ler-snapshot next to it).",
)
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Worker processes (default: up to 2).")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a progress bar.")
def command(path: Path, out: Path | None, workers: int | None, progress: bool) -> None:
    """Build the core tables (tables/*.parquet) from raw Registry JSON.

    PATH is a snapshot folder (made by `ler snapshot` or `ler demo`), or any folder or file of
    Registry JSON: envelopes, graph documents (@graph), single resources, JSON arrays or JSON
    lines of them (.json, .jsonld, .jsonl, .ndjson, optionally .gz). For the latter a snapshot is
    created (input copied byte-for-byte under raw/files/) at --out or <PATH>.ler-snapshot.

    Records that cannot be read are listed in the `quarantine` table with the reason; the build
    goes on. Exit code 0 on success (even with quarantined records), 1 on failure, 2 on bad usage.
    """
    from ler_analytics.build import build, default_out
    from ler_analytics.ctdl.fields import CORE_TABLES
    from ler_analytics.log import configure_logging

    configure_logging("WARNING")
    if not path.exists():
        raise click.BadParameter(f"{path} does not exist", param_hint="PATH")
    counts = build(path, out=out, progress=progress, workers=workers)
    target = path if (path / "manifest.json").exists() else (out or default_out(path))
    click.echo(f"Built tables in {Path(target) / 'tables'}")
    width = max(len(t) for t in CORE_TABLES)
    for table in CORE_TABLES:
        click.echo(f"  {table:<{width}}  {counts.get(table, 0):>10,}")
    quarantined = counts.get("quarantine", 0)
    if quarantined:
        click.echo(
            f"{quarantined:,} record(s) could not be read; see the reasons with:\n"
            f"  python -c \"import ler_analytics as la; print(la.open_snapshot('{target}').quarantine)\""
        )
