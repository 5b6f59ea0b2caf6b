"""What the Registry twin contains: how many records of each class, who owns them, and how they link.

The plan is built once per ``(scale, seed)`` with one ``random.Random(seed)`` stream and holds only
compact facts per record (owner, state, SOC, CIP, links), never the records themselves. Records are
rendered from the plan one at a time by :mod:`ler_analytics.demo.records`, each from its own
deterministic random stream, so any record can be re-rendered on its own (updates in the events
history) and generation streams with bounded memory.
"""

from __future__ import annotations

import gc
import hashlib
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from ler_analytics.demo.quirks import Style
from ler_analytics.demo.world import Pool, World, load_world

REGISTRY_SIZE = 395_847
"""Envelopes in the live ce-registry community on 2026-08-21 (third-party survey, ``registry-api.md`` §2.3)."""

# Envelope classes in a uniform random sample of 1,200 live envelopes (2026-08-21; registry-api.md §6.6,
# ChelseaKR/ctdl-validate docs/findings/2026-08-21-registry-survey-at-scale.json, field documents[].type).
LIVE_SAMPLE_COUNTS: dict[str, int] = {
    "ceterms:Task": 150,
    "ceterms:Course": 128,
    "ceterms:Certificate": 121,
    "ceterms:CredentialOrganization": 107,
    "ceterms:LearningProgram": 79,
    "ceterms:TransferValueProfile": 74,
    "ceterms:LearningOpportunityProfile": 63,
    "qdata:DataSetProfile": 63,
    "ceterms:AssociateDegree": 61,
    "ceterms:BachelorDegree": 59,
    "ceasn:CompetencyFramework": 35,
    "ceterms:MasterDegree": 29,
    "ceterms:Certification": 28,
    "ceterms:License": 28,
    "ceterms:CertificateOfCompletion": 27,
    "ceterms:AccreditAction": 26,
    "ceterms:Job": 19,
    "ceterms:TechnicalLevel1Certificate": 14,
    "ceterms:Occupation": 11,
    "ceterms:BachelorOfScienceDegree": 11,
    "ceterms:TechnicalLevel2Certificate": 8,
    "ceterms:ResearchDoctorate": 8,
    "ceterms:AssociateOfArtsDegree": 7,
    "ceterms:AssociateOfAppliedScienceDegree": 6,
    "ceterms:MicroCredential": 4,
    "ceterms:Industry": 4,
    "ceterms:PostBaccalaureateCertificate": 4,
    "ceterms:ApprenticeshipCertificate": 3,
    "ceterms:AssociateOfScienceDegree": 3,
    "ceterms:BachelorOfArtsDegree": 2,
    "ceterms:AcademicCertificate": 2,
    "ceterms:HigherEducationLevel1Certificate": 2,
    "ceterms:MasterOfScienceDegree": 2,
    "ceterms:ProfessionalDoctorate": 2,
    "ceterms:Collection": 1,
    "ceterms:Organization": 1,
    "ceterms:RegulateAction": 1,
    "ceterms:MasterOfArtsDegree": 1,
    "ceterms:WorkRole": 1,
    "ceterms:DoctoralDegree": 1,
    "ceterms:TransferIntermediary": 1,
    "ceterms:OpenBadge": 1,
    "ceterms:AssessmentProfile": 1,
    "ceterms:DigitalBadge": 1,
}
# Classes the live Registry holds but the 1,200 sample missed (long tail): pseudo-counts on the same scale.
TAIL_COUNTS: dict[str, float] = {
    "ceterms:Pathway": 1.5,
    "ceterms:QACredentialOrganization": 1.5,
    "asn:ProgressionModel": 0.3,
    "ceterms:AssessmentProfile": 1.0,
    "ceterms:TechnicalLevel3Certificate": 0.5,
    "ceterms:ProfessionalCertificate": 0.5,
}

