"""The partial plotly.js bundle: which file VoilaServer serves, the version pin, and trace-type coverage.

The bundle (``js/plotly-bundle``, built by ``scripts/setup.sh``) only holds the trace types in
``server.PLOTLY_TRACES``; a chart using another type would draw nothing in the dashboards. The
coverage test builds every dashboard on the demo twin, through state switches and drop-downs, and
checks every trace type actually sent to the browser is in that list.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from ler_analytics import apps
from ler_analytics.apps import plotly_bundle as pb
from ler_analytics.apps import server as srv
from ler_analytics.apps.plotly_chart import PLOTLY_JS_URL, PLOTLY_URL_ENV, PlotlyChart
from ler_analytics.errors import LerError

BUNDLE_PROJECT = Path(__file__).resolve().parents[3] / "js" / "plotly-bundle"


def _installed_version() -> str:
    version = pb.plotly_js_version(pb.installed_plotly_js())
    assert version, "the installed plotly's plotly.min.js has no 'plotly.js vX.Y.Z' header"
    return version


def _write_bundle(folder: Path, *, version: str, traces=pb.PLOTLY_TRACES, body: bytes | None = None) -> Path:
    """A bundle folder as build.mjs writes it (a real plotly.js file body, its manifest)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = body if body is not None else f"/*! plotly.js v{version} partial bundle */\nwindow.Plotly={{}};\n".encode()
    (folder / "plotly.min.js").write_bytes(data)
    manifest = {
        "plotly_js": version,
        "traces": list(traces),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder / "plotly.min.js"


# --- the version pin: one plotly.js version, the installed Python plotly's --------------------------------


def test_package_json_and_lock_pin_one_plotly_js_version():
    """package.json and the lock file agree; setup.sh follows the installed plotly when it differs."""
    package = json.loads((BUNDLE_PROJECT / "package.json").read_text())
    lock = json.loads((BUNDLE_PROJECT / "package-lock.json").read_text())
    pinned = package["devDependencies"]["plotly.js"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), f"pin an exact plotly.js version, not {pinned!r}"
    assert lock["packages"]["node_modules/plotly.js"]["version"] == pinned
    assert lock["packages"][""]["devDependencies"]["plotly.js"] == pinned


def test_plotly_js_version_reads_the_header(tmp_path):
    assert _installed_version().count(".") == 2
    other = tmp_path / "x.js"
    other.write_text("/**\n* plotly.js v9.8.7-rc.1\n*/\nvar Plotly;")
    assert pb.plotly_js_version(other) == "9.8.7-rc.1"
    other.write_text("console.log('not plotly')")
    assert pb.plotly_js_version(other) is None


# --- which file is served ----------------------------------------------------------------------------------


def test_matching_bundle_is_selected(tmp_path):
    bundle = _write_bundle(tmp_path / "dist", version=_installed_version())
    assert pb.plotly_bundle_problem(tmp_path / "dist") is None
    assert pb.select_plotly_js(tmp_path / "dist", env={}) == bundle
    assert pb.select_plotly_js(tmp_path / "dist", env={pb.PLOTLY_BUNDLE_ENV: "auto"}) == bundle


def test_missing_bundle_falls_back_to_the_full_file(tmp_path):
    full = pb.installed_plotly_js()
    assert "no partial bundle" in pb.plotly_bundle_problem(tmp_path / "nothing")
    assert pb.select_plotly_js(tmp_path / "nothing", env={}) == full
    (tmp_path / "half").mkdir()  # a manifest without its file (or the reverse) is not a bundle
    _write_bundle(tmp_path / "half", version=_installed_version())
    (tmp_path / "half" / "plotly.min.js").unlink()
    assert pb.select_plotly_js(tmp_path / "half", env={}) == full


def test_version_mismatch_falls_back_to_the_full_file(tmp_path):
    _write_bundle(tmp_path / "dist", version="0.0.1")
    problem = pb.plotly_bundle_problem(tmp_path / "dist")
    assert "built for plotly.js 0.0.1" in problem and _installed_version() in problem
    assert pb.select_plotly_js(tmp_path / "dist", env={}) == pb.installed_plotly_js()


def test_bundle_missing_a_trace_type_or_damaged_falls_back(tmp_path):
    version = _installed_version()
    _write_bundle(tmp_path / "few", version=version, traces=[t for t in pb.PLOTLY_TRACES if t != "sankey"])
    assert "lacks trace types sankey" in pb.plotly_bundle_problem(tmp_path / "few")
    assert pb.select_plotly_js(tmp_path / "few", env={}) == pb.installed_plotly_js()
    bundle = _write_bundle(tmp_path / "cut", version=version)
    bundle.write_bytes(bundle.read_bytes()[:-5])  # an interrupted copy
    assert "does not match its manifest" in pb.plotly_bundle_problem(tmp_path / "cut")
    assert pb.select_plotly_js(tmp_path / "cut", env={}) == pb.installed_plotly_js()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "plotly.min.js").write_text("x")
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    assert "not a bundle manifest" in pb.plotly_bundle_problem(tmp_path / "bad")


