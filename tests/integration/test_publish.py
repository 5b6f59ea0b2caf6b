"""`ler publish`: a static site (index + one page per state) that needs no kernel and no network."""

from __future__ import annotations

import http.server
import re
import shutil
import threading
from functools import partial
from pathlib import Path

import httpx
import polars as pl
import pytest
from click.testing import CliRunner

from ler_analytics.errors import LerError

EXTERNAL_REF = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)
PLANTED = '<script>window.__lerXss=1</script><img src=x onerror="window.__lerXss=2"> Welding & <b>Fab</b>'


@pytest.fixture(scope="module")
def planted_snapshot(demo_snapshot_path, tmp_path_factory) -> Path:
    """A copy of the demo snapshot whose newest credential in the largest state has an HTML/script name."""
    from ler_analytics.metrics.context import as_context
    from ler_analytics.snapshot import open_snapshot
    from ler_analytics.state_report import report_states

    out = tmp_path_factory.mktemp("planted") / "snapshot"
    shutil.copytree(demo_snapshot_path, out)
    snap = open_snapshot(out)
    state = report_states(snap)[0]
    ctids = as_context(snap).attribution("credentials").filter(pl.col("state_code") == state).select("ctid")
    creds = pl.read_parquet(out / "tables" / "credentials.parquet")
    target = (creds.join(ctids.unique(), on="ctid", how="semi")
              .sort(["envelope_updated_at", "ctid"], descending=True, nulls_last=True).row(0, named=True)["ctid"])
    creds.with_columns(
        pl.when(pl.col("ctid") == target).then(pl.lit(PLANTED)).otherwise(pl.col("name")).alias("name")
    ).write_parquet(out / "tables" / "credentials.parquet")
    return out


@pytest.fixture(scope="module")
def site(planted_snapshot, tmp_path_factory):
    from ler_analytics.publish import publish_site
    from ler_analytics.snapshot import open_snapshot
    from ler_analytics.state_report import report_states

    states = report_states(open_snapshot(planted_snapshot))[:2]
    out = tmp_path_factory.mktemp("pub") / "site"
    return publish_site(planted_snapshot, out, states=states)


