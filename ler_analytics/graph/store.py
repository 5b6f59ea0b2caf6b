"""Load a snapshot's raw JSON-LD into an embedded pyoxigraph store (offline, no server).

Graph layout (documented in ``docs/graph.md``):

* **One named graph per Registry envelope**: the graph IRI is the document's own ``@id``
  (``https://credentialengineregistry.org/graph/<ctid>``), so the quads of one record can be replaced
  or dropped as a unit. Queries see the union of all named graphs (``sparql()`` turns
  ``use_default_graph_as_union`` on; ``oxigraph serve --union-default-graph`` and Virtuoso do the
  same), so the named queries never mention graphs.
* The CTDL ``@context`` is **never fetched**: the well-known context URLs
  (``credreg.net/ctdl``, ``ctdlasn``, ``qdata``) are replaced by the context files shipped in
  ``ler_analytics/graph/contexts/``.
* Resource IRIs are canonicalised: ``…/graph/CE-ABC…`` and ``…/resources/ce-abc…`` both become
  ``…/resources/ce-abc…`` (lower-case CTID), so a reference always meets the node it points to.
  Blank-node labels are made unique per document.
* When a CTID appears in several envelopes, the newest (``node_headers.updated_at``) wins.

Documents are converted in batches: many documents share one parse of the context, which makes
loading about twice as fast as parsing them one by one (``benchmarks/bench_graph.py``). A batch that
fails to parse is retried document by document, so one bad record never loses the good ones; the
bad ones are listed in the :class:`LoadReport`.
"""

from __future__ import annotations

import base64
import functools
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from ler_analytics.errors import LerError
from ler_analytics.log import get_logger

if TYPE_CHECKING:
    import pyoxigraph

    from ler_analytics.snapshot import Snapshot

log = get_logger(__name__)

GRAPH_DIR = "graph"
"""Folder of the persistent store inside a snapshot (``<snapshot>/graph``)."""

DEFAULT_BATCH = 400

_KNOWN_CONTEXT = re.compile(r"^https?://(?:www\.)?credreg\.net/(?:ctdl|ctdlasn|qdata)/schema/context/json/?$", re.I)
_RESOURCE_IRI = re.compile(
    rb"(https?://(?:sandbox\.)?credentialengineregistry\.org/)(?:graph|resources)/([cC][eE]-[0-9a-fA-F-]{36})(?![0-9A-Za-z-])"
)
_BNODE = re.compile(rb'"_:([^"\\\s]+)"')


class GraphLoadError(LerError):
    """A snapshot could not be loaded into a graph store."""


@dataclass
class LoadReport:
    """What a load did: counts, time and the records that were skipped (with why)."""

    documents: int = 0
    quads: int = 0
    replaced: int = 0
    skipped_older: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        return (
            f"{self.documents} documents, {self.quads} quads in {self.seconds:.1f} s"
            f" ({len(self.problems)} skipped as unreadable, {self.skipped_older} older duplicates ignored)"
        )


@functools.cache
def ctdl_context() -> dict[str, Any]:
    """The shipped CTDL + CTDL-ASN JSON-LD context, merged (cached; do not mutate)."""
    base = resources.files("ler_analytics.graph") / "contexts"
    merged: dict[str, Any] = {}
    for name in ("ctdl.json", "ctdlasn.json"):
        merged.update(orjson.loads(base.joinpath(name).read_bytes())["@context"])
    return merged


@functools.cache
def _context_bytes() -> bytes:
    return orjson.dumps(ctdl_context())


def canonical_resource_iris(data: bytes) -> bytes:
    """Rewrite Registry resource IRIs in serialized JSON to ``…/resources/<lower-case ctid>``.

    Examples:
        >>> canonical_resource_iris(b'"https://credentialengineregistry.org/graph/CE-AB12CD34-0000-0000-0000-000000000000"')
        b'"https://credentialengineregistry.org/resources/ce-ab12cd34-0000-0000-0000-000000000000"'
    """
    return _RESOURCE_IRI.sub(lambda m: m.group(1) + b"resources/" + m.group(2).lower(), data)


def _decode_jwt_payload(token: str) -> dict[str, Any] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        return orjson.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, orjson.JSONDecodeError):
        return None


@dataclass
class _Doc:
    where: str
    graph_iri: str
    nodes: bytes  # serialized JSON array of node objects (canonicalised, not yet bnode-scoped)
    updated_at: str
    own_context: Any = None  # an inline context that must be processed on its own


