"""Resolve CTIDs found in LERs: against a snapshot (offline, the default) or the live Registry (opt-in).

Offline, :class:`SnapshotResolver` looks CTIDs up in a built snapshot's core tables. Live,
:func:`fetch_live_snapshot` asks the Registry for the graphs of the given CTIDs *only* (nothing else
from the LER is ever sent), stores them as a small snapshot and builds it, so the same offline code
explains them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ler_analytics.ctdl.normalize import is_ctid, normalize_ctid
from ler_analytics.errors import SnapshotError
from ler_analytics.log import get_logger

if TYPE_CHECKING:
    import polars as pl

    from ler_analytics.ler.links import Link
    from ler_analytics.snapshot import Snapshot

log = get_logger(__name__)

DEPRECATED_STATUSES = frozenset({"Deprecated", "Ceased", "Suspended", "Revoked"})
"""Credential status / life-cycle values that mean the target should no longer be linked to."""

# table -> (type column or fixed type, name column(s))
_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "credentials": ("credential_type", ("name",)),
    "learning_opportunities": ("learning_opportunity_type", ("name",)),
    "assessments": ("=AssessmentProfile", ("name",)),
    "organizations": ("organization_type", ("name",)),
    "competency_frameworks": ("=CompetencyFramework", ("name",)),
    "competencies": ("=Competency", ("label", "text")),
    "pathways": ("=Pathway", ("name",)),
    "pathway_components": ("component_type", ("name",)),
    "transfer_values": ("=TransferValueProfile", ("name",)),
    "other_resources": ("resource_type", ("name",)),
}


@dataclass(frozen=True)
class Resolved:
    """A CTID found in a snapshot.

    Attributes:
        ctid: the CTID. table: the core table holding it. ctdl_type: CTDL class local name.
        name: name (or competency label/text). owner_ctid: owning organization, when known.
        status: credential status (credentials only). life_cycle_status: life-cycle status, when known.
        deprecated: True when status or life-cycle status says the record is deprecated/ceased.
    """

    ctid: str
    table: str
    ctdl_type: str | None
    name: str | None
    owner_ctid: str | None
    status: str | None
    life_cycle_status: str | None
    deprecated: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return asdict(self)


def _safe_table(snap: Snapshot, name: str) -> pl.DataFrame | None:
    try:
        return snap.table(name)
    except SnapshotError:
        return None


class SnapshotResolver:
    """Look CTIDs up in a built snapshot (no network).

    Args:
        snap: an opened :class:`~ler_analytics.snapshot.Snapshot` (tables built).

    Example:
        >>> r = SnapshotResolver(open_snapshot("data/demo"))  # doctest: +SKIP
        >>> r.resolve("ce-…")  # doctest: +SKIP
    """

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        self._index: dict[str, Resolved] | None = None

    @property
    def index(self) -> dict[str, Resolved]:
        """CTID -> :class:`Resolved` over every table of the snapshot (built on first use)."""
        if self._index is None:
            self._index = self._build_index()
        return self._index

    def _build_index(self) -> dict[str, Resolved]:
        index: dict[str, Resolved] = {}
        for table, (type_col, name_cols) in _TABLES.items():
            frame = _safe_table(self.snap, table)
            if frame is None or frame.is_empty() or "ctid" not in frame.columns:
                continue
            cols = frame.columns
            ctids = frame.get_column("ctid").to_list()
            types = (
                [type_col[1:]] * len(ctids) if type_col.startswith("=")
                else frame.get_column(type_col).to_list() if type_col in cols else [None] * len(ctids)
            )
            names_by_col = [frame.get_column(c).to_list() for c in name_cols if c in cols]
            owners = frame.get_column("owner_ctid").to_list() if "owner_ctid" in cols else [None] * len(ctids)
            statuses = frame.get_column("status").to_list() if "status" in cols else [None] * len(ctids)
            cycles = (
                frame.get_column("life_cycle_status").to_list() if "life_cycle_status" in cols else [None] * len(ctids)
            )
            for i, ctid in enumerate(ctids):
                if not ctid or ctid in index:
                    continue
                name = next((col[i] for col in names_by_col if col[i]), None)
                index[ctid] = Resolved(
                    ctid=ctid,
                    table=table,
                    ctdl_type=types[i],
                    name=name,
                    owner_ctid=owners[i],
                    status=statuses[i],
                    life_cycle_status=cycles[i],
                    deprecated=(statuses[i] in DEPRECATED_STATUSES) or (cycles[i] in DEPRECATED_STATUSES),
                )
        return index

    def resolve(self, ctid: str | None) -> Resolved | None:
        """The snapshot record for a CTID (any case, or a Registry URI), else None."""
        key = normalize_ctid(ctid) if ctid else None
        return self.index.get(key) if key else None

    def resolve_many(self, ctids: Iterable[str | None]) -> dict[str, Resolved | None]:
        """Resolve several CTIDs; unknown ones map to None."""
        return {c: self.resolve(c) for c in ctids if c}

    def organization_name(self, ctid: str | None) -> str | None:
        """Name of an organization (or any resource) by CTID, when in the snapshot."""
        found = self.resolve(ctid)
        return found.name if found else None


def resolve_links(links: list[Link], resolver: SnapshotResolver) -> pl.DataFrame:
    """One row per link with its resolution: ``resolution`` is ``resolved``, ``not_found`` or ``no_ctid``.

    Columns: pattern, ctid, uri, path, achievement_path, property, uri_kind, resolution, table,
    ctdl_type, name, owner_ctid, status, deprecated.
    """
    import polars as pl

    rows = []
    for link in links:
        found = resolver.resolve(link.ctid) if link.ctid else None
        rows.append(
            {
                "pattern": link.pattern,
                "ctid": link.ctid,
                "uri": link.uri,
                "path": link.path,
                "achievement_path": link.achievement_path,
                "property": link.property,
                "uri_kind": link.uri_kind,
                "resolution": "no_ctid" if not link.ctid else "resolved" if found else "not_found",
                "table": found.table if found else None,
                "ctdl_type": found.ctdl_type if found else None,
                "name": found.name if found else None,
                "owner_ctid": found.owner_ctid if found else None,
                "status": (found.status or found.life_cycle_status) if found else None,
                "deprecated": found.deprecated if found else None,
            }
        )
    schema = {
        "pattern": pl.String, "ctid": pl.String, "uri": pl.String, "path": pl.String,
        "achievement_path": pl.String, "property": pl.String, "uri_kind": pl.String, "resolution": pl.String,
        "table": pl.String, "ctdl_type": pl.String, "name": pl.String, "owner_ctid": pl.String,
        "status": pl.String, "deprecated": pl.Boolean,
    }
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


# --- live resolution (opt-in) ------------------------------------------------------------------


def fetch_live_snapshot(
    ctids: Iterable[str],
    *,
    registry: Any = None,
    out: str | Path | None = None,
    follow_owners: bool = True,
    max_ctids: int = 200,
) -> Snapshot:
    """Fetch the Registry graphs of the given CTIDs and build them into a small snapshot.

    Only CTIDs are sent to the Registry: never anything else from the LER. Organizations that own
    the fetched records are fetched too (``follow_owners``), so names can be shown.

    Args:
        ctids: CTIDs to fetch (other values are ignored).
        registry: an ``la.Registry`` client; by default one is created from the settings
            (``LER_REGISTRY_URL``, ``LER_REGISTRY_API_KEY``).
        out: where to write the snapshot (default: a new temporary folder).
        follow_owners: also fetch the owning organizations of the fetched records.
        max_ctids: refuse to fetch more than this many CTIDs in one call.

    Returns:
        The built snapshot (``source: registry:<url>``), usable with :class:`SnapshotResolver`.

    Raises:
        ler_analytics.errors.RegistryError: when the Registry cannot be reached.
    """
    from ler_analytics.registry.client import Registry

    wanted = sorted({c for c in (normalize_ctid(x) for x in ctids) if c and is_ctid(c)})
    if len(wanted) > max_ctids:
        raise ValueError(f"{len(wanted)} CTIDs requested; the live lookup is limited to {max_ctids} per call")
    client = registry if registry is not None else Registry()
    target = Path(out) if out else Path(tempfile.mkdtemp(prefix="ler-enrich-live-"))
    graphs = _fetch_graphs(client, wanted)
    if follow_owners:
        owners = sorted(_owner_ctids(graphs) - set(wanted))
        graphs.update(_fetch_graphs(client, owners[:max_ctids]))
    return _graphs_to_snapshot(graphs, target, client)


def _fetch_graphs(client: Any, ctids: list[str]) -> dict[str, Any]:
    """Graph documents for the CTIDs (one batched ``graph/search`` when the client offers it)."""
    from ler_analytics.errors import RegistryError

    graphs: dict[str, Any] = {}
    if not ctids:
        return graphs
    if hasattr(client, "graphs"):
        for graph in client.graphs(ctids):
            ctid = normalize_ctid(graph.get("@id")) if isinstance(graph, dict) else None
            if ctid:
                graphs[ctid] = graph
        return graphs
    for ctid in ctids:
        try:
            graph = client.graph(ctid)
        except RegistryError as exc:
            if exc.status == 404:
                log.info("CTID %s not found in the Registry", ctid)
                continue
            raise
        if graph:
            graphs[ctid] = graph
    return graphs


def _owner_ctids(graphs: dict[str, Any]) -> set[str]:
    owners: set[str] = set()
    for graph in graphs.values():
        nodes = graph.get("@graph", [graph]) if isinstance(graph, dict) else []
        for node in nodes if isinstance(nodes, list) else []:
            if not isinstance(node, dict):
                continue
            for key in ("ceterms:ownedBy", "ceterms:offeredBy", "ceasn:publisher", "ceasn:creator"):
                values = node.get(key)
                for value in values if isinstance(values, list) else [values]:
                    ctid = normalize_ctid(value)
                    if ctid:
                        owners.add(ctid)
    return owners


def _graphs_to_snapshot(graphs: dict[str, Any], target: Path, client: Any) -> Snapshot:
    import orjson

    from ler_analytics.build import build
    from ler_analytics.snapshot import atomic_write_bytes, open_snapshot

    src = target / "graphs"
    for ctid, graph in graphs.items():
        atomic_write_bytes(src / f"{ctid}.json", orjson.dumps(graph))
    snap_dir = target / "snapshot"
    if not graphs:
        raise SnapshotError("none of the CTIDs was found in the Registry; nothing to explain")
    build(src, out=snap_dir)
    snap = open_snapshot(snap_dir, require_complete=False)
    base_url = getattr(client, "url", None) or getattr(client, "base_url", None)
    if base_url:
        snap.manifest.setdefault("source", f"registry:{base_url}")
    return snap
