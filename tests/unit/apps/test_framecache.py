"""The per-snapshot disk cache of dashboard frames: hits, never stale, atomic, harmless when unwritable."""

from __future__ import annotations

import base64
import io
import math
import re
import shutil

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ler_analytics import apps
from ler_analytics.apps.framecache import CACHE_DIR, FrameCache, frame_cache, snapshot_fingerprint
from ler_analytics.apps.plotly_chart import PLOTLY_URL_ENV
from ler_analytics.snapshot import open_snapshot


@pytest.fixture
def snap_copy(demo_snapshot_path, tmp_path):
    """A private copy of the demo snapshot (tests here write its cache and rewrite its tables)."""
    out = tmp_path / "snapshot"
    shutil.copytree(demo_snapshot_path, out, ignore=shutil.ignore_patterns("cache"))
    return out


def _calls():
    calls = []

    def compute():
        calls.append(1)
        return pl.DataFrame({"state_code": ["CO", "TX"], "n": [len(calls), 2]})

    return calls, compute


def test_second_visit_reads_what_the_first_computed(snap_copy):
    calls, compute = _calls()
    first = FrameCache(open_snapshot(snap_copy)).get(("k", 1), compute)
    second_cache = FrameCache(open_snapshot(snap_copy))  # a new kernel: new snapshot object
    second = second_cache.get(("k", 1), compute)
    assert calls == [1] and second_cache.hits == 1 and second_cache.misses == 0
    assert second.equals(first)
    files = list((snap_copy / CACHE_DIR).glob("*/*.parquet"))
    assert len(files) == 1 and not list((snap_copy / CACHE_DIR).glob("*/.*tmp"))


def test_a_rebuilt_table_gets_a_new_folder_and_the_old_one_goes(snap_copy):
    calls, compute = _calls()
    old = FrameCache(open_snapshot(snap_copy))
    old.get(("k",), compute)
    path = snap_copy / "tables" / "credentials.parquet"
    frame = pl.read_parquet(path)
    frame.head(frame.height - 1).write_parquet(path)  # `ler build` wrote new data
    new = FrameCache(open_snapshot(snap_copy))
    assert new.folder != old.folder
    new.get(("k",), compute)
    assert calls == [1, 1], "stale frame served after the tables changed"
    assert not old.folder.exists() and new.folder.exists()


def test_fingerprint_follows_the_code(snap_copy, monkeypatch):
    from ler_analytics.apps import framecache

    snap = open_snapshot(snap_copy)
    before = snapshot_fingerprint(snap)
    framecache.code_fingerprint.cache_clear()
    monkeypatch.setattr("ler_analytics.__version__", "0.0.0-test")
    try:
        assert snapshot_fingerprint(snap) != before
    finally:
        framecache.code_fingerprint.cache_clear()


def test_a_damaged_file_is_recomputed(snap_copy, caplog):
    calls, compute = _calls()
    cache = FrameCache(open_snapshot(snap_copy))
    cache.get(("k",), compute)
    (file,) = cache.folder.glob("*.parquet")
    file.write_bytes(b"not parquet")
    again = FrameCache(open_snapshot(snap_copy)).get(("k",), compute)
    assert calls == [1, 1] and again["n"].to_list() == [2, 2]
    assert "unreadable" in caplog.text and str(file.name) in caplog.text


def test_unwritable_cache_folder_falls_back_to_memory(snap_copy):
    (snap_copy / "cache").write_text("a file where the cache folder would go")
    calls, compute = _calls()
    cache = FrameCache(open_snapshot(snap_copy))
    assert cache.get(("k",), compute)["n"].to_list() == [1, 2]
    assert cache.get(("k",), compute)["n"].to_list() == [1, 2]  # memory hit
    assert calls == [1] and not cache.enabled


def test_disabled_by_environment(snap_copy, monkeypatch):
    monkeypatch.setenv("LER_DASHBOARD_CACHE", "0")
    calls, compute = _calls()
    snap = open_snapshot(snap_copy)
    frame_cache(snap).get(("k",), compute)
    assert not (snap_copy / CACHE_DIR).exists()


@pytest.mark.parametrize("name", ["state_overview", "coverage", "transparency"])
def test_a_warm_visit_shows_what_the_computing_visit_showed(name, snap_copy, monkeypatch):
    """The second visitor gets the first visitor's view exactly, without computing; numbers match a fresh run."""
    from ler_analytics.apps.data import states_with_credentials

    cls = getattr(apps, apps.DASHBOARDS[name])
    monkeypatch.setenv(PLOTLY_URL_ENV, "/p.js")  # live chart widgets (views are cached only for them)
    monkeypatch.setenv("LER_DASHBOARD_CACHE", "0")
    fresh_snap = open_snapshot(snap_copy)
    states = states_with_credentials(fresh_snap)[:2]
    fresh = cls(fresh_snap, state=states[0])
    monkeypatch.delenv("LER_DASHBOARD_CACHE")
    first = cls(open_snapshot(snap_copy), state=states[0])  # computes, stores frames and the view
    warm_snap = open_snapshot(snap_copy)
    warm = cls(warm_snap, state=states[0])
    assert frame_cache(warm_snap).misses == 0, "a warm visit computed something"
    assert "__metrics_context__" not in warm_snap._cache, "a warm visit read the snapshot's tables"
    for state in states:  # states[1]: the warm visitor is the first to see it
        for app in (fresh, first, warm):
            app.set_state(state)
        assert warm.stats.value == first.stats.value
        assert set(warm.cards) == set(first.cards)
        for key, card in first.cards.items():
            assert warm.cards[key].view_state() == card.view_state(), key
        # polars' parallel aggregations may differ in the last bit between two computations (e.g.
        # 58.09523809523809 vs 58.095238095238095), cached or not: against a fresh run, compare numbers
        assert _same(_numbers_in(warm.stats.value), _numbers_in(fresh.stats.value))
        for key, card in fresh.cards.items():
            if card.download.value:
                assert_frame_equal(_csv(warm.cards[key]), _csv(card), check_exact=False, rel_tol=1e-12)


def _csv(card) -> pl.DataFrame:
    href = re.search(r'base64,([^"]+)"', card.download.value).group(1)
    return pl.read_csv(io.BytesIO(base64.b64decode(href)))


def _numbers_in(html: str) -> list:
    return [float(v) if v else None for v in re.findall(r'data-value="([^"]*)"', html)]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b
