"""Link health over a folder: aggregates, small-cell suppression, privacy, and no network at all."""

from __future__ import annotations

import json
import socket

import orjson
import polars as pl
import pytest
from click.testing import CliRunner

from ler_analytics.cli import main
from ler_analytics.ler.health import (
    OTHER_ISSUERS,
    compute_ler_link_coverage,
    compute_ler_link_health_by_issuer,
    link_health,
    suppress_counts,
)
from ler_analytics.ler.synthetic import generate_lers, write_lers
from ler_analytics.metrics.registry import METRICS


def _plant_more(folder, lers):
    """Add unique learner values (results, names, ids) to every JSON LER, so leaks are detectable."""
    planted: set[str] = set()
    for i, ler in enumerate(lers):
        learner = ler.learner
        planted.update({learner["name"], learner["email"], learner["student_id"], learner["birth_date"],
                        learner["did"]})
        path = folder / ler.file_name
        if ler.file_name.endswith(".jwt"):
            continue
        doc = orjson.loads(path.read_bytes())
        subjects = [doc["credentialSubject"]]
        subjects += [vc["credentialSubject"] for vc in doc["credentialSubject"].get("verifiableCredential", [])]
        for j, subject in enumerate(subjects):
            secret = f"RESULTSECRET{i}x{j}"
            subject["result"] = [{"type": ["Result"], "value": secret, "resultDescription": f"urn:uuid:{secret}"}]
            subject["identifier"] = [{"type": "IdentityObject", "identityType": "nationalIdentityNumber",
                                      "identityHash": f"NATID{i}x{j}"}]
            planted.update({secret, f"NATID{i}x{j}"})
        path.write_bytes(orjson.dumps(doc))
    return planted


@pytest.fixture(scope="module")
def synthetic_folder(handmade_snapshot, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lers")
    lers = generate_lers(handmade_snapshot, n=240, seed=3)
    write_lers(lers, folder)
    planted = _plant_more(folder, lers)
    (folder / "broken.json").write_text('{"type": ["VerifiableCredential"], "credentialSubject": {"name": "Ann')
    (folder / "broken.jwt").write_text("eyJhbGciOiJFZERTQSJ9.notbase64$$.sig")
    return folder, lers, planted


def test_link_health_numbers(handmade_snapshot, synthetic_folder):
    folder, lers, _planted = synthetic_folder
    report = link_health(folder, handmade_snapshot)
    assert report.n_files == 242 and report.n_documents == 240 and len(report.errors) == 2
    assert {e.source.rsplit("/", 1)[-1] for e in report.errors} == {"broken.json", "broken.jwt"}
    expected_achievements = sum(len(ler.expected) for ler in lers)
    assert report.n_achievements == expected_achievements
    coverage = {row["pattern"]: row for row in report.coverage.to_dicts()}
    expected_none = sum(1 for ler in lers for e in ler.expected if e["style"] == "none")
    assert coverage["none"]["n_achievements"] == expected_none
    assert coverage["any"]["n_achievements"] == expected_achievements - expected_none
    assert coverage["any"]["share"] == pytest.approx((expected_achievements - expected_none) / expected_achievements)
    problems = {row["problem"]: row["n_achievements"] for row in report.problems.to_dicts()}
    expected_broken = sum(1 for ler in lers for e in ler.expected if e["broken"])
    assert expected_broken >= 10  # enough to be shown
    assert problems["unresolvable"] == expected_broken
    assert problems["finder_only"] == sum(1 for ler in lers for e in ler.expected if e["style"] == "finder_only")
    broken_ctids = {e["ctid"] for ler in lers for e in ler.expected if e["broken"]}
    assert set(report.unresolvable.get_column("ctid").to_list()) == broken_ctids
    assert report.formats.get_column("encoding").to_list().count("vc-jwt") == 1
    # every issuer row is either >= k achievements or pooled
    for row in report.by_issuer.to_dicts():
        assert row["issuer"] == OTHER_ISSUERS or row["n_achievements"] >= 10


def test_no_learner_data_in_any_batch_output(handmade_snapshot, synthetic_folder, tmp_path):
    folder, _lers, planted = synthetic_folder
    report = link_health(folder, handmade_snapshot)
    outputs = [json.dumps(report.as_dict(), default=str), report.to_html()]
    outputs += [str(frame) for frame in report.frames().values()]
    outputs += [frame.write_csv() for frame in report.frames().values()]
    runner = CliRunner()
    for fmt in ("json", "table", "html"):
        result = runner.invoke(main, ["enrich", "--health", str(folder), "--snapshot", str(handmade_snapshot.path),
                                      "--format", fmt])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    text = "\n".join(outputs)
    assert len(planted) > 500
    leaked = sorted(value for value in planted if value in text)
    assert leaked == []
    # the truncated file's learner name fragment is not echoed in the error either
    assert '"name": "Ann' not in text


def test_no_socket_is_opened_during_a_batch(handmade_snapshot, synthetic_folder, monkeypatch):
    folder, _lers, _planted = synthetic_folder
    calls: list[object] = []
    real_init = socket.socket.__init__

    def record_init(self, *args, **kwargs):
        calls.append(("socket", args))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "__init__", record_init)
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: calls.append(("connect", address)))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, address: calls.append(("connect_ex", address)))
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(("create_connection", a)))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: calls.append(("getaddrinfo", a)) or [])
    report = link_health(folder, handmade_snapshot)
    result = CliRunner().invoke(main, ["enrich", "--health", str(folder), "--snapshot", str(handmade_snapshot.path)])
    assert result.exit_code == 0
    assert report.n_documents == 240
    assert calls == []


