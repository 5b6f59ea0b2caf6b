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
def command(snapshot: str | None, port: int, no_browser: bool, dashboards_dir: str | None, scale: float | None) -> None:
    """Open the six dashboards in Voila (127.0.0.1) on SNAPSHOT.

    The dashboards: state overview, coverage, transparency, skill gaps, pathways, LER link health.
    With no SNAPSHOT the synthetic demo twin is generated and built on first use (then reused).
    Prints the URL of each dashboard; Ctrl-C stops the server.
    """
    from ler_analytics.apps.server import serve_dashboards

    serve_dashboards(
        snapshot,
        port=port,
        open_browser=not no_browser,
        dashboards_dir=dashboards_dir,
        demo_scale=scale,
        echo=click.echo,
    )
