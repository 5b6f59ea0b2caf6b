"""The dashboard App shape: ``SomeApp.from_snapshot(path, state=...)`` then display ``app.container``.

An App owns its widgets; the Voila notebook only builds and displays it (voila-gallery shape).
Subclasses set ``title``/``subtitle`` and implement :meth:`DashboardApp.render`, which fills the
cards for the selected state. Cards are created once and updated in place on a state change.
"""

from __future__ import annotations

import logging
import os
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

    def __init__(self, snap: Snapshot, *, state: str | None = None, show_title: bool = False) -> None:
        import ipywidgets as widgets

        self.snap = snap
        self.cards: dict[str, w.ChartCard] = {}
        self._cache: dict[tuple[Any, ...], Any] = {}
        self.last_render_s: float | None = None
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

    # ---- construction -----------------------------------------------------------------------

    @classmethod
    def from_snapshot(cls, path: str | os.PathLike[str] | None = None, *, state: str | None = None, **kwargs: Any):
        """Open the snapshot at ``path`` (default: ``$LER_SNAPSHOT``, else the demo twin) and build the App."""
        from ler_analytics.snapshot import open_snapshot

        logging.getLogger("ler_analytics").setLevel(logging.INFO)
        snap = open_snapshot(resolve_snapshot(path))
        return cls(snap, state=state, **kwargs)

    def available_states(self) -> list[str]:
        """USPS codes the selector offers (subclasses narrow this to states with data)."""
        from ler_analytics.apps import data

        return data.states_with_credentials(self.snap)

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
        """Recompute and redraw everything for the current selection."""
        started = time.perf_counter()
        try:
            self.render()
        except Exception as exc:  # noqa: BLE001 - show what failed instead of a blank dashboard
            log.exception("%s: rendering %s failed", self.slug, self.state)
            self._set_message(f"Some numbers could not be computed for this selection: {exc}")
        self.last_render_s = time.perf_counter() - started
        log.debug("%s rendered %s in %.3f s", self.slug, self.state, self.last_render_s)

    def render(self) -> None:
        """Fill ``self.stats`` and the cards for ``self.state`` (implemented by each dashboard)."""
        raise NotImplementedError

    # ---- helpers for subclasses -------------------------------------------------------------

    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """Memoise a computation for this App (metric frames per state are reused on revisits)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def state_rows(self, key: tuple[Any, ...], compute_all: Callable[[], Any], state: str | None = None) -> Any:
        """Rows of one state from a metric computed once for every state (``state_code`` column).

        A metric called with ``state=None`` returns every state's rows; filtering them gives the same
        frame as calling it with ``state=...`` (tested), so switching state only filters cached frames.
        """
        import polars as pl

        frame = self.cached(("all", *key), compute_all)
        return frame.filter(pl.col("state_code") == (state or self.state))

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
            log.exception("%s: chart %s failed for %s", self.slug, key, self.state)
            card.show_message(title, f"This chart could not be computed for this selection: {exc}")

    def _ipython_display_(self) -> None:  # displaying the App shows its container
        from IPython.display import display

        display(self.container)