CREDENTIAL_LEVEL: dict[str, str] = {
    "ceterms:CertificateOfCompletion": "short",
    "ceterms:MicroCredential": "short",
    "ceterms:OpenBadge": "short",
    "ceterms:DigitalBadge": "short",
    "ceterms:Certificate": "certificate",
    "ceterms:TechnicalLevel1Certificate": "certificate",
    "ceterms:TechnicalLevel2Certificate": "certificate",
    "ceterms:TechnicalLevel3Certificate": "certificate",
    "ceterms:AcademicCertificate": "certificate",
    "ceterms:HigherEducationLevel1Certificate": "certificate",
    "ceterms:ApprenticeshipCertificate": "certificate",
    "ceterms:ProfessionalCertificate": "certificate",
    "ceterms:AssociateDegree": "associate",
    "ceterms:AssociateOfArtsDegree": "associate",
    "ceterms:AssociateOfAppliedScienceDegree": "associate",
    "ceterms:AssociateOfScienceDegree": "associate",
    "ceterms:BachelorDegree": "bachelor",
    "ceterms:BachelorOfScienceDegree": "bachelor",
    "ceterms:BachelorOfArtsDegree": "bachelor",
    "ceterms:MasterDegree": "graduate",
    "ceterms:MasterOfScienceDegree": "graduate",
    "ceterms:MasterOfArtsDegree": "graduate",
    "ceterms:ResearchDoctorate": "graduate",
    "ceterms:ProfessionalDoctorate": "graduate",
    "ceterms:DoctoralDegree": "graduate",
    "ceterms:PostBaccalaureateCertificate": "graduate",
    "ceterms:Certification": "professional",
    "ceterms:License": "license",
}
LADDER_RANK = {"short": 0, "certificate": 1, "associate": 2, "bachelor": 3, "graduate": 4}
LOPP_CLASSES = ("ceterms:LearningProgram", "ceterms:Course", "ceterms:LearningOpportunityProfile")
OCCUPATION_CLASSES = ("ceterms:Occupation", "ceterms:Job", "ceterms:WorkRole")

# Organization kinds: share of organizations, and the credential levels each kind owns (weights).
ORG_KINDS: dict[str, tuple[float, dict[str, float]]] = {
    "community_college": (0.15, {"associate": 5, "certificate": 4, "short": 1.5}),
    "university": (0.13, {"bachelor": 5, "graduate": 5, "certificate": 1, "short": 1}),
    "technical_college": (0.08, {"associate": 3, "certificate": 5, "short": 2}),
    "training_provider": (0.30, {"short": 5, "certificate": 3, "professional": 0.5}),
    "certification_body": (0.07, {"professional": 5, "short": 1}),
    "licensing_board": (0.05, {"license": 5}),
    "employer": (0.13, {"short": 2, "certificate": 1}),
    "association": (0.09, {"professional": 3, "short": 2}),
}
SCHOOL_KINDS = ("community_college", "university", "technical_college", "training_provider")
FOREIGN_ORG_RATE = 0.004
SELF_PUBLISH_RATE = 0.55
DEPRECATED_RATE = 0.04
SECONDARY_DUPLICATE_RATE = 0.006
BROKEN_RATE = 0.0005
LEGACY_JWT_RATE = 0.002

RESERVE_RATE = 0.025
"""Share of planned records held back from the initial state: the events history publishes them later."""

T_START = datetime(2016, 6, 1, tzinfo=UTC)
T_SNAPSHOT = datetime(2026, 8, 21, 6, 0, tzinfo=UTC)
"""Time of the twin's initial state; the events history starts after it."""
_START_S = int(T_START.timestamp())
_SPAN_S = int((T_SNAPSHOT - T_START - timedelta(days=1)).total_seconds())


_blake2b = hashlib.blake2b
_UUID_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def derived_uuid(seed: int, *parts: object) -> uuid.UUID:
    """A deterministic version-4 UUID for ``parts`` (so CTIDs are stable for a seed)."""
    return uuid.UUID(derived_uuid_str(seed, *parts))


def derived_uuid_str(seed: int, *parts: object) -> str:
    """:func:`derived_uuid` as a string, computed without the ``uuid`` module (hot path)."""
    h = _blake2b("|".join(map(str, (seed, *parts))).encode(), digest_size=16).hexdigest()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_UUID_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def derived_ctid(seed: int, kind: str, idx: int, sub: object = "") -> str:
    """CTID of record ``idx`` of ``kind`` (``sub`` for nodes inside a record's graph, e.g. competencies)."""
    return f"ce-{derived_uuid_str(seed, kind, idx, sub)}"


