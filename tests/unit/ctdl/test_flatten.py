"""flatten_graph: one test per quirk of real Registry records (shapes copied from real envelopes)."""

import pytest

from ler_analytics.ctdl.fields import CORE_TABLES, column_names
from ler_analytics.ctdl.flatten import SEQ, Source, TableRows, code_system, flatten_graph

REG = "https://credentialengineregistry.org"
CRED = "ce-14525aea-57c5-4f5a-8f1c-bdc95c7f8b9b"
ORG = "ce-6a62b250-a1a2-4d31-a702-cdc2437efd31"
ASMT = "ce-a81e3b16-f583-40da-a186-c568559ad7e5"
COMP = "ce-f53c9247-9775-4186-a1f1-edd0a965edeb"
FW = "ce-c23a0e0c-8be8-4911-bc52-f2479c41af4b"


def credential(**extra):
    node = {
        "@id": f"{REG}/resources/{CRED}",
        "@type": "ceterms:Certification",
        "ceterms:ctid": CRED,
        "ceterms:name": {"en": "21st Century Skills for Workplace Success"},
    }
    node.update(extra)
    return node


def run(nodes, **source):
    out = TableRows()
    main = flatten_graph(nodes, Source(seq=1, **source), out)
    return out, main


def rows(out, table):
    return [{k: v for k, v in r.items() if k != SEQ} for r in out.as_dicts(table)]


def test_rows_carry_exactly_the_dictionary_columns():
    out, _ = run([credential(**{"ceterms:ownedBy": [f"{REG}/resources/{ORG}"]})])
    for table in CORE_TABLES:
        for row in out.as_dicts(table):
            assert set(row) - {SEQ} <= set(column_names(table)), table


@pytest.mark.parametrize(
    "name",
    [
        {"en": "Welding Basics"},
        {"en-US": "Welding Basics"},
        {"es": "Soldadura", "en-us": "Welding Basics"},
        "Welding Basics",
        [{"@value": "Welding Basics", "@language": "en"}],
    ],
)
def test_names_from_language_maps_and_plain_strings(name):
    out, _ = run([credential(**{"ceterms:name": name})])
    assert rows(out, "credentials")[0]["name"] == "Welding Basics"


@pytest.mark.parametrize(
    "owned_by",
    [
        [f"{REG}/resources/{ORG}"],
        [f"{REG}/graph/{ORG.upper().replace('CE-', 'ce-')}"],
        f"{REG}/graph/ce-6A62B250-A1A2-4D31-A702-CDC2437EFD31",
        [{"@id": f"http://lr-staging.learningtapestry.com/resources/{ORG}"}],
        {"@id": f"{REG.upper()}/RESOURCES/{ORG.upper()}"},
        ORG,
    ],
)
def test_references_in_every_form_resolve_to_the_same_ctid(owned_by):
    out, _ = run([credential(**{"ceterms:ownedBy": owned_by, "ceterms:offeredBy": owned_by})])
    row = rows(out, "credentials")[0]
    assert row["owner_ctid"] == ORG
    assert row["offered_by_ctids"] == [ORG]
    owned = [e for e in rows(out, "connections") if e["relation"] == "ownedBy"]
    assert owned == [
        {
            "subject_ctid": CRED,
            "subject_table": "credentials",
            "relation": "ownedBy",
            "target_ctid": ORG,
            "target_uri": None,
            "via": "direct",
        }
    ]


def test_upper_case_ctid_of_the_record_itself_is_lowered():
    out, main = run([credential(**{"ceterms:ctid": CRED.upper().replace("CE-", "ce-")})])
    assert rows(out, "credentials")[0]["ctid"] == CRED
    assert main == (CRED, "ceterms:Certification")


def test_ctid_missing_but_in_the_id_is_used():
    node = credential()
    del node["ceterms:ctid"]
    out, _ = run([node])
    assert rows(out, "credentials")[0]["ctid"] == CRED
    assert not out.problems


