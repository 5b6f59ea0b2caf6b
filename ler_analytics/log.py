"""Logging helpers: the library logs under ``ler_analytics.*`` and never configures handlers itself."""

from __future__ import annotations

import logging

_FORMAT = "%(asctime)s [%(levelname)8s] %(name)s: %(message)s"


def get_logger(name: str) -> logging.Logger:
    """Return a logger in the ``ler_analytics`` namespace."""
    if not name.startswith("ler_analytics"):
        name = f"ler_analytics.{name}"
    return logging.getLogger(name)


def configure_logging(level: int | str = logging.INFO) -> None:
    """Configure root logging for the CLI and dashboards (never called by library code)."""
    logging.basicConfig(level=level, format=_FORMAT)
