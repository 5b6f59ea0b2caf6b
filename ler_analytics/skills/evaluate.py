"""Precision and recall of the competency → O*NET matcher on labelled samples.

Two samples:

* ``real_sample()``: 22 competency statements from public CTDL records and examples
  (``skills/data/real_sample.csv``, sources listed per row), each labelled by hand with the set of
  O*NET elements a reviewer would accept (an empty set means "no skill or knowledge element fits").
* ``twin_sample(snapshot)``: the Registry twin's competencies, labelled from the templates the twin
  generator writes them with ("<Skill>: <description>", "Knowledge of <area>: ...", "Use <software> in
  ... work" → that element; the "Skills for ..." / "Knowledge for ..." / "Tasks for ..." headings → no
  element; task statements are left unlabelled). Because the twin builds statements from O*NET
  names, this sample mostly checks the rule-based methods; the real sample checks text matching.

A prediction is the matcher's best match for a statement (highest method, then confidence). It is
correct when its element is in the statement's accepted set. Precision = correct / predictions;
recall = correct / statements that have an accepted element.
"""

from __future__ import annotations

import re
from importlib import resources

import polars as pl

from ler_analytics.skills.matcher import METHODS, SkillMatcher

SAMPLE_SCHEMA: dict[str, pl.DataType] = {
    "sample_id": pl.String(), "text": pl.String(), "gold": pl.List(pl.String()), "source": pl.String(),
}  # fmt: skip


def real_sample() -> pl.DataFrame:
    """The hand-labelled sample of real CTDL competency statements."""
    path = resources.files("ler_analytics.skills") / "data" / "real_sample.csv"
    raw = pl.read_csv(path.read_bytes(), schema_overrides={"gold_element_ids": pl.String})
    return raw.select(
        "sample_id",
        "text",
        pl.col("gold_element_ids").fill_null("").str.split(" ").list.eval(pl.element().filter(pl.element() != ""))
        .alias("gold"),
        "source",
    )


def twin_sample(competencies: pl.DataFrame, elements: pl.DataFrame) -> pl.DataFrame:
    """Label the twin's competencies from the generator's templates (see the module docstring).

    Args:
        competencies: the ``competencies`` table of a twin snapshot (``ctid``, ``text``).
        elements: ``skills.onet_elements()``.
    """
    sk = elements.filter(pl.col("element_kind") != "technology")
    by_name = {n.lower(): i for i, n in sk.select("element_id", "element_name").iter_rows()}
    tech = {n: i for i, n in elements.filter(pl.col("element_kind") == "technology").select(
        "element_id", "element_name").iter_rows()}
    rows = []
    for ctid, text in competencies.select("ctid", "text").drop_nulls().iter_rows():
        gold: list[str] | None = None
        if re.match(r"^(Skills|Knowledge|Technology|Tasks) for ", text):
            gold = []
        elif m := re.match(r"^Knowledge of ([^:]+):", text):
            gold = [by_name[m.group(1).lower()]] if m.group(1).lower() in by_name else None
        elif m := re.match(r"^([^:]+):", text):
            gold = [by_name[m.group(1).lower()]] if m.group(1).lower() in by_name else None
        elif m := re.match(r"^Use (.+) in .+ work$", text):
            gold = [tech[m.group(1)]] if m.group(1) in tech else None
        if gold is not None:
            rows.append((ctid, text, gold, "twin"))
    return pl.DataFrame(rows, schema=SAMPLE_SCHEMA, orient="row")


def evaluate(matcher: SkillMatcher, sample: pl.DataFrame, *, thresholds: tuple[float, ...] | None = None
             ) -> pl.DataFrame:
    """Precision and recall of ``matcher`` on ``sample`` at each threshold (default: the matcher's own).

    Returns:
        ``threshold, statements, labelled, predictions, correct, precision, recall`` and the number of
        predictions per method.
    """
    base = SkillMatcher(elements=matcher.elements, threshold=0.0, top_k=1, use_tfidf=matcher.use_tfidf)
    matches = base.match(sample.rename({"sample_id": "competency_id"}))
    order = {m: i for i, m in enumerate(METHODS)}
    best = (
        matches.with_columns(pl.col("method").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort("competency_id", "_o", pl.col("confidence"), descending=[False, False, True])
        .unique("competency_id", keep="first", maintain_order=True)
        .rename({"competency_id": "sample_id"})
    )
    joined = sample.join(best, on="sample_id", how="left").with_columns(
        pl.col("gold").list.contains(pl.col("element_id")).fill_null(False).alias("correct")
    )
    labelled = joined.filter(pl.col("gold").list.len() > 0).height
    out = []
    for t in thresholds or (matcher.threshold,):
        pred = joined.filter(pl.col("confidence") >= t)
        correct = int(pred["correct"].sum())
        row = {
            "threshold": t,
            "statements": sample.height,
            "labelled": labelled,
            "predictions": pred.height,
            "correct": correct,
            "precision": correct / pred.height if pred.height else None,
            "recall": correct / labelled if labelled else None,
        }
        for method in METHODS:
            row[f"n_{method}"] = pred.filter(pl.col("method") == method).height
        out.append(row)
    return pl.DataFrame(out)