def test_site_layout(site):
    root = site.out_dir
    assert site.index == root / "index.html" and site.index.exists()
    assert len(site.pages) == 2 and all(p.exists() for p in site.pages.values())
    assert (root / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    # the partial plotly.js when setup.sh built it (it draws every chart type of the site), else the full file
    from ler_analytics.apps.plotly_bundle import select_plotly_js

    assert (root / "assets" / "plotly.min.js").read_bytes() == select_plotly_js(env={}).read_bytes()
    assert (root / "assets" / "site.css").exists()
    assert not list(root.parent.glob(".site.tmp-*"))  # the temporary build folder is gone
    for page in [site.index, *site.pages.values()]:
        html = page.read_text()
        assert EXTERNAL_REF.findall(html) == []
        assert "* plotly.js v" not in html  # the library is shared, not inlined per page
        assert html.count("assets/plotly.min.js") == 1
        assert "window.PlotlyGeoAssets.topojson['usa_110m']" in html
        assert "Synthetic demonstration data" in html
        assert 'data-testid="snapshot-date"' in html and "Licence" in html
    # every link from the index resolves to a page of the site
    for href in re.findall(r"href='(states/[a-z]{2}\.html)'", site.index.read_text()):
        assert (root / href).exists(), href


def test_headline_and_csv_match_the_metrics(site, planted_snapshot):
    from ler_analytics.publish import site_summary
    from ler_analytics.snapshot import open_snapshot
    from ler_analytics.state_report import coverage_section, state_headline

    snap = open_snapshot(planted_snapshot)
    summary = site_summary(site.out_dir)
    for state in site.pages:
        assert summary["headline"][state] == state_headline(snap, state)
        html = site.pages[state].read_text()
        assert f"data-value='{summary['headline'][state]['credentials']}'" in html
    state = next(iter(site.pages))
    csv = site.out_dir / "data" / state.lower() / "coverage-supply.csv"
    written = pl.read_csv(csv)
    expected = coverage_section(snap, state).data("supply")
    assert written.height == expected.height
    assert written["soc_major_group"].to_list() == expected["soc_major_group"].to_list()
    assert summary["snapshot"]["manifest_sha256"] and summary["states"] == list(site.pages)


def test_data_text_is_escaped(site):
    state = next(iter(site.pages))
    html = site.pages[state].read_text()
    assert "&lt;script&gt;window.__lerXss=1&lt;/script&gt;" in html
    assert "<script>window.__lerXss" not in html
    assert 'onerror="window.__lerXss' not in html


def test_served_by_a_plain_web_server(site):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(site.out_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        state = next(iter(site.pages))
        for path in ("/index.html", f"/states/{state.lower()}.html", "/assets/plotly.min.js", "/assets/site.css",
                     f"/data/{state.lower()}/coverage-map.csv"):
            response = httpx.get(base + path, timeout=30)
            assert response.status_code == 200, path
    finally:
        server.shutdown()
        server.server_close()


def test_refuses_a_folder_that_is_not_a_site(demo_snapshot_path, tmp_path):
    from ler_analytics.publish import publish_site

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(LerError, match="not a site written by `ler publish`"):
        publish_site(demo_snapshot_path, tmp_path, states=["CO"])
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_unknown_state_is_a_clear_error(demo_snapshot_path, tmp_path):
    from ler_analytics.publish import publish_site

    with pytest.raises(LerError, match=r"state 'ZZ' has no credentials .*states with credentials: "):
        publish_site(demo_snapshot_path, tmp_path / "site", states=["ZZ"])
    assert not (tmp_path / "site").exists()


def test_cli_replaces_an_existing_site(site, planted_snapshot, tmp_path):
    """`ler publish` over a previous site swaps it whole: pages of states no longer published disappear."""
    from ler_analytics.cli import main

    out = tmp_path / "site"
    shutil.copytree(site.out_dir, out)
    first, second = list(site.pages)
    result = CliRunner().invoke(main, ["publish", "--out", str(out), "--snapshot", str(planted_snapshot),
                                       "--state", second.lower()])
    assert result.exit_code == 0, result.output
    assert "(1 state page)" in result.output and "file://" in result.output
    assert (out / "states" / f"{second.lower()}.html").exists()
    assert not (out / "states" / f"{first.lower()}.html").exists()
    assert not list(tmp_path.glob(".site.*"))


@pytest.mark.slow
def test_harvested_twin_snapshot(twin_server, twin_demo_store, tmp_path):
    """`ler snapshot` from the loopback Registry twin, then `ler publish` and `ler report` on that snapshot."""
    import json

    from ler_analytics.cli import main
    from ler_analytics.reports import run_report
    from ler_analytics.snapshot import open_snapshot
    from ler_analytics.state_report import report_states, state_headline
    from tests.integration.conftest import blocked_kernel_env

    server = twin_server(twin_demo_store)
    harvested = tmp_path / "harvested"
    runner = CliRunner()
    result = runner.invoke(main, ["snapshot", "--out", str(harvested), "--registry", server.url, "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["build", str(harvested)])
    assert result.exit_code == 0, result.output
    snap = open_snapshot(harvested)
    assert snap.source.startswith("registry:") and snap.table_names()
    state = report_states(snap)[0]

    result = runner.invoke(main, ["publish", "--out", str(tmp_path / "site"), "--snapshot", str(harvested),
                                  "--state", state])
    assert result.exit_code == 0, result.output
    site = json.loads((tmp_path / "site" / "site.json").read_text())
    assert site["snapshot"]["source"] == snap.source
    assert site["headline"][state] == state_headline(snap, state)

    report = run_report("90", {"STATE": state}, snapshot=harvested, out_dir=tmp_path / "reports",
                        kernel_env=blocked_kernel_env())
    assert {k: report.headline[k] for k in site["headline"][state]} == site["headline"][state]
    assert report.headline["snapshot_source"] == snap.source
