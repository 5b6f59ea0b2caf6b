"""The six dashboard Apps built in-process on the demo twin (no Voila): every card draws, numbers match metrics."""

from __future__ import annotations

import base64
import re

import polars as pl
import pytest

from ler_analytics import apps
from ler_analytics.apps.widgets import csv_bytes


def _tiles(app) -> dict[str, float | None]:
    out = {}
    for key, raw in re.findall(r'data-key="([^"]+)"><div class="ler-tile-value" data-value="([^"]*)"', app.stats.value):
        out[key] = float(raw) if raw else None
    return out


def _csv(card) -> bytes:
    href = re.search(r'base64,([^"]+)"', card.download.value).group(1)
    return base64.b64decode(href)


@pytest.fixture(scope="module")
def states(demo_snapshot):
    from ler_analytics.apps.data import states_with_credentials

    found = states_with_credentials(demo_snapshot)
    assert len(found) >= 2
    return found


@pytest.mark.parametrize("name", list(apps.DASHBOARDS))
def test_every_card_draws(name, demo_snapshot, states):
    cls = getattr(apps, apps.DASHBOARDS[name])
    app = cls(demo_snapshot, state=states[1]) if cls.uses_state else cls(demo_snapshot)
    assert app.message.value == ""
    for key, card in app.cards.items():
        assert "could not be computed" not in card.extra.value, (key, card.extra.value)
        assert card.title.value, key
    assert app.stats.value.count('class="ler-tile"') >= 4
    assert "Synthetic demonstration data" in app.notice.value
    if name == "pathways" and demo_snapshot.table("pathways").height:
        assert app.pathway.value is not None
        assert "no CTDL-Path pathways" not in app.cards["pathway"].extra.value
    assert demo_snapshot.created_at[:10] in app.footer.value


def test_coverage_numbers_equal_metrics_after_a_switch(demo_snapshot, states):
    from ler_analytics.metrics.coverage import compute_coverage, compute_state_coverage
    from ler_analytics.metrics.occupations import compute_uncovered_occupations

    app = apps.CoverageApp(demo_snapshot, state=states[0])
    for state in (states[1], states[0]):
        app.set_state(state)
        row = compute_state_coverage(demo_snapshot, state=state).row(0, named=True)
        tiles = _tiles(app)
        assert tiles["credentials"] == row["credential_count"]
        assert tiles["credentials_per_10k_workers"] == pytest.approx(row["credentials_per_10k_workers"])
        unc = compute_uncovered_occupations(demo_snapshot, state=state, top=15)
        assert tiles["uncovered_occupations"] == unc.height
        expected = (
            compute_coverage(demo_snapshot, state=state, by=["credential_type"])
            .sort("credential_count", descending=True)
            .head(12)
        )
        assert _csv(app.cards["credential_type"]) == csv_bytes(expected)
        assert _csv(app.cards["uncovered"]) == csv_bytes(unc)


def test_overview_and_transparency_numbers_equal_metrics(demo_snapshot, states):
    from ler_analytics.metrics.quality import compute_quality_signals
    from ler_analytics.metrics.transparency import compute_fill_rates, compute_transparency_index

    overview = apps.StateOverviewApp(demo_snapshot, state=states[1])
    transparency = apps.TransparencyApp(demo_snapshot, state=states[1])
    state = states[1]
    index = compute_transparency_index(demo_snapshot, state=state)["transparency_index"].item()
    signals = compute_quality_signals(demo_snapshot, state=state, by=("state_code",))
    tiles = _tiles(overview)
    assert tiles["transparency_index"] == pytest.approx(index)
    assert tiles["share_qa"] == pytest.approx(signals.filter(pl.col("signal") == "qa")["share"].item())
    assert _tiles(transparency)["transparency_index"] == pytest.approx(index)
    fill = compute_fill_rates(demo_snapshot, state=state).select(
        "state_code", "item", "label", "weight", "records", "present", "fill_rate"
    )
    assert _csv(transparency.cards["fill_rates"]) == csv_bytes(fill)


def test_app_reads_state_from_the_page_query(demo_snapshot, states, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", f"state={states[1].lower()}")
    app = apps.CoverageApp(demo_snapshot, state=states[0])
    assert app.state == states[1] and app.selector.value == states[1]
    monkeypatch.setenv("QUERY_STRING", "state=QQ")
    app = apps.CoverageApp(demo_snapshot)
    assert app.state == states[0] and "No records for QQ" in app.message.value
