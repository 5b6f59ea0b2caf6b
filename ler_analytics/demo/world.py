"""The labour-market "world" the Registry twin samples from, built once from the packaged reference data.

Everything the generator needs to make coherent records is precomputed here as plain Python lists
and dicts (fast to sample with :mod:`random`): state weights from OEWS state employment, SOC pools
per state and preparation level weighted by OEWS state employment, the CIP <-> SOC crosswalk,
industries per SOC from OEWS staffing patterns, competency texts from O*NET skills, knowledge,
technology skills and task statements, and wages per state and SOC.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from functools import cache

# Job zones (O*NET preparation levels) allowed for each credential level bucket.
LEVEL_ZONES: dict[str, tuple[int, ...]] = {
    "short": (1, 2, 3),  # certificates of completion, badges, micro-credentials, technical certificates
    "certificate": (2, 3, 4),
    "associate": (2, 3, 4),
    "bachelor": (3, 4, 5),
    "graduate": (4, 5),
    "professional": (2, 3, 4, 5),  # certifications and licenses
}
# States and territories the twin places providers in (OEWS publishes employment for all of them).
TWIN_STATES_EXCLUDE = ("GU", "VI", "AS", "MP")


@dataclass
class Pool:
    """Items with cumulative weights, for ``random.choices(items, cum_weights=...)``."""

    items: list
    cum: list[float]

    def pick(self, rng) -> object:
        """One weighted draw."""
        return self.items[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def _pool(items: list, weights: list[float]) -> Pool:
    return Pool(list(items), list(itertools.accumulate(weights)))


@dataclass
class World:
    """Sampling tables derived from the reference data (see module docstring)."""

    states: list[str]
    state_name: dict[str, str]
    state_capital: dict[str, str]
    state_employment: dict[str, int]
    state_pool: Pool
    soc_title: dict[str, str]
    soc_description: dict[str, str]
    soc_zone: dict[str, int]
    soc_pools: dict[tuple[str, str], Pool]
    soc_cips: dict[str, list[str]]
    cip_title: dict[str, str]
    cip_socs: dict[str, list[str]]
    soc_industries: dict[str, Pool]
    naics_title: dict[str, str]
    soc_skills: dict[str, list[str]]
    soc_knowledge: dict[str, list[str]]
    soc_tech: dict[str, list[str]]
    soc_tasks: dict[str, list[tuple[int, str]]]
    element_description: dict[str, str]
    wage_state: dict[tuple[str, str], float]
    wage_national: dict[str, float]
    task_socs: list[str] = field(default_factory=list)


@cache
def load_world() -> World:
    """Build (once per process) the sampling tables from ``ler_analytics.reference``."""
    import polars as pl

    from ler_analytics import reference as ref

    st = ref.states().filter(~pl.col("state_code").is_in(TWIN_STATES_EXCLUDE))
    state_name = dict(zip(st["state_code"], st["state_name"], strict=True))
    state_capital = dict(zip(st["state_code"], st["state_capital"].fill_null(""), strict=True))
    oews = ref.oews_state()
    totals = oews.filter(pl.col("soc_code") == "00-0000").select("state_code", "tot_emp")
    state_employment = {
        s: int(e) for s, e in zip(totals["state_code"], totals["tot_emp"], strict=True) if s in state_name and e
    }
    states = sorted(state_employment)
    state_pool = _pool(states, [state_employment[s] for s in states])

    hier = ref.soc_hierarchy().filter(pl.col("soc_level") == "detailed")
    soc_title = dict(zip(hier["soc_code"], hier["soc_title"], strict=True))
    occ = ref.onet_occupations()
    occ00 = occ.filter(pl.col("onet_soc_code").str.ends_with(".00"))
    soc_description = dict(zip(occ00["soc_code"], occ00["description"], strict=True))
    for soc, title in zip(occ["soc_code"], occ["title"], strict=True):
        soc_title.setdefault(soc, title)

    jz = ref.onet_job_zones().group_by("soc_code").agg(pl.col("job_zone").min())
    soc_zone = dict(zip(jz["soc_code"], jz["job_zone"], strict=True))
    ep = ref.ep_occupations().filter(~pl.col("is_aggregate"))
    edu_zone = {
        "No formal educational credential": 1,
        "High school diploma or equivalent": 2,
        "Postsecondary nondegree award": 3,
        "Some college, no degree": 3,
        "Associate's degree": 3,
        "Bachelor's degree": 4,
        "Master's degree": 5,
        "Doctoral or professional degree": 5,
    }
    for soc, edu in zip(ep["soc_code"], ep["typical_entry_education"], strict=True):
        soc_zone.setdefault(soc, edu_zone.get(edu or "", 3))

    xw = ref.cip_soc_crosswalk().filter(pl.col("soc_code") != "99-9999")
    soc_cips: dict[str, list[str]] = {}
    cip_socs: dict[str, list[str]] = {}
    for cip, soc in zip(xw["cip_code"], xw["soc_code"], strict=True):
        soc_cips.setdefault(soc, []).append(cip)
        cip_socs.setdefault(cip, []).append(soc)
    cips = ref.cip_codes()
    cip_title = dict(zip(cips["cip_code"], cips["cip_title"], strict=True))

    detailed = oews.filter((pl.col("soc_level") == "detailed") & pl.col("tot_emp").is_not_null())
    soc_pools: dict[tuple[str, str], Pool] = {}
    by_state: dict[str, list[tuple[str, int]]] = {}
    for s, soc, emp in zip(detailed["state_code"], detailed["soc_code"], detailed["tot_emp"], strict=True):
        if s in state_employment and soc in soc_cips:
            by_state.setdefault(s, []).append((soc, emp))
    national = ref.oews_national().filter(pl.col("soc_level") == "detailed")
    nat_emp = [
        (soc, emp)
        for soc, emp in zip(national["soc_code"], national["tot_emp"], strict=True)
        if soc in soc_cips and emp
    ]
    for s in states:
        rows = by_state.get(s) or nat_emp
        for level, zones in LEVEL_ZONES.items():
            sel = [(soc, emp) for soc, emp in rows if soc_zone.get(soc, 3) in zones]
            if not sel:
                sel = rows
            # Tempered weights (emp ** 0.8): providers follow demand, but not exactly.
            soc_pools[(s, level)] = _pool([x[0] for x in sel], [float(x[1]) ** 0.8 for x in sel])

    ind = ref.oews_soc_industries()
    soc_industries: dict[str, Pool] = {}
    grouped: dict[str, list[tuple[str, int]]] = {}
    for soc, code, emp in zip(ind["soc_code"], ind["naics_code"], ind["tot_emp"], strict=True):
        grouped.setdefault(soc, []).append((code, emp))
    for soc, rows in grouped.items():
        soc_industries[soc] = _pool([r[0] for r in rows], [float(r[1]) for r in rows])
    naics = ref.naics_codes()
    naics_title = dict(zip(naics["naics_code"], naics["naics_title"], strict=True))
    for code, name in zip(ind["naics_code"], ind["industry_name"], strict=True):
        naics_title.setdefault(code, name)

    def top_names(frame: pl.DataFrame, k: int) -> dict[str, list[str]]:
        f = frame.filter(~pl.col("importance_suppress") & pl.col("importance").is_not_null())
        f = f.sort(["soc_code", "importance"], descending=[False, True]).unique(
            ["soc_code", "element_name"], keep="first", maintain_order=True
        )
        g = f.group_by("soc_code", maintain_order=True).agg(pl.col("element_name").head(k))
        return dict(zip(g["soc_code"], g["element_name"].to_list(), strict=True))

    soc_skills = top_names(ref.onet_skills(), 12)
    soc_knowledge = top_names(ref.onet_knowledge(), 10)
    tech = (
        ref.onet_technology_skills()
        .sort(["soc_code", "hot_technology", "in_demand", "example"], descending=[False, True, True, False])
        .unique(["soc_code", "example"], keep="first", maintain_order=True)
    )
    tg = tech.group_by("soc_code", maintain_order=True).agg(pl.col("example").head(60))
    soc_tech = dict(zip(tg["soc_code"], tg["example"].to_list(), strict=True))
    tasks = ref.onet_task_statements().unique(["soc_code", "task"], keep="first", maintain_order=True)
    tk = tasks.group_by("soc_code", maintain_order=True).agg(pl.col("task_id").head(40), pl.col("task").head(40))
    soc_tasks = {
        soc: list(zip(ids, texts, strict=True))
        for soc, ids, texts in zip(tk["soc_code"], tk["task_id"].to_list(), tk["task"].to_list(), strict=True)
    }
    cm = ref.onet_content_model()
    element_description = dict(zip(cm["element_name"], cm["description"], strict=True))

    wages = detailed.filter(pl.col("a_median").is_not_null())
    wage_state = {
        (s, soc): float(w) for s, soc, w in zip(wages["state_code"], wages["soc_code"], wages["a_median"], strict=True)
    }
    nat = national.filter(pl.col("a_median").is_not_null())
    wage_national = {soc: float(w) for soc, w in zip(nat["soc_code"], nat["a_median"], strict=True)}
    task_socs = sorted(s for s in soc_tasks if s in soc_title)

    return World(
        states=states,
        state_name=state_name,
        state_capital=state_capital,
        state_employment=state_employment,
        state_pool=state_pool,
        soc_title=soc_title,
        soc_description=soc_description,
        soc_zone=soc_zone,
        soc_pools=soc_pools,
        soc_cips=soc_cips,
        cip_title=cip_title,
        cip_socs=cip_socs,
        soc_industries=soc_industries,
        naics_title=naics_title,
        soc_skills=soc_skills,
        soc_knowledge=soc_knowledge,
        soc_tech=soc_tech,
        soc_tasks=soc_tasks,
        element_description=element_description,
        wage_state=wage_state,
        wage_national=wage_national,
        task_socs=task_socs,
    )
