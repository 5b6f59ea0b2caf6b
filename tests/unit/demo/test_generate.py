"""`generate`, `ensure_demo` and `ler demo` write complete, labelled, buildable twin snapshots."""

from __future__ import annotations

import gzip

import orjson
import pytest
from click.testing import CliRunner

from ler_analytics.demo import DEMO_NOTICE, ensure_demo, generate, iter_envelopes
from ler_analytics.errors import LerError
from ler_analytics.snapshot import iter_raw_lines, open_snapshot, read_manifest, sha256_file

TINY = 0.002


def test_generate_writes_a_complete_labelled_snapshot(tmp_path):
    out = generate(tmp_path / "snap", scale=TINY, seed=4)
    manifest = read_manifest(out)
    assert manifest["status"] == "complete"
    assert manifest["source"] == "demo:4/0.002" and manifest["synthetic"] is True
    assert manifest["notice"] == DEMO_NOTICE
    assert manifest["query"] == {"generator": "ler_analytics.demo", "scale": TINY, "seed": 4}
    lines = [line for _f, _n, line in iter_raw_lines(out)]
    assert manifest["counts"]["envelopes"] == len(lines) == len(list(iter_envelopes(TINY, 4)))
    assert sum(manifest["counts"]["by_type"].values()) == len(lines)
    first = orjson.loads(lines[0])
    assert manifest["counts"]["by_type"][first["envelope_ctdl_type"]] >= 1
    for rel, meta in manifest["files"].items():
        assert sha256_file(out / rel) == meta["sha256"]
    # raw lines are exactly the serialised envelopes of iter_envelopes
    assert lines == [orjson.dumps(e) for e in iter_envelopes(TINY, 4)]
    assert open_snapshot(out, require_complete=True).is_synthetic


def test_generate_refuses_a_folder_that_is_not_a_twin_snapshot(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(LerError, match="not a Registry-twin snapshot"):
        generate(tmp_path, scale=TINY, seed=1)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_generate_replaces_an_older_twin_snapshot(tmp_path):
    out = tmp_path / "snap"
    generate(out, scale=TINY, seed=1)
    generate(out, scale=TINY, seed=2)
    assert read_manifest(out)["source"] == "demo:2/0.002"
    parts = sorted((out / "raw").glob("*.jsonl.gz"))
    assert [p.name for p in parts] == ["envelopes-00001.jsonl.gz"]
    with gzip.open(parts[0]) as fh:
        assert sum(1 for _ in fh) == read_manifest(out)["counts"]["envelopes"]


def test_ensure_demo_generates_builds_once_and_reuses(tmp_path):
    path = ensure_demo(scale=TINY, seed=3, data_dir=tmp_path)
    assert path == tmp_path / "demo-0.002-3"
    snap = open_snapshot(path)
    assert snap.is_synthetic and snap.source == "demo:3/0.002"
    assert snap.credentials.height > 0 and snap.organizations.height > 0
    stamp = (path / "manifest.json").stat().st_mtime_ns
    again = ensure_demo(scale=TINY, seed=3, data_dir=tmp_path)
    assert again == path and (path / "manifest.json").stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob(".*tmp*"))


def test_ler_demo_command_prints_the_synthetic_label(tmp_path):
    from ler_analytics.cli import main

    out = tmp_path / "cli-demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--scale", str(TINY), "--seed", "8", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "Synthetic demonstration data" in result.output
    assert "demo:8/0.002" in result.output
    assert "tables built" in result.output
    assert open_snapshot(out).credentials.height > 0


def test_ler_demo_rejects_a_bad_scale(tmp_path):
    from ler_analytics.cli import main

    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "x"), "--scale", "0"])
    assert result.exit_code == 2
    assert "must be positive" in result.output


def test_parallel_rendering_gives_identical_bytes(tmp_path):
    one = generate(tmp_path / "one", scale=0.004, seed=12, workers=1)
    two = generate(tmp_path / "two", scale=0.004, seed=12, workers=2)
    assert read_manifest(one)["files"] == read_manifest(two)["files"]


def test_parallel_iter_envelopes_matches_the_serial_stream_and_closes_cleanly(monkeypatch):
    from ler_analytics.demo import stream as demo_stream

    monkeypatch.setattr(demo_stream, "CHUNK", 300)  # several chunks, so both workers render
    serial = [orjson.dumps(e) for e in iter_envelopes(0.004, 12, workers=1)]
    parallel = [orjson.dumps(e) for e in iter_envelopes(0.004, 12, workers=2)]
    assert len(serial) > 4 * 300
    assert parallel == serial
    stream = iter_envelopes(0.004, 12, workers=2)
    assert orjson.dumps(next(stream)) == serial[0]
    stream.close()  # abandoning the stream stops its workers


def test_envelope_json_splices_the_graph_exactly_like_orjson():
    from ler_analytics.demo.envelope import envelope_json
    from ler_analytics.demo.plan import build_plan
    from ler_analytics.demo.stream import _iter_built

    plan = build_plan(0.004, 12)
    kinds = set()
    for env, body in _iter_built(plan, 0, len(plan.order)):
        expected = orjson.dumps(env)
        kinds.add("graph" if body is not None else "jwt")
        assert envelope_json(env, body) == expected
    assert "graph" in kinds
