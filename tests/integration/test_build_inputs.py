"""`ler build` on snapshot folders and on every kind of file input; duplicates; workers; the CLI."""

import copy
import gzip
import json
from pathlib import Path

import orjson
import polars as pl
import pytest
from click.testing import CliRunner

import ler_analytics as la
from ler_analytics import snapshot as snapshot_mod
from ler_analytics.build import build, default_out
from ler_analytics.cli import main
from ler_analytics.errors import SnapshotError

DATA = Path(__file__).resolve().parents[1] / "data" / "ctdl"
ENVELOPES = (
    DATA / "CredentialEngine__Registry_Assistant/src/SamplePublishing/RA.SamplesForDocumentation/EnvelopeSamples"
)
CERT = "ce-14525aea-57c5-4f5a-8f1c-bdc95c7f8b9b"


def real_envelope(name: str) -> dict:
    return orjson.loads((ENVELOPES / name).read_bytes().removeprefix(b"\xef\xbb\xbf"))


def republished(envelope: dict, n: int, *, updated_at: str, name: str | None = None) -> dict:
    """A copy of a real envelope as if published again (new envelope id, same CTID)."""
    env = copy.deepcopy(envelope)
    env["envelope_id"] = f"00000000-0000-4000-8000-{n:012d}"
    env["node_headers"]["updated_at"] = updated_at
    if name:
        env["decoded_resource"]["@graph"][0]["ceterms:name"] = {"en": name}
    return env


def make_snapshot(path: Path, envelopes: list, *, per_part: int = 2) -> Path:
    with snapshot_mod.RawWriter(path, records_per_part=per_part) as writer:
        for env in envelopes:
            writer.write(env if isinstance(env, bytes) else orjson.dumps(env))
    snapshot_mod.write_manifest(
        path, {"source": "registry:https://example.test", "synthetic": False, "counts": {"envelopes": len(envelopes)}}
    )
    return path


def test_snapshot_folder_newest_duplicate_wins_and_is_recorded(tmp_path):
    cred = real_envelope("CredentialEnvelope.json")
    old = republished(cred, 1, updated_at="2018-01-01 00:00:00 UTC", name="Old name")
    new = republished(cred, 2, updated_at="2024-05-01 10:00:00 UTC", name="New name")
    older_again = republished(cred, 3, updated_at="2020-01-01 00:00:00 UTC", name="Middle name")
    snap_dir = make_snapshot(tmp_path / "snap", [old, new, real_envelope("OrganizationEnvelope.json"), older_again])
    counts = build(snap_dir)
    snap = la.open_snapshot(snap_dir)
    creds = snap.credentials
    assert creds.height == 1 and counts["credentials"] == 1
    assert creds.row(0, named=True)["name"] == "New name"
    assert creds.row(0, named=True)["envelope_id"] == "00000000-0000-4000-8000-000000000002"
    env = snap.envelopes.filter(pl.col("ctid") == CERT).sort("envelope_id")
    assert env["is_duplicate"].to_list() == [True, False, True]
    assert env["source_file"].to_list() == [
        "raw/envelopes-00001.jsonl.gz:1",
        "raw/envelopes-00001.jsonl.gz:2",
        "raw/envelopes-00002.jsonl.gz:2",
    ]
    # rows of superseded envelopes are gone from every table, not just credentials
    conn = snap.connections.filter(pl.col("subject_ctid") == CERT)
    assert conn.filter(pl.col("relation") == "ownedBy").height == 1
    assert snap.manifest["tables"]["duplicate_envelopes"] == 2
    assert snap.manifest["source"] == "registry:https://example.test"  # the snapshot's own manifest is kept


def test_deleted_envelope_removes_the_resource(tmp_path):
    cred = real_envelope("CredentialEnvelope.json")
    gone = republished(cred, 9, updated_at="2025-01-01 00:00:00 UTC")
    gone["node_headers"]["deleted_at"] = "2025-01-01 00:00:00 UTC"
    snap_dir = make_snapshot(tmp_path / "snap", [cred, gone])
    build(snap_dir)
    snap = la.open_snapshot(snap_dir)
    assert snap.credentials.height == 0
    assert snap.envelopes.filter(pl.col("is_deleted")).height == 1


