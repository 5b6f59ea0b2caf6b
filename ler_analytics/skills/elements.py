"""The O*NET vocabulary competencies are matched to: skills (2.A, 2.B), knowledge (2.C), technology examples."""

from __future__ import annotations

import re

import polars as pl

ELEMENT_SCHEMA: dict[str, pl.DataType] = {
    "element_id": pl.String(), "element_name": pl.String(), "element_kind": pl.String(), "text": pl.String(),
}  # fmt: skip

_CATEGORIES = {
    "2.A": "Basic skills",
    "2.B.1": "Social skills",
    "2.B.2": "Complex problem solving skills",
    "2.B.3": "Technical skills",
    "2.B.4": "Systems skills",
    "2.B.5": "Resource management skills",
}


def element_category(element_id: str, content_model: pl.DataFrame | None = None) -> str:
    """Dashboard category of an element: its O*NET content-model group (``2.A`` basic skills, ``2.C.x`` domain).

    Examples:
        >>> element_category("2.B.3.k")
        'Technical skills'
        >>> element_category("T:Microsoft Excel")
        'Technology'
    """
    if element_id.startswith("T:"):
        return "Technology"
    for prefix in sorted(_CATEGORIES, key=len, reverse=True):
        if element_id.startswith(prefix + ".") or element_id == prefix:
            return _CATEGORIES[prefix]
    if element_id.startswith("2.C."):
        group = ".".join(element_id.split(".")[:3])
        if content_model is not None:
            hit = content_model.filter(pl.col("element_id") == group)
            if hit.height:
                return f"Knowledge: {hit['element_name'][0]}"
        return f"Knowledge {group}"
    return "Other"


def technology_id(example: str) -> str:
    """Element id of a technology example: ``T:`` + the example name with spaces collapsed."""
    return "T:" + re.sub(r"\s+", " ", example.strip())


def onet_elements(
    *,
    skills: pl.DataFrame | None = None,
    knowledge: pl.DataFrame | None = None,
    content_model: pl.DataFrame | None = None,
    technology: pl.DataFrame | None = None,
    include_technology: bool = True,
) -> pl.DataFrame:
    """Every O*NET skill, knowledge area and (optionally) technology example, with text to match on.

    Args:
        skills: ``reference.onet_skills()`` (loaded when None).
        knowledge: ``reference.onet_knowledge()`` (loaded when None).
        content_model: ``reference.onet_content_model()`` for descriptions (loaded when None).
        technology: ``reference.onet_technology_skills()`` (loaded when None and ``include_technology``).
        include_technology: add one element per distinct technology example (``T:<example>``).

    Returns:
        ``element_id, element_name, element_kind`` (``skill`` | ``knowledge`` | ``technology``), ``text``.
    """
    from ler_analytics import reference

    skills = reference.onet_skills() if skills is None else skills
    knowledge = reference.onet_knowledge() if knowledge is None else knowledge
    content_model = reference.onet_content_model() if content_model is None else content_model
    parts = []
    for frame, kind in ((skills, "skill"), (knowledge, "knowledge")):
        names = frame.select("element_id", "element_name").unique("element_id")
        parts.append(names.with_columns(pl.lit(kind).alias("element_kind")))
    base = pl.concat(parts).join(content_model.select("element_id", "description"), on="element_id", how="left")
    base = base.with_columns(
        pl.concat_str([pl.col("element_name"), pl.col("element_name"), pl.col("description").fill_null("")],
                      separator=". ").alias("text")
    ).select(list(ELEMENT_SCHEMA))
    if not include_technology:
        return base.sort("element_id")
    technology = reference.onet_technology_skills() if technology is None else technology
    tech = (
        technology.group_by("example")
        .agg(pl.col("commodity_title").first())
        .select(
            pl.col("example").map_elements(technology_id, return_dtype=pl.String).alias("element_id"),
            pl.col("example").alias("element_name"),
            pl.lit("technology").alias("element_kind"),
            pl.concat_str([pl.col("example"), pl.col("commodity_title").fill_null("")], separator=". ").alias("text"),
        )
        .unique("element_id")
    )
    return pl.concat([base, tech.cast(ELEMENT_SCHEMA)]).sort("element_id")  # type: ignore[arg-type]
