"""Which plotly.js the dashboards get: a partial bundle with only the trace types they draw, or the full file.

``scripts/setup.sh`` builds the partial bundle into ``js/plotly-bundle/dist/`` (``js/plotly-bundle``: plotly.js
core + the trace types in :data:`PLOTLY_TRACES`, about a third of the size); :func:`select_plotly_js`
serves it when it was built for the installed plotly's plotly.js version, else the installed plotly's
full ``plotly.min.js``. ``$LER_PLOTLY_BUNDLE=full`` forces the full file.
``python -m ler_analytics.apps.plotly_bundle plotly-bundle-spec`` prints what the build needs (used by setup.sh).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from ler_analytics.errors import LerError
from ler_analytics.log import get_logger

log = get_logger(__name__)

PLOTLY_TRACES: tuple[str, ...] = ("bar", "choropleth", "heatmap", "sankey", "scatter")
"""The plotly trace types the dashboards draw: the one list the partial plotly.js bundle is built from.

``tests/unit/apps/test_plotly_bundle.py`` builds every dashboard chart on the demo twin and fails
when a figure uses a trace type missing here (add it, then rerun ``scripts/setup.sh``)."""

PLOTLY_BUNDLE_DIR = Path(__file__).resolve().parents[2] / "js" / "plotly-bundle" / "dist"
"""Where ``scripts/setup.sh`` writes the partial bundle (``plotly.min.js`` + ``manifest.json``; git-ignored)."""

PLOTLY_BUNDLE_ENV = "LER_PLOTLY_BUNDLE"
"""``full``: always serve the installed plotly's full plotly.min.js; ``auto`` (default): the bundle when usable."""

_PLOTLY_VERSION_RE = re.compile(rb"plotly\.js v(\d+\.\d+\.\d+\S*)")


def installed_plotly_js() -> Path:
    """The installed Python plotly's ``package_data/plotly.min.js`` (the full plotly.js)."""
    import plotly

    source = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    if not source.exists():
        raise LerError(f"plotly.js not found at {source}: reinstall plotly.")
    return source


def plotly_js_version(path: Path) -> str | None:
    """The version in a plotly.js file's header comment (``plotly.js v4.1.1`` → ``"4.1.1"``), or None."""
    with open(path, "rb") as fh:
        match = _PLOTLY_VERSION_RE.search(fh.read(1024))
    return match.group(1).decode() if match else None


def plotly_bundle_problem(bundle_dir: Path | None = None, *, full: Path | None = None) -> str | None:
    """Why the partial bundle in ``bundle_dir`` cannot be served, or None when it can.

    Usable means: ``manifest.json`` and ``plotly.min.js`` exist, the manifest's plotly.js version is
    the one the installed plotly ships (``full``'s header), it holds every trace type in
    :data:`PLOTLY_TRACES`, and the file's size and SHA-256 are the manifest's (no partial write).
    """
    import hashlib
    import json

    bundle_dir = PLOTLY_BUNDLE_DIR if bundle_dir is None else bundle_dir
    manifest_path, bundle = bundle_dir / "manifest.json", bundle_dir / "plotly.min.js"
    if not manifest_path.exists() or not bundle.exists():
        return f"no partial bundle in {bundle_dir} (run scripts/setup.sh)"
    try:
        manifest = json.loads(manifest_path.read_text())
        version, traces = manifest["plotly_js"], manifest["traces"]
        size, digest = int(manifest["bytes"]), manifest["sha256"]
    except (ValueError, KeyError, TypeError) as exc:
        return f"{manifest_path} is not a bundle manifest ({exc})"
    wanted = plotly_js_version(full or installed_plotly_js())
    if version != wanted:
        return f"the bundle was built for plotly.js {version}, the installed plotly ships {wanted}"
    missing = sorted(set(PLOTLY_TRACES) - set(traces))
    if missing:
        return f"the bundle lacks trace types {', '.join(missing)}"
    data = bundle.read_bytes()
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        return f"{bundle} does not match its manifest (size or SHA-256)"
    return None


def select_plotly_js(
    bundle_dir: Path | None = None, *, full: Path | None = None, env: Mapping[str, str] | None = None
) -> Path:
    """The plotly.js file the dashboards get: the partial bundle when usable, else the full file.

    Args:
        bundle_dir: folder of the partial bundle (``plotly.min.js`` + ``manifest.json``; default
            :data:`PLOTLY_BUNDLE_DIR`).
        full: the full plotly.js (default: :func:`installed_plotly_js`).
        env: environment to read ``$LER_PLOTLY_BUNDLE`` from (default: ``os.environ``).

    Raises:
        LerError: ``$LER_PLOTLY_BUNDLE`` is neither ``auto`` nor ``full``.
    """
    full = full or installed_plotly_js()
    mode = ((os.environ if env is None else env).get(PLOTLY_BUNDLE_ENV) or "auto").strip().lower()
    if mode not in ("auto", "full"):
        raise LerError(f"${PLOTLY_BUNDLE_ENV} must be 'auto' or 'full', not {mode!r}.")
    if mode == "full":
        return full
    bundle_dir = PLOTLY_BUNDLE_DIR if bundle_dir is None else bundle_dir
    problem = plotly_bundle_problem(bundle_dir, full=full)
    if problem:
        log.info("serving the full plotly.js: %s", problem)
        return full
    return bundle_dir / "plotly.min.js"



def plotly_js_for(trace_types: Iterable[str], *, env: Mapping[str, str] | None = None) -> Path:
    """The plotly.js file that draws every trace type in ``trace_types`` (for pages built outside the dashboards).

    The partial bundle when :func:`select_plotly_js` would serve it and it holds all of them (a
    subset of :data:`PLOTLY_TRACES`), else the installed plotly's full file.
    """
    missing = set(trace_types) - set(PLOTLY_TRACES)
    if missing:
        log.info("using the full plotly.js: the partial bundle lacks %s", ", ".join(sorted(missing)))
        return installed_plotly_js()
    return select_plotly_js(env=env)

def _main(argv: list[str]) -> int:
    """``python -m ler_analytics.apps.plotly_bundle plotly-bundle-spec``: what scripts/setup.sh needs for the build.

    Prints five lines: the installed full plotly.min.js, the trace types (comma-separated), the
    bundle folder, ``ok`` or why the current bundle is not usable, and the installed plotly.js version.
    """
    if argv != ["plotly-bundle-spec"]:
        print("usage: python -m ler_analytics.apps.plotly_bundle plotly-bundle-spec", file=sys.stderr)
        return 2
    full = installed_plotly_js()
    print(full)
    print(",".join(PLOTLY_TRACES))
    print(PLOTLY_BUNDLE_DIR)
    print(plotly_bundle_problem(full=full) or "ok")
    print(plotly_js_version(full) or "unknown")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
