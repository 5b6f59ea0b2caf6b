"""Fixtures for the notebook, report and publish tests (notebooks run once per session, network-blocked)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS

KERNEL_SITE = Path(__file__).resolve().parents[1] / "kernel_site"


def blocked_kernel_env() -> dict[str, str]:
    """Environment for notebook kernels that may only connect to loopback (see tests/kernel_site)."""
    path = os.pathsep.join(p for p in (str(KERNEL_SITE), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "LER_BLOCK_NETWORK": "1"}


@pytest.fixture(scope="session")
def run_notebook(demo_snapshot_path) -> Callable[..., object]:
    """``run_notebook(name, **params)``: `run_report` on the demo snapshot, kernel network-blocked, cached.

    Each (notebook, parameters) pair executes once per session; reports go to ``test-artifacts/reports``.
    """
    from ler_analytics.reports import run_report

    cache: dict[tuple, object] = {}
    out = ARTIFACTS / "reports"

    def run(name: str, **params: object):
        key = (name, tuple(sorted(params.items())))
        if key not in cache:
            cache[key] = run_report(name, params, snapshot=demo_snapshot_path, out_dir=out,
                                    kernel_env=blocked_kernel_env())
        return cache[key]

    return run
