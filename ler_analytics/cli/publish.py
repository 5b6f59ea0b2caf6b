"""`ler publish`: write a static website of state reports (no kernel; works from file:// and any web server)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="publish")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Site folder (created, or replaced if it holds a site written by `ler publish`).")
@click.option("--snapshot", type=click.Path(file_okay=False, exists=True, path_type=Path), envvar="LER_SNAPSHOT",
              help="Snapshot directory (default: $LER_SNAPSHOT, else the demo twin).")
@click.option("--state", "states", multiple=True, metavar="XX",
              help="Publish only this state (USPS code; repeatable). Default: every state with credentials.")
def command(out_dir: Path, snapshot: Path | None, states: tuple[str, ...]) -> None:
    """Write a static site: an index page (US map, table of states) and one page per state.

    Open OUT/index.html in a browser, or copy OUT to any web server: the pages need no Jupyter kernel
    and load nothing from the network.
    """
    from ler_analytics.publish import publish_site

    result = publish_site(snapshot, out_dir, states=list(states) or None, progress=True)
    n = len(result.pages)
    click.echo(f"site written to {result.out_dir} ({n} state page{'' if n == 1 else 's'})")
    click.echo(f"  open: {result.index.resolve().as_uri()}")
