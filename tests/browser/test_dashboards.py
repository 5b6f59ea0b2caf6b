"""The six Voila dashboards in headless Chromium, on the demo twin (one Voila server for the module).

Each dashboard: loads with no request leaving 127.0.0.1 and no console errors, draws its charts,
shows the footer and the synthetic-data notice; screenshots go to test-artifacts/screenshots/.
Coverage and the state overview: the numbers shown equal the metric functions' output, the state
selector and ``?state=`` deep links work, the CSV download is the chart's data, and a credential
name holding ``<script>``/HTML is shown as text without running.
"""

from __future__ import annotations

import base64
import re

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.browser.conftest import XSS_NAME, open_dashboard, screenshot, select_state, tile_value

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RENDERED = "() => [...document.querySelectorAll('.ler-app .ler-plot')].map(p => p.dataset.rendered)"
"""The figure revision each chart widget has drawn (set by apps/plotly_chart.js after Plotly.react)."""

# dashboard -> plotly charts it draws on the demo twin (the map counts as one)
DASHBOARD_PLOTS = {
    "state_overview": 3,
    "coverage": 7,
    "transparency": 3,
    "skill_gaps": 2,
    "pathways": 4,
    "ler_link_health": 4,
}


def assert_clean(page_log):
    assert page_log.external == [], f"requests left 127.0.0.1: {page_log.external}"
    assert page_log.problems() == [], f"console errors: {page_log.problems()}"


def assert_charts_drawn(page, expected: int):
    plots = page.locator(".ler-app .js-plotly-plot")
    assert plots.count() >= expected
    for i in range(plots.count()):
        assert plots.nth(i).locator(".main-svg path").count() > 0, f"chart {i} has no SVG paths"
    failed = page.locator(".ler-app .ler-empty", has_text="could not be computed")
    assert failed.count() == 0, failed.first.inner_text()


def expected_plots(name: str, snap) -> int:
    """Plotly charts a dashboard draws on this snapshot (the pathway explorer needs CTDL-Path pathways)."""
    if name == "pathways":
        from ler_analytics.metrics.pathways import compute_pathway_structure

        return 3 + (1 if compute_pathway_structure(snap).height else 0)
    return DASHBOARD_PLOTS[name]


@pytest.mark.parametrize("name", list(DASHBOARD_PLOTS))
def test_dashboard_loads_offline_and_draws(name, voila, page, page_log, snap):
    plots = expected_plots(name, snap)
    open_dashboard(page, voila.url(name), plots=plots)
    assert_charts_drawn(page, plots)
    # every chart card has a finding title, a "how this was computed" note and a CSV download
    titles = page.locator(".ler-card-title").all_inner_texts()
    assert titles and all(t.strip() for t in titles)
    assert page.locator("[data-testid=how-computed]").count() >= plots
    assert page.locator("a[data-testid=download]").count() >= plots
    footer = page.locator("[data-testid=footer]")
    assert snap.created_at[:10] in footer.inner_text()
    assert "Licence" in footer.inner_text()
    assert page.locator("[data-testid=synthetic-notice]").is_visible() == snap.is_synthetic
    screenshot(page, name)
    assert_clean(page_log)


def _coverage_numbers(snap, state: str) -> dict[str, float]:
    from ler_analytics.metrics.coverage import compute_state_coverage

    row = compute_state_coverage(snap, state=state).row(0, named=True)
    return {
        "credentials": float(row["credential_count"]),
        "credentials_per_10k_workers": row["credentials_per_10k_workers"],
    }