def test_jwt_only_envelopes_and_bad_lines_in_a_snapshot(tmp_path):
    cred = real_envelope("CredentialEnvelope.json")
    del cred["decoded_resource"]  # the 2019 API shape: only the signed JWT
    lines = [orjson.dumps(cred), b'{"envelope_id": "broken", ', b"\xff\xfe not utf-8", b"[1, 2]"]
    snap_dir = make_snapshot(tmp_path / "snap", lines, per_part=10)
    counts = build(snap_dir)
    snap = la.open_snapshot(snap_dir)
    assert snap.credentials["name"].to_list() == ["21st Century Skills for Workplace Success"]
    q = snap.quarantine.sort("source_file")
    assert counts["quarantine"] == q.height == 4  # bad JSON, bad UTF-8, and two non-records in the array
    reasons = dict(zip(q["source_file"], q["reason"], strict=False))
    assert reasons["raw/envelopes-00001.jsonl.gz:2"].startswith("not valid JSON")
    assert reasons["raw/envelopes-00001.jsonl.gz:3"].startswith("not valid UTF-8")
    assert "JSON int is not an envelope" in reasons["raw/envelopes-00001.jsonl.gz:4"]


def test_events_feed_in_raw_is_not_read_as_envelopes(tmp_path):
    snap_dir = make_snapshot(tmp_path / "snap", [real_envelope("OrganizationEnvelope.json")])
    with gzip.open(snap_dir / "raw" / "events.jsonl.gz", "wb") as handle:
        handle.write(b'{"event": "update", "ctid": "ce-x"}\n')
    counts = build(snap_dir)
    assert counts["quarantine"] == 0 and counts["envelopes"] == 1


def test_file_inputs_json_lines_gzip_arrays_and_graphs(tmp_path):
    src = tmp_path / "input"
    (src / "nested").mkdir(parents=True)
    cred = real_envelope("CredentialEnvelope.json")
    org = real_envelope("OrganizationEnvelope.json")
    asmt = real_envelope("AssessmentEnvelope.json")
    (src / "envelopes.jsonl").write_bytes(orjson.dumps(cred) + b"\n\n" + orjson.dumps(org) + b"\n")
    with gzip.open(src / "nested" / "more.jsonl.gz", "wb") as handle:
        handle.write(orjson.dumps(asmt) + b"\n")
    (src / "graph.jsonld").write_bytes(
        orjson.dumps(real_envelope("LearningOpportunityEnvelope.json")["decoded_resource"])
    )
    (src / "array.json").write_bytes(orjson.dumps([real_envelope("CostManifest.json")]))
    (src / "lines-in-a.json").write_bytes(orjson.dumps(org) + b"\n" + orjson.dumps(asmt) + b"\n")
    (src / "notes.txt").write_text("not an input")
    counts = build(src, workers=1)
    out = default_out(src)
    assert out == tmp_path / "input.ler-snapshot"
    snap = la.open_snapshot(out)
    assert counts["credentials"] == 1 and counts["assessments"] == 1 and counts["learning_opportunities"] == 1
    assert counts["other_resources"] == 1  # the cost manifest
    assert counts["quarantine"] == 0
    assert snap.envelopes.height == 7
    assert snap.envelopes.filter(pl.col("is_duplicate")).height == 2  # org and assessment were given twice
    assert sorted(snap.manifest["files"]) == [
        "raw/files/array.json",
        "raw/files/envelopes.jsonl",
        "raw/files/graph.jsonld",
        "raw/files/lines-in-a.json",
        "raw/files/nested/more.jsonl.gz",
    ]
    sources = set(snap.envelopes["source_file"])
    assert {
        "raw/files/envelopes.jsonl:1",
        "raw/files/envelopes.jsonl:3",
        "raw/files/nested/more.jsonl.gz:1",
        "raw/files/lines-in-a.json:2",
    } <= sources