def test_blank_node_organizations_become_organization_rows():
    blank = "_:dc529cb7-3044-40b8-8732-cbc7ba6ff871"
    nodes = [
        credential(**{"ceterms:recognizedBy": [blank]}),
        {
            "@id": blank,
            "@type": "ceterms:QACredentialOrganization",
            "ceterms:name": {"en": "National College Credit Recommendation Service (NCCRS)"},
        },
        {"@id": "_:x", "@type": "ceterms:ConditionProfile", "ceterms:name": "not an organization"},
    ]
    out, _ = run(nodes)
    orgs = rows(out, "organizations")
    assert len(orgs) == 1
    assert orgs[0]["ctid"] is None
    assert orgs[0]["is_blank_node"] is True
    assert orgs[0]["organization_type"] == "QACredentialOrganization"
    assert orgs[0]["name"] == "National College Credit Recommendation Service (NCCRS)"
    edge = [e for e in rows(out, "connections") if e["relation"] == "recognizedBy"][0]
    assert edge["target_ctid"] is None and edge["target_uri"] == blank
    assert rows(out, "credentials")[0]["has_qa"] is True


@pytest.mark.parametrize(
    "available_at",
    [
        {"@type": "ceterms:Place", "ceterms:addressRegion": "Indiana", "ceterms:addressLocality": "South Bend"},
        [{"@type": "ceterms:Place", "ceterms:addressRegion": {"en-US": "IN"}, "ceterms:addressLocality": "South Bend"}],
    ],
)
def test_available_at_as_list_or_single_object(available_at):
    out, _ = run([credential(**{"ceterms:availableAt": available_at})])
    places = rows(out, "locations")
    assert len(places) == 1
    assert places[0]["role"] == "availableAt"
    assert places[0]["state_code"] == "IN"
    assert places[0]["locality"] == "South Bend"


def test_non_us_regions_keep_raw_region_and_null_state():
    out, _ = run([credential(**{"ceterms:availableAt": [{"ceterms:addressRegion": "MB", "ceterms:latitude": "49.9"}]})])
    place = rows(out, "locations")[0]
    assert place["state_code"] is None
    assert place["raw_region"] == "MB"
    assert place["latitude"] == 49.9


def test_organization_state_from_first_us_address():
    org = {
        "@id": f"{REG}/resources/{ORG}",
        "@type": "ceterms:CredentialOrganization",
        "ceterms:ctid": ORG,
        "ceterms:name": {"en": "NOCTI"},
        "ceterms:address": [{"ceterms:addressRegion": "Ontario"}, {"ceterms:addressRegion": {"en": "Michigan"}}],
        "ceterms:agentType": [{"ceterms:targetNode": "orgType:CertificationBody"}, "orgType:Business"],
    }
    out, _ = run([org])
    row = rows(out, "organizations")[0]
    assert row["state_code"] == "MI"
    assert row["agent_types"] == ["CertificationBody", "Business"]
    assert row["is_blank_node"] is False


@pytest.mark.parametrize(
    "status",
    [
        "credentialStat:Active",
        {"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNode": "credentialStat:Active"},
        [
            {
                "@type": "ceterms:CredentialAlignmentObject",
                "ceterms:targetNode": "credentialStat:Active",
                "ceterms:targetNodeName": "Active",
            }
        ],
    ],
)
def test_concept_values_as_curie_strings_or_alignment_objects(status):
    out, _ = run(
        [
            credential(
                **{"ceterms:credentialStatusType": status, "ceterms:audienceLevelType": ["audLevel:BeginnerLevel"]}
            )
        ]
    )
    row = rows(out, "credentials")[0]
    assert row["status"] == "Active"
    assert row["audience_levels"] == ["BeginnerLevel"]


def test_credential_family_from_the_schema():
    out, _ = run([credential(**{"@type": "ceterms:BachelorOfScienceDegree"})])
    row = rows(out, "credentials")[0]
    assert (row["credential_type"], row["credential_family"]) == ("BachelorOfScienceDegree", "Degree")


def test_full_iri_and_bare_types_are_recognised():
    out, _ = run([credential(**{"@type": "https://purl.org/ctdl/terms/BachelorDegree"})])
    assert rows(out, "credentials")[0]["credential_type"] == "BachelorDegree"


