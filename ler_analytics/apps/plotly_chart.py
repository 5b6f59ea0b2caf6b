"""A plotly chart widget that is updated in place, so a state switch does not re-create the plots.

Displaying a plotly MIME bundle in an ``ipywidgets.Output`` means every update tears the plot down
and draws a new one in the browser (about 1 s for the seven charts of a dashboard on a laptop-class
machine). :class:`PlotlyChart` is a small anywidget instead: the figure (``{"data", "layout"}``) is a
synced trait, and the browser calls ``Plotly.react`` on the existing plot when it changes.

plotly.js is loaded once per page from ``plotly_url``, which the Voila server started by
:class:`ler_analytics.apps.server.VoilaServer` serves from the installed plotly package (never a
CDN) and announces to the kernels in ``$LER_PLOTLY_JS_URL``. Without that variable (JupyterLab,
papermill, tests) :func:`chart_widgets_enabled` is False and the dashboards fall back to MIME output.

A state switch should cost the browser as little as possible (issue 8: <= 500 ms until every chart
shows the new state):

* a figure equal to the one on screen is not sent again (traitlets sends only changed traits) and
  not redrawn: the revision still moves on, and the browser marks it drawn at once;
* the map's outline of the selected state (the trace whose ``meta`` is
  :data:`ler_analytics.charts.maps.OUTLINE_META`) travels as the small :attr:`PlotlyChart.outline`
  trait, and the browser draws it over the unchanged map instead of redrawing the map (a full
  choropleth ``Plotly.react`` costs 40-60 ms);
* the browser fits the left margin to category labels before ``Plotly.react`` (see the JS module),
  so a bar chart whose labels change is drawn once, not twice;
* charts waiting to be drawn are drawn back to back in one browser task (one paint, not one per
  chart), and the cards of live charts are CSS-contained (:attr:`PlotlyChart._css`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anywidget
import traitlets

PLOTLY_URL_ENV = "LER_PLOTLY_JS_URL"
"""Environment variable holding the page-relative URL of plotly.js (set by ``VoilaServer``)."""

PLOTLY_JS_URL = "/voila/templates/ler/static/plotly.min.js"
"""Where ``VoilaServer`` serves the installed plotly's ``plotly.min.js`` (its runtime template folder)."""


def plotly_url() -> str | None:
    """The URL the browser loads plotly.js from, or None outside our Voila server."""
    return os.environ.get(PLOTLY_URL_ENV) or None


def chart_widgets_enabled() -> bool:
    """True when charts can be :class:`PlotlyChart` widgets (the page can load plotly.js)."""
    return plotly_url() is not None


class PlotlyChart(anywidget.AnyWidget):
    """One plotly figure, redrawn in place with ``Plotly.react`` when :meth:`update` is called.

    Attributes:
        figure: ``{"data": [...], "layout": {...}}`` as plain JSON.
        config: plotly.js config (mode bar, responsiveness).
        plotly_url: where the page loads plotly.js from (page-relative or absolute, same origin).
        revision: bumped on every update; the browser writes the revision it has drawn into the
            plot's ``data-rendered`` attribute (the browser tests and the benchmark wait on it).
        outline: the locations to outline on a choropleth map, ``{"locations", "color", "width"}``
            (empty: none); split off the figure by :meth:`update`.
        spec: the figure as last given to :meth:`update` (outline trace included; not synced).
    """

    _esm = Path(__file__).with_name("plotly_chart.js")
    # Containment keeps the re-layouts that plotly forces while it measures text (every new label or
    # bar value) to the chart's own card and plotly's off-screen tester instead of the whole Voila
    # page: measured about 15% less browser time per state switch; text positions are identical.
    _css = ".ler-card-live { contain: layout paint style; }\n#js-plotly-tester { contain: strict; }\n"
    figure = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict().tag(sync=True)
    plotly_url = traitlets.Unicode().tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)
    outline = traitlets.Dict().tag(sync=True)

    def __init__(self, *, url: str | None = None, **kwargs: Any) -> None:
        url = url or plotly_url()
        if not url:
            raise RuntimeError(f"PlotlyChart needs plotly.js's URL: pass url= or set ${PLOTLY_URL_ENV}.")
        super().__init__(plotly_url=url, **kwargs)
        self.spec: dict[str, Any] = {}

    def update(self, figure: dict[str, Any], config: dict[str, Any] | None = None) -> None:
        """Show ``figure`` (a plotly JSON dict with ``data`` and ``layout``); one message to the browser.

        Only what changed is sent: an unchanged figure or config is not sent again, and a
        choropleth outline trace (``meta`` :data:`~ler_analytics.charts.maps.OUTLINE_META`) goes
        to :attr:`outline` instead of the figure. The revision is bumped every time.
        """
        data, outline = split_outline(figure.get("data", []))
        with self.hold_sync():
            self.spec = {"data": figure.get("data", []), "layout": figure.get("layout", {})}
            self.figure = {"data": data, "layout": figure.get("layout", {})}
            self.outline = outline
            if config is not None and config != self.config:
                self.config = config
            self.revision += 1


def split_outline(traces: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Separate the first outline trace from the others.

    Args:
        traces: plotly trace dicts.

    Returns:
        ``(other traces, outline)``: the outline is ``{"locations", "color", "width"}`` of the first
        choropleth trace whose ``meta`` is :data:`~ler_analytics.charts.maps.OUTLINE_META` drawn on
        the first map (``geo``), or ``{}`` when there is none (then the traces are returned as given).
    """
    from ler_analytics.charts.maps import OUTLINE_META

    for i, trace in enumerate(traces):
        if (
            trace.get("meta") == OUTLINE_META
            and trace.get("type") == "choropleth"
            and trace.get("geo", "geo") == "geo"
            and trace.get("locationmode") == "USA-states"
        ):
            line = (trace.get("marker") or {}).get("line") or {}
            outline = {
                "locations": [str(x) for x in trace.get("locations") or []],
                "color": str(line.get("color") or "#000000"),
                "width": float(line.get("width") or 2),
            }
            return [t for j, t in enumerate(traces) if j != i], outline
    return list(traces), {}
