"""`verify` says exactly what is wrong with a snapshot (and `ler verify` exits 1)."""

from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner

from ler_analytics.cli import main
from ler_analytics.registry.verify import verify
from ler_analytics.snapshot import RawWriter, write_manifest

CTIDS = [f"ce-00000000-0000-4000-8000-{i:012d}" for i in range(6)]


def _env(i: int, kind: str = "ceterms:Certificate") -> bytes:
    return json.dumps({"envelope_ceterms_ctid": CTIDS[i], "envelope_ctdl_type": kind}).encode()


@pytest.fixture
def snap(tmp_path):
    base = tmp_path / "snap"
    with RawWriter(base, records_per_part=3) as writer:
        for i in range(5):
            writer.write(_env(i, "ceterms:Course" if i == 4 else "ceterms:Certificate"))
    write_manifest(base, {"source": "registry:http://127.0.0.1:9", "counts": {
        "envelopes": 5, "by_type": {"ceterms:Certificate": 4, "ceterms:Course": 1}}})
    return base


def test_a_good_snapshot_passes(snap):
    report = verify(snap)
    assert report.ok, report.summary()
    assert report.checked["envelopes"] == 5 and report.checked["files"] == 2
    result = CliRunner().invoke(main, ["verify", str(snap)])
    assert result.exit_code == 0 and result.output.startswith("OK:")


def test_changed_file_is_named(snap):
    part = snap / "raw" / "envelopes-00002.jsonl.gz"
    part.write_bytes(gzip.compress(_env(3) + b"\n" + _env(4, "ceterms:Course") + b"\n"))
    text = verify(snap).summary()
    assert "raw/envelopes-00002.jsonl.gz" in text and "sha256 differs" in text


def test_duplicates_counts_and_extra_files(snap):
    extra = snap / "raw" / "envelopes-00003.jsonl.gz"
    extra.write_bytes(gzip.compress(_env(0) + b"\n{broken\n"))
    report = verify(snap)
    text = report.summary()
    assert "envelopes-00003.jsonl.gz is not listed" in text
    write_manifest(snap, {"source": "registry:http://127.0.0.1:9", "counts": {"envelopes": 5}})  # list it now
    report = verify(snap)
    text = report.summary()
    assert any(f"1 duplicate CTID(s): {CTIDS[0]}" in p for p in report.problems)
    assert "envelopes-00003.jsonl.gz line 2: not valid JSON" in text
    assert "manifest counts 5 envelopes, the raw files hold 6" in text
    result = CliRunner().invoke(main, ["verify", str(snap)])
    assert result.exit_code == 1 and "problem(s)" in result.output


def test_missing_file_status_and_manifest(snap, tmp_path):
    (snap / "raw" / "envelopes-00001.jsonl.gz").unlink()
    manifest = json.loads((snap / "manifest.json").read_text())
    manifest["status"] = "in_progress"
    (snap / "manifest.json").write_text(json.dumps(manifest))
    text = verify(snap).summary()
    assert "envelopes-00001.jsonl.gz is listed in manifest.json but missing" in text
    assert "--resume" in text
    assert "manifest.json is missing" in verify(tmp_path).summary()


def test_damaged_gzip_is_reported(snap):
    part = snap / "raw" / "envelopes-00001.jsonl.gz"
    part.write_bytes(part.read_bytes()[:-12])
    assert "cannot be decompressed" in verify(snap).summary()


def test_duplicates_in_a_demo_snapshot_are_a_note_not_a_problem(tmp_path):
    base = tmp_path / "demo"
    with RawWriter(base) as writer:
        writer.write(_env(0))
        writer.write(_env(0))
    write_manifest(base, {"source": "demo:7/0.01", "counts": {"envelopes": 2}})
    report = verify(base)
    assert report.ok and "note: 1 duplicate CTID(s)" in report.summary()
