"""pytest fixtures for the Registry twin (register with ``pytest_plugins = ["ler_analytics.twin.pytest_plugin"]``).

Fixtures:

- ``twin_store``: a fresh :class:`~ler_analytics.twin.TwinStore` holding the small hand-made
  sample Registry (:func:`ler_analytics.twin.samples.sample_envelopes`).
- ``twin_server``: a factory. ``twin_server()`` serves ``twin_store``; ``twin_server(store,
  api_key=..., secured=True, faults=FaultConfig(...))`` serves another store. Each server runs on a
  free 127.0.0.1 port in a background thread and is stopped at the end of the test.
- ``twin_demo_store``: (session) a store built from the demo generator at ``LER_TWIN_TEST_SCALE``
  (default 0.005) and seed 7; treat it as read-only (use ``twin_demo_store_factory`` to get a
  private one you may publish batches to).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from ler_analytics.twin.server import TwinServer
from ler_analytics.twin.store import TwinStore

TWIN_TEST_SCALE = float(os.environ.get("LER_TWIN_TEST_SCALE", "0.005"))
TWIN_TEST_SEED = 7


@pytest.fixture
def twin_store() -> TwinStore:
    """A fresh store with the hand-made sample Registry (about 30 envelopes)."""
    from ler_analytics.twin.samples import sample_envelopes

    return TwinStore(sample_envelopes())


@pytest.fixture
def twin_server(twin_store: TwinStore) -> Iterator[Callable[..., TwinServer]]:
    """Factory: start a twin server (default store: ``twin_store``) on a free loopback port."""
    started: list[TwinServer] = []

    def start(store: TwinStore | None = None, **kwargs: object) -> TwinServer:
        server = TwinServer(store if store is not None else twin_store, **kwargs)  # type: ignore[arg-type]
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def twin_demo_store_factory() -> Callable[[], TwinStore]:
    """Factory of private stores built from the demo generator (scale ``LER_TWIN_TEST_SCALE``, seed 7)."""

    def make() -> TwinStore:
        return TwinStore.from_generator(TWIN_TEST_SCALE, TWIN_TEST_SEED)

    return make


@pytest.fixture(scope="session")
def twin_demo_store(twin_demo_store_factory: Callable[[], TwinStore]) -> TwinStore:
    """A generator-built store shared by the session (do not publish batches to it)."""
    return twin_demo_store_factory()
