"""Contract: the events feed, change batches, deletes and the listing shift while harvesting."""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ler_analytics.twin.samples import BASE_TIME, credential, sample_envelopes

Change = namedtuple("Change", "event ctid envelope at")


@pytest.fixture
def server(twin_server):
    return twin_server()


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def _new_credential(name, owner, at):
    return credential(name, "ceterms:Certificate", owner, state="IN", created_at=at)


def test_initial_events_are_creates_newest_first(client, twin_store):
    r = client.get("/ce-registry/envelopes/events", params={"per_page": 200})
    assert r.status_code == 200
    events = r.json()
    assert len(events) == int(r.headers["X-Total"]) == len(sample_envelopes())
    assert all(set(e) == {"envelope_ceterms_ctid", "event", "created_at"} for e in events)
    assert {e["event"] for e in events} == {"create"}
    times = [e["created_at"] for e in events]
    assert times == sorted(times, reverse=True)
    assert times[0].endswith("Z") and "T" in times[0]


def test_batches_show_up_in_events_after(client, server, twin_store):
    envs = sample_envelopes()
    owner = envs[0]["envelope_ceterms_ctid"]
    t0 = BASE_TIME + timedelta(days=30)
    new = _new_credential("Brand New Credential", owner, t0)
    upd = dict(envs[6])
    upd["decoded_resource"] = dict(upd["decoded_resource"])
    deleted_ctid = envs[7]["envelope_ceterms_ctid"]
    counts = server.publish([
        Change("create", new["envelope_ceterms_ctid"], new, t0),
        Change("update", upd["envelope_ceterms_ctid"], upd, t0 + timedelta(minutes=1)),
        Change("delete", deleted_ctid, None, t0 + timedelta(minutes=2)),
    ])
    assert counts == {"create": 1, "update": 1, "destroy": 1, "skipped": 0}
    r = client.get("/envelopes/events", params={"after": t0.isoformat()})
    events = r.json()
    assert [(e["event"], e["envelope_ceterms_ctid"]) for e in events] == [
        ("destroy", deleted_ctid),
        ("update", upd["envelope_ceterms_ctid"]),
        ("create", new["envelope_ceterms_ctid"]),
    ]
    assert events[2]["created_at"] == "2024-01-31T00:00:00.000Z"  # after is inclusive (>=)
    only = client.get("/envelopes/events", params={"after": t0.isoformat(), "event": "destroy"}).json()
    assert [e["envelope_ceterms_ctid"] for e in only] == [deleted_ctid]
    by_ctid = client.get("/envelopes/events", params={"ctid": upd["envelope_ceterms_ctid"]}).json()
    assert [e["event"] for e in by_ctid] == ["update", "create"]
    big = client.get("/envelopes/events", params={"per_page": 500})  # no max_per_page on this route
    assert big.status_code == 200 and big.headers["X-Per-Page"] == "500"
    bad = client.get("/envelopes/events", params={"event": "delete"})
    assert bad.status_code == 400 and bad.json() == {"errors": ["event does not have a valid value"]}
    bad = client.get("/envelopes/events", params={"after": "yesterday-ish"})
    assert bad.status_code == 400 and bad.json() == {"errors": ["after is invalid"]}


def test_update_keeps_listing_position_and_changes_updated_at(client, server):
    before = client.get("/envelopes", params={"per_page": 200}).json()
    target = before[5]
    changed = dict(target)
    changed["decoded_resource"] = {**target["decoded_resource"]}
    changed["decoded_resource"]["@graph"] = [dict(n) for n in target["decoded_resource"]["@graph"]]
    changed["decoded_resource"]["@graph"][0]["ceterms:name"] = {"en": "Renamed Credential"}
    at = datetime(2025, 5, 5, tzinfo=UTC)
    server.publish([Change("update", target["envelope_ceterms_ctid"], changed, at)])
    after = client.get("/envelopes", params={"per_page": 200}).json()
    assert [e["envelope_ceterms_ctid"] for e in after] == [e["envelope_ceterms_ctid"] for e in before]
    assert after[5]["decoded_resource"]["@graph"][0]["ceterms:name"] == {"en": "Renamed Credential"}
    assert after[5]["updated_at"] == "2025-05-05T00:00:00.000Z"
    assert after[5]["node_headers"]["created_at"] == target["node_headers"]["created_at"]
    assert after[5]["envelope_id"] == target["envelope_id"]


