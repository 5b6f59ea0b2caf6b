"""A small check against the real Credential Registry (opt-in: ``pytest -m live tests/live``).

Makes about ten polite requests (2 per second). The Assistant's CTDL search is checked only when
``LER_REGISTRY_API_KEY`` is set.
"""

from __future__ import annotations

import pytest

from ler_analytics.registry.client import Registry
from ler_analytics.registry.query import ctdl_query

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def live():
    with Registry(concurrency=1) as reg:  # LER_REGISTRY_URL or production
        yield reg


def test_envelope_listing_paging_headers_and_one_graph(live):
    page = live.envelopes(1, 3)
    assert page.total and page.total > 10_000
    assert page.total_pages == -(-page.total // 3)
    assert len(page.raw) == 3 and all(raw.startswith(b"{") for raw in page.raw)
    ctid = page.items[0]["envelope_ceterms_ctid"].lower()
    assert live.envelope(ctid)["envelope_ceterms_ctid"].lower() == ctid
    graph = live.graph(ctid)
    assert "@graph" in graph or "@id" in graph


def test_events_feed(live):
    events = live.events(page=1, per_page=5)
    assert events.items and {"envelope_ceterms_ctid", "event", "created_at"} <= set(events.items[0])


def test_assistant_ctdl_search(live):
    if not live.has_api_key:
        pytest.skip("set LER_REGISTRY_API_KEY to check the Assistant's CTDL search")
    result = live.ctdl_search(ctdl_query(types="Certification", states=["IN"]), take=3)
    assert result.total >= len(result.data)
