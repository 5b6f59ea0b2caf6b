"""A plotly chart widget that is updated in place, so a state switch does not re-create the plots.

Displaying a plotly MIME bundle in an ``ipywidgets.Output`` means every update tears the plot down
and draws a new one in the browser (about 1 s for the seven charts of a dashboard on a laptop-class
machine). :class:`PlotlyChart` is a small anywidget instead: the figure (``{"data", "layout"}``) is a
synced trait, and the browser calls ``Plotly.react`` on the existing plot when it changes.

plotly.js is loaded once per page from ``plotly_url``, which the Voila server started by
:class:`ler_analytics.apps.server.VoilaServer` serves from the installed plotly package (never a
CDN) and announces to the kernels in ``$LER_PLOTLY_JS_URL``. Without that variable (JupyterLab,
papermill, tests) :func:`chart_widgets_enabled` is False and the dashboards fall back to MIME output.
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
    """

    _esm = Path(__file__).with_name("plotly_chart.js")
    figure = traitlets.Dict().tag(sync=True)
    config = traitlets.Dict().tag(sync=True)
    plotly_url = traitlets.Unicode().tag(sync=True)
    revision = traitlets.Int(0).tag(sync=True)

    def __init__(self, *, url: str | None = None, **kwargs: Any) -> None:
        url = url or plotly_url()
        if not url:
            raise RuntimeError(f"PlotlyChart needs plotly.js's URL: pass url= or set ${PLOTLY_URL_ENV}.")
        super().__init__(plotly_url=url, **kwargs)

    def update(self, figure: dict[str, Any], config: dict[str, Any] | None = None) -> None:
        """Show ``figure`` (a plotly JSON dict with ``data`` and ``layout``); one message to the browser."""
        with self.hold_sync():
            self.figure = {"data": figure.get("data", []), "layout": figure.get("layout", {})}
            if config is not None and config != self.config:
                self.config = config
            self.revision += 1
