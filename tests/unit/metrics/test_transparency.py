"""Transparency metrics with a small custom benchmark and with the packaged one, computed by hand.

Custom benchmark (total weight 6): description (1), cost (2: estimatedCost or has_cost), occupations (1),
qa (2: accreditedBy or approvedBy). Scores in weight units, from conftest.py:
    c1 6 (all)   c2 2 (desc, occ)   c3 3 (desc, has_cost; its approvedBy has 0 values)   c4 3 (cost, occ)
    c5 0         c6 2 (qa)          c7 3 (desc, has_cost)   c8 1 (desc)   c9 6   c10 1 (occ)   c11 2 (desc, occ)
    c12 0
"""

from __future__ import annotations

import polars as pl
import pytest

from ler_analytics.errors import SchemaError
from ler_analytics.metrics import (
    compute_fill_rates,
    compute_provider_todo,
    compute_record_transparency,
    compute_transparency_index,
)
from ler_analytics.metrics.transparency import default_benchmark_path, load_benchmark

from .conftest import ORG, C

BENCH = """class_group,item,label,weight,properties,description
credential,description,Description,1,ceterms:description,
credential,cost,Cost,2,ceterms:estimatedCost|col:has_cost,"cost, any"
credential,occupations,Occupations,1,ceterms:occupationType,
credential,qa,Quality assurance,2,ceterms:accreditedBy|ceterms:approvedBy,
organization,description,Description,1,ceterms:description,
"""

SCORES = {"c1": 6, "c2": 2, "c3": 3, "c4": 3, "c5": 0, "c6": 2, "c7": 3, "c8": 1, "c9": 6, "c10": 1, "c11": 2,
          "c12": 0}


@pytest.fixture()
def bench(tmp_path):
    path = tmp_path / "my_benchmark.csv"
    path.write_text(BENCH)
    return path


def _name(ctid: str) -> str:
    return next(k for k, v in C.items() if v == ctid)


def test_record_scores(hand, bench):
    out = compute_record_transparency(hand, benchmark=bench)
    got = {_name(r["ctid"]): r["transparency_index"] for r in out.iter_rows(named=True)}
    assert got == pytest.approx({k: v / 6 * 100 for k, v in SCORES.items()})
    c2 = out.filter(pl.col("ctid") == C["c2"]).row(0, named=True)
    assert c2["missing_items"] == ["cost", "qa"]
    assert (c2["items_present"], c2["items_total"]) == (2, 4)
    assert c2["provider_ctid"] == ORG["o1"]
    co = compute_record_transparency(hand, benchmark=bench, state="CO")
    assert {_name(c) for c in co["ctid"]} == {"c1", "c2", "c3", "c6", "c8", "c9", "c12"}


def test_index_by_state(hand, bench):
    out = compute_transparency_index(hand, benchmark=bench)
    got = {r["state_code"]: (r["records"], r["transparency_index"]) for r in out.iter_rows(named=True)}
    # CO: c1 c2 c3 c6 c8 c9 c12 = 6+2+3+2+1+6+0 = 20 of 7*6; WY: c2 c7 c8 c10 c11 = 9 of 30; none: c4 c5 = 3 of 12
    assert got["CO"] == (7, pytest.approx(20 / 42 * 100))
    assert got["WY"] == (5, pytest.approx(30.0))
    assert got[None] == (2, pytest.approx(25.0))
    national = compute_transparency_index(hand, benchmark=bench, by=())
    assert national["records"].to_list() == [12]
    assert national["transparency_index"][0] == pytest.approx(sum(SCORES.values()) / 72 * 100)


def test_fill_rates_reconcile_with_index(hand, bench):
    fr = compute_fill_rates(hand, benchmark=bench, state="CO")
    rates = dict(fr.select("item", "fill_rate").iter_rows())
    # CO: description c1 c2 c3 c8 c9; cost c1 c3 c9; occupations c1 c2 c9; qa c1 c6 c9
    assert rates == pytest.approx({"description": 5 / 7, "cost": 3 / 7, "occupations": 3 / 7, "qa": 3 / 7})
    assert fr["item"].to_list() == ["description", "cost", "occupations", "qa"]  # benchmark order
    weighted = (fr["weight"] * fr["fill_rate"]).sum() / fr["weight"].sum() * 100
    idx = compute_transparency_index(hand, benchmark=bench, state="CO")
    assert weighted == pytest.approx(idx["transparency_index"][0])


def test_fill_rates_by_type_and_provider(hand, bench):
    by_type = compute_fill_rates(hand, benchmark=bench, by=["credential_type"])
    cert = by_type.filter((pl.col("credential_type") == "Certificate") & (pl.col("item") == "description"))
    # Certificates: c1 c2 c7 c8 c10 c12 -> description on c1 c2 c7 c8
    assert cert.select("records", "present").row(0) == (6, 4)
    by_provider = compute_fill_rates(hand, benchmark=bench, by=["provider"])
    o2 = by_provider.filter((pl.col("provider_ctid") == ORG["o2"]) & (pl.col("item") == "cost")).row(0, named=True)
    assert (o2["provider_name"], o2["records"], o2["present"]) == ("Cheyenne Tech", 2, 1)  # c7 has cost, c8 not


