"""`ler snapshot` / `ler sync` / `ler verify` end to end against the twin (exit codes, messages)."""

from __future__ import annotations

from click.testing import CliRunner

from ler_analytics.cli import main
from ler_analytics.snapshot import read_manifest

from .conftest import ground_truth, snapshot_records
from .twin_data import ChangeMaker, initial_envelopes


def test_snapshot_sync_verify_flow(twin_server, tmp_path):
    from ler_analytics.twin import TwinStore

    envs = initial_envelopes(120, seed=5)
    store = TwinStore(envs)
    server = twin_server(store)
    runner = CliRunner()
    out = tmp_path / "snapshots" / "2026-01-01"
    result = runner.invoke(main, ["snapshot", "--out", str(out), "--registry", server.url, "--per-page", "25"])
    assert result.exit_code == 0, result.output
    assert "Snapshot complete: 120 envelopes" in result.output and "ler build" in result.output
    store.apply(ChangeMaker(envs, seed=6).batch(creates=2, updates=2, deletes=2))
    result = runner.invoke(main, ["sync", str(out), "--out", str(tmp_path / "snapshots" / "next"), "--no-build"])
    assert result.exit_code == 0, result.output
    assert "2 created, 2 updated, 2 deleted" in result.output
    assert snapshot_records(tmp_path / "snapshots" / "next") == ground_truth(store)
    assert read_manifest(tmp_path / "snapshots" / "next")["previous_snapshot"]["id"] == "2026-01-01"
    result = runner.invoke(main, ["verify", str(tmp_path / "snapshots" / "next")])
    assert result.exit_code == 0 and "OK" in result.output


def test_usage_errors_exit_2_and_failures_exit_1_with_one_line(twin_server, small_store, tmp_path):
    server = twin_server(small_store)
    runner = CliRunner()
    bad_state = runner.invoke(main, ["snapshot", "--out", str(tmp_path / "a"), "--registry", server.url,
                                     "--state", "Narnia", "--api-key", "k-123456"])
    assert bad_state.exit_code == 2 and "not a US state" in bad_state.output
    assert runner.invoke(main, ["snapshot", "--out", str(tmp_path / "b"), "--concurrency", "0"]).exit_code == 2
    no_key = runner.invoke(main, ["snapshot", "--out", str(tmp_path / "c"), "--registry", server.url,
                                  "--state", "IN", "--api-key", ""])
    assert no_key.exit_code == 1 and "LER_REGISTRY_API_KEY" in no_key.output and "Traceback" not in no_key.output
    down = runner.invoke(main, ["snapshot", "--out", str(tmp_path / "d"), "--registry", "http://127.0.0.1:9",
                                "--quiet", "--retries", "2"])
    assert down.exit_code == 1 and "127.0.0.1:9" in down.output and "Traceback" not in down.output
    help_text = runner.invoke(main, ["snapshot", "--help"]).output
    for option in ("--out", "--registry", "--api-key", "--state", "--types", "--concurrency", "--resume"):
        assert option in help_text