def test_alignment_codes_from_coded_notation_and_from_target_node_urls():
    out, _ = run(
        [
            credential(
                **{
                    "ceterms:occupationType": [
                        {
                            "ceterms:codedNotation": "29-1141.00",
                            "ceterms:framework": "https://www.bls.gov/soc/",
                            "ceterms:targetNodeName": {"en-US": "Registered Nurses"},
                        },
                        {
                            "ceterms:targetNode": "https://www.onetonline.org/link/summary/15-1212.00",
                            "ceterms:targetNodeName": "Information Security Analysts",
                        },
                        {"ceterms:targetNodeName": {"en": "Safety Administrator"}},
                    ],
                    "ceterms:industryType": [
                        {
                            "ceterms:framework": "https://www.census.gov/naics/?code=611519",
                            "ceterms:frameworkName": "NAICS",
                        },
                    ],
                    "ceterms:instructionalProgramType": [
                        {
                            "ceterms:codedNotation": "1.0101",
                            "ceterms:framework": "https://nces.ed.gov/ipeds/cipcode/Default.aspx?y=55",
                        },
                        {
                            "ceterms:targetNode": "https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cipid=88414",
                            "ceterms:frameworkName": "Classification of Instructional Programs",
                        },
                    ],
                    "ceterms:naics": ["541511", "31-33"],
                }
            )
        ]
    )
    got = [
        (a["property"], a["code_system"], a["code"], a["onet_soc_code"], a["raw_code"]) for a in rows(out, "alignments")
    ]
    assert got == [
        ("occupationType", "SOC", "29-1141", "29-1141.00", "29-1141.00"),
        ("occupationType", "SOC", "15-1212", "15-1212.00", "https://www.onetonline.org/link/summary/15-1212.00"),
        ("occupationType", "other", None, None, None),
        ("industryType", "NAICS", "611519", None, "https://www.census.gov/naics/?code=611519"),
        ("instructionalProgramType", "CIP", "01.0101", None, "1.0101"),
        (
            "instructionalProgramType",
            "CIP",
            None,
            None,
            "https://nces.ed.gov/ipeds/cipcode/cipdetail.aspx?y=56&cipid=88414",
        ),
        ("naics", "NAICS", "541511", None, "541511"),
        ("naics", "NAICS", "31-33", None, "31-33"),
    ]


@pytest.mark.parametrize(
    ("framework", "name", "system"),
    [
        ("https://www.bls.gov/soc/", None, "SOC"),
        (None, "Standard Occupational Classification", "SOC"),
        ("https://www.onetonline.org/", None, "SOC"),
        ("https://www.census.gov/naics/", None, "NAICS"),
        (None, "NAICS", "NAICS"),
        ("https://nces.ed.gov/ipeds/cipcode/", None, "CIP"),
        (None, "Classification of Instructional Programs", "CIP"),
        ("https://example.org/skills", None, "other"),
        (None, None, None),
    ],
)
def test_code_system_from_framework(framework, name, system):
    assert code_system(framework, name, "SOC") == system


def test_connections_through_condition_profiles():
    nodes = [
        credential(
            **{
                "ceterms:requires": [
                    {
                        "@type": "ceterms:ConditionProfile",
                        "ceterms:targetAssessment": [f"{REG}/graph/{ASMT.upper().replace('CE-', 'ce-')}"],
                        "ceterms:targetCompetency": [
                            {
                                "@type": "ceterms:CredentialAlignmentObject",
                                "ceterms:targetNode": f"{REG}/resources/{COMP}",
                                "ceterms:targetNodeName": {"en": "Identification of specific names"},
                            }
                        ],
                        "ceterms:alternativeCondition": [
                            {"ceterms:targetCredential": {"@id": f"{REG}/resources/{ORG}"}}
                        ],
                    }
                ],
                "ceterms:isPreparationFor": [{"ceterms:targetCredential": ["https://example.org/other-credential"]}],
                "ceterms:subjectWebpage": "https://www.nocti.org/",
                "ceterms:audienceLevelType": ["audLevel:BeginnerLevel"],
            }
        )
    ]
    out, _ = run(nodes)
    edges = {(e["relation"], e["via"], e["target_ctid"], e["target_uri"]) for e in rows(out, "connections")}
    assert edges == {
        ("requires", "requires/targetAssessment", ASMT, None),
        ("requires", "requires/targetCompetency", COMP, None),
        ("requires", "requires/alternativeCondition/targetCredential", ORG, None),
        ("isPreparationFor", "isPreparationFor/targetCredential", None, "https://example.org/other-credential"),
    }
    assert rows(out, "credentials")[0]["has_competencies"] is True


