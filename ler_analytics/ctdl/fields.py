"""Column dictionary: every column of every core table, documented once.

This is the contract between the table builder (``ler build``), the metrics, the dashboards and
the docs (``docs/tables.md`` is generated from it by ``scripts/generate_table_docs.py``).
A test fails when a built table has a column that is not listed here, or misses one that is.

Types are polars type names: ``str``, ``i64``, ``f64``, ``bool``, ``list[str]``, ``datetime``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One documented column."""

    table: str
    name: str
    dtype: str
    description: str
    ctdl_term: str = ""


def _f(table: str, rows: list[tuple[str, str, str, str]]) -> list[Field]:
    return [Field(table, name, dtype, desc, term) for name, dtype, term, desc in rows]


# Columns every top-level resource table carries (credentials, organizations, learning
# opportunities, assessments, frameworks, pathways, transfer values, other resources).
_RESOURCE_COMMON: list[tuple[str, str, str, str]] = [
    ("ctid", "str", "ceterms:ctid", "Credential Transparency Identifier, lower case (`ce-` + UUID)."),
    ("name", "str", "ceterms:name", "Name, English preferred when the language map has several languages."),
    ("description", "str", "ceterms:description", "Description text (English preferred)."),
    ("subject_webpage", "str", "ceterms:subjectWebpage", "Web page about the resource."),
    ("in_language", "list[str]", "ceterms:inLanguage", "Languages the resource is offered in."),
    ("envelope_id", "str", "", "Registry envelope the record came from (null for non-envelope input)."),
    ("envelope_updated_at", "datetime", "node_headers.updated_at",
     "When the Registry last updated the envelope (UTC); the newest wins among duplicates."),
    ("envelope_created_at", "datetime", "node_headers.created_at", "When the envelope was first published (UTC)."),
    ("publisher_ctid", "str", "published_by", "Organization that published the envelope (envelope metadata)."),
    ("is_secondary_publish", "bool", "resource_publish_type",
     "True when a third party published the record (`resource_publish_type = secondary`)."),
    ("record_sha256", "str", "", "SHA-256 of the record's canonical JSON: changes when the record changes."),
]

_OWNED: list[tuple[str, str, str, str]] = [
    ("owner_ctid", "str", "ceterms:ownedBy", "First owning organization's CTID (all owners are in `connections`)."),
    ("offered_by_ctids", "list[str]", "ceterms:offeredBy", "CTIDs of the organizations that offer it."),
]

_OFFERED: list[tuple[str, str, str, str]] = [
    ("delivery_types", "list[str]", "ceterms:learningDeliveryType",
     "Delivery modes, local names of deliveryType concepts (`InPerson`, `OnlineOnly`, `BlendedDelivery`, ...)."),
    ("is_available_online", "bool", "ceterms:availableOnlineAt",
     "True when `availableOnlineAt` is given or the delivery type is online only."),
    ("audience_levels", "list[str]", "ceterms:audienceLevelType",
     "Audience levels, local names of audLevel concepts (`BeginnerLevel`, `AssociatesDegreeLevel`, ...)."),
    ("cost_min_usd", "f64", "ceterms:estimatedCost/ceterms:price",
     "Lowest total of one cost profile's prices in USD (null when no USD price is published)."),
    ("cost_max_usd", "f64", "ceterms:estimatedCost/ceterms:price", "Highest total of one cost profile's prices in USD."),
    ("has_cost", "bool", "ceterms:estimatedCost", "True when any cost profile or common cost is published."),
    ("duration_months", "f64", "ceterms:estimatedDuration",
     "Shortest published duration in months (ISO 8601 durations; 1 month = 30.44 days, 1 year = 12 months)."),
    ("has_duration", "bool", "ceterms:estimatedDuration", "True when any duration profile is published."),
    ("life_cycle_status", "str", "ceterms:lifeCycleStatusType",
     "Life-cycle status, local name of a lifeCycle concept (`Active`, `Ceased`, ...) or null."),
    ("date_effective", "str", "ceterms:dateEffective", "Date the resource became effective, as published."),
]

