"""A hand-made fixture for the metric tests: 12 credentials, 4 organizations, 2 states.

Every expected value in tests/unit/metrics/ is worked out by hand from these rows (see the comments
in each test). Summary of the credentials:

    cred type             owner offered  status      delivery              audience               online cost dur qa  out comp
    c1   Certificate      o1    [o1]     Active      [InPerson]            [BeginnerLevel]        F      T    T   T   F   T
    c2   Certificate      o1    [o1,o2]  Active      [InPerson,OnlineOnly] []                     T      F    T   F   F   F
    c3   AssociateDegree  o1    [o1]     Active      [InPerson]            [AssociatesDegreeLevel] F     T    T   T   T   F
    c4   Certification    o3    []       Active      [OnlineOnly]          []                     T      T    F   F   F   T
    c5   Certification    o3    []       Deprecated  [OnlineOnly]          []                     T      F    F   F   F   F
    c6   License          o4    []       Active      []                    []                     F      F    F   T   F   F
    c7   Certificate      o2    [o2]     Active      [BlendedDelivery]     [BeginnerLevel]        F      T    T   F   F   F
    c8   Certificate      o2    [o2]     null        [InPerson]            []                     F      F    F   F   F   F
    c9   BachelorDegree   o1    [o1]     Active      [InPerson]            [BachelorsDegreeLevel] F      T    T   T   T   T
    c10  Certificate      o3    []       Active      [InPerson]            []                     F      F    F   F   F   F
    c11  DigitalBadge     null  [o2]     Active      [OnlineOnly]          []                     T      F    F   F   F   F
    c12  Certificate      o1    [o1]     Suspended   [InPerson]            []                     F      F    F   F   F   F

Organizations: o1 CO (Postsecondary), o2 WY (TrainingProvider), o3 no US address (CertificationBody),
o4 CO (QA body, no agent type). availableAt: c3 CO, c8 CO, c10 WY, c2 (Ontario, not a US state).
An outcomes row is about c2 (so c2 has outcome data although has_outcome_data is False).
"""

from __future__ import annotations

import polars as pl
import pytest


def cid(n: int) -> str:
    return f"ce-00000000-0000-0000-0000-{n:012d}"


def oid(n: int) -> str:
    return f"ce-11111111-0000-0000-0000-{n:012d}"


C = {f"c{n}": cid(n) for n in range(1, 14)}
ORG = {f"o{n}": oid(n) for n in range(1, 5)}

_FAMILY = {"Certificate": "Certificate", "AssociateDegree": "Degree", "BachelorDegree": "Degree",
           "Certification": "Certification", "License": "License", "DigitalBadge": "Badge"}

# name, type, owner, offered, status, delivery, audience, online, cost, dur, qa, out, comp
_CREDS = [
    ("c1", "Certificate", "o1", ["o1"], "Active", ["InPerson"], ["BeginnerLevel"], False, True, True, True, False, True),
    ("c2", "Certificate", "o1", ["o1", "o2"], "Active", ["InPerson", "OnlineOnly"], [], True, False, True, False, False, False),
    ("c3", "AssociateDegree", "o1", ["o1"], "Active", ["InPerson"], ["AssociatesDegreeLevel"], False, True, True, True, True, False),
    ("c4", "Certification", "o3", [], "Active", ["OnlineOnly"], [], True, True, False, False, False, True),
    ("c5", "Certification", "o3", [], "Deprecated", ["OnlineOnly"], [], True, False, False, False, False, False),
    ("c6", "License", "o4", [], "Active", [], [], False, False, False, True, False, False),
    ("c7", "Certificate", "o2", ["o2"], "Active", ["BlendedDelivery"], ["BeginnerLevel"], False, True, True, False, False, False),
    ("c8", "Certificate", "o2", ["o2"], None, ["InPerson"], [], False, False, False, False, False, False),
    ("c9", "BachelorDegree", "o1", ["o1"], "Active", ["InPerson"], ["BachelorsDegreeLevel"], False, True, True, True, True, True),
    ("c10", "Certificate", "o3", [], "Active", ["InPerson"], [], False, False, False, False, False, False),
    ("c11", "DigitalBadge", None, ["o2"], "Active", ["OnlineOnly"], [], True, False, False, False, False, False),
    ("c12", "Certificate", "o1", ["o1"], "Suspended", ["InPerson"], [], False, False, False, False, False, False),
]


