"""Synthetic LERs (deterministic, every planted link found) and the `ler enrich` command."""

from __future__ import annotations

import json

import orjson
import pytest
from click.testing import CliRunner

from ler_analytics.cli import main
from ler_analytics.errors import SnapshotError
from ler_analytics.ler.links import find_links, links_by_achievement, primary_ctid
from ler_analytics.ler.read import parse_bytes
from ler_analytics.ler.resolve import SnapshotResolver
from ler_analytics.ler.synthetic import generate_lers, write_lers
from ler_analytics.snapshot import open_snapshot

from .conftest import CE_DEGREE, make_snapshot

STYLE_PATTERN = {
    "registry_alignment_url": "registry_alignment_url",
    "alignment_ctid_code": "alignment_ctid_code",
    "registry_achievement_id": "registry_achievement_id",
    "same_as": "same_as",
    "embedded_ctdl": "embedded_ctdl",
    "finder_only": "finder_url",
}


def test_deterministic(handmade_snapshot):
    a = generate_lers(handmade_snapshot, n=40, seed=9)
    b = generate_lers(handmade_snapshot, n=40, seed=9)
    c = generate_lers(handmade_snapshot, n=40, seed=10)
    assert [x.content for x in a] == [x.content for x in b]
    assert [x.content for x in a] != [x.content for x in c]


def test_mix_of_formats_and_every_planted_link_is_found(handmade_snapshot):
    lers = generate_lers(handmade_snapshot, n=300, seed=5)
    resolver = SnapshotResolver(handmade_snapshot)
    formats = {ler.format for ler in lers}
    assert formats == {"ob3", "clr", "jwt", "ce_vc"}
    styles = {e["style"] for ler in lers for e in ler.expected}
    assert styles == set(STYLE_PATTERN) | {"none"}
    assert 0.03 < sum(e["broken"] for ler in lers for e in ler.expected) / sum(len(x.expected) for x in lers) < 0.15
    seen_formats = set()
    for ler in lers:
        doc = parse_bytes(ler.content, ler.file_name)
        seen_formats.add((doc.format, doc.encoding))
        grouped = links_by_achievement(doc, find_links(doc))
        assert len(doc.achievements) == len(ler.expected), ler.file_name
        for ach, expected in zip(doc.achievements, ler.expected, strict=True):
            links = grouped[ach.path]
            if expected["style"] == "none":
                assert links == [], ler.file_name
                continue
            assert STYLE_PATTERN[expected["style"]] in {link.pattern for link in links}
            assert primary_ctid(links) == expected["ctid"], ler.file_name
            if expected["ctid"]:
                assert (resolver.resolve(expected["ctid"]) is None) == expected["broken"]
    assert {("OB 3.0", "json-ld"), ("CLR 2.0", "json-ld"), ("OB 3.0", "vc-jwt"), ("VC 1.1", "json-ld")} <= seen_formats
    jwt = next(ler for ler in lers if ler.format == "jwt")
    doc = parse_bytes(jwt.content, jwt.file_name)
    assert doc.jwt_header["synthetic"] is True and doc.proof.verified is False


def test_needs_credentials(tmp_path):
    snap = open_snapshot(make_snapshot(tmp_path / "empty", {}))
    with pytest.raises(SnapshotError, match="no named credentials"):
        generate_lers(snap, n=3)


