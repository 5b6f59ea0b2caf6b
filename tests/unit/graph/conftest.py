"""Fixtures for the graph tests: the hand-made fixture Registry as a snapshot and as a store."""

from __future__ import annotations

import pytest

from tests.unit.graph import fixture_registry


@pytest.fixture
def fixture_snapshot(tmp_path):
    """Path of a raw-only snapshot holding the fixture Registry."""
    return fixture_registry.write_snapshot(tmp_path / "snap")


@pytest.fixture
def fixture_store(fixture_snapshot):
    """An in-memory pyoxigraph store loaded from the fixture snapshot."""
    from ler_analytics.graph.store import load_store

    return load_store(fixture_snapshot)