def test_small_cells_are_suppressed_and_flagged():
    frame = pl.DataFrame({"group": ["a", "b", "c", "d"], "n": [25, 3, 0, 12]})
    out = suppress_counts(frame, ["n"], k=10)
    # 3 is hidden; 12 (smallest other non-zero) is hidden too so 3 cannot be recovered from a total
    assert out["n"].to_list() == [25, None, 0, None]
    assert out["suppressed"].to_list() == [False, True, False, True]
    assert out["suppressed_columns"].to_list() == ["", "n", "", "n"]
    assert suppress_counts(frame, ["n"], k=3)["n"].to_list() == [25, 3, 0, 12]
    assert suppress_counts(frame, ["n"], k=4, secondary=False)["n"].to_list() == [25, None, 0, 12]


def _achievements(rows):
    base = {"issuer_ctid": None, "format": "OB 3.0", "encoding": "json-ld", "achievement_type": "Badge",
            "n_links": 1, "has_ctid": True, "finder_only": False, "primary_ctid": None, "resolution": "resolved",
            "any_unresolvable": False, "deprecated": False, "any_deprecated": False, "owner_ctid": None,
            "owner_differs": None}
    return pl.DataFrame([{**base, **r} for r in rows])


def test_issuers_below_k_are_pooled_and_k_is_configurable():
    rows = [{"issuer": "Big College", "has_link": True, "patterns": ["same_as"]}] * 30
    rows += [{"issuer": f"Tiny {i}", "has_link": i % 2 == 0, "patterns": []} for i in range(4)]
    frame = _achievements(rows)
    out = compute_ler_link_health_by_issuer(frame, k=10)
    assert out["issuer"].to_list() == ["Big College", OTHER_ISSUERS]
    pooled = out.row(1, named=True)
    assert pooled["n_achievements"] is None and pooled["suppressed"] and "n_achievements" in pooled["suppressed_columns"]
    assert "Tiny 0" not in str(out)
    # secondary suppression: Big College's count would reveal the pooled one from the total
    assert out.row(0, named=True)["n_achievements"] is None
    out3 = compute_ler_link_health_by_issuer(frame, k=2)
    assert sorted(out3["issuer"].to_list()) == ["Big College", OTHER_ISSUERS]
    assert out3.filter(pl.col("issuer") == OTHER_ISSUERS)["n_achievements"].to_list() == [4]
    out1 = compute_ler_link_health_by_issuer(frame, k=1)
    assert len(out1) == 5 and not any(out1["suppressed"].to_list())


def test_fewer_than_k_achievements_suppresses_everything():
    frame = _achievements([{"issuer": "A", "has_link": True, "patterns": ["same_as"]}] * 7)
    coverage = compute_ler_link_coverage(frame, k=10)
    assert coverage["n_achievements"].null_count() == coverage.height
    assert coverage["share"].null_count() == coverage.height
    assert all(coverage["suppressed"].to_list())


def test_metrics_are_registered_in_group_ler():
    names = {name for name, info in METRICS.items() if info.group == "ler"}
    assert {"compute_ler_link_coverage", "compute_ler_link_health_by_issuer", "compute_ler_link_problems",
            "compute_ler_unresolvable_ctids", "compute_ler_deprecated_targets", "compute_ler_formats"} <= names
    assert "suppressed" in METRICS["compute_ler_link_coverage"].caveats
