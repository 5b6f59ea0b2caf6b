"""Packaged reference data: loaders, normalised codes and concrete published values."""

from __future__ import annotations

import polars as pl
import pytest

from ler_analytics import reference as ref
from ler_analytics.ctdl.normalize import normalize_cip, normalize_naics, normalize_soc

LOADERS = [
    "states",
    "onet_occupations",
    "onet_skills",
    "onet_knowledge",
    "onet_technology_skills",
    "onet_job_zones",
    "onet_job_zone_reference",
    "onet_related_occupations",
    "onet_alternate_titles",
    "onet_content_model",
    "onet_task_statements",
    "oews_national",
    "oews_state",
    "oews_soc_industries",
    "soc_hierarchy",
    "ep_occupations",
    "cip_codes",
    "cip_soc_crosswalk",
    "naics_codes",
    "state_openings",
]


@pytest.mark.parametrize("name", LOADERS)
def test_every_loader_returns_a_non_empty_cached_frame(name):
    frame = getattr(ref, name)()
    assert isinstance(frame, pl.DataFrame)
    assert frame.height > 0
    assert getattr(ref, name)() is frame  # cached


def test_package_data_is_small():
    total = sum(p.stat().st_size for p in ref.data_dir().glob("*.parquet"))
    assert total < 5_000_000


def test_known_soc_title_and_major_group():
    row = ref.soc_hierarchy().filter(pl.col("soc_code") == "15-1252").row(0, named=True)
    assert row["soc_title"] == "Software Developers"
    assert row["soc_level"] == "detailed"
    assert row["soc_major_group"] == "15-0000"
    assert row["soc_major_group_title"] == "Computer and Mathematical Occupations"


def test_onet_occupation_codes():
    row = ref.onet_occupations().filter(pl.col("onet_soc_code") == "29-1141.00").row(0, named=True)
    assert row["title"] == "Registered Nurses"
    assert row["soc_code"] == "29-1141"


def test_colorado_registered_nurses_employment_and_wage():
    row = ref.oews_state().filter((pl.col("state_code") == "CO") & (pl.col("soc_code") == "29-1141")).row(0, named=True)
    assert row["tot_emp"] == 54490
    assert row["a_median"] == 100260.0
    assert row["is_aggregate"] is False


def test_oews_state_has_all_states_dc_and_pr_and_flags_aggregates():
    st = ref.oews_state()
    codes = set(st["state_code"].unique())
    fifty = set(ref.states().filter(~pl.col("is_territory"))["state_code"])
    assert fifty | {"PR"} <= codes
    assert len(fifty) == 51  # 50 states + DC
    total = st.filter((pl.col("state_code") == "AL") & (pl.col("soc_code") == "00-0000")).row(0, named=True)
    assert total["is_aggregate"] is True and total["tot_emp"] == 2113660


def test_not_released_values_are_null():
    row = ref.oews_state().filter((pl.col("state_code") == "AL") & (pl.col("soc_code") == "11-9039")).row(0, named=True)
    assert row["tot_emp"] is None
    assert row["a_mean"] == 89420.0


def test_cip_soc_crosswalk_pair_and_cip_titles():
    xw = ref.cip_soc_crosswalk()
    assert xw.filter((pl.col("cip_code") == "51.3801") & (pl.col("soc_code") == "29-1141")).height == 1
    cips = ref.cip_codes()
    assert cips.filter(pl.col("cip_code") == "11.0701")["cip_title"].item() == "Computer Science"
    assert cips.filter(pl.col("cip_code") == "01")["cip_digits"].item() == 2


def test_naics_title():
    naics = ref.naics_codes()
    assert (
        naics.filter(pl.col("naics_code") == "541511")["naics_title"].item() == "Custom Computer Programming Services"
    )
    assert naics.filter(pl.col("naics_code") == "31-33")["naics_title"].item() == "Manufacturing"


def test_ep_openings_rate_matches_published_software_developers():
    row = ref.ep_occupations().filter((pl.col("soc_code") == "15-1252") & ~pl.col("is_aggregate")).row(0, named=True)
    assert row["emp_2024_k"] == pytest.approx(1693.8)
    assert row["openings_rate"] == pytest.approx(row["annual_openings_k"] / 1693.8)
    assert row["total_separations_k"] == pytest.approx(88.4)


def test_state_openings_is_the_documented_estimate():
    so = ref.state_openings()
    sub = so.filter(pl.col("state_code") == "IN").filter(pl.col("soc_code").is_in(["15-1252", "29-1141", "47-2111"]))
    got = dict(zip(sub["soc_code"], sub["est_annual_openings"], strict=True))
    # worked check in docs/reference-data.md (Indiana): 961, 3,847, 1,882
    assert round(got["15-1252"]) == 961
    assert round(got["29-1141"]) == 3847
    assert round(got["47-2111"]) == 1882
    assert so["is_estimate"].all()
    assert so["estimate_method"].str.contains("Estimated").all()


def test_industry_staffing_for_nurses_is_hospitals():
    top = ref.oews_soc_industries().filter(pl.col("soc_code") == "29-1141").sort("tot_emp", descending=True)
    assert top["naics_code"][0].startswith("622")


@pytest.mark.parametrize(
    ("loader", "column", "normaliser"),
    [
        ("onet_occupations", "soc_code", lambda v: normalize_soc(v)[0]),
        ("onet_skills", "onet_soc_code", lambda v: normalize_soc(v)[1]),
        ("cip_soc_crosswalk", "cip_code", normalize_cip),
        ("cip_soc_crosswalk", "soc_code", lambda v: normalize_soc(v)[0]),
        ("oews_state", "soc_code", lambda v: normalize_soc(v)[0]),
        ("naics_codes", "naics_code", normalize_naics),
        ("oews_soc_industries", "naics_code", normalize_naics),
    ],
)
def test_codes_are_already_normalised(loader, column, normaliser):
    values = getattr(ref, loader)()[column].drop_nulls().unique().to_list()
    assert values
    assert all(normaliser(v) == v for v in values)


def test_attribution_has_the_onet_notice():
    text = ref.attribution()
    assert "O*NET 29.3 Database by the U.S. Department of Labor, Employment and Training Administration" in text
    assert "CC BY 4.0" in text
    assert "public domain" in text
