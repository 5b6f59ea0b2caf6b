"""The store behind the twin: loading, bad records, compression, events order."""

from __future__ import annotations

from datetime import UTC, datetime

from ler_analytics.twin.samples import sample_envelopes
from ler_analytics.twin.store import TwinStore, parse_time


def test_compressed_store_serves_identical_bytes():
    envs = sample_envelopes()
    plain, packed = TwinStore(envs), TwinStore(envs, compress=True)
    assert [r.body for r in plain.listing()] == [r.body for r in packed.listing()]
    assert len(packed.listing()[0]._blob) < len(plain.listing()[0].body)


def test_bad_envelopes_are_skipped_with_a_named_reason_and_the_rest_load():
    envs = sample_envelopes()
    broken_time = dict(envs[3], created_at="not a date")
    broken_time["node_headers"] = dict(broken_time["node_headers"], created_at=None)
    no_ctid = {"envelope_id": "abc", "decoded_resource": {"@graph": [{"@type": "ceterms:Certificate"}]}}
    store = TwinStore([*envs[:3], broken_time, no_ctid, "not an object", *envs[4:]])
    assert len(store.errors) == 3
    assert any(envs[3]["envelope_ceterms_ctid"] in e and "created_at" in e for e in store.errors)
    assert any("'abc'" in e for e in store.errors)
    assert store.live_count() == len(envs) - 1


def test_parse_time_spellings():
    want = datetime(2019, 2, 19, 22, 12, 36, tzinfo=UTC)
    for text in ("2019-02-19 22:12:36 UTC", "2019-02-19T22:12:36Z", "2019-02-19T22:12:36.000Z", "2019-02-19T22:12:36+00:00"):
        assert parse_time(text) == want
    assert parse_time("garbage") is None and parse_time(None) is None


def test_initial_update_and_delete_times_become_events():
    envs = sample_envelopes()
    env = dict(envs[2], updated_at="2024-06-01T00:00:00.000Z")
    store = TwinStore([env])
    assert [e.event for e in store.events()] == ["update", "create"]
    assert store.newest_event_at == datetime(2024, 6, 1, tzinfo=UTC)


def test_events_page_matches_the_filtered_log():
    store = TwinStore(sample_envelopes())
    full = store.events()
    for after in (None, datetime(2024, 1, 1, 5, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)):
        want = [e for e in full if after is None or e.at >= after]
        for offset, limit in ((0, 10), (10, 10), (25, 10), (0, 500), (40, 5)):
            total, page = store.events_page(after=after, offset=offset, limit=limit)
            assert total == len(want)
            assert page == want[offset : offset + limit]