def test_provider_todo(hand, bench):
    out = compute_provider_todo(hand, benchmark=bench)
    todo = {}
    for r in out.iter_rows(named=True):
        todo.setdefault(r["provider_name"], []).append((r["priority"], r["item"], r["missing"], r["records"]))
    # o1 (c1 c2 c3 c9 c12): qa missing on c2 c3 c12; cost on c2 c12; occupations on c3 c12; description on c12
    assert todo["Front Range College"] == [(1, "qa", 3, 5), (2, "cost", 2, 5), (3, "occupations", 2, 5),
                                           (4, "description", 1, 5)]
    # o2 (c7 c8): qa 2, occupations 2, cost 1 (c8); description never missing -> not listed
    assert todo["Cheyenne Tech"] == [(1, "qa", 2, 2), (2, "occupations", 2, 2), (3, "cost", 1, 2)]
    # o3 (c4 c5 c10): qa 3 (w2), description 3 (w1), cost 2, occupations 1
    assert todo["National Cert Body"] == [(1, "qa", 3, 3), (2, "description", 3, 3), (3, "cost", 2, 3),
                                          (4, "occupations", 1, 3)]
    # o4 (c6): cost (w2) first, then the weight-1 ties in item order
    assert todo["Colorado Board"] == [(1, "cost", 1, 1), (2, "description", 1, 1), (3, "occupations", 1, 1)]
    top1 = compute_provider_todo(hand, benchmark=bench, provider=ORG["o1"], top=1)
    assert top1.select("item", "missing_share").rows() == [("qa", pytest.approx(0.6))]
    co = compute_provider_todo(hand, benchmark=bench, state="CO", provider=ORG["o2"])
    assert co.select("item", "records").rows() == [("cost", 1), ("qa", 1), ("occupations", 1)]  # only c8 is in CO


def test_packaged_benchmark(hand):
    bench = load_benchmark()
    cred = bench.filter(pl.col("class_group") == "credential")
    assert cred.height == 16
    assert cred["weight"].sum() == 21
    assert {"description", "subject_webpage", "owner", "offered_by", "availability", "cost", "duration",
            "competencies", "occupations", "industries", "programs", "quality_assurance", "outcomes", "connections",
            "language", "status"} == set(cred["item"])
    out = compute_record_transparency(hand)
    c9 = out.filter(pl.col("ctid") == C["c9"]).row(0, named=True)
    # c9: description 1, cost 2, duration 1, competencies 2, occupations 2, quality_assurance 2, outcomes 2 = 12/21
    assert c9["transparency_index"] == pytest.approx(12 / 21 * 100)
    assert c9["items_present"] == 7
    assert out.filter(pl.col("ctid") == C["c5"])["transparency_index"][0] == 0
    assert default_benchmark_path().exists()


def test_benchmark_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("class_group,item,label,weight,properties\ncredential,cost,Cost,two,ceterms:estimatedCost\n")
    with pytest.raises(SchemaError, match=r"bad\.csv, line 2: weight 'two' is not a number"):
        load_benchmark(bad)
    bad.write_text("class_group,item,label,weight,properties\ncredential,cost,Cost,1,estimated cost\n")
    with pytest.raises(SchemaError, match="line 2: property token"):
        load_benchmark(bad)
    bad.write_text("class_group,item,label,weight,properties\nwidget,cost,Cost,1,ceterms:estimatedCost\n")
    with pytest.raises(SchemaError, match="class_group 'widget'"):
        load_benchmark(bad)
    bad.write_text("class_group,item,label,weight\ncredential,cost,Cost,1\n")
    with pytest.raises(SchemaError, match="missing column"):
        load_benchmark(bad)
    bad.write_text("class_group,item,label,weight,properties\ncredential,a,A,1,ceterms:name\ncredential,a,A,1,"
                   "ceterms:name\n")
    with pytest.raises(SchemaError, match="line 3: item 'a' appears twice"):
        load_benchmark(bad)
    with pytest.raises(SchemaError, match="does not exist"):
        load_benchmark(tmp_path / "nope.csv")


def test_benchmark_unknown_column_is_reported(hand, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("class_group,item,label,weight,properties\ncredential,x,X,1,col:has_wings\n")
    with pytest.raises(SchemaError, match="has_wings"):
        compute_record_transparency(hand, benchmark=path)


def test_organizations_transparency(hand, bench):
    out = compute_transparency_index(hand, benchmark=bench, table="organizations")
    got = {r["state_code"]: (r["records"], r["transparency_index"]) for r in out.iter_rows(named=True)}
    # only o1 (CO) has a description: CO = o1, o4 -> 50; WY o2 -> 0; o3 no state -> 0
    assert got == {"CO": (2, 50.0), "WY": (1, 0.0), None: (1, 0.0)}
    with pytest.raises(ValueError, match="credential_type"):
        compute_fill_rates(hand, benchmark=bench, table="organizations", by=["credential_type"])
