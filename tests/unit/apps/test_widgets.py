"""Dashboard building blocks: escaping, deep-link parsing, CSV downloads, the generated notebooks."""

from __future__ import annotations

import base64
import json
import re

import polars as pl
import pytest

from ler_analytics.apps import DASHBOARDS
from ler_analytics.apps import widgets as w
from ler_analytics.apps.notebooks import dashboard_notebook, voila_json
from tests.conftest import REPO_ROOT


def test_request_query_reads_voila_query_string(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "state=co&x=1&state=TX")
    assert w.request_query() == {"state": "co", "x": "1"}
    monkeypatch.delenv("QUERY_STRING")
    assert w.request_query() == {}


@pytest.mark.parametrize(
    ("requested", "expected", "message"),
    [
        ("co", "CO", ""),
        ("CO", "CO", ""),
        (None, "TX", ""),
        ("ZZ", "TX", "No records for ZZ in this snapshot; showing TX."),
        ("<script>", "TX", "“<script>” is not a two-letter state code; showing TX."),
    ],
)
def test_pick_state(requested, expected, message):
    assert w.pick_state(requested, ["TX", "CO"], default="TX") == (expected, message)


def test_csv_download_is_exactly_the_frame():
    frame = pl.DataFrame({"name": ["a,b", "<x>"], "n": [1, 2], "tags": [["p", "q"], []]})
    link = w.download_html(frame, "my data.csv")
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', link).group(1)
    text = base64.b64decode(href).decode()
    assert text == 'name,n,tags\n"a,b",1,p; q\n<x>,2,""\n'
    assert 'download="my_data.csv"' in link and "2 rows" in link


def test_html_pieces_escape_data():
    frame = pl.DataFrame({"name": ["<script>alert(1)</script>"], "n": [1234]})
    table = w.table_html(frame, {"name": "Name", "n": "N"}, testid="t")
    assert "<script>" not in table and "&lt;script&gt;alert(1)&lt;/script&gt;" in table and "1,234" in table
    stats = w.stats_html([w.Stat("k", "<b>label</b>", 3, "3", "<i>d</i>")])
    assert "<b>label" not in stats and 'data-value="3.0"' in stats
    assert "&lt;i&gt;" in w.note_html("<i>note</i>")


def test_committed_dashboards_match_the_generator():
    for name in DASHBOARDS:
        committed = json.loads((REPO_ROOT / "dashboards" / f"{name}.ipynb").read_text())
        assert committed == dashboard_notebook(name), "regenerate: python -m ler_analytics.apps.notebooks dashboards"
        code = "\n".join("".join(c["source"]) for c in committed["cells"] if c["cell_type"] == "code")
        assert not re.search(r"^\s*(def|class) ", code, re.M), "no logic in dashboard notebooks"
        assert all(not c.get("outputs") for c in committed["cells"] if c["cell_type"] == "code")
        assert any("parameters" in c["metadata"].get("tags", []) for c in committed["cells"])
    assert json.loads((REPO_ROOT / "dashboards" / "voila.json").read_text()) == voila_json()


def test_voila_config_avoids_known_problems():
    conf = voila_json()
    assert "jupyterlab-jupytext" in conf["VoilaConfiguration"]["extension_denylist"]
    assert conf["VoilaConfiguration"]["template"] == "ler"
    assert conf["Voila"]["ip"] == "127.0.0.1"
    assert conf["VoilaConfiguration"].get("preheat_kernel") is not True  # stack-notes §2: hangs on 2nd visit
    assert conf["KernelManager"]["transport"] == "ipc"  # no TCP port races between concurrent kernels


def test_template_has_no_cdn_references():
    from ler_analytics.apps.server import ASSETS

    template = ASSETS / "voila" / "templates" / "ler"
    for path in template.iterdir():
        text = path.read_text()
        urls = re.findall(r"https?://[^\s\"'<>]+", text)
        # the only URLs allowed are the ones this template filters out of Voila's parent block
        assert all("fontawesome" in u for u in urls), (path.name, urls)