def test_two_workers_give_the_same_tables_as_one(tmp_path):
    envelopes = []
    cred = real_envelope("CredentialEnvelope.json")
    for i in range(12):
        env = republished(cred, i, updated_at=f"2020-01-{i + 1:02d} 00:00:00 UTC")
        ctid = f"ce-00000000-0000-4000-8000-{i:012d}"
        env["envelope_ceterms_ctid"] = ctid
        env["decoded_resource"]["@graph"][0]["ceterms:ctid"] = ctid
        envelopes.append(env)
    envelopes.append(republished(envelopes[0], 99, updated_at="2021-01-01 00:00:00 UTC", name="newest"))
    one = make_snapshot(tmp_path / "one", envelopes, per_part=3)
    two = make_snapshot(tmp_path / "two", envelopes, per_part=3)
    assert build(one, workers=1) == build(two, workers=2)
    for table in ("credentials", "connections", "resource_properties", "envelopes", "organizations"):
        a = la.open_snapshot(one).table(table)
        b = la.open_snapshot(two).table(table)
        assert a.equals(b), table
    creds = la.open_snapshot(two).credentials
    assert creds.height == 12
    assert creds.filter(pl.col("ctid") == "ce-00000000-0000-4000-8000-000000000000")["name"].item() == "newest"


def test_errors_for_missing_or_empty_input(tmp_path):
    with pytest.raises(SnapshotError, match="does not exist"):
        build(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SnapshotError, match="holds no Registry JSON"):
        build(tmp_path / "empty")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x.txt").write_text("something")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.json").write_bytes(orjson.dumps(real_envelope("CostManifest.json")))
    with pytest.raises(SnapshotError, match="not a snapshot"):
        build(tmp_path / "in", out=tmp_path / "taken")


