"""Dashboard timings in one run: first render vs a blank Voila notebook, and state-switch latency.

Both pages are served by the same Voila server (same template, config and machine load) and loaded
alternately in headless Debian Chromium, so the ratio compares like with like:

* **blank**: a notebook that only displays one ipywidgets HTML widget (the floor: kernel start,
  Voila front end, widget manager);
* **dashboard**: ``dashboards/<name>.ipynb`` on the chosen snapshot, timed until every chart is drawn.

State switch: the dropdown is changed to another state and timed until the headline tiles *and*
the charts show the new state (the browser's view, including the kernel round trip).

Usage::

    .venv/bin/python benchmarks/bench_dashboard.py                     # scale-1.0 twin (cached), state_overview
    .venv/bin/python benchmarks/bench_dashboard.py --scale 0.05 --dashboard coverage --visits 3
    .venv/bin/python benchmarks/bench_dashboard.py --snapshot data/demo

Targets (issue 8): dashboard first render <= 1.5 x blank; state switch <= 500 ms.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

PLOTS = {"state_overview": 3, "coverage": 7, "transparency": 3, "skill_gaps": 2, "pathways": 3}
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one source of truth with the browser tests)


def blank_notebook() -> dict:
    return {
        "cells": [
            {
                "cell_type": "code",
                "id": "blank",
                "metadata": {},
                "execution_count": None,
                "outputs": [],
                "source": "import ipywidgets\nipywidgets.HTML('<p class=\"blank-ready\">blank</p>')",
            }
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def snapshot_path(args) -> Path:
    if args.snapshot:
        return Path(args.snapshot)
    from bench_demo import twin_snapshot

    return Path(twin_snapshot(args.scale, 42, build=True))


def visit(page, url: str, ready_js: str, arg, timeout_ms: int) -> float:
    """Seconds from navigation to ready; a visit whose kernel never starts (ipykernel 7 flake) is retried once."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in (1, 2):
        started = time.perf_counter()
        try:
            page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            print(f"  kernel did not start within {timeout_ms / 1000:.0f} s; retrying (not counted)", flush=True)
    page.wait_for_function(ready_js, arg=arg, timeout=timeout_ms)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", help="snapshot folder (default: the cached twin at --scale)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--dashboard", default="state_overview", choices=sorted(PLOTS))
    parser.add_argument("--visits", type=int, default=3, help="page visits per page kind (alternating)")
    parser.add_argument("--switches", type=int, default=5, help="state switches to time")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from ler_analytics.apps.data import states_with_credentials
    from ler_analytics.apps.server import VoilaServer
    from ler_analytics.ctdl.normalize import US_STATE_NAMES
    from ler_analytics.snapshot import open_snapshot

    snap_path = snapshot_path(args)
    snap = open_snapshot(snap_path)
    states = states_with_credentials(snap)
    work = Path(tempfile.mkdtemp(prefix="bench-dash-"))
    shutil.copy(ROOT / "dashboards" / f"{args.dashboard}.ipynb", work)
    shutil.copy(ROOT / "dashboards" / "voila.json", work)
    (work / "blank.ipynb").write_text(json.dumps(blank_notebook()))
    plots = PLOTS[args.dashboard]
    dash_ready = (
        "n => document.querySelectorAll('.ler-app .js-plotly-plot').length >= n && "
        "[...document.querySelectorAll('.ler-app .js-plotly-plot')].every(p => p.querySelector('.main-svg path'))"
    )
    blank_ready = "() => !!document.querySelector('.blank-ready')"
    server = VoilaServer(snap_path, work, log_path=work / "voila.log")
    print(
        f"snapshot {snap_path} ({snap.source}); dashboard {args.dashboard}; {len(states)} states; "
        f"credentials {snap.table('credentials').height:,}"
    )
    t0 = time.perf_counter()
    server.start(timeout=120)
    print(f"voila listening after {time.perf_counter() - t0:.1f} s")
    blank_s: list[float] = []
    dash_s: list[float] = []
    switch_s: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            external: list[str] = []

            def new_page():
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.route(
                    "**/*",
                    lambda r: (
                        r.continue_()
                        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
                        else (external.append(r.request.url), r.abort())
                    ),
                )
                return page

            # warm-up visit of each (first kernel start pays disk cache and .pyc effects)
            for url, js, arg in (
                (server.url("blank"), blank_ready, None),
                (server.url(args.dashboard), dash_ready, plots),
            ):
                page = new_page()
                visit(page, url, js, arg, 150_000)
                page.close(run_before_unload=True)
            for i in range(args.visits):
                order = [("blank", blank_s), ("dash", dash_s)] if i % 2 == 0 else [("dash", dash_s), ("blank", blank_s)]
                for kind, out in order:
                    page = new_page()
                    if kind == "blank":
                        out.append(visit(page, server.url("blank"), blank_ready, None, 150_000))
                    else:
                        out.append(visit(page, server.url(args.dashboard), dash_ready, plots, 150_000))
                    print(f"  {kind} visit: {out[-1]:.2f} s", flush=True)
                    page.close(run_before_unload=True)  # lets Voila shut the kernel down
            # state switches on one dashboard page
            page = new_page()
            visit(page, server.url(args.dashboard), dash_ready, plots, 150_000)
            targets = [s for s in states[1:] if s != states[0]][: args.switches] or states[:1]
            for code in targets:
                before = page.locator(".ler-tiles").inner_html()
                name = US_STATE_NAMES.get(code, code)
                started = time.perf_counter()
                page.select_option(".ler-state-select select", label=f"{name} ({code})")
                page.wait_for_function(
                    "([before, name]) => { const t = document.querySelector('.ler-tiles');"
                    " const titles = [...document.querySelectorAll('.ler-card-title')].map(e => e.innerText);"
                    " return t && t.innerHTML !== before && titles.some(x => x.includes(name)); }",
                    arg=[before, name],
                    timeout=120_000,
                )
                page.wait_for_function(dash_ready, arg=plots, timeout=120_000)
                switch_s.append(time.perf_counter() - started)
                print(f"  switch to {code}: {1000 * switch_s[-1]:.0f} ms", flush=True)
            page.close(run_before_unload=True)
            browser.close()
    finally:
        server.stop()
    result = {
        "snapshot": str(snap_path),
        "source": snap.source,
        "dashboard": args.dashboard,
        "blank_median_s": statistics.median(blank_s),
        "dashboard_median_s": statistics.median(dash_s),
        "ratio": statistics.median(dash_s) / statistics.median(blank_s),
        "switch_median_ms": 1000 * statistics.median(switch_s),
        "switch_max_ms": 1000 * max(switch_s),
        "blank_s": blank_s,
        "dashboard_s": dash_s,
        "switch_s": switch_s,
        "external_requests": external,
    }
    print()
    print("| measurement | value |")
    print("|---|---|")
    print(f"| blank Voila notebook, first render (median of {len(blank_s)}) | {result['blank_median_s']:.2f} s |")
    print(
        f"| {args.dashboard}, first render with all charts (median of {len(dash_s)}) | "
        f"{result['dashboard_median_s']:.2f} s |"
    )
    print(f"| ratio dashboard / blank (target <= 1.5) | {result['ratio']:.2f} |")
    print(
        f"| state switch to updated tiles + charts (median / max of {len(switch_s)}, target <= 500 ms) | "
        f"{result['switch_median_ms']:.0f} / {result['switch_max_ms']:.0f} ms |"
    )
    print(f"| requests leaving 127.0.0.1 | {len(external)} |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