FIELDS: list[Field] = [
    # ---- credentials --------------------------------------------------------------------
    *_f(
        "credentials",
        [
            _RESOURCE_COMMON[0],
            ("credential_type", "str", "@type", "CTDL class local name, e.g. `Certificate`, `BachelorDegree`."),
            ("credential_family", "str", "rdfs:subClassOf",
             "The direct subclass of `Credential` this type rolls up to (`Certificate`, `Degree`, `License`, ...)."),
            _RESOURCE_COMMON[1],
            *_OWNED,
            ("status", "str", "ceterms:credentialStatusType",
             "Credential status, local name of a credentialStat concept (`Active`, `Deprecated`, `Probationary`, ...)."),
            *_RESOURCE_COMMON[2:5],
            *_OFFERED,
            ("has_qa", "bool", "ceterms:accreditedBy|approvedBy|recognizedBy|regulatedBy",
             "True when the record names a quality-assurance body (accredited, approved, recognized or regulated by)."),
            ("has_outcome_data", "bool", "ceterms:aggregateData|qdata:relevantDataSet|qdata:DataSetProfile",
             "True when outcome data (aggregate data profile or a data set profile about it) is published."),
            ("has_competencies", "bool", "ceterms:requires/ceterms:targetCompetency",
             "True when the record requires, teaches or assesses at least one competency."),
            *_RESOURCE_COMMON[5:],
        ],
    ),
    # ---- organizations ------------------------------------------------------------------
    *_f(
        "organizations",
        [
            _RESOURCE_COMMON[0],
            ("organization_type", "str", "@type",
             "CTDL class local name: `CredentialOrganization`, `QACredentialOrganization` or `Organization`."),
            _RESOURCE_COMMON[1],
            ("agent_types", "list[str]", "ceterms:agentType",
             "Organization kinds, local names of orgType concepts (`CertificationBody`, `Postsecondary`, ...)."),
            ("agent_sectors", "list[str]", "ceterms:agentSectorType",
             "Sectors, local names of agentSector concepts (`PublicNonProfit`, `PrivateForProfit`, ...)."),
            ("state_code", "str", "ceterms:address/ceterms:addressRegion",
             "USPS code of the first US address (null when none is in the US)."),
            ("is_blank_node", "bool", "",
             "True for an organization found only as a blank node inside another record's graph (it has no CTID)."),
            *_RESOURCE_COMMON[2:],
        ],
    ),
    # ---- learning opportunities ----------------------------------------------------------
    *_f(
        "learning_opportunities",
        [
            _RESOURCE_COMMON[0],
            ("learning_opportunity_type", "str", "@type",
             "`LearningOpportunityProfile`, `LearningProgram` or `Course`."),
            _RESOURCE_COMMON[1],
            *_OWNED,
            *_RESOURCE_COMMON[2:5],
            *_OFFERED,
            ("credit_value", "f64", "ceterms:creditValue/schema:value", "First published credit value amount."),
            ("credit_unit", "str", "ceterms:creditValue/ceterms:creditUnitType", "Its unit (local concept name)."),
            *_RESOURCE_COMMON[5:],
        ],
    ),
    # ---- assessments ---------------------------------------------------------------------
    *_f(
        "assessments",
        [
            _RESOURCE_COMMON[0],
            _RESOURCE_COMMON[1],
            *_OWNED,
            *_RESOURCE_COMMON[2:5],
            *_OFFERED,
            ("assessment_methods", "list[str]", "ceterms:assessmentMethodType",
             "Assessment methods, local names of assessMethod concepts."),
            *_RESOURCE_COMMON[5:],
        ],
    ),
    # ---- competency frameworks and competencies -------------------------------------------
    *_f(
        "competency_frameworks",
        [
            _RESOURCE_COMMON[0],
            _RESOURCE_COMMON[1],
            ("owner_ctid", "str", "ceasn:publisher|ceasn:creator",
             "Publishing (else creating) organization's CTID."),
            *_RESOURCE_COMMON[2:4],
            ("competency_count", "i64", "ceasn:hasTopChild", "Number of competencies published in the framework graph."),
            *_RESOURCE_COMMON[5:],
        ],
    ),
    *_f(
        "competencies",
        [
            ("ctid", "str", "ceterms:ctid", "Competency CTID, lower case."),
            ("framework_ctid", "str", "ceasn:isPartOf", "Framework the competency belongs to."),
            ("text", "str", "ceasn:competencyText", "Competency statement (English preferred)."),
            ("label", "str", "ceasn:competencyLabel", "Short label, when published."),
            ("category", "str", "ceasn:competencyCategory", "Category text, when published."),
            ("coded_notation", "str", "ceasn:codedNotation", "Publisher's code for the competency."),
            ("parent_ctid", "str", "ceasn:isChildOf", "Parent competency's CTID (null for top-level competencies)."),
            ("envelope_id", "str", "", "Registry envelope the record came from."),
        ],
    ),
    # ---- pathways --------------------------------------------------------------------------
    *_f(
        "pathways",
        [
            _RESOURCE_COMMON[0],
            _RESOURCE_COMMON[1],
            *_OWNED,
            *_RESOURCE_COMMON[2:4],
            ("destination_ctids", "list[str]", "ceterms:hasDestinationComponent",
             "Components that are the pathway's goal."),
            ("component_count", "i64", "ceterms:hasPart", "Number of components in the pathway."),
            *_RESOURCE_COMMON[5:],
        ],
    ),
    *_f(
        "pathway_components",
        [
            ("ctid", "str", "ceterms:ctid", "Component CTID, lower case."),
            ("pathway_ctid", "str", "ceterms:isPartOf", "Pathway the component belongs to."),
            ("component_type", "str", "@type",
             "Component class local name (`CredentialComponent`, `CourseComponent`, `JobComponent`, ...)."),
            ("name", "str", "ceterms:name", "Component name."),
            ("progression_level", "str", "asn:hasProgressionLevel",
             "Progression level reference (CTID or URI of an asn:ProgressionLevel), when given."),
            ("proxy_for_ctid", "str", "ceterms:proxyFor",
             "CTID of the credential, course or other resource this component stands for, when given."),
            ("is_destination", "bool", "ceterms:hasDestinationComponent",
             "True when the pathway names this component as its destination."),
            ("envelope_id", "str", "", "Registry envelope the record came from."),
        ],
    ),
    # ---- transfer values ------------------------------------------------------------------
    *_f(
        "transfer_values",
        [
            _RESOURCE_COMMON[0],
            _RESOURCE_COMMON[1],
            *_OWNED,
            *_RESOURCE_COMMON[2:4],
            ("transfer_value_from_ctids", "list[str]", "ceterms:transferValueFrom",
             "Resources whose completion earns the transfer value."),
            ("transfer_value_for_ctids", "list[str]", "ceterms:transferValueFor",
             "Resources the transfer value counts towards."),
            ("credit_value", "f64", "ceterms:transferValue/schema:value", "First transfer value amount."),
            ("credit_unit", "str", "ceterms:transferValue/ceterms:creditUnitType", "Its unit (local concept name)."),
            *_RESOURCE_COMMON[5:],
        ],
    ),
    # ---- outcome data ----------------------------------------------------------------------
    *_f(
        "outcomes",
        [
            ("ctid", "str", "ceterms:ctid", "DataSetProfile CTID (or the owning record's CTID for embedded profiles)."),
            ("about_ctid", "str", "schema:about|qdata:relevantDataSet",
             "Credential or learning opportunity the outcome data is about."),
            ("owner_ctid", "str", "ceterms:dataProvider", "Organization providing the data."),
            ("state_code", "str", "ceterms:jurisdiction/ceterms:addressRegion", "State the data covers, if stated."),
            ("median_earnings_usd", "f64", "qdata:medianEarnings", "Median earnings of completers, USD per year."),
            ("employment_rate", "f64", "qdata:employmentRate", "Share of completers employed (0–1)."),
            ("holders_count", "i64", "qdata:holdersCount", "Number of credential holders or completers."),
            ("time_period", "str", "qdata:dataSetTimePeriod", "Period the data covers, as published."),
            ("envelope_id", "str", "", "Registry envelope the record came from."),
        ],
    ),
    # ---- every other top-level resource (Task, Job, Occupation, Collection, actions, ...) -----
    *_f(
        "other_resources",
        [
            ("ctid", "str", "ceterms:ctid", "CTID, lower case."),
            ("resource_type", "str", "@type", "CTDL class local name."),
            ("resource_family", "str", "rdfs:subClassOf", "Top-level class family from the schema (e.g. `CredentialingAction`)."),
            ("name", "str", "ceterms:name", "Name, when the class has one."),
            ("owner_ctid", "str", "ceterms:ownedBy|ceterms:actingAgent", "Owning or acting organization."),
            ("envelope_id", "str", "", "Registry envelope the record came from."),
            ("envelope_updated_at", "datetime", "node_headers.updated_at", "When the Registry last updated the envelope."),
        ],
    ),
    # ---- link tables -------------------------------------------------------------------------
    *_f(
        "alignments",
        [
            ("subject_ctid", "str", "", "Resource carrying the alignment."),
            ("subject_table", "str", "", "Core table of the subject (`credentials`, `learning_opportunities`, ...)."),
            ("property", "str", "",
             "CTDL property local name: `occupationType`, `industryType`, `instructionalProgramType`, `naics`, ..."),
            ("code_system", "str", "ceterms:framework", "`SOC`, `NAICS`, `CIP` or `other`."),
            ("code", "str", "ceterms:codedNotation", "Normalised code (SOC `NN-NNNN`, CIP `NN.NNNN`, NAICS digits); null if none."),
            ("onet_soc_code", "str", "ceterms:codedNotation", "Full O*NET-SOC code `NN-NNNN.NN` when published."),
            ("raw_code", "str", "ceterms:codedNotation", "Code exactly as published (or taken from targetNode/framework URL)."),
            ("target_name", "str", "ceterms:targetNodeName", "Name of the aligned node (occupation, industry, program)."),
            ("framework_name", "str", "ceterms:frameworkName", "Name of the framework, as published."),
        ],
    ),
    *_f(
        "locations",
        [
            ("subject_ctid", "str", "", "Resource the place belongs to."),
            ("subject_table", "str", "", "Core table of the subject."),
            ("role", "str", "", "`address` (organization address), `availableAt` (where offered), `jurisdiction`, ..."),
            ("state_code", "str", "ceterms:addressRegion", "USPS code, upper case; null when not a US state/DC/territory."),
            ("raw_region", "str", "ceterms:addressRegion", "addressRegion exactly as published."),
            ("locality", "str", "ceterms:addressLocality", "City or town."),
            ("postal_code", "str", "ceterms:postalCode", "Postal code."),
            ("country", "str", "ceterms:addressCountry", "Country, as published."),
            ("latitude", "f64", "ceterms:latitude", "Latitude."),
            ("longitude", "f64", "ceterms:longitude", "Longitude."),
        ],
    ),
    *_f(
        "connections",
        [
            ("subject_ctid", "str", "", "Resource the edge starts from."),
            ("subject_table", "str", "", "Core table of the subject."),
            ("relation", "str", "",
             "Edge type: a CTDL property local name (`isPreparationFor`, `requires`, `ownedBy`, `offeredBy`, "
             "`accreditedBy`, `targetCompetency`, `teaches`, `assesses`, `hasChild`, `precedes`, ...)."),
            ("target_ctid", "str", "", "CTID the edge points to (null when the target has no CTID)."),
            ("target_uri", "str", "", "Target as published when it is not a CTID (blank node id or external URI)."),
            ("via", "str", "",
             "How the edge was found: `direct`, or the property path through a profile, "
             "e.g. `requires/targetCredential`, `isPreparationFor/targetCredential`."),
        ],
    ),
    *_f(
        "resource_properties",
        [
            ("ctid", "str", "", "Resource CTID."),
            ("resource_table", "str", "", "Core table of the resource."),
            ("resource_type", "str", "@type", "CTDL class local name."),
            ("property", "str", "", "CTDL property CURIE present on the top-level node, e.g. `ceterms:description`."),
            ("value_count", "i64", "", "Number of values given for the property (1 for a single value)."),
        ],
    ),
    *_f(
        "envelopes",
        [
            ("envelope_id", "str", "envelope_id", "Registry envelope id (null for non-envelope input)."),
            ("ctid", "str", "envelope_ceterms_ctid", "CTID of the envelope's top-level resource."),
            ("ctdl_type", "str", "envelope_ctdl_type", "Class of the top-level resource, as a CURIE."),
            ("created_at", "datetime", "node_headers.created_at", "When the envelope was created (UTC)."),
            ("updated_at", "datetime", "node_headers.updated_at", "When the envelope was last updated (UTC)."),
            ("owned_by", "str", "owned_by", "Owning organization CTID, from envelope metadata."),
            ("published_by", "str", "published_by", "Publishing organization CTID, from envelope metadata."),
            ("publish_type", "str", "resource_publish_type", "`primary` or `secondary`."),
            ("node_count", "i64", "", "Number of nodes in the envelope's graph."),
            ("is_duplicate", "bool", "",
             "True when a newer envelope for the same CTID exists (the newer one is used in the tables)."),
            ("source_file", "str", "", "Raw file the envelope was read from, relative to the snapshot."),
            ("is_deleted", "bool", "node_headers.deleted_at",
             "True when the Registry marked the envelope deleted (its resources are left out of the tables)."),
        ],
    ),
    *_f(
        "quarantine",
        [
            ("envelope_id", "str", "", "Envelope id, when known."),
            ("ctid", "str", "", "CTID, when known."),
            ("source_file", "str", "", "Raw file and line (`raw/part-0001.jsonl.gz:17`) of the record."),
            ("property", "str", "", "Property that was wrong, when the problem is with one property."),
            ("reason", "str", "", "What was wrong, in words a person understands."),
            ("raw", "str", "", "The first 2,000 characters of the unreadable record."),
        ],
    ),
]

CORE_TABLES: tuple[str, ...] = tuple(dict.fromkeys(f.table for f in FIELDS))
"""Names of the core tables, in documentation order."""


def fields_for(table: str) -> list[Field]:
    """The documented columns of one core table, in column order."""
    cols = [f for f in FIELDS if f.table == table]
    if not cols:
        raise KeyError(f"unknown core table {table!r}; known: {', '.join(CORE_TABLES)}")
    return cols


def column_names(table: str) -> list[str]:
    """Column names of one core table, in order."""
    return [f.name for f in fields_for(table)]
