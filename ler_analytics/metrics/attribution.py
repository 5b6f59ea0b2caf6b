"""State attribution: which US state(s) a credential (or course, assessment) counts towards.

A Registry record does not carry "its state". We derive it from three kinds of evidence, each a
*rule* you can choose:

``provider_address`` (single attribution)
    The state of the owning organization's first US address (``credentials.owner_ctid`` →
    ``organizations.state_code``). Every record gets at most one state, so per-state counts plus the
    unattributed count add up to the national total. Use it for maps and league tables.
``offered_by``
    The states of the organizations that offer it (``offered_by_ctids`` → ``organizations.state_code``).
``available_at``
    The states of the places where it is available (``locations`` rows with ``role = "availableAt"``).
``any`` (default)
    The union of the three, as Credential Engine's own state filter treats them (a credential is
    "in" a state when any of them points there). A record can count in several states.

``online`` decides what happens to records available online (``is_available_online``):
``"local"`` (default) attributes them by the rule only; ``"national"`` also counts them in every
state (50 states + DC), which is what a learner sees, but inflates every state's count by the
same national offer.

The output of :func:`attribute_states` is a long frame ``ctid, state_code, basis`` with one row per
record × state (``state_code`` null for records the rule cannot place), which the metric modules
join to. ``basis`` is ``"rule"`` when the rule placed the record in that state, ``"online"`` when
it is there only because it is available online nationally, and ``"unattributed"`` on the null-state
row of a record that nothing places.
"""

from __future__ import annotations

import polars as pl

from ler_analytics.metrics._frames import check_choice

RULES: tuple[str, ...] = ("any", "provider_address", "offered_by", "available_at")
"""Attribution rules, default first."""

ONLINE_OPTIONS: tuple[str, ...] = ("local", "national")
"""How online-available records are attributed, default first."""

SINGLE_ATTRIBUTION_RULE = "provider_address"
"""The rule under which each record counts in at most one state (per-state counts sum to the total)."""

DEFAULT_RULE = "any"
DEFAULT_ONLINE = "local"

US_STATES_AND_DC: tuple[str, ...] = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
    "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
)  # fmt: skip
"""The 50 states and DC: the states an online-available record counts in under ``online="national"``."""

ATTRIBUTION_SCHEMA: dict[str, pl.DataType] = {"ctid": pl.String(), "state_code": pl.String(), "basis": pl.String()}


def describe_rule(rule: str = DEFAULT_RULE, online: str = DEFAULT_ONLINE) -> str:
    """A one-sentence description of an attribution rule, for chart captions.

    Args:
        rule: one of :data:`RULES`.
        online: one of :data:`ONLINE_OPTIONS`.
    """
    check_choice("rule", rule, RULES)
    check_choice("online", online, ONLINE_OPTIONS)
    text = {
        "any": "a credential counts in a state when its owner's address, an offering organization's address "
        "or a place where it is available is in that state (it can count in several states)",
        "provider_address": "a credential counts in the state of its owning organization's address "
        "(one state at most; per-state counts sum to the national total)",
        "offered_by": "a credential counts in the states of the organizations that offer it",
        "available_at": "a credential counts in the states of the places where it is available",
    }[rule]
    if online == "national":
        text += "; credentials available online also count in every state"
    return text[0].upper() + text[1:] + "."


def attribute_states(
    records: pl.DataFrame,
    organizations: pl.DataFrame,
    locations: pl.DataFrame,
    *,
    rule: str = DEFAULT_RULE,
    online: str = DEFAULT_ONLINE,
    table: str = "credentials",
    states: tuple[str, ...] = US_STATES_AND_DC,
) -> pl.DataFrame:
    """Attribute records to US states.

    Args:
        records: a core table with ``ctid``, ``owner_ctid``, ``offered_by_ctids`` and
            ``is_available_online`` (credentials, learning_opportunities or assessments).
        organizations: the ``organizations`` table (``ctid``, ``state_code``).
        locations: the ``locations`` table (``subject_ctid``, ``subject_table``, ``role``, ``state_code``).
        rule: one of :data:`RULES` (see the module docstring).
        online: ``"local"`` or ``"national"`` (see the module docstring).
        table: the core table ``records`` comes from (selects its ``locations`` rows).
        states: the states an online-available record is added to under ``online="national"``.

    Returns:
        ``ctid, state_code, basis``: one row per record and state, distinct, in no particular order; a
        record the rule cannot place has one row with a null ``state_code`` (unless ``online="national"``
        places it).
    """
    check_choice("rule", rule, RULES)
    check_choice("online", online, ONLINE_OPTIONS)
    base = records.select("ctid", "owner_ctid", "offered_by_ctids", "is_available_online").unique("ctid")
    org_state = organizations.select(pl.col("ctid").alias("org_ctid"), "state_code").filter(
        pl.col("state_code").is_not_null()
    ).unique("org_ctid")
    parts: list[pl.DataFrame] = []
    if rule in ("provider_address", "any"):
        parts.append(
            base.select("ctid", pl.col("owner_ctid").alias("org_ctid"))
            .join(org_state, on="org_ctid", how="inner")
            .select("ctid", "state_code")
        )
    if rule in ("offered_by", "any"):
        parts.append(
            base.select("ctid", pl.col("offered_by_ctids").alias("org_ctid"))
            .explode("org_ctid")
            .join(org_state, on="org_ctid", how="inner")
            .select("ctid", "state_code")
        )
    if rule in ("available_at", "any"):
        parts.append(
            locations.filter(
                (pl.col("subject_table") == table)
                & (pl.col("role") == "availableAt")
                & pl.col("state_code").is_not_null()
            ).select(pl.col("subject_ctid").alias("ctid"), "state_code")
        )
    placed = (
        pl.concat([p.cast({"state_code": pl.String}) for p in parts])
        .join(base.select("ctid"), on="ctid", how="semi")
        .unique()
        .with_columns(pl.lit("rule").alias("basis"))
    )
    if online == "national":
        online_ctids = base.filter(pl.col("is_available_online").fill_null(False)).select("ctid")
        national = online_ctids.join(pl.DataFrame({"state_code": list(states)}), how="cross").join(
            placed.select("ctid", "state_code"), on=["ctid", "state_code"], how="anti"
        )
        placed = pl.concat([placed, national.with_columns(pl.lit("online").alias("basis"))])
    unplaced = (
        base.select("ctid")
        .join(placed.select("ctid"), on="ctid", how="anti")
        .with_columns(pl.lit(None, dtype=pl.String).alias("state_code"), pl.lit("unattributed").alias("basis"))
    )
    return pl.concat([placed.select(list(ATTRIBUTION_SCHEMA)), unplaced.select(list(ATTRIBUTION_SCHEMA))])
