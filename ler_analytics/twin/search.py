"""The Registry twin's ``GET /search``: envelope search over indexed top-level resources.

Like the Registry (``CR:app/services/search.rb``), one hit is one top-level graph member
(a credential, an organisation, each competency of a framework…) with its envelope, serialised
as the envelope fields plus ``inner_resource``. Supported parameters: ``fts``, ``type``,
``resource_type`` (the community's aliases), ``envelope_ctdl_type``, ``envelope_ceterms_ctid``,
``envelope_id``, ``resource_publish_type``, ``owned_by``, ``published_by``, ``from``/``until``
(on ``updated_at``), ``sort_by``/``sort_order``, ``with_bnodes``, ``provisional``,
``include_deleted``, ``metadata_only``, ``page``/``per_page``, the ``framework`` prepared query,
and any other key as a JSON containment filter on the resource (``ceterms:ctid=…``, ``ctid=…``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

import orjson

from ler_analytics.twin.store import EnvelopeRecord, ResourceRow, TwinStore, decoded_resource, graph_nodes, text_tokens

# values_map of the ce_registry community config (CR:fixtures/configs/ce_registry.json, "resource_type").
RESOURCE_TYPE_ALIASES: dict[str, str] = {
    "ceterms:Agent": "organization",
    "ceterms:Organization": "organization",
    "ceterms:CredentialOrganization": "organization",
    "ceterms:QACredentialOrganization": "organization",
    "ceterms:CredentialPerson": "organization",
    "ceterms:Credential": "credential",
    "ceterms:AssessmentProfile": "assessment_profile",
    "ceterms:LearningOpportunityProfile": "learning_opportunity_profile",
    "ceterms:ConditionManifest": "condition_manifest_schema",
    "ceterms:CostManifest": "cost_manifest_schema",
    "ceterms:PathwaySet": "pathway_set",
    "ceterms:Pathway": "pathway",
    "ceterms:PathwayComponent": "pathway_component",
    "ceasn:Competency": "competency",
    "ceasn:CompetencyFramework": "competency_framework",
    "skos:Concept": "concept",
    "skos:ConceptScheme": "concept_scheme",
    "ceterms:TransferValueProfile": "transfer_value_profile",
    "asn:Rubric": "rubric",
    "asn:RubricCriterion": "rubric_criterion",
    "ceterms:EarningsProfile": "earnings_profile",
    "ceterms:EmploymentOutcomeProfile": "employment_outcome_profile",
    "ceterms:HoldersProfile": "holders_profile",
    "qdata:DataSetProfile": "qdata_dataset_profile",
    "ceterms:Occupation": "occupation_profile",
    "ceterms:Job": "job_profile",
    "ceterms:Task": "task_profile",
    "ceterms:WorkRole": "workrole_profile",
}

KNOWN_PARAMS = frozenset(
    {
        "page", "per_page", "fts", "community", "type", "resource_type", "envelope_ctdl_type",
        "envelope_ceterms_ctid", "envelope_id", "resource_publish_type", "owned_by", "published_by",
        "from", "until", "sort_by", "sort_order", "with_bnodes", "provisional", "include_deleted",
        "metadata_only", "framework", "envelope_community",
    }
)
PARAM_ALIASES = {"ctid": "ceterms:ctid"}


@cache
def resource_type_of(curie: str) -> str | None:
    """The community alias of a class: its own entry, else its nearest aliased super class."""
    if curie in RESOURCE_TYPE_ALIASES:
        return RESOURCE_TYPE_ALIASES[curie]
    try:
        from ler_analytics.ctdl.schema import ancestors, class_curie

        term = class_curie(curie)
        for ancestor in ancestors(term) if term else ():
            if ancestor in RESOURCE_TYPE_ALIASES:
                return RESOURCE_TYPE_ALIASES[ancestor]
    except (ImportError, OSError, ValueError):
        return None
    return None


def jsonb_contains(value: object, pattern: object) -> bool:
    """Postgres ``@>`` on JSON values: objects by key, arrays by element, scalars by equality."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and jsonb_contains(value[k], v) for k, v in pattern.items())
    if isinstance(pattern, list):
        if not isinstance(value, list):
            return False
        return all(any(jsonb_contains(item, p) for item in value) for p in pattern)
    if isinstance(value, list):  # a top-level array contains a primitive element
        return any(item == pattern for item in value)
    return value == pattern


