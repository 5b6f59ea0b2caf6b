"""snapshot.py: atomic files, raw parts kept byte for byte, the manifest, opening snapshots."""

import gzip
import hashlib
import json

import polars as pl
import pytest

from ler_analytics import snapshot as s
from ler_analytics.errors import SnapshotError


def test_atomic_write_replaces_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "a.json"
    s.atomic_write_json(target, {"x": "é"})
    s.atomic_write_bytes(target, b'{"y": 2}')
    assert json.loads(target.read_text()) == {"y": 2}
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path):
    target = tmp_path / "a.json"
    s.atomic_write_bytes(target, b"old")
    with pytest.raises(TypeError):
        s.atomic_write_bytes(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_raw_writer_keeps_bytes_splits_parts_and_continues_numbering(tmp_path):
    records = [b'{"envelope_id": "%d", "x": "\xc3\xa9"}' % i for i in range(5)]
    with s.RawWriter(tmp_path, records_per_part=2) as writer:
        for rec in records:
            writer.write(rec)
    parts = s.raw_files(tmp_path)
    assert [p.name for p in parts] == [
        "envelopes-00001.jsonl.gz",
        "envelopes-00002.jsonl.gz",
        "envelopes-00003.jsonl.gz",
    ]
    lines = list(s.iter_raw_lines(tmp_path))
    assert [line for _, _, line in lines] == records
    assert lines[2][:2] == ("raw/envelopes-00002.jsonl.gz", 1)
    with s.RawWriter(tmp_path) as writer:  # a resumed harvest adds parts after the existing ones
        writer.write(b"{}")
    assert s.raw_files(tmp_path)[-1].name == "envelopes-00004.jsonl.gz"


def test_raw_writer_replaces_newlines_inside_a_record(tmp_path):
    with s.RawWriter(tmp_path) as writer:
        writer.write(b'{"a":\n1,\r\n"b": 2}')
    [(_, _, line)] = list(s.iter_raw_lines(tmp_path))
    assert json.loads(line) == {"a": 1, "b": 2}


def test_raw_writer_failure_leaves_no_half_part(tmp_path):
    with pytest.raises(RuntimeError), s.RawWriter(tmp_path) as writer:
        writer.write(b"{}")
        raise RuntimeError("interrupted")
    assert list((tmp_path / "raw").iterdir()) == []


def test_write_manifest_hashes_raw_files_and_sets_status_last(tmp_path):
    with s.RawWriter(tmp_path) as writer:
        writer.write(b'{"a": 1}')
    copied = tmp_path / "raw" / "files" / "in.json"
    copied.parent.mkdir(parents=True)
    copied.write_bytes(b'{"@graph": []}')
    manifest = s.write_manifest(tmp_path, {"source": "files:/x"}, complete=False)
    assert manifest["status"] == "in_progress"
    assert manifest["format"] == s.FORMAT and manifest["id"] == tmp_path.name
    part = tmp_path / "raw" / "envelopes-00001.jsonl.gz"
    assert manifest["files"]["raw/envelopes-00001.jsonl.gz"] == {
        "sha256": hashlib.sha256(part.read_bytes()).hexdigest(),
        "bytes": part.stat().st_size,
    }
    assert manifest["files"]["raw/files/in.json"]["bytes"] == 14
    assert s.read_manifest(tmp_path)["status"] == "in_progress"
    with pytest.raises(SnapshotError, match="incomplete"):
        s.open_snapshot(tmp_path)
    assert s.open_snapshot(tmp_path, require_complete=False).source == "files:/x"
    s.write_manifest(tmp_path, manifest)
    assert s.read_manifest(tmp_path)["status"] == "complete"


def test_read_manifest_errors_say_what_to_do(tmp_path):
    with pytest.raises(SnapshotError, match="ler build"):
        s.read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{broken")
    with pytest.raises(SnapshotError, match="re-create"):
        s.read_manifest(tmp_path)


def test_snapshot_tables_as_polars_lazy_and_pandas(tmp_path):
    s.write_manifest(tmp_path, {"source": "demo:42/0.05", "created_at": "2026-01-01T00:00:00Z"})
    (tmp_path / "tables").mkdir()
    pl.DataFrame({"ctid": ["ce-1"], "name": ["A"]}).write_parquet(tmp_path / "tables" / "credentials.parquet")
    snap = s.open_snapshot(tmp_path)
    assert snap.is_synthetic and snap.is_complete and snap.created_at == "2026-01-01T00:00:00Z"
    assert snap.credentials["name"].to_list() == ["A"]
    assert snap.credentials is snap.table("credentials")  # cached
    assert snap.scan("credentials").collect().height == 1
    assert snap.to_pandas("credentials")["ctid"].tolist() == ["ce-1"]
    assert snap.table_names() == ["credentials"]
    with pytest.raises(SnapshotError, match="ler build"):
        _ = snap.organizations
    with pytest.raises(AttributeError):
        _ = snap.not_a_table


def test_iter_raw_lines_skips_blank_lines(tmp_path):
    (tmp_path / "raw").mkdir()
    with gzip.open(tmp_path / "raw" / "envelopes-00001.jsonl.gz", "wb") as handle:
        handle.write(b'{"a": 1}\n\n{"b": 2}\r\n')
    assert [(n, line) for _, n, line in s.iter_raw_lines(tmp_path)] == [(1, b'{"a": 1}'), (3, b'{"b": 2}')]


def test_copied_input_files_lists_raw_files_tree(tmp_path):
    assert s.copied_input_files(tmp_path) == []
    nested = tmp_path / "raw" / "files" / "a" / "b.json"
    nested.parent.mkdir(parents=True)
    nested.write_text("{}")
    (tmp_path / "raw" / "files" / ".hidden.tmp").write_text("x")
    assert s.copied_input_files(tmp_path) == [nested]
