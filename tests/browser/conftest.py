"""Browser-test fixtures: one Voila server per session, headless Debian Chromium via Python playwright.

* Never ``playwright install``: Chromium is ``/usr/bin/chromium`` (the Debian package).
* Every request that does not go to 127.0.0.1 is aborted and recorded; tests assert the list is empty.
* These tests do not skip in CI: a missing Chromium is an error, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, REPO_ROOT

CHROMIUM = os.environ.get("LER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
DASHBOARDS_DIR = REPO_ROOT / "dashboards"
XSS_NAME = '<script>window.__lerXss=1</script><img src=x onerror="window.__lerXss=2"> Welding & <b>Fab</b>'
"""A credential name planted in the test snapshot: it must show literally and run nothing."""

# Console messages that Voila 0.5's front end prints on every page and that do not indicate a fault
# (documented in ../shared/docs/stack-notes.md §1): lab extensions built for JupyterLab 4.6 loaded
# by Voila's 4.2 core log version warnings.
HARMLESS_CONSOLE = [
    re.compile(r"Unsatisfied version .* of shared singleton module"),
    re.compile(r"No satisfying version .* of shared module"),
]


@dataclass
class PageLog:
    """What a page did: requests that tried to leave 127.0.0.1, console errors, page errors."""

    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Unexpected errors (the allow-listed harmless messages removed)."""
        errs = [m for m in self.console_errors if not any(p.search(m) for p in HARMLESS_CONSOLE)]
        return errs + [f"pageerror: {m}" for m in self.page_errors]


@pytest.fixture(scope="session")
def dashboard_snapshot(demo_snapshot_path, tmp_path_factory) -> Path:
    """A copy of the demo snapshot whose newest credential in the largest state has an HTML/script name."""
    import polars as pl

    from ler_analytics.apps.data import states_with_credentials
    from ler_analytics.metrics.context import as_context
    from ler_analytics.snapshot import open_snapshot

    out = tmp_path_factory.mktemp("dash") / "snapshot"
    shutil.copytree(demo_snapshot_path, out)
    snap = open_snapshot(out)
    state = states_with_credentials(snap)[0]
    attr = as_context(snap).attribution("credentials").filter(pl.col("state_code") == state)
    creds = pl.read_parquet(out / "tables" / "credentials.parquet")
    target = (
        creds.join(attr.select("ctid").unique(), on="ctid", how="semi")
        .sort(["envelope_updated_at", "ctid"], descending=True, nulls_last=True)
        .row(0, named=True)["ctid"]
    )
    creds = creds.with_columns(
        pl.when(pl.col("ctid") == target).then(pl.lit(XSS_NAME)).otherwise(pl.col("name")).alias("name")
    )
    creds.write_parquet(out / "tables" / "credentials.parquet")
    # the LER dashboard's default folder: write the synthetic LERs now rather than in the page's kernel
    from ler_analytics.ler.synthetic import ensure_synthetic_lers

    ensure_synthetic_lers(open_snapshot(out))
    return out


@pytest.fixture(scope="session")
def snap(dashboard_snapshot):
    """The opened test snapshot (the same data the dashboards show)."""
    from ler_analytics.snapshot import open_snapshot

    return open_snapshot(dashboard_snapshot)


@pytest.fixture(scope="session")
def voila(dashboard_snapshot):
    """One Voila server for the whole browser session (each page visit still starts a kernel)."""
    from ler_analytics.apps.server import VoilaServer

    ARTIFACTS.mkdir(exist_ok=True)
    server = VoilaServer(dashboard_snapshot, DASHBOARDS_DIR, log_path=ARTIFACTS / "voila-browser-tests.log")
    server.start(timeout=90)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium (fails, never skips, when it is missing)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install the Debian package `chromium` (never `playwright install`).")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page_log() -> PageLog:
    """A fresh request/console record for one test."""
    return PageLog()


@pytest.fixture
def page(browser, page_log, tmp_path):
    """A new page (1440×900, downloads allowed) that aborts and records every non-loopback request."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    pg = context.new_page()

    def route(r):
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            r.continue_()
        else:
            page_log.external.append(url)
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda m: page_log.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: page_log.page_errors.append(str(e)))
    yield pg
    try:  # run the unload handlers (Voila's shutdown request; refused today, the culler frees the kernel)
        pg.close(run_before_unload=True)
        time.sleep(0.5)
    except Exception:  # noqa: BLE001, S110 - best effort
        pass
    context.close()


def open_dashboard(page, url: str, *, plots: int = 1, timeout: float = 360_000) -> float:
    """Go to a dashboard and wait until the App and ``plots`` plotly charts are drawn; returns seconds taken."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = time.perf_counter()
    try:
        page.goto(url, wait_until="domcontentloaded", timeout=timeout / 2)
    except PlaywrightTimeout:
        # Known flake of ipykernel 7 under heavy load: a new kernel occasionally never answers its first
        # kernel_info request, so Voila never starts executing (kernel and server both idle; see
        # docs/dashboards.md). Loading the page again starts a new kernel; a second hang fails the test.
        print(f"page load timed out after {timeout / 2000:.0f} s, retrying once: {url}")
        page.goto(url, wait_until="domcontentloaded", timeout=timeout / 2)
    page.wait_for_selector(".ler-app", timeout=timeout)
    if plots:
        page.wait_for_function(
            "n => document.querySelectorAll('.ler-app .js-plotly-plot .main-svg path').length > 0 && "
            "document.querySelectorAll('.ler-app .js-plotly-plot').length >= n",
            arg=plots,
            timeout=timeout,
        )
    return time.perf_counter() - started


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_timeout(500)  # let plotly finish transitions
    # Voila scrolls inside #rendered_cells (a lumino panel), so grow the viewport to the content first.
    height = page.evaluate(
        "() => { const r = document.getElementById('rendered_cells'); "
        "return Math.max(r ? r.scrollHeight : 0, document.documentElement.scrollHeight); }"
    )
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 20, 12000)})
    page.wait_for_timeout(700)  # plotly charts are responsive: let them settle at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def tile_value(page, key: str) -> float | None:
    """The number of the headline tile ``data-key=key`` (None for a dash)."""
    raw = page.locator(f'.ler-tile[data-key="{key}"] .ler-tile-value').get_attribute("data-value")
    return None if raw in (None, "") else float(raw)


def select_state(page, code: str, *, wait_key: str | None = None, timeout: float = 120_000) -> float:
    """Choose ``code`` in the state dropdown; wait until the tiles were redrawn. Returns seconds taken."""
    before = page.locator(".ler-tiles").inner_html() if wait_key else None
    started = time.perf_counter()
    from ler_analytics.ctdl.normalize import US_STATE_NAMES

    page.select_option(".ler-state-select select", label=f"{US_STATE_NAMES.get(code, code)} ({code})")
    if wait_key:
        page.wait_for_function(
            "before => { const t = document.querySelector('.ler-tiles'); return t && t.innerHTML !== before; }",
            arg=before,
            timeout=timeout,
        )
    return time.perf_counter() - started