def test_teaches_alignment_objects_point_at_competency_ctids():
    lopp = {
        "@id": f"{REG}/resources/ce-0b6f0c2f-01b9-4776-b861-894b78f81eda",
        "@type": "ceterms:Course",
        "ceterms:ctid": "ce-0b6f0c2f-01b9-4776-b861-894b78f81eda",
        "ceterms:name": "Accounting 1",
        "ceterms:teaches": [{"ceterms:targetNode": f"{REG}/resources/{COMP}"}],
        "ceterms:creditValue": [{"schema:value": 3, "ceterms:creditUnitType": ["creditUnit:SemesterHour"]}],
    }
    out, _ = run([lopp])
    assert [(e["relation"], e["target_ctid"]) for e in rows(out, "connections")] == [("teaches", COMP)]
    row = rows(out, "learning_opportunities")[0]
    assert (row["learning_opportunity_type"], row["credit_value"], row["credit_unit"]) == (
        "Course",
        3.0,
        "SemesterHour",
    )


def test_competency_framework_and_all_its_competencies_from_one_graph():
    top = "ce-c4188d32-a8dc-467a-aa42-abbfcb1f4b89"
    child = "ce-21b6dab3-a73a-4ad0-8d01-a3a692e17153"
    nodes = [
        {
            "@id": f"{REG}/resources/{FW}",
            "@type": "ceasn:CompetencyFramework",
            "ceterms:ctid": FW,
            "ceasn:name": {"en-us": "HOSP 229, Revenue Management"},
            "ceasn:publisher": [f"{REG}/resources/ce-1ABB6C52-0F8C-4B17-9F89-7E9807673106"],
        },
        {
            "@id": f"{REG}/resources/{top}",
            "@type": "ceasn:Competency",
            "ceterms:ctid": top,
            "ceasn:isPartOf": f"{REG}/resources/{FW}",
            "ceasn:isTopChildOf": f"{REG}/resources/{FW}",
            "ceasn:competencyText": {"en-us": "Explain the concept of revenue management."},
        },
        {
            "@id": f"{REG}/resources/{child}",
            "@type": "ceasn:Competency",
            "ceterms:ctid": child,
            "ceasn:isChildOf": [f"{REG}/resources/{top}"],
            "ceasn:codedNotation": "1.1",
            "ceasn:competencyText": "Identify the business traits.",
        },
    ]
    out, main = run(nodes, ctid=FW)
    assert main == (FW, "ceasn:CompetencyFramework")
    fw = rows(out, "competency_frameworks")[0]
    assert (fw["name"], fw["owner_ctid"], fw["competency_count"]) == (
        "HOSP 229, Revenue Management",
        "ce-1abb6c52-0f8c-4b17-9f89-7e9807673106",
        2,
    )
    comps = {c["ctid"]: c for c in rows(out, "competencies")}
    assert comps[top]["framework_ctid"] == FW and comps[top]["parent_ctid"] is None
    assert comps[child]["framework_ctid"] == FW  # from the graph: the child has no isPartOf
    assert comps[child]["parent_ctid"] == top
    assert comps[child]["coded_notation"] == "1.1"


def test_pathway_components_get_their_pathway_and_destination():
    pw = "ce-d69d5382-1fd9-436e-b324-5ce8dc96e3c7"
    dest = "ce-53d6e77b-dd84-4e5f-8e28-c70a431b3271"
    other = "ce-2c7e5feb-f83b-445c-af09-1fddd6263faa"
    nodes = [
        {
            "@type": "ceterms:Pathway",
            "@id": f"{REG}/resources/{pw}",
            "ceterms:ctid": pw,
            "ceterms:name": {"en": "ETE Pathways"},
            "ceterms:hasDestinationComponent": f"{REG}/resources/{dest}",
        },
        {
            "@type": "ceterms:CredentialComponent",
            "@id": f"{REG}/resources/{dest}",
            "ceterms:ctid": dest,
            "ceterms:name": {"en": "Teaching Excellence Pathway"},
            "ceasn:hasChild": [f"{REG}/resources/{other}"],
        },
        {
            "@type": "BasicComponent",
            "@id": f"{REG}/resources/{other}",
            "ceterms:ctid": other,
            "ceterms:proxyFor": f"{REG}/resources/{CRED}",
            "ceterms:precedes": [f"{REG}/resources/{dest}"],
        },
    ]
    out, _ = run(nodes)
    pathway = rows(out, "pathways")[0]
    assert pathway["destination_ctids"] == [dest] and pathway["component_count"] == 2
    comps = {c["ctid"]: c for c in rows(out, "pathway_components")}
    assert comps[dest]["pathway_ctid"] == pw and comps[dest]["is_destination"] is True
    assert comps[other]["component_type"] == "BasicComponent"
    assert comps[other]["proxy_for_ctid"] == CRED and comps[other]["is_destination"] is False
    rels = {(e["subject_ctid"], e["relation"], e["target_ctid"]) for e in rows(out, "connections")}
    assert {(dest, "hasChild", other), (other, "proxyFor", CRED), (other, "precedes", dest)} <= rels


