"""Opt-in live resolution, exercised against the loopback Registry twin: only CTIDs are sent."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from ler_analytics.cli import main
from ler_analytics.ler.explain import Explainer, explain_document
from ler_analytics.ler.read import parse_document
from ler_analytics.ler.resolve import SnapshotResolver, fetch_live_snapshot
from ler_analytics.registry.client import Registry
from ler_analytics.twin.samples import sample_envelopes

from .helpers import ob3

MISSING = "ce-00000000-0000-4000-8000-0000000bad00"
SECRETS = ("Philippa Nightingale-Orr", "philippa@learners.example.com", "SID-55501234", "1999-02-03",
           "did:example:philippa")


def _credential_envelope():
    for env in sample_envelopes():
        kind = str(env.get("envelope_ctdl_type"))
        if kind.endswith(("Degree", "Certificate", "Certification", "License")):
            return env
    raise AssertionError("the sample registry has no credential")


def _ler(ctid: str) -> dict:
    doc = ob3({"id": "https://school.example/a/1", "name": "Sample credential", "alignment": [
        {"type": ["Alignment"], "targetType": "ceterms:Credential",
         "targetUrl": f"https://credentialengineregistry.org/resources/{ctid}"},
        {"type": ["Alignment"], "targetType": "ceterms:Credential", "targetCode": MISSING},
    ]})
    doc["name"] = f"Sample credential for {SECRETS[0]}"
    doc["credentialSubject"].update({"id": SECRETS[4], "name": SECRETS[0], "email": SECRETS[1],
                                     "birthDate": SECRETS[3],
                                     "identifier": [{"identityType": "studentId", "identityHash": SECRETS[2]}]})
    return doc


def _recording(server):
    seen: list[tuple[str, str, bytes]] = []
    real = server.app.handle

    def record(method, raw_path, headers, body, base_url):
        seen.append((method, raw_path, body))
        return real(method, raw_path, headers, body, base_url)

    server.app.handle = record
    return seen


def _assert_only_ctids_sent(seen, allowed):
    assert seen, "the twin saw no request"
    for method, path, body in seen:
        text = path + body.decode("utf-8", "replace")
        for secret in SECRETS:
            assert secret not in text
        assert "school.example" not in text and "Sample credential" not in text
        if body:
            payload = json.loads(body)
            assert set(payload) == {"ctids"}
            assert set(payload["ctids"]) <= allowed
        for ctid in re.findall(r"ce-[0-9a-f-]{36}", text):
            assert ctid in allowed, (method, path)


def test_fetch_live_snapshot_and_explain(twin_server, tmp_path):
    server = twin_server()
    seen = _recording(server)
    env = _credential_envelope()
    ctid = env["envelope_ceterms_ctid"]
    doc = parse_document(_ler(ctid), "live.json")
    snap = fetch_live_snapshot([ctid, MISSING], registry=Registry(url=server.url), out=tmp_path / "live")
    resolver = SnapshotResolver(snap)
    found = resolver.resolve(ctid)
    assert found is not None and found.table == "credentials"
    assert resolver.resolve(MISSING) is None
    owner = found.owner_ctid
    assert owner and resolver.resolve(owner) is not None  # the owner was fetched too
    result = explain_document(doc, Explainer(snap))
    ach = result["achievements"][0]
    assert ach["primary_ctid"] == ctid and ach["explanation"]["found"]
    assert ach["explanation"]["owner"]["name"]
    _assert_only_ctids_sent(seen, {ctid, MISSING, owner})


def test_cli_live(twin_server, tmp_path):
    server = twin_server()
    seen = _recording(server)
    ctid = _credential_envelope()["envelope_ceterms_ctid"]
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(_ler(ctid)))
    result = CliRunner().invoke(main, ["enrich", str(path), "--live", "--registry", server.url])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output[result.output.index("{"):])
    ach = out["achievements"][0]
    assert ach["explanation"]["found"] is True
    assert {link["resolution"] for link in ach["links"]} == {"resolved", "not_found"}
    owner = ach["explanation"]["owner"]["ctid"]
    _assert_only_ctids_sent(seen, {ctid, MISSING, owner})
    for secret in SECRETS:
        assert secret not in result.output
