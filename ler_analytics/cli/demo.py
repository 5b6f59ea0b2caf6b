"""`ler demo`: placeholder until its issue lands (replaced by the owning module's command)."""

from __future__ import annotations

import click


@click.command(name="demo")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("ler demo is not implemented yet")
