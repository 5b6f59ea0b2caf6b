"""Warm the dashboards' per-snapshot frame cache before anyone visits (``ler dashboard --prepare-only``).

Each state dashboard computes its metric frames once for every state and keeps them in the snapshot's
dashboard cache (:mod:`ler_analytics.apps.framecache`); a state switch then only filters them. The
first visit after a build pays for that computation (about 25 s for the skill gaps dashboard on the
scale-1.0 twin, most of it matching competencies to O*NET elements). :func:`prepare_cache` does the
same work without a browser: it builds every state dashboard's App once, off-screen, which computes
and stores all frames. ``ler dashboard`` runs it in a background process (``python -m
ler_analytics.apps.prepare SNAPSHOT``) as soon as the server is up; a page visited before it has
finished computes what it needs itself (writes are atomic, so both may write the same file).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ler_analytics.log import get_logger

log = get_logger(__name__)


def state_dashboards() -> list[str]:
    """Names of the dashboards with a state selector (the ones whose frames are per state)."""
    from ler_analytics import apps

    return [name for name, cls in apps.DASHBOARDS.items() if getattr(apps, cls).uses_state]


def prepare_cache(
    snapshot: str | os.PathLike[str],
    *,
    dashboards: Sequence[str] | None = None,
    views: bool = True,
    echo: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Compute and store the all-state frames of the state dashboards for ``snapshot``.

    Args:
        snapshot: a built snapshot folder.
        dashboards: names (``state_overview``, ``coverage`` …; default: every dashboard with a state selector).
        views: also store every state's finished view of the dashboards that cache views
            (``cache_views``: state overview, coverage, transparency), so a first switch to any
            state only shows a stored view.
        echo: where progress lines go (default: the log).

    Returns:
        Seconds spent per dashboard.

    Raises:
        LerError: the snapshot has no tables, or a dashboard name is unknown.
    """
    from ler_analytics import apps
    from ler_analytics.apps.framecache import frame_cache
    from ler_analytics.errors import LerError
    from ler_analytics.snapshot import open_snapshot

    say = echo or log.info
    snap = open_snapshot(Path(snapshot))
    if not snap.table_names():
        raise LerError(f"snapshot {snapshot} has no tables yet. Run `ler build {snapshot}` first.")
    names = list(dashboards or state_dashboards())
    unknown = [n for n in names if n not in apps.DASHBOARDS]
    if unknown:
        raise LerError(f"unknown dashboard(s) {', '.join(unknown)}; choose from {', '.join(apps.DASHBOARDS)}")
    cache = frame_cache(snap)
    if not cache.enabled:
        say("The dashboard cache is turned off (LER_DASHBOARD_CACHE=0): nothing to prepare.")
        return {}
    timings: dict[str, float] = {}
    for name in names:
        cls = getattr(apps, apps.DASHBOARDS[name])
        started = time.perf_counter()
        # off-screen: figures fall back to MIME output, which outside a kernel would be printed
        stored = 0
        with contextlib.redirect_stdout(io.StringIO()), _live_charts(views and cls.cache_views):
            app = cls(snap)
            failed = set(app.failed_cards)
            if views and cls.cache_views and app.selector is not None:
                for code in app.selector.dropdown.options:
                    code = code[1] if isinstance(code, tuple) else code
                    if code and code != app.state:
                        app.set_state(code)
                        failed |= app.failed_cards
                        stored += 1
        timings[name] = time.perf_counter() - started
        status = f"; charts that failed: {', '.join(sorted(failed))}" if failed else ""
        extra = f" (+ {stored} stored state views)" if stored else ""
        say(f"  {name:<16} {timings[name]:6.1f} s{extra}{status}")
    say(f"Dashboard cache ready in {cache.folder} ({sum(timings.values()):.1f} s).")
    return timings


@contextlib.contextmanager
def _live_charts(enabled: bool) -> Iterator[None]:
    """Let Apps store views as under ``ler dashboard`` (views are stored only for live chart widgets).

    The stored view holds figures, not the plotly.js URL; the server's URL is set for consistency.
    """
    from ler_analytics.apps.plotly_chart import PLOTLY_JS_URL, PLOTLY_URL_ENV

    if not enabled or os.environ.get(PLOTLY_URL_ENV):
        yield
        return
    os.environ[PLOTLY_URL_ENV] = PLOTLY_JS_URL
    try:
        yield
    finally:
        os.environ.pop(PLOTLY_URL_ENV, None)


def start_background(snapshot: str | os.PathLike[str], *, log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """Run :func:`prepare_cache` for ``snapshot`` in a low-priority background process (returned)."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "ler_analytics.apps.prepare", str(snapshot)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=(lambda: os.nice(10)) if hasattr(os, "nice") else None,  # noqa: PLW1509
        )
    finally:
        if log_path:
            out.close()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ler_analytics.apps.prepare SNAPSHOT [DASHBOARD ...]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m ler_analytics.apps.prepare SNAPSHOT [DASHBOARD ...]", file=sys.stderr)
        return 2
    prepare_cache(args[0], dashboards=args[1:] or None, echo=print)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
