"""`ler dashboard`: placeholder until its issue lands (replaced by the owning module's command)."""

from __future__ import annotations

import click


@click.command(name="dashboard")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("ler dashboard is not implemented yet")
