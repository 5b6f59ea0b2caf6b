"""kill -9 a real `ler snapshot` process at random moments, resume it, and get the same snapshot."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time

import orjson
import pytest

from ler_analytics.registry.verify import verify
from ler_analytics.snapshot import read_manifest
from ler_analytics.twin import FaultConfig, TwinStore

from .conftest import ground_truth, snapshot_records
from .twin_data import initial_envelopes

CLI = [sys.executable, "-c", "from ler_analytics.cli import main; main()"]


def _snapshot_cmd(url: str, out, *extra: str) -> list[str]:
    return [*CLI, "snapshot", "--out", str(out), "--registry", url, "--concurrency", "3", "--per-page", "10",
            "--quiet", *extra]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_and_resume_at_random_points(twin_server, tmp_path, seed):
    rng = random.Random(seed)
    store = TwinStore(initial_envelopes(300, seed=60 + seed))
    server = twin_server(store, faults=FaultConfig(latency_ms=40, rate_truncate=0.03, rate_503=0.03, seed=seed))
    out = tmp_path / "snap"
    state = out / ".harvest" / "state.json"
    mid_kills = 0
    for attempt in range(10):
        proc = subprocess.Popen(_snapshot_cmd(server.url, out, *(["--resume"] if attempt else [])),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while proc.poll() is None and not state.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.8))  # a random moment inside the harvest (pages, catch-up or finalize)
        if proc.poll() is None:
            proc.kill()  # SIGKILL: no cleanup of any kind
            proc.wait()
            mid_kills += 1
            if mid_kills >= 3:
                break
            continue
        _, stderr = proc.communicate()
        assert proc.returncode == 0, stderr.decode()
        if mid_kills >= 1:
            break
        shutil.rmtree(out)  # finished before any kill: start over to get a kill in
    if not (out / "manifest.json").exists() or read_manifest(out).get("status") != "complete":
        done = subprocess.run(_snapshot_cmd(server.url, out, "--resume"), capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()
    assert mid_kills >= 1, "the process always finished before it could be killed; make the twin slower"
    assert snapshot_records(out) == ground_truth(store)
    report = verify(out)
    assert report.ok, report.summary()
    assert read_manifest(out)["harvest"]["runs"] >= 2


def test_resume_refuses_a_different_query(twin_server, small_store, tmp_path):
    server = twin_server(small_store, faults=FaultConfig(latency_ms=30))
    out = tmp_path / "snap"
    proc = subprocess.Popen(_snapshot_cmd(server.url, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not (out / ".harvest" / "state.json").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    proc.kill()
    proc.wait()
    if read_manifest(out).get("status") == "complete":
        pytest.skip("harvest finished before the kill")
    again = subprocess.run(_snapshot_cmd(server.url, out, "--types", "Certificate", "--resume"),
                           capture_output=True, timeout=60)
    assert again.returncode == 1
    assert b"different registry or query" in again.stderr
    without = subprocess.run(_snapshot_cmd(server.url, out), capture_output=True, timeout=60)
    assert without.returncode == 1 and b"--resume" in without.stderr
    status = verify(out)
    assert not status.ok and "interrupted" in status.summary()


@pytest.mark.parametrize("crash_at", ["write_manifest", "rmtree", "checkpoint"])
def test_crash_at_exact_points_then_resume(twin_server, small_store, client_for, tmp_path, monkeypatch, crash_at):
    """Deterministic crash points the random kills may miss: inside finalize, after the manifest is
    complete but before staging is removed, and in the middle of a checkpoint (part renamed, state not)."""
    from ler_analytics.registry import harvest as harvest_mod

    server = twin_server(small_store)
    out = tmp_path / "snap"

    class Crash(BaseException):
        pass

    if crash_at == "write_manifest":
        real = harvest_mod.write_manifest

        def fake(base, manifest, complete=True):
            if complete:
                raise Crash()
            return real(base, manifest, complete=complete)

        monkeypatch.setattr(harvest_mod, "write_manifest", fake)
    elif crash_at == "rmtree":
        monkeypatch.setattr(harvest_mod.shutil, "rmtree", lambda *a, **k: (_ for _ in ()).throw(Crash()))
    else:
        real_checkpoint = harvest_mod._Stage.checkpoint
        calls = []

        def checkpoint(self, **updates):
            calls.append(1)
            if len(calls) == 2:  # the part is renamed into place, but the state never lists it
                self.writer.close_part()
                raise Crash()
            real_checkpoint(self, **updates)

        monkeypatch.setattr(harvest_mod._Stage, "checkpoint", checkpoint)
        monkeypatch.setattr(harvest_mod, "CHECKPOINT_MIN_SECONDS", 0.0)
    with pytest.raises(Crash):
        harvest_mod.harvest(out, registry=client_for(server), per_page=10, checkpoint_every=1)
    monkeypatch.undo()
    if crash_at == "checkpoint":
        staged = sorted(p.name for p in (out / ".harvest" / "raw").glob("stage-*"))
        listed = orjson.loads((out / ".harvest" / "state.json").read_bytes())["parts"]
        assert set(staged) - set(listed), "the crash should leave an unlisted part behind"
    harvest_mod.harvest(out, registry=client_for(server), per_page=10, resume=True)
    assert snapshot_records(out) == ground_truth(small_store)
    assert verify(out).ok
