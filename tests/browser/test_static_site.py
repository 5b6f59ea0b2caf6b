"""The static site (`ler publish`) in headless Debian Chromium, opened from file://.

Charts and the US map are drawn, no request leaves the machine, no console errors, a credential
name containing <script>/HTML shows as text, and the headline tiles equal the metric functions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, XSS_NAME, PageLog

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(dashboard_snapshot, snap, tmp_path_factory) -> Path:
    """The site of the two largest states of the test snapshot (with the planted <script> name)."""
    from ler_analytics.publish import publish_site
    from ler_analytics.state_report import report_states

    out = tmp_path_factory.mktemp("site") / "site"
    publish_site(dashboard_snapshot, out, states=report_states(snap)[:2])
    return out


@pytest.fixture
def file_page(browser, page_log):
    """A page that records every request other than file:// (and data:) and aborts it."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()

    def route(r):
        url = r.request.url
        if url.startswith(("file://", "data:", "blob:", "about:")):
            r.continue_()
        else:
            page_log.external.append(url)
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda m: page_log.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: page_log.page_errors.append(str(e)))
    yield pg
    context.close()


def _wait_for_charts(page, n: int) -> None:
    page.wait_for_function(
        "n => { const p = document.querySelectorAll('.js-plotly-plot'); "
        "return p.length >= n && [...p].every(e => e.querySelector('.main-svg')); }",
        arg=n,
        timeout=60_000,
    )


def _shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_timeout(600)
    page.screenshot(path=str(path), full_page=True)
    return path


def test_chromium_is_the_debian_one():
    assert Path(CHROMIUM).exists(), "install the Debian chromium package (never `playwright install`)"
    assert "--headless" in CHROMIUM_ARGS


def test_index_page_draws_the_map_from_file_url(site, file_page, page_log: PageLog):
    file_page.goto((site / "index.html").as_uri(), wait_until="load")
    _wait_for_charts(file_page, 1)
    # the choropleth drew state shapes from the inlined topojson (no fetch)
    file_page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .choroplethlayer path').length >= 40", timeout=30_000
    )
    rows = file_page.locator("[data-testid=states-table] tbody tr")
    assert rows.count() == 2
    assert file_page.locator("[data-testid=synthetic-notice]").count() == 1
    assert file_page.locator("[data-testid=snapshot-date]").inner_text().strip()
    _shot(file_page, "static-site-index")
    # clicking a published state on the map opens its page (plotly_click handler)
    code = file_page.locator("[data-testid=states-table] tbody tr").first.get_attribute("data-state")
    with file_page.expect_navigation():
        file_page.evaluate(
            "c => document.getElementById('index-map').emit('plotly_click', {points: [{location: c}]})", code
        )
    assert file_page.url.endswith(f"/states/{code.lower()}.html")
    assert page_log.external == []
    assert page_log.problems() == []


def test_state_page_charts_numbers_and_escaping(site, snap, file_page, page_log: PageLog):
    from ler_analytics.state_report import report_states, state_headline

    state = report_states(snap)[0]
    file_page.goto((site / "states" / f"{state.lower()}.html").as_uri(), wait_until="load")
    cards = file_page.locator(".ler-card .js-plotly-plot")
    n_plots = cards.count()
    assert n_plots >= 8, f"expected the coverage, transparency, skill-gap and pathway charts, found {n_plots}"
    _wait_for_charts(file_page, n_plots)
    # bars drawn in the ranked-bar charts, state shapes in the map
    assert file_page.locator(".js-plotly-plot .barlayer path").count() > 10
    file_page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .choroplethlayer path').length >= 40", timeout=30_000
    )

    # headline tiles equal the metric functions
    expected = state_headline(snap, state)
    for key in ("credentials", "providers", "learning_opportunities", "transparency_index", "share_qa"):
        raw = file_page.locator(f'.ler-tile[data-key="{key}"] .ler-tile-value').get_attribute("data-value")
        assert float(raw) == pytest.approx(float(expected[key])), key

    # the planted credential name (the newest in the state) shows as text in the table, and ran nothing
    recent = file_page.locator('[data-panel="coverage-recent"] td')
    assert any(XSS_NAME == recent.nth(i).inner_text().strip() for i in range(recent.count()))
    assert file_page.evaluate("window.__lerXss === undefined")
    assert file_page.locator("script:has-text('__lerXss')").count() == 0
    html = file_page.content()
    assert "<script>window.__lerXss" not in html
    _shot(file_page, f"static-site-state-{state.lower()}")
    for section in file_page.locator("section[data-section]").all():  # readable close-ups for review
        section.screenshot(
            path=str(SCREENSHOTS / f"static-site-state-{state.lower()}-{section.get_attribute('data-section')}.png")
        )
    assert page_log.external == []
    assert page_log.problems() == []


def test_state_switch_link_from_file_url(site, snap, file_page, page_log: PageLog):
    from ler_analytics.charts.theme import state_label
    from ler_analytics.state_report import report_states

    first, second = report_states(snap)[:2]
    file_page.goto((site / "states" / f"{first.lower()}.html").as_uri(), wait_until="load")
    with file_page.expect_navigation():
        file_page.select_option("select.ler-state-jump", value=f"{second.lower()}.html")
    assert file_page.url.endswith(f"/states/{second.lower()}.html")
    assert state_label(second) in file_page.locator("h1").inner_text()
    assert page_log.external == []
