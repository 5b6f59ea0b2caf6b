"""Reproducible reports: execute a parameterised notebook with papermill and export offline HTML.

``run_report("10_state_coverage", {"STATE": "CO"}, snapshot="data/demo")`` writes, under
``<out_dir>/<notebook>/<params-slug>/``:

- ``<notebook>.ipynb``  the executed notebook (inputs + outputs),
- ``<notebook>.html``   a self-contained page (code hidden) whose plotly figures render with no network,
- ``headline.json``     the headline numbers the notebook displayed with :func:`show_headline`,
- ``report.json``       parameters, snapshot id/source/created_at and the manifest's SHA-256.

Same parameters on the same snapshot give the same ``headline.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ler_analytics.errors import LerError
from ler_analytics.snapshot import MANIFEST, atomic_write_bytes, atomic_write_json, utc_now_iso

HEADLINE_MIME = "application/vnd.ler-analytics.headline+json"
_TOPOJSON = Path(__file__).parent / "assets" / "topojson" / "usa_110m.json"


@dataclass(frozen=True)
class ReportResult:
    """Where a report was written and what it found."""

    out_dir: Path
    notebook: Path
    html: Path
    headline: dict[str, Any]
    parameters: dict[str, Any]


def notebooks_dir() -> Path:
    """The project's ``notebooks/`` folder (next to the package in a source checkout, else ``./notebooks``)."""
    candidate = Path(__file__).resolve().parents[1] / "notebooks"
    return candidate if candidate.is_dir() else Path("notebooks")


def resolve_notebook(notebook: str | os.PathLike[str]) -> Path:
    """Find a notebook by path, or by name (``10_state_coverage`` or a unique prefix like ``10``)."""
    path = Path(notebook)
    if path.is_file():
        return path
    folder = notebooks_dir()
    name = path.name.removesuffix(".ipynb")
    exact = folder / f"{name}.ipynb"
    if exact.is_file():
        return exact
    matches = sorted(folder.glob(f"{name}*.ipynb"))
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(p.stem for p in sorted(folder.glob("*.ipynb"))) or "none"
    raise LerError(f"notebook {str(notebook)!r} not found (or ambiguous) in {folder}; known notebooks: {known}")


def show_headline(numbers: dict[str, Any]) -> None:
    """Display a report's headline numbers (a table in the notebook, machine-readable for ``run_report``)."""
    from html import escape

    from IPython.display import display

    rows = "".join(
        f"<tr><th style='text-align:left'>{escape(str(k))}</th><td>{escape(_fmt(v))}</td></tr>"
        for k, v in numbers.items()
    )
    data = json.loads(json.dumps(numbers, default=str))
    display({HEADLINE_MIME: data, "text/html": f"<table class='ler-headline'>{rows}</table>"}, raw=True)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _slug(params: dict[str, Any]) -> str:
    if not params:
        return "default"
    text = "_".join(f"{k}-{v}" for k, v in sorted(params.items()) if k != "SNAPSHOT")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "default"


@contextmanager
def _env(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def extract_headline(nb: Any) -> dict[str, Any]:
    """Collect the headline numbers displayed in an executed notebook (later displays win)."""
    headline: dict[str, Any] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if HEADLINE_MIME in data:
                headline.update(data[HEADLINE_MIME])
    return headline


def notebook_to_html(nb: Any, *, title: str) -> str:
    """Export an executed notebook to standalone HTML with no CDN references (inputs hidden)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        require_js_url="data:,",
        mathjax_url="data:,",
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return inline_geo_assets(strip_external_scripts(body))


_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\ssrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE)


def strip_external_scripts(html: str) -> str:
    """Remove ``<script src="http...">`` tags (plotly's optional MathJax loader): reports load nothing remote."""
    return _EXTERNAL_SCRIPT.sub("", html)


def inline_geo_assets(html: str) -> str:
    """Insert the shipped US topojson as ``window.PlotlyGeoAssets`` so maps draw with no network.

    The script goes right after ``<head>`` (before plotly.js runs). plotly.js itself mentions
    ``PlotlyGeoAssets``, so the marker checked for is our own ``data-ler-geo`` attribute.
    """
    from ler_analytics.charts.maps import geo_assets_script

    if _GEO_MARKER in html or not _TOPOJSON.exists():
        return html
    script = geo_assets_script().replace("<script>", f"<script {_GEO_MARKER}>", 1)
    head = re.search(r"<head[^>]*>", html)
    if head:
        return html[: head.end()] + script + html[head.end() :]
    return script + html


_GEO_MARKER = "data-ler-geo"


def run_report(
    notebook: str | os.PathLike[str],
    params: dict[str, Any] | None = None,
    *,
    snapshot: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    kernel_env: dict[str, str] | None = None,
    timeout: int = 900,
) -> ReportResult:
    """Execute a notebook with parameters and write the executed notebook, HTML and headline numbers.

    Args:
        notebook: a path, or a notebook name in ``notebooks/``.
        params: papermill parameters (e.g. ``{"STATE": "CO"}``), overriding the ``parameters`` cell.
        snapshot: snapshot directory passed to the notebook as ``SNAPSHOT`` (default: the notebook's own default).
        out_dir: parent folder of the report (default ``reports/``).
        kernel_env: extra environment variables for the kernel (which runs in the current directory, so
            relative paths given as parameters and the default ``./data`` folder are the caller's).
        timeout: seconds allowed per cell.

    Raises:
        LerError: the notebook is missing or a cell failed (the message names the cell's error).
    """
    import nbformat
    import papermill as pm

    source = resolve_notebook(notebook)
    parameters = dict(params or {})
    if snapshot is not None:
        parameters["SNAPSHOT"] = str(Path(snapshot).resolve())
    target = Path(out_dir or "reports") / source.stem / _slug(parameters)
    target.mkdir(parents=True, exist_ok=True)
    executed = target / f"{source.stem}.ipynb"
    tmp_executed = target / f".{source.stem}.tmp.ipynb"
    env = {"PLOTLY_RENDERER": "notebook", **(kernel_env or {})}
    try:
        with _env(**env):
            pm.execute_notebook(
                str(source),
                str(tmp_executed),
                parameters=parameters,
                kernel_name="python3",
                progress_bar=False,
                cwd=str(Path.cwd()),  # relative paths in parameters (and ./data) mean what they mean to the caller
                execution_timeout=timeout,
            )
    except pm.PapermillExecutionError as exc:
        tmp_executed.unlink(missing_ok=True)
        raise LerError(
            f"report {source.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
        ) from None
    tmp_executed.replace(executed)
    nb = nbformat.read(executed, as_version=4)
    headline = extract_headline(nb)
    html_path = target / f"{source.stem}.html"
    atomic_write_bytes(html_path, notebook_to_html(nb, title=source.stem).encode())
    atomic_write_json(target / "headline.json", headline)
    atomic_write_json(target / "report.json", _report_meta(source, parameters))
    return ReportResult(out_dir=target, notebook=executed, html=html_path, headline=headline, parameters=parameters)


def _report_meta(source: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {"notebook": source.name, "parameters": parameters, "executed_at": utc_now_iso()}
    snap = parameters.get("SNAPSHOT")
    if snap and (Path(snap) / MANIFEST).exists():
        raw = (Path(snap) / MANIFEST).read_bytes()
        manifest = json.loads(raw)
        meta["snapshot"] = {
            "id": manifest.get("id"),
            "source": manifest.get("source"),
            "created_at": manifest.get("created_at"),
            "manifest_sha256": hashlib.sha256(raw).hexdigest(),
        }
    return meta
