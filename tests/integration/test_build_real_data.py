"""`ler build` on the curated real Registry records in tests/data/ctdl (values read from the files)."""

import shutil
from pathlib import Path

import polars as pl
import pytest

import ler_analytics as la
from ler_analytics.build import build
from ler_analytics.ctdl.dtypes import polars_schema
from ler_analytics.ctdl.fields import CORE_TABLES

DATA = Path(__file__).resolve().parents[1] / "data" / "ctdl"
NOCTI = "ce-6a62b250-a1a2-4d31-a702-cdc2437efd31"
CERT = "ce-14525aea-57c5-4f5a-8f1c-bdc95c7f8b9b"


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    src = tmp_path_factory.mktemp("input") / "ctdl"
    shutil.copytree(DATA, src)
    out = tmp_path_factory.mktemp("built") / "snapshot"
    counts = build(src, out=out, workers=1)
    snapshot = la.open_snapshot(out)
    snapshot.counts = counts
    return snapshot


def test_every_table_has_exactly_the_dictionary_columns_and_types(snap):
    assert set(snap.table_names()) == set(CORE_TABLES)
    for table in CORE_TABLES:
        assert snap.table(table).schema == polars_schema(table), table


def test_manifest_records_source_raw_copy_and_table_counts(snap):
    manifest = snap.manifest
    assert manifest["status"] == "complete"
    assert manifest["source"].startswith("files:") and manifest["source"].endswith("ctdl")
    copied = "raw/files/CredentialEngine__Registry_Assistant/src/SamplePublishing/RA.SamplesForDocumentation/EnvelopeSamples/CredentialEnvelope.json"
    assert copied in manifest["files"]
    original = DATA / copied.removeprefix("raw/files/")
    assert (snap.path / copied).read_bytes() == original.read_bytes()  # byte-for-byte
    assert manifest["tables"]["row_counts"] == snap.counts
    assert manifest["tables"]["quarantine_count"] == 1
    assert manifest["counts"]["by_type"]["ceterms:Certification"] == 1


def test_prod_certification_from_its_envelope(snap):
    cred = snap.credentials.filter(pl.col("ctid") == CERT).row(0, named=True)
    assert cred["name"] == "21st Century Skills for Workplace Success"
    assert cred["credential_type"] == "Certification" and cred["credential_family"] == "Certification"
    assert cred["owner_ctid"] == NOCTI  # published as /graph/ce-6A62B250-... (upper case)
    assert cred["status"] == "Active"
    assert cred["envelope_id"] == "c6b5015a-585d-4170-8739-114f32974590"
    assert cred["envelope_updated_at"].isoformat() == "2019-02-19T22:12:36+00:00"
    assert cred["has_qa"] is True
    assert cred["audience_levels"][:2] == ["BeginnerLevel", "SecondaryLevel"]
    assert cred["date_effective"] == "2016-09-01"


def test_blank_node_qa_organisations_and_the_real_organisation(snap):
    orgs = snap.organizations
    nocti = orgs.filter(pl.col("ctid") == NOCTI).row(0, named=True)
    assert (nocti["name"], nocti["organization_type"], nocti["state_code"]) == ("NOCTI", "CredentialOrganization", "MI")
    blank = orgs.filter(pl.col("is_blank_node"))
    assert "National College Credit Recommendation Service (NCCRS)" in blank["name"].to_list()
    assert "Commission on Collegiate Nursing Education (CCNE)" in blank["name"].to_list()
    assert blank["ctid"].null_count() == blank.height
    place = snap.locations.filter((pl.col("subject_ctid") == NOCTI) & (pl.col("role") == "address")).row(0, named=True)
    assert (place["raw_region"], place["locality"]) == ("Michigan", "Big Rapids")


def test_codes_from_the_real_assessment_and_nursing_degree(snap):
    al = snap.alignments
    asmt = al.filter(pl.col("subject_ctid") == "ce-474460bb-617c-4181-8bb5-94cca3e2dde7")
    assert ("SOC", "29-9099", "29-9099.00") in asmt.select("code_system", "code", "onet_soc_code").rows()
    assert ("CIP", "51.0799") in asmt.select("code_system", "code").rows()
    assert ("NAICS", "62") in asmt.select("code_system", "code").rows()
    bsn = al.filter(pl.col("subject_ctid") == "ce-2f7bc05c-2f9c-4119-9507-2f64d1a71b7b")
    assert set(bsn.filter(pl.col("code_system") == "SOC")["onet_soc_code"]) == {
        "29-1141.00",
        "29-1141.01",
        "29-1141.03",
    }
    assert bsn.filter(pl.col("code_system") == "CIP")["code"].to_list() == ["51.3801"]