def _csv(value: str | None) -> set[str] | None:
    if value is None or value == "":
        return None
    return {v.strip() for v in value.split(",") if v.strip()}


def run_search(
    store: TwinStore,
    params: dict[str, str],
    paging: Callable[[dict[str, str]], tuple[int, int]],
) -> tuple[list[bytes], int, int, int]:
    """Run a search; returns (serialised hits of the page, total hits, page, per_page).

    Args:
        store: the data.
        params: query-string parameters (one value each).
        paging: the server's ``page``/``per_page`` parser (raises the Registry's 400s).
    """
    from ler_analytics.twin.server import ApiError, bool_param, choice_param, time_param

    page, per_page = paging(params)
    metadata_only = bool_param(params, "metadata_only")
    provisional = choice_param(params, "provisional", ("exclude", "include", "only"), "exclude") or "exclude"
    sort_by = choice_param(params, "sort_by", ("created_at", "updated_at"), "updated_at")
    sort_order = choice_param(params, "sort_order", ("asc", "desc"), "desc")
    with_bnodes = params.get("with_bnodes", "false")
    start: datetime | None = time_param(params, "from", natural=True)
    until: datetime | None = time_param(params, "until", natural=True)
    env_type = params.get("type")
    if env_type not in (None, "", "resource_data", "paradata"):
        raise ApiError(400, ["type does not have a valid value"])
    resource_types = _csv(params.get("resource_type"))
    ctdl_types = _csv(params.get("envelope_ctdl_type"))
    env_ctid = (params.get("envelope_ceterms_ctid") or "").lower() or None
    env_id = (params.get("envelope_id") or "").lower() or None
    publish_type = params.get("resource_publish_type") or None
    owned_by = (params.get("owned_by") or "").lower() or None
    published_by = (params.get("published_by") or "").lower() or None
    fts = (params.get("fts") or "").strip()
    fts_tokens = text_tokens(fts) if fts else frozenset()
    fts_partial = fts.lower()
    containment: dict[str, object] = {}
    for key, raw in params.items():
        if key in KNOWN_PARAMS:
            continue
        try:
            value: object = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = raw
        containment[PARAM_ALIASES.get(key, key)] = value
    framework = params.get("framework")
    if framework:
        containment["@type"] = "ceasn:Competency"
        containment["ceasn:isPartOf"] = [framework]

    if env_type == "paradata" or with_bnodes == "only":
        recs: list[EnvelopeRecord] = []  # the twin holds no paradata and does not index blank nodes
    else:
        recs = store.listing(include_deleted=params.get("include_deleted"), provisional=provisional)

    hits: list[tuple[EnvelopeRecord, ResourceRow]] = []
    for rec in recs:
        if ctdl_types is not None and rec.ctdl_type not in ctdl_types:
            continue
        if env_ctid is not None and rec.ctid != env_ctid:
            continue
        if env_id is not None and rec.envelope_id != env_id:
            continue
        if publish_type is not None and rec.publish_type != publish_type:
            continue
        if owned_by is not None and rec.owned_by != owned_by:
            continue
        if published_by is not None and rec.published_by != published_by:
            continue
        if start is not None and rec.updated < start:
            continue
        if until is not None and rec.updated > until:
            continue
        rows = rec.search_rows()
        nodes: list[dict] | None = None
        for row in rows:
            if resource_types is not None and not any(resource_type_of(t) in resource_types for t in row.types):
                continue
            if fts and not (row.has_words(fts_tokens) or fts_partial in row.name):
                continue
            if containment:
                if nodes is None:
                    nodes = graph_nodes(store.graph(rec))
                if not jsonb_contains(nodes[row.node_index], containment):
                    continue
            hits.append((rec, row))

    def key(hit: tuple[EnvelopeRecord, ResourceRow]) -> tuple:
        rec, row = hit
        return ((rec.created if sort_by == "created_at" else rec.updated), rec.seq, row.node_index)

    hits.sort(key=key, reverse=(sort_order == "desc"))
    total = len(hits)
    chosen = hits[(page - 1) * per_page : page * per_page]
    out: list[bytes] = []
    for rec, row in chosen:
        env = rec.envelope()
        node = graph_nodes(decoded_resource(env))[row.node_index]
        if metadata_only:
            env.pop("decoded_resource", None)
            env.pop("resource", None)
        env["inner_resource"] = node
        out.append(orjson.dumps(env))
    return out, total, page, per_page