def credentials_frame(rows=_CREDS, sha_override: dict[str, str] | None = None) -> pl.DataFrame:
    sha_override = sha_override or {}
    return pl.DataFrame(
        {
            "ctid": [C[r[0]] for r in rows],
            "credential_type": [r[1] for r in rows],
            "credential_family": [_FAMILY[r[1]] for r in rows],
            "name": [f"Credential {r[0]}" for r in rows],
            "owner_ctid": [ORG[r[2]] if r[2] else None for r in rows],
            "offered_by_ctids": [[ORG[o] for o in r[3]] for r in rows],
            "status": [r[4] for r in rows],
            "delivery_types": [r[5] for r in rows],
            "audience_levels": [r[6] for r in rows],
            "is_available_online": [r[7] for r in rows],
            "has_cost": [r[8] for r in rows],
            "has_duration": [r[9] for r in rows],
            "has_qa": [r[10] for r in rows],
            "has_outcome_data": [r[11] for r in rows],
            "has_competencies": [r[12] for r in rows],
            "record_sha256": [sha_override.get(r[0], f"sha-{r[0]}") for r in rows],
        },
        schema_overrides={"offered_by_ctids": pl.List(pl.String), "delivery_types": pl.List(pl.String),
                          "audience_levels": pl.List(pl.String), "status": pl.String, "owner_ctid": pl.String},
    )


def organizations_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ctid": [ORG["o1"], ORG["o2"], ORG["o3"], ORG["o4"]],
            "organization_type": ["CredentialOrganization", "CredentialOrganization", "CredentialOrganization",
                                  "QACredentialOrganization"],
            "name": ["Front Range College", "Cheyenne Tech", "National Cert Body", "Colorado Board"],
            "agent_types": [["Postsecondary"], ["TrainingProvider"], ["CertificationBody"], []],
            "state_code": ["CO", "WY", None, "CO"],
        },
        schema_overrides={"agent_types": pl.List(pl.String), "state_code": pl.String},
    )


def locations_frame() -> pl.DataFrame:
    rows = [
        (ORG["o1"], "organizations", "address", "CO"),
        (ORG["o2"], "organizations", "address", "WY"),
        (C["c3"], "credentials", "availableAt", "CO"),
        (C["c8"], "credentials", "availableAt", "CO"),
        (C["c10"], "credentials", "availableAt", "WY"),
        (C["c2"], "credentials", "availableAt", None),  # Ontario: not a US state
        (C["c4"], "credentials", "jurisdiction", "NY"),  # not an attribution role
        ("ce-22222222-0000-0000-0000-000000000001", "learning_opportunities", "availableAt", "NM"),
    ]
    return pl.DataFrame(rows, schema={"subject_ctid": pl.String, "subject_table": pl.String, "role": pl.String,
                                      "state_code": pl.String}, orient="row")


def alignments_frame() -> pl.DataFrame:
    rows = [
        (C["c1"], "credentials", "SOC", "29-1141"),
        (C["c1"], "credentials", "NAICS", "6221"),
        (C["c2"], "credentials", "SOC", "15-1232"),
        (C["c2"], "credentials", "SOC", "15-1231"),
        (C["c3"], "credentials", "CIP", "51.3801"),
        (C["c4"], "credentials", "SOC", "15-1212"),
        (C["c6"], "credentials", "SOC", "29-1141"),
        (C["c7"], "credentials", "CIP", "11.0901"),
        (C["c8"], "credentials", "CIP", "11.0901"),
        (C["c8"], "credentials", "CIP", "51.3801"),
        (C["c9"], "credentials", "SOC", "29-1141"),
        (C["c9"], "credentials", "CIP", "51.3801"),
        (C["c10"], "credentials", "SOC", "47-2111"),
        (C["c11"], "credentials", "SOC", "35-2010"),  # a broad SOC code
        (C["c11"], "credentials", "CIP", "01.0000"),  # not in the crosswalk fixture
        (C["c12"], "credentials", "SOC", "29-1141"),
        (C["c5"], "credentials", "SOC", None),  # unreadable code
        ("ce-22222222-0000-0000-0000-000000000001", "learning_opportunities", "SOC", "11-1011"),
    ]
    return pl.DataFrame(rows, schema={"subject_ctid": pl.String, "subject_table": pl.String,
                                      "code_system": pl.String, "code": pl.String}, orient="row")


def resource_properties_frame() -> pl.DataFrame:
    props = {
        "c1": ["ceterms:description", "ceterms:estimatedCost", "ceterms:occupationType", "ceterms:accreditedBy"],
        "c2": ["ceterms:description", "ceterms:occupationType"],
        "c3": ["ceterms:description"],
        "c4": ["ceterms:estimatedCost", "ceterms:occupationType"],
        "c6": ["ceterms:accreditedBy"],
        "c7": ["ceterms:description"],
        "c8": ["ceterms:description"],
        "c9": ["ceterms:description", "ceterms:estimatedCost", "ceterms:occupationType", "ceterms:approvedBy"],
        "c10": ["ceterms:occupationType"],
        "c11": ["ceterms:description", "ceterms:occupationType"],
    }
    rows = [(C[c], "credentials", "Certificate", p, 1) for c, ps in props.items() for p in ps]
    rows += [
        (C["c3"], "credentials", "AssociateDegree", "ceterms:approvedBy", 0),  # empty value: not present
        (C["c12"], "credentials", "Certificate", "ceterms:name", 1),  # not a benchmark property
        (ORG["o1"], "organizations", "CredentialOrganization", "ceterms:description", 1),
        (C["c5"], "learning_opportunities", "Course", "ceterms:description", 1),  # wrong table: ignored
    ]
    return pl.DataFrame(rows, schema={"ctid": pl.String, "resource_table": pl.String, "resource_type": pl.String,
                                      "property": pl.String, "value_count": pl.Int64}, orient="row")


