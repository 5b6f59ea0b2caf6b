"""The thin dashboard notebooks (``dashboards/*.ipynb``), generated from one definition.

Each notebook is: a markdown title, an import, a ``parameters`` cell (papermill/Voila), and one
cell that builds the App and displays it. ``python -m ler_analytics.apps.notebooks dashboards``
rewrites them; a test checks the committed files match, and ``ler dashboard`` writes them into a
data folder when the package runs without the repository.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ler_analytics.apps import DASHBOARDS

TITLES: dict[str, tuple[str, str]] = {
    "state_overview": ("State overview", "Headline numbers for a state's credentials: quality signals and change."),
    "coverage": ("Credential coverage", "Where credentials are offered, what kinds, and supply against job openings."),
    "transparency": ("Data transparency", "How completely providers describe their credentials; what to fix first."),
    "skill_gaps": ("Skill gaps", "Skills employers ask for that the state's credentials do not teach."),
    "pathways": ("Pathways and stackability", "How credentials stack into pathways, and where learners hit dead ends."),
    "ler_link_health": ("LER link health", "Do learning and employment records link to the Credential Registry?"),
}
"""Dashboard name → (title, one-line description)."""

_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
_STATEFUL = {"ler_link_health"}


def _cell(cell_type: str, source: str, *, tags: list[str] | None = None, index: int) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "cell_type": cell_type,
        "id": f"cell-{index}",
        "metadata": {"tags": tags} if tags else {},
        "source": source,
    }
    if cell_type == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell


def dashboard_notebook(name: str) -> dict[str, Any]:
    """The notebook JSON (nbformat 4.5) of dashboard ``name`` (a key of :data:`DASHBOARDS`)."""
    app = DASHBOARDS[name]
    title, description = TITLES[name]
    if name in _STATEFUL:
        params = (
            "# Parameters (papermill / Voila): None means $LER_SNAPSHOT, else the demo twin.\n"
            "SNAPSHOT = None\n"
            "LER_FOLDER = None  # folder of LER files; None means synthetic LERs made from the snapshot"
        )
        call = f"app = {app}.from_snapshot(SNAPSHOT, ler_folder=LER_FOLDER)\napp.container"
    else:
        params = (
            "# Parameters (papermill / Voila): None means $LER_SNAPSHOT, else the demo twin.\n"
            "SNAPSHOT = None\n"
            'STATE = None  # USPS code, e.g. "CO"; the page\'s ?state=XX wins; None shows the largest state'
        )
        call = f"app = {app}.from_snapshot(SNAPSHOT, state=STATE)\napp.container"
    cells = [
        _cell("markdown", f"# {title}\n\n{description}", index=0),
        _cell("code", f"from ler_analytics.apps import {app}", index=1),
        _cell("code", params, tags=["parameters"], index=2),
        _cell("code", call, index=3),
    ]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": _KERNELSPEC,
            "language_info": {"name": "python"},
            "title": f"{title} · ler_analytics",
            # the `ler` Voila template starts loading plotly.js while the kernel computes
            "ler": {"charts": "plotly"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def voila_json() -> dict[str, Any]:
    """The project's Voila configuration (``dashboards/voila.json``)."""
    path = Path(__file__).resolve().parent.parent / "assets" / "voila" / "voila.json"
    return json.loads(path.read_text(encoding="utf-8"))


def write_dashboards(out_dir: Path) -> list[Path]:
    """Write every dashboard notebook and ``voila.json`` into ``out_dir``; returns the notebook paths."""
    from ler_analytics.snapshot import atomic_write_bytes

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in DASHBOARDS:
        path = out_dir / f"{name}.ipynb"
        atomic_write_bytes(path, (json.dumps(dashboard_notebook(name), indent=1, ensure_ascii=False) + "\n").encode())
        paths.append(path)
    atomic_write_bytes(out_dir / "voila.json", (json.dumps(voila_json(), indent=2) + "\n").encode())
    return paths


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    for written in write_dashboards(Path(sys.argv[1] if len(sys.argv) > 1 else "dashboards")):
        print(written)
