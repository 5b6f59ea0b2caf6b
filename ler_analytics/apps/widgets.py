"""Building blocks shared by every dashboard: header, state selector, notice, stat tiles, chart cards, footer.

All text that comes from data is HTML-escaped before it reaches an ``ipywidgets.HTML`` value
(those values are inserted into the page as HTML). Chart titles are plotly label strings whose
data parts were escaped by :func:`ler_analytics.charts.theme.plotly_text`.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    import ipywidgets as widgets
    import plotly.graph_objects as go
    import polars as pl

    from ler_analytics.snapshot import Snapshot

PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
}
"""plotly.js options for dashboard charts (no plotly logo, no link to the plotly cloud)."""

_STATE_RE = re.compile(r"^[A-Z]{2}$")


@cache
def _css() -> str:
    return (Path(__file__).with_name("style.css")).read_text(encoding="utf-8")


def figure_bundle(fig: go.Figure) -> dict[str, Any]:
    """The plotly MIME bundle (``application/vnd.plotly.v1+json``) of ``fig`` with the dashboard config.

    Displaying the bundle directly skips ``fig.show()``'s renderer machinery, whose first use imports
    nbformat and jsonschema (seconds of kernel start-up on every dashboard visit).
    """
    bundle = json.loads(fig.to_json())
    bundle["config"] = PLOTLY_CONFIG
    return {"application/vnd.plotly.v1+json": bundle}


def display_figure(fig: go.Figure) -> None:
    """Display ``fig`` in the current output (JupyterLab and Voila render it with the plotly extension)."""
    from IPython.display import display

    display(figure_bundle(fig), raw=True)


def style_widget() -> widgets.HTML:
    """An HTML widget carrying the dashboards' stylesheet (works in Voila and JupyterLab)."""
    import ipywidgets as widgets

    return widgets.HTML(f"<style>{_css()}</style>", layout={"display": "none"})


def esc(text: object) -> str:
    """HTML-escape any value for an ``ipywidgets.HTML`` body (``None`` → empty string)."""
    return "" if text is None else html.escape(str(text), quote=True)


# --------------------------------------------------------------------------------------------
# Request context (Voila passes the page's query string to the kernel as environment variables)
# --------------------------------------------------------------------------------------------


def request_query() -> dict[str, str]:
    """The dashboard page's query parameters (first value of each), from Voila's ``QUERY_STRING``.

    Outside Voila (JupyterLab, papermill) this is empty.
    """
    raw = os.environ.get("QUERY_STRING", "")
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=False).items() if v}


def in_voila() -> bool:
    """True when the kernel was started by Voila for a page request."""
    return "SCRIPT_NAME" in os.environ and "QUERY_STRING" in os.environ