def class_counts(scale: float) -> dict[str, int]:
    """Envelopes per class for ``scale`` (1.0 = the live Registry), by largest remainder."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    weights = dict(LIVE_SAMPLE_COUNTS)
    for cls, w in TAIL_COUNTS.items():
        weights[cls] = weights.get(cls, 0) + w
    total_w = sum(weights.values())
    n = max(60, round(REGISTRY_SIZE * scale / (1 - RESERVE_RATE)))
    exact = {cls: n * w / total_w for cls, w in weights.items()}
    counts = {cls: math.floor(v) for cls, v in exact.items()}
    rest = n - sum(counts.values())
    for cls in sorted(exact, key=lambda c: (counts[c] - exact[c], c))[:rest]:
        counts[cls] += 1
    # Every record kind the pipeline handles exists at least once, also at tiny scales.
    for cls in (
        "ceterms:Pathway",
        "asn:ProgressionModel",
        "ceterms:QACredentialOrganization",
        "ceterms:Collection",
        "ceterms:AssessmentProfile",
        "ceterms:AccreditAction",
    ):
        counts[cls] = max(counts[cls], 1 if cls != "ceterms:QACredentialOrganization" else 2)
    return counts


class _Record:
    """CTID computed on first use (most planned records are only ever referenced by a few others)."""

    __slots__ = ()

    @property
    def ctid(self) -> str:
        """The record's CTID (derived from seed, record kind and index)."""
        value = self._ctid
        if value is None:
            value = self._ctid = derived_ctid(self.seed, self.rkind, self.idx)
        return value


@dataclass(slots=True)
class Org(_Record):
    """An organization of the twin."""

    idx: int
    seed: int
    rkind: str
    cls: str
    kind: str
    state: str | None
    size: float
    quality: float
    publisher: int  # index of the publishing organization (itself when self-published)
    style: int  # index into Plan.styles
    richness: float = 0.5
    foreign_region: str | None = None
    focus: list = field(default_factory=list)  # CIP codes the organization works in
    creds: list = field(default_factory=list)
    programs: list = field(default_factory=list)
    _ctid: str | None = None


@dataclass(slots=True)
class Cred(_Record):
    """A credential of the twin."""

    idx: int
    seed: int
    rkind: str
    cls: str
    level: str
    org: int
    state: str | None
    soc: str
    cip: str | None
    deprecated: bool
    links: list = field(default_factory=list)  # (property, kind, idx)
    dsps: list = field(default_factory=list)
    qa: list = field(default_factory=list)
    framework: int | None = None
    _ctid: str | None = None


@dataclass(slots=True)
class Item(_Record):
    """Any other record: learning opportunity, assessment, framework, task, action, ..."""

    idx: int
    seed: int
    rkind: str
    cls: str
    org: int
    state: str | None
    soc: str | None = None
    cip: str | None = None
    links: list = field(default_factory=list)
    n: int = 0  # competencies in a framework, members in a collection, ...
    _ctid: str | None = None


@dataclass(eq=False)
class Plan:
    """The whole twin at one ``(scale, seed)``: counts, organizations, credentials and other records."""

    scale: float
    seed: int
    counts: dict[str, int]
    world: World
    styles: list[Style]
    state_quality: dict[str, float]
    orgs: list[Org]
    qa_orgs: list[Org]
    creds: list[Cred]
    items: dict[str, list[Item]]
    order: list[int]  # emission order: kind code * 2**24 + index, oldest first
    reserve: list[int]  # records published later, through the events history
    special: dict[int, str]  # order code -> "duplicate" | "broken_jwt" | "broken_graph" | "legacy_jwt"
    soc_frameworks: dict[str, list[int]]
    soc_occupation: dict[str, int]

    def created_at(self, position: int) -> datetime:
        """Creation time of the record at ``position`` in :attr:`order` (registry growth: more recent, more)."""
        return datetime.fromtimestamp(self.created_at_s(position), UTC)

    def created_at_s(self, position: int) -> int:
        """:meth:`created_at` as epoch seconds (hot path of the generator)."""
        frac = math.sqrt((position + 0.5) / len(self.order))
        return _START_S + int(_SPAN_S * frac)


