"""Fixtures for the registry client tests: twin stores of chosen size and a fast-retry client."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from ler_analytics.registry.client import Registry
from ler_analytics.registry.http import RetryPolicy
from ler_analytics.twin import TwinStore

from .twin_data import initial_envelopes

FAST_RETRY = RetryPolicy(max_attempts=10, base_delay=0.01, max_delay=0.2)


@pytest.fixture
def small_store() -> TwinStore:
    """A private store of 300 envelopes (the client tests publish to it)."""
    return TwinStore(initial_envelopes(300, seed=11))


@pytest.fixture
def client_for():
    """Factory: a fast-retry client for a twin server (closed at the end)."""
    made: list[Registry] = []

    def make(server, **kwargs) -> Registry:
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("concurrency", 4)
        kwargs.setdefault("timeout", 2.0)
        reg = Registry(server.url, **kwargs)
        made.append(reg)
        return reg

    yield make
    for reg in made:
        reg.close()


def ground_truth(store: TwinStore) -> dict[str, bytes]:
    """CTID -> exact envelope bytes the server holds now (live records, listing filter)."""
    return {rec.ctid: rec.body for rec in store.listing()}


def snapshot_records(path: Path) -> dict[str, bytes]:
    """CTID -> raw line of a snapshot; fails on a duplicate CTID."""
    out: dict[str, bytes] = {}
    for part in sorted((Path(path) / "raw").glob("*.jsonl.gz")):
        with gzip.open(part, "rb") as handle:
            for line in handle:
                line = line.rstrip(b"\n")
                ctid = orjson.loads(line)["envelope_ceterms_ctid"].lower()
                assert ctid not in out, f"duplicate {ctid} in {part}"
                out[ctid] = line
    return out
