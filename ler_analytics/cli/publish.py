"""`ler publish`: placeholder until its issue lands (replaced by the owning module's command)."""

from __future__ import annotations

import click


@click.command(name="publish")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("ler publish is not implemented yet")
