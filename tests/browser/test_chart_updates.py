"""What a state switch redraws in the browser (issue 8: cheap switches, nothing lost).

On the coverage dashboard in headless Chromium: the US map is not redrawn on a switch (its numbers
do not change), yet the selected state is outlined, exactly over plotly's own shape of that state,
also after the page is resized (when every chart keeps its height); every bar chart is redrawn once with its labels fitting the margin
(no second automargin pass, no cut label); the charts show the new state's numbers.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_dashboard, screenshot, select_state

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RENDERED = "() => [...document.querySelectorAll('.ler-app .ler-plot')].map(p => p.dataset.rendered)"

COUNT_REACTS = """() => {
  window.__lerReacts = new Map();
  const react = window.Plotly.react;
  if (!react.__lerCounting) {
    window.Plotly.react = function (div, ...rest) {
      window.__lerReacts.set(div, (window.__lerReacts.get(div) || 0) + 1);
      return react.call(this, div, ...rest);
    };
    window.Plotly.react.__lerCounting = true;
  }
}"""
"""Count Plotly.react calls per plot element (the chart widgets call ``Plotly.react`` on window.Plotly)."""

OUTLINE = """() => {
  const map = document.querySelector('.ler-card-map .ler-plot');
  const outlines = [...map.querySelectorAll('path.ler-outline')];
  const base = [...map.querySelectorAll('.choroplethlayer path.choroplethlocation')];
  return outlines.map(o => {
    const shape = base.find(p => p.__data__ && p.__data__.loc === o.dataset.location);
    const style = getComputedStyle(o);
    const layer = o.parentNode.previousElementSibling;  // drawn right after (over) plotly's choropleth layer
    return {location: o.dataset.location, same_shape: !!shape && shape.getAttribute('d') === o.getAttribute('d'),
            on_top: !!layer && layer.classList.contains('choroplethlayer') && shape.closest('.choroplethlayer') === layer,
            stroke: style.stroke, width: style.strokeWidth, fill: style.fill};
  });
}"""

BAR_MARGINS = """() => [...document.querySelectorAll('.ler-app .ler-plot')]
  .filter(p => p._fullData && p._fullData.length && p._fullData[0].type === 'bar' && p._fullLayout.yaxis.type === 'category')
  .map(p => {
    const svg = p.querySelector('.main-svg').getBoundingClientRect();
    const labels = [...p.querySelectorAll('.ytick text')].map(t => t.getBoundingClientRect().left);
    return {asked: p.layout.margin.l, drawn: p._fullLayout._size.l,
            leftmost: Math.min(...labels) - svg.left, labels: labels.length};
  })"""


def _wait_all_redrawn(page, before: list[str]) -> None:
    page.wait_for_function(
        f"before => {{ const now = ({RENDERED})(); return now.length === before.length && "
        "now.every((r, i) => Number(r) > Number(before[i])); }",
        arg=before,
        timeout=60_000,
    )


def test_switch_outlines_the_state_without_redrawing_the_map(voila, page, page_log, snap):
    from ler_analytics.apps.data import states_with_credentials
    from ler_analytics.charts.theme import HIGHLIGHT
    from ler_analytics.ctdl.normalize import US_STATE_NAMES
    from ler_analytics.metrics.coverage import compute_coverage

    states = [s for s in states_with_credentials(snap) if s in US_STATE_NAMES and s != "PR"]
    first, other = states[0], states[1]
    open_dashboard(page, voila.url("coverage") + f"?state={first}", plots=7)
    page.wait_for_function(f"() => ({RENDERED})().every(r => Number(r) >= 1)", timeout=60_000)
    outline = page.evaluate(OUTLINE)
    assert [o["location"] for o in outline] == [first]
    assert outline[0]["same_shape"] and outline[0]["on_top"], outline
    assert outline[0]["fill"] == "none" and outline[0]["width"] == "3px"
    assert outline[0]["stroke"] == "rgb({}, {}, {})".format(*(int(HIGHLIGHT[i : i + 2], 16) for i in (1, 3, 5)))
    # plotly's own outline trace is not drawn in the live widget: one shape per state, no second layer
    assert page.evaluate("() => document.querySelectorAll('.ler-card-map .trace.choropleth').length") == 1

    page.evaluate(COUNT_REACTS)
    before = page.evaluate(RENDERED)
    select_state(page, other, wait_key="credentials")
    _wait_all_redrawn(page, before)
    outline = page.evaluate(OUTLINE)
    assert [o["location"] for o in outline] == [other] and outline[0]["same_shape"], outline
    reacts = page.evaluate(
        "() => [...document.querySelectorAll('.ler-app .ler-plot')].map(p => window.__lerReacts.get(p) || 0)"
    )
    map_index = page.evaluate(
        "() => [...document.querySelectorAll('.ler-app .ler-plot')]"
        ".indexOf(document.querySelector('.ler-card-map .ler-plot'))"
    )
    assert reacts[map_index] == 0, reacts  # the map was not redrawn ...
    assert all(n == 1 for i, n in enumerate(reacts) if i != map_index), reacts  # ... every other chart once

    # the charts show the new state's numbers: the by-type bars are the metric's counts
    expected = (
        compute_coverage(snap, state=other, by=["credential_type"]).sort("credential_count", descending=True).head(12)
    )
    drawn = page.evaluate("() => document.querySelector('.ler-card-credential-type .ler-plot')._fullData[0].x.slice()")
    assert sorted(drawn) == sorted(expected["credential_count"].to_list())

    # bar charts: the left margin fitted the labels before drawing (no second automargin pass), none cut
    margins = page.evaluate(BAR_MARGINS)
    assert len(margins) >= 5, margins
    for m in margins:
        assert m["labels"] > 0 and m["drawn"] == m["asked"], margins
        assert m["leftmost"] >= 0, margins

    # resizing redraws plotly's paths; the outline follows
    page.set_viewport_size({"width": 1000, "height": 900})
    page.wait_for_function(
        "() => { const o = document.querySelector('.ler-card-map path.ler-outline'); const base = "
        "[...document.querySelectorAll('.ler-card-map path.choroplethlocation')]"
        ".find(p => p.__data__ && o && p.__data__.loc === o.dataset.location); "
        "return !!base && base.getAttribute('d') === o.getAttribute('d'); }",
        timeout=30_000,
    )
    assert [o["location"] for o in page.evaluate(OUTLINE)] == [other]
    # ... and every chart keeps its figure's height at the new width (plotly's `responsive` autosize
    # used to drop the height after a switch: charts collapsed to 0 px)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.ler-app .ler-plot')].every(p => p._fullLayout && "
        "p._fullLayout.width === p.parentNode.clientWidth && p.offsetHeight === p._fullLayout.height && "
        "p.offsetHeight >= 200)",
        timeout=30_000,
    )
    screenshot(page, f"coverage_outline_{other}")
    assert page_log.external == [] and page_log.problems() == [], (page_log.external, page_log.problems())
