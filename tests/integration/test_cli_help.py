"""Every `ler` subcommand explains itself, refuses bad usage with exit 2, and docs/cli.md is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ler_analytics.cli import _COMMAND_MODULES, main

REPO = Path(__file__).resolve().parents[2]


def test_top_level_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in _COMMAND_MODULES:
        assert name in result.output


@pytest.mark.parametrize("name", _COMMAND_MODULES)
def test_subcommand_help_is_real(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Not implemented" not in result.output
    assert len(result.output.splitlines()) >= 4


def test_unknown_option_is_usage_error():
    result = CliRunner().invoke(main, ["build", "--no-such-option"])
    assert result.exit_code == 2


def test_missing_snapshot_is_one_line_error(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "ler_analytics.cli", "verify", str(tmp_path / "nope")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stderr
    assert "nope" in proc.stderr  # names the path it could not use


def test_cli_reference_is_up_to_date():
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "generate_cli_docs.py"), "--check"],
        capture_output=True, text=True, check=False, env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, "docs/cli.md is stale: run `python scripts/generate_cli_docs.py`"