def test_states_from_every_spelling_in_real_payloads(snap):
    loc = snap.locations.filter(pl.col("role") == "availableAt")
    full_test = loc.filter(pl.col("subject_ctid") == "ce-70a27ce2-2f7e-4f79-aefa-b27f37c2a41a")  # upper case in file
    assert set(full_test["raw_region"]) == {"Illinois", "IL", "il"}
    assert set(full_test["state_code"]) == {"IL"}
    mixed = loc.filter(pl.col("subject_ctid") == "ce-25843d95-13e6-4cf8-b3f3-e5b9dbbedb10")
    assert dict(mixed.select("raw_region", "state_code").rows()) == {"MB": None, "DC": "DC", "Geneva": None}
    indiana = loc.filter(pl.col("subject_ctid") == "ce-2f7bc05c-2f9c-4119-9507-2f64d1a71b7b").row(0, named=True)
    assert (indiana["state_code"], indiana["locality"]) == ("IN", "South Bend")


def test_2017_payload_with_plain_strings_and_id_object_references(snap):
    cred = snap.credentials.filter(pl.col("ctid") == "ce-06ffe2a0-b169-4a22-82d8-8263dfc94c9c").row(0, named=True)
    assert cred["name"] == "C.G. in Emergency Medical Services/Paramedics"
    assert cred["owner_ctid"] == "ce-1c10e96b-e190-49ae-80d9-5232b5b3126a"
    assert cred["in_language"] == ["English"]
    assert cred["envelope_id"] is None


def test_outcome_data_from_a_data_set_profile_and_embedded_aggregate_data(snap):
    out = snap.outcomes
    nclex = out.filter(pl.col("ctid") == "ce-ed36f74a-2845-4b37-9209-27d987422037").row(0, named=True)
    assert nclex["about_ctid"] == "ce-2f7bc05c-2f9c-4119-9507-2f64d1a71b7b"
    assert (nclex["holders_count"], nclex["time_period"]) == (51, "2020-01-01/2020-12-31")
    kansas = out.filter(pl.col("ctid") == "ce-bd860014-039c-9c32-f816-e4f429b17f40")
    assert sorted(kansas["median_earnings_usd"].to_list()) == [44439.0, 49333.0]
    assert 0.88 in kansas["employment_rate"].to_list()
    degree = snap.credentials.filter(pl.col("ctid") == "ce-2f7bc05c-2f9c-4119-9507-2f64d1a71b7b").row(0, named=True)
    assert degree["has_outcome_data"] is True


def test_competency_framework_with_its_competencies(snap):
    fw = snap.competency_frameworks.row(0, named=True)
    assert (fw["ctid"], fw["name"], fw["competency_count"]) == (
        "ce-c23a0e0c-8be8-4911-bc52-f2479c41af4b",
        "HOSP 229, Revenue Management",
        13,
    )
    assert fw["owner_ctid"] == "ce-1abb6c52-0f8c-4b17-9f89-7e9807673106"
    comps = snap.competencies
    assert comps.height == 13 and set(comps["framework_ctid"]) == {fw["ctid"]}
    assert "Explain the concept of revenue management and the history of its development." in comps["text"].to_list()


def test_pathway_from_a_json_array_of_nodes(snap):
    pathway = snap.pathways.row(0, named=True)
    assert (pathway["name"], pathway["component_count"]) == ("ETE Pathways", 103)
    assert pathway["destination_ctids"] == ["ce-53d6e77b-dd84-4e5f-8e28-c70a431b3271"]
    comps = snap.pathway_components
    assert comps.height == 103 and set(comps["pathway_ctid"]) == {pathway["ctid"]}
    assert comps.filter(pl.col("is_destination"))["name"].to_list() == ["Teaching Excellence Pathway"]
    assert comps["component_type"].value_counts().sort("component_type").rows() == [
        ("BasicComponent", 11),
        ("CredentialComponent", 92),
    ]


def test_transfer_value_profile(snap):
    tv = snap.transfer_values.row(0, named=True)
    assert (tv["name"], tv["credit_value"], tv["credit_unit"]) == ("Principles of Finance", 3.0, "DegreeCredit")
    assert tv["owner_ctid"] == "ce-9c1c2d37-e525-43a3-9cea-97f076b2fe38"


def test_the_broken_real_file_is_quarantined_with_a_reason(snap):
    q = snap.quarantine.row(0, named=True)
    assert q["source_file"].endswith("EnvelopeSamples/ConditionManifest.json:1")
    assert q["reason"].startswith("not valid JSON")
    assert q["raw"].startswith("{") and len(q["raw"]) <= 2000


def test_connections_include_ownership_and_condition_targets(snap):
    edges = snap.connections.filter(pl.col("subject_ctid") == CERT)
    assert ("ownedBy", NOCTI, "direct") in edges.select("relation", "target_ctid", "via").rows()
    assert ("requires", "ce-a81e3b16-f583-40da-a186-c568559ad7e5", "requires/targetAssessment") in edges.select(
        "relation", "target_ctid", "via"
    ).rows()


def test_resource_properties_of_the_certification(snap):
    props = snap.resource_properties.filter(pl.col("ctid") == CERT)
    assert {"ceterms:name", "ceterms:ownedBy", "ceterms:requires"} <= set(props["property"])
    assert props.filter(pl.col("property") == "ceterms:keyword")["value_count"].item() == 7


def test_rebuilding_gives_the_same_tables(snap, tmp_path):
    counts = build(snap.path)
    assert counts == snap.counts
