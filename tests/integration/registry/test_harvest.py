"""Harvests against the Registry twin over real HTTP: exact, fault-tolerant, and safe while records change."""

from __future__ import annotations

import threading

import pytest

from ler_analytics.errors import SnapshotError
from ler_analytics.registry.harvest import harvest
from ler_analytics.registry.verify import verify
from ler_analytics.snapshot import open_snapshot, read_manifest
from ler_analytics.twin import FaultConfig, TwinStore

from .conftest import ground_truth, snapshot_records
from .twin_data import ChangeMaker, initial_envelopes


def test_full_harvest_equals_ground_truth(twin_server, small_store, client_for, tmp_path):
    server = twin_server(small_store)
    reg = client_for(server, concurrency=4)
    manifest = harvest(tmp_path / "snap", registry=reg, per_page=40)
    assert snapshot_records(tmp_path / "snap") == ground_truth(small_store)
    assert manifest["status"] == "complete" and manifest["counts"]["envelopes"] == 300
    assert manifest["source"] == f"registry:{server.url}" and manifest["query"]["mode"] == "full"
    assert manifest["synthetic"] is True  # the twin's /info says its data is synthetic
    assert manifest["last_event_at"] == small_store.events()[0].as_json()["created_at"]
    assert verify(tmp_path / "snap").ok
    assert not (tmp_path / "snap" / ".harvest").exists()
    assert open_snapshot(tmp_path / "snap").is_complete


def test_demo_generator_store_harvest(twin_server, twin_demo_store_factory, client_for, tmp_path):
    try:
        store = twin_demo_store_factory()
    except (ImportError, AttributeError) as exc:  # the generator is built in parallel
        pytest.skip(f"demo generator not available yet: {exc}")
    server = twin_server(store)
    harvest(tmp_path / "snap", registry=client_for(server, concurrency=4), per_page=100)
    assert snapshot_records(tmp_path / "snap") == ground_truth(store)


def test_ten_percent_faults_same_snapshot(twin_server, client_for, tmp_path):
    store = TwinStore(initial_envelopes(400, seed=21))
    faults = FaultConfig.uniform(0.08, rate_timeout=0.02, stall_seconds=2.0, retry_after=0, seed=5)
    server = twin_server(store, faults=faults)
    reg = client_for(server, concurrency=4, timeout=0.5)
    manifest = harvest(tmp_path / "snap", registry=reg, per_page=20)
    assert snapshot_records(tmp_path / "snap") == ground_truth(store)
    injected = server.faults.counts
    assert sum(injected.values()) >= 3, injected
    assert {"truncate", "429"} & set(injected)
    assert manifest["harvest"]["transport"]["retries"] >= sum(injected.values())
    assert verify(tmp_path / "snap").ok


def test_records_published_during_the_harvest(twin_server, client_for, tmp_path):
    """Creates shift the newest-first pages, deletes pull records up: nothing lost, nothing doubled."""
    envs = initial_envelopes(500, seed=31)
    store = TwinStore(envs)
    maker = ChangeMaker(envs, seed=32)
    server = twin_server(store, faults=FaultConfig(latency_ms=5))
    reg = client_for(server, concurrency=4)
    published = []

    def publish_some(info):
        if info.get("phase") == "pages" and info["done"] in (3, 8, 14) and info["done"] not in published:
            published.append(info["done"])
            store.apply(maker.batch(creates=30, updates=10, deletes=15))

    manifest = harvest(tmp_path / "snap", registry=reg, per_page=20, progress=publish_some, checkpoint_every=2)
    assert published == [3, 8, 14]
    assert snapshot_records(tmp_path / "snap") == ground_truth(store)
    assert manifest["counts"]["envelopes"] == len(store.listing())
    assert manifest["harvest"]["duplicates_dropped"] > 0  # the shifted pages really overlapped


def test_records_published_from_another_thread_while_paging(twin_server, client_for, tmp_path):
    envs = initial_envelopes(400, seed=41)
    store = TwinStore(envs)
    maker = ChangeMaker(envs, seed=42)
    server = twin_server(store, faults=FaultConfig(latency_ms=15))
    reg = client_for(server, concurrency=3)
    started = threading.Event()
    done = threading.Event()

    def publisher():
        started.wait(5)
        for _ in range(4):
            store.apply(maker.batch(creates=12, updates=6, deletes=8))
        done.set()

    thread = threading.Thread(target=publisher)
    thread.start()

    def progress(info):
        if info.get("phase") == "pages":
            started.set()
            if info["done"] == 6:
                done.wait(5)  # make sure every batch lands before the pages are finished

    harvest(tmp_path / "snap", registry=reg, per_page=10, progress=progress)
    thread.join()
    assert snapshot_records(tmp_path / "snap") == ground_truth(store)


