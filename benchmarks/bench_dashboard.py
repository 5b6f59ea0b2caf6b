"""Dashboard timings in one run: first render vs a blank Voila notebook, and state-switch latency.

Both pages are served by the same Voila server (same template, config and machine load) and loaded
alternately in headless Debian Chromium, so the ratio compares like with like:

* **blank**: a notebook that only displays one ipywidgets HTML widget (the floor: kernel start,
  Voila front end, widget manager);
* **dashboard**: ``dashboards/<name>.ipynb`` on the chosen snapshot, timed until every chart is drawn.

State switch: the dropdown is changed to another state and timed until the headline tiles, the
card titles *and* every chart show the new state: each chart widget writes the revision it has
drawn into ``data-rendered`` once ``Plotly.react`` has finished (the browser's view, including the
kernel round trip).

Each dashboard gets a warm-up visit first (it also fills the snapshot's dashboard frame cache,
``<snapshot>/cache/dashboards/``, when that is cold); the timed visits are therefore warm-cache
visits, which is what every visitor after the first sees. Every visit uses a new browser context
(cold HTTP cache) and a new kernel. The load average is printed with the results.

Usage (hold the shared lock: ``flock /tmp/ler-bench.lock .venv/bin/python benchmarks/bench_dashboard.py``)::

    .venv/bin/python benchmarks/bench_dashboard.py                     # scale-1.0 twin (cached), state_overview
    .venv/bin/python benchmarks/bench_dashboard.py --dashboard state_overview coverage --visits 5
    .venv/bin/python benchmarks/bench_dashboard.py --dashboard all --scale 0.05
    .venv/bin/python benchmarks/bench_dashboard.py --snapshot data/demo
    .venv/bin/python benchmarks/bench_dashboard.py --plotly full         # force the full plotly.min.js
    .venv/bin/python benchmarks/bench_dashboard.py --plotly-eval 7       # only: plotly.js evaluation, full vs bundle

``--plotly`` chooses the plotly.js the server gives the dashboards: ``auto`` (default) is the partial
bundle built by ``scripts/setup.sh`` when it matches the installed plotly.js, else the full file;
``full`` sets ``LER_PLOTLY_BUNDLE=full``. The file served is printed. ``--plotly-eval N`` times, in
N fresh Chromium contexts each (alternating), how long a page takes to fetch (from 127.0.0.1),
compile and run the full plotly.min.js and the bundle as a synchronous ``<script>``.

Targets (issue 8): dashboard first render <= 1.5 x blank; state switch <= 500 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

RENDERED_JS = (
    "() => [...document.querySelectorAll('.ler-app .ler-plot')].filter(p => p.offsetWidth > 0)"
    ".map(p => p.dataset.rendered)"
)
"""Revision each visible chart widget has drawn (``PlotlyChart`` sets ``data-rendered`` after Plotly.react)."""

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


def new_page_factory(browser, external: list[str]):
    """A function opening a fresh page (own context: cold cache) that aborts and records non-loopback requests."""

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

    return new_page


def time_switches(page, states: list[str], plots: int, n: int) -> list[float]:
    """Seconds from choosing a state until tiles, titles and every chart show it (browser view)."""
    from ler_analytics.ctdl.normalize import US_STATE_NAMES

    out: list[float] = []
    for code in [s for s in states[1:] if s != states[0]][:n] or states[:1]:
        before = page.locator(".ler-tiles").inner_html()
        revs = page.evaluate(RENDERED_JS)
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
        # every chart drawn before now shows a newer figure (Plotly.react finished)
        page.wait_for_function(
            f"before => {{ const now = ({RENDERED_JS})(); "
            "return before.every((r, i) => now[i] !== undefined && now[i] !== r); }",
            arg=revs,
            timeout=120_000,
        )
        page.wait_for_function(DASH_READY, arg=plots, timeout=120_000)
        out.append(time.perf_counter() - started)
        print(f"  switch to {code}: {1000 * out[-1]:.0f} ms", flush=True)
    return out


def drop_views(snapshot: Path, dashboard: str, states: list[str]) -> int:
    """Delete the stored views of ``states`` (apps.framecache), so the next switch to them computes."""
    from ler_analytics.apps.framecache import frame_cache
    from ler_analytics.snapshot import open_snapshot

    cache = frame_cache(open_snapshot(snapshot))
    removed = 0
    for code in states:
        path = cache.json_path((dashboard, "view", code))
        if path.exists():
            path.unlink()
            removed += 1
    return removed


DASH_READY = (
    "n => document.querySelectorAll('.ler-app .js-plotly-plot').length >= n && "
    "[...document.querySelectorAll('.ler-app .js-plotly-plot')].every(p => p.querySelector('.main-svg path'))"
)
BLANK_READY = "() => !!document.querySelector('.blank-ready')"


EVAL_PAGE = """<!doctype html><html><head><script>window.__t0 = performance.now();</script>
<script src="plotly.min.js"></script>
<script>window.__t1 = performance.now(); window.__ok = !!(window.Plotly && window.Plotly.react);</script>
</head><body></body></html>"""


def plotly_eval(runs: int) -> int:
    """Time fetch + compile + run of the full plotly.js and of the bundle in fresh Chromium contexts."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    from ler_analytics.apps.plotly_bundle import installed_plotly_js, plotly_bundle_problem, select_plotly_js

    problem = plotly_bundle_problem()
    if problem:
        print(f"no usable bundle: {problem}")
        return 1
    work = Path(tempfile.mkdtemp(prefix="bench-plotly-eval-"))
    files = {"full": installed_plotly_js(), "bundle": select_plotly_js(env={})}
    for kind, source in files.items():
        (work / kind).mkdir()
        shutil.copyfile(source, work / kind / "plotly.min.js")
        (work / kind / "index.html").write_text(EVAL_PAGE)
        print(f"{kind}: {source} ({source.stat().st_size / 1e6:.2f} MB)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(work))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    times: dict[str, list[float]] = {"full": [], "bundle": []}
    load_before = os.getloadavg()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for i in range(runs + 1):  # first round is a warm-up (not counted)
                for kind in ("full", "bundle") if i % 2 == 0 else ("bundle", "full"):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(f"{base}/{kind}/index.html", wait_until="load")
                    t0, t1, ok = page.evaluate("[window.__t0, window.__t1, window.__ok]")
                    context.close()
                    if not ok:
                        raise RuntimeError(f"{kind}: window.Plotly.react is missing after the script ran")
                    if i:
                        times[kind].append(t1 - t0)
            browser.close()
    finally:
        httpd.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; {runs} runs each")
    print("| plotly.js | size | fetch + compile + run: median | min | max |")
    print("|---|---|---|---|---|")
    for kind, values in times.items():
        print(
            f"| {kind} | {files[kind].stat().st_size / 1e6:.2f} MB | {statistics.median(values):.0f} ms | "
            f"{min(values):.0f} ms | {max(values):.0f} ms |"
        )
    print(f"bundle / full (median): {statistics.median(times['bundle']) / statistics.median(times['full']):.2f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", help="snapshot folder (default: the cached twin at --scale)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--dashboard",
        nargs="+",
        default=["state_overview"],
        choices=[*sorted(PLOTS), "all"],
        help="one or more dashboards (each gets its own blank visits, alternated with it)",
    )
    parser.add_argument("--visits", type=int, default=3, help="page visits per page kind (alternating)")
    parser.add_argument("--switches", type=int, default=5, help="state switches to time")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument(
        "--plotly",
        choices=["auto", "full"],
        default="auto",
        help="plotly.js served: the partial bundle when usable (auto) or the full plotly.min.js (full)",
    )
    parser.add_argument("--plotly-eval", type=int, metavar="N", help="only time plotly.js evaluation, full vs bundle")
    args = parser.parse_args()
    if args.plotly_eval:
        return plotly_eval(args.plotly_eval)
    dashboards = sorted(PLOTS) if "all" in args.dashboard else list(dict.fromkeys(args.dashboard))

    from playwright.sync_api import sync_playwright

    from ler_analytics.apps.data import states_with_credentials
    from ler_analytics.apps.server import VoilaServer
    from ler_analytics.snapshot import open_snapshot

    snap_path = snapshot_path(args)
    snap = open_snapshot(snap_path)
    states = states_with_credentials(snap)
    work = Path(tempfile.mkdtemp(prefix="bench-dash-"))
    for name in dashboards:
        shutil.copy(ROOT / "dashboards" / f"{name}.ipynb", work)
    shutil.copy(ROOT / "dashboards" / "voila.json", work)
    (work / "blank.ipynb").write_text(json.dumps(blank_notebook()))
    from ler_analytics.apps.plotly_bundle import PLOTLY_BUNDLE_ENV

    server = VoilaServer(snap_path, work, log_path=work / "voila.log", extra_env={PLOTLY_BUNDLE_ENV: args.plotly})
    load_before = os.getloadavg()
    print(
        f"snapshot {snap_path} ({snap.source}); dashboards {', '.join(dashboards)}; {len(states)} states; "
        f"credentials {snap.table('credentials').height:,}; load average {load_before[0]:.2f}"
    )
    t0 = time.perf_counter()
    server.start(timeout=120)
    assert server.plotly_js is not None
    print(f"voila listening after {time.perf_counter() - t0:.1f} s")
    print(f"plotly.js served: {server.plotly_js} ({server.plotly_js.stat().st_size / 1e6:.2f} MB)")
    results: dict[str, dict] = {}
    external: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            new_page = new_page_factory(browser, external)
            page = new_page()  # warm-up (first kernel start pays disk cache and .pyc effects)
            visit(page, server.url("blank"), BLANK_READY, None, 150_000)
            page.close(run_before_unload=True)
            for name in dashboards:
                plots = PLOTS[name]
                print(f"{name}:")
                # warm-up: also fills the snapshot's dashboard frame cache if it is cold
                page = new_page()
                warm = visit(page, server.url(name), DASH_READY, plots, 300_000)
                page.close(run_before_unload=True)
                print(f"  warm-up visit: {warm:.2f} s", flush=True)
                blank_s: list[float] = []
                dash_s: list[float] = []
                for i in range(args.visits):
                    order = [("blank", blank_s), ("dash", dash_s)]
                    for kind, out in order if i % 2 == 0 else order[::-1]:
                        page = new_page()
                        if kind == "blank":
                            out.append(visit(page, server.url("blank"), BLANK_READY, None, 150_000))
                        else:
                            out.append(visit(page, server.url(name), DASH_READY, plots, 150_000))
                        print(f"  {kind} visit: {out[-1]:.2f} s", flush=True)
                        page.close(run_before_unload=True)  # lets Voila shut the kernel down
                page = new_page()
                visit(page, server.url(name), DASH_READY, plots, 150_000)
                # first pass: no stored view for these states (each switch computes its view from the
                # cached all-state frames); second pass: the same states again (stored views)
                removed = drop_views(snap_path, name, states[1 : args.switches + 1])
                print(f"  switches, views computed ({removed} stored views removed first):")
                switch_s = time_switches(page, states, plots, args.switches)
                print("  switches, stored views:")
                switch_cached_s = time_switches(page, states, plots, args.switches)
                page.close(run_before_unload=True)
                results[name] = {
                    "warmup_s": warm,
                    "blank_median_s": statistics.median(blank_s),
                    "dashboard_median_s": statistics.median(dash_s),
                    "ratio": statistics.median(dash_s) / statistics.median(blank_s),
                    "switch_median_ms": 1000 * statistics.median(switch_s),
                    "switch_max_ms": 1000 * max(switch_s),
                    "blank_s": blank_s,
                    "dashboard_s": dash_s,
                    "switch_s": switch_s,
                    "switch_cached_median_ms": 1000 * statistics.median(switch_cached_s),
                    "switch_cached_max_ms": 1000 * max(switch_cached_s),
                    "switch_cached_s": switch_cached_s,
                }
            browser.close()
    finally:
        server.stop()
    load_after = os.getloadavg()
    print()
    print(
        f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
        f"{args.visits} visits per page kind, {args.switches} switches"
    )
    print()
    print(
        "| dashboard | blank (median) | dashboard (median) | ratio (<= 1.5) | switch, view computed: median / max "
        "(<= 500 ms) | switch, stored view: median / max |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['blank_median_s']:.2f} s | {r['dashboard_median_s']:.2f} s | {r['ratio']:.2f} | "
            f"{r['switch_median_ms']:.0f} / {r['switch_max_ms']:.0f} ms | "
            f"{r['switch_cached_median_ms']:.0f} / {r['switch_cached_max_ms']:.0f} ms |"
        )
    print(f"\nrequests leaving 127.0.0.1: {len(external)}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "snapshot": str(snap_path),
                    "source": snap.source,
                    "plotly_js": str(server.plotly_js),
                    "load_average": [load_before, load_after],
                    "dashboards": results,
                    "external_requests": external,
                },
                indent=2,
            )
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0 if not external else 1


if __name__ == "__main__":
    raise SystemExit(main())
