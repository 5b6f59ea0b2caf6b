"""kill -9 a real `ler snapshot` process at random moments, resume it, and get the same snapshot."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time

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