def test_cli_build_prints_counts_and_exit_codes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "org.json").write_bytes((ENVELOPES / "OrganizationEnvelope.json").read_bytes())
    (src / "broken.json").write_bytes((ENVELOPES / "ConditionManifest.json").read_bytes())
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(src), "--out", str(tmp_path / "snap"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "organizations" in result.output and "1 record(s) could not be read" in result.output
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert manifest["tables"]["row_counts"]["organizations"] == 2  # NOCTI + one blank-node QA body
    missing = runner.invoke(main, ["build", str(tmp_path / "missing")])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    empty = tmp_path / "empty"
    empty.mkdir()
    failed = runner.invoke(main, ["build", str(empty)])
    assert failed.exit_code == 1 and "holds no Registry JSON" in failed.output
    assert "Traceback" not in failed.output


def test_a_huge_json_array_file_is_streamed_element_by_element(tmp_path, monkeypatch):
    import ler_analytics.build as build_module

    monkeypatch.setattr(build_module, "WHOLE_FILE_LIMIT", 1000)  # pretend the file is multi-GB
    src = tmp_path / "in"
    src.mkdir()
    docs = [
        real_envelope("OrganizationEnvelope.json"),
        real_envelope("CostManifest.json"),
        17,
        {"weird": 'a string with ] and [ and \\" and , inside'},
        real_envelope("AssessmentEnvelope.json"),
    ]
    (src / "big.json").write_bytes(b"  [\n" + b" ,\n".join(orjson.dumps(d) for d in docs) + b"\n]\n")
    counts = build(src, workers=1)
    snap = la.open_snapshot(default_out(src))
    assert counts["envelopes"] == 3 and counts["assessments"] == 1 and counts["other_resources"] == 1
    q = snap.quarantine.sort("source_file")
    assert q["source_file"].to_list() == ["raw/files/big.json:#3", "raw/files/big.json:#4"]
    assert "JSON int" in q["reason"][0] and "not an envelope" in q["reason"][1]


def test_split_json_array_handles_strings_nesting_and_chunk_edges():
    import io

    from ler_analytics.build import _split_json_array

    items = [{"a": 'x]y,z\\"', "b": [1, [2, {"c": "}"}]]}, "plain", 3.5, None, [], {"d": "é" * 10}]
    data = orjson.dumps(items)
    for size in (1, 2, 7, 64, 1 << 20):

        class Chunked(io.BytesIO):
            def read(self, n=-1, _size=size):
                return super().read(min(n, _size) if n and n > 0 else _size)

        got = [orjson.loads(b) for _, b in _split_json_array(Chunked(data), "f")]
        assert got == items, size
        tail = orjson.dumps([{"x": 1}, None])
        assert [orjson.loads(b) for _, b in _split_json_array(Chunked(tail), "f")] == [{"x": 1}, None]


def test_output_snapshot_inside_the_input_folder_is_not_read_back(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "org.json").write_bytes((ENVELOPES / "OrganizationEnvelope.json").read_bytes())
    first = build(src, out=src / "snap", workers=1)
    second = build(src, out=src / "snap", workers=1)
    assert first == second and second["envelopes"] == 1


def test_data_set_profile_about_comes_from_the_record_that_points_at_it(tmp_path):
    """A DataSetProfile published on its own without ``schema:about`` is about whoever points at it."""
    reg = "https://credentialengineregistry.org/resources/"
    cred_a, cred_b, cred_c = (f"ce-0000000{i}-1111-4222-8333-444455556666" for i in (1, 2, 3))
    dsp_a, dsp_b, dsp_c = (f"ce-0000000{i}-aaaa-4bbb-8ccc-ddddeeeeffff" for i in (1, 2, 3))

    def cred(ctid, **extra):
        return {"@id": reg + ctid, "@type": "ceterms:Certificate", "ceterms:ctid": ctid, "ceterms:name": ctid, **extra}

    def dsp(ctid, **extra):
        return {"@id": reg + ctid, "@type": "qdata:DataSetProfile", "ceterms:ctid": ctid, **extra}

    docs = [
        cred(cred_a, **{"qdata:relevantDataSet": [reg + dsp_a]}),
        cred(cred_b, **{"ceterms:aggregateData": [{"qdata:relevantDataSet": [{"@id": reg + dsp_b}]}]}),
        cred(cred_c),
        dsp(dsp_a),
        dsp(dsp_b),
        dsp(dsp_c, **{"schema:about": [reg + cred_c]}),
    ]
    src = tmp_path / "input"
    src.mkdir()
    (src / "docs.jsonl").write_bytes(b"".join(orjson.dumps(d) + b"\n" for d in docs))
    build(src, workers=1)
    snap = la.open_snapshot(default_out(src))
    about = dict(snap.outcomes.select("ctid", "about_ctid").iter_rows())
    assert about == {dsp_a: cred_a, dsp_b: cred_b, dsp_c: cred_c}
    flags = dict(snap.credentials.select("ctid", "has_outcome_data").iter_rows())
    assert flags == {cred_a: True, cred_b: True, cred_c: True}


def test_fast_utc_datetime_columns_equal_polars_own_conversion():
    """The build's datetime fast path gives exactly what polars gives (microseconds, offsets, fallbacks)."""
    import random
    from datetime import UTC, datetime, timedelta, timezone

    from ler_analytics.build import _series

    rng = random.Random(7)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    values = [epoch + timedelta(microseconds=rng.randrange(2**31 * 10**6)) for _ in range(20_000)]
    values += [None, datetime(2038, 1, 19, 3, 14, 7, 999_999, tzinfo=UTC)]
    values += [datetime(2020, 5, 5, 1, 2, 3, 456_789, tzinfo=timezone(timedelta(hours=-5)))]
    dtype = pl.Datetime("us", "UTC")
    assert _series("t", values, dtype).equals(pl.Series("t", values, dtype=dtype, strict=True))
    for odd in (datetime(2020, 1, 1), datetime(3000, 1, 1, tzinfo=UTC), datetime(1960, 1, 1, tzinfo=UTC)):
        mixed = [*values[:5], odd]  # naive or out-of-range values take polars' own path
        assert _series("t", mixed, dtype).equals(pl.Series("t", mixed, dtype=dtype, strict=True))


def test_list_columns_equal_polars_own_conversion():
    """List columns are built from flat values + offsets through Arrow: same Series as polars' own path."""
    from ler_analytics.build import _series

    values = [["a", "b"], [], None, ["c"], [""], None, ["d", "e", "f"]]
    dtype = pl.List(pl.String)
    assert _series("x", values, dtype).equals(pl.Series("x", values, dtype=dtype, strict=True))
    assert _series("x", [None, None], dtype).equals(pl.Series("x", [None, None], dtype=dtype))
    assert _series("x", [], dtype).equals(pl.Series("x", [], dtype=dtype))
    counts = [[1, 2], [], None]
    assert _series("n", counts, pl.List(pl.Int64)).equals(pl.Series("n", counts, dtype=pl.List(pl.Int64)))
    with pytest.raises(TypeError, match="expected a list"):
        _series("x", [["a"], "not a list"], dtype)
    with pytest.raises((TypeError, pl.exceptions.PolarsError)):
        _series("x", [["a", 1]], dtype)  # a number inside a list of strings is refused, not coerced


def test_compact_resource_properties_rows_explode_to_one_row_per_property():
    from ler_analytics.build import rows_to_frame
    from ler_analytics.ctdl.dtypes import polars_schema

    rows = [("ce-1", "credentials", "Certificate", ["ceterms:name", "ceterms:ownedBy"], [1, 2], 7)]
    schema = polars_schema("resource_properties", internal=True)
    compact = rows_to_frame(rows, schema, table="resource_properties", compact=True)
    assert compact.height == 1 and compact["property"].to_list() == [["ceterms:name", "ceterms:ownedBy"]]
    frame = rows_to_frame(rows, schema, table="resource_properties")
    assert frame.schema == schema
    assert frame.rows() == [
        ("ce-1", "credentials", "Certificate", "ceterms:name", 1, 7),
        ("ce-1", "credentials", "Certificate", "ceterms:ownedBy", 2, 7),
    ]
    with pytest.raises(ValueError, match="unequal"):
        rows_to_frame([("ce-1", "credentials", "Certificate", ["a"], [1, 2], 7)], schema, table="resource_properties")


def test_a_row_that_cannot_be_stored_goes_to_quarantine_and_the_rest_of_the_batch_is_kept(tmp_path):
    """The part writer's salvage path: Arrow IPC parts, then the merge (compact resource_properties too)."""
    from ler_analytics.build import _PartWriter, merge_tables

    parts = tmp_path / "parts"
    writer = _PartWriter(parts, 0)
    good = ("ce-1", "credentials", "ownedBy", "ce-2", None, "direct", 5)
    bad = ("ce-3", "credentials", "ownedBy", 12345, None, "direct", 6)  # a number where a CTID goes
    writer.write("connections", [good, bad])
    writer.write(
        "resource_properties",
        [
            ("ce-1", "credentials", "Certificate", ["ceterms:name", "ceterms:ownedBy"], [1, 1], 5),
            ("ce-3", "credentials", "Certificate", ["ceterms:name"], ["one"], 6),  # a count that is text
        ],
    )
    counts, _ = merge_tables(parts, tmp_path / "tables")
    assert counts["connections"] == 1 and counts["resource_properties"] == 2
    quarantine = pl.read_parquet(tmp_path / "tables" / "quarantine.parquet")
    assert sorted(quarantine["ctid"].to_list()) == ["ce-3", "ce-3"]
    assert all("could not be stored" in reason for reason in quarantine["reason"])
    props = pl.read_parquet(tmp_path / "tables" / "resource_properties.parquet")
    assert props.sort("property").rows() == [
        ("ce-1", "credentials", "Certificate", "ceterms:name", 1),
        ("ce-1", "credentials", "Certificate", "ceterms:ownedBy", 1),
    ]
    links = pl.read_parquet(tmp_path / "tables" / "connections.parquet")
    assert links["target_ctid"].to_list() == ["ce-2"]
