"""Write the analyst notebooks in ``notebooks/`` from one definition (so they stay thin and consistent).

Each notebook is: a markdown title with the question it answers, an imports cell, ONE
``parameters``-tagged cell of UPPER_CASE values (papermill can override them), then cells that are
each a package call or a display. No def/class, no saved outputs.

    python scripts/make_notebooks.py            # rewrite notebooks/*.ipynb
    python scripts/make_notebooks.py --check    # exit 1 if a committed notebook differs
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"

SNAPSHOT_PARAM = "SNAPSHOT = None  # snapshot folder; None means $LER_SNAPSHOT, else the demo twin (made on first use)"
STATE_PARAM = 'STATE = "CO"  # USPS code of the state'

STATE_SETUP = (
    "snap = sr.open_report_snapshot(SNAPSHOT)\n"
    "state = sr.check_state(snap, STATE)\n"
    "sr.provenance(snap)"
)

# name -> (title, question, imports, parameters, [cells]); a cell starting with "md:" is markdown.
NOTEBOOKS: dict[str, tuple[str, str, str, str, list[str]]] = {
    "01_getting_started": (
        "Getting started",
        "What is in a snapshot, and how do I get one metric and one chart out of it?",
        "import ler_analytics as la\n"
        "from ler_analytics import state_report as sr\n"
        "from ler_analytics.charts.coverage import plot_credentials_map\n"
        "from ler_analytics.metrics.coverage import compute_state_coverage",
        f"{SNAPSHOT_PARAM}\nSTATE = None  # USPS code to highlight; None means the state with the most credentials",
        [
            "md:A snapshot is a dated, checksummed copy of Credential Registry data (or of the synthetic demo "
            "twin), with its tables already built. Its manifest says where it came from and under what licence.",
            "snap = sr.open_report_snapshot(SNAPSHOT)\nsr.provenance(snap)",
            "sr.snapshot_info(snap)",
            "md:The core tables (one Parquet file each; columns are described in `ler_analytics/ctdl/fields.py`).",
            "snap.table_names()",
            "snap.credentials.head()",
            "md:Every metric is a `compute_*` function with metadata: what it measures, its formula and caveats.",
            "la.metrics.catalog().select(\"name\", \"title\", \"unit\", \"group\")",
            "coverage = compute_state_coverage(snap)\ncoverage.sort(\"credential_count\", descending=True).head(10)",
            "state = sr.check_state(snap, STATE)\nplot_credentials_map(coverage, state=state).show()",
            "md:How that number was computed:",
            "print(la.metrics.get_metric_info(compute_state_coverage).note())",
        ],
    ),
    "10_state_coverage": (
        "State coverage",
        "Where are a state's credentials offered, what kinds are they, and how does supply compare with job "
        "openings?",
        "from ler_analytics import state_report as sr\nfrom ler_analytics.reports import show_headline",
        f"{SNAPSHOT_PARAM}\n{STATE_PARAM}",
        [
            STATE_SETUP,
            "show_headline(sr.state_headline(snap, state))",
            "coverage = sr.coverage_section(snap, state)\ncoverage",
            "md:The numbers behind the supply chart (credentials per 1,000 estimated annual openings):",
            "coverage.data(\"supply\")",
        ],
    ),
    "20_transparency": (
        "Transparency",
        "How completely do providers in a state describe their credentials, and what should each publish next?",
        "from ler_analytics import state_report as sr\n"
        "from ler_analytics.metrics.transparency import compute_provider_todo\n"
        "from ler_analytics.reports import show_headline",
        f"{SNAPSHOT_PARAM}\n{STATE_PARAM}\nTODO_ITEMS = 3  # items per provider in the to-do list",
        [
            STATE_SETUP,
            "show_headline(sr.state_headline(snap, state))",
            "transparency = sr.transparency_section(snap, state)\ntransparency",
            "md:The provider data to-do list: for each provider, the items most often missing.",
            "compute_provider_todo(snap, state=state, top=TODO_ITEMS)",
        ],
    ),
    "30_skill_gaps": (
        "Skill gaps",
        "Which skills do a state's in-demand occupations need that its credentials do not teach?",
        "from ler_analytics import state_report as sr\n"
        "from ler_analytics.metrics.skills import compute_skill_gap_index\n"
        "from ler_analytics.reports import show_headline",
        f"{SNAPSHOT_PARAM}\n{STATE_PARAM}\nTOP_N = 10  # gaps in the chart",
        [
            STATE_SETUP,
            "show_headline(sr.state_headline(snap, state))",
            "gaps = sr.skill_gap_section(snap, state, n=TOP_N)\ngaps",
            "md:The full skill-gap index of the state (every O*NET skill and knowledge area with demand):",
            "compute_skill_gap_index(snap, state=state).head(30)",
        ],
    ),
    "40_pathways": (
        "Pathways",
        "How do a state's credentials stack into pathways, and where do learners hit dead ends?",
        "from ler_analytics import state_report as sr\n"
        "from ler_analytics.metrics.pathways import compute_pathway_structure, compute_pathway_summary\n"
        "from ler_analytics.reports import show_headline",
        f"{SNAPSHOT_PARAM}\n{STATE_PARAM}",
        [
            STATE_SETUP,
            "show_headline(sr.state_headline(snap, state))",
            "pathways = sr.pathways_section(snap, state)\npathways",
            "md:Pathway connectedness in every state (the `US` row covers all credentials):",
            "compute_pathway_summary(snap)",
            "md:CTDL-Path pathways published in the snapshot, by progression level:",
            "compute_pathway_structure(snap).head(30)",
        ],
    ),
    "50_ler_linkage": (
        "LER linkage",
        "Do learning and employment records (badges, credentials, transcripts) link to the Credential "
        "Registry, and what does one of them mean?",
        "from ler_analytics import state_report as sr",
        f"{SNAPSHOT_PARAM}\nN_LERS = 200  # synthetic LERs issued against the snapshot\nSEED = 42\n"
        "K = 10  # counts below K are suppressed",
        [
            "snap = sr.open_report_snapshot(SNAPSHOT)\nsr.provenance(snap)",
            "md:Link health of a folder of synthetic LERs (aggregates only; small counts are suppressed).",
            "health = sr.ler_section(snap, n=N_LERS, seed=SEED, k=K)\nhealth",
            "health.data(\"patterns\")",
            "md:One LER explained: what the credential is, who offers it, what it leads to.",
            "sr.ler_example(snap, n=N_LERS, seed=SEED)",
        ],
    ),
    "90_reproduce_state_report": (
        "Reproduce a state report",
        "Can the headline numbers of a published state report be recomputed, exactly, from the snapshot it names?",
        "from ler_analytics import state_report as sr\nfrom ler_analytics.reports import show_headline",
        f"{SNAPSHOT_PARAM}\n{STATE_PARAM}\n"
        "PUBLISHED = None  # headline.json of `ler report`, or a `ler publish` site folder, to compare with",
        [
            "md:The snapshot is named by its folder; its id, date and the SHA-256 of its manifest identify it.",
            STATE_SETUP,
            "sr.snapshot_info(snap)",
            "headline = sr.reproduction_headline(snap, state)\nshow_headline(headline)",
            "md:Recomputed against published (`matches` is empty when no published report is given):",
            "comparison = sr.compare_headline(headline, PUBLISHED)\nsr.show_table(comparison)",
            "md:`True` when every published number was reproduced (`None` when nothing was given to compare with):",
            "sr.headline_matches(comparison)",
        ],
    ),
}


def _source(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _cell(kind: str, text: str, index: int, tags: list[str] | None = None) -> dict:
    cell: dict = {"cell_type": kind, "id": f"cell-{index:02d}", "metadata": {"tags": tags} if tags else {},
                  "source": _source(text)}
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell


def notebook(name: str) -> dict:
    """The nbformat-4 JSON of notebook ``name``."""
    title, question, imports, params, body = NOTEBOOKS[name]
    cells = [
        _cell("markdown", f"# {title}\n\n**Question:** {question}\n\n"
              "Run it with other parameters: `ler report " + name + " -p NAME VALUE`.", 0),
        _cell("code", f"# Imports\n{imports}", 1),
        _cell("code", f"# Parameters (papermill)\n{params}", 2, ["parameters"]),
    ]
    for i, text in enumerate(body, 3):
        if text.startswith("md:"):
            cells.append(_cell("markdown", text[3:], i))
        else:
            cells.append(_cell("code", text, i))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def render(name: str) -> str:
    """The file text of notebook ``name`` (stable, so ``--check`` can compare)."""
    return json.dumps(notebook(name), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) every notebook."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the committed notebooks")
    parser.add_argument("--out", type=Path, default=NOTEBOOKS_DIR, help="folder (default: notebooks/)")
    args = parser.parse_args(argv)
    stale = []
    args.out.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        path = args.out / f"{name}.ipynb"
        text = render(name)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("notebooks out of date (run python scripts/make_notebooks.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
