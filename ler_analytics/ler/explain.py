""""What this means": explain the CTDL record an LER achievement links to.

For a CTID, :class:`Explainer` gathers from a built snapshot the record's type, name, owner, status
(deprecated flagged), occupations (SOC titles from :mod:`ler_analytics.reference`), industries,
programs (CIP), competencies required/taught/assessed, cost, duration, outcome data and next steps
(connections and pathways). :func:`explain_document` does this for every achievement of an LER.

Outputs: JSON-ready dicts, a polars table (:func:`explanations_table`) and a self-contained HTML card
(:func:`to_html`, every text HTML-escaped, no external assets). Nothing about the learner is used.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ler_analytics.errors import SnapshotError
from ler_analytics.ler.links import PATTERN_LABELS, Link, find_links, links_by_achievement, primary_ctid
from ler_analytics.ler.resolve import SnapshotResolver

if TYPE_CHECKING:
    import polars as pl

    from ler_analytics.ler.read import LerDocument
    from ler_analytics.snapshot import Snapshot

REGISTRY_RESOURCE_URL = "https://credentialengineregistry.org/resources/{ctid}"
NEXT_STEP_RELATIONS = (
    "isPreparationFor", "isAdvancedStandingFor", "isRecommendedFor", "isRequiredFor", "leadsTo", "precedes",
    "hasTransferValue",
)
PREREQUISITE_RELATIONS = ("requires", "recommends", "corequisite", "entryCondition", "isPreparationFrom",
                          "advancedStandingFrom", "prerequisite")
_MAX_ITEMS = 25


@lru_cache(maxsize=1)
def _soc_titles() -> dict[str, str]:
    try:
        from ler_analytics import reference

        frame = reference.soc_hierarchy()
        return dict(zip(frame.get_column("soc_code").to_list(), frame.get_column("soc_title").to_list(), strict=True))
    except (ImportError, AttributeError, OSError, KeyError, SnapshotError):
        return {}


@lru_cache(maxsize=1)
def _onet_titles() -> dict[str, str]:
    try:
        from ler_analytics import reference

        frame = reference.onet_occupations()
        return dict(zip(frame.get_column("onet_soc_code").to_list(), frame.get_column("title").to_list(), strict=True))
    except (ImportError, AttributeError, OSError, KeyError, SnapshotError):
        return {}


@lru_cache(maxsize=1)
def _naics_titles() -> dict[str, str]:
    try:
        from ler_analytics import reference

        frame = reference.naics_codes()
        return dict(zip(frame.get_column("naics_code").to_list(), frame.get_column("naics_title").to_list(),
                        strict=True))
    except (ImportError, AttributeError, OSError, KeyError, SnapshotError):
        return {}


@lru_cache(maxsize=1)
def _cip_titles() -> dict[str, str]:
    try:
        from ler_analytics import reference

        frame = reference.cip_codes()
        return dict(zip(frame.get_column("cip_code").to_list(), frame.get_column("cip_title").to_list(), strict=True))
    except (ImportError, AttributeError, OSError, KeyError, SnapshotError):
        return {}


def _rows(frame: pl.DataFrame | None, column: str, value: str) -> list[dict[str, Any]]:
    if frame is None or frame.is_empty() or column not in frame.columns:
        return []
    import polars as pl

    return frame.filter(pl.col(column) == value).to_dicts()


class Explainer:
    """Explains CTIDs using a built snapshot (no network).

    Args:
        snap: the snapshot (demo twin, harvested, or fetched live by ``resolve.fetch_live_snapshot``).
        resolver: a :class:`SnapshotResolver` over the same snapshot (created when omitted).
    """

    def __init__(self, snap: Snapshot, resolver: SnapshotResolver | None = None) -> None:
        self.snap = snap
        self.resolver = resolver or SnapshotResolver(snap)
        self._tables: dict[str, pl.DataFrame | None] = {}

    def _table(self, name: str) -> pl.DataFrame | None:
        if name not in self._tables:
            try:
                self._tables[name] = self.snap.table(name)
            except SnapshotError:
                self._tables[name] = None
        return self._tables[name]

    def _ref(self, ctid: str | None, uri: str | None = None) -> dict[str, Any]:
        found = self.resolver.resolve(ctid) if ctid else None
        return {
            "ctid": ctid,
            "name": found.name if found else None,
            "type": found.ctdl_type if found else None,
            "in_snapshot": found is not None,
            "uri": None if ctid else uri,
        }

    def explain(self, ctid: str) -> dict[str, Any]:
        """The "what this means" view of one CTID, as a JSON-ready dict.

        ``found`` is False (and most fields empty) when the CTID is not in the snapshot.
        """
        found = self.resolver.resolve(ctid)
        out: dict[str, Any] = {
            "ctid": ctid,
            "found": found is not None,
            "registry_url": REGISTRY_RESOURCE_URL.format(ctid=ctid),
            "table": None, "ctdl_type": None, "name": None, "description": None, "subject_webpage": None,
            "owner": None, "offered_by": [], "status": None, "life_cycle_status": None, "deprecated": False,
            "occupations": [], "industries": [], "programs": [],
            "competencies_required": [], "competencies_taught": [], "competencies_assessed": [],
            "prerequisites": [], "cost": None, "duration": None, "outcomes": [], "next_steps": [], "pathways": [],
            "framework": None, "snapshot_source": self.snap.source, "synthetic": self.snap.is_synthetic,
        }
        if found is None:
            return out
        out.update(
            table=found.table, ctdl_type=found.ctdl_type, name=found.name, status=found.status,
            life_cycle_status=found.life_cycle_status, deprecated=found.deprecated,
        )
        record = next(iter(_rows(self._table(found.table), "ctid", ctid)), {})
        out["description"] = record.get("description") or record.get("text")
        out["subject_webpage"] = record.get("subject_webpage")
        if found.owner_ctid:
            out["owner"] = self._ref(found.owner_ctid)
        out["offered_by"] = [self._ref(c) for c in (record.get("offered_by_ctids") or [])][:_MAX_ITEMS]
        if found.table == "competencies":
            out["framework"] = self._ref(record.get("framework_ctid")) if record.get("framework_ctid") else None
        if record.get("has_cost") or record.get("cost_min_usd") is not None:
            out["cost"] = {"min_usd": record.get("cost_min_usd"), "max_usd": record.get("cost_max_usd"),
                           "published": bool(record.get("has_cost"))}
        if record.get("has_duration") or record.get("duration_months") is not None:
            out["duration"] = {"months": record.get("duration_months"), "published": bool(record.get("has_duration"))}
        self._alignments(ctid, out)
        self._connections(ctid, out)
        self._outcomes(ctid, out)
        self._pathways(ctid, out)
        return out

    def _alignments(self, ctid: str, out: dict[str, Any]) -> None:
        seen: set[tuple[str, str]] = set()
        for row in _rows(self._table("alignments"), "subject_ctid", ctid):
            system = (row.get("code_system") or "").upper()
            code = row.get("code")
            key = (system, code or row.get("target_name") or "")
            if key in seen:
                continue
            seen.add(key)
            if system == "SOC" or row.get("property") == "occupationType":
                title = (_onet_titles().get(row.get("onet_soc_code") or "") or _soc_titles().get(code or "")
                         or row.get("target_name"))
                out["occupations"].append({"soc_code": code, "onet_soc_code": row.get("onet_soc_code"),
                                           "title": title, "published_name": row.get("target_name")})
            elif system == "NAICS" or row.get("property") in ("industryType", "naics"):
                out["industries"].append({"naics_code": code,
                                          "title": _naics_titles().get(code or "") or row.get("target_name")})
            elif system == "CIP" or row.get("property") == "instructionalProgramType":
                out["programs"].append({"cip_code": code,
                                        "title": _cip_titles().get(code or "") or row.get("target_name")})
        for key in ("occupations", "industries", "programs"):
            out[key] = out[key][:_MAX_ITEMS]

    def _competency(self, ctid: str | None, uri: str | None) -> dict[str, Any]:
        found = self.resolver.resolve(ctid) if ctid else None
        text = None
        if found is not None and found.table == "competencies":
            row = next(iter(_rows(self._table("competencies"), "ctid", ctid or "")), {})
            text = row.get("text") or row.get("label")
        return {"ctid": ctid, "text": text or (found.name if found else None), "in_snapshot": found is not None,
                "uri": None if ctid else uri}

    def _connections(self, ctid: str, out: dict[str, Any]) -> None:
        conns = self._table("connections")
        seen: set[tuple[str, str | None]] = set()
        for row in _rows(conns, "subject_ctid", ctid):
            relation = row.get("relation") or ""
            via = row.get("via") or ""
            target, uri = row.get("target_ctid"), row.get("target_uri")
            target_found = self.resolver.resolve(target) if target else None
            is_competency = (
                via.endswith("targetCompetency")
                or relation in ("teaches", "assesses", "targetCompetency")
                or (target_found is not None and target_found.table == "competencies")
            )
            if is_competency:
                bucket = ("competencies_taught" if "teaches" in (relation, via.split("/")[0])
                          else "competencies_assessed" if "assesses" in (relation, via.split("/")[0])
                          else "competencies_required")
                if (bucket, target or uri) not in seen and len(out[bucket]) < _MAX_ITEMS:
                    seen.add((bucket, target or uri))
                    out[bucket].append(self._competency(target, uri))
            elif relation in NEXT_STEP_RELATIONS:
                if ("next", target or uri) not in seen and len(out["next_steps"]) < _MAX_ITEMS:
                    seen.add(("next", target or uri))
                    out["next_steps"].append({**self._ref(target, uri), "relation": relation})
            elif relation in PREREQUISITE_RELATIONS:
                if ("pre", target or uri) not in seen and len(out["prerequisites"]) < _MAX_ITEMS:
                    seen.add(("pre", target or uri))
                    out["prerequisites"].append({**self._ref(target, uri), "relation": relation})
        # reverse edges: records that require this one, or that it prepares for, are next steps too
        for row in _rows(conns, "target_ctid", ctid):
            relation = row.get("relation") or ""
            subject = row.get("subject_ctid")
            if relation in ("requires", "recommends", "advancedStandingFrom", "isPreparationFrom"):
                if ("next", subject) not in seen and len(out["next_steps"]) < _MAX_ITEMS:
                    seen.add(("next", subject))
                    out["next_steps"].append({**self._ref(subject), "relation": f"{relation} (inverse)"})
        for row in self._transfer_values(ctid):
            if ("next", row["ctid"]) not in seen and len(out["next_steps"]) < _MAX_ITEMS:
                seen.add(("next", row["ctid"]))
                out["next_steps"].append({**self._ref(row["ctid"]), "relation": "transferValueFrom"})

    def _transfer_values(self, ctid: str) -> list[dict[str, Any]]:
        frame = self._table("transfer_values")
        if frame is None or frame.is_empty() or "transfer_value_from_ctids" not in frame.columns:
            return []
        import polars as pl

        return frame.filter(pl.col("transfer_value_from_ctids").list.contains(ctid)).select("ctid").to_dicts()

    def _outcomes(self, ctid: str, out: dict[str, Any]) -> None:
        for row in _rows(self._table("outcomes"), "about_ctid", ctid)[:_MAX_ITEMS]:
            out["outcomes"].append({k: row.get(k) for k in ("median_earnings_usd", "employment_rate",
                                                            "holders_count", "time_period", "state_code")})

    def _pathways(self, ctid: str, out: dict[str, Any]) -> None:
        components = self._table("pathway_components")
        if components is None or components.is_empty():
            return
        import polars as pl

        mine = _rows(components, "proxy_for_ctid", ctid)
        for pathway_ctid in list(dict.fromkeys(r["pathway_ctid"] for r in mine if r.get("pathway_ctid")))[:10]:
            parts = components.filter(pl.col("pathway_ctid") == pathway_ctid)
            destinations = parts.filter(pl.col("is_destination").fill_null(False)).get_column("name").to_list()
            out["pathways"].append({**self._ref(pathway_ctid), "destinations": [d for d in destinations if d]})


def explain_document(doc: LerDocument, explainer: Explainer, links: list[Link] | None = None) -> dict[str, Any]:
    """Explain every achievement of one LER.

    Returns:
        ``{"document": summary, "achievements": [...], "credential_links": [...]}``. Each achievement
        carries its links (pattern, JSON path, resolution) and, when it links to a CTID, the
        explanation of its primary target. No learner data is included.
    """
    links = find_links(doc) if links is None else links
    grouped = links_by_achievement(doc, links)
    achievements = []
    for ach in doc.achievements:
        ach_links = grouped.get(ach.path, [])
        target = primary_ctid(ach_links)
        resolved_links = [_link_view(link, explainer.resolver) for link in ach_links]
        explanation = explainer.explain(target) if target else None
        owner_ctid = explanation["owner"]["ctid"] if explanation and explanation.get("owner") else None
        issuer_ctid = ach.issuer_ctid or _issuer_ctid_by_name(explainer.resolver, ach.issuer_name)
        issuer_name = ach.issuer_name or (explainer.resolver.organization_name(issuer_ctid) if issuer_ctid else None)
        achievements.append(
            {
                "path": ach.path,
                "id": ach.id,
                "name": ach.name,
                "achievement_type": ach.achievement_type,
                "issuer": {"id": ach.issuer_id, "name": issuer_name, "ctid": issuer_ctid},
                "links": resolved_links,
                "primary_ctid": target,
                "owner_differs_from_issuer": (
                    None if not (owner_ctid and issuer_ctid) else owner_ctid != issuer_ctid
                ),
                "explanation": explanation,
            }
        )
    return {
        "document": doc.summary(),
        "achievements": achievements,
        "credential_links": [_link_view(link, explainer.resolver) for link in grouped.get(None, [])],
    }


def _issuer_ctid_by_name(resolver: SnapshotResolver, name: str | None) -> str | None:
    """CTID of the organization whose name equals the issuer name (case/space-insensitive), if unique."""
    if not name:
        return None
    return organization_name_index(resolver).get(_fold(name))


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def organization_name_index(resolver: SnapshotResolver) -> dict[str, str]:
    """Folded organization name -> CTID, for names that belong to exactly one organization."""
    cached = getattr(resolver, "_org_names", None)
    if cached is not None:
        return cached
    counts: dict[str, list[str]] = {}
    for record in resolver.index.values():
        if record.table == "organizations" and record.name:
            counts.setdefault(_fold(record.name), []).append(record.ctid)
    index = {k: v[0] for k, v in counts.items() if len(v) == 1}
    resolver._org_names = index  # type: ignore[attr-defined]
    return index


def _link_view(link: Link, resolver: SnapshotResolver) -> dict[str, Any]:
    found = resolver.resolve(link.ctid) if link.ctid else None
    return {
        "pattern": link.pattern,
        "pattern_label": PATTERN_LABELS.get(link.pattern, link.pattern),
        "ctid": link.ctid,
        "uri": link.uri,
        "path": link.path,
        "property": link.property,
        "target_type": link.target_type,
        "resolution": "no_ctid" if not link.ctid else "resolved" if found else "not_found",
        "resolved_type": found.ctdl_type if found else None,
        "resolved_name": found.name if found else None,
        "deprecated": found.deprecated if found else None,
    }


def explanations_table(results: list[dict[str, Any]]) -> pl.DataFrame:
    """One row per achievement across :func:`explain_document` results (flat columns, lists joined).

    Columns: source, format, achievement, achievement_type, issuer, patterns, primary_ctid, resolution,
    ctdl_type, name, owner, status, deprecated, occupations, industries, programs, competencies_required,
    competencies_taught, cost_min_usd, cost_max_usd, duration_months, outcomes, next_steps, pathways.
    """
    import polars as pl

    rows = []
    for result in results:
        summary = result["document"]
        for ach in result["achievements"]:
            exp = ach.get("explanation") or {}
            resolution = ("no_link" if not ach["links"] else "no_ctid" if not ach["primary_ctid"]
                          else "resolved" if exp.get("found") else "not_found")
            cost = exp.get("cost") or {}
            rows.append(
                {
                    "source": summary["source"],
                    "format": summary["format"],
                    "achievement": ach["name"],
                    "achievement_type": ach["achievement_type"],
                    "issuer": ach["issuer"]["name"],
                    "patterns": ", ".join(dict.fromkeys(link["pattern"] for link in ach["links"])),
                    "primary_ctid": ach["primary_ctid"],
                    "resolution": resolution,
                    "ctdl_type": exp.get("ctdl_type"),
                    "name": exp.get("name"),
                    "owner": (exp.get("owner") or {}).get("name"),
                    "status": exp.get("status") or exp.get("life_cycle_status"),
                    "deprecated": exp.get("deprecated") if exp.get("found") else None,
                    "owner_differs_from_issuer": ach.get("owner_differs_from_issuer"),
                    "occupations": "; ".join(
                        f"{o.get('soc_code') or ''} {o.get('title') or ''}".strip() for o in exp.get("occupations", [])
                    ),
                    "industries": "; ".join(
                        f"{o.get('naics_code') or ''} {o.get('title') or ''}".strip() for o in exp.get("industries", [])
                    ),
                    "programs": "; ".join(
                        f"{o.get('cip_code') or ''} {o.get('title') or ''}".strip() for o in exp.get("programs", [])
                    ),
                    "competencies_required": len(exp.get("competencies_required", [])),
                    "competencies_taught": len(exp.get("competencies_taught", [])),
                    "cost_min_usd": cost.get("min_usd"),
                    "cost_max_usd": cost.get("max_usd"),
                    "duration_months": (exp.get("duration") or {}).get("months"),
                    "outcomes": len(exp.get("outcomes", [])),
                    "next_steps": "; ".join(s.get("name") or s.get("ctid") or "" for s in exp.get("next_steps", [])),
                    "pathways": "; ".join(p.get("name") or p.get("ctid") or "" for p in exp.get("pathways", [])),
                }
            )
    schema = {
        "source": pl.String, "format": pl.String, "achievement": pl.String, "achievement_type": pl.String,
        "issuer": pl.String, "patterns": pl.String, "primary_ctid": pl.String, "resolution": pl.String,
        "ctdl_type": pl.String, "name": pl.String, "owner": pl.String, "status": pl.String,
        "deprecated": pl.Boolean, "owner_differs_from_issuer": pl.Boolean, "occupations": pl.String,
        "industries": pl.String, "programs": pl.String, "competencies_required": pl.Int64,
        "competencies_taught": pl.Int64, "cost_min_usd": pl.Float64, "cost_max_usd": pl.Float64,
        "duration_months": pl.Float64, "outcomes": pl.Int64, "next_steps": pl.String, "pathways": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


# --- HTML card -------------------------------------------------------------------------------------

_CSS = """
.ler-card{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;border:1px solid #d0d7de;border-radius:8px;
padding:14px 18px;margin:10px 0;max-width:860px;color:#1f2328;background:#fff;line-height:1.4}
.ler-card h3{margin:0 0 4px 0;font-size:1.15em}.ler-card h4{margin:12px 0 4px 0;font-size:.95em;color:#57606a}
.ler-cards{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328}
.ler-meta{color:#57606a;font-size:.9em}.ler-card ul{margin:2px 0 2px 18px;padding:0}
.ler-card .ler-badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:.8em;margin-right:4px;
background:#ddf4ff;color:#0550ae}.ler-card .ler-warn{background:#ffebe9;color:#a40e26}
.ler-card .ler-ok{background:#dafbe1;color:#116329}.ler-card .ler-muted{color:#6e7781}
.ler-card table{border-collapse:collapse;font-size:.85em}.ler-card td,.ler-card th{border:1px solid #d0d7de;
padding:2px 6px;text-align:left}.ler-synthetic{background:#fff8c5;padding:4px 8px;border-radius:4px;font-size:.85em}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _list(items: list[str], empty: str = "none published") -> str:
    if not items:
        return f'<p class="ler-muted">{_e(empty)}</p>'
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _ref_html(ref: dict[str, Any] | None) -> str:
    if not ref:
        return '<span class="ler-muted">unknown</span>'
    label = ref.get("name") or ref.get("ctid") or ref.get("uri") or "unknown"
    kind = f' <span class="ler-muted">({_e(ref.get("type"))})</span>' if ref.get("type") else ""
    return f"{_e(label)}{kind}"


def achievement_card(ach: dict[str, Any]) -> str:
    """HTML card (a ``<div>``) for one explained achievement; all text escaped."""
    exp = ach.get("explanation") or {}
    parts = ['<div class="ler-card">']
    title = exp.get("name") or ach.get("name") or "Achievement"
    parts.append(f"<h3>{_e(title)}</h3>")
    kind = exp.get("ctdl_type") or ach.get("achievement_type") or "achievement"
    meta = [f'<span class="ler-badge">{_e(kind)}</span>']
    status = exp.get("status") or exp.get("life_cycle_status")
    if exp.get("deprecated"):
        meta.append(f'<span class="ler-badge ler-warn">deprecated: {_e(status)}</span>')
    elif status:
        meta.append(f'<span class="ler-badge ler-ok">{_e(status)}</span>')
    if ach.get("owner_differs_from_issuer"):
        meta.append('<span class="ler-badge ler-warn">Registry owner differs from the LER issuer</span>')
    parts.append('<div class="ler-meta">' + "".join(meta) + "</div>")
    if ach.get("name") and exp.get("name") and ach["name"] != exp["name"]:
        parts.append(f'<p class="ler-meta">In the LER: {_e(ach["name"])}</p>')
    issuer = ach.get("issuer") or {}
    parts.append(f'<p class="ler-meta">Issued by {_e(issuer.get("name") or issuer.get("id") or "unknown issuer")}'
                 + (f" &middot; owned in the Registry by {_ref_html(exp.get('owner'))}" if exp.get("owner") else "")
                 + "</p>")
    if not ach.get("links"):
        parts.append('<p class="ler-badge ler-warn">No CTDL link in this achievement.</p>')
    elif not ach.get("primary_ctid"):
        parts.append('<p class="ler-badge ler-warn">Linked only through URLs without a CTID '
                     "(cannot be resolved offline).</p>")
    elif not exp.get("found"):
        parts.append(f'<p class="ler-badge ler-warn">CTID {_e(ach["primary_ctid"])} was not found in the snapshot.</p>')
    if exp.get("found"):
        if exp.get("description"):
            text = str(exp["description"])
            parts.append(f"<p>{_e(text[:600] + ('…' if len(text) > 600 else ''))}</p>")
        is_competency = exp.get("table") == "competencies"
        if is_competency and exp.get("framework"):
            parts.append(f"<h4>Framework</h4><p>{_ref_html(exp['framework'])}</p>")
        if not is_competency or exp.get("occupations"):
            parts.append("<h4>Occupations</h4>" + _list(
                [f"{_e(o.get('soc_code') or '')} {_e(o.get('title') or '')}" for o in exp.get("occupations", [])]))
        if exp.get("industries"):
            parts.append("<h4>Industries</h4>" + _list(
                [f"{_e(o.get('naics_code') or '')} {_e(o.get('title') or '')}" for o in exp["industries"]]))
        if exp.get("programs"):
            parts.append("<h4>Programs of study (CIP)</h4>" + _list(
                [f"{_e(o.get('cip_code') or '')} {_e(o.get('title') or '')}" for o in exp["programs"]]))
        for key, label in (("competencies_required", "Competencies required"),
                           ("competencies_taught", "Competencies taught"),
                           ("competencies_assessed", "Competencies assessed")):
            if exp.get(key) or (key == "competencies_required" and not is_competency):
                parts.append(f"<h4>{label}</h4>" + _list(
                    [_e(c.get("text") or c.get("ctid") or c.get("uri")) for c in exp.get(key, [])]))
        facts = []
        cost = exp.get("cost")
        if cost and cost.get("min_usd") is not None:
            low, high = cost["min_usd"], cost.get("max_usd")
            facts.append(f"Cost: ${low:,.0f}" + (f"–${high:,.0f}" if high and high != low else ""))
        elif cost:
            facts.append("Cost: published (no USD amount)")
        duration = exp.get("duration")
        if duration and duration.get("months") is not None:
            facts.append(f"Duration: {duration['months']:.1f} months")
        if facts:
            parts.append("<h4>Cost and duration</h4>" + _list([_e(f) for f in facts]))
        if exp.get("outcomes"):
            rows = "".join(
                f"<tr><td>{_e(o.get('time_period'))}</td><td>{_e(o.get('state_code'))}</td>"
                f"<td>{_e(_money(o.get('median_earnings_usd')))}</td><td>{_e(_pct(o.get('employment_rate')))}</td>"
                f"<td>{_e(o.get('holders_count'))}</td></tr>"
                for o in exp["outcomes"]
            )
            parts.append("<h4>Outcome data</h4><table><tr><th>Period</th><th>State</th><th>Median earnings</th>"
                         f"<th>Employment rate</th><th>Holders</th></tr>{rows}</table>")
        steps = [f"{_ref_html(s)} <span class='ler-muted'>{_e(s.get('relation'))}</span>"
                 for s in exp.get("next_steps", [])]
        for pathway in exp.get("pathways", []):
            goal = f" → {_e(', '.join(pathway['destinations']))}" if pathway.get("destinations") else ""
            steps.append(f"Pathway: {_ref_html(pathway)}{goal}")
        parts.append("<h4>Next steps</h4>" + _list(steps))
        parts.append(f'<p class="ler-meta">Registry record: {_e(exp.get("registry_url"))}</p>')
    if ach.get("links"):
        link_items = [
            f"{_e(link['pattern_label'])}: <code>{_e(link.get('ctid') or link.get('uri'))}</code> "
            f"<span class='ler-muted'>at {_e(link['path'])} ({_e(link['resolution'])})</span>"
            for link in ach["links"]
        ]
        parts.append("<h4>CTDL links found</h4>" + _list(link_items))
    parts.append("</div>")
    return "".join(parts)


def _money(value: Any) -> str:
    return f"${value:,.0f}" if isinstance(value, (int, float)) else ""


def _pct(value: Any) -> str:
    return f"{value:.0%}" if isinstance(value, (int, float)) else ""


def to_html(results: list[dict[str, Any]] | dict[str, Any], *, full_page: bool = False) -> str:
    """HTML cards for :func:`explain_document` results (one card per achievement).

    Args:
        results: one result or a list of them.
        full_page: wrap in a complete ``<!doctype html>`` page (for files); else a fragment for notebooks.

    Returns:
        Self-contained HTML (inline CSS, no scripts, no external assets); every text is escaped.
    """
    items = [results] if isinstance(results, dict) else results
    body = [f"<style>{_CSS}</style>"]
    for result in items:
        summary = result["document"]
        proof = summary["proof"]
        proof_text = (", ".join(proof["kinds"]) + " (present, not verified)") if proof["present"] else proof["note"]
        body.append(
            f'<div class="ler-meta"><strong>{_e(summary["source"])}</strong> &middot; {_e(summary["format"])}'
            f' &middot; {_e(summary["encoding"])} &middot; proof: {_e(proof_text)}</div>'
        )
        synthetic = any((a.get("explanation") or {}).get("synthetic") for a in result["achievements"])
        if synthetic:
            body.append('<p class="ler-synthetic">Explained against synthetic demonstration data (Registry twin), '
                        "not real credentials.</p>")
        body.extend(achievement_card(ach) for ach in result["achievements"])
    fragment = "\n".join(body)
    if not full_page:
        return f'<div class="ler-cards">{fragment}</div>'
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LER enrichment</title></head>'
            f"<body>{fragment}</body></html>")