def test_pages_with_an_unbundled_trace_type_get_the_full_file(tmp_path, monkeypatch):
    bundle = _write_bundle(tmp_path / "dist", version=_installed_version())
    monkeypatch.setattr(pb, "PLOTLY_BUNDLE_DIR", tmp_path / "dist")
    assert pb.plotly_js_for(["bar", "choropleth"], env={}) == bundle
    assert pb.plotly_js_for([], env={}) == bundle
    assert pb.plotly_js_for(["bar", "pie"], env={}) == pb.installed_plotly_js()
    assert pb.plotly_js_for(["bar"], env={pb.PLOTLY_BUNDLE_ENV: "full"}) == pb.installed_plotly_js()


def test_env_forces_the_full_file_and_rejects_typos(tmp_path):
    _write_bundle(tmp_path / "dist", version=_installed_version())
    assert pb.select_plotly_js(tmp_path / "dist", env={pb.PLOTLY_BUNDLE_ENV: "full"}) == pb.installed_plotly_js()
    with pytest.raises(LerError, match="LER_PLOTLY_BUNDLE"):
        pb.select_plotly_js(tmp_path / "dist", env={pb.PLOTLY_BUNDLE_ENV: "partial"})


def test_server_serves_the_bundle_under_the_same_url_and_full_on_request(tmp_path, monkeypatch):
    """Real Voila on 127.0.0.1 serves the bundle at the chart widgets' URL; LER_PLOTLY_BUNDLE=full links the full file."""
    body = f"/*! plotly.js v{_installed_version()} partial bundle */\nwindow.Plotly={{marker:1}};\n".encode()
    bundle = _write_bundle(tmp_path / "dist", version=_installed_version(), body=body)
    monkeypatch.setattr(pb, "PLOTLY_BUNDLE_DIR", tmp_path / "dist")
    monkeypatch.delenv(pb.PLOTLY_BUNDLE_ENV, raising=False)
    (tmp_path / "nb").mkdir()
    with srv.VoilaServer(tmp_path / "snap", tmp_path / "nb") as server:
        assert server.environment()[PLOTLY_URL_ENV] == PLOTLY_JS_URL
        got = httpx.get(server.base_url + PLOTLY_JS_URL, timeout=30)
        assert got.status_code == 200 and got.content == body
        assert server.plotly_js == bundle
        runtime = server.runtime_dir()
    assert not runtime.exists()
    full = srv.VoilaServer(tmp_path / "snap", tmp_path / "nb", extra_env={pb.PLOTLY_BUNDLE_ENV: "full"})
    served = full.runtime_dir() / "voila" / "templates" / "ler" / "static" / "plotly.min.js"
    assert served.read_bytes() == pb.installed_plotly_js().read_bytes()
    assert full.plotly_js == pb.installed_plotly_js()
    full.stop()  # never started: only removes the runtime folder