def test_filtered_by_type_and_by_state(twin_server, small_store, client_for, tmp_path):
    key = "state-filter-key-42"
    server = twin_server(small_store, api_key=key)
    reg = client_for(server, api_key=key)
    m = harvest(tmp_path / "types", registry=reg, types=["Certificate", "ceterms:Course"])
    truth = {c: b for c, b in ground_truth(small_store).items()
             if small_store.find_envelope(c).ctdl_type in ("ceterms:Certificate", "ceterms:Course")}
    assert snapshot_records(tmp_path / "types") == truth and m["query"]["types"] == ["ceterms:Certificate",
                                                                                      "ceterms:Course"]
    m = harvest(tmp_path / "state", registry=reg, states=["in"])
    records = snapshot_records(tmp_path / "state")
    import orjson

    expected = set()
    for ctid, body in ground_truth(small_store).items():
        graph = orjson.loads(body)["decoded_resource"]["@graph"]
        if any(n.get("ceterms:addressRegion", {}).get("en") in ("IN", "Indiana") for n in graph):
            expected.add(ctid)
    assert expected and set(records) == expected
    assert m["query"]["states"] == ["IN"] and "search:termGroup" in m["query"]["ctdl_query"]
    assert key not in (tmp_path / "state" / "manifest.json").read_text()


def test_refuses_to_mix_harvests(twin_server, small_store, client_for, tmp_path):
    server = twin_server(small_store)
    reg = client_for(server)
    harvest(tmp_path / "snap", registry=reg, per_page=100)
    with pytest.raises(SnapshotError, match="already holds a complete snapshot"):
        harvest(tmp_path / "snap", registry=reg)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(SnapshotError, match="not empty"):
        harvest(tmp_path / "other", registry=reg)
    assert read_manifest(tmp_path / "snap")["status"] == "complete"


def test_deletes_that_pull_records_past_a_fetched_page_are_reconciled(twin_server, client_for, tmp_path):
    """Deleting records on early pages shifts later ones up onto pages already read: the count check
    against X-Total notices, and a metadata-only listing finds exactly the skipped records."""
    from datetime import timedelta

    from .twin_data import Change

    envs = initial_envelopes(120, seed=51)
    store = TwinStore(envs)
    server = twin_server(store)
    reg = client_for(server, concurrency=1)
    fired = []

    def delete_newest(info):
        if info.get("phase") == "pages" and info["done"] == 3 and not fired:
            fired.append(True)
            newest = store.listing()[:5]
            at = store.newest_event_at + timedelta(seconds=1)
            store.apply([Change("delete", rec.ctid, None, at + timedelta(milliseconds=i)) for i, rec in
                         enumerate(newest)])

    manifest = harvest(tmp_path / "snap", registry=reg, per_page=10, progress=delete_newest)
    assert fired
    assert snapshot_records(tmp_path / "snap") == ground_truth(store)
    assert manifest["harvest"]["reconcile_passes"] == 1
    assert manifest["counts"]["envelopes"] == 115


def test_state_harvest_with_changes_while_fetching(twin_server, client_for, tmp_path):
    import orjson

    envs = initial_envelopes(200, seed=55)
    store = TwinStore(envs)
    maker = ChangeMaker(envs, seed=56)
    server = twin_server(store, api_key="k-state-55")
    reg = client_for(server, api_key="k-state-55", concurrency=2)
    fired = []

    def publish(info):
        if info.get("phase") == "fetch" and info["done"] >= 5 and not fired:
            fired.append(True)
            store.apply(maker.batch(creates=25, updates=25, deletes=10))

    harvest(tmp_path / "snap", registry=reg, states=["TX"], progress=publish, checkpoint_every=2)
    assert fired

    def in_texas(body: bytes) -> bool:
        graph = orjson.loads(body)["decoded_resource"]["@graph"]
        return any(n.get("ceterms:addressRegion", {}).get("en") in ("TX", "Texas") for n in graph)

    truth = {c: b for c, b in ground_truth(store).items() if in_texas(b)}
    assert snapshot_records(tmp_path / "snap") == truth
