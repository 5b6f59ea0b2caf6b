"""Regenerate the packaged reference data (`ler_analytics/reference/data/*.parquet`).

Reads the CSV reference files (O*NET 29.3, OEWS May 2025, BLS Employment Projections 2024-34,
NCES CIP 2020 and the CIP-SOC crosswalk, NAICS 2022, US states) and writes compact Parquet (zstd)
with normalised codes and documented column names (see ``docs/reference-data.md``).

Usage::

    python scripts/build_reference.py [--source ../shared/data/reference] [--out ler_analytics/reference/data]

Every code column is normalised with ``ler_analytics.ctdl.normalize`` so the reference tables join
the core tables directly. The script is deterministic: the same inputs give the same table contents.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ler_analytics.ctdl.normalize import normalize_cip, normalize_naics, normalize_soc  # noqa: E402
from ler_analytics.snapshot import atomic_write_bytes  # noqa: E402

DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "reference"
DEFAULT_OUT = REPO / "ler_analytics" / "reference" / "data"
NA_MARKERS = ["-", "—", "", "*", "**", "#"]


def _csv(source: Path, rel: str) -> pl.DataFrame:
    path = source / rel
    if not path.exists():
        raise SystemExit(f"reference file missing: {path} (pass --source pointing at shared/data/reference)")
    return pl.read_csv(path, infer_schema=False)


def _num(col: str, dtype: pl.DataType = pl.Float64) -> pl.Expr:
    """Parse a published numeric string: '-', '—', '#', '*' and blanks become null; '>=$239,200' keeps the number."""
    raw = pl.col(col).str.strip_chars()
    cleaned = raw.str.replace_all(r"[,$>=<]", "")
    return (
        pl.when(raw.is_null() | raw.is_in(NA_MARKERS))
        .then(None)
        .otherwise(cleaned)
        .cast(pl.Float64, strict=False)
        .cast(dtype, strict=False)
        .alias(col)
    )


def _soc(col: str, alias: str = "soc_code") -> pl.Expr:
    return pl.col(col).map_elements(lambda v: normalize_soc(v)[0], return_dtype=pl.String).alias(alias)


def _onet(col: str, alias: str = "onet_soc_code") -> pl.Expr:
    return pl.col(col).map_elements(lambda v: normalize_soc(v)[1], return_dtype=pl.String).alias(alias)


def _cip(col: str, alias: str = "cip_code") -> pl.Expr:
    return pl.col(col).map_elements(normalize_cip, return_dtype=pl.String).alias(alias)


def _major(col: str = "soc_code") -> pl.Expr:
    return (pl.col(col).str.slice(0, 2) + "-0000").alias("soc_major_group")


def _yn(col: str) -> pl.Expr:
    return (pl.col(col).str.to_uppercase() == "Y").alias(col)


def _title(col: str) -> pl.Expr:
    """Strip the trailing full stop NCES puts after every CIP title."""
    return pl.col(col).str.strip_chars().str.strip_chars_end(".")


def build_tables(source: Path) -> dict[str, pl.DataFrame]:
    """Read the source CSVs and return the packaged tables (name -> frame)."""
    t: dict[str, pl.DataFrame] = {}

    # --- states (us package facts) + OEWS availability
    states = _csv(source, "us_states/us_states_fips.csv")
    t["states"] = (
        states.select(
            pl.col("abbr").alias("state_code"),
            pl.col("fips").str.zfill(2).alias("state_fips"),
            pl.col("name").alias("state_name"),
            pl.col("ap_abbr").alias("state_ap_abbr"),
            (pl.col("is_territory") == "True").alias("is_territory"),
            pl.col("capital").alias("state_capital"),
        )
        .filter(pl.col("state_code").is_not_null())
        .unique("state_code", keep="first", maintain_order=True)
        .sort("state_fips")
    )

    # --- SOC hierarchy (OEWS) with major groups
    hier = _csv(source, "bls_oews/oews_occupations_soc_hierarchy.csv").select(
        pl.col("soc_code"), pl.col("occupation_name").alias("soc_title"), pl.col("soc_level")
    )
    majors = hier.filter(pl.col("soc_level") == "major").select(
        pl.col("soc_code").alias("soc_major_group"), pl.col("soc_title").alias("soc_major_group_title")
    )
    hier = hier.with_columns(_major()).join(majors, on="soc_major_group", how="left")
    hier = hier.with_columns(
        pl.when(pl.col("soc_level") == "total").then(None).otherwise(pl.col("soc_major_group")).alias("soc_major_group")
    )
    t["soc_hierarchy"] = hier.sort("soc_code")
    levels = hier.select("soc_code", "soc_level")

    # --- O*NET
    occ = _csv(source, "onet/occupation_data.csv")
    t["onet_occupations"] = (
        occ.select(_onet("onetsoc_code"), _soc("onetsoc_code"), pl.col("title"), pl.col("description"))
        .with_columns(_major())
        .sort("onet_soc_code")
    )
    for name, rel in (("onet_skills", "onet/skills.csv"), ("onet_knowledge", "onet/knowledge.csv")):
        frame = _csv(source, rel)
        t[name] = frame.select(
            _onet("onetsoc_code"),
            _soc("onetsoc_code"),
            pl.col("element_id"),
            pl.col("element_name"),
            _num("importance"),
            _num("level"),
            _num("n", pl.Int64),
            _yn("importance_suppress"),
            _yn("level_suppress"),
            _yn("not_relevant"),
        ).sort("onet_soc_code", "element_id")
    tech = _csv(source, "onet/technology_skills.csv")
    t["onet_technology_skills"] = tech.select(
        _onet("onetsoc_code"),
        _soc("onetsoc_code"),
        pl.col("example"),
        pl.col("commodity_code"),
        pl.col("commodity_title"),
        _yn("hot_technology"),
        _yn("in_demand"),
    ).sort("onet_soc_code", "example")
    jz_ref = _csv(source, "onet/job_zone_reference.csv").select(
        _num("job_zone", pl.Int64),
        pl.col("name").alias("job_zone_name"),
        pl.col("education").alias("job_zone_education"),
        pl.col("experience").alias("job_zone_experience"),
        pl.col("job_training").alias("job_zone_training"),
        pl.col("svp_range").alias("job_zone_svp_range"),
    )
    t["onet_job_zone_reference"] = jz_ref.sort("job_zone")
    jz = _csv(source, "onet/job_zones.csv").select(
        _onet("onetsoc_code"), _soc("onetsoc_code"), _num("job_zone", pl.Int64)
    )
    t["onet_job_zones"] = jz.join(jz_ref.select("job_zone", "job_zone_name"), on="job_zone", how="left").sort(
        "onet_soc_code"
    )
    rel = _csv(source, "onet/related_occupations.csv")
    t["onet_related_occupations"] = rel.select(
        _onet("onetsoc_code"),
        _onet("related_onetsoc_code", "related_onet_soc_code"),
        pl.col("relatedness_tier"),
        _num("rank", pl.Int64),
    ).sort("onet_soc_code", "rank")
    alt = _csv(source, "onet/alternate_titles.csv")
    t["onet_alternate_titles"] = alt.select(
        _onet("onetsoc_code"), _soc("onetsoc_code"), pl.col("alternate_title"), pl.col("short_title")
    ).sort("onet_soc_code", "alternate_title")
    tasks = _csv(source, "onet/task_statements.csv")
    t["onet_task_statements"] = tasks.select(
        _onet("onetsoc_code"),
        _soc("onetsoc_code"),
        _num("task_id", pl.Int64),
        pl.col("task"),
        pl.col("task_type"),
    ).sort("onet_soc_code", "task_id")
    t["onet_content_model"] = _csv(source, "onet/content_model_reference.csv").select(
        "element_id", "element_name", "description"
    )

    # --- OEWS national and state
    wage_cols = ["h_mean", "a_mean", "h_median", "a_pct10", "a_pct25", "a_median", "a_pct75", "a_pct90"]
    nat = _csv(source, "bls_oews/oews_2025_national.csv")
    t["oews_national"] = (
        nat.select(
            _soc("soc_code"),
            _num("tot_emp", pl.Int64),
            _num("emp_prse"),
            *[_num(c) for c in wage_cols],
            pl.col("footnotes").fill_null(""),
        )
        .with_columns(pl.col("footnotes").str.contains("5").alias("wage_top_coded"))
        .join(levels, on="soc_code", how="left")
        .with_columns(_major(), (pl.col("soc_level") != "detailed").alias("is_aggregate"))
        .sort("soc_code")
    )
    fips = t["states"].select("state_fips", "state_code")
    st = _csv(source, "bls_oews/oews_2025_state.csv")
    t["oews_state"] = (
        st.select(
            pl.col("state_fips").str.zfill(2),
            _soc("soc_code"),
            _num("tot_emp", pl.Int64),
            _num("a_mean"),
            _num("a_median"),
            _num("a_pct10"),
            _num("a_pct25"),
            _num("a_pct75"),
            _num("a_pct90"),
            _num("h_median"),
            _num("jobs_1000"),
            _num("loc_quotient"),
            pl.col("footnotes").fill_null(""),
        )
        .join(fips, on="state_fips", how="left")
        .join(levels, on="soc_code", how="left")
        .with_columns(
            _major(),
            (pl.col("soc_level") != "detailed").alias("is_aggregate"),
            pl.col("footnotes").str.contains("5").alias("wage_top_coded"),
        )
        .select(
            "state_code",
            "state_fips",
            "soc_code",
            "soc_level",
            "soc_major_group",
            "is_aggregate",
            "tot_emp",
            "a_mean",
            "a_median",
            "a_pct10",
            "a_pct25",
            "a_pct75",
            "a_pct90",
            "h_median",
            "jobs_1000",
            "loc_quotient",
            "wage_top_coded",
            "footnotes",
        )
        .sort("state_code", "soc_code")
    )
    # Top industries per detailed SOC (national staffing patterns, 4-digit NAICS): used by the
    # Registry twin for coherent industryType alignments and by industry-inferred occupation metrics.
    ind = _csv(source, "bls_oews/oews_2025_national_by_industry.csv")
    ind = (
        ind.filter((pl.col("industry_level") == "4") & ~pl.col("naics_prefix").str.starts_with("99"))
        .select(
            _soc("soc_code"),
            pl.col("naics_prefix").alias("naics_code"),
            pl.col("industry_name"),
            _num("tot_emp", pl.Int64),
        )
        .join(levels, on="soc_code", how="left")
        .filter((pl.col("soc_level") == "detailed") & pl.col("tot_emp").is_not_null())
        .drop("soc_level")
        .group_by("soc_code", "naics_code", maintain_order=True)  # OEWS splits some industries by ownership
        .agg(pl.col("industry_name").first(), pl.col("tot_emp").sum())
    )
    ind = ind.with_columns((pl.col("tot_emp") / pl.col("tot_emp").sum().over("soc_code")).alias("share_of_soc_emp"))
    t["oews_soc_industries"] = (
        ind.sort(["soc_code", "tot_emp"], descending=[False, True])
        .group_by("soc_code", maintain_order=True)
        .head(8)
        .with_columns(pl.col("naics_code").map_elements(normalize_naics, return_dtype=pl.String))
    )

    # --- BLS Employment Projections 2024-34
    ep = _csv(source, "bls_ep/ep_2024_34_occupational_projections.csv")
    sep = _csv(source, "bls_ep/ep_2024_34_separations_openings.csv")
    ep_t = ep.select(
        _soc("soc_code"),
        pl.col("occ_title").str.strip_chars().alias("soc_title"),
        (pl.col("occ_type") != "Line item").alias("is_aggregate"),
        _num("emp_2024_k"),
        _num("emp_2034_k"),
        _num("emp_change_k"),
        _num("emp_change_pct"),
        _num("pct_self_employed_2024"),
        _num("annual_openings_k"),
        _num("median_annual_wage_2024"),
        pl.col("median_annual_wage_2024").str.starts_with(">=").fill_null(False).alias("wage_top_coded"),
        pl.col("typical_entry_education").replace({"—": None}),
        pl.col("work_experience").replace({"—": None}),
        pl.col("typical_ojt").replace({"—": None}),
    )
    sep_t = sep.select(
        _soc("soc_code"),
        (pl.col("occ_type") != "Line item").alias("_agg"),
        _num("labor_force_exit_rate"),
        _num("occupational_transfer_rate"),
        _num("total_separations_rate"),
        _num("labor_force_exits_k"),
        _num("occupational_transfers_k"),
        _num("total_separations_k"),
    )
    ep_t = ep_t.join(sep_t, left_on=["soc_code", "is_aggregate"], right_on=["soc_code", "_agg"], how="left")
    t["ep_occupations"] = (
        ep_t.with_columns(
            _major(),
            (pl.col("annual_openings_k") / pl.col("emp_2024_k")).alias("openings_rate"),
        )
        .unique(subset=["soc_code", "is_aggregate"], keep="first", maintain_order=True)
        .sort("soc_code", "is_aggregate")
    )

    # --- NCES CIP 2020 and the CIP-SOC crosswalk
    cip = _csv(source, "nces_cip/cip2020_codes.csv")
    level_map = {"family(2-digit)": 2, "series(4-digit)": 4, "detailed(6-digit)": 6}
    t["cip_codes"] = cip.select(
        _cip("cip_code"),
        pl.col("cip_family").str.zfill(2).alias("cip_family"),
        pl.col("level").replace_strict(level_map, return_dtype=pl.Int64).alias("cip_digits"),
        _title("cip_title").alias("cip_title"),
        pl.col("cip_definition"),
        pl.col("action_2010_to_2020"),
    ).sort("cip_code")
    xw = _csv(source, "nces_cip/cip2020_soc2018_crosswalk.csv")
    t["cip_soc_crosswalk"] = (
        xw.select(
            _cip("cip2020_code"),
            _title("cip2020_title").alias("cip_title"),
            _soc("soc2018_code"),
            pl.col("soc2018_title").alias("soc_title"),
        )
        .with_columns(_major())
        .sort("cip_code", "soc_code")
    )

    # --- NAICS 2022
    naics = _csv(source, "naics/naics_2022_codes.csv")
    t["naics_codes"] = naics.select(
        pl.col("naics_code").map_elements(normalize_naics, return_dtype=pl.String),
        pl.col("naics_title"),
        _num("digits", pl.Int64).alias("naics_digits"),
        pl.col("level").alias("naics_level"),
    ).sort("naics_code")
    return t


def write_tables(tables: dict[str, pl.DataFrame], out: Path) -> dict[str, int]:
    """Write each table as ``<out>/<name>.parquet`` (zstd, statistics off for size); return byte sizes."""
    sizes: dict[str, int] = {}
    for name, frame in sorted(tables.items()):
        buf = io.BytesIO()
        frame.write_parquet(buf, compression="zstd", compression_level=19, statistics=False)
        data = buf.getvalue()
        atomic_write_bytes(out / f"{name}.parquet", data)
        sizes[name] = len(data)
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    tables = build_tables(args.source)
    sizes = write_tables(tables, args.out)
    total = 0
    for name, size in sizes.items():
        total += size
        print(f"{name:28s} {tables[name].height:>7d} rows {size / 1024:>8.1f} KiB")
    print(f"{'total':28s} {'':>7s}      {total / 1024:>8.1f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
