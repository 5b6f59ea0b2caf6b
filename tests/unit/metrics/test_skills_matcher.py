"""The competency matcher: methods, confidence, threshold, and its precision/recall on labelled samples."""

from __future__ import annotations

import doctest

import polars as pl
import pytest

import ler_analytics.skills.elements as elements_module
from ler_analytics.skills import METHODS, SkillMatcher, onet_elements
from ler_analytics.skills.evaluate import evaluate, real_sample, twin_sample


@pytest.fixture(scope="module")
def matcher():
    return SkillMatcher(elements=onet_elements())


def _match(matcher, texts, **kw):
    frame = pl.DataFrame({"competency_id": [f"k{i}" for i in range(len(texts))], "text": texts, **kw})
    return matcher.match(frame)


def test_doctests():
    assert doctest.testmod(elements_module).failed == 0


def test_vocabulary(matcher):
    el = matcher.elements
    assert set(el["element_kind"]) == {"skill", "knowledge", "technology"}
    assert el.filter(pl.col("element_kind") == "skill").height == 35
    assert el.filter(pl.col("element_kind") == "knowledge").height == 33
    assert el["element_id"].is_unique().all()


def test_methods_in_order(matcher):
    out = _match(matcher, [
        "Some statement",                                      # explicit code wins over text
        "Troubleshooting: Determining causes of operating errors",
        "Knowledge of mechanical: machines and tools",
        "Use Microsoft Excel in office work",
        "Maintain and repair industrial machinery",            # text only
        "they react quickly",                                  # 'React' the product must not match a verb
    ], coded_notation=["2.B.3.k", None, None, None, None, None])
    by = {r["competency_id"]: r for r in out.iter_rows(named=True)}
    assert (by["k0"]["element_id"], by["k0"]["method"], by["k0"]["confidence"]) == ("2.B.3.k", "explicit_code", 1.0)
    assert (by["k1"]["element_name"], by["k1"]["method"]) == ("Troubleshooting", "element_name")
    assert (by["k2"]["element_name"], by["k2"]["method"]) == ("Mechanical", "element_name")
    assert (by["k3"]["element_name"], by["k3"]["method"]) == ("Microsoft Excel", "technology_name")
    assert by["k4"]["method"] == "tfidf" and 0 < by["k4"]["confidence"] < 1
    assert by["k4"]["element_name"] in {"Repairing", "Equipment Maintenance", "Mechanical"}
    assert "k5" not in by or by["k5"]["element_name"] != "React"
    assert set(out["method"]) <= set(METHODS)


def test_threshold_and_top_k(matcher):
    texts = ["Maintain and repair industrial machinery"]
    loose = _match(SkillMatcher(elements=matcher.elements, threshold=0.0, top_k=3), texts)
    assert loose.height == 3 and loose["confidence"].is_sorted(descending=True)
    strict = _match(SkillMatcher(elements=matcher.elements, threshold=0.99), texts)
    assert strict.height == 0
    with pytest.raises(ValueError, match="threshold"):
        SkillMatcher(elements=matcher.elements, threshold=1.5)
    with pytest.raises(ValueError, match="text"):
        matcher.match(pl.DataFrame({"competency_id": ["a"]}))


def test_unknown_explicit_code_falls_through(matcher):
    out = _match(matcher, ["Troubleshooting: x"], coded_notation=["9.Z.9"])
    assert out["method"].to_list() == ["element_name"]


def test_precision_recall_on_real_sample(matcher):
    """Recorded in docs/skills-and-pathways.md; these floors fail if the matcher gets worse."""
    sample = real_sample()
    assert sample.height == 22 and sample.filter(pl.col("gold").list.len() == 0).height == 2
    res = {r["threshold"]: r for r in evaluate(matcher, sample, thresholds=(0.0, 0.3)).iter_rows(named=True)}
    assert res[0.0]["recall"] >= 0.55          # 12 of 20 labelled statements right at threshold 0
    assert res[0.3]["precision"] >= 0.9        # 7 of 7 predictions right at the default threshold
    assert res[0.3]["recall"] >= 0.3


def test_precision_recall_on_twin_sample(demo_snapshot, matcher):
    sample = twin_sample(demo_snapshot.competencies, matcher.elements)
    assert sample.height > 100
    res = evaluate(matcher, sample, thresholds=(0.3, 0.5)).row(1, named=True)
    assert res["precision"] >= 0.9 and res["recall"] >= 0.95
