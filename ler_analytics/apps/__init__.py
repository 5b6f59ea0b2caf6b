"""Dashboard applications: ipywidgets App classes shown by the thin Voila notebooks in ``dashboards/``.

Each App opens a snapshot and owns its widgets::

    from ler_analytics.apps import CoverageApp
    app = CoverageApp.from_snapshot("data/demo", state="CO")
    app.container          # display this (the notebook's last cell)

The classes are imported lazily so ``import ler_analytics.apps`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

_APPS: dict[str, str] = {
    "StateOverviewApp": "ler_analytics.apps.overview",
    "CoverageApp": "ler_analytics.apps.coverage",
    "TransparencyApp": "ler_analytics.apps.transparency",
    "SkillGapsApp": "ler_analytics.apps.skill_gaps",
    "PathwaysApp": "ler_analytics.apps.pathways",
    "LerLinkHealthApp": "ler_analytics.apps.ler_link_health",
}

DASHBOARDS: dict[str, str] = {
    "state_overview": "StateOverviewApp",
    "coverage": "CoverageApp",
    "transparency": "TransparencyApp",
    "skill_gaps": "SkillGapsApp",
    "pathways": "PathwaysApp",
    "ler_link_health": "LerLinkHealthApp",
}
"""Dashboard notebook name (``dashboards/<name>.ipynb``) → App class name."""

__all__ = [*_APPS, "DASHBOARDS"]


def __getattr__(name: str) -> Any:
    if name in _APPS:
        return getattr(importlib.import_module(_APPS[name]), name)
    raise AttributeError(f"module 'ler_analytics.apps' has no attribute {name!r}")
