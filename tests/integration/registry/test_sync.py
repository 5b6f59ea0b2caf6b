"""`sync`: a new dated snapshot from an old one plus the events feed equals a fresh harvest."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ler_analytics.errors import SnapshotError
from ler_analytics.registry.harvest import harvest
from ler_analytics.registry.sync import sync
from ler_analytics.registry.verify import verify
from ler_analytics.snapshot import read_manifest
from ler_analytics.twin import TwinStore

from .conftest import ground_truth, snapshot_records
from .twin_data import ChangeMaker, initial_envelopes


def _hashes(path: Path) -> dict[str, str]:
    return {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def _tables_equal(a: Path, b: Path) -> list[str]:
    import polars as pl

    names = sorted(p.name for p in (a / "tables").glob("*.parquet"))
    assert names == sorted(p.name for p in (b / "tables").glob("*.parquet"))
    differ = []
    for name in names:
        left = pl.read_parquet(a / "tables" / name)
        right = pl.read_parquet(b / "tables" / name)
        volatile = [c for c in left.columns if c in ("source_file", "source_line", "raw_file", "raw_line")]
        left, right = left.drop(volatile), right.drop(volatile)
        cols = [c for c in left.columns if left.schema[c] != pl.List(pl.String) and left.schema[c] != pl.Object]
        if left.shape != right.shape or not left.sort(cols, nulls_last=True).equals(right.sort(cols, nulls_last=True)):
            differ.append(name)
    return differ


def test_sync_equals_a_fresh_harvest_and_keeps_the_old_snapshot(twin_server, client_for, tmp_path):
    envs = initial_envelopes(300, seed=71)
    store = TwinStore(envs)
    maker = ChangeMaker(envs, seed=72)
    server = twin_server(store)
    reg = client_for(server)
    old = tmp_path / "snapshots" / "2025-01-01"
    harvest(old, registry=reg, per_page=50)
    before = _hashes(old)
    counts = store.apply(maker.batch(creates=6, updates=9, deletes=4))
    assert counts == {"create": 6, "update": 9, "destroy": 4, "skipped": 0}
    bytes_before = reg.stats["bytes_received"]
    new_manifest = sync(old, registry=reg, build=False)
    new = tmp_path / "snapshots" / new_manifest["id"]
    assert new.is_dir() and new != old
    assert snapshot_records(new) == ground_truth(store)
    assert new_manifest["sync"]["created"] == 6 and new_manifest["sync"]["updated"] == 9
    assert new_manifest["sync"]["deleted"] == 4 and new_manifest["sync"]["unchanged"] == 300 - 9 - 4
    assert new_manifest["previous_snapshot"]["id"] == "2025-01-01"
    assert new_manifest["last_event_at"] == store.events()[0].as_json()["created_at"]
    assert _hashes(old) == before and verify(old).ok  # the old snapshot is untouched
    assert verify(new).ok
    # only the changed envelopes travelled: 15 envelope GETs and a page of events
    synced_bytes = reg.stats["bytes_received"] - bytes_before
    full_bytes = sum(len(b) for b in ground_truth(store).values())
    assert synced_bytes < 0.15 * full_bytes
    # a second sync with no new events changes nothing and fetches no envelope
    again = sync(new, registry=reg, out=tmp_path / "snapshots" / "again", build=False)
    assert again["sync"] == {**again["sync"], "created": 0, "updated": 0, "deleted": 0}
    assert snapshot_records(tmp_path / "snapshots" / "again") == ground_truth(store)


def test_sync_then_build_equals_fresh_harvest_then_build(twin_server, client_for, tmp_path):
    build = pytest.importorskip("ler_analytics.build").build
    envs = initial_envelopes(200, seed=81)
    store = TwinStore(envs)
    maker = ChangeMaker(envs, seed=82)
    server = twin_server(store)
    reg = client_for(server)
    old = tmp_path / "old"
    harvest(old, registry=reg, per_page=100)
    build(old)
    store.apply(maker.batch(creates=5, updates=5, deletes=5))
    store.apply(maker.batch(creates=2, updates=3, deletes=1))
    manifest = sync(old, registry=reg, out=tmp_path / "synced")  # builds: the old snapshot has tables
    assert manifest.get("tables", {}).get("row_counts")
    fresh = tmp_path / "fresh"
    harvest(fresh, registry=reg, per_page=100)
    build(fresh)
    assert _tables_equal(tmp_path / "synced", fresh) == []
    assert verify(tmp_path / "synced").ok


def test_sync_refuses_what_it_cannot_do(tmp_path, twin_server, small_store, client_for):
    from ler_analytics.snapshot import write_manifest

    demo = tmp_path / "demo"
    demo.mkdir()
    write_manifest(demo, {"source": "demo:7/0.01", "last_event_at": "2025-01-01T00:00:00Z"})
    with pytest.raises(SnapshotError, match="not a Registry"):
        sync(demo)
    partial = tmp_path / "partial"
    partial.mkdir()
    write_manifest(partial, {"source": "registry:http://127.0.0.1:1"}, complete=False)
    with pytest.raises(SnapshotError, match="not complete"):
        sync(partial)
    server = twin_server(small_store)
    snap = tmp_path / "snap"
    harvest(snap, registry=client_for(server), per_page=100)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    with pytest.raises(SnapshotError, match="not empty"):
        sync(snap, registry=client_for(server), out=tmp_path / "busy")
    assert read_manifest(snap)["status"] == "complete"


def test_sync_of_a_filtered_snapshot_keeps_only_matching_new_records(twin_server, client_for, tmp_path):
    envs = initial_envelopes(180, seed=95)
    store = TwinStore(envs)
    maker = ChangeMaker(envs, seed=96)
    server = twin_server(store, api_key="filter-key-0001")
    reg = client_for(server, api_key="filter-key-0001")
    old = tmp_path / "old"
    harvest(old, registry=reg, types=["Certificate"])
    store.apply(maker.batch(creates=12, updates=20, deletes=10))
    manifest = sync(old, registry=reg, out=tmp_path / "new", build=False)
    truth = {c: b for c, b in ground_truth(store).items()
             if store.find_envelope(c).ctdl_type == "ceterms:Certificate"}
    assert snapshot_records(tmp_path / "new") == truth
    assert manifest["sync"]["created"] == 2  # 12 creates cycle through 6 types
    assert manifest["query"]["types"] == ["ceterms:Certificate"]


def test_sync_of_a_state_snapshot_asks_the_assistant_about_new_records(twin_server, client_for, tmp_path):
    import orjson

    envs = initial_envelopes(150, seed=97)
    store = TwinStore(envs)
    maker = ChangeMaker(envs, seed=98)
    server = twin_server(store, api_key="state-key-0002")
    reg = client_for(server, api_key="state-key-0002")
    old = tmp_path / "old"
    harvest(old, registry=reg, states=["CO"])
    store.apply(maker.batch(creates=30, updates=10, deletes=10))
    sync(old, registry=reg, out=tmp_path / "new", build=False)

    def in_colorado(body: bytes) -> bool:
        graph = orjson.loads(body)["decoded_resource"]["@graph"]
        return any(n.get("ceterms:addressRegion", {}).get("en") in ("CO", "Colorado") for n in graph)

    truth = {c: b for c, b in ground_truth(store).items() if in_colorado(b)}
    got = snapshot_records(tmp_path / "new")
    assert set(got) == set(truth) and got == truth


def test_sync_over_demo_generator_batches(twin_server, client_for, tmp_path):
    demo = pytest.importorskip("ler_analytics.demo")
    if not hasattr(demo, "iter_change_batches"):
        pytest.skip("demo change batches not available yet")
    scale, seed = 0.002, 7
    store = TwinStore(demo.iter_envelopes(scale, seed))
    server = twin_server(store)
    reg = client_for(server)
    previous = tmp_path / "s0"
    harvest(previous, registry=reg, per_page=100)
    for number, batch in enumerate(demo.iter_change_batches(scale, seed, batches=3, change_rate=0.02), start=1):
        store.apply(batch)
        manifest = sync(previous, registry=reg, out=tmp_path / f"s{number}", build=False)
        assert snapshot_records(tmp_path / f"s{number}") == ground_truth(store), f"after batch {number}"
        assert manifest["previous_snapshot"]["id"] == previous.name
        previous = tmp_path / f"s{number}"
    assert verify(previous).ok