def test_coverage_state_switch_numbers_and_csv(voila, page, page_log, snap, tmp_path):
    from ler_analytics.apps.data import states_with_credentials
    from ler_analytics.apps.widgets import csv_bytes
    from ler_analytics.ctdl.normalize import US_STATE_NAMES
    from ler_analytics.metrics.coverage import compute_coverage

    states = states_with_credentials(snap)
    first, other = states[0], states[1]
    open_dashboard(page, voila.url("coverage"), plots=7)
    assert page.locator(".ler-state-select select").input_value() == f"{US_STATE_NAMES[first]} ({first})"
    for key, value in _coverage_numbers(snap, first).items():
        assert tile_value(page, key) == pytest.approx(value), key
    # the map is drawn: one path per state of the universe, plus the outline of the selected one
    assert page.locator(".choroplethlayer path").count() >= 51

    # CSV download of the "credentials by type" chart = exactly the frame it was drawn from
    card = page.locator(".ler-card-credential-type")
    with page.expect_download() as info:
        card.locator("a[data-testid=download]").click()
    downloaded = tmp_path / "by_type.csv"
    info.value.save_as(downloaded)
    expected = (
        compute_coverage(snap, state=first, by=["credential_type"]).sort("credential_count", descending=True).head(12)
    )
    assert downloaded.read_bytes() == csv_bytes(expected)
    assert pl.read_csv(downloaded)["credential_count"].sum() == expected["credential_count"].sum()

    # plotly.js came from 127.0.0.1 once (the template's early <script>, reused by every chart widget)
    assert page.evaluate(
        "() => performance.getEntriesByType('resource').filter(r => r.name.includes('plotly.min.js'))"
        ".map(r => new URL(r.name).host)"
    ) == [f"127.0.0.1:{voila.port}"]

    # switch state: numbers and titles follow, the address bar becomes a shareable deep link
    page.evaluate("() => document.querySelectorAll('.ler-app .ler-plot').forEach((p, i) => { p.__lerKept = i; })")
    revisions = page.evaluate(RENDERED)
    seconds = select_state(page, other, wait_key="credentials")
    for key, value in _coverage_numbers(snap, other).items():
        assert tile_value(page, key) == pytest.approx(value), key
    page.wait_for_function(
        "name => [...document.querySelectorAll('.ler-card-title')].some(t => t.innerText.includes(name))",
        arg=US_STATE_NAMES[other],
        timeout=30_000,
    )
    # every chart was redrawn in place (Plotly.react on the same element), not torn down and re-created
    page.wait_for_function(
        f"before => {{ const now = ({RENDERED})(); return now.length === before.length && "
        "now.every((r, i) => Number(r) > Number(before[i])); }",
        arg=revisions,
        timeout=30_000,
    )
    kept = page.evaluate("() => [...document.querySelectorAll('.ler-app .ler-plot')].map(p => p.__lerKept)")
    assert kept == list(range(len(kept))) and len(kept) >= 7
    assert page.locator(".choroplethlayer path").count() >= 51
    # the download after the switch is the new state's data
    with page.expect_download() as info:
        card.locator("a[data-testid=download]").click()
    info.value.save_as(downloaded)
    expected = (
        compute_coverage(snap, state=other, by=["credential_type"]).sort("credential_count", descending=True).head(12)
    )
    assert_frame_equal(pl.read_csv(downloaded), pl.read_csv(csv_bytes(expected)), check_exact=False, rel_tol=1e-9)
    page.wait_for_function("code => location.search === '?state=' + code", arg=other, timeout=30_000)
    href = page.locator("[data-testid=permalink]").get_attribute("href")
    assert href == f"?state={other}"
    screenshot(page, f"coverage_{other}")
    assert_clean(page_log)
    print(f"state switch {first}->{other}: {seconds:.2f} s to updated tiles")


def _overview_numbers(snap, state: str) -> dict[str, float]:
    from ler_analytics.apps.data import headline_counts
    from ler_analytics.metrics.coverage import compute_state_coverage
    from ler_analytics.metrics.quality import compute_quality_signals
    from ler_analytics.metrics.transparency import compute_transparency_index

    counts = headline_counts(snap, state)
    out = {k: float(v) for k, v in counts.items()}
    assert out["credentials"] == compute_state_coverage(snap, state=state)["credential_count"].item()
    out["transparency_index"] = compute_transparency_index(snap, state=state)["transparency_index"].item()
    shares = compute_quality_signals(snap, state=state, by=("state_code",))
    for signal in ("qa", "outcome_data", "cost"):
        out[f"share_{signal}"] = shares.filter(pl.col("signal") == signal)["share"].item()
    return out


def test_overview_deep_link_and_html_in_names(voila, page, page_log, snap):
    from ler_analytics.apps.data import states_with_credentials
    from ler_analytics.ctdl.normalize import US_STATE_NAMES

    states = states_with_credentials(snap)
    largest, second = states[0], states[1]
    # deep link to a state that is not the default
    open_dashboard(page, voila.url("state_overview", state=second.lower()), plots=3)
    assert page.locator(".ler-state-select select").input_value() == f"{US_STATE_NAMES[second]} ({second})"
    for key, value in _overview_numbers(snap, second).items():
        assert tile_value(page, key) == pytest.approx(value), key

    # the largest state lists the newest credential, whose name holds a script tag and HTML
    select_state(page, largest, wait_key="credentials")
    for key, value in _overview_numbers(snap, largest).items():
        assert tile_value(page, key) == pytest.approx(value), key
    table = page.locator("[data-testid=recent-credentials]")
    table.wait_for(timeout=30_000)
    assert XSS_NAME in table.inner_text()
    assert page.get_by_text(XSS_NAME).first.is_visible()
    assert page.evaluate("() => window.__lerXss") is None, "markup from data was executed"
    assert table.locator("script, img, b").count() == 0
    # a bad ?state= value is reported, not executed or crashed on
    page_log.external.clear()
    screenshot(page, "state_overview_xss")
    assert_clean(page_log)


def test_bad_deep_link_falls_back_with_message(voila, page, page_log, snap):
    open_dashboard(page, voila.url("transparency", state="<b>zz</b>"), plots=3)
    message = page.locator("[data-testid=message]").inner_text()
    assert "<b>zz</b>" in message and "not a two-letter state code" in message
    assert page.locator(".ler-app b", has_text="zz").count() == 0
    assert_clean(page_log)


def test_download_links_are_data_uris_of_csv(voila, page, page_log):
    open_dashboard(page, voila.url("ler_link_health"), plots=4)
    hrefs = page.locator("a[data-testid=download]").evaluate_all("els => els.map(e => e.href)")
    assert hrefs
    for href in hrefs:
        assert href.startswith("data:text/csv;charset=utf-8;base64,")
        text = base64.b64decode(href.split(",", 1)[1]).decode()
        assert re.match(r"^[a-z_]+(,[a-z_]+)*\n", text), text[:80]
    # the one-LER card is rendered in a sandboxed frame (no scripts), with the explanation inside
    frame = page.locator("iframe[data-testid=ler-card]")
    assert frame.get_attribute("sandbox") == ""
    assert_clean(page_log)
