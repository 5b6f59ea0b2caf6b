"""`ler report`: execute a parameterised notebook into an executed notebook + offline HTML."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _parse_value(text: str) -> object:
    """Read a parameter value as a number, boolean or null when it looks like one, else a string."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


@click.command(name="report")
@click.argument("notebook")
@click.option(
    "-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
    help="Notebook parameter, e.g. -p STATE CO (repeatable).",
)
@click.option(
    "--snapshot", type=click.Path(file_okay=False, path_type=Path), envvar="LER_SNAPSHOT",
    help="Snapshot directory (default: the demo twin).",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Parent folder for the report.")
def command(notebook: str, params: tuple[tuple[str, str], ...], snapshot: Path | None, out_dir: Path) -> None:
    """Run NOTEBOOK (a path or a name such as 10_state_coverage) and write .ipynb, .html and headline.json.

    The same parameters on the same snapshot give the same headline numbers.
    """
    from ler_analytics.reports import run_report

    parameters = {name: _parse_value(value) for name, value in params}
    result = run_report(notebook, parameters, snapshot=snapshot, out_dir=out_dir)
    click.echo(f"report written to {result.out_dir}")
    click.echo(f"  notebook: {result.notebook}")
    click.echo(f"  html:     {result.html}")
    if result.headline:
        click.echo("  headline: " + json.dumps(result.headline, default=str))
