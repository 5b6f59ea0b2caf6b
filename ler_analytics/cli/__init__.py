"""The ``ler`` command line: one subcommand per step of the data flow.

Each subcommand lives in its own module in this package and exposes a click command named
``command``. Heavy imports happen inside the command functions, so ``ler --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import click

from ler_analytics import __version__
from ler_analytics.errors import LerError

# Order here is the order shown by ``ler --help``: it follows the data flow.
_COMMAND_MODULES = (
    "demo",
    "twin",
    "snapshot",
    "sync",
    "verify",
    "build",
    "graph",
    "enrich",
    "dashboard",
    "report",
    "publish",
)


class _Group(click.Group):
    """Keeps commands in data-flow order and turns LerError into a one-line message (exit 1)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context):  # noqa: D102
        try:
            return super().invoke(ctx)
        except LerError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ler")
def main() -> None:
    """ler_analytics: Credential Registry (CTDL) data to tables, metrics, dashboards and LER insight.

    Typical flow: ``ler demo`` (or ``ler snapshot``) -> ``ler build`` -> ``ler dashboard``.
    Environment: LER_DATA_DIR, LER_REGISTRY_URL, LER_REGISTRY_API_KEY.
    """


for _name in _COMMAND_MODULES:
    _module = importlib.import_module(f"{__name__}.{_name}")
    main.add_command(_module.command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