def test_delete_vanishes_unless_include_deleted(client, server):
    first = client.get("/envelopes", params={"per_page": 200})
    victim = first.json()[3]
    ctid = victim["envelope_ceterms_ctid"]
    server.publish([Change("delete", ctid, None, datetime(2025, 1, 1, tzinfo=UTC))])
    after = client.get("/envelopes", params={"per_page": 200})
    assert int(after.headers["X-Total"]) == int(first.headers["X-Total"]) - 1
    assert ctid not in {e["envelope_ceterms_ctid"] for e in after.json()}
    assert client.get(f"/graph/{ctid}").status_code == 404
    assert client.get(f"/resources/{ctid}").status_code == 404
    assert client.get(f"/envelopes/{ctid}").status_code == 404
    assert client.get(f"/envelopes/{ctid}", params={"include_deleted": "true"}).status_code == 200
    with_deleted = client.get("/envelopes", params={"per_page": 200, "include_deleted": "true"})
    assert int(with_deleted.headers["X-Total"]) == int(first.headers["X-Total"])
    only = client.get("/envelopes", params={"include_deleted": "only"}).json()
    assert [e["envelope_ceterms_ctid"] for e in only] == [ctid]
    assert only[0]["node_headers"]["deleted_at"] == "2025-01-01 00:00:00 UTC"
    assert client.get("/search", params={"envelope_ceterms_ctid": ctid}).json() == []


def test_listing_shifts_after_a_publish_and_events_recover_the_new_ones(client, server):
    """A harvest that pages while creates are published sees duplicates; events give the new CTIDs."""
    owner = sample_envelopes()[0]["envelope_ceterms_ctid"]
    page1 = client.get("/envelopes", params={"per_page": 5, "page": 1}).json()
    harvest_start = datetime(2026, 1, 1, tzinfo=UTC)
    new = [_new_credential(f"Shifted {i}", owner, harvest_start + timedelta(minutes=i)) for i in range(3)]
    server.publish([Change("create", e["envelope_ceterms_ctid"], e, harvest_start + timedelta(minutes=i))
                    for i, e in enumerate(new)])
    page2 = client.get("/envelopes", params={"per_page": 5, "page": 2}).json()
    # the old page 1's last three envelopes moved to the top of page 2
    assert [e["envelope_ceterms_ctid"] for e in page2[:3]] == [e["envelope_ceterms_ctid"] for e in page1[2:]]
    top = client.get("/envelopes", params={"per_page": 3}).json()
    assert [e["envelope_ceterms_ctid"] for e in top] == [e["envelope_ceterms_ctid"] for e in reversed(new)]
    assert top[0]["node_headers"]["created_at"] == "2026-01-01 00:02:00 UTC"
    assert top[0]["updated_at"] == "2026-01-01T00:02:00.000Z"
    events = client.get("/envelopes/events", params={"after": harvest_start.isoformat()}).json()
    assert {e["envelope_ceterms_ctid"] for e in events} == {e["envelope_ceterms_ctid"] for e in new}


def test_publish_while_a_harvest_runs_in_another_thread(server, twin_store):
    import threading

    owner = sample_envelopes()[0]["envelope_ceterms_ctid"]
    start = datetime(2026, 2, 1, tzinfo=UTC)
    seen: list[str] = []
    errors: list[Exception] = []

    def harvest():
        try:
            with httpx.Client(base_url=server.url, timeout=10) as c:
                page = 1
                while True:
                    r = c.get("/envelopes", params={"per_page": 2, "page": page})
                    seen.extend(e["envelope_ceterms_ctid"] for e in r.json())
                    if page >= int(r.headers["X-Total-Pages"]):
                        return
                    page += 1
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    server.faults.configure(latency_ms=5)
    thread = threading.Thread(target=harvest)
    thread.start()
    for i in range(10):
        env = _new_credential(f"Concurrent {i}", owner, start + timedelta(seconds=i))
        server.publish([Change("create", env["envelope_ceterms_ctid"], env, start + timedelta(seconds=i))])
    thread.join(30)
    assert not errors
    live = {e.ctid for e in twin_store.records() if e.deleted is None and not e.provisional}
    assert len(seen) > len(set(seen)) or set(seen) == live  # shifted pages repeat CTIDs, never corrupt
    assert set(seen) <= live


def test_store_skips_a_broken_change_and_keeps_the_rest(server, twin_store):
    owner = sample_envelopes()[0]["envelope_ceterms_ctid"]
    good = _new_credential("Good One", owner, datetime(2026, 3, 1, tzinfo=UTC))
    counts = server.publish([
        Change("explode", "ce-x", None, datetime(2026, 3, 1, tzinfo=UTC)),
        Change("delete", "ce-00000000-0000-0000-0000-000000000000", None, datetime(2026, 3, 1, tzinfo=UTC)),
        Change("create", good["envelope_ceterms_ctid"], good, datetime(2026, 3, 1, tzinfo=UTC)),
    ])
    assert counts["create"] == 1 and counts["skipped"] == 2
    assert any("explode" in e for e in twin_store.errors)