def test_transfer_value_with_embedded_blank_node_resources():
    tvp = "ce-e4f5301e-0164-47f8-b020-23984defdb92"
    nodes = [
        {
            "@id": f"{REG}/resources/{tvp}",
            "@type": "ceterms:TransferValueProfile",
            "ceterms:ctid": tvp,
            "ceterms:name": {"en-US": "Principles of Finance"},
            "ceterms:ownedBy": [f"https://sandbox.credentialengineregistry.org/resources/{ORG}"],
            "ceterms:transferValue": [
                {"schema:value": 3.0, "ceterms:creditUnitType": [{"ceterms:targetNode": "creditUnit:DegreeCredit"}]}
            ],
            "ceterms:transferValueFrom": ["_:6526f18f"],
            "ceterms:transferValueFor": [f"{REG}/resources/{CRED}"],
        },
        {"@id": "_:6526f18f", "@type": "ceterms:LearningOpportunityProfile", "ceterms:name": "Principles of Finance"},
    ]
    out, _ = run(nodes)
    row = rows(out, "transfer_values")[0]
    assert (row["owner_ctid"], row["credit_value"], row["credit_unit"]) == (ORG, 3.0, "DegreeCredit")
    assert row["transfer_value_from_ctids"] == [] and row["transfer_value_for_ctids"] == [CRED]
    assert not rows(out, "learning_opportunities")  # a blank-node course has no CTID: not a row
    edge = [e for e in rows(out, "connections") if e["relation"] == "transferValueFrom"][0]
    assert edge["target_uri"] == "_:6526f18f"


def test_cost_duration_and_online():
    out, _ = run(
        [
            credential(
                **{
                    "ceterms:estimatedCost": [
                        {"ceterms:currency": "USD", "ceterms:price": [1000, "250.50"]},
                        {"ceterms:currency": "US Dollar", "ceterms:price": 400},
                        {"ceterms:currency": "EUR", "ceterms:price": 5},
                    ],
                    "ceterms:estimatedDuration": [{"ceterms:exactDuration": "P2Y"}, {"ceterms:minimumDuration": "P6M"}],
                    "ceterms:learningDeliveryType": ["deliveryType:OnlineOnly"],
                }
            )
        ]
    )
    row = rows(out, "credentials")[0]
    assert (row["cost_min_usd"], row["cost_max_usd"], row["has_cost"]) == (400.0, 1250.5, True)
    assert (row["duration_months"], row["has_duration"]) == (6.0, True)
    assert row["is_available_online"] is True and row["delivery_types"] == ["OnlineOnly"]


