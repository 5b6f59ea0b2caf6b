"""`ler dashboard`: starts Voila on 127.0.0.1 for a snapshot, prints every dashboard URL, stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from ler_analytics.cli import main
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def test_help_explains_itself():
    result = CliRunner().invoke(main, ["dashboard", "--help"])
    assert result.exit_code == 0
    assert "demo twin" in result.output and "--port" in result.output and "--no-browser" in result.output


def test_missing_snapshot_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["dashboard", str(tmp_path / "nope"), "--no-browser"])
    assert result.exit_code == 1
    assert "is not a snapshot" in result.output and "Traceback" not in result.output


def test_serves_the_dashboards_and_prints_urls(demo_snapshot_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("ler")),
            "dashboard",
            str(demo_snapshot_path),
            "--no-browser",
            "--port",
            "0",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if line.startswith("Press Ctrl-C"):
                break
        text = "\n".join(lines)
        urls = re.findall(r"http://127\.0\.0\.1:\d+/voila/render/(\w+)\.ipynb", text)
        assert set(urls) >= {
            "state_overview",
            "coverage",
            "transparency",
            "skill_gaps",
            "pathways",
            "ler_link_health",
        }, text
        base = re.search(r"(http://127\.0\.0\.1:\d+)/", text).group(1)
        tree = httpx.get(base + "/", timeout=30)
        assert tree.status_code == 200
        assert "cdn.jsdelivr.net" not in tree.text  # the project template's page shell has no CDN link
        notebook = httpx.get(base + "/voila/files/voila.json", timeout=30)
        assert notebook.status_code == 200 and "jupyterlab-jupytext" in notebook.text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode is not None
