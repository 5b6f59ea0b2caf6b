"""`ler dashboard [DIR]`: serve the Voila dashboards on a snapshot (the demo twin when DIR is omitted)."""

from __future__ import annotations

import click

DEFAULT_PORT = 8866


@click.command(name="dashboard")
@click.argument("snapshot", required=False, type=click.Path(file_okay=False, path_type=str))
@click.option(
    "--port",
    type=int,
    default=DEFAULT_PORT,
    show_default=True,
    help="Port on 127.0.0.1; a free one is chosen when it is taken (0: always pick a free one).",
)
@click.option("--no-browser", is_flag=True, help="Do not open a web browser (just print the URLs).")
@click.option(
    "--dashboards",
    "dashboards_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Folder of dashboard notebooks (default: the repository's dashboards/, else a generated copy).",
)
@click.option("--scale", type=float, default=None, help="Demo twin scale when no SNAPSHOT is given (default 0.05).")
@click.option(
    "--prepare-only",
    is_flag=True,
    help="Compute the dashboards' cache for the snapshot (every state's frames) and exit, without serving.",
)
@click.option(
    "--no-prepare",
    is_flag=True,
    help="Do not compute the dashboards' cache in the background when the server starts.",
)
def command(
    snapshot: str | None,
    port: int,
    no_browser: bool,
    dashboards_dir: str | None,
    scale: float | None,
    prepare_only: bool,
    no_prepare: bool,
) -> None:
    """Open the six dashboards in Voila (127.0.0.1) on SNAPSHOT.

    The dashboards: state overview, coverage, transparency, skill gaps, pathways, LER link health.
    With no SNAPSHOT the synthetic demo twin is generated and built on first use (then reused).
    Prints the URL of each dashboard; Ctrl-C stops the server. When the server starts, the
    dashboards' per-snapshot cache (every state's metric frames, under SNAPSHOT/cache/dashboards/)
    is computed in a background process, so state switches only filter; --prepare-only does just
    that and exits.
    """
    if prepare_only:
        from pathlib import Path

        from ler_analytics.apps.prepare import prepare_cache

        if snapshot is None:
            from ler_analytics.demo import ensure_demo

            snapshot = str(ensure_demo(scale=scale) if scale else ensure_demo())
        click.echo(f"Preparing the dashboards' cache for {snapshot} ...")
        prepare_cache(Path(snapshot), echo=click.echo)
        return
    from ler_analytics.apps.server import serve_dashboards

    serve_dashboards(
        snapshot,
        port=port,
        open_browser=not no_browser,
        dashboards_dir=dashboards_dir,
        demo_scale=scale,
        echo=click.echo,
        prepare=not no_prepare,
    )
