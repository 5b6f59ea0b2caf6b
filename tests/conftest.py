"""Shared fixtures.

* Every test runs with outbound network blocked: a socket may only connect to loopback
  (127.0.0.0/8, ::1) or a Unix socket. Tests marked ``live`` are exempt.
* ``demo_snapshot``: a small Registry-twin snapshot, generated and built once per session.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import netguard  # noqa: E402
from netguard import ExternalNetworkBlocked  # noqa: E402,F401

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"
ARTIFACTS = REPO_ROOT / "test-artifacts"

pytest_plugins = ["ler_analytics.twin.pytest_plugin"]

DEMO_TEST_SCALE = float(os.environ.get("LER_TEST_SCALE", "0.01"))
DEMO_TEST_SEED = 7


@pytest.fixture(autouse=True)
def block_external_network(request, monkeypatch):
    """Refuse any socket connection that is not to loopback (the live marker lifts this)."""
    if request.node.get_closest_marker("live"):
        yield
        return
    monkeypatch.setattr(socket.socket, "connect", netguard.guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", netguard.guarded_connect_ex)
    yield


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Folder for test artefacts (screenshots, executed notebooks); kept after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def demo_snapshot_path(tmp_path_factory) -> Path:
    """Path of a small, built Registry-twin snapshot shared by the whole session."""
    from ler_analytics.build import build
    from ler_analytics.demo import generate

    out = tmp_path_factory.mktemp("demo") / "snapshot"
    generate(out, scale=DEMO_TEST_SCALE, seed=DEMO_TEST_SEED)
    build(out)
    return out


@pytest.fixture(scope="session")
def demo_snapshot(demo_snapshot_path):
    """The opened demo snapshot (``ler_analytics.snapshot.Snapshot``)."""
    from ler_analytics.snapshot import open_snapshot

    return open_snapshot(demo_snapshot_path)
