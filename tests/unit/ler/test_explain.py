"""Resolution and the "what this means" view (JSON, table, HTML card) on a hand-made snapshot."""

from __future__ import annotations

import json
import re

from ler_analytics.ler.explain import Explainer, explain_document, explanations_table, to_html
from ler_analytics.ler.links import find_links
from ler_analytics.ler.read import parse_document, read_ler
from ler_analytics.ler.resolve import SnapshotResolver, resolve_links

from .conftest import CE_COMP_ART, CE_COMP_SCI, CE_DEGREE, CE_ORG, DEPRECATED, NEXT_CRED, OB3_CTDL, ORG_A, PATHWAY
from .helpers import ob3


def test_resolver_any_case_and_uri(handmade_snapshot):
    resolver = SnapshotResolver(handmade_snapshot)
    found = resolver.resolve("https://credentialengineregistry.org/graph/" + CE_DEGREE.upper())
    assert found and found.ctid == CE_DEGREE and found.table == "credentials" and found.ctdl_type == "BachelorDegree"
    assert resolver.resolve(DEPRECATED).deprecated is True
    assert resolver.resolve(CE_COMP_SCI).name == "Knowledge of Science"
    assert resolver.resolve("ce-00000000-0000-4000-8000-999999999999") is None
    assert resolver.resolve(None) is None


def test_resolve_links_table(handmade_snapshot, ler_data):
    doc = read_ler(ler_data / "ce_s1_2_DegreeInRegistryAndVC.json")
    frame = resolve_links(find_links(doc), SnapshotResolver(handmade_snapshot))
    assert frame.get_column("resolution").to_list() == ["resolved", "resolved", "no_ctid", "resolved", "resolved",
                                                        "resolved"]
    assert frame.filter(frame["ctid"] == CE_ORG)["table"].to_list() == ["organizations", "organizations"]


def test_explain_credential_everything(handmade_snapshot):
    exp = Explainer(handmade_snapshot).explain(CE_DEGREE)
    assert exp["found"] and exp["ctdl_type"] == "BachelorDegree" and exp["status"] == "Active"
    assert exp["deprecated"] is False
    assert exp["owner"]["name"] == "Example University"
    # SOC title from the shipped reference data (O*NET title for the O*NET-SOC code)
    assert exp["occupations"][0]["soc_code"] == "15-1252"
    assert exp["occupations"][0]["title"] == "Software Developers"
    assert exp["industries"][0]["naics_code"] == "541511"
    assert exp["industries"][0]["title"] == "Custom Computer Programming Services"  # NAICS title, not the published one
    assert exp["programs"][0]["cip_code"] == "11.0701"
    assert {c["ctid"] for c in exp["competencies_required"]} == {CE_COMP_SCI, CE_COMP_ART}
    assert exp["competencies_required"][0]["text"].startswith("Demonstrate a good knowledge")
    assert exp["cost"] == {"min_usd": 24000.0, "max_usd": 30000.0, "published": True}
    assert exp["duration"]["months"] == 48.0
    assert exp["outcomes"][0]["median_earnings_usd"] == 61000.0
    assert [s["ctid"] for s in exp["next_steps"]] == [NEXT_CRED]
    assert exp["next_steps"][0]["relation"] == "isPreparationFor"
    assert exp["pathways"][0]["ctid"] == PATHWAY and exp["pathways"][0]["destinations"] == ["Master of Science"]
    json.dumps(exp)  # JSON-ready


def test_explain_deprecated_and_unknown(handmade_snapshot):
    explainer = Explainer(handmade_snapshot)
    assert explainer.explain(DEPRECATED)["deprecated"] is True
    missing = explainer.explain("ce-00000000-0000-4000-8000-999999999999")
    assert missing["found"] is False and missing["occupations"] == []


def test_explain_document_owner_vs_issuer(handmade_snapshot, ler_data):
    explainer = Explainer(handmade_snapshot)
    # CE sample: issuer is the Registry org that owns the degree -> same
    result = explain_document(read_ler(ler_data / "ce_s1_2_DegreeInRegistryAndVC.json"), explainer)
    ach = result["achievements"][0]
    assert ach["primary_ctid"] == CE_DEGREE and ach["owner_differs_from_issuer"] is False
    assert ach["issuer"]["name"] == "Example University"  # resolved from the Registry id of the issuer
    # OB 3.0 example: issued by "1EdTech University" (not a Registry org here) -> undecided
    result = explain_document(read_ler(ler_data / "ob30_complete.json"), explainer)
    assert result["achievements"][0]["owner_differs_from_issuer"] is None
    # issuer named like a Registry org that is not the owner -> differs
    doc = parse_document(ob3({"id": "urn:x", "name": "Degree", "alignment": [
        {"type": ["Alignment"], "targetType": "CTDL",
         "targetUrl": f"https://credentialengineregistry.org/resources/{CE_DEGREE}"}]},
        issuer={"id": "https://alpha.example.edu", "name": "  alpha technical   COLLEGE "}), "d.json")
    ach = explain_document(doc, explainer)["achievements"][0]
    assert ach["issuer"]["ctid"] == ORG_A and ach["owner_differs_from_issuer"] is True


def test_explanations_table(handmade_snapshot, ler_data):
    explainer = Explainer(handmade_snapshot)
    results = [explain_document(read_ler(ler_data / name), explainer)
               for name in ("ob30_complete.json", "clr20_complex.json", "ce_s_2_2_CompetenceAndDegree.json")]
    table = explanations_table(results)
    assert table.height == 1 + 6 + 3
    assert table.filter(table["primary_ctid"] == OB3_CTDL)["name"].to_list() == ["1EdTech University Degree"]
    assert set(table.filter(table["format"] == "CLR 2.0")["resolution"].to_list()) == {"no_link"}
    assert table["occupations"].to_list()[-3] == "15-1252 Software Developers"


def test_html_card_escapes_everything_and_has_no_external_assets(handmade_snapshot, tmp_path):
    evil = '<script>alert("x")</script>'
    doc = parse_document(ob3({"id": "urn:x", "name": evil, "alignment": [
        {"type": ["Alignment"], "targetType": "CTDL", "targetName": evil,
         "targetUrl": f"https://credentialengineregistry.org/resources/{DEPRECATED}"}]},
        issuer={"id": "https://x.example", "name": f"Issuer {evil}"}), f"file{evil}.json")
    html = to_html(explain_document(doc, Explainer(handmade_snapshot)), full_page=True)
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Old &lt;Welding&gt; Certificate" in html  # names from the snapshot are escaped too
    assert "deprecated: Deprecated" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing loaded from elsewhere
    assert "<link" not in html and "@import" not in html


def test_html_card_states_missing_links(handmade_snapshot, ler_data):
    html = to_html(explain_document(read_ler(ler_data / "clr20_complex.json"), Explainer(handmade_snapshot)))
    assert html.count("No CTDL link in this achievement.") == 6
    assert "present, not verified" in html