def test_outcome_data_profiles():
    dsp = "ce-ed36f74a-2845-4b37-9209-27d987422037"
    nodes = [
        credential(
            **{
                "ceterms:aggregateData": [
                    {"qdata:relevantDataSet": [f"{REG}/resources/{dsp}"]},
                    {
                        "ceterms:medianEarnings": 44439,
                        "ceterms:currency": "USD",
                        "ceterms:jobsObtained": [{"qdata:percentage": 88.0}],
                        "ceterms:postReceiptMonths": 60,
                    },
                ]
            }
        ),
        {
            "@type": "qdata:DataSetProfile",
            "@id": f"{REG}/resources/{dsp}",
            "ceterms:ctid": dsp,
            "qdata:relevantDataSetFor": [f"{REG}/graph/{CRED}"],
            "qdata:dataSetTimePeriod": [
                {
                    "ceterms:startDate": "2019-01-01",
                    "ceterms:endDate": "2019-12-31",
                    "qdata:dataAttributes": [{"qdata:holdersInSet": [{"schema:value": 55.0}]}],
                },
                {
                    "ceterms:startDate": "2018-01-01",
                    "ceterms:endDate": "2018-12-31",
                    "qdata:dataAttributes": [
                        {
                            "qdata:holdersInSet": [{"schema:value": 50.0}],
                            "qdata:employmentRate": [{"qdata:percentage": 75}],
                        }
                    ],
                },
            ],
        },
    ]
    out, _ = run(nodes)
    outcomes = {o["ctid"]: o for o in rows(out, "outcomes")}
    assert outcomes[dsp]["about_ctid"] == CRED
    assert outcomes[dsp]["holders_count"] == 55  # latest time frame
    assert outcomes[dsp]["employment_rate"] == 0.75
    assert outcomes[dsp]["time_period"] == "2019-01-01/2019-12-31"
    embedded = outcomes[CRED]
    assert (embedded["median_earnings_usd"], embedded["employment_rate"]) == (44439.0, 0.88)
    assert embedded["time_period"] == "60 months after award"
    assert rows(out, "credentials")[0]["has_outcome_data"] is True


def test_resource_properties_count_values():
    out, _ = run(
        [
            credential(
                **{
                    "ceterms:keyword": {"en": ["Business", "Employability"]},
                    "ceterms:ownedBy": [f"{REG}/resources/{ORG}"],
                    "ceterms:description": "",
                }
            )
        ]
    )
    props = {p["property"]: p["value_count"] for p in rows(out, "resource_properties")}
    assert props == {"ceterms:ctid": 1, "ceterms:name": 1, "ceterms:keyword": 2, "ceterms:ownedBy": 1}


def test_other_resources_get_family_and_owner():
    task = "ce-7e91ce94-9342-4ac7-a2c6-6d099ad457b5"
    out, _ = run(
        [
            {
                "@type": "ceterms:AccreditAction",
                "ceterms:ctid": task,
                "@id": f"{REG}/resources/{task}",
                "ceterms:actingAgent": [f"{REG}/resources/{ORG}"],
                "ceterms:name": "Accreditation",
            }
        ]
    )
    row = rows(out, "other_resources")[0]
    assert (row["resource_type"], row["resource_family"], row["owner_ctid"]) == (
        "AccreditAction",
        "CredentialingAction",
        ORG,
    )


def test_envelope_metadata_is_copied_to_rows():
    from datetime import UTC, datetime

    when = datetime(2019, 2, 19, 22, 12, 36, tzinfo=UTC)
    out, _ = run([credential()], envelope_id="c6b5015a", updated_at=when, published_by=ORG, publish_type="secondary")
    row = rows(out, "credentials")[0]
    assert (row["envelope_id"], row["envelope_updated_at"], row["publisher_ctid"], row["is_secondary_publish"]) == (
        "c6b5015a",
        when,
        ORG,
        True,
    )
    assert len(row["record_sha256"]) == 64


@pytest.mark.parametrize(
    ("node", "prop", "words"),
    [
        (
            {"@type": "ceterms:Certificate", "ceterms:ctid": "ce-123", "ceterms:name": "x"},
            "ceterms:ctid",
            "malformed CTID",
        ),
        ({"@type": "ceterms:Nonsense", "ceterms:ctid": CRED}, "@type", "unknown class"),
        ({"ceterms:ctid": CRED, "ceterms:name": "x"}, "@type", "no @type"),
        ({"@type": "ceterms:Certificate", "@id": "https://example.org/cert"}, "ceterms:ctid", "no ceterms:ctid"),
    ],
)
def test_unreadable_nodes_become_problems_and_are_skipped(node, prop, words):
    out, _ = run([node, credential(**{"ceterms:ctid": "ce-00000000-0000-4000-8000-000000000001"})])
    assert len(out.tables["credentials"]) == 1  # the good node is kept
    assert len(out.problems) == 1
    problem = out.problems[0]
    assert problem.prop == prop and words in problem.reason and problem.fatal


