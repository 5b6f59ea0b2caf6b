"""`ler verify`: placeholder until its issue lands (replaced by the owning module's command)."""

from __future__ import annotations

import click


@click.command(name="verify")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("ler verify is not implemented yet")
