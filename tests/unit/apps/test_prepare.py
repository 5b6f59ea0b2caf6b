"""`ler dashboard --prepare-only` computes every state dashboard's all-state frames, so visits and
switches afterwards compute nothing (they only filter what the cache holds)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from ler_analytics import apps
from ler_analytics.apps.framecache import frame_cache
from ler_analytics.apps.prepare import prepare_cache, state_dashboards
from ler_analytics.cli import main
from ler_analytics.errors import LerError
from ler_analytics.snapshot import open_snapshot


@pytest.fixture
def snap_copy(demo_snapshot_path, tmp_path):
    out = tmp_path / "snapshot"
    shutil.copytree(demo_snapshot_path, out, ignore=shutil.ignore_patterns("cache"))
    return out


def test_prepare_only_fills_the_cache_and_later_switches_compute_nothing(snap_copy, monkeypatch):
    # a relative path on the command line: the kernels (started by VoilaServer) get the absolute one
    monkeypatch.chdir(snap_copy.parent)
    result = CliRunner().invoke(main, ["dashboard", snap_copy.name, "--prepare-only"])
    assert result.exit_code == 0, result.output
    for name in state_dashboards():
        assert f"  {name}" in result.output
    assert "charts that failed" not in result.output
    assert "Dashboard cache ready" in result.output
    folder = frame_cache(open_snapshot(snap_copy)).folder
    stored = {p.name.split("-all-")[0] for p in folder.glob("*-all-*.parquet")}
    assert {"skill_gaps", "pathways", "transparency", "coverage"} <= stored
    assert list(folder.glob("skill_gaps-skill_matches-*.parquet"))
    n_states = len(frame_cache(open_snapshot(snap_copy)).load_json(("apps", "states")))
    for name in ("state_overview", "coverage", "transparency"):  # every state's view is stored too
        assert len(list(folder.glob(f"{name}-view-*.json"))) == n_states, name

    snap = open_snapshot(snap_copy.resolve())  # a new kernel
    from ler_analytics.apps.data import states_with_credentials

    states = states_with_credentials(snap)
    for name in ("skill_gaps", "pathways", "transparency"):
        app = getattr(apps, apps.DASHBOARDS[name])(snap, state=states[-1])
        for state in states[:3]:
            app.set_state(state)
            assert all("could not be computed" not in card.extra.value for card in app.cards.values()), name
    cache = frame_cache(snap)
    assert cache.misses == 0, "a switch after --prepare-only computed a frame"
    assert "__metrics_context__" not in snap._cache, "a switch after --prepare-only read the snapshot's tables"


def test_prepare_rejects_unbuilt_snapshots_and_unknown_dashboards(snap_copy, tmp_path):
    with pytest.raises(LerError, match="no_such"):
        prepare_cache(snap_copy, dashboards=["no_such"])
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["dashboard", str(empty), "--prepare-only"])
    assert result.exit_code == 1 and "Traceback" not in result.output
