"""`ler verify`: re-check a snapshot's hashes, counts and duplicates against its manifest."""

from __future__ import annotations

import click


@click.command(name="verify")
@click.argument("snapshot", type=click.Path(exists=True, file_okay=False))
def command(snapshot: str) -> None:
    """Re-check SNAPSHOT: manifest status, sha256 and size of every raw file, counts, duplicate CTIDs.

    Prints OK, or every problem found with what to do about it (exit code 1).
    """
    from ler_analytics.registry.verify import verify

    report = verify(snapshot)
    click.echo(report.summary())
    if not report.ok:
        raise SystemExit(1)