KIND_CODES = (
    "org",
    "qa",
    "cred",
    "lopp",
    "asmt",
    "tvp",
    "tint",
    "dsp",
    "fw",
    "task",
    "occ",
    "ind",
    "action",
    "coll",
    "path",
    "pm",
)
KIND_OF_CLASS = {
    "ceterms:CredentialOrganization": "org",
    "ceterms:Organization": "org",
    "ceterms:QACredentialOrganization": "qa",
    "ceterms:AssessmentProfile": "asmt",
    "ceterms:TransferValueProfile": "tvp",
    "ceterms:TransferIntermediary": "tint",
    "qdata:DataSetProfile": "dsp",
    "ceasn:CompetencyFramework": "fw",
    "ceterms:Task": "task",
    "ceterms:Industry": "ind",
    "ceterms:AccreditAction": "action",
    "ceterms:RegulateAction": "action",
    "ceterms:Collection": "coll",
    "ceterms:Pathway": "path",
    "asn:ProgressionModel": "pm",
}
for _c in LOPP_CLASSES:
    KIND_OF_CLASS[_c] = "lopp"
for _c in OCCUPATION_CLASSES:
    KIND_OF_CLASS[_c] = "occ"
for _c in CREDENTIAL_LEVEL:
    KIND_OF_CLASS[_c] = "cred"


def _expand(counts: dict[str, int], kind: str, rng: random.Random) -> list[str]:
    classes = [c for c, n in counts.items() if KIND_OF_CLASS.get(c) == kind for _ in range(n)]
    rng.shuffle(classes)
    return classes


@lru_cache(maxsize=4)
def build_plan(scale: float, seed: int) -> Plan:
    """Plan the twin for ``(scale, seed)`` (cached: the twin server, generator and tests share it)."""
    enabled = gc.isenabled()
    gc.disable()  # millions of small acyclic objects: the cycle collector would only rescan them (~20 %)
    try:
        return _build_plan(scale, seed)
    finally:
        if enabled:
            gc.enable()