def clean_state(value: object) -> str | None:
    """A USPS code from user input (``"co"`` → ``"CO"``); None when it is not two letters."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if _STATE_RE.match(code) else None


# --------------------------------------------------------------------------------------------
# Small HTML pieces
# --------------------------------------------------------------------------------------------


def notice_html(snap: Snapshot) -> str:
    """The synthetic-data banner for the demo twin (empty string for real data)."""
    from ler_analytics.snapshot import DEMO_NOTICE

    if not snap.is_synthetic:
        return ""
    return (
        '<div class="ler-notice" role="note" data-testid="synthetic-notice">'
        "<strong>Synthetic demonstration data.</strong> "
        f"{esc(DEMO_NOTICE)} Numbers here show how the dashboard works; they describe no real state."
        "</div>"
    )


def footer_html(snap: Snapshot) -> str:
    """Footer: snapshot id and date, source and licence, tool version."""
    from ler_analytics import __version__

    created = snap.created_at[:10] if snap.created_at else "unknown date"
    source = snap.source
    if source.startswith("registry:"):
        source_text = f"Credential Registry at {source.removeprefix('registry:')}"
    elif source.startswith("demo:"):
        source_text = f"ler_analytics Registry twin (synthetic, seed/scale {source.removeprefix('demo:')})"
    elif source.startswith("files:"):
        source_text = f"Registry files from {source.removeprefix('files:')}"
    else:
        source_text = source
    licence = snap.manifest.get("licence", "")
    return (
        '<footer class="ler-footer" data-testid="footer">'
        f'<div><strong>Snapshot</strong> <span data-testid="snapshot-id">{esc(snap.manifest.get("id", ""))}</span>'
        f' taken <span data-testid="snapshot-date">{esc(created)}</span>'
        f" · <strong>Source</strong> {esc(source_text)}</div>"
        f"<div><strong>Licence</strong> {esc(licence)}</div>"
        f"<div>Made with ler_analytics {esc(__version__)} · every chart has a “How this was computed” note "
        "and a CSV download of the numbers behind it.</div>"
        "</footer>"
    )


@dataclass(frozen=True)
class Stat:
    """One headline number.

    Attributes:
        key: stable id (``data-key`` in the page; tests read it).
        label: what the number counts.
        value: the number (None shows a dash).
        display: the formatted text shown.
        detail: a short second line (context, comparison).
    """

    key: str
    label: str
    value: float | int | None
    display: str
    detail: str = ""


def stats_html(stats: Sequence[Stat]) -> str:
    """A row of headline tiles."""
    tiles = []
    for s in stats:
        value_attr = "" if s.value is None else esc(repr(float(s.value)))
        tiles.append(
            f'<div class="ler-tile" data-key="{esc(s.key)}">'
            f'<div class="ler-tile-value" data-value="{value_attr}">{esc(s.display)}</div>'
            f'<div class="ler-tile-label">{esc(s.label)}</div>'
            + (f'<div class="ler-tile-detail">{esc(s.detail)}</div>' if s.detail else "")
            + "</div>"
        )
    return f'<div class="ler-tiles" data-testid="stats">{"".join(tiles)}</div>'


def table_html(
    frame: pl.DataFrame,
    columns: dict[str, str],
    *,
    testid: str,
    empty: str = "Nothing to list.",
    formatters: dict[str, Any] | None = None,
) -> str:
    """A small HTML table (all cells escaped).

    Args:
        frame: the rows to show.
        columns: frame column → header text.
        testid: ``data-testid`` of the table.
        empty: text shown when there are no rows.
        formatters: column → function turning a value into display text (e.g. ``humanize``).
    """
    if frame.height == 0:
        return f'<p class="ler-empty" data-testid="{esc(testid)}">{esc(empty)}</p>'
    formatters = formatters or {}
    head = "".join(f"<th>{esc(h)}</th>" for h in columns.values())
    body = []
    names = list(columns)
    for row in frame.select(names).iter_rows():
        cells = "".join(
            f"<td>{esc(formatters[n](v) if n in formatters and v is not None else _cell(v))}</td>"
            for n, v in zip(names, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    return (
        f'<table class="ler-table" data-testid="{esc(testid)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as CSV (list columns joined with ``"; "``), UTF-8."""
    import polars as pl

    flat = frame.with_columns(
        [
            pl.col(name).cast(pl.List(pl.String)).list.join("; ").alias(name)
            for name, dtype in frame.schema.items()
            if isinstance(dtype, pl.List)
        ]
    )
    nested = [n for n, d in flat.schema.items() if isinstance(d, pl.Struct | pl.Array | pl.Object)]
    if nested:
        flat = flat.with_columns([pl.col(n).map_elements(str, return_dtype=pl.String) for n in nested])
    return flat.write_csv().encode("utf-8")


def download_html(frame: pl.DataFrame, filename: str) -> str:
    """A link that downloads ``frame`` as CSV (a ``data:`` URI: works offline, needs no server)."""
    payload = base64.b64encode(csv_bytes(frame)).decode("ascii")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", filename)
    return (
        f'<a class="ler-download" data-testid="download" download="{esc(safe)}" '
        f'href="data:text/csv;charset=utf-8;base64,{payload}">'
        f"Download the data behind this chart (CSV, {frame.height:,} rows)</a>"
    )


def note_html(text: str) -> str:
    """A collapsible "How this was computed" note."""
    return (
        '<details class="ler-note" data-testid="how-computed"><summary>How this was computed</summary>'
        f"<p>{esc(text)}</p></details>"
    )


# --------------------------------------------------------------------------------------------
# Widgets
# --------------------------------------------------------------------------------------------