def test_a_wrongly_typed_reference_is_reported_and_the_record_kept():
    out, _ = run([credential(**{"ceterms:ownedBy": [42, f"{REG}/resources/{ORG}"]})])
    assert rows(out, "credentials")[0]["owner_ctid"] == ORG
    assert [p.prop for p in out.problems] == ["ceterms:ownedBy"]
    assert "expected a reference" in out.problems[0].reason and not out.problems[0].fatal


# --- gaps reported by consumers (issue 2 follow-up) ----------------------------------------------


def test_progression_level_read_from_asn_term_as_published():
    pw = "ce-d69d5382-1fd9-436e-b324-5ce8dc96e3c7"
    comp = "ce-53d6e77b-dd84-4e5f-8e28-c70a431b3271"
    level = "ce-2c7e5feb-f83b-445c-af09-1fddd6263faa"
    nodes = [
        {"@type": "ceterms:Pathway", "@id": f"{REG}/resources/{pw}", "ceterms:ctid": pw, "ceterms:name": "P"},
        {
            "@type": "ceterms:CourseComponent",
            "@id": f"{REG}/resources/{comp}",
            "ceterms:ctid": comp,
            "ceterms:isPartOf": [f"{REG}/resources/{pw}"],
            "asn:hasProgressionLevel": [f"{REG}/resources/{level}"],
        },
    ]
    out, _ = run(nodes)
    assert rows(out, "pathway_components")[0]["progression_level"] == level


def test_relevant_data_set_counts_as_outcome_data():
    dsp = "ce-ed36f74a-2845-4b37-9209-27d987422037"
    out, _ = run([credential(**{"qdata:relevantDataSet": [f"{REG}/resources/{dsp}"]})])
    assert rows(out, "credentials")[0]["has_outcome_data"] is True
    edges = {(e["relation"], e["via"], e["target_ctid"]) for e in rows(out, "connections")}
    assert ("relevantDataSet", "direct", dsp) in edges
    out, _ = run([credential()])
    assert rows(out, "credentials")[0]["has_outcome_data"] is False


def test_relevant_data_set_inside_aggregate_data_becomes_a_connection():
    dsp = "ce-ed36f74a-2845-4b37-9209-27d987422037"
    out, _ = run(
        [credential(**{"ceterms:aggregateData": [{"qdata:relevantDataSet": [{"@id": f"{REG}/graph/{dsp}"}]}]})]
    )
    edges = {(e["relation"], e["via"], e["target_ctid"]) for e in rows(out, "connections")}
    assert edges == {("aggregateData", "aggregateData/relevantDataSet", dsp)}
    assert rows(out, "credentials")[0]["has_outcome_data"] is True


def test_outcome_about_from_schema_about():
    dsp = "ce-ed36f74a-2845-4b37-9209-27d987422037"
    node = {
        "@type": "qdata:DataSetProfile",
        "@id": f"{REG}/resources/{dsp}",
        "ceterms:ctid": dsp,
        "schema:about": [f"{REG}/resources/{CRED}"],
    }
    out, _ = run([node])
    assert rows(out, "outcomes")[0]["about_ctid"] == CRED


@pytest.mark.parametrize("klass", ["ceterms:Task", "ceterms:Occupation", "ceterms:WorkRole"])
def test_task_occupation_work_role_owner_from_asserted_by(klass):
    ctid = "ce-7e91ce94-9342-4ac7-a2c6-6d099ad457b5"
    node = {
        "@type": klass,
        "@id": f"{REG}/resources/{ctid}",
        "ceterms:ctid": ctid,
        "ceterms:name": "Weld joints",
        "ceterms:assertedBy": [f"{REG}/resources/{ORG}"],
    }
    out, _ = run([node])
    assert rows(out, "other_resources")[0]["owner_ctid"] == ORG