def outcomes_frame() -> pl.DataFrame:
    return pl.DataFrame({"ctid": ["ce-33333333-0000-0000-0000-000000000001"], "about_ctid": [C["c2"]]})


def reference_frames() -> dict[str, pl.DataFrame]:
    crosswalk = pl.DataFrame(
        [("51.3801", "29-1141"), ("11.0901", "15-1231"), ("11.0901", "15-1241"), ("11.0901", "15-1244"),
         ("30.9999", "99-9999")],
        schema={"cip_code": pl.String, "soc_code": pl.String}, orient="row",
    )
    hierarchy = pl.DataFrame(
        [
            ("15-0000", "Computer and Mathematical Occupations", "major"),
            ("29-0000", "Healthcare Practitioners and Technical Occupations", "major"),
            ("35-0000", "Food Preparation and Serving Related Occupations", "major"),
            ("47-0000", "Construction and Extraction Occupations", "major"),
            ("35-2010", "Cooks", "broad"),
            ("15-1212", "Information Security Analysts", "detailed"),
            ("15-1231", "Computer Network Support Specialists", "detailed"),
            ("15-1232", "Computer User Support Specialists", "detailed"),
            ("15-1241", "Computer Network Architects", "detailed"),
            ("15-1244", "Network and Computer Systems Administrators", "detailed"),
            ("15-1252", "Software Developers", "detailed"),
            ("29-1141", "Registered Nurses", "detailed"),
            ("29-2061", "Licensed Practical and Licensed Vocational Nurses", "detailed"),
            ("35-2014", "Cooks, Restaurant", "detailed"),
            ("47-2061", "Construction Laborers", "detailed"),
            ("47-2111", "Electricians", "detailed"),
        ],
        schema={"soc_code": pl.String, "soc_title": pl.String, "soc_level": pl.String}, orient="row",
    )
    openings = pl.DataFrame(
        [
            ("CO", "29-1141", 3000.0, 90000.0), ("CO", "29-2061", 500.0, 60000.0), ("CO", "15-1231", 400.0, 70000.0),
            ("CO", "15-1232", 600.0, 55000.0), ("CO", "15-1252", 1500.0, 130000.0), ("CO", "47-2111", 900.0, 62000.0),
            ("CO", "35-2014", 2000.0, 35000.0), ("CO", "15-1241", 50.0, 120000.0),
            ("WY", "29-1141", 300.0, 80000.0), ("WY", "15-1232", 50.0, 50000.0), ("WY", "47-2111", 200.0, 65000.0),
            ("WY", "47-2061", 450.0, 45000.0), ("WY", "15-1244", 40.0, 75000.0), ("WY", "35-2014", 150.0, 30000.0),
        ],
        schema={"state_code": pl.String, "soc_code": pl.String, "est_annual_openings": pl.Float64,
                "a_median": pl.Float64}, orient="row",
    )
    oews_state = pl.DataFrame(
        [("CO", "00-0000", 2_800_000, 61000.0), ("WY", "00-0000", 280_000, 52000.0)],
        schema={"state_code": pl.String, "soc_code": pl.String, "tot_emp": pl.Int64, "a_median": pl.Float64},
        orient="row",
    )
    return {"cip_soc_crosswalk": crosswalk, "soc_hierarchy": hierarchy, "state_openings": openings,
            "oews_state": oews_state}


def hand_tables_dict() -> dict[str, pl.DataFrame]:
    return {
        "credentials": credentials_frame(),
        "organizations": organizations_frame(),
        "locations": locations_frame(),
        "alignments": alignments_frame(),
        "resource_properties": resource_properties_frame(),
        "outcomes": outcomes_frame(),
        **reference_frames(),
    }


@pytest.fixture()
def hand():
    """The hand-made tables (core tables + reference frames) as a mapping."""
    return hand_tables_dict()


@pytest.fixture()
def ctx(hand):
    """A MetricsContext over the hand-made tables."""
    from ler_analytics.metrics.context import as_context

    return as_context(hand)
