"""Resolving the events feed into one final action per CTID, and reading envelope times."""

from __future__ import annotations

from ler_analytics.registry.harvest import envelope_key, resolve_events

A = "ce-00000000-0000-4000-8000-000000000001"
B = "ce-00000000-0000-4000-8000-000000000002"


def ev(ctid, event, at):
    return {"envelope_ceterms_ctid": ctid, "event": event, "created_at": at}


def test_newest_event_wins_regardless_of_order():
    events = [ev(A, "update", "2025-01-02T00:00:00.000Z"), ev(A, "destroy", "2025-01-03T00:00:00.000Z"),
              ev(B, "create", "2025-01-01T00:00:00Z"), ev(B, "update", "2025-01-05 10:00:00 UTC")]
    final = resolve_events(events)
    assert final[A][0] == "destroy"
    assert final[B][0] == "update"
    final_rev = resolve_events(list(reversed(events)))
    assert {k: v[0] for k, v in final_rev.items()} == {k: v[0] for k, v in final.items()}


def test_same_time_the_feed_order_decides_newest_first():
    t = "2025-01-02T00:00:00.000Z"
    assert resolve_events([ev(A, "create", t), ev(A, "destroy", t)])[A][0] == "create"


def test_bad_events_are_ignored_and_ctids_lowercased():
    final = resolve_events([ev(A.upper(), "create", "2025-01-01T00:00:00Z"), ev(B, "explode", "2025-01-01"),
                            ev(B, "create", "not a date"), {"event": "create"}])
    assert list(final) == [A]


def test_envelope_key_reads_top_level_or_node_header_times():
    env = {"envelope_ceterms_ctid": A.upper(), "node_headers": {"updated_at": "2019-02-19 22:12:36 UTC",
                                                                "created_at": "2017-11-22 03:01:29 UTC"}}
    ctid, updated, created = envelope_key(env)
    assert ctid == A and updated.year == 2019 and created.year == 2017
    env["updated_at"] = "2020-01-01T00:00:00.000Z"
    assert envelope_key(env)[1].year == 2020


def test_record_key_falls_back_to_the_main_node_then_the_envelope_id():
    from ler_analytics.registry.harvest import record_key

    assert record_key({"envelope_ceterms_ctid": A.upper()}) == A
    assert record_key({"decoded_resource": {"@graph": [{"ceterms:ctid": B}, {"@id": "_:x"}]}}) == B
    assert record_key({"decoded_resource": {"ceterms:ctid": B}}) == B
    assert record_key({"envelope_id": "ABC-1"}) == "envelope:abc-1"
    assert record_key({}) is None
