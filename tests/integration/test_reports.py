"""`ler report`: executed notebook + offline HTML + headline numbers; same parameters → same numbers."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from ler_analytics.errors import LerError
from ler_analytics.reports import resolve_notebook, run_report

EXTERNAL_REF = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


def test_bad_notebook_name_is_a_clear_error(tmp_path):
    with pytest.raises(LerError, match=r"notebook 'no_such_notebook' not found.*known notebooks: 01_getting_started"):
        run_report("no_such_notebook", {}, out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_notebook_by_number_prefix():
    assert resolve_notebook("90").name == "90_reproduce_state_report.ipynb"
    assert resolve_notebook("10_state_coverage").name == "10_state_coverage.ipynb"


def test_cli_bad_notebook(tmp_path):
    from ler_analytics.cli import main

    result = CliRunner().invoke(main, ["report", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "notebook 'nope' not found" in result.output
    assert "Traceback" not in result.output


def test_bad_state_is_a_clear_error(demo_snapshot_path, tmp_path):
    from tests.integration.conftest import blocked_kernel_env

    with pytest.raises(LerError, match=r"report 90_reproduce_state_report.ipynb failed in cell .*LerError.*'ZZ'"):
        run_report("90", {"STATE": "ZZ"}, snapshot=demo_snapshot_path, out_dir=tmp_path,
                   kernel_env=blocked_kernel_env())
    assert not list(tmp_path.rglob("*.html"))


@pytest.mark.slow
def test_report_html_renders_offline_material(run_notebook):
    """The HTML holds the plotly figures (data + inlined plotly.js + topojson) and refers to nothing remote."""
    result = run_notebook("10_state_coverage", STATE="CO")
    html = result.html.read_text()
    assert html.count("Plotly.newPlot(") >= 4
    assert '"type":"choropleth"' in html.replace(" ", "")
    assert "data-ler-geo" in html and "usa_110m" in html  # topojson inlined before plotly.js runs
    assert html.count("* plotly.js v") == 1  # the library is inlined once, not fetched
    refs = EXTERNAL_REF.findall(html)
    assert refs == [], refs
    meta = json.loads((result.out_dir / "report.json").read_text())
    assert meta["parameters"]["STATE"] == "CO"
    assert len(meta["snapshot"]["manifest_sha256"]) == 64


@pytest.mark.slow
def test_same_parameters_same_numbers_via_cli(run_notebook, demo_snapshot_path, tmp_path, monkeypatch):
    """Run the reproduction notebook twice (once through `ler report`): identical headline.json."""
    from ler_analytics.cli import main
    from tests.integration.conftest import blocked_kernel_env

    first = run_notebook("90_reproduce_state_report", STATE="CO")
    for key, value in blocked_kernel_env().items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(
        main, ["report", "90_reproduce_state_report", "-p", "STATE", "CO", "--snapshot", str(demo_snapshot_path),
               "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    second_dir = tmp_path / "90_reproduce_state_report" / "STATE-CO"
    assert (second_dir / "headline.json").read_bytes() == (first.out_dir / "headline.json").read_bytes()
    assert (second_dir / "90_reproduce_state_report.html").exists()
    assert "report written to" in result.output
    headline = json.loads((second_dir / "headline.json").read_text())
    assert headline["state_code"] == "CO" and headline["credentials"] > 0
