"""Charts updated in place: the PlotlyChart widget, ChartCard in live mode, and how the server serves plotly.js."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import polars as pl
import pytest

from ler_analytics.apps import widgets as w
from ler_analytics.apps.plotly_chart import PLOTLY_URL_ENV, PlotlyChart, chart_widgets_enabled


@pytest.fixture(autouse=True)
def _plotly_url(monkeypatch):
    monkeypatch.setenv(PLOTLY_URL_ENV, "/voila/templates/ler/static/plotly.min.js")


def _figure(title: str, values: list[int]):
    import plotly.graph_objects as go

    return go.Figure(
        {"data": [{"type": "bar", "x": values, "y": ["a", "b"]}], "layout": {"title": {"text": title}, "height": 300}}
    )


def test_plotly_chart_needs_a_url(monkeypatch):
    monkeypatch.delenv(PLOTLY_URL_ENV, raising=False)
    assert not chart_widgets_enabled()
    with pytest.raises(RuntimeError, match=PLOTLY_URL_ENV):
        PlotlyChart()
    monkeypatch.setenv(PLOTLY_URL_ENV, "/voila/templates/ler/static/plotly.min.js")
    assert chart_widgets_enabled()
    chart = PlotlyChart()
    assert chart.plotly_url == "/voila/templates/ler/static/plotly.min.js"
    # the browser module is ours and loads plotly.js from that URL, never from a CDN
    assert "Plotly.react" in chart._esm and "https://" not in chart._esm and "cdn.plot.ly" not in chart._esm


def test_plotly_chart_update_is_one_revision():
    chart = PlotlyChart(url="/p.js")
    sent: list[dict] = []
    chart.send_state = lambda key=None: sent.append(chart.get_state(key))  # what would go to the browser
    chart.update({"data": [{"type": "bar"}], "layout": {"height": 10}, "config": {"ignored": 1}}, {"responsive": True})
    assert chart.revision == 1
    assert chart.figure == {"data": [{"type": "bar"}], "layout": {"height": 10}}
    assert chart.config == {"responsive": True}
    assert len(sent) == 1 and {"figure", "config", "revision"} <= set(sent[0])  # one message per update
    chart.update({"data": [], "layout": {}}, {"responsive": True})
    assert chart.revision == 2
    assert "config" not in sent[-1]  # unchanged config is not sent again


def test_live_card_updates_the_same_chart_widget():
    card = w.ChartCard("by-type", live=True)
    chart = card.chart
    assert chart is not None and card.output is None
    assert card.widget.children == (card.title, chart, card.footer)
    frame = pl.DataFrame({"x": [1, 2]})
    card.show(_figure("First <b>finding</b>", [1, 2]), frame, note="Counted <things>.", filename="a.csv")
    assert chart.revision == 1
    assert "First <b>finding</b>" in card.title.value
    assert "title" not in chart.figure["layout"] and chart.figure["layout"]["margin"]["t"] == 16
    assert chart.figure["data"][0]["x"] == [1, 2]
    assert chart.config == w.PLOTLY_CONFIG
    assert "Counted &lt;things&gt;." in card.footer.value and 'download="a.csv"' in card.footer.value
    assert card.note.value in card.footer.value and card.download.value in card.footer.value
    # a second state: same widget, new figure and revision, new CSV
    card.show(_figure("Second", [3, 4]), frame.with_columns(pl.col("x") * 2), note="n", filename="b.csv")
    assert card.chart is chart and chart.revision == 2 and chart.figure["data"][0]["x"] == [3, 4]
    csv = base64.b64decode(re.search(r"base64,([^\"]+)\"", card.download.value).group(1)).decode()
    assert csv == "x\n2\n4\n"
    # a message hides the plot (no stale chart under a "no data" message); showing a figure brings it back
    card.show_message("Nothing", "No data for <ZZ>.")
    assert chart.layout.display == "none" and "No data for &lt;ZZ&gt;." in card.footer.value
    assert card.download.value == "" and card.note.value == ""
    card.show(_figure("Back", [5, 6]), frame, note="n", filename="c.csv")
    assert chart.layout.display is None and chart.revision == 3


def test_fallback_card_uses_mime_output(monkeypatch):
    monkeypatch.delenv(PLOTLY_URL_ENV)
    card = w.ChartCard("x")
    assert card.chart is None and card.output is not None
    assert card.widget.children == (card.title, card.output, card.footer)


def test_footer_parts_keep_the_html_widget_api():
    card = w.ChartCard("k", live=True)
    card.extra.value = "<p>extra</p>"
    card.note.value = "<p>note</p>"
    assert card.footer.value == "<p>extra</p><p>note</p>"


def test_server_serves_the_installed_plotly_js_and_tells_the_kernels(tmp_path):
    import plotly

    from ler_analytics.apps.server import VoilaServer

    # the full file on request; the partial bundle is tested in test_plotly_bundle.py
    server = VoilaServer(tmp_path / "snap", tmp_path, extra_env={"LER_PLOTLY_BUNDLE": "full"})
    env = server.environment()
    runtime = server.runtime_dir()
    served = runtime / "voila" / "templates" / "ler" / "static" / "plotly.min.js"
    shipped = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert served.read_bytes() == shipped.read_bytes()
    assert env[PLOTLY_URL_ENV] == "/voila/templates/ler/static/plotly.min.js"
    assert env["JUPYTER_PATH"].split(":")[0] == str(runtime)
    server.stop()  # never started: only removes the runtime folder
    assert not runtime.exists()


def test_template_preloads_plotly_only_for_dashboards():
    from ler_analytics.apps.notebooks import dashboard_notebook
    from ler_analytics.apps.server import ASSETS

    template = (ASSETS / "voila" / "templates" / "ler" / "index.html.j2").read_text()
    assert 'id="ler-plotly-js"' in template and "voila/templates/ler/static/plotly.min.js" in template
    assert "nb.metadata.get('ler')" in template
    assert dashboard_notebook("coverage")["metadata"]["ler"] == {"charts": "plotly"}
    assert json.loads(json.dumps(dashboard_notebook("state_overview")))["metadata"]["ler"]["charts"] == "plotly"


def _map_figure(state: str, values: list[int]) -> dict:
    import polars as pl

    from ler_analytics.charts.coverage import plot_credentials_map

    frame = pl.DataFrame({"state_code": ["CA", "TX", "NY"], "credential_count": values})
    return json.loads(plot_credentials_map(frame, state=state).to_json())


def _card_figure(state: str, values: list[int]) -> dict:
    """The map as a ChartCard hands it to its chart: the title (which names the state) goes above the plot."""
    fig = _map_figure(state, values)
    fig["layout"].pop("title")
    return fig


def test_outline_trace_travels_apart_from_the_map():
    from ler_analytics.apps.plotly_chart import split_outline
    from ler_analytics.charts.maps import OUTLINE_META

    fig = _map_figure("TX", [30, 20, 10])
    assert [t.get("meta") for t in fig["data"]] == [None, OUTLINE_META]  # static output still draws it
    traces, outline = split_outline(fig["data"])
    assert traces == fig["data"][:1]
    assert outline == {"locations": ["TX"], "color": "#D55E00", "width": 3.0}
    # only a choropleth outline on USA-states is split off; anything else stays a trace
    other = [{**fig["data"][1], "type": "scattergeo"}]
    assert split_outline(other) == (other, {})
    assert split_outline([]) == ([], {})


def test_unchanged_map_is_not_sent_again_only_the_outline():
    chart = PlotlyChart(url="/p.js")
    sent: list[dict] = []
    chart.send_state = lambda key=None: sent.append(chart.get_state(key))
    chart.update(_card_figure("TX", [30, 20, 10]), {"responsive": True})
    assert {"figure", "outline", "revision", "config"} <= set(sent[-1])
    assert len(chart.figure["data"]) == 1 and chart.outline["locations"] == ["TX"]
    assert len(chart.spec["data"]) == 2  # what the card stores as its view: the figure as given
    # another state, same map numbers: only the outline and the revision go to the browser
    chart.update(_card_figure("NY", [30, 20, 10]), {"responsive": True})
    assert set(sent[-1]) == {"outline", "revision"}
    assert sent[-1]["outline"]["locations"] == ["NY"] and chart.revision == 2
    # the same figure again: just a new revision (the browser marks it drawn without redrawing)
    chart.update(_card_figure("NY", [30, 20, 10]), {"responsive": True})
    assert set(sent[-1]) == {"revision"}
    # new numbers: the figure is sent
    chart.update(_card_figure("NY", [31, 20, 10]), {"responsive": True})
    assert "figure" in sent[-1] and "outline" not in sent[-1]


def test_card_view_state_keeps_the_outline_and_restores_it():
    import plotly.graph_objects as go

    card = w.ChartCard("map", live=True)
    card.show(go.Figure(_map_figure("CA", [30, 20, 10])), pl.DataFrame({"x": [1]}), note="n", filename="m.csv")
    state = card.view_state()
    assert [t["locations"] for t in state["figure"]["data"]] == [["CA", "TX", "NY"], ["CA"]]
    other = w.ChartCard("map", live=True)
    other.restore(json.loads(json.dumps(state)))
    assert other.chart.outline == card.chart.outline and other.chart.outline["locations"] == ["CA"]
    assert other.chart.figure == card.chart.figure and len(other.chart.figure["data"]) == 1