@pytest.mark.parametrize(
    "target",
    [
        f"{REG}/resources/{COMP}",
        {"@id": f"{REG}/resources/{COMP}"},
        [{"@id": f"{REG}/resources/{COMP}"}],
        [f"{REG}/resources/{COMP}"],
    ],
)
def test_alignment_object_target_node_as_string_id_object_or_list(target):
    alignment = {"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNode": target}
    nodes = [
        credential(
            **{
                "ceterms:requires": [{"@type": "ceterms:ConditionProfile", "ceterms:targetCompetency": [alignment]}],
                "ceterms:occupationType": [
                    {
                        "@type": "ceterms:CredentialAlignmentObject",
                        "ceterms:targetNode": target if isinstance(target, str) else _soc_like(target),
                        "ceterms:framework": "https://www.onetcenter.org/taxonomy.html",
                    }
                ],
                "ceterms:credentialStatusType": {
                    "@type": "ceterms:CredentialAlignmentObject",
                    "ceterms:targetNode": _status_like(target),
                },
            }
        )
    ]
    out, _ = run(nodes)
    edges = {(e["relation"], e["via"], e["target_ctid"]) for e in rows(out, "connections")}
    assert ("requires", "requires/targetCompetency", COMP) in edges
    assert rows(out, "credentials")[0]["status"] == "Active"
    if not isinstance(target, str):
        codes = {(a["code_system"], a["code"]) for a in rows(out, "alignments")}
        assert ("SOC", "15-1252") in codes


def _soc_like(target):
    """The same shape as ``target`` (object or list) holding an O*NET URL instead of a CTID."""
    url = "https://www.onetonline.org/link/summary/15-1252.00"
    if isinstance(target, dict):
        return {"@id": url}
    return [{"@id": url}] if isinstance(target[0], dict) else [url]


def _status_like(target):
    if isinstance(target, str):
        return "credentialStat:Active"
    if isinstance(target, dict):
        return {"@id": "credentialStat:Active"}
    return [{"@id": "credentialStat:Active"}] if isinstance(target[0], dict) else ["credentialStat:Active"]


def test_alignment_object_target_node_id_object_in_a_direct_reference():
    out, _ = run([credential(**{"ceterms:teaches": [{"ceterms:targetNode": {"@id": f"{REG}/resources/{COMP}"}}]})])
    assert [(e["relation"], e["target_ctid"]) for e in rows(out, "connections")] == [("teaches", COMP)]


def test_row_builders_fill_exactly_the_dictionary_columns_on_real_records():
    """Row dicts are turned into tuples (``row_tuple``): each builder must still make every column.

    ``row_tuple`` would quietly store ``None`` for a forgotten column and drop an extra one, so
    this checks the builders' own dicts, on every node of the real records in ``tests/data``.
    """
    from pathlib import Path

    import orjson

    from ler_analytics.ctdl import flatten as fl
    from ler_analytics.ctdl.records import Document, documents

    data = Path(__file__).resolve().parents[2] / "data" / "ctdl"
    seen: set[str] = set()
    for path in sorted(data.rglob("*.json")):
        try:
            value = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            continue  # a few sample files are deliberately broken or not JSON
        for doc in documents(value):
            if not isinstance(doc, Document):
                continue
            g = fl.Graph(by_id={n["@id"]: n for n in doc.nodes if isinstance(n.get("@id"), str)}, src=doc.source)
            for node in doc.nodes:
                curie, _ = fl.node_class(node)
                ctid = fl.normalize_ctid(node.get("ceterms:ctid"))
                if not curie or not ctid:
                    continue
                table = fl._class_table(curie)
                row = fl.ROW_BUILDERS[table](node, ctid, curie, g)
                assert set(row) == {*column_names(table), SEQ}, (path.name, table)
                assert fl.row_tuple(table, row) == tuple(row[c] for c in (*column_names(table), SEQ))
                seen.add(table)
    assert {"credentials", "competencies", "transfer_values"} <= seen
    # the other tables' builders, on the synthetic shapes of this module
    org = {"@id": f"{REG}/resources/{ORG}", "@type": "ceterms:CredentialOrganization", "ceterms:ctid": ORG}
    course = {"@id": f"{REG}/resources/{ASMT}", "@type": "ceterms:Course", "ceterms:ctid": ASMT}
    g = fl.Graph(by_id={}, src=Source(seq=1))
    for node, ctid, curie, table in (
        (org, ORG, "ceterms:CredentialOrganization", "organizations"),
        (course, ASMT, "ceterms:Course", "learning_opportunities"),
    ):
        row = fl.ROW_BUILDERS[table](node, ctid, curie, g)
        assert set(row) == {*column_names(table), SEQ}, table