class _FooterPart:
    """One piece of a card's footer (``extra``, ``note`` or ``download``): an HTML string with ``.value``.

    The three pieces share one ``ipywidgets.HTML`` (:attr:`ChartCard.footer`), so a state switch
    sends one message per card for them instead of three; setting ``value`` redraws the footer.
    """

    def __init__(self, card: ChartCard) -> None:
        self._card = card
        self._value = ""

    @property
    def value(self) -> str:
        """The piece's HTML."""
        return self._value

    @value.setter
    def value(self, text: str) -> None:
        self._value = text
        self._card._sync_footer()


class ChartCard:
    """A titled chart with its "how this was computed" note and a CSV download of its data.

    The title shown is the figure's title (a sentence stating the finding); the plot itself is
    drawn without it so it is not repeated. Below the plot, one HTML widget (:attr:`footer`) holds
    the card's extra text (``extra``), the note (``note``) and the CSV link (``download``); each of
    the three has a ``.value`` like an ``ipywidgets.HTML``.

    Args:
        key: the card's id (CSS class ``ler-card-<key>``).
        live: draw the plot in a :class:`~ler_analytics.apps.plotly_chart.PlotlyChart` that the
            browser updates in place (``Plotly.react``) on every :meth:`show`. Default: when the
            page can load plotly.js (:func:`~ler_analytics.apps.plotly_chart.chart_widgets_enabled`,
            i.e. under ``ler dashboard``). Otherwise the figure is a plotly MIME bundle in an
            ``Output`` widget, re-created on every :meth:`show` (JupyterLab, papermill).
    """

    def __init__(self, key: str, *, live: bool | None = None) -> None:
        import ipywidgets as widgets

        from ler_analytics.apps.plotly_chart import PlotlyChart, chart_widgets_enabled

        self.key = key
        self.title = widgets.HTML()
        self.live = chart_widgets_enabled() if live is None else live
        # live: a PlotlyChart updated in place (Voila served by VoilaServer); else MIME output.
        self.chart: PlotlyChart | None = PlotlyChart(layout={"width": "100%"}) if self.live else None
        self.output: widgets.Output | None = None if self.live else widgets.Output()
        self.footer = widgets.HTML()
        self.extra = _FooterPart(self)
        self.note = _FooterPart(self)
        self.download = _FooterPart(self)
        self._hold = False
        self._plot_shown = False
        plot = self.chart if self.chart is not None else self.output
        self.widget = widgets.VBox([self.title, plot, self.footer], layout={"width": "100%"})
        self.widget.add_class("ler-card")
        if self.chart is not None:
            self.widget.add_class("ler-card-live")  # CSS containment: see PlotlyChart._css
        self.widget.add_class(f"ler-card-{re.sub(r'[^a-z0-9-]', '-', key.lower())}")

    def _sync_footer(self) -> None:
        if not self._hold:
            self.footer.value = self.extra.value + self.note.value + self.download.value

    def set_footer(self, extra: str, note: str, download: str) -> None:
        """Set the three footer pieces with one widget update."""
        self._hold = True
        try:
            self.extra.value, self.note.value, self.download.value = extra, note, download
        finally:
            self._hold = False
        self._sync_footer()

    def show(
        self,
        fig: go.Figure,
        data: pl.DataFrame,
        *,
        note: str,
        filename: str,
        extra_html: str = "",
    ) -> None:
        """Draw ``fig`` (its title goes above it) and offer ``data``, exactly the frame it was drawn from, as CSV."""
        bundle = figure_bundle(fig)
        layout = bundle["application/vnd.plotly.v1+json"].setdefault("layout", {})
        title = (layout.pop("title", None) or {}).get("text") or ""
        layout.setdefault("margin", {})["t"] = 16  # the card shows the title above the plot
        self.title.value = f'<h3 class="ler-card-title" data-testid="chart-title">{title}</h3>'
        self._plot_shown = True
        if self.chart is not None:
            spec = bundle["application/vnd.plotly.v1+json"]
            self.chart.update(spec, spec.get("config"))
            self.chart.layout.display = None
        elif self.output is not None:
            self.output.clear_output(wait=True)
            with self.output:
                from IPython.display import display

                display(bundle, raw=True)
        self.set_footer(extra_html, note_html(note), download_html(data, filename))

    def _hide_plot(self) -> None:
        self._plot_shown = False
        if self.chart is not None:
            self.chart.layout.display = "none"
        elif self.output is not None:
            self.output.clear_output()

    def view_state(self) -> dict[str, Any]:
        """What the card shows now, as JSON (title, figure or None, footer pieces): see :meth:`restore`."""
        shown = self._plot_shown and self.chart is not None
        return {
            "title": self.title.value,
            "figure": dict(self.chart.spec) if shown else None,  # as shown: outline trace included
            "config": dict(self.chart.config) if shown else None,
            "extra": self.extra.value,
            "note": self.note.value,
            "download": self.download.value,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Show a :meth:`view_state` again (a live card redraws its figure in place)."""
        self.title.value = state["title"]
        if state.get("figure") is not None and self.chart is not None:
            self.chart.update(state["figure"], state.get("config"))
            self.chart.layout.display = None
            self._plot_shown = True
        else:
            self._hide_plot()
        self.set_footer(state["extra"], state["note"], state["download"])

    def show_html(self, title: str, body_html: str, data: pl.DataFrame, *, note: str, filename: str) -> None:
        """Show an HTML table or text instead of a plot (``title`` is escaped here)."""
        self.title.value = f'<h3 class="ler-card-title" data-testid="chart-title">{esc(title)}</h3>'
        self._hide_plot()
        self.set_footer(body_html, note_html(note), download_html(data, filename))

    def show_message(self, title: str, message: str) -> None:
        """Replace the chart by a plain message (no data for this selection, or an error)."""
        self.title.value = f'<h3 class="ler-card-title" data-testid="chart-title">{esc(title)}</h3>'
        self._hide_plot()
        self.set_footer(f'<p class="ler-empty">{esc(message)}</p>', "", "")


class StateSelector:
    """A dropdown of states that is also a deep link (``?state=CO``).

    The initial value comes from the page's query string when it names an available state. On a
    change, the browser's address is rewritten (``history.replaceState``) so the link can be shared.
    """

    def __init__(self, states: Iterable[str], *, value: str, names: dict[str, str], include_us: bool = False) -> None:
        import ipywidgets as widgets

        options = [(f"{names.get(c, c)} ({c})", c) for c in states]
        if include_us:
            options.insert(0, ("All states (US)", "US"))
        self.dropdown = widgets.Dropdown(options=options, value=value, description="State", layout={"width": "320px"})
        self.dropdown.add_class("ler-state-select")
        self.url = widgets.Output(layout={"display": "none"})
        self.link = widgets.HTML()
        self.widget = widgets.HBox([self.dropdown, self.link, self.url])
        self.widget.add_class("ler-state-bar")
        self._update_link(value)

    @property
    def value(self) -> str:
        """The selected USPS code."""
        return self.dropdown.value

    def _update_link(self, code: str) -> None:
        self.link.value = (
            f'<a class="ler-permalink" data-testid="permalink" href="?state={esc(code)}">Link to this view</a>'
        )

    def sync_url(self, code: str) -> None:
        """Put ``?state=<code>`` in the browser's address bar (Voila only)."""
        from IPython.display import Javascript, display

        self._update_link(code)
        if not in_voila() or not _STATE_RE.match(code):
            return
        self.url.clear_output()
        with self.url:
            display(Javascript(f"window.history.replaceState(null, '', '?state=' + {json.dumps(code)});"))


def pick_state(requested: str | None, available: Sequence[str], default: str | None = None) -> tuple[str, str]:
    """Choose the state to show and say why.

    Args:
        requested: the state asked for (argument or ``?state=``), any case.
        available: USPS codes present in the data, best first.
        default: fallback when nothing valid was asked for.

    Returns:
        ``(code, message)``: the message is empty unless the request could not be honoured.
    """
    code = clean_state(requested)
    if code and code in available:
        return code, ""
    fallback = default if default in available else (available[0] if available else "US")
    if requested and not code:
        return fallback, f"“{requested}” is not a two-letter state code; showing {fallback}."
    if code and code not in available:
        return fallback, f"No records for {code} in this snapshot; showing {fallback}."
    return fallback, ""
