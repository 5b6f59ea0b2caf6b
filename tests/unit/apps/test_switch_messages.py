"""What a coverage state switch sends to the browser (issue 8: cheap switches, nothing lost).

A live :class:`~ler_analytics.apps.coverage.CoverageApp` (chart widgets, as under ``ler dashboard``)
on a copy of the demo twin: after a switch the map's figure is not sent again (its numbers do not
change) but its outline names the new state; every other chart is sent with the new state's
numbers, equal to the metric functions; stored views keep the outline, and the CSV is the chart's data.
"""

from __future__ import annotations

import base64
import io
import re
import shutil

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ler_analytics.apps.plotly_chart import PLOTLY_URL_ENV


@pytest.fixture
def live_app(demo_snapshot_path, tmp_path, monkeypatch):
    monkeypatch.setenv(PLOTLY_URL_ENV, "/voila/templates/ler/static/plotly.min.js")
    target = tmp_path / "snap"
    shutil.copytree(demo_snapshot_path, target, ignore=shutil.ignore_patterns("cache"))
    from ler_analytics.apps.coverage import CoverageApp

    return CoverageApp.from_snapshot(target)


def _record(app) -> dict[str, list[dict]]:
    """Replace each chart widget's send_state by a recorder of what would go to the browser."""
    sent: dict[str, list[dict]] = {}
    for key, card in app.cards.items():
        chart = card.chart
        sent[key] = []
        chart.send_state = lambda key_=None, chart=chart, out=sent[key]: out.append(chart.get_state(key_))
    return sent


def _csv(card) -> pl.DataFrame:
    payload = re.search(r"base64,([^\"]+)\"", card.download.value).group(1)
    return pl.read_csv(io.BytesIO(base64.b64decode(payload)))


def test_switch_sends_the_outline_not_the_map_and_new_numbers_elsewhere(live_app):
    from ler_analytics.apps.data import states_with_credentials
    from ler_analytics.ctdl.normalize import US_STATE_NAMES
    from ler_analytics.metrics.coverage import compute_coverage, compute_state_coverage

    app = live_app
    states = [s for s in states_with_credentials(app.snap) if s != app.state]
    map_chart = app.cards["map"].chart
    assert map_chart.outline["locations"] == [app.state] and len(map_chart.figure["data"]) == 1
    figure_before = map_chart.figure
    sent = _record(app)
    other = states[0]
    app.set_state(other)

    # the map: same numbers for every state, so only the outline and the revision were sent
    assert [set(m) for m in sent["map"]] == [{"outline", "revision"}]
    assert map_chart.figure == figure_before and map_chart.outline["locations"] == [other]
    assert len(map_chart.spec["data"]) == 2 and map_chart.spec["data"][1]["locations"] == [other]
    by_state = compute_state_coverage(app.snap)
    z = dict(zip(map_chart.figure["data"][0]["locations"], map_chart.figure["data"][0]["z"], strict=True))
    for row in by_state.filter(pl.col("state_code") != "US").iter_rows(named=True):
        assert z[row["state_code"]] == row["credential_count"]
    # every other chart: one message with the new figure, whose bars are the metric's numbers
    for key in ("credential_type", "provider_type", "delivery_mode", "audience_level", "supply", "uncovered"):
        assert len(sent[key]) == 1 and {"figure", "revision"} <= set(sent[key][0]), key
    expected = (
        compute_coverage(app.snap, state=other, by=["credential_type"])
        .sort("credential_count", descending=True)
        .head(12)
    )
    bars = app.cards["credential_type"].chart.figure["data"][0]
    assert sorted(bars["x"]) == sorted(expected["credential_count"].to_list())
    assert_frame_equal(
        _csv(app.cards["credential_type"]).sort("credential_count", "credential_type"),
        pl.read_csv(io.BytesIO(expected.write_csv().encode())).sort("credential_count", "credential_type"),
    )
    assert US_STATE_NAMES[other] in app.cards["map"].title.value  # the title above the map names the state


def test_stored_view_restores_the_outline(live_app):
    from ler_analytics.apps.data import states_with_credentials

    app = live_app
    first = app.state
    other = [s for s in states_with_credentials(app.snap) if s != first][0]
    app.set_state(other)  # computes and stores the view of `other`
    app.set_state(first)
    assert app.cards["map"].chart.outline["locations"] == [first]
    sent = _record(app)
    app.set_state(other)  # from the stored view this time
    assert app._restored
    assert app.cards["map"].chart.outline["locations"] == [other]
    assert [set(m) for m in sent["map"]] == [{"outline", "revision"}]
