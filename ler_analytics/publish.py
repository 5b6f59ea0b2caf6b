"""A static website of state reports: no kernel, works from ``file://`` and from any web server.

``publish_site(snapshot, out_dir)`` writes::

    out_dir/
      index.html             US map + table of states (links to their pages)
      states/<xx>.html       one page per state: headline numbers, coverage, transparency,
                             skill gaps and pathways charts, each with its note and CSV
      data/<xx>/<chart>.csv  exactly the data behind each chart
      assets/plotly.min.js   plotly.js (the dashboards' partial bundle when it draws every chart), shared by every page
      assets/site.css
      site.json              what was published (snapshot identity, states, headline numbers)

The figures come from the same section functions as the notebooks
(:mod:`ler_analytics.state_report`), so a page and a report of the same state agree. The US
topojson is inlined in pages with a map, so nothing is fetched from a CDN. Every text that comes
from data is HTML-escaped (plotly labels through ``plotly_text``, tables and headings here). The
site is built in a temporary sibling folder and swapped into place, so a crash never leaves a
half-written site.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ler_analytics.errors import LerError
from ler_analytics.log import get_logger

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from ler_analytics.snapshot import Snapshot

log = get_logger(__name__)

SITE_MARKER = "site.json"
"""File that marks a folder as a published site (``publish_site`` only replaces such folders)."""

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud"]}

_EXTRA_CSS = """
body { margin: 0; background: #FFFFFF; }
.ler-app { padding: 0 20px; }
.ler-site-nav { display: flex; flex-wrap: wrap; align-items: center; gap: 14px; margin: 12px 0 4px 0; font-size: 15px; }
.ler-site-nav a { color: #0B5394; }
.ler-site-nav select { font-size: 15px; height: 32px; }
.ler-card .ler-figure { min-height: 260px; }
.ler-grid > .ler-card-wide { grid-column: 1 / -1; }
.ler-states-table td a { color: #0B5394; font-weight: 600; }
.ler-table caption { text-align: left; font-weight: 650; padding: 4px 0; color: #102A43; }
@media print { .ler-site-nav, .ler-download { display: none; } }
"""


@dataclass(frozen=True)
class SiteResult:
    """What ``publish_site`` wrote."""

    out_dir: Path
    index: Path
    pages: dict[str, Path]
    headline: dict[str, dict[str, Any]]


def page_name(state: str) -> str:
    """File name of a state's page under ``states/`` (``"CO"`` → ``"co.html"``)."""
    return f"{state.lower()}.html"


def publish_site(
    snapshot: str | os.PathLike[str] | Snapshot | None,
    out_dir: str | os.PathLike[str],
    *,
    states: list[str] | None = None,
    progress: bool = False,
) -> SiteResult:
    """Write the static site of ``snapshot`` into ``out_dir``.

    Args:
        snapshot: a snapshot folder or an opened snapshot; None means ``$LER_SNAPSHOT``, else the demo twin.
        out_dir: the site folder. It is replaced as a whole; an existing non-empty folder that is not a
            published site (no ``site.json``) is refused rather than overwritten.
        states: USPS codes to publish (default: every state with credentials).
        progress: log one line per state page.

    Returns:
        The paths written and each state's headline numbers.

    Raises:
        LerError: a requested state has no credentials, or ``out_dir`` holds something else.
    """
    from ler_analytics import state_report as sr
    from ler_analytics.snapshot import Snapshot

    snap = snapshot if isinstance(snapshot, Snapshot) else sr.open_report_snapshot(snapshot)
    available = sr.report_states(snap)
    if states:
        chosen = [sr.check_state(snap, s) for s in states]
        chosen = list(dict.fromkeys(chosen))
    else:
        chosen = available
    if not chosen:
        raise LerError(f"snapshot {snap.path} has no credentials attributed to any state: nothing to publish")
    out = Path(out_dir)
    _check_target(out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "assets").mkdir(parents=True)
    (tmp / "states").mkdir()
    try:
        headline = _write_site(snap, tmp, chosen, progress=progress)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pages = {s: out / "states" / page_name(s) for s in chosen}
    return SiteResult(out_dir=out, index=out / "index.html", pages=pages, headline=headline)


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise LerError(f"{out} is a file; give `ler publish --out` a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARKER).exists():
        raise LerError(
            f"{out} is not empty and is not a site written by `ler publish` (no {SITE_MARKER}); "
            "choose an empty or new folder"
        )


def _swap(tmp: Path, out: Path) -> None:
    """Move the finished site into place (the old site, if any, is removed only after the move)."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.replace(old)
    tmp.replace(out)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _write_site(snap: Snapshot, root: Path, states: list[str], *, progress: bool) -> dict[str, dict[str, Any]]:
    from ler_analytics import state_report as sr
    from ler_analytics.apps.plotly_bundle import plotly_js_for
    from ler_analytics.snapshot import atomic_write_bytes, atomic_write_json

    atomic_write_bytes(root / "assets" / "site.css", _site_css().encode())
    trace_types = {"choropleth"}  # the index page's US map (plot_state_map)
    info = sr.snapshot_info(snap)
    headline: dict[str, dict[str, Any]] = {}
    for i, state in enumerate(states, 1):
        numbers = sr.state_headline(snap, state)
        headline[state] = numbers
        sections = [build(snap, state) for build in sr.SECTIONS.values()]
        trace_types.update(
            trace.type for section in sections for panel in section.panels if panel.figure is not None
            for trace in panel.figure.data
        )
        html = state_page(snap, state, numbers, sections, states, data_root=root / "data")
        atomic_write_bytes(root / "states" / page_name(state), html.encode())
        if progress:
            log.info("published %s (%d of %d)", state, i, len(states))
    table = sr.states_table(snap)
    atomic_write_bytes(root / "index.html", index_page(snap, table, states).encode())
    # the dashboards' partial plotly.js when it draws every chart of the site (a third of the size), else the full file
    atomic_write_bytes(root / "assets" / "plotly.min.js", plotly_js_for(trace_types).read_bytes())
    atomic_write_json(root / SITE_MARKER, {"snapshot": info, "states": states, "headline": headline})
    _make_readable(root)
    return headline


def _make_readable(root: Path) -> None:
    """Give the site ordinary permissions (temp files are created 0600) so a web server can read them."""
    mask = os.umask(0)
    os.umask(mask)
    for path in root.rglob("*"):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


def _site_css() -> str:
    style = Path(__file__).resolve().parent / "apps" / "style.css"
    base = style.read_text(encoding="utf-8") if style.exists() else ""
    return base + _EXTRA_CSS


# ---- page pieces -----------------------------------------------------------------------------------


def figure_html(fig: go.Figure, div_id: str) -> str:
    """A plotly figure as a card title + ``<div>`` + script using the shared plotly.js (no CDN, no inline library).

    The figure's title (the finding) moves into an HTML heading so long findings wrap; chart
    functions escape data text in titles with ``plotly_text``, so the title is already HTML-safe.
    """
    import plotly.graph_objects as go

    copy = go.Figure(fig)
    title = copy.layout.title.text or ""
    copy.update_layout(title=None, margin={"t": 16})
    heading = f"<h3 class='ler-card-title' data-testid='chart-title'>{title}</h3>" if title else ""
    body = copy.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG,
                        default_width="100%")
    return f"{heading}<div class='ler-figure'>{body}</div>"


def _page(title: str, body: str, *, prefix: str, geo: bool) -> str:
    from ler_analytics.charts.maps import geo_assets_script

    geo_script = geo_assets_script() if geo else ""
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title>"
        f"<link rel='stylesheet' href='{prefix}assets/site.css'>"
        f"<script src='{prefix}assets/plotly.min.js'></script>{geo_script}"
        f"</head><body><div class='ler-app'>{body}</div></body></html>\n"
    )


def _tiles(numbers: dict[str, Any]) -> str:
    from ler_analytics.state_report import HEADLINE_LABELS, format_headline_value

    tiles = []
    for key, (label, detail) in HEADLINE_LABELS.items():
        value = numbers.get(key)
        raw = "" if value is None else escape(str(value))
        tiles.append(
            f"<div class='ler-tile' data-key='{escape(key)}'>"
            f"<div class='ler-tile-value' data-value='{raw}'>{escape(format_headline_value(key, value))}</div>"
            f"<div class='ler-tile-label'>{escape(label)}</div><div class='ler-tile-detail'>{escape(detail)}</div>"
            "</div>"
        )
    return f"<div class='ler-tiles' data-testid='headline'>{''.join(tiles)}</div>"


def _state_nav(current: str | None, states: list[str], *, prefix: str) -> str:
    from ler_analytics.charts.theme import state_label

    options = "".join(
        f"<option value='{escape(page_name(s))}'{' selected' if s == current else ''}>"
        f"{escape(state_label(s))} ({escape(s)})</option>"
        for s in sorted(states, key=state_label)
    )
    placeholder = "" if current else "<option value='' selected disabled>Choose a state…</option>"
    home = f"<a href='{prefix}index.html'>All states</a>" if current else ""
    return (
        "<nav class='ler-site-nav'>"
        f"{home}"
        "<label>State <select class='ler-state-jump' aria-label='Choose a state' "
        f"onchange=\"if (this.value) window.location.href = '{prefix}states/' + this.value;\">"
        f"{placeholder}{options}</select></label></nav>"
    )


def state_page(snap: Snapshot, state: str, numbers: dict[str, Any], sections: list[Any], states: list[str], *,
               data_root: Path | None = None) -> str:
    """The HTML page of one state (headline tiles and one card per panel of each section)."""
    from ler_analytics.apps.widgets import footer_html, notice_html
    from ler_analytics.charts.theme import state_label
    from ler_analytics.state_report import table_html

    name = state_label(state)
    parts = [
        _state_nav(state, states, prefix="../"),
        f"<header class='ler-header'><h1>{escape(name)}: credentials at a glance</h1>"
        "<p class='ler-subtitle'>Coverage, transparency, skill gaps and pathways of the credentials attributed to "
        f"{escape(name)}.</p></header>",
        notice_html(snap),
        _tiles(numbers),
    ]
    for section in sections:
        cards = []
        for panel in section.panels:
            div_id = f"{section.key}-{panel.key}"
            if panel.figure is not None:
                inner = figure_html(panel.figure, div_id)
            else:
                inner = (f"<h3 class='ler-card-title' data-testid='chart-title'>{escape(panel.title)}</h3>"
                         + table_html(panel.data, panel.table_columns or {}))
            download = ""
            if data_root is not None:
                csv = data_root / state.lower() / f"{div_id}.csv"
                csv.parent.mkdir(parents=True, exist_ok=True)
                _write_csv(panel.data, csv)
                download = (f"<a class='ler-download' href='../data/{escape(state.lower())}/{escape(div_id)}.csv' "
                            f"download>Download the data (CSV)</a>")
            cards.append(
                f"<div class='ler-card{' ler-card-wide' if panel.wide else ''}' data-panel='{escape(div_id)}'>{inner}"
                f"<details class='ler-note'><summary>How this was computed</summary><p>{escape(panel.note)}</p>"
                f"</details>{download}</div>"
            )
        parts.append(f"<section data-section='{escape(section.key)}'><div class='ler-section-title'>"
                     f"{escape(section.title)}</div><div class='ler-grid'>{''.join(cards)}</div></section>")
    parts.append(footer_html(snap))
    return _page(f"{name}: credentials at a glance", "".join(parts), prefix="../", geo=True)


def _write_csv(frame: Any, path: Path) -> None:
    """Write the data behind a chart as CSV (nested list columns joined with "; ")."""
    import polars as pl

    from ler_analytics.snapshot import atomic_write_bytes

    flat = frame.with_columns(
        [pl.col(c).cast(pl.List(pl.String)).list.join("; ") for c, t in frame.schema.items()
         if isinstance(t, pl.List)]
    )
    atomic_write_bytes(path, flat.write_csv().encode())


def index_page(snap: Snapshot, table: Any, states: list[str]) -> str:
    """The site's front page: a US map of credentials per state and a table linking to every published state.

    Args:
        snap: the snapshot.
        table: :func:`~ler_analytics.state_report.states_table` rows of every state (the map shows them all).
        states: the published states (the table lists these; clicking one on the map opens its page).
    """
    import polars as pl

    from ler_analytics.apps.widgets import footer_html, notice_html
    from ler_analytics.charts.coverage import map_title
    from ler_analytics.charts.maps import plot_state_map
    from ler_analytics.state_report import format_cell

    fig = plot_state_map(table, "credential_count", title=map_title(table, "credential_count", state=None),
                         value_label="credentials", height=520)
    rows = []
    for r in table.filter(pl.col("state_code").is_in(states)).iter_rows(named=True):
        code = r["state_code"]
        rows.append(
            f"<tr data-state='{escape(code)}'><td><a href='states/{escape(page_name(code))}'>{escape(r['state_name'])}"
            f"</a></td><td>{escape(code)}</td><td>{escape(format_cell(r['credential_count']))}</td>"
            f"<td>{escape(format_cell(r['credentials_per_10k_workers']))}</td>"
            f"<td>{escape(format_cell(r['transparency_index']))}</td></tr>"
        )
    published = table.filter(pl.col("state_code").is_in(states))
    total = int(published["credential_count"].sum()) if published.height else 0
    pages = json.dumps({s: f"states/{page_name(s)}" for s in states}).replace("</", "<\\/")
    click = (
        "<script>(function(){var pages=" + pages + ";var el=document.getElementById('index-map');"
        "if(el&&el.on){el.on('plotly_click',function(e){var p=e.points&&e.points[0];"
        "if(p&&pages[p.location]){window.location.href=pages[p.location];}});}})();</script>"
    )
    body = "".join([
        _state_nav(None, states, prefix=""),
        "<header class='ler-header'><h1>Credentials by state</h1>"
        f"<p class='ler-subtitle'>{len(states)} state pages · {total:,} credentials attributed to those states. "
        "Choose a state (or click it on the map) for its coverage, transparency, skill gaps and pathways.</p>"
        "</header>",
        notice_html(snap),
        "<div class='ler-card' data-panel='index-map'>",
        figure_html(fig, "index-map"),
        "</div>",
        click,
        "<div class='ler-card'><table class='ler-table ler-states-table' data-testid='states-table'><thead><tr>"
        "<th>State</th><th>Code</th><th>Credentials</th><th>Per 10,000 workers</th><th>Transparency index</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>",
        footer_html(snap),
    ])
    return _page("Credentials by state", body, prefix="", geo=True)


def site_summary(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``site.json`` of a published site (snapshot identity, states, headline numbers)."""
    path = Path(out_dir) / SITE_MARKER
    if not path.exists():
        raise LerError(f"{out_dir} is not a published site (no {SITE_MARKER}); run `ler publish --out {out_dir}`")
    return json.loads(path.read_text(encoding="utf-8"))