def _as_document(record: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """Return (JSON-LD document, updated_at) from an envelope, a graph document or a resource."""
    updated = ""
    headers = record.get("node_headers")
    if isinstance(headers, dict):
        updated = str(headers.get("updated_at") or headers.get("created_at") or "")
    if "decoded_resource" in record or "envelope_id" in record or "resource" in record:
        doc = record.get("decoded_resource")
        if isinstance(doc, str):
            try:
                doc = orjson.loads(doc)
            except orjson.JSONDecodeError:
                doc = None
        if doc is None and isinstance(record.get("resource"), str):
            doc = _decode_jwt_payload(record["resource"])
            if doc is None:
                raise ValueError(
                    f"envelope {record.get('envelope_id')}: no decoded_resource and the resource JWT payload "
                    "is not readable JSON"
                )
        if isinstance(doc, dict):
            return doc, updated
        return None, updated
    if "@graph" in record or "@context" in record or "@id" in record:
        return record, updated
    return None, updated


def _prepare(record: dict[str, Any], where: str) -> _Doc:
    """Turn one raw record into a loadable document (raises ValueError with the reason)."""
    doc, updated = _as_document(record)
    if doc is None:
        raise ValueError("no JSON-LD document in the record (no decoded_resource, readable resource or @graph)")
    context = doc.get("@context")
    own_context = None
    if isinstance(context, str):
        if not _KNOWN_CONTEXT.match(context.strip()):
            raise ValueError(f"unknown @context {context!r}: only the CTDL contexts are resolved (offline)")
    elif context is not None:
        own_context = context
    nodes = doc.get("@graph")
    if nodes is None:
        nodes = [{k: v for k, v in doc.items() if k != "@context"}]
    if not isinstance(nodes, list) or not nodes:
        raise ValueError("the document's @graph is empty or not a list")
    graph_iri = doc.get("@id") if "@graph" in doc else None
    if not isinstance(graph_iri, str) or not graph_iri.startswith(("http://", "https://")):
        first = nodes[0] if isinstance(nodes[0], dict) else {}
        ctid = first.get("ceterms:ctid") or first.get("ctid")
        if isinstance(ctid, dict):
            ctid = next(iter(ctid.values()), None)
        if not isinstance(ctid, str) or not ctid:
            raise ValueError("cannot name the document's graph: no @id and no ceterms:ctid on its first node")
        graph_iri = f"https://credentialengineregistry.org/graph/{ctid.strip().lower()}"
    graph_iri = graph_iri.strip()
    m = re.search(r"ce-[0-9A-Fa-f-]{36}$", graph_iri)
    if m:
        graph_iri = graph_iri[: m.start()] + m.group(0).lower()
    return _Doc(where, graph_iri, canonical_resource_iris(orjson.dumps(nodes)), updated, own_context)


def _scoped_nodes(doc: _Doc, index: int) -> bytes:
    prefix = b'"_:d' + str(index).encode() + b"_"
    return _BNODE.sub(lambda m: prefix + m.group(1) + b'"', doc.nodes)


def _batch_bytes(docs: list[_Doc]) -> bytes:
    parts = [b'{"@context":', _context_bytes(), b',"@graph":[']
    for i, doc in enumerate(docs):
        if i:
            parts.append(b",")
        parts += [b'{"@id":', orjson.dumps(doc.graph_iri), b',"@graph":', _scoped_nodes(doc, i), b"}"]
    parts.append(b"]}")
    return b"".join(parts)


def _single_bytes(doc: _Doc, index: int) -> bytes:
    context = _context_bytes() if doc.own_context is None else orjson.dumps(doc.own_context)
    return b"".join(
        [b'{"@context":', context, b',"@id":', orjson.dumps(doc.graph_iri), b',"@graph":', _scoped_nodes(doc, index),
         b"}"]
    )


def iter_records(source: Snapshot | str | Path) -> Iterator[tuple[str, dict[str, Any] | None, str]]:
    """Yield ``(where, record, error)`` for every raw envelope of a snapshot, streaming.

    ``where`` is ``raw/<file>:<line>``; ``record`` is None when the line is not JSON (``error`` says why).
    """
    from ler_analytics.snapshot import iter_raw_lines

    base = Path(source.path if hasattr(source, "path") else source)  # type: ignore[union-attr]
    for rel, number, line in iter_raw_lines(base):
        where = f"{rel}:{number}"
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield where, None, f"not JSON ({exc})"
            continue
        if not isinstance(record, dict):
            yield where, None, "not a JSON object"
            continue
        yield where, record, ""


def iter_documents(
    records: Iterable[tuple[str, dict[str, Any] | None, str]], report: LoadReport
) -> Iterator[_Doc]:
    """Prepare documents from raw records, recording unreadable ones in ``report``."""
    for where, record, error in records:
        if record is None:
            report.problems.append((where, error))
            continue
        try:
            yield _prepare(record, where)
        except ValueError as exc:
            report.problems.append((where, str(exc)))


def _add_docs(store: pyoxigraph.Store, docs: list[_Doc], report: LoadReport) -> None:
    """Load one batch in one transaction; on a parse error, retry the documents one by one."""
    import pyoxigraph as ox

    if not docs:
        return
    plain = [d for d in docs if d.own_context is None]
    single = [d for d in docs if d.own_context is not None]
    if plain:
        try:
            store.load(_batch_bytes(plain), ox.RdfFormat.JSON_LD)
        except (SyntaxError, ValueError):
            single = docs  # a transaction: nothing was written; isolate the bad document(s)
        else:
            report.documents += len(plain)
    for index, doc in enumerate(single):
        try:
            store.load(_single_bytes(doc, index), ox.RdfFormat.JSON_LD)
        except (SyntaxError, ValueError) as exc:
            report.problems.append((doc.where, f"JSON-LD could not be read: {str(exc)[:300]}"))
            continue
        report.documents += 1


def load_documents(
    store: pyoxigraph.Store,
    docs: Iterable[_Doc],
    *,
    report: LoadReport | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> LoadReport:
    """Add prepared documents to ``store`` in batches; newest envelope per graph wins."""
    import pyoxigraph as ox

    report = report or LoadReport()
    started = time.perf_counter()
    seen: dict[str, str] = {}
    batch: list[_Doc] = []
    in_batch: dict[str, int] = {}
    for doc in docs:
        previous = seen.get(doc.graph_iri)
        if previous is not None:
            if doc.updated_at and previous and doc.updated_at < previous:
                report.skipped_older += 1
                continue
            report.replaced += 1
            seen[doc.graph_iri] = doc.updated_at
            if doc.graph_iri in in_batch:
                batch[in_batch[doc.graph_iri]] = doc  # not loaded yet: swap in place
                continue
            store.remove_graph(ox.NamedNode(doc.graph_iri))
        seen[doc.graph_iri] = doc.updated_at
        in_batch[doc.graph_iri] = len(batch)
        batch.append(doc)
        if len(batch) >= batch_size:
            _add_docs(store, batch, report)
            batch, in_batch = [], {}
    _add_docs(store, batch, report)
    report.seconds += time.perf_counter() - started
    return report


def load_into(
    store: pyoxigraph.Store,
    snapshot: Snapshot | str | Path,
    *,
    batch_size: int = DEFAULT_BATCH,
    report: LoadReport | None = None,
) -> LoadReport:
    """Load every raw envelope of ``snapshot`` into an existing store; return what happened."""
    report = report if report is not None else LoadReport()
    started = time.perf_counter()
    load_documents(store, iter_documents(iter_records(snapshot), report), report=report, batch_size=batch_size)
    report.quads = len(store)
    report.seconds = time.perf_counter() - started
    for where, reason in report.problems[:20]:
        log.warning("graph load skipped %s: %s", where, reason)
    if len(report.problems) > 20:
        log.warning("graph load skipped %d more records", len(report.problems) - 20)
    log.info("graph load: %s", report.summary())
    return report


def load_store(
    snapshot: Snapshot | str | Path,
    path: str | Path | None = None,
    *,
    batch_size: int = DEFAULT_BATCH,
    report: LoadReport | None = None,
) -> pyoxigraph.Store:
    """Load a snapshot's raw JSON-LD into a pyoxigraph store.

    Args:
        snapshot: a :class:`~ler_analytics.snapshot.Snapshot` or the path of a snapshot folder.
        path: folder for a persistent (RocksDB) store; None keeps the store in memory. The folder
            is written atomically: the store is built beside it and renamed into place.
        batch_size: documents converted per JSON-LD parse.
        report: a :class:`LoadReport` to fill in (counts, skipped records); it is also logged.

    Returns:
        The store.

    Examples:
        >>> store = load_store(snap)  # doctest: +SKIP
        >>> sparql(store, "credential_types").head()  # doctest: +SKIP
    """
    import pyoxigraph as ox

    if path is None:
        store = ox.Store()
        load_into(store, snapshot, batch_size=batch_size, report=report)
        return store
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        store = ox.Store(str(tmp))
        load_into(store, snapshot, batch_size=batch_size, report=report)
        store.flush()
        del store
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.replace(old)
            tmp.replace(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.replace(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ox.Store(str(target))


def open_store(path: str | Path, *, read_only: bool = True) -> pyoxigraph.Store:
    """Open a persistent store: a store folder, or a snapshot folder holding ``graph/``."""
    import pyoxigraph as ox

    base = Path(path)
    if (base / "manifest.json").exists():
        base = base / GRAPH_DIR
    if not base.is_dir() or not (base / "CURRENT").exists():  # RocksDB keeps a CURRENT file
        raise GraphLoadError(f"no graph store at {base}. Create it with `ler graph {Path(path)}`.")
    try:
        return ox.Store.read_only(str(base)) if read_only else ox.Store(str(base))
    except OSError as exc:
        raise GraphLoadError(f"{base} cannot be opened as a pyoxigraph store ({exc})") from exc
