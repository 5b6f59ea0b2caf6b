"""Fixtures for the LER tests: a small hand-made snapshot whose tables follow ``ctdl/fields.py``.

The snapshot holds the CTIDs named by the real LER examples (so they resolve) plus a few dozen
credentials for synthetic LERs. It is written with the documented column names and types only.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ler_analytics.ctdl.fields import CORE_TABLES, fields_for
from ler_analytics.snapshot import atomic_write_json, open_snapshot

LER_DATA = Path(__file__).resolve().parents[2] / "data" / "ler"

_DTYPES = {
    "str": pl.String,
    "i64": pl.Int64,
    "f64": pl.Float64,
    "bool": pl.Boolean,
    "list[str]": pl.List(pl.String),
    "datetime": pl.Datetime("us", "UTC"),
}

# CTIDs from the real examples
OB3_CTDL = "ce-98cb027b-95ef-4494-908d-6f7790ec6b6b"
CE_DEGREE = "ce-49247727-7cbd-4f0e-8179-e51036d1f14a"
CE_ORG = "ce-ca493a91-b9ec-4a45-ac6f-a6259656ea50"
CE_COMP_SCI = "ce-84958217-1323-46fe-87c8-652120800190"
CE_COMP_ART = "ce-8aa6b5b5-095c-4152-89b2-06438129002c"

ORG_A = "ce-00000000-0000-4000-8000-00000000000a"
ORG_B = "ce-00000000-0000-4000-8000-00000000000b"
DEPRECATED = "ce-00000000-0000-4000-8000-0000000000de"
NEXT_CRED = "ce-00000000-0000-4000-8000-0000000000ee"
PATHWAY = "ce-00000000-0000-4000-8000-0000000000f0"
FRAMEWORK = "ce-00000000-0000-4000-8000-0000000000fa"


def frame_for(table: str, rows: list[dict]) -> pl.DataFrame:
    """A frame with exactly the documented columns of ``table`` (missing values null)."""
    schema = {f.name: _DTYPES[f.dtype] for f in fields_for(table)}
    full = [{name: row.get(name) for name in schema} for row in rows]
    return pl.DataFrame(full, schema=schema, orient="row") if full else pl.DataFrame(schema=schema)


def make_snapshot(path: Path, tables: dict[str, list[dict]], *, source: str = "files:handmade",
                  synthetic: bool = False) -> Path:
    """Write a complete snapshot with the given table rows (every core table present)."""
    (path / "tables").mkdir(parents=True, exist_ok=True)
    for table in CORE_TABLES:
        frame_for(table, tables.get(table, [])).write_parquet(path / "tables" / f"{table}.parquet")
    atomic_write_json(path / "manifest.json", {"format": "ler-snapshot/1", "id": path.name, "source": source,
                                               "synthetic": synthetic, "status": "complete"})
    return path


def _cred_ctid(i: int) -> str:
    return f"ce-00000000-0000-4000-8000-{i:012d}"


def handmade_tables() -> dict[str, list[dict]]:
    orgs = [
        {"ctid": CE_ORG, "organization_type": "CredentialOrganization", "name": "Example University"},
        {"ctid": ORG_A, "organization_type": "CredentialOrganization", "name": "Alpha Technical College"},
        {"ctid": ORG_B, "organization_type": "CredentialOrganization", "name": "Beta Community College"},
    ]
    creds = [
        {"ctid": CE_DEGREE, "credential_type": "BachelorDegree", "name": "Bachelor's Degree in Science and Arts",
         "owner_ctid": CE_ORG, "offered_by_ctids": [CE_ORG], "status": "Active", "description": "A degree.",
         "cost_min_usd": 24000.0, "cost_max_usd": 30000.0, "has_cost": True, "duration_months": 48.0,
         "has_duration": True, "has_competencies": True},
        {"ctid": OB3_CTDL, "credential_type": "AssociateDegree", "name": "1EdTech University Degree",
         "owner_ctid": ORG_A, "status": "Active"},
        {"ctid": DEPRECATED, "credential_type": "Certificate", "name": "Old <Welding> Certificate",
         "owner_ctid": ORG_A, "status": "Deprecated"},
        {"ctid": NEXT_CRED, "credential_type": "MasterDegree", "name": "Master of Science", "owner_ctid": CE_ORG,
         "status": "Active"},
    ]
    for i in range(1, 31):
        creds.append({"ctid": _cred_ctid(i), "credential_type": "Certificate", "name": f"Certificate {i}",
                      "owner_ctid": ORG_A if i % 2 else ORG_B, "status": "Active"})
    competencies = [
        {"ctid": CE_COMP_SCI, "framework_ctid": FRAMEWORK, "text": "Demonstrate a good knowledge of science",
         "label": "Knowledge of Science"},
        {"ctid": CE_COMP_ART, "framework_ctid": FRAMEWORK, "text": "Demonstrate a good knowledge of arts",
         "label": "Knowledge of Arts"},
    ]
    alignments = [
        {"subject_ctid": CE_DEGREE, "subject_table": "credentials", "property": "occupationType",
         "code_system": "SOC", "code": "15-1252", "onet_soc_code": "15-1252.00", "raw_code": "15-1252.00",
         "target_name": "Software Developers"},
        {"subject_ctid": CE_DEGREE, "subject_table": "credentials", "property": "industryType",
         "code_system": "NAICS", "code": "541511", "raw_code": "541511", "target_name": "Custom Computer Programming"},
        {"subject_ctid": CE_DEGREE, "subject_table": "credentials", "property": "instructionalProgramType",
         "code_system": "CIP", "code": "11.0701", "raw_code": "11.0701", "target_name": "Computer Science"},
    ]
    connections = [
        {"subject_ctid": CE_DEGREE, "subject_table": "credentials", "relation": "requires",
         "target_ctid": CE_COMP_SCI, "via": "requires/targetCompetency"},
        {"subject_ctid": CE_DEGREE, "subject_table": "credentials", "relation": "requires",
         "target_ctid": CE_COMP_ART, "via": "requires/targetCompetency"},
        {"subject_ctid": CE_DEGREE, "subject_table": "credentials", "relation": "isPreparationFor",
         "target_ctid": NEXT_CRED, "via": "isPreparationFor/targetCredential"},
        {"subject_ctid": CE_DEGREE, "subject_table": "credentials", "relation": "ownedBy",
         "target_ctid": CE_ORG, "via": "direct"},
    ]
    for i in range(1, 31):
        connections.append({"subject_ctid": _cred_ctid(i), "subject_table": "credentials", "relation": "requires",
                            "target_ctid": CE_COMP_SCI if i % 2 else CE_COMP_ART, "via": "requires/targetCompetency"})
    outcomes = [{"ctid": "ce-00000000-0000-4000-8000-0000000000d1", "about_ctid": CE_DEGREE, "owner_ctid": CE_ORG,
                 "median_earnings_usd": 61000.0, "employment_rate": 0.87, "holders_count": 420,
                 "time_period": "2022", "state_code": "OH"}]
    pathways = [{"ctid": PATHWAY, "name": "Science Careers Pathway", "owner_ctid": CE_ORG, "component_count": 2}]
    components = [
        {"ctid": "ce-00000000-0000-4000-8000-0000000000c1", "pathway_ctid": PATHWAY,
         "component_type": "CredentialComponent", "name": "Bachelor's", "proxy_for_ctid": CE_DEGREE,
         "is_destination": False},
        {"ctid": "ce-00000000-0000-4000-8000-0000000000c2", "pathway_ctid": PATHWAY,
         "component_type": "CredentialComponent", "name": "Master of Science", "proxy_for_ctid": NEXT_CRED,
         "is_destination": True},
    ]
    frameworks = [{"ctid": FRAMEWORK, "name": "Example Framework", "owner_ctid": CE_ORG, "competency_count": 2}]
    return {
        "organizations": orgs, "credentials": creds, "competencies": competencies, "alignments": alignments,
        "connections": connections, "outcomes": outcomes, "pathways": pathways, "pathway_components": components,
        "competency_frameworks": frameworks,
    }


@pytest.fixture(scope="session")
def handmade_snapshot_path(tmp_path_factory) -> Path:
    return make_snapshot(tmp_path_factory.mktemp("ler-snap") / "snapshot", handmade_tables())


@pytest.fixture(scope="session")
def handmade_snapshot(handmade_snapshot_path):
    return open_snapshot(handmade_snapshot_path)


@pytest.fixture()
def ler_data() -> Path:
    return LER_DATA
