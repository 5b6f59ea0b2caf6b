"""The class hierarchy comes from the shipped CTDL schema, not from a hand-typed list."""

import orjson
import pytest

from ler_analytics.ctdl import schema
from ler_analytics.ctdl.fields import CORE_TABLES


def _schema_classes():
    from importlib import resources

    doc = orjson.loads(resources.files("ler_analytics").joinpath("assets", "ctdl", "schema.json").read_bytes())
    return {n["@id"]: n.get("rdfs:subClassOf") for n in doc["@graph"] if n.get("@type") == "rdfs:Class"}


def test_every_credential_subclass_in_the_schema_goes_to_credentials():
    classes = _schema_classes()

    # Walk rdfs:subClassOf independently of schema.py to find the credential classes.
    def is_credential(term, seen=()):
        if term == "ceterms:Credential":
            return True
        parents = classes.get(term) or []
        return any(is_credential(p, (*seen, term)) for p in parents if p not in seen)

    expected = {c for c in classes if is_credential(c)}
    assert len(expected) >= 45  # Badge ... WorkBasedLearningCertificate (49 in the 2026-08 schema)
    assert schema.credential_classes() == expected
    for term in expected:
        assert schema.table_for_class(term) == "credentials", term


@pytest.mark.parametrize(
    ("curie", "table", "family"),
    [
        ("ceterms:BachelorOfScienceDegree", "credentials", "Degree"),
        ("ceterms:ApprenticeshipCertificate", "credentials", "Certificate"),
        ("ceterms:OpenBadge", "credentials", "Badge"),
        ("ceterms:GeneralEducationDevelopment", "credentials", "Diploma"),
        ("ceterms:Credential", "credentials", "Credential"),
        ("ceterms:QACredentialOrganization", "organizations", "Agent"),
        ("ceterms:Course", "learning_opportunities", "LearningOpportunityProfile"),
        ("ceterms:LearningProgram", "learning_opportunities", "LearningOpportunityProfile"),
        ("ceterms:AssessmentProfile", "assessments", "AssessmentProfile"),
        ("ceasn:CompetencyFramework", "competency_frameworks", "Collection"),
        ("ceasn:Competency", "competencies", "Competency"),
        ("ceterms:Pathway", "pathways", "Pathway"),
        ("ceterms:JobComponent", "pathway_components", "PathwayComponent"),
        ("ceterms:TransferValueProfile", "transfer_values", "TransferValueProfile"),
        ("qdata:DataSetProfile", "outcomes", "DataSetProfile"),
        ("ceterms:AccreditAction", "other_resources", "CredentialingAction"),
        ("ceterms:Task", "other_resources", "Task"),
        ("skos:Concept", "other_resources", "Concept"),
    ],
)
def test_table_and_family_of_a_class(curie, table, family):
    assert schema.table_for_class(curie) == table
    assert schema.table_for_class(curie) in CORE_TABLES
    assert schema.family_of(curie) == family


@pytest.mark.parametrize(
    ("published", "curie"),
    [
        ("ceterms:Certificate", "ceterms:Certificate"),
        ("https://purl.org/ctdl/terms/Certificate", "ceterms:Certificate"),
        ("http://purl.org/ctdl/terms/Certificate", "ceterms:Certificate"),
        ("CourseComponent", "ceterms:CourseComponent"),
        ("certification", "ceterms:Certification"),
        ("https://purl.org/ctdlasn/terms/Competency", "ceasn:Competency"),
    ],
)
def test_class_curie_accepts_curies_iris_and_local_names(published, curie):
    assert schema.class_curie(published) == curie
    assert schema.is_known_class(published)


@pytest.mark.parametrize("unknown", ["ceterms:NotAClass", "foo:Bar", "", "https://example.org/Thing"])
def test_unknown_classes_have_no_table(unknown):
    assert schema.class_curie(unknown) is None
    assert schema.table_for_class(unknown) is None
    assert schema.family_of(unknown) is None
    assert not schema.is_known_class(unknown)


def test_known_properties_cover_ctdl_ctdlasn_and_qdata():
    props = schema.known_properties()
    for term in ("ceterms:ownedBy", "ceterms:availableAt", "ceasn:competencyText", "qdata:dataSetTimePeriod"):
        assert term in props


def test_reference_properties_are_told_from_literals_and_concepts():
    assert schema.is_reference_property("ceterms:ownedBy")
    assert schema.is_reference_property("ceterms:targetCompetency")
    assert not schema.is_reference_property("ceterms:subjectWebpage")
    assert not schema.is_reference_property("ceterms:name")
    assert not schema.is_reference_property("ceterms:audienceLevelType")
    assert schema.is_reference_property("ceterms:isPreparationFor")  # ConditionProfiles hold references
    assert not schema.is_reference_property("ceterms:availableAt")  # a Place is a value, not a resource
    assert not schema.is_reference_property("ceterms:estimatedCost")
    assert schema.is_reference_property("ceterms:notInTheSchema")


def test_resource_classes_are_the_ctid_bearing_ones():
    assert schema.is_resource_class("ceterms:BachelorOfArtsDegree")
    assert schema.is_resource_class("ceasn:Competency")
    assert schema.is_resource_class("qdata:DataSetProfile")
    assert not schema.is_resource_class("ceterms:Place")
    assert not schema.is_resource_class("ceterms:ConditionProfile")


def test_classes_for_table_matches_table_for_class():
    orgs = schema.classes_for_table("organizations")
    assert {"ceterms:Organization", "ceterms:CredentialOrganization", "ceterms:QACredentialOrganization"} <= orgs
    assert "ceterms:CredentialPerson" not in orgs
