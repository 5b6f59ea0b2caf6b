"""The dashboard App shape: ``SomeApp.from_snapshot(path, state=...)`` then display ``app.container``.

An App owns its widgets; the Voila notebook only builds and displays it (voila-gallery shape).
Subclasses set ``title``/``subtitle`` and implement :meth:`DashboardApp.render`, which fills the
cards for the selected state. Cards are created once and updated in place on a state change.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ler_analytics.apps import widgets as w
from ler_analytics.log import get_logger

if TYPE_CHECKING:
    import ipywidgets as widgets

    from ler_analytics.snapshot import Snapshot

log = get_logger(__name__)

SNAPSHOT_ENV = "LER_SNAPSHOT"
"""Environment variable through which ``ler dashboard`` tells the dashboards which snapshot to open."""


def resolve_snapshot(path: str | os.PathLike[str] | None = None) -> Path:
    """The snapshot folder a dashboard should open.

    Order: the ``path`` argument, then ``$LER_SNAPSHOT``, then the demo twin (generated and built on
    first use by :func:`ler_analytics.demo.ensure_demo`).
    """
    if path:
        return Path(path)
    env = os.environ.get(SNAPSHOT_ENV)
    if env:
        return Path(env)
    from ler_analytics.demo import ensure_demo

    return Path(ensure_demo())


_PRELOAD = ("polars", "plotly.graph_objects", "ler_analytics.metrics", "ler_analytics.charts.theme")


def _preload_modules() -> None:
    """Import the modules a dashboard needs to compute a view (run in a background thread).

    Also builds one small figure per trace type the dashboards draw: plotly imports the validators
    of each trace type and layout property on first use (about 0.2 s, more under load), which would
    otherwise fall on the first switch to a state without a stored view.
    """
    for name in _PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - only a warm-up; the real import reports any problem
            log.debug("preloading %s failed", name, exc_info=True)
    try:
        from ler_analytics.charts.theme import base_layout, make_figure, merge

        layout = merge(base_layout("warm-up", legend=True), {"xaxis": {"type": "category"}, "geo": {"scope": "usa"}})
        traces = [
            {"type": "bar", "x": [1], "y": ["a"], "orientation": "h", "marker": {"color": ["#000000"]},
             "text": ["1"], "textposition": "outside", "hovertext": ["a"], "hoverinfo": "text", "cliponaxis": False},
            {"type": "choropleth", "locations": ["CO"], "z": [1], "locationmode": "USA-states", "text": ["a"],
             "hovertemplate": "%{text}<extra></extra>", "colorscale": [[0, "#ffffff"], [1, "#000000"]]},
            {"type": "sankey", "node": {"label": ["a", "b"]}, "link": {"source": [0], "target": [1], "value": [1]}},
            {"type": "heatmap", "z": [[1]], "x": ["a"], "y": ["b"], "hovertemplate": "%{z}<extra></extra>"},
            {"type": "scatter", "x": [1], "y": [1], "mode": "markers+text", "text": ["a"]},
        ]  # fmt: skip
        for trace in traces:
            make_figure([trace], layout).to_plotly_json()
    except Exception:  # noqa: BLE001 - only a warm-up
        log.debug("warming plotly up failed", exc_info=True)


class DashboardApp:
    """Base class of the six dashboards.

    Args:
        snap: the opened snapshot.
        state: the state to show first (``?state=`` of the page wins when given).
        show_title: put the title and subtitle at the top of the App (the dashboard notebooks
            show them in a markdown cell instead).
    """

    title: ClassVar[str] = "Dashboard"
    subtitle: ClassVar[str] = ""
    slug: ClassVar[str] = "dashboard"
    uses_state: ClassVar[bool] = True
    include_us: ClassVar[bool] = False
    cache_views: ClassVar[bool] = False
    """Store each state's finished view in the snapshot's cache and show it from there on later visits.

    Only for dashboards whose view depends on nothing but the snapshot and the state (no other
    controls). Used only with live chart widgets (under ``ler dashboard``).
    """

    def __init__(self, snap: Snapshot, *, state: str | None = None, show_title: bool = False) -> None:
        import ipywidgets as widgets

        self.snap = snap
        self.cards: dict[str, w.ChartCard] = {}
        self._cache: dict[tuple[Any, ...], Any] = {}
        self.last_render_s: float | None = None
        self.failed_cards: set[str] = set()
        """Cards whose chart could not be computed in the last render (their view is never cached)."""
        self._restored = False
        self._sections: list[tuple[str | None, list[str]]] = []
        query = w.request_query()
        requested = query.get("state") or state
        # The dashboard notebook's markdown cell carries the title; show_title repeats it in the App.
        self.header = widgets.HTML(
            f'<div class="ler-header"><h1 data-testid="dashboard-title">{w.esc(self.title)}</h1>'
            f'<p class="ler-subtitle">{w.esc(self.subtitle)}</p></div>'
            if show_title
            else ""
        )
        self.notice = widgets.HTML(w.notice_html(snap))
        self.message = widgets.HTML()
        self.stats = widgets.HTML()
        self.body = widgets.VBox(layout={"width": "100%"})
        self.footer = widgets.HTML(w.footer_html(snap))
        self.selector: w.StateSelector | None = None
        top: list[widgets.Widget] = [w.style_widget(), self.header, self.notice]
        if self.uses_state:
            available = self.available_states()
            code, why = w.pick_state(requested, available, default=self.default_state(available))
            from ler_analytics.ctdl.normalize import US_STATE_NAMES

            self.selector = w.StateSelector(available, value=code, names=US_STATE_NAMES, include_us=self.include_us)
            self.selector.dropdown.observe(self._on_state, names="value")
            top.append(self.selector.widget)
            self._set_message(why)
            self.state: str | None = code
        else:
            self.state = None
        self.controls = widgets.VBox()
        self.container = widgets.VBox(
            [*top, self.message, self.controls, self.stats, self.body, self.footer], layout={"width": "100%"}
        )
        self.container.add_class("ler-app")
        self.container.add_class(f"ler-app-{self.slug}")
        self._build_controls()
        self.refresh()
        if self._restored and "polars" not in sys.modules:
            # The page was drawn from a stored view without importing polars, plotly or the metrics.
            # Import them in the background while the visitor reads, so a first switch to a state
            # nobody has viewed yet does not also pay for the imports.
            timer = threading.Timer(2.0, _preload_modules)
            timer.daemon = True
            timer.start()

    # ---- construction -----------------------------------------------------------------------

    @classmethod
    def from_snapshot(cls, path: str | os.PathLike[str] | None = None, *, state: str | None = None, **kwargs: Any):
        """Open the snapshot at ``path`` (default: ``$LER_SNAPSHOT``, else the demo twin) and build the App."""
        from ler_analytics.snapshot import open_snapshot

        logging.getLogger("ler_analytics").setLevel(logging.INFO)
        snap = open_snapshot(resolve_snapshot(path))
        return cls(snap, state=state, **kwargs)

    @property
    def ctx(self) -> Any:
        """The snapshot's metrics context (:func:`ler_analytics.metrics.context.as_context`).

        Built on first use: reading the tables it needs takes a while on a large snapshot, and a
        dashboard whose frames all come from the disk cache never needs it.
        """
        from ler_analytics.metrics.context import as_context

        return as_context(self.snap)

    def available_states(self) -> list[str]:
        """USPS codes the selector offers (subclasses narrow this to states with data)."""
        from ler_analytics.apps import data
        from ler_analytics.apps.framecache import frame_cache

        return frame_cache(self.snap).value(("apps", "states"), lambda: data.states_with_credentials(self.snap))

    def default_state(self, available: list[str]) -> str | None:
        """State shown when none is asked for: the one with the most records."""
        return available[0] if available else None

    def _build_controls(self) -> None:
        """Hook for extra controls (drill-down pickers); they go in ``self.controls``."""

    # ---- state changes ----------------------------------------------------------------------

    def _set_message(self, text: str) -> None:
        self.message.value = f'<div class="ler-message" data-testid="message">{w.esc(text)}</div>' if text else ""

    def _on_state(self, change: dict[str, Any]) -> None:
        self.set_state(change["new"])

    def set_state(self, code: str) -> None:
        """Show another state (also updates the page address for sharing)."""
        self.state = code
        if self.selector is not None:
            if self.selector.value != code:
                self.selector.dropdown.value = code  # triggers _on_state again
                return
            self.selector.sync_url(code)
        self._set_message("")
        self.refresh()

    def refresh(self) -> None:
        """Recompute and redraw everything for the current selection (or show its cached view)."""
        started = time.perf_counter()
        try:
            if not self._restore_view():
                self.failed_cards = set()
                self.render()
                self._store_view()
        except Exception as exc:  # noqa: BLE001 - show what failed instead of a blank dashboard
            log.exception("%s: rendering %s failed", self.slug, self.state)
            self._set_message(f"Some numbers could not be computed for this selection: {exc}")
        self.last_render_s = time.perf_counter() - started
        log.debug("%s rendered %s in %.3f s", self.slug, self.state, self.last_render_s)

    def render(self) -> None:
        """Fill ``self.stats`` and the cards for ``self.state`` (implemented by each dashboard)."""
        raise NotImplementedError

    # ---- cached views -------------------------------------------------------------------------

    def _view_cache(self) -> Any:
        """The snapshot's frame cache when this App may cache views, else None."""
        from ler_analytics.apps.framecache import frame_cache
        from ler_analytics.apps.plotly_chart import chart_widgets_enabled

        if not (self.cache_views and self.state and chart_widgets_enabled()):
            return None
        cache = frame_cache(self.snap)
        return cache if cache.enabled else None

    def _restore_view(self) -> bool:
        """Show the stored view of the current state, if there is one; True when shown."""
        cache = self._view_cache()
        view = cache.load_json((self.slug, "view", self.state)) if cache is not None else None
        self._restored = bool(view)
        if not view:
            return False
        self.layout(*[(title, keys) for title, keys in view["sections"]])
        self.stats.value = view["stats"]
        for key, state in view["cards"].items():
            self.card(key).restore(state)
        return True

    def _store_view(self) -> None:
        """Store the view just rendered (not when a card failed: errors are not cached)."""
        cache = self._view_cache()
        if cache is None or self.failed_cards:
            return
        view = {
            "sections": [[title, list(keys)] for title, keys in self._sections],
            "stats": self.stats.value,
            "cards": {key: card.view_state() for key, card in self.cards.items()},
        }
        cache.save_json((self.slug, "view", self.state), view)

    # ---- helpers for subclasses -------------------------------------------------------------

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any], *, persist: bool = False) -> Any:
        """Memoise a computation for this App (metric frames per state are reused on revisits).

        Args:
            key: identifies the result within this dashboard.
            compute: builds it.
            persist: also keep it in the snapshot's disk cache (:mod:`ler_analytics.apps.framecache`),
                so the next page visit reads it instead of computing it. Use it for frames that
                depend on the snapshot only (all-state frames), not on the selection.
        """
        if key not in self._cache:
            if persist:
                from ler_analytics.apps.framecache import frame_cache

                self._cache[key] = frame_cache(self.snap).get((self.slug, *key), compute)
            else:
                self._cache[key] = compute()
        return self._cache[key]

    def state_rows(self, key: tuple[Any, ...], compute_all: Callable[[], Any], state: str | None = None) -> Any:
        """Rows of one state from a metric computed once for every state (``state_code`` column).

        A metric called with ``state=None`` returns every state's rows; filtering them gives the same
        frame as calling it with ``state=...`` (tested), so switching state only filters cached frames.
        The all-state frame is kept in the snapshot's disk cache.
        """
        import polars as pl

        frame = self.cached(("all", *key), compute_all, persist=True)
        return frame.filter(pl.col("state_code") == (state or self.state))

    def note(self, metric_name: str, extra: str = "") -> str:
        """The "how this was computed" text of a registered metric (cached with the snapshot's frames)."""
        from ler_analytics.apps.data import cached_note

        return cached_note(self.snap, metric_name, extra)

    def card(self, key: str) -> w.ChartCard:
        """The card named ``key``, created on first use."""
        if key not in self.cards:
            self.cards[key] = w.ChartCard(key)
        return self.cards[key]

    def layout(self, *sections: tuple[str | None, list[str]]) -> None:
        """Place cards in titled sections (two columns where the screen allows). Called once."""
        import ipywidgets as widgets

        if self.body.children:
            return
        self._sections = [(title, list(keys)) for title, keys in sections]
        children: list[widgets.Widget] = []
        for title, keys in sections:
            if title:
                children.append(widgets.HTML(f'<div class="ler-section-title">{w.esc(title)}</div>'))
            grid = widgets.Box([self.card(k).widget for k in keys], layout={"width": "100%"})
            grid.add_class("ler-grid" if len(keys) > 1 else "ler-single")
            children.append(grid)
        self.body.children = children

    def guarded(self, key: str, title: str, draw: Callable[[w.ChartCard], None]) -> None:
        """Run ``draw(card)``; on failure show a one-line message in the card instead of breaking the page."""
        card = self.card(key)
        try:
            draw(card)
        except Exception as exc:  # noqa: BLE001 - a dashboard must keep the other charts alive
            self.failed_cards.add(key)
            log.exception("%s: chart %s failed for %s", self.slug, key, self.state)
            card.show_message(title, f"This chart could not be computed for this selection: {exc}")

    def _ipython_display_(self) -> None:  # displaying the App shows its container
        from IPython.display import display

        display(self.container)
