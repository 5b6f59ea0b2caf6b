"""Shared twin samples for the demo tests (generated once per session)."""

from __future__ import annotations

import pytest

SAMPLE_SCALE = 0.02
SAMPLE_SEED = 5


@pytest.fixture(scope="session")
def twin_envelopes() -> list[dict]:
    """The initial envelopes of a small twin (about 8,000 envelopes)."""
    from ler_analytics.demo import iter_envelopes

    return list(iter_envelopes(SAMPLE_SCALE, SAMPLE_SEED))


@pytest.fixture(scope="session")
def twin_plan():
    """The plan behind :func:`twin_envelopes`."""
    from ler_analytics.demo.plan import build_plan

    return build_plan(SAMPLE_SCALE, SAMPLE_SEED)


@pytest.fixture(scope="session")
def good_envelopes(twin_envelopes) -> list[dict]:
    """Primary envelopes with a readable graph (no secondary copies, no broken or JWT-only ones)."""
    return [
        e
        for e in twin_envelopes
        if e.get("resource_publish_type") == "primary" and "@graph" in e.get("decoded_resource", {})
    ]