@pytest.mark.skipif(
    not (BUNDLE_PROJECT / "node_modules" / "plotly.js").exists() or shutil.which("node") is None,
    reason="js/plotly-bundle not installed (scripts/setup.sh runs npm ci when node is present)",
)
def test_build_refuses_a_plotly_js_version_other_than_the_pinned_one(tmp_path):
    fake = tmp_path / "plotly.min.js"
    fake.write_text("/**\n* plotly.js v0.0.1\n*/\n")
    out = tmp_path / "out"
    run = subprocess.run(
        ["node", str(BUNDLE_PROJECT / "build.mjs"), "--plotly-js", str(fake), "--traces", "bar", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "ships plotly.js 0.0.1" in run.stderr and "npm install --save-exact plotly.js@0.0.1" in run.stderr
    assert not out.exists()
    run = subprocess.run(
        ["node", str(BUNDLE_PROJECT / "build.mjs"), "--plotly-js", str(pb.installed_plotly_js()),
         "--traces", "bar,nosuchtrace", "--out", str(out)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 2 and "no trace module lib/nosuchtrace.js" in run.stderr and not out.exists()


def test_built_bundle_if_present_is_usable():
    """After scripts/setup.sh (CI runs it) the repository's bundle is the one the server picks."""
    if shutil.which("node") is None and not (pb.PLOTLY_BUNDLE_DIR / "manifest.json").exists():
        pytest.skip("node is not installed, so setup.sh built no bundle: the dashboards use the full plotly.js")
    assert pb.plotly_bundle_problem() is None, "run scripts/setup.sh (it builds the bundle)"
    manifest = json.loads((pb.PLOTLY_BUNDLE_DIR / "manifest.json").read_text())
    assert manifest["traces"] == list(pb.PLOTLY_TRACES)
    head = (pb.PLOTLY_BUNDLE_DIR / "plotly.min.js").read_bytes()[:300]
    assert f"plotly.js v{_installed_version()} partial bundle".encode() in head
    assert pb.select_plotly_js(env={}) == pb.PLOTLY_BUNDLE_DIR / "plotly.min.js"
    size = (pb.PLOTLY_BUNDLE_DIR / "plotly.min.js").stat().st_size
    assert size < pb.installed_plotly_js().stat().st_size / 2


# --- trace-type coverage: every figure the dashboards send uses a bundled trace type -----------------------


def _values(dropdown) -> list:
    return [o[1] if isinstance(o, tuple) else o for o in dropdown.options]


def test_every_dashboard_chart_uses_only_bundled_trace_types(demo_snapshot, monkeypatch):
    from ler_analytics.apps.data import states_with_credentials

    monkeypatch.setenv(PLOTLY_URL_ENV, PLOTLY_JS_URL)  # charts are PlotlyChart widgets, as under ler dashboard
    monkeypatch.setenv("LER_DASHBOARD_CACHE", "0")  # every figure comes from the chart builders
    sent: dict[str, list[dict]] = {}
    current = {"name": ""}
    original = PlotlyChart.update

    def record(self, figure, config=None):
        sent.setdefault(current["name"], []).append(figure)
        return original(self, figure, config)

    monkeypatch.setattr(PlotlyChart, "update", record)
    states = states_with_credentials(demo_snapshot)
    for name, cls_name in apps.DASHBOARDS.items():
        current["name"] = name
        cls = getattr(apps, cls_name)
        app = cls(demo_snapshot, state=states[0]) if cls.uses_state else cls(demo_snapshot)
        if cls.uses_state:
            for state in states[1:4]:
                app.set_state(state)
        for control in ("occupation", "pathway", "picker"):
            dropdown = getattr(app, control, None)
            if dropdown is not None:
                for value in _values(dropdown)[:4]:
                    dropdown.value = value
        assert sent.get(name), f"{name}: no chart figure was sent"
    used: dict[str, set[str]] = {}
    for name, figures in sent.items():
        for fig in figures:
            for trace in fig.get("data", []):
                used.setdefault(trace.get("type", "scatter"), set()).add(name)  # plotly's default type is scatter
    missing = {t: sorted(names) for t, names in used.items() if t not in pb.PLOTLY_TRACES}
    assert not missing, (
        f"dashboards draw trace types the partial plotly.js bundle lacks: {missing}. Add them to "
        "ler_analytics.apps.plotly_bundle.PLOTLY_TRACES and rerun scripts/setup.sh."
    )
    # the demo twin exercises every bundled type (an unused one would only be dead weight in the bundle)
    assert set(used) == set(pb.PLOTLY_TRACES), sorted(used)