def test_cli_enrich_json_table_html(handmade_snapshot, ler_data, tmp_path):
    runner = CliRunner()
    snap = str(handmade_snapshot.path)
    result = runner.invoke(main, ["enrich", str(ler_data / "ce_s1_2_DegreeInRegistryAndVC.json"), "--snapshot", snap])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    ach = payload["achievements"][0]
    assert ach["primary_ctid"] == CE_DEGREE and ach["explanation"]["name"] == "Bachelor's Degree in Science and Arts"
    assert [link["pattern"] for link in ach["links"]] == ["registry_achievement_id", "finder_url", "embedded_ctdl",
                                                          "embedded_ctdl", "embedded_ctdl"]
    assert "did:example:ebfeb1f712ebc6f1c276e12ec21" not in result.output  # the learner's id is never output

    result = runner.invoke(main, ["enrich", str(ler_data), "--snapshot", snap, "--format", "table"])
    assert result.exit_code == 0 and "shape: (11, 13)" in result.output and "resolved" in result.output

    out = tmp_path / "cards.html"
    result = runner.invoke(main, ["enrich", str(ler_data / "ob30_complete.json"), "--snapshot", snap,
                                  "--format", "html", "--out", str(out)])
    assert result.exit_code == 0
    html = out.read_text()
    assert html.startswith("<!doctype html>") and "1EdTech University Degree" in html
    assert "student@1edtech.edu" not in html and "somebody@gmail.com" not in html


def test_cli_enrich_bad_file_reported_and_others_processed(handmade_snapshot, ler_data, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    result = CliRunner().invoke(main, ["enrich", str(bad), str(ler_data / "ob30_complete.json"),
                                       "--snapshot", str(handmade_snapshot.path)])
    assert result.exit_code == 1
    assert f"not read: {bad}: not valid JSON" in result.output
    start = result.output.index("[")
    assert json.loads(result.output[start:])[0]["document"]["format"] == "OB 3.0"


def test_cli_usage_errors(handmade_snapshot):
    runner = CliRunner()
    assert runner.invoke(main, ["enrich"]).exit_code == 2
    result = runner.invoke(main, ["enrich", "--health", "--live", "x"])
    assert result.exit_code == 2 and "offline only" in result.output
    result = runner.invoke(main, ["enrich", "x.json", "--snapshot", "/nonexistent/snap"])
    assert result.exit_code == 1 and "manifest.json is missing" in result.output


def test_cli_synthetic_out(handmade_snapshot, tmp_path):
    out = tmp_path / "lers"
    result = CliRunner().invoke(main, ["enrich", "--synthetic-out", str(out), "--count", "12", "--seed", "4",
                                       "--snapshot", str(handmade_snapshot.path)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 12 and files[0].startswith("ler-00001.")
    again = tmp_path / "again"
    write_lers(generate_lers(handmade_snapshot, n=12, seed=4), again)
    assert sorted(p.read_bytes() for p in out.iterdir()) == sorted(p.read_bytes() for p in again.iterdir())


def test_synthetic_lers_are_valid_json_or_jwt(handmade_snapshot):
    for ler in generate_lers(handmade_snapshot, n=30, seed=1):
        if ler.file_name.endswith(".json"):
            assert isinstance(orjson.loads(ler.content), dict)
        else:
            assert ler.content.count(b".") == 2


def test_ensure_synthetic_lers_regenerates_only_when_needed(handmade_snapshot, tmp_path):
    from ler_analytics.ler.read import read_many
    from ler_analytics.ler.synthetic import ensure_synthetic_lers

    folder = ensure_synthetic_lers(handmade_snapshot, tmp_path / "s", n=15, seed=2)
    first = {p.name: p.stat().st_mtime_ns for p in folder.glob("ler-*")}
    assert len(first) == 15
    assert ensure_synthetic_lers(handmade_snapshot, folder, n=15, seed=2) == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.glob("ler-*")} == first  # reused
    docs, errors = read_many([folder])  # the hidden marker file is not read as an LER
    assert len(docs) == 15 and errors == []
    ensure_synthetic_lers(handmade_snapshot, folder, n=15, seed=3)
    again = sorted(p.read_bytes() for p in folder.glob("ler-*"))
    assert again == sorted(x.content for x in generate_lers(handmade_snapshot, n=15, seed=3))
    ensure_synthetic_lers(handmade_snapshot, folder, n=5, seed=3)
    assert len(list(folder.glob("ler-*"))) == 5