def _build_plan(scale: float, seed: int) -> Plan:
    world = load_world()
    rng = random.Random(seed)
    counts = class_counts(scale)
    unknown = [c for c in counts if c not in KIND_OF_CLASS]
    if unknown:  # pragma: no cover - guards edits of the class tables
        raise ValueError(f"no generator for classes {unknown}")

    state_quality = {s: rng.betavariate(2.0, 2.0) for s in world.states}
    styles: list[Style] = []

    # ---- organizations ------------------------------------------------------------------------
    org_classes = _expand(counts, "org", rng)
    kinds = list(ORG_KINDS)
    kind_w = [ORG_KINDS[k][0] for k in kinds]
    orgs: list[Org] = []
    for i, cls in enumerate(org_classes):
        foreign = rng.random() < FOREIGN_ORG_RATE
        state = None if foreign else world.state_pool.pick(rng)
        org = Org(
            idx=i,
            seed=seed,
            rkind="org",
            cls=cls,
            kind=rng.choices(kinds, weights=kind_w, k=1)[0],
            state=state,
            size=rng.paretovariate(1.3),
            quality=rng.betavariate(1.2, 1.6),
            publisher=i,
            style=0,
            foreign_region=rng.choice(("Ontario", "British Columbia", "Alberta", "Jalisco")) if foreign else None,
        )
        orgs.append(org)
    # Third-party publishers (state agencies, consortia, CE-assisted publishing): about one in 40 orgs.
    publishers = [o for o in orgs if rng.random() < 0.025] or orgs[:1]
    pub_quality = {p.idx: rng.betavariate(0.8, 1.2) for p in publishers}  # many minimal, a few rich
    by_state_pub: dict[str | None, list[Org]] = {}
    for p in publishers:
        by_state_pub.setdefault(p.state, []).append(p)
    style_of: dict[int, int] = {}
    for org in orgs:
        if org.idx not in pub_quality and rng.random() > SELF_PUBLISH_RATE:
            local = by_state_pub.get(org.state)
            pub = rng.choice(local) if local and rng.random() < 0.8 else rng.choice(publishers)
            org.publisher = pub.idx
        if org.publisher not in style_of:
            style_of[org.publisher] = len(styles)
            styles.append(Style.draw(rng))
        org.style = style_of[org.publisher]
        pq = pub_quality.get(org.publisher, org.quality)
        sq = state_quality.get(org.state, 0.5) if org.state else 0.4
        org.richness = min(1.0, max(0.0, 0.45 * pq + 0.25 * org.quality + 0.30 * sq + rng.gauss(0, 0.05)))

    qa_orgs: list[Org] = []
    for i in range(counts.get("ceterms:QACredentialOrganization", 0)):
        qa = Org(
            idx=i,
            seed=seed,
            rkind="qa",
            cls="ceterms:QACredentialOrganization",
            kind="accreditor",
            state=world.state_pool.pick(rng),
            size=rng.paretovariate(1.1),
            quality=0.8,
            publisher=-1,
            style=len(styles),
            richness=0.7 + 0.3 * rng.random(),
        )
        styles.append(Style.draw(rng))
        qa_orgs.append(qa)

    # Owner pools per credential level (weights: organization size).
    level_pools: dict[str, Pool] = {}
    for level in ("short", "certificate", "associate", "bachelor", "graduate", "professional", "license"):
        cands = [(o.idx, o.size * ORG_KINDS[o.kind][1].get(level, 0)) for o in orgs]
        cands = [c for c in cands if c[1] > 0] or [(o.idx, o.size) for o in orgs]
        level_pools[level] = Pool([c[0] for c in cands], _cum([c[1] for c in cands]))
    school_pool = Pool(*_unzip([(o.idx, o.size) for o in orgs if o.kind in SCHOOL_KINDS] or [(0, 1.0)]))
    any_pool = Pool(*_unzip([(o.idx, o.size) for o in orgs]))

    def soc_for(org: Org, level: str) -> tuple[str, str | None]:
        state = org.state or "CA"
        pool_level = "professional" if level == "license" else level
        if org.focus and rng.random() < 0.5:
            cip = rng.choice(org.focus)
            socs = world.cip_socs.get(cip)
            if socs:
                return rng.choice(socs), cip
        soc = world.soc_pools[(state, pool_level)].pick(rng)
        cips = world.soc_cips.get(soc)
        cip = rng.choice(cips) if cips else None
        if cip and len(org.focus) < 8:
            org.focus.append(cip)
        return soc, cip

    # ---- credentials ----------------------------------------------------------------------------
    creds: list[Cred] = []
    for i, cls in enumerate(_expand(counts, "cred", rng)):
        level = CREDENTIAL_LEVEL[cls]
        org = orgs[level_pools[level].pick(rng)]
        soc, cip = soc_for(org, level)
        cred = Cred(
            idx=i,
            seed=seed,
            rkind="cred",
            cls=cls,
            level=level,
            org=org.idx,
            state=org.state,
            soc=soc,
            cip=cip,
            deprecated=rng.random() < DEPRECATED_RATE,
        )
        creds.append(cred)
        org.creds.append(i)
    _link_stacks(creds, orgs, rng)

    items: dict[str, list[Item]] = {k: [] for k in KIND_CODES if k not in ("org", "qa", "cred")}

    def new_item(kind: str, cls: str, org: Org, soc: str | None = None, cip: str | None = None) -> Item:
        item = Item(
            idx=len(items[kind]), seed=seed, rkind=kind, cls=cls, org=org.idx, state=org.state, soc=soc, cip=cip
        )
        items[kind].append(item)
        return item

    # ---- learning opportunities: programs prepare for credentials, courses are parts of programs ---
    lopp_classes = _expand(counts, "lopp", rng)
    lopp_classes.sort(key=lambda c: c == "ceterms:Course")  # programs first, so courses can join them
    for cls in lopp_classes:
        org = orgs[school_pool.pick(rng)]
        if cls == "ceterms:Course" and org.programs and rng.random() < 0.75:
            program = items["lopp"][rng.choice(org.programs)]
            item = new_item("lopp", cls, org, program.soc, program.cip)
            item.links.append(("ceterms:isPartOf", "lopp", program.idx))
            program.links.append(("ceterms:hasPart", "lopp", item.idx))
            continue
        if org.creds and rng.random() < 0.8:
            cred = creds[rng.choice(org.creds)]
            item = new_item("lopp", cls, org, cred.soc, cred.cip)
            item.links.append(("ceterms:isPreparationFor", "cred", cred.idx))
            if rng.random() < 0.6:
                cred.links.append(("ceterms:requires/targetLearningOpportunity", "lopp", item.idx))
        else:
            soc, cip = soc_for(org, "certificate")
            item = new_item("lopp", cls, org, soc, cip)
        if cls != "ceterms:Course":
            org.programs.append(item.idx)

    # ---- assessments: required by certifications and licenses ---------------------------------------
    prof = [c for c in creds if c.level in ("professional", "license")] or creds
    for _ in range(counts.get("ceterms:AssessmentProfile", 0)):
        cred = rng.choice(prof)
        item = new_item("asmt", "ceterms:AssessmentProfile", orgs[cred.org], cred.soc, cred.cip)
        cred.links.append(("ceterms:requires/targetAssessment", "asmt", item.idx))

    # ---- competency frameworks (one SOC each) ------------------------------------------------------
    soc_frameworks: dict[str, list[int]] = {}
    for _ in range(counts.get("ceasn:CompetencyFramework", 0)):
        org = orgs[any_pool.pick(rng)]
        soc, cip = soc_for(org, "certificate")
        item = new_item("fw", "ceasn:CompetencyFramework", org, soc, cip)
        item.n = int(min(600, max(3, rng.lognormvariate(math.log(9), 1.05))))
        soc_frameworks.setdefault(soc, []).append(item.idx)
    for cred in creds:
        fws = soc_frameworks.get(cred.soc)
        if fws and rng.random() < 0.25 + 0.6 * orgs[cred.org].richness:
            cred.framework = rng.choice(fws)

    # ---- outcome data about credentials (richer publishers publish more of it) -------------------------
    eligible = [c for c in creds if c.level not in ("license",)]
    weights = _cum([0.05 + orgs[c.org].richness ** 2 for c in eligible])
    for _ in range(counts.get("qdata:DataSetProfile", 0)):
        cred = rng.choices(eligible, cum_weights=weights, k=1)[0]
        item = new_item("dsp", "qdata:DataSetProfile", orgs[cred.org], cred.soc, cred.cip)
        item.links.append(("schema:about", "cred", cred.idx))
        cred.dsps.append(item.idx)

    # ---- quality assurance ----------------------------------------------------------------------
    for _ in range(counts.get("ceterms:AccreditAction", 0)):
        qa = rng.choice(qa_orgs)
        if rng.random() < 0.7:
            cred = rng.choice(creds)
            item = new_item("action", "ceterms:AccreditAction", orgs[cred.org], cred.soc, cred.cip)
            item.links += [("ceterms:actingAgent", "qa", qa.idx), ("ceterms:object", "cred", cred.idx)]
            cred.qa.append(qa.idx)
        else:
            org = orgs[school_pool.pick(rng)]
            item = new_item("action", "ceterms:AccreditAction", org)
            item.links += [("ceterms:actingAgent", "qa", qa.idx), ("ceterms:object", "org", org.idx)]
    for cred in creds:  # accreditation stated on the credential without a published action
        if not cred.qa and cred.level in ("associate", "bachelor", "graduate") and rng.random() < 0.35:
            cred.qa.append(rng.randrange(len(qa_orgs)))
    licenses = [c for c in creds if c.level == "license"] or creds
    for _ in range(counts.get("ceterms:RegulateAction", 0)):
        cred = rng.choice(licenses)
        item = new_item("action", "ceterms:RegulateAction", orgs[cred.org], cred.soc)
        item.links += [("ceterms:actingAgent", "org", cred.org), ("ceterms:object", "cred", cred.idx)]

    # ---- transfer values: from a course or credential to credit at a college -------------------------
    courses = [x for x in items["lopp"] if x.cls == "ceterms:Course"] or items["lopp"]
    for _ in range(counts.get("ceterms:TransferValueProfile", 0)):
        org = orgs[school_pool.pick(rng)]
        item = new_item("tvp", "ceterms:TransferValueProfile", org)
        if rng.random() < 0.6 and courses:
            src = rng.choice(courses)
            item.links.append(("ceterms:transferValueFrom", "lopp", src.idx))
        else:
            src = rng.choice(creds)
            item.links.append(("ceterms:transferValueFrom", "cred", src.idx))
        item.soc, item.cip = src.soc, src.cip
        if org.programs:
            item.links.append(("ceterms:transferValueFor", "lopp", rng.choice(org.programs)))
    tvps = items["tvp"]
    for _ in range(counts.get("ceterms:TransferIntermediary", 0)):
        item = new_item("tint", "ceterms:TransferIntermediary", orgs[any_pool.pick(rng)])
        for tvp in rng.sample(tvps, min(len(tvps), rng.randint(3, 30))):
            item.links.append(("ceterms:intermediaryFor", "tvp", tvp.idx))

    # ---- workforce: occupations, jobs, work roles, tasks, industries ----------------------------------
    soc_occupation: dict[str, int] = {}
    for cls in _expand(counts, "occ", rng):
        org = orgs[any_pool.pick(rng)]
        soc, _cip = soc_for(org, "professional")
        item = new_item("occ", cls, org, soc)
        if cls == "ceterms:Occupation":
            soc_occupation.setdefault(soc, item.idx)
    task_publishers = rng.sample(orgs, min(len(orgs), max(2, len(orgs) // 200)))
    task_socs = world.task_socs
    for _ in range(counts.get("ceterms:Task", 0)):
        org = rng.choice(task_publishers)
        soc = rng.choice(task_socs)
        item = new_item("task", "ceterms:Task", org, soc)
        item.n = rng.randrange(len(world.soc_tasks[soc]))
        if soc in soc_occupation:
            item.links.append(("ceterms:hasOccupation", "occ", soc_occupation[soc]))
    for _ in range(counts.get("ceterms:Industry", 0)):
        org = orgs[any_pool.pick(rng)]
        soc, _cip = soc_for(org, "certificate")
        new_item("ind", "ceterms:Industry", org, soc)

    # ---- collections, progression models, pathways ---------------------------------------------------
    creds_by_state: dict[str | None, list[Cred]] = {}
    for c in creds:
        creds_by_state.setdefault(c.state, []).append(c)
    for _ in range(counts.get("ceterms:Collection", 0)):
        org = orgs[rng.choice(publishers).idx]
        item = new_item("coll", "ceterms:Collection", org)
        pool = creds_by_state.get(org.state) or creds
        for cred in rng.sample(pool, min(len(pool), rng.randint(5, 120))):
            item.links.append(("ceterms:hasMember", "cred", cred.idx))
    for _ in range(counts.get("asn:ProgressionModel", 0)):
        new_item("pm", "asn:ProgressionModel", orgs[any_pool.pick(rng)])
    stacked = [c for c in creds if any(p == "ceterms:isPreparationFor" for p, _k, _i in c.links)] or creds

    def depth(c: Cred, seen: int = 0) -> int:
        ups = [i for p, k, i in c.links if p == "ceterms:isPreparationFor" and k == "cred"]
        return 1 if not ups or seen > 3 else 1 + depth(creds[ups[0]], seen + 1)

    long_stacks = [c for c in stacked if depth(c) >= 3]
    for _ in range(counts.get("ceterms:Pathway", 0)):
        start = rng.choice(long_stacks if long_stacks and rng.random() < 0.7 else stacked)
        chain = [start.idx]
        seen = {start.idx}
        while len(chain) < 4:
            nxt = [i for p, k, i in creds[chain[-1]].links if p == "ceterms:isPreparationFor" and k == "cred"]
            nxt = [i for i in nxt if i not in seen]
            if not nxt:
                break
            chain.append(nxt[0])
            seen.add(nxt[0])
        item = new_item("path", "ceterms:Pathway", orgs[start.org], creds[chain[-1]].soc, creds[chain[-1]].cip)
        item.links = [("component", "cred", i) for i in chain]
        item.n = rng.randrange(len(items["pm"]))
        if item.soc in soc_occupation:
            item.links.append(("component", "occ", soc_occupation[item.soc]))

    # ---- emission order and special envelopes --------------------------------------------------------
    org_codes = [_code("org", o.idx) for o in orgs] + [_code("qa", q.idx) for q in qa_orgs]
    rng.shuffle(org_codes)
    rest = [_code("cred", c.idx) for c in creds]
    for kind, lst in items.items():
        rest += [_code(kind, x.idx) for x in lst]
    rng.shuffle(rest)
    # Organizations mostly publish before their records: they fill the first part of the timeline.
    cut = len(org_codes) // 3
    order = org_codes[:cut]
    rest = org_codes[cut:] + rest
    rng.shuffle(rest)
    order += rest
    reserve: list[int] = []
    kept: list[int] = []
    for code in order:
        if code >> 24 not in _NO_RESERVE and rng.random() < RESERVE_RATE:
            reserve.append(code)
        else:
            kept.append(code)
    order = kept
    special: dict[int, str] = {}
    for code in order:
        kind = KIND_CODES[code >> 24]
        r = rng.random()
        if kind == "cred" and r < SECONDARY_DUPLICATE_RATE:
            special[code] = "duplicate"
        elif r > 1 - BROKEN_RATE:
            special[code] = "broken_jwt" if rng.random() < 0.5 else "broken_graph"
        elif r > 1 - BROKEN_RATE - LEGACY_JWT_RATE:
            special[code] = "legacy_jwt"
    return Plan(
        scale=scale,
        seed=seed,
        counts=counts,
        world=world,
        styles=styles,
        state_quality=state_quality,
        orgs=orgs,
        qa_orgs=qa_orgs,
        creds=creds,
        items=items,
        order=order,
        reserve=reserve,
        special=special,
        soc_frameworks=soc_frameworks,
        soc_occupation=soc_occupation,
    )


_NO_RESERVE = {KIND_CODES.index(k) for k in ("org", "qa", "pm", "path", "coll", "tint", "ind")}


def _code(kind: str, idx: int) -> int:
    return (KIND_CODES.index(kind) << 24) | idx


def decode(code: int) -> tuple[str, int]:
    """``(kind, index)`` of an emission-order code."""
    return KIND_CODES[code >> 24], code & 0xFFFFFF


def _cum(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _unzip(pairs: list[tuple[int, float]]) -> tuple[list[int], list[float]]:
    return [p[0] for p in pairs], _cum([p[1] for p in pairs])


def _link_stacks(creds: list[Cred], orgs: list[Org], rng: random.Random) -> None:
    """Connect credentials into plausible stacks (certificate -> associate -> bachelor -> graduate).

    Within an organization and CIP family, a lower credential ``isPreparationFor`` the next one up;
    the upper one sometimes grants ``advancedStandingFrom`` the lower; graduate credentials
    ``require`` a bachelor's. Across organizations of one state, community-college credentials feed
    university bachelor's degrees (articulation).
    """
    by_org: dict[tuple[int, str], dict[int, list[int]]] = {}
    by_state: dict[tuple[str | None, str], dict[int, list[int]]] = {}
    for c in creds:
        if c.level not in LADDER_RANK or not c.cip:
            continue
        key = c.cip[:2]
        by_org.setdefault((c.org, key), {}).setdefault(LADDER_RANK[c.level], []).append(c.idx)
        by_state.setdefault((c.state, key), {}).setdefault(LADDER_RANK[c.level], []).append(c.idx)
    for c in creds:
        if c.level not in LADDER_RANK or not c.cip:
            continue
        rank = LADDER_RANK[c.level]
        ladder = by_org.get((c.org, c.cip[:2]), {})
        up = ladder.get(rank + 1)
        if not up and rank in (1, 2) and rng.random() < 0.5:
            up = by_state.get((c.state, c.cip[:2]), {}).get(rank + 1)
        if up:
            target = creds[rng.choice(up)]
            if target.idx == c.idx:
                continue
            c.links.append(("ceterms:isPreparationFor", "cred", target.idx))
            if rank + 1 == 4 and rank == 3:
                target.links.append(("ceterms:requires/targetCredential", "cred", c.idx))
            elif rng.random() < 0.5:
                target.links.append(("ceterms:advancedStandingFrom", "cred", c.idx))
