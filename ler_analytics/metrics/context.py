"""Per-snapshot metric context: the core tables, the reference tables and cached derived frames.

Every ``compute_*`` function accepts, as its first argument, a :class:`MetricsContext`, an opened
:class:`~ler_analytics.snapshot.Snapshot`, or a plain mapping of table name → polars frame (handy in
tests and notebooks). Dashboards build the context once and call the metrics per state::

    ctx = MetricsContext.from_snapshot(snap)          # loads the tables once
    ctx.prepare()                                     # optional: precompute joins for every metric
    compute_coverage(ctx, state="CO")                 # each call filters the cached frames

The context caches derived frames (state attribution per rule, the credential fact table, the
credential → SOC links, the transparency presence matrix) keyed by their options, so per-state calls
only filter and aggregate. It does no network I/O; reference tables come from the mapping passed in,
else from the packaged loaders in :mod:`ler_analytics.reference` (read once, on first use).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import polars as pl

from ler_analytics.ctdl.fields import CORE_TABLES, column_names
from ler_analytics.metrics._frames import conform, empty_table, require_columns
from ler_analytics.metrics.attribution import (
    DEFAULT_ONLINE,
    DEFAULT_RULE,
    US_STATES_AND_DC,
    attribute_states,
)

if TYPE_CHECKING:
    from ler_analytics.snapshot import Snapshot

# Columns each metric reads, per core table: from_snapshot reads only these (faster, less memory).
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "credentials": (
        "ctid", "credential_type", "credential_family", "name", "owner_ctid", "offered_by_ctids", "status",
        "delivery_types", "is_available_online", "audience_levels", "has_cost", "has_duration",
        "life_cycle_status", "has_qa", "has_outcome_data", "has_competencies", "record_sha256",
    ),
    "organizations": ("ctid", "organization_type", "name", "agent_types", "state_code", "is_blank_node"),
    "learning_opportunities": (
        "ctid", "learning_opportunity_type", "name", "owner_ctid", "offered_by_ctids", "is_available_online",
        "delivery_types", "audience_levels", "has_cost", "has_duration", "record_sha256",
    ),
    "assessments": (
        "ctid", "name", "owner_ctid", "offered_by_ctids", "is_available_online", "delivery_types",
        "audience_levels", "has_cost", "has_duration", "record_sha256",
    ),
    "locations": ("subject_ctid", "subject_table", "role", "state_code"),
    "alignments": ("subject_ctid", "subject_table", "code_system", "code"),
    "resource_properties": ("ctid", "resource_table", "resource_type", "property", "value_count"),
    "outcomes": ("ctid", "about_ctid"),
}  # fmt: skip

Source: TypeAlias = "MetricsContext | Mapping[str, pl.DataFrame] | Snapshot"
"""What every ``compute_*`` accepts as its first argument."""

LAZY_TABLES: frozenset[str] = frozenset({"resource_properties"})
"""Large tables that ``from_snapshot`` opens lazily: metrics read only the rows they need from them."""

REFERENCE_TABLES: tuple[str, ...] = ("states", "oews_state", "state_openings", "cip_soc_crosswalk", "soc_hierarchy")
"""Reference tables the metrics use (names of :mod:`ler_analytics.reference` loaders)."""


class MetricsContext:
    """Core tables + reference tables + a cache of derived frames, for one snapshot.

    Args:
        tables: core table name → polars frame. Missing tables are treated as empty; missing
            documented columns are added as nulls (so small hand-made frames work).
        reference: reference table name → frame (``states``, ``oews_state``, ``state_openings``,
            ``cip_soc_crosswalk``, ``soc_hierarchy``); any not given is loaded from
            :mod:`ler_analytics.reference` on first use.
        rule: default state-attribution rule (see :mod:`ler_analytics.metrics.attribution`).
        online: default treatment of online-available records (``"local"`` or ``"national"``).
        label: a name for the data in error messages (e.g. the snapshot path).
    """

    def __init__(
        self,
        tables: Mapping[str, pl.DataFrame],
        *,
        reference: Mapping[str, pl.DataFrame] | None = None,
        rule: str = DEFAULT_RULE,
        online: str = DEFAULT_ONLINE,
        label: str = "tables",
    ) -> None:
        self._tables: dict[str, pl.DataFrame] = {}
        for name, frame in tables.items():
            if name in CORE_TABLES and isinstance(frame, pl.DataFrame):
                key = column_names(name)[0]
                require_columns(frame, (key,), what=f"{name} table of {label}")
                self._tables[name] = conform(frame, name).rechunk()
            elif isinstance(frame, pl.DataFrame):
                self._tables[name] = frame
        self._scans: dict[str, pl.LazyFrame] = {}
        self._reference: dict[str, pl.DataFrame] = dict(reference or {})
        self.rule = rule
        self.online = online
        self.label = label
        self._cache: dict[Any, Any] = {}

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def from_snapshot(
        cls,
        snapshot: Snapshot | str,
        *,
        reference: Mapping[str, pl.DataFrame] | None = None,
        rule: str = DEFAULT_RULE,
        online: str = DEFAULT_ONLINE,
    ) -> MetricsContext:
        """Read the tables the metrics need from a built snapshot (only the columns they use).

        Args:
            snapshot: an opened :class:`~ler_analytics.snapshot.Snapshot` or a snapshot path.
            reference: reference frames to use instead of the packaged ones.
            rule: default attribution rule.
            online: default treatment of online-available records.
        """
        from ler_analytics.snapshot import Snapshot, open_snapshot

        snap = snapshot if isinstance(snapshot, Snapshot) else open_snapshot(snapshot)
        built = set(snap.table_names())
        tables: dict[str, pl.DataFrame] = {}
        scans: dict[str, pl.LazyFrame] = {}
        for name, columns in TABLE_COLUMNS.items():
            if name not in built:
                continue
            path = snap.table_path(name)
            available = pl.read_parquet_schema(path)
            wanted = [c for c in columns if c in available]
            if name in LAZY_TABLES:
                key = (column_names(name)[0],)
                require_columns(pl.DataFrame(schema=available), key, what=f"{name} table of {path}")
                scans[name] = pl.scan_parquet(path).select(wanted)
            else:
                tables[name] = pl.read_parquet(path, columns=wanted)
        ctx = cls(tables, reference=reference, rule=rule, online=online, label=str(snap.path))
        ctx._scans.update(scans)
        return ctx

    # ---- access ---------------------------------------------------------------------------------
    def table(self, name: str) -> pl.DataFrame:
        """A core table (empty, with the documented columns, when it was not provided)."""
        if name not in self._tables:
            if name in self._scans:
                self._tables[name] = conform(self._scans.pop(name).collect(), name)
            else:
                self._tables[name] = empty_table(name)
        return self._tables[name]

    def rows(self, name: str, predicate: pl.Expr, columns: list[str]) -> pl.DataFrame:
        """Rows of a core table matching ``predicate`` (read straight from Parquet for lazily opened tables)."""
        if name in self._scans:
            return self._scans[name].filter(predicate).select(columns).collect()
        return self.table(name).filter(predicate).select(columns)

    def ref(self, name: str) -> pl.DataFrame:
        """A reference table: the one passed in, else the packaged loader's frame (cached)."""
        if name not in self._reference:
            from ler_analytics import reference

            loader: Callable[[], pl.DataFrame] | None = getattr(reference, name, None)
            if loader is None:
                raise KeyError(f"unknown reference table {name!r}; known: {', '.join(REFERENCE_TABLES)}")
            self._reference[name] = loader()
        return self._reference[name]

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """Return ``self._cache[key]``, building it with ``build()`` the first time."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def sliced(self, key: tuple[Any, ...], state: str | None, build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """A metric's all-states result (built once with ``build()`` and cached under ``key``), or one state's rows.

        ``build()`` must return a frame with a ``state_code`` column. Per-state calls then cost a
        dictionary look-up: the all-states frame is split by state once and the pieces are cached.
        """
        full = self.cached(key, build)
        if state is None:
            return full

        def split() -> dict[Any, pl.DataFrame]:
            parts = full.partition_by("state_code", as_dict=True, maintain_order=True)
            return {k[0]: part for k, part in parts.items()}

        parts = self.cached(("slices", *key), split)
        return parts.get(state.upper(), full.clear())

    def options(self, rule: str | None, online: str | None) -> tuple[str, str]:
        """Resolve per-call attribution options against the context defaults."""
        return (rule or self.rule, online or self.online)

    def state_universe(self) -> tuple[str, ...]:
        """States an online-available record counts in under ``online="national"`` (50 states + DC)."""
        return US_STATES_AND_DC

    # ---- derived frames -------------------------------------------------------------------------
    def attribution(
        self, table: str = "credentials", *, rule: str | None = None, online: str | None = None
    ) -> pl.DataFrame:
        """``ctid, state_code, basis`` for the records of ``table`` (cached per rule and online option)."""
        rule, online = self.options(rule, online)

        def build() -> pl.DataFrame:
            records = self.table(table)
            require_columns(records, ("ctid", "owner_ctid", "offered_by_ctids", "is_available_online"),
                            what=f"{table} table of {self.label}")
            return attribute_states(
                records,
                self.table("organizations"),
                self.table("locations"),
                rule=rule,
                online=online,
                table=table,
                states=self.state_universe(),
            )

        return self.cached(("attribution", table, rule, online), build)

    def in_state(
        self, frame: pl.DataFrame, state: str | None, *, table: str = "credentials",
        rule: str | None = None, online: str | None = None,
    ) -> pl.DataFrame:
        """Attach ``state_code`` to ``frame`` (keyed by ``ctid``) and, when ``state`` is given, keep that state.

        A record attributed to several states appears once per state; unattributed records carry a
        null ``state_code`` (kept only when ``state`` is None).
        """
        if state is None:
            attr = self.attribution(table, rule=rule, online=online).select("ctid", "state_code")
        else:
            attr = self.state_ctids(state, table=table, rule=rule, online=online)
        return attr.join(frame, on="ctid", how="inner")

    def state_ctids(
        self, state: str, *, table: str = "credentials", rule: str | None = None, online: str | None = None
    ) -> pl.DataFrame:
        """``ctid, state_code`` of the records attributed to one state (from a cached per-state index)."""
        rule, online = self.options(rule, online)

        def build() -> dict[str, pl.DataFrame]:
            attr = self.attribution(table, rule=rule, online=online).filter(pl.col("state_code").is_not_null())
            return {key[0]: part for key, part in attr.select("ctid", "state_code").partition_by(
                "state_code", as_dict=True, maintain_order=True).items()}

        index = self.cached(("state_index", table, rule, online), build)
        code = state.upper()
        if code in index:
            return index[code]
        return pl.DataFrame(schema={"ctid": pl.String, "state_code": pl.String})

    def prepare(self) -> MetricsContext:
        """Precompute the per-snapshot frames the metrics use (default options); returns ``self``.

        Builds the state attribution and its per-state index, the credential facts, occupation link
        sources, estimated openings, the transparency presence matrix, the quality signals, and their
        state-attributed joins. Per-metric all-states results are still built on first use.
        """
        from ler_analytics.metrics import coverage, occupations, quality, transparency

        self.attribution("credentials")
        self.state_ctids("CO")  # builds the per-state index
        coverage.credential_facts(self)
        occupations.link_sources(self)
        occupations.source_socs(self)
        occupations.major_links(self)
        occupations.active_ctids(self)
        occupations.openings(self)
        presence = transparency.presence(self, "credentials")
        quality.signal_frame(self)
        # the state-attributed joins every all-states metric starts from
        rule, online = self.options(None, None)
        coverage.attributed_facts(self, rule, online)
        quality.attributed_signals(self, rule, online)
        transparency._scoped(self, presence, "credentials", None, True, rule, online)
        return self


def as_context(data: MetricsContext | Snapshot | Mapping[str, pl.DataFrame]) -> MetricsContext:
    """The :class:`MetricsContext` for ``data`` (reused when ``data`` is a snapshot seen before).

    Args:
        data: a context, an opened snapshot, or a mapping of table name → frame (reference tables
            may be included in the mapping under their loader names, e.g. ``"state_openings"``).
    """
    if isinstance(data, MetricsContext):
        return data
    if isinstance(data, Mapping):
        tables = {k: v for k, v in data.items() if k in CORE_TABLES}
        reference = {k: v for k, v in data.items() if k not in CORE_TABLES}
        return MetricsContext(tables, reference=reference)
    from ler_analytics.snapshot import Snapshot

    if isinstance(data, Snapshot):
        key = "__metrics_context__"
        if key not in data._cache:
            data._cache[key] = MetricsContext.from_snapshot(data)
        return data._cache[key]
    raise TypeError(
        f"metrics take a MetricsContext, a Snapshot or a mapping of table name -> polars DataFrame, "
        f"not {type(data).__name__}"
    )
