"""Render one planned record of the Registry twin as a CTDL graph (top-level node first, then others).

Each record is drawn from its own random stream (seeded by seed, kind, index and version), so it can
be rendered on its own and identically every time. Property names and classes are the real CTDL,
CTDL-ASN and qdata terms (``tests/unit/demo/test_schema_validity.py`` checks them against the shipped
schema). Completeness follows the owner's richness (publisher quality x organization x state).
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from functools import lru_cache

from ler_analytics.demo.plan import Org, Plan, derived_ctid, derived_uuid_str
from ler_analytics.demo.quirks import REGISTRY, Writer

CONTEXT = "https://credreg.net/ctdl/schema/context/json"
CONTEXT_HTTP = "http://credreg.net/ctdl/schema/context/json"
CASN_CONTEXT = "https://credreg.net/ctdlasn/schema/context/json"

FIELD_BY_MAJOR = {
    "11": "Management",
    "13": "Business and Finance",
    "15": "Information Technology",
    "17": "Engineering",
    "19": "Science",
    "21": "Community and Social Services",
    "23": "Legal Studies",
    "25": "Education",
    "27": "Arts and Media",
    "29": "Health Sciences",
    "31": "Healthcare Support",
    "33": "Public Safety",
    "35": "Culinary Arts",
    "37": "Facilities Services",
    "39": "Personal Care Services",
    "41": "Sales",
    "43": "Office Administration",
    "45": "Agriculture",
    "47": "Construction Trades",
    "49": "Maintenance and Repair",
    "51": "Advanced Manufacturing",
    "53": "Transportation and Logistics",
}
TOWNS = (
    "Springfield",
    "Franklin",
    "Greenville",
    "Clinton",
    "Madison",
    "Georgetown",
    "Salem",
    "Fairview",
    "Riverside",
    "Jackson",
    "Marion",
    "Oxford",
    "Arlington",
    "Ashland",
    "Burlington",
    "Centerville",
)
SURNAMES = (
    "Whitfield",
    "Harmon",
    "Calloway",
    "Pruitt",
    "Lindqvist",
    "Okafor",
    "Delgado",
    "Nakamura",
    "Brennan",
    "Castillo",
    "Hargrove",
    "Moreau",
    "Patel",
    "Sorensen",
    "Abernathy",
    "Kowalski",
    "Tran",
    "Oyelaran",
    "Fitzgerald",
    "Montoya",
    "Ridgeway",
    "Sutherland",
    "Vance",
    "Whitaker",
    "Yamada",
    "Zeller",
)
KIND_LABEL = {
    "community_college": "public two-year college",
    "university": "university",
    "technical_college": "technical college",
    "training_provider": "training provider",
    "certification_body": "certification body",
    "licensing_board": "state licensing board",
    "employer": "employer",
    "association": "professional association",
    "accreditor": "accrediting agency",
}
KIND_AGENT = {
    "community_college": ("orgType:TwoYear", "orgType:Postsecondary"),
    "university": ("orgType:FourYear", "orgType:Postsecondary"),
    "technical_college": ("orgType:Technical", "orgType:Postsecondary"),
    "training_provider": ("orgType:TrainingProvider",),
    "certification_body": ("orgType:CertificationBody", "orgType:AssessmentBody"),
    "licensing_board": ("orgType:Government", "orgType:Regulator"),
    "employer": ("orgType:Business",),
    "association": ("orgType:ProfessionalAssociation",),
    "accreditor": ("orgType:QualityAssurance", "orgType:AccreditationBody"),
}
KIND_SECTOR = {
    "community_college": "Public",
    "university": "Public",
    "technical_college": "Public",
    "training_provider": "PrivateForProfit",
    "certification_body": "PrivateNonProfit",
    "licensing_board": "Public",
    "employer": "PrivateForProfit",
    "association": "PrivateNonProfit",
    "accreditor": "PrivateNonProfit",
}
KIND_TLD = {
    "community_college": "edu",
    "university": "edu",
    "technical_college": "edu",
    "licensing_board": "gov",
    "association": "org",
    "certification_body": "org",
    "accreditor": "org",
}
AUDIENCE = {
    "short": ("BeginnerLevel", "IntermediateLevel"),
    "certificate": ("PostSecondaryLevel", "BeginnerLevel"),
    "associate": ("AssociatesDegreeLevel", "LowerDivisionLevel"),
    "bachelor": ("BachelorsDegreeLevel", "UpperDivisionLevel"),
    "graduate": ("MastersDegreeLevel", "GraduateLevel"),
    "professional": ("ProfessionalLevel", "AdvancedLevel"),
    "license": ("ProfessionalLevel",),
}
COST = {  # (low, high) USD and cost type
    "short": (90, 2500, "Tuition"),
    "certificate": (900, 14000, "Tuition"),
    "associate": (6000, 32000, "Tuition"),
    "bachelor": (28000, 160000, "Tuition"),
    "graduate": (18000, 95000, "Tuition"),
    "professional": (120, 900, "StandaloneAssessment"),
    "license": (40, 450, "ProcessingFee"),
}
DURATION = {
    "short": ("PT16H", "PT40H", "P2W", "P6W", "P3M"),
    "certificate": ("P4M", "P6M", "P9M", "P1Y"),
    "associate": ("P2Y", "P18M", "P3Y"),
    "bachelor": ("P4Y", "P3Y"),
    "graduate": ("P2Y", "P1Y", "P5Y"),
    "professional": ("PT4H", "P3M", "P6M"),
    "license": ("P1Y", "P2Y"),
}
ONLINE_SHARE = {
    "short": 0.45,
    "certificate": 0.2,
    "associate": 0.15,
    "bachelor": 0.15,
    "graduate": 0.35,
    "professional": 0.5,
    "license": 0.0,
}
AUD = "https://credreg.net/ctdl/terms/AudienceLevel"
DELIVERY = "https://credreg.net/ctdl/terms/Delivery"
STATUS = "https://credreg.net/ctdl/terms/CredentialStatus"
LIFECYCLE = "https://credreg.net/ctdl/terms/LifeCycleStatus"
COSTTYPE = "https://credreg.net/ctdl/terms/CostType"
CREDIT = "https://credreg.net/ctdl/terms/CreditUnit"
ORGTYPE = "https://credreg.net/ctdl/terms/OrganizationType"
SECTOR = "https://credreg.net/ctdl/terms/AgentSector"
ACTION = "https://credreg.net/ctdl/terms/CredentialingActionStatus"
ASSESS = "https://credreg.net/ctdl/terms/AssessmentMethod"


@dataclass(slots=True)
class Rendered:
    """A rendered record: its graph nodes and the envelope metadata derived from the plan."""

    ctid: str
    ctdl_type: str
    owner_ctid: str
    publisher_ctid: str
    graph: list[dict]
    context: str
    style: int


def record_rng(seed: int, kind: str, idx: int, version: int = 0) -> random.Random:
    """The random stream of one record (independent of every other record)."""
    digest = hashlib.blake2b(f"{seed}|{kind}|{idx}|{version}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


class HashPick:
    """Cheap deterministic choices from a hash (names shared between records need no Random seeding)."""

    __slots__ = ("v",)

    def __init__(self, *parts: object) -> None:
        digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=24).digest()
        self.v = int.from_bytes(digest, "big")

    def randrange(self, n: int) -> int:
        """An integer in ``[0, n)``."""
        self.v, r = divmod(self.v, n)
        return r

    def choice(self, seq):  # noqa: ANN001, ANN201 - same contract as random.choice
        """One item of a non-empty sequence."""
        return seq[self.randrange(len(seq))]


def uri(ctid: str) -> str:
    """Canonical ``@id`` of a registry resource."""
    return f"{REGISTRY}/resources/{ctid}"


_NON_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=100_000)
def _slug(text: str) -> str:
    return _NON_SLUG.sub("", text.lower())[:40] or "x"


def _singular(title: str) -> str:
    words = title.split(" ")
    last = words[-1]
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith(("sses", "shes", "ches")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return " ".join([*words[:-1], last])


def _program_title(plan: Plan, cip: str | None, soc: str | None) -> str:
    title = plan.world.cip_title.get(cip or "", "") if cip else ""
    if not title and soc:
        title = plan.world.soc_title.get(soc, "General Studies")
    title = title.split("/")[0]
    for suffix in (", General", ", Other"):
        title = title.replace(suffix, "")
    return title.strip() or "General Studies"


def _field(soc: str | None) -> str:
    return FIELD_BY_MAJOR.get((soc or "00")[:2], "Workforce Development")


# ---- names shared by a record and the records that mention it ---------------------------------------


@lru_cache(maxsize=200_000)
def org_name(plan: Plan, kind_code: str, idx: int) -> str:
    """Name of organization ``idx`` (``kind_code`` "org" or "qa")."""
    org = plan.orgs[idx] if kind_code == "org" else plan.qa_orgs[idx]
    rng = HashPick(plan.seed, kind_code, idx, "name")
    st = plan.world.state_name.get(org.state or "", org.foreign_region or "National")
    place = rng.choice((plan.world.state_capital.get(org.state or "", "") or rng.choice(TOWNS), *TOWNS[:6]))
    sur = rng.choice(SURNAMES)
    fieldw = rng.choice(list(FIELD_BY_MAJOR.values()))
    region = rng.choice(("Northwest", "Middle States", "Southern", "Higher Learning"))
    options = {
        "community_college": (
            f"{place} Community College",
            f"{sur} County Community College",
            f"Community College of {st}",
        ),
        "university": (
            f"{st} {rng.choice(('State', 'Central', 'Northern', 'Southern'))} University",
            f"University of {st} at {place}",
            f"{sur} University",
            f"{sur} College",
        ),
        "technical_college": (
            f"{place} Technical College",
            f"{sur} Institute of Technology",
            f"{st} Technical Institute",
        ),
        "training_provider": (
            f"{sur} {fieldw} Academy",
            f"{fieldw} Training Center of {place}",
            f"{sur} Career Institute",
            f"{place} Skills Center",
        ),
        "certification_body": (
            f"National {fieldw} Certification Board",
            f"American Board of {fieldw}",
            f"{fieldw} Credentialing Council",
        ),
        "licensing_board": (
            f"{st} Board of {fieldw}",
            f"{st} Department of Professional Licensing",
            f"{st} {fieldw} Licensing Commission",
        ),
        "employer": (
            f"{sur} {rng.choice(('Health', 'Industries', 'Logistics', 'Systems', 'Energy'))}",
            f"{sur} & {rng.choice(SURNAMES)} Inc.",
        ),
        "association": (f"{st} {fieldw} Association", f"Association of {fieldw} Professionals"),
        "accreditor": (f"Commission on {fieldw} Accreditation", f"{region} Commission on Colleges"),
    }[org.kind]
    return rng.choice(options)


_CRED_NAME_TEMPLATES: dict[str, tuple[str, ...]] = {
    "AssociateDegree": (
        "Associate of Applied Science in {prog}",
        "{prog}, A.A.S.",
        "Associate Degree in {prog}",
    ),
    "AssociateOfAppliedScienceDegree": ("Associate of Applied Science in {prog}", "{prog} AAS"),
    "AssociateOfArtsDegree": ("Associate of Arts in {prog}", "{prog}, A.A."),
    "AssociateOfScienceDegree": ("Associate of Science in {prog}", "{prog}, A.S."),
    "BachelorDegree": ("Bachelor of Science in {prog}", "Bachelor of Arts in {prog}", "{prog}, B.S."),
    "BachelorOfScienceDegree": ("Bachelor of Science in {prog}", "B.S. {prog}"),
    "BachelorOfArtsDegree": ("Bachelor of Arts in {prog}", "B.A. {prog}"),
    "MasterDegree": ("Master of Science in {prog}", "Master of {prog}", "{prog}, M.S."),
    "MasterOfScienceDegree": ("Master of Science in {prog}",),
    "MasterOfArtsDegree": ("Master of Arts in {prog}",),
    "ResearchDoctorate": ("Doctor of Philosophy in {prog}", "{prog}, Ph.D."),
    "ProfessionalDoctorate": ("Doctor of {prog} Practice", "Professional Doctorate in {prog}"),
    "DoctoralDegree": ("Doctorate in {prog}",),
    "PostBaccalaureateCertificate": ("Post-Baccalaureate Certificate in {prog}",),
    "Certification": ("Certified {occ}", "{occ} Certification", "Professional {occ} (P{initial})"),
    "License": ("{st} {occ} License", "Licensed {occ}"),
    "CertificateOfCompletion": ("{prog} Certificate of Completion", "{occ} Training Completion"),
    "MicroCredential": ("{prog} Microcredential", "Micro-credential: {occ} Essentials"),
    "OpenBadge": ("{prog} Badge",),
    "DigitalBadge": ("{occ} Digital Badge",),
    "TechnicalLevel1Certificate": ("Technical Certificate Level 1: {prog}",),
    "TechnicalLevel2Certificate": ("Technical Certificate Level 2: {prog}",),
    "TechnicalLevel3Certificate": ("Technical Certificate Level 3: {prog}",),
    "ApprenticeshipCertificate": ("{occ} Registered Apprenticeship",),
    "AcademicCertificate": ("Academic Certificate in {prog}",),
    "HigherEducationLevel1Certificate": ("Certificate of Achievement: {prog}",),
    "ProfessionalCertificate": ("Professional Certificate in {prog}",),
}
_CRED_NAME_DEFAULT = ("{prog} Certificate", "Certificate in {prog}", "{prog} Technician Certificate")
"""Name patterns per credential class (``str.format`` fields: prog, occ, initial, st)."""


@lru_cache(maxsize=400_000)
def cred_name(plan: Plan, idx: int) -> str:
    """Name of credential ``idx``: built from its CIP or SOC title and its type."""
    c = plan.creds[idx]
    rng = HashPick(plan.seed, "cred", idx, "name")
    prog = _program_title(plan, c.cip, c.soc)
    occ = _singular(plan.world.soc_title.get(c.soc, "Specialist"))
    local = c.cls.split(":")[1]
    st = plan.world.state_name.get(c.state or "", "")
    template = rng.choice(_CRED_NAME_TEMPLATES.get(local, _CRED_NAME_DEFAULT))
    name = template.format(prog=prog, occ=occ, initial=occ[:1], st=st)
    return name.strip() if local == "License" else name


@lru_cache(maxsize=400_000)
def lopp_name(plan: Plan, idx: int) -> str:
    """Name of learning opportunity ``idx``."""
    x = plan.items["lopp"][idx]
    rng = HashPick(plan.seed, "lopp", idx, "name")
    prog = _program_title(plan, x.cip, x.soc)
    if x.cls == "ceterms:Course":
        topics = plan.world.soc_knowledge.get(x.soc or "", []) + plan.world.soc_skills.get(x.soc or "", [])
        tech = plan.world.soc_tech.get(x.soc or "", [])
        topic = rng.choice(topics) if topics else prog
        pattern = rng.randrange(5)
        if pattern == 0:
            return f"Introduction to {topic}"
        if pattern == 1 and tech:
            return f"{rng.choice(tech)} Fundamentals"
        if pattern == 2:
            return f"{topic} for {prog}"
        if pattern == 3:
            return f"{prog} {rng.choice(('I', 'II', 'Lab', 'Practicum', 'Capstone'))}"
        return f"Applied {topic}"
    if x.cls == "ceterms:LearningProgram":
        return rng.choice((f"{prog} Program", f"{prog}", f"{prog} Pathway Program"))
    return rng.choice((f"{prog} Training", f"{prog} Workshop Series", f"{prog} Preparation"))


def course_code(plan: Plan, idx: int) -> str:
    """Course number like ``NUR 214``."""
    x = plan.items["lopp"][idx]
    letters = re.sub(r"[^A-Z]", "", _program_title(plan, x.cip, x.soc).upper())[:3] or "GEN"
    return f"{letters} {100 + (idx * 37) % 199}"


@lru_cache(maxsize=20_000)
def competencies(plan: Plan, fw_idx: int) -> list[tuple[str, str, str, int | None]]:
    """Competencies of framework ``fw_idx``: ``(ctid, text, category, parent position or None)``."""
    fw = plan.items["fw"][fw_idx]
    w = plan.world
    soc = fw.soc or ""
    field = _field(soc)
    pools = [
        (
            "Skills",
            [f"{s}: {w.element_description.get(s, '').rstrip('.')}".rstrip(": ") for s in w.soc_skills.get(soc, [])],
        ),
        (
            "Knowledge",
            [
                f"Knowledge of {k.lower()}: {w.element_description.get(k, '').rstrip('.')}".rstrip(": ")
                for k in w.soc_knowledge.get(soc, [])
            ],
        ),
        ("Technology", [f"Use {t} in {field.lower()} work" for t in w.soc_tech.get(soc, [])]),
        ("Tasks", [t for _i, t in w.soc_tasks.get(soc, [])]),
    ]
    pools = [(cat, items) for cat, items in pools if items]
    if not pools:
        pools = [("Skills", ["Communicate effectively", "Solve problems", "Work safely"])]
    out: list[tuple[str, str, str, int | None]] = []
    n = fw.n
    with_categories = n >= 8
    parents: dict[str, int] = {}
    if with_categories:
        for cat, _items in pools:
            parents[cat] = len(out)
            out.append((derived_ctid(plan.seed, "fw", fw_idx, len(out)), f"{cat} for {field.lower()}", cat, None))
    k = 0
    rounds = 0
    while len(out) < n:
        cat, items = pools[k % len(pools)]
        item = items[(k // len(pools)) % len(items)]
        rounds = k // max(1, sum(len(i) for _c, i in pools))
        text = item if rounds == 0 else f"{item} ({('proficient', 'advanced', 'expert')[min(rounds - 1, 2)]} level)"
        out.append((derived_ctid(plan.seed, "fw", fw_idx, len(out)), text, cat, parents.get(cat)))
        k += 1
    return out


@lru_cache(maxsize=20_000)
def _leaf_competencies(plan: Plan, fw_idx: int) -> list[tuple[str, str, str, int | None]]:
    """The competencies of framework ``fw_idx`` under a category (all of them when it has none)."""
    every = competencies(plan, fw_idx)
    return [c for c in every if c[3] is not None] or every


# ---- rendering ----------------------------------------------------------------------------------------


class Renderer:
    """Renders planned records as CTDL graphs."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.world = plan.world

    # helpers -------------------------------------------------------------------------------------------
    def _ref(self, w: Writer, kind: str, idx: int) -> object:
        return w.ref(self.ctid(kind, idx))

    def ctid(self, kind: str, idx: int, sub: object = "") -> str:
        """CTID of a planned record (or of a node inside it with ``sub``)."""
        if sub != "":
            return derived_ctid(self.plan.seed, kind, idx, sub)
        if kind == "org":
            return self.plan.orgs[idx].ctid
        if kind == "qa":
            return self.plan.qa_orgs[idx].ctid
        if kind == "cred":
            return self.plan.creds[idx].ctid
        return self.plan.items[kind][idx].ctid

    def _org(self, idx: int) -> Org:
        return self.plan.orgs[idx]

    def _place(self, w: Writer, org: Org, rng: random.Random, state: str | None = None) -> dict:
        state = state or org.state
        place = {"@type": "ceterms:Place"}
        if state is None:
            place["ceterms:addressRegion"] = org.foreign_region or "Ontario"
            place["ceterms:addressCountry"] = w.text("Canada") if org.foreign_region != "Jalisco" else w.text("Mexico")
            return place
        st = self.plan.world
        ap = None
        place["ceterms:addressLocality"] = (
            w.text(st.state_capital.get(state) or rng.choice(TOWNS))
            if rng.random() < 0.6
            else w.text(rng.choice(TOWNS))
        )
        place["ceterms:addressRegion"] = (
            w.region(state, st.state_name.get(state, state), ap)
            if w.style.region != "ap"
            else w.region(state, st.state_name.get(state, state), _AP.get(state))
        )
        if rng.random() < 0.7:
            place["ceterms:addressCountry"] = w.text(rng.choice(("United States", "US", "USA")))
        if rng.random() < 0.6:
            place["ceterms:postalCode"] = f"{rng.randrange(1000, 99950):05d}"
        if rng.random() < 0.5:
            place["ceterms:streetAddress"] = w.text(
                f"{rng.randrange(1, 9999)} {rng.choice(SURNAMES)} "
                f"{rng.choice(('Street', 'Avenue', 'Boulevard', 'Road'))}"
            )
        return place

    def _soc_cao(self, w: Writer, soc: str) -> dict:
        code, node, framework = w.soc(soc)
        cao = {
            "@type": "ceterms:CredentialAlignmentObject",
            "ceterms:framework": framework,
            "ceterms:frameworkName": w.text("Standard Occupational Classification"),
            "ceterms:targetNodeName": w.text(self.world.soc_title.get(soc, soc)),
        }
        if code:
            cao["ceterms:codedNotation"] = code
        if node:
            cao["ceterms:targetNode"] = node
        return cao

    def _naics_cao(self, w: Writer, code: str, rng: random.Random) -> dict:
        spelled = code if rng.random() < 0.8 else (code + "00")[:6]
        cao = {
            "@type": "ceterms:CredentialAlignmentObject",
            "ceterms:codedNotation": spelled,
            "ceterms:framework": "https://www.census.gov/naics/",
            "ceterms:frameworkName": w.text("North American Industry Classification System"),
            "ceterms:targetNodeName": w.text(self.world.naics_title.get(code, "Industry")),
        }
        if rng.random() < 0.2:
            cao["ceterms:targetNode"] = f"https://www.census.gov/naics/?input={code}&year=2022&details={code}"
        return cao

    def _cip_cao(self, w: Writer, cip: str) -> dict:
        return {
            "@type": "ceterms:CredentialAlignmentObject",
            "ceterms:codedNotation": w.cip(cip),
            "ceterms:framework": "https://nces.ed.gov/ipeds/cipcode/Default.aspx?y=56",
            "ceterms:frameworkName": w.text("Classification of Instructional Programs"),
            "ceterms:targetNodeName": w.text(self.world.cip_title.get(cip, cip)),
        }

    def _industries(self, w: Writer, soc: str | None, rng: random.Random, k: int) -> list[dict]:
        pool = self.world.soc_industries.get(soc or "")
        if not pool:
            return []
        codes = []
        for _ in range(k):
            code = pool.pick(rng)
            if code not in codes:
                codes.append(code)
        return [self._naics_cao(w, c, rng) for c in codes]

    def _cost(self, w: Writer, level: str, rng: random.Random) -> list[dict]:
        low, high, kind = COST[level]
        price = round(rng.uniform(low, high), -1 if high < 5000 else -2)
        profile = {
            "@type": "ceterms:CostProfile",
            "ceterms:directCostType": w.concept(COSTTYPE, f"costType:{kind}", kind),
            "ceterms:price": price,
            "ceterms:currency": "USD",
            "ceterms:description": w.text("Estimated total cost" if kind == "Tuition" else "Fee"),
        }
        out = [profile]
        if level in ("certificate", "associate", "bachelor") and rng.random() < 0.4:
            out.append(
                {
                    "@type": "ceterms:CostProfile",
                    "ceterms:directCostType": w.concept(COSTTYPE, "costType:LearningResource", "Learning Resource"),
                    "ceterms:price": round(rng.uniform(100, 2500), -1),
                    "ceterms:currency": "USD",
                    "ceterms:description": w.text("Books and supplies"),
                }
            )
        return out

    def _duration(self, w: Writer, level: str, rng: random.Random) -> list[dict]:
        value = rng.choice(DURATION[level])
        if rng.random() < 0.2:
            return [{"@type": "ceterms:DurationProfile", "ceterms:description": w.text(f"About {value[1:].lower()}")}]
        return [{"@type": "ceterms:DurationProfile", "ceterms:exactDuration": value}]

    def _delivery(self, w: Writer, level: str, rng: random.Random) -> tuple[list, bool]:
        r = rng.random()
        online = ONLINE_SHARE.get(level, 0.2)
        if r < online:
            kinds = ["OnlineOnly"]
        elif r < online + 0.2:
            kinds = ["BlendedDelivery"]
        else:
            kinds = ["InPerson"]
        labels = {"OnlineOnly": "Online Only", "BlendedDelivery": "Blended Delivery", "InPerson": "In Person"}
        return [w.concept(DELIVERY, f"deliveryType:{k}", labels[k]) for k in kinds], kinds != ["InPerson"]

    def _competency_refs(self, w: Writer, fw_idx: int | None, soc: str, rng: random.Random, k: int) -> list[dict]:
        if fw_idx is not None:
            comps = _leaf_competencies(self.plan, fw_idx)
            picks = comps[: max(1, min(k, len(comps)))]
            fw_ctid = self.ctid("fw", fw_idx)
            return [
                {
                    "@type": "ceterms:CredentialAlignmentObject",
                    "ceterms:targetNode": w.ref(ctid),
                    "ceterms:targetNodeName": w.text(text),
                    "ceterms:framework": w.ref(fw_ctid),
                }
                for ctid, text, _cat, _p in picks
            ]
        names = (self.world.soc_skills.get(soc, []) + self.world.soc_knowledge.get(soc, []))[:k]
        return [{"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNodeName": w.text(n)} for n in names]

    def _condition(self, w: Writer, desc: str, **targets: list) -> dict:
        cp = {"@type": "ceterms:ConditionProfile", "ceterms:description": w.text(desc)}
        for prop, values in targets.items():
            if values:
                cp[f"ceterms:{prop}"] = values
        return cp

    def _writer(self, org: Org, rng: random.Random) -> Writer:
        return Writer(self.plan.styles[org.style], rng)

    def _base(self, ctid: str, cls: str) -> dict:
        return {"@id": uri(ctid), "@type": cls, "ceterms:ctid": ctid}

    def _result(self, node_ctid: str, cls: str, owner: Org, graph: list[dict]) -> Rendered:
        style = self.plan.styles[owner.style]
        pub = self.plan.orgs[owner.publisher] if owner.publisher >= 0 else owner
        return Rendered(
            ctid=node_ctid,
            ctdl_type=cls,
            owner_ctid=owner.ctid,
            publisher_ctid=pub.ctid,
            graph=graph,
            context=CONTEXT_HTTP if style.context_http else CONTEXT,
            style=owner.style,
        )

    # records -----------------------------------------------------------------------------------------
    def render(self, kind: str, idx: int, version: int = 0, rng: random.Random | None = None) -> Rendered:
        """Render record ``idx`` of ``kind`` (``version`` > 0: a later revision for the events history).

        ``rng`` defaults to the record's own stream (:func:`record_rng`); callers that need more
        draws for the same record (envelope times) pass that stream and keep using it.
        """
        if rng is None:
            rng = record_rng(self.plan.seed, kind, idx, version)
        rendered = getattr(self, f"_r_{kind}")(idx, rng, version)
        if version:
            _mark_revision(rendered.graph[0], version)
        return rendered

    def _r_org(self, idx: int, rng: random.Random, version: int) -> Rendered:
        org = self.plan.orgs[idx]
        return self._organization(org, "org", idx, rng, version)

    def _r_qa(self, idx: int, rng: random.Random, version: int) -> Rendered:
        org = self.plan.qa_orgs[idx]
        return self._organization(org, "qa", idx, rng, version)

    def _organization(self, org: Org, kind: str, idx: int, rng: random.Random, version: int) -> Rendered:
        w = self._writer(org, rng)
        r = org.richness
        name = org_name(self.plan, kind, idx)
        node = self._base(org.ctid, org.cls)
        node["ceterms:name"] = w.text(name)
        st = self.world.state_name.get(org.state or "", org.foreign_region or "")
        desc = f"{name} is a {KIND_LABEL[org.kind]} in {st}."
        if version:
            desc += f" Updated profile ({version})."
        node["ceterms:description"] = w.text(desc)
        tld = KIND_TLD.get(org.kind, "com")
        node["ceterms:subjectWebpage"] = f"https://www.{_slug(name)}.{tld}/"
        if org.cls != "ceterms:Organization" or rng.random() < 0.5:
            node["ceterms:agentType"] = [w.concept(ORGTYPE, t, t.split(":")[1]) for t in KIND_AGENT[org.kind]]
        if rng.random() < 0.35 + 0.6 * r:
            sector = KIND_SECTOR[org.kind]
            node["ceterms:agentSectorType"] = [w.concept(SECTOR, f"agentSector:{sector}", sector)]
        if rng.random() < 0.75 + 0.25 * r:
            node["ceterms:address"] = [self._place(w, org, rng)]
        if rng.random() < 0.2 + 0.6 * r:
            node["ceterms:email"] = [f"info@{_slug(name)}.{tld}"]
        if rng.random() < 0.1 + 0.5 * r:
            node["ceterms:socialMedia"] = [f"https://www.linkedin.com/company/{_slug(name)}"]
        if org.kind == "employer" and rng.random() < 0.5 + 0.4 * r and org.creds:
            soc = self.plan.creds[org.creds[0]].soc
            inds = self._industries(w, soc, rng, 1)
            if inds:
                node["ceterms:industryType"] = inds
        if rng.random() < 0.2 + 0.5 * r and org.creds:
            node["ceterms:owns"] = [self._ref(w, "cred", c) for c in org.creds[:50]]
        if (
            org.kind in ("university", "community_college", "technical_college")
            and self.plan.qa_orgs
            and rng.random() < 0.3 + 0.5 * r
        ):
            node["ceterms:accreditedBy"] = [self._ref(w, "qa", (idx * 7919) % len(self.plan.qa_orgs))]
        if rng.random() < 0.3 + 0.4 * r:
            node["ceterms:foundingDate"] = str(rng.randrange(1880, 2020))
        return self._result(org.ctid, org.cls, org, [node])

    def _r_cred(self, idx: int, rng: random.Random, version: int) -> Rendered:
        c = self.plan.creds[idx]
        org = self._org(c.org)
        w = self._writer(org, rng)
        r = min(1.0, max(0.0, org.richness + rng.gauss(0, 0.08)))
        has = lambda p: rng.random() < p  # noqa: E731
        name = cred_name(self.plan, idx)
        node = self._base(c.ctid, c.cls)
        node["ceterms:name"] = w.text(name)
        soc_title = self.world.soc_title.get(c.soc, "")
        if has(0.55 + 0.45 * r):
            desc = self.world.soc_description.get(c.soc, "")
            first = desc.split(". ")[0].rstrip(".")
            text = f"The {name} prepares learners for work as {soc_title.lower()}."
            if first and has(0.3 + 0.7 * r):
                text += f" Graduates learn to {first[0].lower()}{first[1:]}."
            if version:
                text += f" (Revised {version}.)"
            node["ceterms:description"] = w.text(text)
        if has(0.7 + 0.3 * r):
            node["ceterms:subjectWebpage"] = (
                f"https://www.{_slug(org_name(self.plan, 'org', org.idx))}."
                f"{KIND_TLD.get(org.kind, 'com')}/programs/{_slug(name)}"
            )
        node["ceterms:ownedBy"] = [self._ref(w, "org", org.idx)]
        if has(0.3 + 0.6 * r):
            node["ceterms:offeredBy"] = [self._ref(w, "org", org.idx)]
        status = "Deprecated" if c.deprecated else "Active"
        if c.deprecated or has(0.5 + 0.5 * r):
            node["ceterms:credentialStatusType"] = w.concept(STATUS, f"credentialStat:{status}", status)
        if has(0.3 + 0.6 * r):
            node["ceterms:inLanguage"] = ["en"] if has(0.95) else ["en", "es"]
        if has(0.2 + 0.5 * r):
            node["ceterms:dateEffective"] = f"{rng.randrange(2005, 2026)}-{rng.randrange(1, 13):02d}-01"
        if has(0.15 + 0.7 * r):
            lv = AUDIENCE[c.level]
            node["ceterms:audienceLevelType"] = [w.concept(AUD, f"audLevel:{lv[0]}", lv[0])]
        online = False
        if has(0.1 + 0.75 * r):
            node["ceterms:learningDeliveryType"], online = self._delivery(w, c.level, rng)
        if (c.state and has(0.15 + 0.7 * r)) or (c.level == "license" and c.state):
            places = [self._place(w, org, rng)]
            if has(0.08):  # offered at a second campus, sometimes in a neighbouring state
                places.append(self._place(w, org, rng, state=self.world.state_pool.pick(rng)))
            node["ceterms:availableAt"] = places
        if online and has(0.7):
            node["ceterms:availableOnlineAt"] = [f"https://online.{_slug(org_name(self.plan, 'org', org.idx))}.com/"]
        if has(0.08 + 0.72 * r):
            node["ceterms:estimatedCost"] = self._cost(w, c.level, rng)
        if has(0.12 + 0.7 * r):
            node["ceterms:estimatedDuration"] = self._duration(w, c.level, rng)
        if has(0.12 + 0.8 * r):
            node["ceterms:occupationType"] = [self._soc_cao(w, c.soc)]
            if has(0.2):
                alt = self.world.soc_pools[(c.state or "CA", "certificate")].pick(rng)
                if alt != c.soc and alt in self.world.cip_socs.get(c.cip or "", ()):
                    node["ceterms:occupationType"].append(self._soc_cao(w, alt))
        if has(0.05 + 0.5 * r):
            inds = self._industries(w, c.soc, rng, 2)
            if inds:
                if has(0.1):
                    node["ceterms:naics"] = [i["ceterms:codedNotation"] for i in inds]
                else:
                    node["ceterms:industryType"] = inds
        if c.cip and has(0.2 + 0.7 * r):
            node["ceterms:instructionalProgramType"] = [self._cip_cao(w, c.cip)]
        if has(0.1 + 0.6 * r):
            words = [_field(c.soc), soc_title, *self.world.soc_skills.get(c.soc, [])[:2]]
            node["ceterms:keyword"] = w.texts([x for x in words if x])
        # connections --------------------------------------------------------------------------------
        requires_lopp = [self._ref(w, k, i) for p, k, i in c.links if p == "ceterms:requires/targetLearningOpportunity"]
        requires_asmt = [self._ref(w, k, i) for p, k, i in c.links if p == "ceterms:requires/targetAssessment"]
        requires_cred = [self._ref(w, k, i) for p, k, i in c.links if p == "ceterms:requires/targetCredential"]
        comps = []
        if c.framework is not None or has(0.02 + 0.35 * r):
            comps = self._competency_refs(w, c.framework, c.soc, rng, rng.randint(3, 8))
        if requires_lopp or requires_asmt or requires_cred or comps or has(0.1 + 0.3 * r):
            node["ceterms:requires"] = [
                self._condition(
                    w,
                    "Requirements to earn the credential",
                    targetLearningOpportunity=requires_lopp,
                    targetAssessment=requires_asmt,
                    targetCredential=requires_cred,
                    targetCompetency=comps,
                )
            ]
        prep = [self._ref(w, k, i) for p, k, i in c.links if p == "ceterms:isPreparationFor"]
        if prep:
            node["ceterms:isPreparationFor"] = [
                self._condition(w, "Prepares for the next credential in the stack", targetCredential=prep)
            ]
        adv = [self._ref(w, k, i) for p, k, i in c.links if p == "ceterms:advancedStandingFrom"]
        if adv:
            cp = self._condition(w, "Credit for a completed credential", targetCredential=adv)
            cp["ceterms:creditValue"] = [
                {
                    "@type": "ceterms:ValueProfile",
                    "schema:value": float(rng.choice((6, 9, 12, 15, 30))),
                    "ceterms:creditUnitType": ["creditUnit:SemesterHour"],
                }
            ]
            node["ceterms:advancedStandingFrom"] = [cp]
        graph = [node]
        if c.qa:
            refs = []
            for q in c.qa:
                if has(0.2):  # QA body as a blank node in the same graph (older publishing tools)
                    bnode = f"_:{derived_uuid_str(self.plan.seed, 'bnode', idx, q)}"
                    refs.append(bnode)
                    graph.append(
                        {
                            "@id": bnode,
                            "@type": "ceterms:QACredentialOrganization",
                            "ceterms:name": w.text(org_name(self.plan, "qa", q)),
                            "ceterms:subjectWebpage": f"https://www.{_slug(org_name(self.plan, 'qa', q))}.org/",
                        }
                    )
                else:
                    refs.append(self._ref(w, "qa", q))
            node["ceterms:accreditedBy"] = refs
        if c.dsps:
            node["qdata:relevantDataSet"] = [self._ref(w, "dsp", d) for d in c.dsps]
            if has(0.3):
                earn = self._earnings(c.state, c.soc, c.level, rng)
                node["ceterms:aggregateData"] = [
                    {
                        "@type": "ceterms:AggregateDataProfile",
                        "ceterms:description": w.text("Median earnings of completers"),
                        "ceterms:medianEarnings": int(earn),
                        "ceterms:currency": "USD",
                    }
                ]
        if c.level == "license" and c.state and has(0.6):
            node["ceterms:jurisdiction"] = [
                {"@type": "ceterms:JurisdictionProfile", "ceterms:mainJurisdiction": [self._place(w, org, rng)]}
            ]
        return self._result(c.ctid, c.cls, org, graph)

    def _earnings(self, state: str | None, soc: str, level: str, rng: random.Random) -> float:
        base = self.world.wage_state.get((state or "", soc)) or self.world.wage_national.get(soc) or 48000.0
        factor = {
            "short": 0.82,
            "certificate": 0.86,
            "associate": 0.9,
            "bachelor": 1.0,
            "graduate": 1.12,
            "professional": 1.0,
            "license": 1.0,
        }.get(level, 1.0)
        return round(base * factor * rng.lognormvariate(0, 0.15), -2)

    def _r_lopp(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["lopp"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        r = min(1.0, max(0.0, org.richness + rng.gauss(0, 0.08)))
        has = lambda p: rng.random() < p  # noqa: E731
        node = self._base(x.ctid, x.cls)
        name = lopp_name(self.plan, idx)
        node["ceterms:name"] = w.text(name + (f" ({version})" if version and x.cls == "ceterms:Course" else ""))
        level = "short" if x.cls == "ceterms:Course" else "certificate"
        if has(0.5 + 0.5 * r):
            node["ceterms:description"] = w.text(
                f"{name} covers {', '.join(self.world.soc_knowledge.get(x.soc or '', ['core topics'])[:3]).lower()}"
                f" for students preparing to work as {self.world.soc_title.get(x.soc or '', 'professionals').lower()}."
            )
        if has(0.6 + 0.4 * r):
            node["ceterms:subjectWebpage"] = (
                f"https://www.{_slug(org_name(self.plan, 'org', org.idx))}."
                f"{KIND_TLD.get(org.kind, 'com')}/catalog/{_slug(name)}"
            )
        node["ceterms:ownedBy"] = [self._ref(w, "org", org.idx)]
        if has(0.4 + 0.5 * r):
            node["ceterms:offeredBy"] = [self._ref(w, "org", org.idx)]
        if x.cls == "ceterms:Course":
            node["ceterms:codedNotation"] = course_code(self.plan, idx)
            if has(0.3 + 0.6 * r):
                node["ceterms:creditValue"] = [
                    {
                        "@type": "ceterms:ValueProfile",
                        "schema:value": float(rng.choice((1, 2, 3, 3, 3, 4, 5))),
                        "ceterms:creditUnitType": ["creditUnit:SemesterHour"],
                    }
                ]
        if has(0.3 + 0.6 * r):
            node["ceterms:inLanguage"] = ["en"]
        if has(0.1 + 0.7 * r):
            node["ceterms:deliveryType"], online = self._delivery(w, level, rng)
        if org.state and has(0.15 + 0.6 * r):
            node["ceterms:availableAt"] = [self._place(w, org, rng)]
        if has(0.05 + 0.6 * r):
            node["ceterms:estimatedCost"] = self._cost(w, level, rng)
        if has(0.1 + 0.6 * r):
            node["ceterms:estimatedDuration"] = self._duration(w, level, rng)
        if x.cip and has(0.15 + 0.6 * r):
            node["ceterms:instructionalProgramType"] = [self._cip_cao(w, x.cip)]
        if x.soc and x.cls != "ceterms:Course" and has(0.1 + 0.6 * r):
            node["ceterms:occupationType"] = [self._soc_cao(w, x.soc)]
        if x.soc and has(0.05 + 0.45 * r):
            fws = self.plan.soc_frameworks.get(x.soc)
            node["ceterms:teaches"] = self._competency_refs(w, fws[0] if fws else None, x.soc, rng, rng.randint(2, 6))
        parts = [self._ref(w, k, i) for p, k, i in x.links if p == "ceterms:hasPart"]
        if parts:
            node["ceterms:hasPart"] = parts[:200]
        part_of = [self._ref(w, k, i) for p, k, i in x.links if p == "ceterms:isPartOf"]
        if part_of:
            node["ceterms:isPartOf"] = part_of
        prep = [self._ref(w, k, i) for p, k, i in x.links if p == "ceterms:isPreparationFor"]
        if prep:
            node["ceterms:isPreparationFor"] = [
                self._condition(w, "Prepares for the credential", targetCredential=prep)
            ]
        return self._result(x.ctid, x.cls, org, [node])

    def _r_asmt(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["asmt"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        node = self._base(x.ctid, x.cls)
        occ = _singular(self.world.soc_title.get(x.soc or "", "Professional"))
        node["ceterms:name"] = w.text(f"{occ} Examination" + (f" ({version})" if version else ""))
        node["ceterms:description"] = w.text(f"Examination assessing the competencies of an entry-level {occ.lower()}.")
        node["ceterms:ownedBy"] = [self._ref(w, "org", org.idx)]
        node["ceterms:offeredBy"] = [self._ref(w, "org", org.idx)]
        node["ceterms:assessmentMethodType"] = [w.concept(ASSESS, "assessMethod:Exam", "Exam")]
        node["ceterms:deliveryType"], _online = self._delivery(w, "professional", rng)
        if rng.random() < 0.6:
            node["ceterms:estimatedCost"] = self._cost(w, "professional", rng)
        if x.soc:
            fws = self.plan.soc_frameworks.get(x.soc)
            node["ceterms:assesses"] = self._competency_refs(w, fws[0] if fws else None, x.soc, rng, 5)
        return self._result(x.ctid, x.cls, org, [node])

    def _r_tvp(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["tvp"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        node = self._base(x.ctid, x.cls)
        src = next(((k, i) for p, k, i in x.links if p == "ceterms:transferValueFrom"), None)
        dst = next(((k, i) for p, k, i in x.links if p == "ceterms:transferValueFor"), None)
        src_name = (cred_name(self.plan, src[1]) if src[0] == "cred" else lopp_name(self.plan, src[1])) if src else ""
        credits = float(rng.choice((1, 2, 3, 3, 3, 4, 6, 9, 12)))
        node["ceterms:name"] = w.text(f"{src_name}: {credits:g} semester hours")
        node["ceterms:description"] = w.text(
            f"Transfer value for completing {src_name}, recommended by {org_name(self.plan, 'org', org.idx)}."
        )
        node["ceterms:ownedBy"] = [self._ref(w, "org", org.idx)]
        node["ceterms:subjectWebpage"] = f"https://www.{_slug(org_name(self.plan, 'org', org.idx))}.edu/transfer"
        node["ceterms:startDate"] = f"{rng.randrange(2015, 2026)}-{rng.randrange(1, 13):02d}-01"
        if rng.random() < 0.5:
            node["ceterms:lifeCycleStatusType"] = w.concept(LIFECYCLE, "lifeCycle:Active", "Active")
        node["ceterms:transferValue"] = [
            {
                "@type": "ceterms:ValueProfile",
                "schema:value": credits,
                "ceterms:creditUnitType": ["creditUnit:SemesterHour"],
            }
        ]
        if src:
            node["ceterms:transferValueFrom"] = [self._ref(w, *src)]
        if dst:
            node["ceterms:transferValueFor"] = [self._ref(w, *dst)]
        return self._result(x.ctid, x.cls, org, [node])

    def _r_tint(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["tint"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        node = self._base(x.ctid, x.cls)
        name = org_name(self.plan, "org", org.idx)
        node["ceterms:name"] = w.text(f"{name} Credit Recommendation Service")
        node["ceterms:description"] = w.text("Evaluates learning outside colleges and recommends college credit.")
        node["ceterms:ownedBy"] = [self._ref(w, "org", org.idx)]
        node["ceterms:subjectWebpage"] = f"https://www.{_slug(name)}.org/credit"
        node["ceterms:intermediaryFor"] = [self._ref(w, k, i) for p, k, i in x.links if p == "ceterms:intermediaryFor"]
        return self._result(x.ctid, x.cls, org, [node])

    def _r_dsp(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["dsp"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        about = next(i for p, k, i in x.links if p == "schema:about")
        cred = self.plan.creds[about]
        node = self._base(x.ctid, x.cls)
        node["ceterms:name"] = w.text(f"Outcomes for {cred_name(self.plan, about)}")
        node["ceterms:description"] = w.text("Earnings and employment of completers, from state wage records.")
        node["schema:about"] = [self._ref(w, "cred", about)]
        node["qdata:relevantDataSetFor"] = [self._ref(w, "cred", about)]
        node["qdata:dataProvider"] = self._ref(w, "org", org.idx)
        if cred.state:
            node["ceterms:jurisdiction"] = [
                {"@type": "ceterms:JurisdictionProfile", "ceterms:mainJurisdiction": [self._place(w, org, rng)]}
            ]
        if cred.cip:
            node["ceterms:instructionalProgramType"] = [self._cip_cao(w, cred.cip)]
        frames = []
        last = rng.randrange(2021, 2025)
        for year in range(last - rng.randrange(0, 3), last + 1):
            earn = self._earnings(cred.state, cred.soc, cred.level, rng)
            holders = max(5, int(rng.lognormvariate(4.0, 0.9)))
            employed = min(99.0, max(35.0, rng.gauss(78 + 8 * org.richness, 8)))
            frames.append(
                {
                    "@type": "qdata:DataSetTimeFrame",
                    "ceterms:startDate": f"{year}-07-01",
                    "ceterms:endDate": f"{year + 1}-06-30",
                    "qdata:dataAttributes": [
                        {
                            "@type": "qdata:DataProfile",
                            "ceterms:description": w.text("Completers of the program"),
                            "qdata:holdersInSet": [
                                {"@type": "schema:QuantitativeValue", "schema:value": float(holders)}
                            ],
                            "qdata:employmentRate": [
                                {"@type": "schema:QuantitativeValue", "qdata:percentage": round(employed, 1)}
                            ],
                            "qdata:earningsAmount": [
                                {
                                    "@type": "schema:MonetaryAmount",
                                    "schema:value": earn,
                                    "schema:description": w.text("Median annual earnings, USD"),
                                }
                            ],
                        }
                    ],
                }
            )
        node["qdata:dataSetTimePeriod"] = frames
        return self._result(x.ctid, x.cls, org, [node])

    def _r_fw(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["fw"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        fw_uri = uri(x.ctid)
        soc_title = self.world.soc_title.get(x.soc or "", "Workforce")
        node = {
            "@id": fw_uri,
            "@type": "ceasn:CompetencyFramework",
            "ceterms:ctid": x.ctid,
            "ceasn:name": w.text(f"{soc_title} Competency Model" + (f" v{version + 1}" if version else "")),
            "ceasn:description": w.text(
                f"Skills, knowledge, tools and tasks expected of {soc_title.lower()}, based on O*NET."
            ),
            "ceasn:publisher": [self._ref(w, "org", org.idx)],
            "ceasn:creator": [self._ref(w, "org", org.idx)],
            "ceasn:inLanguage": ["en"],
            "ceasn:publicationStatusType": "publicationStatus:Published",
        }
        if x.soc and rng.random() < 0.6:
            node["ceterms:occupationType"] = [self._soc_cao(w, x.soc)]
        comps = competencies(self.plan, idx)
        nodes = []
        children: dict[int, list[str]] = {}
        for pos, (cctid, text, cat, parent) in enumerate(comps):
            cnode = {
                "@id": uri(cctid),
                "@type": "ceasn:Competency",
                "ceterms:ctid": cctid,
                "ceasn:competencyText": w.text(text),
                "ceasn:isPartOf": fw_uri,
                "ceasn:inLanguage": ["en"],
            }
            if parent is None:
                cnode["ceasn:isTopChildOf"] = fw_uri
                cnode["ceasn:competencyCategory"] = w.text(cat)
            else:
                cnode["ceasn:isChildOf"] = uri(comps[parent][0])
                children.setdefault(parent, []).append(uri(cctid))
                cnode["ceasn:codedNotation"] = f"{cat[:1]}{pos}"
            nodes.append(cnode)
        for parent, kids in children.items():
            nodes[parent]["ceasn:hasChild"] = kids
        node["ceasn:hasTopChild"] = [uri(c[0]) for c in comps if c[3] is None]
        return self._result(x.ctid, "ceasn:CompetencyFramework", org, [node, *nodes])

    def _r_task(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["task"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        task_id, text = self.world.soc_tasks[x.soc or ""][x.n]
        node = self._base(x.ctid, x.cls)
        words = re.split(r"[,.;]", text)[0].split(" ")
        node["ceterms:name"] = w.text(" ".join(words[:8]))
        node["ceterms:description"] = w.text(text)
        node["ceterms:codedNotation"] = str(task_id)
        if rng.random() < 0.6:
            node["ceterms:identifier"] = [
                {
                    "@type": "ceterms:IdentifierValue",
                    "ceterms:identifierTypeName": w.text("O*NET Task ID"),
                    "ceterms:identifierValueCode": str(task_id),
                }
            ]
        skills = self.world.soc_skills.get(x.soc or "", [])
        if skills and rng.random() < 0.4:
            node["ceterms:targetCompetency"] = [
                {"@type": "ceterms:CredentialAlignmentObject", "ceterms:targetNodeName": w.text(rng.choice(skills))}
            ]
        if rng.random() < 0.5:
            node["ceterms:assertedBy"] = [self._ref(w, "org", org.idx)]
        occ = [self._ref(w, k, i) for p, k, i in x.links if p == "ceterms:hasOccupation"]
        if occ:
            node["ceterms:hasOccupation"] = occ
        return self._result(x.ctid, x.cls, org, [node])

    def _r_occ(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["occ"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        soc = x.soc or ""
        title = self.world.soc_title.get(soc, "Occupation")
        node = self._base(x.ctid, x.cls)
        if x.cls == "ceterms:Occupation":
            node["ceterms:name"] = w.text(title)
            node["ceterms:description"] = w.text(self.world.soc_description.get(soc, title))
            node["ceterms:subjectWebpage"] = f"https://www.onetonline.org/link/summary/{soc}.00"
            node["ceterms:assertedBy"] = [self._ref(w, "org", org.idx)]
        elif x.cls == "ceterms:Job":
            node["ceterms:name"] = w.text(f"{_singular(title)} - {org_name(self.plan, 'org', org.idx)}")
            node["ceterms:description"] = w.text(self.world.soc_description.get(soc, title))
            node["ceterms:offeredBy"] = [self._ref(w, "org", org.idx)]
            if soc in self.plan.soc_occupation:
                node["ceterms:hasOccupation"] = [self._ref(w, "occ", self.plan.soc_occupation[soc])]
        else:
            node["ceterms:name"] = w.text(f"{_singular(title)} Role")
            node["ceterms:description"] = w.text(f"Work role of a {_singular(title).lower()}.")
            node["ceterms:assertedBy"] = [self._ref(w, "org", org.idx)]
        if x.cls != "ceterms:WorkRole":
            node["ceterms:occupationType"] = [self._soc_cao(w, soc)]
            inds = self._industries(w, soc, rng, 2)
            if inds and rng.random() < 0.6:
                node["ceterms:industryType"] = inds
        return self._result(x.ctid, x.cls, org, [node])

    def _r_ind(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["ind"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        inds = self._industries(w, x.soc, rng, 1) or [self._naics_cao(w, "6113", rng)]
        code = inds[0]["ceterms:codedNotation"]
        node = self._base(x.ctid, x.cls)
        node["ceterms:name"] = w.text(self.world.naics_title.get(code[:4], "Industry"))
        node["ceterms:description"] = w.text(f"Industry {code} (NAICS 2022).")
        node["ceterms:industryType"] = inds
        node["ceterms:codedNotation"] = code
        return self._result(x.ctid, x.cls, org, [node])

    def _r_action(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["action"][idx]
        agent_kind, agent_idx = next((k, i) for p, k, i in x.links if p == "ceterms:actingAgent")
        obj = next((k, i) for p, k, i in x.links if p == "ceterms:object")
        owner = self.plan.qa_orgs[agent_idx] if agent_kind == "qa" else self._org(agent_idx)
        w = self._writer(owner, rng)
        node = self._base(x.ctid, x.cls)
        verb = "Accreditation" if x.cls == "ceterms:AccreditAction" else "Regulation"
        target = cred_name(self.plan, obj[1]) if obj[0] == "cred" else org_name(self.plan, "org", obj[1])
        node["ceterms:name"] = w.text(f"{verb} of {target}")
        node["ceterms:description"] = w.text(f"{verb} by {org_name(self.plan, agent_kind, agent_idx)}.")
        node["ceterms:actingAgent"] = [self._ref(w, agent_kind, agent_idx)]
        node["ceterms:object"] = self._ref(w, *obj)
        node["ceterms:startDate"] = f"{rng.randrange(2010, 2026)}-{rng.randrange(1, 13):02d}-01"
        node["ceterms:actionStatusType"] = w.concept(ACTION, "actionStat:ActiveActionStatus", "Active")
        return self._result(x.ctid, x.cls, owner, [node])

    def _r_coll(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["coll"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        st = self.world.state_name.get(org.state or "", "National")
        cat, label = rng.choice(
            (
                ("ETPL", "Eligible Training Provider List"),
                ("InDemand", "In-Demand Credentials"),
                ("IndustryRecognized", "Industry-Recognized Credentials"),
            )
        )
        node = self._base(x.ctid, x.cls)
        node["ceterms:name"] = w.text(f"{st} {label}")
        node["ceterms:description"] = w.text(f"Credentials on the {st} {label.lower()}.")
        node["ceterms:ownedBy"] = [self._ref(w, "org", org.idx)]
        node["ceterms:collectionType"] = [f"collectionCategory:{cat}"]  # range skos:Concept: a concept CURIE
        node["ceterms:hasMember"] = [self._ref(w, k, i) for p, k, i in x.links if p == "ceterms:hasMember"]
        return self._result(x.ctid, x.cls, org, [node])

    def _r_pm(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["pm"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        pm_uri = uri(x.ctid)
        node = {
            "@id": pm_uri,
            "@type": "asn:ProgressionModel",
            "ceterms:ctid": x.ctid,
            "ceasn:name": w.text(f"{org_name(self.plan, 'org', org.idx)} Career Progression Levels"),
            "ceasn:description": w.text("Levels used to place pathway components from entry to advanced."),
            "ceasn:publisher": [self._ref(w, "org", org.idx)],
            "ceasn:inLanguage": ["en"],
        }
        levels = []
        names = ("Entry", "Foundational", "Intermediate", "Advanced")
        for k, label in enumerate(names):
            lctid = derived_ctid(self.plan.seed, "pm", idx, k)
            levels.append(
                {
                    "@id": uri(lctid),
                    "@type": "asn:ProgressionLevel",
                    "ceterms:ctid": lctid,
                    "skos:prefLabel": w.text(label),
                    "ceasn:inProgressionModel": pm_uri,
                    "skos:topConceptOf": pm_uri,
                }
            )
        for k in range(len(levels) - 1):
            levels[k]["ceterms:precedes"] = [levels[k + 1]["@id"]]
        node["skos:hasTopConcept"] = [lv["@id"] for lv in levels]
        return self._result(x.ctid, x.cls, org, [node, *levels])

    def _r_path(self, idx: int, rng: random.Random, version: int) -> Rendered:
        x = self.plan.items["path"][idx]
        org = self._org(x.org)
        w = self._writer(org, rng)
        path_uri = uri(x.ctid)
        comps = [(k, i) for p, k, i in x.links if p == "component"]
        n_pm = len(self.plan.items["pm"])
        level_ctids = [derived_ctid(self.plan.seed, "pm", x.n, k) for k in range(4)] if n_pm else []
        nodes = []
        for pos, (kind, target) in enumerate(comps):
            cctid = derived_ctid(self.plan.seed, "path", idx, pos)
            if kind == "cred":
                cnode = {
                    "@id": uri(cctid),
                    "@type": "ceterms:CredentialComponent",
                    "ceterms:ctid": cctid,
                    "ceterms:name": w.text(cred_name(self.plan, target)),
                    "ceterms:credentialType": self.plan.creds[target].cls,
                }
            else:
                title = self.world.soc_title.get(self.plan.items["occ"][target].soc or "", "Job")
                cnode = {
                    "@id": uri(cctid),
                    "@type": "ceterms:JobComponent",
                    "ceterms:ctid": cctid,
                    "ceterms:name": w.text(_singular(title)),
                }
            cnode["ceterms:proxyFor"] = uri(self.ctid(kind, target))
            cnode["ceterms:isPartOf"] = [path_uri]
            if level_ctids:
                cnode["asn:hasProgressionLevel"] = [uri(level_ctids[min(pos, 3)])]
            nodes.append(cnode)
        for pos in range(len(nodes) - 1):
            nodes[pos]["ceterms:precedes"] = [nodes[pos + 1]["@id"]]
            nodes[pos + 1]["ceasn:hasChild"] = [nodes[pos]["@id"]]
            nodes[pos]["ceasn:isChildOf"] = [nodes[pos + 1]["@id"]]
            nodes[pos + 1]["ceterms:hasCondition"] = [
                {
                    "@type": "ceterms:ComponentCondition",
                    "ceterms:name": w.text("Complete the previous step"),
                    "ceterms:requiredNumber": 1,
                    "ceterms:targetComponent": [nodes[pos]["@id"]],
                }
            ]
        dest = nodes[-1]
        dest["ceterms:isDestinationComponentOf"] = [path_uri]
        first = cred_name(self.plan, comps[0][1]) if comps and comps[0][0] == "cred" else "Entry"
        node = {
            "@id": path_uri,
            "@type": "ceterms:Pathway",
            "ceterms:ctid": x.ctid,
            "ceterms:name": w.text(f"{_field(x.soc)} Pathway: {first} to {lang_plain(dest['ceterms:name'])}"),
            "ceterms:description": w.text("A stackable pathway from a first credential to a career."),
            "ceterms:ownedBy": [self._ref(w, "org", org.idx)],
            "ceterms:offeredBy": [self._ref(w, "org", org.idx)],
            "ceterms:subjectWebpage": f"https://www.{_slug(org_name(self.plan, 'org', org.idx))}.edu/pathways",
            "ceterms:hasPart": [n["@id"] for n in nodes],
            "ceterms:hasDestinationComponent": [dest["@id"]],
        }
        if n_pm:
            node["asn:hasProgressionModel"] = [uri(self.ctid("pm", x.n))]
        if x.soc:
            node["ceterms:occupationType"] = [self._soc_cao(w, x.soc)]
        return self._result(x.ctid, x.cls, org, [node, *nodes])


def _mark_revision(top: dict, version: int) -> None:
    """Make a later revision visibly different: its description says when it was revised."""
    key = "ceasn:description" if "ceasn:name" in top else "ceterms:description"
    name = top.get("ceasn:name") or top.get("ceterms:name")
    note = f"Revision {version + 1} of this record."
    old = top.get(key)
    if isinstance(old, dict):
        lang, text = next(iter(old.items()))
        top[key] = {lang: f"{text} {note}" if isinstance(text, str) else note}
    elif isinstance(old, str):
        top[key] = f"{old} {note}"
    elif isinstance(name, dict):
        top[key] = {next(iter(name)): note}
    else:
        top[key] = note


def lang_plain(value: object) -> str:
    """Plain text of a value written by :class:`Writer` (language map or string)."""
    if isinstance(value, dict):
        return next(iter(value.values()))
    return str(value)


_AP = {
    "AL": "Ala.",
    "AZ": "Ariz.",
    "AR": "Ark.",
    "CA": "Calif.",
    "CO": "Colo.",
    "CT": "Conn.",
    "DE": "Del.",
    "FL": "Fla.",
    "GA": "Ga.",
    "IL": "Ill.",
    "IN": "Ind.",
    "KS": "Kan.",
    "KY": "Ky.",
    "LA": "La.",
    "MD": "Md.",
    "MA": "Mass.",
    "MI": "Mich.",
    "MN": "Minn.",
    "MS": "Miss.",
    "MO": "Mo.",
    "MT": "Mont.",
    "NE": "Neb.",
    "NV": "Nev.",
    "NH": "N.H.",
    "NJ": "N.J.",
    "NM": "N.M.",
    "NY": "N.Y.",
    "NC": "N.C.",
    "ND": "N.D.",
    "OK": "Okla.",
    "OR": "Ore.",
    "PA": "Pa.",
    "RI": "R.I.",
    "SC": "S.C.",
    "SD": "S.D.",
    "TN": "Tenn.",
    "VT": "Vt.",
    "VA": "Va.",
    "WA": "Wash.",
    "WV": "W.Va.",
    "WI": "Wis.",
    "WY": "Wyo.",
    "DC": "D.C.",
}
